/*
 * isa_x87_env.c - the x87 control, status and tag words and the saved
 * environment:
 *   - FLDCW/FNSTCW round trips (all fields, reserved bits), FNSTSW AX and
 *     FNSTSW m16, FNCLEX (clears the exception flags, ES and B only),
 *     FNINIT; the waiting forms FSTCW FSTSW FSTENV FSAVE FCLEX FINIT; FNOP;
 *   - the tag word (valid, zero, special, empty) through FNSTENV, with
 *     FFREE, FINCSTP and FDECSTP;
 *   - FNSTENV/FLDENV and FNSAVE/FRSTOR round trips in the 32-bit format
 *     and, with an operand-size prefix (0x66), the 16-bit format; FNSTENV
 *     masking all exceptions, FNSAVE reinitializing;
 *   - FNSAVE/FRSTOR and FNSTENV/FLDENV images straddling a page boundary;
 *   - the x87 state kept across calls into the runtime (printf: port I/O
 *     helpers in the guest), CPUID, string instructions, indirect jumps.
 * FIP, FCS, FOP, FDP and FDS (the last-instruction and operand pointers
 * and the opcode) are MASKED: they hold a native process's addresses
 * natively and translated-code addresses under a binary translator, so
 * they legitimately differ.  Likewise the reserved upper halves of the
 * 32-bit format's CW/SW/TW dwords (0xFFFF on Intel CPUs, 0 in QEMU).  Only
 * CW, SW, TW and the register images are printed.  Portable.
 */
#include "isa_x87.h"

/* QEMU keeps the reserved control word bits as loaded (the hardware reads
 * bit 6 as 1 and bits 7 and 13-15 as 0), and keeps ES and B as FLDENV loads them
 * (the hardware recomputes them from the unmasked exceptions): the QEMU
 * variant masks those bits. */
#ifdef X87_QEMU_COMPAT
#define CWP(cw) ((unsigned)(cw) & ~0xe0c0u)
#define SW_ESB(sw) (X87_SW_DE(sw) & ~0x8080u)
#else
#define CWP(cw) ((unsigned)(cw))
#define SW_ESB(sw) X87_SW_DE(sw)
#endif

/* The architecturally defined part of a saved environment. */
struct env_view {
    uint16_t cw, sw, tw;
};

static struct env_view env32(const unsigned char *e)
{
    struct env_view v;

    memcpy(&v.cw, e, 2);
    memcpy(&v.sw, e + 4, 2);
    memcpy(&v.tw, e + 8, 2);
    return v;
}

static struct env_view env16(const unsigned char *e)
{
    struct env_view v;

    memcpy(&v.cw, e, 2);
    memcpy(&v.sw, e + 2, 2);
    memcpy(&v.tw, e + 4, 2);
    return v;
}

static void print_env(const char *what, struct env_view v)
{
    isa_line("%s cw=%04x sw=%04x tw=%04x\n", what, CWP(v.cw), X87_SW_C1(v.sw), v.tw);
}

static void print_regs(const char *what, const unsigned char *regs, int n)
{
    printf("%s", what);
    for (int i = 0; i < n; i++) {
        f80 v;
        memcpy(&v, regs + 10 * i, 10);
        printf(" " F80_FMT, F80_ARG(v));
    }
    isa_line("\n");
}

/* ---- control word ---- */

static void control_word(void)
{
    static const uint16_t cws[] = {
        0x037f, 0x0000, 0x0040, 0x007f, 0x0f7f, 0x0c3f, 0x033f, 0x027f, 0x017f,
        0x1f7f, 0xf07f, 0xffff, 0x0b6a, 0x0415,
    };

    for (unsigned i = 0; i < sizeof cws / sizeof cws[0]; i++) {
        uint16_t out, sw;
        unsigned char e[28];

        __asm__ volatile("fninit\n\t"
                         "fldcw %[in]\n\t"
                         "fnstcw %[out]\n\t"
                         "fnstsw %[sw]\n\t"
                         "fnstenv %[e]\n\t"
                         "fninit"
                         : [out] "=m"(out), [sw] "=m"(sw), [e] "=m"(e)
                         : [in] "m"(cws[i])
                         : "memory");
        isa_line("fldcw %04x: fnstcw %04x sw %04x env.cw %04x\n", cws[i], CWP(out),
                 X87_SW_DE(sw), CWP(env32(e).cw));
    }
}

