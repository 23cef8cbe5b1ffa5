/*
 * transfer.c - far control transfers in protected mode: far JMP and CALL
 * (code segments, call gates with inner-privilege stack switch and
 * parameter copy, TSS and task gates), far RET and IRET (same and outer
 * privilege level, IRET with NT as a task return).  Real mode and V86 go
 * to realmode.c (IRET into V86 from CPL 0: v86.c).
 */
#include <stdio.h>

#include "desc.h"
#include "mmu.h"
#include "transfer.h"
#include "realmode.h"
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

/* n words of osize at stack offset sp of the current SS into v, lowest
 * first, with the privilege of the CPL; a 16-bit stack (SS.B clear) wraps
 * within 64 KiB.  Beyond SS's limit: #SS(0). */
static int rd_stack(struct vcpu *cpu, uint32_t sp, unsigned n, unsigned osize, uint32_t *v)
{
    uint32_t m = cpu_sp_mask(cpu);
    if (seg_stack_check(cpu, sp, n * osize, 0) < 0)
        return -1;
    if ((sp & m) + n * osize - 1 <= m)
        return cpu_read_block(cpu, cpu_stack_lin(cpu, sp), n, osize, v, cpu->cpl == 3);
    for (unsigned k = 0; k < n; k++)
        if (cpu_read_block(cpu, cpu_stack_lin(cpu, sp + k * osize), 1, osize, &v[k], cpu->cpl == 3))
            return -1;
    return 0;
}

static int push_on(struct vcpu *cpu, uint32_t ss_base, uint32_t *esp, uint32_t v, unsigned size)
{
    *esp = cpu_sp_sub(cpu, *esp, size);
    return cpu_write(cpu, ss_base + (*esp & cpu_sp_mask(cpu)), size, size == 2 ? (v & 0xFFFF) : v);
}

/* Same-level far CALL: pushes CS and the return EIP (beyond SS's limit:
 * #SS(0)); ESP changes only if both pushes succeeded. */
static int push_return(struct vcpu *cpu, uint32_t next_eip, unsigned size)
{
    uint32_t esp = cpu->regs[R_ESP], base = cpu->seg[S_SS].base;
    if (seg_stack_check(cpu, cpu_sp_sub(cpu, esp, 2 * size), 2 * size, 0) < 0 ||
        push_on(cpu, base, &esp, cpu->seg[S_CS].sel, size) ||
        push_on(cpu, base, &esp, next_eip, size))
        return -1;
    cpu->regs[R_ESP] = esp;
    return 0;
}

