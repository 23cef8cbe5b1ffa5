/*
 * hlp_system.c - helpers for the system instructions needed to boot a
 * protected-mode kernel (real mode and V86 in realmode.c, v86.c): segment register loads, far JMP/CALL/RET and IRET
 * (src/transfer.c does the work), LGDT/LIDT/SGDT/SIDT and MOV to/from
 * CR0/CR2/CR3/CR4.
 */
#include <stdio.h>

#include "bt.h"
#include "helpers.h"
#include "mmu.h"
#include "transfer.h"
#include "cpu.h"

static bool need_cpl0(struct vcpu *cpu)
{
    if (cpu->cpl != 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return false;
    }
    return true;
}

/* far JMP/CALL: a = selector, b = offset; cpu->far_osize_call = operand
 * size | 0x10 for CALL (set by the translation as the helper argument
 * packing allows only three values). */
static void far_done(struct vcpu *cpu, int rc)
{
    if (rc == 0)
        vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
}

HLP(hlp_farjmp)
{
    uint32_t eip = cpu->eip;
    (void)eip;
    unsigned kind = cpu->far_kind;
    far_done(cpu, xfer_far(cpu, (uint16_t)a, b, kind & 0xF, kind & 0x10, next));
    return 0;
}

HLP(hlp_farjmp_m)
{
    unsigned osize = b & 0xF;
    uint32_t off, sel;
    if (cpu_read(cpu, a, osize, &off) || cpu_read(cpu, a + osize, 2, &sel))
        return 0;
    cpu->far_kind = b;
    return hlp_farjmp(cpu, sel, off, next);
}

HLP(hlp_farret)
{
    (void)next;
    far_done(cpu, xfer_far_ret(cpu, a, b));
    return 0;
}

/* LDS/LES/LFS/LGS/LSS: a = segment | dest register << 4 | operand size << 8,
 * b = linear address of the far pointer */
/* After a data segment load: translated code goes on unless the load
 * changed what the unit was made for (its mode key: check classes, flat
 * or not) or was an SS load (the next instruction runs in its interrupt
 * shadow, which the dispatcher handles). */
static void seg_loaded(struct vcpu *cpu, unsigned seg, const struct seg_cache *old, uint32_t next)
{
    const struct seg_cache *now = &cpu->seg[seg];
    if (seg == S_SS) {
        cpu->int_shadow = true; /* MOV/POP SS: the next instruction (ESP) goes with it */
        vcpu_exit_at(cpu, next, EXIT_STATE);
    } else if (cpu_seg_class(old, (int)seg) != cpu_seg_class(now, (int)seg) ||
               ((seg == S_DS || seg == S_ES) && (old->base == 0) != (now->base == 0))) {
        /* the mode key changed (check class, or possibly MODE_NONFLAT) */
        vcpu_exit_at(cpu, next, EXIT_STATE);
    } else {
        cpu->st.seg_loads_inline++;
    }
}

HLP(hlp_lxs)
{
    unsigned seg = a & 7, reg = (a >> 4) & 7, osize = (a >> 8) & 0xF;
    uint32_t off, sel;
    if (cpu_read(cpu, b, osize, &off) || cpu_read(cpu, b + osize, 2, &sel))
        return 0;
    struct seg_cache old = cpu->seg[seg];
    if (seg_load(cpu, (int)seg, (uint16_t)sel) < 0)
        return 0;
    if (osize == 2)
        cpu->regs[reg] = (cpu->regs[reg] & 0xFFFF0000u) | (off & 0xFFFF);
    else
        cpu->regs[reg] = off;
    seg_loaded(cpu, seg, &old, next);
    return 0;
}

/* x87 instruction while CR0.EM or CR0.TS is set: #NM (WAIT only with TS
 * and MP).  a = 1 for WAIT/FWAIT. */
HLP(hlp_fpu_nm)
{
    bool wait = a;
    if (wait ? ((cpu->cr0 & CR0_TS) && (cpu->cr0 & CR0_MP)) : (cpu->cr0 & (CR0_EM | CR0_TS)))
        vcpu_raise(cpu, EXC_NM, 0, false);
    return 0;
}

