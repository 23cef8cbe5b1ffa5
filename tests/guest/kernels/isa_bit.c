/*
 * isa_bit.c - the bit instructions BT BTS BTR BTC, BSF BSR and BSWAP,
 * verified against the host CPU (see isa.h).
 *
 * BT*: 16- and 32-bit; register operand with a register bit offset (taken
 * modulo the operand size) or an immediate one; memory operand with an
 * immediate offset (also modulo the size) and with a register offset, the
 * bit-string form, where the offset is signed and may select a word/dword
 * far before or after the operand's own.  The memory operand sits in the
 * middle of a buffer of dwords with a known pattern; each line shows the
 * dwords that changed ("buf=none": none).  16-bit register offsets carry
 * junk in bits 16..31, which the CPU must ignore.  BTS/BTR/BTC memory forms
 * also with LOCK.  Defined flags: CF (the old bit); ZF is unaffected (so
 * compared); OF SF AF PF undefined.
 *
 * BSF/BSR: 16/32-bit, register and memory source; only ZF is defined, and
 * for a zero source the destination is undefined (not printed).
 * BSWAP: every register but ESP/EBP; no flags change (all six compared).
 * Input flags all clear and all set.
 */
#include "isa.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define SUF_16 "w"
#define SUF_32 "l"
#define MOD_16 "w"
#define MOD_32 "k"

/* The bit string: dword BUF_MID is the memory operand. */
#define BUF_N 21
#define BUF_MID 10
uint32_t isa_bit_buf[BUF_N] __attribute__((used));
#define A_MID  "40(%[p])"                     /* [p] = isa_bit_buf */
#define A_MIDS "(%[p],%[i],8)"                /* [i] = 5 */
#define A_MIDA "isa_bit_buf+40"
#define MEMIN [p] "r"(isa_bit_buf), [i] "r"(5)

static uint32_t buf_init(int k)
{
    return (uint32_t)k * 0x01010101u ^ 0xA53C96E1u;
}

#define BT_FL (ISA_CF | ISA_ZF)
static const uint32_t fins[] = { 0, ISA_ARITH };

typedef uint32_t (*btfn)(uint32_t a, uint32_t n, uint32_t fin, uint32_t *r);

/* register operand, register offset */
#define GEN_RR(op, sz)                                                       \
    static uint32_t op##sz##_rr(uint32_t a, uint32_t n, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[n], %"        \
                         MOD_##sz "[a]\n\t" ISA_GETF                         \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [n] "r"(n), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
/* memory operand (bit string), register offset */
#define GEN_MR(op, sz, addr, pre, tag)                                       \
    static uint32_t op##sz##_##tag(uint32_t a, uint32_t n, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        (void)a;                                                             \
        __asm__ volatile(ISA_SETF pre #op SUF_##sz " %" MOD_##sz "[n], "     \
                         addr "\n\t" ISA_GETF                                \
                         : [fout] "=r"(f)                                    \
                         : [n] "r"(n), MEMIN, [fin] "r"(fin)                 \
                         : "cc", "memory");                                  \
        *r = 0;                                                              \
        return f;                                                            \
    }
/* register operand, immediate offset */
#define GEN_RI(op, sz, n)                                                    \
    static uint32_t op##sz##_ri##n(uint32_t a, uint32_t c, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        (void)c;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #n ", %" MOD_##sz        \
                         "[a]\n\t" ISA_GETF                                  \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