/* pushes on an inner stack, with the privilege of that stack */
static int push_inner(struct vcpu *cpu, uint32_t ss_base, uint32_t *esp, uint32_t v, unsigned size,
                      uint32_t cpl)
{
    *esp = cpu_sp_sub(cpu, *esp, size);
    return cpu_write_as(cpu, ss_base + (*esp & cpu_sp_mask(cpu)), size,
                        size == 2 ? (v & 0xFFFF) : v, cpl == 3);
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

/* A far JMP or CALL: xfer_far's arguments. */
struct far_req {
    uint16_t sel;
    uint32_t off;
    unsigned osize;
    bool call;
    uint32_t next_eip; /* the return address of a CALL */
};

/* JMP/CALL straight to a code segment, at the current privilege level. */
static int far_direct(struct vcpu *cpu, const struct far_req *r, uint32_t lo, uint32_t hi)
{
    uint32_t eip = r->osize == 2 ? (r->off & 0xFFFF) : r->off;
    if (check_code_same(cpu, r->sel, hi) < 0)
        return -1;
    if (beyond_limit(cpu, lo, hi, eip) || seg_mark_accessed(cpu, r->sel, hi) < 0)
        return -1;
    if (r->call && push_return(cpu, r->next_eip, r->osize) < 0)
        return -1;
    seg_set_cs(cpu, r->sel, lo, hi, cpu->cpl);
    cpu->eip = eip;
    return 0;
}

/* A system descriptor named by a far JMP/CALL (TSS, task gate, call
 * gate): DPL >= CPL and >= RPL (#GP), present (#NP). */
static int check_sys_target(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    uint32_t dpl = desc_dpl(hi);
    if (dpl < cpu->cpl || dpl < (sel & 3u))
        return gp(cpu, sel);
    if (!(hi & D_P))
        return np(cpu, sel);
    return 0;
}

/* What a call gate leads to. */
struct gate {
    uint16_t sel;     /* the target code segment */
    uint32_t lo, hi;  /* its descriptor */
    uint32_t off;     /* the entry point */
    unsigned size;    /* 4 (32-bit gate) or 2: the size of each push */
    unsigned nparams; /* parameters copied to an inner stack */
    uint32_t params[32];
};

/* The code segment of call gate (lo, hi): a code segment with DPL <= CPL
 * (#GP), present (#NP), the entry point within its limit (#GP(0)); then
 * marked accessed. */
static int gate_target(struct vcpu *cpu, uint32_t lo, uint32_t hi, struct gate *g)
{
    bool g32 = desc_type(hi) == SYS_CALL32;
    g->sel = (uint16_t)(lo >> 16);
    g->off = (lo & 0xFFFF) | (g32 ? (hi & 0xFFFF0000u) : 0);
    g->size = g32 ? 4 : 2;
    g->nparams = hi & 0x1F;
    if ((g->sel & ~3u) == 0 || seg_read_desc(cpu, g->sel, &g->lo, &g->hi) < 0 ||
        !desc_is_code(g->hi) || desc_dpl(g->hi) > cpu->cpl)
        return gp(cpu, g->sel);
    if (!(g->hi & D_P))
        return np(cpu, g->sel);
    if (beyond_limit(cpu, g->lo, g->hi, g->off) || seg_mark_accessed(cpu, g->sel, g->hi) < 0)
        return -1;
    return 0;
}

/* The frame of a CALL through a gate to an inner level, pushed at *esp
 * on the new stack with its privilege: old SS, old ESP, the parameters,
 * old CS, the return EIP (beyond the new SS's limit: #SS(new SS)). */
static int push_gate_frame(struct vcpu *cpu, const struct gate *g, uint32_t old_ss,
                           uint32_t old_esp, uint32_t next_eip, uint32_t *esp)
{
    uint32_t base = cpu->seg[S_SS].base, cdpl = desc_dpl(g->hi);
    unsigned size = g->size, bytes = (4 + g->nparams) * size;
    if (seg_stack_check(cpu, cpu_sp_sub(cpu, *esp, bytes), bytes, cpu->seg[S_SS].sel & ~3u) < 0)
        return -1;
    bool bad = push_inner(cpu, base, esp, old_ss, size, cdpl) ||
               push_inner(cpu, base, esp, old_esp, size, cdpl);
    for (unsigned k = g->nparams; k-- > 0 && !bad;)
        bad = push_inner(cpu, base, esp, g->params[k], size, cdpl);
    bad = bad || push_inner(cpu, base, esp, cpu->seg[S_CS].sel, size, cdpl) ||
          push_inner(cpu, base, esp, next_eip, size, cdpl);
    return bad ? -1 : 0;
}

/* CALL through a gate to an inner privilege level: the parameters are
 * read from the old stack, the new SS:ESP come from the TSS, then the
 * frame is pushed.  A fault puts SS back; ESP, CS and EIP change last. */
static int call_gate_inner(struct vcpu *cpu, struct gate *g, uint32_t next_eip)
{
    uint32_t cdpl = desc_dpl(g->hi), old_esp = cpu->regs[R_ESP];
    struct seg_cache saved = cpu->seg[S_SS];
    uint16_t nss;
    uint32_t nesp;
    uint32_t m = (saved.flags & (1u << 22)) ? 0xFFFFFFFFu : 0xFFFFu; /* the old SS.B */
    for (unsigned k = 0; k < g->nparams; k++)
        if (rd(cpu, saved.base + ((old_esp + k * g->size) & m), g->size, &g->params[k]))
            return -1;
    if (tss_inner_stack(cpu, cdpl, &nss, &nesp) < 0 ||
        seg_load_ss_for(cpu, nss, cdpl, EXC_TS) < 0 ||
        (nesp = cpu_sp_switch(cpu, old_esp, nesp),
         push_gate_frame(cpu, g, saved.sel, old_esp, next_eip, &nesp) < 0)) {
        cpu->seg[S_SS] = saved;
        return -1;
    }
    cpu->regs[R_ESP] = nesp;
    seg_set_cs(cpu, g->sel, g->lo, g->hi, cdpl);
    cpu->eip = g->off;
    return 0;
}

/* JMP or CALL through a call gate.  A JMP stays at the current privilege
 * level (a non-conforming target must have DPL = CPL); a CALL to a
 * non-conforming segment of higher privilege switches stacks. */
static int far_gate(struct vcpu *cpu, const struct far_req *r, uint32_t lo, uint32_t hi)
{
    struct gate g;
    if (gate_target(cpu, lo, hi, &g) < 0)
        return -1;
    bool conforming = g.hi & D_CONFORMING;
    uint32_t cdpl = desc_dpl(g.hi);
    if (!r->call) {
        if (!conforming && cdpl != cpu->cpl)
            return gp(cpu, g.sel);
    } else if (!conforming && cdpl < cpu->cpl) {
        return call_gate_inner(cpu, &g, r->next_eip);
    } else if (push_return(cpu, r->next_eip, g.size) < 0) {
        return -1;
    }
    seg_set_cs(cpu, g.sel, g.lo, g.hi, cpu->cpl);
    cpu->eip = g.off;
    return 0;
}

int xfer_far(struct vcpu *cpu, uint16_t sel, uint32_t off, unsigned osize, bool call,
             uint32_t next_eip)
{
    struct far_req r = {
        .sel = sel, .off = off, .osize = osize, .call = call, .next_eip = next_eip
    };
    uint32_t lo, hi;
    if (rm_segments(cpu))
        return rm_far(cpu, sel, off, osize, call, next_eip);
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &lo, &hi) < 0)
        return gp(cpu, sel);
    if (hi & D_S)
        return far_direct(cpu, &r, lo, hi);
    uint32_t type = desc_type(hi);
    bool gate = type == SYS_CALL32 || type == SYS_CALL16;
    if (!gate && type != SYS_TSS32 && type != SYS_TSS16 && type != SYS_TASK)
        return gp(cpu, sel);
    if (check_sys_target(cpu, sel, hi) < 0)
        return -1;
    if (gate)
        return far_gate(cpu, &r, lo, hi);
    uint16_t tss = type == SYS_TASK ? (uint16_t)(lo >> 16) : sel;
    return task_switch(cpu, tss, call ? TS_CALL : TS_JMP, next_eip, false, 0);
}

