/*
 * isa_alu_chain.c - flag consumers right after flag producers, verified
 * against the host CPU (see isa.h).  A translator that computes flags
 * lazily or fuses compare-and-branch pairs evaluates a condition differently
 * depending on what produced the flags; here each producer (ADD ADC SUB SBB
 * AND OR XOR CMP TEST INC DEC NEG NOT, shifts and rotates by 1 and by CL,
 * IMUL, BT, BSF, POPF alone, SAHF, CLC STC CMC; 8/16/32-bit) is followed in
 * the same asm statement, without anything in between, by all 16 SETcc,
 * all 16 Jcc in short (7x) and near (0F 8x) form, PUSHF and ADC.
 *
 * Then pairs: a producer followed by an instruction that keeps some of its
 * flags (INC DEC NOT, shifts and rotates by CL incl. count 0, BT, CLC STC
 * CMC, LEA, MOV), then the same consumers.
 *
 * Each line prints the producer's result, its defined flags, and the 16
 * conditions as "cc=" o no b ae e ne be a s ns p np l ge le g ('1' true,
 * '0' false, '-' depends on a flag the SDM leaves undefined after this
 * producer).  In addition, within the run, SETcc, both Jcc forms and ADC
 * must agree with the flags PUSHF saw (even undefined ones: they read the
 * same EFLAGS); a disagreement is appended as " SETCC!", " JCC!", " ADC!".
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

/* Written by the consumers (absolute addresses: no registers needed). */
uint8_t isa_chain_set[16] __attribute__((used));
uint32_t isa_chain_fl __attribute__((used));
uint32_t isa_chain_adc __attribute__((used));

/* The consumers.  Jcc: a not-taken jump falls into an LEA (which leaves the
 * flags alone) adding its bit to [m]; short forms bits 0..15, near forms
 * bits 16..31. */
#define JS(cc, n, bit) "j" cc " " #n "f\n\tlea " bit "(%[m]), %[m]\n" #n ":\n\t"
#define JN(cc, n, bit)                                                       \
    "%{disp32%} j" cc " " #n "f\n\tlea " bit "(%[m]), %[m]\n" #n ":\n\t"
#define CONSUME                                                              \
    "pushfl\n\t"                                                             \
    "popl isa_chain_fl\n\t"                                                  \
    "seto isa_chain_set+0\n\t"                                               \
    "setno isa_chain_set+1\n\t"                                              \
    "setb isa_chain_set+2\n\t"                                               \
    "setae isa_chain_set+3\n\t"                                              \
    "sete isa_chain_set+4\n\t"                                               \
    "setne isa_chain_set+5\n\t"                                              \
    "setbe isa_chain_set+6\n\t"                                              \
    "seta isa_chain_set+7\n\t"                                               \
    "sets isa_chain_set+8\n\t"                                               \
    "setns isa_chain_set+9\n\t"                                              \
    "setp isa_chain_set+10\n\t"                                              \
    "setnp isa_chain_set+11\n\t"                                             \
    "setl isa_chain_set+12\n\t"                                              \
    "setge isa_chain_set+13\n\t"                                             \
    "setle isa_chain_set+14\n\t"                                             \
    "setg isa_chain_set+15\n\t"                                              \
    JS("o", 10, "0x1") JS("no", 11, "0x2") JS("b", 12, "0x4")                \
    JS("ae", 13, "0x8") JS("e", 14, "0x10") JS("ne", 15, "0x20")             \
    JS("be", 16, "0x40") JS("a", 17, "0x80") JS("s", 18, "0x100")           \
    JS("ns", 19, "0x200") JS("p", 20, "0x400") JS("np", 21, "0x800")         \
    JS("l", 22, "0x1000") JS("ge", 23, "0x2000") JS("le", 24, "0x4000")      \
    JS("g", 25, "0x8000")                                                    \
    JN("o", 30, "0x10000") JN("no", 31, "0x20000") JN("b", 32, "0x40000")    \
    JN("ae", 33, "0x80000") JN("e", 34, "0x100000")                          \
    JN("ne", 35, "0x200000") JN("be", 36, "0x400000")                        \
    JN("a", 37, "0x800000") JN("s", 38, "0x1000000")                         \
    JN("ns", 39, "0x2000000") JN("p", 40, "0x4000000")                       \
    JN("np", 41, "0x8000000") JN("l", 42, "0x10000000")                      \
    JN("ge", 43, "0x20000000") JN("le", 44, "0x40000000")                    \
    JN("g", 45, "0x80000000")                                                \
    "adcl $0, isa_chain_adc\n\t"

