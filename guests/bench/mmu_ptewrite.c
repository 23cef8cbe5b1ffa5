/*
 * mmu_ptewrite.c - benchmark: 16 virtual pages at 0x40000000 stay mapped
 * while the loop repoints their PTEs among 64 frames (write the PTE,
 * INVLPG) and reads and writes through each new mapping.  N rounds
 * (N = command line, default 20) of 16 remaps.  Stresses guest page-table
 * writes to live mappings (write-protected shadow tables, TLB and
 * translation-cache invalidation by INVLPG).
 */
#include "bench.h"
#include "mmu_bench.h"

#define REGION 0x40000000u
#define NVA 16u
#define NFR 64u

static uint32_t *pt;               /* PTEs of REGION */
static uint32_t frames[NFR];

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    long n = mmu_bench_arg(magic, mbi, 20);
    mmu_init();
    uint32_t *pd = mmu_new_pd();
    for (unsigned f = 0; f < NFR; f++) {
        frames[f] = mmu_alloc();
        wr32(frames[f], f);
    }
    for (unsigned k = 0; k < NVA; k++)
        mmu_map(pd, REGION + k * PAGE_SIZE, frames[k], PG_P | PG_W);
    pt = mmu_pte(pd, REGION);
    mmu_paging_on(pd, 1);

    uint32_t sum = 0;
    bench_start();
    for (long i = 0; i < n; i++) {
        for (unsigned k = 0; k < NVA; k++) {
            uint32_t va = REGION + k * PAGE_SIZE;
            uint32_t off = ((unsigned)i * 4u + k * 8u) & 0xFFCu;
            pt[k] = frames[((unsigned)i * 7u + k * 5u) % NFR] | PG_P | PG_W;
            invlpg(va);
            uint32_t v = rd32(va) + rd32(va + off);
            wr32(va + off, v + (uint32_t)i);
            sum = sum * 31u + v;
        }
    }
    mmu_paging_off();
    uint32_t mem = 0;
    for (unsigned f = 0; f < NFR; f++)
        for (uint32_t o = 0; o < PAGE_SIZE; o += 4)
            mem = mem * 33u + rd32(frames[f] + o);
    bench_end(bench_mix(bench_mix(BENCH_MIX_INIT, sum), mem));
    printf("mmu_ptewrite n=%ld remaps=%ld sum=%08x mem=%08x\n",
           n, n * (long)NVA, (unsigned)sum, (unsigned)mem);
    return 0;
}
