/*
 * test_lapic.c - unit tests of the local APIC (src/cpu/lapic*.c) on its
 * own: an I/O bus for its window, a virtual clock for its timer, a fake
 * 8259 on LINT0, and counters on its wake-up and EOI lines.  Register
 * semantics (firmware state, writable bits, narrow accesses, reserved
 * registers), arbitration (IRR above PPR, TPR, APR, EOI, TMR and the EOI
 * broadcast), the ExtINT path and what disables it, self-IPIs and errors,
 * destinations, the timer's counts, modes and coalescing, and the
 * APIC_BASE MSR (relocation, global disable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "lapic.h"

#define BASE 0xFEE00000u

struct fixture {
    struct io_bus *bus;
    struct xclock *clk;
    struct lapic *l;
    bool pic_pending; /* the fake 8259's INT output */
    int pic_vector;
    int pic_acks;
    int wakes;
    int eois, eoi_vector;
};

static bool pic_pending_fn(void *opaque)
{
    return ((struct fixture *)opaque)->pic_pending;
}

static int pic_ack_fn(void *opaque)
{
    struct fixture *f = opaque;
    f->pic_acks++;
    f->pic_pending = false;
    return f->pic_vector;
}

static void wake_fn(void *opaque)
{
    ((struct fixture *)opaque)->wakes++;
}

static void eoi_fn(void *opaque, int vector)
{
    struct fixture *f = opaque;
    f->eois++;
    f->eoi_vector = vector;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->bus = bus_create();
    f->clk = xclock_create(CLOCK_VIRTUAL);
    if (!f->bus || !f->clk)
        return -1;
    xclock_advance(f->clk, 1000003);
    struct lapic_config c = {
        .bus = f->bus,
        .clock = f->clk,
        .id = 0,
        .lint0 = { pic_pending_fn, pic_ack_fn, f },
        .wake = { wake_fn, f },
        .eoi = { eoi_fn, f },
    };
    f->l = lapic_create(&c);
    if (!f->l)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    lapic_destroy(f->l);
    xclock_destroy(f->clk);
    bus_destroy(f->bus);
    free(f);
    return 0;
}

static uint32_t rd(struct fixture *f, uint32_t off)
{
    return (uint32_t)bus_mmio_read(f->bus, BASE + off, 4);
}

static void wr(struct fixture *f, uint32_t off, uint32_t v)
{
    bus_mmio_write(f->bus, BASE + off, 4, v);
}

static void fixed(struct fixture *f, uint8_t vector, bool level)
{
    struct apic_msg m = { .vector = vector, .delivery = APIC_DM_FIXED, .level = level };
    lapic_deliver(f->l, &m);
}

static bool bit(struct fixture *f, uint32_t bank, unsigned v)
{
    return (rd(f, bank + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static uint32_t esr(struct fixture *f)
{
    wr(f, 0x280, 0);
    return rd(f, 0x280);
}

static void test_firmware_state(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, 0x20), 0);
    assert_int_equal(rd(f, 0x30), 0x00040011);
    assert_int_equal(rd(f, 0xF0), 0x1FF);
    assert_int_equal(rd(f, 0xE0), 0xFFFFFFFF);
    assert_int_equal(rd(f, 0x320), 0x10000);
    assert_int_equal(rd(f, 0x340), 0x10000);
    assert_int_equal(rd(f, 0x350), 0x8700);
    assert_int_equal(rd(f, 0x360), 0x8400);
    assert_int_equal(rd(f, 0x370), 0x10000);
    assert_int_equal(rd(f, 0x390), 0);
    assert_false(lapic_pending(f->l));
}

static void test_writable_bits(void **state)
{
    struct fixture *f = *state;
    static const struct {
        uint32_t off, want;
    } regs[] = {
        { 0x20, 0x0F000000 }, { 0x80, 0xFF },        { 0xD0, 0xFF000000 }, { 0xE0, 0xFFFFFFFF },
        { 0xF0, 0x3FF },      { 0x310, 0xFF000000 }, { 0x320, 0x300FF },   { 0x340, 0x107FF },
        { 0x350, 0x1A7FF },   { 0x360, 0x1A7FF },    { 0x370, 0x100FF },   { 0x3E0, 0xB },
    };
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        wr(f, regs[i].off, 0xFFFFFFFF);
        assert_int_equal(rd(f, regs[i].off), regs[i].want);
    }
    /* read-only registers ignore writes */
    wr(f, 0x30, 0);
    assert_int_equal(rd(f, 0x30), 0x00040011);
    wr(f, 0xE0, 0);
    assert_int_equal(rd(f, 0xE0), 0x0FFFFFFF);
    wr(f, 0xF0, 0x100);
    assert_int_equal(rd(f, 0xF0), 0x10F);
    assert_int_equal(esr(f), 0);
}

