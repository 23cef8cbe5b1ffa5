/*
 * desc.h - descriptor bit helpers shared by the segment, exception,
 * transfer and task-switch code.  `hi` is the high dword of a descriptor.
 */
#ifndef XBT_DESC_H
#define XBT_DESC_H

#include "vcpu.h"

#define D_ACCESSED (1u << 8)
#define D_RW (1u << 9)          /* data: writable; code: readable */
#define D_CONFORMING (1u << 10) /* code; data: expand-down */
#define D_CODE (1u << 11)
#define D_S (1u << 12) /* code/data (1) or system (0) */
#define D_P (1u << 15)
#define D_BIG (1u << 22) /* D/B */

/* system descriptor types (S = 0) */
enum {
    SYS_TSS16 = 1,
    SYS_LDT = 2,
    SYS_TSS16_BUSY = 3,
    SYS_CALL16 = 4,
    SYS_TASK = 5,
    SYS_INT16 = 6,
    SYS_TRAP16 = 7,
    SYS_TSS32 = 9,
    SYS_TSS32_BUSY = 11,
    SYS_CALL32 = 12,
    SYS_INT32 = 14,
    SYS_TRAP32 = 15,
};

static inline uint32_t desc_dpl(uint32_t hi)
{
    return (hi >> 13) & 3;
}
static inline uint32_t desc_type(uint32_t hi)
{
    return (hi >> 8) & 0xF;
}
static inline bool desc_is_code(uint32_t hi)
{
    return (hi & D_S) && (hi & D_CODE);
}
static inline bool desc_is_data(uint32_t hi)
{
    return (hi & D_S) && !(hi & D_CODE);
}

/* Sets the accessed bit of a descriptor before it is loaded; -1 if the
 * write faulted (#PF raised: nothing may change). */
int seg_mark_accessed(struct vcpu *cpu, uint16_t sel, uint32_t hi);
/* Loads CS from a code descriptor with RPL = cpl and sets the CPL (the
 * accessed bit: seg_mark_accessed first). */
void seg_set_cs(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, uint32_t cpl);
/* Loads SS for a stack switch to privilege `cpl`; raises `vec` (#TS or
 * #SS) with the selector on failure and returns -1. */
int seg_load_ss_for(struct vcpu *cpu, uint16_t sel, uint32_t cpl, int vec);
/* After a return to an outer level: data segment registers the new CPL
 * may not use are loaded with the null selector. */
void seg_null_inaccessible(struct vcpu *cpu);
/* The stack-limit check of the C helpers' pushes and pops (protected
 * mode; real mode and V86 leave it to their paths): 0 when the n bytes at
 * stack offset top of the current SS (SP-based and wrapping at 64 KiB with
 * SS.B clear) lie within its limit (expand-up: at most the limit;
 * expand-down: above it, up to 64 KiB or 4 GiB by B), else #SS(err)
 * raised and -1.  A flat SS costs one compare. */
int seg_stack_check(struct vcpu *cpu, uint32_t top, unsigned n, uint32_t err);
/* Writes the high dword of descriptor sel (busy bits, accessed bits). */
int seg_write_desc_hi(struct vcpu *cpu, uint16_t sel, uint32_t hi);

/* Inner stack pointer for privilege level `dpl` from the current TSS. */
int tss_inner_stack(struct vcpu *cpu, uint32_t dpl, uint16_t *ss, uint32_t *esp);

enum ts_reason { TS_JMP, TS_CALL, TS_IRET, TS_INT };
/* Hardware task switch to the TSS selected by sel.  resume_eip is what the
 * outgoing task's EIP is saved as.  Returns 0, or -1 with a fault raised. */
int task_switch(struct vcpu *cpu, uint16_t sel, enum ts_reason why, uint32_t resume_eip,
                bool has_err, uint32_t err);

#endif
