#!/bin/sh
# disk-images.sh - bootable PC disk images for BIOS boot tests, made from
# Debian's packages only (never committed) and without root:
#
#   disk-images.sh [build]   fetch what is missing and build the images;
#                            prints the directory that holds them:
#       syslinux.img         64 MiB, MBR (syslinux's mbr.bin) and one active
#                            FAT16 partition: SYSLINUX booting the Linux
#                            guest's kernel and initrd (scripts/linux-guest.sh)
#                            with console=ttyS0, its prompt on COM1
#       grub.img             the same partition layout booted by GRUB 2
#                            (boot.img in the MBR, core.img in the gap after
#                            it), menu and kernel on COM1
#       memtest.img          GRUB booting memtest86+ (its 32-bit .bin) with
#                            its serial console on COM1
#       VERSION              what they were made from
#   disk-images.sh path      prints that directory (nothing is built)
#   disk-images.sh lock      resolves the newest versions in Debian and
#                            rewrites scripts/disk-images.lock
#
# The boot loaders, memtest86+ and the tools (mtools, mkfs.fat, syslinux,
# grub-mkimage) come from the host when its packages are installed (make
# deps installs them), else the exact versions in scripts/disk-images.lock
# are fetched with a private apt configuration (amd64 lists in the cache, no
# root) and unpacked with dpkg-deb -x under $XBT_CACHE (default
# ~/.cache/xbt).  The partition table is written byte by byte, the file
# systems are populated with mtools: no loop device, no mount.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lock=$here/disk-images.lock
cache=${XBT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xbt}
apt_dir=$cache/apt-amd64
debs=$cache/disk-debs
tools=$cache/disk-tools
out=$cache/disks

# Tunable: image size in MiB.  Policy: room for the kernel, the initrd and
# GRUB's modules (~20 MiB) with margin, small enough to copy in a test.
IMAGE_MIB=64
# Tunable: first sector of the partition.  Policy: 1 MiB, as fdisk does;
# GRUB's core.img lives in the gap before it.
PART_START=2048
# Tunable: boot loader timeouts.  Policy: one second, so the menu or prompt
# is seen on the console and an unattended boot goes on.
SYSLINUX_TIMEOUT=10 # tenths of a second
GRUB_TIMEOUT=1      # seconds

