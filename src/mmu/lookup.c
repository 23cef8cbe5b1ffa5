/*
 * lookup.c - linear to physical through the simulated TLBs: the lookup of
 * one page in the TLB of a privilege (supervisor or CPL 3) with the rules
 * the inline lookup of translated code applies, and the miss path behind
 * it (the victim buffer, then a walk of the guest page tables or the
 * shadow page tables) that refills the entry.  Faults are returned as #PF
 * error codes, never raised: the CPU (src/cpu/memory.c) raises them.
 */
#include "mmu.h"
#include "shadow.h"
#include "walk.h"
#include "x86.h"

/* A guest walk, or the shadow page tables in front of it (--mmu=shadow). */
static int do_walk(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, unsigned acc,
                   struct walk_result *w)
{
    if (mmu->shadow)
        return shadow_translate(mmu->shadow, mmu, pg->cr0, pg->cr3, pg->cr4, lin, acc, w);
    mmu->st.walks++;
    int rc = mmu_walk(mmu, pg->cr0, pg->cr3, pg->cr4, lin, acc, w);
    w->phys &= mmu_a20_mask(mmu); /* the walk's table reads are masked in walk.c */
    return rc;
}

/* Moves a valid entry about to be overwritten into the victim buffer. */
static void victim_push(struct mmu *mmu, const struct tlb_entry *e, bool user, bool global)
{
    if (!mmu->nvictims || e->tag_r == TLB_TAG_INVALID)
        return;
    struct tlb_victim *v = &mmu->victims[mmu->victim_next];
    mmu->victim_next = (mmu->victim_next + 1) % mmu->nvictims;
    v->e = *e;
    v->user = user;
    v->global = global;
    v->valid = 1;
}

/* Fills the entry for lin in the TLB of the given privilege. */
static void tlb_fill(struct mmu *mmu, bool user, uint32_t lin, uint32_t phys, bool writable,
                     bool global)
{
    if (mmu->nwatch && mmu_watched(mmu, lin))
        return; /* a data breakpoint's page: every access checks it */
    uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
    struct tlb_entry *e = user ? &mmu->tlb_user[i] : &mmu->tlb[i];
    uint32_t page = lin & PAGE_MASK;
    if (e->tag_r != page)
        victim_push(mmu, e, user, mmu->global[(user ? mmu->tlb_entries : 0) + i]);
    e->tag_r = page;
    e->tag_w = (writable && !mmu_is_wp_page(mmu, phys)) ? page : TLB_TAG_INVALID;
    e->addend = (uint64_t)(uintptr_t)(mmu->ram + (phys & PAGE_MASK)) - page;
    mmu->global[(user ? mmu->tlb_entries : 0) + i] = global;
    mmu_tlb_note_fill(mmu, (user ? mmu->tlb_entries : 0) + i);
    mmu->st.tlb_fills++;
}

bool mmu_is_plain_ram(struct mmu *mmu, uint32_t phys)
{
    return mmu_phys_ptr(mmu, phys & PAGE_MASK, PAGE_SIZE) != NULL;
}

/* The victim buffer: a recently evicted entry for lin that allows the
 * access goes back into the TLB (swapping with the current one). */
static bool victim_lookup(struct mmu *mmu, bool user, uint32_t lin, bool write, uint32_t *phys)
{
    uint32_t page = lin & PAGE_MASK;
    if (mmu->nwatch && mmu_watched(mmu, lin))
        return false;
    for (uint32_t k = 0; k < mmu->nvictims; k++) {
        struct tlb_victim *v = &mmu->victims[k];
        if (!v->valid || v->user != user || v->e.tag_r != page || (write && v->e.tag_w != page))
            continue;
        uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
        uint32_t slot = (user ? mmu->tlb_entries : 0) + i;
        struct tlb_entry *e = user ? &mmu->tlb_user[i] : &mmu->tlb[i];
        struct tlb_victim old = { *e, user, mmu->global[slot], e->tag_r != TLB_TAG_INVALID };
        *e = v->e;
        mmu->global[slot] = v->global;
        mmu_tlb_note_fill(mmu, slot);
        *v = old;
        *phys = mmu_tlb_phys(mmu, e, lin);
        mmu->st.victim_hits++;
        return true;
    }
    return false;
}