/* ---- status word, FNCLEX, FNINIT ---- */

static void status_word(void)
{
    /* status words set with FLDENV (exceptions masked, so no fault) */
    static const uint16_t sws[] = {
        0x0000, 0x003f, 0x0041, 0x4700, 0x3800, 0x38ff, 0xffff, 0x7fbf, 0x80a1,
    };

    for (unsigned i = 0; i < sizeof sws / sizeof sws[0]; i++) {
        unsigned char e[28];
        uint16_t ax, m, ax2, m2;

        memset(e, 0, sizeof e);
        e[0] = 0x7f; e[1] = 0x03;                   /* CW 037f */
        memcpy(e + 4, &sws[i], 2);
        e[8] = 0xff; e[9] = 0xff;                   /* TW: all empty */
        __asm__ volatile("fninit\n\t"
                         "fldenv %[e]\n\t"
                         "fnstsw %%ax\n\t"
                         "movw %%ax, %[ax]\n\t"
                         "fnstsw %[m]\n\t"
                         "fnclex\n\t"
                         "fnstsw %%ax\n\t"
                         "movw %%ax, %[ax2]\n\t"
                         "fninit\n\t"
                         "fnstsw %[m2]\n\t"
                         : [ax] "=m"(ax), [m] "=m"(m), [ax2] "=m"(ax2), [m2] "=m"(m2)
                         : [e] "m"(e)
                         : "eax", "memory");
        isa_line("sw %04x: fnstsw ax %04x m16 %04x; fnclex %04x; fninit %04x\n", sws[i],
                 SW_ESB(ax), SW_ESB(m), SW_ESB(ax2), SW_ESB(m2));
    }
    /* FNINIT: control, status and tag words afterwards */
    {
        unsigned char e[28];
        uint16_t cw = 0x0a6a;

        __asm__ volatile("fldcw %[cw]\n\t"
                         "fldz\n\tfld1\n\t.byte 0xd8, 0xf1\n\t"   /* 1/0: ZE pending, unmasked */
                         "fninit\n\t"                             /* discards it, no fault */
                         "fnstenv %[e]\n\t"
                         "fninit"
                         : [e] "=m"(e) : [cw] "m"(cw) : "memory", X87_CLOBBERS);
        print_env("fninit", env32(e));
    }
}

/* The waiting forms (an FWAIT, 9B, before the no-wait instruction) with no
 * exception pending, and FNOP. */
static void waiting_forms(void)
{
    uint16_t cw1, sw1, sw2, cw2;
    unsigned char e[28], s[108];

    __asm__ volatile("finit\n\t"
                     "fld1\n\tfldpi\n\t"
                     "fnop\n\t"
                     "fstcw %[cw1]\n\t"
                     "fstsw %[sw1]\n\t"
                     "fstenv %[e]\n\t"
                     "fldcw %[cw1]\n\t"
                     "fsave %[s]\n\t"
                     "frstor %[s]\n\t"
                     "fclex\n\t"
                     "fstsw %%ax\n\t"
                     "movw %%ax, %[sw2]\n\t"
                     "finit\n\t"
                     "fstcw %[cw2]\n\t"
                     "fninit"
                     : [cw1] "=m"(cw1), [sw1] "=m"(sw1), [sw2] "=m"(sw2), [cw2] "=m"(cw2),
                       [e] "=m"(e), [s] "=m"(s)
                     : : "eax", "memory", X87_CLOBBERS);
    isa_line("waiting forms: fstcw %04x fstsw %04x fclex/fstsw ax %04x finit/fstcw %04x\n",
             CWP(cw1), X87_SW_DE(sw1), X87_SW_DE(sw2), CWP(cw2));
    print_env("fstenv", env32(e));
    print_env("fsave", env32(s));
    print_regs("fsave regs", s + 28, 2);
}

/* ---- tag word ---- */

/* Pushes in[7]..in[0] (so ST(i) = in[i]), runs OPS, FNSTENV into env and
 * FNSTSW. */
