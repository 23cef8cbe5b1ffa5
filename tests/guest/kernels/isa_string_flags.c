/*
 * isa_string_flags.c - string instructions after flags computed by the
 * instruction before them, against the host CPU: what the random-instruction
 * fuzzer generates (`cmp`, maybe `inc`, then a string instruction) and
 * isa_string does not (there the flags come from POPF right before).
 *
 * Each case: POPF sets DF and the arithmetic flags, then one of three
 * prologues: CMP EDX, b defines every arithmetic flag ("c"; four value
 * pairs: ZF PF; CF SF AF PF; OF AF PF; OF SF CF PF), INC EDX after it
 * replaces all of them but CF ("i"), or a JMP and INC EDX alone ("p": the
 * INC starts a unit, its CF is POPF's); then the string instruction and
 * PUSHF.
 * Operations: MOVS STOS LODS CMPS SCAS in every width, alone, with REP/REPE
 * (F3) and REPNE (F2, also on MOVS STOS LODS where it is REP), segment
 * overrides, and 16-bit addressing (0x67) with CX = 0 and ECX's upper half
 * set; counts 0, 1 and 3 (16-bit: 0x10000 and 0xFFFF0000 only), DF = 0 and
 * 1.  CMPS/SCAS data: the first two elements match, the third does not.
 *
 * Printed: ESI/EDI relative to the buffer, ECX, EAX, EDX, the six flags,
 * a hash of the bytes around the source and destination (bit 1: something
 * else in the buffer changed; kept cheap: every loop iteration may be a
 * unit of its own under --no-chain); a REP with a zero count must leave all of them as the
 * prologue alone left them: such lines end in "kept" (or "CHANGED").
 */
#include "isa_sys.h"

#define ARENA 12288
static uint8_t A[ARENA] __attribute__((aligned(4096)));
/* The arena's pattern (made once), and A as a run starts. */
static uint8_t PAT[ARENA] __attribute__((aligned(4)));
static uint8_t SNAP[ARENA] __attribute__((aligned(4)));
/* Bytes around an element run's start that a run may touch (3 elements
 * of 4 bytes either way fit): hashed; the rest must stay as it was. */
#define WIN 32

/* The prologue's inputs, read by name (absolute addresses) so that the asm
 * needs no register beyond the string instruction's. */
volatile uint32_t sf_fin, sf_b;

struct sf {
    uint32_t esi, edi, ecx, eax, edx;
    uint32_t fl;
};

/* POPF: arithmetic flags and DF from sf_fin (IF, IOPL, ... kept). */
#define SF_SETF                                                             \
    "pushfl\n\t"                                                            \
    "andl $0xfffbf22a, (%%esp)\n\t"                                         \
    "pushl %%eax\n\t"                                                       \
    "movl sf_fin, %%eax\n\t"                                                \
    "orl %%eax, 4(%%esp)\n\t"                                               \
    "popl %%eax\n\t"                                                        \
    "popfl\n\t"

#define SF_FN(name, pro, insn)                                              \
    static void name(void *p)                                               \
    {                                                                       \
        struct sf *r = p;                                                   \
        uint32_t si = r->esi, di = r->edi, c = r->ecx, a = r->eax;          \
        uint32_t d = r->edx, f;                                             \
        __asm__ volatile(SF_SETF pro XBT_MARK insn "\n\t" ISA_GETF "cld"     \
                         : "+S"(si), "+D"(di), "+c"(c), "+a"(a), "+d"(d),   \
                           [fout] "=r"(f)                                   \
                         :                                                  \
                         : "cc", "memory");                                 \
        r->esi = si; r->edi = di; r->ecx = c; r->eax = a; r->edx = d;       \
        r->fl = f;                                                          \
    }

enum { MOVS, STOS, LODS, CMPS, SCAS, NONE };

