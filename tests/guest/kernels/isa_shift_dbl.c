/*
 * isa_shift_dbl.c - the double-precision shifts SHLD and SHRD, verified
 * against the host CPU (see isa.h and isa_shift.h): 16- and 32-bit, by CL
 * and by an immediate, destination in a register or in memory, counts
 * 0..33, 63 and 255 (the CPU masks the count to 5 bits).  Input flags all
 * clear and all set.
 *
 * Defined (SDM), with c = count & 31: c = 0 changes no flag; otherwise CF
 * (last bit shifted out), SF ZF PF, OF only for c = 1, AF undefined.  For a
 * 16-bit operand with c > 16 the result and the flags are undefined: those
 * cases are not printed.
 */
#include "isa_shift.h"

typedef uint32_t (*dfn)(uint32_t a, uint32_t b, uint32_t n, uint32_t fin,
                        uint32_t *r);

#define GEN_CL(op, sz)                                                       \
    static uint32_t op##sz##_cl(uint32_t a, uint32_t b, uint32_t n,          \
                                uint32_t fin, uint32_t *r)                   \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %%cl, %" MOD_##sz "[b], %"  \
                         MOD_##sz "[a]\n\t" ISA_GETF                         \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [b] "r"(b), "c"(n), [fin] "r"(fin)                \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_CLM(op, sz, addr)                                                \
    static uint32_t op##sz##_clm(uint32_t a, uint32_t b, uint32_t n,         \
                                 uint32_t fin, uint32_t *r)                  \
    {                                                                        \
        uint32_t f;                                                          \
        isa_shift_mem[1] = a;                                                \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %%cl, %" MOD_##sz "[b], "   \
                         addr "\n\t" ISA_GETF                                \
                         : [fout] "=r"(f)                                    \
                         : [b] "r"(b), "c"(n), MEMIN, [fin] "r"(fin)         \
                         : "cc", "memory");                                  \
        *r = isa_shift_mem[1];                                               \
        return f;                                                            \
    }
#define GEN_I(op, sz, n)                                                     \
    static uint32_t op##sz##_i##n(uint32_t a, uint32_t b, uint32_t c,        \
                                  uint32_t fin, uint32_t *r)                 \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #n ", %" MOD_##sz        \
                         "[b], %" MOD_##sz "[a]\n\t" ISA_GETF                \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [b] "r"(b), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define ADDR_16 A_SIB2
#define ADDR_32 A_BD
#define GEN_IM(op, sz, n)                                                    \
    static uint32_t op##sz##_im##n(uint32_t a, uint32_t b, uint32_t c,       \
                                   uint32_t fin, uint32_t *r)                \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        isa_shift_mem[1] = a;                                                \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #n ", %" MOD_##sz        \
                         "[b], " ADDR_##sz "\n\t" ISA_GETF                   \
                         : [fout] "=r"(f)                                    \
                         : [b] "r"(b), MEMIN, [fin] "r"(fin)                 \
                         : "cc", "memory");                                  \
        *r = isa_shift_mem[1];                                               \
        return f;                                                            \
    }

#define CNT_REG(X, ...)                                                      \
    X(__VA_ARGS__, 0) X(__VA_ARGS__, 1) X(__VA_ARGS__, 2) X(__VA_ARGS__, 3)  \
    X(__VA_ARGS__, 4) X(__VA_ARGS__, 5) X(__VA_ARGS__, 6) X(__VA_ARGS__, 7)  \
    X(__VA_ARGS__, 8) X(__VA_ARGS__, 9) X(__VA_ARGS__, 10)                   \
    X(__VA_ARGS__, 11) X(__VA_ARGS__, 12) X(__VA_ARGS__, 13)                 \
    X(__VA_ARGS__, 14) X(__VA_ARGS__, 15) X(__VA_ARGS__, 16)                 \
    X(__VA_ARGS__, 17) X(__VA_ARGS__, 18) X(__VA_ARGS__, 19)                 \
    X(__VA_ARGS__, 20) X(__VA_ARGS__, 21) X(__VA_ARGS__, 22)                 \
    X(__VA_ARGS__, 23) X(__VA_ARGS__, 24) X(__VA_ARGS__, 25)                 \
    X(__VA_ARGS__, 26) X(__VA_ARGS__, 27) X(__VA_ARGS__, 28)                 \
    X(__VA_ARGS__, 29) X(__VA_ARGS__, 30) X(__VA_ARGS__, 31)                 \
    X(__VA_ARGS__, 32) X(__VA_ARGS__, 33) X(__VA_ARGS__, 63)                 \
    X(__VA_ARGS__, 255)
