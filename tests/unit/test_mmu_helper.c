/*
 * test_mmu_helper.c - the helpers' linear-address accessors (cpu_read_as,
 * cpu_write_as, cpu_translate) consult the simulated TLB before walking:
 * a repeated access to a page is a TLB hit (no walk), the table is the one
 * of the access's privilege (implicit supervisor accesses at CPL 3 use the
 * supervisor one), a store needs the write tag (absent until the page is
 * dirty, on pages holding translations and on traced page tables), faults
 * keep their error code and CR2, a page-crossing store checks both pages
 * before writing a byte, misses go through the victim buffer and the
 * shadow page tables, and walks are counted exactly.
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
#include "mmu/tlb.h"
#include "mmu/walk.h"
#include "tcache.h"
#include "cpu.h"

static struct machine g_m;
static struct vcpu *cpu;

#define TLB_ENTRIES 16u

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 8 << 20,
                                       .tlb_entries = TLB_ENTRIES,
                                       .bus = true,
                                       .tcache_size = 1 << 20,
                                       .vcpu = true };
    if (fixture_machine_init(&g_m, &spec))
        return -1;
    cpu = g_m.cpu;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    cpu = NULL;
    return 0;
}

#define put32(a, v) fixture_put32(&g_m, a, v)
#define get32(a) fixture_get32(&g_m, a)

/* CR3 at 0x10000, its page table at 0x11000 for [0x400000, 0x800000):
 * linear 0x400000 + k * 4 KiB -> physical 0x200000 + k * 4 KiB */
#define CR3 0x10000u
#define PT 0x11000u
#define LIN(k) (0x400000u + (uint32_t)(k)*PAGE_SIZE)
#define PHYS(k) (0x200000u + (uint32_t)(k)*PAGE_SIZE)

static void map(unsigned k, uint32_t bits)
{
    put32(PT + 4 * k, PHYS(k) | bits);
}

/* A fresh machine state before each test: empty tables and TLB, paging on
 * at CPL 0, no pending event, counters kept (tests compare deltas). */
static int fresh(void **state)
{
    (void)state;
    memset(g_m.ram + CR3, 0, 2 * PAGE_SIZE);
    put32(CR3 + 4 * 1, PT | PTE_P | PTE_W | PTE_U);
    memset(g_m.mmu.code_pages, 0, g_m.mmu.ram_pages);
    memset(g_m.mmu.pt_pages, 0, g_m.mmu.ram_pages);
    mmu_tlb_flush(&g_m.mmu);
    g_m.mmu.nvictims = 0;
    g_m.mmu.victim_next = 0;
    for (unsigned k = 0; k < TLB_MAX_VICTIMS; k++)
        g_m.mmu.victims[k].valid = 0;
    shadow_destroy(g_m.mmu.shadow);
    g_m.mmu.shadow = NULL;
    cpu->cr0 = CR0_PE | CR0_PG;
    cpu->cr3 = CR3;
    cpu->cr4 = 0;
    cpu->cr2 = 0;
    cpu->cpl = 0;
    cpu->pending.kind = EV_NONE;
    cpu->smc_hit = false;
    return 0;
}

static uint64_t walks(void)
{
    return g_m.mmu.st.walks;
}
static uint64_t hits(void)
{
    return g_m.mmu.st.helper_tlb_hits;
}

/* Clears a pending fault so the next one can be observed. */
static void take_fault(int *vec, uint32_t *err)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    *vec = ev.kind == EV_NONE ? -1 : ev.vec;
    *err = ev.err;
}

static void test_repeated_access_hits(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W);
    put32(PHYS(0) + 0x10, 0x12345678);
    uint32_t v;
    uint64_t w0 = walks(), h0 = hits(), f0 = g_m.mmu.st.tlb_fills;
    assert_int_equal(cpu_read_as(cpu, LIN(0) + 0x10, 4, &v, false), 0);
    assert_int_equal(v, 0x12345678);
    assert_int_equal(walks(), w0 + 1);
    assert_int_equal(g_m.mmu.st.tlb_fills, f0 + 1);
    assert_true(get32(PT) & PTE_A);
    assert_false(get32(PT) & PTE_D);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(cpu_read_as(cpu, LIN(0) + 4 * (uint32_t)i, 2, &v, false), 0);
        assert_int_equal(cpu_read_as(cpu, LIN(0) + 0xFFF, 1, &v, false), 0);
    }
    assert_int_equal(walks(), w0 + 1);
    assert_int_equal(hits(), h0 + 20);
    /* cpu_translate (page by page) answers from the TLB too */
    uint32_t phys;
    assert_int_equal(cpu_translate(cpu, LIN(0) + 0x123, 0, &phys), 0);
    assert_int_equal(phys, PHYS(0) + 0x123);
    assert_int_equal(walks(), w0 + 1);
    assert_int_equal(hits(), h0 + 21);
}

