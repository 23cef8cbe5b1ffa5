#!/bin/sh
# run_guest.sh - run one xbt guest kernel and check what it did.
#
#   run_guest.sh xbt    --name N --elf K.elf --expected F --status S --xbt XBT
#   run_guest.sh qemu   ... --qemu QEMU [--hang]
#   run_guest.sh bochs  ...
#   run_guest.sh native ... --xbt XBT --native PROG
#   run_guest.sh elf    --name N --elf K.elf
#   run_guest.sh native-host --xbt XBT --guests DIR --native-host FILE
# common options: [--append "cmdline"] [--debugcon E9FILE] [--outdir DIR]
#                 [--native-host FILE] [--expected-cpu PREFIX] (instead of
#                 --expected, with --native PROG)
#
# xbt:    `XBT run $XBT_EXTRA_ARGS [--append C] K.elf` with stdin from
#         /dev/null; stdout must equal F byte for byte and the exit status
#         must be S.  With --debugcon, the expected 0xE9 output must appear in
#         xbt's stderr (where xbt's debug console writes).
# qemu:   the same kernel under qemu-system-i386 (-kernel, COM1 on stdio,
#         isa-debug-exit at 0xF4, 128 MiB); same expectations, the 0xE9 output
#         (-debugcon file) must equal E9FILE exactly.  --hang: the kernel ends
#         in cli;hlt, which QEMU never leaves, so the run is cut after
#         $XBT_GUEST_HANG_TIMEOUT seconds (default 3) and only stdout is
#         checked.  Exit 77 (skip) when QEMU is not given.
# bochs:  the same kernel under Bochs (bochs_boot.sh: a SYSLINUX floppy,
#         128 MiB), the reference where QEMU deviates from the SDM; stdout
#         (COM1) must equal F byte for byte (Bochs has no isa-debug-exit:
#         the status is not checked).  Exit 77 (skip) when Bochs or the
#         floppy tools are not installed.
# native: the native reference program (the test's twin, a static i386
#         Linux program) must exit 0 and print F, the committed reference
#         (a stale reference fails here); then the guest under xbt must
#         print exactly what the native program printed.  Skipped (exit 77,
#         one line saying why) on a host that cannot run i386 programs.
# native-host: asks `XBT bench --check-native --guests DIR` (one run of the
#         static i386 probe) whether this host runs i386 programs, writes
#         its one-line answer ("yes" or "no: REASON") to FILE and prints
#         it; always exit 0.  The ctest fixture native_host runs this once
#         per ctest invocation; the other modes read FILE (--native-host)
#         instead of probing again, and ask xbt themselves only when FILE
#         is missing or XBT_NO_NATIVE is set.
# --expected-cpu PREFIX: (CPU_SPECIFIC tests, whose output differs between
#         CPU models) the expected output is PREFIX.KEY.expected, KEY being
#         this CPU's (cpu_key.sh); without one for this CPU, the native
#         program's output at test time (kept as DIR/N.MODE.expected), and
#         without native runs either, the test is skipped (77).
# elf:    K.elf must be an ELF32 i386 ET_EXEC with a valid multiboot header
#         (memory info requested, no a.out kludge) in its first 8 KiB.
#
# --xbt-args "OPTS": xbt options this test always needs (word-split).
# --disk IMG: the run gets its own copy of the raw image IMG (DIR/N.MODE.img,
#         removed when the test passes) as the primary IDE master: xbt
#         --disk COPY, QEMU -drive file=COPY,format=raw,if=ide,index=0,cache=unsafe
#         (the reference output does not depend on QEMU syncing each flush
#         to the host disk, which took 30 s for disk_flush on a CI host).
# Environment: XBT_EXTRA_ARGS (extra xbt options, word-split),
# QEMU_EXTRA_ARGS (extra QEMU options), XBT_GUEST_TIMEOUT (seconds per run,
# default 30), XBT_NO_NATIVE (not "" or "0": behave as on a host that
# cannot run i386 programs).  Outputs are kept in DIR (default: a
# temporary directory) as N.MODE.stdout / .stderr for inspection.

# XBT_EXTRA_ARGS and QEMU_EXTRA_ARGS are word-split on purpose (with
# globbing off around their use).
# shellcheck disable=SC2086
set -u

