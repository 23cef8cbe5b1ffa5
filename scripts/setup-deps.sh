#!/bin/sh
# setup-deps.sh - installs the Debian packages xbt needs to build, test,
# compare against QEMU, plot benchmark results (gnuplot-nox) and make the
# Linux guest (cpio, e2fsprogs: scripts/linux-guest.sh), boot PC images
# through a BIOS (seabios: /usr/share/seabios/bios*.bin), make the boot disk
# images (scripts/disk-images.sh: mtools, dosfstools, syslinux,
# syslinux-common, grub-pc-bin, memtest86+; the script fetches them itself
# when they are missing), test the gdb stub (gdb) and run the Bochs
# references of the tests where QEMU deviates from the SDM (bochs with its
# terminal display bochs-term, bochsbios, vgabios; tests/guest/bochs_boot.sh);
# with XBT_DEPS_FUZZ=1 (make fuzz-build) also clang and
# libclang-rt-14-dev (a Recommends only, with libFuzzer and the sanitizer
# runtimes the fuzzing harnesses link).  Idempotent:
# installs only what is missing, so it is cheap to run before every build.
# Needs root (or sudo) only when something is missing.
set -eu

PACKAGES="build-essential cmake pkg-config gcc-multilib libzydis-dev libcapstone-dev
libelf-dev libcmocka-dev libzstd-dev qemu-system-x86 gnuplot-nox cpio e2fsprogs
clang-format python3 seabios gdb mtools dosfstools syslinux syslinux-common grub-pc-bin
memtest86+ bochs bochs-term bochsbios vgabios"
if [ "${XBT_DEPS_FUZZ:-0}" = 1 ]; then
    PACKAGES="$PACKAGES clang libclang-rt-14-dev"
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "xbt: installing missing packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "xbt: these Debian packages are missing:$missing" >&2
    echo "xbt: run this script as root (or install sudo), or install them with:" >&2
    echo "       apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
