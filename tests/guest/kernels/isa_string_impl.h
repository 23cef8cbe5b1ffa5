/*
 * isa_string_impl.h - the body of isa_string.c and isa_string_limit.c
 * (one of the two per kernel; a header so that both rebuild when it changes).
 *
 * String instructions against the host CPU.
 *
 * Flat part: MOVS STOS LODS CMPS SCAS in byte/word/dword forms, alone, with
 * REP/REPE (F3) and REPNE (F2, also on MOVS/STOS where it acts as REP), with
 * DF = 0 and 1, counts 0 1 2 3 7 64 1000 (odd counts misaligned, long ones
 * crossing pages), CMPS/SCAS data that differs or matches at element 0, 1,
 * 5, 700 or nowhere, segment overrides on the source (ES CS SS DS: all flat,
 * so only the decoding shows), input flags alternating all-set/all-clear
 * (MOVS STOS LODS must keep them, CMPS SCAS with count 0 too).  Overlapping
 * REP MOVS: destination 1..7 bytes before and after the source, all sizes,
 * both directions.
 *
 * Segment part: a 64 KiB data segment with a non-zero base (guest: GDT
 * 0x30; native: LDT via modify_ldt, see isa_sys.h) in DS and/or ES:
 * 32-bit addressing through it, an ES override on the source reading the
 * flat segment instead, and 16-bit addressing (0x67 prefix): SI/DI wrap at
 * 0xFFFF, CX counts with ECX's upper half kept, and #GP when an access runs
 * past the 0xFFFF limit (also in the middle of a REP: the registers at the
 * fault show the progress).  The past-the-limit cases are built only as
 * isa_string_limit, because QEMU does not check data
 * segment limits.
 *
 * Printed: ESI/EDI relative to the buffer (or raw segment offsets), ECX,
 * EAX, the six arithmetic flags, and the changed memory range with its bytes.
 */
#include "isa_sys.h"

#define ARENA 12288
static uint8_t A[ARENA] __attribute__((aligned(4096)));
static uint8_t A0[ARENA] __attribute__((aligned(4)));

#define WSIZE 0x10000
static uint8_t W[WSIZE + 64] __attribute__((aligned(4096)));
static uint8_t W0[WSIZE + 64] __attribute__((aligned(4)));

struct sregs {
    uint32_t esi, edi, ecx, eax, fin;
    uint32_t fl;
};

/* Flat segments: registers in, registers and flags out. */
#define STR_FN(name, insn)                                                  \
    static void name(void *p)                                               \
    {                                                                       \
        struct sregs *r = p;                                                \
        uint32_t si = r->esi, di = r->edi, c = r->ecx, a = r->eax, f;       \
        __asm__ volatile(SYS_SETF XBT_MARK insn "\n\t" ISA_GETF "cld"      \
                         : "+S"(si), "+D"(di), "+c"(c), "+a"(a),            \
                           [fout] "=r"(f)                                   \
                         : [fin] "r"(r->fin)                                \
                         : "cc", "memory");                                 \
        r->esi = si; r->edi = di; r->ecx = c; r->eax = a; r->fl = f;        \
    }

/* The same with DS = seg_ds and ES = seg_es; the mark (through SS, since
 * DS is not flat there) is right before the instruction. */
/* Global (asm reads them by name): DS and ES for SEG_FN bodies. */
volatile uint16_t seg_ds, seg_es;
#define SEG_FN(name, insn)                                                  \
    static void name(void *p)                                               \
    {                                                                       \
        struct sregs *r = p;                                                \
        uint32_t si = r->esi, di = r->edi, c = r->ecx, a = r->eax, f;       \
        __asm__ volatile("pushl %%ds\n\t"                                   \
                         "pushl %%es\n\t"                                   \
                         "movw seg_es, %%es\n\t"                            \
                         "movw seg_ds, %%ds\n\t"                            \
                         SYS_SETF                                           \
                         "movl $7770f, %%ss:xbt_mark\n"                     \
                         "7770:\n\t"                                        \
                         insn "\n\t"                                        \
                         ISA_GETF                                           \
                         "cld\n\t"                                          \
                         "popl %%es\n\t"                                    \
                         "popl %%ds"                                        \
                         : "+S"(si), "+D"(di), "+c"(c), "+a"(a),            \
                           [fout] "=r"(f)                                   \
                         : [fin] "r"(r->fin)                                \
                         : "cc", "memory");                                 \
        r->esi = si; r->edi = di; r->ecx = c; r->eax = a; r->fl = f;        \
    }

