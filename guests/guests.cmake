# guests.cmake - the list of xbt guest kernels.  Both guests/CMakeLists.txt
# (build rules) and tests/guest/CMakeLists.txt (ctest registration) define
# xbt_guest() their own way and then include this file.
#
# xbt_guest(NAME SOURCES src... [PORTABLE] [STATUS n] [EXPECTED file]
#           [APPEND "cmdline"] [DEBUGCON file] [QEMU RUN|HANG|SKIP] [LATER])
#   SOURCES   relative to guests/; the kernel is build/guests/NAME.elf
#   PORTABLE  the source defines int test_main(void) (portable.h) and is also
#             built as a native Linux program build/guests/native/NAME;
#             test native_NAME compares its output with the guest's
#   STATUS    expected host exit status under xbt (default 1: kmain returned 0)
#   EXPECTED  expected stdout (COM1), byte for byte (default tests/NAME.expected)
#   APPEND    multiboot command line (xbt --append / QEMU -append)
#   DEBUGCON  expected 0xE9 output (QEMU: exact; xbt: must appear in stderr)
#   QEMU      RUN (default): qemu_NAME expects the same output and status;
#             HANG: QEMU idles forever at the end, so qemu_NAME expects the
#             output and a timeout; SKIP: no qemu_NAME (xbt-specific output)
#   LATER     needs VMM features not implemented yet: guest_/native_NAME
#             are registered but DISABLED unless -DXBT_GUEST_LATER_TESTS=ON
#             (qemu_NAME still runs).  No kernel needs it at the moment.

xbt_guest(hello    SOURCES hello/hello.c EXPECTED hello/hello.expected)
xbt_guest(demo     SOURCES demo/demo.c EXPECTED demo/demo.expected PORTABLE)

xbt_guest(arith    SOURCES tests/arith.c PORTABLE)
xbt_guest(flags    SOURCES tests/flags.c PORTABLE)
xbt_guest(bitops   SOURCES tests/bitops.c PORTABLE)
xbt_guest(bytereg  SOURCES tests/bytereg.c PORTABLE)
xbt_guest(stack    SOURCES tests/stack.c PORTABLE)
xbt_guest(control  SOURCES tests/control.c PORTABLE)
xbt_guest(memory   SOURCES tests/memory.c PORTABLE)
xbt_guest(format   SOURCES tests/format.c PORTABLE)

xbt_guest(mbinfo   SOURCES tests/mbinfo.c APPEND "hello world")
xbt_guest(mbmmap   SOURCES tests/mbmmap.c QEMU SKIP)
xbt_guest(exitcode SOURCES tests/exitcode.c STATUS 7)
xbt_guest(halt     SOURCES tests/halt.c STATUS 4 QEMU HANG)
xbt_guest(debugcon SOURCES tests/debugcon.c DEBUGCON tests/debugcon.e9)
xbt_guest(smc      SOURCES tests/smc.c)

xbt_guest(idt      SOURCES tests/idt.c)
xbt_guest(fpu      SOURCES tests/fpu.c PORTABLE)
xbt_guest(triple   SOURCES tests/triple.c STATUS 6 QEMU SKIP)

# Interactive kernels: run by tests/cli/console.sh with input on stdin.
xbt_guest(spin     SOURCES tests/spin.c CONSOLE)
xbt_guest(echo     SOURCES tests/echo.c CONSOLE)
# QEMU reads unassigned memory differently from a PC's open bus: xbt only.
xbt_guest(memedge  SOURCES tests/memedge.c QEMU SKIP)
# Integer ALU instruction set vs. the host CPU (guests/tests/isa.h).  The
# outputs are large: EXPECTED NATIVE = the native reference's output.
xbt_guest(isa_alu     SOURCES tests/isa_alu.c PORTABLE EXPECTED NATIVE)
# BCD, string, stack, control-flow and exception instructions vs. the host
# CPU (guests/tests/isa_sys.h; exceptions through xbt_catch(), lib/catch.h).
xbt_guest(isa_bcd     SOURCES tests/isa_bcd.c PORTABLE EXPECTED NATIVE)

# Benchmarks (guests/bench): also quick portable tests at their default size;
# scripts/bench.sh runs them with more work.
xbt_guest(bench_crc32    SOURCES bench/crc32.c PORTABLE EXPECTED bench/crc32.expected)
xbt_guest(bench_sort     SOURCES bench/sort.c PORTABLE EXPECTED bench/sort.expected)
xbt_guest(bench_qsort    SOURCES bench/qsort.c PORTABLE EXPECTED bench/qsort.expected)
xbt_guest(bench_bytecode SOURCES bench/bytecode.c PORTABLE EXPECTED bench/bytecode.expected)
