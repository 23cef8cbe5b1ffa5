/*
 * sort.c - benchmark: Shell sort of 64 Ki pseudo-random integers, N times
 * (N = command line, default 1).  Loads, stores, compares, data-dependent
 * branches.
 */
#include "portable.h"
#include "bench.h"

#define COUNT (1 << 16)
static int v[COUNT];

static void shell_sort(int *a, int n)
{
    for (int gap = n / 2; gap > 0; gap /= 2)
        for (int i = gap; i < n; i++) {
            int t = a[i], j = i;
            while (j >= gap && a[j - gap] > t) {
                a[j] = a[j - gap];
                j -= gap;
            }
            a[j] = t;
        }
}

int test_main(void)
{
    long rounds = xbt_arg_long(1);
    uint32_t x = 7, h = 0;
    bench_start();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < COUNT; i++) {
            x = x * 1103515245u + 12345u;
            v[i] = (int)(x >> 8);
        }
        shell_sort(v, COUNT);
        for (int i = 1; i < COUNT; i++)
            if (v[i - 1] > v[i])
                printf("NOT SORTED at %d\n", i);
        for (int i = 0; i < COUNT; i += 97)
            h = h * 31 + (uint32_t)v[i];
    }
    bench_end(h);
    printf("sort rounds=%ld hash=%08x\n", rounds, (unsigned)h);
    return 0;
}
