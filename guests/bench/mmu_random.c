/*
 * mmu_random.c - benchmark: randmem.h's random dword loads and stores over
 * a 16 MiB working set at 0x40000000 mapped with 4 KiB pages (4096 PTEs,
 * physical 16..32 MiB), far more pages than a TLB holds.  N rounds
 * (N = command line, default 4) of 16384 accesses.  Stresses TLB misses
 * and page walks (or shadow-table fills).  Its native equivalent is
 * randmem's native twin (the same accesses under the host's paging).
 */
#include "bench.h"
#include "mmu_bench.h"
#include "randmem.h"

#define REGION 0x40000000u
#define PHYS 0x01000000u           /* 16 MiB: above the pool, inside 128 MiB */

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    long n = mmu_bench_arg(magic, mbi, 4);
    mmu_init();
    uint32_t *pd = mmu_new_pd();
    for (unsigned p = 0; p < RANDMEM_PAGES; p++)
        mmu_map(pd, REGION + p * PAGE_SIZE, PHYS + p * PAGE_SIZE, PG_P | PG_W);
    randmem_init(PHYS);
    mmu_paging_on(pd, 1);

    unsigned writes = 0;
    bench_start();
    uint32_t sum = randmem_run(REGION, n, &writes);
    mmu_paging_off();
    uint32_t mem = randmem_mem(PHYS);
    bench_end(bench_mix(bench_mix(bench_mix(BENCH_MIX_INIT, writes), sum), mem));
    printf("mmu_random n=%ld accesses=%ld writes=%u sum=%08x mem=%08x\n",
           n, n * (long)RANDMEM_PER_ROUND, writes, (unsigned)sum, (unsigned)mem);
    return 0;
}
