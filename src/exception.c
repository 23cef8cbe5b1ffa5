/*
 * exception.c - guest events: faults and software interrupts raised by
 * helpers or by the host CPU inside translated code, and their delivery
 * through the guest IDT (interrupt and trap gates, same privilege level),
 * with double fault and triple fault (shutdown) escalation.
 *
 * Not yet here (system-virtualization issue): privilege changes through the
 * TSS, task gates, real-mode IVT delivery.
 */
#include <stdio.h>

#include "machine.h"
#include "mmu.h"
#include "vcpu.h"

void vcpu_exit_at(struct vcpu *cpu, uint32_t eip, enum vcpu_exit why)
{
    cpu->eip = eip;
    cpu->exit_reason = why;
    cpu->chain_info = 0;
    cpu->helper_exit = 1;
}

void vcpu_raise(struct vcpu *cpu, int vec, uint32_t err, bool has_err)
{
    cpu->pending_exc = vec;
    cpu->pending_err = err;
    cpu->pending_has_err = has_err;
    cpu->pending_soft = false;
    vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
}

void vcpu_soft_int(struct vcpu *cpu, int vec, uint32_t ret_eip)
{
    cpu->pending_exc = vec;
    cpu->pending_err = 0;
    cpu->pending_has_err = false;
    cpu->pending_soft = true;
    cpu->pending_ret = ret_eip;
    vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
}

static bool is_contributory(int v)
{
    return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

static int push32(struct vcpu *cpu, uint32_t *esp, uint32_t v)
{
    *esp -= 4;
    return mmu_write(cpu, cpu->seg[S_SS].base + *esp, 4, v);
}

/* One delivery attempt; returns the vector of a fault raised while
 * delivering (with *err), or -1 on success. */
static int deliver_once(struct vcpu *cpu, int vec, bool soft, uint32_t ret_eip,
                        bool has_err, uint32_t err_in, uint32_t *err)
{
    uint32_t ext = soft ? 0 : 1;
    if (!(cpu->cr0 & CR0_PE)) {
        *err = 0;
        return EXC_GP;   /* real-mode delivery is not implemented: escalate */
    }
    if ((uint32_t)vec * 8 + 7 > cpu->idtr.limit) {
        *err = (uint32_t)vec * 8 + 2 + ext;
        return EXC_GP;
    }
    uint32_t lo, hi;
    mmu_read(cpu, cpu->idtr.base + (uint32_t)vec * 8, 4, &lo);
    mmu_read(cpu, cpu->idtr.base + (uint32_t)vec * 8 + 4, 4, &hi);
    uint32_t type = (hi >> 8) & 0x1F;
    uint32_t dpl = (hi >> 13) & 3;
    bool is32 = type == 0x0E || type == 0x0F;
    bool is16 = type == 0x06 || type == 0x07;
    if (!is32 && !is16) {   /* task gates: later issue */
        *err = (uint32_t)vec * 8 + 2 + ext;
        return EXC_GP;
    }
    if (soft && dpl < cpu->cpl) {
        *err = (uint32_t)vec * 8 + 2;
        return EXC_GP;
    }
    if (!(hi & (1u << 15))) {
        *err = (uint32_t)vec * 8 + 2 + ext;
        return EXC_NP;
    }
    uint16_t sel = (uint16_t)(lo >> 16);
    uint32_t off = (lo & 0xFFFF) | (is32 ? (hi & 0xFFFF0000u) : 0);
    uint32_t clo, chi;
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &clo, &chi) < 0) {
        *err = (sel & ~3u) + ext;
        return EXC_GP;
    }
    if (!(chi & (1u << 12)) || !(chi & (1u << 11))) {
        *err = (sel & ~3u) + ext;
        return EXC_GP;
    }
    if (!(chi & (1u << 15))) {
        *err = (sel & ~3u) + ext;
        return EXC_NP;
    }
    uint32_t cdpl = (chi >> 13) & 3;
    bool conforming = chi & (1u << 10);
    if (!conforming && cdpl < cpu->cpl) {
        /* inter-privilege delivery through the TSS: system issue */
        *err = (sel & ~3u) + ext;
        return EXC_GP;
    }
    uint32_t eflags = cpu->eflags;
    uint32_t esp = cpu->regs[R_ESP];
    if (is32) {
        push32(cpu, &esp, eflags);
        push32(cpu, &esp, cpu->seg[S_CS].sel);
        push32(cpu, &esp, ret_eip);
        if (has_err)
            push32(cpu, &esp, err_in);
    } else {
        uint32_t vals[4] = {eflags & 0xFFFF, cpu->seg[S_CS].sel, ret_eip & 0xFFFF, err_in & 0xFFFF};
        for (int k = 0; k < (has_err ? 4 : 3); k++) {
            esp -= 2;
            mmu_write(cpu, cpu->seg[S_SS].base + esp, 2, vals[k]);
        }
    }
    cpu->regs[R_ESP] = esp;
    seg_set_cache(&cpu->seg[S_CS], (uint16_t)((sel & ~3u) | cpu->cpl), clo, chi);
    cpu->eip = off;
    cpu->eflags &= ~(EFL_TF | EFL_NT | EFL_RF | EFL_VM);
    if (!(type & 1))
        cpu->eflags &= ~EFL_IF;
    return -1;
}

int vcpu_deliver_pending(struct vcpu *cpu)
{
    struct machine *m = cpu->m;
    int vec = cpu->pending_exc;
    bool soft = cpu->pending_soft;
    bool has_err = cpu->pending_has_err;
    uint32_t err = cpu->pending_err;
    uint32_t ret = soft ? cpu->pending_ret : cpu->eip;
    cpu->pending_exc = -1;
    int first = vec;
    for (int depth = 0; depth < 3; depth++) {
        if (m->cfg.debug_flags & XBT_LOG_INT)
            fprintf(stderr, "xbt: int %#x%s at %#x err=%#x\n", vec, soft ? " (soft)" : "",
                    cpu->eip, has_err ? err : 0);
        uint32_t nerr = 0;
        int nvec = deliver_once(cpu, vec, soft, ret, has_err, err, &nerr);
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
    machine_request_stop(m, STOP_TRIPLE_FAULT, XBT_STATUS_TRIPLE_FAULT);
    return -1;
}