prog=disk-images.sh
apt_arch=amd64
# shellcheck source=scripts/debian-apt.sh
. "$here/debian-apt.sh"

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# The locked packages the host lacks, fetched and unpacked under $tools.
fetch() {
    mkdir -p "$debs"
    want=""
    while read -r name version; do
        installed "$name" && continue
        want="$want $name"
        [ -f "$debs/$name.deb" ] && [ "$(cat "$debs/$name.version" 2>/dev/null)" = "$version" ] &&
            continue
        [ -f "$apt_dir/state/lists/lock" ] || apt_update
        tmp=$(mktemp -d)
        if ! (cd "$tmp" && apt_private apt-get download "$name=$version" >/dev/null 2>&1); then
            apt_update
            (cd "$tmp" && apt_private apt-get download "$name=$version" >/dev/null 2>&1) ||
                die "Debian no longer serves $name $version: run 'scripts/disk-images.sh lock'"
        fi
        mv "$tmp"/*.deb "$debs/$name.deb"
        echo "$version" >"$debs/$name.version"
        rm -rf "$tmp"
    done <<EOF
$(locked)
EOF
    stamp=$(for p in $want; do echo "$p $(cat "$debs/$p.version")"; done)
    [ -f "$tools/STAMP" ] && [ "$(cat "$tools/STAMP")" = "$stamp" ] && return 0
    rm -rf "$tools"
    mkdir -p "$tools"
    for p in $want; do
        dpkg-deb -x "$debs/$p.deb" "$tools"
    done
    echo "$stamp" >"$tools/STAMP"
}

relock() {
    need apt-get apt-cache
    apt_update
    {
        sed -n '/^#/p' "$lock"
        locked | while read -r name _; do
            v=$(apt_private apt-cache policy "$name" | awk '/Candidate:/ { print $2 }')
            [ -n "$v" ] && [ "$v" != "(none)" ] || die "Debian has no $name"
            echo "$name $v"
        done
    } >"$lock.new"
    mv "$lock.new" "$lock"
    cat "$lock"
}

# A file of a package: from the host when installed, else the unpacked one.
pkg_file() {
    if [ -e "$tools$1" ]; then
        echo "$tools$1"
    elif [ -e "$1" ]; then
        echo "$1"
    else
        die "$1 is missing (from the packages in $lock)"
    fi
}

# The unpacked tools after the host's: PATH and the libraries they need.
use_tools() {
    PATH=$PATH:/usr/sbin:/sbin:$tools/usr/bin:$tools/usr/sbin:$tools/sbin:$tools/bin
    LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$tools/lib/x86_64-linux-gnu
    LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$tools/usr/lib/x86_64-linux-gnu
    export PATH LD_LIBRARY_PATH
    export MTOOLS_SKIP_CHECK=1
    need mcopy mmd mdir mkfs.fat syslinux grub-mkimage
}

# Four bytes, little-endian, of $1 (as printf escapes).
le32() {
    printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
        $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# An image of IMAGE_MIB MiB ($1): partition 1 (active, FAT16 LBA: type 0x0e)
# from PART_START to the end holding the FAT image $2; boot code $3
# (first 440 bytes) in the MBR.
assemble() (
    img=$1 part=$2 mbr=$3
    total=$((IMAGE_MIB * 2048))
    rm -f "$img"
    dd if=/dev/zero of="$img" bs=1M count=0 seek="$IMAGE_MIB" 2>/dev/null
    dd if="$mbr" of="$img" bs=440 count=1 conv=notrunc 2>/dev/null
    # status, CHS start (unused: LBA), type, CHS end (maxed), LBA, length
    # shellcheck disable=SC2059
    printf "\\200\\376\\377\\377\\016\\376\\377\\377$(le32 $PART_START)$(le32 $((total - PART_START)))" |
        dd of="$img" bs=1 seek=446 conv=notrunc 2>/dev/null
    printf '\125\252' | dd of="$img" bs=1 seek=510 conv=notrunc 2>/dev/null
    dd if="$part" of="$img" bs=512 seek="$PART_START" conv=notrunc 2>/dev/null
)

# A FAT16 file system image for the partition, with the Linux guest's
# kernel and initrd at its root.
make_fat() (
    fat=$1 linux=$2
    rm -f "$fat"
    mkfs.fat -C -F 16 -n XBTBOOT -h "$PART_START" "$fat" $(((IMAGE_MIB * 2048 - PART_START) / 2)) \
        >/dev/null
    if [ -n "$linux" ]; then
        mcopy -i "$fat" "$linux/vmlinuz" ::/vmlinuz
        mcopy -i "$fat" "$linux/initrd.img" ::/initrd.img
    fi
)

build_syslinux() (
    linux=$1 work=$2
    make_fat "$work/sys.fat" "$linux"
    cat >"$work/syslinux.cfg" <<EOF
SERIAL 0 115200
SAY xbt disk image: SYSLINUX booting Debian i386 Linux
PROMPT 1
TIMEOUT $SYSLINUX_TIMEOUT
DEFAULT linux
LABEL linux
    KERNEL /vmlinuz
    APPEND initrd=/initrd.img console=ttyS0
EOF
    mcopy -i "$work/sys.fat" "$work/syslinux.cfg" ::/syslinux.cfg
    syslinux --install "$work/sys.fat"
    assemble "$out/syslinux.img.new" "$work/sys.fat" "$(pkg_file /usr/lib/syslinux/mbr/mbr.bin)"
    mv "$out/syslinux.img.new" "$out/syslinux.img"
)

# GRUB's modules on the file system (/boot/grub/i386-pc) and core.img:
# the modules to read it and boot, and an early configuration that puts the
# console on COM1 and the prefix on partition 1.
grub_files() (
    fat=$1 work=$2
    grubdir=$(dirname "$(pkg_file /usr/lib/grub/i386-pc/boot.img)")
    mmd -i "$fat" ::/boot ::/boot/grub ::/boot/grub/i386-pc
    mcopy -i "$fat" "$grubdir"/*.mod "$grubdir"/*.lst ::/boot/grub/i386-pc/
    cat >"$work/early.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set root=(hd0,msdos1)
set prefix=(hd0,msdos1)/boot/grub
EOF
    grub-mkimage -O i386-pc -d "$grubdir" -o "$work/core.img" -c "$work/early.cfg" \
        -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos fat normal linux serial terminal \
        echo test configfile
    [ $(($(wc -c <"$work/core.img") / 512 + 1)) -lt "$PART_START" ] || die "core.img too large"
)

# A GRUB image: $2 the grub.cfg, the FAT already populated.
grub_image() (
    img=$1 fat=$2 work=$3
    mcopy -i "$fat" "$work/grub.cfg" ::/boot/grub/grub.cfg
    grubdir=$(dirname "$(pkg_file /usr/lib/grub/i386-pc/boot.img)")
    cp "$grubdir/boot.img" "$work/boot.img"
    # boot.img's kernel_sector (offset 0x5C, 64-bit): core.img at sector 1
    # shellcheck disable=SC2059
    printf "$(le32 1)$(le32 0)" | dd of="$work/boot.img" bs=1 seek=92 conv=notrunc 2>/dev/null
    assemble "$img.new" "$fat" "$work/boot.img"
    # core.img (diskboot.img first: its blocklist reads the rest from sector 2)
    dd if="$work/core.img" of="$img.new" bs=512 seek=1 conv=notrunc 2>/dev/null
    mv "$img.new" "$img"
)

grub_header() {
    cat <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=$GRUB_TIMEOUT
set default=0
EOF
}

build_grub() (
    linux=$1 work=$2
    make_fat "$work/grub.fat" "$linux"
    grub_files "$work/grub.fat" "$work"
    {
        grub_header
        cat <<'EOF'
menuentry 'Debian i386 Linux (xbt disk image)' {
    echo 'xbt disk image: GRUB loading Linux'
    linux /vmlinuz console=ttyS0
    initrd /initrd.img
}
EOF
    } >"$work/grub.cfg"
    grub_image "$out/grub.img" "$work/grub.fat" "$work"
)

build_memtest() (
    work=$1
    make_fat "$work/mt.fat" ""
    grub_files "$work/mt.fat" "$work"
    mcopy -i "$work/mt.fat" "$(pkg_file /boot/memtest86+ia32.bin)" ::/memtest.bin
    {
        grub_header
        cat <<'EOF'
menuentry 'memtest86+ (ia32, serial console)' {
    echo 'xbt disk image: GRUB loading memtest86+'
    linux /memtest.bin console=ttyS0,115200 nopause
}
EOF
    } >"$work/grub.cfg"
    grub_image "$out/memtest.img" "$work/mt.fat" "$work"
)

build() {
    need apt-get dpkg-deb dpkg-query dd
    linux=$(sh "$here/linux-guest.sh" build | tail -n 1) || die "cannot make the Linux guest"
    fetch
    use_tools
    stamp="$(locked | tr '\n' ' ')$(cksum <"$here/disk-images.sh" | cut -d' ' -f1)"
    stamp="$stamp $(cat "$linux/VERSION")"
    if [ -f "$out/VERSION" ] && [ "$(cat "$out/VERSION")" = "$stamp" ] &&
        [ -f "$out/syslinux.img" ] && [ -f "$out/grub.img" ] && [ -f "$out/memtest.img" ]; then
        echo "$out"
        return
    fi
    rm -rf "$out"
    mkdir -p "$out"
    work=$(mktemp -d)
    build_syslinux "$linux" "$work"
    build_grub "$linux" "$work"
    build_memtest "$work"
    echo "$stamp" >"$out/VERSION"
    rm -rf "$work"
    echo "$out"
}

case ${1:-build} in
build) build ;;
path) echo "$out" ;;
lock) relock ;;
*) die "usage: disk-images.sh [build|path|lock]" ;;
esac
