/*
 * jcache.c - the indirect-branch tables: one per mode key, mapping a
 * target EIP to its unit's code, looked up inline by translated code
 * (indirect jumps and calls, returns, and under paging direct branches to
 * other pages), and their exact invalidation when the guest's linear
 * mappings change.
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

static uint64_t drop_class(struct jc_deps *d);

/* Clears every table; cause counts the entries that held code. */
static void clear_all(struct tcache *tc, enum jc_inval_cause cause)
{
    uint64_t n = drop_class(&tc->jc_deps[0]) + drop_class(&tc->jc_deps[1]);
    for (int i = 0; i < tc->njc; i++)
        jc_clear(tc->jc[i].tab);
    tc->st.jc_inval[cause] += n;
}

void tc_jcache_flush(struct tcache *tc)
{
    clear_all(tc, JC_INV_UNIT);
}

struct jc_entry *tc_jcache(struct tcache *tc, uint32_t mode)
{
    for (int i = 0; i < tc->njc; i++)
        if (tc->jc[i].mode == mode)
            return tc->jc[i].tab;
    if (tc->njc == JC_MAX_MODES) {
        /* too many modes: recycle the oldest table (its records go stale:
         * every tag is invalid) */
        struct jc_entry *tab = tc->jc[0].tab;
        memmove(&tc->jc[0], &tc->jc[1], (JC_MAX_MODES - 1) * sizeof(tc->jc[0]));
        tc->jc[JC_MAX_MODES - 1].mode = mode;
        tc->jc[JC_MAX_MODES - 1].tab = tab;
        jc_clear(tab);
        return tab;
    }
    void *p = mmap(NULL, JC_ENTRIES * sizeof(struct jc_entry), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    jc_clear(p);
    tc->jc[tc->njc].mode = mode;
    tc->jc[tc->njc].tab = p;
    tc->njc++;
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
        if (!r.e || r.e->neg_tag != r.neg_tag)
            continue;
        r.next = d->head[r.region];
        d->dep[keep] = r;
        d->head[r.region] = ++keep;
    }
    d->n = keep;
    return keep;
}

/* Records that e (holding neg_tag) depends on the mappings of region. */
static void dep_add(struct tcache *tc, int cls, struct jc_entry *e, uint64_t neg_tag,
                    uint32_t region)
{
    struct jc_deps *d = &tc->jc_deps[cls];
    if (d->n == JC_DEPS_MAX && deps_compact(d) > JC_DEPS_MAX / 4 * 3) {
        clear_all(tc, JC_INV_CAPACITY);
        tc->st.jc_flushes[JC_INV_CAPACITY]++;
        e->neg_tag = JC_INVALID; /* its fill is not recorded any more */
        return;
    }
    d->dep[d->n] = (struct jc_dep){ .e = e, .neg_tag = neg_tag, .next = d->head[region],
                                    .region = region };
    d->head[region] = ++d->n;
}

void tc_jcache_fill(struct tcache *tc, struct jc_entry *tab, uint32_t eip, uint32_t last,
                    bool global, const void *code)
{
    struct jc_entry *e = &tab[eip & (JC_ENTRIES - 1)];
    enum jc_miss_kind kind = e->neg_tag != JC_INVALID ? JC_MISS_CONFLICT
                             : e->code == JC_DROPPED  ? JC_MISS_DROPPED
                                                      : JC_MISS_COLD;
    tc->st.jc_miss[kind]++;
    uint64_t neg_tag = -(uint64_t)eip;
    e->neg_tag = neg_tag;
    e->code = code;
    tc->st.jc_fills++;
    int cls = global ? 1 : 0;
    dep_add(tc, cls, e, neg_tag, eip >> 22);
    if ((last >> 22) != (eip >> 22) && e->neg_tag == neg_tag)
        dep_add(tc, cls, e, neg_tag, last >> 22);
}

/* Clears the live records of region in a class; returns the entries cleared. */
static uint64_t drop_region(struct jc_deps *d, uint32_t region)
{
    uint64_t n = 0;
    for (uint32_t k = d->head[region]; k; k = d->dep[k - 1].next) {
        struct jc_dep *r = &d->dep[k - 1];
        if (r->e && r->e->neg_tag == r->neg_tag) {
            entry_drop(r->e);
            n++;
        }
        r->e = NULL;
    }
    d->head[region] = 0;
    return n;
}

/* Clears every live record of a class. */
static uint64_t drop_class(struct jc_deps *d)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < d->n; k++) {
        struct jc_dep *r = &d->dep[k];
        if (r->e && r->e->neg_tag == r->neg_tag) {
            entry_drop(r->e);
            n++;
        }
    }
    deps_reset(d);
    return n;
}

void tc_jcache_mappings_changed(struct tcache *tc, int mmu_flush_cause, uint32_t lin)
{
    switch (mmu_flush_cause) {
    case MMU_FLUSH_INVLPG:
        tc->st.jc_inval[JC_INV_INVLPG] +=
            drop_region(&tc->jc_deps[0], lin >> 22) + drop_region(&tc->jc_deps[1], lin >> 22);
        tc->st.jc_flushes[JC_INV_INVLPG]++;
        break;
    case MMU_FLUSH_CR3:
        tc->st.jc_inval[JC_INV_CR3] += drop_class(&tc->jc_deps[0]);
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
