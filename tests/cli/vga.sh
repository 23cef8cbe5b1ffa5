#!/bin/sh
# vga.sh XBT GUESTDIR KERNELDIR [QEMU] - the VGA text console end to end:
#   vga_text's register dump and port checks on COM1 match the committed
#   output (made by QEMU -device isa-vga, and checked against QEMU again
#   when it is installed); its final screen (--vga-dump) matches
#   vga_text.screen; --display=text draws it with ANSI sequences (the
#   cursor where the CRTC puts it) and sends COM1 to --serial-log; a
#   graphics mode gets one message; terminal input arrives as set-1
#   scancodes (kbd_scan), a long paste without losses; Ctrl-A x still quits; --no-vga removes the card;
#   bad values get one error line and status 2.
set -u
XBT=$1 G=$2 KD=$3 QEMU=${4:-}
K=$G/vga_text.elf
. "$(dirname "$0")/common.sh"

"$XBT" run --vga-dump "$T/screen" "$K" >"$T/out" 2>"$T/err" </dev/null
st=$?
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$KD/vga_text.expected"; then ok
else bad "vga_text registers: status $st"; diff "$KD/vga_text.expected" "$T/out"; fi
if cmp -s "$T/screen" "$KD/vga_text.screen"; then ok
else bad "vga_text --vga-dump"; diff "$KD/vga_text.screen" "$T/screen"; fi

if [ -n "$QEMU" ] && [ -x "$QEMU" ]; then
    timeout 30 "$QEMU" -kernel "$K" -display none -monitor none -nodefaults -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -m 128 -device isa-vga \
        </dev/null >"$T/qout" 2>"$T/qerr"
    st=$?
    if [ "$st" -eq 1 ] && cmp -s "$T/qout" "$KD/vga_text.expected"; then ok
    else bad "QEMU vga_text: status $st"; diff "$KD/vga_text.expected" "$T/qout"; fi
fi

# --display=text: the screen as ANSI on stdout, COM1 in the log
"$XBT" run --display=text --serial-log "$T/com1" "$K" >"$T/ansi" 2>"$T/err" </dev/null
st=$?
esc=$(printf '\033')
if [ "$st" -eq 1 ] && grep -q "${esc}\[2J" "$T/ansi" && grep -q "xbt VGA text test" "$T/ansi" &&
   grep -q "${esc}\[11;6H${esc}\[?25h" "$T/ansi" && grep -q "╔════╗" "$T/ansi" &&
   cmp -s "$T/com1" "$KD/vga_text.expected"; then ok
else bad "--display=text: status $st"; od -c "$T/ansi" | tail -5; fi

"$XBT" run --display=text --append 'graphics!' "$K" >"$T/ansi" 2>"$T/err" </dev/null
st=$?
n=$(grep -c "the guest set VGA graphics mode 0x12; only text modes are shown" "$T/ansi")
if [ "$st" -eq 1 ] && [ "$n" -eq 1 ]; then ok
else bad "graphics mode message: status $st, $n messages"; fi

"$XBT" run --stats --append 'graphics!' "$K" >/dev/null 2>"$T/err" </dev/null
if grep -A6 '^vga:' "$T/err" | grep -q 'graphics_modes *1'; then ok
else bad "--stats vga group"; cat "$T/err"; fi

# keys typed on the terminal reach the guest as set-1 scancodes
printf 'aB\033[Aq' | timeout 20 "$XBT" run --display=text --serial-log "$T/com1" \
    "$G/kbd_scan.elf" >/dev/null 2>"$T/err"
st=$?
printf 'kbd ready\n1e 9e 2a 30 b0 aa e0 48 e0 c8 10 90 \n12 bytes\n' >"$T/want"
if [ "$st" -eq 1 ] && cmp -s "$T/com1" "$T/want"; then ok
else bad "kbd_scan: status $st"; cat "$T/com1"; fi

# a paste far larger than the keyboard's queue: nothing lost
keys=$(printf 'abcdefghij%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20)
printf '%sq' "$keys" | timeout 30 "$XBT" run --display=text --serial-log "$T/com1" \
    "$G/kbd_scan.elf" >/dev/null 2>"$T/err"
st=$?
if [ "$st" -eq 1 ] && tail -n 1 "$T/com1" | grep -q '^402 bytes$'; then ok
else bad "paste of 201 keys: status $st, $(tail -n 1 "$T/com1")"; fi

(sleep 1; printf '\001x') | timeout 20 "$XBT" run --display=text "$G/spin.elf" >/dev/null 2>"$T/err"
st=$?
if [ "$st" -eq 8 ]; then ok; else bad "Ctrl-A x in text mode: status $st"; fi

"$XBT" run --no-vga "$K" >"$T/out" 2>"$T/err" </dev/null
if head -n 1 "$T/out" | grep -q "^misc ff feature ff"; then ok
else bad "--no-vga: $(head -n 1 "$T/out")"; fi

# check NAME PATTERN ARGS...: status 2 and one matching line on stderr
check() {
    name=$1 pat=$2
    shift 2
    "$XBT" "$@" >"$T/out" 2>"$T/err" </dev/null
    st=$?
    if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "$pat" "$T/err"; then ok
    else bad "$name: status $st: $(cat "$T/err")"; fi
}
check display-value "display" run --display=vga "$K"
check no-vga-text "no VGA for --display=text" run --no-vga --display=text "$K"
check no-vga-dump "no VGA for --vga-dump" run --no-vga --vga-dump "$T/x" "$K"
check vgabios-missing "vgabios" run --vgabios "$T/none.bin" "$K"
check serial-log-dir "serial-log" run --serial-log "$T/nodir/log" "$K"

"$XBT" run --vga-dump "$T/nodir/screen" "$K" >/dev/null 2>"$T/err" </dev/null
if grep -q "vga-dump" "$T/err"; then ok; else bad "unwritable --vga-dump: no error"; fi

finish
