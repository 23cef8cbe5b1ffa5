#!/bin/sh
# vga_bios.sh XBT CC [QEMU] - the VGA BIOS on xbt's VGA: the boot sector of
# tests/bios/vgaboot.S, booted through SeaBIOS (which runs
# vgabios-isavga.bin from fw_cfg vgaroms/), sets mode 3 and draws through
# INT 10h (teletype with scrolling, AH=09h, the cursor, a scrolled
# window); xbt's final screen (--vga-dump) must be QEMU's
# (tests/bios/vgaboot.screen: `-vga none -device isa-vga`, the text memory
# read with the monitor's pmemsave), and QEMU is checked against it again
# when installed.  Skipped (77) where this xbt cannot boot a disk image
# through the BIOS, or without SeaBIOS, python3 or a 16-bit assembler.
XBT=$1 CC=$2 QEMU=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/../bios
K=$XBT
. "$HERE/common.sh"
[ -f /usr/share/seabios/bios.bin ] && [ -f /usr/share/seabios/vgabios-isavga.bin ] ||
    { echo "no SeaBIOS and its VGA BIOS (Debian seabios): skipped"; exit 77; }
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }
"$CC" -m32 -nostdlib -Wl,-Ttext=0x7c00 -Wl,--oformat=binary -Wl,--build-id=none \
    -o "$T/vb.bin" "$SRC/vgaboot.S" 2>"$T/cc.err" || {
    cat "$T/cc.err"
    echo "cannot assemble a 16-bit boot sector with $CC -m32: skipped"
    exit 77
}
cp "$T/vb.bin" "$T/vb.img" && truncate -s 1M "$T/vb.img"

# screen.py RAW TEXT: text memory (character, attribute pairs) as xbt's
# --vga-dump writes the screen (code page 437 glyphs, trailing blanks cut)
cat >"$T/screen.py" <<'PY'
import sys
ctrl = "\u0020☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼"
def glyph(c):
    if c < 32:
        return ctrl[c]
    if c == 0x7F:
        return "⌂"
    if c == 0xFF:
        return " "
    return bytes([c]).decode("cp437")
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for r in range(25):
        out.write("".join(glyph(c) for c in data[r * 160:(r + 1) * 160:2]).rstrip(" ") + "\n")
PY

if [ -n "$QEMU" ] && [ -x "$QEMU" ]; then
    (sleep 5; printf 'pmemsave 0xb8000 4000 "%s"\n' "$T/q.raw"; sleep 2; printf 'quit\n') |
        timeout 60 "$QEMU" -m 128 -net none -drive file="$T/vb.img",format=raw,snapshot=on \
            -display none -vga none -device isa-vga -monitor stdio -serial none \
            >"$T/q.log" 2>&1
    if [ -f "$T/q.raw" ] && python3 "$T/screen.py" "$T/q.raw" "$T/q.screen" &&
       cmp -s "$T/q.screen" "$SRC/vgaboot.screen"; then ok
    else bad "QEMU's screen"; [ -f "$T/q.screen" ] && diff "$SRC/vgaboot.screen" "$T/q.screen"; fi
fi

timeout 60 "$XBT" run -m 128 --vga-dump "$T/x.screen" "$T/vb.img" >"$T/x.out" 2>"$T/x.err"
st=$?
if [ "$st" -eq 2 ] && ! [ -f "$T/x.screen" ]; then
    echo "this xbt does not boot disk images through the BIOS: $(cat "$T/x.err")"
    [ "$fails" -eq 0 ] || finish
    echo "xbt part skipped"
    exit 77
fi
if [ "$st" -eq 4 ] && cmp -s "$T/x.screen" "$SRC/vgaboot.screen"; then ok
else bad "xbt's screen: status $st"; diff "$SRC/vgaboot.screen" "$T/x.screen"; cat "$T/x.err"; fi
grep -aq "SeaBIOS (version" "$T/x.out" && ok || bad "no SeaBIOS banner on COM1 (sercon)"
finish
