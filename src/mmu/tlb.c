/*
 * tlb.c - the simulated TLB consulted inline by translated code.  Direct
 * mapped, 16-byte entries, separate read and write tags.  Write tags are
 * never installed for pages holding translated code, so stores there take
 * the slow path and invalidate the translations they overlap.
 */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "mmu.h"

int mmu_init(struct mmu *mmu, struct machine *m, uint32_t tlb_entries)
{
    memset(mmu, 0, sizeof(*mmu));
    mmu->m = m;
    if (tlb_entries < 2 || tlb_entries > 65536 || (tlb_entries & (tlb_entries - 1)))
        return XBT_EINVAL;
    mmu->tlb_entries = tlb_entries;
    mmu->tlb = aligned_alloc(64, tlb_entries * sizeof(struct tlb_entry));
    mmu->ram_pages = m->ram_size / PAGE_SIZE;
    mmu->code_pages = calloc(mmu->ram_pages ? mmu->ram_pages : 1, 1);
    if (!mmu->tlb || !mmu->code_pages) {
        mmu_destroy(mmu);
        return XBT_ENOMEM;
    }
    mmu_tlb_flush(mmu);
    mmu->st.tlb_flushes = 0;
    return 0;
}

void mmu_destroy(struct mmu *mmu)
{
    mmu_window_destroy(mmu);
    free(mmu->tlb);
    free(mmu->code_pages);
    mmu->tlb = NULL;
    mmu->code_pages = NULL;
}

void mmu_tlb_flush(struct mmu *mmu)
{
    for (uint32_t i = 0; i < mmu->tlb_entries; i++) {
        mmu->tlb[i].tag_r = TLB_TAG_INVALID;
        mmu->tlb[i].tag_w = TLB_TAG_INVALID;
        mmu->tlb[i].addend = 0;
    }
    mmu->st.tlb_flushes++;
}

void mmu_code_page_set(struct mmu *mmu, uint32_t page_addr)
{
    uint32_t p = page_addr >> 12;
    if (p >= mmu->ram_pages)
        return;
    mmu->code_pages[p] = 1;
    mmu_window_protect(mmu, page_addr & PAGE_MASK, PAGE_SIZE, false);
    /* revoke fast-path writes to the page under any linear address */
    uint64_t host = (uint64_t)(uintptr_t)(mmu->m->ram + (page_addr & PAGE_MASK));
    for (uint32_t i = 0; i < mmu->tlb_entries; i++) {
        struct tlb_entry *e = &mmu->tlb[i];
        if (e->tag_w != TLB_TAG_INVALID && e->addend + e->tag_w == host)
            e->tag_w = TLB_TAG_INVALID;
    }
}

void mmu_code_page_clear(struct mmu *mmu, uint32_t page_addr)
{
    uint32_t p = page_addr >> 12;
    if (p < mmu->ram_pages && mmu->code_pages[p]) {
        mmu->code_pages[p] = 0;
        mmu_window_protect(mmu, page_addr & PAGE_MASK, PAGE_SIZE, true);
    }
}
