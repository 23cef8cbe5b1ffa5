#!/bin/sh
# selftest.sh - the fuzzer's driver notices what it must: a run that
# differs from the reference (a native harness that changes one line) and
# a run that never ends (an xbt that hangs: classified as a VMM hang, with
# the block named).
#   selftest.sh FUZZ.SH XBT KERNEL NATIVE GEN.PY
# Exit 0 when both are reported, 1 otherwise, 77 without native i386 runs.
set -u
fuzz=$1 xbt=$2 kernel=$3 native=$4 gen=$5
dir=$(mktemp -d "${TMPDIR:-/tmp}/xbt-fuzz-self.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
case ${XBT_NO_NATIVE:-} in "" | 0) ;; *) echo "SKIPPED: no native runs"; exit 77 ;; esac
[ "$("$xbt" bench --check-native --guests "$(dirname "$kernel")")" = yes ] ||
    { echo "SKIPPED: this host does not run i386 programs"; exit 77; }

# a reference with block 3's flags changed
cat >"$dir/native" <<EOF2
#!/bin/sh
"$native" "\$@" | sed '4s/fl=..../fl=ffff/'
EOF2
# an xbt that hangs in every run (but answers the native check)
cat >"$dir/xbt" <<EOF2
#!/bin/sh
[ "\$1" = bench ] && exec "$xbt" "\$@"
exec sleep 1000
EOF2
chmod +x "$dir/native" "$dir/xbt"
fail=0
out=$(sh "$fuzz" --xbt "$xbt" --kernel "$kernel" --native "$dir/native" --gen "$gen" \
      --seeds 1 --blocks 10 --variants ring0 --outdir "$dir/a")
st=$?
if [ $st != 1 ] || ! echo "$out" | grep -q 'seed 1: differs from the reference' ||
   ! echo "$out" | grep -q 'block 3 bytes: [0-9a-f]'; then
    echo "FAIL: a changed reference line was not reported (status $st):"; echo "$out"; fail=1
fi
out=$(sh "$fuzz" --xbt "$dir/xbt" --kernel "$kernel" --native "$native" --gen "$gen" \
      --seeds 1 --blocks 10 --variants ring0 --timeout 1 --outdir "$dir/b")
st=$?
if [ $st != 1 ] || ! echo "$out" | grep -q 'timeout (VMM hang in block 0); bytes [0-9a-f]'; then
    echo "FAIL: a hanging xbt was not reported as a VMM hang (status $st):"; echo "$out"; fail=1
fi
[ $fail = 0 ] && echo "selftest: a difference and a hang are both reported"
exit $fail
