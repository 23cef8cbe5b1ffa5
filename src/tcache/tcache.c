/*
 * tcache.c - translation units: the hash index by (guest-physical address,
 * mode key), per-page lists, exact invalidation by guest byte range, the
 * host-address map for faults in translated code.  Placement and
 * eviction: policy.c; the indirect-branch tables: jcache.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu_mode.h"
#include "mmu.h"
#include "tcache.h"
#include "tctrace.h"
#include "tc_internal.h"

/* Tunable: hash index buckets (a power of two, per buffer byte, with a
 * floor and a ceiling).  Policy: about one bucket per 256 bytes of buffer
 * (units average about 160), at most 64 Ki (a 16 MiB or larger buffer),
 * so chains stay short and a small cache's index stays in the host's
 * cache (tcsim simulates many small caches at once). */
#define TC_HASH_BYTES_PER_BUCKET 256u
#define TC_HASH_MIN_BUCKETS (1u << 10)
#define TC_HASH_MAX_BUCKETS (1u << 16)

static inline uint32_t tc_hash(uint32_t pc, uint32_t mode)
{
    uint32_t h = pc ^ (mode * 0x9E3779B1u);
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h;
}

/* The mmu's code hook: a store or a DMA write hit translated code. */
static int code_written(void *opaque, uint32_t addr, uint32_t len, enum mmu_code_write how)
{
    return tc_invalidate_range(opaque, addr, len,
                               how == MMU_CODE_WRITE_DMA ? TC_INV_DMA : TC_INV_SMC);
}

/* The mmu's mappings hook: linear EIPs may now mean other code. */
static void mappings_changed(void *opaque, enum mmu_flush_cause cause, uint32_t lin)
{
    tc_jcache_mappings_changed(opaque, (int)cause, lin);
}

/* The parts of tc_init after the code buffer; npages: RAM pages. */
static int tc_init_tables(struct tcache *tc, size_t size, uint32_t npages)
{
    tc->max_units = (uint32_t)(size / 64) + 64;
    tc->units = calloc(tc->max_units, sizeof(struct unit));
    uint32_t buckets = TC_HASH_MIN_BUCKETS;
    while (buckets < TC_HASH_MAX_BUCKETS && buckets < size / TC_HASH_BYTES_PER_BUCKET)
        buckets *= 2;
    tc->hash_mask = buckets - 1;
    tc->hash = calloc(buckets, sizeof(struct unit *));
    tc->npages = npages;
    tc->page_list = calloc(tc->npages ? tc->npages : 1, sizeof(struct unit *));
    /* one entry per 16-byte granule; calloc of this size maps lazily */
    tc->owner = calloc(size / 16, sizeof(uint32_t));
    /* (a simulated cache replays the live cache's invalidations as they
     * were made: no granularity adaptation of its own) */
    if (!tc->sim)
        tc->page_smc = calloc(tc->npages ? tc->npages : 1, sizeof(struct tc_page_smc));
    if (!tc->units || !tc->hash || !tc->page_list || !tc->owner || (!tc->sim && !tc->page_smc) ||
        tc_jcache_init(tc) < 0) {
        tc_destroy(tc);
        return XBT_ENOMEM;
    }
    tc->nunits = 0; /* descriptors are taken in order (tc_take_unit) */
    return tc_set_policy(tc, TC_POLICY_FLUSH, TC_DEFAULT_NURSERY_PCT);
}

static size_t clamp_size(size_t size)
{
    if (size < 64 * 1024)
        size = 64 * 1024;
    return (size + 4095) & ~(size_t)4095;
}

int tc_init(struct tcache *tc, struct mmu *mmu, size_t size)
{
    memset(tc, 0, sizeof(*tc));
    tc->mmu = mmu;
    if (mmu)
        mmu->hooks = (struct mmu_hooks){ code_written, mappings_changed, tc };
    tc->memfd = -1;
    size = clamp_size(size);
    int rc = tc_codebuf_map(tc, size);
    if (rc)
        return rc;
    return tc_init_tables(tc, size, mmu ? mmu->ram_size / PAGE_SIZE : 0);
}

int tc_init_sim(struct tcache *tc, size_t size, uint32_t npages)
{
    memset(tc, 0, sizeof(*tc));
    tc->memfd = -1;
    tc->sim = true;
    size = clamp_size(size);
    int rc = tc_codebuf_map(tc, size);
    if (rc)
        return rc;
    return tc_init_tables(tc, size, npages);
}

