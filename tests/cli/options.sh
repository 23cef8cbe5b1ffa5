#!/bin/sh
# options.sh XBT GUESTDIR - the run options whose effect is outside the
# guest's output: --stats-json, -d/-D logs, --perf-map, --reboot,
# --tcache-stats and the --tcache-policy statistics.
set -u
XBT=$1 G=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

"$XBT" run --stats-json "$T/s.json" "$G/hello.elf" >/dev/null 2>&1
if grep -q '"tcache": {' "$T/s.json" && grep -q '"translations": [1-9]' "$T/s.json" &&
   grep -q '"mmu": {' "$T/s.json" && tail -n 1 "$T/s.json" | grep -q '^}$'; then ok
else bad "--stats-json: $(head -c 300 "$T/s.json")"; fi

# unit entries are counted only with --tcache-stats, and there are at least
# as many as translations (every unit made is entered)
"$XBT" run --stats-json "$T/n.json" "$G/bench_codefoot.elf" >/dev/null 2>&1
"$XBT" run --tcache-stats --stats-json "$T/e.json" "$G/bench_codefoot.elf" >/dev/null 2>&1
num() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" "$2" | head -n 1; }
if [ "$(num unit_entries "$T/n.json")" = 0 ] &&
   [ "$(num unit_entries "$T/e.json")" -gt "$(num translations "$T/e.json")" ]; then ok
else bad "--tcache-stats: entries $(num unit_entries "$T/e.json"), translations $(num translations "$T/e.json")"; fi

# a 64 KiB cache: fifo evicts (no flush), gen promotes, flush flushes
for p in flush fifo gen; do
    "$XBT" run --tcache-size 64K --tcache-policy=$p --stats-json "$T/$p.json" \
        "$G/bench_codefoot.elf" >"$T/$p.out" 2>/dev/null
done
if [ "$(num flushes "$T/flush.json")" -gt 0 ] && [ "$(num evictions "$T/flush.json")" = 0 ] &&
   [ "$(num flushes "$T/fifo.json")" = 0 ] && [ "$(num evictions "$T/fifo.json")" -gt 0 ] &&
   [ "$(num promotions "$T/gen.json")" -gt 0 ] &&
   cmp -s "$T/flush.out" "$T/fifo.out" && cmp -s "$T/flush.out" "$T/gen.out"; then ok
else bad "--tcache-policy statistics: flush $(num flushes "$T/flush.json") fifo $(num evictions "$T/fifo.json") gen $(num promotions "$T/gen.json")"; fi

"$XBT" run -d in_asm,out_asm -D "$T/log" "$G/hello.elf" >/dev/null 2>&1
if grep -q '^IN: unit at' "$T/log" && grep -q '^OUT: \[size=' "$T/log"; then ok
else bad "-d in_asm,out_asm -D: $(head -c 200 "$T/log")"; fi

"$XBT" run --perf-map "$G/hello.elf" >/dev/null 2>&1 &
pid=$!
wait $pid
if [ -s "/tmp/perf-$pid.map" ] && grep -q ' guest_' "/tmp/perf-$pid.map"; then ok
else bad "--perf-map: /tmp/perf-$pid.map missing or empty"; fi
rm -f "/tmp/perf-$pid.map"

# --reboot: the reset restarts the machine (the guest resets again, forever)
timeout 5 "$XBT" run --reboot "$G/kbc_reset.elf" >"$T/out" 2>"$T/err" </dev/null
if [ "$(grep -c '^resetting' "$T/out")" -ge 2 ] && grep -q 'rebooting' "$T/err"; then ok
else bad "--reboot: $(grep -c '^resetting' "$T/out") boots"; fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
