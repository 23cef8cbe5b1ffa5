# kernels.cmake - the list of xbt's test kernels, whose sources and
# committed expected outputs are in kernels/.  guests/guests.cmake lists the
# other kernels (hello, demo, the `xbt bench` workloads), which run as tests
# too.  Both guests/CMakeLists.txt (build rules) and tests/guest/
# CMakeLists.txt (ctest registration) define xbt_guest() their own way and
# then include every list in XBT_GUEST_LISTS (guests/toolchain.cmake).
#
# xbt_guest(NAME SOURCES src... [PORTABLE] [STATUS n] [EXPECTED file]
#           [APPEND "cmdline"] [DEBUGCON file] [QEMU RUN|HANG|SKIP]
#           [CPU_SPECIFIC] [DISK] [CONSOLE] [BOCHS] [XBT_ARGS "opts"])
#   SOURCES   relative to XBT_GUEST_BASE, which each list sets before its
#             entries (here tests/guest/kernels/); the kernel helpers of
#             guests/common/ (on every guest object's include path) are
#             ${XBT_MMU_COMMON} (paging) and ${XBT_SYS_COMMON} (rings,
#             gates, tasks); the kernel is build/guests/NAME.elf
#   PORTABLE  the source defines int test_main(void) (portable.h) and is also
#             built as a native Linux program build/guests/native/NAME;
#             test native_NAME compares its output with the committed
#             expected output and the guest's (skipped where the host
#             cannot run i386 programs)
#   NATIVE_SOURCES src...  (kernel-only benchmarks) a native twin with its
#             own main(), built from these sources as build/guests/native/NAME;
#             it must print what the guest prints (test native_NAME)
#   STATUS    expected host exit status under xbt (default 1: kmain returned 0)
#   EXPECTED  expected stdout (COM1), byte for byte, relative to
#             XBT_GUEST_BASE (default NAME.expected); committed, for PORTABLE
#             kernels and native twins the native program's output
#             (`make native-refs` regenerates them)
#   APPEND    multiboot command line (xbt --append / QEMU -append)
#   DEBUGCON  expected 0xE9 output (QEMU: exact; xbt: must appear in stderr)
#   QEMU      RUN (default): qemu_NAME expects the same output and status;
#             HANG: QEMU idles forever at the end, so qemu_NAME expects the
#             output and a timeout; SKIP: no qemu_NAME (xbt-specific output)
#   CPU_SPECIFIC  (PORTABLE only) the output differs between CPU models
#             (x87 microcode results): the committed references are
#             NAME.CPUKEY.expected next to the EXPECTED file (here
#             kernels/), one per CPU model recorded (cpu_key.sh); on another
#             CPU the native program's output at test time is the
#             expectation, and where native programs cannot run either, the
#             tests are skipped
#   DISK      every run gets its own copy of the raw test disk image
#             (kernels/disk_layout.h, written by mkdisk.c) as the primary
#             IDE master: xbt --disk, QEMU -drive ...,if=ide,index=0
#   CONSOLE   needs console input: built, but run by tests/cli/console.sh
#   BOCHS     bochs_NAME runs the kernel under Bochs too, which must print the
#             expected output: the reference for the SDM behaviour QEMU does
#             not have (QEMU SKIP kernels whose expected output is the SDM's)
#   XBT_ARGS  xbt options this kernel always runs with (e.g. --clock=virtual)

set(XBT_GUEST_BASE ${CMAKE_CURRENT_LIST_DIR}/kernels)

xbt_guest(arith    SOURCES arith.c PORTABLE)
xbt_guest(flags    SOURCES flags.c PORTABLE)
xbt_guest(bitops   SOURCES bitops.c PORTABLE)
xbt_guest(bytereg  SOURCES bytereg.c PORTABLE)
xbt_guest(stack    SOURCES stack.c PORTABLE)
xbt_guest(control  SOURCES control.c PORTABLE)
xbt_guest(memory   SOURCES memory.c PORTABLE)
xbt_guest(format   SOURCES format.c PORTABLE)

