/*
 * isa_alu_prefix.c - ALU instructions with prefixes, verified against the
 * host CPU (see isa.h): memory operands with explicit DS/ES/SS segment
 * overrides (and CS for reads; all four are flat in both builds), and
 * prefix combinations in unusual orders given as bytes: 66 before or after
 * F0 (LOCK), a segment override before, between or after them, doubled 66,
 * two segment overrides (the last one counts), with ADD/SUB/ADC/XOR/CMP,
 * XADD and NEG/INC.  8/16/32-bit values, input flags all clear and all set.
 * All six flags are defined for every instruction here but XOR (AF).
 */
#include "isa.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

uint32_t isa_pfx_mem[3] __attribute__((used));
#define MGUARD0 0x5EC0DE00u
#define MGUARD2 0x0BADF00Du

/* mem op= reg / reg op= mem with a segment override, 32-bit.  gas drops an
 * explicit %ds: (the default segment), so DS is emitted as a byte. */
#define PFX_ds ".byte 0x3e\n\t"
#define PFX_es ""
#define PFX_ss ""
#define PFX_cs ""
#define OVR_ds ""
#define OVR_es "%%es:"
#define OVR_ss "%%ss:"
#define OVR_cs "%%cs:"
typedef uint32_t (*pfn)(uint32_t *a, uint32_t *b, uint32_t fin);
#define GEN_SEG_MR(op, seg)                                                  \
    static uint32_t op##_mr_##seg(uint32_t *a, uint32_t *b, uint32_t fin)    \
    {                                                                        \
        uint32_t f;                                                          \
        isa_pfx_mem[1] = *a;                                                 \
        __asm__ volatile(ISA_SETF PFX_##seg #op "l %[b], " OVR_##seg         \
                         "4(%[p])\n\t"                                      \
                         ISA_GETF                                            \
                         : [fout] "=r"(f)                                    \
                         : [b] "r"(*b), [p] "r"(isa_pfx_mem), [fin] "r"(fin) \
                         : "cc", "memory");                                  \
        *a = isa_pfx_mem[1];                                                 \
        return f;                                                            \
    }
#define GEN_SEG_RM(op, seg)                                                  \
    static uint32_t op##_rm_##seg(uint32_t *a, uint32_t *b, uint32_t fin)    \
    {                                                                        \
        uint32_t f, x = *a;                                                  \
        isa_pfx_mem[1] = *b;                                                 \
        __asm__ volatile(ISA_SETF PFX_##seg #op "l " OVR_##seg               \
                         "isa_pfx_mem+4, %[a]\n\t"                          \
                         ISA_GETF                                            \
                         : [a] "+r"(x), [fout] "=r"(f)                       \
                         : [fin] "r"(fin)                                    \
                         : "cc", "memory");                                  \
        *a = x;                                                              \
        return f;                                                            \
    }
#define GEN_SEG(op)                                                          \
    GEN_SEG_MR(op, ds) GEN_SEG_MR(op, es) GEN_SEG_MR(op, ss)                 \
    GEN_SEG_RM(op, ds) GEN_SEG_RM(op, es) GEN_SEG_RM(op, ss)                 \
    GEN_SEG_RM(op, cs)
GEN_SEG(add) GEN_SEG(adc) GEN_SEG(sub) GEN_SEG(sbb) GEN_SEG(and) GEN_SEG(or)
GEN_SEG(xor) GEN_SEG(cmp)

/* Byte-encoded forms: memory operand (%edx) = isa_pfx_mem[1], register
 * operand AL/AX/EAX (b). */
#define GEN_BYTES(name, bytes)                                               \
    static uint32_t name(uint32_t *a, uint32_t *b, uint32_t fin)             \
    {                                                                        \
        uint32_t f, x = *b;                                                  \
        isa_pfx_mem[1] = *a;                                                 \
        __asm__ volatile(ISA_SETF ".byte " bytes "\n\t" ISA_GETF             \
                         : "+a"(x), [fout] "=r"(f)                           \
                         : "d"(isa_pfx_mem + 1), [fin] "r"(fin)              \
                         : "cc", "memory");                                  \
        *a = isa_pfx_mem[1];                                                 \
        *b = x;                                                              \
        return f;                                                            \
    }
GEN_BYTES(lock66_add, "0xf0, 0x66, 0x01, 0x02")        /* lock add %ax,(%edx) */
GEN_BYTES(o66lock_add, "0x66, 0xf0, 0x01, 0x02")       /* the same */
GEN_BYTES(ds66lock_sub, "0x3e, 0x66, 0xf0, 0x29, 0x02") /* lock sub %ax,%ds:(%edx) */
GEN_BYTES(lockds66_sub, "0xf0, 0x3e, 0x66, 0x29, 0x02")
GEN_BYTES(o66lockss_adc, "0x66, 0xf0, 0x36, 0x11, 0x02") /* lock adc %ax,%ss:(%edx) */
GEN_BYTES(o66ds_xor, "0x66, 0x3e, 0x31, 0x02")         /* xor %ax,%ds:(%edx) */
GEN_BYTES(es66_addrm, "0x26, 0x66, 0x03, 0x02")        /* add %es:(%edx),%ax */
GEN_BYTES(o6666_add, "0x66, 0x66, 0x01, 0x02")         /* add %ax,(%edx) */
GEN_BYTES(dses_add32, "0x3e, 0x26, 0x01, 0x02")        /* add %eax,%es:(%edx) */
GEN_BYTES(ssds_cmp8, "0x36, 0x3e, 0x38, 0x02")         /* cmp %al,%ds:(%edx) */
GEN_BYTES(lockss_xadd16, "0xf0, 0x36, 0x66, 0x0f, 0xc1, 0x02") /* lock xadd %ax,%ss:(%edx) */
GEN_BYTES(o66lock_xadd16, "0x66, 0xf0, 0x0f, 0xc1, 0x02")
GEN_BYTES(lock_xadd8es, "0xf0, 0x26, 0x0f, 0xc0, 0x02") /* lock xadd %al,%es:(%edx) */
GEN_BYTES(o66lock_neg, "0x66, 0xf0, 0xf7, 0x1a")       /* lock negw (%edx) */
GEN_BYTES(lock66_inc, "0xf0, 0x66, 0xff, 0x02")        /* lock incw (%edx) */
GEN_BYTES(cs66_cmprm, "0x2e, 0x66, 0x3b, 0x02")        /* cmp %cs:(%edx),%ax */

