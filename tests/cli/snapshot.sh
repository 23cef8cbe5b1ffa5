#!/bin/sh
# snapshot.sh XBT GUESTDIR IMAGE EXPECTDIR - `xbt run --snapshot` end to end:
#   disk_pio, disk_dma and disk_flush write the disk and read their writes
#   back: with --snapshot they print what they print on a writable image
#   (their .expected) and the image file's checksum does not change;
#   FLUSH CACHE leaves the image alone too;
#   the lock is shared: a second --snapshot run and a ,readonly run share
#   the image with a running --snapshot guest, a read-write run is refused
#   (status 2, one line), and a --snapshot run is refused while a writer
#   holds the image;
#   a file without write permission boots with --snapshot (no ,readonly);
#   --snapshot with ,readonly: ,readonly wins (the writes fail);
#   bad input, one line and status 2: --snapshot without a disk, an overlay
#   directory ($TMPDIR) that does not exist;
#   no file is left in $TMPDIR.
# Skipped (77) when the guest kernels or the image were not built.
set -u
XBT=$1 G=$2 IMG=$3 EXP=$4
for f in "$G/disk_pio.elf" "$G/disk_dma.elf" "$G/disk_flush.elf" "$G/hello.elf" "$G/spin.elf"; do
    [ -f "$f" ] || { echo "$f not built: skipped"; exit 77; }
done
K=$IMG
. "$(dirname "$0")/common.sh"
mkdir "$T/tmp"
TMPDIR=$T/tmp
export TMPDIR

# run_xbt NAME IMAGE [OPTIONS...]: disk test kernel NAME; sets st
run_xbt() {
    name=$1 img=$2
    shift 2
    timeout 60 "$XBT" run "$@" --disk "$img" "$G/$name.elf" >"$T/out" 2>"$T/err" </dev/null
    st=$?
}

cp "$IMG" "$T/s.img"
sum=$(cksum <"$T/s.img")
for name in disk_pio disk_dma disk_flush; do
    run_xbt "$name" "$T/s.img" --snapshot
    if [ "$st" -eq 1 ] && cmp -s "$T/out" "$EXP/$name.expected" &&
       [ "$(cksum <"$T/s.img")" = "$sum" ]; then ok
    else bad "$name --snapshot: status $st, image $(cksum <"$T/s.img" | cut -d' ' -f1)" \
             "(was $(echo "$sum" | cut -d' ' -f1))"; diff "$EXP/$name.expected" "$T/out" | head -5
         head -3 "$T/err"; fi
done
# the same guests without --snapshot do change it (the test means something)
cp "$IMG" "$T/w.img"
run_xbt disk_pio "$T/w.img"
if [ "$st" -eq 1 ] && ! cmp -s "$IMG" "$T/w.img"; then ok
else bad "disk_pio without --snapshot: status $st, image unchanged?"; fi

# hold IMAGE [OPTIONS...]: a guest spinning with IMAGE open (the files are
# opened before the guest starts); sets pid (timeout's: `release` ends it
# with SIGTERM, which timeout passes on; a SIGKILL would leave xbt
# spinning after the test)
hold() {
    img=$1
    shift
    timeout 100 "$XBT" run "$@" --disk "$img" "$G/spin.elf" >"$T/bg.out" 2>&1 </dev/null &
    pid=$!
    sleep 1
}
release() {
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
}
pid=
trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null; rm -rf "$T"' EXIT

# a running --snapshot guest holds the shared lock
hold "$T/s.img" --snapshot
run_xbt disk_pio "$T/s.img" --snapshot
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$EXP/disk_pio.expected"; then ok
else bad "a second --snapshot run beside the first: status $st"; head -3 "$T/err"; fi
run_xbt disk_pio "$T/s.img,readonly"
if [ "$st" -ne 2 ]; then ok
else bad "a ,readonly run beside --snapshot: status $st"; head -3 "$T/err"; fi
run_xbt disk_pio "$T/s.img"
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "locked" "$T/err"; then ok
else bad "a writer beside --snapshot: status $st"; cat "$T/err"; fi
release
if [ "$(cksum <"$T/s.img")" = "$sum" ]; then ok
else bad "the image changed under the concurrent runs"; fi

# a writer holds the image: --snapshot is refused
hold "$T/w.img"
run_xbt disk_pio "$T/w.img" --snapshot
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "locked" "$T/err"; then ok
else bad "--snapshot beside a writer: status $st"; cat "$T/err"; fi
release

# a file without write permission; ,readonly wins over --snapshot
cp "$IMG" "$T/ro.img"
chmod 0444 "$T/ro.img"
run_xbt disk_pio "$T/ro.img" --snapshot
if [ "$st" -eq 1 ] && cmp -s "$T/out" "$EXP/disk_pio.expected" && cmp -s "$IMG" "$T/ro.img"; then ok
else bad "read-only file with --snapshot: status $st"; head -3 "$T/err"; fi
run_xbt disk_flush "$T/ro.img,readonly" --snapshot
if [ "$st" -eq 1 ] && grep -q "^round 0: write failed" "$T/out" && cmp -s "$IMG" "$T/ro.img"; then ok
else bad "--snapshot with ,readonly: status $st, $(head -1 "$T/out")"; fi

# bad input
timeout 60 "$XBT" run --snapshot "$G/hello.elf" >"$T/out" 2>"$T/err" </dev/null
st=$?
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "--snapshot" "$T/err"; then ok
else bad "--snapshot without a disk: status $st"; cat "$T/err"; fi
TMPDIR=$T/missing run_xbt disk_pio "$T/s.img" --snapshot
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "overlay" "$T/err" &&
   grep -q "$T/missing" "$T/err"; then ok
else bad "--snapshot with TMPDIR missing: status $st"; cat "$T/err"; fi

if [ -z "$(ls -A "$T/tmp")" ]; then ok
else bad "files left in TMPDIR: $(ls -A "$T/tmp")"; fi
if ! pgrep -f -- "--disk $T/" >/dev/null; then ok
else bad "a guest holding an image still runs: $(pgrep -af -- "--disk $T/")"; fi

finish
