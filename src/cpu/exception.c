/*
 * exception.c - guest events: faults and software interrupts raised by
 * helpers or by the host CPU inside translated code, and their delivery
 * through the guest IDT (interrupt and trap gates, same privilege level),
 * with double fault and triple fault (shutdown) escalation.
 *
 * Interrupt and trap gates to the same or an inner privilege level (stack
 * from the TSS), and task gates (a hardware task switch, src/task.c).  Not
 * here: real-mode IVT delivery and virtual-8086 mode.
 */
#include <stdio.h>

#include "mmu.h"
#include "cpu.h"
#include "desc.h"

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
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = vec, .has_err = has_err,
                                        .err = err });
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

/* Pushes on the stack described by ss_base/esp (operand size 4 or 2). */
static int push_on(struct vcpu *cpu, uint32_t ss_base, uint32_t *esp, uint32_t v, unsigned size,
                   bool user)
{
    *esp -= size;
    return cpu_write_as(cpu, ss_base + *esp, size, size == 2 ? (v & 0xFFFF) : v, user);
}

/* A fault raised while delivering (a #PF on the stack or a table): hand it
 * back to the escalation logic in vcpu_deliver_pending. */
static int take_fault(struct vcpu *cpu, uint32_t *err)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    *err = ev.err;
    return ev.kind == EV_NONE ? -1 : ev.vec;
}

/* One delivery attempt; returns the vector of a fault raised while
 * delivering (with *err), or -1 on success (or after a task switch). */
static int deliver_once(struct vcpu *cpu, int vec, bool soft, uint32_t ret_eip,
                        bool has_err, uint32_t err_in, uint32_t *err)
{
    uint32_t ext = soft ? 0 : 1;
    uint32_t idt_err = (uint32_t)vec * 8 + 2 + ext;
    if (!(cpu->cr0 & CR0_PE)) {
        *err = 0;
        return EXC_GP;   /* real-mode delivery is not implemented: escalate */
    }
    if ((uint32_t)vec * 8 + 7 > cpu->idtr.limit) {
        *err = idt_err;
        return EXC_GP;
    }
    uint32_t lo, hi;
    if (cpu_read_sys(cpu, cpu->idtr.base + (uint32_t)vec * 8, 4, &lo) ||
        cpu_read_sys(cpu, cpu->idtr.base + (uint32_t)vec * 8 + 4, 4, &hi))
        return take_fault(cpu, err);
    uint32_t type = desc_type(hi);
    uint32_t dpl = desc_dpl(hi);
    bool is32 = type == SYS_INT32 || type == SYS_TRAP32;
    bool is16 = type == SYS_INT16 || type == SYS_TRAP16;
    if ((hi & D_S) || (!is32 && !is16 && type != SYS_TASK)) {
        *err = idt_err;
        return EXC_GP;
    }
    if (soft && dpl < cpu->cpl) {
        *err = (uint32_t)vec * 8 + 2;
        return EXC_GP;
    }
    if (!(hi & D_P)) {
        *err = idt_err;
        return EXC_NP;
    }
    uint16_t sel = (uint16_t)(lo >> 16);
    if (type == SYS_TASK) {
        if (task_switch(cpu, sel, TS_INT, ret_eip, has_err, err_in) < 0)
            return take_fault(cpu, err);   /* the switch's own fault: deliver it next */
        return -1;
    }
    uint32_t off = (lo & 0xFFFF) | (is32 ? (hi & 0xFFFF0000u) : 0);
    uint32_t clo, chi;
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &clo, &chi) < 0 || !desc_is_code(chi) ||
        desc_dpl(chi) > cpu->cpl) {
        *err = (sel & ~3u) + ext;
        return EXC_GP;
    }
    if (!(chi & D_P)) {
        *err = (sel & ~3u) + ext;
        return EXC_NP;
    }
    if (seg_mark_accessed(cpu, sel, chi) < 0)
        return take_fault(cpu, err);
    uint32_t cdpl = desc_dpl(chi);
    bool conforming = chi & D_CONFORMING;
    unsigned size = is32 ? 4 : 2;
    uint32_t eflags = cpu->eflags;
    uint32_t old_cs = cpu->seg[S_CS].sel;
    uint32_t new_cpl = cpu->cpl;
    if (!conforming && cdpl < cpu->cpl) {
        /* inner privilege: stack from the TSS, old SS:ESP saved on it */
        uint16_t nss;
        uint32_t nesp;
        uint32_t old_ss = cpu->seg[S_SS].sel, old_esp = cpu->regs[R_ESP];
        struct seg_cache saved_ss = cpu->seg[S_SS];
        if (tss_inner_stack(cpu, cdpl, &nss, &nesp) < 0 ||
            seg_load_ss_for(cpu, nss, cdpl, EXC_TS) < 0) {
            cpu->seg[S_SS] = saved_ss;
            int v = take_fault(cpu, err);
            *err |= ext;
            return v;
        }
        uint32_t base = cpu->seg[S_SS].base;
        bool u = cdpl == 3;
        if (push_on(cpu, base, &nesp, old_ss, size, u) || push_on(cpu, base, &nesp, old_esp, size, u) ||
            push_on(cpu, base, &nesp, eflags, size, u) || push_on(cpu, base, &nesp, old_cs, size, u) ||
            push_on(cpu, base, &nesp, ret_eip, size, u) ||
            (has_err && push_on(cpu, base, &nesp, err_in, size, u))) {
            cpu->seg[S_SS] = saved_ss;
            return take_fault(cpu, err);
        }
        cpu->regs[R_ESP] = nesp;
        new_cpl = cdpl;
    } else {
        uint32_t esp = cpu->regs[R_ESP], base = cpu->seg[S_SS].base;
        bool u = cpu->cpl == 3;
        if (push_on(cpu, base, &esp, eflags, size, u) || push_on(cpu, base, &esp, old_cs, size, u) ||
            push_on(cpu, base, &esp, ret_eip, size, u) ||
            (has_err && push_on(cpu, base, &esp, err_in, size, u)))
            return take_fault(cpu, err);
        cpu->regs[R_ESP] = esp;
    }
    seg_set_cs(cpu, sel, clo, chi, new_cpl);
    cpu->eip = off;
    cpu->eflags &= ~(EFL_TF | EFL_NT | EFL_RF | EFL_VM);
    if (type == SYS_INT32 || type == SYS_INT16)
        cpu->eflags &= ~EFL_IF;
    return -1;
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
            fprintf(stderr, "xbt: int %#x%s at %#x err=%#x\n", vec, soft ? " (soft)" : "",
                    cpu->eip, has_err ? err : 0);
        uint32_t nerr = 0;
        int nvec = deliver_once(cpu, vec, soft, ret, has_err, err, &nerr);
        cpu->helper_exit = 0;   /* vcpu_raise inside delivery is not a helper exit */
        if (nvec < 0)
            return 0;
        if (vec == EXC_DF)
            break;   /* a fault while delivering #DF: shutdown */
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
