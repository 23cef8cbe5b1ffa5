/*
 * hlp_priv.c - the remaining system instructions: LLDT/LTR/SLDT/STR,
 * LAR/LSL/VERR/VERW/ARPL, LMSW/SMSW/CLTS, INVLPG/INVD/WBINVD, MOV to/from
 * DRn, RDMSR/WRMSR and SYSENTER/SYSEXIT.  One helper, `a` = enum priv_op |
 * operand fields (see PRIV_* below), `b` = the operand value or linear
 * address.
 */

#include "desc.h"
#include "realmode.h"
#include "helpers.h"
#include "mmu.h"
#include "cpu.h"

static bool cpl0(struct vcpu *cpu)
{
    if (cpu->cpl) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return false;
    }
    return true;
}

static void set_zf(struct vcpu *cpu, bool z)
{
    if (z)
        cpu->eflags |= EFL_ZF;
    else
        cpu->eflags &= ~EFL_ZF;
}

/* Stores a 16-bit result to a register (zero-extended to the operand size)
 * or memory. */
static void store16(struct vcpu *cpu, uint32_t a, uint32_t lin, uint32_t v, bool full32)
{
    if (a & PRIV_MEM) {
        cpu_write(cpu, lin, 2, v & 0xFFFF);
        return;
    }
    unsigned r = PRIV_REG(a);
    if (full32 || (a & PRIV_O32))
        cpu->regs[r] = full32 ? v : (v & 0xFFFF);
    else
        cpu->regs[r] = (cpu->regs[r] & 0xFFFF0000u) | (v & 0xFFFF);
}

static int load_ldt(struct vcpu *cpu, uint16_t sel)
{
    if ((sel & ~3u) == 0) {
        cpu->ldt.sel = sel;
        cpu->ldt.base = cpu->ldt.limit = 0;
        cpu->ldt.flags = 0;
        return 0;
    }
    uint32_t lo, hi;
    if ((sel & 4) || seg_read_desc(cpu, sel, &lo, &hi) < 0 || (hi & D_S) ||
        desc_type(hi) != SYS_LDT) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    if (!(hi & D_P)) {
        vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
        return -1;
    }
    seg_set_cache(&cpu->ldt, sel, lo, hi);
    return 0;
}

static int load_tr(struct vcpu *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    if ((sel & ~3u) == 0 || (sel & 4) || seg_read_desc(cpu, sel, &lo, &hi) < 0 || (hi & D_S) ||
        (desc_type(hi) != SYS_TSS32 && desc_type(hi) != SYS_TSS16)) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    if (!(hi & D_P)) {
        vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
        return -1;
    }
    hi |= 2u << 8; /* busy */
    if (seg_write_desc_hi(cpu, sel, hi) < 0)
        return -1; /* #PF writing the descriptor: TR unchanged */
    seg_set_cache(&cpu->tss, sel, lo, hi);
    return 0;
}

/* LAR/LSL/VERR/VERW: the descriptor is visible at the current privilege */
static bool visible(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    bool conforming_code = desc_is_code(hi) && (hi & D_CONFORMING);
    return conforming_code || (desc_dpl(hi) >= cpu->cpl && desc_dpl(hi) >= (sel & 3u));
}

static bool lar_type_ok(uint32_t hi, bool lsl)
{
    if (hi & D_S)
        return true;
    switch (desc_type(hi)) {
    case SYS_TSS16:
    case SYS_LDT:
    case SYS_TSS16_BUSY:
    case SYS_TSS32:
    case SYS_TSS32_BUSY: return true;
    case SYS_CALL16:
    case SYS_TASK:
    case SYS_CALL32: return !lsl;
    default: return false;
    }
}

/* flat 4 GiB segment caches as SYSENTER/SYSEXIT load them */
static void flat(struct seg_cache *s, uint16_t sel, bool code, uint32_t dpl)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xFFFFFFFFu;
    s->flags = (code ? 0x0B00u : 0x0300u) | D_S | D_P | (dpl << 13) | D_BIG | (1u << 23);
    s->desc = 0;
}

/* LLDT: leaves translated code after a new LDT (segment loads check it). */
static void lldt(struct vcpu *cpu, uint16_t sel, uint32_t next)
{
    if (cpl0(cpu) && load_ldt(cpu, sel) == 0)
        vcpu_exit_at(cpu, next, EXIT_STATE);
}

