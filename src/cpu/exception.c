/*
 * exception.c - guest events: faults and software interrupts raised by
 * helpers or by the host CPU inside translated code, and their delivery
 * through the guest IDT (interrupt and trap gates, same privilege level),
 * with double fault and triple fault (shutdown) escalation.
 *
 * Interrupt and trap gates to the same or an inner privilege level (stack
 * from the TSS), and task gates (a hardware task switch, src/task.c).  Real
 * mode delivers through the IVT (realmode.c); leaving virtual-8086 mode
 * through a gate is v86.c's.
 */
#include <stdio.h>

#include "mmu.h"
#include "cpu.h"
#include "desc.h"
#include "realmode.h"

void vcpu_exit_at(struct vcpu *cpu, uint32_t eip, enum vcpu_exit why)
{
    cpu->eip = eip;
    cpu->exit_reason = why;
    cpu->chain_info = 0;
    cpu->helper_exit = 1;
}

void vcpu_pend(struct vcpu *cpu, struct vcpu_event ev)
{
    cpu->pending = ev;
}

struct vcpu_event vcpu_take_pending(struct vcpu *cpu)
{
    struct vcpu_event ev = cpu->pending;
    cpu->pending.kind = EV_NONE;
    return ev;
}

void vcpu_raise(struct vcpu *cpu, int vec, uint32_t err, bool has_err)
{
    if (vcpu_has_pending(cpu) && cpu->pending.kind != EV_SOFT) {
        /* the first fault of an instruction wins (a #PF reading a
         * descriptor table is not turned into the #GP its caller raises) */
        vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
        return;
    }
    vcpu_pend(cpu,
              (struct vcpu_event){ .kind = EV_FAULT, .vec = vec, .has_err = has_err, .err = err });
    vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
}

void vcpu_soft_int(struct vcpu *cpu, int vec, uint32_t ret_eip)
{
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_SOFT, .vec = vec, .ret = ret_eip });
    vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
}

void vcpu_raise_trap(struct vcpu *cpu, int vec, uint32_t ret_eip)
{
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_TRAP, .vec = vec, .ret = ret_eip });
    vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
}

static bool is_contributory(int v)
{
    return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

/* A fault raised by a delivery step: its vector (-1: none was pending,
 * see take_fault) and error code. */
struct dfault {
    int vec;
    uint32_t err;
};

static int fail(struct dfault *f, int vec, uint32_t err)
{
    f->vec = vec;
    f->err = err;
    return -1;
}

/* A fault raised while delivering (a #PF on the stack or a table): hand it
 * back to the escalation logic in vcpu_deliver_pending. */
static int take_fault(struct vcpu *cpu, struct dfault *f)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    return fail(f, ev.kind == EV_NONE ? -1 : ev.vec, ev.err);
}

/* The event being delivered. */
struct delivery {
    int vec;
    bool soft;        /* INT n: the gate's DPL is checked */
    uint32_t ret_eip; /* the EIP pushed */
    bool has_err;
    uint32_t err; /* the error code pushed */
    uint32_t ext; /* the EXT bit of error codes raised while delivering */
};

/* What the IDT entry leads to. */
struct idt_target {
    uint32_t type;     /* SYS_INT32, SYS_TRAP16, SYS_TASK, ... */
    uint16_t sel;      /* the code segment, or the TSS of a task gate */
    uint32_t off;      /* the entry point */
    unsigned size;     /* 4 (32-bit gate) or 2: the size of each push */
    uint32_t clo, chi; /* the code segment's descriptor */
};

/* Reads and checks IDT entry d->vec (protected mode): within the IDT limit (#GP), an
 * interrupt, trap or task gate (#GP), DPL >= CPL for INT n (#GP),
 * present (#NP). */
static int idt_gate(struct vcpu *cpu, const struct delivery *d, struct idt_target *tg,
                    struct dfault *f)
{
    uint32_t vec8 = (uint32_t)d->vec * 8, idt_err = vec8 + 2 + d->ext;
    uint32_t lo, hi;
    if (vec8 + 7 > cpu->idtr.limit)
        return fail(f, EXC_GP, idt_err);
    uint32_t gate[2];
    if (cpu_read_block(cpu, cpu->idtr.base + vec8, 2, 4, gate, false) < 0)
        return take_fault(cpu, f);
    lo = gate[0];
    hi = gate[1];
    uint32_t type = desc_type(hi);
    bool is32 = type == SYS_INT32 || type == SYS_TRAP32;
    bool is16 = type == SYS_INT16 || type == SYS_TRAP16;
    if ((hi & D_S) || (!is32 && !is16 && type != SYS_TASK))
        return fail(f, EXC_GP, idt_err);
    if (d->soft && desc_dpl(hi) < cpu->cpl)
        return fail(f, EXC_GP, vec8 + 2);
    if (!(hi & D_P))
        return fail(f, EXC_NP, idt_err);
    tg->type = type;
    tg->sel = (uint16_t)(lo >> 16);
    tg->off = (lo & 0xFFFF) | (is32 ? (hi & 0xFFFF0000u) : 0);
    tg->size = is32 ? 4 : 2;
    return 0;
}