static void test_write_needs_dirty(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W);
    uint32_t v;
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0); /* fills without a write tag */
    uint64_t w0 = walks();
    assert_int_equal(cpu_write_as(cpu, LIN(0) + 8, 4, 0xCAFEF00D, false), 0);
    assert_int_equal(walks(), w0 + 1); /* walked again: sets D */
    assert_true(get32(PT) & PTE_D);
    assert_int_equal(get32(PHYS(0) + 8), 0xCAFEF00D);
    /* now dirty: stores hit */
    uint64_t h0 = hits();
    for (int i = 0; i < 8; i++)
        assert_int_equal(cpu_write_as(cpu, LIN(0) + 4 * (uint32_t)i, 4, (uint32_t)i, false), 0);
    assert_int_equal(walks(), w0 + 1);
    assert_int_equal(hits(), h0 + 8);
    assert_int_equal(get32(PHYS(0) + 28), 7);
    /* a page already dirty gets its write tag from a read walk */
    map(1, PTE_P | PTE_W | PTE_D);
    assert_int_equal(cpu_read_as(cpu, LIN(1), 4, &v, false), 0);
    w0 = walks();
    assert_int_equal(cpu_write_as(cpu, LIN(1), 4, 1, false), 0);
    assert_int_equal(walks(), w0);
}

static void test_privilege_tables(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W);         /* supervisor page */
    map(1, PTE_P | PTE_W | PTE_U); /* user page */
    uint32_t v;
    int vec;
    uint32_t err;
    /* a supervisor access fills the supervisor TLB only: a CPL 3 read of
     * the supervisor page still walks and faults (P|U, CR2) */
    assert_int_equal(cpu_read_as(cpu, LIN(0) + 4, 4, &v, false), 0);
    cpu->cpl = 3;
    uint64_t w0 = walks();
    assert_int_equal(cpu_read(cpu, LIN(0) + 4, 4, &v), -1);
    assert_int_equal(walks(), w0 + 1);
    take_fault(&vec, &err);
    assert_int_equal(vec, EXC_PF);
    assert_int_equal(err, PF_P | PF_U);
    assert_int_equal(cpu->cr2, LIN(0) + 4);
    /* an implicit supervisor access at CPL 3 (descriptor tables, TSS)
     * uses the supervisor TLB: a hit, no fault */
    uint64_t h0 = hits();
    assert_int_equal(cpu_read_sys(cpu, LIN(0) + 8, 4, &v), 0);
    assert_int_equal(cpu_write_sys(cpu, LIN(0) + 8, 4, 5), 0); /* not dirty: walks */
    assert_int_equal(cpu_read_sys(cpu, LIN(0) + 8, 4, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(hits(), h0 + 2);
    assert_false(vcpu_has_pending(cpu));
    /* user page: the CPL 3 table is filled by the user access and then hit */
    w0 = walks();
    assert_int_equal(cpu_write(cpu, LIN(1), 4, 0xAA), 0);
    assert_int_equal(cpu_write(cpu, LIN(1) + 4, 4, 0xBB), 0);
    assert_int_equal(cpu_read(cpu, LIN(1), 4, &v), 0);
    assert_int_equal(v, 0xAA);
    assert_int_equal(walks(), w0 + 1);
    /* the supervisor table has no entry for it yet */
    assert_int_equal(cpu_read_sys(cpu, LIN(1), 4, &v), 0);
    assert_int_equal(walks(), w0 + 2);
}

static void test_read_only_and_wp(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_U | PTE_D); /* read-only user page, already dirty */
    uint32_t v;
    int vec;
    uint32_t err;
    /* CPL 3: the read fills the user TLB (read tag only); a store faults P|W|U */
    cpu->cpl = 3;
    assert_int_equal(cpu_read(cpu, LIN(0), 4, &v), 0);
    assert_int_equal(cpu_write(cpu, LIN(0) + 0x20, 4, 1), -1);
    take_fault(&vec, &err);
    assert_int_equal(vec, EXC_PF);
    assert_int_equal(err, PF_P | PF_W | PF_U);
    assert_int_equal(cpu->cr2, LIN(0) + 0x20);
    assert_int_equal(get32(PHYS(0) + 0x20), 0);
    /* ring 0 with WP = 0 may write it (write tag in the supervisor TLB) */
    cpu->cpl = 0;
    assert_int_equal(cpu_write_as(cpu, LIN(0) + 0x20, 4, 2, false), 0);
    assert_int_equal(get32(PHYS(0) + 0x20), 2);
    /* CR0.WP set (the mode change flushes, as MOV CR0 does): supervisor
     * stores fault P|W, and keep faulting after a read filled the entry */
    cpu->cr0 |= CR0_WP;
    mmu_tlb_flush(&g_m.mmu);
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(cpu_write_as(cpu, LIN(0) + 0x20, 4, 3, false), -1);
    take_fault(&vec, &err);
    assert_int_equal(err, PF_P | PF_W);
    assert_int_equal(get32(PHYS(0) + 0x20), 2);
}

