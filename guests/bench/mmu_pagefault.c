/*
 * mmu_pagefault.c - benchmark: map / touch / unmap one page, N times
 * (N = command line, default 200), in two variants.  Explicit: the loop
 * writes the PTE, stores to and loads from the page, then clears the PTE
 * and INVLPGs it.  Demand: the loop stores to the not-present page, the
 * #PF hook maps it (the store is restarted), then the loop loads and
 * unmaps it the same way.  64 virtual pages are cycled over 16 frames.
 * Stresses TLB invalidation, translation-cache coherence with guest page
 * tables, and #PF delivery.
 */
#include "bench.h"
#include "mmu_bench.h"

#define REGION 0x40000000u
#define NVA 64u
#define NFR 16u

static uint32_t *pd, *pt;          /* pt: the page table of REGION */
static uint32_t frames[NFR];
static uint32_t next_frame;        /* what the #PF hook maps */
static unsigned faults;

static int demand(struct isr_frame *f, uint32_t cr2)
{
    if (cr2 < REGION || cr2 >= REGION + NVA * PAGE_SIZE || (f->error_code & PF_P))
        return 0;
    pt[(cr2 - REGION) >> 12] = next_frame | PG_P | PG_W;
    faults++;
    return 1;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    long n = mmu_bench_arg(magic, mbi, 200);
    mmu_init();
    pd = mmu_new_pd();
    pt = mmu_pte(pd, REGION);      /* entry 0 of REGION's page table */
    for (unsigned i = 0; i < NFR; i++)
        frames[i] = mmu_alloc();
    mmu_pf_hook = demand;
    mmu_paging_on(pd, 1);

    uint32_t sum_e = 0, sum_d = 0;
    bench_start();
    for (long i = 0; i < n; i++) {             /* explicit */
        unsigned p = (unsigned)i % NVA;
        uint32_t va = REGION + p * PAGE_SIZE, off = ((unsigned)i * 68u) & 0xFFCu;
        pt[p] = frames[(unsigned)i % NFR] | PG_P | PG_W;
        wr32(va + off, rd32(va + off) + (uint32_t)i);
        sum_e = sum_e * 31u + rd32(va + (off ^ 0x800u)) + rd32(va + off);
        pt[p] = 0;
        invlpg(va);
    }
    for (long i = 0; i < n; i++) {             /* demand */
        unsigned p = ((unsigned)i * 5u) % NVA;
        uint32_t va = REGION + p * PAGE_SIZE, off = ((unsigned)i * 36u) & 0xFFCu;
        next_frame = frames[((unsigned)i * 3u) % NFR];
        wr32(va + off, (uint32_t)i ^ 0x5A5A5A5Au);   /* faults */
        sum_d = sum_d * 31u + rd32(va + (off ^ 0x400u)) + rd32(va + off);
        pt[p] = 0;
        invlpg(va);
    }
    mmu_paging_off();
    uint32_t sum_f = 0;
    for (unsigned k = 0; k < NFR; k++)
        for (uint32_t o = 0; o < PAGE_SIZE; o += 4)
            sum_f = sum_f * 33u + rd32(frames[k] + o);
    uint32_t h = bench_mix(bench_mix(BENCH_MIX_INIT, sum_e), sum_d);
    bench_end(bench_mix(bench_mix(h, faults), sum_f));
    printf("mmu_pagefault n=%ld explicit=%08x demand=%08x faults=%u frames=%08x\n",
           n, (unsigned)sum_e, (unsigned)sum_d, faults, (unsigned)sum_f);
    return 0;
}