STR_FN(movsb_, "movsb")
STR_FN(movsw_, "movsw")
STR_FN(movsd_, "movsl")
STR_FN(movsb_r, "rep movsb")
STR_FN(movsw_r, "rep movsw")
STR_FN(movsd_r, "rep movsl")
STR_FN(movsb_n, ".byte 0xf2\n\tmovsb")
STR_FN(movsd_n, ".byte 0xf2\n\tmovsl")
STR_FN(stosb_, "stosb")
STR_FN(stosw_, "stosw")
STR_FN(stosd_, "stosl")
STR_FN(stosb_r, "rep stosb")
STR_FN(stosw_r, "rep stosw")
STR_FN(stosd_r, "rep stosl")
STR_FN(stosw_n, ".byte 0xf2\n\tstosw")
STR_FN(lodsb_, "lodsb")
STR_FN(lodsw_, "lodsw")
STR_FN(lodsd_, "lodsl")
STR_FN(lodsb_r, "rep lodsb")
STR_FN(lodsw_r, "rep lodsw")
STR_FN(lodsd_r, "rep lodsl")
STR_FN(cmpsb_, "cmpsb")
STR_FN(cmpsw_, "cmpsw")
STR_FN(cmpsd_, "cmpsl")
STR_FN(cmpsb_e, "repe cmpsb")
STR_FN(cmpsw_e, "repe cmpsw")
STR_FN(cmpsd_e, "repe cmpsl")
STR_FN(cmpsb_ne, "repne cmpsb")
STR_FN(cmpsw_ne, "repne cmpsw")
STR_FN(cmpsd_ne, "repne cmpsl")
STR_FN(scasb_, "scasb")
STR_FN(scasw_, "scasw")
STR_FN(scasd_, "scasl")
STR_FN(scasb_e, "repe scasb")
STR_FN(scasw_e, "repe scasw")
STR_FN(scasd_e, "repe scasl")
STR_FN(scasb_ne, "repne scasb")
STR_FN(scasw_ne, "repne scasw")
STR_FN(scasd_ne, "repne scasl")
/* Segment overrides on the source operand (all flat here). */
STR_FN(es_movsb_r, "rep\n\t.byte 0x26\n\tmovsb")
STR_FN(cs_movsd_r, ".byte 0x2e\n\trep movsl")
STR_FN(ss_lodsw_r, ".byte 0x36\n\trep lodsw")
STR_FN(ds_cmpsb_e, ".byte 0x3e\n\trepe cmpsb")
STR_FN(es_cmpsd_ne, ".byte 0x26\n\trepne cmpsl")

enum { MOVS, STOS, LODS, CMPS, SCAS };

struct op {
    const char *name;
    void (*fn)(void *);
    int kind, size, rep;          /* rep: 0 none, 1 F3, 2 F2 */
};

