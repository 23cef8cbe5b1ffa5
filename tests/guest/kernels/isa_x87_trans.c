/*
 * isa_x87_trans.c - x87 transcendental instructions: FSIN FCOS FSINCOS
 * FPTAN FPATAN F2XM1 FYL2X FYL2XP1 over a few dozen arguments each (zeros,
 * denormals, small and large finite values, the 2^63 limit of the
 * trigonometric instructions (C2 = 1, operand unchanged), infinities, NaNs),
 * each instruction's own domain respected where the SDM leaves results
 * outside it undefined.  Plus a few arguments under each rounding control.
 *
 * The finite results come from the CPU's microcode and differ between CPU
 * models in the last bits (and QEMU computes FSIN/FCOS/FPTAN with host
 * doubles), so this test's expected output is the native program's on the
 * same host, and it is not compared with QEMU.  isa_x87_trans_qemu.c keeps
 * only the "special" cases whose results the SDM's tables define exactly
 * (zeros, infinities, NaNs, out-of-range operands, exact results such as
 * log2(1) = 0), which QEMU must match.  Each line: instruction, operand
 * index(es), result(s), status word (C2, C1, exception flags).  Portable.
 */
#include "isa_x87.h"

X87_KERNEL(k_fsin, "fsin", X87_ST0)
X87_KERNEL(k_fcos, "fcos", X87_ST0)
X87_KERNEL(k_fsincos, "fsincos", X87_ST01)
X87_KERNEL(k_fptan, "fptan", X87_ST01)
X87_KERNEL(k_fpatan, "fpatan", X87_ST0)
X87_KERNEL(k_f2xm1, "f2xm1", X87_ST0)
X87_KERNEL(k_fyl2x, "fyl2x", X87_ST0)
X87_KERNEL(k_fyl2xp1, "fyl2xp1", X87_ST0)

/* C0 and C3 are undefined after these instructions; C2 is defined for the
 * trigonometric ones (incomplete reduction) and 0 for the others. */
#ifdef X87_QEMU_COMPAT
/* The x87 sets PE for some exact results (F2XM1(1), FYL2X(0.5, y)), QEMU
 * does not: the QEMU variant (special cases only) masks PE as well. */
#define SWT(sw) ((unsigned)(sw) & ~(unsigned)(X87_C0 | X87_C3 | X87_C1 | X87_DE | X87_PE))
#else
#define SWT(sw) ((unsigned)(sw) & ~(unsigned)(X87_C0 | X87_C3))
#endif

struct arg {
    f80 v;
    int special;                  /* result defined exactly by the SDM */
};

#define A(se, m, sp) { F80(se, m), sp }