die() { echo "run_guest.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: run_guest.sh xbt|qemu|bochs|native [options]"
mode=$1
shift
name=guest elf='' expected='' status=1 outdir='' append='' have_append=0
debugcon='' xbt='' qemu='' native='' hang=0 expected_cpu='' disk='' disk_copy=''
native_host='' guests=''
while [ $# -gt 0 ]; do
    case $1 in
    --name) name=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    --expected) expected=$2; shift 2 ;;
    --expected-cpu) expected_cpu=$2; shift 2 ;;
    --native-host) native_host=$2; shift 2 ;;
    --guests) guests=$2; shift 2 ;;
    --status) status=$2; shift 2 ;;
    --outdir) outdir=$2; shift 2 ;;
    --append) append=$2; have_append=1; shift 2 ;;
    --xbt-args) XBT_TEST_ARGS=$2; shift 2 ;;
    --debugcon) debugcon=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --xbt) xbt=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --native) native=$2; shift 2 ;;
    --hang) hang=1; shift ;;
    *) die "unknown option $1" ;;
    esac
done

timeout_s=${XBT_GUEST_TIMEOUT:-30}
XBT_EXTRA_ARGS="${XBT_TEST_ARGS:-} ${XBT_EXTRA_ARGS:-}"
QEMU_EXTRA_ARGS=${QEMU_EXTRA_ARGS:-}
if [ -z "$outdir" ]; then
    outdir=$(mktemp -d) || die "mktemp failed"
    trap 'rm -rf "$outdir"' EXIT
fi
mkdir -p "$outdir" || die "cannot create $outdir"
here=$(dirname "$0")

# native_verdict: "yes", or "no: REASON" (see native-host above).
native_verdict() {
    if [ -z "${XBT_NO_NATIVE:-}" ] && [ -n "$native_host" ] && [ -r "$native_host" ]; then
        head -n 1 "$native_host"
        return
    fi
    [ -n "$xbt" ] && [ -x "$xbt" ] || die "xbt executable '$xbt' not found"
    "$xbt" bench --check-native --guests "$(dirname "$elf")"
}

# skip_native WHY: this test needs native runs and cannot have them.
skip_native() {
    echo "SKIPPED: $name ($mode): $1"
    exit 77
}

if [ "$mode" = native-host ]; then
    [ -n "$native_host" ] || die "native-host: --native-host FILE missing"
    [ -n "$guests" ] || die "native-host: --guests DIR missing"
    [ -n "$xbt" ] && [ -x "$xbt" ] || die "xbt executable '$xbt' not found"
    verdict=$("$xbt" bench --check-native --guests "$guests")
    [ -n "$verdict" ] || die "xbt bench --check-native printed nothing"
    printf '%s\n' "$verdict" >"$native_host.$$" && mv -f "$native_host.$$" "$native_host" ||
        die "cannot write $native_host"
    case $verdict in
    yes) echo "this host runs i386 programs: native references are run and compared" ;;
    *) echo "native references are SKIPPED: ${verdict#no: }" ;;
    esac
    exit 0
fi

[ -f "$elf" ] || die "kernel $elf not found (build target 'guests')"
# CPU_SPECIFIC: this CPU's committed reference, else the native output now.
if [ -n "$expected_cpu" ] && [ "$mode" != elf ]; then
    cpu=$(sh "$here/cpu_key.sh")
    committed=$expected_cpu.$cpu.expected
    if [ -f "$committed" ]; then
        expected=$committed
    else
        verdict=$(native_verdict)
        [ "$verdict" = yes ] || skip_native "no reference committed for this CPU ($committed) and no native runs: ${verdict#no: }"
        [ -x "$native" ] || skip_native "no reference committed for this CPU ($committed) and the native program $native is not built"
        echo "note: no reference committed for this CPU ($committed; make native-refs records it): the native output is the expectation"
        expected=$outdir/$name.$mode.expected
        echo "+ $native > $expected"
        timeout -k 5 "$timeout_s" "$native" </dev/null >"$expected" \
            2>"$outdir/$name.$mode.expected.stderr"
        erc=$?
        if [ "$erc" != 0 ]; then
            echo "FAIL: native reference $native (expected output) exit status $erc, expected 0"
            exit 1
        fi
    fi
fi
[ "$mode" = elf ] || [ -f "$expected" ] || die "expected output $expected not found"

fail=0

# fresh_disk MODE: a writable copy of the disk image for this run (sets
# disk_copy; nothing without --disk).
fresh_disk() {
    [ -n "$disk" ] || return 0
    [ -f "$disk" ] || die "disk image $disk not found (build target guest_test_disk)"
    disk_copy=$outdir/$name.$1.img
    cp "$disk" "$disk_copy" || die "cannot copy $disk to $disk_copy"
    chmod u+w "$disk_copy"
}

