#!/bin/sh
# bad_input.sh XBT HELLO_ELF NATIVE_ELF - every bad input to `xbt run` gets
# exactly one clear line on stderr and exit status 2, never a crash.
set -u
XBT=$1 HELLO=$2 NATIVE=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 passes=0

# check NAME PATTERN ARGS... : status must be 2, stderr one line matching PATTERN
check() {
    name=$1 pat=$2
    shift 2
    "$XBT" "$@" >"$T/out" 2>"$T/err" </dev/null
    st=$?
    lines=$(wc -l <"$T/err")
    if [ "$st" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$T/err"; then
        passes=$((passes + 1))
    else
        fails=$((fails + 1))
        echo "FAIL: $name: status $st, $lines stderr lines, expected /$pat/:"
        sed 's/^/    /' "$T/err"
    fi
}

# le32 FILE OFFSET: the little-endian 32-bit word at OFFSET
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
# put32 FILE OFFSET VALUE
put32() {
    v=$3
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) $(((v >> 8) & 255)) \
        $(((v >> 16) & 255)) $(((v >> 24) & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

check missing "No such file" run "$T/nonexistent.elf"
mkdir "$T/dir"
check directory "dir" run "$T/dir"
printf 'this is not an ELF file\n' >"$T/text"
check not-elf "neither a kernel .* nor a disk image" run "$T/text"
: >"$T/empty"
check empty "empty\|not an ELF" run "$T/empty"
check elf64 "64-bit" run "$XBT"
cp "$HELLO" "$T/arm.elf"
printf '\050\000' | dd of="$T/arm.elf" bs=1 seek=18 conv=notrunc 2>/dev/null   # EM_ARM
check non-x86 "machine\|x86\|i386" run "$T/arm.elf"
check no-multiboot "multiboot" run -m 1024 "$NATIVE"

phoff=$(le32 "$HELLO" 28)
cp "$HELLO" "$T/high.elf"
put32 "$T/high.elf" $((phoff + 12)) $((0xF0000000))
check outside-ram "outside guest RAM" run "$T/high.elf"
head -c 300 "$HELLO" >"$T/trunc.elf"
check truncated "trunc\|program header\|beyond\|multiboot\|ELF" run "$T/trunc.elf"

check mem-zero "guest RAM" run -m 0 "$HELLO"
check mem-huge "guest RAM" run -m 99999 "$HELLO"
check mem-text "guest RAM" run -m lots "$HELLO"
check no-kernel "nothing to boot" run
check bad-module "No such file" run --module "$T/nope.bin" "$HELLO"
check bad-tlb "tlb-entries" run --tlb-entries 3 "$HELLO"
check bad-tcache-policy "tcache-policy" run --tcache-policy=lru "$HELLO"
check bad-tcache-nursery "tcache-nursery" run --tcache-policy=gen --tcache-nursery 5 "$HELLO"
check bad-tcache-size "tcache-size" run --tcache-size 4K "$HELLO"
check bad-command "unknown command" frobnicate

# --disk (and its alias --hda): the image must be a non-empty regular file
# or block device we may open read-write, and not in use
check disk-missing "--disk .*No such file" run --disk "$T/nodisk.img" "$HELLO"
check hda-missing "--disk .*No such file" run --hda "$T/nodisk.img" "$HELLO"
check disk-directory "--disk .*directory" run --disk "$T/dir" "$HELLO"
check disk-empty "--disk .*empty" run --disk "$T/empty" "$HELLO"
printf 'short' >"$T/short.img"
check disk-short "--disk .*too small" run --disk "$T/short.img" "$HELLO"
check disk-chardev "--disk .*not a regular file" run --disk /dev/null "$HELLO"
head -c 4096 /dev/zero >"$T/disk.img"
check disk-twice "only one disk" run --disk "$T/disk.img" --hda "$T/disk.img" "$HELLO"
if [ "$(id -u)" != 0 ]; then   # root opens read-only files read-write anyway
    cp "$T/disk.img" "$T/ro.img"
    chmod a-w "$T/ro.img"
    check disk-readonly "--disk .*Permission denied" run --disk "$T/ro.img" "$HELLO"
fi
if command -v flock >/dev/null 2>&1; then
    # a process holding the lock (the subshell becomes the sleep)
    (flock -x 9 && exec sleep 10) 9>>"$T/disk.img" >/dev/null 2>&1 &
    locker=$!
    sleep 0.3
    check disk-locked "--disk .*in use" run --disk "$T/disk.img" "$HELLO"
    kill "$locker" 2>/dev/null
    wait "$locker" 2>/dev/null
fi

# Linux bzImages: a synthetic one (setup header only, a protected-mode part
# of zeros): mkbz FILE VERSION LOADFLAGS SYSSIZE [INIT_SIZE]
put16() {
    v=$3
    printf "$(printf '\\%03o\\%03o' $((v & 255)) $(((v >> 8) & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
mkbz() {
    head -c $((5 * 512 + 65536)) /dev/zero >"$1"
    put16 "$1" $((0x1fe)) $((0xaa55))
    printf 'HdrS' | dd of="$1" bs=1 seek=$((0x202)) conv=notrunc 2>/dev/null
    put16 "$1" $((0x200)) $((0x62eb))              # jmp: header up to 0x264
    put16 "$1" $((0x206)) "$2"
    printf "$(printf '\\%03o' "$3")" | dd of="$1" bs=1 seek=$((0x211)) conv=notrunc 2>/dev/null
    put32 "$1" $((0x1f4)) "$4"
    put32 "$1" $((0x214)) $((0x100000))           # code32_start
    put32 "$1" $((0x238)) 255                      # cmdline_size
    put32 "$1" $((0x22c)) $((0x37ffffff))          # initrd_addr_max
    put32 "$1" $((0x260)) "${5:-0}"                # init_size
    put16 "$1" $((0x1f1)) 4                        # setup_sects
}
mkbz "$T/old.bz" $((0x0201)) 1 4096
check bz-too-old "protocol 2.01.*too old" run "$T/old.bz"
mkbz "$T/zimage.bz" $((0x020a)) 0 4096
check bz-zimage "zImage.*too old" run --kernel "$T/zimage.bz"
mkbz "$T/trunc.bz" $((0x020a)) 1 $((1 << 20))
check bz-truncated "truncated" run "$T/trunc.bz"
mkbz "$T/big.bz" $((0x020a)) 1 4096 $((200 << 20))
check bz-no-ram "needs 200 MiB of RAM" run -m 64 "$T/big.bz"
mkbz "$T/ok.bz" $((0x020a)) 1 4096
long=$(head -c 300 /dev/zero | tr '\0' a)
check bz-cmdline "command line is too long.*at most 255" run --append "$long" "$T/ok.bz"
head -c $((3 << 20)) /dev/zero >"$T/initrd.big"
check bz-initrd-fit "--initrd .*do not fit" run -m 2 --initrd "$T/initrd.big" "$T/ok.bz"
check bz-initrd-missing "--initrd .*No such file" run --initrd "$T/nope.img" "$T/ok.bz"
check bz-initrd-dir "--initrd .*not a regular file" run --initrd "$T/dir" "$T/ok.bz"
check bz-module "--module: .*Linux kernel" run --module "$HELLO" "$T/ok.bz"
check mb-initrd "--initrd .*not a Linux kernel" run --initrd "$T/initrd.big" "$HELLO"
check two-kernels "two kernels" run --kernel "$HELLO" "$HELLO"
# --bios: a missing file, a directory, a size that is not a multiple of
# 64 KiB, an empty file, one over 16 MiB
check bios-missing "--bios .*nope.bin: No such file" run --bios "$T/nope.bin" "$HELLO"
check bios-dir "--bios .*not a regular file" run --bios "$T/dir" "$HELLO"
head -c 100000 /dev/zero >"$T/odd.bin"
check bios-size "--bios .*odd.bin: .*multiple of 64 KiB" run --bios "$T/odd.bin" "$HELLO"
check bios-empty "--bios .*multiple of 64 KiB" run --bios "$T/empty" "$HELLO"
head -c $((17 << 20)) /dev/zero >"$T/huge.bin"
check bios-huge "--bios .*larger than 16 MiB" run --bios "$T/huge.bin" "$HELLO"
if [ "$(id -u)" -ne 0 ]; then
    head -c 65536 /dev/zero >"$T/locked.bin"
    chmod 000 "$T/locked.bin"
    check bios-unreadable "--bios .*Permission denied" run --bios "$T/locked.bin" "$HELLO"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