struct pcase {
    const char *name;
    pfn fn;
    uint8_t bits;
    uint32_t mask;
};
#define C_SEG(op, mask)                                                      \
    { #op "32.mr.ds", op##_mr_ds, 32, mask },                                \
    { #op "32.mr.es", op##_mr_es, 32, mask },                                \
    { #op "32.mr.ss", op##_mr_ss, 32, mask },                                \
    { #op "32.rm.ds", op##_rm_ds, 32, mask },                                \
    { #op "32.rm.es", op##_rm_es, 32, mask },                                \
    { #op "32.rm.ss", op##_rm_ss, 32, mask },                                \
    { #op "32.rm.cs", op##_rm_cs, 32, mask },
static const struct pcase cases[] = {
    C_SEG(add, ISA_ARITH) C_SEG(adc, ISA_ARITH) C_SEG(sub, ISA_ARITH)
    C_SEG(sbb, ISA_ARITH) C_SEG(and, ISA_M_LOGIC) C_SEG(or, ISA_M_LOGIC)
    C_SEG(xor, ISA_M_LOGIC) C_SEG(cmp, ISA_ARITH)
    { "f0.66.add16", lock66_add, 16, ISA_ARITH },
    { "66.f0.add16", o66lock_add, 16, ISA_ARITH },
    { "3e.66.f0.sub16", ds66lock_sub, 16, ISA_ARITH },
    { "f0.3e.66.sub16", lockds66_sub, 16, ISA_ARITH },
    { "66.f0.36.adc16", o66lockss_adc, 16, ISA_ARITH },
    { "66.3e.xor16", o66ds_xor, 16, ISA_M_LOGIC },
    { "26.66.add16.rm", es66_addrm, 16, ISA_ARITH },
    { "66.66.add16", o6666_add, 16, ISA_ARITH },
    { "3e.26.add32", dses_add32, 32, ISA_ARITH },
    { "36.3e.cmp8", ssds_cmp8, 8, ISA_ARITH },
    { "f0.36.66.xadd16", lockss_xadd16, 16, ISA_ARITH },
    { "66.f0.xadd16", o66lock_xadd16, 16, ISA_ARITH },
    { "f0.26.xadd8", lock_xadd8es, 8, ISA_ARITH },
    { "66.f0.neg16", o66lock_neg, 16, ISA_ARITH },
    { "f0.66.inc16", lock66_inc, 16, ISA_ARITH },
    { "2e.66.cmp16.rm", cs66_cmprm, 16, ISA_ARITH },
};

static const uint32_t vals[] = { 0x00000000, 0x00000001, 0x0000007f,
                                 0x00008000, 0x7fffffff, 0x80000000,
                                 0xffff8001, 0xffffffff };

int test_main(void)
{
    static const uint32_t fins[] = { 0, ISA_ARITH };

    for (int n = 0; n < N(cases); n++) {
        const struct pcase *c = &cases[n];
        int dig = isa_hex(c->bits);
        uint32_t m = isa_trunc(~0u, c->bits);

        for (int i = 0; i < N(vals); i++)
            for (int j = 0; j < N(vals); j++)
                for (int k = 0; k < N(fins); k++) {
                    /* a: memory (with guard bytes), b: register (junk) */
                    uint32_t a = (MGUARD0 & ~m) | (vals[i] & m);
                    uint32_t b = (0xC0DE3C3Cu & ~m) | (vals[j] & m);
                    const char *bad = "";

                    isa_pfx_mem[0] = MGUARD0;
                    isa_pfx_mem[2] = MGUARD2;
                    uint32_t fl = c->fn(&a, &b, fins[k]);
                    if ((a & ~m) != (MGUARD0 & ~m) ||
                        (b & ~m) != (0xC0DE3C3Cu & ~m) ||
                        isa_pfx_mem[0] != MGUARD0 || isa_pfx_mem[2] != MGUARD2)
                        bad = " CLOBBER";
                    isa_line("%s m=0x%0*x r=0x%0*x in=%s -> m=0x%0*x r=0x%0*x "
                             "fl=%s%s\n",
                             c->name, dig, vals[i] & m, dig, vals[j] & m,
                             isa_fl(fins[k], ISA_ARITH), dig, a & m, dig,
                             b & m, isa_fl(fl, c->mask), bad);
                }
    }
    isa_done("isa_alu_prefix");
    return 0;
}
