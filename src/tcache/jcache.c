/*
 * jcache.c - the indirect-branch tables: one per mode key, mapping a
 * target EIP to its unit's code, looked up inline by translated code
 * (indirect jumps and calls, returns), and the exact invalidation of what
 * depends on linear mappings when the guest changes them: the tables'
 * entries and, under paging, the chains to targets on other pages.
 *
 * An entry stands for the translation of the target's linear page(s) at
 * the time it was filled, exactly like a TLB entry: it stays valid until
 * the guest's TLB maintenance says the mapping may have changed.  Each
 * fill is recorded (struct jc_dep) under the 4 MiB region of its first
 * byte and, for a unit running onto the next page, of that page too, in
 * one of two classes: global pages, or not.  INVLPG clears the records of
 * its region (as the TLB drops the region, tlb.c), a CR3 load the class
 * that is not global, a paging mode change everything.  A record whose
 * entry has been refilled since (another tag) is stale and clears nothing.
 * A chained exit to a target the page tables may remap (chain.c) is
 * recorded the same way, under its target's regions, and unchained.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mmu.h"
#include "tcache.h"
#include "tc_internal.h"

static void entry_drop(struct jc_entry *e)
{
    e->neg_tag = JC_INVALID;
    e->code = JC_DROPPED;
}

static void jc_clear(struct jc_entry *jc)
{
    for (uint32_t i = 0; i < JC_ENTRIES; i++) {
        jc[i].neg_tag = JC_INVALID;
        jc[i].code = NULL;
    }
}

static void deps_reset(struct jc_deps *d)
{
    d->n = 0;
    memset(d->head, 0, sizeof(d->head));
}

int tc_jcache_init(struct tcache *tc)
{
    for (int c = 0; c < 2; c++) {
        tc->jc_deps[c].dep = malloc(JC_DEPS_MAX * sizeof(struct jc_dep));
        if (!tc->jc_deps[c].dep)
            return XBT_ENOMEM;
        deps_reset(&tc->jc_deps[c]);
    }
    return 0;
}

void tc_jcache_destroy(struct tcache *tc)
{
    for (int c = 0; c < 2; c++)
        free(tc->jc_deps[c].dep);
    for (int i = 0; i < tc->njc; i++)
        munmap(tc->jc[i].tab, JC_ENTRIES * sizeof(struct jc_entry));
}

/* True if the record still stands for what it recorded: the entry holds
 * the same fill, or the exit is still chained to the same unit. */
static bool dep_live(const struct jc_dep *r)
{
    if (!r->obj)
        return false;
    if (r->chain) {
        const struct unit *from = r->obj;
        return (uint64_t)(uintptr_t)from->exits[r->tag & 7].dest == (r->tag & ~(uint64_t)7);
    }
    return ((const struct jc_entry *)r->obj)->neg_tag == r->tag;
}

/* Undoes a live record: clears the entry (returns 1) or unchains the exit. */
static uint64_t dep_drop(struct tcache *tc, struct jc_dep *r)
{
    if (!dep_live(r))
        return 0;
    if (r->chain) {
        tc_unchain_exit(tc, r->obj, (int)(r->tag & 7));
        tc->st.chains_unmapped++;
        return 0;
    }
    entry_drop(r->obj);
    return 1;
}

/* Undoes every live record of a class; returns the entries cleared. */
static uint64_t drop_class(struct tcache *tc, struct jc_deps *d)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < d->n; k++)
        n += dep_drop(tc, &d->dep[k]);
    deps_reset(d);
    return n;
}

/* Clears every table and undoes every tracked chain; cause counts the
 * entries that held code. */
static void clear_all(struct tcache *tc, enum jc_inval_cause cause)
{
    uint64_t n = drop_class(tc, &tc->jc_deps[0]) + drop_class(tc, &tc->jc_deps[1]);
    for (int i = 0; i < tc->njc; i++)
        jc_clear(tc->jc[i].tab);
    tc->st.jc_inval[cause] += n;
}

void tc_jcache_flush(struct tcache *tc)
{
    /* the cache is empty: no unit is left to unchain */
    deps_reset(&tc->jc_deps[0]);
    deps_reset(&tc->jc_deps[1]);
    for (int i = 0; i < tc->njc; i++)
        jc_clear(tc->jc[i].tab);
}

struct jc_entry *tc_jcache(struct tcache *tc, uint32_t mode)
{
    return tc_jcache_cs(tc, mode, 0, 0xFFFFFFFFu);
}

int tc_jcache_index(const struct tcache *tc, uint32_t mode)
{
    for (int i = 0; i < tc->njc; i++)
        if (tc_jcache_slot(tc, i, mode))
            return i;
    return -1;
}

/* Takes slot i for (mode, cs_base, cs_limit) with table tab. */
static void jc_slot_set(struct tcache *tc, int i, uint32_t mode, uint32_t cs_base,
                        uint32_t cs_limit, struct jc_entry *tab)
{
    tc->jc[i].mode = mode;
    tc->jc[i].cs_base = cs_base;
    tc->jc[i].cs_limit = cs_limit;
    tc->jc[i].tab = tab;
}

