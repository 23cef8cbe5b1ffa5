/*
 * isa_x87_unary.c - x87 FCHS FABS FRNDINT FSCALE FXTRACT FPREM FPREM1 and
 * operands in unsupported encodings:
 *   - FCHS/FABS of every edge value (sign only, no exception even for SNaN);
 *   - FRNDINT under each rounding control (ties, +-0.5, huge, denormals,
 *     infinities, NaNs; PE, DE, C1);
 *   - FSCALE with scale factors that truncate (+-2.7), overflow, underflow
 *     to denormals and 0, infinities and NaNs;
 *   - FXTRACT of every class (0 -> ZE and -inf exponent, denormals);
 *   - FPREM and FPREM1 until C2 (incomplete reduction) clears, with the
 *     quotient bits C0 C3 C1 of the final step; every partial step printed
 *     (the size of a partial reduction is implementation-specific, so the
 *     QEMU variant prints the final result only);
 *   - pseudo-NaN, pseudo-infinity, unnormal and pseudo-denormal operands of
 *     FADD, FMUL, FSQRT, FRNDINT, FST m64.
 * Each line: operation, operand indices, result(s), status word.  Portable.
 */
#include "isa_x87.h"

X87_KERNEL(k_fchs, "fchs", X87_ST0)
X87_KERNEL(k_fabs, "fabs", X87_ST0)
X87_KERNEL(k_frndint, "frndint", X87_ST0)
X87_KERNEL(k_fscale, "fscale", X87_ST01)
X87_KERNEL(k_fxtract, "fxtract", X87_ST012)
X87_KERNEL(k_fprem, "fprem", X87_ST01)
X87_KERNEL(k_fprem1, "fprem1", X87_ST01)
X87_KERNEL(k_fadd1, "fld1\n\tfaddp", X87_ST0)
X87_KERNEL(k_fmul, ".byte 0xd8, 0xc9", X87_ST0)
X87_KERNEL(k_fsqrt, "fsqrt", X87_ST0)
X87_KERNEL(k_fstl, "fstl %[m]", X87_ST_NONE)

static void init(struct x87_io *io, f80 a, f80 b, uint16_t cw)
{
    memset(io, 0, sizeof *io);
    io->a = a;
    io->b = b;
    io->cw = cw;
}

static void sign_ops(void)
{
    struct x87_io io;

    for (int a = 0; a < X87_NVALS; a++) {
        init(&io, x87_vals[a], x87_vals[2], X87_CW_DEFAULT);
        k_fchs(&io);
        unsigned sw1 = io.sw;
        f80 r1 = io.r[0];
        k_fabs(&io);
        isa_line("fchs/fabs v%02d " F80_FMT " %04x " F80_FMT " %04x\n", a, F80_ARG(r1),
                 X87_SW_RND(sw1), F80_ARG(io.r[0]), X87_SW_RND(io.sw));
    }
}

static const f80 rvals[] = {
    F80(0x0000, 0x0000000000000000ull), F80(0x8000, 0x0000000000000000ull),
    F80(0x3ffe, 0x8000000000000000ull), F80(0xbffe, 0x8000000000000000ull),   /* +-0.5 */
    F80(0x3ffe, 0x8000000000000001ull), F80(0xbffd, 0xffffffffffffffffull),   /* 0.5+, -0.5- */
    F80(0x3fff, 0xc000000000000000ull), F80(0xbfff, 0xc000000000000000ull),   /* +-1.5 */
    F80(0x4000, 0xa000000000000000ull), F80(0xc000, 0xa000000000000000ull),   /* +-2.5 */
    F80(0x4000, 0xc90fdaa22168c235ull), F80(0xc000, 0xc90fdaa22168c235ull),   /* +-pi */
    F80(0x3ffd, 0xaaaaaaaaaaaaaaabull), F80(0xbffe, 0xffffffffffffffffull),   /* 1/3, -(1-eps) */
    F80(0x403d, 0xffffffffffffffffull), F80(0x403e, 0xffffffffffffffffull),   /* 2^63-0.5, ~2^64 */
    F80(0x403c, 0xc000000000000001ull), F80(0x4034, 0x8000000000000001ull),   /* x.5-ish, big */
    F80(0x4020, 0x9502f90000000000ull), F80(0x7ffe, 0xffffffffffffffffull),   /* 1e10, max */
    F80(0x0000, 0x0000000000000001ull), F80(0x8000, 0x4000000000000000ull),   /* +-denormal */
    F80(0x0001, 0x8000000000000000ull),                                       /* min normal */
    F80(0x7fff, 0x8000000000000000ull), F80(0xffff, 0x8000000000000000ull),   /* +-inf */
    F80(0xffff, 0xc000000000000000ull), F80(0x7fff, 0xa000000000000000ull),   /* QNaN, SNaN */
};
#define NRVALS ((int)(sizeof rvals / sizeof rvals[0]))

