/*
 * flags.c - exact EFLAGS results of the arithmetic and logic instructions on
 * boundary operands, captured with pushf right after the instruction (inline
 * asm).  Only architecturally defined flags are compared (e.g. AF is
 * undefined after AND/OR/XOR, OF after multi-bit shifts, SF/ZF/AF/PF after
 * MUL/IMUL).  Also checks that INC/DEC preserve CF, that a zero-count shift
 * leaves flags alone, ADC/SBB with both carry-ins, and all 16 SETcc/Jcc
 * conditions after CMP.
 */
#include "portable.h"

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ALL (CF | PF | AF | ZF | SF | OF)

static const uint32_t vals[] = {
    0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
    0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF, 0x12345678, 0x0F0F0F0F,
};
#define NV ((int)(sizeof vals / sizeof vals[0]))

static uint32_t hash;

static void mix(uint32_t v)
{
    hash = (hash ^ v) * 16777619u;
}

/* Binary op with carry-in cin: r = a OP b; returns the flags. */
#define BINOP(fn, insn)                                                     \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t cin, uint32_t *r)   \
    {                                                                       \
        uint32_t f;                                                         \
        __asm__("btl $0, %[c]\n\t" insn " %[b], %[a]\n\tpushfl\n\tpopl %[f]" \
                : [a] "+r"(a), [f] "=&r"(f)                                 \
                : [b] "r"(b), [c] "r"(cin)                                  \
                : "cc");                                                    \
        *r = a;                                                             \
        return f;                                                           \
    }
BINOP(op_add, "addl")
BINOP(op_adc, "adcl")
BINOP(op_sub, "subl")
BINOP(op_sbb, "sbbl")
BINOP(op_and, "andl")
BINOP(op_or, "orl")
BINOP(op_xor, "xorl")
BINOP(op_cmp, "cmpl")
BINOP(op_test, "testl")
BINOP(op_imul, "imull")

/* 8-bit forms, on the low bytes. */
#define BINOP8(fn, insn)                                                    \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t cin, uint32_t *r)   \
    {                                                                       \
        uint32_t f;                                                         \
        __asm__("btl $0, %[c]\n\t" insn " %b[b], %b[a]\n\tpushfl\n\tpopl %[f]" \
                : [a] "+q"(a), [f] "=&r"(f)                                 \
                : [b] "q"(b), [c] "r"(cin)                                  \
                : "cc");                                                    \
        *r = a;                                                             \
        return f;                                                           \
    }
BINOP8(op_add8, "addb")
BINOP8(op_adc8, "adcb")
BINOP8(op_sub8, "subb")
BINOP8(op_sbb8, "sbbb")

/* 16-bit forms. */
#define BINOP16(fn, insn)                                                   \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t cin, uint32_t *r)   \
    {                                                                       \
        uint32_t f;                                                         \
        __asm__("btl $0, %[c]\n\t" insn " %w[b], %w[a]\n\tpushfl\n\tpopl %[f]" \
                : [a] "+r"(a), [f] "=&r"(f)                                 \
                : [b] "r"(b), [c] "r"(cin)                                  \
                : "cc");                                                    \
        *r = a;                                                             \
        return f;                                                           \
    }
BINOP16(op_add16, "addw")
BINOP16(op_sub16, "subw")

/* Unary op with carry-in. */
#define UNOP(fn, insn)                                                      \
    static uint32_t fn(uint32_t a, uint32_t cin, uint32_t *r)               \
    {                                                                       \
        uint32_t f;                                                         \
        __asm__("btl $0, %[c]\n\t" insn " %[a]\n\tpushfl\n\tpopl %[f]"      \
                : [a] "+r"(a), [f] "=&r"(f)                                 \
                : [c] "r"(cin)                                              \
                : "cc");                                                    \
        *r = a;                                                             \
        return f;                                                           \
    }
UNOP(op_inc, "incl")
UNOP(op_dec, "decl")
UNOP(op_neg, "negl")
UNOP(op_not, "notl")

