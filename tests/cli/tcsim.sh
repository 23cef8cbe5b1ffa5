#!/bin/sh
# tcsim.sh XBT GUESTS - translation-cache traces (docs/tcsim.md): a trace of
# codefoot recorded with xbt run --tcache-trace and replayed by xbt tcsim at
# the size and policy of a live run without tracing (virtual clock) gives
# the live run's translations (within 1%; exact in practice) and its
# unit entries, recorded exactly and in windows (--tcache-trace-window); a sweep prints its table and CSV; every bad input gets one
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

# the recordings: the default cache (nothing evicted), every unit entry in
# order (the default) and in windows of 8K of code (the sizes replayed are
# 16 times that or more; codefoot ends through isa-debug-exit: status 1)
run --tcache-trace "$T/cf0.tct" --tcache-stats --stats-json "$T/rec.json"
st=$?
run --tcache-trace "$T/cf.tct" --tcache-trace-window 8K --tcache-stats --stats-json "$T/recw.json"
st2=$?
if [ "$st" -eq 1 ] && [ "$st2" -eq 1 ] && [ -s "$T/cf0.tct" ] && [ -s "$T/cf.tct" ]; then ok; else
    bad "recording: status $st, $st2"; cat "$T/run.out"
fi
# records NAME: the records tcsim read from NAME.tct
records() { "$XBT" tcsim "$T/$1.tct" 2>/dev/null | sed -n 's/.*: \([0-9]*\) records.*/\1/p'; }
r0=$(records cf0) r8=$(records cf)
if [ -n "$r0" ] && [ -n "$r8" ] && [ "$r8" -lt $((r0 * 9 / 10)) ]; then ok; else
    bad "the windowed trace has $r8 records, the exact one $r0"
fi
entries=$(field unit_entries "$T/rec.json")
# the recorder's counters: no windows in the exact trace; in the windowed
# one, fewer runs kept than met
if [ "$(field trace_windows "$T/rec.json")" = 0 ] && [ "$(field trace_records "$T/rec.json")" -gt 0 ] &&
    [ "$(field trace_windows "$T/recw.json")" -gt 0 ] &&
    [ "$(field trace_runs_kept "$T/recw.json")" -lt "$(field trace_runs_in "$T/recw.json")" ]; then ok; else
    bad "trace counters"; grep trace_ "$T/rec.json" "$T/recw.json"
fi
for cfg in "128K fifo" "256K flush" "128K clock" "512K gen"; do
    set -- $cfg
    run --tcache-size "$1" --tcache-policy "$2" --stats-json "$T/live.json"
    live=$(field translations "$T/live.json")
    for tr in cf0 cf; do
        if "$XBT" tcsim "$T/$tr.tct" --tcache-size "$1" --tcache-policy "$2" \
            --stats-json "$T/sim.json" >"$T/sim.out" 2>&1; then ok; else
            bad "tcsim $tr $cfg: status $?"; cat "$T/sim.out"
        fi
        sim=$(field translations "$T/sim.json")
        simentries=$(field unit_entries "$T/sim.json")
        # (the windows move a few misses: the generational policy's
        # promotions follow, within 2% on codefoot; exact elsewhere)
        tol=1
        [ "$tr" = cf ] && [ "$2" = gen ] && tol=2
        if [ -n "$live" ] && [ -n "$sim" ] && within "$sim" "$live" $tol; then ok; else
            bad "$tr $cfg: tcsim $sim translations, live $live"
        fi
        if [ "$simentries" = "$entries" ]; then ok; else
            bad "$tr $cfg: tcsim $simentries unit entries, recorded run $entries (--tcache-stats)"
        fi
    done
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
    [ "$(grep -vc '^#' "$T/s.csv")" -eq 9 ]; then ok; else
    bad "sweep"; cat "$T/sweep.out"
fi

# the outputs say which xbt made them, and how
if grep -q "^tcsim: xbt [0-9.]*: xbt tcsim $T/cf.tct --sweep sizes=128K,1M" "$T/sweep.out" &&
    grep -q "^# xbt [0-9.]* tcsim" "$T/s.csv" && grep -q "^# command: xbt tcsim $T/cf.tct --sweep" "$T/s.csv"
then ok; else
    bad "version and command in the outputs"; head -3 "$T/sweep.out" "$T/s.csv"
fi

# a size below 16 windows: replayed, with a one-line note on stderr
if "$XBT" tcsim "$T/cf.tct" --tcache-size 64K >"$T/out" 2>"$T/err" &&
    [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "note: caches.*below 16 times.*8K (here 64K flush)" "$T/err" &&
    "$XBT" tcsim "$T/cf0.tct" --tcache-size 64K >"$T/out" 2>"$T/err" && [ ! -s "$T/err" ]; then ok; else
    bad "window note"; cat "$T/err"
fi
# generational: its smaller region counts (128K at 50%: 64K, 8 windows)
if "$XBT" tcsim "$T/cf.tct" --tcache-size 128K --tcache-policy gen >"$T/out" 2>"$T/err" &&
    grep -q "(here 128K gen)" "$T/err" &&
    "$XBT" tcsim "$T/cf.tct" --tcache-size 128K --tcache-policy fifo >"$T/out" 2>"$T/err" &&
    [ ! -s "$T/err" ]; then ok; else
    bad "window note, generational"; cat "$T/err"
fi
# a bad window: one error line, status 2, no trace written
"$XBT" run --tcache-trace "$T/bad.tct" --tcache-trace-window lots "$K" >"$T/out" 2>"$T/err"
st=$?
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "tcache-trace-window" "$T/err" &&
    [ ! -e "$T/bad.tct" ]; then ok; else
    bad "--tcache-trace-window lots: status $st"; cat "$T/err"
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
