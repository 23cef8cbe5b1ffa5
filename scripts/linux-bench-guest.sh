#!/bin/sh
# linux-bench-guest.sh - the Linux guest of `xbt bench`'s linux class (never
# committed): the guest of scripts/linux-guest.sh (Debian's i386 kernel,
# busybox and disk modules; fetched once into the cache) with the bench's
# static i386 programs added.  build/guests/linux/make-guest.sh (written by
# guests/linux/linux.cmake) calls it, and `xbt bench` runs that before its
# first Linux boot.
#
#   linux-bench-guest.sh OUT PROGRAM...   makes, in OUT, and prints OUT:
#       vmlinuz      the kernel of linux-guest.sh
#       initrd.img   its initramfs with the PROGRAMs in /bench and a bench
#                    /init: first the line "bench: init", then, for
#                    xbt.bench=NAME:N on the kernel command line,
#                    /bench/NAME N (with xbt.disk too: the ext4 file system
#                    of /dev/sda mounted at /mnt and /bench/NAME N /mnt),
#                    then poweroff -f.  NAME boot runs nothing.
#       disk.img     an empty ext4 file system (32 MiB) for xbt.disk; the
#                    bench runs on copies of it
#       VERSION      what it was made from (the guest, the programs)
#
# Nothing is remade while the guest and the programs are unchanged.  Status
# 2 with one line on stderr when the guest cannot be made (no network to
# fetch the packages, a program not built).
set -eu

here=$(cd "$(dirname "$0")" && pwd)

die() { echo "linux-bench-guest.sh: $*" >&2; exit 2; }

# The /init of the bench initramfs: "bench: init" first (the end of
# linux_boot's measured region), then the workload and poweroff.  No
# busybox --install: the applets are called through busybox.
write_init() {
    cat >"$1" <<'EOF'
#!/bin/busybox sh
echo "bench: init"
bb=/bin/busybox
$bb mkdir -p /proc /sys /dev /mnt
$bb mount -t proc proc /proc
$bb mount -t devtmpfs devtmpfs /dev
spec= disk=
for a in $($bb cat /proc/cmdline); do
    case $a in
    xbt.bench=*) spec=${a#xbt.bench=} ;;
    xbt.disk) disk=/dev/sda ;;
    esac
done
name=${spec%%:*}
work=${spec#*:}
dir=
if [ -n "$name" ] && [ -n "$disk" ]; then
    for m in $($bb cat /etc/modules); do $bb insmod "/lib/modules/$m" 2>/dev/null; done
    for i in $($bb seq 50); do [ -b $disk ] && break; $bb sleep 0.1; done
    $bb mount -t ext4 $disk /mnt && dir=/mnt || echo "xbt-bench: cannot mount $disk"
fi
if [ -n "$name" ] && [ "$name" != boot ] && { [ -z "$disk" ] || [ -n "$dir" ]; }; then
    /bench/"$name" "$work" $dir || echo "xbt-bench: $name exited with status $?"
fi
[ -z "$dir" ] || $bb umount /mnt
$bb poweroff -f
EOF
    chmod 755 "$1"
}

[ $# -ge 2 ] || die "usage: linux-bench-guest.sh OUT PROGRAM..."
out=$1
shift
for p in "$@"; do
    [ -x "$p" ] || die "$p is not built (the bench programs need gcc -m32 -static)"
done
for t in cpio gzip mke2fs cksum; do
    command -v "$t" >/dev/null 2>&1 || die "$t is missing (make deps installs it)"
done
# its errors (the last line says why) go to stderr as they are
base=$(sh "$here/linux-guest.sh" build) || exit 2
base=$(echo "$base" | tail -n 1)
stamp="$(cat "$base/VERSION") $(cat "$@" "$here/linux-bench-guest.sh" | cksum | cut -d' ' -f1)"
if [ -f "$out/VERSION" ] && [ "$(cat "$out/VERSION")" = "$stamp" ]; then
    echo "$out"
    exit 0
fi
mkdir -p "$out"
rm -f "$out/VERSION"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && gzip -dc "$base/initrd.img" | cpio -i -d --quiet)
write_init "$work/init"
mkdir -p "$work/bench"
cp "$@" "$work/bench/"
(cd "$work" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6 >"$out/initrd.img"
cp "$base/vmlinuz" "$out/vmlinuz"
rm -f "$out/disk.img"
mke2fs -q -F -t ext4 -L xbt-bench "$out/disk.img" 32M >/dev/null
echo "$stamp" >"$out/VERSION"
echo "$out"
