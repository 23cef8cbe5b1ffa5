/*
 * isa_muldiv.c - MUL, IMUL (one-, two- and three-operand forms, imm8 and
 * imm16/32) and DIV, IDIV, verified against the host CPU (see isa.h):
 * 8-, 16- and 32-bit operands in a register (including BH/CH and AH, as in
 * `mulb %ah`) and in memory; edge values and LCG values.  Only divisions
 * that do not raise #DE are run here (the C side checks the quotient
 * range first); #DE itself is tested elsewhere.  Input flags alternate
 * between all clear and all set.  Register bits outside the operands
 * (EAX/EDX upper halves for 8/16-bit forms, EDX for 8-bit) must survive.
 *
 * Defined flags (SDM): MUL/IMUL set CF = OF (the high half is significant);
 * SF ZF AF PF are undefined.  DIV/IDIV leave all six undefined: no flags
 * are printed for them.
 */
#include "isa.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define SUF_8 "b"
#define SUF_16 "w"
#define SUF_32 "l"
#define CON_8 "q"
#define CON_16 "r"
#define CON_32 "r"
#define MOD_8 "b"
#define MOD_16 "w"
#define MOD_32 "k"

uint32_t isa_md_mem[3] __attribute__((used));
#define MGUARD0 0x5EC0DE00u
#define MGUARD2 0x0BADF00Du
#define A_BD   "4(%[p])"
#define A_SIB  "(%[p],%[i],4)"
#define A_ABS  "isa_md_mem+4"
#define A_SIB2 "-4(%[p],%[i],8)"
#define MEMIN [p] "r"(isa_md_mem), [i] "r"(1)

#define MD_FL (ISA_CF | ISA_OF)

/* ---- one-operand forms: EDX:EAX op= operand ---- */
typedef uint32_t (*onefn)(uint32_t *eax, uint32_t *edx, uint32_t b,
                          uint32_t fin);

#define GEN1_R(op, sz)                                                       \
    static uint32_t op##sz##_r(uint32_t *eax, uint32_t *edx, uint32_t b,     \
                               uint32_t fin)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[b]\n\t"       \
                         ISA_GETF                                            \
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)            \
                         : [b] CON_##sz(b), [fin] "r"(fin)                   \
                         : "cc");                                            \
        return f;                                                            \
    }
#define GEN1_M(op, sz, addr)                                                 \
    static uint32_t op##sz##_m(uint32_t *eax, uint32_t *edx, uint32_t b,     \
                               uint32_t fin)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        isa_md_mem[1] = b;                                                   \
        __asm__ volatile(ISA_SETF #op SUF_##sz " " addr "\n\t" ISA_GETF      \
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)            \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        return f;                                                            \
    }
/* 8-bit operand in BH or CH */
#define GEN1_H(op)                                                           \
    static uint32_t op##8_h(uint32_t *eax, uint32_t *edx, uint32_t b,        \
                            uint32_t fin)                                    \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op "b %h[b]\n\t" ISA_GETF                 \
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)            \
                         : [b] "Q"(b << 8 | 0x3c), [fin] "r"(fin)            \
                         : "cc");                                            \
        return f;                                                            \
    }
/* 8-bit operand AH, i.e. the driver's b is put into AH */
#define GEN1_AH(op)                                                          \
    static uint32_t op##8_ah(uint32_t *eax, uint32_t *edx, uint32_t b,       \
                             uint32_t fin)                                   \
    {                                                                        \
        uint32_t f;                                                          \
        (void)b;                                                             \
        __asm__ volatile(ISA_SETF #op "b %%ah\n\t" ISA_GETF                  \
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)            \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        return f;                                                            \
    }
#define GEN1(op, m8, m16, m32)                                               \
    GEN1_R(op, 8) GEN1_R(op, 16) GEN1_R(op, 32)                              \
    GEN1_M(op, 8, m8) GEN1_M(op, 16, m16) GEN1_M(op, 32, m32)                \
    GEN1_H(op) GEN1_AH(op)
GEN1(mul, A_BD, A_SIB, A_ABS)
GEN1(imul, A_SIB, A_ABS, A_SIB2)
GEN1(div, A_ABS, A_SIB2, A_BD)
GEN1(idiv, A_SIB2, A_BD, A_SIB)

