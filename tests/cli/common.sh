# common.sh - sourced by the CLI test scripts after they set K (the kernel
# they need): skips (77) when K was not built, makes the temporary
# directory T (removed at exit) and the ok/bad counters; `finish` prints
# the tally and sets the status.
[ -f "$K" ] || { echo "$K not built: skipped"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }
finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}
