/*
 * isa_x87_cmp.c - x87 comparisons and classification:
 *   - FCOM FCOMP FCOMPP FUCOM FUCOMP FUCOMPP with ST(1) over pairs of edge
 *     values (C3 C2 C0; QNaN operands: IE for FCOM, not for FUCOM; SNaN:
 *     IE for both), FCOM/FCOMP m32/m64, FICOM/FICOMP m16/m32, FTST;
 *   - FXAM of every class (+/- zero, denormal, normal, infinity, NaN,
 *     unsupported encodings, empty register);
 *   - FCOMI FCOMIP FUCOMI FUCOMIP: EFLAGS ZF PF CF (OF SF AF cleared) from
 *     two different input flag states;
 *   - FCMOVB FCMOVE FCMOVBE FCMOVU and their negations under all eight
 *     CF/ZF/PF combinations.
 * Each line prints the status word (C1 is defined as 0 by the compares) and
 * where relevant the arithmetic flags (isa.h letters O S Z A P C) or the
 * resulting stack.  Portable.
 */
#include <stddef.h>

#include "isa_x87.h"

/* Kernels that also set EFLAGS before INSN (ISA_SETF, [fin]) and read them
 * after (into *fout).  ISA_SETF pushes, so every memory operand is
 * addressed through the io pointer register, never ESP. */
#define X87_FKERNEL(name, insn, stores)                                     \
    static void name(struct x87_io *io, uint32_t fin, uint32_t *fout)       \
    {                                                                       \
        uint32_t fl;                                                        \
        __asm__ volatile("fninit\n\t"                                       \
                         "fldcw %c[ocw](%[io])\n\t"                         \
                         "fldt %c[ob](%[io])\n\t"                           \
                         "fldt %c[oa](%[io])\n\t"                           \
                         ISA_SETF                                           \
                         insn "\n\t"                                        \
                         "pushfl\n\t"                                       \
                         "popl %[fout]\n\t"                                 \
                         "fnstsw %c[osw](%[io])\n\t"                        \
                         stores                                             \
                         "fninit"                                           \
                         : [fout] "=&r"(fl)                                 \
                         : [io] "r"(io), [fin] "ri"(isa_fin(fin)),          \
                           [oa] "i"(offsetof(struct x87_io, a)),            \
                           [ob] "i"(offsetof(struct x87_io, b)),            \
                           [om] "i"(offsetof(struct x87_io, mem)),          \
                           [ocw] "i"(offsetof(struct x87_io, cw)),          \
                           [osw] "i"(offsetof(struct x87_io, sw)),          \
                           [or0] "i"(offsetof(struct x87_io, r[0])),        \
                           [or1] "i"(offsetof(struct x87_io, r[1]))         \
                         : "cc", "memory", X87_CLOBBERS);                   \
        *fout = fl;                                                         \
    }
#define FST0 "fstpt %c[or0](%[io])\n\t"
#define FST01 "fstpt %c[or0](%[io])\n\tfstpt %c[or1](%[io])\n\t"

/* ---- FCOM family ---- */
X87_KERNEL(k_fcom, ".byte 0xd8, 0xd1", X87_ST_NONE)
X87_KERNEL(k_fcomp, ".byte 0xd8, 0xd9", X87_ST_NONE)
X87_KERNEL(k_fcompp, ".byte 0xde, 0xd9", X87_ST_NONE)
X87_KERNEL(k_fucom, ".byte 0xdd, 0xe1", X87_ST_NONE)
X87_KERNEL(k_fucomp, ".byte 0xdd, 0xe9", X87_ST_NONE)
X87_KERNEL(k_fucompp, ".byte 0xda, 0xe9", X87_ST_NONE)
X87_KERNEL(k_fcom0, ".byte 0xd8, 0xd0", X87_ST_NONE)       /* fcom st(0) */
X87_KERNEL(k_fcoms, "fcoms %[m]", X87_ST_NONE)
X87_KERNEL(k_fcoml, "fcoml %[m]", X87_ST_NONE)
X87_KERNEL(k_fcomps, "fcomps %[m]", X87_ST_NONE)
X87_KERNEL(k_fcompl, "fcompl %[m]", X87_ST_NONE)
X87_KERNEL(k_ficoms, "ficoms %[m]", X87_ST_NONE)
X87_KERNEL(k_ficoml, "ficoml %[m]", X87_ST_NONE)
X87_KERNEL(k_ficomps, "ficomps %[m]", X87_ST_NONE)
X87_KERNEL(k_ficompl, "ficompl %[m]", X87_ST_NONE)
X87_KERNEL(k_ftst, "ftst", X87_ST_NONE)
X87_KERNEL(k_fxam, "fxam", X87_ST_NONE)

/* FXAM of an empty ST0 whose stale contents are a (pushed, then freed) */
X87_KERNEL(k_fxam_empty, "ffree %%st(0)\n\tfxam", X87_ST_NONE)

