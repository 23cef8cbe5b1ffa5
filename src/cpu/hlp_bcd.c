/*
 * hlp_bcd.c - the instructions IA-32 has and x86-64 dropped, so the host
 * cannot execute them: decimal adjust (DAA DAS AAA AAS AAM AAD), SALC and
 * BOUND.  Written from the SDM pseudo-code; where the SDM leaves a flag
 * undefined the value is the one the result would give (SF/ZF/PF) or the
 * flag is cleared.
 */
#include "helpers.h"
#include "mmu.h"
#include "cpu.h"

static uint32_t szp(uint8_t v)
{
    uint32_t f = 0;
    if (v == 0)
        f |= EFL_ZF;
    if (v & 0x80)
        f |= EFL_SF;
    if (!__builtin_parity(v))
        f |= EFL_PF;
    return f;
}

/* AL = al, the arithmetic flags = out (DAA, DAS) */
static void set_al_flags(struct vcpu *cpu, uint8_t al, uint32_t out)
{
    cpu->regs[R_EAX] = (cpu->regs[R_EAX] & ~0xFFu) | al;
    cpu->eflags = (cpu->eflags & ~EFL_ARITH) | out;
}

/* AX = ax, the arithmetic flags = out (AAA, AAS, AAM, AAD) */
static void set_ax_flags(struct vcpu *cpu, uint16_t ax, uint32_t out)
{
    cpu->regs[R_EAX] = (cpu->regs[R_EAX] & 0xFFFF0000u) | ax;
    cpu->eflags = (cpu->eflags & ~EFL_ARITH) | out;
}

static void daa(struct vcpu *cpu)
{
    uint8_t al = (uint8_t)cpu->regs[R_EAX], old = al;
    bool cf = cpu->eflags & EFL_CF, af = cpu->eflags & EFL_AF;
    uint32_t out = 0;
    bool ncf = false;
    if ((al & 0xF) > 9 || af) {
        ncf = cf || al > 0xF9;
        al += 6;
        out |= EFL_AF;
    }
    if (old > 0x99 || cf) {
        al += 0x60;
        ncf = true;
    } else {
        ncf = false;
    }
    if (ncf)
        out |= EFL_CF;
    set_al_flags(cpu, al, out | szp(al));
}

static void das(struct vcpu *cpu)
{
    uint8_t al = (uint8_t)cpu->regs[R_EAX], old = al;
    bool cf = cpu->eflags & EFL_CF, af = cpu->eflags & EFL_AF;
    uint32_t out = 0;
    bool ncf = false;
    if ((al & 0xF) > 9 || af) {
        ncf = cf || al < 6;
        al -= 6;
        out |= EFL_AF;
    }
    if (old > 0x99 || cf) {
        al -= 0x60;
        ncf = true;
    }
    if (ncf)
        out |= EFL_CF;
    set_al_flags(cpu, al, out | szp(al));
}

static void aaa_aas(struct vcpu *cpu, bool aaa)
{
    uint16_t ax = (uint16_t)cpu->regs[R_EAX];
    uint32_t out = 0;
    if ((ax & 0xF) > 9 || (cpu->eflags & EFL_AF)) {
        if (aaa) {
            ax = (uint16_t)(ax + 0x106);
        } else {
            ax = (uint16_t)(ax - 6);
            ax = (uint16_t)(ax - 0x100);
        }
        out |= EFL_AF | EFL_CF;
    }
    ax &= 0xFF0F;
    set_ax_flags(cpu, ax, out | szp((uint8_t)ax));
}

/* AAM: AH = AL / base, AL = AL % base; #DE for base 0 */
static void aam(struct vcpu *cpu, uint32_t base)
{
    uint8_t al = (uint8_t)cpu->regs[R_EAX];
    if (base == 0) {
        vcpu_raise(cpu, EXC_DE, 0, false);
        return;
    }
    uint8_t ah = (uint8_t)(al / base);
    al = (uint8_t)(al % base);
    set_ax_flags(cpu, (uint16_t)((uint32_t)ah << 8 | al), szp(al));
}

/* AAD: AL = AL + AH * base, AH = 0 */
static void aad(struct vcpu *cpu, uint32_t base)
{
    uint8_t al = (uint8_t)cpu->regs[R_EAX], ah = (uint8_t)(cpu->regs[R_EAX] >> 8);
    al = (uint8_t)(al + ah * base);
    set_ax_flags(cpu, al, szp(al));
}

HLP(hlp_bcd)
{
    switch (a) {
    case BCD_DAA: daa(cpu); break;
    case BCD_DAS: das(cpu); break;
    case BCD_AAA:
    case BCD_AAS: aaa_aas(cpu, a == BCD_AAA); break;
    case BCD_AAM: aam(cpu, b); break;
    case BCD_AAD: aad(cpu, b); break;
    case BCD_SALC: /* AL = CF ? 0xFF : 0, flags unchanged */
        cpu->regs[R_EAX] = (cpu->regs[R_EAX] & ~0xFFu) | (cpu->eflags & EFL_CF ? 0xFF : 0);
        break;
    }
    return 0;
}

/* BOUND: a = register index | operand size << 4, b = linear address of the
 * bounds pair.  Signed compare; out of range raises #BR (a fault). */
HLP(hlp_bound)
{
    unsigned reg = a & 7, size = a >> 4;
    uint32_t lo, hi;
    if (cpu_read(cpu, b, size, &lo) || cpu_read(cpu, b + size, size, &hi))
        return 0;
    int32_t v = (int32_t)cpu->regs[reg];
    if (size == 2) {
        v = (int16_t)v;
        lo = (uint32_t)(int32_t)(int16_t)lo;
        hi = (uint32_t)(int32_t)(int16_t)hi;
    }
    if (v < (int32_t)lo || v > (int32_t)hi)
        vcpu_raise(cpu, EXC_BR, 0, false);
    return 0;
}
