#!/bin/sh
# disk.sh XBT GUESTDIR IMAGE EXPECTDIR [QEMU] - `xbt run --disk` end to end:
#   the size of an image is rounded down to whole sectors (disk_pio on the
#   test image plus 100 bytes prints what it prints on the image);
#   --hda is --disk;
#   what the guest writes reaches the image file: after disk_pio and
#   disk_dma under xbt the image equals the one QEMU leaves (when QEMU is
#   given), and differs from the original in any case;
#   --stats / --stats-json have the disk group, and DMA over translated
#   code shows up as tcache invalidations_dma;
#   --disk FILE,readonly: the guest reads, its writes fail and the file is
#   untouched; a file without write permission is refused without
#   ,readonly (status 2, one line; also as root);
#   SIGKILL in the middle of disk_flush's writes: every sector of every
#   round the guest saw flushed is in the image.
# Skipped (77) when the guest kernels or the image were not built.
set -u
XBT=$1 G=$2 IMG=$3 EXP=$4 QEMU=${5:-}
for f in "$G/disk_pio.elf" "$G/disk_dma.elf" "$G/disk_dma_code.elf" "$G/disk_flush.elf" "$IMG"; do
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
            -drive "file=$T/q.img,format=raw,if=ide,index=0,cache=unsafe" >/dev/null 2>&1 </dev/null
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

# read-only images
cp "$IMG" "$T/ro.img"
run_xbt disk_flush "$T/ro.img,readonly"
if [ "$st" -eq 1 ] && grep -q "^round 0: write failed" "$T/out" && cmp -s "$IMG" "$T/ro.img"; then ok
else bad "--disk FILE,readonly: status $st, $(head -1 "$T/out")"; fi
chmod 0444 "$T/ro.img"
run_xbt disk_pio "$T/ro.img"
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q ",readonly" "$T/err" &&
   cmp -s "$IMG" "$T/ro.img"; then ok
else bad "read-only file without ,readonly: status $st"; cat "$T/err"; fi
run_xbt disk_pio "$T/ro.img,readonly"
if [ "$st" -ne 2 ] && cmp -s "$IMG" "$T/ro.img"; then ok
else bad "read-only file with ,readonly: status $st"; head -3 "$T/err"; fi

# SIGKILL while the guest writes: what it saw flushed is on the disk
cp "$IMG" "$T/k.img"
: >"$T/kout" # before the loop reads it: the background job opens it later
"$XBT" run --append paced --disk "$T/k.img" "$G/disk_flush.elf" >"$T/kout" 2>"$T/kerr" </dev/null &
pid=$!
i=0
while [ "$i" -lt 600 ] && [ "$(grep -c '^flushed' "$T/kout")" -lt 40 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if python3 - "$T/k.img" "$T/kout" <<'PY'
import struct, sys
img = open(sys.argv[1], "rb").read()
done = [int(l.split()[1]) for l in open(sys.argv[2]) if l.startswith("flushed ") and l.endswith("\n")]
bad = 0
for r in done:
    for s in range(8):
        lba = 16 + 8 * r + s
        want = struct.pack("<128I", *[(lba * 1000003 + w * 7 + 0x5A5A) & 0xFFFFFFFF for w in range(128)])
        if img[lba * 512:(lba + 1) * 512] != want:
            bad += 1
print(f"{len(done)} rounds flushed before SIGKILL, {bad} sectors missing")
sys.exit(1 if bad or len(done) < 40 or "done\n" in open(sys.argv[2]).read() else 0)
PY
then ok
else bad "SIGKILL during writes (the run must be killed after 40 rounds, before the end)"; fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
