/*
 * test_hostmmu.c - host-MMU paging (--mmu=host).  The bookkeeping (hmap):
 * records found by window and linear page, the reverse map lists every
 * alias of a physical page, per-window lists, the fill order and eviction
 * when the pool is full, hash chains under collisions.  The windows
 * (hostmmu), on a real memfd: a host fault maps the page from a guest walk
 * (A set, read-only until a write sets D), a user access to a supervisor
 * page or to a not-present page goes to the slow path and sets nothing, a
 * mapping budget evicts the oldest fill, INVLPG / CR3 / mode flushes drop
 * what they must (global pages survive CR3, a CR3 load keeps exactly the
 * pages whose translation is unchanged), address spaces keep windows of
 * their own (a switch back finds its pages, INVLPG reaches them all, the
 * least recently used is reassigned), fault-around maps exactly the
 * neighbours that need no A/D update, a code page is write-protected
 * in every alias, the guards alias the linear addresses that wrap, and a
 * page INVLPG keeps dropping is reported as churn.
 * Host protection is checked by touching the window under a SIGSEGV probe.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmu.h"
#include "mmu/hmap.h"
#include "x86.h"

/* ---- hmap ----------------------------------------------------------------- */

static void test_hmap_find_remove(void **state)
{
    (void)state;
    struct hmap h;
    assert_int_equal(hmap_init(&h, 8, 16, 2), 0);
    uint32_t a = hmap_add(&h, 0, 0x1000, 0x5000);
    uint32_t b = hmap_add(&h, 1, 0x1000, 0x6000);
    assert_int_not_equal(a, HMAP_NIL);
    assert_int_not_equal(b, HMAP_NIL);
    assert_int_equal(hmap_find(&h, 0, 0x1234), a);
    assert_int_equal(hmap_find(&h, 1, 0x1FFF), b);
    assert_int_equal(hmap_find(&h, 0, 0x2000), HMAP_NIL);
    assert_int_equal(h.live, 2);
    hmap_remove(&h, a);
    assert_int_equal(hmap_find(&h, 0, 0x1000), HMAP_NIL);
    assert_int_equal(hmap_find(&h, 1, 0x1000), b);
    assert_int_equal(h.live, 1);
    assert_int_equal(h.peak, 2);
    /* a physical page beyond the map cannot be added */
    assert_int_equal(hmap_add(&h, 0, 0x3000, 16 << 12), HMAP_NIL);
    hmap_destroy(&h);
}

static unsigned count_phys(const struct hmap *h, uint32_t phys)
{
    unsigned n = 0;
    for (uint32_t i = hmap_phys_first(h, phys); i != HMAP_NIL; i = h->rec[i].rnext) {
        assert_int_equal(h->rec[i].phys, phys);
        n++;
    }
    return n;
}

static unsigned count_win(const struct hmap *h, unsigned w)
{
    unsigned n = 0;
    for (int g = 0; g < 2; g++)
        for (uint32_t i = hmap_win_first(h, w, g); i != HMAP_NIL; i = h->rec[i].wnext) {
            assert_int_equal(h->rec[i].win, w);
            assert_int_equal(h->rec[i].global, g);
            n++;
        }
    assert_int_equal(h->wcount[w], n);
    return n;
}

/* Records of global pages are listed apart: a window's non-global ones
 * are found without walking past them. */
static void test_hmap_global_lists(void **state)
{
    (void)state;
    struct hmap h;
    assert_int_equal(hmap_init(&h, 8, 64, 2), 0);
    uint32_t a = hmap_add(&h, 1, 0x1000, 0x5000), b = hmap_add(&h, 1, 0x2000, 0x6000);
    hmap_add(&h, 1, 0x3000, 0x7000);
    hmap_set_global(&h, b, true);
    assert_int_equal(hmap_win_first(&h, 1, true), b);
    assert_int_equal(h.rec[b].wnext, HMAP_NIL);
    assert_int_equal(count_win(&h, 1), 3);
    hmap_set_global(&h, a, true);
    hmap_set_global(&h, b, false);
    assert_int_equal(hmap_win_first(&h, 1, true), a);
    assert_int_equal(count_win(&h, 1), 3);
    hmap_remove(&h, a);
    assert_int_equal(hmap_win_first(&h, 1, true), HMAP_NIL);
    assert_int_equal(count_win(&h, 1), 2);
    hmap_destroy(&h);
}