xbt_guest(mbinfo   SOURCES mbinfo.c APPEND "hello world")
xbt_guest(mbmmap   SOURCES mbmmap.c QEMU SKIP)
xbt_guest(exitcode SOURCES exitcode.c STATUS 7)
xbt_guest(gdb_target SOURCES gdb_target.c STATUS 11)
xbt_guest(halt     SOURCES halt.c STATUS 4 QEMU HANG)
xbt_guest(debugcon SOURCES debugcon.c DEBUGCON debugcon.e9)
xbt_guest(smc      SOURCES smc.c)

xbt_guest(idt      SOURCES idt.c)
xbt_guest(fpu      SOURCES fpu.c PORTABLE)
xbt_guest(triple   SOURCES triple.c STATUS 6 QEMU SKIP BOCHS)

# Interactive kernels: run by tests/cli/console.sh with input on stdin.
xbt_guest(spin     SOURCES spin.c CONSOLE)
xbt_guest(echo     SOURCES echo.c CONSOLE)
xbt_guest(vga_text SOURCES vga_text.c CONSOLE)
xbt_guest(kbd_scan SOURCES kbd_scan.c CONSOLE)
# QEMU reads unassigned memory differently from a PC's open bus: xbt only.
xbt_guest(memedge  SOURCES memedge.c QEMU SKIP)
# Integer ALU instruction set vs. the host CPU (kernels/isa.h).
xbt_guest(isa_alu     SOURCES isa_alu.c PORTABLE)
# BCD, string, stack, control-flow and exception instructions vs. the host
# CPU (kernels/isa_sys.h; exceptions through xbt_catch(), lib/catch.h).
xbt_guest(isa_bcd     SOURCES isa_bcd.c PORTABLE)
xbt_guest(isa_string  SOURCES isa_string.c PORTABLE)
# flags computed right before the string instruction (REP with count 0 keeps them)
xbt_guest(isa_string_flags SOURCES isa_string_flags.c PORTABLE)
# QEMU does not check data segment limits.
xbt_guest(isa_string_limit SOURCES isa_string_limit.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_stack   SOURCES isa_stack.c PORTABLE)
xbt_guest(isa_flow    SOURCES isa_flow.c PORTABLE)
xbt_guest(isa_except  SOURCES isa_except.c PORTABLE)
# QEMU executes some encodings that are #UD on real CPUs.
xbt_guest(isa_except_strict SOURCES isa_except_strict.c PORTABLE QEMU SKIP BOCHS)
# Guest-only: i686 behaviour of encodings a modern host executes.
xbt_guest(isa_except_i686 SOURCES isa_except_i686.c)

