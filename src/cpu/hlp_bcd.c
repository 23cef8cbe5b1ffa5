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

HLP(hlp_bcd)
{
    uint32_t *eax = &cpu->regs[R_EAX];
    uint32_t fl = cpu->eflags;
    uint8_t al = (uint8_t)*eax, ah = (uint8_t)(*eax >> 8);
    bool cf = fl & EFL_CF, af = fl & EFL_AF;
    uint32_t out = 0;   /* new arithmetic flags */
    switch (a) {
    case BCD_DAA: {
        uint8_t old = al;
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
        out |= szp(al);
        break;
    }
    case BCD_DAS: {
        uint8_t old = al;
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
        out |= szp(al);
        break;
    }
    case BCD_AAA:
    case BCD_AAS: {
        uint16_t ax = (uint16_t)*eax;
        if ((al & 0xF) > 9 || af) {
            if (a == BCD_AAA) {
                ax = (uint16_t)(ax + 0x106);
            } else {
                ax = (uint16_t)(ax - 6);
                ax = (uint16_t)(ax - 0x100);
            }
            out |= EFL_AF | EFL_CF;
        }
        ax &= 0xFF0F;
        al = (uint8_t)ax;
        ah = (uint8_t)(ax >> 8);
        out |= szp(al);
        *eax = (*eax & 0xFFFF0000u) | ax;
        cpu->eflags = (fl & ~EFL_ARITH) | out;
        return 0;
    }
    case BCD_AAM:
        if (b == 0) {
            vcpu_raise(cpu, EXC_DE, 0, false);
            return 0;
        }
        ah = (uint8_t)(al / b);
        al = (uint8_t)(al % b);
        out |= szp(al);
        *eax = (*eax & 0xFFFF0000u) | ((uint32_t)ah << 8) | al;
        cpu->eflags = (fl & ~EFL_ARITH) | out;
        return 0;
    case BCD_AAD:
        al = (uint8_t)(al + ah * b);
        out |= szp(al);
        *eax = (*eax & 0xFFFF0000u) | al;
        cpu->eflags = (fl & ~EFL_ARITH) | out;
        return 0;
    case BCD_SALC:
        *eax = (*eax & ~0xFFu) | (cf ? 0xFF : 0);
        return 0;
    }
    *eax = (*eax & ~0xFFu) | al;
    cpu->eflags = (fl & ~EFL_ARITH) | out;
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
