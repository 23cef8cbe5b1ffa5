/*
 * isa_shift.c - SHL SHR SAR ROL ROR RCL RCR by CL (D2/D3) and by 1 (D0/D1),
 * verified against the host CPU (see isa.h): 8-, 16- and 32-bit operands in
 * registers (including AH/BH/CH/DH), in memory, counts 0..33 and CL values
 * whose upper bits the CPU masks off (63, 64, 255, ...), so 8/16-bit RCL/RCR
 * see the count mod 9/17 cases.  Input flags all clear and all set.
 * Immediate counts are in isa_shift_imm.c, SHLD/SHRD in isa_shift_dbl.c.
 *
 * Defined flags (SDM), with c = count & 31: c = 0 changes no flag (all six
 * compared).  Shifts: CF, SF, ZF, PF; OF only for c = 1; AF undefined; CF
 * undefined for SHL/SHR with c >= the operand size.  Rotates: CF, and OF
 * only for c = 1; SF ZF AF PF are unaffected (compared: must be the input).
 */
#include "isa_shift.h"

/* by CL */
#define GEN_CL(op, sz)                                                       \
    static uint32_t op##sz##_cl(uint32_t a, uint32_t n, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %%cl, %" MOD_##sz "[a]\n\t" \
                         ISA_GETF                                            \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : "c"(n), [fin] "r"(fin)                            \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_CLM(op, sz, addr)                                                \
    static uint32_t op##sz##_clm(uint32_t a, uint32_t n, uint32_t fin,       \
                                 uint32_t *r)                                \
    {                                                                        \
        uint32_t f;                                                          \
        isa_shift_mem[1] = a;                                                \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %%cl, " addr "\n\t"         \
                         ISA_GETF                                            \
                         : [fout] "=r"(f)                                    \
                         : "c"(n), MEMIN, [fin] "r"(fin)                     \
                         : "cc", "memory");                                  \
        *r = isa_shift_mem[1];                                               \
        return f;                                                            \
    }
#define GEN_CLH(op)                                                          \
    static uint32_t op##8_clh(uint32_t a, uint32_t n, uint32_t fin,          \
                              uint32_t *r)                                   \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op "b %%cl, %h[a]\n\t" ISA_GETF           \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : "c"(n), [fin] "r"(fin)                            \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
/* by 1 (D0/D1 encoding: the one-operand form) */
#define GEN_ONE(op, sz)                                                      \
    static uint32_t op##sz##_1(uint32_t a, uint32_t n, uint32_t fin,         \
                               uint32_t *r)                                  \
    {                                                                        \
        uint32_t f;                                                          \
        (void)n;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[a]\n\t"       \
                         ISA_GETF                                            \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_ONEM(op, sz, addr)                                               \
    static uint32_t op##sz##_1m(uint32_t a, uint32_t n, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        (void)n;                                                             \
        isa_shift_mem[1] = a;                                                \
        __asm__ volatile(ISA_SETF #op SUF_##sz " " addr "\n\t" ISA_GETF      \
                         : [fout] "=r"(f)                                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = isa_shift_mem[1];                                               \
        return f;                                                            \
    }
#define GEN_ONEH(op)                                                         \
    static uint32_t op##8_1h(uint32_t a, uint32_t n, uint32_t fin,           \
                             uint32_t *r)                                    \
    {                                                                        \
        uint32_t f;                                                          \
        (void)n;                                                             \
        __asm__ volatile(ISA_SETF #op "b %h[a]\n\t" ISA_GETF                 \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }

#define GEN_OP(op, m1, m2)                                                   \
    GEN_CL(op, 8) GEN_CL(op, 16) GEN_CL(op, 32)                              \
    GEN_CLM(op, 8, m1) GEN_CLM(op, 16, m2) GEN_CLM(op, 32, m1)               \
    GEN_CLH(op)                                                              \
    GEN_ONE(op, 8) GEN_ONE(op, 16) GEN_ONE(op, 32)                           \
    GEN_ONEM(op, 8, m2) GEN_ONEM(op, 16, m1) GEN_ONEM(op, 32, m2)            \
    GEN_ONEH(op)
GEN_OP(shl, A_BD, A_SIB)
GEN_OP(shr, A_SIB, A_ABS)
GEN_OP(sar, A_ABS, A_SIB2)
GEN_OP(rol, A_SIB2, A_BD)
GEN_OP(ror, A_BD, A_ABS)
GEN_OP(rcl, A_SIB, A_SIB2)
GEN_OP(rcr, A_SIB2, A_SIB)

#define CASES(op, K)                                                         \
    { #op "8.cl", op##8_cl, K, 8, LOW, -1 },                                 \
    { #op "16.cl", op##16_cl, K, 16, LOW, -1 },                              \
    { #op "32.cl", op##32_cl, K, 32, LOW, -1 },                              \
    { #op "8.clm", op##8_clm, K, 8, MEM, -1 },                               \
    { #op "16.clm", op##16_clm, K, 16, MEM, -1 },                            \
    { #op "32.clm", op##32_clm, K, 32, MEM, -1 },                            \
    { #op "8.clh", op##8_clh, K, 8, HIGH, -1 },                              \
    { #op "8.1", op##8_1, K, 8, LOW, 1 },                                    \
    { #op "16.1", op##16_1, K, 16, LOW, 1 },                                 \
    { #op "32.1", op##32_1, K, 32, LOW, 1 },                                 \
    { #op "8.1m", op##8_1m, K, 8, MEM, 1 },                                  \
    { #op "16.1m", op##16_1m, K, 16, MEM, 1 },                               \
    { #op "32.1m", op##32_1m, K, 32, MEM, 1 },                               \
    { #op "8.1h", op##8_1h, K, 8, HIGH, 1 },

static const struct scase cases[] = {
    CASES(shl, SHL) CASES(shr, SHR) CASES(sar, SAR) CASES(rol, ROL)
    CASES(ror, ROR) CASES(rcl, RCL) CASES(rcr, RCR)
};

/* CL values: every count 0..33 in registers, then ones with upper bits. */
static const uint32_t counts_all[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 63, 64, 255,
};
static const uint32_t counts_few[] = {
    0, 1, 2, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 0x41, 0xe0,
};

int test_main(void)
{
    for (int n = 0; n < N(cases); n++) {
        const struct scase *c = &cases[n];

        if (c->count >= 0)      /* by 1: every edge value */
            run_shift(c, c->bits == 8 ? isa_vals8
                         : c->bits == 16 ? isa_vals16 : isa_vals32,
                      isa_nvals(c->bits), NULL, 0);
        else if (c->where == LOW)
            run_shift(c, shift_vals(c->bits), NSV, counts_all, N(counts_all));
        else
            run_shift(c, shift_vals(c->bits), NSV, counts_few, N(counts_few));
    }
    isa_done("isa_shift");
    return 0;
}