static void test_narrow_and_reserved(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(bus_mmio_read(f->bus, BASE + 0x32, 1), 0x04);
    assert_int_equal(bus_mmio_read(f->bus, BASE + 0x30, 2), 0x0011);
    assert_int_equal(bus_mmio_read(f->bus, BASE + 0x34, 4), 0); /* rest of the slot */
    bus_mmio_write(f->bus, BASE + 0x80, 1, 0x50);               /* ignored */
    bus_mmio_write(f->bus, BASE + 0x84, 4, 0x50);               /* ignored */
    assert_int_equal(rd(f, 0x80), 0);
    assert_int_equal(esr(f), 0);
    (void)rd(f, 0x330); /* thermal LVT: not on a P6 */
    assert_int_equal(esr(f), 0x80);
    wr(f, 0x3F0, 1);
    assert_int_equal(esr(f), 0x80);
    assert_int_equal(esr(f), 0);
}

static void test_arbitration(void **state)
{
    struct fixture *f = *state;
    fixed(f, 0x52, false);
    assert_int_equal(f->wakes, 1);
    fixed(f, 0x61, false);
    assert_true(bit(f, 0x200, 0x52) && bit(f, 0x200, 0x61));
    assert_int_equal(rd(f, 0x90), 0x60); /* APR: the IRR's class */
    assert_true(lapic_pending(f->l));
    assert_int_equal(lapic_ack(f->l), 0x61);
    assert_true(bit(f, 0x100, 0x61));
    assert_int_equal(rd(f, 0xA0), 0x60);
    assert_false(lapic_pending(f->l)); /* 0x52 is below the PPR */
    fixed(f, 0x71, false);             /* a higher class nests */
    assert_true(lapic_pending(f->l));
    assert_int_equal(lapic_ack(f->l), 0x71);
    wr(f, 0xB0, 0); /* EOI retires 0x71 first */
    assert_false(bit(f, 0x100, 0x71));
    assert_true(bit(f, 0x100, 0x61));
    wr(f, 0xB0, 0);
    assert_int_equal(rd(f, 0xA0), 0);
    assert_int_equal(lapic_ack(f->l), 0x52);
    wr(f, 0xB0, 0);
    wr(f, 0xB0, 0); /* nothing in service: ignored */
    assert_int_equal(f->eois, 0);
    assert_int_equal(lapic_ack(f->l), -1);
    const struct lapic_stats *s = lapic_stats(f->l);
    assert_int_equal(s->accepted, 3);
    assert_int_equal(s->delivered, 3);
    assert_int_equal(s->eois, 3);
}

static void test_tpr(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x80, 0x65);
    fixed(f, 0x61, false);
    assert_int_equal(f->wakes, 0);
    assert_false(lapic_pending(f->l));
    assert_int_equal(rd(f, 0xA0), 0x65);
    assert_int_equal(rd(f, 0x90), 0x65);
    wr(f, 0x80, 0x50); /* lowering the TPR makes it deliverable: wake */
    assert_int_equal(f->wakes, 1);
    assert_int_equal(lapic_ack(f->l), 0x61);
    assert_int_equal(rd(f, 0xA0), 0x60); /* the ISR's class is above the TPR */
    wr(f, 0xB0, 0);
    assert_int_equal(rd(f, 0xA0), 0x50);
}

static void test_level_eoi(void **state)
{
    struct fixture *f = *state;
    fixed(f, 0x38, true);
    assert_true(bit(f, 0x180, 0x38));
    assert_int_equal(lapic_ack(f->l), 0x38);
    wr(f, 0xB0, 0);
    assert_int_equal(f->eois, 1);
    assert_int_equal(f->eoi_vector, 0x38);
    fixed(f, 0x38, false); /* edge: TMR cleared, no broadcast */
    assert_false(bit(f, 0x180, 0x38));
    assert_int_equal(lapic_ack(f->l), 0x38);
    wr(f, 0xB0, 0);
    assert_int_equal(f->eois, 1);
}

