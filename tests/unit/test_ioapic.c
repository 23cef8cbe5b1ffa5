/*
 * test_ioapic.c - unit tests of the 82093AA I/O APIC model
 * (src/devices/ioapic.c) on its own, its messages captured: registers
 * (ID, version, arbitration, IOREGSEL, the redirection table's writable
 * and read-only bits, 32-bit IOWIN accesses only), edge inputs (one
 * message per rising edge, masked edges dropped), level inputs (remote
 * IRR, EOI, re-delivery while asserted, unmasking), polarity, and the
 * edge-trigger write that clears a remote IRR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"

#define BASE 0xFEC00000u

struct fixture {
    struct io_bus *bus;
    struct dev_ioapic *io;
    int msgs;
    struct apic_msg last;
};

static void msg_fn(void *opaque, const struct apic_msg *m)
{
    struct fixture *f = opaque;
    f->msgs++;
    f->last = *m;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->bus = bus_create();
    if (!f->bus)
        return -1;
    f->io = dev_ioapic_create(f->bus, BASE, 1, (struct apic_msg_line){ msg_fn, f });
    if (!f->io)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_ioapic_destroy(f->io);
    bus_destroy(f->bus);
    free(f);
    return 0;
}

static uint32_t rd(struct fixture *f, uint8_t reg)
{
    bus_mmio_write(f->bus, BASE, 4, reg);
    return (uint32_t)bus_mmio_read(f->bus, BASE + 0x10, 4);
}

static void wr(struct fixture *f, uint8_t reg, uint32_t v)
{
    bus_mmio_write(f->bus, BASE, 4, reg);
    bus_mmio_write(f->bus, BASE + 0x10, 4, v);
}

static void route(struct fixture *f, int pin, uint32_t lo, uint8_t dest)
{
    wr(f, (uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
    wr(f, (uint8_t)(0x10 + 2 * pin), lo);
}

static void test_registers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, 0), 0x01000000);
    assert_int_equal(rd(f, 1), 0x00170011);
    assert_int_equal(rd(f, 2), 0x01000000);
    wr(f, 0, 0xFF000000);
    assert_int_equal(rd(f, 0), 0x0F000000);
    assert_int_equal(rd(f, 2), 0x0F000000);
    wr(f, 1, 0);
    assert_int_equal(rd(f, 1), 0x00170011);
    for (int pin = 0; pin < IOAPIC_PINS; pin++)
        assert_int_equal(rd(f, (uint8_t)(0x10 + 2 * pin)), 0x10000);
    wr(f, 0x11, 0xFFFFFFFF);
    wr(f, 0x10, 0xFFFFFFFF);
    assert_int_equal(rd(f, 0x10), 0x1AFFF); /* no delivery status, no remote IRR */
    assert_int_equal(rd(f, 0x11), 0xFF000000);
    assert_int_equal(rd(f, 0x40), 0); /* past the table */
    assert_int_equal(bus_mmio_read(f->bus, BASE, 4), 0x40);
    assert_int_equal(bus_mmio_read(f->bus, BASE + 0x20, 4), 0);
    bus_mmio_write(f->bus, BASE, 4, 0x12);
    bus_mmio_write(f->bus, BASE + 0x10, 2, 0x1234); /* IOWIN: 32-bit only */
    assert_int_equal(bus_mmio_read(f->bus, BASE + 0x10, 2), 0);
    assert_int_equal(rd(f, 0x12), 0x10000);
    assert_int_equal(f->msgs, 0);
}

static void test_edge(void **state)
{
    struct fixture *f = *state;
    route(f, 2, 0x0931, 0x03); /* lowest priority, logical 0x03 */
    dev_ioapic_set_irq(f->io, 2, 1);
    assert_int_equal(f->msgs, 1);
    assert_int_equal(f->last.vector, 0x31);
    assert_int_equal(f->last.delivery, APIC_DM_LOWEST);
    assert_true(f->last.logical);
    assert_int_equal(f->last.dest, 0x03);
    assert_false(f->last.level);
    dev_ioapic_set_irq(f->io, 2, 1); /* held: no edge */
    dev_ioapic_set_irq(f->io, 2, 0);
    assert_int_equal(f->msgs, 1);
    route(f, 2, 0x10931, 0x03);
    dev_ioapic_set_irq(f->io, 2, 1); /* masked: dropped, not held */
    dev_ioapic_set_irq(f->io, 2, 0);
    route(f, 2, 0x0931, 0x03);
    assert_int_equal(f->msgs, 1);
    assert_int_equal(dev_ioapic_stats(f->io)->edges_masked, 1);
    dev_ioapic_eoi(f->io, 0x31); /* edge entries ignore EOIs */
    assert_int_equal(f->msgs, 1);
}

static void test_level(void **state)
{
    struct fixture *f = *state;
    route(f, 8, 0x8038, 0);
    dev_ioapic_set_irq(f->io, 8, 1);
    assert_int_equal(f->msgs, 1);
    assert_true(f->last.level);
    assert_int_equal(rd(f, 0x20) & 0x4000, 0x4000); /* remote IRR */
    wr(f, 0x20, 0x8038);                            /* read-only */
    assert_int_equal(rd(f, 0x20) & 0x4000, 0x4000);
    dev_ioapic_set_irq(f->io, 8, 1);
    assert_int_equal(f->msgs, 1);
    dev_ioapic_eoi(f->io, 0x37); /* another vector */
    assert_int_equal(f->msgs, 1);
    dev_ioapic_eoi(f->io, 0x38); /* still asserted: again */
    assert_int_equal(f->msgs, 2);
    dev_ioapic_set_irq(f->io, 8, 0);
    dev_ioapic_eoi(f->io, 0x38);
    assert_int_equal(f->msgs, 2);
    assert_int_equal(rd(f, 0x20) & 0x4000, 0);
    route(f, 8, 0x18038, 0); /* asserted while masked, sent on unmask */
    dev_ioapic_set_irq(f->io, 8, 1);
    assert_int_equal(f->msgs, 2);
    route(f, 8, 0x8038, 0);
    assert_int_equal(f->msgs, 3);
    const struct dev_ioapic_stats *s = dev_ioapic_stats(f->io);
    assert_int_equal(s->eois, 2);
    assert_int_equal(s->redeliveries, 1);
}

static void test_edge_clears_remote_irr(void **state)
{
    struct fixture *f = *state;
    route(f, 8, 0x8038, 0);
    dev_ioapic_set_irq(f->io, 8, 1);
    wr(f, 0x20, 0x18038);
    assert_int_equal(rd(f, 0x20), 0x1C038);
    wr(f, 0x20, 0x10038);
    assert_int_equal(rd(f, 0x20), 0x10038);
}

static void test_polarity(void **state)
{
    struct fixture *f = *state;
    route(f, 9, 0xA039, 0); /* level, active low: a low input is asserted */
    assert_int_equal(f->msgs, 1);
    dev_ioapic_set_irq(f->io, 9, 1); /* deasserted */
    dev_ioapic_eoi(f->io, 0x39);
    assert_int_equal(f->msgs, 1);
    route(f, 10, 0x203A, 0); /* edge, active low: the falling edge */
    dev_ioapic_set_irq(f->io, 10, 1);
    assert_int_equal(f->msgs, 1);
    dev_ioapic_set_irq(f->io, 10, 0);
    assert_int_equal(f->msgs, 2);
    assert_int_equal(f->last.vector, 0x3A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_clears_remote_irr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_polarity, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
