/*
 * test_shadow.c - the page walker and the shadow page tables: a walk sets
 * A/D as hardware does and reports #PF error codes; a shadow hit needs no
 * walk; a store to a traced page-table page drops exactly the entries
 * built from it; address spaces are reused across CR3 switches.
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
#include "mmu/shadow.h"
#include "mmu/walk.h"
#include "vcpu.h"

static struct machine g_m;

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 8 << 20, .bus = true, .shadow = true };
    return fixture_machine_init(&g_m, &spec);
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    return 0;
}

#define put32(a, v) fixture_put32(&g_m, a, v)
#define get32(a) fixture_get32(&g_m, a)

/* CR3 at 0x10000, its page table at 0x11000: 0x400000 -> 0x200000 (user, rw) */
#define CR3 0x10000u
#define PT 0x11000u
static void map_basic(void)
{
    memset(g_m.ram + CR3, 0, 8192);
    put32(CR3 + 4 * 1, PT | 0x7); /* PDE for 0x400000 */
    put32(PT, 0x200000 | 0x7);    /* PTE: present, rw, user */
}

static void test_walk_sets_a_then_d(void **state)
{
    (void)state;
    map_basic();
    struct walk_result w;
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3, 0, 0x400123, WALK_USER, &w), 0);
    assert_int_equal(w.phys, 0x200000);
    assert_true(get32(PT) & 0x20);  /* A */
    assert_false(get32(PT) & 0x40); /* no D on a read */
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3, 0, 0x400123, WALK_USER | WALK_WRITE, &w), 0);
    assert_true(get32(PT) & 0x40); /* D on a write */
}

static void test_walk_fault_codes(void **state)
{
    (void)state;
    map_basic();
    struct walk_result w;
    /* not present */
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3, 0, 0x800000, WALK_USER | WALK_WRITE, &w), -1);
    assert_int_equal(w.err, PF_W | PF_U);
    /* supervisor page read from ring 3: P|U; read-only write from ring 0 with WP */
    put32(PT, 0x200000 | 0x1);
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER, &w), -1);
    assert_int_equal(w.err, PF_P | PF_U);
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG | CR0_WP, CR3, 0, 0x400000, WALK_WRITE, &w), -1);
    assert_int_equal(w.err, PF_P | PF_W);
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_WRITE, &w), 0); /* WP=0 */
}

/* With the A20 gate closed the walker's own reads lose bit 20 too: a CR3
 * (and a PDE) with bit 20 set read the tables 1 MiB lower, as the CPU
 * (and QEMU) do. */
static void test_walk_a20_masked(void **state)
{
    (void)state;
    map_basic();
    memset(g_m.ram + (CR3 | 0x100000), 0, 8192); /* the alias: nothing mapped */
    struct walk_result w;
    g_m.mmu.a20_off = true;
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3 | 0x100000, 0, 0x400123, WALK_USER, &w), 0);
    assert_int_equal(w.phys, 0x200000);
    assert_int_equal(w.pde_addr, CR3 + 4);
    put32(CR3 + 4, (PT | 0x100000) | 0x7); /* the PDE names the PT's alias */
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3, 0, 0x400123, WALK_USER, &w), 0);
    assert_int_equal(w.pte_addr, PT);
    g_m.mmu.a20_off = false; /* open: the alias's empty tables */
    assert_int_equal(mmu_walk(&g_m.mmu, CR0_PG, CR3 | 0x100000, 0, 0x400123, WALK_USER, &w), -1);
    put32(CR3 + 4, PT | 0x7);
}

static void test_shadow_hit_and_traced_write(void **state)
{
    (void)state;
    map_basic();
    shadow_drop_all(g_m.mmu.shadow);
    struct shadow *s = g_m.mmu.shadow;
    struct walk_result w;
    uint64_t fills = shadow_stats(s)->fills;
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER, &w), 0);
    assert_int_equal(shadow_stats(s)->fills, fills + 1);
    uint64_t hits = shadow_stats(s)->hidden_hits;
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER, &w), 0);
    assert_int_equal(shadow_stats(s)->hidden_hits, hits + 1);
    /* the page table page is now traced: a guest store to the PTE remaps */
    assert_true(mmu_is_wp_page(&g_m.mmu, PT));
    mmu_phys_write(&g_m.mmu, PT, 4, 0x300000 | 0x7);
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER, &w), 0);
    assert_int_equal(w.phys, 0x300000);
    /* a store to another PTE of the same page does not drop this entry */
    hits = shadow_stats(s)->hidden_hits;
    mmu_phys_write(&g_m.mmu, PT + 8, 4, 0);
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER, &w), 0);
    assert_int_equal(shadow_stats(s)->hidden_hits, hits + 1);
}

static void test_shadow_write_needs_dirty(void **state)
{
    (void)state;
    map_basic();
    shadow_drop_all(g_m.mmu.shadow);
    struct shadow *s = g_m.mmu.shadow;
    struct walk_result w;
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER, &w), 0);
    assert_false(get32(PT) & 0x40);
    /* the first write must walk again to set D */
    assert_int_equal(
        shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, WALK_USER | WALK_WRITE, &w), 0);
    assert_true(get32(PT) & 0x40);
}

static void test_spaces_reused(void **state)
{
    (void)state;
    map_basic();
    shadow_drop_all(g_m.mmu.shadow);
    struct shadow *s = g_m.mmu.shadow;
    struct walk_result w;
    memset(g_m.ram + 0x20000, 0, 4096); /* a second, empty address space */
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, 0, &w), 0);
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, 0x20000, 0, 0x400000, 0, &w), -1);
    uint64_t reused = shadow_stats(s)->spaces_reused, hits = shadow_stats(s)->hidden_hits;
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, 0, &w), 0);
    assert_int_equal(shadow_stats(s)->spaces_reused, reused + 1);
    assert_int_equal(shadow_stats(s)->hidden_hits, hits + 1);
    /* INVLPG drops the entry */
    shadow_invlpg(s, CR3, 0x400000);
    uint64_t fills = shadow_stats(s)->fills;
    assert_int_equal(shadow_translate(s, &g_m.mmu, CR0_PG, CR3, 0, 0x400000, 0, &w), 0);
    assert_int_equal(shadow_stats(s)->fills, fills + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_sets_a_then_d),
        cmocka_unit_test(test_walk_fault_codes),
        cmocka_unit_test(test_walk_a20_masked),
        cmocka_unit_test(test_shadow_hit_and_traced_write),
        cmocka_unit_test(test_shadow_write_needs_dirty),
        cmocka_unit_test(test_spaces_reused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
