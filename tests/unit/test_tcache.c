/*
 * test_tcache.c - the translation cache: index by (pc, mode), per-page
 * lists and byte-range invalidation, chaining and unchaining of exits,
 * code-page marking in the MMU, host-address lookup, flush, the
 * eviction order of each --tcache-policy (flush, fifo, gen, clock), and the
 * indirect-branch tables: fills and the kind of miss they repair, exact
 * invalidation through the MMU's mappings hook (INVLPG drops the targets
 * in its 4 MiB region, including units whose last byte lies there; a CR3
 * load those not on global pages; a mode change everything), stale fill
 * records, a dropped unit, and the records' capacity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "machine.h"
#include "mmu.h"
#include "cpu_mode.h"
#include "tcache.h"

static struct machine g_m;

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 1 << 20, .tcache_size = 1 << 20 };
    return fixture_machine_init(&g_m, &spec);
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    return 0;
}

/* A fake unit of code_size host bytes: jmp rel32 (exit 0) at offset 0,
 * its stub at offset 5. */
static struct unit *fake_unit_sized(uint32_t pc, uint32_t size, uint32_t mode, uint32_t code_size)
{
    size_t room;
    struct unit *future;
    uint8_t *w = tc_begin(&g_m.tc, pc, mode, &room, &future);
    static const uint8_t code[16] = { 0xE9, 0, 0, 0, 0, 0xC3 };
    assert_true(room >= code_size);
    memset(w, 0xCC, code_size);
    memcpy(w, code, sizeof(code));
    struct unit proto;
    memset(&proto, 0, sizeof(proto));
    proto.pc = proto.vpc = pc;
    proto.mode = mode;
    proto.guest_size = size;
    proto.ninsns = 1;
    proto.nmap = 1;
    proto.page[0] = pc & PAGE_MASK;
    proto.page[1] = (pc + size - 1) & PAGE_MASK;
    proto.exits[0].used = true;
    proto.exits[0].patch_off = 1;
    proto.exits[0].stub_off = 5;
    uint32_t ipc = pc;
    uint16_t ioff = 0;
    struct unit *unit = tc_commit(&g_m.tc, &proto, code_size, &ipc, &ioff, NULL, 0);
    assert_ptr_equal(unit, future);
    return unit;
}

static struct unit *fake_unit(uint32_t pc, uint32_t size, uint32_t mode)
{
    return fake_unit_sized(pc, size, mode, 16);
}

/* Policy tests run on a 64 KiB cache (the smallest). */
static void small_cache(enum tc_policy p, unsigned nursery)
{
    tc_destroy(&g_m.tc);
    assert_int_equal(tc_init(&g_m.tc, &g_m.mmu, 64 << 10), 0);
    assert_int_equal(tc_set_policy(&g_m.tc, p, nursery), 0);
}

static bool present(uint32_t pc)
{
    return tc_lookup(&g_m.tc, pc, 0, 0, 0, pc) != NULL;
}

/* The units present must be exactly a suffix of the n made so far (pcs
 * 0x1000 * (i + 1)): eviction in allocation order.  Returns how many are
 * present. */
static uint32_t assert_fifo_suffix(uint32_t n)
{
    uint32_t first = n;
    while (first > 0 && present(0x1000 * first)) /* unit first-1 */
        first--;
    for (uint32_t i = 0; i < first; i++)
        assert_false(present(0x1000 * (i + 1)));
    return n - first;
}

static int32_t rel_of(struct unit *unit)
{
    int32_t r;
    memcpy(&r, tc_rw(&g_m.tc, unit->code + 1), 4);
    return r;
}

