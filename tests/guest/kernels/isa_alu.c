/*
 * isa_alu.c - the two-operand integer ALU instructions ADD ADC SUB SBB AND
 * OR XOR CMP TEST and the one-operand INC DEC NEG NOT, verified against the
 * host CPU (see isa.h): every instruction in 8-, 16- and 32-bit operand size,
 * register forms (including AH/BH/CH/DH in every position), memory forms
 * with several addressing modes (memory source, memory destination, LOCK),
 * immediate forms (imm8, sign-extended imm8, imm16/32, the short
 * AL/AX/EAX encodings) and the alternative encodings (FF /0 INC, 40+r INC).
 * Operands are edge values and LCG values; input flags all clear and all
 * set (so CF = 0 and 1), and for ADC/SBB also CF alone and all but CF.
 * Register bits outside the operand and memory bytes around it hold junk
 * that must survive; a clobber is reported on the line.
 *
 * Defined flags (SDM): all six for ADD ADC SUB SBB CMP NEG; AF undefined
 * for AND OR XOR TEST; INC/DEC keep CF; NOT changes no flag (so the input
 * flags must come out unchanged, all six are compared).
 */
#include "isa.h"

typedef uint32_t (*binfn)(uint32_t a, uint32_t b, uint32_t fin, uint32_t *r);

/* The memory operand: dword 1 of this buffer (byte offset 4), reached by
 * the addressing expressions below with [p] = isa_alu_mem, [i] = 1. */
uint32_t isa_alu_mem[3] __attribute__((used));
#define MGUARD0 0x5EC0DE00u
#define MGUARD2 0x0BADF00Du
#define A_BD   "4(%[p])"
#define A_SIB  "(%[p],%[i],4)"
#define A_ABS  "isa_alu_mem+4"
#define A_SIB2 "-4(%[p],%[i],8)"
#define A_B    "(%[q])"          /* [q] = &isa_alu_mem[1] */

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

#define MEMIN [p] "r"(isa_alu_mem), [q] "r"(isa_alu_mem + 1), [i] "r"(1)

/* reg a = a OP reg b */
#define GEN_RR(op, sz)                                                       \
    static uint32_t op##sz##_rr(uint32_t a, uint32_t b, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[b], %"        \
                         MOD_##sz "[a]\n\t" ISA_GETF                         \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : [b] CON_##sz(b), [fin] "r"(fin)                   \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }

/* reg a = a OP mem b */
#define GEN_RM(op, sz, addr)                                                 \
    static uint32_t op##sz##_rm(uint32_t a, uint32_t b, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        isa_alu_mem[1] = b;                                                  \
        __asm__ volatile(ISA_SETF #op SUF_##sz " " addr ", %" MOD_##sz       \
                         "[a]\n\t" ISA_GETF                                  \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = a;                                                              \
        return f;                                                            \
    }

/* mem a = mem a OP reg b (pre: "" or "lock ") */
#define GEN_MR(op, sz, addr, pre, tag)                                       \
    static uint32_t op##sz##_##tag(uint32_t a, uint32_t b, uint32_t fin,     \
                                   uint32_t *r)                              \
    {                                                                        \
        uint32_t f;                                                          \
        isa_alu_mem[1] = a;                                                  \
        __asm__ volatile(ISA_SETF pre #op SUF_##sz " %" MOD_##sz "[b], "     \
                         addr "\n\t" ISA_GETF                                \
                         : [fout] "=r"(f)                                    \
                         : [b] CON_##sz(b), MEMIN, [fin] "r"(fin)            \
                         : "cc", "memory");                                  \
        *r = isa_alu_mem[1];                                                 \
        return f;                                                            \
    }

