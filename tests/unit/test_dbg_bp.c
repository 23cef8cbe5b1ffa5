/*
 * test_dbg_bp.c - the debug registers' breakpoints (src/cpu/dbg_bp.c):
 * which DR0-DR3 DR7 arms as instruction or data breakpoints; the
 * instruction check with DR6 and EFLAGS.RF; the watched pages and the TLB
 * that must not hold them; data hits by kind, length (the address aligned
 * down) and overlap; the trap after the instruction and none after a
 * fault; a debugger's watchpoint slots beside the guest's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu.h"
#include "fixture.h"
#include "machine.h"
#include "mmu.h"
#include "vcpu.h"
#include "x86.h"

static struct machine g_m;

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 1 << 20, .vcpu = true };
    return fixture_machine_init(&g_m, &spec);
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    return 0;
}

#define RW(n, rw) ((uint32_t)(rw) << (16 + 4 * (n)))
#define LEN(n, len) ((uint32_t)(len) << (18 + 4 * (n)))

static void arm(uint32_t dr7, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3)
{
    struct vcpu *cpu = g_m.cpu;
    cpu->dr[0] = d0;
    cpu->dr[1] = d1;
    cpu->dr[2] = d2;
    cpu->dr[3] = d3;
    cpu->dr[7] = dr7 | 0x400;
    cpu->dr[6] = 0xFFFF0FF0u;
    cpu->wp_hit = 0;
    cpu->eflags = 2;
    (void)vcpu_take_pending(cpu);
    dbg_wp_sync(cpu);
}

static void test_ibp_armed(void **state)
{
    (void)state;
    arm(0, 0, 0, 0, 0);
    assert_int_equal(dbg_ibp_armed(g_m.cpu), 0);
    /* L0 code, G1 code, L2 write (data), L3 with R/W 10 (I/O) */
    arm(0x1 | 0x8 | 0x10 | RW(2, 1) | 0x40 | RW(3, 2), 0, 0, 0, 0);
    assert_int_equal(dbg_ibp_armed(g_m.cpu), 0x3);
    assert_int_equal(g_m.cpu->wp_armed, 0x4);
}

static void test_ibp_check_rf(void **state)
{
    (void)state;
    struct vcpu *cpu = g_m.cpu;
    /* DR0 armed, DR2 unarmed, both at 0x1000: B0 and B2 */
    arm(0x1, 0x1000, 0x2000, 0x1000, 0);
    cpu->seg[S_CS].base = 0;
    cpu->eip = 0x1000;
    assert_true(dbg_ibp_check(cpu));
    assert_int_equal(cpu->dr[6] & 0xF, 0x5);
    struct vcpu_event ev = vcpu_take_pending(cpu);
    assert_int_equal(ev.kind, EV_FAULT);
    assert_int_equal(ev.vec, EXC_DB);
    /* RF: through once, then cleared */
    cpu->eflags |= EFL_RF;
    assert_false(dbg_ibp_check(cpu));
    assert_false(cpu->eflags & EFL_RF);
    assert_true(dbg_ibp_check(cpu));
    (void)vcpu_take_pending(cpu);
    /* only the unarmed one matches: no fault */
    cpu->eip = 0x2000;
    cpu->dr[7] = 0x400 | 0x1;
    cpu->dr[1] = 0x2000;
    assert_false(dbg_ibp_check(cpu));
    /* a CS base counts: the linear address */
    cpu->seg[S_CS].base = 0x800;
    cpu->eip = 0x800;
    assert_true(dbg_ibp_check(cpu));
    (void)vcpu_take_pending(cpu);
    cpu->seg[S_CS].base = 0;
}

