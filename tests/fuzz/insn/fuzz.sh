#!/bin/sh
# fuzz.sh - the random-instruction differential fuzzer's driver (README.md
# next to it): for each seed, gen.py writes a block file; the reference is
# the native harness's output where this host runs i386 programs, else
# QEMU's (the fuzz_insn kernel, ring 0, no paging); then the kernel runs
# under xbt in every variant with the file as its module, and each output
# must equal the reference line for line.
#
#   fuzz.sh --xbt XBT --kernel fuzz_insn.elf --native PROG --gen gen.py
#           [--qemu QEMU] [--seeds "1 2 3"] [--blocks N] [--timeout SECONDS]
#           [--variants "ring0 ring3 paging paging,ring3"] [--outdir DIR]
#           [--also-qemu]
#
# --also-qemu: where the native reference exists, run QEMU too and compare
# it with the native one (QEMU's known deviations: README.md).
# Environment: XBT_EXTRA_ARGS (extra xbt options, word-split), XBT_NO_NATIVE
# (not "" or "0": as on a host without i386 support).
# Exit: 0 all agree, 1 a difference, a VMM death or a timeout (each
# reported with its seed, block and a command that reproduces it), 2 bad
# usage, 77 skipped (no native runs and no QEMU).
#
# Timeouts.  Generated code only branches forward, REP counts are at most 8
# and the runner's handlers return, so no block can loop: a run that does not
# end within --timeout (SIGTERM, then SIGKILL) is the VMM's fault.  The
# block it was in is the one after the last line printed; that block is run
# again alone with four times the timeout: if it then ends, the report says
# "slow" (the whole file took too long), else "VMM hang in block N".
# shellcheck disable=SC2086
set -u

die() { echo "fuzz.sh: $*" >&2; exit 2; }

xbt= kernel= native= gen= qemu= seeds="1 2 3" blocks=200 timeout=120
variants="ring0 ring3 paging paging,ring3" outdir= also_qemu=0
while [ $# -gt 0 ]; do
    case $1 in
    --xbt) xbt=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --native) native=$2; shift 2 ;;
    --gen) gen=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --blocks) blocks=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --outdir) outdir=$2; shift 2 ;;
    --also-qemu) also_qemu=1; shift ;;
    *) die "unknown option $1" ;;
    esac
done
[ -x "$xbt" ] || die "xbt executable '$xbt' not found"
[ -f "$kernel" ] || die "kernel '$kernel' not found"
[ -f "$gen" ] || die "generator '$gen' not found"
command -v python3 >/dev/null || die "python3 is needed for the generator"
if [ -z "$outdir" ]; then
    outdir=$(mktemp -d "${TMPDIR:-/tmp}/xbt-fuzz.XXXXXX") || die "mktemp failed"
fi
mkdir -p "$outdir" || die "cannot create $outdir"
[ -n "$qemu" ] && ! [ -x "$qemu" ] && qemu=

# Where does the reference come from?
have_native=0
case ${XBT_NO_NATIVE:-} in
"" | 0)
    if [ -n "$native" ] && [ -x "$native" ]; then
        verdict=$("$xbt" bench --check-native --guests "$(dirname "$kernel")")
        [ "$verdict" = yes ] && have_native=1
    fi ;;
esac
if [ $have_native = 0 ] && [ -z "$qemu" ]; then
    echo "SKIPPED: fuzz: no native i386 runs here and no qemu-system-i386"
    exit 77
fi

# run_xbt OUT VARIANT FILE [TIMEOUT]: xbt's stdout to OUT, stderr to OUT.err;
# prints the exit status (124: timed out).
run_xbt() {
    set -f
    timeout -k 5 "${4:-$timeout}" "$xbt" run ${XBT_EXTRA_ARGS:-} --append "$2" \
        --module "$3" "$kernel" </dev/null >"$1" 2>"$1.err"
    echo $?
    set +f
}

# run_qemu OUT VARIANT FILE: QEMU's COM1 to OUT; prints the exit status.
run_qemu() {
    timeout -k 5 "$timeout" "$qemu" -M pc -m 128 -display none -no-reboot \
        -serial stdio -monitor none -parallel none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$kernel" -append "$2" -initrd "$3" </dev/null >"$1" 2>"$1.err"
    echo $?
}