/* X(id, instruction, kind, size, rep, a16); rep: 0 none, 1 F3, 2 F2 */
#define SF_OPS(X)                                                           \
    X(movsb, "movsb", MOVS, 1, 0, 0)                                        \
    X(movsw, "movsw", MOVS, 2, 0, 0)                                        \
    X(movsd, "movsl", MOVS, 4, 0, 0)                                        \
    X(rep_movsb, "rep movsb", MOVS, 1, 1, 0)                                \
    X(rep_movsw, "rep movsw", MOVS, 2, 1, 0)                                \
    X(rep_movsd, "rep movsl", MOVS, 4, 1, 0)                                \
    X(repne_movsb, ".byte 0xf2\n\tmovsb", MOVS, 1, 2, 0)                    \
    X(repne_movsd, ".byte 0xf2\n\tmovsl", MOVS, 4, 2, 0)                    \
    X(stosb, "stosb", STOS, 1, 0, 0)                                        \
    X(stosw, "stosw", STOS, 2, 0, 0)                                        \
    X(stosd, "stosl", STOS, 4, 0, 0)                                        \
    X(rep_stosb, "rep stosb", STOS, 1, 1, 0)                                \
    X(rep_stosw, "rep stosw", STOS, 2, 1, 0)                                \
    X(rep_stosd, "rep stosl", STOS, 4, 1, 0)                                \
    X(repne_stosw, ".byte 0xf2\n\tstosw", STOS, 2, 2, 0)                    \
    X(lodsb, "lodsb", LODS, 1, 0, 0)                                        \
    X(lodsw, "lodsw", LODS, 2, 0, 0)                                        \
    X(lodsd, "lodsl", LODS, 4, 0, 0)                                        \
    X(rep_lodsb, "rep lodsb", LODS, 1, 1, 0)                                \
    X(rep_lodsw, "rep lodsw", LODS, 2, 1, 0)                                \
    X(rep_lodsd, "rep lodsl", LODS, 4, 1, 0)                                \
    X(repne_lodsd, ".byte 0xf2\n\tlodsl", LODS, 4, 2, 0)                    \
    X(cmpsb, "cmpsb", CMPS, 1, 0, 0)                                        \
    X(cmpsw, "cmpsw", CMPS, 2, 0, 0)                                        \
    X(cmpsd, "cmpsl", CMPS, 4, 0, 0)                                        \
    X(repe_cmpsb, "repe cmpsb", CMPS, 1, 1, 0)                              \
    X(repe_cmpsw, "repe cmpsw", CMPS, 2, 1, 0)                              \
    X(repe_cmpsd, "repe cmpsl", CMPS, 4, 1, 0)                              \
    X(repne_cmpsb, "repne cmpsb", CMPS, 1, 2, 0)                            \
    X(repne_cmpsw, "repne cmpsw", CMPS, 2, 2, 0)                            \
    X(repne_cmpsd, "repne cmpsl", CMPS, 4, 2, 0)                            \
    X(scasb, "scasb", SCAS, 1, 0, 0)                                        \
    X(scasw, "scasw", SCAS, 2, 0, 0)                                        \
    X(scasd, "scasl", SCAS, 4, 0, 0)                                        \
    X(repe_scasb, "repe scasb", SCAS, 1, 1, 0)                              \
    X(repe_scasw, "repe scasw", SCAS, 2, 1, 0)                              \
    X(repe_scasd, "repe scasl", SCAS, 4, 1, 0)                              \
    X(repne_scasb, "repne scasb", SCAS, 1, 2, 0)                            \
    X(repne_scasw, "repne scasw", SCAS, 2, 2, 0)                            \
    X(repne_scasd, "repne scasl", SCAS, 4, 2, 0)                            \
    X(rep_es_movsd, "rep\n\t.byte 0x26\n\tmovsl", MOVS, 4, 1, 0)            \
    X(repe_ss_cmpsb, ".byte 0x36\n\trepe cmpsb", CMPS, 1, 1, 0)             \
    X(repne_es_cmpsd, ".byte 0x26\n\trepne cmpsl", CMPS, 4, 2, 0)           \
    X(a16_rep_movsb, ".byte 0x67\n\trep movsb", MOVS, 1, 1, 1)              \
    X(a16_rep_stosd, ".byte 0x67\n\trep stosl", STOS, 4, 1, 1)              \
    X(a16_rep_lodsw, ".byte 0x67\n\trep lodsw", LODS, 2, 1, 1)              \
    X(a16_repe_cmpsd, ".byte 0x67\n\trepe cmpsl", CMPS, 4, 1, 1)            \
    X(a16_repne_cmpsb, ".byte 0x67\n\trepne cmpsb", CMPS, 1, 2, 1)          \
    X(a16_repe_scasw, ".byte 0x67\n\trepe scasw", SCAS, 2, 1, 1)            \
    X(a16_repne_scasd, ".byte 0x67\n\trepne scasl", SCAS, 4, 2, 1)

