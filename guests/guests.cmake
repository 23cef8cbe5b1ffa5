# guests.cmake - the list of xbt guest kernels.  Both guests/CMakeLists.txt
# (build rules) and tests/guest/CMakeLists.txt (ctest registration) define
# xbt_guest() their own way and then include this file.
#
# xbt_guest(NAME SOURCES src... [PORTABLE] [STATUS n] [EXPECTED file]
#           [APPEND "cmdline"] [DEBUGCON file] [QEMU RUN|HANG|SKIP]
#           [CPU_SPECIFIC] [DISK] [CONSOLE] [XBT_ARGS "opts"])
#   SOURCES   relative to guests/; the kernel is build/guests/NAME.elf
#   PORTABLE  the source defines int test_main(void) (portable.h) and is also
#             built as a native Linux program build/guests/native/NAME;
#             test native_NAME compares its output with the committed
#             expected output and the guest's (skipped where the host
#             cannot run i386 programs)
#   NATIVE_SOURCES src...  (kernel-only benchmarks) a native twin with its
#             own main(), built from these sources as build/guests/native/NAME;
#             it must print what the guest prints (test native_NAME)
#   STATUS    expected host exit status under xbt (default 1: kmain returned 0)
#   EXPECTED  expected stdout (COM1), byte for byte (default tests/NAME.expected);
#             committed, for PORTABLE kernels and native twins the native
#             program's output (`make native-refs` regenerates them)
#   APPEND    multiboot command line (xbt --append / QEMU -append)
#   DEBUGCON  expected 0xE9 output (QEMU: exact; xbt: must appear in stderr)
#   QEMU      RUN (default): qemu_NAME expects the same output and status;
#             HANG: QEMU idles forever at the end, so qemu_NAME expects the
#             output and a timeout; SKIP: no qemu_NAME (xbt-specific output)
#   CPU_SPECIFIC  (PORTABLE only) the output differs between CPU models
#             (x87 microcode results): the committed references are
#             tests/NAME.CPUKEY.expected, one per CPU model recorded
#             (tests/guest/cpu_key.sh); on another CPU the native program's
#             output at test time is the expectation, and where native
#             programs cannot run either, the tests are skipped
#   DISK      every run gets its own copy of the raw test disk image
#             (tests/disk_layout.h, written by tests/guest/mkdisk.c) as the
#             primary IDE master: xbt --disk, QEMU -drive ...,if=ide,index=0
#   CONSOLE   needs console input: built, but run by tests/cli/console.sh
#   XBT_ARGS  xbt options this kernel always runs with (e.g. --clock=virtual)

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
# Integer ALU instruction set vs. the host CPU (guests/tests/isa.h).
xbt_guest(isa_alu     SOURCES tests/isa_alu.c PORTABLE)
# BCD, string, stack, control-flow and exception instructions vs. the host
# CPU (guests/tests/isa_sys.h; exceptions through xbt_catch(), lib/catch.h).
xbt_guest(isa_bcd     SOURCES tests/isa_bcd.c PORTABLE)
xbt_guest(isa_string  SOURCES tests/isa_string.c PORTABLE)
# QEMU does not check data segment limits.
xbt_guest(isa_string_limit SOURCES tests/isa_string_limit.c PORTABLE QEMU SKIP)
xbt_guest(isa_stack   SOURCES tests/isa_stack.c PORTABLE)
xbt_guest(isa_flow    SOURCES tests/isa_flow.c PORTABLE)
xbt_guest(isa_except  SOURCES tests/isa_except.c PORTABLE)
# QEMU executes some encodings that are #UD on real CPUs.
xbt_guest(isa_except_strict SOURCES tests/isa_except_strict.c PORTABLE QEMU SKIP)
# Guest-only: i686 behaviour of encodings a modern host executes.
xbt_guest(isa_except_i686 SOURCES tests/isa_except_i686.c)