static void test_not_present_fault(void **state)
{
    (void)state;
    uint32_t v;
    int vec;
    uint32_t err;
    uint64_t pf = g_m.mmu.st.page_faults;
    cpu->cpl = 3;
    assert_int_equal(cpu_write(cpu, LIN(5) + 3, 1, 1), -1);
    take_fault(&vec, &err);
    assert_int_equal(vec, EXC_PF);
    assert_int_equal(err, PF_W | PF_U);
    assert_int_equal(cpu->cr2, LIN(5) + 3);
    assert_int_equal(g_m.mmu.st.page_faults, pf + 1);
    /* the fault filled nothing: after mapping, the access works */
    map(5, PTE_P | PTE_W | PTE_U);
    assert_int_equal(cpu_read(cpu, LIN(5) + 3, 1, &v), 0);
}

static void test_wp_pages_keep_full_path(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W | PTE_D);
    map(1, PTE_P | PTE_W | PTE_D);
    uint32_t v;
    /* a page holding translations: no write tag, every store walks and
     * reaches mmu_phys_write (counted as a code-page write) */
    mmu_code_page_set(&g_m.mmu, PHYS(0));
    uint64_t w0 = walks(), cw = g_m.mmu.st.code_writes;
    for (int i = 0; i < 3; i++)
        assert_int_equal(cpu_write_as(cpu, LIN(0) + 4 * (uint32_t)i, 4, 9, false), 0);
    assert_int_equal(walks(), w0 + 3);
    assert_int_equal(g_m.mmu.st.code_writes, cw + 3);
    assert_int_equal(get32(PHYS(0) + 8), 9);
    /* reads of it still hit */
    w0 = walks();
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(walks(), w0);
    /* a write tag is revoked when its page starts holding translations */
    assert_int_equal(cpu_write_as(cpu, LIN(1), 4, 1, false), 0);
    w0 = walks();
    assert_int_equal(cpu_write_as(cpu, LIN(1), 4, 2, false), 0);
    assert_int_equal(walks(), w0);
    mmu_code_page_set(&g_m.mmu, PHYS(1));
    cw = g_m.mmu.st.code_writes;
    assert_int_equal(cpu_write_as(cpu, LIN(1), 4, 3, false), 0);
    assert_int_equal(walks(), w0 + 1);
    assert_int_equal(g_m.mmu.st.code_writes, cw + 1);
    mmu_code_page_clear(&g_m.mmu, PHYS(0));
    mmu_code_page_clear(&g_m.mmu, PHYS(1));
}

