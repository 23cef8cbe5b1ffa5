/*
 * isa_x87_ldst.c - x87 loads and stores of every memory format:
 *   - FLD m32/m64 (denormal operands -> DE, SNaN -> QNaN + IE), FLD/FSTP
 *     m80 round trips (no exceptions, NaNs kept bit for bit);
 *   - FST/FSTP m32/m64 of every 80-bit edge value under each rounding
 *     control (overflow to inf or max, underflow to denormals or 0, PE/UE/
 *     OE, C1 = rounded up);
 *   - FILD m16/m32/m64 (exact even at 24-bit precision control);
 *   - FIST m16/m32, FISTP m16/m32/m64 under each rounding control, with
 *     ties, out-of-range values, infinities and NaNs (-> integer
 *     indefinite + IE);
 *   - FBLD/FBSTP packed BCD (18 digits, -0, out of range -> BCD
 *     indefinite), FBLD under each precision control (exact), FBSTP under
 *     each rounding control;
 *   - FLD1 FLDZ FLDPI FLDL2T FLDL2E FLDLG2 FLDLN2 under each rounding and
 *     precision control;
 *   - FLD ST(i), FST/FSTP ST(i) and FXCH ST(i) for i = 0..7 on a full stack.
 * Each line prints the stored bytes (hex) or the loaded value and the
 * status word.  Portable.
 */
#include "isa_x87.h"

X87_KERNEL(k_flds, "flds %[m]", X87_ST0)
X87_KERNEL(k_fldl, "fldl %[m]", X87_ST0)
X87_KERNEL(k_fldt, "fldt %[m]", X87_ST0)
X87_KERNEL(k_fsts, "fsts %[m]", X87_ST_NONE)
X87_KERNEL(k_fstps, "fstps %[m]", X87_ST0)
X87_KERNEL(k_fstl, "fstl %[m]", X87_ST_NONE)
X87_KERNEL(k_fstpl, "fstpl %[m]", X87_ST0)
X87_KERNEL(k_fstpt, "fstpt %[m]", X87_ST0)
X87_KERNEL(k_filds, "filds %[m]", X87_ST0)
X87_KERNEL(k_fildl, "fildl %[m]", X87_ST0)
X87_KERNEL(k_fildq, "fildll %[m]", X87_ST0)
X87_KERNEL(k_fists, "fists %[m]", X87_ST_NONE)
X87_KERNEL(k_fistl, "fistl %[m]", X87_ST_NONE)
X87_KERNEL(k_fistps, "fistps %[m]", X87_ST0)
X87_KERNEL(k_fistpl, "fistpl %[m]", X87_ST0)
X87_KERNEL(k_fistpq, "fistpll %[m]", X87_ST0)
X87_KERNEL(k_fbld, "fbld %[m]", X87_ST0)
X87_KERNEL(k_fbstp, "fbstp %[m]", X87_ST0)
X87_KERNEL(k_fld1, "fld1", X87_ST0)
X87_KERNEL(k_fldz, "fldz", X87_ST0)
X87_KERNEL(k_fldpi, "fldpi", X87_ST0)
X87_KERNEL(k_fldl2t, "fldl2t", X87_ST0)
X87_KERNEL(k_fldl2e, "fldl2e", X87_ST0)
X87_KERNEL(k_fldlg2, "fldlg2", X87_ST0)
X87_KERNEL(k_fldln2, "fldln2", X87_ST0)

static void hexmem(const unsigned char *p, int n)
{
    for (int i = n - 1; i >= 0; i--)
        printf("%02x", p[i]);
}

static void init(struct x87_io *io, f80 a, uint16_t cw)
{
    memset(io, 0, sizeof *io);
    io->a = a;
    io->b = x87_vals[5];
    io->cw = cw;
}

static void loads(void)
{
    struct x87_io io;

    for (int i = 0; i < X87_NF32; i++) {
        init(&io, x87_vals[2], X87_CW_DEFAULT);
        x87_setmem(&io, &x87_f32[i], 4);
        k_flds(&io);
        isa_line("fld.m32 %08x " F80_FMT " %04x\n", (unsigned)x87_f32[i], F80_ARG(io.r[0]),
                 X87_SW_RND(io.sw));
    }
    for (int i = 0; i < X87_NF64; i++) {
        init(&io, x87_vals[2], X87_CW_DEFAULT);
        x87_setmem(&io, &x87_f64[i], 8);
        k_fldl(&io);
        isa_line("fld.m64 %016llx " F80_FMT " %04x\n", (unsigned long long)x87_f64[i],
                 F80_ARG(io.r[0]), X87_SW_RND(io.sw));
    }
    for (int i = 0; i < X87_NVALS; i++) {
        init(&io, x87_vals[i], X87_CW_DEFAULT);
        k_fstpt(&io);
        f80 st;
        memcpy(&st, io.mem, 10);
        unsigned sw1 = io.sw;
        x87_setmem(&io, &st, 10);
        k_fldt(&io);
        isa_line("fstp.m80/fld.m80 v%02d " F80_FMT " %04x " F80_FMT " %04x\n", i,
                 F80_ARG(st), X87_SW_RND(sw1), F80_ARG(io.r[0]), X87_SW_RND(io.sw));
    }
}

