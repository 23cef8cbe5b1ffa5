/*
 * demo.c - the default xbt guest (`make run`): a banner, then some real
 * integer-only work whose results are printed: the first primes (sieve), a
 * fixed-point ASCII Mandelbrot set, CRC-32 of a generated buffer checked
 * against the standard check value, and a sorted array with a checksum.
 * Portable: also built as a native program for comparison.
 */
#include "portable.h"

/* ---- primes ---- */
#define SIEVE_N 30000
static uint8_t composite[SIEVE_N];

static void primes(void)
{
    int count = 0;

    for (int i = 2; i * i < SIEVE_N; i++)
        if (!composite[i])
            for (int j = i * i; j < SIEVE_N; j += i)
                composite[j] = 1;
    printf("The first 60 primes:\n");
    for (int i = 2, shown = 0; shown < 60; i++) {
        if (composite[i])
            continue;
        printf("%6d", i);
        if (++shown % 10 == 0)
            putchar('\n');
    }
    for (int i = 2; i < SIEVE_N; i++)
        count += !composite[i];
    printf("There are %d primes below %d.\n\n", count, SIEVE_N);
}

/* ---- Mandelbrot in 16.16 fixed point ---- */
#define FIX_SHIFT 16
#define FIX(x) ((int32_t)((x) * (1 << FIX_SHIFT)))

static int32_t fix_mul(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * b) >> FIX_SHIFT);
}

static void mandelbrot(void)
{
    static const char shades[] = " .,:;=+*#%";    /* by escape time */
    const int w = 64, h = 24, max_iter = 64;
    const int32_t x0 = FIX(-2.2), x1 = FIX(1.0), y0 = FIX(-1.2), y1 = FIX(1.2);
    unsigned long total = 0;

    printf("Mandelbrot set (16.16 fixed point, %d iterations max):\n", max_iter);
    for (int row = 0; row < h; row++) {
        int32_t ci = y0 + (int32_t)(((int64_t)(y1 - y0) * row) / (h - 1));
        char line[80];
        for (int col = 0; col < w; col++) {
            int32_t cr = x0 + (x1 - x0) / (w - 1) * col;
            int32_t zr = 0, zi = 0;
            int it = 0;
            while (it < max_iter) {
                int32_t zr2 = fix_mul(zr, zr), zi2 = fix_mul(zi, zi);
                if (zr2 + zi2 > FIX(4.0))
                    break;
                zi = 2 * fix_mul(zr, zi) + ci;
                zr = zr2 - zi2 + cr;
                it++;
            }
            total += (unsigned long)it;
            int shade = it / 2 < 9 ? it / 2 : 9;
            line[col] = it >= max_iter ? '@' : shades[shade];
        }
        line[w] = '\0';
        printf("|%s|\n", line);
    }
    printf("Total iterations: %lu\n\n", total);
}

/* ---- CRC-32 (IEEE 802.3, reflected, table driven) ---- */
static uint32_t crc_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;

    while (n--)
        c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint8_t crc_buf[65536];

static void crc_demo(void)
{
    uint32_t x = 12345;

    crc32_init();
    uint32_t check = crc32("123456789", 9);
    printf("CRC-32(\"123456789\") = %08x (%s)\n", check,
           check == 0xCBF43926u ? "correct" : "WRONG");
    for (size_t i = 0; i < sizeof crc_buf; i++) {
        x = x * 1103515245u + 12345u;      /* LCG */
        crc_buf[i] = (uint8_t)(x >> 16);
    }
    printf("CRC-32 of 64 KiB of LCG bytes = %08x\n\n", crc32(crc_buf, sizeof crc_buf));
}

/* ---- sorting ---- */
#define NSORT 2000
static int32_t arr[NSORT];

static void heap_sift(int32_t *a, int start, int end)
{
    int root = start;

    while (2 * root + 1 <= end) {
        int child = 2 * root + 1, swap = root;
        if (a[swap] < a[child])
            swap = child;
        if (child + 1 <= end && a[swap] < a[child + 1])
            swap = child + 1;
        if (swap == root)
            return;
        int32_t t = a[root];
        a[root] = a[swap];
        a[swap] = t;
        root = swap;
    }
}

static void heapsort(int32_t *a, int n)
{
    for (int start = (n - 2) / 2; start >= 0; start--)
        heap_sift(a, start, n - 1);
    for (int end = n - 1; end > 0; end--) {
        int32_t t = a[end];
        a[end] = a[0];
        a[0] = t;
        heap_sift(a, 0, end - 1);
    }
}

static void sort_demo(void)
{
    uint32_t x = 2463534242u;
    uint32_t sum = 0;
    int sorted = 1;

    for (int i = 0; i < NSORT; i++) {
        x ^= x << 13;                      /* xorshift32 */
        x ^= x >> 17;
        x ^= x << 5;
        arr[i] = (int32_t)(x % 200001u) - 100000;
    }
    heapsort(arr, NSORT);
    for (int i = 0; i < NSORT; i++) {
        if (i && arr[i - 1] > arr[i])
            sorted = 0;
        sum = sum * 31 + (uint32_t)arr[i];
    }
    printf("Heapsort of %d pseudo-random integers: %s\n", NSORT,
           sorted ? "sorted" : "NOT SORTED");
    printf("  min %d, median %d, max %d, hash %08x\n", arr[0], arr[NSORT / 2],
           arr[NSORT - 1], sum);
}

int test_main(void)
{
    printf("=====================================================\n");
    printf("  xbt demo guest: i386 code, translated to x86-64\n");
    printf("=====================================================\n\n");
    primes();
    mandelbrot();
    crc_demo();
    sort_demo();
    printf("\nDone.\n");
    return 0;
}
