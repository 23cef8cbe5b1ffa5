/*
 * v86.c - virtual-8086 mode: entering it by IRET from CPL 0 with VM set
 * in the popped EFLAGS, leaving it by an interrupt or exception through a
 * 32-bit (or 16-bit) interrupt or trap gate to a CPL-0 code segment, and
 * the IOPL-sensitive instructions that trap to the monitor at IOPL < 3.
 * Segment loads, far transfers and the stack are real mode's
 * (realmode.c).  CR4.VME/PVI (virtual interrupt flags, the redirection
 * bitmap) are not implemented: V86 behaves as with VME = 0.
 */
#include "cpu.h"
#include "desc.h"
#include "realmode.h"

bool v86_iopl_trap(struct vcpu *cpu)
{
    if (!(cpu->eflags & EFL_VM) || (cpu->eflags & EFL_IOPL) == EFL_IOPL)
        return false;
    cpu->st.v86_traps++;
    vcpu_raise(cpu, EXC_GP, 0, true);
    return true;
}

int v86_iret_enter(struct vcpu *cpu)
{
    uint32_t esp = cpu->regs[R_ESP], v[9];
    for (int k = 0; k < 9; k++)
        if (cpu_read(cpu, cpu_stack_lin(cpu, esp + 4 * (uint32_t)k), 4, &v[k]))
            return -1;
    uint32_t eip = v[0], cs = v[1], fl = v[2], nesp = v[3];
    cpu->eflags = (fl & ~(EFL_RF)) | 2;
    cpu->cpl = 3;
    static const int order[] = { S_SS, S_ES, S_DS, S_FS, S_GS };
    for (int k = 0; k < 5; k++)
        rm_seg_load(cpu, order[k], (uint16_t)v[4 + k]);
    rm_seg_load(cpu, S_CS, (uint16_t)cs);
    cpu->regs[R_ESP] = nesp;
    cpu->eip = eip & 0xFFFF;
    cpu->st.v86_enters++;
    return 0;
}

/* Pushes v on the ring-0 stack (supervisor access). */
static int push0(struct vcpu *cpu, uint32_t *esp, uint32_t v, unsigned size)
{
    *esp = cpu_sp_sub(cpu, *esp, size);
    return cpu_write_sys(cpu, cpu_stack_lin(cpu, *esp), size, size == 2 ? (v & 0xFFFF) : v);
}

static int taken(struct vcpu *cpu, uint32_t *err)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    *err = ev.err;
    return ev.kind == EV_NONE ? EXC_GP : ev.vec;
}

/* The V86 frame on the new stack: GS FS DS ES SS ESP EFLAGS CS EIP [err]. */
static int push_v86_frame(struct vcpu *cpu, const struct v86_gate *g, const struct seg_cache *oss,
                          uint32_t old_esp, uint32_t ret_eip, bool has_err, uint32_t err,
                          uint32_t *esp)
{
    unsigned z = g->size;
    const uint32_t vals[] = { cpu->seg[S_GS].sel, cpu->seg[S_FS].sel, cpu->seg[S_DS].sel,
                              cpu->seg[S_ES].sel, oss->sel,           old_esp,
                              cpu->eflags,        cpu->seg[S_CS].sel, ret_eip };
    for (size_t k = 0; k < XBT_ARRAY_SIZE(vals); k++)
        if (push0(cpu, esp, vals[k], z))
            return -1;
    return has_err ? push0(cpu, esp, err, z) : 0;
}

int v86_deliver(struct vcpu *cpu, const struct v86_gate *g, uint32_t ret_eip, bool has_err,
                uint32_t err_in, uint32_t *err)
{
    *err = 0;
    if (desc_dpl(g->hi) != 0 || (g->hi & D_CONFORMING)) {
        *err = g->sel & ~3u;
        return EXC_GP;
    }
    struct seg_cache oss = cpu->seg[S_SS];
    uint32_t old_esp = cpu->regs[R_ESP], old_cpl = cpu->cpl, nesp;
    uint16_t nss;
    cpu->cpl = 0; /* the ring-0 stack is checked and written at CPL 0 */
    if (tss_inner_stack(cpu, 0, &nss, &nesp) < 0 || seg_load_ss_for(cpu, nss, 0, EXC_TS) < 0 ||
        (nesp = cpu_sp_switch(cpu, old_esp, nesp),
         push_v86_frame(cpu, g, &oss, old_esp, ret_eip, has_err, err_in, &nesp) < 0)) {
        cpu->seg[S_SS] = oss;
        cpu->cpl = old_cpl;
        return taken(cpu, err);
    }
    static const int nulled[] = { S_ES, S_DS, S_FS, S_GS };
    for (size_t k = 0; k < XBT_ARRAY_SIZE(nulled); k++)
        cpu->seg[nulled[k]] = (struct seg_cache){ 0 };
    cpu->regs[R_ESP] = nesp;
    seg_set_cs(cpu, g->sel, g->lo, g->hi, 0);
    cpu->eip = g->off;
    cpu->eflags &= ~(EFL_TF | EFL_NT | EFL_RF | EFL_VM);
    if (g->intgate)
        cpu->eflags &= ~EFL_IF;
    cpu->st.v86_exits++;
    return -1;
}