/* The code segment of an interrupt or trap gate: a code segment with
 * DPL <= CPL (#GP), present (#NP); then marked accessed. */
static int gate_code(struct vcpu *cpu, const struct delivery *d, struct idt_target *tg,
                     struct dfault *f)
{
    uint16_t sel = tg->sel;
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &tg->clo, &tg->chi) < 0 ||
        !desc_is_code(tg->chi) || desc_dpl(tg->chi) > cpu->cpl)
        return fail(f, EXC_GP, (sel & ~3u) + d->ext);
    if (!(tg->chi & D_P))
        return fail(f, EXC_NP, (sel & ~3u) + d->ext);
    if (seg_mark_accessed(cpu, sel, tg->chi) < 0)
        return take_fault(cpu, f);
    return 0;
}

/* Pushes EFLAGS, CS, the return EIP and the error code (if any) at *esp
 * on the current SS, after the words in pre[0..npre) (the outer SS and
 * ESP of a stack switch): one translation when the frame lies in one page
 * (cpu_push_block), else element by element, the first fault winning.
 * A frame beyond SS's limit is #SS: the new SS's selector on a switch,
 * else 0, with EXT. */
static int push_frame(struct vcpu *cpu, const struct delivery *d, unsigned size, uint32_t *esp,
                      bool user, const uint32_t *pre, unsigned npre)
{
    uint32_t v[7];
    unsigned n = 0;
    for (unsigned k = 0; k < npre; k++)
        v[n++] = pre[k];
    v[n++] = cpu->eflags;
    v[n++] = cpu->seg[S_CS].sel;
    v[n++] = d->ret_eip;
    if (d->has_err)
        v[n++] = d->err;
    uint32_t ss_err = (npre ? cpu->seg[S_SS].sel & ~3u : 0) | d->ext;
    if (seg_stack_check(cpu, cpu_sp_sub(cpu, *esp, n * size), n * size, ss_err) < 0)
        return -1;
    return cpu_push_block(cpu, cpu->seg[S_SS].base, esp, n, size, v, user);
}

/* To an inner privilege level: SS:ESP from the TSS (a fault there gets
 * EXT), the old SS and ESP pushed first.  A fault puts SS back. */
static int push_inner_frame(struct vcpu *cpu, const struct delivery *d, const struct idt_target *tg,
                            struct dfault *f)
{
    uint32_t cdpl = desc_dpl(tg->chi), old_esp = cpu->regs[R_ESP];
    struct seg_cache saved_ss = cpu->seg[S_SS];
    uint16_t nss;
    uint32_t nesp;
    if (tss_inner_stack(cpu, cdpl, &nss, &nesp) < 0 ||
        seg_load_ss_for(cpu, nss, cdpl, EXC_TS) < 0) {
        cpu->seg[S_SS] = saved_ss;
        take_fault(cpu, f);
        f->err |= d->ext;
        return -1;
    }
    nesp = cpu_sp_switch(cpu, old_esp, nesp);
    uint32_t outer[2] = { saved_ss.sel, old_esp };
    if (push_frame(cpu, d, tg->size, &nesp, cdpl == 3, outer, 2) < 0) {
        cpu->seg[S_SS] = saved_ss;
        return take_fault(cpu, f);
    }
    cpu->regs[R_ESP] = nesp;
    return 0;
}

/* Through an interrupt or trap gate: the frame on the same or an inner
 * stack, then CS:EIP, the CPL and the flags (IF cleared by interrupt
 * gates). */