static const struct op ops[] = {
    { "movsb", movsb_, MOVS, 1, 0 }, { "movsw", movsw_, MOVS, 2, 0 },
    { "movsd", movsd_, MOVS, 4, 0 },
    { "rep movsb", movsb_r, MOVS, 1, 1 }, { "rep movsw", movsw_r, MOVS, 2, 1 },
    { "rep movsd", movsd_r, MOVS, 4, 1 },
    { "repne movsb", movsb_n, MOVS, 1, 2 }, { "repne movsd", movsd_n, MOVS, 4, 2 },
    { "stosb", stosb_, STOS, 1, 0 }, { "stosw", stosw_, STOS, 2, 0 },
    { "stosd", stosd_, STOS, 4, 0 },
    { "rep stosb", stosb_r, STOS, 1, 1 }, { "rep stosw", stosw_r, STOS, 2, 1 },
    { "rep stosd", stosd_r, STOS, 4, 1 },
    { "repne stosw", stosw_n, STOS, 2, 2 },
    { "lodsb", lodsb_, LODS, 1, 0 }, { "lodsw", lodsw_, LODS, 2, 0 },
    { "lodsd", lodsd_, LODS, 4, 0 },
    { "rep lodsb", lodsb_r, LODS, 1, 1 }, { "rep lodsw", lodsw_r, LODS, 2, 1 },
    { "rep lodsd", lodsd_r, LODS, 4, 1 },
    { "cmpsb", cmpsb_, CMPS, 1, 0 }, { "cmpsw", cmpsw_, CMPS, 2, 0 },
    { "cmpsd", cmpsd_, CMPS, 4, 0 },
    { "repe cmpsb", cmpsb_e, CMPS, 1, 1 }, { "repe cmpsw", cmpsw_e, CMPS, 2, 1 },
    { "repe cmpsd", cmpsd_e, CMPS, 4, 1 },
    { "repne cmpsb", cmpsb_ne, CMPS, 1, 2 }, { "repne cmpsw", cmpsw_ne, CMPS, 2, 2 },
    { "repne cmpsd", cmpsd_ne, CMPS, 4, 2 },
    { "scasb", scasb_, SCAS, 1, 0 }, { "scasw", scasw_, SCAS, 2, 0 },
    { "scasd", scasd_, SCAS, 4, 0 },
    { "repe scasb", scasb_e, SCAS, 1, 1 }, { "repe scasw", scasw_e, SCAS, 2, 1 },
    { "repe scasd", scasd_e, SCAS, 4, 1 },
    { "repne scasb", scasb_ne, SCAS, 1, 2 }, { "repne scasw", scasw_ne, SCAS, 2, 2 },
    { "repne scasd", scasd_ne, SCAS, 4, 2 },
    { "rep es:movsb", es_movsb_r, MOVS, 1, 1 },
    { "rep cs:movsd", cs_movsd_r, MOVS, 4, 1 },
    { "rep ss:lodsw", ss_lodsw_r, LODS, 2, 1 },
    { "repe ds:cmpsb", ds_cmpsb_e, CMPS, 1, 1 },
    { "repne es:cmpsd", es_cmpsd_ne, CMPS, 4, 2 },
};

typedef uint32_t __attribute__((may_alias)) u32a;

/* p[i] = i * 167 + (i >> 8) * 13 + seed (mod 256), four bytes at a time
 * (n and p multiples of 4): the pattern comes from a table, the seed is
 * added byte-wise without carries between the bytes. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    static uint8_t pat[WSIZE + 64] __attribute__((aligned(4)));
    static int have_pat;
    uint32_t s = (seed & 0xFF) * 0x01010101u;

    if (!have_pat) {
        for (size_t i = 0; i < sizeof pat; i++)
            pat[i] = (uint8_t)(i * 167 + (i >> 8) * 13);
        have_pat = 1;
    }
    for (size_t i = 0; i < n / 4; i++) {
        uint32_t a = ((const u32a *)pat)[i];
        ((u32a *)p)[i] = ((a & 0x7F7F7F7Fu) + (s & 0x7F7F7F7Fu)) ^ ((a ^ s) & 0x80808080u);
    }
}

/* Appends " name=[lo,hi) bytes" (or " name=same") for what changed; n and
 * both buffers are multiples of 4. */
static char *diff_str(char *out, size_t size, const char *name,
                      const uint8_t *now, const uint8_t *was, size_t n)
{
    const u32a *a = (const u32a *)now, *b = (const u32a *)was;
    size_t lo = n, hi = 0;

    for (size_t i = 0; i < n / 4; i++)
        if (a[i] != b[i]) {
            lo = i * 4;
            break;
        }
    if (lo < n) {
        for (size_t i = n / 4; i-- > 0;)
            if (a[i] != b[i]) {
                hi = i * 4 + 4;
                break;
            }
        while (now[lo] == was[lo])
            lo++;
        while (now[hi - 1] == was[hi - 1])
            hi--;
    }
    if (lo == n) {
        snprintf(out, size, " %s=same", name);
    } else if (hi - lo <= 96) {
        char hex[2 * 96 + 1];
        snprintf(out, size, " %s=[%#zx,%#zx) %s", name, lo, hi,
                 sys_hex(hex, now + lo, hi - lo));
    } else {
        snprintf(out, size, " %s=[%#zx,%#zx) fnv=%08x", name, lo, hi,
                 sys_fnv(now + lo, hi - lo));
    }
    return out;
}