# More of the integer ISA vs. the host CPU (see isa_alu above).
xbt_guest(isa_shift     SOURCES isa_shift.c PORTABLE)
xbt_guest(isa_shift_imm SOURCES isa_shift_imm.c PORTABLE)
xbt_guest(isa_shift_dbl SOURCES isa_shift_dbl.c PORTABLE)
xbt_guest(isa_muldiv    SOURCES isa_muldiv.c PORTABLE)
xbt_guest(isa_bit       SOURCES isa_bit.c PORTABLE)
xbt_guest(isa_misc      SOURCES isa_misc.c PORTABLE)
# x87 instruction set vs. the host CPU (kernels/isa_x87.h).  isa_x87_X
# prints every status-word bit the hardware defines and is compared with the
# host CPU only (QEMU's x87 lacks C1 round-up, DE, stack faults, ...);
# isa_x87_X_qemu is the same source with those masked / left out, also run
# under QEMU.  isa_x87_trans: transcendental results are CPU-model specific;
# its _qemu variant keeps the cases the SDM defines exactly; like
# isa_x87_unary (FPREM's partial-remainder step sizes) it is CPU_SPECIFIC.
# isa_x87_sys (guest only, expected output from QEMU): x87 state across VMM
# events.
xbt_guest(isa_x87_arith       SOURCES isa_x87_arith.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_arith_qemu  SOURCES isa_x87_arith_qemu.c PORTABLE)
xbt_guest(isa_x87_mem         SOURCES isa_x87_mem.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_mem_qemu    SOURCES isa_x87_mem_qemu.c PORTABLE)
xbt_guest(isa_x87_round       SOURCES isa_x87_round.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_round_qemu  SOURCES isa_x87_round_qemu.c PORTABLE)
xbt_guest(isa_x87_ldst        SOURCES isa_x87_ldst.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_ldst_qemu   SOURCES isa_x87_ldst_qemu.c PORTABLE)
xbt_guest(isa_x87_cmp         SOURCES isa_x87_cmp.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_cmp_qemu    SOURCES isa_x87_cmp_qemu.c PORTABLE)
xbt_guest(isa_x87_unary       SOURCES isa_x87_unary.c PORTABLE QEMU SKIP CPU_SPECIFIC)
xbt_guest(isa_x87_unary_qemu  SOURCES isa_x87_unary_qemu.c PORTABLE)
xbt_guest(isa_x87_trans       SOURCES isa_x87_trans.c PORTABLE QEMU SKIP CPU_SPECIFIC)
xbt_guest(isa_x87_trans_qemu  SOURCES isa_x87_trans_qemu.c PORTABLE)
xbt_guest(isa_x87_env         SOURCES isa_x87_env.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_env_qemu    SOURCES isa_x87_env_qemu.c PORTABLE)
xbt_guest(isa_x87_exc         SOURCES isa_x87_exc.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_x87_exc_qemu    SOURCES isa_x87_exc_qemu.c PORTABLE)
xbt_guest(isa_x87_sys         SOURCES isa_x87_sys.c)
xbt_guest(isa_alu_chain SOURCES isa_alu_chain.c PORTABLE)
xbt_guest(isa_alu_prefix SOURCES isa_alu_prefix.c PORTABLE)
# Opcodes that differ between 32- and 64-bit mode or are gone from 64-bit
# mode, from a table (kernels/isa_run.h) against the host CPU; the same table
# at CPL 3 in the guest (kernels/ring3_main.c) prints the same.  QEMU 7.2
# raises #UD for ICEBP: the _qemu variants leave it out and run under QEMU.
xbt_guest(isa_legacy       SOURCES isa_legacy.c PORTABLE QEMU SKIP BOCHS)
xbt_guest(isa_legacy_ring3 SOURCES isa_legacy.c ring3_main.c
          EXPECTED isa_legacy.expected QEMU SKIP)
xbt_guest(isa_legacy_qemu  SOURCES isa_legacy_qemu.c PORTABLE)
xbt_guest(isa_legacy_ring3_qemu SOURCES isa_legacy_qemu.c ring3_main.c
          EXPECTED isa_legacy_qemu.expected)
# AH..BH next to registers or memory that need REX in xbt's host code, every
# combination, against the host CPU; and at CPL 3 in the guest.
xbt_guest(isa_hibyte       SOURCES isa_hibyte.c PORTABLE)
xbt_guest(isa_hibyte_ring3 SOURCES isa_hibyte.c ring3_main.c
          EXPECTED isa_hibyte.expected)
# Units that go on past conditional branches (side exits, --unit-branches):
# flags, registers, faults, SMC, 0x66 Jcc and interrupts around side exits
# against the host CPU; _bb: the same kernel in basic blocks
# (--unit-branches 0); _memtlb: every access an inline TLB lookup, whose
# host-flag clobbers sit between flag producers and side exits.
xbt_guest(isa_side_exits SOURCES isa_side_exits.c PORTABLE)
xbt_guest(isa_side_exits_bb SOURCES isa_side_exits.c PORTABLE
          EXPECTED isa_side_exits.expected XBT_ARGS "--unit-branches 0" QEMU SKIP)
xbt_guest(isa_side_exits_memtlb SOURCES isa_side_exits.c PORTABLE
          EXPECTED isa_side_exits.expected XBT_ARGS --mem=tlb QEMU SKIP)

