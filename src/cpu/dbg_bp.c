/*
 * dbg_bp.c - instruction breakpoints of the debug registers: DR0-DR3 whose
 * R/W field in DR7 is 00, armed by L0-L3 or G0-G3.  While one is armed the
 * run loop runs one-instruction units, never chained (as for gdb's
 * breakpoints), and checks each instruction's linear address before it:
 * a match raises a #DB fault at the instruction with DR6.B0-B3 saying
 * which registers matched (every one with R/W = 00 at that address,
 * armed or not, as QEMU reports them), unless EFLAGS.RF is set.  RF lets
 * one instruction through and is then cleared, as the CPU clears it after
 * an instruction completes (a handler returns with RF set to go on past
 * the breakpoint).  Data breakpoints (R/W = 01, 11) and I/O breakpoints
 * are not implemented: they never fire.
 */
#include "cpu.h"
#include "x86.h"

/* R/W and enable fields of DR7 for breakpoint n. */
static unsigned dr7_rw(uint32_t dr7, unsigned n)
{
    return (dr7 >> (16 + 4 * n)) & 3;
}

unsigned dbg_ibp_armed(const struct vcpu *cpu)
{
    uint32_t dr7 = cpu->dr[7];
    unsigned mask = 0;
    for (unsigned n = 0; n < 4; n++)
        if (((dr7 >> (2 * n)) & 3) && dr7_rw(dr7, n) == 0)
            mask |= 1u << n;
    return mask;
}

bool dbg_ibp_check(struct vcpu *cpu)
{
    cpu->st.ibp_checks++;
    if (cpu->eflags & EFL_RF) {
        cpu->eflags &= ~EFL_RF; /* this instruction goes through */
        return false;
    }
    uint32_t lin = cpu->seg[S_CS].base + cpu->eip, hit = 0;
    for (unsigned n = 0; n < 4; n++)
        if (dr7_rw(cpu->dr[7], n) == 0 && cpu->dr[n] == lin)
            hit |= 1u << n;
    if (!(hit & dbg_ibp_armed(cpu)))
        return false;
    cpu->dr[6] = (cpu->dr[6] & ~0xFu) | hit;
    cpu->st.ibp_hits++;
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = EXC_DB });
    return true;
}