void tc_destroy(struct tcache *tc)
{
    tc_trace_close(tc);
    if (tc->units && !tc->sim)
        for (uint32_t i = 0; i < tc->fresh_units; i++)
            free(tc->units[i].meta_block);
    tc_codebuf_unmap(tc);
    free(tc->units);
    free(tc->hash);
    free(tc->page_list);
    free(tc->owner);
    free(tc->page_smc);
    free(tc->ghost);
    tc_jcache_destroy(tc);
    memset(tc, 0, sizeof(*tc));
    tc->memfd = -1;
}

/* Empties the index and the page lists (a flush; policy.c frees the units). */
void tc_index_clear(struct tcache *tc)
{
    if (!tc->mmu) /* no code pages to unmark: one memset */
        memset(tc->page_list, 0, tc->npages * sizeof(struct unit *));
    for (uint32_t i = 0; tc->mmu && i < tc->npages; i++) {
        if (tc->page_list[i] && tc->mmu)
            mmu_code_page_clear(tc->mmu, i * PAGE_SIZE);
        tc->page_list[i] = NULL;
    }
    memset(tc->hash, 0, (tc->hash_mask + 1) * sizeof(struct unit *));
}

struct unit *tc_lookup(struct tcache *tc, uint32_t pc, uint32_t mode, uint32_t cs_base,
                       uint32_t cs_limit, uint32_t eip)
{
    tc->st.lookups++;
    if (tc->trace)
        tc_trace_poll(tc);
    for (struct unit *t = tc->hash[tc_hash(pc, mode) & tc->hash_mask]; t; t = t->hash_next) {
        if (t->pc == pc && t->mode == mode && t->vpc == eip &&
            (!(mode & MODE_NONFLAT) || (t->cs_base == cs_base && t->cs_limit == cs_limit))) {
            tc->st.lookup_hits++;
            return t;
        }
    }
    return NULL;
}

static void page_link(struct tcache *tc, struct unit *unit, int slot)
{
    uint32_t p = unit->page[slot] >> 12;
    if (p >= tc->npages)
        return;
    if (!tc->page_list[p] && tc->mmu)
        mmu_code_page_set(tc->mmu, unit->page[slot]);
    if (tc->page_smc)
        tc->page_smc[p].tr_serial++;
    struct unit *head = tc->page_list[p];
    unit->page_next[slot] = head;
    unit->page_pprev[slot] = &tc->page_list[p];
    if (head)
        head->page_pprev[head->page[0] == unit->page[slot] ? 0 : 1] = &unit->page_next[slot];
    tc->page_list[p] = unit;
}

/* The metadata block (tc_alloc_commit made it): memops (16-byte records),
 * insn_pc, insn_off. */
static void copy_meta(struct unit *unit, const uint32_t *insn_pc, const uint16_t *insn_off,
                      const struct unit_memop *memops, uint32_t nmemops)
{
    uint8_t *meta = unit->meta_block;
    size_t mo = nmemops * sizeof(struct unit_memop), pcb = unit->nmap * sizeof(uint32_t);
    unit->memops = (struct unit_memop *)meta;
    unit->nmemops = nmemops;
    if (nmemops)
        memcpy(unit->memops, memops, mo);
    unit->insn_pc = (uint32_t *)(meta + mo);
    memcpy(unit->insn_pc, insn_pc, pcb);
    unit->insn_off = (uint16_t *)(meta + mo + pcb);
    memcpy(unit->insn_off, insn_off, unit->nmap * sizeof(uint16_t));
}

/* A descriptor from proto.  A simulated cache's units get only the fields
 * its policies and page lists read (the first two cache lines: tcsim runs
 * dozens of caches at once); they never chain, map code or hold metadata. */
static void unit_init(struct tcache *tc, struct unit *unit, const struct unit *proto)
{
    if (tc->sim) {
        memcpy(unit, proto, offsetof(struct unit, fifo_next));
        unit->trace_key = proto->trace_key;
        unit->page[0] = proto->page[0];
        unit->page[1] = proto->page[1];
        unit->ninsns = proto->ninsns;
        return;
    }
    *unit = *proto;
    unit->hash_next = NULL;
    unit->in_first = NULL;
    for (int i = 0; i < UNIT_MAX_EXITS; i++) {
        unit->exits[i].dest = NULL;
        unit->exits[i].in_next = NULL;
    }
}

