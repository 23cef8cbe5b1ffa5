#!/bin/sh
# crash.sh XBT GUESTDIR - the safety net: a host signal that is not a
#   guest event (here SIGSEGV, SIGILL and SIGBUS sent from outside while
#   the spin kernel runs) ends xbt with status 2 and a report: the signal,
#   the guest CS:EIP, the unit's guest and host code with the faulting
#   instruction marked (or a host backtrace) and the statistics.
set -u
XBT=$1 G=$2
K=$G/spin.elf
. "$(dirname "$0")/common.sh"

for sig in SEGV ILL BUS; do
    "$XBT" run "$K" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    sleep 0.5
    kill -"$sig" "$pid"
    wait "$pid"
    st=$?
    if [ "$st" -eq 2 ] && grep -q "^xbt: internal error: signal" "$T/err" &&
       grep -q "came from outside" "$T/err" && grep -q "^xbt: guest CS:EIP" "$T/err" &&
       grep -q -- "---- xbt statistics ----" "$T/err" &&
       { grep -q "^=>0x" "$T/err" || grep -q "host backtrace" "$T/err"; }; then ok
    else bad "SIG$sig: status $st"; head -20 "$T/err"; fi
done

finish
