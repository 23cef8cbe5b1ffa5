#!/bin/sh
# bochs_boot.sh - boots a multiboot test kernel under Bochs, the reference
# where QEMU deviates from the SDM (real-mode and protected-mode segment
# limits, x87 flags, debug registers).  Bochs cannot load a kernel itself:
# the kernel goes on a 1.44 MB floppy image with SYSLINUX and its mboot.c32
# (Debian's syslinux, syslinux-common, mtools, dosfstools; no root, no loop
# device), which Bochs's BIOS boots.  COM1 goes to a file.
#
#   bochs_boot.sh --elf K.elf --out FILE --dir WORKDIR [--append "cmdline"]
#                 [--until BYTES] [--timeout SECONDS]
#
# Our kernels end by writing QEMU's isa-debug-exit port, which Bochs does
# not have, and then idle: the run ends when FILE holds at least BYTES
# bytes and has not grown for a second, when it has not grown for
# BOCHS_IDLE seconds (a kernel that printed something else and idles),
# when Bochs exits by itself (a triple fault: reset_on_triple_fault=0
# makes it a panic, which is fatal), or after SECONDS (default 60, then
# exit 124).  Unknown MSRs fault (ignore_bad_msrs=0), as on a CPU.  Bochs is killed with
# SIGKILL: the debugger of Debian's build catches the other signals.
# Exit 0 when the run ended, 124 on the timeout, 77 when Bochs or the
# floppy tools are missing (the caller skips), 2 on any other set-up error.
set -u

die() { echo "bochs_boot.sh: $*" >&2; exit 2; }

elf='' out='' dir='' append='' until=0 timeout_s=60
while [ $# -gt 0 ]; do
    case $1 in
    --elf) elf=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --until) until=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) die "unknown option $1" ;;
    esac
done
[ -n "$elf" ] && [ -n "$out" ] && [ -n "$dir" ] || die "usage: bochs_boot.sh --elf K --out F --dir D"

# Tunable: where Debian's packages put the BIOSes and SYSLINUX's modules.
BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
BOCHS_VGABIOS=/usr/share/bochs/VGABIOS-lgpl-latest
SYSLINUX_MODULES=/usr/lib/syslinux/modules/bios
# Tunable: seconds without output after which a run that printed
# something is over.  Policy: our kernels print at least every few tenths
# of a second under Bochs; a mismatch should not wait for the timeout.
BOCHS_IDLE=8

for tool in bochs-bin syslinux mcopy mkfs.fat; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIPPED: $tool not installed (make deps installs it)"
        exit 77
    fi
done
for f in "$BOCHS_BIOS" "$BOCHS_VGABIOS" "$SYSLINUX_MODULES/mboot.c32"; do
    [ -r "$f" ] || { echo "SKIPPED: $f not installed (make deps installs it)"; exit 77; }
done

mkdir -p "$dir" || die "cannot create $dir"
img=$dir/floppy.img
rm -f "$img" "$out"
mkfs.fat -C "$img" 1440 >/dev/null || die "mkfs.fat failed"
syslinux --install "$img" || die "syslinux --install failed"
printf 'DEFAULT t\nPROMPT 0\nTIMEOUT 0\nLABEL t\n  KERNEL mboot.c32\n  APPEND kernel.elf %s\n' \
    "$append" >"$dir/syslinux.cfg"
cp "$elf" "$dir/kernel.elf" || die "cannot copy $elf"
mcopy -o -i "$img" "$SYSLINUX_MODULES/mboot.c32" "$SYSLINUX_MODULES/libcom32.c32" \
    "$dir/kernel.elf" "$dir/syslinux.cfg" :: || die "mcopy failed"

# 128 MiB as in the QEMU runs; no sound, no time sync (as fast as it goes)
cat >"$dir/bochsrc" <<EOF
megs: 128
romimage: file=$BOCHS_BIOS
vgaromimage: file=$BOCHS_VGABIOS
floppya: 1_44=$img, status=inserted
boot: floppy
display_library: term
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
com1: enabled=1, mode=file, dev=$out
clock: sync=none, time0=1
cpu: reset_on_triple_fault=0, ignore_bad_msrs=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
EOF

echo "+ bochs -q -f $dir/bochsrc   # $elf on a SYSLINUX floppy, COM1 -> $out"
# the debugger stops before the first instruction: 'c' continues
printf 'c\n' | TERM=xterm bochs-bin -q -f "$dir/bochsrc" >"$dir/bochs.stdout" 2>&1 &
pid=$!
size() { if [ -f "$out" ]; then wc -c <"$out"; else echo 0; fi; }
rc=124 last=-1 still=0 ticks=0
while [ "$ticks" -lt $((timeout_s * 5)) ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        rc=0 # Bochs exited (a shutdown or a panic)
        break
    fi
    now=$(size)
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; fi
    last=$now
    if [ "$until" -gt 0 ] && [ "$now" -ge "$until" ] && [ "$still" -ge 5 ]; then
        rc=0
        break
    fi
    if [ "$now" -gt 0 ] && [ "$still" -ge $((BOCHS_IDLE * 5)) ]; then
        rc=0
        break
    fi
    sleep 0.2
    ticks=$((ticks + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ -f "$out" ] || : >"$out"
[ "$rc" = 0 ] || echo "bochs_boot.sh: Bochs still ran after $timeout_s s: cut"
exit "$rc"