static void frndint(void)
{
    struct x87_io io;

    for (int pc = 0; pc < 4; pc += 3)
        for (int rc = 0; rc < 4; rc++)
            for (int a = 0; a < NRVALS; a++) {
                /* QEMU rounds FRNDINT's result to the precision control */
                if (X87_QEMU_SKIP(pc != X87_PC64))
                    continue;
                init(&io, rvals[a], x87_vals[2], X87_CW(pc, rc));
                k_frndint(&io);
                isa_line("frndint %s %s r%02d " F80_FMT " %04x\n", x87_pc_name[pc],
                         x87_rc_name[rc], a, F80_ARG(io.r[0]), X87_SW_RND(io.sw));
            }
}

static void fscale(void)
{
    static const f80 scales[] = {
        F80(0x0000, 0x0000000000000000ull), F80(0x8000, 0x0000000000000000ull),
        F80(0x3fff, 0x8000000000000000ull), F80(0xbfff, 0x8000000000000000ull),
        F80(0x4000, 0xaccccccccccccccdull), F80(0xc000, 0xaccccccccccccccdull),   /* +-2.7 */
        F80(0x3ffe, 0x8000000000000000ull), F80(0xbffe, 0xc000000000000000ull),   /* .5 -.75 */
        F80(0x4003, 0x8000000000000000ull), F80(0xc003, 0x8000000000000000ull),   /* +-16 */
        F80(0x400c, 0xfffc000000000000ull), F80(0xc00c, 0xfffc000000000000ull),   /* +-16383 */
        F80(0x400c, 0xfffe000000000000ull), F80(0xc00c, 0xfffe000000000000ull),   /* +-16383.5+ */
        F80(0x400d, 0x9c40000000000000ull), F80(0xc00d, 0x9c40000000000000ull),   /* +-20000 */
        F80(0x4020, 0x9502f90000000000ull), F80(0xc020, 0x9502f90000000000ull),   /* +-1e10 */
        F80(0x7fff, 0x8000000000000000ull), F80(0xffff, 0x8000000000000000ull),
        F80(0xffff, 0xc000000000000000ull), F80(0x7fff, 0xa000000000000000ull),
        F80(0x0000, 0x0000000000000001ull),
    };
    struct x87_io io;

    for (int a = 0; a < X87_NSMALL; a++)
        for (unsigned b = 0; b < sizeof scales / sizeof scales[0]; b++) {
            /* QEMU returns the quieted SNaN scale, the x87 the QNaN ST0 */
            if (X87_QEMU_SKIP(x87_isnan80(x87_vals[x87_small[a]]) &&
                              (scales[b].m & 0x4000000000000000ull) == 0 &&
                              x87_isnan80(scales[b])))
                continue;
            init(&io, x87_vals[x87_small[a]], scales[b], X87_CW_DEFAULT);
            k_fscale(&io);
            isa_line("fscale v%02d s%02u " F80_FMT " " F80_FMT " %04x\n", x87_small[a], b,
                     F80_ARG(io.r[0]), F80_ARG(io.r[1]), X87_SW_RND(io.sw));
        }
}

static void fxtract(void)
{
    struct x87_io io;

    for (int a = 0; a < X87_NVALS; a++) {
        init(&io, x87_vals[a], x87_vals[2], X87_CW_DEFAULT);
        k_fxtract(&io);
        isa_line("fxtract v%02d " F80_FMT " " F80_FMT " " F80_FMT " %04x\n", a,
                 F80_ARG(io.r[0]), F80_ARG(io.r[1]), F80_ARG(io.r[2]), X87_SW_RND(io.sw));
    }
}

