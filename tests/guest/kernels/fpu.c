/*
 * fpu.c - x87 floating point as gcc -m32 -mno-sse emits it: double and float
 * arithmetic with 80-bit intermediates, fsqrt, conversions to and from
 * integers (fild/fistp with the fnstcw/fldcw truncation dance), fcomi/fucomi
 * comparisons including NaN, long double, and the rounding-control modes.
 * Results are printed as integers and raw bit patterns (the runtime's printf
 * has no %f).  Portable; needs x87 support in the VMM (a LATER test).
 */
#include "portable.h"

static uint64_t dbits(double d)
{
    union { double d; uint64_t u; } v = { d };
    return v.u;
}

static uint32_t fbits(float f)
{
    union { float f; uint32_t u; } v = { f };
    return v.u;
}

static double fsqrt(double x)
{
    double r;
    __asm__("fsqrt" : "=t"(r) : "0"(x));
    return r;
}

static int32_t fistp_round(double x, uint16_t rc)
{
    uint16_t cw, ncw;
    int32_t r;

    __asm__ volatile("fnstcw %0" : "=m"(cw));
    ncw = (uint16_t)((cw & ~0x0C00) | (rc << 10));
    __asm__ volatile("fldcw %0" : : "m"(ncw));
    __asm__ volatile("fistpl %0" : "=m"(r) : "t"(x) : "st");
    __asm__ volatile("fldcw %0" : : "m"(cw));
    return r;
}

int test_main(void)
{
    __asm__ volatile("fninit");

    double h = 0;
    for (int i = 1; i <= 1000; i++)
        h += 1.0 / i;
    printf("harmonic(1000): %016llx ~ %lld e-12\n", dbits(h), (long long)(h * 1e12));

    double x = OPAQUE(2.0), g = 1.0;
    for (int i = 0; i < 6; i++)
        g = (g + x / g) / 2;
    printf("sqrt(2): newton %016llx fsqrt %016llx\n", dbits(g), dbits(fsqrt(x)));

    float f = OPAQUE(0.1f) + OPAQUE(0.2f);
    double dd = OPAQUE(0.1) + OPAQUE(0.2);
    printf("0.1f+0.2f = %08x, 0.1+0.2 = %016llx, == 0.3: %d\n", fbits(f), dbits(dd),
           dd == 0.3);

    static const double conv[] = { -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1e9, -1e9, 3.999 };
    printf("conversions (trunc / nearest / down / up):\n");
    for (unsigned i = 0; i < sizeof conv / sizeof conv[0]; i++) {
        double v = OPAQUE(conv[i]);
        printf("  %lld: %d %d %d %d\n", (long long)(v * 1000), (int)v,
               fistp_round(v, 0), fistp_round(v, 1), fistp_round(v, 2));
    }
    int64_t big = OPAQUE(0x123456789ABCDll);
    double bd = (double)big;
    printf("int64 -> double -> int64: %016llx %lld\n", dbits(bd), (long long)bd);
    uint32_t u = OPAQUE(0xFFFFFFF0u);
    printf("uint32 -> double: %016llx\n", dbits((double)u));

    double nan = OPAQUE(0.0) / OPAQUE(0.0);
    double one = OPAQUE(1.0);
    printf("NaN compares: < %d > %d == %d != %d, self == %d\n", nan < one, nan > one,
           nan == one, nan != one, nan == nan);
    double inf = OPAQUE(1.0) / OPAQUE(0.0);
    printf("inf: %016llx, -inf: %016llx, inf > 1e308: %d\n", dbits(inf), dbits(-inf),
           inf > 1e308);

    long double third = OPAQUE(1.0L) / OPAQUE(3.0L);
    uint16_t ld[5];
    memcpy(ld, &third, 10);
    printf("1/3 as long double: %04x %04x%04x%04x%04x\n", ld[4], ld[3], ld[2], ld[1], ld[0]);

    /* a small numeric kernel: dot products and a polynomial (Horner) */
    double acc = 0, poly = 0;
    for (int i = 0; i < 100; i++) {
        double a = i * 0.25, b = 100 - i * 0.5;
        acc += a * b;
        poly = poly * 0.5 + (i % 7) - 3;
    }
    printf("dot %lld poly %016llx\n", (long long)acc, dbits(poly));
    float fa = 1.0f;
    for (int i = 0; i < 30; i++)
        fa = fa * 1.1f - 0.05f;
    printf("float recurrence: %08x\n", fbits(fa));
    printf("PASS: fpu\n");
    return 0;
}
