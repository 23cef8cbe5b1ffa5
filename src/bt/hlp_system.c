/*
 * hlp_system.c - helpers for the system instructions needed to boot a
 * protected-mode kernel: segment register loads, far JMP, IRET to the same
 * privilege level, LGDT/LIDT/SGDT/SIDT and MOV to/from CR0/CR2/CR3/CR4.
 * Privilege changes, task switches and paging belong to later issues and
 * fault or stop with a clear message here.
 */
#include <stdio.h>

#include "bt.h"
#include "helpers.h"
#include "machine.h"
#include "mmu.h"

static bool need_cpl0(struct vcpu *cpu)
{
    if (cpu->cpl != 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return false;
    }
    return true;
}

/* Loads CS for a far JMP/IRET to the same privilege level. */
static int load_cs_same(struct vcpu *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &lo, &hi) < 0) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    uint32_t dpl = (hi >> 13) & 3, rpl = sel & 3;
    bool code = (hi & (1u << 12)) && (hi & (1u << 11));
    bool conforming = hi & (1u << 10);
    if (!code || (conforming ? dpl > cpu->cpl : (dpl != cpu->cpl || rpl > cpu->cpl))) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    if (!(hi & (1u << 15))) {
        vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
        return -1;
    }
    seg_set_cache(&cpu->seg[S_CS], (uint16_t)((sel & ~3u) | cpu->cpl), lo, hi);
    return 0;
}

HLP(hlp_farjmp)
{
    (void)next;
    if (load_cs_same(cpu, (uint16_t)a) == 0)
        vcpu_exit_at(cpu, b, EXIT_STATE);
    return 0;
}

HLP(hlp_farjmp_m)
{
    uint32_t off, sel;
    if (mmu_read(cpu, a, b, &off) || mmu_read(cpu, a + b, 2, &sel))
        return 0;
    return hlp_farjmp(cpu, sel, off, next);
}

HLP(hlp_load_seg)
{
    if (a == S_CS) {
        vcpu_raise(cpu, EXC_UD, 0, false);
        return 0;
    }
    if (seg_load(cpu, (int)a, (uint16_t)b) == 0)
        vcpu_exit_at(cpu, next, EXIT_STATE);
    return 0;
}

HLP(hlp_pop_seg)
{
    uint32_t v;
    if (mmu_read(cpu, cpu->seg[S_SS].base + cpu->regs[R_ESP], 2, &v))
        return 0;
    if (seg_load(cpu, (int)a, (uint16_t)v) == 0) {
        cpu->regs[R_ESP] += b;
        vcpu_exit_at(cpu, next, EXIT_STATE);
    }
    return 0;
}

HLP(hlp_iret)
{
    (void)next;
    unsigned size = a;
    uint32_t esp = cpu->regs[R_ESP], base = cpu->seg[S_SS].base;
    uint32_t eip, cs, fl;
    if (mmu_read(cpu, base + esp, size, &eip) || mmu_read(cpu, base + esp + size, size, &cs) ||
        mmu_read(cpu, base + esp + 2 * size, size, &fl))
        return 0;
    if (cpu->eflags & EFL_NT) {
        fprintf(stderr, "xbt: IRET with NT set (task return) is not implemented yet\n");
        machine_request_stop(cpu->m, STOP_ERROR, XBT_STATUS_ERROR);
        vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
        return 0;
    }
    if ((cs & 3) != cpu->cpl) {
        fprintf(stderr, "xbt: IRET to another privilege level is not implemented yet\n");
        machine_request_stop(cpu->m, STOP_ERROR, XBT_STATUS_ERROR);
        vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
        return 0;
    }
    if (load_cs_same(cpu, (uint16_t)cs))
        return 0;
    uint32_t mask = EFL_ARITH | EFL_TF | EFL_DF | EFL_NT | EFL_AC | EFL_ID | EFL_RF;
    if (cpu->cpl == 0)
        mask |= EFL_IOPL | EFL_IF;
    else if (cpu->cpl <= ((cpu->eflags >> 12) & 3))
        mask |= EFL_IF;
    if (size == 2)
        mask &= 0xFFFF;
    cpu->eflags = (cpu->eflags & ~mask) | (fl & mask) | 2;
    cpu->regs[R_ESP] = esp + 3 * size;
    vcpu_exit_at(cpu, size == 2 ? (eip & 0xFFFF) : eip, EXIT_STATE);
    return 0;
}

HLP(hlp_dtr)
{
    struct dtr *d = (a & 1) ? &cpu->idtr : &cpu->gdtr;
    if (a < 2) {
        if (!need_cpl0(cpu))
            return 0;
        uint32_t lim, base;
        if (mmu_read(cpu, b, 2, &lim) || mmu_read(cpu, b + 2, 4, &base))
            return 0;
        d->limit = (uint16_t)lim;
        d->base = base;   /* 32-bit operand size: all 32 bits */
    } else {
        if (mmu_write(cpu, b, 2, d->limit) || mmu_write(cpu, b + 2, 4, d->base))
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
        if (b & CR0_PG) {
            fprintf(stderr, "xbt: the guest enabled paging (CR0.PG), which is not implemented yet\n");
            machine_request_stop(cpu->m, STOP_ERROR, XBT_STATUS_ERROR);
            vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
            return 0;
        }
        if (!(b & CR0_PE)) {
            fprintf(stderr, "xbt: the guest left protected mode (real mode is not implemented yet)\n");
            machine_request_stop(cpu->m, STOP_ERROR, XBT_STATUS_ERROR);
            vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
            return 0;
        }
        cpu->cr0 = b | CR0_ET;
        break;
    case 2: cpu->cr2 = b; break;
    case 3: cpu->cr3 = b; break;
    case 4:
        cpu->cr4 = b;
        break;
    }
    vcpu_exit_at(cpu, next, EXIT_STATE);
    return 0;
}
