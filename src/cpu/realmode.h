/*
 * realmode.h - real-address mode and virtual-8086 mode inside the CPU
 * (src/cpu/realmode.c, src/cpu/v86.c): the operations the protected-mode
 * code (segment.c, transfer.c, exception.c, the helpers) hands over when
 * CR0.PE = 0 or EFLAGS.VM = 1.
 *
 * Contract: each returns 0 (or -1 for "delivered") on success; on a fault
 * either a guest event is raised (vcpu_raise) and -1 returned, or, for the
 * delivery functions that feed the #DF escalation in exception.c, the
 * fault's vector is returned with *err, and nothing is raised.
 */
#ifndef XBT_REALMODE_H
#define XBT_REALMODE_H

#include "vcpu.h"

/* Real mode or V86: segment registers are loaded as selector * 16. */
static inline bool rm_segments(const struct vcpu *cpu)
{
    return !(cpu->cr0 & CR0_PE) || (cpu->eflags & EFL_VM);
}

/* LLDT, LTR, SLDT, STR, LAR, LSL, VERR, VERW and ARPL (op: enum
 * priv_op) are not recognized in real mode and V86: true after raising
 * #UD. */
bool rm_no_descriptors(struct vcpu *cpu, unsigned op);

/* Loads segment register s with sel, real-mode style: base = sel * 16;
 * in real mode the cached limit and D/B, G bits are kept (big "unreal"
 * mode), in V86 the limit is 64 KiB and the segment 16-bit, DPL 3. */
void rm_seg_load(struct vcpu *cpu, int s, uint16_t sel);

/* Pushes/pops through SS:SP (SS.B = 0) or SS:ESP; #SS(0) beyond the SS
 * limit.  *sp is the stack pointer to update (committed by the caller). */
int rm_push(struct vcpu *cpu, uint32_t *sp, uint32_t v, unsigned size);
int rm_pop(struct vcpu *cpu, uint32_t *sp, uint32_t *v, unsigned size);

/* Far JMP/CALL, far RET, IRET in real mode or V86 (the IRET of V86 is
 * v86_iret). */
int rm_far(struct vcpu *cpu, uint16_t sel, uint32_t off, unsigned osize, bool call,
           uint32_t next_eip);
int rm_far_ret(struct vcpu *cpu, unsigned osize, uint32_t imm);
int rm_iret(struct vcpu *cpu, unsigned osize);

/* One delivery attempt of vector vec through the IVT (real mode): -1 when
 * delivered, else the vector of the fault raised on the way (#GP beyond
 * the IDTR limit, #SS on the stack) with *err. */
int rm_deliver(struct vcpu *cpu, int vec, uint32_t ret_eip, uint32_t *err);

/* ---- virtual-8086 mode (src/cpu/v86.c) ---- */
/* IRET in V86: #GP(0) at IOPL < 3, else a real-mode IRET that keeps IOPL. */
int v86_iret(struct vcpu *cpu, unsigned osize);
/* IRET from CPL 0 whose popped EFLAGS has VM: the V86 frame (EIP, CS,
 * EFLAGS, ESP, SS, ES, DS, FS, GS) at SS:ESP is loaded, CPL becomes 3. */
int v86_iret_enter(struct vcpu *cpu);
/* The code segment and entry point of an interrupt or trap gate. */
struct v86_gate {
    uint16_t sel;
    uint32_t lo, hi; /* the code segment's descriptor */
    uint32_t off;
    unsigned size; /* 4 (32-bit gate) or 2 */
    bool intgate;  /* clears IF */
};
/* An interrupt or exception taken in V86 through gate g: to CPL 0 on the
 * TSS's ring-0 stack with GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP (and
 * the error code) pushed and GS, FS, DS, ES nulled.  -1 when delivered,
 * else the vector of the fault (with *err; #GP(sel) for a gate to a code
 * segment with DPL != 0). */
int v86_deliver(struct vcpu *cpu, const struct v86_gate *g, uint32_t ret_eip, bool has_err,
                uint32_t err_in, uint32_t *err);
/* IOPL-sensitive instructions in V86 (PUSHF, POPF, INT n; CLI/STI and
 * IRET check on their own): true after raising #GP(0) at IOPL < 3. */
bool v86_iopl_trap(struct vcpu *cpu);

#endif
