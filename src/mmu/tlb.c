/*
 * tlb.c - the simulated TLB consulted inline by translated code.  Direct
 * mapped, 16-byte entries, separate read and write tags.  Write tags are
 * never installed for pages holding translated code, so stores there take
 * the slow path and invalidate the translations they overlap.
 */
#include <stdlib.h>
#include <string.h>

#include "hostmmu.h"
#include "mmu.h"
#include "shadow.h"
#include "tlb.h"

static void entry_clear(struct tlb_entry *e)
{
    e->tag_r = TLB_TAG_INVALID;
    e->tag_w = TLB_TAG_INVALID;
    e->addend = 0;
}

int mmu_init(struct mmu *mmu, uint8_t *ram, uint32_t ram_size, struct io_bus *bus,
             uint32_t tlb_entries)
{
    memset(mmu, 0, sizeof(*mmu));
    mmu->ram = ram;
    mmu->ram_size = ram_size;
    mmu->bus = bus;
    if (tlb_entries < 2 || tlb_entries > 65536 || (tlb_entries & (tlb_entries - 1)))
        return XBT_EINVAL;
    mmu->tlb_entries = tlb_entries;
    /* aligned_alloc wants a size that is a multiple of the alignment */
    size_t bytes = ((size_t)tlb_entries * sizeof(struct tlb_entry) + 63) & ~(size_t)63;
    mmu->tlb = aligned_alloc(64, bytes);
    mmu->tlb_user = aligned_alloc(64, bytes);
    mmu->global = calloc(2 * (size_t)tlb_entries, 1);
    mmu->live = calloc(2 * (size_t)tlb_entries, sizeof(uint32_t));
    mmu->in_live = calloc(2 * (size_t)tlb_entries, 1);
    mmu->ram_pages = ram_size / PAGE_SIZE;
    mmu->code_pages = calloc(mmu->ram_pages ? mmu->ram_pages : 1, 1);
    mmu->pt_pages = calloc(mmu->ram_pages ? mmu->ram_pages : 1, 1);
    mmu->rom_pages = calloc(mmu->ram_pages ? mmu->ram_pages : 1, 1);
    if (!mmu->tlb || !mmu->tlb_user || !mmu->global || !mmu->code_pages || !mmu->pt_pages ||
        !mmu->rom_pages || !mmu->live || !mmu->in_live) {
        mmu_destroy(mmu);
        return XBT_ENOMEM;
    }
    for (uint32_t i = 0; i < tlb_entries; i++) { /* all entries start invalid */
        entry_clear(&mmu->tlb[i]);
        entry_clear(&mmu->tlb_user[i]);
    }
    return 0;
}

void mmu_destroy(struct mmu *mmu)
{
    mmu_window_destroy(mmu);
    free(mmu->tlb);
    free(mmu->tlb_user);
    free(mmu->global);
    free(mmu->live);
    free(mmu->in_live);
    mmu->live = NULL;
    mmu->in_live = NULL;
    free(mmu->code_pages);
    free(mmu->pt_pages);
    free(mmu->rom_pages);
    shadow_destroy(mmu->shadow);
    mmu->shadow = NULL;
    hmmu_destroy(mmu->hmmu);
    mmu->hmmu = NULL;
    mmu->pt_pages = NULL;
    mmu->tlb = mmu->tlb_user = NULL;
    mmu->global = NULL;
    mmu->code_pages = NULL;
}

static bool not_global(struct mmu *mmu, uint32_t slot, uint32_t unused);

static struct tlb_entry *slot_entry(struct mmu *mmu, uint32_t slot)
{
    uint32_t n = mmu->tlb_entries;
    return slot < n ? &mmu->tlb[slot] : &mmu->tlb_user[slot - n];
}

bool mmu_tlb_global(const struct mmu *mmu, bool user, uint32_t lin)
{
    uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
    const struct tlb_entry *e = user ? &mmu->tlb_user[i] : &mmu->tlb[i];
    return e->tag_r == (lin & PAGE_MASK) && mmu->global[(user ? mmu->tlb_entries : 0) + i];
}

