/*
 * cpu.h - what the CPU layer (src/cpu) does for the rest of xbt: its
 * memory accesses by linear address, with #PF raised the architectural way
 * (memory.c); guest events and their delivery through the IDT
 * (exception.c); segment loads and checks (segment.c).  The ISA helpers
 * that translated code calls are in helpers.h, the mode key in
 * cpu_mode.h, the state in vcpu.h.
 */
#ifndef XBT_CPU_H
#define XBT_CPU_H

#include "vcpu.h"

/* ---- memory (src/cpu/memory.c) ---- */
/* Linear-address access for helpers (string instructions, stack pushes,
 * descriptor tables), through the page tables when paging is on.  Return
 * 0, or -1 after raising #PF (CR2 set).  cpu_read/cpu_write check with
 * the current privilege; the _sys forms are the implicit supervisor
 * accesses (GDT, LDT, IDT, TSS); _as chooses.  Each page is looked up
 * first in the TLB of the access's privilege with the rules of translated
 * code (a store needs the write tag); a miss takes the miss path (victim
 * buffer, walk or shadow) and fills that TLB. */
int cpu_read(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val);
int cpu_write(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val);
int cpu_read_sys(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val);
int cpu_write_sys(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val);
int cpu_read_as(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val, bool user);
int cpu_write_as(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val, bool user);
/* The host address of [lin, lin + len) for a helper's direct access:
 * within one page, plain RAM, and allowed for the privilege (user) and
 * kind of access by the TLB rules above (a write needs the write tag:
 * never on pages holding translations or traced page tables).  Fills the
 * TLB on a miss.  NULL, with nothing raised: the caller takes its
 * element-wise path, which raises the faults exactly. */
uint8_t *cpu_map_as(struct vcpu *cpu, uint32_t lin, unsigned len, bool user, bool write);
/* n elements of size (2 or 4) at lin, lowest address first into vals:
 * one translation when they lie in one page, else element by element;
 * -1 after raising the fault of the first element that faults. */
int cpu_read_block(struct vcpu *cpu, uint32_t lin, unsigned n, unsigned size, uint32_t *vals,
                   bool user);
/* Pushes vals[0..n) in that order (vals[0] at the highest address) on the
 * stack at base + *esp, *esp moving down by n * size as the current SS
 * says (SS.B clear: SP only, wrapping within 64 KiB): one translation when
 * the frame lies in one page, else element by element (a fault leaves *esp
 * at the element that faulted).  -1 after raising the fault. */
int cpu_push_block(struct vcpu *cpu, uint32_t base, uint32_t *esp, unsigned n, unsigned size,
                   const uint32_t *vals, bool user);
/* Linear -> physical for an access (acc: WALK_* in mmu.h), through the
 * TLB as above (WALK_EXEC: an instruction fetch); -1 after raising #PF. */
int cpu_translate(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *phys);
/* Same, without raising anything (err gets the #PF error code). */
int cpu_probe(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *phys, uint32_t *err);

/* What r14 holds in translated code of mode (a mode key): the host
 * window of the current address space and privilege (--mmu=host, paging
 * on), the MEM_HOST window (paging off), or the simulated TLB of the
 * privilege.  May switch host windows (a CR3 load's pending check). */
struct tlb_entry *cpu_tlb_base(struct vcpu *cpu, uint32_t mode);

/* The memory slow path, called from translated code through
 * xbt_mem_thunk when the inline TLB lookup misses (or the MEM_HOST window
 * faults): info = size | MEM_R and/or MEM_W, eip = the instruction.
 * Returns the host address the instruction should use: RAM, or the
 * vCPU's bounce buffer (MMIO, open bus, page-crossing accesses, stores to
 * pages holding translations). */
#define MEM_R 0x100u
#define MEM_W 0x200u
#define MEM_SIZE_MASK 0xFFu
/* A store that is not its instruction's last effect, when it hits
 * translated code (the unit is left at the next instruction, whose code
 * may have changed):
 *   MEM_FINISH: the instruction goes on in translated code and leaves its
 *     unit anyway (CALL), or cannot be finished here (inline PUSHA): the
 *     next unit entry leaves (exit_request);
 *   MEM_POST_ESP: ESP += MEM_POST_D(info, 16) first (PUSH, POP to memory);
 *   MEM_POST_STR: EDI, and ESI with MEM_POST_SRC, += MEM_POST_D(info, 24)
 *     first (inline STOS, MOVS). */
