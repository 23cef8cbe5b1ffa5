/*
 * isa_x87_arith.c - x87 FADD FMUL FSUB FSUBR FDIV FDIVR in their register
 * forms (ST0,ST(i) = D8; ST(i),ST0 = DC; the popping ST(i),ST0 = DE), with
 * the default control word (all exceptions masked, 64-bit precision, round
 * to nearest):
 *   - D8 /r ST0,ST1 over every pair of the 80-bit edge values of isa_x87.h
 *     (zeros, denormals, infinities, QNaN/SNaN, max/min normals, ...);
 *   - DC and DE forms over a smaller set of pairs;
 *   - every register index ST(0)..ST(7) of all three forms on a full stack,
 *     printing the whole stack afterwards.
 * Each line: the form, the operand indices (into the value table printed
 * first), the result (80-bit) and the status word (sticky exception bits,
 * C1, TOP).  Portable; native and guest outputs must be identical.
 */
#include "isa_x87.h"

/* The three register forms of one operation with i = 1. */
#define X87_FORMS(op, d8, dc, de)                                           \
    X87_KERNEL(k_##op##_d8, ".byte 0xd8, " #d8 "+1", X87_ST0)               \
    X87_KERNEL(k_##op##_dc, ".byte 0xdc, " #dc "+1", X87_ST01)              \
    X87_KERNEL(k_##op##_de, ".byte 0xde, " #de "+1", X87_ST0)

X87_FORMS(fadd, 0xc0, 0xc0, 0xc0)
X87_FORMS(fmul, 0xc8, 0xc8, 0xc8)
X87_FORMS(fsub, 0xe0, 0xe8, 0xe8)
X87_FORMS(fsubr, 0xe8, 0xe0, 0xe0)
X87_FORMS(fdiv, 0xf0, 0xf8, 0xf8)
X87_FORMS(fdivr, 0xf8, 0xf0, 0xf0)

struct form {
    const char *name;
    x87_kernel fn;
    int res;                      /* io.r[] index of the result */
};

#define OP_FORMS(op)                                                        \
    { #op " st,st1", k_##op##_d8, 0 },                                      \
    { #op " st1,st", k_##op##_dc, 1 },                                      \
    { #op "p st1,st", k_##op##_de, 0 }

static const struct form forms[] = {
    OP_FORMS(fadd), OP_FORMS(fmul), OP_FORMS(fsub),
    OP_FORMS(fsubr), OP_FORMS(fdiv), OP_FORMS(fdivr),
};
#define NFORMS ((int)(sizeof forms / sizeof forms[0]))

static void run(const struct form *f, int ia, int ib)
{
    struct x87_io io;

    memset(&io, 0, sizeof io);
    io.a = x87_vals[ia];
    io.b = x87_vals[ib];
    io.cw = X87_CW_DEFAULT;
    f->fn(&io);
    isa_line("%s v%02d v%02d " F80_FMT " %04x\n", f->name, ia, ib,
             F80_ARG(io.r[f->res]), X87_SW_RND(io.sw));
}

/* ---- every ST(i) on a full stack ---- */

#define DEEP_KERNEL(name, b0, b1)                                           \
    static void name(const f80 *in, f80 *out, uint16_t *sw)                 \
    {                                                                       \
        __asm__ volatile("fninit\n\t"                                       \
                         "fldt 70(%[in])\n\tfldt 60(%[in])\n\t"             \
                         "fldt 50(%[in])\n\tfldt 40(%[in])\n\t"             \
                         "fldt 30(%[in])\n\tfldt 20(%[in])\n\t"             \
                         "fldt 10(%[in])\n\tfldt (%[in])\n\t"               \
                         ".byte " #b0 ", " b1 "\n\t"                        \
                         "fnstsw (%[sw])\n\t"                               \
                         "fstpt (%[out])\n\tfstpt 10(%[out])\n\t"           \
                         "fstpt 20(%[out])\n\tfstpt 30(%[out])\n\t"         \
                         "fstpt 40(%[out])\n\tfstpt 50(%[out])\n\t"         \
                         "fstpt 60(%[out])\n\tfstpt 70(%[out])\n\t"         \
                         "fninit"                                           \
                         : : [in] "r"(in), [out] "r"(out), [sw] "r"(sw)     \
                         : "memory", X87_CLOBBERS);                         \
    }

#define DEEP8(op, pfx, b0, b1)                                              \
    DEEP_KERNEL(d_##op##_##pfx##0, b0, #b1 "+0")                            \
    DEEP_KERNEL(d_##op##_##pfx##1, b0, #b1 "+1")                            \
    DEEP_KERNEL(d_##op##_##pfx##2, b0, #b1 "+2")                            \
    DEEP_KERNEL(d_##op##_##pfx##3, b0, #b1 "+3")                            \
    DEEP_KERNEL(d_##op##_##pfx##4, b0, #b1 "+4")                            \
    DEEP_KERNEL(d_##op##_##pfx##5, b0, #b1 "+5")                            \
    DEEP_KERNEL(d_##op##_##pfx##6, b0, #b1 "+6")                            \
    DEEP_KERNEL(d_##op##_##pfx##7, b0, #b1 "+7")

#define DEEP_OP(op, d8, dc, de)                                             \
    DEEP8(op, a, 0xd8, d8) DEEP8(op, b, 0xdc, dc) DEEP8(op, c, 0xde, de)

DEEP_OP(fadd, 0xc0, 0xc0, 0xc0)
DEEP_OP(fmul, 0xc8, 0xc8, 0xc8)
DEEP_OP(fsub, 0xe0, 0xe8, 0xe8)
DEEP_OP(fsubr, 0xe8, 0xe0, 0xe0)
DEEP_OP(fdiv, 0xf0, 0xf8, 0xf8)
DEEP_OP(fdivr, 0xf8, 0xf0, 0xf0)

typedef void (*deep_fn)(const f80 *in, f80 *out, uint16_t *sw);

#define DEEP_ROW(op, pfx)                                                   \
    { d_##op##_##pfx##0, d_##op##_##pfx##1, d_##op##_##pfx##2,              \
      d_##op##_##pfx##3, d_##op##_##pfx##4, d_##op##_##pfx##5,              \
      d_##op##_##pfx##6, d_##op##_##pfx##7 }
#define DEEP_OPROWS(op) DEEP_ROW(op, a), DEEP_ROW(op, b), DEEP_ROW(op, c)

static const deep_fn deep[6 * 3][8] = {
    DEEP_OPROWS(fadd), DEEP_OPROWS(fmul), DEEP_OPROWS(fsub),
    DEEP_OPROWS(fsubr), DEEP_OPROWS(fdiv), DEEP_OPROWS(fdivr),
};
static const char *const deep_fmt[3] = { "%s st,st%d", "%s st%d,st", "%sp st%d,st" };
static const char *const deep_ops[6] = { "fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr" };

static void run_deep(void)
{
    /* ST0..ST7 = 1.5, 3, 1/3, pi, -1, 0.1, 2^63, 1+ulp */
    static const int idx[8] = { 4, 5, 7, 8, 3, 10, 11, 12 };
    f80 in[8], out[8];
    uint16_t sw;

    for (int i = 0; i < 8; i++)
        in[i] = x87_vals[idx[i]];
    for (int r = 0; r < 6 * 3; r++) {
        for (int i = 0; i < 8; i++) {
            memset(out, 0, sizeof out);
            deep[r][i](in, out, &sw);
            printf(deep_fmt[r % 3], deep_ops[r / 3], i);
            printf(" %04x", X87_SW_RND(sw));
            /* after a pop, ST7 is empty: its store is not printed */
            for (int k = 0; k < (r % 3 == 2 ? 7 : 8); k++)
                printf(" " F80_FMT, F80_ARG(out[k]));
            isa_line("\n");
        }
    }
}

int test_main(void)
{
    x87_print_vals();
    /* D8 form: every pair */
    for (int f = 0; f < NFORMS; f += 3)
        for (int a = 0; a < X87_NVALS; a++)
            for (int b = 0; b < X87_NVALS; b++)
                run(&forms[f], a, b);
    /* DC and DE forms: the smaller set */
    for (int f = 0; f < NFORMS; f++) {
        if (f % 3 == 0)
            continue;
        for (int a = 0; a < X87_NSMALL; a++)
            for (int b = 0; b < X87_NSMALL; b++)
                run(&forms[f], x87_small[a], x87_small[b]);
    }
    run_deep();
    isa_done(X87_TEST_NAME("isa_x87_arith"));
    return 0;
}