static void test_lookup_by_pc_and_mode(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct unit *a = fake_unit(0x1000, 8, 0);
    struct unit *b = fake_unit(0x1000, 8, 3);
    assert_ptr_equal(tc_lookup(&g_m.tc, 0x1000, 0, 0, 0, 0x1000), a);
    assert_ptr_equal(tc_lookup(&g_m.tc, 0x1000, 3, 0, 0, 0x1000), b);
    assert_null(tc_lookup(&g_m.tc, 0x1004, 0, 0, 0, 0x1004));
    /* the same physical code reached through another virtual address is a
     * different unit (EIPs are built into the translation) */
    assert_null(tc_lookup(&g_m.tc, 0x1000, 0, 0, 0, 0x40001000));
    assert_true(mmu_is_code_page(&g_m.mmu, 0x1000));
}

/* Indirect-branch tables: one per mode, and with MODE_NONFLAT per code
 * segment too (the same EIP under another CS base is other code). */
static void test_jcache_per_code_segment(void **state)
{
    (void)state;
    uint32_t m = MODE_NONFLAT | MODE_REAL;
    struct jc_entry *flat = tc_jcache(&g_m.tc, 0);
    struct jc_entry *f000 = tc_jcache_cs(&g_m.tc, m, 0xF0000, 0xFFFF);
    struct jc_entry *c000 = tc_jcache_cs(&g_m.tc, m, 0xC0000, 0xFFFF);
    assert_non_null(flat);
    assert_ptr_not_equal(f000, c000);
    assert_ptr_not_equal(f000, flat);
    assert_ptr_equal(tc_jcache_cs(&g_m.tc, m, 0xF0000, 0xFFFF), f000);
    assert_ptr_not_equal(tc_jcache_cs(&g_m.tc, m, 0xF0000, 0xFFFFFFFFu), f000);
    assert_ptr_equal(tc_jcache_cs(&g_m.tc, 0, 0, 0xFFFFFFFFu), flat);
}

static void test_chain_and_invalidate(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct unit *a = fake_unit(0x2000, 16, 0);
    struct unit *b = fake_unit(0x3000, 16, 0);
    tc_chain(&g_m.tc, a, 0, b, false);
    assert_ptr_equal(a->exits[0].dest, b);
    assert_int_equal(rel_of(a), (int32_t)(b->code - (a->code + 5)));
    /* a store that does not overlap b leaves it alone */
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0x3010, 4, TC_INV_SMC), 0);
    assert_true(b->valid);
    /* a store into b: b dies, a's exit points back at its stub */
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0x300F, 1, TC_INV_SMC), 1);
    assert_false(b->valid);
    assert_null(tc_lookup(&g_m.tc, 0x3000, 0, 0, 0, 0x3000));
    assert_null(a->exits[0].dest);
    assert_int_equal(rel_of(a), 0); /* stub is right after the jmp */
    assert_false(mmu_is_code_page(&g_m.mmu, 0x3000));
    assert_true(mmu_is_code_page(&g_m.mmu, 0x2000));
}

static void test_invalidate_source_unlinks(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct unit *a = fake_unit(0x4000, 16, 0);
    struct unit *b = fake_unit(0x5000, 16, 0);
    struct unit *c = fake_unit(0x6000, 16, 0);
    tc_chain(&g_m.tc, a, 0, c, false);
    tc_chain(&g_m.tc, b, 0, c, false);
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0x4000, 1, TC_INV_SMC), 1);
    /* c's incoming list must now hold only b: invalidating c fixes b */
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0x6000, 1, TC_INV_SMC), 1);
    assert_null(b->exits[0].dest);
    assert_int_equal(rel_of(b), 0);
}

static void test_no_chain_across_modes(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct unit *a = fake_unit(0x7000, 16, 0);
    struct unit *b = fake_unit(0x8000, 16, 1);
    tc_chain(&g_m.tc, a, 0, b, false);
    assert_null(a->exits[0].dest);
}

static void test_spanning_unit_on_both_pages(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct unit *a = fake_unit(0x9FFC, 8, 0); /* bytes on 0x9000 and 0xA000 */
    assert_true(mmu_is_code_page(&g_m.mmu, 0xA000));
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0xA001, 1, TC_INV_SMC), 1);
    assert_false(a->valid);
    assert_false(mmu_is_code_page(&g_m.mmu, 0x9000));
    assert_false(mmu_is_code_page(&g_m.mmu, 0xA000));
}

