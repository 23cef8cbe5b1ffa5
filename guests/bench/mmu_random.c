/*
 * mmu_random.c - benchmark: random (LCG) dword loads and stores over a
 * 16 MiB working set at 0x40000000 mapped with 4 KiB pages (4096 PTEs,
 * physical 16..32 MiB), far more pages than a TLB holds.  Each access
 * touches one of 16 dwords (256 bytes apart) in a random page; 3 of 4
 * accesses are loads.  N rounds (N = command line, default 4) of 16384
 * accesses.  Stresses TLB misses and page walks (or shadow-table fills).
 */
#include "mmu_bench.h"

#define REGION 0x40000000u
#define PHYS 0x01000000u           /* 16 MiB: above the pool, inside 128 MiB */
#define NPG 4096u
#define SLOTS 16u
#define PER_ROUND 16384u

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    long n = mmu_bench_arg(magic, mbi, 4);
    mmu_init();
    uint32_t *pd = mmu_new_pd();
    for (unsigned p = 0; p < NPG; p++) {
        mmu_map(pd, REGION + p * PAGE_SIZE, PHYS + p * PAGE_SIZE, PG_P | PG_W);
        for (unsigned s = 0; s < SLOTS; s++)      /* RAM is not assumed zero */
            wr32(PHYS + p * PAGE_SIZE + s * 256u, p * SLOTS + s);
    }
    mmu_paging_on(pd, 1);

    uint32_t x = 12345u, sum = 0;
    unsigned writes = 0;
    for (long r = 0; r < n; r++) {
        for (unsigned i = 0; i < PER_ROUND; i++) {
            x = x * 1103515245u + 12345u;
            uint32_t va = REGION + ((x >> 8) & (NPG - 1)) * PAGE_SIZE + ((x >> 20) & (SLOTS - 1)) * 256u;
            if ((x >> 30) == 0) {
                wr32(va, sum ^ x);
                writes++;
            } else {
                sum = sum * 31u + rd32(va);
            }
        }
    }
    mmu_paging_off();
    uint32_t mem = 0;
    for (unsigned p = 0; p < NPG; p++)
        for (unsigned s = 0; s < SLOTS; s++)
            mem = mem * 33u + rd32(PHYS + p * PAGE_SIZE + s * 256u);
    printf("mmu_random n=%ld accesses=%ld writes=%u sum=%08x mem=%08x\n",
           n, n * (long)PER_ROUND, writes, (unsigned)sum, (unsigned)mem);
    return 0;
}