# extract FILE N OUT: block N of FILE alone (gen.py's format).
extract() {
    python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
want, off = int(sys.argv[2]), 12
for i in range(struct.unpack_from("<I", d, 8)[0]):
    n, m = struct.unpack_from("<HH", d, off + 44)
    size = (48 + 4 * m + n + 3) & ~3
    if i == want:
        open(sys.argv[3], "wb").write(b"XBTFUZ01" + struct.pack("<I", 1) + d[off:off + size])
    off += size
EOF
}

# block_hex FILE N: the code bytes of block N (for reports).
block_hex() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
want, off = int(sys.argv[2]), 12
for i in range(struct.unpack_from("<I", d, 8)[0]):
    n, m = struct.unpack_from("<HH", d, off + 44)
    if i == want:
        print(d[off + 48 + 4 * m:off + 48 + 4 * m + n].hex())
    off += (48 + 4 * m + n + 3) & ~3
EOF
}

fail=0
nblocks=0
report() {
    echo "FAIL: $*"
    fail=1
}

# compare SEED VARIANT WHO OUT STATUS REF FILE: checks one run.
compare() {
    seed=$1 var=$2 who=$3 out=$4 st=$5 ref=$6 file=$7
    if [ "$st" = 124 ] || [ "$st" = 137 ]; then
        last=$(grep -c '^[0-9]*:' "$out")
        extract "$file" "$last" "$out.block"
        if [ "$who" = xbt ]; then
            st2=$(run_xbt "$out.alone" "$var" "$out.block" $((timeout * 4)))
        else
            st2=124
        fi
        kind="VMM hang in block $last"
        [ "$st2" != 124 ] && [ "$st2" != 137 ] && kind="slow: the file took more than ${timeout}s, block $last alone ends"
        report "$who $var seed $seed: timeout ($kind); bytes $(block_hex "$file" "$last")"
        return
    fi
    if [ "$st" != 1 ]; then
        report "$who $var seed $seed: exit status $st (expected 1); stderr: $(head -c 600 "$out.err")"
    fi
    if ! cmp -s "$out" "$ref"; then
        line=$(diff "$ref" "$out" | grep '^[<>]' | head -2)
        n=$(diff "$ref" "$out" | grep '^<' | head -1 | sed 's/^< \([0-9]*\):.*/\1/')
        report "$who $var seed $seed: differs from the reference:
$line
  block $n bytes: $(block_hex "$file" "${n:-0}")"
    fi
}

for seed in $seeds; do
    file=$outdir/seed$seed.bin
    genopt=
    # QEMU raises #UD for ICEBP (README.md): INT3 instead where QEMU runs
    { [ $have_native = 0 ] || [ $also_qemu = 1 ]; } && genopt=--qemu
    python3 "$gen" "$seed" "$blocks" "$file" $genopt || die "gen.py failed for seed $seed"
    ref=$outdir/seed$seed.ref
    if [ $have_native = 1 ]; then
        "$native" "$file" >"$ref" 2>"$ref.err" || { report "native seed $seed: status $?"; continue; }
        refname=native
        if [ $also_qemu = 1 ] && [ -n "$qemu" ]; then
            st=$(run_qemu "$outdir/seed$seed.qemu" ring0 "$file")
            compare "$seed" ring0 qemu "$outdir/seed$seed.qemu" "$st" "$ref" "$file"
        fi
    else
        st=$(run_qemu "$ref" ring0 "$file")
        [ "$st" = 1 ] || { report "qemu seed $seed: exit status $st"; continue; }
        refname=qemu
    fi
    for var in $variants; do
        v=$(echo "$var" | tr ',' ' ')
        out=$outdir/seed$seed.$(echo "$var" | tr ',' '_').out
        st=$(run_xbt "$out" "$v" "$file")
        compare "$seed" "$v" xbt "$out" "$st" "$ref" "$file"
    done
    nblocks=$((nblocks + blocks))
done
variants_n=$(echo $variants | wc -w)
if [ $fail = 0 ]; then
    echo "fuzz: $nblocks blocks x $variants_n variants agree with the $refname reference" \
         "(XBT_EXTRA_ARGS='${XBT_EXTRA_ARGS:-}', outputs in $outdir)"
    exit 0
fi
echo "fuzz: differences found; outputs in $outdir (rerun: XBT_EXTRA_ARGS='${XBT_EXTRA_ARGS:-}'" \
     "$xbt run --append VARIANT --module $outdir/seedN.bin $kernel)"
exit 1