#define TAG_KERNEL(name, ops)                                               \
    static void name(const f80 *in, unsigned char *env)                     \
    {                                                                       \
        __asm__ volatile("fninit\n\t"                                       \
                         "fldt 70(%[in])\n\tfldt 60(%[in])\n\t"             \
                         "fldt 50(%[in])\n\tfldt 40(%[in])\n\t"             \
                         "fldt 30(%[in])\n\tfldt 20(%[in])\n\t"             \
                         "fldt 10(%[in])\n\tfldt (%[in])\n\t"               \
                         ops "\n\t"                                         \
                         "fnstenv (%[env])\n\t"                             \
                         "fninit"                                           \
                         : : [in] "r"(in), [env] "r"(env)                   \
                         : "memory", X87_CLOBBERS);                         \
    }

TAG_KERNEL(t_none, "")
TAG_KERNEL(t_ffree0, "ffree %%st(0)")
TAG_KERNEL(t_ffree3, "ffree %%st(3)")
TAG_KERNEL(t_ffree7, "ffree %%st(7)")
TAG_KERNEL(t_incstp, "fincstp")
TAG_KERNEL(t_incstp3, "fincstp\n\tfincstp\n\tfincstp")
TAG_KERNEL(t_decstp, "fdecstp")
TAG_KERNEL(t_incdec, "fincstp\n\tfdecstp\n\tfdecstp")
TAG_KERNEL(t_pop2, "fstp %%st(0)\n\tfstp %%st(0)")
TAG_KERNEL(t_ffreep, ".byte 0xdf, 0xc0")           /* FFREEP ST(0) (undocumented) */
TAG_KERNEL(t_ffree_all, "ffree %%st(0)\n\tffree %%st(1)\n\tffree %%st(2)\n\t"
                        "ffree %%st(3)\n\tffree %%st(4)\n\tffree %%st(5)\n\t"
                        "ffree %%st(6)\n\tffree %%st(7)")
TAG_KERNEL(t_ffree_fld, "ffree %%st(7)\n\tfld1")   /* push into a freed slot */
TAG_KERNEL(t_incstp_fxam, "fincstp\n\tfxam")

static void tag_word(void)
{
    static const struct {
        const char *name;
        void (*fn)(const f80 *, unsigned char *);
    } k[] = {
        { "none", t_none }, { "ffree st0", t_ffree0 }, { "ffree st3", t_ffree3 },
        { "ffree st7", t_ffree7 }, { "fincstp", t_incstp }, { "fincstp x3", t_incstp3 },
        { "fdecstp", t_decstp }, { "fincstp fdecstp x2", t_incdec }, { "fstp x2", t_pop2 },
        { "ffreep", t_ffreep }, { "ffree all", t_ffree_all }, { "ffree st7 fld1", t_ffree_fld },
        { "fincstp fxam", t_incstp_fxam },
    };
    /* value sets: every tag class (00 valid, 01 zero, 10 special, 11 empty) */
    static const int sets[][8] = {
        { 2, 0, 20, 25, 27, 29, 1, 17 },       /* valid zero special(den, inf, NaN, SNaN) */
        { 0, 0, 0, 0, 1, 1, 1, 1 },
        { 19, 21, 22, 24, 23, 26, 28, 31 },
    };
    unsigned char env[28];

    for (unsigned s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        f80 in[8];

        for (int i = 0; i < 8; i++)
            in[i] = x87_vals[sets[s][i]];
        for (unsigned i = 0; i < sizeof k / sizeof k[0]; i++) {
            char what[64];

            k[i].fn(in, env);
            snprintf(what, sizeof what, "tag set%u %s:", s, k[i].name);
            print_env(what, env32(env));
        }
    }
    /* unsupported encodings are tagged special */
    {
        static const f80 odd[8] = {
            F80(0x7fff, 0x4000000000000000ull), F80(0x7fff, 0x0000000000000000ull),
            F80(0x4000, 0x4000000000000000ull), F80(0x0000, 0x8000000000000000ull),
            F80(0x3fff, 0x0000000000000000ull), F80(0x0000, 0x0000000000000000ull),
            F80(0x3fff, 0x8000000000000000ull), F80(0x8000, 0x0000000000000001ull),
        };
        t_none(odd, env);
        print_env("tag odd:", env32(env));
    }
}

/* ---- FNSTENV/FLDENV and FNSAVE/FRSTOR round trips ---- */

