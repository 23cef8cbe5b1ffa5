/*
 * qsort_pg.c - benchmark: qsort.c's generic quicksort (an indirect
 * comparator call and return per comparison, calls between the pages of
 * the code) with guest paging on: code, data and stack through 4 KiB PTEs
 * (mmu_common.h's identity map), and TLB maintenance at an OS's pace, from
 * the comparator: an INVLPG of a data page every 256 comparisons (as a
 * kernel's temporary mappings do) and a CR3 reload every 4096 (process
 * switches).  N rounds (command line).  Its native equivalent is qsort's
 * twin (the same sort, the same checksum).
 */
#include "mmu_common.h"

#define SCRATCH 0x40000000u /* the page INVLPG drops */

static uint32_t cmp_count;

static inline void tlb_maintenance(void)
{
    uint32_t n = ++cmp_count;
    if (!(n & 255))
        invlpg(SCRATCH);
    if (!(n & 4095))
        reload_cr3();
}

#define QSORT_CMP_HOOK() tlb_maintenance()
#define test_main qsort_main
#include "qsort.c"

const char *xbt_cmdline;

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    if (magic == 0x2BADB002u && mbi && (mbi->flags & (1u << 2)))
        xbt_cmdline = (const char *)(uintptr_t)mbi->cmdline;
    mmu_init();
    uint32_t *pd = mmu_new_pd();
    mmu_map_new(pd, SCRATCH, 1, PG_P | PG_W);
    mmu_paging_on(pd, 1);
    int rc = qsort_main();
    mmu_paging_off();
    return rc;
}