#define MEM_FINISH 0x400u
#define MEM_POST_ESP 0x800u
#define MEM_POST_STR 0x1000u
#define MEM_POST_SRC 0x2000u
#define MEM_POST_ENC(d, shift) ((uint32_t)(uint8_t)(int8_t)(d) << (shift))
#define MEM_POST_D(info, shift) ((int32_t)(int8_t)((info) >> (shift)))
uint64_t cpu_mem_slow(struct vcpu *cpu, uint32_t addr, uint32_t info, uint32_t eip);
/* After a store executed on the bounce buffer: commits it; info is the
 * slow path's (MEM_FINISH), next_eip the address of the next guest
 * instruction, where a store that hit translated code resumes. */
uint64_t cpu_mem_writeback(struct vcpu *cpu, uint32_t unused, uint32_t info, uint32_t next_eip);

/* ---- MSRs and the TSC (src/cpu/msr.c) ---- */
/* RDMSR / WRMSR of ECX (EDX:EAX); #GP(0) raised for what the CPU lacks. */
void cpu_rdmsr(struct vcpu *cpu);
void cpu_wrmsr(struct vcpu *cpu);
/* Before the guest reads the time (port I/O, RDTSC, MMIO).  Virtual
 * clock: advances guest time by the instructions executed since the last
 * call (the budget translated code counts down), so the time read is
 * current.  Host clock: a timer that is due sets exit_request, so it runs
 * at the next unit entry without waiting for the ticker thread. */
void cpu_clock_sync(struct vcpu *cpu);
/* cpu_clock_sync for a port access: on the virtual clock the access also
 * takes XCLOCK_VIRTUAL_IO_NS. */
void cpu_clock_sync_io(struct vcpu *cpu);
/* The time-stamp counter: guest nanoseconds plus the offset WRMSR set. */
uint64_t cpu_tsc(struct vcpu *cpu);
void cpu_set_tsc(struct vcpu *cpu, uint64_t v);

/* ---- identity (src/cpu/hlp_misc.c) ---- */
/* CPUID leaf `leaf`: out = EAX, EBX, ECX, EDX (what the instruction
 * returns; the firmware tables quote the signature and features). */
void cpu_cpuid(const struct vcpu *cpu, uint32_t leaf, uint32_t out[4]);

/* ---- state ---- */
void vcpu_reset_flat32(struct vcpu *cpu);
/* The power-on/RESET state (real mode at F000:FFF0, CS base FFFF0000):
 * what a board with firmware starts from.  Wiring (mmu, bus, lapic, ...)
 * and the A20 gate are left alone. */
void vcpu_reset(struct vcpu *cpu);
/* The A20 gate (a board hook: port 0x92, the keyboard controller):
 * enabled = false clears bit 20 of every physical address the CPU
 * forms.  Default: enabled.  Flushes the TLBs and ends the current unit. */
void vcpu_set_a20(struct vcpu *cpu, bool enabled);
void vcpu_dump(const struct vcpu *cpu, FILE *out);

/* ---- events (src/cpu/exception.c) ---- */
/* Makes ev the pending event, to be delivered before the next guest
 * instruction (vcpu_deliver_pending): the one way an event becomes
 * pending.  It replaces what was pending. */
void vcpu_pend(struct vcpu *cpu, struct vcpu_event ev);
static inline bool vcpu_has_pending(const struct vcpu *cpu)
{
    return cpu->pending.kind != EV_NONE;
}
/* Takes the pending event (none is left). */
struct vcpu_event vcpu_take_pending(struct vcpu *cpu);
/* Raises a fault at the current instruction (cpu->eip) and makes the
 * running helper leave translated code. */
void vcpu_raise(struct vcpu *cpu, int vec, uint32_t err, bool has_err);
/* Raises a software interrupt returning to ret_eip. */
void vcpu_soft_int(struct vcpu *cpu, int vec, uint32_t ret_eip);
/* Raises a trap-class exception (INT1, single step) returning to ret_eip:
 * delivered as an exception, so unlike INT n the gate's DPL is not
 * checked, and error codes of faults while delivering it have EXT set. */
void vcpu_raise_trap(struct vcpu *cpu, int vec, uint32_t ret_eip);
/* Instruction breakpoints (dbg_bp.c): the DR0-DR3 armed as such in DR7
 * (bit n for DRn), and the check before the instruction at CS:EIP while
 * one is: true when it raised (pended) a #DB fault there. */
unsigned dbg_ibp_armed(const struct vcpu *cpu);
bool dbg_ibp_check(struct vcpu *cpu);
/* Data breakpoints (DRn with R/W = 01: writes, 11: reads and writes; LEN
 * 1, 2, 4 or 8 bytes, the address aligned down to it).  dbg_wp_sync after
 * a write to DR0-DR3 or DR7: cpu->wp_armed and the MMU's watched pages
 * (the TLB is flushed when they change).  dbg_wp_access: an access of
 * translated code or a helper at [lin, lin + size) (only called while one
 * is armed).  dbg_wp_after: after the instruction, a #DB trap when one
 * was hit (DR6.B0-B3); true when it pended one. */