static void test_hmap_reverse_map(void **state)
{
    (void)state;
    struct hmap h;
    assert_int_equal(hmap_init(&h, 16, 16, 3), 0);
    uint32_t x = hmap_add(&h, 0, 0x400000, 0x7000);
    hmap_add(&h, 1, 0x400000, 0x7000);
    uint32_t z = hmap_add(&h, 2, 0xC0000000, 0x7000);
    hmap_add(&h, 0, 0x401000, 0x8000);
    assert_int_equal(count_phys(&h, 0x7000), 3);
    assert_int_equal(count_phys(&h, 0x8000), 1);
    assert_int_equal(count_phys(&h, 0x9000), 0);
    assert_int_equal(count_win(&h, 0), 2);
    assert_int_equal(count_win(&h, 1), 1);
    assert_int_equal(count_win(&h, 2), 1);
    hmap_remove(&h, x);
    hmap_remove(&h, z);
    assert_int_equal(count_phys(&h, 0x7000), 1);
    assert_int_equal(count_win(&h, 0), 1);
    assert_int_equal(count_win(&h, 2), 0);
    hmap_destroy(&h);
}

static void test_hmap_fill_order(void **state)
{
    (void)state;
    struct hmap h;
    assert_int_equal(hmap_init(&h, 3, 16, 1), 0);
    uint32_t a = hmap_add(&h, 0, 0x1000, 0x1000);
    uint32_t b = hmap_add(&h, 0, 0x2000, 0x2000);
    uint32_t c = hmap_add(&h, 0, 0x3000, 0x3000);
    assert_int_equal(hmap_add(&h, 0, 0x4000, 0x4000), HMAP_NIL); /* full */
    assert_int_equal(hmap_oldest(&h), a);
    hmap_touch(&h, a); /* refilled: now the newest */
    assert_int_equal(hmap_oldest(&h), b);
    hmap_remove(&h, hmap_oldest(&h));
    assert_int_equal(hmap_oldest(&h), c);
    uint32_t d = hmap_add(&h, 0, 0x4000, 0x4000);
    assert_int_not_equal(d, HMAP_NIL);
    hmap_remove(&h, c);
    assert_int_equal(hmap_oldest(&h), a);
    hmap_remove(&h, a);
    assert_int_equal(hmap_oldest(&h), d);
    hmap_remove(&h, d);
    assert_int_equal(hmap_oldest(&h), HMAP_NIL);
    assert_int_equal(h.live, 0);
    hmap_destroy(&h);
}

static void test_hmap_many(void **state)
{
    (void)state;
    struct hmap h;
    enum { N = 1000 };
    assert_int_equal(hmap_init(&h, N, 64, 4), 0);
    for (uint32_t k = 0; k < N; k++)
        assert_int_not_equal(hmap_add(&h, k % 4, (k / 4) << 12, (k % 64) << 12), HMAP_NIL);
    for (uint32_t k = 0; k < N; k++) {
        uint32_t i = hmap_find(&h, k % 4, (k / 4) << 12);
        assert_int_not_equal(i, HMAP_NIL);
        assert_int_equal(h.rec[i].phys, (k % 64) << 12);
    }
    /* remove every other one; the rest are still found */
    for (uint32_t k = 0; k < N; k += 2)
        hmap_remove(&h, hmap_find(&h, k % 4, (k / 4) << 12));
    for (uint32_t k = 0; k < N; k++)
        assert_true((hmap_find(&h, k % 4, (k / 4) << 12) == HMAP_NIL) == (k % 2 == 0));
    unsigned total = 0;
    for (uint32_t p = 0; p < 64; p++)
        total += count_phys(&h, p << 12);
    assert_int_equal(total, N / 2);
    assert_int_equal(count_win(&h, 1) + count_win(&h, 3), N / 2);
    hmap_destroy(&h);
}

/* ---- the windows ------------------------------------------------------------ */

#define RAM (4u << 20)
#define CR3 0x1000u
#define PT 0x2000u
#define PT_HI 0x3000u
#define CR0 (CR0_PE | CR0_PG | CR0_WP)

static struct mmu g_mmu;
static uint8_t *g_ram;
static int g_fd = -1;

static void put32(uint32_t a, uint32_t v)
{
    memcpy(g_ram + a, &v, 4);
}
static uint32_t get32(uint32_t a)
{
    uint32_t v;
    memcpy(&v, g_ram + a, 4);
    return v;
}

