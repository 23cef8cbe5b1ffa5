#!/bin/sh
# native-tests.sh - the native side of the test suite, for the Makefile:
#   native-tests.sh note BUILD
#       after ctest: on a host that cannot run i386 programs, one line
#       saying that the native_* tests were skipped and why (the answer of
#       the native_host fixture, BUILD/tests/guest/native-host.txt).
#   native-tests.sh no-native BUILD JOBS
#       `make test-no-native`: the guest and CLI tests with
#       XBT_NO_NATIVE=1, the path of a host without IA32 emulation taken on
#       purpose.  Everything must pass against the committed references,
#       and every native_* test must be reported as skipped: neither failed
#       nor silently passed.
set -u
die() { echo "native-tests.sh: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: native-tests.sh note BUILD | no-native BUILD JOBS"
build=$2
verdict_file=$build/tests/guest/native-host.txt

case $1 in
note)
    [ -r "$verdict_file" ] || exit 0
    verdict=$(head -n 1 "$verdict_file")
    [ "$verdict" = yes ] ||
        echo "note: the native_* tests were skipped (not failed): ${verdict#no: }"
    ;;
no-native)
    jobs=${3:-2}
    log=$build/no-native.log
    (cd "$build" && XBT_NO_NATIVE=1 ctest -j"$jobs" --output-on-failure -L 'guest|cli') >"$log" 2>&1
    rc=$?
    tail -n 25 "$log"
    [ "$rc" = 0 ] || { echo "test-no-native: ctest failed (status $rc; $log)"; exit 1; }
    want=$(cd "$build" && ctest -N -L native | grep -E 'Test +#[0-9]+: native_' |
           grep -vc ': native_host$')
    got=$(grep -c ' - native_[a-z0-9_]* (Skipped)' "$log")
    passed=$(grep -E 'Test +#[0-9]+: native_[a-z0-9_]+ .*Passed' "$log" | grep -vc ': native_host ')
    if [ "$got" != "$want" ] || [ "$passed" != 0 ]; then
        echo "test-no-native: $got of $want native tests skipped, $passed passed: want all skipped"
        exit 1
    fi
    echo "test-no-native: all $want native tests skipped, every other test passed"
    ;;
*)
    die "unknown command $1"
    ;;
esac