static const struct {
    const char *name;
    x87_kernel fn;
} regcmp[] = {
    { "fcom st1", k_fcom }, { "fcomp st1", k_fcomp }, { "fcompp", k_fcompp },
    { "fucom st1", k_fucom }, { "fucomp st1", k_fucomp }, { "fucompp", k_fucompp },
};

static void io_init(struct x87_io *io, f80 a, f80 b)
{
    memset(io, 0, sizeof *io);
    io->a = a;
    io->b = b;
    io->cw = X87_CW_DEFAULT;
}

static void fcom_family(void)
{
    struct x87_io io;

    for (unsigned k = 0; k < sizeof regcmp / sizeof regcmp[0]; k++)
        for (int a = 0; a < X87_NVALS; a++)
            for (int b = 0; b < X87_NVALS; b++) {
                /* the full square for FCOM and FUCOM, the small set for
                 * the popping forms */
                if (k % 3 != 0 && (a % 3 || b % 3))
                    continue;
                io_init(&io, x87_vals[a], x87_vals[b]);
                regcmp[k].fn(&io);
                isa_line("%s v%02d v%02d %04x\n", regcmp[k].name, a, b, X87_SW_DE(io.sw));
            }
    for (int a = 0; a < X87_NVALS; a++) {
        io_init(&io, x87_vals[a], x87_vals[2]);
        k_fcom0(&io);
        isa_line("fcom st0 v%02d %04x\n", a, X87_SW_DE(io.sw));
        k_ftst(&io);
        isa_line("ftst v%02d %04x\n", a, X87_SW_DE(io.sw));
    }
    for (int a = 0; a < X87_NSMALL; a++) {
        int ia = x87_small[a];
        for (int j = 0; j < X87_NF32; j++) {
            io_init(&io, x87_vals[ia], x87_vals[2]);
            x87_setmem(&io, &x87_f32[j], 4);
            k_fcoms(&io);
            unsigned s1 = io.sw;
            k_fcomps(&io);
            isa_line("fcom(p).m32 v%02d %08x %04x %04x\n", ia, (unsigned)x87_f32[j],
                     X87_SW_DE(s1), X87_SW_DE(io.sw));
        }
        for (int j = 0; j < X87_NF64; j++) {
            io_init(&io, x87_vals[ia], x87_vals[2]);
            x87_setmem(&io, &x87_f64[j], 8);
            k_fcoml(&io);
            unsigned s1 = io.sw;
            k_fcompl(&io);
            isa_line("fcom(p).m64 v%02d %016llx %04x %04x\n", ia,
                     (unsigned long long)x87_f64[j], X87_SW_DE(s1), X87_SW_DE(io.sw));
        }
        for (int j = 0; j < X87_NI16; j++) {
            io_init(&io, x87_vals[ia], x87_vals[2]);
            x87_setmem(&io, &x87_i16[j], 2);
            k_ficoms(&io);
            unsigned s1 = io.sw;
            k_ficomps(&io);
            isa_line("ficom(p).m16 v%02d %d %04x %04x\n", ia, x87_i16[j], X87_SW_DE(s1),
                     X87_SW_DE(io.sw));
        }
        for (int j = 0; j < X87_NI32; j++) {
            io_init(&io, x87_vals[ia], x87_vals[2]);
            x87_setmem(&io, &x87_i32[j], 4);
            k_ficoml(&io);
            unsigned s1 = io.sw;
            k_ficompl(&io);
            isa_line("ficom(p).m32 v%02d %d %04x %04x\n", ia, (int)x87_i32[j],
                     X87_SW_DE(s1), X87_SW_DE(io.sw));
        }
    }
}

/* ---- FXAM ---- */

/* Encodings the 387 and later no longer support (FXAM: "unsupported",
 * C3 C2 C0 = 000), and pseudo-denormals. */
static const f80 odd_vals[] = {
    F80(0x7fff, 0x4000000000000000ull),   /* pseudo-NaN */
    F80(0xffff, 0x0000000000000001ull),   /* -pseudo-NaN */
    F80(0x7fff, 0x0000000000000000ull),   /* pseudo-infinity */
    F80(0x4000, 0x4000000000000000ull),   /* unnormal */
    F80(0xc001, 0x0000000000000000ull),   /* -unnormal zero significand */
    F80(0x0000, 0x8000000000000000ull),   /* pseudo-denormal */
    F80(0x8000, 0x8000000000000001ull),   /* -pseudo-denormal */
};
#define NODD ((int)(sizeof odd_vals / sizeof odd_vals[0]))

static void fxam(void)
{
    struct x87_io io;

    for (int a = 0; a < X87_NVALS; a++) {
        io_init(&io, x87_vals[a], x87_vals[2]);
        k_fxam(&io);
        isa_line("fxam v%02d %04x\n", a, X87_SW_DE(io.sw));
        /* empty ST0: C3 C0 = 1 1, C1 = the sign of the stale register */
        io_init(&io, x87_vals[a], x87_vals[2]);
        k_fxam_empty(&io);
        isa_line("fxam.empty v%02d %04x\n", a, X87_SW_DE(io.sw));
    }
    for (int a = 0; a < NODD; a++) {
        io_init(&io, odd_vals[a], x87_vals[2]);
        k_fxam(&io);
        isa_line("fxam odd%d %04x\n", a, X87_SW_DE(io.sw));
    }
}