HLP(hlp_load_seg)
{
    if (a == S_CS) {
        vcpu_raise(cpu, EXC_UD, 0, false);
        return 0;
    }
    struct seg_cache old = cpu->seg[a];
    if (seg_load(cpu, (int)a, (uint16_t)b) == 0)
        seg_loaded(cpu, a, &old, next);
    return 0;
}

HLP(hlp_pop_seg)
{
    uint32_t v;
    if (cpu_read(cpu, cpu_stack_lin(cpu, cpu->regs[R_ESP]), 2, &v))
        return 0;
    struct seg_cache old = cpu->seg[a];
    if (seg_load(cpu, (int)a, (uint16_t)v) == 0) {
        cpu_set_sp(cpu, cpu->regs[R_ESP] + b);
        seg_loaded(cpu, a, &old, next);
    }
    return 0;
}

HLP(hlp_iret)
{
    far_done(cpu, xfer_iret(cpu, a, next));
    return 0;
}

HLP(hlp_dtr)
{
    struct dtr *d = (a & 1) ? &cpu->idtr : &cpu->gdtr;
    uint32_t bmask = (a & 0x10) ? 0xFFFFFFu : 0xFFFFFFFFu; /* o16: a 24-bit base */
    a &= 0xF;
    if (a < 2) {
        if (!need_cpl0(cpu))
            return 0;
        uint32_t lim, base;
        if (cpu_read(cpu, b, 2, &lim) || cpu_read(cpu, b + 2, 4, &base))
            return 0;
        d->limit = (uint16_t)lim;
        d->base = base & bmask;
    } else {
        if (cpu_write(cpu, b, 2, d->limit) || cpu_write(cpu, b + 2, 4, d->base & bmask))
            return 0;
    }
    (void)next;
    return 0;
}

HLP(hlp_mov_cr)
{
    unsigned cr = a & 0xFF;
    bool read = a & 0x100;
    if (!need_cpl0(cpu))
        return 0;
    if (cr == 1 || cr > 4) {
        vcpu_raise(cpu, EXC_UD, 0, false);
        return 0;
    }
    if (read) {
        uint32_t v = cr == 0 ? cpu->cr0 : cr == 2 ? cpu->cr2 : cr == 3 ? cpu->cr3 : cpu->cr4;
        cpu->regs[b & 7] = v;
        return 0;
    }
    switch (cr) {
    case 0:
        if ((b & CR0_PG) && !(b & CR0_PE)) {
            vcpu_raise(cpu, EXC_GP, 0, true);
            return 0;
        }
        if ((b ^ cpu->cr0) & CR0_PE)
            cpu->st.mode_switches++; /* real <-> protected: the mode key follows */
        /* the linear mappings change with PG, and with WP under paging;
         * PE alone changes none (linear = physical either way), so the
         * firmware's many real <-> protected trips keep TLB and tables */
        if (((b ^ cpu->cr0) & CR0_PG) || (((b ^ cpu->cr0) & CR0_WP) && (b & CR0_PG))) {
            mmu_flush(cpu->mmu, MMU_FLUSH_MODE, cpu->cr3, 0);
        }
        cpu->cr0 = b | CR0_ET;
        break;
    case 2: cpu->cr2 = b; break;
    case 3:
        cpu->cr3 = b;
        mmu_flush(cpu->mmu, MMU_FLUSH_CR3, b, 0);
        break;
    case 4:
        if (b & ~0x19Fu) { /* VME PVI TSD DE PSE PGE PCE (PAE, MCE unsupported) */
            vcpu_raise(cpu, EXC_GP, 0, true);
            return 0;
        }
        if ((b ^ cpu->cr4) & (CR4_PSE | CR4_PGE)) {
            mmu_flush(cpu->mmu, MMU_FLUSH_MODE, cpu->cr3, 0);
        }
        cpu->cr4 = b;
        break;
    }
    vcpu_exit_at(cpu, next, EXIT_STATE);
    return 0;
}
