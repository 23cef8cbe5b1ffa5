/*
 * isa_shift.h - what the shift/rotate tests (isa_shift*.c) share on top of
 * isa.h: operand-size parameters for the asm generators, the memory operand
 * buffer and addressing expressions, the defined-flag masks (Intel SDM) and
 * the loop that runs and prints one shift/rotate form.
 */
#ifndef XBT_GUEST_ISA_SHIFT_H
#define XBT_GUEST_ISA_SHIFT_H

#include "isa.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Operand-size parameters: suffix, register constraint, operand modifier. */
#define SUF_8 "b"
#define SUF_16 "w"
#define SUF_32 "l"
#define CON_8 "q"
#define CON_16 "r"
#define CON_32 "r"
#define MOD_8 "b"
#define MOD_16 "w"
#define MOD_32 "k"

/* The memory operand is dword 1 of isa_shift_mem (byte offset 4), reached
 * with [p] = isa_shift_mem, [i] = 1; dwords 0 and 2 are guards. */
uint32_t isa_shift_mem[3] __attribute__((used));
#define MGUARD0 0x5EC0DE00u
#define MGUARD2 0x0BADF00Du
#define A_BD   "4(%[p])"
#define A_SIB  "(%[p],%[i],4)"
#define A_ABS  "isa_shift_mem+4"
#define A_SIB2 "-4(%[p],%[i],8)"
#define MEMIN [p] "r"(isa_shift_mem), [i] "r"(1)

#define JUNK_A 0xBEEF5A5Au

enum { LOW = 0, HIGH = 1, MEM = 2 };
enum { SHL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD };

/* Flags the SDM defines after shift/rotate kind k of a bits-bit operand by
 * count n (the CPU uses n & 31). */
static inline uint32_t shift_mask(int k, int bits, uint32_t n)
{
    uint32_t c = n & 31, m;

    if (c == 0)
        return ISA_ARITH;                 /* no flag changes */
    switch (k) {
    case SHL: case SHR: case SAR: case SHLD: case SHRD:
        m = ISA_CF | ISA_PF | ISA_ZF | ISA_SF;
        if ((k == SHL || k == SHR) && c >= (uint32_t)bits)
            m &= ~ISA_CF;                 /* undefined for count >= size */
        break;
    default:                              /* rotates: SF ZF AF PF kept */
        m = ISA_CF | ISA_PF | ISA_ZF | ISA_SF | ISA_AF;
        break;
    }
    if (c == 1)
        m |= ISA_OF;
    return m;
}

typedef uint32_t (*shfn)(uint32_t a, uint32_t n, uint32_t fin, uint32_t *r);

struct scase {
    const char *name;
    shfn fn;
    uint8_t kind, bits, where;
    int16_t count;       /* the count if fixed (by 1, immediate); -1: CL */
};

/* Operand values per size. */
static const uint32_t shift_vals8[] = { 0x01, 0x80, 0x7f, 0xc3, 0xff, 0x5a };
static const uint32_t shift_vals16[] = { 0x0001, 0x8000, 0x7fff, 0xc003,
                                         0xffff, 0x5a3c };
static const uint32_t shift_vals32[] = { 0x00000001, 0x80000000, 0x7fffffff,
                                         0xc0000003, 0xffffffff, 0x5a3c96e1 };
#define NSV N(shift_vals8)

static inline const uint32_t *shift_vals(int bits)
{
    return bits == 8 ? shift_vals8 : bits == 16 ? shift_vals16 : shift_vals32;
}

static const uint32_t shift_fins[] = { 0, ISA_ARITH };

/* Runs c on every value of av (x every count of counts unless c has a fixed
 * count) x input flags all clear / all set, one line each. */
static inline void run_shift(const struct scase *c, const uint32_t *av,
                             int na, const uint32_t *counts, int nc)
{
    int dig = isa_hex(c->bits);
    uint32_t fixed;

    if (c->count >= 0) {
        fixed = (uint32_t)c->count;
        counts = &fixed;
        nc = 1;
    }
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < N(shift_fins); k++) {
                uint32_t a = isa_trunc(av[i], c->bits);
                uint32_t ja = c->where == MEM ? MGUARD0 : JUNK_A;
                uint32_t r, fl;
                char note[48];

                isa_shift_mem[0] = MGUARD0;
                isa_shift_mem[2] = MGUARD2;
                fl = c->fn(isa_place(a, c->bits, c->where == HIGH, ja),
                           counts[j], shift_fins[k], &r);
                r = isa_extract(r, c->bits, c->where == HIGH, ja, note);
                if (isa_shift_mem[0] != MGUARD0 || isa_shift_mem[2] != MGUARD2)
                    sprintf(note + strlen(note), " GUARD=%08x,%08x",
                            (unsigned)isa_shift_mem[0],
                            (unsigned)isa_shift_mem[2]);
                isa_line("%s a=0x%0*x n=%u in=%s -> r=0x%0*x fl=%s%s\n",
                         c->name, dig, a, (unsigned)counts[j],
                         isa_fl(shift_fins[k], ISA_ARITH), dig, r,
                         isa_fl(fl, shift_mask(c->kind, c->bits, counts[j])),
                         note);
            }
}

#endif
