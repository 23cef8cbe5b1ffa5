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
#include "tcache.h"
#include "shadow.h"

int mmu_init(struct mmu *mmu, struct machine *m, uint32_t tlb_entries)
{
    memset(mmu, 0, sizeof(*mmu));
    mmu->m = m;
    if (tlb_entries < 2 || tlb_entries > 65536 || (tlb_entries & (tlb_entries - 1)))
        return XBT_EINVAL;
    mmu->tlb_entries = tlb_entries;
    /* aligned_alloc wants a size that is a multiple of the alignment */
    size_t bytes = ((size_t)tlb_entries * sizeof(struct tlb_entry) + 63) & ~(size_t)63;
    mmu->tlb = aligned_alloc(64, bytes);
    mmu->tlb_user = aligned_alloc(64, bytes);
    mmu->global = calloc(2 * (size_t)tlb_entries, 1);
    mmu->ram_pages = m->ram_size / PAGE_SIZE;
    mmu->code_pages = calloc(mmu->ram_pages ? mmu->ram_pages : 1, 1);
    mmu->pt_pages = calloc(mmu->ram_pages ? mmu->ram_pages : 1, 1);
    if (!mmu->tlb || !mmu->tlb_user || !mmu->global || !mmu->code_pages || !mmu->pt_pages) {
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
    free(mmu->tlb_user);
    free(mmu->global);
    free(mmu->code_pages);
    free(mmu->pt_pages);
    shadow_destroy(mmu->shadow);
    mmu->shadow = NULL;
    mmu->pt_pages = NULL;
    mmu->tlb = mmu->tlb_user = NULL;
    mmu->global = NULL;
    mmu->code_pages = NULL;
}

static void entry_clear(struct tlb_entry *e)
{
    e->tag_r = TLB_TAG_INVALID;
    e->tag_w = TLB_TAG_INVALID;
    e->addend = 0;
}

void mmu_tlb_flush(struct mmu *mmu)
{
    for (uint32_t i = 0; i < mmu->tlb_entries; i++) {
        entry_clear(&mmu->tlb[i]);
        entry_clear(&mmu->tlb_user[i]);
        mmu->global[i] = mmu->global[mmu->tlb_entries + i] = 0;
    }
    mmu->st.tlb_flushes++;
}

void mmu_flush_nonglobal(struct mmu *mmu)
{
    uint32_t n = mmu->tlb_entries;
    for (uint32_t i = 0; i < n; i++) {
        if (!mmu->global[i])
            entry_clear(&mmu->tlb[i]);
        if (!mmu->global[n + i])
            entry_clear(&mmu->tlb_user[i]);
    }
    mmu->st.tlb_flushes++;
}

/* INVLPG: the TLB keeps 4 KiB entries even for 4 MiB pages, and INVLPG
 * of any address in a large page drops the whole page, so every entry in
 * the 4 MiB region of lin goes (a page-sized over-flush is harmless). */
void mmu_flush_page(struct mmu *mmu, uint32_t lin)
{
    uint32_t region = lin & 0xFFC00000u, n = mmu->tlb_entries;
    for (uint32_t i = 0; i < n; i++) {
        struct tlb_entry *t[2] = {&mmu->tlb[i], &mmu->tlb_user[i]};
        for (int k = 0; k < 2; k++)
            if (t[k]->tag_r != TLB_TAG_INVALID && (t[k]->tag_r & 0xFFC00000u) == region) {
                entry_clear(t[k]);
                mmu->global[k * n + i] = 0;
            }
    }
    mmu->st.tlb_flushes++;
}

/* Revokes fast-path writes to the RAM page under any linear address. */
static void revoke_writes(struct mmu *mmu, uint32_t page_addr)
{
    uint64_t host = (uint64_t)(uintptr_t)(mmu->m->ram + (page_addr & PAGE_MASK));
    for (uint32_t i = 0; i < mmu->tlb_entries; i++) {
        struct tlb_entry *es[2] = {&mmu->tlb[i], &mmu->tlb_user[i]};
        for (int k = 0; k < 2; k++)
            if (es[k]->tag_w != TLB_TAG_INVALID && es[k]->addend + es[k]->tag_w == host)
                es[k]->tag_w = TLB_TAG_INVALID;
    }
}

void mmu_code_page_set(struct mmu *mmu, uint32_t page_addr)
{
    uint32_t p = page_addr >> 12;
    if (p >= mmu->ram_pages)
        return;
    mmu->code_pages[p] = 1;
    mmu_window_protect(mmu, page_addr & PAGE_MASK, PAGE_SIZE, false);
    revoke_writes(mmu, page_addr);
}

void mmu_pt_trace(struct mmu *mmu, uint32_t addr)
{
    uint32_t p = addr >> 12;
    if (p >= mmu->ram_pages || mmu->pt_pages[p])
        return;
    mmu->pt_pages[p] = 1;
    revoke_writes(mmu, addr & PAGE_MASK);
}

void mmu_code_page_clear(struct mmu *mmu, uint32_t page_addr)
{
    uint32_t p = page_addr >> 12;
    if (p < mmu->ram_pages && mmu->code_pages[p]) {
        mmu->code_pages[p] = 0;
        mmu_window_protect(mmu, page_addr & PAGE_MASK, PAGE_SIZE, true);
    }
}