/* reg a = a OP imm (b ignored); acc: the same on AL/AX/EAX */
#define GEN_RI(op, sz, tag, imm)                                             \
    static uint32_t op##sz##_ri_##tag(uint32_t a, uint32_t b, uint32_t fin,  \
                                      uint32_t *r)                           \
    {                                                                        \
        uint32_t f;                                                          \
        (void)b;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #imm ", %" MOD_##sz      \
                         "[a]\n\t" ISA_GETF                                  \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }                                                                        \
    static uint32_t op##sz##_ai_##tag(uint32_t a, uint32_t b, uint32_t fin,  \
                                      uint32_t *r)                           \
    {                                                                        \
        uint32_t f;                                                          \
        (void)b;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " $" #imm ", %" MOD_##sz      \
                         "[a]\n\t" ISA_GETF                                  \
                         : [a] "+a"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }

/* mem a = mem a OP imm */
#define GEN_MI(op, sz, tag, imm, addr, pre, ftag)                            \
    static uint32_t op##sz##_##ftag##_##tag(uint32_t a, uint32_t b,          \
                                            uint32_t fin, uint32_t *r)       \
    {                                                                        \
        uint32_t f;                                                          \
        (void)b;                                                             \
        isa_alu_mem[1] = a;                                                  \
        __asm__ volatile(ISA_SETF pre #op SUF_##sz " $" #imm ", " addr      \
                         "\n\t" ISA_GETF                                     \
                         : [fout] "=r"(f)                                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = isa_alu_mem[1];                                                 \
        return f;                                                            \
    }

/* High-byte forms (8-bit): ah = ah OP bh style, with the operand modifiers
 * ma/mb ("h" or "b"); memory source / destination with a high byte. */
#define GEN_H(op, name, ma, mb)                                              \
    static uint32_t op##8_##name(uint32_t a, uint32_t b, uint32_t fin,       \
                                 uint32_t *r)                                \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op "b %" mb "[b], %" ma "[a]\n\t"         \
                         ISA_GETF                                            \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : [b] "Q"(b), [fin] "r"(fin)                        \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_HM(op, addr)                                                     \
    static uint32_t op##8_hm(uint32_t a, uint32_t b, uint32_t fin,           \
                             uint32_t *r)                                    \
    {                                                                        \
        uint32_t f;                                                          \
        isa_alu_mem[1] = b;                                                  \
        __asm__ volatile(ISA_SETF #op "b " addr ", %h[a]\n\t" ISA_GETF       \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_MH(op, addr, pre, tag)                                           \
    static uint32_t op##8_##tag(uint32_t a, uint32_t b, uint32_t fin,        \
                                uint32_t *r)                                 \
    {                                                                        \
        uint32_t f;                                                          \
        isa_alu_mem[1] = a;                                                  \
        __asm__ volatile(ISA_SETF pre #op "b %h[b], " addr "\n\t" ISA_GETF   \
                         : [fout] "=r"(f)                                    \
                         : [b] "Q"(b), MEMIN, [fin] "r"(fin)                 \
                         : "cc", "memory");                                  \
        *r = isa_alu_mem[1];                                                 \
        return f;                                                            \
    }

/* Immediates per size: X(tag, value). */
#define IMM8(X, ...) X(__VA_ARGS__, 00, 0x00) X(__VA_ARGS__, 01, 0x01)       \
    X(__VA_ARGS__, 7f, 0x7f) X(__VA_ARGS__, 80, 0x80) X(__VA_ARGS__, ff, 0xff) \
    X(__VA_ARGS__, 5a, 0x5a)
#define IMM16(X, ...) X(__VA_ARGS__, 0000, 0x0000) X(__VA_ARGS__, 0001, 1)   \
    X(__VA_ARGS__, ff80, -128) X(__VA_ARGS__, ffff, -1)                      \
    X(__VA_ARGS__, 0080, 0x80) X(__VA_ARGS__, 7fff, 0x7fff)                  \
    X(__VA_ARGS__, 8000, 0x8000) X(__VA_ARGS__, 1234, 0x1234)
#define IMM32(X, ...) X(__VA_ARGS__, 00000000, 0) X(__VA_ARGS__, 00000001, 1) \
    X(__VA_ARGS__, ffffff80, -128) X(__VA_ARGS__, ffffffff, -1)              \
    X(__VA_ARGS__, 0000007f, 0x7f) X(__VA_ARGS__, 00000080, 0x80)            \
    X(__VA_ARGS__, 7fffffff, 0x7fffffff)                                     \
    X(__VA_ARGS__, 80000000, 0x80000000) X(__VA_ARGS__, 12345678, 0x12345678)

#define GEN_RI_X(op, sz, tag, imm) GEN_RI(op, sz, tag, imm)
#define GEN_MI_X(op, sz, tag, imm) \
    GEN_MI(op, sz, tag, imm, A_BD, "", mi) GEN_MI(op, sz, tag, imm, A_SIB, "lock ", lmi)
#define GEN_MI_NOLOCK_X(op, sz, tag, imm) GEN_MI(op, sz, tag, imm, A_ABS, "", mi)

/* All functions of one binary op in one size; lockable or not. */
#define GEN_SIZE(op, sz, ma, mb)                                             \
    GEN_RR(op, sz) GEN_RM(op, sz, ma)                                        \
    GEN_MR(op, sz, mb, "", mr) GEN_MR(op, sz, A_B, "lock ", lmr)             \
    IMM##sz(GEN_RI_X, op, sz) IMM##sz(GEN_MI_X, op, sz)
#define GEN_SIZE_NL(op, sz, ma, mb)                                          \
    GEN_RR(op, sz) GEN_RM(op, sz, ma) GEN_MR(op, sz, mb, "", mr)             \
    IMM##sz(GEN_RI_X, op, sz) IMM##sz(GEN_MI_NOLOCK_X, op, sz)
#define GEN_HIGH(op, ma, mb)                                                 \
    GEN_H(op, hh, "h", "h") GEN_H(op, hl, "h", "b") GEN_H(op, lh, "b", "h")  \
    GEN_HM(op, ma) GEN_MH(op, mb, "", mh)
#define GEN_OP(op, ma, mb)                                                   \
    GEN_SIZE(op, 8, ma, mb) GEN_SIZE(op, 16, ma, mb) GEN_SIZE(op, 32, ma, mb) \
    GEN_HIGH(op, ma, mb) GEN_MH(op, A_SIB2, "lock ", lmh)
#define GEN_OP_NL(op, ma, mb)                                                \
    GEN_SIZE_NL(op, 8, ma, mb) GEN_SIZE_NL(op, 16, ma, mb)                   \
    GEN_SIZE_NL(op, 32, ma, mb) GEN_HIGH(op, ma, mb)

GEN_OP(add, A_BD, A_SIB)
GEN_OP(adc, A_SIB, A_ABS)
GEN_OP(sub, A_ABS, A_SIB2)
GEN_OP(sbb, A_SIB2, A_BD)
GEN_OP(and, A_BD, A_ABS)
GEN_OP(or, A_SIB, A_SIB2)
GEN_OP(xor, A_ABS, A_BD)
GEN_OP_NL(cmp, A_SIB2, A_SIB)

/* TEST has one direction only (TEST r/m, r): no _rm; no LOCK. */
GEN_RR(test, 8) GEN_RR(test, 16) GEN_RR(test, 32)
GEN_MR(test, 8, A_SIB, "", mr) GEN_MR(test, 16, A_ABS, "", mr)
GEN_MR(test, 32, A_SIB2, "", mr)
IMM8(GEN_RI_X, test, 8) IMM16(GEN_RI_X, test, 16) IMM32(GEN_RI_X, test, 32)
IMM8(GEN_MI_NOLOCK_X, test, 8) IMM16(GEN_MI_NOLOCK_X, test, 16)
IMM32(GEN_MI_NOLOCK_X, test, 32)
GEN_H(test, hh, "h", "h") GEN_H(test, hl, "h", "b") GEN_H(test, lh, "b", "h")
GEN_MH(test, A_BD, "", mh)

/* ---- one-operand instructions ---- */
typedef uint32_t (*unfn)(uint32_t a, uint32_t fin, uint32_t *r);

#define GEN_UR(op, sz)                                                       \
    static uint32_t op##sz##_r(uint32_t a, uint32_t fin, uint32_t *r)        \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[a]\n\t"       \
                         ISA_GETF                                            \
                         : [a] "+" CON_##sz(a), [fout] "=r"(f)               \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_UM(op, sz, addr, pre, tag)                                       \
    static uint32_t op##sz##_##tag(uint32_t a, uint32_t fin, uint32_t *r)    \
    {                                                                        \
        uint32_t f;                                                          \
        isa_alu_mem[1] = a;                                                  \
        __asm__ volatile(ISA_SETF pre #op SUF_##sz " " addr "\n\t" ISA_GETF  \
                         : [fout] "=r"(f)                                    \
                         : MEMIN, [fin] "r"(fin)                             \
                         : "cc", "memory");                                  \
        *r = isa_alu_mem[1];                                                 \
        return f;                                                            \
    }
#define GEN_UH(op)                                                           \
    static uint32_t op##8_h(uint32_t a, uint32_t fin, uint32_t *r)           \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF #op "b %h[a]\n\t" ISA_GETF                 \
                         : [a] "+Q"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
/* Fixed encodings on EAX/AX/AL given as bytes. */
#define GEN_UE(name, bytes)                                                  \
    static uint32_t name(uint32_t a, uint32_t fin, uint32_t *r)              \
    {                                                                        \
        uint32_t f;                                                          \
        __asm__ volatile(ISA_SETF ".byte " bytes "\n\t" ISA_GETF             \
                         : [a] "+a"(a), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc");                                            \
        *r = a;                                                              \
        return f;                                                            \
    }
#define GEN_UOP(op, m1, m2)                                                  \
    GEN_UR(op, 8) GEN_UR(op, 16) GEN_UR(op, 32)                              \
    GEN_UM(op, 8, m1, "", m) GEN_UM(op, 16, m2, "", m)                       \
    GEN_UM(op, 32, m1, "", m) GEN_UM(op, 8, m2, "lock ", lm)                 \
    GEN_UM(op, 16, m1, "lock ", lm) GEN_UM(op, 32, m2, "lock ", lm)          \
    GEN_UH(op)
GEN_UOP(inc, A_BD, A_SIB)
GEN_UOP(dec, A_SIB2, A_ABS)
GEN_UOP(neg, A_ABS, A_SIB)
GEN_UOP(not, A_SIB, A_BD)
GEN_UE(inc32_ff, "0xff, 0xc0")        /* inc %eax, FF /0 (not 40+r) */
GEN_UE(inc16_ff, "0x66, 0xff, 0xc0")  /* inc %ax */
GEN_UE(dec32_ff, "0xff, 0xc8")        /* dec %eax, FF /1 */
GEN_UE(dec16_ff, "0x66, 0xff, 0xc8")  /* dec %ax */
GEN_UE(inc16_40, "0x66, 0x40")        /* inc %ax, 40+r */
GEN_UE(dec16_48, "0x66, 0x48")        /* dec %ax, 48+r */
GEN_UE(neg8_al, "0xf6, 0xd8")         /* neg %al */
GEN_UE(not8_al, "0xf6, 0xd0")         /* not %al */

/* ---- the driver ---- */

/* Operand placement: where an 8/16-bit operand sits in its 32-bit register
 * or memory dword, and the junk around it. */
enum { LOW = 0, HIGH = 1, MEM = 2 };
#define JUNK_A 0xBEEF5A5Au
#define JUNK_B 0xC0DE3C3Cu

#define place(v, bits, where, junk) isa_place(v, bits, (where) == HIGH, junk)
#define extract(r, bits, where, junk, note) \
    isa_extract(r, bits, (where) == HIGH, junk, note)

struct bcase {
    const char *name;
    binfn fn;
    uint8_t bits, wa, wb;      /* size; placement of a (dest), b (src) */
    uint8_t imm;               /* b is the immediate below */
    uint32_t immv;
    uint32_t mask;
};

static void run_bin(const struct bcase *c, const uint32_t *av, int na,
                    const uint32_t *bv, int nb, const uint32_t *fins, int nf)
{
    int dig = isa_hex(c->bits);

    if (c->imm) {
        bv = &c->immv;
        nb = 1;
    }
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            for (int k = 0; k < nf; k++) {
                uint32_t a = isa_trunc(av[i], c->bits);
                uint32_t b = isa_trunc(bv[j], c->bits);
                uint32_t ja = c->wa == MEM ? MGUARD0 : JUNK_A;
                uint32_t r, fl;
                char note[32];

                isa_alu_mem[0] = MGUARD0;
                isa_alu_mem[2] = MGUARD2;
                fl = c->fn(place(a, c->bits, c->wa, ja),
                           place(b, c->bits, c->wb, c->wb == MEM ? MGUARD0 : JUNK_B),
                           fins[k], &r);
                r = extract(r, c->bits, c->wa, ja, note);
                if (isa_alu_mem[0] != MGUARD0 || isa_alu_mem[2] != MGUARD2)
                    sprintf(note + strlen(note), " GUARD=%08x,%08x",
                            isa_alu_mem[0], isa_alu_mem[2]);
                isa_line("%s a=0x%0*x b=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n",
                         c->name, dig, a, dig, b, isa_fl(fins[k], ISA_ARITH),
                         dig, r, isa_fl(fl, c->mask), note);
            }
}

#define ALLF ISA_M_ALL
#define LOGF ISA_M_LOGIC

/* Register/register and register/memory forms, per op and size. */
#define CASES_SIZE(op, sz, mask)                                             \
    { #op #sz ".rr", op##sz##_rr, sz, LOW, LOW, 0, 0, mask },                \
    { #op #sz ".rm", op##sz##_rm, sz, LOW, MEM, 0, 0, mask },                \
    { #op #sz ".mr", op##sz##_mr, sz, MEM, LOW, 0, 0, mask },
#define CASES_LOCK(op, sz, mask)                                             \
    { #op #sz ".lmr", op##sz##_lmr, sz, MEM, LOW, 0, 0, mask },
#define CASES_HIGH(op, mask)                                                 \
    { #op "8.hh", op##8_hh, 8, HIGH, HIGH, 0, 0, mask },                     \
    { #op "8.hl", op##8_hl, 8, HIGH, LOW, 0, 0, mask },                      \
    { #op "8.lh", op##8_lh, 8, LOW, HIGH, 0, 0, mask },                      \
    { #op "8.hm", op##8_hm, 8, HIGH, MEM, 0, 0, mask },                      \
    { #op "8.mh", op##8_mh, 8, MEM, HIGH, 0, 0, mask },
#define CASES_OP(op, mask)                                                   \
    CASES_SIZE(op, 8, mask) CASES_SIZE(op, 16, mask) CASES_SIZE(op, 32, mask) \
    CASES_LOCK(op, 8, mask) CASES_LOCK(op, 16, mask) CASES_LOCK(op, 32, mask) \
    CASES_HIGH(op, mask)                                                     \
    { #op "8.lmh", op##8_lmh, 8, MEM, HIGH, 0, 0, mask },

static const struct bcase reg_cases[] = {
    CASES_OP(add, ALLF) CASES_OP(adc, ALLF) CASES_OP(sub, ALLF)
    CASES_OP(sbb, ALLF) CASES_OP(and, LOGF) CASES_OP(or, LOGF)
    CASES_OP(xor, LOGF)
    CASES_SIZE(cmp, 8, ALLF) CASES_SIZE(cmp, 16, ALLF) CASES_SIZE(cmp, 32, ALLF)
    CASES_HIGH(cmp, ALLF)
    { "test8.rr", test8_rr, 8, LOW, LOW, 0, 0, LOGF },
    { "test16.rr", test16_rr, 16, LOW, LOW, 0, 0, LOGF },
    { "test32.rr", test32_rr, 32, LOW, LOW, 0, 0, LOGF },
    { "test8.mr", test8_mr, 8, MEM, LOW, 0, 0, LOGF },
    { "test16.mr", test16_mr, 16, MEM, LOW, 0, 0, LOGF },
    { "test32.mr", test32_mr, 32, MEM, LOW, 0, 0, LOGF },
    { "test8.hh", test8_hh, 8, HIGH, HIGH, 0, 0, LOGF },
    { "test8.hl", test8_hl, 8, HIGH, LOW, 0, 0, LOGF },
    { "test8.lh", test8_lh, 8, LOW, HIGH, 0, 0, LOGF },
    { "test8.mh", test8_mh, 8, MEM, HIGH, 0, 0, LOGF },
};

/* Immediate forms. */
#define IC_RI(op, sz, mask, tag, imm)                                        \
    { #op #sz ".ri", op##sz##_ri_##tag, sz, LOW, LOW, 1, (uint32_t)(imm), mask }, \
    { #op #sz ".ai", op##sz##_ai_##tag, sz, LOW, LOW, 1, (uint32_t)(imm), mask },
#define IC_MI(op, sz, mask, tag, imm)                                        \
    { #op #sz ".mi", op##sz##_mi_##tag, sz, MEM, LOW, 1, (uint32_t)(imm), mask },
#define IC_LMI(op, sz, mask, tag, imm)                                       \
    { #op #sz ".lmi", op##sz##_lmi_##tag, sz, MEM, LOW, 1, (uint32_t)(imm), mask },
#define IC_ALL(op, sz, mask, tag, imm)                                       \
    IC_RI(op, sz, mask, tag, imm) IC_MI(op, sz, mask, tag, imm)              \
    IC_LMI(op, sz, mask, tag, imm)
#define IC_NL(op, sz, mask, tag, imm)                                        \
    IC_RI(op, sz, mask, tag, imm) IC_MI(op, sz, mask, tag, imm)
#define IC_OP(op, mask)                                                      \
    IMM8(IC_ALL, op, 8, mask) IMM16(IC_ALL, op, 16, mask)                    \
    IMM32(IC_ALL, op, 32, mask)
#define IC_OP_NL(op, mask)                                                   \
    IMM8(IC_NL, op, 8, mask) IMM16(IC_NL, op, 16, mask)                      \
    IMM32(IC_NL, op, 32, mask)

static const struct bcase imm_cases[] = {
    IC_OP(add, ALLF) IC_OP(adc, ALLF) IC_OP(sub, ALLF) IC_OP(sbb, ALLF)
    IC_OP(and, LOGF) IC_OP(or, LOGF) IC_OP(xor, LOGF)
    IC_OP_NL(cmp, ALLF) IC_OP_NL(test, LOGF)
};

struct ucase {
    const char *name;
    unfn fn;
    uint8_t bits, wa;
};

#define UC_OP(op)                                                            \
    { #op "8.r", op##8_r, 8, LOW }, { #op "16.r", op##16_r, 16, LOW },       \
    { #op "32.r", op##32_r, 32, LOW }, { #op "8.m", op##8_m, 8, MEM },       \
    { #op "16.m", op##16_m, 16, MEM }, { #op "32.m", op##32_m, 32, MEM },    \
    { #op "8.lm", op##8_lm, 8, MEM }, { #op "16.lm", op##16_lm, 16, MEM },   \
    { #op "32.lm", op##32_lm, 32, MEM }, { #op "8.h", op##8_h, 8, HIGH },

static const struct ucase un_cases[] = {
    UC_OP(inc) UC_OP(dec) UC_OP(neg) UC_OP(not)
    { "inc32.ff", inc32_ff, 32, LOW }, { "inc16.ff", inc16_ff, 16, LOW },
    { "dec32.ff", dec32_ff, 32, LOW }, { "dec16.ff", dec16_ff, 16, LOW },
    { "inc16.40", inc16_40, 16, LOW }, { "dec16.48", dec16_48, 16, LOW },
    { "neg8.al", neg8_al, 8, LOW }, { "not8.al", not8_al, 8, LOW },
};

static void run_un(const struct ucase *c, const uint32_t *av, int na,
                   const uint32_t *fins, int nf)
{
    int dig = isa_hex(c->bits);

    for (int i = 0; i < na; i++)
        for (int k = 0; k < nf; k++) {
            uint32_t a = isa_trunc(av[i], c->bits);
            uint32_t ja = c->wa == MEM ? MGUARD0 : JUNK_A;
            uint32_t r, fl;
            char note[32];

            isa_alu_mem[0] = MGUARD0;
            isa_alu_mem[2] = MGUARD2;
            fl = c->fn(place(a, c->bits, c->wa, ja), fins[k], &r);
            r = extract(r, c->bits, c->wa, ja, note);
            if (isa_alu_mem[0] != MGUARD0 || isa_alu_mem[2] != MGUARD2)
                sprintf(note + strlen(note), " GUARD=%08x,%08x",
                        isa_alu_mem[0], isa_alu_mem[2]);
            isa_line("%s a=0x%0*x in=%s -> r=0x%0*x fl=%s%s\n", c->name, dig,
                     a, isa_fl(fins[k], ISA_ARITH), dig, r,
                     isa_fl(fl, ISA_ARITH), note);
        }
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const uint32_t fin2[] = { 0, ISA_ARITH };
static const uint32_t fin4[] = { 0, ISA_CF, ISA_ARITH & ~ISA_CF, ISA_ARITH };

/* A few values per size for the many non-register forms. */
static const uint32_t few8[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
static const uint32_t few16[] = { 0x0000, 0x0001, 0x7fff, 0x8000, 0xff01,
                                  0xffff };
static const uint32_t few32[] = { 0x00000000, 0x00000001, 0x7fffffff,
                                  0x80000000, 0xfffffffe, 0xffffffff };
static const uint32_t few_imm32[] = { 0x00000000, 0x00000001, 0x0000007f,
                                      0x7fffffff, 0x80000000, 0xffffff80,
                                      0xffffffff, 0x89abcdef };

int test_main(void)
{
    uint32_t rnd_a[24], rnd_b[24];

    for (int i = 0; i < N(rnd_a); i++) {
        rnd_a[i] = isa_rand();
        rnd_b[i] = isa_rand();
        if (i & 1)              /* some small values too */
            rnd_b[i] &= 0xff;
    }

    for (int n = 0; n < N(reg_cases); n++) {
        const struct bcase *c = &reg_cases[n];
        const uint32_t *fins = fin2;
        int nf = N(fin2);

        if (!strncmp(c->name, "adc", 3) || !strncmp(c->name, "sbb", 3)) {
            fins = fin4;
            nf = N(fin4);
        }
        if (!strcmp(c->name + strlen(c->name) - 3, ".rr")) {
            /* the full edge-value matrix, then LCG pairs */
            int nv = isa_nvals(c->bits);
            const uint32_t *v = c->bits == 8 ? isa_vals8
                              : c->bits == 16 ? isa_vals16 : isa_vals32;
            run_bin(c, v, nv, v, nv, fins, nf);
            for (int i = 0; i < N(rnd_a); i++)
                run_bin(c, &rnd_a[i], 1, &rnd_b[i], 1, fins, nf);
        } else {
            const uint32_t *v = c->bits == 8 ? few8
                              : c->bits == 16 ? few16 : few32;
            run_bin(c, v, N(few8), v, N(few8), fins, nf);
        }
    }
    for (int n = 0; n < N(imm_cases); n++) {
        const struct bcase *c = &imm_cases[n];
        const uint32_t *v = c->bits == 8 ? few8
                          : c->bits == 16 ? few16 : few_imm32;
        run_bin(c, v, c->bits == 32 ? N(few_imm32) : N(few8), NULL, 0, fin2,
                N(fin2));
    }
    for (int n = 0; n < N(un_cases); n++) {
        const struct ucase *c = &un_cases[n];
        const uint32_t *v = c->bits == 8 ? isa_vals8
                          : c->bits == 16 ? isa_vals16 : isa_vals32;
        run_un(c, v, isa_nvals(c->bits), fin4, N(fin4));
    }
    isa_done("isa_alu");
    return 0;
}
