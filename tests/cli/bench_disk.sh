#!/bin/sh
# bench_disk.sh XBT - `xbt bench`'s disk class, one run of each image: the
# time from the process start to the kernel's "Linux version " line, the
# image booted through the BIOS by `xbt run --snapshot` and by QEMU
# (-nographic, snapshot=on) when installed; the run is stopped there and
# counts as a success.  Every configuration must report both workloads
# with a plausible time, and the images must be untouched.  Also: a
# guests directory without the image maker skips the class with one line
# and status 0.  Exit 77 (skipped, with the reason) when the images cannot
# be made here (no network to fetch Debian's packages).
set -u
XBT=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

# a guest directory without the maker: the class is skipped, one line, 0
"$XBT" bench --only disk --guests "$T" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
   grep -q '^xbt bench: disk workloads skipped: ' "$T/err" && [ ! -s "$T/out" ]; then ok
else bad "skipped class: status $rc, $(cat "$T/err")"; fi

"$XBT" bench --only disk --runs 1 --json "$T/b.json" >"$T/out" 2>"$T/err"
rc=$?
skipped=$(grep '^xbt bench: disk workloads skipped: ' "$T/err")
if [ -n "$skipped" ]; then
    echo "SKIPPED: ${skipped#xbt bench: disk workloads skipped: }"
    exit 77
fi
if [ "$rc" -eq 0 ]; then ok
else bad "xbt bench --only disk exited with $rc"; cat "$T/err" "$T/out"; fi

dir=$(sh "$(dirname "$0")/../../scripts/disk-images.sh" path)
if python3 - "$T/b.json" <<'PY'
import json, shutil, sys
d = json.load(open(sys.argv[1]))
assert [w["name"] for w in d["workloads"]] == ["disk_syslinux", "disk_grub"], d["workloads"]
for w in d["workloads"]:
    assert w["measured"] == "process start to 'Linux version '", w
kinds = {c["name"]: c["kind"] for c in d["configs"]}
want = {"xbt"} | ({"native"} if d["native"]["available"] else set()) | \
       ({"qemu"} if shutil.which("qemu-system-i386") else set())
assert set(kinds.values()) == want, (kinds, want)
runs = {(s["workload"], s["config"]) for s in d["samples"]}
for c, k in kinds.items():
    for w in ("disk_syslinux", "disk_grub"):
        assert ((w, c) in runs) == (k != "native"), (w, c)  # no native run
for s in d["samples"]:
    # SeaBIOS, the boot loader and the kernel's decompression: seconds
    assert s["ok"] and s["status"] == 0 and 0.3 < s["marker_s"] < 300, s
    assert s["checksum"] is None, s
PY
then ok; else bad "JSON check ($T/b.json)"; head -c 3000 "$T/b.json"; fi

if grep -q '^  disk_grub  *xbt/qemu' "$T/out" || ! grep -q '^  qemu ' "$T/out"; then ok
else bad "no xbt/qemu target line for disk_grub"; cat "$T/out"; fi

# the images are used read-only: nothing written back
if [ -f "$dir/VERSION" ] && ! find "$dir" -name '*.img' -newer "$dir/VERSION" | grep -q .; then ok
else bad "an image in $dir changed during the bench"; ls -l --full-time "$dir"; fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
