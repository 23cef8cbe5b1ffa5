/*
 * qsort.c - benchmark: a generic quicksort (element size and comparator as
 * parameters, like libc qsort) of 64 Ki records, N times (N = command line,
 * default 1).  Every comparison is an indirect call and a return.
 */
#include "portable.h"
#include "bench.h"

#define COUNT (1 << 16)
struct rec {
    int key;
    int payload;
};
static struct rec recs[COUNT];

typedef int (*cmp_fn)(const void *, const void *);

/* qsort_pg.c defines a hook run in every comparison (its TLB maintenance) */
#ifndef QSORT_CMP_HOOK
#define QSORT_CMP_HOOK()
#endif

static int cmp_key(const void *a, const void *b)
{
    QSORT_CMP_HOOK();
    int x = ((const struct rec *)a)->key, y = ((const struct rec *)b)->key;
    return (x > y) - (x < y);
}

static void swap_bytes(char *a, char *b, size_t n)
{
    while (n--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void gsort(void *base, size_t n, size_t size, cmp_fn cmp)
{
    char *a = base;
    while (n > 1) {
        char *pivot = a + (n / 2) * size;
        swap_bytes(a, pivot, size);
        size_t last = 0;
        for (size_t i = 1; i < n; i++)
            if (cmp(a + i * size, a) < 0)
                swap_bytes(a + ++last * size, a + i * size, size);
        swap_bytes(a, a + last * size, size);
        /* recurse on the smaller part, loop on the larger */
        if (last < n - last - 1) {
            gsort(a, last, size, cmp);
            a += (last + 1) * size;
            n -= last + 1;
        } else {
            gsort(a + (last + 1) * size, n - last - 1, size, cmp);
            n = last;
        }
    }
}

int test_main(void)
{
    long rounds = xbt_arg_long(1);
    uint32_t x = 99, h = 0;
    cmp_fn cmp = OPAQUE(cmp_key);
    bench_start();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < COUNT; i++) {
            x = x * 1103515245u + 12345u;
            recs[i].key = (int)(x >> 12);
            recs[i].payload = i;
        }
        gsort(recs, COUNT, sizeof(struct rec), cmp);
        for (int i = 1; i < COUNT; i++)
            if (recs[i - 1].key > recs[i].key)
                printf("NOT SORTED at %d\n", i);
        for (int i = 0; i < COUNT; i += 61)
            h = h * 31 + (uint32_t)recs[i].key + (uint32_t)recs[i].payload;
    }
    bench_end(h);
    printf("qsort rounds=%ld hash=%08x\n", rounds, (unsigned)h);
    return 0;
}