struct jc_entry *tc_jcache_cs(struct tcache *tc, uint32_t mode, uint32_t cs_base, uint32_t cs_limit)
{
    for (int i = 0; i < tc->njc; i++)
        if (tc->jc[i].mode == mode && tc->jc[i].cs_base == cs_base &&
            tc->jc[i].cs_limit == cs_limit)
            return tc->jc[i].tab;
    if (tc->njc == JC_MAX_MODES) {
        /* too many tables: recycle the oldest (its records go stale:
         * every tag is invalid) */
        struct jc_entry *tab = tc->jc[0].tab;
        memmove(&tc->jc[0], &tc->jc[1], (JC_MAX_MODES - 1) * sizeof(tc->jc[0]));
        jc_slot_set(tc, JC_MAX_MODES - 1, mode, cs_base, cs_limit, tab);
        jc_clear(tab);
        return tab;
    }
    void *p = mmap(NULL, JC_ENTRIES * sizeof(struct jc_entry), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    jc_clear(p);
    jc_slot_set(tc, tc->njc++, mode, cs_base, cs_limit, p);
    return p;
}

/* Drops the stale records of a class and relinks the live ones.  Returns
 * the live count. */
static uint32_t deps_compact(struct jc_deps *d)
{
    uint32_t keep = 0;
    memset(d->head, 0, sizeof(d->head));
    for (uint32_t k = 0; k < d->n; k++) {
        struct jc_dep r = d->dep[k];
        if (!dep_live(&r))
            continue;
        r.next = d->head[r.region];
        d->dep[keep] = r;
        d->head[r.region] = ++keep;
    }
    d->n = keep;
    return keep;
}

/* Records that obj (holding tag) depends on the mappings of region.
 * false: the records were full (everything was cleared, obj's fill or
 * chain included, or must be undone by the caller). */
static bool dep_add(struct tcache *tc, int cls, struct jc_dep r)
{
    struct jc_deps *d = &tc->jc_deps[cls];
    if (d->n == JC_DEPS_MAX && deps_compact(d) > JC_DEPS_MAX / 4 * 3) {
        clear_all(tc, JC_INV_CAPACITY);
        tc->st.jc_flushes[JC_INV_CAPACITY]++;
        return false;
    }
    r.next = d->head[r.region];
    d->dep[d->n] = r;
    d->head[r.region] = ++d->n;
    return true;
}

/* Records r under the regions of [first, last]. */
static bool dep_add_span(struct tcache *tc, bool global, struct jc_dep r, uint32_t first,
                         uint32_t last)
{
    int cls = global ? 1 : 0;
    r.region = (uint16_t)(first >> 22);
    if (!dep_add(tc, cls, r))
        return false;
    r.region = (uint16_t)(last >> 22);
    return (last >> 22) == (first >> 22) || dep_add(tc, cls, r);
}

void tc_jcache_fill(struct tcache *tc, struct jc_entry *tab, uint32_t eip, uint32_t lin,
                    uint32_t last, bool global, bool missed, const void *code)
{
    struct jc_entry *e = &tab[eip & (JC_ENTRIES - 1)];
    enum jc_miss_kind kind = e->neg_tag != JC_INVALID ? JC_MISS_CONFLICT
                             : e->code == JC_DROPPED  ? JC_MISS_DROPPED
                                                      : JC_MISS_COLD;
    if (missed)
        tc->st.jc_miss[kind]++;
    uint64_t neg_tag = -(uint64_t)eip;
    e->neg_tag = neg_tag;
    e->code = code;
    tc->st.jc_fills++;
    struct jc_dep r = { .obj = e, .tag = neg_tag };
    if (!dep_add_span(tc, global, r, lin, last))
        entry_drop(e); /* its fill is not recorded */
}

void tc_jcache_track_chain(struct tcache *tc, struct unit *from, int idx, struct unit *to,
                           bool to_global)
{
    struct jc_dep r = { .obj = from, .tag = (uint64_t)(uintptr_t)to | (uint64_t)idx, .chain = 1 };
    tc->st.chains_tracked++;
    if (!dep_add_span(tc, to_global, r, to->vpc + to->cs_base,
                      to->vpc + to->cs_base + to->guest_size - 1))
        tc_unchain_exit(tc, from, idx);
}

/* Undoes the live records of region in a class; returns the entries cleared. */
static uint64_t drop_region(struct tcache *tc, struct jc_deps *d, uint32_t region)
{
    uint64_t n = 0;
    for (uint32_t k = d->head[region]; k; k = d->dep[k - 1].next) {
        struct jc_dep *r = &d->dep[k - 1];
        n += dep_drop(tc, r);
        r->obj = NULL;
    }
    d->head[region] = 0;
    return n;
}

void tc_jcache_mappings_changed(struct tcache *tc, int mmu_flush_cause, uint32_t lin)
{
    switch (mmu_flush_cause) {
    case MMU_FLUSH_INVLPG:
        tc->st.jc_inval[JC_INV_INVLPG] += drop_region(tc, &tc->jc_deps[0], lin >> 22) +
                                          drop_region(tc, &tc->jc_deps[1], lin >> 22);
        tc->st.jc_flushes[JC_INV_INVLPG]++;
        break;
    case MMU_FLUSH_CR3:
        tc->st.jc_inval[JC_INV_CR3] += drop_class(tc, &tc->jc_deps[0]);
        tc->st.jc_flushes[JC_INV_CR3]++;
        break;
    default:
        clear_all(tc, JC_INV_MODE);
        tc->st.jc_flushes[JC_INV_MODE]++;
        break;
    }
}

void tc_jcache_drop_code(struct tcache *tc, uint32_t eip, const void *code)
{
    for (int i = 0; i < tc->njc; i++) {
        struct jc_entry *e = &tc->jc[i].tab[eip & (JC_ENTRIES - 1)];
        if (e->code == code && e->neg_tag != JC_INVALID) {
            entry_drop(e);
            tc->st.jc_inval[JC_INV_UNIT]++;
        }
    }
}