static uint32_t rel(uint32_t v)
{
    return v - (uint32_t)(uintptr_t)A;
}

/* Runs op on r (addresses absolute) and prints the result line. */
static void run_flat(const char *pre, const struct op *op, struct sregs *r)
{
    struct xbt_fault f;
    char buf[48], d[256];

    memcpy(A0, A, sizeof A);
    if (xbt_catch(op->fn, r, &f) >= 0) {
        isa_line("%s -> %s\n", pre, xbt_fault_str(&f, buf, sizeof buf));
        return;
    }
    diff_str(d, sizeof d, "mem", A, A0, sizeof A);
    isa_line("%s -> esi=A+%#x edi=A+%#x ecx=%#x eax=%#x fl=%s%s\n", pre,
             rel(r->esi), rel(r->edi), r->ecx, r->eax, isa_fl(r->fl, ISA_ARITH), d);
}

static uint32_t elem_get(uint32_t off, int size)
{
    uint32_t v = 0;
    memcpy(&v, A + off, (size_t)size);
    return v;
}

static void elem_set(uint32_t off, int size, uint32_t v)
{
    memcpy(A + off, &v, (size_t)size);
}

__attribute__((unused)) static void flat_tests(void)
{
    static const uint32_t counts[] = { 0, 1, 2, 3, 7, 64, 1000 };
    static const int poss[] = { 0, 1, 5, 700, -1 };
    char pre[128];

    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        const struct op *op = &ops[o];
        int sz = op->size;
        int ncounts = op->rep ? (int)(sizeof counts / sizeof counts[0]) : 1;
        int nvar = (op->kind == CMPS || op->kind == SCAS) ? 10 : 1;

        for (int df = 0; df < 2; df++)
            for (int ci = 0; ci < ncounts; ci++)
                for (int v = 0; v < nvar; v++) {
                    uint32_t n = op->rep ? counts[ci] : 5;
                    uint32_t mis = (op->rep ? n : (uint32_t)v) & 1;
                    uint32_t s0 = (df ? 0x1FF0 : 0x0FF0) + mis;
                    uint32_t d0 = (df ? 0x2FF8 : 0x1FF8) + mis;
                    int32_t step = df ? -sz : sz;
                    uint32_t key = 0x80A5C31Eu;
                    int pos = poss[v % 5], eq = v < 5;
                    uint32_t fin = ((ci + v + df) & 1) ? ISA_ARITH : 0;
                    struct sregs r;

                    fill(A, sizeof A, (uint32_t)(o * 7 + ci));
                    if (op->kind == CMPS) {
                        /* eq: dst = src but at pos; else dst != src but at pos. */
                        for (uint32_t j = 0; j < 1002; j++) {
                            uint32_t s = elem_get(s0 + (uint32_t)step * j, sz);
                            uint32_t t = s;
                            int here = (int)j == pos;
                            if (eq == here)
                                t = (j & 1) ? s ^ (0x80u << (8 * (sz - 1))) : s + 1;
                            elem_set(d0 + (uint32_t)step * j, sz, t);
                        }
                    } else if (op->kind == SCAS) {
                        for (uint32_t j = 0; j < 1002; j++) {
                            int here = (int)j == pos;
                            uint32_t t = (eq == here) ? key ^ (0x01010101u << (j & 7))
                                                      : key;
                            elem_set(d0 + (uint32_t)step * j, sz, t);
                        }
                    }
                    r.esi = (uint32_t)(uintptr_t)A + s0;
                    r.edi = (uint32_t)(uintptr_t)A + d0;
                    r.ecx = n;
                    r.eax = key;
                    r.fin = fin | (df ? ISA_DF : 0);
                    r.fl = 0;
                    if (nvar > 1)
                        snprintf(pre, sizeof pre, "%s df=%d n=%u %s@%d in=%s",
                                 op->name, df, n, eq ? "eq" : "ne", pos,
                                 isa_fl(fin, ISA_ARITH));
                    else
                        snprintf(pre, sizeof pre, "%s df=%d n=%u in=%s",
                                 op->name, df, n, isa_fl(fin, ISA_ARITH));
                    run_flat(pre, op, &r);
                }
    }
}

