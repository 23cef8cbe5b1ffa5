#!/bin/sh
# bench_smoke.sh XBT - CI smoke run of `xbt bench`: every workload (but the
# opt-in linux class: bench_linux.sh) once at its --quick size, natively
# (where this host runs i386 programs), under xbt and under QEMU when
# installed.  The run must exit 0 (every run ended with both markers and
# the expected status, and every checksum equals the committed
# reference), the JSON must parse and hold every sample, the CSV
# must have one row per sample.  Without native runs (no IA32 emulation,
# or XBT_NO_NATIVE=1) the native configuration must be absent and every
# ratio to native null (JSON) or empty (CSV).  No timing is checked.
set -u
XBT=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

"$XBT" bench --quick --runs 1 --json "$T/b.json" --csv "$T/b.csv" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok
else bad "xbt bench --quick exited with $rc"; cat "$T/err" "$T/out"; fi

# the workloads a run without --only has: all but the opt-in linux and disk
# classes
nwl=$("$XBT" bench --list | awk 'NR > 1 && $2 != "linux" && $2 != "disk"' | wc -l)
if command -v python3 >/dev/null 2>&1; then
    if python3 - "$T/b.json" "$nwl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert len(d["workloads"]) == n, "workloads"
kinds = [c["kind"] for c in d["configs"]]
native = d["native"]["available"]
if native:
    assert kinds[0] == "native" and "xbt" in kinds, kinds
    assert d["native"]["reason"] is None
else:
    assert "native" not in kinds and "xbt" in kinds, kinds
    assert d["native"]["reason"], "no reason given"
    assert all(x["ratio_native"] is None for x in d["summary"]), "ratio_native not null"
s = d["samples"]
assert len(s) >= n * (2 if native else 1), "samples"
assert all(x["ok"] and x["checksum_ok"] for x in s), "a sample failed"
assert all("tcache" in x["stats"] for x in s if x["config"].startswith("xbt")), "stats"
for w in d["workloads"]:
    sums = {x["checksum"] for x in s if x["workload"] == w["name"]}
    assert sums == {w["reference_checksum"]}, (w["name"], sums)
    assert w["reference_source"] == "committed", w
PY
    then ok; else bad "JSON check ($T/b.json)"; head -c 2000 "$T/b.json"; fi
else
    if grep -q '"samples": \[' "$T/b.json" && tail -n 1 "$T/b.json" | grep -q '^}$' &&
       ! grep -q '"ok": false' "$T/b.json"; then ok
    else bad "JSON check (grep)"; fi
fi

rows=$(($(wc -l <"$T/b.csv") - 1))
if [ "$rows" -ge "$nwl" ] &&
   head -n 1 "$T/b.csv" | grep -q '^workload,class,config,run,.*,ratio_native,ratio_qemu,'; then ok
else bad "CSV: $rows rows"; fi

# usage errors: status 2 and one line
"$XBT" bench --only nosuch >/dev/null 2>"$T/e1"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/e1")" -eq 1 ]; then ok
else bad "--only nosuch: status $rc, $(cat "$T/e1")"; fi

# --plot without gnuplot: one clear line, status 2, before anything runs
PATH=/nonexistent "$XBT" bench --quick --plot "$T/p.svg" >/dev/null 2>"$T/e2"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/e2")" -eq 1 ] && grep -q gnuplot "$T/e2"; then ok
else bad "--plot without gnuplot: status $rc, $(cat "$T/e2")"; fi

# the plots and a two-knob sweep (the product of the values), with gnuplot
if command -v gnuplot >/dev/null 2>&1; then
    "$XBT" bench --quick --only crc32,jit --no-qemu --plot "$T/p.svg" >"$T/out" 2>"$T/err"
    if [ $? -eq 0 ] && grep -q '<svg' "$T/p.svg"; then ok
    else bad "--plot p.svg"; cat "$T/err"; fi
    "$XBT" bench --quick --only jit --no-qemu --sweep "--max-unit-insns=1,64" \
        --sweep "--tcache-size=64K,1M" --plot "$T/s.png" --json "$T/s.json" >"$T/out" 2>"$T/err"
    if [ $? -eq 0 ] && [ -s "$T/s.png" ] &&
       [ "$(grep -c '"kind": "xbt"' "$T/s.json")" -eq 4 ] &&
       grep -q 'xbt --max-unit-insns=64 --tcache-size=64K' "$T/out"; then ok
    else bad "--sweep"; cat "$T/err" "$T/out"; fi
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
