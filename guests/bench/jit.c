/*
 * jit.c - benchmark (self-modifying code): a tiny JIT.  Each of N rounds
 * (N = command line, default 10) generates 16 small functions
 * (x * a + b) ^ c with round-dependent constants into a 4 KiB code buffer
 * (64 bytes apart), then calls each 32 times, chaining the results.  In the
 * guest the buffer is a static page; natively (the twin built from this
 * source) it is an mmap'd RWX page.  Every round rewrites code that has
 * run: a binary translator must drop and retranslate it.
 */
#include "portable.h"
#include "bench.h"

#ifdef XBT_NATIVE
#include <stdlib.h>
#include <sys/mman.h>
#else
static uint8_t jit_page[4096] __attribute__((aligned(4096)));
#endif

#define NFUNC 16
#define STRIDE 64
#define CALLS 32

typedef uint32_t (*jit_fn)(uint32_t);

/* mov 4(%esp),%eax; imul $a,%eax,%eax; add $b,%eax; xor $c,%eax; ret */
static void gen(uint8_t *p, uint32_t a, uint32_t b, uint32_t c)
{
    static const uint8_t head[] = { 0x8B, 0x44, 0x24, 0x04, 0x69, 0xC0 };
    memcpy(p, head, sizeof head);
    memcpy(p + 6, &a, 4);
    p[10] = 0x05;
    memcpy(p + 11, &b, 4);
    p[15] = 0x35;
    memcpy(p + 16, &c, 4);
    p[20] = 0xC3;
}

int test_main(void)
{
    long rounds = xbt_arg_long(10);
#ifdef XBT_NATIVE
    uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        printf("mmap RWX failed\n");
        return 2;
    }
#else
    uint8_t *code = jit_page;
#endif
    uint32_t x = 1;
    bench_start();
    for (long r = 0; r < rounds; r++) {
        for (uint32_t f = 0; f < NFUNC; f++) {
            uint32_t k = (uint32_t)r * NFUNC + f;
            gen(code + f * STRIDE, k * 2u + 1u, k * 2654435761u, k ^ 0x5A5A5A5Au);
        }
        __asm__ volatile("" : : : "memory");
        for (uint32_t f = 0; f < NFUNC; f++) {
            jit_fn fn = (jit_fn)(uintptr_t)(code + f * STRIDE);
            for (int c = 0; c < CALLS; c++)
                x = fn(x);
        }
    }
    bench_end(x);
    printf("jit rounds=%ld x=%08x\n", rounds, (unsigned)x);
    return 0;
}