static int check_return_cs(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);

/* The CS:EIP popped by RET/IRET: checks (privilege, limit) and the
 * accessed bit; returns the new privilege level or -1 (fault raised). */
static int return_target(struct vcpu *cpu, uint32_t cs, uint32_t eip, unsigned osize, uint32_t *lo,
                         uint32_t *hi)
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
    if (rm_segments(cpu))
        return rm_far_ret(cpu, osize, imm);
    uint32_t esp = cpu->regs[R_ESP];
    uint32_t w[2];
    if (rd_stack(cpu, esp, 2, osize, w) < 0)
        return -1;
    uint32_t eip = w[0], cs = w[1];
    uint32_t lo, hi;
    int rpl = return_target(cpu, cs, eip, osize, &lo, &hi);
    if (rpl < 0)
        return -1;
    uint32_t old_cpl = cpu->cpl;
    if ((uint32_t)rpl == old_cpl) {
        cpu_set_sp(cpu, esp + 2 * osize + imm);
    } else {
        uint32_t o[2];
        if (rd_stack(cpu, esp + 2 * osize + imm, 2, osize, o) < 0)
            return -1;
        uint32_t nesp = o[0], nss = o[1];
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
    if (rm_segments(cpu))
        return (cpu->cr0 & CR0_PE) ? v86_iret(cpu, osize) : rm_iret(cpu, osize);
    if (cpu->eflags & EFL_NT) {
        /* the back link: an implicit supervisor read of the current TSS */
        uint32_t link;
        if (cpu_read_sys(cpu, cpu->tss.base, 2, &link) < 0)
            return -1;
        return task_switch(cpu, (uint16_t)link, TS_IRET, next_eip, false, 0);
    }
    uint32_t esp = cpu->regs[R_ESP];
    uint32_t w[3];
    if (rd_stack(cpu, esp, 3, osize, w) < 0)
        return -1;
    uint32_t eip = w[0], cs = w[1], fl = w[2];
    if (osize == 4 && (fl & EFL_VM) && cpu->cpl == 0)
        return v86_iret_enter(cpu); /* v86.c */
    uint32_t lo, hi;
    int rpl = return_target(cpu, cs, eip, osize, &lo, &hi);
    if (rpl < 0)
        return -1;
    uint32_t old_cpl = cpu->cpl;
    if ((uint32_t)rpl == old_cpl) {
        cpu_set_sp(cpu, esp + 3 * osize);
    } else {
        uint32_t o[2];
        if (rd_stack(cpu, esp + 3 * osize, 2, osize, o) < 0)
            return -1;
        uint32_t nesp = o[0], nss = o[1];
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