void mmu_fill_identity(struct mmu *mmu, uint32_t lin)
{
    uint32_t phys = lin & mmu_a20_mask(mmu);
    if (mmu_is_plain_ram(mmu, phys))
        tlb_fill(mmu, false, lin, phys, true, false);
}

int mmu_miss(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, bool user, bool write,
             uint32_t *phys, uint32_t *err)
{
    if (mmu->nvictims && victim_lookup(mmu, user, lin, write, phys))
        return 0;
    struct walk_result w;
    unsigned acc = (write ? WALK_WRITE : 0) | (user ? WALK_USER : 0);
    if (do_walk(mmu, pg, lin, acc, &w) < 0) {
        *err = w.err;
        return -1;
    }
    *phys = w.phys | (lin & ~PAGE_MASK);
    /* a successful write walk has set D, so the write tag goes in at once */
    if (mmu_is_plain_ram(mmu, w.phys))
        tlb_fill(mmu, user, lin, w.phys, w.write_ok && (w.dirty || write), w.global);
    return 0;
}

/* Instruction fetch: the TLB entry of the privilege answers (on an i686
 * what may be read may be executed), so fetches are cached and flushed
 * like data translations. */
static int lookup_fetch(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, unsigned acc,
                        uint32_t *phys, uint32_t *err)
{
    bool user = (acc & WALK_USER) != 0, write = (acc & WALK_WRITE) != 0;
    const struct tlb_entry *e = mmu_tlb_entry(mmu, user, lin);
    if (!write && mmu_tlb_hit(e, lin, false)) {
        mmu->st.fetch_hits++;
        *phys = mmu_tlb_phys(mmu, e, lin);
        return 0;
    }
    struct walk_result w;
    if (do_walk(mmu, pg, lin, acc, &w) < 0) {
        *err = w.err;
        return -1;
    }
    *phys = w.phys | (lin & ~PAGE_MASK);
    if (!write && mmu_is_plain_ram(mmu, w.phys))
        tlb_fill(mmu, user, lin, w.phys, w.write_ok && w.dirty, w.global);
    return 0;
}

int mmu_lookup(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, unsigned acc,
               uint32_t *phys, uint32_t *err)
{
    bool user = (acc & WALK_USER) != 0, write = (acc & WALK_WRITE) != 0;
    if (!(pg->cr0 & CR0_PG)) {
        *phys = lin & mmu_a20_mask(mmu);
        if (acc & WALK_EXEC)
            return 0;
        /* data: the identity entries of the supervisor table, filled as
         * for translated code, so the next access to the page is a host
         * copy (mmu_tlb_host) */
        if (mmu_tlb_hit(mmu_tlb_entry(mmu, false, lin), lin, write)) {
            mmu->st.helper_tlb_hits++;
        } else {
            mmu->st.helper_tlb_misses++;
            mmu_fill_identity(mmu, lin);
        }
        return 0;
    }
    if (acc & WALK_EXEC)
        return lookup_fetch(mmu, pg, lin, acc, phys, err);
    /* data accesses: the TLB of the access's privilege (the supervisor one
     * for implicit supervisor accesses at CPL 3) with the rules of
     * translated code, then the same miss path */
    const struct tlb_entry *e = mmu_tlb_entry(mmu, user, lin);
    if (mmu_tlb_hit(e, lin, write)) {
        mmu->st.helper_tlb_hits++;
        *phys = mmu_tlb_phys(mmu, e, lin);
        return 0;
    }
    mmu->st.helper_tlb_misses++;
    return mmu_miss(mmu, pg, lin, user, write, phys, err);
}