static void env_roundtrip(void)
{
    static const f80 in[3] = {
        F80(0x3fff, 0x8000000000000000ull), F80(0x0000, 0x0000000000000000ull),
        F80(0x7fff, 0xc000000000000000ull),
    };
    unsigned char e1[28], e2[28], e3[14], e4[14];
    uint16_t cw_after, cw = 0x0b62, sw2;   /* PC53, down; IM ZM OM UM clear */
    f80 r[3];

    memset(e1, 0, sizeof e1);
    /* 32-bit: state with a custom CW, a sticky PE, three registers */
    __asm__ volatile("fninit\n\t"
                     "fldcw %[cw]\n\t"
                     "fldt 20(%[in])\n\tfldt 10(%[in])\n\tfldt (%[in])\n\t"
                     /* fdivp: 1/log2(e), PE (masked; IE ZE OE UE are not) */
                     "fld1\n\tfldl2e\n\t.byte 0xde, 0xf9\n\t"
                     "fstp %%st(0)\n\t"
                     "fnstenv %[e1]\n\t"
                     "fnstcw %[cwa]\n\t"            /* FNSTENV masks all exceptions */
                     "fninit\n\t"
                     "fldt 20(%[in])\n\tfldt 10(%[in])\n\tfldt (%[in])\n\t"
                     "fldenv %[e1]\n\t"
                     "fnstenv %[e2]\n\t"
                     "fnstsw %[sw2]\n\t"
                     "fstpt (%[r])\n\tfstpt 10(%[r])\n\tfstpt 20(%[r])\n\t"
                     "fninit"
                     : [e1] "+m"(e1), [e2] "=m"(e2), [cwa] "=m"(cw_after), [sw2] "=m"(sw2)
                     : [cw] "m"(cw), [in] "r"(in), [r] "r"(r)
                     : "memory", X87_CLOBBERS);
    print_env("fnstenv32", env32(e1));
    /* QEMU's FNSTENV does not mask the exceptions */
    if (!X87_QEMU_SKIP(1))
        isa_line("fnstenv32 then fnstcw %04x\n", cw_after);
    print_env("fldenv32/fnstenv32", env32(e2));
    printf("fldenv32 sw %04x regs", X87_SW_DE(sw2));
    for (int i = 0; i < 3; i++)
        printf(" " F80_FMT, F80_ARG(r[i]));
    isa_line("\n");

    /* 16-bit format (operand-size prefix): 14 bytes */
    memset(e3, 0xa5, sizeof e3);
    __asm__ volatile("fninit\n\t"
                     "fldcw %[cw]\n\t"
                     "fldt 10(%[in])\n\tfldt (%[in])\n\t"
                     "fld1\n\tfldl2e\n\t.byte 0xde, 0xf9\n\t"
                     "fstp %%st(0)\n\t"
                     "data16 fnstenv %[e3]\n\t"
                     "fnstcw %[cwa]\n\t"
                     "fninit\n\t"
                     "fldt 20(%[in])\n\tfldt 10(%[in])\n\tfldt (%[in])\n\t"
                     "data16 fldenv %[e3]\n\t"
                     "data16 fnstenv %[e4]\n\t"
                     "fnstsw %[sw2]\n\t"
                     "fstpt (%[r])\n\tfstpt 10(%[r])\n\tfstpt 20(%[r])\n\t"
                     "fninit"
                     : [e3] "+m"(e3), [e4] "=m"(e4), [cwa] "=m"(cw_after), [sw2] "=m"(sw2)
                     : [cw] "m"(cw), [in] "r"(in), [r] "r"(r)
                     : "memory", X87_CLOBBERS);
    print_env("fnstenv16", env16(e3));
    if (!X87_QEMU_SKIP(1))
        isa_line("fnstenv16 then fnstcw %04x\n", cw_after);
    print_env("fldenv16/fnstenv16", env16(e4));
    printf("fldenv16 sw %04x regs", X87_SW_DE(sw2));
    for (int i = 0; i < 2; i++)       /* the image has two valid registers */
        printf(" " F80_FMT, F80_ARG(r[i]));
    isa_line("\n");

    /* FLDENV of crafted images: TOP, condition codes, tags (only empty /
     * not empty is taken from the image, the rest is recomputed) */
    static const uint16_t crafted[][3] = {
        { 0x037f, 0x0000, 0xffff }, { 0x0f7f, 0x4500, 0xfff0 }, { 0x007f, 0x2000, 0x3fff },
        { 0x037f, 0x3800, 0x0000 }, { 0x027f, 0x1a00, 0xaaaa }, { 0x037f, 0x0000, 0x5555 },
    };
    for (unsigned i = 0; i < sizeof crafted / sizeof crafted[0]; i++) {
        unsigned char a[28], b[28];

        memset(a, 0, sizeof a);
        memcpy(a, &crafted[i][0], 2);
        memcpy(a + 4, &crafted[i][1], 2);
        memcpy(a + 8, &crafted[i][2], 2);
        __asm__ volatile("fninit\n\t"
                         "fldt 20(%[in])\n\tfldt 10(%[in])\n\tfldt (%[in])\n\t"
                         "fldt 20(%[in])\n\tfldt 10(%[in])\n\tfldt (%[in])\n\t"
                         "fldt 20(%[in])\n\tfldt 10(%[in])\n\t"
                         "fldenv %[a]\n\t"
                         "fnstenv %[b]\n\t"
                         "fninit"
                         : [b] "=m"(b) : [a] "m"(a), [in] "r"(in) : "memory", X87_CLOBBERS);
        char what[48];
        snprintf(what, sizeof what, "fldenv cw=%04x sw=%04x tw=%04x ->", crafted[i][0],
                 crafted[i][1], crafted[i][2]);
        print_env(what, env32(b));
    }
}

