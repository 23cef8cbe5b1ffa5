/*
 * paged_main.c - kmain of the *_paged bench workloads (sort_paged,
 * crc32_paged, qsort_paged): turns paging on with mmu_common.h's page
 * directory (the low 8 MiB identity-mapped with 4 KiB pages, supervisor,
 * read/write, CR0.WP set, as a kernel maps itself) and then runs the
 * workload's test_main() unchanged, so `xbt bench` measures the same loop
 * with guest paging on (here) and off (the plain workload).
 */
#include "mmu_common.h"

int test_main(void);

const char *xbt_cmdline;

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    if (magic == 0x2BADB002u && mbi && (mbi->flags & (1u << 2)))
        xbt_cmdline = (const char *)(uintptr_t)mbi->cmdline;
    mmu_init();
    mmu_paging_on(mmu_new_pd(), 1);
    return test_main();
}
