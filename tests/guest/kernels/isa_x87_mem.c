/*
 * isa_x87_mem.c - x87 arithmetic with a memory operand: FADD FMUL FSUB
 * FSUBR FDIV FDIVR with m32real (D8 /r) and m64real (DC /r), and FIADD
 * FIMUL FISUB FISUBR FIDIV FIDIVR with m32int (DA /r) and m16int (DE /r),
 * ST0 from a small set of 80-bit edge values and the memory operand from
 * the edge-value tables of isa_x87.h (float/double zeros, denormals,
 * infinities, QNaN/SNaN, max/min; integer extremes), default control
 * word.  Then the same instruction through different addressing modes
 * (absolute, base+index*scale+disp, EBP and ESP bases, segment overrides),
 * operands straddling a page boundary, and x87 instructions whose bytes
 * straddle a page boundary.  Each line: instruction,
 * ST0 index, memory operand, result, status word.  Portable.
 */
#include "isa_x87.h"

#define MEM_OPS(sfx, pre)                                                   \
    X87_KERNEL(k_##pre##add##sfx, #pre "add" #sfx " %[m]", X87_ST0)         \
    X87_KERNEL(k_##pre##mul##sfx, #pre "mul" #sfx " %[m]", X87_ST0)         \
    X87_KERNEL(k_##pre##sub##sfx, #pre "sub" #sfx " %[m]", X87_ST0)         \
    X87_KERNEL(k_##pre##subr##sfx, #pre "subr" #sfx " %[m]", X87_ST0)       \
    X87_KERNEL(k_##pre##div##sfx, #pre "div" #sfx " %[m]", X87_ST0)         \
    X87_KERNEL(k_##pre##divr##sfx, #pre "divr" #sfx " %[m]", X87_ST0)

MEM_OPS(s, f)
MEM_OPS(l, f)
MEM_OPS(s, fi)
MEM_OPS(l, fi)

#define ROW(sfx, pre)                                                       \
    { k_##pre##add##sfx, k_##pre##mul##sfx, k_##pre##sub##sfx,              \
      k_##pre##subr##sfx, k_##pre##div##sfx, k_##pre##divr##sfx }

static const x87_kernel kern[4][6] = {
    ROW(s, f), ROW(l, f), ROW(s, fi), ROW(l, fi),
};
static const char *const opname[6] = { "add", "mul", "sub", "subr", "div", "divr" };
static const char *const kind[4] = { "m32", "m64", "m16i", "m32i" };

static void print_mem(int k, const struct x87_io *io)
{
    uint64_t v = 0;

    memcpy(&v, io->mem, 8);
    switch (k) {
    case 0: printf("%08x", (unsigned)v); break;
    case 1: printf("%016llx", (unsigned long long)v); break;
    case 2: printf("%d", (int16_t)v); break;
    default: printf("%d", (int32_t)v); break;
    }
}

static void sweep(int k)
{
    int n = k == 0 ? X87_NF32 : k == 1 ? X87_NF64 : k == 2 ? X87_NI16 : X87_NI32;

    for (int op = 0; op < 6; op++)
        for (int a = 0; a < X87_NSMALL; a++)
            for (int j = 0; j < n; j++) {
                struct x87_io io;

                memset(&io, 0, sizeof io);
                io.a = x87_vals[x87_small[a]];
                io.cw = X87_CW_DEFAULT;
                switch (k) {
                case 0: x87_setmem(&io, &x87_f32[j], 4); break;
                case 1: x87_setmem(&io, &x87_f64[j], 8); break;
                case 2: x87_setmem(&io, &x87_i16[j], 2); break;
                default: x87_setmem(&io, &x87_i32[j], 4); break;
                }
                /* QEMU quiets an SNaN memory operand before it meets a
                 * QNaN ST0 and then returns the larger significand; the
                 * x87 returns the QNaN. */
                if (X87_QEMU_SKIP(x87_isnan80(io.a) &&
                                  ((k == 0 && x87_issnan32(x87_f32[j])) ||
                                   (k == 1 && x87_issnan64(x87_f64[j])))))
                    continue;
                kern[k][op](&io);
                printf("f%s%s %s v%02d ", k >= 2 ? "i" : "", opname[op], kind[k],
                       x87_small[a]);
                print_mem(k, &io);
                isa_line(" " F80_FMT " %04x\n", F80_ARG(io.r[0]), X87_SW_RND(io.sw));
            }
}

/* ---- addressing modes ---- */

__attribute__((used)) static double amode_tab[8] = { 0.5, 1.25, 2.5, 3.75, -5.0, 6.125, 7.0, -8.5 };
__attribute__((used)) static float amode_f = 3.0f;

static void amodes(void)
{
    double r[12];
    uint16_t sw[12];

    /* ST0 = 1 each time; the memory operand comes from amode_tab/amode_f
     * through a different addressing mode each time. */
    __asm__ volatile(
        "fninit\n\t"
        "movl %[tab], %%ebp\n\t"
        "fld1\n\tfaddl amode_tab+8\n\tfnstsw %%ax\n\tmovw %%ax, 0(%[sw])\n\tfstpl 0(%[r])\n\t"
        "fld1\n\tfaddl (%[tab],%[two],8)\n\tfnstsw %%ax\n\tmovw %%ax, 2(%[sw])\n\tfstpl 8(%[r])\n\t"
        "fld1\n\tfsubl -8(%[tab],%[two],4)\n\tfnstsw %%ax\n\tmovw %%ax, 4(%[sw])\n\tfstpl 16(%[r])\n\t"
        "fld1\n\tfmull 24(%%ebp)\n\tfnstsw %%ax\n\tmovw %%ax, 6(%[sw])\n\tfstpl 24(%[r])\n\t"
        "fld1\n\tfdivl 32(%%ebp,%[two],8)\n\tfnstsw %%ax\n\tmovw %%ax, 8(%[sw])\n\tfstpl 32(%[r])\n\t"
        "pushl 44(%%ebp)\n\tpushl 40(%%ebp)\n\t"
        "fld1\n\tfdivrl (%%esp)\n\tfnstsw %%ax\n\tmovw %%ax, 10(%[sw])\n\tfstpl 40(%[r])\n\t"
        "fld1\n\tfaddl %%ss:(%%esp)\n\tfnstsw %%ax\n\tmovw %%ax, 12(%[sw])\n\tfstpl 48(%[r])\n\t"
        "addl $8, %%esp\n\t"
        "fld1\n\tfmuls %%ds:amode_f\n\tfnstsw %%ax\n\tmovw %%ax, 14(%[sw])\n\tfstpl 56(%[r])\n\t"
        "fld1\n\tfsubrs %%es:amode_f\n\tfnstsw %%ax\n\tmovw %%ax, 16(%[sw])\n\tfstpl 64(%[r])\n\t"
        "fld1\n\tfaddl %%cs:amode_tab+56\n\tfnstsw %%ax\n\tmovw %%ax, 18(%[sw])\n\tfstpl 72(%[r])\n\t"
        "fld1\n\tfldl amode_tab+48(,%[two],4)\n\t"     /* through a scaled index, no base */
        "fmulp\n\tfnstsw %%ax\n\tmovw %%ax, 20(%[sw])\n\tfstpl 80(%[r])\n\t"
        "fld1\n\tfiaddl 4(%%ebp)\n\tfnstsw %%ax\n\tmovw %%ax, 22(%[sw])\n\tfstpl 88(%[r])\n\t"
        "fninit"
        : : [tab] "r"(amode_tab), [two] "r"(2), [r] "r"(r), [sw] "r"(sw)
        : "eax", "ebp", "memory", X87_CLOBBERS);
    for (int i = 0; i < 12; i++) {
        uint64_t b;

        memcpy(&b, &r[i], 8);
        isa_line("amode %2d %016llx %04x\n", i, (unsigned long long)b, X87_SW_RND(sw[i]));
    }
}

/* Operands straddling a 4 KiB page boundary (the slow path of a translated
 * access): m32, m64, m80 and m16/m32 integers at every offset across it. */
static unsigned char page_buf[2 * 4096] __attribute__((aligned(4096)));

static void straddle(void)
{
    static const unsigned char pat[10] = { 0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda,
                                           0x0f, 0xc9, 0x00, 0x40 };  /* pi, m80 */
    for (int off = -9; off <= 0; off++) {
        unsigned char *p = page_buf + 4096 + off;
        f80 r[5];
        uint16_t sw;

        memcpy(p, pat, 10);
        __asm__ volatile("fninit\n\t"
                         "fldt (%[p])\n\t"
                         "fadds (%[p])\n\t"
                         "faddl (%[p])\n\t"
                         "fiadds (%[p])\n\t"
                         "fiaddl (%[p])\n\t"
                         "fnstsw %[sw]\n\t"
                         "fstpt (%[r])\n\t"
                         "flds 2(%[p])\n\tfstpt 10(%[r])\n\t"
                         "fldl 1(%[p])\n\tfstpt 20(%[r])\n\t"
                         "fldt (%[p])\n\tfchs\n\tfstpt (%[p])\n\t"
                         "fldt (%[p])\n\tfstpt 30(%[r])\n\t"
                         "fldl (%[p])\n\tfstl 2(%[p])\n\tfstpt 40(%[r])\n\t"
                         "fninit"
                         : [sw] "=m"(sw)
                         : [p] "r"(p), [r] "r"(r)
                         : "memory", X87_CLOBBERS);
        printf("straddle %d %04x", off, X87_SW_RND(sw));
        for (int i = 0; i < 5; i++)
            printf(" " F80_FMT, F80_ARG(r[i]));
        printf(" mem");
        for (int i = 0; i < 10; i++)
            printf(" %02x", p[i]);
        isa_line("\n");
    }
}

/* x87 instructions whose encodings cross a 4 KiB page boundary: FMUL m64
 * (DC 0D disp32) starting 1, 2 and 4 bytes before the boundary. */
__attribute__((used)) static double cross_a = 1.5, cross_b = -2.75, cross_out[3];
void x87_cross1(void);
void x87_cross2(void);
void x87_cross4(void);
#define CROSS_FN(name, back, slot)                                          \
    ".p2align 12\n"                                                         \
    ".skip 4096 - " #back " - 6, 0xcc\n"                                    \
    ".globl " #name "\n"                                                    \
    #name ":\n\t"                                                           \
    "fldl cross_a\n\t"                    /* 6 bytes */                     \
    "fmull cross_b\n\t"                   /* crosses the boundary */        \
    "fstpl cross_out+" #slot "\n\t"                                         \
    "ret\n"
__asm__(".text\n"
        CROSS_FN(x87_cross1, 1, 0)
        CROSS_FN(x87_cross2, 2, 8)
        CROSS_FN(x87_cross4, 4, 16)
        ".p2align 4\n");

static void code_straddle(void)
{
    uint64_t r[3];

    memset(cross_out, 0, sizeof cross_out);
    __asm__ volatile("fninit\n\t"
                     "call x87_cross1\n\t"
                     "call x87_cross2\n\t"
                     "call x87_cross4\n\t"
                     "fninit"
                     : : : "eax", "ecx", "edx", "memory", X87_CLOBBERS);
    memcpy(r, cross_out, sizeof r);
    isa_line("code straddle %016llx %016llx %016llx\n", (unsigned long long)r[0],
             (unsigned long long)r[1], (unsigned long long)r[2]);
}

int test_main(void)
{
    for (int k = 0; k < 4; k++)
        sweep(k);
    amodes();
    straddle();
    code_straddle();
    isa_done(X87_TEST_NAME("isa_x87_mem"));
    return 0;
}