/* memory operand, immediate offset */
#define GEN_MI(op, sz, n, addr, pre, tag)                                    \
    static uint32_t op##sz##_##tag##n(uint32_t a, uint32_t c, uint32_t fin,  \
                                      uint32_t *r)                           \
    {                                                                        \
        uint32_t f;                                                          \
        (void)a;                                                             \
        (void)c;                                                             \
        __asm__ volatile(ISA_SETF pre #op SUF_##sz " $" #n ", " addr "\n\t"  \
                         ISA_GETF                                            \
                         : [fout] "=r"(f)                                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = 0;                                                              \
        return f;                                                            \
    }

#define IMMS(X, ...)                                                         \
    X(__VA_ARGS__, 0) X(__VA_ARGS__, 1) X(__VA_ARGS__, 7) X(__VA_ARGS__, 8)  \
    X(__VA_ARGS__, 15) X(__VA_ARGS__, 16) X(__VA_ARGS__, 17)                 \
    X(__VA_ARGS__, 31) X(__VA_ARGS__, 32) X(__VA_ARGS__, 33)                 \
    X(__VA_ARGS__, 63) X(__VA_ARGS__, 255)
#define GEN_MI_X(op, sz, n) GEN_MI(op, sz, n, A_MIDA, "", mi)
#define GEN_LMI_X(op, sz, n) GEN_MI(op, sz, n, A_MID, "lock ", lmi)

#define GEN_SZ(op, sz)                                                       \
    GEN_RR(op, sz) GEN_MR(op, sz, A_MID, "", mr)                             \
    IMMS(GEN_RI, op, sz) IMMS(GEN_MI_X, op, sz)
#define GEN_LOCK(op, sz)                                                     \
    GEN_MR(op, sz, A_MIDS, "lock ", lmr) IMMS(GEN_LMI_X, op, sz)
GEN_SZ(bt, 16) GEN_SZ(bt, 32)
GEN_SZ(bts, 16) GEN_SZ(bts, 32) GEN_LOCK(bts, 16) GEN_LOCK(bts, 32)
GEN_SZ(btr, 16) GEN_SZ(btr, 32) GEN_LOCK(btr, 16) GEN_LOCK(btr, 32)
GEN_SZ(btc, 16) GEN_SZ(btc, 32) GEN_LOCK(btc, 16) GEN_LOCK(btc, 32)

enum { REG, MEM };
struct btcase {
    const char *name;
    btfn fn;
    uint8_t bits, where;
    int16_t imm;                  /* immediate offset, -1: register */
};
#define C_RI(op, sz, n) { #op #sz ".ri", op##sz##_ri##n, sz, REG, n },
#define C_MI(op, sz, n) { #op #sz ".mi", op##sz##_mi##n, sz, MEM, n },
#define C_LMI(op, sz, n) { #op #sz ".lmi", op##sz##_lmi##n, sz, MEM, n },
#define C_SZ(op, sz)                                                         \
    { #op #sz ".rr", op##sz##_rr, sz, REG, -1 },                             \
    { #op #sz ".mr", op##sz##_mr, sz, MEM, -1 },                             \
    IMMS(C_RI, op, sz) IMMS(C_MI, op, sz)
#define C_LOCK(op, sz)                                                       \
    { #op #sz ".lmr", op##sz##_lmr, sz, MEM, -1 }, IMMS(C_LMI, op, sz)
static const struct btcase bt_cases[] = {
    C_SZ(bt, 16) C_SZ(bt, 32)
    C_SZ(bts, 16) C_SZ(bts, 32) C_LOCK(bts, 16) C_LOCK(bts, 32)
    C_SZ(btr, 16) C_SZ(btr, 32) C_LOCK(btr, 16) C_LOCK(btr, 32)
    C_SZ(btc, 16) C_SZ(btc, 32) C_LOCK(btc, 16) C_LOCK(btc, 32)
};

/* Register offsets: for register operands (used modulo the size) ... */
static const uint32_t offs_reg[] = {
    0, 1, 5, 7, 8, 15, 16, 17, 30, 31, 32, 33, 63, 255, 0xffffffff,
    0x80000000, 0x7fffffe1,
};
/* ... and signed bit-string offsets for memory operands (|n| < 320). */
static const int32_t offs_mem[] = {
    -320, -300, -257, -129, -64, -33, -32, -31, -17, -16, -15, -1, 0, 1, 2,
    15, 16, 17, 31, 32, 33, 63, 64, 100, 200, 255, 300, 319,
};
static const uint32_t bt_vals[] = { 0x00000000, 0xffffffff, 0x5a3c96e1,
                                    0x80000001 };

/* Appends " buf=[k]=xxxxxxxx,..." for every buffer dword that is not the
 * initial pattern (" buf=none" if none). */
static void buf_diff(char *out)
{
    const char *sep = "";

    out += sprintf(out, " buf=");
    for (int k = 0; k < BUF_N; k++)
        if (isa_bit_buf[k] != buf_init(k)) {
            out += sprintf(out, "%s[%d]=%08x", sep, k - BUF_MID,
                           (unsigned)isa_bit_buf[k]);
            sep = ",";
        }
    if (!*sep)
        sprintf(out, "none");
}

static void run_bt(const struct btcase *c, uint32_t a, uint32_t n,
                   uint32_t fin)
{
    int dig = isa_hex(c->bits);
    uint32_t r, fl;
    char note[BUF_N * 18 + 32];

    for (int k = 0; k < BUF_N; k++)
        isa_bit_buf[k] = buf_init(k);
    a = isa_trunc(a, c->bits);
    /* a 16-bit register offset gets junk in bits 16..31 */
    uint32_t nreg = c->bits == 16 ? isa_place(n, 16, 0, 0x0003A5A5u) : n;
    fl = c->fn(isa_place(a, c->bits, 0, 0xBEEF5A5Au), nreg, fin, &r);
    if (c->where == REG) {
        r = isa_extract(r, c->bits, 0, 0xBEEF5A5Au, note);
        if (c->imm >= 0)
            isa_line("%s a=0x%0*x n=%d in=%s -> r=0x%0*x fl=%s%s\n", c->name,
                     dig, a, c->imm, isa_fl(fin, ISA_ARITH), dig, r,
                     isa_fl(fl, BT_FL), note);
        else
            isa_line("%s a=0x%0*x n=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n",
                     c->name, dig, a, dig, isa_trunc(n, c->bits),
                     isa_fl(fin, ISA_ARITH), dig, r, isa_fl(fl, BT_FL), note);
    } else {
        buf_diff(note);
        if (c->imm >= 0)
            isa_line("%s n=%d in=%s -> fl=%s%s\n", c->name, c->imm,
                     isa_fl(fin, ISA_ARITH), isa_fl(fl, BT_FL), note);
        else
            isa_line("%s n=%d in=%s -> fl=%s%s\n", c->name,
                     c->bits == 16 ? (int)(int16_t)n : (int)n,
                     isa_fl(fin, ISA_ARITH), isa_fl(fl, BT_FL), note);
    }
}

/* ---- BSF / BSR ---- */
typedef uint32_t (*bsfn)(uint32_t a, uint32_t *r, uint32_t fin);
#define GEN_BS(op, sz, addr)                                                 \
    static uint32_t op##sz##_r(uint32_t a, uint32_t *r, uint32_t fin)        \
    {                                                                        \
        uint32_t f, d = *r;                                                  \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[a], %"        \
                         MOD_##sz "[d]\n\t" ISA_GETF                         \
                         : [d] "+r"(d), [fout] "=r"(f)                       \
                         : [a] "r"(a), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = d;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t op##sz##_m(uint32_t a, uint32_t *r, uint32_t fin)        \
    {                                                                        \
        uint32_t f, d = *r;                                                  \
        isa_bit_buf[BUF_MID] = a;                                            \
        __asm__ volatile(ISA_SETF #op SUF_##sz " " addr ", %" MOD_##sz       \
                         "[d]\n\t" ISA_GETF                                  \
                         : [d] "+r"(d), [fout] "=r"(f)                       \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = d;                                                              \
        return f;                                                            \
    }
GEN_BS(bsf, 16, A_MID) GEN_BS(bsf, 32, A_MIDS)
GEN_BS(bsr, 16, A_MIDA) GEN_BS(bsr, 32, A_MID)

struct bscase {
    const char *name;
    bsfn fn;
    int bits;
};
static const struct bscase bs_cases[] = {
    { "bsf16.r", bsf16_r, 16 }, { "bsf16.m", bsf16_m, 16 },
    { "bsf32.r", bsf32_r, 32 }, { "bsf32.m", bsf32_m, 32 },
    { "bsr16.r", bsr16_r, 16 }, { "bsr16.m", bsr16_m, 16 },
    { "bsr32.r", bsr32_r, 32 }, { "bsr32.m", bsr32_m, 32 },
};

static void run_bs(const struct bscase *c, uint32_t a, uint32_t fin)
{
    int dig = isa_hex(c->bits);
    uint32_t r = 0xBEEF5A5Au, fl;
    char note[32];

    a = isa_trunc(a, c->bits);
    fl = c->fn(isa_place(a, c->bits, 0, 0xC0DE3C3Cu), &r, fin);
    if (a == 0) {              /* destination undefined; high bits kept */
        if (c->bits == 16 && (r >> 16) != 0xBEEFu)
            sprintf(note, " CLOBBER=0x%08x", (unsigned)r);
        else
            note[0] = 0;
        isa_line("%s a=0x%0*x in=%s -> fl=%s%s\n", c->name, dig, a,
                 isa_fl(fin, ISA_ARITH), isa_fl(fl, ISA_ZF), note);
        return;
    }
    r = isa_extract(r, c->bits, 0, 0xBEEF5A5Au, note);
    isa_line("%s a=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n", c->name, dig, a,
             isa_fl(fin, ISA_ARITH), dig, r, isa_fl(fl, ISA_ZF), note);
}

/* ---- BSWAP on each register ---- */
#define GEN_BSWAP(name, con)                                                 \
    static uint32_t bswap_##name(uint32_t a, uint32_t fin, uint32_t *r)      \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF "bswap %[a]\n\t" ISA_GETF                  \
                         : [a] "+" con(a), [fout] "=r"(f)                    \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
GEN_BSWAP(eax, "a") GEN_BSWAP(ebx, "b") GEN_BSWAP(ecx, "c")
GEN_BSWAP(edx, "d") GEN_BSWAP(esi, "S") GEN_BSWAP(edi, "D")
static uint32_t (*const bswaps[])(uint32_t, uint32_t, uint32_t *) = {
    bswap_eax, bswap_ebx, bswap_ecx, bswap_edx, bswap_esi, bswap_edi,
};
static const char *const bswap_names[] = {
    "bswap.eax", "bswap.ebx", "bswap.ecx", "bswap.edx", "bswap.esi",
    "bswap.edi",
};

int test_main(void)
{
    for (int n = 0; n < N(bt_cases); n++) {
        const struct btcase *c = &bt_cases[n];

        for (int k = 0; k < N(fins); k++) {
            if (c->where == REG && c->imm < 0) {
                for (int i = 0; i < N(bt_vals); i++)
                    for (int j = 0; j < N(offs_reg); j++)
                        run_bt(c, bt_vals[i], offs_reg[j], fins[k]);
            } else if (c->where == REG) {
                for (int i = 0; i < N(bt_vals); i++)
                    run_bt(c, bt_vals[i], 0, fins[k]);
            } else if (c->imm < 0) {
                for (int j = 0; j < N(offs_mem); j++)
                    run_bt(c, 0, (uint32_t)offs_mem[j], fins[k]);
            } else {
                run_bt(c, 0, 0, fins[k]);
            }
        }
    }

    for (int n = 0; n < N(bs_cases); n++) {
        const struct bscase *c = &bs_cases[n];
        for (int k = 0; k < N(fins); k++) {
            for (int i = 0; i < isa_nvals(c->bits); i++)
                run_bs(c, isa_val(c->bits, i), fins[k]);
            for (int b = 0; b < c->bits; b++)
                run_bs(c, 1u << b, fins[k]);
            for (int b = 0; b < c->bits; b++)
                run_bs(c, ~0u << b, fins[k]);
            isa_srand(0x1234u + (uint32_t)n);
            for (int i = 0; i < 16; i++) {
                uint32_t v = isa_rand();
                run_bs(c, v >> (v & 31), fins[k]);
            }
        }
    }

    isa_srand(99);
    for (int n = 0; n < N(bswaps); n++)
        for (int i = 0; i < ISA_NVALS32 + 8; i++)
            for (int k = 0; k < N(fins); k++) {
                uint32_t a = i < ISA_NVALS32 ? isa_vals32[i] : isa_rand(), r;
                uint32_t fl = bswaps[n](a, fins[k], &r);
                isa_line("%s a=0x%08x in=%s -> r=0x%08x fl=%s\n",
                         bswap_names[n], a, isa_fl(fins[k], ISA_ARITH), r,
                         isa_fl(fl, ISA_ARITH));
            }
    isa_done("isa_bit");
    return 0;
}
