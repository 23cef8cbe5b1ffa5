#!/bin/sh
# bench.sh - a thin wrapper kept for old habits: runs `xbt bench` (the
# benchmark harness, src/bench/) from the build directory $BUILD (default
# build) with every argument passed on; see `build/xbt bench --help`.
#   scripts/bench.sh --runs 3 -c "--no-chain" --only crc32,sort
set -eu
BUILD=${BUILD:-build}
exec "$BUILD/xbt" bench "$@"
