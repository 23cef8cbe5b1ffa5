/*
 * transfer.c - far control transfers in protected mode: far JMP and CALL
 * (code segments, call gates with inner-privilege stack switch and
 * parameter copy, TSS and task gates), far RET and IRET (same and outer
 * privilege level, IRET with NT as a task return).
 */
#include <stdio.h>

#include "desc.h"
#include "mmu.h"
#include "transfer.h"
#include "cpu.h"

static int gp(struct vcpu *cpu, uint32_t sel)
{
    vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
    return -1;
}

static int np(struct vcpu *cpu, uint32_t sel)
{
    vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
    return -1;
}

static int rd(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *v)
{
    return cpu_read(cpu, lin, size, v);
}

static int push_on(struct vcpu *cpu, uint32_t ss_base, uint32_t *esp, uint32_t v, unsigned size)
{
    *esp -= size;
    return cpu_write(cpu, ss_base + *esp, size, size == 2 ? (v & 0xFFFF) : v);
}

/* Same-level far CALL: pushes CS and the return EIP; ESP changes only if
 * both pushes succeeded. */
static int push_return(struct vcpu *cpu, uint32_t next_eip, unsigned size)
{
    uint32_t esp = cpu->regs[R_ESP], base = cpu->seg[S_SS].base;
    if (push_on(cpu, base, &esp, cpu->seg[S_CS].sel, size) || push_on(cpu, base, &esp, next_eip, size))
        return -1;
    cpu->regs[R_ESP] = esp;
    return 0;
}

/* pushes on an inner stack, with the privilege of that stack */
static int push_inner(struct vcpu *cpu, uint32_t ss_base, uint32_t *esp, uint32_t v, unsigned size,
                      uint32_t cpl)
{
    *esp -= size;
    return cpu_write_as(cpu, ss_base + *esp, size, size == 2 ? (v & 0xFFFF) : v, cpl == 3);
}

/* The new EIP must lie within the target code segment's limit: #GP(0). */
static bool beyond_limit(struct vcpu *cpu, uint32_t lo, uint32_t hi, uint32_t eip)
{
    struct seg_cache c;
    seg_set_cache(&c, 0, lo, hi);
    if (eip > c.limit) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return true;
    }
    return false;
}

/* Checks a code descriptor as the target of a same-level JMP/CALL. */
static int check_code_same(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    uint32_t dpl = desc_dpl(hi), rpl = sel & 3;
    if (!desc_is_code(hi))
        return gp(cpu, sel);
    if (hi & D_CONFORMING) {
        if (dpl > cpu->cpl)
            return gp(cpu, sel);
    } else if (dpl != cpu->cpl || rpl > cpu->cpl) {
        return gp(cpu, sel);
    }
    if (!(hi & D_P))
        return np(cpu, sel);
    return 0;
}