# PC platform devices and interrupts (pc_common.h)
xbt_guest(timer    SOURCES timer.c)
# exact counts: only meaningful on xbt's virtual clock
xbt_guest(timer_virtual SOURCES timer_virtual.c XBT_ARGS --clock=virtual QEMU SKIP)
xbt_guest(rtc      SOURCES rtc.c)
xbt_guest(rtc_fixed SOURCES rtc_fixed.c XBT_ARGS "--clock=virtual --rtc-base 1234567890" QEMU SKIP)
# ACPI: tables found by scanning, the PM timer, PM1 status and enables,
# the SCI, and the power-off through PM1a_CNT (status 0 under both)
xbt_guest(acpi     SOURCES acpi.c STATUS 0)
# The local APIC and the I/O APIC (kernels/apic_common.h; vectors past 47
# through kernels/apic_stubs.S).  apic: what xbt and QEMU (SeaBIOS) agree
# on, expected output from QEMU.
xbt_guest(apic     SOURCES apic.c apic_stubs.S)
# apic_p6: a P6's APIC and the 82093AA per the SDM and the datasheet (QEMU
# differs: version 0x14, no relocation, no re-enable, 1 GHz timer), exact
# timer counts on the virtual clock, the MP table.  apic_absent: --no-apic.
xbt_guest(apic_p6  SOURCES apic_p6.c apic_stubs.S XBT_ARGS --clock=virtual QEMU SKIP)
xbt_guest(apic_absent SOURCES apic_absent.c apic_stubs.S XBT_ARGS --no-apic QEMU SKIP)
# QEMU -no-reboot exits 0 on a reset; xbt ends with status 10
xbt_guest(kbc_reset SOURCES kbc_reset.c STATUS 10 QEMU SKIP)
# System virtualization (XBT_SYS_COMMON, guests/common/sys_common.h):
# privilege transitions, gates, exceptions, privileged instructions,
# hardware task switches.
xbt_guest(sys_ring3  SOURCES sys_ring3.c ${XBT_SYS_COMMON})
xbt_guest(sys_faults SOURCES sys_faults.c ${XBT_SYS_COMMON})
xbt_guest(sys_priv   SOURCES sys_priv.c ${XBT_SYS_COMMON})
xbt_guest(sys_task   SOURCES sys_task.c ${XBT_SYS_COMMON})
# DR0-DR3 instruction breakpoints: #DB before the instruction, DR6, RF
xbt_guest(dbg_ibp SOURCES dbg_ibp.c ${XBT_SYS_COMMON})
# DR0-DR3 data breakpoints: #DB trap after the access, DR6, lengths
xbt_guest(dbg_wp SOURCES dbg_wp.c ${XBT_SYS_COMMON})
# single step and data breakpoints in the middle of REP string instructions
# (QEMU's output; Bochs agrees)
xbt_guest(dbg_rep SOURCES dbg_rep.c ${XBT_SYS_COMMON} BOCHS)
# a data breakpoint hit by the last iteration: EIP past the instruction
# (QEMU leaves it at the instruction; Bochs agrees with the SDM)
xbt_guest(dbg_rep_strict SOURCES dbg_rep_strict.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# DR7.GD: a MOV DR is a #DB fault with DR6.BD, every #DB clears GD (QEMU
# does not implement GD; Bochs's output)
xbt_guest(dbg_gd SOURCES dbg_gd.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# I/O breakpoints (R/W = 10 with CR4.DE): a #DB trap after IN, OUT, INS or
# OUTS, DR6 (QEMU's output; Bochs agrees)
xbt_guest(dbg_io SOURCES dbg_io.c ${XBT_SYS_COMMON} BOCHS)
# DRn aligned down to LEN, REP INS/OUTS trapping after each iteration that
# hits (QEMU does neither; Bochs's output)
xbt_guest(dbg_io_strict SOURCES dbg_io_strict.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# a 16-bit stack segment under 32-bit code: SP only, wrapping at 64 KiB
xbt_guest(sys_stack16 SOURCES sys_stack16.c ${XBT_SYS_COMMON})
# Checks QEMU does not make (segment limits and types, #AC, EXT, #SS for a
# not-present SS0, faults after a task switch's commit point, unknown MSRs):
# the expected output is the i686 behaviour per the Intel SDM.
xbt_guest(sys_strict SOURCES sys_strict.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# The stack limit on the CPU's own pushes and pops (far CALL, RETF, IRET,
# PUSHA/POPA, INT n, exceptions, stack switches; expand-up, expand-down,
# 16-bit): #SS before anything is written.  QEMU checks none of these;
# Bochs's output.
xbt_guest(sys_stack_limit SOURCES sys_stack_limit.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
xbt_guest(sys_single_step SOURCES sys_single_step.c BOCHS)
# Real mode and virtual-8086 mode (kernels/rm_head.inc, rm_tail.inc: a
# 16-bit blob copied below 1 MiB and the protected <-> real trampoline).
xbt_guest(rm_basic   SOURCES rm_basic.c rm_basic16.S rm_common.c ${XBT_SYS_COMMON})
# Segment limits in real mode per the SDM (QEMU checks none in real mode;
# Bochs does, like a 386+): expected output written from the SDM's rules.
xbt_guest(rm_strict  SOURCES rm_strict.c rm_strict16.S rm_common.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# V86 mode under a trap-and-emulate monitor (IRET into V86, #GP on the
# IOPL-sensitive instructions, the I/O bitmap, exits through 32-bit gates).
xbt_guest(v86_monitor SOURCES v86_monitor.c v86_16.S rm_common.c ${XBT_SYS_COMMON})
# #GP past the IDTR limit, #DF through the IVT, shutdown (status 6) in real
# mode; QEMU -no-reboot exits 0 on a shutdown instead.
xbt_guest(rm_shutdown SOURCES rm_shutdown.c rm_shutdown16.S rm_common.c ${XBT_SYS_COMMON} STATUS 6 QEMU SKIP BOCHS)
# PUSHF/POPF/CLI/STI on the virtual flags at ring 0 (inline in xbt) and
# ring 3: every flag bit, interrupts taken right after POPF/STI set IF, TF.
xbt_guest(sys_vflags SOURCES sys_vflags.c ${XBT_SYS_COMMON})
# FS/GS reloads of another check class followed by accesses in the same
# unit (their classes are checked at run time, not keyed); QEMU checks no
# data segment limits or null selectors: the expected output is the SDM's.
xbt_guest(sys_fsgs SOURCES sys_fsgs.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# INT1 (ICEBP) and single step are #DB exceptions (no gate DPL check, DR6);
# QEMU 7.2 raises #UD for ICEBP.
xbt_guest(sys_int1   SOURCES sys_int1.c ${XBT_SYS_COMMON} QEMU SKIP BOCHS)
# Paging (XBT_MMU_COMMON, guests/common/mmu_common.h: frame pool, identity
# map of the low 8 MiB, #PF recording, ring-3 probes); expected outputs from
# QEMU.
xbt_guest(mmu_identity_higher SOURCES mmu_identity_higher.c ${XBT_MMU_COMMON})
xbt_guest(mmu_demand     SOURCES mmu_demand.c ${XBT_MMU_COMMON})
# virtual clock: the PIT-driven switching must not depend on host load
xbt_guest(mmu_processes  SOURCES mmu_processes.c ${XBT_MMU_COMMON} XBT_ARGS --clock=virtual)
xbt_guest(mmu_cow        SOURCES mmu_cow.c ${XBT_MMU_COMMON})
xbt_guest(mmu_ad         SOURCES mmu_ad.c ${XBT_MMU_COMMON})
xbt_guest(mmu_protection SOURCES mmu_protection.c ${XBT_MMU_COMMON})
xbt_guest(mmu_global     SOURCES mmu_global.c ${XBT_MMU_COMMON})
xbt_guest(mmu_alias      SOURCES mmu_alias.c ${XBT_MMU_COMMON})
xbt_guest(mmu_stale      SOURCES mmu_stale.c ${XBT_MMU_COMMON})
xbt_guest(mmu_spaces     SOURCES mmu_spaces.c ${XBT_MMU_COMMON})
xbt_guest(mmu_ibranch    SOURCES mmu_ibranch.c ${XBT_MMU_COMMON})
xbt_guest(mmu_sysdesc    SOURCES mmu_sysdesc.c ${XBT_MMU_COMMON})
# QEMU reports RSVD page faults without P, has no reserved bits 20:13 in
# 4 MiB PDEs and never sets code-descriptor accessed bits: the expected
# output is the SDM's (see the source).
xbt_guest(mmu_strict     SOURCES mmu_strict.c ${XBT_MMU_COMMON} QEMU SKIP)
xbt_guest(mmu_faults     SOURCES mmu_faults.c ${XBT_MMU_COMMON})
xbt_guest(mmu_string     SOURCES mmu_string.c ${XBT_MMU_COMMON})
xbt_guest(mmu_kpath      SOURCES mmu_kpath.c ${XBT_MMU_COMMON})
# PUSHA/POPA fault order and state, null-segment use: QEMU departs from the
# SDM, the expected output is the SDM's (see mmu_kpath.c).
xbt_guest(mmu_kpath_strict SOURCES mmu_kpath_strict.c ${XBT_MMU_COMMON} QEMU SKIP)
# SYSENTER/SYSEXIT round trips that go on without the dispatcher
# (src/bt/xfer.c), with Linux's FS/GS swaps in the handler: interrupts,
# remapped and rewritten entry and return code, #PF on SYSEXIT, changed
# and zeroed per-CPU descriptors
xbt_guest(mmu_sysxfer    SOURCES mmu_sysxfer.c ${XBT_MMU_COMMON})
# Limit and null-selector checks through FS and GS across those swaps (the
# per-CPU FS's limit in the handler, the user's null, limited and flat FS
# and GS in ring 3): QEMU does not check data-segment limits or
# null-selector use, so the expected output is the SDM's (mmu_sysxfer.c, h).
xbt_guest(mmu_sysxfer_strict SOURCES mmu_sysxfer_strict.c ${XBT_MMU_COMMON} QEMU SKIP)
# INT 0x80/IRET and SYSENTER/SYSEXIT round trips while the code at their
# targets changes: rewritten (by the kernel, by the user loop mid-batch),
# other frames mapped at the same addresses (PTE + INVLPG, CR3), the
# direction flag (mode key), translation-cache flushes (a DR7 breakpoint
# armed): no stale unit may be entered from xfer.c's memo of direct
# transfers' targets.
xbt_guest(mmu_xfer_smc   SOURCES mmu_xfer_smc.c ${XBT_MMU_COMMON})
# MMIO (the local APIC) and open bus through paging, from load and store
# instructions that also reach RAM (under --mmu=host they are translated
# again as explicit slow-path calls) and then raise exact #PFs
xbt_guest(mmu_mmio       SOURCES mmu_mmio.c ${XBT_MMU_COMMON})

# Self-modifying code vs. independent references.  smc_native: portable,
# code generated into an RWX buffer (kernels/smc_buf.h), checked against the
# host CPU (native twin) and QEMU; smc_paging: with paging (straddling
# instructions remapped, aliases, read-only views), expected output from
# QEMU.  Both also run with --smc-granularity=line|page (name contains smc).
xbt_guest(smc_native SOURCES smc_native.c PORTABLE)
xbt_guest(smc_paging SOURCES smc_paging.c ${XBT_MMU_COMMON})

# Disks: PCI configuration mechanism #1, the PIIX3 IDE controller and its
# bus master (kernels/disk_common.h; image layout kernels/disk_layout.h).
# disk_nodrive: PCI config space and IDE channels without a drive;
# disk_pio: ATA commands by PIO; disk_dma: bus-master DMA, PRD tables;
# disk_dma_code: DMA over translated code (also run with every SMC
# granularity, --mem=tlb and --no-chain).  Expected outputs from QEMU.
xbt_guest(disk_nodrive  SOURCES disk_nodrive.c disk_common.c)
xbt_guest(disk_pio      SOURCES disk_pio.c disk_common.c DISK)
xbt_guest(disk_dma      SOURCES disk_dma.c disk_common.c DISK)
xbt_guest(disk_dma_code SOURCES disk_dma_code.c disk_common.c DISK)
# disk_flush: 400 rounds of 8 sectors written and flushed (tests/cli/disk.sh
# also kills xbt in the middle of a paced run and checks the image)
xbt_guest(disk_flush    SOURCES disk_flush.c disk_common.c DISK)

# board: what firmware sees of the board - fw_cfg (items, directory, files,
# DMA), the i440FX and PIIX3 registers, ELCR, the PAM, the BIOS flash,
# port 0x92, the CMOS bytes; expected output from QEMU -machine pc after
# its SeaBIOS (the same Debian seabios image xbt maps with --bios).
xbt_guest(board SOURCES board.c disk_common.c
          XBT_ARGS "--bios /usr/share/seabios/bios-256k.bin")
