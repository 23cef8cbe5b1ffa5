/*
 * isa_shift_imm.c - SHL SHR SAR ROL ROR RCL RCR by an immediate count
 * (C0/C1 encodings), verified against the host CPU (see isa.h and
 * isa_shift.h): 8-, 16- and 32-bit registers with every count 0..33 plus 63
 * and 255 (the CPU masks the count to 5 bits), memory operands and
 * AH/BH/CH/DH with a selection of counts, and the C0/C1 encoding with count
 * 1 (which gas would otherwise shorten to D0/D1) given as bytes.  Input
 * flags all clear and all set.  Flag masks as in isa_shift.c.
 */
#include "isa_shift.h"

/* reg by imm */
#define GEN_I(op, sz, n)                                                     \
    static uint32_t op##sz##_i##n(uint32_t a, uint32_t c, uint32_t fin,      \
                                  uint32_t *r)                               \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #n ", %" MOD_##sz        \
                         "[a]\n\t" ISA_GETF                                  \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
/* mem by imm; the addressing expression depends on the size */
#define ADDR_8 A_BD
#define ADDR_16 A_SIB
#define ADDR_32 A_SIB2
#define GEN_IM(op, sz, n)                                                    \
    static uint32_t op##sz##_im##n(uint32_t a, uint32_t c, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        isa_shift_mem[1] = a;                                                \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #n ", " ADDR_##sz "\n\t" \
                         ISA_GETF                                            \
                         : [fout] "=r"(f)                                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = isa_shift_mem[1];                                               \
        return f;                                                            \
    }
/* high byte by imm (sz is always 8) */
#define GEN_IH(op, sz, n)                                                    \
    static uint32_t op##sz##_ih##n(uint32_t a, uint32_t c, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        __asm__ volatile(ISA_SETF #op "b $" #n ", %h[a]\n\t" ISA_GETF        \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
/* C0/C1 /x ib with count 1 on AL/AX/EAX, as bytes (modrm = 0xC0 | x << 3) */
#define GEN_E1(op, modrm)                                                    \
    GEN_E1S(op, 8, "0xc0, " modrm ", 1")                                     \
    GEN_E1S(op, 16, "0x66, 0xc1, " modrm ", 1")                              \
    GEN_E1S(op, 32, "0xc1, " modrm ", 1")
#define GEN_E1S(op, sz, bytes)                                               \
    static uint32_t op##sz##_e1(uint32_t a, uint32_t c, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        __asm__ volatile(ISA_SETF ".byte " bytes "\n\t" ISA_GETF             \
                         : [a] "+a"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }

/* Counts: X(op, sz, n [, kind]). */
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
    X(__VA_ARGS__, 8) X(__VA_ARGS__, 9) X(__VA_ARGS__, 16)                   \
    X(__VA_ARGS__, 17) X(__VA_ARGS__, 31) X(__VA_ARGS__, 32)                 \
    X(__VA_ARGS__, 33) X(__VA_ARGS__, 200)

#define GEN_OP(op, modrm)                                                    \
    CNT_REG(GEN_I, op, 8) CNT_REG(GEN_I, op, 16) CNT_REG(GEN_I, op, 32)      \
    CNT_FEW(GEN_IM, op, 8) CNT_FEW(GEN_IM, op, 16) CNT_FEW(GEN_IM, op, 32)   \
    CNT_FEW(GEN_IH, op, 8) GEN_E1(op, modrm)
GEN_OP(shl, "0xe0")
GEN_OP(shr, "0xe8")
GEN_OP(sar, "0xf8")
GEN_OP(rol, "0xc0")
GEN_OP(ror, "0xc8")
GEN_OP(rcl, "0xd0")
GEN_OP(rcr, "0xd8")

#define C_I(op, sz, K, n) { #op #sz ".i", op##sz##_i##n, K, sz, LOW, n },
#define C_IM(op, sz, K, n) { #op #sz ".im", op##sz##_im##n, K, sz, MEM, n },
#define C_IH(op, sz, K, n) { #op #sz ".ih", op##sz##_ih##n, K, sz, HIGH, n },
#define CASES(op, K)                                                         \
    CNT_REG(C_I, op, 8, K) CNT_REG(C_I, op, 16, K) CNT_REG(C_I, op, 32, K)   \
    CNT_FEW(C_IM, op, 8, K) CNT_FEW(C_IM, op, 16, K)                         \
    CNT_FEW(C_IM, op, 32, K) CNT_FEW(C_IH, op, 8, K)

static const struct scase cases[] = {
    CASES(shl, SHL) CASES(shr, SHR) CASES(sar, SAR) CASES(rol, ROL)
    CASES(ror, ROR) CASES(rcl, RCL) CASES(rcr, RCR)
};

#define C_E1(op, K)                                                          \
    { #op "8.e1", op##8_e1, K, 8, LOW, 1 },                                  \
    { #op "16.e1", op##16_e1, K, 16, LOW, 1 },                               \
    { #op "32.e1", op##32_e1, K, 32, LOW, 1 },
static const struct scase cases_e1[] = {
    C_E1(shl, SHL) C_E1(shr, SHR) C_E1(sar, SAR) C_E1(rol, ROL)
    C_E1(ror, ROR) C_E1(rcl, RCL) C_E1(rcr, RCR)
};

int test_main(void)
{
    for (int n = 0; n < N(cases); n++)
        run_shift(&cases[n], shift_vals(cases[n].bits), NSV, NULL, 0);
    for (int n = 0; n < N(cases_e1); n++) {
        const struct scase *c = &cases_e1[n];
        run_shift(c, c->bits == 8 ? isa_vals8
                     : c->bits == 16 ? isa_vals16 : isa_vals32,
                  isa_nvals(c->bits), NULL, 0);
    }
    isa_done("isa_shift_imm");
    return 0;
}
