/*
 * isa_misc.c - the remaining user-level integer instructions, verified
 * against the host CPU (see isa.h):
 *   SETcc    all 16 conditions x all 32 combinations of OF SF ZF PF CF (AF
 *            alternating), into a register, AH/BH/CH/DH and memory
 *   CMOVcc   all 16 conditions, 16/32-bit, register and memory source
 *   XCHG     reg/reg (incl. the 90+r short forms and high bytes), reg/mem
 *   XADD     8/16/32, register, memory, LOCK, high bytes
 *   CMPXCHG  8/16/32, success and failure, register, memory, LOCK, high
 *            bytes; CMPXCHG8B success and failure, with and without LOCK
 *   MOVZX MOVSX  all source/destination sizes, register (incl. high
 *            bytes) and memory sources
 *   LEA      32-bit addressing (every base incl. ESP and EBP, SIB scales,
 *            no base, EBP as index, disp8/disp32), 16-bit destination, and
 *            16-bit addressing (0x67 prefix, incl. wrap-around)
 *   CBW CWDE CWD CDQ, LAHF SAHF, XLAT, CLC STC CMC, NOP forms
 * Flags: XADD and CMPXCHG define all six (as ADD and CMP); CMPXCHG8B
 * defines ZF and leaves the others unaffected; SAHF loads SF ZF AF PF CF
 * and keeps OF; CLC STC CMC change CF only; the others change no flag.
 * "Unaffected" flags are compared too (they must equal the input).
 * Register bits outside the operands hold junk that must survive.
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

uint32_t isa_misc_mem[4] __attribute__((used));
#define MGUARD0 0x5EC0DE00u
#define MGUARD2 0x0BADF00Du
#define A_BD   "4(%[p])"
#define A_SIB  "(%[p],%[i],4)"
#define A_ABS  "isa_misc_mem+4"
#define A_SIB2 "-4(%[p],%[i],8)"
#define MEMIN [p] "r"(isa_misc_mem), [i] "r"(1)

#define JUNK_A 0xBEEF5A5Au
#define JUNK_B 0xC0DE3C3Cu

static const uint32_t fins[] = { 0, ISA_ARITH };

static void mem_reset(uint32_t v)
{
    isa_misc_mem[0] = MGUARD0;
    isa_misc_mem[1] = v;
    isa_misc_mem[2] = MGUARD2;
    isa_misc_mem[3] = MGUARD2;
}

/* Appends " GUARD" to note if the guards around the memory operand
 * changed. */
static void mem_check(char *note)
{
    if (isa_misc_mem[0] != MGUARD0 || isa_misc_mem[2] != MGUARD2)
        sprintf(note + strlen(note), " GUARD=%08x,%08x",
                (unsigned)isa_misc_mem[0], (unsigned)isa_misc_mem[2]);
}

/* Input flags for combination k (0..63) of O S Z A P C (bit 5 = O ...). */
static uint32_t combo(int k)
{
    static const uint32_t bit[] = { ISA_CF, ISA_PF, ISA_AF, ISA_ZF, ISA_SF,
                                    ISA_OF };
    uint32_t f = 0;

    for (int i = 0; i < 6; i++)
        if (k & 1 << i)
            f |= bit[i];
    return f;
}

/* ---- SETcc / CMOVcc ---- */
#define CONDS(X)                                                             \
    X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a)                              \
    X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)

