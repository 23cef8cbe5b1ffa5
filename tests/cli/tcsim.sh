#!/bin/sh
# tcsim.sh XBT GUESTS - translation-cache traces (docs/tcsim.md): a trace of
# codefoot recorded with xbt run --tcache-trace and replayed by xbt tcsim at
# the size and policy of a live run without tracing (virtual clock) gives
# the live run's translations (within 1%; exact in practice) and its
# unit entries; a sweep prints its table and CSV; every bad input gets one
# error line and status 2.
set -u
XBT=$1 G=$2
K=$G/bench_codefoot.elf
. "$(dirname "$0")/common.sh"

# field NAME FILE: the first "NAME": value of a --stats-json file
field() { sed -n "s/^ *\"$1\": \([0-9]*\).*/\1/p" "$2" | head -1; }
# within A B [PCT]: A and B differ by at most PCT% (default 1) of B
within() { [ $(( ($1 - $2) * ($1 - $2) * 10000 )) -le $(( $2 * $2 * ${3:-1} * ${3:-1} )) ]; }

run() { "$XBT" run --clock=virtual --append 20 "$@" "$K" >"$T/run.out" 2>&1; }

# the recording: the default cache (nothing evicted), every unit entry
# (codefoot ends through isa-debug-exit: status 1)
run --tcache-trace "$T/cf.tct" --tcache-stats --stats-json "$T/rec.json"
st=$?
if [ "$st" -eq 1 ] && [ -s "$T/cf.tct" ]; then ok; else
    bad "recording: status $st"; cat "$T/run.out"
fi
entries=$(field unit_entries "$T/rec.json")
for cfg in "128K fifo" "256K flush" "128K clock" "512K gen"; do
    set -- $cfg
    run --tcache-size "$1" --tcache-policy "$2" --stats-json "$T/live.json"
    live=$(field translations "$T/live.json")
    if "$XBT" tcsim "$T/cf.tct" --tcache-size "$1" --tcache-policy "$2" \
        --stats-json "$T/sim.json" >"$T/sim.out" 2>&1; then ok; else
        bad "tcsim $cfg: status $?"; cat "$T/sim.out"
    fi
    sim=$(field translations "$T/sim.json")
    simentries=$(field unit_entries "$T/sim.json")
    if [ -n "$live" ] && [ -n "$sim" ] && within "$sim" "$live"; then ok; else
        bad "$cfg: tcsim $sim translations, live $live"
    fi
    if [ "$simentries" = "$entries" ]; then ok; else
        bad "$cfg: tcsim $simentries unit entries, recorded run $entries (--tcache-stats)"
    fi
done

# recorded at the size and policy it is replayed at (tcsim's defaults):
# the run's own evictions are in the trace, the sizes without the trace's
# (approximate: the recording run, with its larger units, evicted other
# units than the live run does, and stores to pages it had no code on are
# not in the trace; codefoot: 1.1%, so within 2%)
run --tcache-size 128K --tcache-policy fifo --tcache-trace "$T/small.tct" --stats-json "$T/rec2.json"
run --tcache-size 128K --tcache-policy fifo --stats-json "$T/live.json"
"$XBT" tcsim "$T/small.tct" --stats-json "$T/sim.json" >"$T/sim.out" 2>&1
live=$(field translations "$T/live.json")
sim=$(field translations "$T/sim.json")
if [ -n "$live" ] && [ -n "$sim" ] && within "$sim" "$live" 2; then ok; else
    bad "recorded and replayed at 128K fifo: tcsim $sim translations, live $live"
fi

# a sweep: one table row and one CSV row per point
if "$XBT" tcsim "$T/cf.tct" --sweep sizes=128K,1M,policies=flush,fifo,gen,clock \
    --csv "$T/s.csv" >"$T/sweep.out" 2>&1 && [ "$(grep -c '^128K\|^1M' "$T/sweep.out")" -eq 8 ] &&
    [ "$(wc -l <"$T/s.csv")" -eq 9 ]; then ok; else
    bad "sweep"; cat "$T/sweep.out"
fi

# check NAME PATTERN ARGS... : status 2, stderr one line matching PATTERN
check() {
    name=$1 pat=$2
    shift 2
    "$XBT" tcsim "$@" >"$T/out" 2>"$T/err" </dev/null
    st=$?
    lines=$(wc -l <"$T/err")
    if [ "$st" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$T/err"; then ok; else
        bad "$name: status $st, $lines stderr lines, expected /$pat/:"
        sed 's/^/    /' "$T/err"
    fi
}
check no-trace "no trace file" 
check missing "cannot read" "$T/nonexistent.tct"
printf 'not a trace\n' >"$T/text"
check not-zstd "not a zstd" "$T/text"
printf 'not a trace at all, but compressed\n' | zstd -q >"$T/notrace.tct" 2>/dev/null &&
    check not-trace "not an xbt translation-cache trace" "$T/notrace.tct"
head -c $(( $(wc -c <"$T/cf.tct") / 2 )) "$T/cf.tct" >"$T/half.tct"
check truncated "truncated" "$T/half.tct"
: >"$T/empty.tct"
check empty "empty or truncated" "$T/empty.tct"
python3 -c "import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[len(d) // 2] ^= 0x55; open(sys.argv[2], 'wb').write(d)" \
    "$T/cf.tct" "$T/flipped.tct" && check corrupt "corrupt" "$T/flipped.tct"
check two-traces "more than one trace" "$T/cf.tct" "$T/cf.tct"
check bad-option "unknown option" "$T/cf.tct" --frobnicate
check bad-size "tcache-size" "$T/cf.tct" --tcache-size 4K
check bad-size-text "tcache-size" "$T/cf.tct" --tcache-size lots
check bad-policy "tcache-policy" "$T/cf.tct" --tcache-policy lru
check bad-nursery "tcache-nursery" "$T/cf.tct" --tcache-nursery 95
check missing-value "missing value" "$T/cf.tct" --tcache-size
check sweep-no-policies "sizes=... and policies" "$T/cf.tct" --sweep sizes=128K
check sweep-bad-policy "unknown policy" "$T/cf.tct" --sweep sizes=128K,policies=lru
check sweep-bad-size "bad or too many sizes" "$T/cf.tct" --sweep sizes=1,policies=fifo
check plot-needs-sweep "need --sweep" "$T/cf.tct" --plot "$T/p.svg"
check plot-extension "svg or .png" "$T/cf.tct" --sweep sizes=128K,policies=fifo --plot "$T/p.pdf"
finish