/* LMSW: PE can be set but not cleared; MP, EM, TS follow. */
static void lmsw(struct vcpu *cpu, uint32_t v, uint32_t next)
{
    if (cpl0(cpu)) {
        cpu->cr0 = (cpu->cr0 & ~0xEu) | (v & 0xF) | (cpu->cr0 & CR0_PE);
        vcpu_exit_at(cpu, next, EXIT_STATE);
    }
}

static void clts(struct vcpu *cpu, uint32_t next)
{
    if (cpl0(cpu)) {
        cpu->cr0 &= ~CR0_TS;
        vcpu_exit_at(cpu, next, EXIT_STATE);
    }
}

/* LAR (access rights) and LSL (limit): ZF says whether the descriptor is
 * visible and of a type the instruction accepts; the register changes
 * only then. */
static void lar_lsl(struct vcpu *cpu, uint32_t a, uint16_t sel)
{
    uint32_t op = a & 0xFF;
    uint32_t lo, hi;
    bool ok = (sel & ~3u) && seg_read_desc(cpu, sel, &lo, &hi) == 0 &&
              lar_type_ok(hi, op == PRIV_LSL) && visible(cpu, sel, hi);
    set_zf(cpu, ok);
    if (!ok)
        return;
    unsigned r = PRIV_REG(a);
    uint32_t v;
    if (op == PRIV_LAR) {
        v = hi & 0x00F0FF00u;
    } else {
        struct seg_cache c;
        seg_set_cache(&c, sel, lo, hi);
        v = c.limit;
    }
    cpu->regs[r] = (a & PRIV_O32) ? v : ((cpu->regs[r] & 0xFFFF0000u) | (v & 0xFFFF));
}

/* VERR, VERW: ZF = the segment is visible and readable (writable). */
static void verr_verw(struct vcpu *cpu, uint32_t op, uint16_t sel)
{
    uint32_t lo, hi;
    bool ok = (sel & ~3u) && seg_read_desc(cpu, sel, &lo, &hi) == 0 && (hi & D_S) &&
              visible(cpu, sel, hi);
    if (ok) {
        if (op == PRIV_VERR)
            ok = !(hi & D_CODE) || (hi & D_RW);
        else
            ok = !(hi & D_CODE) && (hi & D_RW);
    }
    set_zf(cpu, ok);
}

/* ARPL: the destination's (register or memory at b) RPL raised to the
 * source's. */
static void arpl(struct vcpu *cpu, uint32_t a, uint32_t b)
{
    uint32_t dst;
    if (a & PRIV_MEM) {
        if (cpu_read(cpu, b, 2, &dst))
            return;
    } else {
        dst = cpu->regs[PRIV_REG(a)] & 0xFFFF;
    }
    uint32_t src = cpu->regs[PRIV_REG2(a)] & 3;
    if ((dst & 3) < src) {
        dst = (dst & ~3u) | src;
        set_zf(cpu, true);
        if (a & PRIV_MEM)
            cpu_write(cpu, b, 2, dst);
        else
            cpu->regs[PRIV_REG(a)] = (cpu->regs[PRIV_REG(a)] & 0xFFFF0000u) | dst;
    } else {
        set_zf(cpu, false);
    }
}

/* MOV to or from DRn: DR4/DR5 are DR6/DR7, or #UD with CR4.DE.  With
 * DR7.GD set, any of them is a #DB fault before it runs, with DR6.BD (and
 * B0-B3 clear, as Bochs has them); delivering a #DB clears GD (exception.c)
 * so that the handler may use the registers. */