# Benchmarks (guests/bench): also quick portable tests at their default size;
# `xbt bench` (src/bench/) runs them with more work.
xbt_guest(bench_crc32    SOURCES bench/crc32.c PORTABLE EXPECTED bench/crc32.expected)
xbt_guest(bench_sort     SOURCES bench/sort.c PORTABLE EXPECTED bench/sort.expected)
xbt_guest(bench_qsort    SOURCES bench/qsort.c PORTABLE EXPECTED bench/qsort.expected)
xbt_guest(bench_bytecode SOURCES bench/bytecode.c PORTABLE EXPECTED bench/bytecode.expected)
# a 1024-function code footprint for translation-cache studies (the sweep)
xbt_guest(bench_codefoot SOURCES bench/codefoot.c PORTABLE EXPECTED bench/codefoot.expected)

# More of the integer ISA vs. the host CPU (see isa_alu above).
xbt_guest(isa_shift     SOURCES tests/isa_shift.c PORTABLE)
xbt_guest(isa_shift_imm SOURCES tests/isa_shift_imm.c PORTABLE)
xbt_guest(isa_shift_dbl SOURCES tests/isa_shift_dbl.c PORTABLE)
xbt_guest(isa_muldiv    SOURCES tests/isa_muldiv.c PORTABLE)
xbt_guest(isa_bit       SOURCES tests/isa_bit.c PORTABLE)
xbt_guest(isa_misc      SOURCES tests/isa_misc.c PORTABLE)
# x87 instruction set vs. the host CPU (guests/tests/isa_x87.h).  isa_x87_X
# prints every status-word bit the hardware defines and is compared with the
# host CPU only (QEMU's x87 lacks C1 round-up, DE, stack faults, ...);
# isa_x87_X_qemu is the same source with those masked / left out, also run
# under QEMU.  isa_x87_trans: transcendental results are CPU-model specific;
# its _qemu variant keeps the cases the SDM defines exactly; like
# isa_x87_unary (FPREM's partial-remainder step sizes) it is CPU_SPECIFIC.
# isa_x87_sys (guest only, expected output from QEMU): x87 state across VMM
# events.
xbt_guest(isa_x87_arith       SOURCES tests/isa_x87_arith.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_arith_qemu  SOURCES tests/isa_x87_arith_qemu.c PORTABLE)
xbt_guest(isa_x87_mem         SOURCES tests/isa_x87_mem.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_mem_qemu    SOURCES tests/isa_x87_mem_qemu.c PORTABLE)
xbt_guest(isa_x87_round       SOURCES tests/isa_x87_round.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_round_qemu  SOURCES tests/isa_x87_round_qemu.c PORTABLE)
xbt_guest(isa_x87_ldst        SOURCES tests/isa_x87_ldst.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_ldst_qemu   SOURCES tests/isa_x87_ldst_qemu.c PORTABLE)
xbt_guest(isa_x87_cmp         SOURCES tests/isa_x87_cmp.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_cmp_qemu    SOURCES tests/isa_x87_cmp_qemu.c PORTABLE)
xbt_guest(isa_x87_unary       SOURCES tests/isa_x87_unary.c PORTABLE QEMU SKIP CPU_SPECIFIC)
xbt_guest(isa_x87_unary_qemu  SOURCES tests/isa_x87_unary_qemu.c PORTABLE)
xbt_guest(isa_x87_trans       SOURCES tests/isa_x87_trans.c PORTABLE QEMU SKIP CPU_SPECIFIC)
xbt_guest(isa_x87_trans_qemu  SOURCES tests/isa_x87_trans_qemu.c PORTABLE)
xbt_guest(isa_x87_env         SOURCES tests/isa_x87_env.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_env_qemu    SOURCES tests/isa_x87_env_qemu.c PORTABLE)
xbt_guest(isa_x87_exc         SOURCES tests/isa_x87_exc.c PORTABLE QEMU SKIP)
xbt_guest(isa_x87_exc_qemu    SOURCES tests/isa_x87_exc_qemu.c PORTABLE)
xbt_guest(isa_x87_sys         SOURCES tests/isa_x87_sys.c)
xbt_guest(isa_alu_chain SOURCES tests/isa_alu_chain.c PORTABLE)
xbt_guest(isa_alu_prefix SOURCES tests/isa_alu_prefix.c PORTABLE)
# Opcodes that differ between 32- and 64-bit mode or are gone from 64-bit
# mode, from a table (tests/isa_run.h) against the host CPU; the same table
# at CPL 3 in the guest (tests/ring3_main.c) prints the same.  QEMU 7.2
# raises #UD for ICEBP: the _qemu variants leave it out and run under QEMU.
xbt_guest(isa_legacy       SOURCES tests/isa_legacy.c PORTABLE QEMU SKIP)
xbt_guest(isa_legacy_ring3 SOURCES tests/isa_legacy.c tests/ring3_main.c
          EXPECTED tests/isa_legacy.expected QEMU SKIP)