enum { R, M, H, AH };
enum { MUL, IMUL, DIV, IDIV };
struct onecase {
    const char *name;
    onefn fn;
    uint8_t op, bits, form;
};
#define C1(op, K)                                                            \
    { #op "8.r", op##8_r, K, 8, R }, { #op "16.r", op##16_r, K, 16, R },     \
    { #op "32.r", op##32_r, K, 32, R }, { #op "8.m", op##8_m, K, 8, M },     \
    { #op "16.m", op##16_m, K, 16, M }, { #op "32.m", op##32_m, K, 32, M },  \
    { #op "8.h", op##8_h, K, 8, H }, { #op "8.ah", op##8_ah, K, 8, AH },
static const struct onecase one_cases[] = {
    C1(mul, MUL) C1(imul, IMUL) C1(div, DIV) C1(idiv, IDIV)
};

#define JUNK_EAX 0xBEEF5A5Au
#define JUNK_EDX 0xC0DE3C3Cu

/* Does dividing n (2*bits wide, as hi:lo) by d fault (#DE)? */
static int div_faults(int op, int bits, uint32_t hi, uint32_t lo, uint32_t d)
{
    if (d == 0)
        return 1;
    if (op == DIV)
        return hi >= d;               /* the quotient needs more than bits */
    int64_t n, sd, q;
    if (bits == 32) {
        n = (int64_t)((uint64_t)hi << 32 | lo);
        sd = (int32_t)d;
    } else if (bits == 16) {
        n = (int32_t)(hi << 16 | lo);
        sd = (int16_t)d;
    } else {
        n = (int16_t)(hi << 8 | lo);
        sd = (int8_t)d;
    }
    if (sd == -1) {
        if (n == INT64_MIN)
            return 1;
        q = -n;
    } else {
        q = n / sd;
    }
    int64_t lim = (int64_t)1 << (bits - 1);
    return q < -lim || q >= lim;
}

/* Runs one 1-operand case on dividend/multiplicand hi:lo (hi is only used
 * for DIV/IDIV) and operand b; fin alternates. */
static void run_one(const struct onecase *c, uint32_t hi, uint32_t lo,
                    uint32_t b, uint32_t fin)
{
    int bits = c->bits, dig = isa_hex(bits);
    int isdiv = c->op == DIV || c->op == IDIV;
    uint32_t eax, edx, fl;
    char note[48] = "";

    lo = isa_trunc(lo, bits);
    hi = isdiv ? isa_trunc(hi, bits) : 0;
    b = isa_trunc(b, bits);
    if (c->form == AH) {                  /* the operand is AH */
        if (isdiv)
            b = hi;
        else
            hi = b;
    }
    if (isdiv && div_faults(c->op, bits, hi, lo, b))
        return;
    if (bits == 8) {
        eax = (JUNK_EAX & 0xFFFF0000u) | hi << 8 | lo;
        edx = JUNK_EDX;
    } else if (bits == 16) {
        eax = (JUNK_EAX & 0xFFFF0000u) | lo;
        edx = (JUNK_EDX & 0xFFFF0000u) | hi;
    } else {
        eax = lo;
        edx = hi;
    }
    isa_md_mem[0] = MGUARD0;
    isa_md_mem[2] = MGUARD2;
    fl = c->fn(&eax, &edx, c->form == M ? (MGUARD0 & ~isa_trunc(~0u, bits)) | b
                                        : b, fin);
    uint32_t rlo, rhi;
    if (bits == 8) {
        rlo = eax & 0xFF;
        rhi = eax >> 8 & 0xFF;
        if ((eax >> 16) != (JUNK_EAX >> 16) || edx != JUNK_EDX)
            sprintf(note, " CLOBBER=0x%08x,0x%08x", (unsigned)eax,
                    (unsigned)edx);
    } else if (bits == 16) {
        rlo = eax & 0xFFFF;
        rhi = edx & 0xFFFF;
        if ((eax >> 16) != (JUNK_EAX >> 16) || (edx >> 16) != (JUNK_EDX >> 16))
            sprintf(note, " CLOBBER=0x%08x,0x%08x", (unsigned)eax,
                    (unsigned)edx);
    } else {
        rlo = eax;
        rhi = edx;
    }
    if (isa_md_mem[0] != MGUARD0 || isa_md_mem[2] != MGUARD2 ||
        (c->form == M && (isa_md_mem[1] & ~isa_trunc(~0u, bits)) !=
                             (MGUARD0 & ~isa_trunc(~0u, bits))))
        sprintf(note + strlen(note), " GUARD");
    if (isdiv)
        isa_line("%s n=0x%0*x:%0*x d=0x%0*x -> q=0x%0*x r=0x%0*x%s\n",
                 c->name, dig, hi, dig, lo, dig, b, dig, rlo, dig, rhi, note);
    else
        isa_line("%s a=0x%0*x b=0x%0*x in=%s -> hi=0x%0*x lo=0x%0*x fl=%s%s\n",
                 c->name, dig, lo, dig, b, isa_fl(fin, ISA_ARITH), dig, rhi,
                 dig, rlo, isa_fl(fl, MD_FL), note);
}

/* ---- IMUL r, r/m (two operands) and IMUL r, r/m, imm (three) ---- */
typedef uint32_t (*twofn)(uint32_t a, uint32_t b, uint32_t fin, uint32_t *r);

#define GEN2_R(sz)                                                           \
    static uint32_t imul##sz##_rr(uint32_t a, uint32_t b, uint32_t fin,      \
                                  uint32_t *r)                               \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF "imul" SUF_##sz " %" MOD_##sz "[b], %"     \
                         MOD_##sz "[a]\n\t" ISA_GETF                         \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [b] "r"(b), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN2_M(sz, addr)                                                     \
    static uint32_t imul##sz##_rm(uint32_t a, uint32_t b, uint32_t fin,      \
                                  uint32_t *r)                               \
    {                                                                        \
        uint32_t f;                                                          \
        isa_md_mem[1] = b;                                                   \
        __asm__ volatile(ISA_SETF "imul" SUF_##sz " " addr ", %" MOD_##sz    \
                         "[a]\n\t" ISA_GETF                                  \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = a;                                                              \
        return f;                                                            \
    }
/* a = b * imm; a starts as junk */
#define GEN3_R(sz, tag, imm)                                                 \
    static uint32_t imul##sz##_rri_##tag(uint32_t a, uint32_t b,             \
                                         uint32_t fin, uint32_t *r)          \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF "imul" SUF_##sz " $" #imm ", %" MOD_##sz   \
                         "[b], %" MOD_##sz "[a]\n\t" ISA_GETF                \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [b] "r"(b), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t imul##sz##_rmi_##tag(uint32_t a, uint32_t b,             \
                                         uint32_t fin, uint32_t *r)          \
    {                                                                        \
        uint32_t f;                                                          \
        isa_md_mem[1] = b;                                                   \
        __asm__ volatile(ISA_SETF "imul" SUF_##sz " $" #imm ", " A_SIB       \
                         ", %" MOD_##sz "[a]\n\t" ISA_GETF                   \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = a;                                                              \
        return f;                                                            \
    }
/* Immediates: imm8 forms (6B) for -128..127, imm16/32 (69) otherwise. */
#define IMM3_16(X, ...) X(__VA_ARGS__, 0000, 0) X(__VA_ARGS__, 0001, 1)      \
    X(__VA_ARGS__, ffff, -1) X(__VA_ARGS__, 007f, 127)                       \
    X(__VA_ARGS__, ff80, -128) X(__VA_ARGS__, 0080, 0x80)                    \
    X(__VA_ARGS__, 7fff, 0x7fff) X(__VA_ARGS__, 8000, -0x8000)               \
    X(__VA_ARGS__, 1234, 0x1234)
#define IMM3_32(X, ...) X(__VA_ARGS__, 00000000, 0) X(__VA_ARGS__, 00000001, 1) \
    X(__VA_ARGS__, ffffffff, -1) X(__VA_ARGS__, 0000007f, 127)               \
    X(__VA_ARGS__, ffffff80, -128) X(__VA_ARGS__, 00000080, 0x80)            \
    X(__VA_ARGS__, 7fffffff, 0x7fffffff)                                     \
    X(__VA_ARGS__, 80000000, -0x80000000) X(__VA_ARGS__, 00010001, 0x10001)  \
    X(__VA_ARGS__, 9e3779b9, -0x61c88647)

GEN2_R(16) GEN2_R(32) GEN2_M(16, A_BD) GEN2_M(32, A_SIB2)
IMM3_16(GEN3_R, 16) IMM3_32(GEN3_R, 32)

struct twocase {
    const char *name;
    twofn fn;
    uint8_t bits, mem, imm;
    uint32_t immv;
};
#define C3(sz, tag, imm)                                                     \
    { "imul" #sz ".rri", imul##sz##_rri_##tag, sz, 0, 1, (uint32_t)(imm) },  \
    { "imul" #sz ".rmi", imul##sz##_rmi_##tag, sz, 1, 1, (uint32_t)(imm) },
static const struct twocase two_cases[] = {
    { "imul16.rr", imul16_rr, 16, 0, 0, 0 },
    { "imul32.rr", imul32_rr, 32, 0, 0, 0 },
    { "imul16.rm", imul16_rm, 16, 1, 0, 0 },
    { "imul32.rm", imul32_rm, 32, 1, 0, 0 },
    IMM3_16(C3, 16) IMM3_32(C3, 32)
};

#define JUNK_A 0xBEEF5A5Au

static void run_two(const struct twocase *c, uint32_t a, uint32_t b,
                    uint32_t fin)
{
    int bits = c->bits, dig = isa_hex(bits);
    uint32_t r, fl;
    char note[48];

    a = isa_trunc(a, bits);
    b = isa_trunc(b, bits);
    if (c->imm)
        a = 0xA5A5A5A5u & isa_trunc(~0u, bits);   /* overwritten */
    fl = c->fn(isa_place(a, bits, 0, JUNK_A),
               isa_place(b, bits, 0, c->mem ? MGUARD0 : 0xC0DE3C3Cu), fin, &r);
    r = isa_extract(r, bits, 0, JUNK_A, note);
    if (c->imm)
        isa_line("%s b=0x%0*x imm=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n", c->name,
                 dig, b, dig, isa_trunc(c->immv, bits), isa_fl(fin, ISA_ARITH),
                 dig, r, isa_fl(fl, MD_FL), note);
    else
        isa_line("%s a=0x%0*x b=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n", c->name,
                 dig, a, dig, b, isa_fl(fin, ISA_ARITH), dig, r,
                 isa_fl(fl, MD_FL), note);
}

/* High halves of dividends: small, sign extensions, large. */
static const uint32_t div_hi[] = {
    0x00000000, 0x00000001, 0x0000000f, 0x7fffffff, 0x80000000, 0xfffffff0,
    0xffffffff, 0x00001234,
};

static const uint32_t *vals(int bits)
{
    return bits == 8 ? isa_vals8 : bits == 16 ? isa_vals16 : isa_vals32;
}

int test_main(void)
{
    uint32_t rnd[64];
    unsigned t = 0;

    for (int i = 0; i < N(rnd); i++)
        rnd[i] = isa_rand();

    for (int n = 0; n < N(one_cases); n++) {
        const struct onecase *c = &one_cases[n];
        const uint32_t *v = vals(c->bits);
        int nv = isa_nvals(c->bits);

        if (c->op == MUL || c->op == IMUL) {
            for (int i = 0; i < nv; i++)
                for (int j = 0; j < nv; j++)
                    run_one(c, 0, v[i], v[j], t++ & 1 ? ISA_ARITH : 0);
            for (int i = 0; i + 1 < N(rnd); i += 2)
                run_one(c, 0, rnd[i], rnd[i + 1], t++ & 1 ? ISA_ARITH : 0);
        } else {
            int nh = c->bits == 8 ? 6 : N(div_hi);
            for (int h = 0; h < nh; h++)
                for (int i = 0; i < nv; i++)
                    for (int j = 0; j < nv; j++)
                        run_one(c, div_hi[h], v[i], v[j],
                                t++ & 1 ? ISA_ARITH : 0);
            for (int i = 0; i + 1 < N(rnd); i += 2) {
                /* random dividends whose quotient fits */
                uint32_t d = rnd[i + 1] | 1;
                run_one(c, rnd[i] % isa_trunc(d, c->bits), rnd[i], d,
                        t++ & 1 ? ISA_ARITH : 0);
                run_one(c, rnd[i] & 0x80000000u ? ~0u : 0, rnd[i] >> 3,
                        rnd[i + 1] | 0x10, t++ & 1 ? ISA_ARITH : 0);
            }
        }
    }
    for (int n = 0; n < N(two_cases); n++) {
        const struct twocase *c = &two_cases[n];
        const uint32_t *v = vals(c->bits);
        int nv = isa_nvals(c->bits);

        for (int i = 0; i < (c->imm ? 1 : nv); i++)
            for (int j = 0; j < nv; j++)
                run_two(c, v[i], v[j], t++ & 1 ? ISA_ARITH : 0);
        for (int i = 0; i + 1 < N(rnd); i += (c->imm ? 4 : 2))
            run_two(c, rnd[i], rnd[i + 1], t++ & 1 ? ISA_ARITH : 0);
    }
    isa_done("isa_muldiv");
    return 0;
}