/* REP MOVS with source and destination overlapping by k bytes. */
__attribute__((unused)) static void overlap_tests(void)
{
    static const struct op *const mv[] = { &ops[3], &ops[4], &ops[5] };
    char pre[128];

    for (int m = 0; m < 3; m++)
        for (int df = 0; df < 2; df++)
            for (int k = -7; k <= 7; k++) {
                int sz = mv[m]->size;
                uint32_t n = 16, base = 0x400;
                /* First element: lowest for DF=0, highest for DF=1. */
                uint32_t s = base + (df ? (n - 1) * (uint32_t)sz : 0);
                struct sregs r;

                fill(A, sizeof A, (uint32_t)(m * 31 + k + 8));
                r.esi = (uint32_t)(uintptr_t)A + s;
                r.edi = r.esi + (uint32_t)k;
                r.ecx = n;
                r.eax = 0;
                r.fin = df ? ISA_DF : 0;
                snprintf(pre, sizeof pre, "overlap %s df=%d n=%u dst=src%+d",
                         mv[m]->name, df, n, k);
                run_flat(pre, mv[m], &r);
            }
}

/* ---- segment part ---- */
SEG_FN(s_movsb_r, "rep movsb")
SEG_FN(s_es_movsb_r, "rep\n\t.byte 0x26\n\tmovsb")
SEG_FN(s_lodsd, "lodsl")
SEG_FN(s_ss_lodsb, ".byte 0x36\n\tlodsb")
SEG_FN(s_cmpsb_e, "repe cmpsb")
SEG_FN(s_stosw_r, "rep stosw")
SEG_FN(s_lodsb, "lodsb")
SEG_FN(a16_movsb_r, ".byte 0x67\n\trep movsb")
SEG_FN(a16_movsw_r, ".byte 0x67\n\trep movsw")
SEG_FN(a16_movsd_r, ".byte 0x67\n\trep movsl")
SEG_FN(a16_movsb, ".byte 0x67\n\tmovsb")
SEG_FN(a16_movsd, ".byte 0x67\n\tmovsl")
SEG_FN(a16_stosb_r, ".byte 0x67\n\trep stosb")
SEG_FN(a16_stosw, ".byte 0x67\n\tstosw")
SEG_FN(a16_stosd_r, ".byte 0x67\n\trep stosl")
SEG_FN(a16_lodsw, ".byte 0x67\n\tlodsw")
SEG_FN(a16_lodsb_r, ".byte 0x67\n\trep lodsb")
SEG_FN(a16_cmpsb_e, ".byte 0x67\n\trepe cmpsb")
SEG_FN(a16_cmpsd, ".byte 0x67\n\tcmpsl")
SEG_FN(a16_cmpsw_e, ".byte 0x67\n\trepe cmpsw")
SEG_FN(a16_scasb_ne, ".byte 0x67\n\trepne scasb")
SEG_FN(a16_scasw, ".byte 0x67\n\tscasw")
SEG_FN(a16_es_lodsd, ".byte 0x67, 0x26\n\tlodsl")

/* Which segments are based (B) or flat (F) for DS and ES. */
enum { BB, BF };

struct segcase {
    const char *name;
    void (*fn)(void *);
    int segs;
    int src_flat;                 /* ESI is a flat address (A-relative) */
    uint32_t esi, edi, ecx, eax;  /* esi/edi: offsets (A-relative if flat) */
    int df;
    int setup;                    /* 0 none, 1 cmps data, 2 scas data */
    int past_limit;               /* runs past the limit: #GP */
};

