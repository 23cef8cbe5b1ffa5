/*
 * policy.c - where units live in the code buffer and what makes room when
 * it is full (--tcache-policy): flush-all, a FIFO circular buffer, a
 * generational scheme with a FIFO nursery and a FIFO persistent region, or
 * clock (second chance) over the circular buffer.
 *
 * Every policy allocates from FIFO regions: a unit is placed at the
 * region's head; when the head would run past the end it wraps to the
 * start.  The units at and after the head are the oldest, so evicting in
 * allocation order frees exactly the bytes the next unit needs.  Flush-all
 * is one region that is emptied whole instead.  Descriptors come from a
 * free list; a unit's instruction map and memory-access records are one
 * malloc'd block freed with it.  Eviction happens only in tc_begin(), never
 * while translated code runs, and bumps tc->generation so the dispatcher
 * does not chain from a unit it picked before.
 *
 * Clock: the circular buffer's allocation point is the clock hand.  A unit
 * it reaches that was entered since the hand last passed (unit->ref, set by
 * the unit's prologue) is spared: its bit is cleared, its code is slid
 * down to the head (so the free bytes stay contiguous; its chains and
 * indirect-table entries are dropped and re-made on use), it becomes the
 * youngest of the FIFO and the head moves past it.
 *
 * Nothing here touches host code: with tc->sim (tcsim) the same functions
 * run over a simulated arena of unit sizes.
 */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"
#include "tcache.h"
#include "tctrace.h"
#include "tc_internal.h"

const char *const tc_policy_names[TC_POLICY_COUNT] = { "flush", "fifo", "gen", "clock" };

int tc_policy_parse(const char *name)
{
    for (int i = 0; i < TC_POLICY_COUNT; i++)
        if (!strcmp(name, tc_policy_names[i]))
            return i;
    if (!strcmp(name, "generational"))
        return TC_POLICY_GEN;
    return -1;
}

static uint32_t ghost_slot(uint32_t pc, uint32_t mode)
{
    uint64_t k = (uint64_t)mode << 32 | pc; /* MurmurHash3's finalizer */
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    k *= 0xC4CEB9FE1A85EC53ull;
    k ^= k >> 33;
    return (uint32_t)k & (TC_GHOST_SLOTS - 1);
}

static uint64_t ghost_key(uint32_t pc, uint32_t mode)
{
    return ((uint64_t)mode << 32 | pc) + 1; /* 0 = empty slot */
}

/* A unit was evicted from the nursery recently: within the last nursery's
 * worth of evictions (2Q's ghost queue, sized like the nursery). */
static bool ghost_hit(const struct tcache *tc, uint32_t pc, uint32_t mode)
{
    const struct tc_ghost *g = &tc->ghost[ghost_slot(pc, mode)];
    uint64_t window = tc->region[0].nunits > 16 ? tc->region[0].nunits : 16;
    return g->key == ghost_key(pc, mode) && tc->st.evictions - g->serial <= window;
}

/* Returns a unit's descriptor to the free list (its code space is reused
 * by the region's head). */
static void unit_free(struct tcache *tc, struct unit *unit)
{
    if (tc->simk && unit->valid)
        tc_sim_release(tc, unit->trace_key);
    if (!tc->sim) { /* (a simulated unit has none: its last lines stay cold) */
        free(unit->meta_block);
        unit->meta_block = NULL;
    }
    unit->live = false;
    unit->valid = false;
    unit->ref = 0;
    unit->code = NULL;
    unit->fifo_next = tc->free_units;
    tc->free_units = unit;
    tc->nunits--;
}

/* Evicts the oldest unit of region r. */
static void evict_oldest(struct tcache *tc, struct tc_region *r)
{
    struct unit *unit = r->oldest;
    r->oldest = unit->fifo_next;
    if (!r->oldest)
        r->newest = NULL;
    r->nunits--;
    tc->used -= (unit->code_size + 15) & ~15u;
    if (unit->valid) {
        tc->st.evictions++;
        tc->st.evicted_bytes += unit->code_size;
        if (tc->policy == TC_POLICY_GEN && unit->region == 0 && tc->ghost) {
            struct tc_ghost *g = &tc->ghost[ghost_slot(unit->pc, unit->mode)];
            g->key = ghost_key(unit->pc, unit->mode);
            g->serial = tc->st.evictions;
        }
        tc_unit_drop(tc, unit);
    }
    unit_free(tc, unit);
    tc->generation++;
}

static uint32_t code_off(const struct tcache *tc, const struct unit *unit)
{
    return (uint32_t)(unit->code - tc->rx);
}

static size_t region_reserve(const struct tc_region *r)
{
    size_t len = r->end - r->start;
    return TC_UNIT_RESERVE < len / 4 ? TC_UNIT_RESERVE : len / 4;
}