/* Arguments of the trigonometric instructions. */
static const struct arg targs[] = {
    A(0x0000, 0x0000000000000000ull, 1), A(0x8000, 0x0000000000000000ull, 1),
    A(0x0000, 0x0000000000000001ull, 0), A(0x8000, 0x4000000000000000ull, 0),
    A(0x3c17, 0x8000000000000000ull, 0),   /* 2^-1000 */
    A(0x3fd7, 0x8000000000000000ull, 0),   /* 2^-40 */
    A(0x3fee, 0xa7c5ac471b478423ull, 0),   /* 1e-5 */
    A(0x3ffb, 0xcccccccccccccccdull, 0),   /* 0.1 */
    A(0x3ffd, 0x8000000000000000ull, 0), A(0x3ffe, 0x8000000000000000ull, 0),
    A(0x3ffd, 0xaaaaaaaaaaaaaaabull, 0), A(0xbffe, 0xc000000000000000ull, 0),
    A(0x3fff, 0x8000000000000000ull, 0), A(0xbfff, 0x8000000000000000ull, 0),
    A(0x3ffe, 0xc90fdaa22168c235ull, 0),   /* pi/4 */
    A(0x3fff, 0xc90fdaa22168c235ull, 0),   /* pi/2 */
    A(0x3fff, 0xc90fdaa22168c234ull, 0),   /* pi/2 - ulp */
    A(0x4000, 0xc90fdaa22168c235ull, 0), A(0xc000, 0xc90fdaa22168c235ull, 0),   /* +-pi */
    A(0x4000, 0xadf85458a2bb4a9aull, 0),   /* e */
    A(0x4000, 0xc000000000000000ull, 0), A(0x4001, 0x8000000000000000ull, 0),
    A(0x4001, 0xc90fdaa22168c235ull, 0),   /* 2pi */
    A(0x4002, 0xa000000000000000ull, 0), A(0x4005, 0xc800000000000000ull, 0),
    A(0x4008, 0xfa00000000000000ull, 0), A(0x400f, 0xc350000000000000ull, 0),
    A(0x4020, 0x9502f90000000000ull, 0), A(0xc020, 0x9502f90000000000ull, 0),
    A(0x403c, 0x8000000000000000ull, 0),   /* 2^61 */
    A(0x403d, 0xffffffffffffffffull, 0),   /* 2^63 - 2^-1... largest < 2^63 */
    A(0x403e, 0x8000000000000000ull, 1),   /* 2^63: out of range */
    A(0xc03e, 0x8000000000000000ull, 1),
    A(0x4062, 0xc9f2c9cd04674edfull, 1),   /* 1e30 */
    A(0x7ffe, 0xffffffffffffffffull, 1),
    A(0x7fff, 0x8000000000000000ull, 1), A(0xffff, 0x8000000000000000ull, 1),
    A(0xffff, 0xc000000000000000ull, 1), A(0x7fff, 0xc000000000001234ull, 1),
    A(0x7fff, 0xa000000000000000ull, 1),
};
#define NTARGS ((int)(sizeof targs / sizeof targs[0]))

/* F2XM1: -1 <= x <= 1 (the result is undefined outside). */
static const struct arg xargs[] = {
    A(0x0000, 0x0000000000000000ull, 1), A(0x8000, 0x0000000000000000ull, 1),
    A(0x0000, 0x0000000000000001ull, 0), A(0x8000, 0x4000000000000000ull, 0),
    A(0x3c17, 0x8000000000000000ull, 0), A(0x3fd7, 0x8000000000000000ull, 0),
    A(0xbfd7, 0x8000000000000000ull, 0), A(0x3fee, 0xa7c5ac471b478423ull, 0),
    A(0x3ffb, 0xcccccccccccccccdull, 0), A(0xbffb, 0xcccccccccccccccdull, 0),
    A(0x3ffd, 0x8000000000000000ull, 0), A(0x3ffe, 0x8000000000000000ull, 0),
    A(0xbffe, 0x8000000000000000ull, 0), A(0x3ffd, 0xaaaaaaaaaaaaaaabull, 0),
    A(0x3ffe, 0xc000000000000000ull, 0), A(0xbffe, 0xc000000000000000ull, 0),
    A(0x3ffe, 0xffffffffffffffffull, 0), A(0xbffe, 0xffffffffffffffffull, 0),
    A(0x3fff, 0x8000000000000000ull, 1), A(0xbfff, 0x8000000000000000ull, 1),
    A(0x3ffe, 0xb17217f7d1cf79acull, 0),   /* ln 2 */
    A(0x3ffe, 0x9a209a84fbcff799ull, 0),   /* lg 2 */
    A(0xffff, 0xc000000000000000ull, 1), A(0x7fff, 0xc000000000001234ull, 1),
    A(0x7fff, 0xa000000000000000ull, 1),
};
#define NXARGS ((int)(sizeof xargs / sizeof xargs[0]))