static const struct segcase segcases[] = {
    /* 32-bit addressing through a based DS, flat ES. */
    { "rep movsb ds=W es=flat", s_movsb_r, BF, 0, 0x100, 0x200, 8, 0, 0, 0, 0 },
    { "rep movsb ds=W es=flat df=1", s_movsb_r, BF, 0, 0xFFF8, 0x200, 8, 0, 1, 0, 0 },
    { "rep es:movsb ds=W es=flat", s_es_movsb_r, BF, 1, 0x300, 0x200, 8, 0, 0, 0, 0 },
    { "lodsd ds=W", s_lodsd, BB, 0, 0x10, 0, 0, 0, 0, 0, 0 },
    { "lodsd ds=W last dword", s_lodsd, BB, 0, 0xFFFC, 0, 0, 0, 0, 0, 0 },
    { "ss:lodsb ds=W (flat source)", s_ss_lodsb, BB, 1, 0x123, 0, 0, 0, 0, 0, 0 },
    { "repe cmpsb ds=W es=W", s_cmpsb_e, BB, 0, 0x1000, 0x2000, 0x40, 0, 0, 1, 0 },
    { "rep stosw es=W df=1", s_stosw_r, BB, 0, 0, 0x3006, 4, 0xBEEF, 1, 0, 0 },
    { "lodsb ds=W beyond limit", s_lodsb, BB, 0, 0x10000, 0, 0, 0, 0, 0, 1 },
    { "lodsd ds=W straddling limit", s_lodsd, BB, 0, 0xFFFD, 0, 0, 0, 0, 0, 1 },
    /* 16-bit addressing (0x67): SI, DI, CX; upper halves kept. */
    { "a16 rep movsb wrap si", a16_movsb_r, BB, 0, 0x1234FFFC, 0x56788000, 0xABCD0008, 0, 0, 0, 0 },
    { "a16 rep movsb df=1 wrap si", a16_movsb_r, BB, 0, 0x12340003, 0x56789000, 0xABCD0008, 0, 1, 0, 0 },
    { "a16 rep movsw wrap si", a16_movsw_r, BB, 0, 0x0000FFFA, 0x00008000, 0x00000006, 0, 0, 0, 0 },
    { "a16 rep movsd wrap si di", a16_movsd_r, BB, 0, 0xFFFFFFFC, 0x0001FFF8, 0x00000004, 0, 0, 0, 0 },
    { "a16 movsb", a16_movsb, BB, 0, 0x77770010, 0x88880020, 0x5, 0, 0, 0, 0 },
    { "a16 movsd", a16_movsd, BB, 0, 0x00000100, 0x00000200, 0x5, 0, 0, 0, 0 },
    { "a16 rep stosb wrap di", a16_stosb_r, BB, 0, 0, 0x4444FFFD, 0x00000006, 0x5A, 0, 0, 0 },
    { "a16 stosw", a16_stosw, BB, 0, 0, 0x00000400, 0, 0x1234, 0, 0, 0 },
    { "a16 rep stosd df=1 wrap di", a16_stosd_r, BB, 0, 0, 0x00000004, 0x00000004, 0xCAFEF00D, 1, 0, 0 },
    { "a16 lodsw at ffff-1", a16_lodsw, BB, 0, 0x9999FFFE, 0, 0, 0, 0, 0, 0 },
    { "a16 rep lodsb wrap si", a16_lodsb_r, BB, 0, 0x0000FFFE, 0, 0x00000005, 0, 0, 0, 0 },
    { "a16 repe cmpsb wrap", a16_cmpsb_e, BB, 0, 0x0000FFF0, 0x00007FF0, 0x00000030, 0, 0, 1, 0 },
    { "a16 repe cmpsw df=1", a16_cmpsw_e, BB, 0, 0x00001010, 0x00002010, 0x00000020, 0, 1, 1, 0 },
    { "a16 cmpsd", a16_cmpsd, BB, 0, 0x00001000, 0x00002000, 0x00000001, 0, 0, 0, 0 },
    { "a16 repne scasb wrap di", a16_scasb_ne, BB, 0, 0, 0x0000FFF8, 0x00000020, 0x000000E7, 0, 2, 0 },
    { "a16 scasw", a16_scasw, BB, 0, 0, 0x00000600, 0, 0x00004242, 0, 0, 0 },
    { "a16 es:lodsd", a16_es_lodsd, BB, 0, 0x00000FF0, 0, 0, 0, 0, 0, 0 },
    { "a16 rep movsb cx=0 ecx=10000", a16_movsb_r, BB, 0, 0x100, 0x200, 0x00010000, 0, 0, 0, 0 },
    { "a16 rep stosb ecx=ffff0003", a16_stosb_r, BB, 0, 0, 0x300, 0xFFFF0003, 0x11, 0, 0, 0 },
    /* Past the limit: #GP, also in the middle of a REP. */
    { "a16 lodsw at ffff", a16_lodsw, BB, 0, 0x0000FFFF, 0, 0, 0, 0, 0, 1 },
    { "a16 movsd at fffe", a16_movsd, BB, 0, 0x0000FFFE, 0x100, 0, 0, 0, 0, 1 },
    { "a16 rep movsw si=fff9", a16_movsw_r, BB, 0, 0x0000FFF9, 0x00000400, 0x00000008, 0, 0, 0, 1 },
    { "a16 rep stosd df=1 di=000a", a16_stosd_r, BB, 0, 0, 0x0000000A, 0x00000006, 0x01020304, 1, 0, 1 },
};