static void mov_dr(struct vcpu *cpu, uint32_t a, uint32_t b)
{
    unsigned dr = PRIV_REG2(a);
    if (!cpl0(cpu))
        return;
    if ((dr == 4 || dr == 5) && (cpu->cr4 & CR4_DE)) {
        vcpu_raise(cpu, EXC_UD, 0, false);
        return;
    }
    if (cpu->dr[7] & DR7_GD) {
        cpu->dr[6] = (cpu->dr[6] & ~0xFu) | DR6_BD;
        vcpu_raise(cpu, EXC_DB, 0, false);
        return;
    }
    if (dr == 4 || dr == 5)
        dr += 2;
    if ((a & 0xFF) == PRIV_MOV_TO_DR) {
        /* reserved bits read back as the CPU has them: DR6 bits 4-11 and
         * 16-31 set; DR7 bit 10 set, bits 11, 12, 14 and 15 clear */
        if (dr == 6)
            b = DR6_FIXED | (b & 0xE00Fu);
        else if (dr == 7)
            b = (b & ~0xD800u) | 0x400u;
        cpu->dr[dr] = b;
        if (dr != 6)
            dbg_wp_sync(cpu); /* the unit ends after a MOV to DRn */
    } else
        cpu->regs[PRIV_REG(a)] = cpu->dr[dr];
}

/* SYSENTER: to CPL 0 at SYSENTER_CS:SYSENTER_EIP, flat segments. */
static void sysenter(struct vcpu *cpu)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->sysenter_cs & ~3u) == 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return;
    }
    cpu->eflags &= ~(EFL_VM | EFL_IF | EFL_RF);
    flat(&cpu->seg[S_CS], (uint16_t)(cpu->sysenter_cs & ~3u), true, 0);
    flat(&cpu->seg[S_SS], (uint16_t)((cpu->sysenter_cs & ~3u) + 8), false, 0);
    cpu->cpl = 0;
    cpu->regs[R_ESP] = cpu->sysenter_esp;
    vcpu_exit_at(cpu, cpu->sysenter_eip, EXIT_STATE);
}

/* SYSEXIT: to CPL 3 at EDX with ESP = ECX, flat segments. */
static void sysexit(struct vcpu *cpu)
{
    if (!(cpu->cr0 & CR0_PE) || cpu->cpl || (cpu->sysenter_cs & ~3u) == 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return;
    }
    flat(&cpu->seg[S_CS], (uint16_t)((cpu->sysenter_cs + 16) | 3), true, 3);
    flat(&cpu->seg[S_SS], (uint16_t)((cpu->sysenter_cs + 24) | 3), false, 3);
    cpu->cpl = 3;
    cpu->regs[R_ESP] = cpu->regs[R_ECX];
    vcpu_exit_at(cpu, cpu->regs[R_EDX], EXIT_STATE);
}

HLP(hlp_priv)
{
    uint32_t op = a & 0xFF;
    uint16_t sel = (uint16_t)b;
    if (rm_no_descriptors(cpu, op))
        return 0;
    switch (op) {
    case PRIV_LLDT: lldt(cpu, sel, next); break;
    case PRIV_LTR:
        if (cpl0(cpu))
            load_tr(cpu, sel);
        break;
    case PRIV_SLDT: store16(cpu, a, b, cpu->ldt.sel, false); break;
    case PRIV_STR: store16(cpu, a, b, cpu->tss.sel, false); break;
    case PRIV_SMSW: store16(cpu, a, b, cpu->cr0, !(a & PRIV_MEM) && (a & PRIV_O32)); break;
    case PRIV_LMSW: lmsw(cpu, b, next); break;
    case PRIV_CLTS: clts(cpu, next); break;
    case PRIV_INVD:
    case PRIV_WBINVD:
        cpl0(cpu); /* no caches to manage */
        break;
    case PRIV_INVLPG:
        if (cpl0(cpu))
            mmu_flush(cpu->mmu, MMU_FLUSH_INVLPG, cpu->cr3, b);
        break;
    case PRIV_LAR:
    case PRIV_LSL: lar_lsl(cpu, a, sel); break;
    case PRIV_VERR:
    case PRIV_VERW: verr_verw(cpu, op, sel); break;
    case PRIV_ARPL: arpl(cpu, a, b); break;
    case PRIV_MOV_TO_DR:
    case PRIV_MOV_FROM_DR: mov_dr(cpu, a, b); break;
    case PRIV_RDMSR:
        if (cpl0(cpu))
            cpu_rdmsr(cpu);
        break;
    case PRIV_WRMSR:
        if (cpl0(cpu))
            cpu_wrmsr(cpu);
        break;
    case PRIV_SYSENTER: sysenter(cpu); break;
    case PRIV_SYSEXIT: sysexit(cpu); break;
    }
    return 0;
}