void dbg_wp_sync(struct vcpu *cpu);
/* A debugger's watchpoint in slot k (0-3) of cpu->ext_watch: [lo, lo +
 * len) for the kind of access (len 0 frees the slot).  It is checked as
 * the data breakpoints are; a hit ends the instruction and sets bit k of
 * cpu->ext_stop instead of raising #DB. */
#define DBG_WATCH_WRITE 1u
#define DBG_WATCH_READ 2u
#define DBG_WATCH_ACCESS 3u
void dbg_ext_watch_set(struct vcpu *cpu, unsigned k, uint32_t lo, uint32_t len, unsigned kind);
void dbg_wp_access(struct vcpu *cpu, uint32_t lin, unsigned size, bool write);
bool dbg_wp_after(struct vcpu *cpu);
/* I/O breakpoints (DRn with R/W = 10 while CR4.DE is set; LEN 1, 2 or 4
 * ports, the port aligned down to it): an IN, OUT, INS or OUTS of size
 * bytes at port marks the ones it hits in cpu->wp_hit, as a data
 * breakpoint's access does; true when it hit one (the helper then ends
 * the instruction there, and dbg_wp_after raises the #DB trap). */
bool dbg_io_access(struct vcpu *cpu, uint16_t port, unsigned size);
/* Leaves translated code after the current helper, resuming at eip. */
void vcpu_exit_at(struct vcpu *cpu, uint32_t eip, enum vcpu_exit why);
/* Delivers the pending event through the IDT.  Returns 0, or a negative
 * value after a triple fault (the machine has been told to stop). */
int vcpu_deliver_pending(struct vcpu *cpu);

/* ---- segments (src/cpu/segment.c) ---- */
/* Loads a segment register in protected mode with the architectural
 * checks; on failure raises the fault and returns -1. */
int seg_load(struct vcpu *cpu, int seg, uint16_t sel);
/* Whoever changes a segment register other than through seg_load calls
 * this: translated code must no longer swap its previous state back in
 * (vcpu->seg_prev). */
void seg_forget_prev(struct vcpu *cpu, int seg);
/* Reads the 8-byte descriptor for sel; returns -1 (nothing raised) if the
 * selector is outside its table. */
int seg_read_desc(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);
void seg_set_cache(struct seg_cache *sc, uint16_t sel, uint32_t lo, uint32_t hi);
/* Checks an access of size bytes at offset off through segment seg (limit,
 * expand-down, usable); raises #GP(0) / #SS(0) and returns -1 if it fails. */
int seg_check_access(struct vcpu *cpu, int seg, uint32_t off, unsigned size);

/* The stack's address size: SP (SS.B = 0) or ESP. */
static inline uint32_t cpu_sp_mask(const struct vcpu *cpu)
{
    return (cpu->seg[S_SS].flags & (1u << 22)) ? 0xFFFFFFFFu : 0xFFFFu;
}
/* The linear address of stack offset sp (ESP + displacement), wrapped to
 * the stack's address size. */
static inline uint32_t cpu_stack_lin(const struct vcpu *cpu, uint32_t sp)
{
    return cpu->seg[S_SS].base + (sp & cpu_sp_mask(cpu));
}
/* ESP after n bytes pushed on the current stack: with a 16-bit stack
 * (SS.B clear) only SP changes, wrapping within 64 KiB. */
static inline uint32_t cpu_sp_sub(const struct vcpu *cpu, uint32_t sp, uint32_t n)
{
    uint32_t m = cpu_sp_mask(cpu);
    return (sp & ~m) | ((sp - n) & m);
}
/* The ESP a stack switch starts from, once the new SS is loaded: new_esp
 * (from the TSS); with a 16-bit new stack only SP takes it, the upper half
 * staying the old ESP's (as QEMU and Bochs do). */
static inline uint32_t cpu_sp_switch(const struct vcpu *cpu, uint32_t old_esp, uint32_t new_esp)
{
    uint32_t m = cpu_sp_mask(cpu);
    return (old_esp & ~m) | (new_esp & m);
}
/* ESP = sp; with a 16-bit stack only SP changes. */
static inline void cpu_set_sp(struct vcpu *cpu, uint32_t sp)
{
    uint32_t m = cpu_sp_mask(cpu);
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | (sp & m);
}

#endif
