/*
 * isa_except_i686.c - guest-only: encodings that a modern host executes but
 * an i686 (what xbt emulates) does not, so there is no native reference;
 * the expected output (isa_except_i686.expected) is the i686 behaviour,
 * which QEMU's default qemu32 CPU (with CR4.OSFXSR clear) also shows:
 *   - #UD: POPCNT (F3 0F B8), MOVBE, CRC32, ADCX, SSE ADDPS, SSE2 PXOR,
 *     VEX (VZEROUPPER, ANDN: LDS/LES with a register operand on an i686,
 *     also C4 C0 / C5 C0 themselves), BOUND with a register operand (62 C0,
 *     EVEX on an AVX-512 host), SYSCALL and SYSRET in 32-bit mode, SWAPGS,
 *     RDTSCP, XGETBV;
 *   - F3 0F BC / F3 0F BD are REP BSF / REP BSR (not TZCNT / LZCNT): the
 *     result for a non-zero source and ZF = 1, destination kept, for zero;
 *   - i686 instructions that must work: CMOVcc, FCMOVcc, CMPXCHG8B, PAUSE,
 *     NOPL (0F 1F), BSWAP, XADD.
 * MMX (QEMU's qemu32 has it, a Pentium Pro does not) is left out.
 */
#include "isa_sys.h"

uint32_t i686_scratch[4] = { 0x11223344, 0x55667788, 0, 0 };

#define UD_FN(name, bytes)                                                  \
    static void name(void *p)                                               \
    {                                                                       \
        (void)p;                                                            \
        __asm__ volatile("movl $i686_scratch, %%ebx\n\t"                    \
                         "xorl %%eax, %%eax\n\t"                            \
                         XBT_MARK ".byte " bytes "\n\t"                     \
                         "nop"                                              \
                         : : : "eax", "ebx", "ecx", "edx", "cc", "memory"); \
    }

UD_FN(popcnt, "0xf3, 0x0f, 0xb8, 0xc0")
UD_FN(movbe, "0x0f, 0x38, 0xf0, 0x03")
UD_FN(crc32, "0xf2, 0x0f, 0x38, 0xf1, 0xc0")
UD_FN(adcx, "0x66, 0x0f, 0x38, 0xf6, 0xc0")
UD_FN(addps, "0x0f, 0x58, 0xc0")
UD_FN(pxor, "0x66, 0x0f, 0xef, 0xc0")
UD_FN(vzeroupper, "0xc5, 0xf8, 0x77")
UD_FN(andn, "0xc4, 0xe2, 0x78, 0xf2, 0xc0")
UD_FN(syscall_, "0x0f, 0x05")
UD_FN(sysret_, "0x0f, 0x07")
UD_FN(swapgs, "0x0f, 0x01, 0xf8")
UD_FN(les_reg, "0xc4, 0xc0")
UD_FN(lds_reg, "0xc5, 0xc0")
UD_FN(bound_reg, "0x62, 0xc0")
UD_FN(rdtscp, "0x0f, 0x01, 0xf9")
UD_FN(xgetbv, "0x0f, 0x01, 0xd0")

/* REP BSF / REP BSR: dest in EDX (preset), source in ECX. */
struct bs {
    uint32_t src, dst, fl;
};

static void rep_bsf(void *p)
{
    struct bs *b = p;
    uint32_t d = b->dst, f, fin = 0;
    __asm__ volatile(ISA_SETF XBT_MARK ".byte 0xf3, 0x0f, 0xbc, 0xd1\n\t" ISA_GETF
                     : "+d"(d), [fout] "=r"(f) : "c"(b->src), [fin] "r"(fin) : "cc");
    b->dst = d;
    b->fl = f;
}

static void rep_bsr(void *p)
{
    struct bs *b = p;
    uint32_t d = b->dst, f, fin = 0;
    __asm__ volatile(ISA_SETF XBT_MARK ".byte 0xf3, 0x0f, 0xbd, 0xd1\n\t" ISA_GETF
                     : "+d"(d), [fout] "=r"(f) : "c"(b->src), [fin] "r"(fin) : "cc");
    b->dst = d;
    b->fl = f;
}