static void save_restore(void)
{
    static const int idx[8] = { 2, 8, 0, 20, 25, 28, 6, 7 };
    f80 in[8];
    unsigned char s1[108], s2[108], s3[94], s4[94];
    uint16_t cw = 0x0e7b, sw_after, cw_after;
    unsigned char e[28];
    f80 r[8];

    for (int i = 0; i < 8; i++)
        in[i] = x87_vals[idx[i]];

    /* 32-bit FNSAVE of a full stack after an inexact op, then the state
     * FNSAVE leaves (FNINIT) */
    memset(s1, 0xa5, sizeof s1);
    __asm__ volatile("fninit\n\t"
                     "fldcw %[cw]\n\t"
                     "fldt 70(%[in])\n\tfldt 60(%[in])\n\t"
                     "fldt 50(%[in])\n\tfldt 40(%[in])\n\t"
                     "fldt 30(%[in])\n\tfldt 20(%[in])\n\t"
                     "fldt 10(%[in])\n\tfldt (%[in])\n\t"
                     "fdiv %%st(7), %%st\n\t"           /* 1/(1/3): inexact */
                     "fnsave (%[s])\n\t"
                     "fnstsw %[swa]\n\t"
                     "fnstcw %[cwa]\n\t"
                     "fnstenv %[e]\n\t"
                     "fninit"
                     : [swa] "=m"(sw_after), [cwa] "=m"(cw_after), [e] "=m"(e)
                     : [cw] "m"(cw), [in] "r"(in), [s] "r"(s1)
                     : "memory", X87_CLOBBERS);
    print_env("fnsave32", env32(s1));
    print_regs("fnsave32 regs", s1 + 28, 8);
    printf("after fnsave32: sw %04x cw %04x ", X87_SW_DE(sw_after), cw_after);
    print_env("env", env32(e));

    /* FRSTOR of a modified image: ST3 replaced, CW and TOP changed */
    memcpy(s2, s1, sizeof s2);
    s2[0] = 0x7f; s2[1] = 0x0f;                       /* CW 0f7f */
    memcpy(s2 + 28 + 30, &x87_vals[17], 10);          /* ST3 = max normal */
    __asm__ volatile("fninit\n\t"
                     "frstor (%[s])\n\t"
                     "fnstcw %[cwa]\n\t"
                     "fnstsw %[swa]\n\t"
                     "fnstenv %[e]\n\t"
                     "fldcw %[cwa]\n\t"
                     "fstpt (%[r])\n\tfstpt 10(%[r])\n\tfstpt 20(%[r])\n\tfstpt 30(%[r])\n\t"
                     "fstpt 40(%[r])\n\tfstpt 50(%[r])\n\tfstpt 60(%[r])\n\tfstpt 70(%[r])\n\t"
                     "fninit"
                     : [swa] "=m"(sw_after), [cwa] "+m"(cw_after), [e] "=m"(e)
                     : [s] "r"(s2), [r] "r"(r)
                     : "memory", X87_CLOBBERS);
    printf("frstor32: cw %04x sw %04x ", cw_after, X87_SW_DE(sw_after));
    print_env("env", env32(e));
    print_regs("frstor32 regs", (const unsigned char *)r, 8);
    /* FRSTOR then FNSAVE again: the image comes back (defined fields) */
    memset(s1, 0x5a, sizeof s1);
    __asm__ volatile("fninit\n\t"
                     "frstor (%[a])\n\t"
                     "fnsave (%[b])\n\t"
                     "fninit"
                     : : [a] "r"(s2), [b] "r"(s1) : "memory", X87_CLOBBERS);
    print_env("frstor32/fnsave32", env32(s1));
    print_regs("frstor32/fnsave32 regs", s1 + 28, 8);

    /* 16-bit format (0x66): 94 bytes */
    memset(s3, 0xa5, sizeof s3);
    __asm__ volatile("fninit\n\t"
                     "fldcw %[cw]\n\t"
                     "fldt 70(%[in])\n\tfldt 60(%[in])\n\t"
                     "fldt 50(%[in])\n\tfldt 40(%[in])\n\t"
                     "fldt 30(%[in])\n\tfldt 20(%[in])\n\t"
                     "fldt 10(%[in])\n\t"
                     "fsqrt\n\t"
                     "data16 fnsave (%[s])\n\t"
                     "fnstsw %[swa]\n\t"
                     "fnstcw %[cwa]\n\t"
                     "fninit"
                     : [swa] "=m"(sw_after), [cwa] "=m"(cw_after)
                     : [cw] "m"(cw), [in] "r"(in), [s] "r"(s3)
                     : "memory", X87_CLOBBERS);
    print_env("fnsave16", env16(s3));
    print_regs("fnsave16 regs", s3 + 14, 8);
    printf("after fnsave16: sw %04x cw %04x", X87_SW_DE(sw_after), cw_after);
    isa_line("\n");
    memcpy(s4, s3, sizeof s4);
    s4[0] = 0x7f; s4[1] = 0x03;
    __asm__ volatile("fninit\n\t"
                     "data16 frstor (%[a])\n\t"
                     "fnstcw %[cwa]\n\t"
                     "fnstsw %[swa]\n\t"
                     "data16 fnsave (%[b])\n\t"
                     "fninit"
                     : [swa] "=m"(sw_after), [cwa] "=m"(cw_after)
                     : [a] "r"(s4), [b] "r"(s3)
                     : "memory", X87_CLOBBERS);
    printf("frstor16: cw %04x sw %04x ", cw_after, X87_SW_DE(sw_after));
    print_env("resaved", env16(s3));
    print_regs("frstor16/fnsave16 regs", s3 + 14, 8);
}