struct unit *tc_commit(struct tcache *tc, const struct unit *proto, size_t code_size,
                       const uint32_t *insn_pc, const uint16_t *insn_off,
                       const struct unit_memop *memops, uint32_t nmemops)
{
    struct unit *unit = tc->next_unit;
    if (!unit)
        return NULL;
    unit_init(tc, unit, proto);
    unit->code_size = (uint32_t)code_size;
    unit->valid = true;
    _Static_assert(sizeof(struct unit_memop) == 4 * sizeof(uint32_t), "memop size");
    /* (a simulated cache has no code: nothing maps back to guest insns) */
    size_t meta = tc->sim ? 0 : nmemops * sizeof(struct unit_memop) + unit->nmap * 6;
    if (!tc_alloc_commit(tc, code_size, meta))
        return NULL;
    if (!tc->sim)
        copy_meta(unit, insn_pc, insn_off, memops, nmemops);

    if (!tc->sim) { /* (a simulated cache finds its units by key: sim.c) */
        uint32_t h = tc_hash(unit->pc, unit->mode) & tc->hash_mask;
        unit->hash_next = tc->hash[h];
        tc->hash[h] = unit;
    }
    page_link(tc, unit, 0);
    if (unit->page[1] != unit->page[0])
        page_link(tc, unit, 1);

    tc->st.translations++;
    tc->st.guest_insns += unit->ninsns;
    tc->st.guest_bytes += unit->guest_size;
    tc->st.host_bytes += code_size;
    if (tc->trace)
        tc_trace_translate(tc, unit);
    return unit;
}

static void page_unlink(struct tcache *tc, struct unit *unit, int slot)
{
    uint32_t page = unit->page[slot];
    uint32_t p = page >> 12;
    if (p >= tc->npages)
        return;
    struct unit *next = unit->page_next[slot];
    *unit->page_pprev[slot] = next;
    if (next)
        next->page_pprev[next->page[0] == page ? 0 : 1] = unit->page_pprev[slot];
    unit->page_next[slot] = NULL;
    unit->page_pprev[slot] = NULL;
    if (!tc->page_list[p] && tc->mmu)
        mmu_code_page_clear(tc->mmu, page);
}

/* Takes a unit out of the index, page lists, chains and indirect-branch
 * tables; its code stays in place (it may be running) until evicted. */
void tc_unit_drop(struct tcache *tc, struct unit *unit)
{
    page_unlink(tc, unit, 0);
    if (unit->page[1] != unit->page[0])
        page_unlink(tc, unit, 1);
    if (!tc->sim) { /* (a simulated cache has no index, chains or tables: unit_init) */
        struct unit **pp = &tc->hash[tc_hash(unit->pc, unit->mode) & tc->hash_mask];
        while (*pp && *pp != unit)
            pp = &(*pp)->hash_next;
        if (*pp)
            *pp = unit->hash_next;
        tc_unlink_incoming(tc, unit);
        tc_unlink_outgoing(unit);
        tc_jcache_drop_code(tc, unit->vpc, unit->code);
    }
    if (tc->simk && unit->valid)
        tc_sim_release(tc, unit->trace_key);
    unit->valid = false;
}

/* --smc-granularity=byte: a page whose stores keep hitting translated code
 * in bursts (a JIT writing new functions over old ones: every store is a
 * host fault while any unit is left on the page, though only the first of
 * each function drops anything) goes to page granularity: the first store
 * of a burst drops every unit there, and the page is writable at full
 * speed until code is translated from it again.  A store is part of a
 * burst when no unit was made on the page since the page's previous store.
 * Decided per window of TC_SMC_ADAPT_WINDOW stores: switch when bursts are
 * 4 times the rest and at least one store in 16 dropped a unit, so data
 * sharing a page with running code (drops nothing) and patch-then-run code
 * (a translation between stores) stay at byte granularity.  In page mode,
 * a window in which most stores would have dropped nothing at byte
 * granularity (they only hit data) switches back.  `exact` = units the
 * store overlaps.  Returns true if the page uses page granularity. */
static bool smc_page_adapt(struct tcache *tc, uint32_t p, int exact)
{
    struct tc_page_smc *ps = &tc->page_smc[p];
    if (ps->tr_serial == ps->tr_seen)
        ps->burst++;
    else
        ps->lone++;
    ps->tr_seen = ps->tr_serial;
    if (exact)
        ps->invals++;
    uint32_t writes = ps->burst + ps->lone;
    if (writes < TC_SMC_ADAPT_WINDOW)
        return ps->page_mode;
    if (!ps->page_mode && ps->burst >= 4 * ps->lone && ps->invals * 16 >= writes) {
        ps->page_mode = true;
        tc->st.smc_page_mode++;
    } else if (ps->page_mode && ps->invals * 2 < writes) {
        ps->page_mode = false;
        tc->st.smc_byte_mode++;
    }
    ps->burst = ps->lone = ps->invals = 0;
    return ps->page_mode;
}

