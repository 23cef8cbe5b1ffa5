/*
 * stack.c - stack-heavy code: deep recursion (Ackermann, Fibonacci, a
 * recursive permutation generator with big frames), varargs (va_arg over
 * int/long long/pointers, va_copy, vsnprintf), variable-length arrays and
 * alloca (frame pointer, leave), structs returned by value (hidden pointer,
 * `ret $4`), and the regparm/stdcall/fastcall conventions (`ret $n`).
 */
#include "portable.h"

static unsigned long calls;

static uint32_t ackermann(uint32_t m, uint32_t n)
{
    calls++;
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static uint32_t fib(uint32_t n)
{
    calls++;
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Heap's algorithm with a 64-byte local copy per level. */
static uint32_t perm_hash;
static unsigned perm_count;

static void permute(uint8_t *a, int k, int n)
{
    uint8_t saved[64];

    memcpy(saved, a, (size_t)n);
    if (k == 1) {
        uint32_t h = 0;
        for (int i = 0; i < n; i++)
            h = h * 10 + a[i];
        perm_hash = perm_hash * 31 + h;
        perm_count++;
        return;
    }
    for (int i = 0; i < k; i++) {
        permute(a, k - 1, n);
        uint8_t *x = (k % 2) ? &a[0] : &a[i], t = *x;
        *x = a[k - 1];
        a[k - 1] = t;
    }
    if (memcmp(saved, a, (size_t)n) == 0)
        perm_hash ^= 0x5A5A5A5A;
}

/* ---- varargs ---- */
static long long sum_mixed(const char *types, ...)
{
    va_list ap, ap2;
    long long sum = 0;

    va_start(ap, types);
    va_copy(ap2, ap);
    for (const char *t = types; *t; t++) {
        switch (*t) {
        case 'i': sum += va_arg(ap, int); break;
        case 'L': sum += va_arg(ap, long long); break;
        case 'p': sum += *va_arg(ap, const int *); break;
        case 'c': sum += (char)va_arg(ap, int); break;
        }
    }
    /* Walk the copy again: same total. */
    long long again = 0;
    for (const char *t = types; *t; t++) {
        switch (*t) {
        case 'i': again += va_arg(ap2, int); break;
        case 'L': again += va_arg(ap2, long long); break;
        case 'p': again += *va_arg(ap2, const int *); break;
        case 'c': again += (char)va_arg(ap2, int); break;
        }
    }
    va_end(ap2);
    va_end(ap);
    return sum == again ? sum : -1;
}

static int fmt(char *buf, size_t n, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static int fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    int r = vsnprintf(buf, n, f, ap);
    va_end(ap);
    return r;
}

/* ---- VLAs and alloca ---- */
static uint32_t vla_sum(int n)
{
    uint32_t v[n];                 /* dynamic esp adjustment, frame pointer */

    for (int i = 0; i < n; i++)
        v[i] = (uint32_t)(i * i);
    uint32_t s = 0;
    for (int i = n - 1; i >= 0; i--)
        s = s * 7 + v[i];
    if (n > 1)
        s += vla_sum(n / 2);
    return s;
}

static uint32_t alloca_sum(int n)
{
    uint8_t *p = __builtin_alloca((size_t)n);

    memset(p, 0x5A, (size_t)n);
    p[n / 2] = 1;
    uint32_t s = 0;
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* ---- struct return and calling conventions ---- */
struct big {
    uint32_t a, b, c, d;
    char name[12];
};

__attribute__((noinline)) static struct big make_big(uint32_t seed)
{
    struct big r = { seed, seed * 2, seed * 3, seed ^ 0xFFFF, "big" };

    r.name[3] = (char)('0' + seed % 10);
    return r;
}

__attribute__((noinline, regparm(3))) static uint32_t rp3(uint32_t a, uint32_t b,
                                                          uint32_t c, uint32_t d)
{
    return a * 1000 + b * 100 + c * 10 + d;
}

__attribute__((noinline, stdcall)) static uint32_t std3(uint32_t a, uint32_t b,
                                                        uint32_t c)
{
    return a - b - c;
}

__attribute__((noinline, fastcall)) static uint32_t fast4(uint32_t a, uint32_t b,
                                                          uint32_t c, uint32_t d)
{
    return (a << 24) | (b << 16) | (c << 8) | d;
}

int test_main(void)
{
    calls = 0;
    printf("ackermann(2, 3) = %u\n", ackermann(2, 3));
    printf("ackermann(3, 4) = %u\n", ackermann(OPAQUE(3u), OPAQUE(4u)));
    printf("ackermann calls: %lu\n", calls);
    calls = 0;
    uint32_t f24 = fib(OPAQUE(24u));
    printf("fib(24) = %u (%lu calls)\n", f24, calls);

    uint8_t a[7] = { 1, 2, 3, 4, 5, 6, 7 };
    permute(a, 7, 7);
    printf("permutations of 7: %u, hash %08x\n", perm_count, perm_hash);

    int x = 1000, y = -7;
    printf("sum_mixed = %lld\n",
           sum_mixed("iLpcipL", 1, 0x100000000ll, &x, 'A', -50, &y, -3ll));
    char buf[64];
    int n = fmt(buf, sizeof buf, "%s|%5d|%-4x|%llu", "va", -42, 0xAB, 1ull << 40);
    printf("vsnprintf -> %d \"%s\"\n", n, buf);
    n = fmt(buf, 8, "%08x%s", 0xDEADBEEFu, "tail");
    printf("truncated -> %d \"%s\"\n", n, buf);

    printf("vla_sum(100) = %u\n", vla_sum(OPAQUE(100)));
    printf("alloca_sum(3000) = %u\n", alloca_sum(OPAQUE(3000)));

    struct big b1 = make_big(OPAQUE(7u)), b2 = make_big(OPAQUE(12345u));
    printf("make_big: %u %u %u %u %s / %u %u %u %u %s\n", b1.a, b1.b, b1.c, b1.d,
           b1.name, b2.a, b2.b, b2.c, b2.d, b2.name);
    printf("regparm(3) = %u\n", rp3(OPAQUE(1u), 2, 3, 4));
    printf("stdcall = %u\n", std3(OPAQUE(100u), 30, 20));
    printf("fastcall = %08x\n", fast4(OPAQUE(0x12u), 0x34, 0x56, 0x78));
    printf("PASS: stack\n");
    return 0;
}
