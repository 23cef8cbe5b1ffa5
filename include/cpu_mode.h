/*
 * cpu_mode.h - the mode key: everything in the vCPU state that changes the
 * meaning of guest code, as one 32-bit word.  Translations are made for
 * one key and looked up by it (tcache), so a unit never has to re-check
 * what the key captures.  Computed by src/cpu/mode.c from the vCPU state
 * alone.
 */
#ifndef XBT_CPU_MODE_H
#define XBT_CPU_MODE_H

#include "xbt.h"

/* Mode key bits: everything that changes the meaning of guest code. */
#define MODE_CPL_MASK 0x3u /* current privilege level */
#define MODE_NONFLAT 0x4u  /* some of CS/DS/ES/SS has a non-zero base: add bases */
#define MODE_CODE16 0x8u   /* CS.D = 0: 16-bit code (decoded with 16-bit defaults) */
#define MODE_PG 0x10u      /* CR0.PG */
#define MODE_FPU_NM 0x20u  /* CR0.EM or CR0.TS: x87 instructions check for #NM */
/* bits 6..17: per segment register (ES CS SS DS FS GS), how accesses are
 * checked against its limit; 0 for FS and GS, whose classes translated
 * code checks at run time against vcpu->seg_class (loading Linux's per-CPU
 * FS on every system call entry and null on exit does not change the key) */
#define MODE_SEG_SHIFT 6
#define MODE_SEG_CLASS(mode, s) (((mode) >> (MODE_SEG_SHIFT + 2 * (s))) & 3u)
enum { SEGC_FLAT = 0, SEGC_LIMIT = 1, SEGC_SLOW = 2 };
/* one-instruction units: the instruction in an interrupt shadow (after STI,
 * MOV SS, POP SS) runs alone so interrupts are taken right after it */
#define MODE_ONESTEP (1u << 18)
/* CR0.AM, EFLAGS.AC and CPL 3: misaligned data accesses raise #AC(0) */
#define MODE_AC (1u << 19)
/* EFLAGS.DF: string instructions step down (translated inline with their
 * direction known; CLD/STD that change it end the unit) */
#define MODE_DF (1u << 20)
/* CR0.PE = 0: real-address mode (segment loads are selector * 16, interrupts
 * go through the IVT).  Units made in real mode never run elsewhere. */
#define MODE_REAL (1u << 21)
/* EFLAGS.VM: virtual-8086 mode (CPL 3, real-mode segments, IOPL-sensitive
 * instructions trap to the monitor) */
#define MODE_V86 (1u << 22)
/* SS.B = 0: the stack is addressed through SP (16 bits, wrapping at 64 KiB)
 * and pushes and pops change only SP */
#define MODE_STACK16 (1u << 23)
/* the A20 gate is closed: physical addresses have bit 20 cleared, so the
 * host-MMU window (an identity map) cannot be used */
#define MODE_A20OFF (1u << 24)
/* a data breakpoint is armed (DR7): no window either, every access goes
 * through the TLB, which never holds a watched page (dbg_bp.c) */
#define MODE_WATCH (1u << 25)

struct vcpu;
struct seg_cache;
/* The mode key of the vCPU's current state. */
uint32_t cpu_mode_key(const struct vcpu *cpu);
/* How translated code checks accesses through segment s (the mode key's
 * per-segment bits): SEGC_*. */
unsigned cpu_seg_class(const struct seg_cache *sc, int s);
/* vcpu->seg_class[s] = the class of segment register s now: after every
 * change of FS or GS that translated code goes on from (the dispatcher
 * syncs both before entering a unit). */
void cpu_seg_class_sync(struct vcpu *cpu, int s);

#endif
