/*
 * test_tcache.c - the translation cache: index by (pc, mode), per-page
 * lists and byte-range invalidation, chaining and unchaining of exits,
 * code-page marking in the MMU, host-address lookup and flush.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "machine.h"
#include "mmu.h"
#include "tcache.h"

static struct machine g_m;

static int setup(void **state)
{
    (void)state;
    memset(&g_m, 0, sizeof(g_m));
    g_m.ram_size = 1 << 20;
    g_m.ram = calloc(1, g_m.ram_size);
    if (!g_m.ram || mmu_init(&g_m.mmu, &g_m, 16) || tc_init(&g_m.tc, &g_m, 1 << 20))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tc_destroy(&g_m.tc);
    mmu_destroy(&g_m.mmu);
    free(g_m.ram);
    return 0;
}

/* A fake unit: jmp rel32 (exit 0) at offset 0, its stub at offset 5. */
static struct tb *fake_unit(uint32_t pc, uint32_t size, uint32_t mode)
{
    size_t room;
    uint8_t *w = tc_begin(&g_m.tc, &room);
    static const uint8_t code[16] = {0xE9, 0, 0, 0, 0, 0xC3};
    memcpy(w, code, sizeof(code));
    struct tb proto;
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
    return tc_commit(&g_m.tc, &proto, sizeof(code), &ipc, &ioff, NULL, 0);
}

static int32_t rel_of(struct tb *tb)
{
    int32_t r;
    memcpy(&r, tc_rw(&g_m.tc, tb->code + 1), 4);
    return r;
}

static void test_lookup_by_pc_and_mode(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct tb *a = fake_unit(0x1000, 8, 0);
    struct tb *b = fake_unit(0x1000, 8, 3);
    assert_ptr_equal(tc_lookup(&g_m.tc, 0x1000, 0, 0, 0, 0x1000), a);
    assert_ptr_equal(tc_lookup(&g_m.tc, 0x1000, 3, 0, 0, 0x1000), b);
    assert_null(tc_lookup(&g_m.tc, 0x1004, 0, 0, 0, 0x1004));
    /* the same physical code reached through another virtual address is a
     * different unit (EIPs are built into the translation) */
    assert_null(tc_lookup(&g_m.tc, 0x1000, 0, 0, 0, 0x40001000));
    assert_true(mmu_is_code_page(&g_m.mmu, 0x1000));
}

static void test_chain_and_invalidate(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct tb *a = fake_unit(0x2000, 16, 0);
    struct tb *b = fake_unit(0x3000, 16, 0);
    tc_chain(&g_m.tc, a, 0, b);
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
    assert_int_equal(rel_of(a), 0);    /* stub is right after the jmp */
    assert_false(mmu_is_code_page(&g_m.mmu, 0x3000));
    assert_true(mmu_is_code_page(&g_m.mmu, 0x2000));
}

static void test_invalidate_source_unlinks(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct tb *a = fake_unit(0x4000, 16, 0);
    struct tb *b = fake_unit(0x5000, 16, 0);
    struct tb *c = fake_unit(0x6000, 16, 0);
    tc_chain(&g_m.tc, a, 0, c);
    tc_chain(&g_m.tc, b, 0, c);
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
    struct tb *a = fake_unit(0x7000, 16, 0);
    struct tb *b = fake_unit(0x8000, 16, 1);
    tc_chain(&g_m.tc, a, 0, b);
    assert_null(a->exits[0].dest);
}

static void test_spanning_unit_on_both_pages(void **state)
{
    (void)state;
    tc_flush(&g_m.tc);
    struct tb *a = fake_unit(0x9FFC, 8, 0);   /* bytes on 0x9000 and 0xA000 */
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
    struct tb *a = fake_unit(0xB000, 4, 0);
    struct tb *b = fake_unit(0xC000, 4, 0);
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)a->code + 3), a);
    assert_ptr_equal(tc_find_by_host(&g_m.tc, (uintptr_t)b->code), b);
    assert_null(tc_find_by_host(&g_m.tc, (uintptr_t)b->code + 100));
    uint64_t gen = g_m.tc.generation;
    tc_flush(&g_m.tc);
    assert_int_equal(g_m.tc.generation, gen + 1);
    assert_null(tc_lookup(&g_m.tc, 0xB000, 0, 0, 0, 0xB000));
    assert_false(mmu_is_code_page(&g_m.mmu, 0xB000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_by_pc_and_mode),
        cmocka_unit_test(test_chain_and_invalidate),
        cmocka_unit_test(test_invalidate_source_unlinks),
        cmocka_unit_test(test_no_chain_across_modes),
        cmocka_unit_test(test_spanning_unit_on_both_pages),
        cmocka_unit_test(test_find_by_host_and_flush),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
