/*
 * mmu_asswitch.c - benchmark: four address spaces (page directories) map
 * the same 8 virtual pages at 0x40000000 (plus one private page each at
 * 0x50000000 + 4 KiB * space) to different frames; the loop switches among
 * them by MOV CR3 in the order 0 1 0 2 0 3 (a ping-pong through space 0)
 * and after each switch reads and writes a dword in each page.  N rounds
 * (N = command line, default 50) of six switches.  Stresses CR3 loads:
 * TLB flushes, shadow page table switching or caching, and the
 * translation cache's handling of code/data across address spaces.
 */
#include "bench.h"
#include "mmu_bench.h"

#define REGION 0x40000000u
#define PRIV 0x50000000u
#define NAS 4u
#define NPG 8u

static uint32_t *pd[NAS];
static uint32_t frames[NAS][NPG + 1];

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    static const unsigned order[] = { 0, 1, 0, 2, 0, 3 };
    long n = mmu_bench_arg(magic, mbi, 50);
    mmu_init();
    for (unsigned s = 0; s < NAS; s++) {
        pd[s] = mmu_new_pd();
        for (unsigned k = 0; k < NPG; k++) {
            frames[s][k] = mmu_alloc();
            wr32(frames[s][k], s * 100u + k);
            mmu_map(pd[s], REGION + k * PAGE_SIZE, frames[s][k], PG_P | PG_W);
        }
        frames[s][NPG] = mmu_alloc();
        wr32(frames[s][NPG], 0xA000u + s);
        mmu_map(pd[s], PRIV + s * PAGE_SIZE, frames[s][NPG], PG_P | PG_W);
    }
    mmu_paging_on(pd[0], 1);

    uint32_t sum = 0;
    bench_start();
    for (long i = 0; i < n; i++) {
        for (unsigned j = 0; j < sizeof order / sizeof order[0]; j++) {
            unsigned s = order[j];
            write_cr3((uint32_t)pd[s]);
            uint32_t priv = PRIV + s * PAGE_SIZE;
            uint32_t acc = rd32(priv);
            for (unsigned k = 0; k < NPG; k++) {
                uint32_t va = REGION + k * PAGE_SIZE + ((k * 4u + j * 64u) & 0xFFCu);
                uint32_t v = rd32(va) + acc;
                wr32(va, v ^ (uint32_t)i);
                acc = acc * 17u + v;
            }
            wr32(priv, acc);
            sum = sum * 31u + acc;
        }
    }
    mmu_paging_off();
    uint32_t mem = 0;
    for (unsigned s = 0; s < NAS; s++)
        for (unsigned k = 0; k <= NPG; k++)
            for (uint32_t o = 0; o < PAGE_SIZE; o += 4)
                mem = mem * 33u + rd32(frames[s][k] + o);
    bench_end(bench_mix(bench_mix(BENCH_MIX_INIT, sum), mem));
    printf("mmu_asswitch n=%ld switches=%ld sum=%08x mem=%08x\n",
           n, n * (long)(sizeof order / sizeof order[0]), (unsigned)sum, (unsigned)mem);
    return 0;
}