static void test_crossing_checks_both_pages(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W | PTE_U);
    map(1, PTE_P | PTE_U); /* read-only */
    uint32_t v;
    int vec;
    uint32_t err;
    cpu->cpl = 3;
    put32(PHYS(0) + 0xFFC, 0x11111111);
    /* a dword store over the boundary faults on the second page with CR2
     * at its start; the first page is not written */
    assert_int_equal(cpu_write(cpu, LIN(0) + 0xFFE, 4, 0xAABBCCDD), -1);
    take_fault(&vec, &err);
    assert_int_equal(vec, EXC_PF);
    assert_int_equal(err, PF_P | PF_W | PF_U);
    assert_int_equal(cpu->cr2, LIN(1));
    assert_int_equal(get32(PHYS(0) + 0xFFC), 0x11111111);
    /* made writable (and flushed): the store is split over both frames */
    map(1, PTE_P | PTE_W | PTE_U);
    mmu_flush_page(&g_m.mmu, LIN(1));
    assert_int_equal(cpu_write(cpu, LIN(0) + 0xFFE, 4, 0xAABBCCDD), 0);
    assert_int_equal(get32(PHYS(0) + 0xFFC) >> 16, 0xCCDD);
    assert_int_equal(get32(PHYS(1)) & 0xFFFF, 0xAABB);
    /* both pages dirty and in the TLB now: the next crossing access is two
     * hits and no walk */
    uint64_t w0 = walks(), h0 = hits();
    assert_int_equal(cpu_read(cpu, LIN(0) + 0xFFF, 4, &v), 0);
    assert_int_equal(v, 0x00AABBCCu);
    assert_int_equal(cpu_write(cpu, LIN(0) + 0xFFD, 4, 0), 0);
    assert_int_equal(walks(), w0);
    assert_int_equal(hits(), h0 + 4);
}

static void test_invlpg_and_cr3(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W);
    put32(PHYS(0), 0xA);
    put32(PHYS(2), 0xB);
    uint32_t v;
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(v, 0xA);
    /* remapped: after INVLPG the helper walks and sees the new frame */
    put32(PT, PHYS(2) | PTE_P | PTE_W);
    mmu_flush_page(&g_m.mmu, LIN(0));
    uint64_t w0 = walks();
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(v, 0xB);
    assert_int_equal(walks(), w0 + 1);
    /* a CR3 load flushes it too */
    mmu_flush_nonglobal(&g_m.mmu);
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(walks(), w0 + 2);
}

static void test_victim_buffer(void **state)
{
    (void)state;
    g_m.mmu.nvictims = 4;
    map(0, PTE_P | PTE_W);
    map(TLB_ENTRIES, PTE_P | PTE_W); /* same TLB index as page 0 */
    uint32_t v;
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(cpu_read_as(cpu, LIN(TLB_ENTRIES), 4, &v, false), 0); /* evicts page 0 */
    uint64_t w0 = walks(), vh = g_m.mmu.st.victim_hits;
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(walks(), w0);
    assert_int_equal(g_m.mmu.st.victim_hits, vh + 1);
    /* swapped back in: the next access is a TLB hit */
    uint64_t h0 = hits();
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(hits(), h0 + 1);
    /* a victim without a write tag does not serve a store */
    assert_int_equal(cpu_read_as(cpu, LIN(TLB_ENTRIES), 4, &v, false), 0); /* page 0 -> victim */
    w0 = walks();
    assert_int_equal(cpu_write_as(cpu, LIN(0), 4, 1, false), 0);
    assert_int_equal(walks(), w0 + 1);
    assert_true(get32(PT) & PTE_D);
}

