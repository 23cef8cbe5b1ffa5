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
check not-elf "not an ELF" run "$T/text"
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
check no-kernel "no kernel" run
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

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