static void test_extint(void **state)
{
    struct fixture *f = *state;
    f->pic_pending = true;
    f->pic_vector = 0x20;
    assert_true(lapic_pending(f->l));
    fixed(f, 0x41, false); /* the APIC's own vector goes first */
    assert_int_equal(lapic_ack(f->l), 0x41);
    assert_int_equal(lapic_ack(f->l), 0x20); /* ExtINT ignores the PPR */
    assert_int_equal(f->pic_acks, 1);
    assert_false(bit(f, 0x100, 0x20));
    wr(f, 0xB0, 0);
    f->pic_pending = true;
    wr(f, 0x350, 0x18700); /* LINT0 masked */
    assert_false(lapic_pending(f->l));
    wr(f, 0x350, 0x8700);
    assert_true(lapic_pending(f->l));
    wr(f, 0xF0, 0xFF); /* software disable masks LINT0 */
    assert_int_equal(rd(f, 0x350), 0x18700);
    assert_false(lapic_pending(f->l));
    lapic_set_base(f->l, BASE | 0x100); /* global disable: LINT0 is INTR */
    assert_true(lapic_pending(f->l));
    assert_int_equal(lapic_ack(f->l), 0x20);
    assert_int_equal(lapic_stats(f->l)->extint, 2);
}

static void test_ipis(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x310, 0);
    wr(f, 0x300, 0x40041); /* self */
    assert_int_equal(rd(f, 0x300) & 0x1000, 0);
    assert_true(bit(f, 0x200, 0x41));
    wr(f, 0x300, 0x80042); /* all including self */
    assert_true(bit(f, 0x200, 0x42));
    wr(f, 0x300, 0x43); /* physical 0 */
    assert_true(bit(f, 0x200, 0x43));
    wr(f, 0x310, 0x02000000);
    wr(f, 0x300, 0x44); /* physical 2: nobody */
    assert_false(bit(f, 0x200, 0x44));
    assert_int_equal(esr(f), 0x04);
    wr(f, 0x300, 0xC0045); /* all excluding self: nobody */
    assert_false(bit(f, 0x200, 0x45));
    assert_int_equal(esr(f), 0x04);
    wr(f, 0x300, 0x40005); /* illegal vector to self */
    assert_false(bit(f, 0x200, 5));
    assert_int_equal(esr(f), 0x60);
    wr(f, 0x370, 0xFE);    /* the error LVT raises an interrupt */
    wr(f, 0x300, 0x40405); /* NMI to self: no path, dropped */
    assert_int_equal(esr(f), 0);
    wr(f, 0x300, 0x40006);
    assert_true(bit(f, 0x200, 0xFE));
    assert_int_equal(lapic_stats(f->l)->ipis, 8);
}

static void test_destinations(void **state)
{
    struct fixture *f = *state;
    struct apic_msg m = { .vector = 0x50, .delivery = APIC_DM_LOWEST, .logical = true, .dest = 1 };
    lapic_deliver(f->l, &m); /* LDR 0: nobody in flat mode */
    assert_false(bit(f, 0x200, 0x50));
    wr(f, 0xD0, 0x01000000);
    lapic_deliver(f->l, &m);
    assert_true(bit(f, 0x200, 0x50));
    m = (struct apic_msg){ .vector = 0x51, .logical = true, .dest = 0x12 };
    wr(f, 0xE0, 0x0FFFFFFF); /* cluster model: cluster 1, member bit 0 */
    wr(f, 0xD0, 0x11000000);
    lapic_deliver(f->l, &m);
    assert_false(bit(f, 0x200, 0x51));
    m.dest = 0x13;
    lapic_deliver(f->l, &m);
    assert_true(bit(f, 0x200, 0x51));
    m = (struct apic_msg){ .vector = 0x52, .dest = 0xFF };
    lapic_deliver(f->l, &m); /* physical broadcast */
    assert_true(bit(f, 0x200, 0x52));
    m = (struct apic_msg){ .vector = 0x53, .delivery = APIC_DM_NMI };
    lapic_deliver(f->l, &m);
    assert_false(bit(f, 0x200, 0x53));
    assert_int_equal(lapic_stats(f->l)->dropped, 3);
}

static void run_to(struct fixture *f, uint64_t ns)
{
    xclock_advance(f->clk, ns);
    xclock_run_timers(f->clk);
}