static void test_find_by_host_and_flush(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct unit *a = fake_unit(0xB000, 4, 0);
    struct unit *b = fake_unit(0xC000, 4, 0);
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)a->code + 3), a);
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)b->code), b);
    assert_null(tc_find_by_host(&g_m.tc, (uintptr_t)b->code + 100));
    uint64_t gen = g_m.tc.generation;
    tc_flush(&g_m.tc);
    assert_int_equal(g_m.tc.generation, gen + 1);
    assert_null(tc_lookup(&g_m.tc, 0xB000, 0, 0, 0, 0xB000));
    assert_false(mmu_is_code_page(&g_m.mmu, 0xB000));
}

static void test_policy_flush_drops_everything(void **state)
{
    (void)state;
    small_cache(TC_POLICY_FLUSH, 50);
    /* 4 KiB units; a unit needs 16 KiB free (a quarter of the buffer) */
    for (uint32_t i = 0; i < 13; i++)
        fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
    assert_int_equal(g_m.tc.st.flushes_full, 0);
    assert_int_equal(assert_fifo_suffix(13), 13);
    fake_unit_sized(0x1000 * 14, 16, 0, 4096);
    assert_int_equal(g_m.tc.st.flushes_full, 1);
    assert_int_equal(assert_fifo_suffix(14), 1); /* only the newest */
    assert_int_equal(g_m.tc.nunits, 1);
    assert_false(mmu_is_code_page(&g_m.mmu, 0x1000));
}

static void test_policy_fifo_evicts_oldest_first(void **state)
{
    (void)state;
    small_cache(TC_POLICY_FIFO, 50);
    for (uint32_t i = 0; i < 13; i++)
        fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
    assert_int_equal(g_m.tc.st.evictions, 0);
    /* the 14th wraps to offset 0 and frees 16 KiB there: units 1..4 go */
    struct unit *n = fake_unit_sized(0x1000 * 14, 16, 0, 4096);
    assert_int_equal(g_m.tc.st.wraps, 1);
    assert_int_equal(g_m.tc.st.evictions, 4);
    assert_ptr_equal(n->code, g_m.tc.rx);
    assert_int_equal(assert_fifo_suffix(14), 10);
    assert_false(mmu_is_code_page(&g_m.mmu, 0x1000));
    /* then one unit per unit, always the oldest, for several laps */
    for (uint32_t i = 14; i < 60; i++) {
        fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
        /* 10 live after a wrap, up to 13 while the lap's unused tail
         * (12 KiB short of a unit's reserve) is still ahead */
        uint32_t live = assert_fifo_suffix(i + 1);
        assert_true(live >= 10 && live <= 13);
    }
    assert_int_equal(g_m.tc.st.flushes_full, 0);
    /* host addresses map to the unit now there */
    struct unit *last = tc_lookup(&g_m.tc, 0x1000 * 60, 0, 0, 0, 0x1000 * 60);
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)last->code + 4000), last);
}

static void test_policy_fifo_unchains_evicted(void **state)
{
    (void)state;
    small_cache(TC_POLICY_FIFO, 50);
    struct unit *a = fake_unit_sized(0x1000, 16, 0, 4096);
    struct unit *b = fake_unit_sized(0x2000, 16, 0, 4096);
    tc_chain(&g_m.tc, b, 0, a, false); /* b (younger) jumps into a (oldest) */
    assert_ptr_equal(b->exits[0].dest, a);
    uint64_t gen = g_m.tc.generation;
    for (uint32_t i = 2; i < 14; i++)
        fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
    assert_false(present(0x1000));
    assert_true(g_m.tc.generation > gen); /* the dispatcher must not chain */
    /* b was evicted too (it is the second oldest) or points at its stub */
    if (present(0x2000)) {
        assert_null(b->exits[0].dest);
        assert_int_equal(rel_of(b), 0);
    }
}