/* Shift/rotate by CL with carry-in. */
#define SHOP(fn, insn)                                                      \
    static uint32_t fn(uint32_t a, uint32_t n, uint32_t cin, uint32_t *r)   \
    {                                                                       \
        uint32_t f;                                                         \
        __asm__("btl $0, %[c]\n\t" insn " %%cl, %[a]\n\tpushfl\n\tpopl %[f]" \
                : [a] "+r"(a), [f] "=&r"(f)                                 \
                : "c"(n), [c] "r"(cin)                                      \
                : "cc");                                                    \
        *r = a;                                                             \
        return f;                                                           \
    }
SHOP(op_shl, "shll")
SHOP(op_shr, "shrl")
SHOP(op_sar, "sarl")
SHOP(op_rol, "roll")
SHOP(op_ror, "rorl")
SHOP(op_rcl, "rcll")
SHOP(op_rcr, "rcrl")

static uint32_t op_mul(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint32_t f;

    __asm__("mull %[b]\n\tpushfl\n\tpopl %[f]"
            : "+a"(a), "=d"(*hi), [f] "=&r"(f)
            : [b] "r"(b)
            : "cc");
    *lo = a;
    return f;
}

static const char *const binop_names[] = {
    "add", "adc", "sub", "sbb", "and", "or", "xor", "cmp", "test",
    "add8", "adc8", "sub8", "sbb8", "add16", "sub16",
};
static uint32_t (*const binops[])(uint32_t, uint32_t, uint32_t, uint32_t *) = {
    op_add, op_adc, op_sub, op_sbb, op_and, op_or, op_xor, op_cmp, op_test,
    op_add8, op_adc8, op_sub8, op_sbb8, op_add16, op_sub16,
};
static const uint32_t binop_masks[] = {
    ALL, ALL, ALL, ALL, ALL & ~AF, ALL & ~AF, ALL & ~AF, ALL, ALL & ~AF,
    ALL, ALL, ALL, ALL, ALL, ALL,
};

static void binaries(void)
{
    printf("-- binary ops (flags masked to defined bits)\n");
    for (unsigned op = 0; op < sizeof binops / sizeof binops[0]; op++) {
        hash = 0;
        for (int i = 0; i < NV; i++)
            for (int j = 0; j < NV; j++)
                for (uint32_t c = 0; c < 2; c++) {
                    uint32_t r, f = binops[op](vals[i], vals[j], c, &r);
                    mix(r);
                    mix(f & binop_masks[op]);
                    if (i == 13 && (j == 1 || j == 13) && c == 1)
                        printf("%-5s %08x,%08x cf=1 -> %08x flags %03x\n",
                               binop_names[op], vals[i], vals[j], r,
                               f & binop_masks[op]);
                }
        printf("%-5s hash %08x\n", binop_names[op], hash);
    }
}

static void unaries(void)
{
    static const char *const names[] = { "inc", "dec", "neg", "not" };
    static uint32_t (*const ops[])(uint32_t, uint32_t, uint32_t *) = {
        op_inc, op_dec, op_neg, op_not,
    };
    /* inc/dec keep CF; not changes no flags at all (and btl leaves all but
     * CF undefined, so only CF is known after it). */
    static const uint32_t masks[] = { ALL, ALL, ALL, CF };
    printf("-- unary ops\n");
    for (int op = 0; op < 4; op++) {
        hash = 0;
        for (int i = 0; i < NV; i++)
            for (uint32_t c = 0; c < 2; c++) {
                uint32_t r, f = ops[op](vals[i], c, &r);
                mix(r);
                mix(f & masks[op]);
            }
        uint32_t r0, f0 = ops[op](0xFFFFFFFFu, 1, &r0);
        uint32_t r1, f1 = ops[op](0x7FFFFFFFu, 0, &r1);
        printf("%s: ffffffff cf=1 -> %08x %03x; 7fffffff cf=0 -> %08x %03x; hash %08x\n",
               names[op], r0, f0 & masks[op], r1, f1 & masks[op], hash);
    }
}

