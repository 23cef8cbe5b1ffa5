#!/bin/sh
# signals.sh XBT GUESTDIR - SIGTERM, SIGINT and SIGHUP end `xbt run` as
#   Ctrl-A x does: status 12, one line naming the signal, and --stats-json
#   written (valid JSON with the statistics); for a guest spinning in
#   translated code and for one idling in HLT with interrupts on.
set -u
XBT=$1 G=$2
K=$G/spin.elf
. "$(dirname "$0")/common.sh"

# stop SIG KERNEL [ARGS...]: runs KERNEL, sends SIG after half a second
stop() {
    sig=$1
    shift
    rm -f "$T/st.json"
    "$XBT" run --stats-json "$T/st.json" "$@" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    sleep 0.5
    kill -"$sig" "$pid"
    wait "$pid"
    st=$?
}

json_ok() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d else 1)' "$1" \
        2>/dev/null
}

for sig in TERM INT HUP; do
    stop "$sig" "$K"
    if [ "$st" -eq 12 ] && grep -q "^xbt: terminating on signal" "$T/err" && json_ok "$T/st.json"
    then ok
    else bad "SIG$sig, spinning guest: status $st"; head -5 "$T/err"; fi
done

# a guest idling in HLT (the idle benchmark, a long run)
stop TERM --append 100000 "$G/bench_idle.elf"
if [ "$st" -eq 12 ] && grep -q "^xbt: terminating on signal 15" "$T/err" && json_ok "$T/st.json"
then ok
else bad "SIGTERM, halted guest: status $st"; head -5 "$T/err"; fi

finish
