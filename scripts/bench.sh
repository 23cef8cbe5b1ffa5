#!/bin/sh
# bench.sh - interim benchmark runner (until `xbt bench` exists): runs each
# workload in guests/bench natively (-m32 -static twin), under xbt with each
# configuration, and under qemu-system-i386 (TCG) when installed; RUNS runs
# interleaved between configurations; prints median (min..max) wall time
# and the ratio of medians to native.  The measured region is the whole
# process (VMM start-up and guest boot included: a few ms, see `empty`).
#
# usage: scripts/bench.sh [-b BUILD] [-n RUNS] [-w "crc32=40 sort=3 ..."] [-- XBT_OPTS...]...
#   each `-c "OPTS"` adds an xbt configuration (default: one with no options)
set -eu
BUILD=build RUNS=5
WORK="crc32=1500 sort=20 qsort=20 bytecode=15"
CONFIGS=""
while getopts "b:n:w:c:" o; do
    case $o in
    b) BUILD=$OPTARG ;;
    n) RUNS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    c) CONFIGS="$CONFIGS|$OPTARG" ;;
    *) echo "usage: $0 [-b BUILD] [-n RUNS] [-w 'name=N ...'] [-c 'xbt options']..." >&2; exit 2 ;;
    esac
done
[ -n "$CONFIGS" ] || CONFIGS="||"
XBT=$BUILD/xbt G=$BUILD/guests
QEMU=$(command -v qemu-system-i386 || true)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

now() { date +%s%N; }
run_one() {   # label cmd... ; appends "label ns" to $T/times
    label=$1
    shift
    s=$(now)
    "$@" >"$T/out" 2>/dev/null || true
    e=$(now)
    echo "$label $((e - s))" >>"$T/times"
}

for w in $WORK; do
    name=${w%%=*} n=${w#*=}
    i=0
    while [ $i -lt "$RUNS" ]; do
        run_one "$name native" "$G/native/bench_$name" "$n"
        ref=$(cat "$T/out")
        IFS='|'
        k=0
        for c in $CONFIGS; do
            [ $k -eq 0 ] && { k=1; continue; }
            unset IFS
            # shellcheck disable=SC2086
            run_one "$name xbt${c:+ $c}" "$XBT" run $c --append "$n" "$G/bench_$name.elf"
            [ "$(cat "$T/out")" = "$ref" ] || echo "MISMATCH: $name xbt $c" >&2
            IFS='|'
        done
        unset IFS
        if [ -n "$QEMU" ]; then
            run_one "$name qemu" "$QEMU" -kernel "$G/bench_$name.elf" -append "$n" -display none \
                -monitor none -nodefaults -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128
            [ "$(cat "$T/out")" = "$ref" ] || echo "MISMATCH: $name qemu" >&2
        fi
        i=$((i + 1))
    done
done

awk '
{ label = $1; for (k = 2; k < NF; k++) label = label " " $k; t[label, ++cnt[label]] = $NF / 1e9
  if (!(label in seen)) { seen[label] = 1; order[++no] = label } }
function median(l,   n, i, j, a, tmp) {
    n = cnt[l]; for (i = 1; i <= n; i++) a[i] = t[l, i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { tmp = a[i]; a[i] = a[j]; a[j] = tmp }
    mn[l] = a[1]; mx[l] = a[n]
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
END {
    printf "%-28s %9s %19s %8s\n", "workload / config", "median s", "(min..max)", "/native"
    for (i = 1; i <= no; i++) {
        l = order[i]; split(l, parts, " "); m = median(l)
        if (parts[2] == "native") nat = m
        printf "%-28s %9.3f %8.3f..%-8.3f %8.2f\n", l, m, mn[l], mx[l], m / nat
    }
}' "$T/times"