static sigjmp_buf g_probe_jmp;
static void probe_handler(int sig)
{
    (void)sig;
    siglongjmp(g_probe_jmp, 1);
}

/* Touches p (a store when write): true if the host allowed it. */
static bool probe(volatile uint8_t *p, bool write)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = probe_handler;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, &old);
    bool ok = false;
    if (!sigsetjmp(g_probe_jmp, 1)) {
        if (write)
            *p = *p;
        else
            (void)*p;
        ok = true;
    }
    sigaction(SIGSEGV, &old, NULL);
    return ok;
}

static int setup_win(void **state, uint32_t budget)
{
    (void)state;
    g_fd = memfd_create("xbt-test-ram", 0);
    if (g_fd < 0 || ftruncate(g_fd, RAM) < 0)
        return -1;
    g_ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, g_fd, 0);
    if (g_ram == MAP_FAILED || mmu_init(&g_mmu, g_ram, RAM, NULL, 16) < 0)
        return -1;
    if (mmu_use_host(&g_mmu, g_fd, budget, 2) < 0)
        return -1;
    /* 0x400000.. -> 0x10000.. (rw, user; 0x401000 supervisor read-only;
     * 0x402000 global; 0x403000 not present); 0xC0000000 -> 0x20000 */
    put32(CR3 + (0x400000u >> 22) * 4, PT | PTE_P | PTE_W | PTE_U);
    put32(CR3 + (0xC0000000u >> 22) * 4, PT_HI | PTE_P | PTE_W);
    put32(PT + 0 * 4, 0x10000 | PTE_P | PTE_W | PTE_U);
    put32(PT + 1 * 4, 0x11000 | PTE_P);
    put32(PT + 2 * 4, 0x12000 | PTE_P | PTE_W | PTE_G);
    put32(PT + 4 * 4, 0x14000 | PTE_P | PTE_W | PTE_U);
    put32(PT + 5 * 4, 0x15000 | PTE_P | PTE_W | PTE_U);
    put32(PT_HI, 0x20000 | PTE_P | PTE_W);
    put32(0x10000, 0x11223344);
    put32(0x20000, 0xCAFEF00D);
    return 0;
}

static int setup_big(void **state)
{
    return setup_win(state, 64);
}
static int setup_small(void **state)
{
    return setup_win(state, 2);
}

static int setup_around(void **state)
{
    return setup_win(state, 256);
}

static int teardown_win(void **state)
{
    (void)state;
    mmu_destroy(&g_mmu);
    munmap(g_ram, RAM);
    close(g_fd);
    return 0;
}

static const struct mmu_paging g_pg = { CR0, CR3, CR4_PGE };

static enum mmu_host_fault fault(uint8_t *base, uint32_t lin, bool write)
{
    return mmu_host_fault(&g_mmu, &g_pg, (uintptr_t)(base + lin), lin, write);
}

static void test_fill_read_then_write(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    assert_false(probe(sup + 0x400000, false));
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
    uint32_t v;
    memcpy(&v, sup + 0x400000, 4);
    assert_int_equal(v, 0x11223344);
    assert_true(get32(PT) & PTE_A);
    assert_false(get32(PT) & PTE_D);
    assert_false(probe(sup + 0x400000, true)); /* read-only until D */
    assert_int_equal(fault(sup, 0x400000, true), MMU_HOST_RETRY);
    assert_true(get32(PT) & PTE_D);
    assert_true(probe(sup + 0x400000, true));
    sup[0x400004] = 0x5A;
    assert_int_equal(g_ram[0x10004], 0x5A); /* the same RAM */
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->fills, 1);
    assert_int_equal(st->upgrades, 1);
    assert_int_equal(st->live, 1);
}

static void test_slow_path_cases(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    uint8_t *user = mmu_host_base(&g_mmu, &g_pg, true);
    assert_ptr_not_equal(sup, user);
    /* a user access to a supervisor page: #PF in the slow path, no A */
    assert_int_equal(fault(user, 0x401000, false), MMU_HOST_DIVERT);
    assert_false(get32(PT + 4) & PTE_A);
    /* a supervisor write to a read-only page with WP */
    assert_int_equal(fault(sup, 0x401000, true), MMU_HOST_DIVERT);
    /* not present */
    assert_int_equal(fault(sup, 0x403000, false), MMU_HOST_DIVERT);
    /* an access that starts on the page before (crossing) */
    assert_int_equal(mmu_host_fault(&g_mmu, &g_pg, (uintptr_t)(sup + 0x401000), 0x400FFE, false),
                     MMU_HOST_DIVERT);
    /* read-only for the supervisor: a read maps it, a write probe faults */
    assert_int_equal(fault(sup, 0x401000, false), MMU_HOST_RETRY);
    assert_false(probe(sup + 0x401000, true));
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->div_pf, 3);
    assert_int_equal(st->div_cross, 1);
    /* not a window at all */
    uint8_t local;
    assert_int_equal(mmu_host_fault(&g_mmu, &g_pg, (uintptr_t)&local, 0, false), MMU_HOST_NOT_OURS);
}