/* Units on one page whose bytes overlap [lo, hi). */
static int count_page(struct tcache *tc, uint32_t page, uint64_t lo, uint64_t hi)
{
    int n = 0;
    for (struct unit *t = tc->page_list[page >> 12]; t;
         t = t->page_next[t->page[0] == page ? 0 : 1])
        if ((uint64_t)t->pc < hi && (uint64_t)t->pc + t->guest_size > lo)
            n++;
    return n;
}

static int invalidate_page(struct tcache *tc, uint32_t page, uint64_t lo, uint64_t hi)
{
    int n = 0;
    struct unit *t = tc->page_list[page >> 12];
    while (t) {
        int s = (t->page[0] == page) ? 0 : 1;
        struct unit *next = t->page_next[s];
        if ((uint64_t)t->pc < hi && (uint64_t)t->pc + t->guest_size > lo) {
            tc_unit_drop(tc, t);
            n++;
        }
        t = next;
    }
    return n;
}

int tc_invalidate_range(struct tcache *tc, uint32_t addr, uint32_t len, enum tc_inval_cause cause)
{
    int n = 0;
    if (!len)
        return 0;
    if (tc->smc_granularity > 0) {
        /* coarser granularity: every unit on the touched lines or pages */
        uint32_t g = tc->smc_granularity, mask = ~(g - 1);
        uint64_t last = (uint64_t)addr + len - 1;
        addr &= mask;
        len = (uint32_t)(((last | (g - 1)) + 1) - addr);
    }
    if (tc->trace)
        tc_trace_inval(tc, addr, len, cause);
    uint64_t end = (uint64_t)addr + len;
    bool adapt = cause == TC_INV_SMC && tc->smc_granularity == 0 && tc->page_smc;
    for (uint64_t page = addr & PAGE_MASK; page < end; page += PAGE_SIZE) {
        uint32_t p = (uint32_t)(page >> 12);
        if (p >= tc->npages)
            break;
        if (!tc->page_list[p])
            continue;
        bool was_page_mode = adapt && tc->page_smc[p].page_mode;
        if (was_page_mode && smc_page_adapt(tc, p, count_page(tc, (uint32_t)page, addr, end))) {
            if (tc->trace)
                tc_trace_inval(tc, (uint32_t)page, PAGE_SIZE, cause);
            n += invalidate_page(tc, (uint32_t)page, page, page + PAGE_SIZE);
            continue;
        }
        int k = invalidate_page(tc, (uint32_t)page, addr, end);
        n += k;
        /* (a store that just switched the page back was counted above) */
        if (adapt && !was_page_mode && smc_page_adapt(tc, p, k)) {
            if (tc->trace)
                tc_trace_inval(tc, (uint32_t)page, PAGE_SIZE, cause);
            n += invalidate_page(tc, (uint32_t)page, page, page + PAGE_SIZE);
        }
    }
    tc->st.invalidations[cause] += (uint64_t)n;
    return n;
}

struct unit *tc_find_by_host(struct tcache *tc, uintptr_t rip)
{
    uintptr_t base = (uintptr_t)tc->rx;
    if (rip < base || rip >= base + tc->size)
        return NULL;
    uint32_t idx = tc->owner[(rip - base) >> 4];
    if (!idx || idx > tc->max_units)
        return NULL;
    struct unit *t = &tc->units[idx - 1];
    if (!t->live || rip < (uintptr_t)t->code || rip >= (uintptr_t)t->code + t->code_size)
        return NULL;
    return t;
}

uint32_t unit_guest_eip_at(const struct unit *unit, uintptr_t rip)
{
    uint32_t off = (uint32_t)(rip - (uintptr_t)unit->code);
    uint32_t eip = unit->insn_pc[0];
    for (uint32_t i = 0; i < unit->nmap; i++) {
        if (unit->insn_off[i] > off)
            break;
        if (unit->insn_pc[i] != 0xFFFFFFFFu)
            eip = unit->insn_pc[i];
    }
    return eip;
}

const struct unit_memop *unit_memop_at(const struct unit *unit, uintptr_t rip)
{
    uint32_t off = (uint32_t)(rip - (uintptr_t)unit->code);
    uint32_t lo = 0, hi = unit->nmemops; /* recorded in increasing order */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        const struct unit_memop *m = &unit->memops[mid];
        if (off < m->start)
            hi = mid;
        else if (off >= m->end)
            lo = mid + 1;
        else
            return m;
    }
    return NULL;
}