int xfer_far(struct vcpu *cpu, uint16_t sel, uint32_t off, unsigned osize, bool call,
             uint32_t next_eip)
{
    uint32_t lo, hi;
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &lo, &hi) < 0)
        return gp(cpu, sel);
    if (hi & D_S) {
        /* a code segment at the current privilege level */
        if (check_code_same(cpu, sel, hi) < 0)
            return -1;
        if (beyond_limit(cpu, lo, hi, osize == 2 ? (off & 0xFFFF) : off) ||
            seg_mark_accessed(cpu, sel, hi) < 0)
            return -1;
        if (call && push_return(cpu, next_eip, osize) < 0)
            return -1;
        seg_set_cs(cpu, sel, lo, hi, cpu->cpl);
        cpu->eip = osize == 2 ? (off & 0xFFFF) : off;
        return 0;
    }
    uint32_t type = desc_type(hi), dpl = desc_dpl(hi);
    switch (type) {
    case SYS_TSS32: case SYS_TSS16:
        if (dpl < cpu->cpl || dpl < (sel & 3u))
            return gp(cpu, sel);
        if (!(hi & D_P))
            return np(cpu, sel);
        return task_switch(cpu, sel, call ? TS_CALL : TS_JMP, next_eip, false, 0);
    case SYS_TASK: {
        if (dpl < cpu->cpl || dpl < (sel & 3u))
            return gp(cpu, sel);
        if (!(hi & D_P))
            return np(cpu, sel);
        return task_switch(cpu, (uint16_t)(lo >> 16), call ? TS_CALL : TS_JMP, next_eip, false, 0);
    }
    case SYS_CALL32: case SYS_CALL16:
        break;
    default:
        return gp(cpu, sel);
    }
    /* call gate */
    if (dpl < cpu->cpl || dpl < (sel & 3u))
        return gp(cpu, sel);
    if (!(hi & D_P))
        return np(cpu, sel);
    bool g32 = type == SYS_CALL32;
    uint16_t tsel = (uint16_t)(lo >> 16);
    uint32_t toff = (lo & 0xFFFF) | (g32 ? (hi & 0xFFFF0000u) : 0);
    unsigned params = hi & 0x1F;
    uint32_t clo, chi;
    if ((tsel & ~3u) == 0 || seg_read_desc(cpu, tsel, &clo, &chi) < 0 || !desc_is_code(chi) ||
        desc_dpl(chi) > cpu->cpl)
        return gp(cpu, tsel);
    if (!(chi & D_P))
        return np(cpu, tsel);
    uint32_t cdpl = desc_dpl(chi);
    unsigned gsize = g32 ? 4 : 2;
    if (beyond_limit(cpu, clo, chi, toff) || seg_mark_accessed(cpu, tsel, chi) < 0)
        return -1;
    if (!call) {
        if (!(chi & D_CONFORMING) && cdpl != cpu->cpl)
            return gp(cpu, tsel);
        seg_set_cs(cpu, tsel, clo, chi, cpu->cpl);
        cpu->eip = toff;
        return 0;
    }
    if (!(chi & D_CONFORMING) && cdpl < cpu->cpl) {
        uint16_t nss;
        uint32_t nesp;
        uint32_t old_ss = cpu->seg[S_SS].sel, old_esp = cpu->regs[R_ESP];
        uint32_t old_base = cpu->seg[S_SS].base, old_cs = cpu->seg[S_CS].sel;
        struct seg_cache saved = cpu->seg[S_SS];
        uint32_t pv[32];
        for (unsigned k = 0; k < params; k++)
            if (rd(cpu, old_base + old_esp + k * gsize, gsize, &pv[k]))
                return -1;
        if (tss_inner_stack(cpu, cdpl, &nss, &nesp) < 0 ||
            seg_load_ss_for(cpu, nss, cdpl, EXC_TS) < 0) {
            cpu->seg[S_SS] = saved;
            return -1;
        }
        uint32_t nb = cpu->seg[S_SS].base;
        bool bad = push_inner(cpu, nb, &nesp, old_ss, gsize, cdpl) ||
                   push_inner(cpu, nb, &nesp, old_esp, gsize, cdpl);
        for (unsigned k = params; k-- > 0 && !bad;)
            bad = push_inner(cpu, nb, &nesp, pv[k], gsize, cdpl);
        bad = bad || push_inner(cpu, nb, &nesp, old_cs, gsize, cdpl) ||
              push_inner(cpu, nb, &nesp, next_eip, gsize, cdpl);
        if (bad) {
            cpu->seg[S_SS] = saved;
            return -1;
        }
        cpu->regs[R_ESP] = nesp;
        seg_set_cs(cpu, tsel, clo, chi, cdpl);
    } else {
        if (push_return(cpu, next_eip, gsize) < 0)
            return -1;
        seg_set_cs(cpu, tsel, clo, chi, cpu->cpl);
    }
    cpu->eip = toff;
    return 0;
}

static int check_return_cs(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);

/* The CS:EIP popped by RET/IRET: checks (privilege, limit) and the
 * accessed bit; returns the new privilege level or -1 (fault raised). */
static int return_target(struct vcpu *cpu, uint32_t cs, uint32_t eip, unsigned osize,
                         uint32_t *lo, uint32_t *hi)
{
    int rpl = check_return_cs(cpu, (uint16_t)cs, lo, hi);
    if (rpl < 0 || beyond_limit(cpu, *lo, *hi, osize == 2 ? (eip & 0xFFFF) : eip) ||
        seg_mark_accessed(cpu, (uint16_t)cs, *hi) < 0)
        return -1;
    return rpl;
}

/* Checks the CS popped by RET/IRET; returns its privilege level or -1. */
static int check_return_cs(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, lo, hi) < 0 || !desc_is_code(*hi))
        return gp(cpu, sel);
    uint32_t rpl = sel & 3, dpl = desc_dpl(*hi);
    if (rpl < cpu->cpl)
        return gp(cpu, sel);
    if ((*hi & D_CONFORMING) ? dpl > rpl : dpl != rpl)
        return gp(cpu, sel);
    if (!(*hi & D_P))
        return np(cpu, sel);
    return (int)rpl;
}

