/*
 * realmode.c - real-address mode, and what virtual-8086 mode shares with
 * it: segment loads (base = selector * 16, the cached limit kept so big
 * "unreal" mode survives clearing CR0.PE), the stack through SP or ESP
 * by SS.B, far JMP/CALL/RET and IRET, and interrupt and exception
 * delivery through the interrupt vector table at IDTR.
 */
#include "cpu.h"
#include "desc.h"
#include "helpers.h"
#include "realmode.h"

#define D_G (1u << 23)
#define D_AVL (1u << 20)

void rm_seg_load(struct vcpu *cpu, int s, uint16_t sel)
{
    struct seg_cache *sc = &cpu->seg[s];
    bool v86 = (cpu->eflags & EFL_VM) != 0;
    uint32_t type = D_P | D_S | D_RW | D_ACCESSED | (s == S_CS ? D_CODE : 0);
    sc->sel = sel;
    sc->base = (uint32_t)sel << 4;
    if (v86) {
        sc->limit = 0xFFFF;
        sc->flags = type | (3u << 13);
    } else {
        sc->flags = type | (sc->flags & (D_BIG | D_G | D_AVL));
    }
}

bool rm_no_descriptors(struct vcpu *cpu, unsigned op)
{
    switch (op) {
    case PRIV_LLDT:
    case PRIV_LTR:
    case PRIV_SLDT:
    case PRIV_STR:
    case PRIV_LAR:
    case PRIV_LSL:
    case PRIV_VERR:
    case PRIV_VERW:
    case PRIV_ARPL: break;
    default: return false;
    }
    if (!rm_segments(cpu))
        return false;
    vcpu_raise(cpu, EXC_UD, 0, false);
    return true;
}

/* size bytes at offset off of the stack lie within the SS limit */
static int stack_check(struct vcpu *cpu, uint32_t off, unsigned size)
{
    if ((uint64_t)off + size - 1 > cpu->seg[S_SS].limit) {
        vcpu_raise(cpu, EXC_SS, 0, true);
        return -1;
    }
    return 0;
}

int rm_push(struct vcpu *cpu, uint32_t *sp, uint32_t v, unsigned size)
{
    uint32_t m = cpu_sp_mask(cpu), off = (*sp - size) & m;
    if (stack_check(cpu, off, size) < 0 ||
        cpu_write(cpu, cpu->seg[S_SS].base + off, size, size == 2 ? (v & 0xFFFF) : v))
        return -1;
    *sp = (*sp & ~m) | off;
    return 0;
}

int rm_pop(struct vcpu *cpu, uint32_t *sp, uint32_t *v, unsigned size)
{
    uint32_t m = cpu_sp_mask(cpu), off = *sp & m;
    if (stack_check(cpu, off, size) < 0 || cpu_read(cpu, cpu->seg[S_SS].base + off, size, v))
        return -1;
    *sp = (*sp & ~m) | ((off + size) & m);
    return 0;
}

/* The new IP must lie within the CS limit (kept from the last load). */
static int check_ip(struct vcpu *cpu, uint32_t eip)
{
    if (eip > cpu->seg[S_CS].limit) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return -1;
    }
    return 0;
}

int rm_far(struct vcpu *cpu, uint16_t sel, uint32_t off, unsigned osize, bool call,
           uint32_t next_eip)
{
    uint32_t eip = osize == 2 ? (off & 0xFFFF) : off, sp = cpu->regs[R_ESP];
    if (check_ip(cpu, eip) < 0)
        return -1;
    if (call && (rm_push(cpu, &sp, cpu->seg[S_CS].sel, osize) < 0 ||
                 rm_push(cpu, &sp, next_eip, osize) < 0))
        return -1;
    cpu->regs[R_ESP] = sp;
    rm_seg_load(cpu, S_CS, sel);
    cpu->eip = eip;
    cpu->st.rm_far++;
    return 0;
}