static void seg_tests(void)
{
    uint16_t sel = sys_seg(0, W, WSIZE - 1, 0);
    uint16_t flat;
    char pre[128], d1[256], d2[256], buf[48];

    __asm__ volatile("movw %%ds, %0" : "=r"(flat));
    if (!sel) {
        printf("cannot create a based segment: segment tests skipped\n");
        return;
    }
    for (size_t i = 0; i < sizeof segcases / sizeof segcases[0]; i++) {
        const struct segcase *c = &segcases[i];
        struct sregs r;

#ifdef ISA_STRING_LIMIT
        if (!c->past_limit)
            continue;
#else
        if (c->past_limit)
            continue;
#endif
        struct xbt_fault f;
        uint32_t esi_base = c->src_flat ? (uint32_t)(uintptr_t)A : 0;
        uint32_t edi_base = c->segs == BF ? (uint32_t)(uintptr_t)A : 0;

        fill(A, sizeof A, (uint32_t)i * 3);
        fill(W, sizeof W, (uint32_t)i * 5 + 1);
        if (c->setup == 1) {
            /* Equal around ESI/EDI (16-bit wrapping) but for one byte
             * 0x25 bytes on in the direction of DF. */
            for (int32_t j = -0x40; j <= 0x40; j++) {
                uint32_t s = (c->esi + (uint32_t)j) & 0xFFFF;
                uint32_t t = (c->edi + (uint32_t)j) & 0xFFFF;
                W[t] = (uint8_t)(W[s] + (j == (c->df ? -0x24 : 0x25)));
            }
        } else if (c->setup == 2) {
            for (uint32_t j = 0; j < 0x40; j++)
                W[(c->edi + j) & 0xFFFF] = (uint8_t)(j == 11 ? c->eax : j);
        }
        memcpy(A0, A, sizeof A);
        memcpy(W0, W, sizeof W);
        seg_ds = sel;
        seg_es = c->segs == BF ? flat : sel;
        r.esi = c->esi + esi_base;
        r.edi = c->edi + edi_base;
        r.ecx = c->ecx;
        r.eax = c->eax;
        r.fin = c->df ? ISA_DF : 0;
        snprintf(pre, sizeof pre, "%s esi=%#x edi=%#x ecx=%#x eax=%#x", c->name,
                 c->esi, c->edi, c->ecx, c->eax);
        if (xbt_catch(c->fn, &r, &f) >= 0) {
            isa_line("%s -> %s err=%#x esi=%#x edi=%#x ecx=%#x eax=%#x%s%s\n", pre,
                     xbt_fault_str(&f, buf, sizeof buf), f.error_code,
                     f.esi - esi_base, f.edi - edi_base, f.ecx, f.eax,
                     diff_str(d1, sizeof d1, "A", A, A0, sizeof A),
                     diff_str(d2, sizeof d2, "W", W, W0, sizeof W));
            continue;
        }
        isa_line("%s -> esi=%#x edi=%#x ecx=%#x eax=%#x fl=%s%s%s\n", pre,
                 r.esi - esi_base, r.edi - edi_base, r.ecx, r.eax,
                 isa_fl(r.fl, ISA_ARITH),
                 diff_str(d1, sizeof d1, "A", A, A0, sizeof A),
                 diff_str(d2, sizeof d2, "W", W, W0, sizeof W));
    }
}

int test_main(void)
{
#ifdef ISA_STRING_LIMIT
    seg_tests();
    isa_done("isa_string_limit");
#else
    flat_tests();
    overlap_tests();
    seg_tests();
    isa_done("isa_string");
#endif
    return 0;
}