static void i686_ok(void *p)
{
    uint32_t *r = p;
    uint32_t a = 5, b = 9, c, d;
    uint64_t m = 0x0102030405060708ull;

    /* CMOV, then FCMOV through the x87, CMPXCHG8B, PAUSE, NOPL, BSWAP, XADD */
    __asm__ volatile("cmpl %2, %1\n\t"
                     "cmovb %2, %0"
                     : "=r"(c) : "r"(a), "r"(b), "0"(0) : "cc");
    r[0] = c;
    __asm__ volatile("fld1\n\t"
                     "fldz\n\t"
                     "stc\n\t"
                     "fcmovb %%st(1), %%st\n\t"
                     "fistpl %0\n\t"
                     "fstp %%st(0)"
                     : "=m"(r[1]) : : "cc");
    a = 0x05060708;
    b = 0x01020304;
    c = 0xAAAAAAAA;
    d = 0xBBBBBBBB;
    __asm__ volatile("cmpxchg8b %0" : "+m"(m), "+a"(a), "+d"(b) : "b"(c), "c"(d) : "cc");
    r[2] = (uint32_t)m;
    r[3] = (uint32_t)(m >> 32);
    __asm__ volatile("pause\n\t"
                     ".byte 0x0f, 0x1f, 0x00\n\t"         /* nopl (%eax) */
                     ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00" /* nopl 0(%eax,%eax) */
                     : : "a"(i686_scratch) : "memory");
    a = 0x12345678;
    __asm__ volatile("bswap %0" : "+r"(a));
    r[4] = a;
    a = 3;
    b = 4;
    __asm__ volatile("xaddl %0, %1" : "+r"(a), "+r"(b) : : "cc");
    r[5] = a;
    r[6] = b;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    static const struct {
        const char *name;
        void (*fn)(void *);
    } uds[] = {
        { "popcnt (f3 0f b8)", popcnt }, { "movbe (0f 38 f0)", movbe },
        { "crc32 (f2 0f 38 f1)", crc32 }, { "adcx (66 0f 38 f6)", adcx },
        { "addps (0f 58)", addps }, { "pxor (66 0f ef)", pxor },
        { "vzeroupper (c5 f8 77)", vzeroupper }, { "andn (c4 e2 78 f2)", andn },
        { "syscall (0f 05)", syscall_ }, { "sysret (0f 07)", sysret_ },
        { "swapgs (0f 01 f8)", swapgs }, { "les eax,eax (c4 c0)", les_reg },
        { "lds eax,eax (c5 c0)", lds_reg }, { "bound eax,eax (62 c0)", bound_reg },
        { "rdtscp (0f 01 f9)", rdtscp },
        { "xgetbv (0f 01 d0)", xgetbv },
    };
    struct xbt_fault f;
    char buf[48];

    (void)magic;
    (void)mbi;
    for (unsigned i = 0; i < sizeof uds / sizeof uds[0]; i++) {
        xbt_catch(uds[i].fn, NULL, &f);
        isa_line("%s -> %s\n", uds[i].name, xbt_fault_str(&f, buf, sizeof buf));
    }

    static const uint32_t srcs[] = { 0x10, 0x80000001, 0 };
    for (int r = 0; r < 2; r++)
        for (unsigned i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
            struct bs b = { srcs[i], 0xDEADBEEF, 0 };
            if (xbt_catch(r ? rep_bsr : rep_bsf, &b, &f) >= 0)
                isa_line("%s src=%#x -> %s\n", r ? "rep bsr (f3 0f bd)" : "rep bsf (f3 0f bc)",
                         srcs[i], xbt_fault_str(&f, buf, sizeof buf));
            else
                isa_line("%s src=%#x -> dst=%#x zf=%u\n",
                         r ? "rep bsr (f3 0f bd)" : "rep bsf (f3 0f bc)", srcs[i],
                         b.dst, (b.fl >> 6) & 1);
        }

    uint32_t res[7] = { 0 };
    if (xbt_catch(i686_ok, res, &f) >= 0)
        isa_line("i686 instructions -> %s\n", xbt_fault_str(&f, buf, sizeof buf));
    else
        isa_line("i686 instructions -> cmov=%u fcmov=%u cmpxchg8b=%08x%08x "
                 "bswap=%08x xadd=%u,%u\n",
                 res[0], res[1], res[3], res[2], res[4], res[5], res[6]);
    isa_done("isa_except_i686");
    return 0;
}