static int enter_gate(struct vcpu *cpu, const struct delivery *d, struct idt_target *tg,
                      struct dfault *f)
{
    if (gate_code(cpu, d, tg, f) < 0)
        return -1;
    if (cpu->eflags & EFL_VM) { /* out of virtual-8086 mode: v86.c */
        struct v86_gate g = { tg->sel, tg->clo,  tg->chi,
                              tg->off, tg->size, tg->type == SYS_INT32 || tg->type == SYS_INT16 };
        uint32_t e;
        int v = v86_deliver(cpu, &g, d->ret_eip, d->has_err, d->err, &e);
        return v < 0 ? 0 : fail(f, v, e + (e ? d->ext : 0));
    }
    uint32_t cdpl = desc_dpl(tg->chi), new_cpl = cpu->cpl;
    if (!(tg->chi & D_CONFORMING) && cdpl < cpu->cpl) {
        if (push_inner_frame(cpu, d, tg, f) < 0)
            return -1;
        new_cpl = cdpl;
    } else {
        uint32_t esp = cpu->regs[R_ESP];
        if (push_frame(cpu, d, tg->size, &esp, cpu->cpl == 3, NULL, 0) < 0)
            return take_fault(cpu, f);
        cpu->regs[R_ESP] = esp;
    }
    seg_set_cs(cpu, tg->sel, tg->clo, tg->chi, new_cpl);
    cpu->eip = tg->off;
    cpu->eflags &= ~(EFL_TF | EFL_NT | EFL_RF | EFL_VM);
    if (tg->type == SYS_INT32 || tg->type == SYS_INT16)
        cpu->eflags &= ~EFL_IF;
    return 0;
}

/* Through a task gate: a task switch (whose own fault is delivered next). */
static int enter_task(struct vcpu *cpu, const struct delivery *d, const struct idt_target *tg,
                      struct dfault *f)
{
    if (task_switch(cpu, tg->sel, TS_INT, d->ret_eip, d->has_err, d->err) < 0)
        return take_fault(cpu, f);
    return 0;
}

/* One delivery attempt; returns the vector of a fault raised while
 * delivering (with *err), or -1 on success (or after a task switch). */
static int deliver_once(struct vcpu *cpu, int vec, bool soft, uint32_t ret_eip, bool has_err,
                        uint32_t err_in, uint32_t *err)
{
    struct delivery d = { .vec = vec,
                          .soft = soft,
                          .ret_eip = ret_eip,
                          .has_err = has_err,
                          .err = err_in,
                          .ext = soft ? 0 : 1 };
    struct idt_target tg;
    struct dfault f;
    if (!(cpu->cr0 & CR0_PE))
        return rm_deliver(cpu, vec, ret_eip, err); /* the IVT: realmode.c */
    int rc = idt_gate(cpu, &d, &tg, &f);
    if (rc == 0)
        rc = tg.type == SYS_TASK ? enter_task(cpu, &d, &tg, &f) : enter_gate(cpu, &d, &tg, &f);
    if (rc == 0)
        return -1;
    *err = f.err;
    return f.vec;
}

int vcpu_deliver_pending(struct vcpu *cpu)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    int vec = ev.vec;
    bool soft = ev.kind == EV_SOFT;
    bool has_err = ev.has_err;
    uint32_t err = ev.err;
    uint32_t ret = ev.kind == EV_SOFT || ev.kind == EV_TRAP ? ev.ret : cpu->eip;
    int first = vec;
    for (int depth = 0; depth < 3; depth++) {
        if (cpu->log_flags & XBT_LOG_INT)
            fprintf(stderr, "xbt: int %#x%s at %#x err=%#x\n", vec, soft ? " (soft)" : "", cpu->eip,
                    has_err ? err : 0);
        if (vec == EXC_DB && !soft)
            cpu->dr[7] &= ~DR7_GD; /* the handler may use the debug registers */
        uint32_t nerr = 0;
        int nvec = deliver_once(cpu, vec, soft, ret, has_err, err, &nerr);
        cpu->helper_exit = 0; /* vcpu_raise inside delivery is not a helper exit */
        if (nvec < 0)
            return 0;
        if (vec == EXC_DF)
            break; /* a fault while delivering #DF: shutdown */
        if ((is_contributory(first) && is_contributory(nvec)) ||
            (first == EXC_PF && (nvec == EXC_PF || is_contributory(nvec)))) {
            vec = EXC_DF;
            err = 0;
        } else {
            vec = nvec;
            err = nerr;
        }
        first = vec;
        has_err = true;
        soft = false;
        ret = cpu->eip;
    }
    fprintf(stderr, "xbt: triple fault (shutdown) at EIP=%#010x\n", cpu->eip);
    vcpu_dump(cpu, stderr);
    stop_signal(&cpu->stop, STOP_TRIPLE_FAULT, XBT_STATUS_TRIPLE_FAULT);
    return -1;
}