static void test_policy_fifo_many_tiny_units(void **state)
{
    (void)state;
    small_cache(TC_POLICY_FIFO, 50);
    /* more units than descriptors (64 KiB / 64 + 64): the oldest go */
    uint32_t n = 3000;
    for (uint32_t i = 0; i < n; i++)
        fake_unit(0x1000 * (i + 1) & 0xFFFFF, 4, 0);
    assert_true(g_m.tc.nunits <= g_m.tc.max_units);
    assert_true(g_m.tc.st.evictions > 0);
    for (uint32_t i = n - 100; i < n; i++) {
        uint32_t pc = 0x1000 * (i + 1) & 0xFFFFF;
        struct unit *t = tc_lookup(&g_m.tc, pc, 0, 0, 0, pc);
        assert_non_null(t);
        assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)t->code + 2), t);
    }
}

static void test_policy_gen_promotes_reused(void **state)
{
    (void)state;
    /* nursery 32 KiB (a unit needs 8 KiB free there), persistent 32 KiB */
    small_cache(TC_POLICY_GEN, 50);
    for (uint32_t i = 0; i < 8; i++)
        fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
    /* the 8th wrapped the nursery: units 1 and 2 were evicted */
    assert_int_equal(g_m.tc.st.evictions, 2);
    assert_false(present(0x1000));
    assert_false(present(0x2000));
    assert_int_equal(g_m.tc.st.promotions, 0);
    /* unit 1 is needed again: it is made in the persistent region */
    struct unit *p = fake_unit_sized(0x1000, 16, 0, 4096);
    assert_int_equal(g_m.tc.st.promotions, 1);
    assert_int_equal(p->region, 1);
    assert_true(p->code >= g_m.tc.rx + g_m.tc.region[1].start);
    /* nursery churn: many new units; the promoted one survives, the
     * nursery keeps FIFO order */
    for (uint32_t i = 100; i < 160; i++)
        fake_unit_sized(0x1000 * (i + 1) & 0xFFFFF, 16, 0, 4096);
    assert_true(present(0x1000));
    assert_false(present(0x3000));
    assert_true(present(0x1000 * 160));
    /* a unit evicted long ago (more than a nursery's worth of evictions)
     * is not promoted when made again; one evicted just now is */
    assert_false(present(0x1000 * 101));
    struct unit *old = fake_unit_sized(0x1000 * 101, 16, 0, 4096);
    assert_int_equal(old->region, 0);
    assert_int_equal(g_m.tc.st.promotions, 1);
    uint32_t recent = 0;
    for (uint32_t i = 159; i > 140 && !recent; i--)
        if (!present(0x1000 * (i + 1)))
            recent = 0x1000 * (i + 1);
    assert_int_not_equal(recent, 0);
    struct unit *q = fake_unit_sized(recent, 16, 0, 4096);
    assert_int_equal(q->region, 1);
    assert_int_equal(g_m.tc.st.promotions, 2);
    assert_true(present(0x1000));
}

/* Clock: on a 64 KiB cache a unit needs 16 KiB free at the head; units of
 * 4 KiB: the 14th wraps and frees [0, 16 KiB).  A referenced unit at the
 * hand is spared once: slid down to the head, made the youngest. */
static void test_policy_clock_spares_referenced(void **state)
{
    (void)state;
    small_cache(TC_POLICY_CLOCK, 50);
    struct unit *u[14];
    for (uint32_t i = 0; i < 13; i++)
        u[i] = fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
    uint8_t before[16];
    memcpy(before, u[1]->code, sizeof(before));
    u[1]->ref = 1; /* unit 2 (at 4 KiB) was entered since the hand passed */
    u[13] = fake_unit_sized(0xE000, 16, 0, 4096);
    assert_false(present(0x1000));
    assert_true(present(0x2000)); /* spared */
    assert_false(present(0x3000) || present(0x4000) || present(0x5000));
    assert_true(present(0x6000));
    assert_int_equal(g_m.tc.st.clock_skips, 1);
    assert_int_equal(g_m.tc.st.clock_moves, 1);
    assert_int_equal(u[1]->ref, 0);
    assert_ptr_equal(u[1]->code, g_m.tc.rx); /* slid down to the old head */
    assert_memory_equal(u[1]->code, before, sizeof(before));
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)u[1]->code + 100), u[1]);
    assert_ptr_equal(u[13]->code, g_m.tc.rx + 4096); /* made after it */
    assert_ptr_equal(g_m.tc.region[0].newest, u[13]);
}

