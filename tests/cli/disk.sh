#!/bin/sh
# disk.sh XBT GUESTDIR IMAGE EXPECTDIR [QEMU] - `xbt run --disk` end to end:
#   the size of an image is rounded down to whole sectors (disk_pio on the
#   test image plus 100 bytes prints what it prints on the image);
#   --hda is --disk;
#   what the guest writes reaches the image file: after disk_pio and
#   disk_dma under xbt the image equals the one QEMU leaves (when QEMU is
#   given), and differs from the original in any case;
#   --stats / --stats-json have the disk group, and DMA over translated
#   code shows up as tcache invalidations_dma.
# Skipped (77) when the guest kernels or the image were not built.
set -u
XBT=$1 G=$2 IMG=$3 EXP=$4 QEMU=${5:-}
for f in "$G/disk_pio.elf" "$G/disk_dma.elf" "$G/disk_dma_code.elf" "$IMG"; do
    if [ ! -f "$f" ]; then
        echo "$f not built: skipped"
        exit 77
    fi
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

# run_xbt NAME IMAGE [OPTIONS...]: disk test kernel NAME under xbt; sets st
run_xbt() {
    name=$1 img=$2
    shift 2
    timeout 60 "$XBT" run "$@" --disk "$img" "$G/$name.elf" >"$T/out" 2>"$T/err" </dev/null
    st=$?
}

cp "$IMG" "$T/odd.img"
printf '%0100d' 0 >>"$T/odd.img"
run_xbt disk_pio "$T/odd.img"
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$EXP/disk_pio.expected"; then ok
else bad "image with a partial last sector: status $st"; diff "$EXP/disk_pio.expected" "$T/out" | head; fi

cp "$IMG" "$T/hda.img"
timeout 60 "$XBT" run --hda "$T/hda.img" "$G/disk_dma.elf" >"$T/out" 2>"$T/err" </dev/null
st=$?
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$EXP/disk_dma.expected"; then ok
else bad "--hda: status $st"; head "$T/err"; fi

cp "$IMG" "$T/x.img"
run_xbt disk_pio "$T/x.img"
run_xbt disk_dma "$T/x.img"
if cmp -s "$IMG" "$T/x.img"; then bad "the guest's writes did not reach the image"
else ok; fi
if [ -n "$QEMU" ] && [ -x "$QEMU" ]; then
    cp "$IMG" "$T/q.img"
    for name in disk_pio disk_dma; do
        timeout 60 "$QEMU" -kernel "$G/$name.elf" -display none -monitor none -nodefaults \
            -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -m 128 \
            -drive "file=$T/q.img,format=raw,if=ide,index=0" >/dev/null 2>&1 </dev/null
    done
    if cmp -s "$T/q.img" "$T/x.img"; then ok
    else bad "image after disk_pio + disk_dma differs from QEMU's"; cmp -l "$T/q.img" "$T/x.img" | head -5; fi
fi

cp "$IMG" "$T/s.img"
run_xbt disk_dma_code "$T/s.img" --stats --stats-json "$T/s.json"
# json_field GROUP FIELD: the value in s.json
json_field() {
    awk -v g="\"$1\":" -v f="\"$2\":" '$1 == g { in_g = 1; next }
        in_g && /^  }/ { in_g = 0 }
        in_g && $1 == f { v = $2; sub(/,$/, "", v); print v; exit }' "$T/s.json"
}
dma=$(json_field disk dma_transfers)
inv=$(json_field tcache invalidations_dma)
bytes=$(json_field disk dma_bytes)
if [ "$st" -eq 1 ] && [ "${dma:-0}" -eq 6 ] && [ "${bytes:-0}" -eq 3072 ] &&
   [ "${inv:-0}" -gt 0 ] && grep -q "^disk:" "$T/err" && grep -q "sectors_read" "$T/err"; then ok
else bad "stats: status $st, dma_transfers '$dma', dma_bytes '$bytes', invalidations_dma '$inv'"; fi
for f in commands errors sectors_read sectors_written pio_bytes dma_transfers dma_bytes \
         prd_entries flushes irqs; do
    [ -n "$(json_field disk $f)" ] || bad "stats-json: disk.$f missing"
done

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