static void shifts(void)
{
    static const char *const names[] = { "shl", "shr", "sar", "rol", "ror",
                                         "rcl", "rcr" };
    static uint32_t (*const ops[])(uint32_t, uint32_t, uint32_t, uint32_t *) = {
        op_shl, op_shr, op_sar, op_rol, op_ror, op_rcl, op_rcr,
    };
    printf("-- shifts by cl (count 1: CF OF [+SF ZF PF for shifts]; "
           "count 0: CF kept; other: CF [+SF ZF PF])\n");
    for (int op = 0; op < 7; op++) {
        int is_rot = op >= 3;
        hash = 0;
        for (int i = 0; i < NV; i++)
            for (uint32_t n = 0; n < 40; n += (n < 4 ? 1 : 7))
                for (uint32_t c = 0; c < 2; c++) {
                    uint32_t r, f = ops[op](vals[i], n, c, &r);
                    uint32_t k = n & 31, m;
                    if (k == 0)            /* flags unchanged: only CF known */
                        m = CF;
                    else if (is_rot)
                        m = k == 1 ? CF | OF : CF;
                    else
                        m = (k == 1 ? CF | OF : CF) | SF | ZF | PF;
                    mix(r);
                    mix(f & m);
                }
        uint32_t r, f = ops[op](0x80000001u, 1, 1, &r);
        printf("%s: 80000001 by 1 cf=1 -> %08x %03x; hash %08x\n", names[op],
               r, f & (is_rot ? CF | OF : CF | OF | SF | ZF | PF), hash);
    }
}

static void multiplies(void)
{
    printf("-- mul/imul (CF OF only)\n");
    hash = 0;
    for (int i = 0; i < NV; i++)
        for (int j = 0; j < NV; j++) {
            uint32_t hi, lo, f = op_mul(vals[i], vals[j], &hi, &lo);
            mix(hi);
            mix(lo);
            mix(f & (CF | OF));
            uint32_t r, g = op_imul(vals[i], vals[j], 0, &r);
            mix(r);
            mix(g & (CF | OF));
        }
    printf("mul/imul hash %08x\n", hash);
}

/* All 16 conditions after cmp a, b, via setcc and via jcc. */
static uint32_t conds_setcc(uint32_t a, uint32_t b)
{
    uint8_t c[16];

    __asm__("cmpl %[b], %[a]\n\t"
            "seto 0(%[p])\n\t setno 1(%[p])\n\t setb 2(%[p])\n\t setae 3(%[p])\n\t"
            "sete 4(%[p])\n\t setne 5(%[p])\n\t setbe 6(%[p])\n\t seta 7(%[p])\n\t"
            "sets 8(%[p])\n\t setns 9(%[p])\n\t setp 10(%[p])\n\t setnp 11(%[p])\n\t"
            "setl 12(%[p])\n\t setge 13(%[p])\n\t setle 14(%[p])\n\t setg 15(%[p])"
            :
            : [a] "r"(a), [b] "r"(b), [p] "r"(c)
            : "cc", "memory");
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)c[i] << i;
    return m;
}

#define JCC(insn, bit)                                  \
    "cmpl %[b], %[a]\n\t" insn " 1f\n\t"                \
    "orl $" #bit ", %[m]\n"                             \
    "1:\n\t"

static uint32_t conds_jcc(uint32_t a, uint32_t b)
{
    uint32_t m = 0;

    /* Each bit is set when the condition is FALSE; inverted at the end. */
    __asm__(JCC("jo", 0x1) JCC("jno", 0x2) JCC("jb", 0x4) JCC("jae", 0x8)
            JCC("je", 0x10) JCC("jne", 0x20) JCC("jbe", 0x40) JCC("ja", 0x80)
            JCC("js", 0x100) JCC("jns", 0x200) JCC("jp", 0x400) JCC("jnp", 0x800)
            JCC("jl", 0x1000) JCC("jge", 0x2000) JCC("jle", 0x4000) JCC("jg", 0x8000)
            : [m] "+r"(m)
            : [a] "r"(a), [b] "r"(b)
            : "cc");
    return ~m & 0xFFFF;
}