/* A spared unit's exits go back to their stubs (rel32 fields are
 * relative) and chains into it are undone; without a new reference the
 * hand evicts it on its next lap. */
static void test_policy_clock_unchains_moved(void **state)
{
    (void)state;
    small_cache(TC_POLICY_CLOCK, 50);
    struct unit *u[13];
    for (uint32_t i = 0; i < 13; i++)
        u[i] = fake_unit_sized(0x1000 * (i + 1), 16, 0, 4096);
    tc_chain(&g_m.tc, u[1], 0, u[5], false);
    tc_chain(&g_m.tc, u[7], 0, u[1], false);
    u[1]->ref = 1;
    fake_unit_sized(0xE000, 16, 0, 4096);
    assert_null(u[1]->exits[0].dest);
    assert_int_equal(rel_of(u[1]), 0);
    assert_null(u[7]->exits[0].dest);
    assert_null(u[1]->in_first);
    for (uint32_t i = 15; i < 40; i++)
        fake_unit_sized(0x1000 * i, 16, 0, 4096);
    assert_false(present(0x2000));
    assert_int_equal(g_m.tc.st.clock_skips, 1);
}

static void test_policy_invalid_unit_stays_findable(void **state)
{
    (void)state;
    small_cache(TC_POLICY_FIFO, 50);
    struct unit *a = fake_unit_sized(0x1000, 16, 0, 256);
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0x1004, 2, TC_INV_SMC), 1);
    assert_int_equal(g_m.tc.st.invalidations[TC_INV_SMC], 1);
    /* its code may still be running: faults in it must still map */
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)a->code + 100), a);
    assert_false(a->valid);
    assert_int_equal(tc_invalidate_range(&g_m.tc, 0x1000, 16, TC_INV_DMA), 0);
}

/* --smc-granularity=byte adapts per page: JIT-like bursts of stores go to
 * page granularity, stores that only hit data go back. */
static void test_smc_page_adaptation(void **state)
{
    (void)state;
    small_cache(TC_POLICY_FLUSH, 50);
    const uint32_t pg = 0x20000;
    for (int round = 0; round < 5; round++) { /* 7 counted stores each */
        for (uint32_t k = 0; k < 4; k++)
            fake_unit(pg + 64 * k, 8, 0);
        for (uint32_t k = 0; k < 4; k++) { /* rewrite each function */
            tc_invalidate_range(&g_m.tc, pg + 64 * k, 1, TC_INV_SMC);
            tc_invalidate_range(&g_m.tc, pg + 64 * k + 1, 1, TC_INV_SMC);
        }
    }
    assert_int_equal(g_m.tc.st.smc_page_mode, 1);
    /* now a store anywhere on the page drops every unit there */
    struct unit *a = fake_unit(pg, 8, 0);
    struct unit *b = fake_unit(pg + 512, 8, 0);
    struct unit *other = fake_unit(pg + 0x1000, 8, 0);
    assert_int_equal(tc_invalidate_range(&g_m.tc, pg + 3000, 4, TC_INV_SMC), 2);
    assert_false(a->valid);
    assert_false(b->valid);
    assert_true(other->valid);
    /* data stores next to running code: back to byte granularity */
    for (int k = 0; k < 32; k++) {
        fake_unit(pg, 8, 0);
        tc_invalidate_range(&g_m.tc, pg + 2000, 4, TC_INV_SMC);
    }
    assert_int_equal(g_m.tc.st.smc_byte_mode, 1);
    struct unit *c = fake_unit(pg + 64, 8, 0);
    assert_int_equal(tc_invalidate_range(&g_m.tc, pg + 2000, 4, TC_INV_SMC), 0);
    assert_true(c->valid);
}