/* FYL2X: x (ST0), any sign (negative -> IE, 0 -> ZE). */
static const struct arg largs[] = {
    A(0x0000, 0x0000000000000000ull, 1), A(0x8000, 0x0000000000000000ull, 1),
    A(0x0000, 0x0000000000000001ull, 0), A(0x0001, 0x8000000000000000ull, 0),
    A(0x3ffb, 0xcccccccccccccccdull, 0), A(0x3ffe, 0x8000000000000000ull, 1),
    A(0x3ffd, 0xaaaaaaaaaaaaaaabull, 0), A(0x3fff, 0x8000000000000000ull, 1),
    A(0x3fff, 0x8000000000000001ull, 0), A(0x3ffe, 0xffffffffffffffffull, 0),
    A(0x4000, 0x8000000000000000ull, 1), A(0x4000, 0xadf85458a2bb4a9aull, 0),
    A(0x4000, 0xc000000000000000ull, 0), A(0x4002, 0xa000000000000000ull, 0),
    A(0x4020, 0x9502f90000000000ull, 0), A(0x4400, 0x8000000000000000ull, 1),
    A(0x7ffe, 0xffffffffffffffffull, 0), A(0xbfff, 0x8000000000000000ull, 1),
    A(0x7fff, 0x8000000000000000ull, 1), A(0xffff, 0x8000000000000000ull, 1),
    A(0xffff, 0xc000000000000000ull, 1), A(0x7fff, 0xa000000000000000ull, 1),
};
#define NLARGS ((int)(sizeof largs / sizeof largs[0]))

/* FYL2XP1: |x| < 1 - sqrt(2)/2 (undefined outside). */
static const struct arg pargs[] = {
    A(0x0000, 0x0000000000000000ull, 1), A(0x8000, 0x0000000000000000ull, 1),
    A(0x0000, 0x0000000000000001ull, 0), A(0x8000, 0x4000000000000000ull, 0),
    A(0x3c17, 0x8000000000000000ull, 0), A(0x3fd7, 0x8000000000000000ull, 0),
    A(0xbfd7, 0x8000000000000000ull, 0), A(0x3fee, 0xa7c5ac471b478423ull, 0),
    A(0x3ffb, 0xcccccccccccccccdull, 0), A(0xbffb, 0xcccccccccccccccdull, 0),
    A(0x3ffc, 0x8000000000000000ull, 0), A(0xbffc, 0x8000000000000000ull, 0),
    A(0x3ffd, 0x8000000000000000ull, 0), A(0xbffd, 0x8000000000000000ull, 0),
    A(0x3ffd, 0x95f619980c4336f7ull, 0),   /* 0.29289 */
    A(0xbffd, 0x95f619980c4336f7ull, 0),
    A(0xffff, 0xc000000000000000ull, 1), A(0x7fff, 0xa000000000000000ull, 1),
};
#define NPARGS ((int)(sizeof pargs / sizeof pargs[0]))

/* Multipliers y (ST1) of FYL2X/FYL2XP1 and numerators of FPATAN. */
static const struct arg yargs[] = {
    A(0x3fff, 0x8000000000000000ull, 1), A(0xbfff, 0x8000000000000000ull, 1),
    A(0x4000, 0xc000000000000000ull, 1), A(0x3ffd, 0xaaaaaaaaaaaaaaabull, 1),
    A(0x0000, 0x0000000000000000ull, 1), A(0x8000, 0x0000000000000000ull, 1),
    A(0x7fff, 0x8000000000000000ull, 1), A(0xffff, 0x8000000000000000ull, 1),
    A(0x7fff, 0xc000000000001234ull, 1),
};
#define NYARGS ((int)(sizeof yargs / sizeof yargs[0]))