xbt_guest(isa_legacy_qemu  SOURCES tests/isa_legacy_qemu.c PORTABLE)
xbt_guest(isa_legacy_ring3_qemu SOURCES tests/isa_legacy_qemu.c tests/ring3_main.c
          EXPECTED tests/isa_legacy_qemu.expected)
# AH..BH next to registers or memory that need REX in xbt's host code, every
# combination, against the host CPU; and at CPL 3 in the guest.
xbt_guest(isa_hibyte       SOURCES tests/isa_hibyte.c PORTABLE)
xbt_guest(isa_hibyte_ring3 SOURCES tests/isa_hibyte.c tests/ring3_main.c
          EXPECTED tests/isa_hibyte.expected)

# PC platform devices and interrupts (pc_common.h)
xbt_guest(timer    SOURCES tests/timer.c)
# exact counts: only meaningful on xbt's virtual clock
xbt_guest(timer_virtual SOURCES tests/timer_virtual.c XBT_ARGS --clock=virtual QEMU SKIP)
xbt_guest(rtc      SOURCES tests/rtc.c)
xbt_guest(rtc_fixed SOURCES tests/rtc_fixed.c XBT_ARGS "--clock=virtual --rtc-base 1234567890" QEMU SKIP)
# QEMU -no-reboot exits 0 on a reset; xbt ends with status 10
xbt_guest(kbc_reset SOURCES tests/kbc_reset.c STATUS 10 QEMU SKIP)
# System virtualization (common/sys_common.h): privilege transitions, gates,
# exceptions, privileged instructions, hardware task switches.
xbt_guest(sys_ring3  SOURCES tests/sys_ring3.c common/sys_common.c common/sys_stubs.S)
xbt_guest(sys_faults SOURCES tests/sys_faults.c common/sys_common.c common/sys_stubs.S)
xbt_guest(sys_priv   SOURCES tests/sys_priv.c common/sys_common.c common/sys_stubs.S)
xbt_guest(sys_task   SOURCES tests/sys_task.c common/sys_common.c common/sys_stubs.S)
# Checks QEMU does not make (segment limits and types, #AC, EXT, #SS for a
# not-present SS0, faults after a task switch's commit point, unknown MSRs):
# the expected output is the i686 behaviour per the Intel SDM.
xbt_guest(sys_strict SOURCES tests/sys_strict.c common/sys_common.c common/sys_stubs.S QEMU SKIP)
xbt_guest(sys_single_step SOURCES tests/sys_single_step.c)
# INT1 (ICEBP) and single step are #DB exceptions (no gate DPL check, DR6);
# QEMU 7.2 raises #UD for ICEBP.
xbt_guest(sys_int1   SOURCES tests/sys_int1.c common/sys_common.c common/sys_stubs.S QEMU SKIP)
# Paging (common/mmu_common.h: frame pool, identity map of the low 8 MiB,
# #PF recording, ring-3 probes); expected outputs from QEMU.
xbt_guest(mmu_identity_higher SOURCES tests/mmu_identity_higher.c common/mmu_common.c)
xbt_guest(mmu_demand     SOURCES tests/mmu_demand.c common/mmu_common.c)
# virtual clock: the PIT-driven switching must not depend on host load
xbt_guest(mmu_processes  SOURCES tests/mmu_processes.c common/mmu_common.c XBT_ARGS --clock=virtual)
xbt_guest(mmu_cow        SOURCES tests/mmu_cow.c common/mmu_common.c)
xbt_guest(mmu_ad         SOURCES tests/mmu_ad.c common/mmu_common.c)
xbt_guest(mmu_protection SOURCES tests/mmu_protection.c common/mmu_common.c)
xbt_guest(mmu_global     SOURCES tests/mmu_global.c common/mmu_common.c)
xbt_guest(mmu_alias      SOURCES tests/mmu_alias.c common/mmu_common.c)
xbt_guest(mmu_stale      SOURCES tests/mmu_stale.c common/mmu_common.c)
xbt_guest(mmu_sysdesc    SOURCES tests/mmu_sysdesc.c common/mmu_common.c)
# QEMU reports RSVD page faults without P, has no reserved bits 20:13 in
# 4 MiB PDEs and never sets code-descriptor accessed bits: the expected
# output is the SDM's (see the source).
xbt_guest(mmu_strict     SOURCES tests/mmu_strict.c common/mmu_common.c QEMU SKIP)
xbt_guest(mmu_faults     SOURCES tests/mmu_faults.c common/mmu_common.c)
# MMU benchmarks (guests/bench/mmu_*.c, kernel-only: they need paging)
# Their native twins (NATIVE_SOURCES) are the closest Linux equivalents.
xbt_guest(bench_mmu_pagefault SOURCES bench/mmu_pagefault.c common/mmu_common.c EXPECTED bench/mmu_pagefault.expected
          NATIVE_SOURCES bench/mmu_pagefault_native.c)