static void test_policy_parse(void **state)
{
    (void)state;
    assert_int_equal(tc_policy_parse("flush"), TC_POLICY_FLUSH);
    assert_int_equal(tc_policy_parse("fifo"), TC_POLICY_FIFO);
    assert_int_equal(tc_policy_parse("gen"), TC_POLICY_GEN);
    assert_int_equal(tc_policy_parse("generational"), TC_POLICY_GEN);
    assert_int_equal(tc_policy_parse("clock"), TC_POLICY_CLOCK);
    assert_int_equal(tc_policy_parse("lru"), -1);
    assert_int_not_equal(tc_set_policy(&g_m.tc, TC_POLICY_GEN, 5), 0);
    /* --tcache-nursery: the nursery's share, page-aligned */
    small_cache(TC_POLICY_GEN, 25);
    assert_int_equal(g_m.tc.nregions, 2);
    assert_int_equal(g_m.tc.region[0].end, 16u << 10);
    assert_int_equal(g_m.tc.region[1].start, 16u << 10);
    assert_int_equal(g_m.tc.region[1].end, 64u << 10);
    /* a policy change is not a capacity flush */
    assert_int_equal(g_m.tc.st.flushes_full, 0);
}

/* ---- the indirect-branch tables (jcache.c) ---- */

static const uint8_t code_a[1], code_b[1];

static struct jc_entry *tab(void)
{
    tc_flush(&g_m.tc);
    memset(&g_m.tc.st, 0, sizeof(g_m.tc.st));
    return tc_jcache(&g_m.tc, MODE_PG);
}

/* The code the inline lookup would jump to for eip, or NULL on a miss. */
static const void *hit(struct jc_entry *t, uint32_t eip)
{
    struct jc_entry *e = &t[eip & (JC_ENTRIES - 1)];
    return e->neg_tag + eip == 0 ? e->code : NULL;
}

static void fill(struct jc_entry *t, uint32_t eip, bool global, const void *code)
{
    tc_jcache_fill(&g_m.tc, t, eip, eip, eip + 7, global, true, code);
}

static void test_fill_and_miss_kinds(void **state)
{
    (void)state;
    struct jc_entry *t = tab();
    assert_null(hit(t, 0xC0101000));
    fill(t, 0xC0101000, true, code_a);
    assert_ptr_equal(hit(t, 0xC0101000), code_a);
    assert_null(hit(t, 0xC0111000)); /* same index, other tag */
    fill(t, 0xC0111000, true, code_b);
    assert_ptr_equal(hit(t, 0xC0111000), code_b);
    assert_null(hit(t, 0xC0101000));
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0xC0111000);
    fill(t, 0xC0111000, true, code_b);
    assert_int_equal(g_m.tc.st.jc_miss[JC_MISS_COLD], 1);
    assert_int_equal(g_m.tc.st.jc_miss[JC_MISS_CONFLICT], 1);
    assert_int_equal(g_m.tc.st.jc_miss[JC_MISS_DROPPED], 1);
    assert_int_equal(g_m.tc.st.jc_fills, 3);
}

static void test_invlpg_drops_its_region_only(void **state)
{
    (void)state;
    struct jc_entry *t = tab();
    fill(t, 0x08048010, false, code_a); /* region 0x20 */
    fill(t, 0x08449020, false, code_b); /* region 0x21 */
    fill(t, 0xC0100030, true, code_a);  /* region 0x300 */
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x08400000);
    assert_ptr_equal(hit(t, 0x08048010), code_a);
    assert_null(hit(t, 0x08449020));
    assert_ptr_equal(hit(t, 0xC0100030), code_a);
    /* another page of a 4 MiB region drops the whole region (as the TLB) */
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0xC03FF000);
    assert_null(hit(t, 0xC0100030));
    assert_ptr_equal(hit(t, 0x08048010), code_a);
    assert_int_equal(g_m.tc.st.jc_inval[JC_INV_INVLPG], 2);
    assert_int_equal(g_m.tc.st.jc_flushes[JC_INV_INVLPG], 2);
}