#define GEN_SET(cc)                                                          \
    static uint32_t set##cc##_r(uint32_t fin, uint32_t *r)                   \
    {                                                                        \
        uint32_t f, a = JUNK_A;                                              \
        __asm__ volatile(ISA_SETF "set" #cc " %b[a]\n\t" ISA_GETF            \
                         : [a] "+q"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t set##cc##_h(uint32_t fin, uint32_t *r)                   \
    {                                                                        \
        uint32_t f, a = JUNK_A;                                              \
        __asm__ volatile(ISA_SETF "set" #cc " %h[a]\n\t" ISA_GETF            \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t set##cc##_m(uint32_t fin, uint32_t *r)                   \
    {                                                                        \
        uint32_t f;                                                          \
        mem_reset(JUNK_A);                                                   \
        __asm__ volatile(ISA_SETF "set" #cc " " A_SIB "\n\t" ISA_GETF        \
                         : [fout] "=r"(f)                                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = isa_misc_mem[1];                                                \
        return f;                                                            \
    }
CONDS(GEN_SET)

#define GEN_CMOV(cc)                                                         \
    static uint32_t cmov##cc##_16r(uint32_t a, uint32_t b, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF "cmov" #cc "w %w[b], %w[a]\n\t" ISA_GETF   \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [b] "r"(b), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t cmov##cc##_32r(uint32_t a, uint32_t b, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF "cmov" #cc "l %[b], %[a]\n\t" ISA_GETF     \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : [b] "r"(b), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t cmov##cc##_16m(uint32_t a, uint32_t b, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        mem_reset(b);                                                        \
        __asm__ volatile(ISA_SETF "cmov" #cc "w " A_BD ", %w[a]\n\t"         \
                         ISA_GETF                                            \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t cmov##cc##_32m(uint32_t a, uint32_t b, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        mem_reset(b);                                                        \
        __asm__ volatile(ISA_SETF "cmov" #cc "l " A_SIB2 ", %[a]\n\t"        \
                         ISA_GETF                                            \
                         : [a] "+r"(a), [fout] "=r"(f)                       \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = a;                                                              \
        return f;                                                            \
    }
CONDS(GEN_CMOV)

struct condfns {
    const char *cc;
    uint32_t (*set[3])(uint32_t, uint32_t *);
    uint32_t (*cmov[4])(uint32_t, uint32_t, uint32_t, uint32_t *);
};
#define COND_ENTRY(cc)                                                       \
    { #cc, { set##cc##_r, set##cc##_h, set##cc##_m },                        \
      { cmov##cc##_16r, cmov##cc##_32r, cmov##cc##_16m, cmov##cc##_32m } },
static const struct condfns conds[] = { CONDS(COND_ENTRY) };

static void test_setcc_cmov(void)
{
    static const char *const setform[] = { "r", "h", "m" };
    static const char *const cmovform[] = { "16r", "32r", "16m", "32m" };

    for (int c = 0; c < N(conds); c++)
        for (int k = 0; k < 64; k++) {
            /* AF does not matter to any condition: one value per combo */
            if (((k >> 2) & 1) != ((k >> 5) & 1))
                continue;
            uint32_t fin = combo(k);
            for (int form = 0; form < 3; form++) {
                uint32_t r, fl;
                char note[48];

                fl = conds[c].set[form](fin, &r);
                r = isa_extract(r, 8, form == 1, JUNK_A, note);
                if (form == 2)
                    mem_check(note);
                isa_line("set%s.%s in=%s -> r=%u fl=%s%s\n", conds[c].cc,
                         setform[form], isa_fl(fin, ISA_ARITH), (unsigned)r,
                         isa_fl(fl, ISA_ARITH), note);
            }
            for (int form = 0; form < 4; form++) {
                int bits = form & 1 ? 32 : 16;
                uint32_t a = isa_trunc(0x13572468u, bits);
                uint32_t b = isa_trunc(0x9abcdef0u, bits);
                uint32_t r, fl;
                char note[48];

                fl = conds[c].cmov[form](isa_place(a, bits, 0, JUNK_A),
                                         isa_place(b, bits, 0, JUNK_B), fin,
                                         &r);
                r = isa_extract(r, bits, 0, JUNK_A, note);
                if (form >= 2)
                    mem_check(note);
                isa_line("cmov%s.%s in=%s -> r=0x%0*x fl=%s%s\n", conds[c].cc,
                         cmovform[form], isa_fl(fin, ISA_ARITH),
                         isa_hex(bits), r, isa_fl(fl, ISA_ARITH), note);
            }
        }
}

/* ---- XCHG, XADD, CMPXCHG: two operands both written ---- */
typedef uint32_t (*xfn)(uint32_t *a, uint32_t *b, uint32_t fin);

/* reg/reg with operand modifiers ma, mb */
#define GEN_X_RR(name, insn, sz, ma, mb, ca, cb)                             \
    static uint32_t name(uint32_t *a, uint32_t *b, uint32_t fin)             \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF insn " %" mb "[b], %" ma "[a]\n\t"         \
                         ISA_GETF                                            \
                         : [a] "+" ca(*a), [b] "+" cb(*b), [fout] "=r"(f)    \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        return f;                                                            \
    }
/* mem a (isa_misc_mem[1]), reg b */
#define GEN_X_MR(name, insn, mb, cb, addr)                                   \
    static uint32_t name(uint32_t *a, uint32_t *b, uint32_t fin)             \
    {                                                                        \
        uint32_t f;                                                          \
        mem_reset(*a);                                                       \
        __asm__ volatile(ISA_SETF insn " %" mb "[b], " addr "\n\t" ISA_GETF  \
                         : [b] "+" cb(*b), [fout] "=r"(f)                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *a = isa_misc_mem[1];                                                \
        return f;                                                            \
    }
/* xchg with the accumulator: the 90+r encodings (gas picks them) */
#define GEN_X_ACC(name, insn, mod)                                           \
    static uint32_t name(uint32_t *a, uint32_t *b, uint32_t fin)             \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF insn " %" mod "[b], %" mod "[a]\n\t"       \
                         ISA_GETF                                            \
                         : [a] "+a"(*a), [b] "+r"(*b), [fout] "=r"(f)        \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        return f;                                                            \
    }

GEN_X_RR(xchg8_rr, "xchgb", 8, "b", "b", "q", "q")
GEN_X_RR(xchg8_hh, "xchgb", 8, "h", "h", "Q", "Q")
GEN_X_RR(xchg8_hl, "xchgb", 8, "h", "b", "Q", "Q")
GEN_X_RR(xchg8_lh, "xchgb", 8, "b", "h", "Q", "Q")
GEN_X_RR(xchg16_rr, "xchgw", 16, "w", "w", "r", "r")
GEN_X_RR(xchg32_rr, "xchgl", 32, "k", "k", "r", "r")
GEN_X_ACC(xchg16_acc, "xchgw", "w")
GEN_X_ACC(xchg32_acc, "xchgl", "k")
GEN_X_MR(xchg8_mr, "xchgb", "b", "q", A_BD)
GEN_X_MR(xchg8_mh, "xchgb", "h", "Q", A_SIB)
GEN_X_MR(xchg16_mr, "xchgw", "w", "r", A_ABS)
GEN_X_MR(xchg32_mr, "xchgl", "k", "r", A_SIB2)

GEN_X_RR(xadd8_rr, "xaddb", 8, "b", "b", "q", "q")
GEN_X_RR(xadd8_hh, "xaddb", 8, "h", "h", "Q", "Q")
GEN_X_RR(xadd8_hl, "xaddb", 8, "h", "b", "Q", "Q")
GEN_X_RR(xadd16_rr, "xaddw", 16, "w", "w", "r", "r")
GEN_X_RR(xadd32_rr, "xaddl", 32, "k", "k", "r", "r")
GEN_X_MR(xadd8_mr, "xaddb", "b", "q", A_SIB)
GEN_X_MR(xadd8_mh, "xaddb", "h", "Q", A_BD)
GEN_X_MR(xadd16_mr, "xaddw", "w", "r", A_SIB2)
GEN_X_MR(xadd32_mr, "xaddl", "k", "r", A_ABS)
GEN_X_MR(xadd8_lmr, "lock xaddb", "b", "q", A_ABS)
GEN_X_MR(xadd16_lmr, "lock xaddw", "w", "r", A_BD)
GEN_X_MR(xadd32_lmr, "lock xaddl", "k", "r", A_SIB)

struct xcase {
    const char *name;
    xfn fn;
    uint8_t bits, wa, wb;              /* placement: 0 low, 1 high, 2 mem */
    uint32_t mask;
};
static const struct xcase x_cases[] = {
    { "xchg8.rr", xchg8_rr, 8, 0, 0, ISA_ARITH },
    { "xchg8.hh", xchg8_hh, 8, 1, 1, ISA_ARITH },
    { "xchg8.hl", xchg8_hl, 8, 1, 0, ISA_ARITH },
    { "xchg8.lh", xchg8_lh, 8, 0, 1, ISA_ARITH },
    { "xchg16.rr", xchg16_rr, 16, 0, 0, ISA_ARITH },
    { "xchg32.rr", xchg32_rr, 32, 0, 0, ISA_ARITH },
    { "xchg16.acc", xchg16_acc, 16, 0, 0, ISA_ARITH },
    { "xchg32.acc", xchg32_acc, 32, 0, 0, ISA_ARITH },
    { "xchg8.mr", xchg8_mr, 8, 2, 0, ISA_ARITH },
    { "xchg8.mh", xchg8_mh, 8, 2, 1, ISA_ARITH },
    { "xchg16.mr", xchg16_mr, 16, 2, 0, ISA_ARITH },
    { "xchg32.mr", xchg32_mr, 32, 2, 0, ISA_ARITH },
    { "xadd8.rr", xadd8_rr, 8, 0, 0, ISA_ARITH },
    { "xadd8.hh", xadd8_hh, 8, 1, 1, ISA_ARITH },
    { "xadd8.hl", xadd8_hl, 8, 1, 0, ISA_ARITH },
    { "xadd16.rr", xadd16_rr, 16, 0, 0, ISA_ARITH },
    { "xadd32.rr", xadd32_rr, 32, 0, 0, ISA_ARITH },
    { "xadd8.mr", xadd8_mr, 8, 2, 0, ISA_ARITH },
    { "xadd8.mh", xadd8_mh, 8, 2, 1, ISA_ARITH },
    { "xadd16.mr", xadd16_mr, 16, 2, 0, ISA_ARITH },
    { "xadd32.mr", xadd32_mr, 32, 2, 0, ISA_ARITH },
    { "xadd8.lmr", xadd8_lmr, 8, 2, 0, ISA_ARITH },
    { "xadd16.lmr", xadd16_lmr, 16, 2, 0, ISA_ARITH },
    { "xadd32.lmr", xadd32_lmr, 32, 2, 0, ISA_ARITH },
};

static const uint32_t few8[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0xa5 };
static const uint32_t few16[] = { 0x0000, 0x0001, 0x7fff, 0x8000, 0xffff,
                                  0x5aa5 };
static const uint32_t few32[] = { 0x00000000, 0x00000001, 0x7fffffff,
                                  0x80000000, 0xffffffff, 0x5aa5c33c };

static const uint32_t *few(int bits)
{
    return bits == 8 ? few8 : bits == 16 ? few16 : few32;
}

static void test_xchg_xadd(void)
{
    for (int n = 0; n < N(x_cases); n++) {
        const struct xcase *c = &x_cases[n];
        const uint32_t *v = few(c->bits);
        int dig = isa_hex(c->bits);

        for (int i = 0; i < N(few8); i++)
            for (int j = 0; j < N(few8); j++)
                for (int k = 0; k < N(fins); k++) {
                    uint32_t ja = c->wa == 2 ? MGUARD0 : JUNK_A;
                    uint32_t a = isa_place(v[i], c->bits, c->wa == 1, ja);
                    uint32_t b = isa_place(v[j], c->bits, c->wb == 1, JUNK_B);
                    char na[40], nb[40];
                    uint32_t fl;

                    fl = c->fn(&a, &b, fins[k]);
                    a = isa_extract(a, c->bits, c->wa == 1, ja, na);
                    b = isa_extract(b, c->bits, c->wb == 1, JUNK_B, nb);
                    if (c->wa == 2)
                        mem_check(nb);
                    isa_line("%s a=0x%0*x b=0x%0*x in=%s -> a=0x%0*x "
                             "b=0x%0*x fl=%s%s%s\n",
                             c->name, dig, v[i], dig, v[j],
                             isa_fl(fins[k], ISA_ARITH), dig, a, dig, b,
                             isa_fl(fl, c->mask), na, nb);
                }
    }
}

/* CMPXCHG: accumulator, destination a, source b */
typedef uint32_t (*cxfn)(uint32_t *acc, uint32_t *a, uint32_t b, uint32_t fin);
#define GEN_CX_RR(name, sz, ma, mb, ca, cb)                                  \
    static uint32_t name(uint32_t *acc, uint32_t *a, uint32_t b,             \
                         uint32_t fin)                                       \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF "cmpxchg" SUF_##sz " %" mb "[b], %" ma     \
                         "[a]\n\t" ISA_GETF                                  \
                         : "+a"(*acc), [a] "+" ca(*a), [fout] "=r"(f)        \
                         : [b] cb(b), [fin] "r"(fin)                         \
                         : "cc");                                            \
        return f;                                                            \
    }
#define GEN_CX_MR(name, sz, mb, cb, addr, pre)                               \
    static uint32_t name(uint32_t *acc, uint32_t *a, uint32_t b,             \
                         uint32_t fin)                                       \
    {                                                                        \
        uint32_t f;                                                          \
        mem_reset(*a);                                                       \
        __asm__ volatile(ISA_SETF pre "cmpxchg" SUF_##sz " %" mb "[b], "     \
                         addr "\n\t" ISA_GETF                                \
                         : "+a"(*acc), [fout] "=r"(f)                        \
                         : [b] cb(b), MEMIN, [fin] "r"(fin)                  \
                         : "cc", "memory");                                  \
        *a = isa_misc_mem[1];                                                \
        return f;                                                            \
    }
/* "b" and "c"/"d" for the high-byte forms (EAX is the accumulator) */
GEN_CX_RR(cmpxchg8_rr, 8, "b", "b", "q", "q")
GEN_CX_RR(cmpxchg8_hh, 8, "h", "h", "b", "c")
GEN_CX_RR(cmpxchg8_lh, 8, "b", "h", "b", "d")
GEN_CX_RR(cmpxchg16_rr, 16, "w", "w", "r", "r")
GEN_CX_RR(cmpxchg32_rr, 32, "k", "k", "r", "r")
GEN_CX_MR(cmpxchg8_mr, 8, "b", "q", A_BD, "")
GEN_CX_MR(cmpxchg8_mh, 8, "h", "Q", A_SIB, "")
GEN_CX_MR(cmpxchg16_mr, 16, "w", "r", A_SIB2, "")
GEN_CX_MR(cmpxchg32_mr, 32, "k", "r", A_ABS, "")
GEN_CX_MR(cmpxchg8_lmr, 8, "b", "q", A_SIB, "lock ")
GEN_CX_MR(cmpxchg16_lmr, 16, "w", "r", A_ABS, "lock ")
GEN_CX_MR(cmpxchg32_lmr, 32, "k", "r", A_BD, "lock ")

struct cxcase {
    const char *name;
    cxfn fn;
    uint8_t bits, wa, wb;
};
static const struct cxcase cx_cases[] = {
    { "cmpxchg8.rr", cmpxchg8_rr, 8, 0, 0 },
    { "cmpxchg8.hh", cmpxchg8_hh, 8, 1, 1 },
    { "cmpxchg8.lh", cmpxchg8_lh, 8, 0, 1 },
    { "cmpxchg16.rr", cmpxchg16_rr, 16, 0, 0 },
    { "cmpxchg32.rr", cmpxchg32_rr, 32, 0, 0 },
    { "cmpxchg8.mr", cmpxchg8_mr, 8, 2, 0 },
    { "cmpxchg8.mh", cmpxchg8_mh, 8, 2, 1 },
    { "cmpxchg16.mr", cmpxchg16_mr, 16, 2, 0 },
    { "cmpxchg32.mr", cmpxchg32_mr, 32, 2, 0 },
    { "cmpxchg8.lmr", cmpxchg8_lmr, 8, 2, 0 },
    { "cmpxchg16.lmr", cmpxchg16_lmr, 16, 2, 0 },
    { "cmpxchg32.lmr", cmpxchg32_lmr, 32, 2, 0 },
};

static void test_cmpxchg(void)
{
    for (int n = 0; n < N(cx_cases); n++) {
        const struct cxcase *c = &cx_cases[n];
        const uint32_t *v = few(c->bits);
        int dig = isa_hex(c->bits);

        for (int i = 0; i < N(few8); i++)            /* accumulator */
            for (int j = 0; j < N(few8); j++)        /* destination */
                for (int k = 0; k < N(fins); k++) {
                    uint32_t ja = c->wa == 2 ? MGUARD0 : JUNK_A;
                    uint32_t acc = isa_place(v[i], c->bits, 0, 0x600DF00Du);
                    uint32_t a = isa_place(v[j], c->bits, c->wa == 1, ja);
                    uint32_t bv = v[(i + j + 2) % N(few8)] ^ 0x11;
                    uint32_t b = isa_place(isa_trunc(bv, c->bits), c->bits,
                                           c->wb == 1, JUNK_B);
                    char nacc[40], na[40];
                    uint32_t fl;

                    fl = c->fn(&acc, &a, b, fins[k]);
                    acc = isa_extract(acc, c->bits, 0, 0x600DF00Du, nacc);
                    a = isa_extract(a, c->bits, c->wa == 1, ja, na);
                    if (c->wa == 2)
                        mem_check(na);
                    isa_line("%s acc=0x%0*x a=0x%0*x b=0x%0*x in=%s -> "
                             "acc=0x%0*x a=0x%0*x fl=%s%s%s\n",
                             c->name, dig, v[i], dig, v[j], dig,
                             isa_trunc(bv, c->bits), isa_fl(fins[k], ISA_ARITH),
                             dig, acc, dig, a, isa_fl(fl, ISA_ARITH), nacc, na);
                }
    }
}

/* CMPXCHG8B m64: EDX:EAX vs m64; equal: m64 = ECX:EBX, else EDX:EAX = m64 */
uint32_t isa_misc_q[6] __attribute__((used, aligned(8)));
static uint32_t cx8b(uint32_t *eax, uint32_t *edx, uint32_t ebx, uint32_t ecx,
                     int lock, uint32_t fin)
{
    uint32_t f;

    if (lock)
        __asm__ volatile(ISA_SETF "lock cmpxchg8b isa_misc_q+8\n\t" ISA_GETF
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)
                         : "b"(ebx), "c"(ecx), [fin] "r"(fin)
                         : "cc", "memory");
    else
        __asm__ volatile(ISA_SETF "cmpxchg8b 4(%[p])\n\t" ISA_GETF
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)
                         : "b"(ebx), "c"(ecx), [p] "S"(isa_misc_q + 1),
                           [fin] "r"(fin)
                         : "cc", "memory");
    return f;
}

static void test_cmpxchg8b(void)
{
    static const uint32_t q[][2] = {           /* {lo, hi} */
        { 0, 0 }, { 1, 0 }, { 0, 1 }, { 0xffffffff, 0xffffffff },
        { 0x89abcdef, 0x01234567 }, { 0x01234567, 0x89abcdef },
    };
    for (int lock = 0; lock < 2; lock++)
        for (int i = 0; i < N(q); i++)             /* EDX:EAX */
            for (int j = 0; j < N(q); j++)         /* memory */
                for (int k = 0; k < N(fins); k++) {
                    uint32_t eax = q[i][0], edx = q[i][1];
                    uint32_t ebx = 0xfeedface ^ (uint32_t)j, ecx = 0xdeadbeef;

                    isa_misc_q[0] = isa_misc_q[1] = MGUARD0;
                    isa_misc_q[2] = q[j][0];          /* the operand */
                    isa_misc_q[3] = q[j][1];
                    isa_misc_q[4] = isa_misc_q[5] = MGUARD2;
                    uint32_t fl = cx8b(&eax, &edx, ebx, ecx, lock, fins[k]);
                    isa_line("cmpxchg8b%s edx:eax=%08x:%08x m=%08x:%08x "
                             "in=%s -> edx:eax=%08x:%08x m=%08x:%08x fl=%s%s\n",
                             lock ? ".l" : "", q[i][1], q[i][0], q[j][1],
                             q[j][0], isa_fl(fins[k], ISA_ARITH), edx, eax,
                             isa_misc_q[3], isa_misc_q[2],
                             isa_fl(fl, ISA_ARITH),
                             isa_misc_q[0] != MGUARD0 ||
                                     isa_misc_q[1] != MGUARD0 ||
                                     isa_misc_q[4] != MGUARD2 ||
                                     isa_misc_q[5] != MGUARD2 ? " GUARD" : "");
                }
}

/* ---- MOVZX / MOVSX ---- */
typedef uint32_t (*mvfn)(uint32_t src, uint32_t dst, uint32_t fin,
                         uint32_t *r);
#define GEN_MV_R(name, insn, ms, md, cs)                                     \
    static uint32_t name(uint32_t src, uint32_t dst, uint32_t fin,           \
                         uint32_t *r)                                        \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF insn " %" ms "[s], %" md "[d]\n\t"         \
                         ISA_GETF                                            \
                         : [d] "+r"(dst), [fout] "=r"(f)                     \
                         : [s] cs(src), [fin] "r"(fin)                       \
                         : "cc");                                            \
        *r = dst;                                                            \
        return f;                                                            \
    }
#define GEN_MV_M(name, insn, md, addr)                                       \
    static uint32_t name(uint32_t src, uint32_t dst, uint32_t fin,           \
                         uint32_t *r)                                        \
    {                                                                        \
        uint32_t f;                                                          \
        mem_reset(src);                                                      \
        __asm__ volatile(ISA_SETF insn " " addr ", %" md "[d]\n\t" ISA_GETF  \
                         : [d] "+r"(dst), [fout] "=r"(f)                     \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = dst;                                                            \
        return f;                                                            \
    }
#define GEN_MV(op)                                                           \
    GEN_MV_R(op##bw_r, #op "bw", "b", "w", "q")                              \
    GEN_MV_R(op##bl_r, #op "bl", "b", "k", "q")                              \
    GEN_MV_R(op##wl_r, #op "wl", "w", "k", "r")                              \
    GEN_MV_R(op##bw_h, #op "bw", "h", "w", "Q")                              \
    GEN_MV_R(op##bl_h, #op "bl", "h", "k", "Q")                              \
    GEN_MV_M(op##bw_m, #op "bw", "w", A_BD)                                  \
    GEN_MV_M(op##bl_m, #op "bl", "k", A_SIB)                                 \
    GEN_MV_M(op##wl_m, #op "wl", "k", A_SIB2)
GEN_MV(movz)
GEN_MV(movs)

struct mvcase {
    const char *name;
    mvfn fn;
    uint8_t sbits, dbits, high;
};
#define C_MV(op)                                                             \
    { #op "bw.r", op##bw_r, 8, 16, 0 }, { #op "bl.r", op##bl_r, 8, 32, 0 },  \
    { #op "wl.r", op##wl_r, 16, 32, 0 }, { #op "bw.h", op##bw_h, 8, 16, 1 }, \
    { #op "bl.h", op##bl_h, 8, 32, 1 }, { #op "bw.m", op##bw_m, 8, 16, 0 },  \
    { #op "bl.m", op##bl_m, 8, 32, 0 }, { #op "wl.m", op##wl_m, 16, 32, 0 },
static const struct mvcase mv_cases[] = { C_MV(movz) C_MV(movs) };

static void test_movx(void)
{
    for (int n = 0; n < N(mv_cases); n++) {
        const struct mvcase *c = &mv_cases[n];

        for (int i = 0; i < isa_nvals(c->sbits); i++)
            for (int k = 0; k < N(fins); k++) {
                uint32_t s = isa_val(c->sbits, i), r, fl;
                char note[40];

                fl = c->fn(isa_place(s, c->sbits, c->high, JUNK_B), JUNK_A,
                           fins[k], &r);
                r = isa_extract(r, c->dbits, 0, JUNK_A, note);
                isa_line("%s s=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n", c->name,
                         isa_hex(c->sbits), s, isa_fl(fins[k], ISA_ARITH),
                         isa_hex(c->dbits), r, isa_fl(fl, ISA_ARITH), note);
            }
    }
}

/* ---- CBW CWDE CWD CDQ ---- */
#define GEN_CONV(name, insn)                                                 \
    static uint32_t name(uint32_t *eax, uint32_t *edx, uint32_t fin)         \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF insn "\n\t" ISA_GETF                       \
                         : "+a"(*eax), "+d"(*edx), [fout] "=r"(f)            \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        return f;                                                            \
    }
GEN_CONV(do_cbw, "cbtw")
GEN_CONV(do_cwde, "cwtl")
GEN_CONV(do_cwd, "cwtd")
GEN_CONV(do_cdq, "cltd")

static void test_conv(void)
{
    static uint32_t (*const fns[])(uint32_t *, uint32_t *, uint32_t) = {
        do_cbw, do_cwde, do_cwd, do_cdq,
    };
    static const char *const names[] = { "cbw", "cwde", "cwd", "cdq" };

    for (int n = 0; n < 4; n++)
        for (int i = 0; i < ISA_NVALS32; i++)
            for (int k = 0; k < N(fins); k++) {
                /* junk in the bits the instruction does not read */
                uint32_t in = isa_vals32[i] ^ (n == 0 ? 0xA5A50000u : 0);
                uint32_t eax = in, edx = JUNK_B;
                uint32_t fl = fns[n](&eax, &edx, fins[k]);
                isa_line("%s eax=0x%08x in=%s -> eax=0x%08x edx=0x%08x fl=%s\n",
                         names[n], in, isa_fl(fins[k], ISA_ARITH), eax, edx,
                         isa_fl(fl, ISA_ARITH));
            }
}

/* ---- LAHF, SAHF, CLC, STC, CMC ---- */
static uint32_t do_lahf(uint32_t fin, uint32_t *eax)
{
    uint32_t f, a = JUNK_A;
    __asm__ volatile(ISA_SETF "lahf\n\t" ISA_GETF
                     : "+a"(a), [fout] "=r"(f) : [fin] "r"(fin) : "cc");
    *eax = a;
    return f;
}

static uint32_t do_sahf(uint32_t fin, uint32_t ah)
{
    uint32_t f, a = isa_place(ah, 8, 1, JUNK_A);
    __asm__ volatile(ISA_SETF "sahf\n\t" ISA_GETF
                     : "+a"(a), [fout] "=r"(f) : [fin] "r"(fin) : "cc");
    return f;
}

#define GEN_F(name, insn)                                                    \
    static uint32_t name(uint32_t fin)                                       \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF insn "\n\t" ISA_GETF                       \
                         : [fout] "=r"(f) : [fin] "r"(fin) : "cc");          \
        return f;                                                            \
    }
GEN_F(do_clc, "clc")
GEN_F(do_stc, "stc")
GEN_F(do_cmc, "cmc")

static void test_flagops(void)
{
    for (int k = 0; k < 64; k++) {
        uint32_t eax, fin = combo(k), fl = do_lahf(fin, &eax);
        isa_line("lahf in=%s -> eax=0x%08x fl=%s\n", isa_fl(fin, ISA_ARITH),
                 eax, isa_fl(fl, ISA_ARITH));
    }
    for (uint32_t ah = 0; ah < 256; ah++)
        for (int k = 0; k < N(fins); k++) {
            uint32_t fl = do_sahf(fins[k], ah);
            isa_line("sahf ah=0x%02x in=%s -> fl=%s\n", ah,
                     isa_fl(fins[k], ISA_ARITH), isa_fl(fl, ISA_ARITH));
        }
    static uint32_t (*const fns[])(uint32_t) = { do_clc, do_stc, do_cmc };
    static const char *const names[] = { "clc", "stc", "cmc" };
    for (int n = 0; n < 3; n++)
        for (int k = 0; k < 64; k += 7) {
            uint32_t fin = combo(k);
            isa_line("%s in=%s -> fl=%s\n", names[n], isa_fl(fin, ISA_ARITH),
                     isa_fl(fns[n](fin), ISA_ARITH));
        }
}

/* ---- XLAT ---- */
uint8_t isa_misc_table[512] __attribute__((used));

static void test_xlat(void)
{
    static const uint32_t als[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
    for (int i = 0; i < 512; i++)
        isa_misc_table[i] = (uint8_t)(i * 37 + 11);
    for (int base = 0; base < 256; base += 85)
        for (int i = 0; i < N(als); i++)
            for (int k = 0; k < N(fins); k++) {
                uint32_t eax = isa_place(als[i], 8, 0, JUNK_A), f;
                __asm__ volatile(ISA_SETF "xlat\n\t" ISA_GETF
                                 : "+a"(eax), [fout] "=r"(f)
                                 : "b"(isa_misc_table + base),
                                   [fin] "r"(fins[k])
                                 : "cc", "memory");
                isa_line("xlat base=+%d al=0x%02x in=%s -> eax=0x%08x fl=%s\n",
                         base, (unsigned)als[i], isa_fl(fins[k], ISA_ARITH),
                         eax, isa_fl(f, ISA_ARITH));
            }
}

/* ---- NOP forms: no register or flag may change ---- */
#define NOPS(X)                                                              \
    X("nop", "0x90")                                                         \
    X("xchg_ax_ax", "0x66, 0x90")                                            \
    X("pause", "0xf3, 0x90")                                                 \
    X("nop3", "0x0f, 0x1f, 0x00")                                            \
    X("nop4", "0x0f, 0x1f, 0x40, 0x00")                                      \
    X("nop5", "0x0f, 0x1f, 0x44, 0x00, 0x00")                                \
    X("nop6", "0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00")                          \
    X("nop7", "0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00")                    \
    X("nop8", "0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00")              \
    X("nop9", "0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00")        \
    X("nop10", "0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00") \
    X("nop_ecx", "0x0f, 0x1f, 0xc1")                                         \
    X("nop_far", "0x0f, 0x1f, 0x05, 0x78, 0x56, 0x34, 0x12")                 \
    X("lea_esi", "0x8d, 0x76, 0x00")                                         \
    X("lea_esi_eiz", "0x8d, 0xb4, 0x26, 0x00, 0x00, 0x00, 0x00")             \
    X("mov_edi_edi", "0x89, 0xff")

static void test_nops(void)
{
    /* The nop bytes run with all six GPRs live; EBP and ESP are checked by
     * the C code around them still working. */
#define NOP_RUN(name, bytes)                                                 \
    for (int k = 0; k < N(fins); k++) {                                      \
        uint32_t a = 0x11111111, b = 0x22222222, c = 0x33333333;             \
        uint32_t d = 0x44444444, s = 0x55555555, f = fins[k];                \
        __asm__ volatile("pushfl\n\t"                                        \
                         "andl $0xfffff22a, (%%esp)\n\t"                     \
                         "orl %[f], (%%esp)\n\t"                             \
                         "popfl\n\t"                                         \
                         ".byte " bytes "\n\t"                               \
                         "pushfl\n\t"                                        \
                         "popl %[f]"                                         \
                         : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s),      \
                           [f] "+D"(f)                                       \
                         :                                                   \
                         : "cc", "memory");                                  \
        isa_line("%s in=%s -> %08x %08x %08x %08x %08x fl=%s\n", name,       \
                 isa_fl(fins[k], ISA_ARITH), a, b, c, d, s,                  \
                 isa_fl(f, ISA_ARITH));                                      \
    }
    NOPS(NOP_RUN)
#undef NOP_RUN
}

/* ---- LEA ---- */
/* Register values for LEA: EAX EBX ECX EDX ESI EDI EBP. */
static const uint32_t lea_regs[][7] = {
    { 0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x00000004,
      0x00000005, 0x00000006 },
    { 0x12345678, 0x00001000, 0x00000010, 0xfffffff0, 0x80000000,
      0x7fffffff, 0x00000100 },
    { 0xffffffff, 0xfffffffe, 0x80000001, 0x0000ffff, 0x0000fffe,
      0x00008000, 0x0000ff00 },
    { 0x9e3779b9, 0x7f4a7c15, 0xf39cc060, 0x5ced1a2b, 0x0000ffd0,
      0x00000040, 0x0000fff8 },
};
uint32_t isa_misc_ebp __attribute__((used));

/* lea EXPR into EAX (or AX: dest "%ax"), with EBP loaded from isa_misc_ebp
 * for the duration; ESP-based forms subtract ESP from the result. */
#define LEA_FORMS(X)                                                         \
    X("(%%ebx)", "%%eax", "")                                                \
    X("(%%ecx)", "%%eax", "")                                                \
    X("(%%edx)", "%%eax", "")                                                \
    X("(%%esi)", "%%eax", "")                                                \
    X("(%%edi)", "%%eax", "")                                                \
    X("(%%eax)", "%%eax", "")                                                \
    X("(%%ebp)", "%%eax", "")                                                \
    X("0x7f(%%ebx)", "%%eax", "")                                            \
    X("-0x80(%%ecx)", "%%eax", "")                                           \
    X("0x12345678(%%edx)", "%%eax", "")                                      \
    X("-4(%%esi)", "%%eax", "")                                              \
    X("0x80000000(%%edi)", "%%eax", "")                                      \
    X("8(%%ebp)", "%%eax", "")                                               \
    X("-0x1000(%%ebp)", "%%eax", "")                                         \
    X("(%%ebx,%%ecx)", "%%eax", "")                                          \
    X("(%%ebx,%%ecx,2)", "%%eax", "")                                        \
    X("(%%edx,%%esi,4)", "%%eax", "")                                        \
    X("(%%edi,%%eax,8)", "%%eax", "")                                        \
    X("0x10(%%ebx,%%ecx,8)", "%%eax", "")                                    \
    X("-0x1000(%%eax,%%edx,2)", "%%eax", "")                                 \
    X("0x7fffffff(%%esi,%%edi,1)", "%%eax", "")                              \
    X("0x1000(,%%ecx,4)", "%%eax", "")                                       \
    X("(,%%edx,8)", "%%eax", "")                                             \
    X("(,%%ebp,2)", "%%eax", "")                                             \
    X("0x12345678", "%%eax", "")                                             \
    X("(%%ebp,%%ecx,4)", "%%eax", "")                                        \
    X("-1(%%ebp,%%ebp,8)", "%%eax", "")                                      \
    X("(%%eax,%%ebp,1)", "%%eax", "")                                        \
    X("(%%ebx,%%ebx,2)", "%%eax", "")                                        \
    X("(%%esp)", "%%eax", "subl %%esp, %%eax\n\t")                           \
    X("0x10(%%esp)", "%%eax", "subl %%esp, %%eax\n\t")                       \
    X("-0x100(%%esp,%%ecx,2)", "%%eax", "subl %%esp, %%eax\n\t")             \
    X("0x1234(%%ebx,%%ecx,4)", "%%ax", "")                                   \
    X("-2(%%esi)", "%%ax", "")                                               \
    X("(%%bx,%%si)", "%%eax", "")                                            \
    X("(%%bx,%%di)", "%%eax", "")                                            \
    X("(%%bp,%%si)", "%%eax", "")                                            \
    X("(%%bp,%%di)", "%%eax", "")                                            \
    X("(%%si)", "%%eax", "")                                                 \
    X("(%%di)", "%%eax", "")                                                 \
    X("(%%bp)", "%%eax", "")                                                 \
    X("(%%bx)", "%%eax", "")                                                 \
    X("0x7f(%%bx,%%si)", "%%eax", "")                                        \
    X("-0x10(%%bp,%%di)", "%%eax", "")                                       \
    X("0x8000(%%si)", "%%eax", "")                                           \
    X("0xfff0(%%bx,%%di)", "%%eax", "")                                      \
    X("0x1234(%%bp)", "%%ax", "")                                            \
    X("-1(%%di)", "%%ax", "")

uint32_t isa_misc_fl __attribute__((used));

/* expr without the doubled '%' of the asm template */
static const char *lea_name(const char *expr, char *buf)
{
    char *o = buf;

    for (; *expr; expr++)
        if (!(expr[0] == '%' && expr[1] == '%'))
            *o++ = *expr;
    *o = 0;
    return buf;
}

/* EBP is loaded from isa_misc_ebp (and restored) inside the asm; the input
 * flags are an immediate and the output flags go to isa_misc_fl, so all of
 * EAX..EDI can hold address registers.  `post` runs after the flags are
 * saved (ESP-based forms subtract ESP: its value differs between builds). */
#define LEA_ASM(insn, post, fl)                                              \
    __asm__ volatile("pushl %%ebp\n\t"                                       \
                     "movl isa_misc_ebp, %%ebp\n\t"                          \
                     ISA_SETF                                                \
                     insn "\n\t"                                             \
                     "pushfl\n\t"                                            \
                     "popl isa_misc_fl\n\t"                                  \
                     post                                                    \
                     "popl %%ebp"                                            \
                     : "+a"(a)                                               \
                     : "b"(v[1]), "c"(v[2]), "d"(v[3]), "S"(v[4]),           \
                       "D"(v[5]), [fin] "i"(fl)                              \
                     : "cc", "memory")

/* SIB forms without an index (index field 100), which gas only writes as
 * bytes: lea (%esi,%eiz,1),%eax; lea 0x40(%ecx,%eiz,1),%eax;
 * lea (%ebx,%eiz,4),%eax (the scale is ignored); lea 0x12345678(,%eiz,1),
 * %eax (no base, no index: disp32). */
#define LEA_BYTES(X)                                                         \
    X("(%esi,%eiz,1)", "0x8d, 0x04, 0x26")                                   \
    X("0x40(%ecx,%eiz,1)", "0x8d, 0x44, 0x21, 0x40")                         \
    X("(%ebx,%eiz,4)", "0x8d, 0x04, 0xa3")                                   \
    X("0x12345678(,%eiz,1)", "0x8d, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12")

static void test_lea(void)
{
    for (int s = 0; s < N(lea_regs); s++) {
        const uint32_t *v = lea_regs[s];
        isa_misc_ebp = v[6];
#define LEA_RUN(expr, dst, post)                                             \
        for (int k = 0; k < N(fins); k++) {                                  \
            uint32_t a = v[0];                                               \
            char e[40], d[8];                                                \
            if (k == 0)                                                      \
                LEA_ASM("lea " expr ", " dst, post, 0);                      \
            else                                                             \
                LEA_ASM("lea " expr ", " dst, post, ISA_ARITH);              \
            isa_line("lea %s,%s regs%d in=%s -> 0x%08x fl=%s\n",             \
                     lea_name(expr, e), lea_name(dst, d), s,                 \
                     isa_fl(fins[k], ISA_ARITH), a,                          \
                     isa_fl(isa_misc_fl, ISA_ARITH));                        \
        }
        LEA_FORMS(LEA_RUN)
#undef LEA_RUN
#define LEA_RUN_B(expr, bytes)                                               \
        for (int k = 0; k < N(fins); k++) {                                  \
            uint32_t a = v[0];                                               \
            if (k == 0)                                                      \
                LEA_ASM(".byte " bytes, "", 0);                              \
            else                                                             \
                LEA_ASM(".byte " bytes, "", ISA_ARITH);                      \
            isa_line("lea %s,%%eax regs%d in=%s -> 0x%08x fl=%s\n", expr, s, \
                     isa_fl(fins[k], ISA_ARITH), a,                          \
                     isa_fl(isa_misc_fl, ISA_ARITH));                        \
        }
        LEA_BYTES(LEA_RUN_B)
#undef LEA_RUN_B
    }
}

int test_main(void)
{
    test_setcc_cmov();
    test_xchg_xadd();
    test_cmpxchg();
    test_cmpxchg8b();
    test_movx();
    test_conv();
    test_flagops();
    test_xlat();
    test_nops();
    test_lea();
    isa_done("isa_misc");
    return 0;
}