/* Makes `need` contiguous bytes free at the head of region r. */
static void region_make_room(struct tcache *tc, struct tc_region *r, size_t need)
{
    if (r->end - r->head < need) {
        /* wrap: the units left between the head and the end are the
         * oldest; they go first */
        while (r->oldest && code_off(tc, r->oldest) >= r->head)
            evict_oldest(tc, r);
        r->head = r->start;
        tc->st.wraps++;
    }
    while (r->oldest && code_off(tc, r->oldest) >= r->head &&
           code_off(tc, r->oldest) < r->head + need)
        evict_oldest(tc, r);
}

/* Moves unit's code down to the region's head (the start of the free
 * bytes; the regions may overlap).  Its exits are pointed back at their
 * stubs first (rel32 fields are relative), exits chained into it and
 * indirect-table entries for it are dropped: they re-chain and refill. */
static void move_to_head(struct tcache *tc, struct tc_region *r, struct unit *unit)
{
    uint32_t from = code_off(tc, unit), span = (unit->code_size + 15) & ~15u;
    if (from == r->head)
        return;
    if (!tc->sim) {
        for (int i = 0; i < UNIT_MAX_EXITS; i++)
            tc_unchain_exit(tc, unit, i);
        tc_unlink_incoming(tc, unit);
        tc_jcache_drop_code(tc, unit->vpc, unit->code);
        memmove(tc->rw + r->head, tc->rw + from, unit->code_size);
    }
    unit->code = tc->rx + r->head;
    uint32_t idx = (uint32_t)(unit - tc->units) + 1;
    for (uint32_t g = r->head >> 4; !tc->sim && g < (r->head + span) >> 4; g++)
        tc->owner[g] = idx;
    tc->st.clock_moves++;
}

/* Clock: entered since the hand last passed (in tcsim, hits set no bit:
 * an entry of its key after the bit was cleared counts). */
static bool referenced(const struct tcache *tc, const struct unit *unit)
{
    return unit->ref || (tc->simk && tc->simk->key[unit->trace_key].seen > unit->ref_at);
}

/* Clock: the oldest unit (at the hand) was entered since the hand last
 * passed: clear its bit, slide its code down to the head, make it the
 * youngest (it now lies just behind the head). */
static void spare_oldest(struct tcache *tc, struct tc_region *r)
{
    struct unit *unit = r->oldest;
    unit->ref = 0;
    unit->ref_at = tc->simk ? tc->simk->now : 0;
    move_to_head(tc, r, unit);
    r->head += (unit->code_size + 15) & ~15u;
    tc->st.clock_skips++;
    tc->generation++;
    if (unit == r->newest)
        return;
    r->oldest = unit->fifo_next;
    unit->fifo_next = NULL;
    r->newest->fifo_next = unit;
    r->newest = unit;
}

/* Clock's region_make_room: a referenced unit at the hand is spared (once:
 * sparing clears its bit, and no unit runs while room is made). */
static void clock_make_room(struct tcache *tc, struct tc_region *r, size_t need)
{
    for (;;) {
        if (r->end - r->head < need) {
            while (r->oldest && code_off(tc, r->oldest) >= r->head) {
                if (referenced(tc, r->oldest) && r->oldest->valid)
                    spare_oldest(tc, r);
                else
                    evict_oldest(tc, r);
            }
            r->head = r->start;
            tc->st.wraps++;
        }
        struct unit *u = r->oldest;
        if (!u || code_off(tc, u) < r->head || code_off(tc, u) >= r->head + need)
            return;
        if (referenced(tc, u) && u->valid)
            spare_oldest(tc, r);
        else
            evict_oldest(tc, r);
    }
}

/* Drops every unit and empties the regions. */
static void drop_all(struct tcache *tc)
{
    for (int i = 0; i < tc->nregions; i++) {
        struct tc_region *r = &tc->region[i];
        while (r->oldest) {
            struct unit *unit = r->oldest;
            r->oldest = unit->fifo_next;
            unit_free(tc, unit);
        }
        r->newest = NULL;
        r->nunits = 0;
        r->head = r->start;
    }
    tc_index_clear(tc);
    tc->used = 0;
    tc_jcache_flush(tc);
    tc->generation++;
}

/* The flush policy's capacity flush. */
static void flush_full(struct tcache *tc)
{
    drop_all(tc);
    tc->st.flushes_full++;
}

void tc_flush(struct tcache *tc)
{
    tc_trace_flush(tc); /* not the policy's own: the trace records it */
    flush_full(tc);
}