static void test_invlpg_of_the_last_bytes_region(void **state)
{
    (void)state;
    struct jc_entry *t = tab();
    /* a unit starting 3 bytes before a 4 MiB boundary */
    tc_jcache_fill(&g_m.tc, t, 0x403FFFFD, 0x403FFFFD, 0x40400002, false, true, code_a);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x40000000); /* its first region */
    assert_null(hit(t, 0x403FFFFD));
    tc_jcache_fill(&g_m.tc, t, 0x403FFFFD, 0x403FFFFD, 0x40400002, false, true, code_a);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x40400000); /* its second */
    assert_null(hit(t, 0x403FFFFD));
    tc_jcache_fill(&g_m.tc, t, 0x403FFFFD, 0x403FFFFD, 0x40400002, false, true, code_a);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x40800000); /* neither */
    assert_ptr_equal(hit(t, 0x403FFFFD), code_a);
}

static void test_cr3_keeps_global_targets(void **state)
{
    (void)state;
    struct jc_entry *t = tab();
    fill(t, 0x08048010, false, code_a);
    fill(t, 0xC0100030, true, code_b);
    mmu_flush(&g_m.mmu, MMU_FLUSH_CR3, 0x1000, 0);
    assert_null(hit(t, 0x08048010));
    assert_ptr_equal(hit(t, 0xC0100030), code_b);
    assert_int_equal(g_m.tc.st.jc_inval[JC_INV_CR3], 1);
    /* INVLPG still drops a global target */
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0xC0100000);
    assert_null(hit(t, 0xC0100030));
    /* a mode change drops everything, in every table */
    struct jc_entry *t2 = tc_jcache(&g_m.tc, MODE_PG | 3);
    fill(t, 0xC0100030, true, code_b);
    fill(t2, 0x08048010, true, code_a);
    mmu_flush(&g_m.mmu, MMU_FLUSH_MODE, 0, 0);
    assert_null(hit(t, 0xC0100030));
    assert_null(hit(t2, 0x08048010));
    assert_int_equal(g_m.tc.st.jc_inval[JC_INV_MODE], 2);
}

static void test_stale_record_clears_nothing(void **state)
{
    (void)state;
    struct jc_entry *t = tab();
    fill(t, 0x08048010, false, code_a);
    /* the same slot refilled for a global target in another region: the
     * first record is stale, a CR3 load must not clear the new fill */
    fill(t, 0xC0108010, true, code_b);
    assert_null(hit(t, 0x08048010));
    mmu_flush(&g_m.mmu, MMU_FLUSH_CR3, 0x1000, 0);
    assert_ptr_equal(hit(t, 0xC0108010), code_b);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x08048000);
    assert_ptr_equal(hit(t, 0xC0108010), code_b);
}

static void test_dropped_code_and_capacity(void **state)
{
    (void)state;
    struct jc_entry *t = tab();
    fill(t, 0xC0100030, true, code_a);
    tc_jcache_drop_code(&g_m.tc, 0xC0100030, code_b); /* other code: stays */
    assert_ptr_equal(hit(t, 0xC0100030), code_a);
    tc_jcache_drop_code(&g_m.tc, 0xC0100030, code_a);
    assert_null(hit(t, 0xC0100030));
    assert_int_equal(g_m.tc.st.jc_inval[JC_INV_UNIT], 1);
    /* more live global fills than the records hold: all are cleared once,
     * and the latest fills stay exact */
    for (uint32_t i = 0; i <= JC_DEPS_MAX; i++)
        fill(tc_jcache(&g_m.tc, MODE_PG + (i >> JC_BITS)), 0xC0000000u + (i & (JC_ENTRIES - 1)),
             true, code_a);
    assert_true(g_m.tc.st.jc_flushes[JC_INV_CAPACITY] >= 1);
    fill(t, 0x08048010, false, code_b);
    assert_ptr_equal(hit(t, 0x08048010), code_b);
    mmu_flush(&g_m.mmu, MMU_FLUSH_CR3, 0x1000, 0);
    assert_null(hit(t, 0x08048010));
}