/* A producer: fn(a, b, fin, *m) returns the result; *m = Jcc bits. */
typedef uint32_t (*chfn)(uint32_t a, uint32_t b, uint32_t fin, uint32_t *m);

#define GEN_BIN(op, sz)                                                      \
    static uint32_t op##sz(uint32_t a, uint32_t b, uint32_t fin, uint32_t *m) \
    {                                                                        \
        uint32_t j = 0;                                                      \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[b], %"        \
                         MOD_##sz "[a]\n\t" CONSUME                          \
                         : [a] "+" CON_##sz(a), [m] "+r"(j)                  \
                         : [b] CON_##sz(b), [fin] "r"(fin)                   \
                         : "cc", "memory");                                  \
        *m = j;                                                              \
        return a;                                                            \
    }
#define GEN_UN(op, sz)                                                       \
    static uint32_t op##sz(uint32_t a, uint32_t b, uint32_t fin, uint32_t *m) \
    {                                                                        \
        uint32_t j = 0;                                                      \
        (void)b;                                                             \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %" MOD_##sz "[a]\n\t"       \
                         CONSUME                                             \
                         : [a] "+" CON_##sz(a), [m] "+r"(j)                  \
                         : [fin] "r"(fin)                                    \
                         : "cc", "memory");                                  \
        *m = j;                                                              \
        return a;                                                            \
    }
#define GEN_CL(op, sz)                                                       \
    static uint32_t op##sz##cl(uint32_t a, uint32_t b, uint32_t fin,         \
                               uint32_t *m)                                  \
    {                                                                        \
        uint32_t j = 0;                                                      \
        __asm__ volatile(ISA_SETF #op SUF_##sz " %%cl, %" MOD_##sz "[a]\n\t" \
                         CONSUME                                             \
                         : [a] "+" CON_##sz(a), [m] "+r"(j)                  \
                         : "c"(b), [fin] "r"(fin)                            \
                         : "cc", "memory");                                  \
        *m = j;                                                              \
        return a;                                                            \
    }
#define GEN3(g, op) g(op, 8) g(op, 16) g(op, 32)
GEN3(GEN_BIN, add) GEN3(GEN_BIN, adc) GEN3(GEN_BIN, sub) GEN3(GEN_BIN, sbb)
GEN3(GEN_BIN, and) GEN3(GEN_BIN, or) GEN3(GEN_BIN, xor) GEN3(GEN_BIN, cmp)
GEN3(GEN_BIN, test)
GEN3(GEN_UN, inc) GEN3(GEN_UN, dec) GEN3(GEN_UN, neg) GEN3(GEN_UN, not)
GEN3(GEN_UN, shl) GEN3(GEN_UN, shr) GEN3(GEN_UN, sar) GEN3(GEN_UN, rol)
GEN3(GEN_UN, ror) GEN3(GEN_UN, rcl) GEN3(GEN_UN, rcr)
GEN3(GEN_CL, shl) GEN3(GEN_CL, shr) GEN3(GEN_CL, sar) GEN3(GEN_CL, rol)
GEN3(GEN_CL, ror) GEN3(GEN_CL, rcl) GEN3(GEN_CL, rcr)
GEN_BIN(imul, 16) GEN_BIN(imul, 32)
GEN_BIN(bt, 16) GEN_BIN(bt, 32) GEN_BIN(bts, 32)
GEN_BIN(bsf, 16) GEN_BIN(bsf, 32) GEN_BIN(bsr, 32)

/* Producers without operands: popf alone, sahf (AH = a), clc stc cmc. */
#define GEN_NONE(name, insn)                                                 \
    static uint32_t name(uint32_t a, uint32_t b, uint32_t fin, uint32_t *m)  \
    {                                                                        \
        uint32_t j = 0;                                                      \
        (void)b;                                                             \
        __asm__ volatile(ISA_SETF insn CONSUME                               \
                         : [m] "+r"(j), "+a"(a)                              \
                         : [fin] "r"(fin)                                    \
                         : "cc", "memory");                                  \
        *m = j;                                                              \
        return a;                                                            \
    }
GEN_NONE(popf_only, "")
GEN_NONE(sahf_ah, "sahf\n\t")
GEN_NONE(clc_, "clc\n\t")
GEN_NONE(stc_, "stc\n\t")
GEN_NONE(cmc_, "cmc\n\t")

enum kind { BIN, LOGIC, INCDEC, NEG, NOT, SH1, ROT1, SHCL, ROTCL, MUL, BT,
            BSF, FLAGS };
struct ccase {
    const char *name;
    chfn fn;
    uint8_t bits, kind;
};
#define C3(op, k) { #op "8", op##8, 8, k }, { #op "16", op##16, 16, k },    \
                  { #op "32", op##32, 32, k },
#define C3CL(op, k) { #op "8.cl", op##8cl, 8, k },                           \
                    { #op "16.cl", op##16cl, 16, k },                        \
                    { #op "32.cl", op##32cl, 32, k },
static const struct ccase cases[] = {
    C3(add, BIN) C3(adc, BIN) C3(sub, BIN) C3(sbb, BIN) C3(and, LOGIC)
    C3(or, LOGIC) C3(xor, LOGIC) C3(cmp, BIN) C3(test, LOGIC)
    C3(inc, INCDEC) C3(dec, INCDEC) C3(neg, NEG) C3(not, NOT)
    C3(shl, SH1) C3(shr, SH1) C3(sar, SH1) C3(rol, ROT1) C3(ror, ROT1)
    C3(rcl, ROT1) C3(rcr, ROT1)
    C3CL(shl, SHCL) C3CL(shr, SHCL) C3CL(sar, SHCL) C3CL(rol, ROTCL)
    C3CL(ror, ROTCL) C3CL(rcl, ROTCL) C3CL(rcr, ROTCL)
    { "imul16", imul16, 16, MUL }, { "imul32", imul32, 32, MUL },
    { "bt16", bt16, 16, BT }, { "bt32", bt32, 32, BT },
    { "bts32", bts32, 32, BT },
    { "bsf16", bsf16, 16, BSF }, { "bsf32", bsf32, 32, BSF },
    { "bsr32", bsr32, 32, BSF },
};

/* Flags the SDM defines after producer kind k (count n for shifts). */
static uint32_t defined(int k, int bits, int name_is_shl_shr, uint32_t n)
{
    uint32_t c = n & 31;

    switch (k) {
    case BIN: case INCDEC: case NEG: case NOT: case FLAGS:
        return ISA_ARITH;
    case LOGIC:
        return ISA_ARITH & ~ISA_AF;
    case SH1:
        return ISA_ARITH & ~ISA_AF;
    case ROT1:
        return ISA_ARITH;
    case SHCL:
        if (c == 0)
            return ISA_ARITH;
        return (c == 1 ? ISA_OF : 0) | ISA_SF | ISA_ZF | ISA_PF |
               (name_is_shl_shr && c >= (uint32_t)bits ? 0 : ISA_CF);
    case ROTCL:
        return c == 1 || c == 0 ? ISA_ARITH : ISA_ARITH & ~ISA_OF;
    case MUL:
        return ISA_CF | ISA_OF;
    case BT:
        return ISA_CF | ISA_ZF;
    case BSF:
        return ISA_ZF;
    }
    return 0;
}

/* Condition k (o no b ae e ne be a s ns p np l ge le g) from flags f, and
 * the flags it reads. */
static int cond(int k, uint32_t f)
{
    int of = !!(f & ISA_OF), sf = !!(f & ISA_SF), zf = !!(f & ISA_ZF);
    int pf = !!(f & ISA_PF), cf = !!(f & ISA_CF), v;

    switch (k >> 1) {
    case 0: v = of; break;
    case 1: v = cf; break;
    case 2: v = zf; break;
    case 3: v = cf | zf; break;
    case 4: v = sf; break;
    case 5: v = pf; break;
    case 6: v = sf != of; break;
    default: v = zf | (sf != of); break;
    }
    return (k & 1) ? !v : v;
}

static uint32_t cond_reads(int k)
{
    static const uint32_t r[] = {
        ISA_OF, ISA_CF, ISA_ZF, ISA_CF | ISA_ZF, ISA_SF, ISA_PF,
        ISA_SF | ISA_OF, ISA_ZF | ISA_SF | ISA_OF,
    };
    return r[k >> 1];
}

static void run(const char *name, chfn fn, int bits, int kind, int shlshr,
                uint32_t a, uint32_t b, uint32_t fin, int show_b)
{
    int dig = isa_hex(bits);
    uint32_t m, r, fl, def;
    char cc[17], note[40] = "";

    memset(isa_chain_set, 0xAA, sizeof isa_chain_set);
    isa_chain_adc = 0;
    r = fn(kind == FLAGS ? a : isa_place(a, bits, 0, 0xBEEF5A5Au),
           kind == FLAGS ? 0 : isa_place(b, bits, 0, 0xC0DE3C3Cu), fin, &m);
    fl = isa_chain_fl;
    def = defined(kind, bits, shlshr, b);
    int bad_set = 0, bad_j = 0;
    for (int k = 0; k < 16; k++) {
        int c = cond(k, fl);
        cc[k] = (cond_reads(k) & ~def) ? '-' : (char)('0' + c);
        if (isa_chain_set[k] != c)
            bad_set = 1;
        /* a not-taken jump added its bit */
        if ((int)!((m >> k) & 1) != c || (int)!((m >> (16 + k)) & 1) != c)
            bad_j = 1;
    }
    cc[16] = 0;
    if (bad_set)
        strcpy(note + strlen(note), " SETCC!");
    if (bad_j)
        strcpy(note + strlen(note), " JCC!");
    if (isa_chain_adc != (fl & ISA_CF))
        strcpy(note + strlen(note), " ADC!");
    if (kind == FLAGS) {
        isa_line("%s a=0x%08x in=%s -> fl=%s cc=%s%s\n", name, a,
                 isa_fl(fin, ISA_ARITH), isa_fl(fl, def), cc, note);
        return;
    }
    char junk[32];
    r = isa_extract(r, bits, 0, 0xBEEF5A5Au, junk);
    if (kind == BSF && isa_trunc(b, bits) == 0) {
        r = 0;                          /* undefined destination */
        junk[0] = 0;
    }
    if (show_b)
        isa_line("%s a=0x%0*x b=0x%0*x in=%s -> r=0x%0*x fl=%s cc=%s%s%s\n",
                 name, dig, a, dig, isa_trunc(b, bits), isa_fl(fin, ISA_ARITH),
                 dig, r, isa_fl(fl, def), cc, note, junk);
    else
        isa_line("%s a=0x%0*x in=%s -> r=0x%0*x fl=%s cc=%s%s%s\n", name,
                 dig, a, isa_fl(fin, ISA_ARITH), dig, r, isa_fl(fl, def), cc,
                 note, junk);
}

/* ---- pairs: producer P1, then P2 that keeps some of P1's flags ----
 * P1 (32-bit, a op b) sets all flags; P2 works on another register d (count
 * in CL) and replaces only some of them: INC/DEC keep CF, NOT and zero-count
 * shifts/rotates keep all, rotates keep SF ZF AF PF, BT keeps ZF, CLC STC
 * CMC keep all but CF, RCL/RCR and ADC read P1's CF.  Then the consumers. */
typedef uint32_t (*pairfn)(uint32_t a, uint32_t b, uint32_t *d, uint32_t n,
                           uint32_t fin, uint32_t *m);
#define GEN_PAIR(p1, p2, p2text)                                             \
    static uint32_t p1##_##p2(uint32_t a, uint32_t b, uint32_t *d,           \
                              uint32_t n, uint32_t fin, uint32_t *m)         \
    {                                                                        \
        uint32_t j = 0, dd = *d;                                             \
        __asm__ volatile(ISA_SETF #p1 "l %[b], %[a]\n\t" p2text "\n\t"       \
                         CONSUME                                             \
                         : [a] "+r"(a), [d] "+r"(dd), [m] "+r"(j)            \
                         : [b] "r"(b), "c"(n), [fin] "r"(fin)                \
                         : "cc", "memory");                                  \
        *m = j;                                                              \
        *d = dd;                                                             \
        return a;                                                            \
    }
#define P2S(X, p1)                                                           \
    X(p1, inc, "incl %[d]") X(p1, dec, "decl %[d]") X(p1, not, "notl %[d]")  \
    X(p1, shlcl, "shll %%cl, %[d]") X(p1, shrcl, "shrl %%cl, %[d]")          \
    X(p1, sarcl, "sarl %%cl, %[d]") X(p1, rolcl, "roll %%cl, %[d]")          \
    X(p1, rorcl, "rorl %%cl, %[d]") X(p1, rclcl, "rcll %%cl, %[d]")          \
    X(p1, rcrcl, "rcrl %%cl, %[d]") X(p1, rol1, "roll %[d]")                 \
    X(p1, rcr1, "rcrl %[d]") X(p1, bt, "btl %%ecx, %[d]")                    \
    X(p1, clc, "clc") X(p1, stc, "stc") X(p1, cmc, "cmc")                    \
    X(p1, lea, "leal 1(%[d],%[d],2), %[d]") X(p1, mov, "movl %%ecx, %[d]")
#define P1S(X) X(add) X(adc) X(sub) X(sbb) X(and) X(or) X(xor) X(cmp)       \
    X(test) X(imul)
#define GEN_P1(p1) P2S(GEN_PAIR, p1)
P1S(GEN_P1)

enum p2kind { K_INCDEC, K_KEEP, K_SHCL, K_SHCL_S, K_ROTCL, K_ROT1, K_BT,
              K_CF };
struct p2desc {
    const char *name;
    uint8_t kind, counted;
};
static const struct p2desc p2s[] = {
    { "inc", K_INCDEC, 0 }, { "dec", K_INCDEC, 0 }, { "not", K_KEEP, 0 },
    { "shl.cl", K_SHCL_S, 1 }, { "shr.cl", K_SHCL_S, 1 },
    { "sar.cl", K_SHCL, 1 }, { "rol.cl", K_ROTCL, 1 },
    { "ror.cl", K_ROTCL, 1 }, { "rcl.cl", K_ROTCL, 1 },
    { "rcr.cl", K_ROTCL, 1 }, { "rol1", K_ROT1, 0 }, { "rcr1", K_ROT1, 0 },
    { "bt", K_BT, 1 }, { "clc", K_CF, 0 }, { "stc", K_CF, 0 },
    { "cmc", K_CF, 0 }, { "lea", K_KEEP, 0 }, { "mov", K_KEEP, 1 },
};
#define PAIR_ROW(p1) { #p1, {                                                \
    p1##_inc, p1##_dec, p1##_not, p1##_shlcl, p1##_shrcl, p1##_sarcl,        \
    p1##_rolcl, p1##_rorcl, p1##_rclcl, p1##_rcrcl, p1##_rol1, p1##_rcr1,    \
    p1##_bt, p1##_clc, p1##_stc, p1##_cmc, p1##_lea, p1##_mov } },
static const struct {
    const char *name;
    pairfn fn[N(p2s)];
} pairs[] = { P1S(PAIR_ROW) };

/* Flags defined after P1 then P2 (count n). */
static uint32_t pair_defined(int p1_is_logic, int p1_is_mul, int k2,
                             uint32_t n)
{
    uint32_t d1 = p1_is_mul ? ISA_CF | ISA_OF
                : p1_is_logic ? ISA_ARITH & ~ISA_AF : ISA_ARITH;
    uint32_t c = n & 31;

    switch (k2) {
    case K_INCDEC:
        return (ISA_ARITH & ~ISA_CF) | (d1 & ISA_CF);
    case K_KEEP:
        return d1;
    case K_SHCL: case K_SHCL_S:
        if (c == 0)
            return d1;
        return ISA_SF | ISA_ZF | ISA_PF | ISA_CF | (c == 1 ? ISA_OF : 0);
    case K_ROTCL:
        if (c == 0)
            return d1;
        /* RCL/RCR read CF; P1 always defines CF */
        return (d1 & ~ISA_OF) | ISA_CF | (c == 1 ? ISA_OF : 0);
    case K_ROT1:
        return d1 | ISA_CF | ISA_OF;
    case K_BT:
        return ISA_CF | (d1 & ISA_ZF);
    case K_CF:
        return d1 | ISA_CF;
    }
    return 0;
}

static void run_pair(int i1, int i2, uint32_t a, uint32_t b, uint32_t d,
                     uint32_t n, uint32_t fin)
{
    const char *p1 = pairs[i1].name;
    int logic = !strcmp(p1, "and") || !strcmp(p1, "or") ||
                !strcmp(p1, "xor") || !strcmp(p1, "test");
    uint32_t m, fl, def, dd = d;
    char cc[17], note[40] = "";

    memset(isa_chain_set, 0xAA, sizeof isa_chain_set);
    isa_chain_adc = 0;
    uint32_t r = pairs[i1].fn[i2](a, b, &dd, n, fin, &m);
    fl = isa_chain_fl;
    def = pair_defined(logic, !strcmp(p1, "imul"), p2s[i2].kind, n);
    int bad_set = 0, bad_j = 0;
    for (int k = 0; k < 16; k++) {
        int c = cond(k, fl);
        cc[k] = (cond_reads(k) & ~def) ? '-' : (char)('0' + c);
        bad_set |= isa_chain_set[k] != c;
        bad_j |= (int)!((m >> k) & 1) != c || (int)!((m >> (16 + k)) & 1) != c;
    }
    cc[16] = 0;
    if (bad_set)
        strcpy(note + strlen(note), " SETCC!");
    if (bad_j)
        strcpy(note + strlen(note), " JCC!");
    if (isa_chain_adc != (fl & ISA_CF))
        strcpy(note + strlen(note), " ADC!");
    isa_line("%s+%s a=0x%08x b=0x%08x d=0x%08x n=%u in=%s -> r=0x%08x "
             "d=0x%08x fl=%s cc=%s%s\n",
             p1, p2s[i2].name, a, b, d, (unsigned)n, isa_fl(fin, ISA_ARITH),
             r, dd, isa_fl(fl, def), cc, note);
}

static void test_pairs(void)
{
    static const uint32_t ab[][2] = {
        { 0x00000000, 0x00000000 }, { 0x7fffffff, 0x00000001 },
        { 0x80000000, 0x00000001 }, { 0xffffffff, 0x00000001 },
        { 0x00000001, 0x00000002 }, { 0x80000000, 0x80000000 },
        { 0x12345678, 0x0000ff00 }, { 0x0000000f, 0xfffffff1 },
    };
    static const uint32_t ns[] = { 0, 1, 3 };
    unsigned t = 0;

    for (int i1 = 0; i1 < N(pairs); i1++)
        for (int i2 = 0; i2 < N(p2s); i2++)
            for (int j = 0; j < N(ab); j++)
                for (int c = 0; c < (p2s[i2].counted ? N(ns) : 1); c++) {
                    uint32_t d = j & 1 ? 0x80000001u : 0x7ffffffeu;
                    run_pair(i1, i2, ab[j][0], ab[j][1], d, ns[c],
                             t++ & 1 ? ISA_ARITH : 0);
                }
}

static const uint32_t few8[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
static const uint32_t few16[] = { 0x0000, 0x0001, 0x7fff, 0x8000, 0xfffe,
                                  0xffff };
static const uint32_t few32[] = { 0x00000000, 0x00000001, 0x7fffffff,
                                  0x80000000, 0xfffffffe, 0xffffffff };
static const uint32_t counts[] = { 0, 1, 2, 7, 8, 9, 16, 17, 31, 32 };
static const uint32_t fins[] = { 0, ISA_ARITH };

int test_main(void)
{
    for (int n = 0; n < N(cases); n++) {
        const struct ccase *c = &cases[n];
        const uint32_t *v = c->bits == 8 ? few8 : c->bits == 16 ? few16
                                                                : few32;
        int shlshr = c->name[0] == 's' && c->name[1] == 'h';

        for (int i = 0; i < N(few8); i++)
            for (int k = 0; k < N(fins); k++) {
                switch (c->kind) {
                case BIN: case LOGIC: case MUL:
                    for (int j = 0; j < N(few8); j++)
                        run(c->name, c->fn, c->bits, c->kind, 0, v[i], v[j],
                            fins[k], 1);
                    break;
                case SHCL: case ROTCL: case BT:
                    for (int j = 0; j < N(counts); j++)
                        run(c->name, c->fn, c->bits, c->kind, shlshr, v[i],
                            counts[j], fins[k], 1);
                    break;
                case BSF:
                    run(c->name, c->fn, c->bits, c->kind, 0, 0, v[i], fins[k],
                        1);
                    break;
                default:
                    run(c->name, c->fn, c->bits, c->kind, 0, v[i], 0,
                        fins[k], 0);
                    break;
                }
            }
    }
    for (int k = 0; k < 64; k++) {
        static const uint32_t bit[] = { ISA_CF, ISA_PF, ISA_AF, ISA_ZF,
                                        ISA_SF, ISA_OF };
        uint32_t fin = 0;
        for (int i = 0; i < 6; i++)
            if (k & 1 << i)
                fin |= bit[i];
        run("popf", popf_only, 32, FLAGS, 0, 0, 0, fin, 0);
        run("clc", clc_, 32, FLAGS, 0, 0, 0, fin, 0);
        run("stc", stc_, 32, FLAGS, 0, 0, 0, fin, 0);
        run("cmc", cmc_, 32, FLAGS, 0, 0, 0, fin, 0);
    }
    for (uint32_t ah = 0; ah < 256; ah++)
        run("sahf", sahf_ah, 32, FLAGS, 0, ah << 8 | 0x5a, 0,
            ah & 1 ? ISA_ARITH : 0, 0);
    test_pairs();
    isa_done("isa_alu_chain");
    return 0;
}