static void test_wp_pages_and_tlb(void **state)
{
    (void)state;
    struct vcpu *cpu = g_m.cpu;
    struct mmu *mmu = &g_m.mmu;
    arm(0, 0, 0, 0, 0);
    mmu_fill_identity(mmu, 0x5000);
    assert_int_equal(mmu->tlb[5].tag_r, 0x5000);
    /* a write breakpoint on 0x5FFE (2 bytes): the page leaves the TLB */
    arm(0x1 | RW(0, 1) | LEN(0, 1), 0x5FFE, 0, 0, 0);
    assert_int_equal(mmu->nwatch, 1);
    assert_int_equal(mmu->watch_page[0], 0x5000);
    assert_int_not_equal(mmu->tlb[5].tag_r, 0x5000);
    mmu_fill_identity(mmu, 0x5000);
    assert_int_not_equal(mmu->tlb[5].tag_r, 0x5000);
    mmu_fill_identity(mmu, 0x6000); /* other pages are cached as usual */
    assert_int_equal(mmu->tlb[6].tag_r, 0x6000);
    /* a debugger's range across two pages */
    dbg_ext_watch_set(cpu, 1, 0x7FFE, 4, DBG_WATCH_ACCESS);
    assert_int_equal(cpu->wp_armed, 0x1 | 0x20);
    assert_int_equal(mmu->nwatch, 3);
    dbg_ext_watch_set(cpu, 1, 0, 0, 0);
    arm(0, 0, 0, 0, 0);
    assert_int_equal(mmu->nwatch, 0);
    assert_int_equal(cpu->wp_armed, 0);
}

static void test_wp_access_kinds(void **state)
{
    (void)state;
    struct vcpu *cpu = g_m.cpu;
    /* DR0 write 4 bytes named by 0x3002 (aligned down: 0x3000-0x3003);
     * DR1 read/write 1 byte at 0x3010 */
    arm(0x1 | RW(0, 1) | LEN(0, 3) | 0x4 | RW(1, 3) | LEN(1, 0), 0x3002, 0x3010, 0, 0);
    dbg_wp_access(cpu, 0x3000, 1, false); /* a read: not DR0's kind */
    assert_int_equal(cpu->wp_hit, 0);
    dbg_wp_access(cpu, 0x2FFE, 4, true); /* overlaps 0x3000-0x3001 */
    assert_int_equal(cpu->wp_hit, 0x1);
    cpu->wp_hit = 0;
    dbg_wp_access(cpu, 0x3004, 4, true);  /* just past DR0 */
    dbg_wp_access(cpu, 0x3011, 1, false); /* just past DR1 */
    dbg_wp_access(cpu, 0x300C, 4, false); /* just before DR1 */
    assert_int_equal(cpu->wp_hit, 0);
    dbg_wp_access(cpu, 0x3010, 2, false);
    assert_int_equal(cpu->wp_hit, 0x2);
    /* the trap after the instruction: DR6 B1, EIP as it is */
    cpu->eip = 0x1234;
    assert_true(dbg_wp_after(cpu));
    assert_int_equal(cpu->dr[6] & 0xF, 0x2);
    struct vcpu_event ev = vcpu_take_pending(cpu);
    assert_int_equal(ev.kind, EV_TRAP);
    assert_int_equal(ev.ret, 0x1234);
    /* a hit by an instruction that then faulted: nothing */
    dbg_wp_access(cpu, 0x3000, 4, true);
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = EXC_PF });
    assert_false(dbg_wp_after(cpu));
    assert_int_equal(cpu->wp_hit, 0);
    (void)vcpu_take_pending(cpu);
}

static void test_ext_watch(void **state)
{
    (void)state;
    struct vcpu *cpu = g_m.cpu;
    arm(0, 0, 0, 0, 0);
    dbg_ext_watch_set(cpu, 0, 0x4000, 8, DBG_WATCH_WRITE);
    dbg_ext_watch_set(cpu, 2, 0x4100, 1, DBG_WATCH_READ);
    dbg_wp_access(cpu, 0x4004, 4, false); /* a read of a write watch */
    dbg_wp_access(cpu, 0x4100, 1, true);  /* a write of a read watch */
    assert_int_equal(cpu->wp_hit, 0);
    dbg_wp_access(cpu, 0x4007, 2, true);
    dbg_wp_access(cpu, 0x40FF, 2, false);
    assert_false(dbg_wp_after(cpu)); /* the guest sees no #DB */
    assert_int_equal(cpu->ext_stop, 0x5);
    assert_false(vcpu_has_pending(cpu));
    assert_int_equal(cpu->dr[6] & 0xF, 0);
    dbg_ext_watch_set(cpu, 0, 0, 0, 0);
    dbg_ext_watch_set(cpu, 2, 0, 0, 0);
    assert_int_equal(cpu->ext_stop, 0);
    assert_int_equal(cpu->wp_armed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ibp_armed),        cmocka_unit_test(test_ibp_check_rf),
        cmocka_unit_test(test_wp_pages_and_tlb), cmocka_unit_test(test_wp_access_kinds),
        cmocka_unit_test(test_ext_watch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