static void test_guard_alias(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    /* [reg + 0xC0000000] with reg small: the host lands 1 GiB below */
    uint8_t *a = sup - 0x40000000;
    assert_int_equal(mmu_host_fault(&g_mmu, &g_pg, (uintptr_t)a, 0xC0000000u, false),
                     MMU_HOST_RETRY);
    uint32_t v;
    memcpy(&v, a, 4);
    assert_int_equal(v, 0xCAFEF00D);
    /* INVLPG drops the alias too */
    mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0xC0000000u);
    assert_false(probe(a, false));
}

static void test_flushes(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
    assert_int_equal(fault(sup, 0x402000, false), MMU_HOST_RETRY); /* global */
    assert_int_equal(fault(sup, 0x404000, false), MMU_HOST_RETRY);
    mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x404000);
    assert_false(probe(sup + 0x404000, false));
    assert_true(probe(sup + 0x400000, false));
    /* a CR3 load with the tables unchanged keeps the page (checked) */
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &g_pg, false), sup);
    assert_true(probe(sup + 0x400000, false));
    /* changed without INVLPG: the next CR3 load drops it */
    put32(PT + 0 * 4, 0x13000 | PTE_P | PTE_W | PTE_U | PTE_A);
    assert_true(probe(sup + 0x400000, false)); /* a TLB may keep it until then */
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &g_pg, false), sup);
    assert_false(probe(sup + 0x400000, false));
    assert_true(probe(sup + 0x402000, false)); /* global pages survive */
    /* a paging-mode change checks the global pages too */
    mmu_flush(&g_mmu, MMU_FLUSH_MODE, CR3, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &g_pg, false), sup);
    assert_true(probe(sup + 0x402000, false));
    put32(PT + 2 * 4, 0x13000 | PTE_P | PTE_W | PTE_G | PTE_A);
    mmu_flush(&g_mmu, MMU_FLUSH_MODE, CR3, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &g_pg, false), sup);
    assert_false(probe(sup + 0x402000, false));
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->drop_invlpg, 1);
    assert_int_equal(st->kept, 2);
    assert_int_equal(st->drop_cr3, 1);
    assert_int_equal(st->drop_mode, 1);
    assert_int_equal(st->live, 0);
}

/* A page INVLPG keeps dropping (a guest remapping it over and over) is
 * churn: after 4 drops its fills and diversions say so (run_faults.c then
 * moves the faulting instruction to the slow path).  An INVLPG that drops
 * nothing does not count; a neighbour is not churn; a page evicted from
 * the direct-mapped counters starts again. */
static void test_churn(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    for (int k = 0; k < 8; k++) /* nothing mapped: nothing dropped */
        mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x400000);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
        mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x400123); /* any address in the page */
    }
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY_CHURN);
    assert_true(probe(sup + 0x400000, false)); /* mapped all the same */
    assert_int_equal(fault(sup, 0x404000, false), MMU_HOST_RETRY);
    /* unmapped by the guest now: the #PF's diversion is churn too */
    put32(PT + 0 * 4, 0);
    mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x400000);
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_DIVERT_CHURN);
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->churn, 2);
    assert_int_equal(st->drop_invlpg, 5);
    /* 0x400000 + 64 pages shares its counter slot: counting starts again */
    put32(PT + 0 * 4, 0x10000 | PTE_P | PTE_W | PTE_U);
    put32(PT + 64 * 4, 0x10000 | PTE_P | PTE_W | PTE_U);
    assert_int_equal(fault(sup, 0x440000, false), MMU_HOST_RETRY);
    mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x440000);
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
}

/* A second address space: page directory CR3_B, 0x400000 -> 0x16000. */
#define CR3_B 0x5000u
#define PT_B 0x6000u
#define CR3_C 0x7000u