xbt_guest(bench_mmu_asswitch SOURCES bench/mmu_asswitch.c common/mmu_common.c EXPECTED bench/mmu_asswitch.expected
          NATIVE_SOURCES bench/mmu_asswitch_native.c)
xbt_guest(bench_mmu_ptewrite SOURCES bench/mmu_ptewrite.c common/mmu_common.c EXPECTED bench/mmu_ptewrite.expected
          NATIVE_SOURCES bench/mmu_ptewrite_native.c)
xbt_guest(bench_mmu_random SOURCES bench/mmu_random.c common/mmu_common.c EXPECTED bench/mmu_random.expected)

# `xbt bench` workloads (guests/bench, src/bench/workloads.c): each prints
# "bench: start" / "bench: end CHECKSUM" around its timed work.  randmem:
# the mmu_random access pattern with paging off (its native twin is also
# mmu_random's native equivalent); syscall, portio, idle: kernel-only, with
# native twins; jit: self-modifying code, natively in an RWX mmap.
xbt_guest(bench_randmem  SOURCES bench/randmem.c PORTABLE EXPECTED bench/randmem.expected)
xbt_guest(bench_syscall  SOURCES bench/syscall.c common/sys_common.c common/sys_stubs.S
          EXPECTED bench/syscall.expected NATIVE_SOURCES bench/syscall_native.c)
xbt_guest(bench_portio   SOURCES bench/portio.c EXPECTED bench/portio.expected
          NATIVE_SOURCES bench/portio_native.c)
xbt_guest(bench_idle     SOURCES bench/idle.c EXPECTED bench/idle.expected
          NATIVE_SOURCES bench/idle_native.c)
xbt_guest(bench_jit      SOURCES bench/jit.c PORTABLE EXPECTED bench/jit.expected)

# Self-modifying code vs. independent references.  smc_native: portable,
# code generated into an RWX buffer (tests/smc_buf.h), checked against the
# host CPU (native twin) and QEMU; smc_paging: with paging (straddling
# instructions remapped, aliases, read-only views), expected output from
# QEMU.  Both also run with --smc-granularity=line|page (name contains smc).
xbt_guest(smc_native SOURCES tests/smc_native.c PORTABLE)
xbt_guest(smc_paging SOURCES tests/smc_paging.c common/mmu_common.c)

# Disks: PCI configuration mechanism #1, the PIIX3 IDE controller and its
# bus master (tests/disk_common.h; image layout tests/disk_layout.h).
# disk_nodrive: PCI config space and IDE channels without a drive;
# disk_pio: ATA commands by PIO; disk_dma: bus-master DMA, PRD tables;
# disk_dma_code: DMA over translated code (also run with every SMC
# granularity, --mem=tlb and --no-chain).  Expected outputs from QEMU.
xbt_guest(disk_nodrive  SOURCES tests/disk_nodrive.c tests/disk_common.c)
xbt_guest(disk_pio      SOURCES tests/disk_pio.c tests/disk_common.c DISK)
xbt_guest(disk_dma      SOURCES tests/disk_dma.c tests/disk_common.c DISK)
xbt_guest(disk_dma_code SOURCES tests/disk_dma_code.c tests/disk_common.c DISK)
