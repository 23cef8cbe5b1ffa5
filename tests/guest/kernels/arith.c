/*
 * arith.c - integer arithmetic as gcc -m32 -O2 compiles it: signed and
 * unsigned comparisons over boundary values, overflow builtins (jo/seto,
 * jc/setc), division and modulo (idiv/div, constant divisors turned into
 * multiplications), shifts and rotates, and 64-bit add/sub/mul/div/shift
 * (adc/sbb, mul, shld/shrd, libgcc's __udivdi3 and friends).  Results are
 * printed and, where possible, also checked against a second computation.
 */
#include "portable.h"

static int failures;

static void check(const char *what, int ok)
{
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

static const int32_t svals[] = {
    INT32_MIN, INT32_MIN + 1, -65536, -256, -2, -1, 0, 1, 2, 127, 128,
    255, 256, 65535, INT32_MAX - 1, INT32_MAX,
};
#define NS ((int)(sizeof svals / sizeof svals[0]))

static void compares(void)
{
    uint32_t h_s = 0, h_u = 0;

    printf("-- compares (bits: lt le gt ge eq, signed | unsigned)\n");
    for (int i = 0; i < NS; i++) {
        for (int j = 0; j < NS; j++) {
            int32_t a = OPAQUE(svals[i]), b = OPAQUE(svals[j]);
            uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
            unsigned s = (a < b) << 4 | (a <= b) << 3 | (a > b) << 2 |
                         (a >= b) << 1 | (a == b);
            unsigned u = (ua < ub) << 4 | (ua <= ub) << 3 | (ua > ub) << 2 |
                         (ua >= ub) << 1 | (ua == ub);
            h_s = h_s * 33 + s;
            h_u = h_u * 33 + u;
            if (i == j + 1 || j == i + 3)
                printf("%11d vs %11d: %02x | %02x\n", a, b, s, u);
        }
    }
    printf("compare hashes: %08x %08x\n", h_s, h_u);
}

static void overflow(void)
{
    printf("-- overflow builtins\n");
    for (int i = 0; i < NS; i += 3) {
        for (int j = 0; j < NS; j += 2) {
            int32_t a = OPAQUE(svals[i]), b = OPAQUE(svals[j]), r1, r2, r3;
            uint32_t u1, u2;
            int o1 = __builtin_add_overflow(a, b, &r1);
            int o2 = __builtin_sub_overflow(a, b, &r2);
            int o3 = __builtin_mul_overflow(a, b, &r3);
            int c1 = __builtin_add_overflow((uint32_t)a, (uint32_t)b, &u1);
            int c2 = __builtin_sub_overflow((uint32_t)a, (uint32_t)b, &u2);
            printf("%d,%d: add %d/%d sub %d/%d mul %d/%d uadd %u/%d usub %u/%d\n",
                   a, b, r1, o1, r2, o2, r3, o3, u1, c1, u2, c2);
            int64_t wide = (int64_t)a * b;
            check("mul overflow flag", o3 == (wide != (int32_t)wide));
        }
    }
}

static void division(void)
{
    static const int32_t divisors[] = { 1, -1, 2, -2, 3, 7, -7, 10, 16, -16,
                                        255, 1000, 65537, INT32_MAX, INT32_MIN };
    uint32_t h = 0;

    printf("-- division\n");
    for (int i = 0; i < NS; i++) {
        for (unsigned j = 0; j < sizeof divisors / sizeof divisors[0]; j++) {
            int32_t a = OPAQUE(svals[i]), d = OPAQUE(divisors[j]);
            if (a == INT32_MIN && d == -1)
                continue;                  /* #DE */
            int32_t q = a / d, r = a % d;
            uint32_t uq = (uint32_t)a / (uint32_t)d, ur = (uint32_t)a % (uint32_t)d;
            check("signed div identity", q * d + r == a);
            check("unsigned div identity", uq * (uint32_t)d + ur == (uint32_t)a);
            h = (h ^ (uint32_t)q) * 16777619u;
            h = (h ^ (uint32_t)r) * 16777619u;
            h = (h ^ uq) * 16777619u;
            h = (h ^ ur) * 16777619u;
        }
        int32_t a = OPAQUE(svals[i]);
        uint32_t u = (uint32_t)a;
        /* constant divisors: gcc uses multiply-high and shifts */
        printf("%11d: /3=%d %%3=%d /10=%d %%10=%d /-7=%d u/10=%u u%%10=%u u/7=%u s>>4=%d\n",
               a, a / 3, a % 3, a / 10, a % 10, a / -7, u / 10, u % 10, u / 7, a / 16);
    }
    printf("division hash: %08x\n", h);
}

static void shifts(void)
{
    uint32_t h = 0;

    printf("-- shifts and rotates\n");
    for (int n = 0; n < 32; n++) {
        uint32_t x = OPAQUE(0x9E3779B9u);
        int32_t s = OPAQUE(-123456789);
        int cnt = OPAQUE(n);
        uint32_t shl = x << cnt, shr = x >> cnt;
        int32_t sar = s >> cnt;
        uint32_t rol = (x << cnt) | (x >> ((32 - cnt) & 31));
        uint32_t ror = (x >> cnt) | (x << ((32 - cnt) & 31));
        if (n % 5 == 0 || n == 31)
            printf("n=%2d shl %08x shr %08x sar %08x rol %08x ror %08x\n",
                   n, shl, shr, (uint32_t)sar, rol, ror);
        h = h * 31 + shl + shr * 3 + (uint32_t)sar * 5 + rol * 7 + ror * 11;
    }
    printf("shift hash: %08x\n", h);
}

/* 64x64 -> low 64 multiplication from 32-bit halves (the second opinion). */
static uint64_t mul64_parts(uint64_t a, uint64_t b)
{
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32);
    uint32_t bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    uint64_t lo = (uint64_t)al * bl;
    uint32_t cross = al * bh + ah * bl;
    return lo + ((uint64_t)cross << 32);
}