static enum mmu_host_fault fault_pg(const struct mmu_paging *pg, uint8_t *base, uint32_t lin)
{
    return mmu_host_fault(&g_mmu, pg, (uintptr_t)(base + lin), lin, false);
}

static uint32_t host32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void test_spaces(void **state)
{
    (void)state;
    put32(CR3_B + (0x400000u >> 22) * 4, PT_B | PTE_P | PTE_W | PTE_U);
    put32(PT_B, 0x16000 | PTE_P | PTE_W | PTE_U);
    put32(0x16000, 0xB0B0B0B0);
    const struct mmu_paging pg_b = { CR0, CR3_B, CR4_PGE }, pg_c = { CR0, CR3_C, CR4_PGE };
    uint8_t *a = mmu_host_base(&g_mmu, &g_pg, false);
    assert_int_equal(fault(a, 0x400000, false), MMU_HOST_RETRY);
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3_B, 0);
    uint8_t *b = mmu_host_base(&g_mmu, &pg_b, false);
    assert_ptr_not_equal(a, b);
    assert_false(probe(b + 0x400000, false));
    /* a fault in a space that is not the current one is never filled */
    assert_int_equal(fault(a, 0x404000, false), MMU_HOST_DIVERT);
    assert_int_equal(fault_pg(&pg_b, b, 0x400000), MMU_HOST_RETRY);
    assert_int_equal(host32(b + 0x400000), 0xB0B0B0B0);
    /* back to A: its page is still mapped, without a fault */
    uint64_t faults = mmu_host_stats(&g_mmu)->faults;
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &g_pg, false), a);
    assert_int_equal(host32(a + 0x400000), 0x11223344);
    assert_int_equal(mmu_host_stats(&g_mmu)->faults, faults);
    /* INVLPG reaches every space */
    mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x400000);
    assert_false(probe(b + 0x400000, false));
    assert_int_equal(fault_pg(&g_pg, a, 0x400000), MMU_HOST_RETRY);
    /* a third address space with two kept: the least recently used (B)
     * is reassigned and loses its non-global pages */
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3_B, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &pg_b, false), b);
    assert_int_equal(fault_pg(&pg_b, b, 0x400000), MMU_HOST_RETRY);
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &g_pg, false), a);
    mmu_flush(&g_mmu, MMU_FLUSH_CR3, CR3_C, 0);
    assert_ptr_equal(mmu_host_base(&g_mmu, &pg_c, false), b);
    assert_false(probe(b + 0x400000, false));
    assert_true(probe(a + 0x400000, false));
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->space_new, 3);
    assert_int_equal(st->space_found, 3);
}

static void test_code_page_aliases(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    uint8_t *user = mmu_host_base(&g_mmu, &g_pg, true);
    put32(PT + 5 * 4, 0x10000 | PTE_P | PTE_W | PTE_U); /* 0x405000 aliases 0x400000 */
    assert_int_equal(fault(sup, 0x400000, true), MMU_HOST_RETRY);
    assert_int_equal(fault(user, 0x405000, true), MMU_HOST_RETRY);
    assert_true(probe(sup + 0x400000, true));
    assert_true(probe(user + 0x405000, true));
    mmu_code_page_set(&g_mmu, 0x10000);
    assert_false(probe(sup + 0x400000, true));
    assert_false(probe(user + 0x405000, true));
    assert_true(probe(user + 0x405000, false));
    /* a store there goes to the slow path while translations exist */
    assert_int_equal(fault(user, 0x405000, true), MMU_HOST_DIVERT);
    assert_int_equal(mmu_host_stats(&g_mmu)->protects, 2);
    mmu_code_page_clear(&g_mmu, 0x10000);
    assert_int_equal(fault(user, 0x405000, true), MMU_HOST_RETRY);
    assert_true(probe(user + 0x405000, true));
}

static void test_budget_evicts_oldest(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
    assert_int_equal(fault(sup, 0x402000, false), MMU_HOST_RETRY);
    assert_int_equal(fault(sup, 0x404000, false), MMU_HOST_RETRY);
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->drop_evict, 1);
    assert_int_equal(st->live, 2);
    assert_int_equal(st->peak, 2);
    assert_false(probe(sup + 0x400000, false)); /* the oldest went */
    assert_true(probe(sup + 0x402000, false));
    assert_true(probe(sup + 0x404000, false));
}

