#!/bin/sh
# bench_linux.sh XBT - `xbt bench`'s linux class, once at --quick sizes: the
# boot (timed from the process start to the guest's first /init line) and
# the disk workload (a program timed in the guest on the ext4 disk), four
# boots in all: every configuration must report them (native: linux_fileio
# only, where this host runs i386 programs; xbt; QEMU when installed), every
# run must succeed and every checksum equal the committed one.  Also: a
# guest that cannot be made skips the class with one line and status 0
# (bench_smoke.sh checks that a run without --only leaves it out).  Exit 77 (skipped, with the
# reason) when the Linux guest cannot be made here (no network to fetch
# Debian's packages, no -m32 -static compiler).
set -u
XBT=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passes=0 fails=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

# a guest directory without the maker: the class is skipped, one line, 0
"$XBT" bench --only linux --guests "$T" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
   grep -q '^xbt bench: linux workloads skipped: ' "$T/err" && [ ! -s "$T/out" ]; then ok
else bad "skipped class: status $rc, $(cat "$T/err")"; fi

"$XBT" bench --only linux_boot,linux_fileio --quick --json "$T/b.json" >"$T/out" 2>"$T/err"
rc=$?
skipped=$(grep '^xbt bench: linux workloads skipped: ' "$T/err")
if [ -n "$skipped" ]; then
    echo "SKIPPED: ${skipped#xbt bench: linux workloads skipped: }"
    exit 77
fi
if [ "$rc" -eq 0 ]; then ok
else bad "xbt bench --only linux_boot,linux_fileio exited with $rc"; cat "$T/err" "$T/out"; fi

if python3 - "$T/b.json" <<'PY'
import json, shutil, sys
d = json.load(open(sys.argv[1]))
assert [w["name"] for w in d["workloads"]] == ["linux_boot", "linux_fileio"], d["workloads"]
kinds = {c["name"]: c["kind"] for c in d["configs"]}
want = {"xbt"} | ({"native"} if d["native"]["available"] else set()) | \
       ({"qemu"} if shutil.which("qemu-system-i386") else set())
assert set(kinds.values()) == want, (kinds, want)
runs = {(s["workload"], s["config"]) for s in d["samples"]}
for c, k in kinds.items():
    assert ("linux_fileio", c) in runs, ("linux_fileio", c)
    assert (("linux_boot", c) in runs) == (k != "native"), ("linux_boot", c)
assert all(s["ok"] and s["checksum_ok"] for s in d["samples"]), "a run failed"
for s in d["samples"]:
    if s["workload"] == "linux_boot":
        assert s["checksum"] is None and s["marker_s"] > 0.1, s
    else:
        assert s["checksum"] == d["workloads"][1]["reference_checksum"], s
assert d["workloads"][1]["reference_source"] == "committed", d["workloads"][1]
PY
then ok; else bad "JSON check ($T/b.json)"; head -c 3000 "$T/b.json"; fi

if grep -q '^  linux_boot  *xbt/qemu' "$T/out" || ! grep -q '^  qemu ' "$T/out"; then ok
else bad "no xbt/qemu target line for linux_boot"; cat "$T/out"; fi

# --only: a word that is neither a workload nor a class is one error line
"$XBT" bench --only linux_nosuch >/dev/null 2>"$T/e1"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/e1")" -eq 1 ]; then ok
else bad "--only linux_nosuch: status $rc, $(cat "$T/e1")"; fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