static int conditions(void)
{
    int bad = 0;

    printf("-- conditions after cmp (bit i: o no b ae e ne be a s ns p np l ge le g)\n");
    hash = 0;
    for (int i = 0; i < NV; i++)
        for (int j = 0; j < NV; j++) {
            uint32_t s = conds_setcc(vals[i], vals[j]);
            uint32_t jm = conds_jcc(vals[i], vals[j]);
            if (s != jm)
                bad++;
            mix(s);
            if (j == (i * 7) % NV)
                printf("cmp %08x, %08x: %04x\n", vals[i], vals[j], s);
        }
    printf("setcc/jcc agree: %s, hash %08x\n", bad ? "NO" : "yes", hash);
    return bad;
}

/* Carry chains: 128-bit addition with adc, subtraction with sbb. */
static void carry_chain(void)
{
    uint32_t a[4] = { 0xFFFFFFFF, 0xFFFFFFFF, 0x00000000, 0x80000000 };
    uint32_t b[4] = { 0x00000001, 0x00000000, 0xFFFFFFFF, 0x7FFFFFFF };
    uint32_t s[4], d[4];

    __asm__("movl 0(%[a]), %%eax\n\t addl 0(%[b]), %%eax\n\t movl %%eax, 0(%[s])\n\t"
            "movl 4(%[a]), %%eax\n\t adcl 4(%[b]), %%eax\n\t movl %%eax, 4(%[s])\n\t"
            "movl 8(%[a]), %%eax\n\t adcl 8(%[b]), %%eax\n\t movl %%eax, 8(%[s])\n\t"
            "movl 12(%[a]), %%eax\n\t adcl 12(%[b]), %%eax\n\t movl %%eax, 12(%[s])\n\t"
            "movl 0(%[a]), %%eax\n\t subl 0(%[b]), %%eax\n\t movl %%eax, 0(%[d])\n\t"
            "movl 4(%[a]), %%eax\n\t sbbl 4(%[b]), %%eax\n\t movl %%eax, 4(%[d])\n\t"
            "movl 8(%[a]), %%eax\n\t sbbl 8(%[b]), %%eax\n\t movl %%eax, 8(%[d])\n\t"
            "movl 12(%[a]), %%eax\n\t sbbl 12(%[b]), %%eax\n\t movl %%eax, 12(%[d])"
            :
            : [a] "r"(a), [b] "r"(b), [s] "r"(s), [d] "r"(d)
            : "eax", "cc", "memory");
    printf("128-bit add: %08x%08x%08x%08x\n", s[3], s[2], s[1], s[0]);
    printf("128-bit sub: %08x%08x%08x%08x\n", d[3], d[2], d[1], d[0]);
}

/* Flag-only instructions: stc/clc/cmc, sahf/lahf. */
static void flag_insns(void)
{
    uint32_t f1, f2, f3, ah;

    __asm__("stc\n\t pushfl\n\t popl %0\n\t"
            "cmc\n\t pushfl\n\t popl %1\n\t"
            "clc\n\t cmc\n\t pushfl\n\t popl %2"
            : "=r"(f1), "=r"(f2), "=r"(f3) : : "cc");
    __asm__("movb $0xD5, %%ah\n\t sahf\n\t movb $0, %%ah\n\t lahf\n\t"
            "movzbl %%ah, %0"
            : "=a"(ah) : : "cc");
    printf("stc %x cmc %x clc;cmc %x sahf/lahf %02x\n", f1 & CF, f2 & CF, f3 & CF,
           ah & 0xD5);
}

int test_main(void)
{
    binaries();
    unaries();
    shifts();
    multiplies();
    int bad = conditions();
    carry_chain();
    flag_insns();
    printf("%s: flags\n", bad ? "FAIL" : "PASS");
    return 0;
}
