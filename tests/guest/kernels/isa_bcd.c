/*
 * isa_bcd.c - the BCD/ASCII adjust instructions against the host CPU:
 * DAA DAS AAA AAS over all 256 AL values x CF x AF (AH and the upper half of
 * EAX varied; only the flags the SDM defines are compared: CF AF SF ZF PF
 * for DAA/DAS, AF CF for AAA/AAS), AAM with bases 10, 16, 2, 7, 1, 255 and
 * the other imm8 forms (D4 xx), AAM 0 (#DE at the instruction, EAX kept),
 * AAD with bases 10, 16, 2, 7, 0, 255 (SF ZF PF), and SALC (D6: AL = CF ?
 * 0xFF : 0, flags kept).  Each case runs under xbt_catch(), so an
 * unimplemented instruction shows up as "#UD" lines instead of a panic.
 */
#include "isa_sys.h"

struct bcd {
    uint32_t eax, fin;            /* inputs */
    uint32_t out, fl;             /* EAX and EFLAGS after */
};

#define BCD_FN(name, insn)                                                  \
    static void name(void *p)                                               \
    {                                                                       \
        struct bcd *b = p;                                                  \
        uint32_t a = b->eax, f;                                             \
        __asm__ volatile(ISA_SETF XBT_MARK insn "\n\t" ISA_GETF             \
                         : "+a"(a), [fout] "=r"(f)                          \
                         : [fin] "r"(b->fin)                                \
                         : "cc", "memory");                                 \
        b->out = a;                                                         \
        b->fl = f;                                                          \
    }

BCD_FN(run_daa, "daa")
BCD_FN(run_das, "das")
BCD_FN(run_aaa, "aaa")
BCD_FN(run_aas, "aas")
BCD_FN(run_salc, ".byte 0xd6")
BCD_FN(aam_10, ".byte 0xd4, 10")
BCD_FN(aam_16, ".byte 0xd4, 16")
BCD_FN(aam_2, ".byte 0xd4, 2")
BCD_FN(aam_7, ".byte 0xd4, 7")
BCD_FN(aam_1, ".byte 0xd4, 1")
BCD_FN(aam_255, ".byte 0xd4, 255")
BCD_FN(aam_0, ".byte 0xd4, 0")
BCD_FN(aad_10, ".byte 0xd5, 10")
BCD_FN(aad_16, ".byte 0xd5, 16")
BCD_FN(aad_2, ".byte 0xd5, 2")
BCD_FN(aad_7, ".byte 0xd5, 7")
BCD_FN(aad_0, ".byte 0xd5, 0")
BCD_FN(aad_255, ".byte 0xd5, 255")

/* Runs one case; prints "<prefix> -> eax=... fl=..." or the exception. */
static void bcd_case(const char *prefix, void (*fn)(void *), uint32_t eax,
                     uint32_t fin, uint32_t mask)
{
    struct bcd b = { eax, isa_fin(fin), 0, 0 };
    struct xbt_fault f;
    char buf[48];

    if (xbt_catch(fn, &b, &f) >= 0)
        isa_line("%s -> %s eax=0x%08x\n", prefix,
                 xbt_fault_str(&f, buf, sizeof buf), f.eax);
    else
        isa_line("%s -> eax=0x%08x fl=%s\n", prefix, b.out,
                 isa_fl(b.fl, mask));
}

/* DAA DAS AAA AAS: all AL x CF x AF. */
static void adjust(const char *name, void (*fn)(void *), uint32_t mask)
{
    char pre[80];

    for (uint32_t al = 0; al < 256; al++)
        for (uint32_t cf = 0; cf < 2; cf++)
            for (uint32_t af = 0; af < 2; af++) {
                /* Vary AH (including 0xFF, to see AAA/AAS carry into it)
                 * and the flags the instruction must overwrite or keep. */
                uint32_t ah = (al * 37 + cf * 2 + af) & 0xFF;
                uint32_t eax = 0xDEAD0000u | ah << 8 | al;
                uint32_t other = (al & 1) ? (ISA_SF | ISA_ZF | ISA_PF | ISA_OF) : 0;
                uint32_t fin = other | (cf ? ISA_CF : 0) | (af ? ISA_AF : 0);
                snprintf(pre, sizeof pre, "%s eax=0x%08x in=%s", name, eax,
                         isa_fl(fin, ISA_ARITH));
                bcd_case(pre, fn, eax, fin, mask);
            }
}