void mmu_tlb_note_fill(struct mmu *mmu, uint32_t slot)
{
    if (!mmu->in_live[slot]) {
        mmu->in_live[slot] = 1;
        mmu->live[mmu->nlive++] = slot;
    }
}

/* Clears the live entries `drop` selects (all when drop is NULL). */
static void flush_live(struct mmu *mmu, bool (*drop)(struct mmu *, uint32_t, uint32_t),
                       uint32_t arg)
{
    uint32_t keep = 0;
    for (uint32_t k = 0; k < mmu->nlive; k++) {
        uint32_t slot = mmu->live[k];
        if (drop && !drop(mmu, slot, arg)) {
            mmu->live[keep++] = slot;
            continue;
        }
        entry_clear(slot_entry(mmu, slot));
        mmu->global[slot] = 0;
        mmu->in_live[slot] = 0;
    }
    mmu->nlive = keep;
    /* the victim buffer follows the same rule */
    for (uint32_t k = 0; k < mmu->nvictims; k++) {
        struct tlb_victim *v = &mmu->victims[k];
        if (!v->valid)
            continue;
        bool go = !drop || (drop == not_global ? !v->global : (v->e.tag_r & 0xFFC00000u) == arg);
        if (go)
            v->valid = 0;
    }
    mmu->st.tlb_flushes++;
}

void mmu_tlb_flush(struct mmu *mmu)
{
    flush_live(mmu, NULL, 0);
}

static bool not_global(struct mmu *mmu, uint32_t slot, uint32_t unused)
{
    (void)unused;
    return !mmu->global[slot];
}

void mmu_flush_nonglobal(struct mmu *mmu)
{
    flush_live(mmu, not_global, 0);
}

/* INVLPG: the TLB keeps 4 KiB entries even for 4 MiB pages, and INVLPG
 * of any address in a large page drops the whole page, so every entry in
 * the 4 MiB region of lin goes (a page-sized over-flush is harmless). */
static bool in_region(struct mmu *mmu, uint32_t slot, uint32_t region)
{
    struct tlb_entry *e = slot_entry(mmu, slot);
    return e->tag_r != TLB_TAG_INVALID && (e->tag_r & 0xFFC00000u) == region;
}

void mmu_flush_page(struct mmu *mmu, uint32_t lin)
{
    flush_live(mmu, in_region, lin & 0xFFC00000u);
}

/* Revokes fast-path writes to the RAM page under any linear address. */
static void revoke_writes(struct mmu *mmu, uint32_t page_addr)
{
    uint64_t host = (uint64_t)(uintptr_t)(mmu->ram + (page_addr & PAGE_MASK));
    for (uint32_t k = 0; k < mmu->nlive; k++) {
        struct tlb_entry *e = slot_entry(mmu, mmu->live[k]);
        if (e->tag_w != TLB_TAG_INVALID && e->addend + e->tag_w == host)
            e->tag_w = TLB_TAG_INVALID;
    }
    for (uint32_t k = 0; k < mmu->nvictims; k++) {
        struct tlb_entry *e = &mmu->victims[k].e;
        if (e->tag_w != TLB_TAG_INVALID && e->addend + e->tag_w == host)
            e->tag_w = TLB_TAG_INVALID;
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
    if (mmu->hmmu)
        hmmu_write_protect(mmu->hmmu, page_addr);
}

void mmu_pt_trace(struct mmu *mmu, uint32_t addr)
{
    uint32_t p = addr >> 12;
    if (p >= mmu->ram_pages || mmu->pt_pages[p])
        return;
    mmu->pt_pages[p] = 1;
    revoke_writes(mmu, addr & PAGE_MASK);
    if (mmu->hmmu)
        hmmu_write_protect(mmu->hmmu, addr & PAGE_MASK);
}

void mmu_code_page_clear(struct mmu *mmu, uint32_t page_addr)
{
    uint32_t p = page_addr >> 12;
    if (p < mmu->ram_pages && mmu->code_pages[p]) {
        mmu->code_pages[p] = 0;
        if (!mmu->rom_pages[p]) /* shadow-ROM stays read-only */
            mmu_window_protect(mmu, page_addr & PAGE_MASK, PAGE_SIZE, true);
    }
}
