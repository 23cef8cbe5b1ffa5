#!/bin/sh
# bios_boot.sh XBT CC [QEMU] - `xbt run IMAGE` boots a PC disk image through
# SeaBIOS from the reset vector: the boot sector of tests/bios/bootsect.S
# (BIOS services, the A20 gate, big real mode) prints what QEMU prints
# (tests/bios/bootsect.expected, from `qemu-system-i386 -net none`) and
# exits with status 33; an image without a boot signature gets SeaBIOS's
# "not a bootable disk"; what to boot is told from the operand (a kernel
# with a disk image, two disks, --initrd without a kernel, a missing
# image: one line, status 2); the image is not written.
XBT=$1 CC=$2 QEMU=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/../bios
K=$(dirname "$XBT")/guests/hello.elf
. "$HERE/common.sh"
[ -f /usr/share/seabios/bios.bin ] || { echo "no SeaBIOS (Debian seabios): skipped"; exit 77; }
"$CC" -m32 -nostdlib -Wl,-Ttext=0x7c00 -Wl,--oformat=binary -Wl,--build-id=none \
    -o "$T/bs.bin" "$SRC/bootsect.S" 2>"$T/cc.err" || {
    cat "$T/cc.err"
    echo "cannot assemble a 16-bit boot sector with $CC -m32: skipped"
    exit 77
}
cp "$T/bs.bin" "$T/bs.img" && truncate -s 1M "$T/bs.img"
before=$(md5sum <"$T/bs.img")

# the boot sector, under xbt and (if there) QEMU
timeout 60 "$XBT" run -m 128 "$T/bs.img" >"$T/x.out" 2>"$T/x.err"
st=$?
tr -d '\r' <"$T/x.out" | grep -a '^bs:' >"$T/x.bs"
if [ "$st" -eq 33 ] && cmp -s "$T/x.bs" "$SRC/bootsect.expected"; then ok; else
    bad "boot sector: status $st"; diff "$SRC/bootsect.expected" "$T/x.bs"; cat "$T/x.err"
fi
grep -aq "SeaBIOS (version" "$T/x.out" && ok || bad "no SeaBIOS banner"
[ "$(md5sum <"$T/bs.img")" = "$before" ] && ok || bad "the image changed"
if [ -n "$QEMU" ]; then
    timeout 60 "$QEMU" -m 128 -net none -drive file="$T/bs.img",format=raw,snapshot=on \
        -nographic -device isa-debug-exit,iobase=0xf4,iosize=4 </dev/null >"$T/q.out" 2>&1
    st=$?
    tr -d '\r' <"$T/q.out" | grep -a '^bs:' >"$T/q.bs"
    if [ "$st" -eq 33 ] && cmp -s "$T/q.bs" "$SRC/bootsect.expected"; then ok; else
        bad "QEMU: status $st"; diff "$SRC/bootsect.expected" "$T/q.bs"
    fi
fi

# no boot signature: SeaBIOS says so and waits (killed once it has)
head -c 1048576 /dev/zero >"$T/zero.img"
"$XBT" run "$T/zero.img" >"$T/z.out" 2>&1 &
pid=$!
n=0
while [ $n -lt 300 ] && ! grep -aq "No bootable device" "$T/z.out"; do
    sleep 0.1
    n=$((n + 1))
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -aq "Boot failed: not a bootable disk" "$T/z.out" && ok || {
    bad "zero image"; cat "$T/z.out"
}

# what the operand is, and bad combinations
one_error() { # NAME PATTERN ARGS...: one line on stderr, status 2
    name=$1 pat=$2
    shift 2
    "$XBT" run "$@" >"$T/e.out" 2>"$T/e.err" </dev/null
    st=$?
    if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/e.err")" -eq 1 ] && grep -q -- "$pat" "$T/e.err"; then
        ok
    else
        bad "$name: status $st"; cat "$T/e.err"
    fi
}
one_error missing "run: .*nope.img: No such file" "$T/nope.img"
one_error two-disks "two disks" --disk "$T/zero.img" "$T/bs.img"
one_error initrd "--initrd needs a kernel" --initrd "$T/zero.img" "$T/bs.img"
one_error nothing "nothing to boot"
one_error dir "run: .*Is a directory" "$T"
# a kernel and a disk image: the kernel boots directly, the image is its disk
timeout 30 "$XBT" run --kernel "$K" "$T/bs.img" >"$T/k.out" 2>&1
st=$?
[ "$st" -eq 1 ] && grep -q "Hello" "$T/k.out" && ! grep -aq SeaBIOS "$T/k.out" && ok || {
    bad "--kernel with a disk image: status $st"; cat "$T/k.out"
}
finish
