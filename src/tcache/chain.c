/*
 * chain.c - direct chaining of translation units.  An exit of a unit is a
 * jmp/jcc rel32 that first points at the unit's own exit stub (which
 * returns to the dispatcher and asks for a chain); the dispatcher patches
 * it to jump straight to the successor.  Each unit keeps the list of exits
 * chained into it so invalidation can point them back at their stubs.
 *
 * Entry: backward (or self) jumps enter a unit at its entry check, forward
 * jumps just after it (see tc_chain).
 *
 * Safety rule: an exit may only be chained to a unit for the same guest
 * code.  Units are keyed by physical address; while paging is off a linear
 * target names one physical address forever, so every direct exit may be
 * chained.  With paging, a target on the source unit's own page (and not
 * running onto the next) is the same code as long as the source is; any
 * other target is chained in flat modes only, and the chain is recorded
 * like an indirect-branch table fill (jcache.c), so the guest's TLB
 * maintenance of the target's pages undoes it (tc_unchain_exit).
 */
#include <string.h>

#include "cpu_mode.h"
#include "mmu.h"
#include "tcache.h"
#include "tc_internal.h"

void tc_patch_rel32(struct tcache *tc, struct unit *unit, uint32_t patch_off, const uint8_t *target)
{
    const uint8_t *next = unit->code + patch_off + 4;
    int32_t rel = (int32_t)(target - next);
    memcpy(tc_rw(tc, unit->code + patch_off), &rel, 4);
}

bool tc_chain_page_bound(const struct unit *from, int idx, const struct unit *to)
{
    if (!(from->mode & MODE_PG))
        return false;
    /* with paging only a target on the source unit's own page is sure to
     * be the same physical code whatever the page tables say later; nor
     * one whose bytes run onto the next page: that page may be mapped
     * elsewhere by then (the dispatcher checks it on every entry) */
    return ((from->vpc ^ from->exits[idx].target_pc) & PAGE_MASK) || to->page[1] != to->page[0];
}

void tc_chain(struct tcache *tc, struct unit *from, int idx, struct unit *to, bool to_global)
{
    struct unit_exit *e = &from->exits[idx];
    if (!from->valid || !to->valid || !e->used || e->dest)
        return;
    if (from->mode != to->mode || from->cs_base != to->cs_base)
        return;
    bool tracked = tc_chain_page_bound(from, idx, to);
    /* a target the page tables may remap: only in flat modes, where the
     * chain is undone with the target's indirect-branch entries */
    if (tracked && (from->mode & (MODE_NONFLAT | MODE_ONESTEP)))
        return;
    /* Forward jumps enter after the unit-entry check: every cycle of chained
     * units contains a jump to a unit at or below its source, which enters
     * through the check, so stop requests are still seen once per cycle. */
    const uint8_t *entry = to->code + (to->pc > from->pc ? to->entry_skip : 0);
    tc_patch_rel32(tc, from, e->patch_off, entry);
    e->dest = to;
    e->in_next = to->in_first;
    e->in_next_idx = to->in_first_idx;
    to->in_first = from;
    to->in_first_idx = (uint8_t)idx;
    tc->st.chain_patches++;
    if (tracked)
        tc_jcache_track_chain(tc, from, idx, to, to_global);
}

/* Points every exit chained into unit back at its own stub. */
void tc_unlink_incoming(struct tcache *tc, struct unit *unit)
{
    struct unit *src = unit->in_first;
    int idx = unit->in_first_idx;
    while (src) {
        struct unit_exit *e = &src->exits[idx];
        struct unit *next = e->in_next;
        int next_idx = e->in_next_idx;
        tc_patch_rel32(tc, src, e->patch_off, src->code + e->stub_off);
        e->dest = NULL;
        e->in_next = NULL;
        tc->st.chain_unpatches++;
        src = next;
        idx = next_idx;
    }
    unit->in_first = NULL;
}

/* Removes exit i of unit from its successor's incoming list. */
static void unlink_exit(struct unit *unit, int i)
{
    struct unit_exit *e = &unit->exits[i];
    struct unit *dest = e->dest;
    if (!dest)
        return;
    struct unit **pp = &dest->in_first;
    uint8_t *pidx = &dest->in_first_idx;
    while (*pp) {
        struct unit *s = *pp;
        int si = *pidx;
        if (s == unit && si == i) {
            *pp = e->in_next;
            *pidx = e->in_next_idx;
            break;
        }
        pp = &s->exits[si].in_next;
        pidx = &s->exits[si].in_next_idx;
    }
    e->dest = NULL;
    e->in_next = NULL;
}

/* Removes unit's own exits from the incoming lists of their successors. */
void tc_unlink_outgoing(struct unit *unit)
{
    for (int i = 0; i < UNIT_MAX_EXITS; i++)
        unlink_exit(unit, i);
}

void tc_unchain_exit(struct tcache *tc, struct unit *unit, int i)
{
    if (!unit->exits[i].dest)
        return;
    unlink_exit(unit, i);
    tc_patch_rel32(tc, unit, unit->exits[i].patch_off, unit->code + unit->exits[i].stub_off);
    tc->st.chain_unpatches++;
}