int rm_far_ret(struct vcpu *cpu, unsigned osize, uint32_t imm)
{
    uint32_t sp = cpu->regs[R_ESP], eip, cs;
    if (rm_pop(cpu, &sp, &eip, osize) < 0 || rm_pop(cpu, &sp, &cs, osize) < 0)
        return -1;
    if (osize == 2)
        eip &= 0xFFFF;
    if (check_ip(cpu, eip) < 0)
        return -1;
    uint32_t m = cpu_sp_mask(cpu);
    cpu->regs[R_ESP] = (sp & ~m) | ((sp + imm) & m);
    rm_seg_load(cpu, S_CS, (uint16_t)cs);
    cpu->eip = eip;
    cpu->st.rm_far++;
    return 0;
}

/* Pops the IRET frame (IP, CS, FLAGS); *fl is the popped flags. */
static int pop_iret_frame(struct vcpu *cpu, unsigned osize, uint32_t *sp, uint32_t *eip,
                          uint32_t *cs, uint32_t *fl)
{
    if (rm_pop(cpu, sp, eip, osize) < 0 || rm_pop(cpu, sp, cs, osize) < 0 ||
        rm_pop(cpu, sp, fl, osize) < 0)
        return -1;
    if (osize == 2)
        *eip &= 0xFFFF;
    return check_ip(cpu, *eip);
}

/* Commits an IRET: flags bits in keep stay as they were. */
static void iret_commit(struct vcpu *cpu, unsigned osize, uint32_t sp, uint32_t eip, uint32_t cs,
                        uint32_t fl, uint32_t keep)
{
    /* 32-bit: VM, VIP, VIF unchanged (SDM IRET: AND 257FD5H); 16-bit:
     * the upper half unchanged */
    uint32_t mask = osize == 4 ? 0x257FD5u : 0xFFFFu;
    mask &= ~keep;
    cpu->eflags = (cpu->eflags & ~mask) | (fl & mask) | 2;
    cpu->regs[R_ESP] = sp;
    rm_seg_load(cpu, S_CS, (uint16_t)cs);
    cpu->eip = eip;
    cpu->st.rm_far++;
}

int rm_iret(struct vcpu *cpu, unsigned osize)
{
    uint32_t sp = cpu->regs[R_ESP], eip, cs, fl;
    if (pop_iret_frame(cpu, osize, &sp, &eip, &cs, &fl) < 0)
        return -1;
    iret_commit(cpu, osize, sp, eip, cs, fl, 0);
    return 0;
}

int v86_iret(struct vcpu *cpu, unsigned osize)
{
    if (v86_iopl_trap(cpu))
        return -1;
    uint32_t sp = cpu->regs[R_ESP], eip, cs, fl;
    if (pop_iret_frame(cpu, osize, &sp, &eip, &cs, &fl) < 0)
        return -1;
    iret_commit(cpu, osize, sp, eip, cs, fl, EFL_IOPL);
    return 0;
}

/* A fault raised on the way: hand its vector to the escalation. */
static int taken(struct vcpu *cpu, uint32_t *err)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    *err = ev.err;
    return ev.kind == EV_NONE ? EXC_GP : ev.vec;
}

int rm_deliver(struct vcpu *cpu, int vec, uint32_t ret_eip, uint32_t *err)
{
    uint32_t ent = (uint32_t)vec * 4, ivt, sp = cpu->regs[R_ESP];
    *err = 0;
    if (ent + 3 > cpu->idtr.limit)
        return EXC_GP;
    if (cpu_read_sys(cpu, cpu->idtr.base + ent, 4, &ivt) || rm_push(cpu, &sp, cpu->eflags, 2) < 0 ||
        rm_push(cpu, &sp, cpu->seg[S_CS].sel, 2) < 0 || rm_push(cpu, &sp, ret_eip, 2) < 0)
        return taken(cpu, err);
    cpu->regs[R_ESP] = sp;
    rm_seg_load(cpu, S_CS, (uint16_t)(ivt >> 16));
    cpu->eip = ivt & 0xFFFF;
    cpu->eflags &= ~(EFL_IF | EFL_TF | EFL_AC | EFL_RF);
    cpu->st.rm_ints++;
    return -1;
}