static void stores(void)
{
    static const struct {
        const char *name;
        x87_kernel fn;
        int bytes;
    } st[] = {
        { "fst.m32", k_fsts, 4 }, { "fstp.m32", k_fstps, 4 },
        { "fst.m64", k_fstl, 8 }, { "fstp.m64", k_fstpl, 8 },
    };
    struct x87_io io;

    for (unsigned s = 0; s < sizeof st / sizeof st[0]; s++)
        for (int rc = 0; rc < 4; rc++)
            for (int i = 0; i < X87_NVALS; i++) {
                init(&io, x87_vals[i], X87_CW(X87_PC64, rc));
                st[s].fn(&io);
                printf("%s %s v%02d ", st[s].name, x87_rc_name[rc], i);
                hexmem(io.mem, st[s].bytes);
                isa_line(" %04x\n", X87_SW_RND(io.sw));
            }
    /* stores are not affected by the precision control */
    for (int i = 0; i < X87_NVALS; i += 3) {
        init(&io, x87_vals[i], X87_CW(X87_PC24, X87_RC_NEAR));
        k_fstpl(&io);
        printf("fstp.m64 pc24 v%02d ", i);
        hexmem(io.mem, 8);
        isa_line(" %04x\n", X87_SW_RND(io.sw));
    }
}