/* Restoring binary long division (the second opinion for __udivdi3). */
static uint64_t udiv64_slow(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0, r = 0;

    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    *rem = r;
    return q;
}

static const uint64_t vals64[] = {
    0, 1, 2, 3, 10, 0xFFFFFFFFull, 0x100000000ull, 0x123456789ABCDEFull,
    0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, 0xFFFFFFFFFFFFFFFFull,
    0xDEADBEEFCAFEBABEull, 1000000007ull, 0x00000001FFFFFFFFull,
};
#define N64 ((int)(sizeof vals64 / sizeof vals64[0]))

static void arith64(void)
{
    uint64_t h = 0;

    printf("-- 64-bit\n");
    for (int i = 0; i < N64; i++) {
        for (int j = 0; j < N64; j++) {
            uint64_t a = OPAQUE(vals64[i]), b = OPAQUE(vals64[j]);
            int64_t sa = (int64_t)a, sb = (int64_t)b;
            uint64_t sum = a + b, diff = a - b, prod = a * b;
            check("64-bit mul", prod == mul64_parts(a, b));
            h = h * 0x100000001B3ull + sum;
            h = h * 0x100000001B3ull + diff;
            h = h * 0x100000001B3ull + prod;
            h = h * 0x100000001B3ull + (a < b) + 2 * (sa < sb) + 4 * (a == b);
            if (b != 0) {
                uint64_t r, q = udiv64_slow(a, b, &r);
                check("__udivdi3", a / b == q);
                check("__umoddi3", a % b == r);
                h = h * 0x100000001B3ull + q + r;
                if (!(sb == -1 && sa == INT64_MIN)) {
                    int64_t sq = sa / sb, sr = sa % sb;
                    check("__divdi3 identity", (uint64_t)sq * b + (uint64_t)sr == a);
                    h = h * 0x100000001B3ull + (uint64_t)sq + (uint64_t)sr;
                }
            }
            if (i == j + 2)
                printf("%016llx %016llx: + %016llx * %016llx / %llu\n",
                       a, b, sum, prod, b ? a / b : 0);
        }
        uint64_t a = OPAQUE(vals64[i]);
        for (int n = 0; n < 64; n += 7) {
            int cnt = OPAQUE(n);
            h = h * 31 + (a << cnt) + (a >> cnt) + (uint64_t)((int64_t)a >> cnt);
        }
        printf("%20llu = %lld signed, << 36 = %016llx, >> 36 = %llx, sar 36 = %llx\n",
               a, (long long)a, a << OPAQUE(36), a >> OPAQUE(36),
               (unsigned long long)((int64_t)a >> OPAQUE(36)));
    }
    printf("64-bit hash: %016llx\n", h);

    /* Widening multiplications: 32x32->64 (one mul / imul). */
    int32_t m1 = OPAQUE(-123456789), m2 = OPAQUE(987654321);
    uint32_t u1 = OPAQUE(0xFFFFFFFFu), u2 = OPAQUE(0xFFFFFFFEu);
    printf("widening: %lld %llu %lld\n", (int64_t)m1 * m2, (uint64_t)u1 * u2,
           (int64_t)m1 * m1);
    /* Negation, abs, min/max (cmov / sbb tricks). */
    int64_t n64 = OPAQUE(-5000000000ll);
    printf("neg %lld abs %lld min %d max %d\n", -n64, n64 < 0 ? -n64 : n64,
           m1 < m2 ? m1 : m2, m1 > m2 ? m1 : m2);
}

int test_main(void)
{
    compares();
    overflow();
    division();
    shifts();
    arith64();
    printf("%s: arith (%d failures)\n", failures ? "FAIL" : "PASS", failures);
    return 0;
}
