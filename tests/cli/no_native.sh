#!/bin/sh
# no_native.sh XBT GUESTS NO_IA32 SRC - the suite and `xbt bench` on a host
# that cannot run i386 programs, through the real detection (no_ia32: a
# seccomp filter kills i386 processes, so the probe dies) and through the
# XBT_NO_NATIVE switch:
#   - `xbt bench --check-native` says no, with the reason, status 1;
#   - `xbt bench --quick` says so once, runs xbt and QEMU, checks the
#     committed checksums, exits 0; native is absent from the configurations
#     and null/empty in the JSON/CSV ratios; the plot is relative to QEMU;
#   - run_guest.sh: native tests skipped (77) with the reason; XBT_NO_NATIVE
#     wins over a fixture that said yes; a CPU_SPECIFIC test on a CPU
#     without a committed reference is skipped without native runs;
#   - make native-refs refuses (status 2, one line);
#   - where this host does run i386 programs: a stale committed reference
#     fails its native test, and a CPU_SPECIFIC test on a CPU without a
#     committed reference runs against the native output.
set -u
XBT=$1 G=$2 NO_IA32=$3 SRC=$4
unset XBT_NO_NATIVE               # set below where wanted
RG=$SRC/tests/guest/run_guest.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

# --check-native: really probing, and forced
"$NO_IA32" "$XBT" bench --check-native >"$T/c1" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '^no: the static i386 probe was killed by signal 31' "$T/c1"; then ok
else bad "check-native under no_ia32: status $rc: $(cat "$T/c1")"; fi
XBT_NO_NATIVE=1 "$XBT" bench --check-native >"$T/c2" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '^no: XBT_NO_NATIVE=1 is set' "$T/c2"; then ok
else bad "check-native with XBT_NO_NATIVE=1: status $rc: $(cat "$T/c2")"; fi
host_native=$("$XBT" bench --check-native)

# xbt bench without native runs
qemu=$(command -v qemu-system-i386 || true)
plot=
command -v gnuplot >/dev/null 2>&1 && plot="--plot $T/p.svg"
# shellcheck disable=SC2086
"$NO_IA32" "$XBT" bench --quick --runs 1 --only sort,qsort,syscall --json "$T/b.json" \
    --csv "$T/b.csv" $plot >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "bench under no_ia32 exited $rc"; cat "$T/err"; fi
if [ "$(grep -c 'no native runs: the static i386 probe was killed' "$T/err")" = 1 ] &&
   grep -q '^native: not run: ' "$T/out" && ! grep -q 'native FAILED' "$T/err"; then ok
else bad "the no-native notice (once, with the reason)"; cat "$T/err"; fi
if grep -q '"native": {"available": false, "reason": "the static i386 probe' "$T/b.json" &&
   ! grep -q '"kind": "native"' "$T/b.json" && ! grep -q '"ratio_native": [0-9]' "$T/b.json" &&
   ! grep -q '"reference_source": "first run"' "$T/b.json"; then ok
else bad "JSON: native unavailable, ratios null, committed checksums"; fi
if awk -F, 'NR > 1 && $11 != "" { bad = 1 } END { exit bad }' "$T/b.csv"; then ok
else bad "CSV: ratio_native must be empty without native runs"; fi
if [ -n "$qemu" ]; then
    if grep -q '"ratio_qemu": [0-9]' "$T/b.json" &&
       grep -E '^  xbt +[0-9.]+ +[0-9.]+ +[0-9.]+ +- +[0-9.]+$' "$T/out" >/dev/null; then ok
    else bad "xbt/QEMU ratios missing"; cat "$T/out"; fi
    if [ -n "$plot" ]; then
        if grep -q 'time / QEMU time' "$T/p.svg"; then ok
        else bad "the plot is not labelled relative to QEMU"; fi
    fi
fi

# run_guest.sh: skipped with the reason
common="--name arith --elf $G/arith.elf --expected $SRC/tests/guest/kernels/arith.expected --outdir $T --xbt $XBT"
# shellcheck disable=SC2086
"$NO_IA32" sh "$RG" native $common --native "$G/native/arith" >"$T/r1" 2>&1
rc=$?
if [ "$rc" = 77 ] && grep -q '^SKIPPED: arith (native): the static i386 probe was killed' "$T/r1"; then ok
else bad "native test under no_ia32: status $rc: $(cat "$T/r1")"; fi
echo yes >"$T/host-yes"
# shellcheck disable=SC2086
XBT_NO_NATIVE=1 sh "$RG" native $common --native "$G/native/arith" --native-host "$T/host-yes" \
    >"$T/r2" 2>&1
rc=$?
if [ "$rc" = 77 ] && grep -q '^SKIPPED: arith (native): XBT_NO_NATIVE=1 is set' "$T/r2"; then ok
else bad "XBT_NO_NATIVE=1 over a 'yes' verdict: status $rc: $(cat "$T/r2")"; fi
trans="--name isa_x87_trans --elf $G/isa_x87_trans.elf --expected-cpu $SRC/tests/guest/kernels/isa_x87_trans --native $G/native/isa_x87_trans --outdir $T --xbt $XBT"
# shellcheck disable=SC2086
XBT_CPU_KEY=NoSuchCPU-0-0 XBT_NO_NATIVE=1 sh "$RG" xbt $trans >"$T/r3" 2>&1
rc=$?
if [ "$rc" = 77 ] && grep -q 'no reference committed for this CPU' "$T/r3"; then ok
else bad "CPU_SPECIFIC without a reference or native runs: status $rc: $(cat "$T/r3")"; fi

# make native-refs refuses
XBT_NO_NATIVE=1 sh "$SRC/scripts/native-refs.sh" /dev/null "$XBT" "$G" >"$T/n1" 2>"$T/n2"
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <"$T/n2")" = 1 ] && grep -q 'refused' "$T/n2" && [ ! -s "$T/n1" ]; then ok
else bad "native-refs without native runs: status $rc: $(cat "$T/n1" "$T/n2")"; fi

if [ "$host_native" = yes ]; then
    # a stale committed reference is caught by the native test
    sed '1s/$/ (stale)/' "$SRC/tests/guest/kernels/arith.expected" >"$T/stale.expected"
    sh "$RG" native --name arith --elf "$G/arith.elf" --expected "$T/stale.expected" \
        --outdir "$T" --xbt "$XBT" --native "$G/native/arith" >"$T/s1" 2>&1
    rc=$?
    if [ "$rc" = 1 ] && grep -q 'native reference output (vs. expected file) differs' "$T/s1"; then ok
    else bad "a stale reference was not caught: status $rc"; fi
    # shellcheck disable=SC2086
    XBT_CPU_KEY=NoSuchCPU-0-0 sh "$RG" xbt $trans >"$T/r4" 2>&1
    rc=$?
    if [ "$rc" = 0 ] && grep -q 'note: no reference committed for this CPU' "$T/r4"; then ok
    else bad "CPU_SPECIFIC against the native output: status $rc: $(cat "$T/r4")"; fi
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