# describe_status RC: human-readable exit status.
describe_status() {
    case $1 in
    124) echo "124 (timed out after ${timeout_s}s)" ;;
    *) echo "$1" ;;
    esac
}

# compare WANT GOT WHAT: byte-for-byte comparison, diff on mismatch.
compare() {
    if cmp -s "$1" "$2"; then
        return 0
    fi
    echo "FAIL: $3 differs ($1 vs $2):"
    diff -u --text "$1" "$2" | head -n 200
    if [ "$(wc -c <"$2")" -eq 0 ]; then
        echo "(no output at all)"
    fi
    fail=1
    return 1
}

# check_status WANT GOT WHAT
check_status() {
    if [ "$1" != "$2" ]; then
        echo "FAIL: $3 exit status $(describe_status "$2"), expected $1"
        fail=1
    fi
}

# show_stderr FILE: the first lines of a run's stderr, for diagnosis.
show_stderr() {
    if [ -s "$1" ]; then
        echo "--- stderr ($1) ---"
        head -n 40 "$1"
    fi
}

# show_cmd ARG...: prints the command line, quoting arguments with spaces.
show_cmd() {
    line="+"
    for arg in "$@"; do
        case $arg in
        *" "*) line="$line \"$arg\"" ;;
        *) line="$line $arg" ;;
        esac
    done
    echo "$line"
}

# run_xbt OUT ERR MODE: runs the kernel under xbt; sets rc.
run_xbt() {
    if [ -z "$xbt" ] || [ ! -x "$xbt" ]; then
        die "xbt executable '$xbt' not found"
    fi
    xout=$1 xerr=$2
    fresh_disk "$3"
    set -f
    set --
    if [ -n "$disk_copy" ]; then
        set -- --disk "$disk_copy"
    fi
    if [ "$have_append" = 1 ]; then
        set -- "$@" --append "$append"
    fi
    show_cmd "$xbt" run $XBT_EXTRA_ARGS "$@" "$elf"
    timeout -k 5 "$timeout_s" "$xbt" run $XBT_EXTRA_ARGS "$@" \
        "$elf" </dev/null >"$xout" 2>"$xerr"
    rc=$?
    set +f
}

# contains NEEDLE_FILE HAYSTACK_FILE: NEEDLE's text appears in HAYSTACK.
contains() {
    awk 'NR == FNR { want = want $0 "\n"; next }
         { have = have $0 "\n" }
         END { exit index(have, want) ? 0 : 1 }' "$1" "$2"
}

case $mode in
xbt)
    out=$outdir/$name.xbt.stdout
    err=$outdir/$name.xbt.stderr
    run_xbt "$out" "$err" xbt
    compare "$expected" "$out" "guest stdout"
    check_status "$status" "$rc" "xbt"
    if [ -n "$debugcon" ] && ! contains "$debugcon" "$err"; then
        echo "FAIL: 0xE9 debug console output ($debugcon) not found in xbt's stderr"
        fail=1
    fi
    [ "$fail" = 0 ] || show_stderr "$err"
    ;;
qemu)
    if [ -z "$qemu" ] || [ ! -x "$qemu" ]; then
        echo "qemu-system-i386 not found: skipped"
        exit 77
    fi
    out=$outdir/$name.qemu.stdout
    err=$outdir/$name.qemu.stderr
    e9=$outdir/$name.qemu.e9
    rm -f "$e9"
    t=$timeout_s
    if [ "$hang" = 1 ]; then
        t=${XBT_GUEST_HANG_TIMEOUT:-3}
    fi
    set -f
    set -- -kernel "$elf" -display none -monitor none -nodefaults \
        -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -no-reboot -m 128
    if [ "$have_append" = 1 ]; then
        set -- "$@" -append "$append"
    fi
    if [ -n "$debugcon" ]; then
        set -- "$@" -debugcon "file:$e9"
    fi
    fresh_disk qemu
    if [ -n "$disk_copy" ]; then
        set -- "$@" -drive "file=$disk_copy,format=raw,if=ide,index=0,cache=unsafe"
    fi
    show_cmd "$qemu" "$@" $QEMU_EXTRA_ARGS
    timeout -k 5 "$t" "$qemu" "$@" $QEMU_EXTRA_ARGS </dev/null >"$out" 2>"$err"
    rc=$?
    set +f
    compare "$expected" "$out" "QEMU stdout"
    if [ "$hang" = 1 ]; then
        if [ "$rc" != 124 ]; then
            echo "FAIL: QEMU exited with status $rc; expected it to idle in hlt"
            fail=1
        fi
    else
        check_status "$status" "$rc" "QEMU"
    fi
    if [ -n "$debugcon" ]; then
        [ -f "$e9" ] || : >"$e9"
        compare "$debugcon" "$e9" "QEMU 0xE9 output"
    fi
    [ "$fail" = 0 ] || show_stderr "$err"
    ;;