/* The prologues: CMP ("c"); CMP, INC ("i"); a jump, then INC, which
 * starts a unit and keeps the CF of POPF ("p"). */
#define PRO_C "cmpl sf_b, %%edx\n\t"
#define PRO_I PRO_C "incl %%edx\n\t"
#define PRO_P "jmp 7771f\n7771:\n\tincl %%edx\n\t"

/* Three functions per operation, one per prologue. */
#define SF_DEFINE(id, insn, kind, size, rep, a16)                           \
    SF_FN(id##_c, PRO_C, insn)                                              \
    SF_FN(id##_i, PRO_I, insn)                                              \
    SF_FN(id##_p, PRO_P, insn)
SF_OPS(SF_DEFINE)
SF_FN(none_c, PRO_C, "")
SF_FN(none_i, PRO_I, "")
SF_FN(none_p, PRO_P, "")

struct op {
    const char *name;
    void (*fn[3])(void *);
    int kind, size, rep, a16;
};

#define SF_ENTRY(id, insn, kind, size, rep, a16)                            \
    { #id, { id##_c, id##_i, id##_p }, kind, size, rep, a16 },
static const struct op ops[] = { SF_OPS(SF_ENTRY) };
static const struct op none = { "", { none_c, none_i, none_p }, NONE, 0, 0, 0 };

/* CMP EDX, b for these pairs gives: ZF PF; CF SF AF PF; OF AF PF; OF SF
 * CF PF. */
static const uint32_t pairs[4][2] = {
    { 5, 5 }, { 0, 1 }, { 0x80000000u, 1 }, { 0x7FFFFFFFu, 0xFFFFFFFFu }
};

/* The flags POPF sets, per pair (only "p" keeps any: CF). */
static const uint32_t fins[4] = { ISA_ARITH, ISA_CF | ISA_ZF | ISA_OF, 0, ISA_CF | ISA_SF | ISA_PF };

#define KEY 0x5AC3E781u

/* A pattern, then the first two elements the string instruction visits
 * equal (CMPS: source and destination; SCAS: destination and EAX = KEY)
 * and the third not. */
static void setup(int kind, uint32_t s0, uint32_t d0, int size, int32_t step)
{
    memcpy(A, PAT, ARENA);
    for (int32_t j = 0; j < 3; j++) {
        uint32_t v = KEY;
        if (kind == CMPS)
            memcpy(&v, A + s0 + step * j, (size_t)size);
        if (j == 2)
            v = ~v;
        if (kind == CMPS || kind == SCAS)
            memcpy(A + d0 + step * j, &v, (size_t)size);
    }
}

static uint32_t rel(uint32_t v)
{
    return v - (uint32_t)(uintptr_t)A;
}

/* Whether A differs from SNAP anywhere (words, four at a time: cheap
 * also when every loop iteration is a unit of its own). */
static int arena_changed(void)
{
    const uint32_t *a = (const uint32_t *)A, *b = (const uint32_t *)SNAP;
    uint32_t acc = 0;
    for (uint32_t i = 0; i < ARENA / 4; i += 4)
        acc |= (a[i] ^ b[i]) | (a[i + 1] ^ b[i + 1]) | (a[i + 2] ^ b[i + 2]) | (a[i + 3] ^ b[i + 3]);
    return acc != 0;
}

/* Runs op's function (prologue pro) on r; returns the hash of the bytes
 * around s0 and d0 (bit 1 set if anything else changed), or 0 after an
 * exception (printed). */
static uint32_t run(const char *pre, const struct op *op, int pro, struct sf *r, uint32_t s0,
                    uint32_t d0)
{
    struct xbt_fault f;
    char buf[48];

    memcpy(SNAP, A, ARENA);
    if (xbt_catch(op->fn[pro], r, &f) >= 0) {
        isa_line("%s -> %s\n", pre, xbt_fault_str(&f, buf, sizeof buf));
        return 0;
    }
    uint32_t h = sys_fnv(A + s0 - WIN, 2 * WIN) * 31u ^ sys_fnv(A + d0 - WIN, 2 * WIN);
    memcpy(SNAP + s0 - WIN, A + s0 - WIN, 2 * WIN);
    memcpy(SNAP + d0 - WIN, A + d0 - WIN, 2 * WIN);
    return (h & ~2u) | (arena_changed() ? 2u : 0u) | 1u;
}

static int same(const struct sf *a, const struct sf *b)
{
    return a->esi == b->esi && a->edi == b->edi && a->ecx == b->ecx && a->eax == b->eax &&
           a->edx == b->edx && ((a->fl ^ b->fl) & (ISA_ARITH | ISA_DF)) == 0;
}

static void one(const struct op *op, int pro, int df, uint32_t n, int pair)
{
    int32_t step = df ? -op->size : op->size;
    uint32_t s0 = df ? 0x1FF0 : 0x1010, d0 = df ? 0x27F0 : 0x2010;
    uint32_t base = (uint32_t)(uintptr_t)A;
    int zero = (n & (op->a16 ? 0xFFFFu : 0xFFFFFFFFu)) == 0 && op->rep;
    struct sf r0, r;
    char pre[128];

    setup(op->kind, s0, d0, op->size, step);
    r.esi = base + s0;
    r.edi = base + d0;
    r.ecx = n;
    r.eax = KEY;
    r.edx = pairs[pair][0];
    r.fl = 0;
    r0 = r;
    sf_b = pairs[pair][1];
    sf_fin = fins[pair] | (df ? ISA_DF : 0);
    snprintf(pre, sizeof pre, "%s %c df=%d n=%#x cmp=%#x,%#x in=%s", op->name, "cip"[pro], df, n,
             pairs[pair][0], pairs[pair][1], isa_fl(sf_fin, ISA_ARITH));
    uint32_t h0 = run(pre, &none, pro, &r0, s0, d0);
    setup(op->kind, s0, d0, op->size, step);
    uint32_t h = run(pre, op, pro, &r, s0, d0);
    if (!h || !h0)
        return;
    isa_line("%s -> esi=A+%#x edi=A+%#x ecx=%#x eax=%#x edx=%#x fl=%s m=%08x%s\n", pre,
             rel(r.esi), rel(r.edi), r.ecx, r.eax, r.edx, isa_fl(r.fl, ISA_ARITH), h,
             !zero ? "" : same(&r, &r0) && h == h0 ? " kept" : " CHANGED");
}

int test_main(void)
{
    static const uint32_t counts[] = { 0, 1, 3 };
    for (uint32_t i = 0; i < ARENA; i++)
        PAT[i] = (uint8_t)(i * 73 + (i >> 7));
    static const uint32_t counts16[] = { 0x10000, 0xFFFF0000u };

    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        const struct op *op = &ops[o];
        const uint32_t *c = op->a16 ? counts16 : counts;
        int nc = !op->rep ? 1 : op->a16 ? 2 : 3;

        for (int pro = 0; pro < 3; pro++)
            for (int df = 0; df < 2; df++)
                for (int k = 0; k < nc; k++)
                    for (int pair = 0; pair < 4; pair++)
                        one(op, pro, df, op->rep ? c[k] : 1, pair);
    }
    isa_done("isa_string_flags");
    return 0;
}