static void fprem(void)
{
    static const int num[] = { 0, 1, 2, 3, 6, 9, 8, 11, 31, 17, 18, 19, 21, 25, 27, 29, 12 };
    static const f80 den[] = {
        F80(0x3fff, 0x8000000000000000ull), F80(0xbfff, 0x8000000000000000ull),
        F80(0x4000, 0xc000000000000000ull), F80(0x4000, 0xc90fdaa22168c235ull),
        F80(0x3ffb, 0xcccccccccccccccdull), F80(0x0000, 0x0000000000000000ull),
        F80(0x0000, 0x0000000000000001ull), F80(0x7fff, 0x8000000000000000ull),
        F80(0x7fff, 0xc000000000001234ull), F80(0x0001, 0x8000000000000000ull),
        F80(0x3fff, 0xc000000000000000ull), F80(0xc002, 0xe000000000000000ull),   /* 1.5, -7 */
    };
    static const x87_kernel k[2] = { k_fprem, k_fprem1 };
    static const char *const kn[2] = { "fprem", "fprem1" };
    struct x87_io io;

    for (int op = 0; op < 2; op++)
        for (unsigned a = 0; a < sizeof num / sizeof num[0]; a++)
            for (unsigned b = 0; b < sizeof den / sizeof den[0]; b++) {
                f80 x = x87_vals[num[a]];
                int steps = 0;

                do {
                    init(&io, x, den[b], X87_CW_DEFAULT);
                    k[op](&io);
                    x = io.r[0];
                    steps++;
                    /* partial steps (C2 = 1) are implementation-specific in
                     * size; QEMU's differ from Intel's */
                    /* QEMU does not set FPREM1's quotient bits C0 C3 C1 */
                    unsigned sw = X87_SW_DE(io.sw);
                    if (X87_QEMU_SKIP(op == 1))
                        sw &= ~(unsigned)(X87_C0 | X87_C3 | X87_C1);
                    if (!(io.sw & X87_C2) || !X87_QEMU_SKIP(1))
                        isa_line("%s v%02d d%02u step %d " F80_FMT " " F80_FMT " %04x\n",
                                 kn[op], num[a], b, X87_QEMU_SKIP(1) ? 0 : steps,
                                 F80_ARG(io.r[0]), F80_ARG(io.r[1]), sw);
                } while ((io.sw & X87_C2) && steps < 400);
            }
}

static void odd_operands(void)
{
    static const f80 odd[] = {
        F80(0x7fff, 0x4000000000000000ull),   /* pseudo-NaN */
        F80(0xffff, 0x0000000000000001ull),   /* -pseudo-NaN */
        F80(0x7fff, 0x0000000000000000ull),   /* pseudo-infinity */
        F80(0x4000, 0x4000000000000000ull),   /* unnormal */
        F80(0xc001, 0x0000000000000000ull),   /* -unnormal, zero significand */
        F80(0x0000, 0x8000000000000000ull),   /* pseudo-denormal */
        F80(0x8000, 0x8000000000000001ull),   /* -pseudo-denormal */
    };
    struct x87_io io;

    for (unsigned a = 0; a < sizeof odd / sizeof odd[0]; a++) {
        init(&io, odd[a], x87_vals[5], X87_CW_DEFAULT);
        k_fadd1(&io);
        isa_line("odd%u fadd 1 " F80_FMT " %04x\n", a, F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        k_fmul(&io);
        isa_line("odd%u fmul 3 " F80_FMT " %04x\n", a, F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        k_fsqrt(&io);
        isa_line("odd%u fsqrt " F80_FMT " %04x\n", a, F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        k_frndint(&io);
        isa_line("odd%u frndint " F80_FMT " %04x\n", a, F80_ARG(io.r[0]), X87_SW_RND(io.sw));
        k_fstl(&io);
        uint64_t d;
        memcpy(&d, io.mem, 8);
        isa_line("odd%u fst.m64 %016llx %04x\n", a, (unsigned long long)d, X87_SW_RND(io.sw));
    }
}

int test_main(void)
{
    sign_ops();
    frndint();
    fscale();
    fxtract();
    fprem();
    odd_operands();
    isa_done(X87_TEST_NAME("isa_x87_unary"));
    return 0;
}
