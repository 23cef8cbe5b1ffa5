/*
 * randmem.c - benchmark: randmem.h's random dword loads and stores over a
 * 16 MiB static array (4096 pages, far more than a TLB holds), N rounds
 * (N = command line, default 4) of 16384 accesses.  In the guest paging
 * is off (xbt: the host-MMU window); natively the host's paging applies.
 * mmu_random is the same pattern with guest paging on.
 */
#include "portable.h"
#include "bench.h"
#include "randmem.h"

static uint32_t area[RANDMEM_BYTES / 4] __attribute__((aligned(4096)));

int test_main(void)
{
    long n = xbt_arg_long(4);
    uint32_t base = (uint32_t)(uintptr_t)area;
    unsigned writes = 0;
    randmem_init(base);
    bench_start();
    uint32_t sum = randmem_run(base, n, &writes);
    uint32_t mem = randmem_mem(base);
    bench_end(bench_mix(bench_mix(bench_mix(BENCH_MIX_INIT, writes), sum), mem));
    printf("randmem n=%ld accesses=%ld writes=%u sum=%08x mem=%08x\n",
           n, n * (long)RANDMEM_PER_ROUND, writes, (unsigned)sum, (unsigned)mem);
    return 0;
}