static void int_loads(void)
{
    static const int64_t q[] = {
        0, 1, -1, 0x7fffffffffffffffll, (int64_t)0x8000000000000000ull,
        0x0123456789abcdefll, -0x0123456789abcdefll, 16777217, 9007199254740993ll,
    };
    struct x87_io io;

    for (int pc = 0; pc < 4; pc += 3) {
        uint16_t cw = X87_CW(pc, X87_RC_NEAR);
        for (int i = 0; i < X87_NI16; i++) {
            init(&io, x87_vals[2], cw);
            x87_setmem(&io, &x87_i16[i], 2);
            k_filds(&io);
            isa_line("fild.m16 %s %d " F80_FMT " %04x\n", x87_pc_name[pc], x87_i16[i],
                     F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        }
        for (int i = 0; i < X87_NI32; i++) {
            init(&io, x87_vals[2], cw);
            x87_setmem(&io, &x87_i32[i], 4);
            k_fildl(&io);
            isa_line("fild.m32 %s %d " F80_FMT " %04x\n", x87_pc_name[pc], (int)x87_i32[i],
                     F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        }
        for (unsigned i = 0; i < sizeof q / sizeof q[0]; i++) {
            init(&io, x87_vals[2], cw);
            x87_setmem(&io, &q[i], 8);
            k_fildq(&io);
            isa_line("fild.m64 %s %lld " F80_FMT " %04x\n", x87_pc_name[pc], (long long)q[i],
                     F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        }
    }
}

/* Values around the integer ranges, for FIST/FISTP and FBSTP. */
static const f80 ivals[] = {
    F80(0x0000, 0x0000000000000000ull),   /* +0 */
    F80(0x8000, 0x0000000000000000ull),   /* -0 */
    F80(0x3ffe, 0x8000000000000000ull),   /* 0.5 */
    F80(0xbffe, 0x8000000000000000ull),   /* -0.5 */
    F80(0x3fff, 0xc000000000000000ull),   /* 1.5 */
    F80(0xbfff, 0xc000000000000000ull),   /* -1.5 */
    F80(0x4000, 0xa000000000000000ull),   /* 2.5 */
    F80(0xc000, 0xa000000000000000ull),   /* -2.5 */
    F80(0x3ffd, 0xaaaaaaaaaaaaaaabull),   /* 1/3 */
    F80(0x3ffe, 0xffffffffffffffffull),   /* 1 - 2^-64 */
    F80(0x400d, 0xffff000000000000ull),   /* 32767.5 */
    F80(0xc00e, 0x8000800000000000ull),   /* -32768.5 */
    F80(0x400e, 0x8000000000000000ull),   /* 32768 */
    F80(0xc00e, 0x8001000000000000ull),   /* -32769 */
    F80(0x401d, 0xffffffff00000000ull),   /* 2^31 - 0.5 */
    F80(0xc01e, 0x8000000080000000ull),   /* -2^31 - 0.5 */
    F80(0x401e, 0x8000000000000000ull),   /* 2^31 */
    F80(0xc01e, 0x8000000000000000ull),   /* -2^31 */
    F80(0x403d, 0xffffffffffffffffull),   /* 2^63 - 0.5 */
    F80(0xc03e, 0x8000000000000000ull),   /* -2^63 */
    F80(0x403e, 0x8000000000000000ull),   /* 2^63 */
    F80(0x4039, 0xde0b6b3a763ffff8ull),   /* 10^18 - 0.5 (10^18 - 1 rounded) */
    F80(0x403a, 0xde0b6b3a76400000ull),   /* 10^18 */
    F80(0xc039, 0xde0b6b3a763ffff0ull),   /* -(10^18 - 1) */
    F80(0x4020, 0x9502f90000000000ull),   /* 1e10 */
    F80(0x0000, 0x0000000000000001ull),   /* +denormal */
    F80(0x8000, 0x4000000000000000ull),   /* -denormal */
    F80(0x7fff, 0x8000000000000000ull),   /* +inf */
    F80(0xffff, 0x8000000000000000ull),   /* -inf */
    F80(0xffff, 0xc000000000000000ull),   /* QNaN */
    F80(0x7fff, 0xa000000000000000ull),   /* SNaN */
};
#define NIVALS ((int)(sizeof ivals / sizeof ivals[0]))

static void int_stores(void)
{
    static const struct {
        const char *name;
        x87_kernel fn;
        int bytes;
    } st[] = {
        { "fist.m16", k_fists, 2 }, { "fist.m32", k_fistl, 4 },
        { "fistp.m16", k_fistps, 2 }, { "fistp.m32", k_fistpl, 4 },
        { "fistp.m64", k_fistpq, 8 },
    };
    struct x87_io io;

    for (unsigned s = 0; s < sizeof st / sizeof st[0]; s++)
        for (int rc = 0; rc < 4; rc++)
            for (int i = 0; i < NIVALS; i++) {
                init(&io, ivals[i], X87_CW(X87_PC64, rc));
                memset(io.mem, 0x5a, sizeof io.mem);
                st[s].fn(&io);
                printf("%s %s i%02d ", st[s].name, x87_rc_name[rc], i);
                hexmem(io.mem, 10);   /* also shows the bytes not written */
                isa_line(" %04x\n", X87_SW_RND(io.sw));
            }
}

static void bcd(void)
{
    static const unsigned char bcds[][10] = {
        { 0 },
        { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 },                                  /* -0 */
        { 0x01 },
        { 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 },                               /* -1 */
        { 0x89, 0x67, 0x45, 0x23, 0x01 },                                     /* 123456789 */
        { 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x00 },       /* 10^18-1 */
        { 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x80 },
        { 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0x76, 0x00 },
        { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00 },       /* 10^16 */
        { 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f },                               /* sign byte 7f: + */
    };
    struct x87_io io;

    for (unsigned i = 0; i < sizeof bcds / sizeof bcds[0]; i++) {
        init(&io, x87_vals[2], X87_CW_DEFAULT);
        x87_setmem(&io, bcds[i], 10);
        k_fbld(&io);
        printf("fbld ");
        hexmem(bcds[i], 10);
        isa_line(" " F80_FMT " %04x\n", F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        /* and back */
        init(&io, io.r[0], X87_CW_DEFAULT);
        k_fbstp(&io);
        printf("fbstp.back ");
        hexmem(io.mem, 10);
        isa_line(" %04x\n", X87_SW_RND(io.sw));
    }
    /* FBLD is exact under every precision control (QEMU rounds to it) */
    for (int pc = 0; pc < 3; pc += 2)
        for (unsigned i = 0; i < sizeof bcds / sizeof bcds[0]; i++) {
            if (X87_QEMU_SKIP(1))
                break;
            init(&io, x87_vals[2], X87_CW(pc, X87_RC_NEAR));
            x87_setmem(&io, bcds[i], 10);
            k_fbld(&io);
            printf("fbld %s ", x87_pc_name[pc]);
            hexmem(bcds[i], 10);
            isa_line(" " F80_FMT " %04x\n", F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        }
    for (int rc = 0; rc < 4; rc++)
        for (int i = 0; i < NIVALS; i++) {
            init(&io, ivals[i], X87_CW(X87_PC64, rc));
            memset(io.mem, 0x5a, sizeof io.mem);
            k_fbstp(&io);
            printf("fbstp %s i%02d ", x87_rc_name[rc], i);
            hexmem(io.mem, 10);
            isa_line(" %04x\n", X87_SW_RND(io.sw));
        }
}

static void constants(void)
{
    static const struct {
        const char *name;
        x87_kernel fn;
    } c[] = {
        { "fld1", k_fld1 }, { "fldz", k_fldz }, { "fldpi", k_fldpi },
        { "fldl2t", k_fldl2t }, { "fldl2e", k_fldl2e }, { "fldlg2", k_fldlg2 },
        { "fldln2", k_fldln2 },
    };
    struct x87_io io;

    for (unsigned k = 0; k < sizeof c / sizeof c[0]; k++)
        for (int pc = 0; pc < 4; pc++) {
            if (pc == 1)
                continue;
            for (int rc = 0; rc < 4; rc++) {
                init(&io, x87_vals[2], X87_CW(pc, rc));
                c[k].fn(&io);
                isa_line("%s %s %s " F80_FMT " %04x\n", c[k].name, x87_pc_name[pc],
                         x87_rc_name[rc], F80_ARG(io.r[0]), X87_SW_RND(io.sw));
            }
        }
}

/* ---- register moves on a full stack ---- */

#define STK_KERNEL(name, insn)                                              \
    static void name(const f80 *in, f80 *out, uint16_t *sw)                 \
    {                                                                       \
        __asm__ volatile("fninit\n\t"                                       \
                         "fldt 60(%[in])\n\tfldt 50(%[in])\n\t"             \
                         "fldt 40(%[in])\n\tfldt 30(%[in])\n\t"             \
                         "fldt 20(%[in])\n\tfldt 10(%[in])\n\t"             \
                         "fldt (%[in])\n\t"                                 \
                         insn "\n\t"                                        \
                         "fnstsw (%[sw])\n\t"                               \
                         "fstpt (%[out])\n\tfstpt 10(%[out])\n\t"           \
                         "fstpt 20(%[out])\n\tfstpt 30(%[out])\n\t"         \
                         "fstpt 40(%[out])\n\tfstpt 50(%[out])\n\t"         \
                         "fstpt 60(%[out])\n\tfstpt 70(%[out])\n\t"         \
                         "fninit"                                           \
                         : : [in] "r"(in), [out] "r"(out), [sw] "r"(sw)     \
                         : "memory", X87_CLOBBERS);                         \
    }

/* 7 values pushed (TOP = 1): FLD ST(i) has a free slot to push into,
 * and i = 0..6 name valid registers. */
#define STK_I(pfx, insn)                                                    \
    STK_KERNEL(pfx##0, insn "(0)") STK_KERNEL(pfx##1, insn "(1)")            \
    STK_KERNEL(pfx##2, insn "(2)") STK_KERNEL(pfx##3, insn "(3)")            \
    STK_KERNEL(pfx##4, insn "(4)") STK_KERNEL(pfx##5, insn "(5)")            \
    STK_KERNEL(pfx##6, insn "(6)")

STK_I(s_fld, "fld %%st")
STK_I(s_fst, "fst %%st")
STK_I(s_fstp, "fstp %%st")
STK_I(s_fxch, "fxch %%st")

typedef void (*stk_fn)(const f80 *, f80 *, uint16_t *);
#define STK_ROW(pfx) { pfx##0, pfx##1, pfx##2, pfx##3, pfx##4, pfx##5, pfx##6 }
static const stk_fn stk[4][7] = {
    STK_ROW(s_fld), STK_ROW(s_fst), STK_ROW(s_fstp), STK_ROW(s_fxch),
};
static const char *const stk_name[4] = { "fld", "fst", "fstp", "fxch" };

static void regmoves(void)
{
    static const int idx[7] = { 2, 5, 7, 8, 3, 10, 11 };
    f80 in[7], out[8];
    uint16_t sw;

    for (int i = 0; i < 7; i++)
        in[i] = x87_vals[idx[i]];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 7; i++) {
            stk[k][i](in, out, &sw);
            /* entries that are empty at the end are not printed: FLD leaves
             * 8 valid, FST/FXCH 7, FSTP 6 */
            int n = k == 0 ? 8 : k == 2 ? 6 : 7;
            printf("%s st%d %04x", stk_name[k], i, X87_SW_DE(sw));
            for (int j = 0; j < n; j++)
                printf(" " F80_FMT, F80_ARG(out[j]));
            isa_line("\n");
        }
}

int test_main(void)
{
    loads();
    stores();
    int_loads();
    int_stores();
    bcd();
    constants();
    regmoves();
    isa_done(X87_TEST_NAME("isa_x87_ldst"));
    return 0;
}