int xfer_far_ret(struct vcpu *cpu, unsigned osize, uint32_t imm)
{
    uint32_t esp = cpu->regs[R_ESP], base = cpu->seg[S_SS].base;
    uint32_t eip, cs;
    if (rd(cpu, base + esp, osize, &eip) || rd(cpu, base + esp + osize, osize, &cs))
        return -1;
    uint32_t lo, hi;
    int rpl = return_target(cpu, cs, eip, osize, &lo, &hi);
    if (rpl < 0)
        return -1;
    uint32_t old_cpl = cpu->cpl;
    if ((uint32_t)rpl == old_cpl) {
        cpu->regs[R_ESP] = esp + 2 * osize + imm;
    } else {
        uint32_t nesp, nss;
        if (rd(cpu, base + esp + 2 * osize + imm, osize, &nesp) ||
            rd(cpu, base + esp + 3 * osize + imm, osize, &nss))
            return -1;
        if (seg_load_ss_for(cpu, (uint16_t)nss, (uint32_t)rpl, EXC_GP) < 0)
            return -1;
        cpu->regs[R_ESP] = (osize == 2 ? (nesp & 0xFFFF) : nesp) + imm;
    }
    seg_set_cs(cpu, (uint16_t)cs, lo, hi, (uint32_t)rpl);
    if ((uint32_t)rpl > old_cpl)
        seg_null_inaccessible(cpu);
    cpu->eip = osize == 2 ? (eip & 0xFFFF) : eip;
    return 0;
}

int xfer_iret(struct vcpu *cpu, unsigned osize, uint32_t next_eip)
{
    if (cpu->eflags & EFL_NT) {
        uint32_t link;
        rd(cpu, cpu->tss.base, 2, &link);
        return task_switch(cpu, (uint16_t)link, TS_IRET, next_eip, false, 0);
    }
    uint32_t esp = cpu->regs[R_ESP], base = cpu->seg[S_SS].base;
    uint32_t eip, cs, fl;
    if (rd(cpu, base + esp, osize, &eip) || rd(cpu, base + esp + osize, osize, &cs) ||
        rd(cpu, base + esp + 2 * osize, osize, &fl))
        return -1;
    if (osize == 4 && (fl & EFL_VM) && cpu->cpl == 0) {
        fprintf(stderr, "xbt: IRET to virtual-8086 mode is not implemented\n");
        stop_signal(&cpu->stop, STOP_ERROR, XBT_STATUS_ERROR);
        vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
        return -1;
    }
    uint32_t lo, hi;
    int rpl = return_target(cpu, cs, eip, osize, &lo, &hi);
    if (rpl < 0)
        return -1;
    uint32_t old_cpl = cpu->cpl;
    if ((uint32_t)rpl == old_cpl) {
        cpu->regs[R_ESP] = esp + 3 * osize;
    } else {
        uint32_t nesp, nss;
        if (rd(cpu, base + esp + 3 * osize, osize, &nesp) ||
            rd(cpu, base + esp + 4 * osize, osize, &nss))
            return -1;
        if (seg_load_ss_for(cpu, (uint16_t)nss, (uint32_t)rpl, EXC_GP) < 0)
            return -1;
        cpu->regs[R_ESP] = osize == 2 ? ((cpu->regs[R_ESP] & 0xFFFF0000u) | (nesp & 0xFFFF)) : nesp;
    }
    uint32_t mask = EFL_ARITH | EFL_TF | EFL_DF | EFL_NT | EFL_AC | EFL_ID | EFL_RF;
    if (old_cpl == 0)
        mask |= EFL_IOPL | EFL_IF;
    else if (old_cpl <= ((cpu->eflags >> 12) & 3))
        mask |= EFL_IF;
    if (osize == 2)
        mask &= 0xFFFF;
    cpu->eflags = (cpu->eflags & ~mask) | (fl & mask) | 2;
    seg_set_cs(cpu, (uint16_t)cs, lo, hi, (uint32_t)rpl);
    if ((uint32_t)rpl > old_cpl)
        seg_null_inaccessible(cpu);
    cpu->eip = osize == 2 ? (eip & 0xFFFF) : eip;
    return 0;
}
