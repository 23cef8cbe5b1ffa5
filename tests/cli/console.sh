#!/bin/sh
# console.sh XBT GUESTDIR - end-to-end console and stop behaviour:
#   Ctrl-A x stops a guest spinning in a self-chained unit (status 8);
#   bytes on stdin reach the guest's UART (echo; sent after the guest has
#   initialised the UART, whose FIFO reset drops earlier bytes as a real
#   16550 does), Ctrl-A Ctrl-A sends one ^A;
#   a triple fault stops with a register dump (status 6).
set -u
XBT=$1 G=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

(sleep 1; printf '\001x') | timeout 20 "$XBT" run "$G/spin.elf" >"$T/out" 2>"$T/err"
st=$?
if [ "$st" -eq 8 ] && [ "$(cat "$T/out")" = "spinning" ] && grep -q "Ctrl-A x" "$T/err"; then ok
else bad "spin + Ctrl-A x: status $st, out '$(cat "$T/out")', err '$(cat "$T/err")'"; fi

(sleep 1; printf 'hello, world q') | timeout 20 "$XBT" run "$G/echo.elf" >"$T/out" 2>"$T/err"
st=$?
printf 'echo ready\nhello, world \nechoed 13 bytes\n' >"$T/want"
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$T/want"; then ok
else bad "echo: status $st"; od -c "$T/out" | head; fi

(sleep 1; printf 'a\001\001bq') | timeout 20 "$XBT" run "$G/echo.elf" >"$T/out" 2>"$T/err"
st=$?
printf 'echo ready\na\001b\nechoed 3 bytes\n' >"$T/want"
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$T/want"; then ok
else bad "echo Ctrl-A Ctrl-A: status $st"; od -c "$T/out" | head; fi

timeout 20 "$XBT" run "$G/triple.elf" >"$T/out" 2>"$T/err" </dev/null
st=$?
if [ "$st" -eq 6 ] && grep -q "triple fault" "$T/err" && grep -q "EIP=" "$T/err" &&
   grep -q "CR0=" "$T/err"; then ok
else bad "triple fault: status $st, err '$(cat "$T/err")'"; fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