bochs)
    out=$outdir/$name.bochs.stdout
    set -f
    set -- --elf "$elf" --out "$out" --dir "$outdir/$name.bochs" \
        --until "$(wc -c <"$expected")" --timeout "$timeout_s"
    if [ "$have_append" = 1 ]; then
        set -- "$@" --append "$append"
    fi
    sh "$here/bochs_boot.sh" "$@"
    rc=$?
    set +f
    [ "$rc" != 77 ] || exit 77
    [ "$rc" = 0 ] || fail=1
    compare "$expected" "$out" "Bochs COM1 output"
    [ "$fail" = 0 ] || tail -n 20 "$outdir/$name.bochs/bochs.log" 2>/dev/null
    ;;
native)
    [ -n "$native" ] || die "--native PROG missing"
    verdict=$(native_verdict)
    [ "$verdict" = yes ] || skip_native "${verdict#no: }"
    [ -x "$native" ] || skip_native "the native program $native is not built (no -m32 -static libc?)"
    nout=$outdir/$name.native.stdout
    echo "+ $native"
    timeout -k 5 "$timeout_s" "$native" </dev/null >"$nout" 2>"$outdir/$name.native.stderr"
    nrc=$?
    check_status 0 "$nrc" "native reference"
    compare "$expected" "$nout" "native reference output (vs. expected file)"
    out=$outdir/$name.native-xbt.stdout
    err=$outdir/$name.native-xbt.stderr
    run_xbt "$out" "$err" native-xbt
    compare "$nout" "$out" "guest stdout under xbt (vs. native reference)"
    [ "$fail" = 0 ] || show_stderr "$err"
    ;;
elf)
    # ELF identification, e_type and e_machine (little endian).
    hdr=$(od -A n -t u1 -N 20 -v "$elf" | tr -s ' \n' '  ')
    set -- $hdr
    if [ "$1 $2 $3 $4" != "127 69 76 70" ] || [ "$5" != 1 ] || [ "$6" != 1 ]; then
        echo "FAIL: $elf is not a little-endian ELF32 file"
        fail=1
    elif [ "${17} ${18}" != "2 0" ] || [ "${19} ${20}" != "3 0" ]; then
        echo "FAIL: $elf is not an i386 ET_EXEC (e_type ${17}, e_machine ${19})"
        fail=1
    fi
    # The multiboot header: magic, flags, checksum, 4-byte aligned.
    mb=$(od -A d -t x4 -N 8192 -v "$elf" | awk '
        function hex(s,   i, v) {
            v = 0
            for (i = 1; i <= length(s); i++)
                v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        { for (i = 2; i <= NF; i++) w[n++] = $i }
        END {
            for (i = 0; i + 2 < n; i++)
                if (w[i] == "1badb002") {
                    f = hex(w[i + 1])
                    ok = (hex(w[i]) + f + hex(w[i + 2])) % 4294967296 == 0
                    printf "%d %s %d %d\n", i * 4, w[i + 1], ok,
                           int(f / 65536) % 2 == 0 && int(f / 2) % 2 == 1
                    exit
                }
            print "none"
        }')
    set -- $mb
    if [ "$1" = none ]; then
        echo "FAIL: no multiboot header in the first 8 KiB of $elf"
        fail=1
    elif [ "$3" != 1 ]; then
        echo "FAIL: multiboot header at offset $1 has a bad checksum"
        fail=1
    elif [ "$4" != 1 ]; then
        echo "FAIL: multiboot flags $2: want memory info (bit 1), no a.out kludge (bit 16)"
        fail=1
    else
        echo "multiboot header at file offset $1, flags 0x$2"
    fi
    ;;
*)
    die "unknown mode $mode"
    ;;
esac

if [ "$fail" = 0 ]; then
    [ -z "$disk_copy" ] || rm -f "$disk_copy"
    echo "PASS: $name ($mode)"
    exit 0
fi
exit 1
