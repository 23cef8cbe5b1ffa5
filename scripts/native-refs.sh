#!/bin/sh
# native-refs.sh LIST XBT GUEST_DIR - regenerates the committed native
# references (`make native-refs`; run from the source tree):
#   - every PORTABLE guest test's and native twin's expected output, from
#     its native program (LIST, written by tests/guest/CMakeLists.txt: NAME
#     PROGRAM REFERENCE CPU_SPECIFIC per line; a CPU_SPECIFIC test's
#     reference is REFERENCE.CPUKEY.expected for this CPU, tests/guest/
#     cpu_key.sh);
#   - the `xbt bench` checksums, guests/bench/checksums.txt (`xbt bench
#     --write-checksums`).
# Refuses, with the reason and status 2, on a host that cannot run i386
# programs (asked once: `xbt bench --check-native`).  A native program that
# fails leaves its reference as it was and makes the status 1.
set -u
[ $# -eq 3 ] || { echo "usage: native-refs.sh LIST XBT GUEST_DIR" >&2; exit 2; }
list=$1 xbt=$2 guests=$3
here=$(cd "$(dirname "$0")/.." && pwd)

verdict=$("$xbt" bench --check-native --guests "$guests")
if [ "$verdict" != yes ]; then
    echo "native-refs: refused: the references come from native runs, and this host has none: ${verdict#no: }" >&2
    exit 2
fi
[ -s "$list" ] || { echo "native-refs: $list is empty (configure the build first)" >&2; exit 2; }
cpu=$(sh "$here/tests/guest/cpu_key.sh")
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
total=0 changed=0 failed=0
while read -r name prog ref cpu_specific; do
    [ "$cpu_specific" = 1 ] && ref=$ref.$cpu.expected
    total=$((total + 1))
    timeout -k 5 300 "$prog" </dev/null >"$tmp" 2>/dev/null
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "native-refs: FAILED: $prog exited with status $rc; $ref left as it was" >&2
        failed=$((failed + 1))
    elif ! cmp -s "$tmp" "$ref"; then
        cp "$tmp" "$ref" || exit 2
        echo "updated: ${ref#"$here"/} ($name)"
        changed=$((changed + 1))
    fi
done <"$list"
echo "native-refs: $total references from native runs on $cpu: $changed updated, $failed failed"
"$xbt" bench --write-checksums "$here/guests/bench/checksums.txt" --guests "$guests" 2>&1 |
    grep -E 'was|error' || true
echo "native-refs: guests/bench/checksums.txt written (git diff shows what changed)"
[ "$failed" = 0 ]