static void test_chains_across_pages_follow_tlb_maintenance(void **state)
{
    (void)state;
    tab();
    /* paging: a's exit to b on another page (and another 4 MiB region) */
    struct unit *a = fake_unit(0x1000, 8, MODE_PG);
    struct unit *b = fake_unit(0x40000, 8, MODE_PG);
    a->exits[0].target_pc = 0x40000;
    assert_true(tc_chain_page_bound(a, 0, b));
    tc_chain(&g_m.tc, a, 0, b, false);
    assert_ptr_equal(a->exits[0].dest, b);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x00400000); /* another region */
    assert_ptr_equal(a->exits[0].dest, b);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, 0, 0x00041000); /* b's region */
    assert_null(a->exits[0].dest);
    assert_int_equal(rel_of(a), 0); /* back at its stub */
    tc_chain(&g_m.tc, a, 0, b, false);
    mmu_flush(&g_m.mmu, MMU_FLUSH_CR3, 0x1000, 0);
    assert_null(a->exits[0].dest);
    tc_chain(&g_m.tc, a, 0, b, true); /* b on a global page: kept */
    mmu_flush(&g_m.mmu, MMU_FLUSH_CR3, 0x1000, 0);
    assert_ptr_equal(a->exits[0].dest, b);
    mmu_flush(&g_m.mmu, MMU_FLUSH_MODE, 0, 0);
    assert_null(a->exits[0].dest);
    assert_int_equal(g_m.tc.st.chains_tracked, 3);
    assert_int_equal(g_m.tc.st.chains_unmapped, 3);
    /* a non-flat mode never chains to another page */
    struct unit *c = fake_unit(0x2000, 8, MODE_PG | MODE_NONFLAT);
    struct unit *d = fake_unit(0x50000, 8, MODE_PG | MODE_NONFLAT);
    c->exits[0].target_pc = 0x50000;
    tc_chain(&g_m.tc, c, 0, d, true);
    assert_null(c->exits[0].dest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_by_pc_and_mode),
        cmocka_unit_test(test_jcache_per_code_segment),
        cmocka_unit_test(test_chain_and_invalidate),
        cmocka_unit_test(test_invalidate_source_unlinks),
        cmocka_unit_test(test_no_chain_across_modes),
        cmocka_unit_test(test_spanning_unit_on_both_pages),
        cmocka_unit_test(test_find_by_host_and_flush),
        cmocka_unit_test(test_policy_flush_drops_everything),
        cmocka_unit_test(test_policy_fifo_evicts_oldest_first),
        cmocka_unit_test(test_policy_fifo_unchains_evicted),
        cmocka_unit_test(test_policy_fifo_many_tiny_units),
        cmocka_unit_test(test_policy_gen_promotes_reused),
        cmocka_unit_test(test_policy_invalid_unit_stays_findable),
        cmocka_unit_test(test_smc_page_adaptation),
        cmocka_unit_test(test_policy_parse),
        cmocka_unit_test(test_policy_clock_spares_referenced),
        cmocka_unit_test(test_policy_clock_unchains_moved),
        cmocka_unit_test(test_fill_and_miss_kinds),
        cmocka_unit_test(test_invlpg_drops_its_region_only),
        cmocka_unit_test(test_invlpg_of_the_last_bytes_region),
        cmocka_unit_test(test_cr3_keeps_global_targets),
        cmocka_unit_test(test_stale_record_clears_nothing),
        cmocka_unit_test(test_dropped_code_and_capacity),
        cmocka_unit_test(test_chains_across_pages_follow_tlb_maintenance),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