#define CNT_FEW(X, ...)                                                      \
    X(__VA_ARGS__, 0) X(__VA_ARGS__, 1) X(__VA_ARGS__, 2) X(__VA_ARGS__, 7)  \
    X(__VA_ARGS__, 8) X(__VA_ARGS__, 15) X(__VA_ARGS__, 16)                  \
    X(__VA_ARGS__, 24) X(__VA_ARGS__, 31) X(__VA_ARGS__, 32)                 \
    X(__VA_ARGS__, 33) X(__VA_ARGS__, 200)

#define GEN_OP(op, m16, m32)                                                 \
    GEN_CL(op, 16) GEN_CL(op, 32) GEN_CLM(op, 16, m16) GEN_CLM(op, 32, m32)  \
    CNT_REG(GEN_I, op, 16) CNT_REG(GEN_I, op, 32)                            \
    CNT_FEW(GEN_IM, op, 16) CNT_FEW(GEN_IM, op, 32)
GEN_OP(shld, A_SIB, A_ABS)
GEN_OP(shrd, A_ABS, A_SIB)

struct dcase {
    const char *name;
    dfn fn;
    uint8_t kind, bits, mem;
    int16_t count;              /* fixed (immediate) count, -1: CL */
};

#define C_I(op, sz, K, n) { #op #sz ".i", op##sz##_i##n, K, sz, 0, n },
#define C_IM(op, sz, K, n) { #op #sz ".im", op##sz##_im##n, K, sz, 1, n },
#define CASES(op, K)                                                         \
    { #op "16.cl", op##16_cl, K, 16, 0, -1 },                                \
    { #op "32.cl", op##32_cl, K, 32, 0, -1 },                                \
    { #op "16.clm", op##16_clm, K, 16, 1, -1 },                              \
    { #op "32.clm", op##32_clm, K, 32, 1, -1 },                              \
    CNT_REG(C_I, op, 16, K) CNT_REG(C_I, op, 32, K)                          \
    CNT_FEW(C_IM, op, 16, K) CNT_FEW(C_IM, op, 32, K)

static const struct dcase cases[] = { CASES(shld, SHLD) CASES(shrd, SHRD) };

static const uint32_t counts_all[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 63, 255,
};
static const uint32_t counts_few[] = { 0, 1, 3, 8, 15, 16, 31, 32, 33, 97 };

/* Second (source) operands. */
static const uint32_t src16[] = { 0x0000, 0xffff, 0x8001, 0x5a3c };
static const uint32_t src32[] = { 0x00000000, 0xffffffff, 0x80000001,
                                  0x5a3c96e1 };

static void run_dbl(const struct dcase *c, const uint32_t *counts, int nc)
{
    int dig = isa_hex(c->bits);
    const uint32_t *av = shift_vals(c->bits);
    const uint32_t *bv = c->bits == 16 ? src16 : src32;
    uint32_t fixed;

    if (c->count >= 0) {
        fixed = (uint32_t)c->count;
        counts = &fixed;
        nc = 1;
    }
    for (int j = 0; j < nc; j++) {
        if (c->bits == 16 && (counts[j] & 31) > 16)
            continue;                      /* undefined */
        for (int i = 0; i < NSV; i++)
            for (int l = 0; l < N(src16); l++)
                for (int k = 0; k < N(shift_fins); k++) {
                    uint32_t a = isa_trunc(av[i], c->bits), b = bv[l];
                    uint32_t ja = c->mem ? MGUARD0 : JUNK_A;
                    uint32_t r, fl;
                    char note[48];

                    isa_shift_mem[0] = MGUARD0;
                    isa_shift_mem[2] = MGUARD2;
                    fl = c->fn(isa_place(a, c->bits, 0, ja),
                               isa_place(b, c->bits, 0, 0xC0DE3C3Cu),
                               counts[j], shift_fins[k], &r);
                    r = isa_extract(r, c->bits, 0, ja, note);
                    if (isa_shift_mem[0] != MGUARD0 ||
                        isa_shift_mem[2] != MGUARD2)
                        sprintf(note + strlen(note), " GUARD=%08x,%08x",
                                (unsigned)isa_shift_mem[0],
                                (unsigned)isa_shift_mem[2]);
                    isa_line("%s a=0x%0*x b=0x%0*x n=%u in=%s -> r=0x%0*x "
                             "fl=%s%s\n",
                             c->name, dig, a, dig, b, (unsigned)counts[j],
                             isa_fl(shift_fins[k], ISA_ARITH), dig, r,
                             isa_fl(fl, shift_mask(c->kind, c->bits,
                                                   counts[j])),
                             note);
                }
    }
}

int test_main(void)
{
    for (int n = 0; n < N(cases); n++) {
        const struct dcase *c = &cases[n];

        if (c->count >= 0)
            run_dbl(c, NULL, 0);
        else if (!c->mem)
            run_dbl(c, counts_all, N(counts_all));
        else
            run_dbl(c, counts_few, N(counts_few));
    }
    isa_done("isa_shift_dbl");
    return 0;
}