static void test_shadow_behind_helpers(void **state)
{
    (void)state;
    g_m.mmu.shadow = shadow_create();
    assert_non_null(g_m.mmu.shadow);
    map(0, PTE_P | PTE_W | PTE_D);
    uint32_t v;
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0); /* walk, shadow fill */
    /* the page table page is traced: a helper store to it takes the full
     * path (no write tag), reaches the shadow and drops the entry */
    put32(CR3 + 4 * 2, 0x13000 | PTE_P | PTE_W); /* maps PT itself at 0x800000 + 0x11000 */
    memset(g_m.ram + 0x13000, 0, PAGE_SIZE);
    put32(0x13000 + 4 * 0x11, PT | PTE_P | PTE_W | PTE_D);
    uint32_t pt_lin = 0x800000u + 0x11000u;
    assert_int_equal(cpu_read_as(cpu, pt_lin, 4, &v, false), 0);
    assert_int_equal(v, PHYS(0) | PTE_P | PTE_W | PTE_D | PTE_A);
    uint64_t tw = shadow_stats(g_m.mmu.shadow)->traced_writes;
    uint64_t m0 = g_m.mmu.st.helper_tlb_misses, h0 = hits();
    assert_int_equal(cpu_write_as(cpu, pt_lin, 4, PHYS(3) | PTE_P | PTE_W | PTE_D, false), 0);
    assert_int_equal(cpu_write_as(cpu, pt_lin, 4, PHYS(3) | PTE_P | PTE_W | PTE_D, false), 0);
    assert_int_equal(shadow_stats(g_m.mmu.shadow)->traced_writes, tw + 2);
    /* both stores took the miss path (the page has no write tag) */
    assert_int_equal(g_m.mmu.st.helper_tlb_misses, m0 + 2);
    assert_int_equal(hits(), h0);
    /* after INVLPG the helper sees the new frame through a fresh walk */
    put32(PHYS(3), 0x33);
    mmu_flush_page(&g_m.mmu, LIN(0));
    shadow_invlpg(g_m.mmu.shadow, CR3, LIN(0));
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(v, 0x33);
    /* a TLB miss resolved by the shadow is a hidden hit, not a walk */
    mmu_tlb_flush(&g_m.mmu);
    uint64_t w0 = walks();
    uint64_t hh = shadow_stats(g_m.mmu.shadow)->hidden_hits;
    assert_int_equal(cpu_read_as(cpu, LIN(0), 4, &v, false), 0);
    assert_int_equal(walks(), w0);
    assert_int_equal(shadow_stats(g_m.mmu.shadow)->hidden_hits, hh + 1);
}

static void test_paging_off(void **state)
{
    (void)state;
    cpu->cr0 = CR0_PE;
    cpu->cpl = 3; /* paging off: the supervisor table whatever the CPL */
    uint32_t v;
    uint64_t w0 = walks(), h0 = hits(), m0 = g_m.mmu.st.helper_tlb_misses;
    assert_int_equal(cpu_write(cpu, 0x300000, 4, 0x77), 0); /* miss: identity fill */
    assert_int_equal(cpu_read(cpu, 0x300000, 4, &v), 0);    /* hit */
    assert_int_equal(v, 0x77);
    assert_int_equal(cpu_write(cpu, 0x300004, 2, 0x88), 0); /* hit */
    assert_int_equal(get32(0x300004), 0x88);
    assert_int_equal(walks(), w0);
    assert_int_equal(hits(), h0 + 2);
    assert_int_equal(g_m.mmu.st.helper_tlb_misses, m0 + 1);
    /* a page holding translations keeps the full path for stores */
    mmu_code_page_set(&g_m.mmu, 0x300000);
    uint64_t cw = g_m.mmu.st.code_writes;
    assert_int_equal(cpu_write(cpu, 0x300008, 4, 1), 0);
    assert_int_equal(cpu_write(cpu, 0x30000C, 4, 2), 0);
    assert_int_equal(g_m.mmu.st.code_writes, cw + 2);
    assert_int_equal(get32(0x30000C), 2);
    mmu_code_page_clear(&g_m.mmu, 0x300000);
    /* turning paging on flushes (MOV CR0 does): no identity entry is used */
    mmu_tlb_flush(&g_m.mmu);
    cpu->cr0 = CR0_PE | CR0_PG;
    cpu->cpl = 0;
    int vec;
    uint32_t err;
    assert_int_equal(cpu_read(cpu, 0x300000, 4, &v), -1); /* not mapped */
    take_fault(&vec, &err);
    assert_int_equal(vec, EXC_PF);
    assert_int_equal(err, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_repeated_access_hits, fresh),
        cmocka_unit_test_setup(test_write_needs_dirty, fresh),
        cmocka_unit_test_setup(test_privilege_tables, fresh),
        cmocka_unit_test_setup(test_read_only_and_wp, fresh),
        cmocka_unit_test_setup(test_not_present_fault, fresh),
        cmocka_unit_test_setup(test_wp_pages_keep_full_path, fresh),
        cmocka_unit_test_setup(test_crossing_checks_both_pages, fresh),
        cmocka_unit_test_setup(test_invlpg_and_cr3, fresh),
        cmocka_unit_test_setup(test_victim_buffer, fresh),
        cmocka_unit_test_setup(test_shadow_behind_helpers, fresh),
        cmocka_unit_test_setup(test_paging_off, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
