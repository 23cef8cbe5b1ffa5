#!/bin/sh
# linux-guest.sh - the Linux guest, made from Debian's i386 packages only
# (never committed): Debian 12's 686 kernel, busybox-static:i386 and the
# kernel's own modules for the IDE disk and ext4.
#
#   linux-guest.sh [build]   fetch what is missing and build the guest; prints
#                            the directory that holds it:
#       vmlinuz              the kernel (a bzImage)
#       initrd.img           gzip'd cpio: busybox, /init, the disk modules
#       rootfs.img           a raw ext4 image (mke2fs -d): busybox and an
#                            /sbin/init, for root=/dev/sda
#       VERSION              the package versions it was made from
#   linux-guest.sh path      prints that directory (nothing is built)
#   linux-guest.sh lock      resolves the newest versions in Debian and
#                            rewrites scripts/linux-guest.lock
#
# The packages are the exact versions in scripts/linux-guest.lock, fetched
# with a private apt configuration (i386 lists in the cache; no root, the
# host's dpkg architectures untouched) and cached in $XBT_CACHE (default
# ~/.cache/xbt), outside the build tree, so CI downloads them once.  A
# version Debian no longer serves is one clear error: run `lock`.
# Host tools: apt-get, dpkg-deb, cpio, gzip, mke2fs (scripts/setup-deps.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lock=$here/linux-guest.lock
cache=${XBT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xbt}
apt_dir=$cache/apt-i386
debs=$cache/debs

prog=linux-guest.sh
apt_arch=i386
# shellcheck source=scripts/debian-apt.sh
. "$here/debian-apt.sh"

fetch() {
    mkdir -p "$debs"
    missing=0
    while read -r name version; do
        [ -f "$debs/$name.deb" ] && [ "$(cat "$debs/$name.version" 2>/dev/null)" = "$version" ] ||
            missing=1
    done <<EOF
$(locked)
EOF
    [ "$missing" = 1 ] || return 0
    apt_update
    tmp=$(mktemp -d)
    while read -r name version; do
        (cd "$tmp" && apt_private apt-get download "$name=$version" >/dev/null 2>&1) ||
            die "Debian no longer serves $name $version: run 'scripts/linux-guest.sh lock'"
        mv "$tmp"/*.deb "$debs/$name.deb"
        echo "$version" >"$debs/$name.version"
    done <<EOF
$(locked)
EOF
    rm -rf "$tmp"
}

relock() {
    need apt-get apt-cache
    apt_update
    kernel=$(apt_private apt-cache depends linux-image-686 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kernel" ] || die "cannot resolve linux-image-686"
    {
        echo "# scripts/linux-guest.lock - the Debian 12 (bookworm) i386 packages the Linux"
        echo "# guest is made of (scripts/linux-guest.sh).  NAME VERSION; 'linux-guest.sh"
        echo "# lock' rewrites it with the newest versions."
        for p in "$kernel" busybox-static; do
            v=$(apt_private apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')
            echo "$p $v"
        done
    } >"$lock"
    cat "$lock"
}

# The modules (paths under lib/modules/VER/kernel) a module needs, itself
# last, from the "depends=" of each .ko (a subshell per call: sh has no
# local variables).  Module names treat '-' and '_' alike, as modprobe does.
module_closure() (
    kdir=$1
    shift
    for m in "$@"; do
        ko=$(find "$kdir" \( -name "$m.ko" -o -name "$(echo "$m" | tr _ -).ko" \
                -o -name "$(echo "$m" | tr - _).ko" \) | head -n 1)
        [ -n "$ko" ] || die "module $m not found in the kernel package"
        deps=$(strings -a "$ko" | sed -n 's/^depends=//p' | tr ',' ' ')
        # shellcheck disable=SC2086
        [ -z "$deps" ] || module_closure "$kdir" $deps
        echo "${ko#"$kdir"/}"
    done
)

# The /init of the initramfs: busybox applets, the disk modules, then
# root=/dev/sda (ext4, switch_root to its /sbin/init) or a shell on the
# console.
write_init() {
    cat >"$1" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "xbt-initramfs: $(uname -sr) up"
for m in $(cat /etc/modules); do
    insmod "/lib/modules/$m" 2>/dev/null
done
root=
for a in $(cat /proc/cmdline); do
    case $a in root=*) root=${a#root=} ;; esac
done
if [ -n "$root" ]; then
    for i in 1 2 3 4 5 6 7 8 9 10; do [ -b "$root" ] && break; sleep 0.2; done
    if mount -t ext4 "$root" /newroot; then
        echo "xbt-initramfs: root $root mounted"
        exec switch_root /newroot /sbin/init
    fi
    echo "xbt-initramfs: cannot mount $root: a shell instead"
fi
exec setsid cttyhack sh
EOF
    chmod 755 "$1"
}

# The /sbin/init of the root filesystem: a shell on the console, and
# poweroff/reboot through busybox when it exits.
write_root_init() {
    cat >"$1" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "xbt-rootfs: up"
setsid cttyhack sh
sync
poweroff -f
EOF
    chmod 755 "$1"
}

build() {
    need apt-get dpkg-deb cpio gzip mke2fs strings
    fetch
    kver=$(locked | awk '/^linux-image-/ { sub(/^linux-image-/, "", $1); print $1 }')
    out=$cache/linux-$kver
    # the packages and this script: a change to either rebuilds
    stamp="$(locked | tr '\n' ' ')$(cksum <"$here/linux-guest.sh" | cut -d' ' -f1)"
    if [ -f "$out/VERSION" ] && [ "$(cat "$out/VERSION")" = "$stamp" ]; then
        echo "$out"
        return
    fi
    rm -rf "$out"
    mkdir -p "$out"
    work=$(mktemp -d)
    dpkg-deb -x "$debs/linux-image-$kver.deb" "$work/kernel"
    dpkg-deb -x "$debs/busybox-static.deb" "$work/busybox"
    cp "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"
    kdir=$work/kernel/lib/modules/$kver/kernel
    ird=$work/initrd
    mkdir -p "$ird/bin" "$ird/etc" "$ird/lib/modules"
    cp "$work/busybox/bin/busybox" "$ird/bin/busybox"
    write_init "$ird/init"
    module_closure "$kdir" ata_piix sd_mod crc32c_generic ext4 | awk '!seen[$0]++' >"$ird/etc/modules"
    while read -r m; do
        mkdir -p "$ird/lib/modules/$(dirname "$m")"
        cp "$kdir/$m" "$ird/lib/modules/$m"
    done <"$ird/etc/modules"
    (cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out/initrd.img"
    root=$work/root
    mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" \
        "$root/tmp" "$root/root"
    cp "$work/busybox/bin/busybox" "$root/bin/busybox"
    write_root_init "$root/sbin/init"
    mke2fs -q -F -t ext4 -d "$root" -L xbt-root "$out/rootfs.img" 64M >/dev/null
    echo "$stamp" >"$out/VERSION"
    rm -rf "$work"
    echo "$out"
}

case ${1:-build} in
build) build ;;
path)
    kver=$(locked | awk '/^linux-image-/ { sub(/^linux-image-/, "", $1); print $1 }')
    echo "$cache/linux-$kver"
    ;;
lock) relock ;;
*) die "usage: linux-guest.sh [build|path|lock]" ;;
esac