/* ---- state kept across calls, helpers and jumps ---- */

__attribute__((used)) static const char across_msg[] = "  (printed with 8 values on the x87 stack)";
__attribute__((used)) static unsigned char across_src[64], across_dst[64];

static void across(void)
{
    static const int idx[8] = { 7, 8, 10, 12, 13, 16, 20, 29 };
    f80 in[8], r[8];
    unsigned char e1[28], e2[28];
    uint16_t cw = 0x067f;                 /* PC53, round down */

    for (int i = 0; i < 8; i++)
        in[i] = x87_vals[idx[i]];
    for (int i = 0; i < 64; i++)
        across_src[i] = (unsigned char)(i * 7);
    __asm__ volatile("fninit\n\t"
                     "fldcw %[cw]\n\t"
                     "fldt 70(%[in])\n\tfldt 60(%[in])\n\t"
                     "fldt 50(%[in])\n\tfldt 40(%[in])\n\t"
                     "fldt 30(%[in])\n\tfldt 20(%[in])\n\t"
                     "fldt 10(%[in])\n\tfldt (%[in])\n\t"
                     "fadd %%st(1), %%st\n\t"          /* PE, rounded down */
                     "fnstenv %[e1]\n\t"
                     "fldcw %[cw]\n\t"                /* FNSTENV masked all: undo */
                     "pushl %[in]\n\tpushl %[r]\n\t"
                     "movl %%esp, %%ebx\n\t"
                     "andl $-16, %%esp\n\t"
                     "subl $12, %%esp\n\t"
                     "pushl $across_msg\n\t"
                     "call puts\n\t"                  /* the runtime's or libc's */
                     "movl %%ebx, %%esp\n\t"
                     "movl $0, %%eax\n\tcpuid\n\t"
                     "movl $across_src, %%esi\n\tmovl $across_dst, %%edi\n\t"
                     "movl $16, %%ecx\n\tcld\n\trep movsl\n\t"
                     "movl $1f, %%eax\n\tjmp *%%eax\n\t"
                     "ud2\n"
                     "1:\n\t"
                     "call 2f\n\t"
                     "jmp 3f\n"
                     "2:\n\tret\n"
                     "3:\n\t"
                     "popl %%edi\n\tpopl %%esi\n\t"
                     "fnstenv %[e2]\n\t"
                     "fstpt (%%edi)\n\tfstpt 10(%%edi)\n\tfstpt 20(%%edi)\n\tfstpt 30(%%edi)\n\t"
                     "fstpt 40(%%edi)\n\tfstpt 50(%%edi)\n\tfstpt 60(%%edi)\n\tfstpt 70(%%edi)\n\t"
                     "fninit"
                     : [e1] "=m"(e1), [e2] "=m"(e2)
                     : [cw] "m"(cw), [in] "S"(in), [r] "D"(r)
                     : "eax", "ebx", "ecx", "edx", "memory", "cc", X87_CLOBBERS);
    print_env("across: before", env32(e1));
    print_env("across: after", env32(e2));
    print_regs("across: regs", (const unsigned char *)r, 8);
    isa_line("across: rep movsl %s\n", memcmp(across_src, across_dst, 64) ? "differs" : "ok");
}