int tc_set_policy(struct tcache *tc, enum tc_policy policy, unsigned nursery_pct)
{
    if ((int)policy < 0 || policy >= TC_POLICY_COUNT)
        return XBT_EINVAL;
    if (nursery_pct < 10 || nursery_pct > 90)
        return XBT_EINVAL;
    drop_all(tc); /* not counted: not a capacity flush */
    tc->policy = policy;
    tc->nursery_pct = nursery_pct;
    uint32_t size = (uint32_t)tc->size;
    tc->region[0] = (struct tc_region){ .start = 0, .end = size, .head = 0 };
    tc->nregions = 1;
    if (policy == TC_POLICY_GEN) {
        uint32_t split = (uint32_t)((uint64_t)size * nursery_pct / 100) & ~4095u;
        tc->region[0].end = split;
        tc->region[1] = (struct tc_region){ .start = split, .end = size, .head = split };
        tc->nregions = 2;
        if (!tc->ghost && !(tc->ghost = calloc(TC_GHOST_SLOTS, sizeof(struct tc_ghost))))
            return XBT_ENOMEM;
    }
    return 0;
}

/* Whether a descriptor is left: a freed one or one never handed out. */
static bool have_unit(const struct tcache *tc)
{
    return tc->next_unit || tc->free_units || tc->fresh_units < tc->max_units;
}

/* Reserves a descriptor as next_unit (have_unit holds): a freed one first,
 * so the pool's pages are touched only as far as the peak count needs. */
static void take_unit(struct tcache *tc)
{
    if (tc->next_unit)
        return;
    if (tc->free_units) {
        tc->next_unit = tc->free_units;
        tc->free_units = tc->next_unit->fifo_next;
    } else {
        tc->next_unit = &tc->units[tc->fresh_units++];
    }
    tc->next_unit->fifo_next = NULL;
}

uint8_t *tc_begin(struct tcache *tc, uint32_t pc, uint32_t mode, size_t *room, struct unit **future)
{
    int ri = 0;
    if (tc->policy == TC_POLICY_GEN && tc->ghost && ghost_hit(tc, pc, mode))
        ri = 1; /* needed again soon after its eviction: promote */
    struct tc_region *r = &tc->region[ri];
    size_t need = region_reserve(r);
    if (tc->policy == TC_POLICY_FLUSH) {
        if (r->end - r->head < need || !have_unit(tc))
            flush_full(tc);
    } else {
        if (tc->policy == TC_POLICY_CLOCK)
            clock_make_room(tc, r, need);
        else
            region_make_room(tc, r, need);
        /* out of descriptors (many tiny units): free the oldest */
        while (!have_unit(tc)) {
            struct tc_region *o = tc->region[ri].oldest ? &tc->region[ri] : &tc->region[ri ^ 1];
            evict_oldest(tc, o);
        }
    }
    take_unit(tc);
    tc->cur_region = ri;
    *room = r->end - r->head;
    if (*room > TC_UNIT_RESERVE)
        *room = TC_UNIT_RESERVE; /* a unit that does not fit is re-made shorter */
    *future = tc->next_unit;
    return tc->rw + r->head;
}

/* Places the unit being committed (tc->next_unit, code_size bytes at the
 * region head) and gives it its metadata block.  Returns it, or NULL. */
struct unit *tc_alloc_commit(struct tcache *tc, size_t code_size, size_t meta_bytes)
{
    struct unit *unit = tc->next_unit;
    struct tc_region *r = &tc->region[tc->cur_region];
    void *meta = tc->sim ? NULL : malloc(meta_bytes ? meta_bytes : 1);
    if (!unit || (!meta && !tc->sim)) {
        free(meta);
        return NULL;
    }
    tc->next_unit = NULL;
    if (!tc->sim)
        unit->meta_block = meta;
    unit->code = tc->rx + r->head;
    unit->region = (uint8_t)tc->cur_region;
    unit->live = true;
    unit->ref = 0;
    unit->fifo_next = NULL;
    if (r->newest)
        r->newest->fifo_next = unit;
    else
        r->oldest = unit;
    r->newest = unit;
    r->nunits++;
    tc->nunits++;
    /* keep units 16-byte aligned: branch targets decode faster */
    uint32_t span = (uint32_t)((code_size + 15) & ~(size_t)15);
    uint32_t g0 = r->head >> 4, g1 = (r->head + span) >> 4;
    uint32_t idx = (uint32_t)(unit - tc->units) + 1;
    for (uint32_t g = g0; !tc->sim && g < g1; g++) /* (a simulated cache runs no code) */
        tc->owner[g] = idx;
    r->head += span;
    tc->used += span;
    if (unit->region == 1 && tc->ghost) {
        tc->ghost[ghost_slot(unit->pc, unit->mode)].key = 0;
        tc->st.promotions++;
    }
    return unit;
}