/* Fault-around: the neighbours whose A (and for writes D) bits are set
 * already are mapped with the faulting page, nothing else, and no PTE
 * changes but the faulting one's. */
static void test_fault_around(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    put32(CR3 + (0x400000u >> 22) * 4, PT | PTE_P | PTE_W | PTE_U | PTE_A);
    put32(PT + 2 * 4, 0x12000 | PTE_P | PTE_W | PTE_G | PTE_A);
    put32(PT + 4 * 4, 0x14000 | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D);
    uint32_t before[16];
    for (int k = 0; k < 16; k++)
        before[k] = get32(PT + 4 * k);
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
    assert_true(get32(PT) & PTE_A);
    for (int k = 1; k < 16; k++)
        assert_int_equal(get32(PT + 4 * k), before[k]);
    assert_true(probe(sup + 0x402000, false));
    assert_false(probe(sup + 0x402000, true));  /* not dirty: read-only */
    assert_true(probe(sup + 0x404000, true));   /* dirty and writable */
    assert_false(probe(sup + 0x401000, false)); /* A clear */
    assert_false(probe(sup + 0x405000, false));
    assert_false(probe(sup + 0x403000, false)); /* not present */
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->fills_around, 2);
    assert_int_equal(st->fills, 3);
    assert_int_equal(st->fill_calls, 3);
}

/* Neighbours adjacent in guest-physical memory too, with the same rights,
 * are mapped with one call; a different frame, right or flag ends a run. */
static void test_fault_around_runs(void **state)
{
    (void)state;
    uint8_t *sup = mmu_host_base(&g_mmu, &g_pg, false);
    put32(CR3 + (0x400000u >> 22) * 4, PT | PTE_P | PTE_W | PTE_U | PTE_A);
    for (uint32_t k = 6; k < 10; k++) /* 0x406000-0x409000 -> 0x16000-0x19000, clean */
        put32(PT + 4 * k, (0x10000 + k * 0x1000) | PTE_P | PTE_W | PTE_A);
    put32(PT + 4 * 10, 0x1A000 | PTE_P | PTE_W | PTE_A | PTE_D); /* dirty: writable */
    put32(PT + 4 * 11, 0x1B000 | PTE_P | PTE_W | PTE_A | PTE_D);
    put32(PT + 4 * 12, 0x1D000 | PTE_P | PTE_W | PTE_A | PTE_D); /* not the next frame */
    put32(0x17000, 0x17171717);
    put32(0x1B000, 0x1B1B1B1B);
    put32(0x1D000, 0x1D1D1D1D);
    assert_int_equal(fault(sup, 0x400000, false), MMU_HOST_RETRY);
    const struct hmmu_stats *st = mmu_host_stats(&g_mmu);
    assert_int_equal(st->fills_around, 7);
    assert_int_equal(st->fill_calls, 4); /* the fault, 0x406-0x409, 0x40A-0x40B, 0x40C */
    assert_int_equal(get32(0x17000), *(volatile uint32_t *)(sup + 0x407000));
    assert_int_equal(get32(0x1B000), *(volatile uint32_t *)(sup + 0x40B000));
    assert_int_equal(get32(0x1D000), *(volatile uint32_t *)(sup + 0x40C000));
    assert_false(probe(sup + 0x409000, true)); /* clean: read-only */
    assert_true(probe(sup + 0x40A000, true));
    assert_true(probe(sup + 0x40B000, true));
    /* the records are per page: INVLPG drops one page of a run */
    mmu_flush(&g_mmu, MMU_FLUSH_INVLPG, CR3, 0x407000);
    assert_false(probe(sup + 0x407000, false));
    assert_true(probe(sup + 0x406000, false));
    assert_true(probe(sup + 0x408000, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmap_find_remove),
        cmocka_unit_test(test_hmap_reverse_map),
        cmocka_unit_test(test_hmap_fill_order),
        cmocka_unit_test(test_hmap_many),
        cmocka_unit_test(test_hmap_global_lists),
        cmocka_unit_test_setup_teardown(test_fill_read_then_write, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_slow_path_cases, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_guard_alias, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_flushes, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_churn, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_spaces, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_code_page_aliases, setup_big, teardown_win),
        cmocka_unit_test_setup_teardown(test_budget_evicts_oldest, setup_small, teardown_win),
        cmocka_unit_test_setup_teardown(test_fault_around, setup_around, teardown_win),
        cmocka_unit_test_setup_teardown(test_fault_around_runs, setup_around, teardown_win),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