/* Save/restore images crossing a page boundary (a translator's slow path
 * for accesses that span pages), 32- and 16-bit formats. */
static unsigned char cross_buf[2 * 4096] __attribute__((aligned(4096)));

static void straddle(void)
{
    static const int offs[] = { -107, -100, -54, -28, -27, -14, -7, -1 };
    static const int idx[8] = { 2, 8, 0, 20, 25, 28, 6, 7 };
    f80 in[8];
    unsigned char chk[108];

    for (int i = 0; i < 8; i++)
        in[i] = x87_vals[idx[i]];
    for (unsigned k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        unsigned char *p = cross_buf + 4096 + offs[k];

        memset(cross_buf, 0x5a, sizeof cross_buf);
        memset(chk, 0xa5, sizeof chk);
        __asm__ volatile("fninit\n\t"
                         "fldt 70(%[in])\n\tfldt 60(%[in])\n\tfldt 50(%[in])\n\t"
                         "fldt 40(%[in])\n\tfldt 30(%[in])\n\tfldt 20(%[in])\n\t"
                         "fldt 10(%[in])\n\t"
                         "fnsave (%[p])\n\t"
                         "frstor (%[p])\n\t"
                         "fnstenv (%[p])\n\t"          /* over the saved image */
                         "fldenv (%[p])\n\t"
                         "data16 fnstenv 40(%[p])\n\t"
                         "data16 fldenv 40(%[p])\n\t"
                         "fnsave (%[c])\n\t"
                         "fninit"
                         : : [in] "r"(in), [p] "r"(p), [c] "r"(chk)
                         : "memory", X87_CLOBBERS);
        char what[40];
        snprintf(what, sizeof what, "straddle %d:", offs[k]);
        print_env(what, env32(chk));
        print_regs(what, chk + 28, 7);
        /* the environment image FNSTENV left at p */
        print_env(what, env32(p));
        /* 16-bit FNSAVE/FRSTOR (94 bytes) at the same place */
        memset(chk, 0xa5, sizeof chk);
        __asm__ volatile("fninit\n\t"
                         "fldt 20(%[in])\n\tfldt 10(%[in])\n\t"
                         "data16 fnsave (%[p])\n\t"
                         "data16 frstor (%[p])\n\t"
                         "fnsave (%[c])\n\t"
                         "fninit"
                         : : [in] "r"(in), [p] "r"(p), [c] "r"(chk)
                         : "memory", X87_CLOBBERS);
        print_env(what, env32(chk));
        print_regs(what, chk + 28, 2);
    }
}

int test_main(void)
{
    control_word();
    status_word();
    waiting_forms();
    tag_word();
    env_roundtrip();
    save_restore();
    straddle();
    across();
    isa_done(X87_TEST_NAME("isa_x87_env"));
    return 0;
}