/* FPATAN operands (x = ST0, y = ST1). */
static const struct arg aargs[] = {
    A(0x0000, 0x0000000000000000ull, 1), A(0x8000, 0x0000000000000000ull, 1),
    A(0x3fff, 0x8000000000000000ull, 1), A(0xbfff, 0x8000000000000000ull, 1),
    A(0x4000, 0xc000000000000000ull, 0), A(0x3ffb, 0xcccccccccccccccdull, 0),
    A(0xc002, 0xa000000000000000ull, 0), A(0x0000, 0x0000000000000001ull, 0),
    A(0x7ffe, 0xffffffffffffffffull, 0), A(0x4020, 0x9502f90000000000ull, 0),
    A(0x7fff, 0x8000000000000000ull, 1), A(0xffff, 0x8000000000000000ull, 1),
    A(0xffff, 0xc000000000000000ull, 1), A(0x7fff, 0xa000000000000000ull, 1),
};
#define NAARGS ((int)(sizeof aargs / sizeof aargs[0]))

#ifdef X87_QEMU_COMPAT
#define KEEP(sp) (sp)
#else
#define KEEP(sp) ((void)(sp), 1)
#endif

/* QEMU computes FSIN FCOS FSINCOS FPTAN through host doubles, also for
 * NaNs (payload truncated), infinities and out-of-range operands: its
 * variant keeps only their zero operands. */
static int qemu_keep(const char *name, f80 v)
{
    if (name[1] == 's' || name[1] == 'c' || name[1] == 'p')
        return (v.se & 0x7fff) == 0 && v.m == 0;
    return 1;
}

static void run1(const char *name, x87_kernel k, const struct arg *args, int n, int nres,
                 uint16_t cw)
{
    struct x87_io io;

    for (int i = 0; i < n; i++) {
        if (!KEEP(args[i].special) || X87_QEMU_SKIP(!qemu_keep(name, args[i].v)))
            continue;
        memset(&io, 0, sizeof io);
        io.a = args[i].v;
        io.b = x87_vals[5];
        io.cw = cw;
        k(&io);
        printf("%s %s a%02d " F80_FMT, name, x87_rc_name[(cw >> 10) & 3], i,
               F80_ARG(io.r[0]));
        if (nres == 2)
            printf(" " F80_FMT, F80_ARG(io.r[1]));
        isa_line(" %04x\n", SWT(io.sw));
    }
}

static void run2(const char *name, x87_kernel k, const struct arg *xs, int nx,
                 const struct arg *ys, int ny)
{
    struct x87_io io;

    for (int x = 0; x < nx; x++)
        for (int y = 0; y < ny; y++) {
            if (!KEEP(xs[x].special && ys[y].special))
                continue;
            /* two QNaNs: the x87 returns the larger significand, QEMU ST0 */
            if (X87_QEMU_SKIP(x87_isnan80(xs[x].v) && x87_isnan80(ys[y].v)))
                continue;
            memset(&io, 0, sizeof io);
            io.a = xs[x].v;
            io.b = ys[y].v;
            io.cw = X87_CW_DEFAULT;
            k(&io);
            isa_line("%s x%02d y%02d " F80_FMT " %04x\n", name, x, y, F80_ARG(io.r[0]),
                     SWT(io.sw));
        }
}

int test_main(void)
{
    for (int rc = 0; rc < 4; rc++) {
        uint16_t cw = X87_CW(X87_PC64, rc);
        /* all arguments with round to nearest, a third of them otherwise */
        int n = rc == 0 ? NTARGS : NTARGS / 3;
        run1("fsin", k_fsin, targs, n, 1, cw);
        run1("fcos", k_fcos, targs, n, 1, cw);
        run1("fsincos", k_fsincos, targs, n, 2, cw);
        run1("fptan", k_fptan, targs, n, 2, cw);
        run1("f2xm1", k_f2xm1, xargs, rc == 0 ? NXARGS : NXARGS / 3, 1, cw);
    }
    run2("fyl2x", k_fyl2x, largs, NLARGS, yargs, NYARGS);
    run2("fyl2xp1", k_fyl2xp1, pargs, NPARGS, yargs, NYARGS);
    run2("fpatan", k_fpatan, aargs, NAARGS, aargs, NAARGS);
    isa_done(X87_TEST_NAME("isa_x87_trans"));
    return 0;
}