/* ---- FCOMI family ---- */
X87_FKERNEL(f_fcomi, ".byte 0xdb, 0xf1", X87_ST_NONE)
X87_FKERNEL(f_fcomip, ".byte 0xdf, 0xf1", X87_ST_NONE)
X87_FKERNEL(f_fucomi, ".byte 0xdb, 0xe9", X87_ST_NONE)
X87_FKERNEL(f_fucomip, ".byte 0xdf, 0xe9", X87_ST_NONE)
X87_FKERNEL(f_fcomi0, ".byte 0xdb, 0xf0", X87_ST_NONE)

typedef void (*x87_fkernel)(struct x87_io *io, uint32_t fin, uint32_t *fout);

/* FCOMI and friends set ZF PF CF and clear OF SF AF; QEMU leaves OF SF AF
 * alone, so the QEMU variant prints only ZF PF CF. */
#ifdef X87_QEMU_COMPAT
#define FCOMI_FLAGS (ISA_ZF | ISA_PF | ISA_CF)
#else
#define FCOMI_FLAGS ISA_ARITH
#endif

static void fcomi_family(void)
{
    static const struct {
        const char *name;
        x87_fkernel fn;
    } k[] = {
        { "fcomi st1", f_fcomi }, { "fcomip st1", f_fcomip },
        { "fucomi st1", f_fucomi }, { "fucomip st1", f_fucomip },
    };
    struct x87_io io;

    for (unsigned i = 0; i < sizeof k / sizeof k[0]; i++)
        for (int a = 0; a < X87_NVALS; a++)
            for (int b = 0; b < X87_NVALS; b++) {
                uint32_t f0, f1;

                if (i % 2 && (a % 3 || b % 3))
                    continue;
                io_init(&io, x87_vals[a], x87_vals[b]);
                k[i].fn(&io, 0, &f0);
                k[i].fn(&io, ISA_ARITH, &f1);
                isa_line("%s v%02d v%02d %s %s %04x\n", k[i].name, a, b,
                         isa_fl(f0, FCOMI_FLAGS), isa_fl(f1, FCOMI_FLAGS), X87_SW_DE(io.sw));
            }
    for (int a = 0; a < X87_NVALS; a++) {
        uint32_t f0;

        io_init(&io, x87_vals[a], x87_vals[2]);
        f_fcomi0(&io, ISA_CF | ISA_OF, &f0);
        isa_line("fcomi st0 v%02d %s %04x\n", a, isa_fl(f0, FCOMI_FLAGS), X87_SW_DE(io.sw));
    }
}

/* ---- FCMOVcc ---- */
X87_FKERNEL(c_fcmovb, "fcmovb %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmove, "fcmove %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmovbe, "fcmovbe %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmovu, "fcmovu %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmovnb, "fcmovnb %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmovne, "fcmovne %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmovnbe, "fcmovnbe %%st(1), %%st", FST01)
X87_FKERNEL(c_fcmovnu, "fcmovnu %%st(1), %%st", FST01)
/* the source register deeper in the stack */
X87_FKERNEL(c_fcmove2, "fld1\n\tfldz\n\tfcmove %%st(3), %%st\n\tfstp %%st(2)\n\tfstp %%st(0)",
            FST01)

static void fcmov(void)
{
    static const struct {
        const char *name;
        x87_fkernel fn;
    } k[] = {
        { "fcmovb", c_fcmovb }, { "fcmove", c_fcmove }, { "fcmovbe", c_fcmovbe },
        { "fcmovu", c_fcmovu }, { "fcmovnb", c_fcmovnb }, { "fcmovne", c_fcmovne },
        { "fcmovnbe", c_fcmovnbe }, { "fcmovnu", c_fcmovnu }, { "fcmove.st3", c_fcmove2 },
    };
    struct x87_io io;

    for (unsigned i = 0; i < sizeof k / sizeof k[0]; i++)
        for (unsigned f = 0; f < 8; f++) {
            uint32_t fin = ((f & 1) ? ISA_CF : 0) | ((f & 2) ? ISA_ZF : 0) |
                           ((f & 4) ? ISA_PF : 0) | ISA_SF | ISA_OF;
            uint32_t fout;

            io_init(&io, x87_vals[5], x87_vals[7]);
            k[i].fn(&io, fin, &fout);
            isa_line("%s %s -> " F80_FMT " " F80_FMT " %s %04x\n", k[i].name,
                     isa_fl(fin, ISA_CF | ISA_ZF | ISA_PF), F80_ARG(io.r[0]),
                     F80_ARG(io.r[1]), isa_fl(fout, ISA_ARITH), X87_SW_DE(io.sw));
        }
}

int test_main(void)
{
    fcom_family();
    fxam();
    fcomi_family();
    fcmov();
    isa_done(X87_TEST_NAME("isa_x87_cmp"));
    return 0;
}