struct base_fn {
    unsigned base;
    void (*fn)(void *);
};

int test_main(void)
{
    const uint32_t daa_mask = ISA_CF | ISA_AF | ISA_SF | ISA_ZF | ISA_PF;
    const uint32_t aaa_mask = ISA_CF | ISA_AF;
    const uint32_t szp = ISA_SF | ISA_ZF | ISA_PF;
    char pre[80];

    adjust("daa", run_daa, daa_mask);
    adjust("das", run_das, daa_mask);
    adjust("aaa", run_aaa, aaa_mask);
    adjust("aas", run_aas, aaa_mask);

    /* AAM imm8: AH = AL / base, AL = AL % base; SF ZF PF from AL. */
    static const struct base_fn aam[] = {
        { 10, aam_10 }, { 16, aam_16 }, { 2, aam_2 }, { 7, aam_7 },
        { 1, aam_1 }, { 255, aam_255 },
    };
    for (unsigned i = 0; i < sizeof aam / sizeof aam[0]; i++)
        for (uint32_t al = 0; al < 256; al++) {
            uint32_t eax = 0x5A5A0000u | ((al ^ 0xA5) << 8) | al;
            uint32_t fin = (al & 2) ? ISA_ARITH : 0;
            snprintf(pre, sizeof pre, "aam %3u eax=0x%08x in=%s", aam[i].base,
                     eax, isa_fl(fin, ISA_ARITH));
            bcd_case(pre, aam[i].fn, eax, fin, szp);
        }
    /* AAM 0: #DE at the instruction, nothing changed. */
    for (uint32_t al = 0; al < 256; al += 51) {
        uint32_t eax = 0x12340000u | 0x7700 | al;
        snprintf(pre, sizeof pre, "aam   0 eax=0x%08x", eax);
        bcd_case(pre, aam_0, eax, 0, szp);
    }

    /* AAD imm8: AL = AL + AH * base, AH = 0; SF ZF PF from AL. */
    static const struct base_fn aad[] = {
        { 10, aad_10 }, { 16, aad_16 }, { 2, aad_2 }, { 7, aad_7 },
        { 0, aad_0 }, { 255, aad_255 },
    };
    static const uint32_t ahs[] = { 0x00, 0x01, 0x09, 0x99, 0xFF };
    for (unsigned i = 0; i < sizeof aad / sizeof aad[0]; i++)
        for (unsigned j = 0; j < sizeof ahs / sizeof ahs[0]; j++)
            for (uint32_t al = 0; al < 256; al += (i == 0 ? 1 : 3)) {
                uint32_t eax = 0xC3C30000u | ahs[j] << 8 | al;
                uint32_t fin = (al & 4) ? ISA_ARITH : 0;
                snprintf(pre, sizeof pre, "aad %3u eax=0x%08x in=%s",
                         aad[i].base, eax, isa_fl(fin, ISA_ARITH));
                bcd_case(pre, aad[i].fn, eax, fin, szp);
            }

    /* SALC (undocumented D6): AL = CF ? 0xFF : 0x00, flags unchanged. */
    static const uint32_t salc_in[] = { 0x00000000, 0x12345678, 0xFFFFFFFF,
                                        0x000000FF, 0x80008001 };
    for (unsigned i = 0; i < sizeof salc_in / sizeof salc_in[0]; i++)
        for (uint32_t fin = 0; fin <= ISA_ARITH; fin += 0x35) {
            uint32_t f = fin & ISA_ARITH;
            snprintf(pre, sizeof pre, "salc eax=0x%08x in=%s", salc_in[i],
                     isa_fl(f, ISA_ARITH));
            bcd_case(pre, run_salc, salc_in[i], f, ISA_ARITH);
        }

    isa_done("isa_bcd");
    return 0;
}