static void test_timer_one_shot(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x3E0, 0xB); /* divide by 1: 10 ns a count */
    wr(f, 0x320, 0x40);
    wr(f, 0x380, 1000);
    assert_int_equal(rd(f, 0x390), 1000);
    run_to(f, 2505);
    assert_int_equal(rd(f, 0x390), 750);
    run_to(f, 7494);
    assert_int_equal(rd(f, 0x390), 1);
    assert_false(bit(f, 0x200, 0x40));
    run_to(f, 1);
    assert_true(bit(f, 0x200, 0x40));
    assert_int_equal(rd(f, 0x390), 0);
    run_to(f, 100000);
    assert_int_equal(rd(f, 0x390), 0);
    assert_int_equal(lapic_stats(f->l)->timer_fires, 1);
    assert_int_equal(rd(f, 0x380), 1000);
    wr(f, 0x3E0, 0x3); /* divide by 16 */
    wr(f, 0x380, 100);
    run_to(f, 8000);
    assert_int_equal(rd(f, 0x390), 50);
    wr(f, 0x3E0, 0xB); /* a new divisor goes on from the count */
    run_to(f, 100);
    assert_int_equal(rd(f, 0x390), 40);
}

static void test_timer_periodic(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x3E0, 0xB);
    wr(f, 0x320, 0x20040);
    wr(f, 0x380, 100); /* 1 us */
    for (int i = 0; i < 5; i++) {
        run_to(f, 1000);
        assert_true(bit(f, 0x200, 0x40));
        assert_int_equal(rd(f, 0x390), 100);
        assert_int_equal(lapic_ack(f->l), 0x40);
        wr(f, 0xB0, 0);
    }
    run_to(f, 1000000); /* a stall: one interrupt, the count in phase */
    assert_int_equal(lapic_stats(f->l)->timer_fires, 6);
    assert_int_equal(rd(f, 0x390), 100);
    run_to(f, 250);
    assert_int_equal(rd(f, 0x390), 75);
    wr(f, 0x320, 0x30040); /* masked: counts, no interrupt */
    assert_int_equal(lapic_ack(f->l), 0x40);
    wr(f, 0xB0, 0);
    run_to(f, 5000);
    assert_false(bit(f, 0x200, 0x40));
    assert_int_equal(rd(f, 0x390), 75);
    wr(f, 0x380, 0); /* stops */
    run_to(f, 5000);
    assert_int_equal(rd(f, 0x390), 0);
}

static void test_timer_mode_change(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x3E0, 0xB);
    wr(f, 0x320, 0x10040);
    wr(f, 0x380, 100);
    run_to(f, 500);
    wr(f, 0x320, 0x30040); /* periodic: on from 50 */
    assert_int_equal(rd(f, 0x390), 50);
    run_to(f, 600);
    assert_int_equal(rd(f, 0x390), 90);
    wr(f, 0x320, 0x10040); /* one-shot again */
    run_to(f, 1000);
    assert_int_equal(rd(f, 0x390), 0);
    wr(f, 0x320, 0x30040); /* finished: stays 0 */
    run_to(f, 1000);
    assert_int_equal(rd(f, 0x390), 0);
}

static void test_base_msr(void **state)
{
    struct fixture *f = *state;
    fixed(f, 0x41, false);
    lapic_set_base(f->l, 0xFED40900ull);
    assert_int_equal(bus_mmio_read(f->bus, 0xFED40030, 4), 0x00040011);
    assert_int_equal(rd(f, 0x30), 0xFFFFFFFF);                       /* the old window: open bus */
    assert_int_equal(bus_mmio_read(f->bus, 0xFED40220, 4), 1u << 1); /* IRR 0x41 */
    lapic_set_base(f->l, 0xFED40100ull);                             /* global disable */
    assert_false(bus_is_mmio(f->bus, 0xFED40000, 4));
    assert_false(lapic_pending(f->l));
    fixed(f, 0x42, false);                /* not taken */
    lapic_set_base(f->l, 0x1FEE00900ull); /* above 4 GiB: no window */
    assert_false(bus_is_mmio(f->bus, BASE, 4));
    lapic_set_base(f->l, BASE | 0x900);
    assert_int_equal(rd(f, 0xF0), 0xFF); /* power-up state */
    assert_int_equal(rd(f, 0x350), 0x10000);
    assert_int_equal(rd(f, 0x220), 0);
    assert_int_equal(lapic_stats(f->l)->dropped, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_firmware_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writable_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_narrow_and_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arbitration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tpr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_mode_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_msr, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
