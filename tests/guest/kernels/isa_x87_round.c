/*
 * isa_x87_round.c - x87 arithmetic under every precision control (PC = 24,
 * 53, 64 bits) and rounding control (nearest, down, up, toward zero)
 * setting of the control word, loaded with FLDCW before each operation:
 *   - FADD FMUL FSUB FSUBR FDIV FDIVR ST0,ST1 over pairs of finite values
 *     chosen to round differently (1/3, pi, 0.1, 2-ulp, ties for 24 and 53
 *     bits, max normal -> overflow, min normal/denormal -> underflow);
 *   - FSQRT, and FADD/FDIV with m32/m64 memory operands, on a few values.
 * Each line: operation, PC, RC, operand indices (see the value table),
 * result, status word (PE, UE, OE and C1 = rounded up).  Portable.
 */
#include "isa_x87.h"

X87_KERNEL(k_fadd, ".byte 0xd8, 0xc1", X87_ST0)
X87_KERNEL(k_fmul, ".byte 0xd8, 0xc9", X87_ST0)
X87_KERNEL(k_fsub, ".byte 0xd8, 0xe1", X87_ST0)
X87_KERNEL(k_fsubr, ".byte 0xd8, 0xe9", X87_ST0)
X87_KERNEL(k_fdiv, ".byte 0xd8, 0xf1", X87_ST0)
X87_KERNEL(k_fdivr, ".byte 0xd8, 0xf9", X87_ST0)
X87_KERNEL(k_fsqrt, "fsqrt", X87_ST0)
X87_KERNEL(k_fadds, "fadds %[m]", X87_ST0)
X87_KERNEL(k_faddl, "faddl %[m]", X87_ST0)
X87_KERNEL(k_fdivs, "fdivs %[m]", X87_ST0)
X87_KERNEL(k_fdivl, "fdivl %[m]", X87_ST0)

static const struct {
    const char *name;
    x87_kernel fn;
} binops[] = {
    { "fadd", k_fadd }, { "fmul", k_fmul }, { "fsub", k_fsub },
    { "fsubr", k_fsubr }, { "fdiv", k_fdiv }, { "fdivr", k_fdivr },
};

static const int pcs[3] = { X87_PC24, X87_PC53, X87_PC64 };

static void line(const char *name, int pc, int rc, const char *args,
                 const struct x87_io *io)
{
    isa_line("%s %s %s %s " F80_FMT " %04x\n", name, x87_pc_name[pc],
             x87_rc_name[rc], args, F80_ARG(io->r[0]), X87_SW_RND(io->sw));
}

int test_main(void)
{
    char args[40];

    for (unsigned op = 0; op < sizeof binops / sizeof binops[0]; op++)
        for (int p = 0; p < 3; p++)
            for (int rc = 0; rc < 4; rc++)
                for (int a = 0; a < X87_NRND; a++)
                    for (int b = 0; b < X87_NRND; b++) {
                        struct x87_io io;

                        memset(&io, 0, sizeof io);
                        io.a = x87_vals[x87_rnd[a]];
                        io.b = x87_vals[x87_rnd[b]];
                        io.cw = X87_CW(pcs[p], rc);
                        binops[op].fn(&io);
                        snprintf(args, sizeof args, "v%02d v%02d", x87_rnd[a], x87_rnd[b]);
                        line(binops[op].name, pcs[p], rc, args, &io);
                    }

    /* FSQRT of every edge value under every mode */
    for (int p = 0; p < 3; p++)
        for (int rc = 0; rc < 4; rc++)
            for (int a = 0; a < X87_NVALS; a++) {
                struct x87_io io;

                memset(&io, 0, sizeof io);
                io.a = x87_vals[a];
                io.cw = X87_CW(pcs[p], rc);
                k_fsqrt(&io);
                snprintf(args, sizeof args, "v%02d", a);
                line("fsqrt", pcs[p], rc, args, &io);
            }

    /* memory operands: ST0 from the rounding set, m32/m64 from the tables */
    static const int f32i[] = { 2, 4, 5, 6, 7, 18, 19 };
    for (int p = 0; p < 3; p++)
        for (int rc = 0; rc < 4; rc++)
            for (int a = 0; a < X87_NRND; a++)
                for (unsigned j = 0; j < sizeof f32i / sizeof f32i[0]; j++) {
                    struct x87_io io;
                    uint32_t f = x87_f32[f32i[j]];
                    uint64_t d = x87_f64[f32i[j]];

                    memset(&io, 0, sizeof io);
                    io.a = x87_vals[x87_rnd[a]];
                    io.cw = X87_CW(pcs[p], rc);
                    x87_setmem(&io, &f, 4);
                    k_fadds(&io);
                    snprintf(args, sizeof args, "v%02d %08x", x87_rnd[a], (unsigned)f);
                    line("fadd.m32", pcs[p], rc, args, &io);
                    k_fdivs(&io);
                    line("fdiv.m32", pcs[p], rc, args, &io);
                    /* QEMU converts an m64 operand to 80 bits at the
                     * precision control, rounding it to 24 bits first */
                    if (X87_QEMU_SKIP(pcs[p] == X87_PC24))
                        continue;
                    x87_setmem(&io, &d, 8);
                    k_faddl(&io);
                    snprintf(args, sizeof args, "v%02d %016llx", x87_rnd[a],
                             (unsigned long long)d);
                    line("fadd.m64", pcs[p], rc, args, &io);
                    k_fdivl(&io);
                    line("fdiv.m64", pcs[p], rc, args, &io);
                }
    isa_done(X87_TEST_NAME("isa_x87_round"));
    return 0;
}
