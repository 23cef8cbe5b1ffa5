/*
 * test_bus.c - unit tests of the I/O bus (port and MMIO registration,
 * unregistration and slot reuse, dispatch, unclaimed accesses,
 * statistics) and of the stateless debug ports (0xE9 debug console,
 * isa-debug-exit signalling its stop line).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"

/* A fake device that records its last access. */
struct fake_dev {
    int reads, writes;
    uint32_t last_addr;
    unsigned last_size;
    uint64_t last_val;
    uint64_t read_val;
};

static uint32_t fake_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct fake_dev *d = opaque;
    d->reads++;
    d->last_addr = port;
    d->last_size = size;
    return (uint32_t)d->read_val;
}

static void fake_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct fake_dev *d = opaque;
    d->writes++;
    d->last_addr = port;
    d->last_size = size;
    d->last_val = val;
}

static uint64_t fake_mmio_read(void *opaque, uint32_t addr, unsigned size)
{
    struct fake_dev *d = opaque;
    d->reads++;
    d->last_addr = addr;
    d->last_size = size;
    return d->read_val;
}

static void fake_mmio_write(void *opaque, uint32_t addr, unsigned size, uint64_t val)
{
    struct fake_dev *d = opaque;
    d->writes++;
    d->last_addr = addr;
    d->last_size = size;
    d->last_val = val;
}

static const struct dev_port_ops fake_port_ops = { fake_port_read, fake_port_write };
static const struct dev_mmio_ops fake_mmio_ops = { fake_mmio_read, fake_mmio_write };

static int setup_bus(void **state)
{
    *state = bus_create();
    return *state ? 0 : -1;
}

static int teardown_bus(void **state)
{
    bus_destroy(*state);
    return 0;
}

static void test_port_register_overlap(void **state)
{
    struct io_bus *bus = *state;
    struct fake_dev a = { 0 }, b = { 0 };
    assert_int_equal(bus_register_ports(bus, 0x3F8, 8, &fake_port_ops, &a), XBT_OK);
    /* Any overlap is refused, whichever end. */
    assert_int_equal(bus_register_ports(bus, 0x3F8, 1, &fake_port_ops, &b), XBT_EBUSY);
    assert_int_equal(bus_register_ports(bus, 0x3FF, 2, &fake_port_ops, &b), XBT_EBUSY);
    assert_int_equal(bus_register_ports(bus, 0x3F0, 9, &fake_port_ops, &b), XBT_EBUSY);
    assert_int_equal(bus_register_ports(bus, 0x300, 0x200, &fake_port_ops, &b), XBT_EBUSY);
    /* Adjacent ranges are fine. */
    assert_int_equal(bus_register_ports(bus, 0x3F0, 8, &fake_port_ops, &b), XBT_OK);
    assert_int_equal(bus_register_ports(bus, 0x400, 1, &fake_port_ops, &b), XBT_OK);
    /* Bad arguments. */
    assert_int_equal(bus_register_ports(bus, 0x500, 0, &fake_port_ops, &b), XBT_EINVAL);
    assert_int_equal(bus_register_ports(bus, 0x500, 1, NULL, &b), XBT_EINVAL);
    assert_int_equal(bus_register_ports(bus, 0xFFFF, 2, &fake_port_ops, &b), XBT_ERANGE);
    assert_int_equal(bus_register_ports(bus, 0xFFFF, 1, &fake_port_ops, &b), XBT_OK);
    /* A failed registration claimed nothing. */
    bus_port_read(bus, 0x3EF, 1);
    assert_int_equal(bus_stats(bus)->port_unclaimed, 1);
}

static void test_port_unclaimed(void **state)
{
    struct io_bus *bus = *state;
    assert_int_equal(bus_port_read(bus, 0x80, 1), 0xFF);
    assert_int_equal(bus_port_read(bus, 0x80, 2), 0xFFFF);
    assert_int_equal(bus_port_read(bus, 0x80, 4), 0xFFFFFFFFu);
    bus_port_write(bus, 0x80, 1, 0x12);
    bus_port_write(bus, 0x80, 4, 0x12345678);
    const struct io_bus_stats *st = bus_stats(bus);
    assert_int_equal(st->port_reads, 3);
    assert_int_equal(st->port_writes, 2);
    assert_int_equal(st->port_unclaimed, 5);
}

static void test_port_dispatch(void **state)
{
    struct io_bus *bus = *state;
    struct fake_dev a = { .read_val = 0xAABBCCDD }, b = { .read_val = 0x11 };
    assert_int_equal(bus_register_ports(bus, 0x60, 1, &fake_port_ops, &a), XBT_OK);
    assert_int_equal(bus_register_ports(bus, 0x64, 4, &fake_port_ops, &b), XBT_OK);

    /* The device sees the absolute port and the access size; the bus masks
     * the value to the size. */
    assert_int_equal(bus_port_read(bus, 0x60, 1), 0xDD);
    assert_int_equal(a.last_addr, 0x60);
    assert_int_equal(a.last_size, 1);
    assert_int_equal(bus_port_read(bus, 0x60, 2), 0xCCDD);
    assert_int_equal(a.last_size, 2);
    assert_int_equal(bus_port_read(bus, 0x60, 4), 0xAABBCCDD);
    assert_int_equal(a.last_size, 4);
    assert_int_equal(a.reads, 3);

    bus_port_write(bus, 0x66, 2, 0xBEEF);
    assert_int_equal(b.writes, 1);
    assert_int_equal(b.last_addr, 0x66);
    assert_int_equal(b.last_size, 2);
    assert_int_equal(b.last_val, 0xBEEF);
    bus_port_write(bus, 0x67, 1, 0x1234);
    assert_int_equal(b.last_val, 0x34);
    assert_int_equal(b.last_addr, 0x67);

    /* Neighbours stay unclaimed. */
    assert_int_equal(bus_port_read(bus, 0x61, 1), 0xFF);
    assert_int_equal(bus_port_read(bus, 0x68, 1), 0xFF);
    assert_int_equal(a.reads, 3);
    assert_int_equal(b.reads, 0);

    const struct io_bus_stats *st = bus_stats(bus);
    assert_int_equal(st->port_reads, 5);
    assert_int_equal(st->port_writes, 2);
    assert_int_equal(st->port_unclaimed, 2);
}

static void test_port_many_ranges(void **state)
{
    struct io_bus *bus = *state;
    static struct fake_dev devs[300];
    for (unsigned i = 0; i < 300; i++) {
        devs[i].read_val = i & 0xFF;
        assert_int_equal(
            bus_register_ports(bus, (uint16_t)(0x1000 + 2 * i), 2, &fake_port_ops, &devs[i]),
            XBT_OK);
    }
    for (unsigned i = 0; i < 300; i++) {
        assert_int_equal(bus_port_read(bus, (uint16_t)(0x1001 + 2 * i), 1), i & 0xFF);
        assert_int_equal(devs[i].reads, 1);
    }
}

/* Unregistering frees the ports and the slot (moving a PCI BAR many times
 * must not use up the range table). */
static void test_port_unregister(void **state)
{
    struct io_bus *bus = *state;
    struct fake_dev a = { .read_val = 0x11 }, b = { .read_val = 0x22 };
    assert_int_equal(bus_register_ports(bus, 0xC000, 16, &fake_port_ops, &a), XBT_OK);
    assert_int_equal(bus_register_ports(bus, 0xC010, 16, &fake_port_ops, &b), XBT_OK);
    /* only an exact match is given back */
    assert_int_equal(bus_unregister_ports(bus, 0xC000, 8, &a), XBT_ENOENT);
    assert_int_equal(bus_unregister_ports(bus, 0xC000, 16, &b), XBT_ENOENT);
    assert_int_equal(bus_unregister_ports(bus, 0xC000, 16, &a), XBT_OK);
    assert_int_equal(bus_port_read(bus, 0xC005, 1), 0xFF);
    assert_int_equal(a.reads, 0);
    assert_int_equal(bus_port_read(bus, 0xC015, 1), 0x22);
    assert_int_equal(bus_unregister_ports(bus, 0xC000, 16, &a), XBT_ENOENT);
    for (unsigned i = 0; i < 70000; i++) {
        uint16_t base = (uint16_t)(0xD000 + 16 * (i & 7));
        assert_int_equal(bus_register_ports(bus, base, 16, &fake_port_ops, &a), XBT_OK);
        assert_int_equal(bus_port_read(bus, (uint16_t)(base + 3), 1), 0x11);
        assert_int_equal(bus_unregister_ports(bus, base, 16, &a), XBT_OK);
    }
    assert_int_equal(bus_register_ports(bus, 0xC000, 32, &fake_port_ops, &a), XBT_EBUSY);
    assert_int_equal(bus_register_ports(bus, 0xC000, 16, &fake_port_ops, &a), XBT_OK);
    assert_int_equal(bus_port_read(bus, 0xC00F, 1), 0x11);
}

static void test_mmio(void **state)
{
    struct io_bus *bus = *state;
    struct fake_dev a = { .read_val = 0x1122334455667788ull }, b = { .read_val = 7 }, c = { 0 };
    assert_int_equal(bus_register_mmio(bus, 0xFEE00000, 0x1000, &fake_mmio_ops, &a), XBT_OK);
    assert_int_equal(bus_register_mmio(bus, 0xFEC00000, 0x20, &fake_mmio_ops, &b), XBT_OK);
    assert_int_equal(bus_register_mmio(bus, 0xFEE00FFF, 2, &fake_mmio_ops, &c), XBT_EBUSY);
    assert_int_equal(bus_register_mmio(bus, 0xFEDFFFFF, 2, &fake_mmio_ops, &c), XBT_EBUSY);
    assert_int_equal(bus_register_mmio(bus, 0xFE000000, 0x1000000, &fake_mmio_ops, &c), XBT_EBUSY);
    assert_int_equal(bus_register_mmio(bus, 0xFEC00000, 0, &fake_mmio_ops, &c), XBT_EINVAL);
    /* Adjacent and top-of-address-space ranges are fine. */
    assert_int_equal(bus_register_mmio(bus, 0xFEE01000, 0x1000, &fake_mmio_ops, &c), XBT_OK);
    assert_int_equal(bus_register_mmio(bus, 0xFFFFF000, 0x1000, &fake_mmio_ops, &c), XBT_OK);

    assert_true(bus_is_mmio(bus, 0xFEE00000, 4));
    assert_true(bus_is_mmio(bus, 0xFEDFFFFC, 8)); /* straddles the start */
    assert_true(bus_is_mmio(bus, 0xFEC0001F, 1));
    assert_false(bus_is_mmio(bus, 0xFEC00020, 4));
    assert_false(bus_is_mmio(bus, 0xFEBFFFFC, 4));
    assert_false(bus_is_mmio(bus, 0x00000000, 0x1000));
    assert_false(bus_is_mmio(bus, 0xFEE00000, 0));
    assert_true(bus_is_mmio(bus, 0xFFFFFFFF, 1));
    assert_true(bus_is_mmio(bus, 0x00000000, 0xFFFFFFFF));

    assert_int_equal(bus_mmio_read(bus, 0xFEE00020, 4), 0x55667788);
    assert_int_equal(a.last_addr, 0xFEE00020);
    assert_int_equal(a.last_size, 4);
    assert_true(bus_mmio_read(bus, 0xFEE00020, 8) == 0x1122334455667788ull);
    assert_int_equal(bus_mmio_read(bus, 0xFEC00010, 1), 7);
    assert_int_equal(b.last_addr, 0xFEC00010);

    bus_mmio_write(bus, 0xFEE010B0, 4, 0xFFFFFFFF00000000ull | 0xCAFE);
    assert_int_equal(c.writes, 1);
    assert_int_equal(c.last_addr, 0xFEE010B0);
    assert_int_equal(c.last_val, 0xCAFE);

    /* Unclaimed MMIO. */
    assert_int_equal(bus_mmio_read(bus, 0xFEC00020, 1), 0xFF);
    assert_int_equal(bus_mmio_read(bus, 0xFEC00020, 2), 0xFFFF);
    assert_int_equal(bus_mmio_read(bus, 0xFEC00020, 4), 0xFFFFFFFF);
    assert_true(bus_mmio_read(bus, 0xFEC00020, 8) == UINT64_MAX);
    bus_mmio_write(bus, 0x1000, 4, 1);

    const struct io_bus_stats *st = bus_stats(bus);
    assert_int_equal(st->mmio_reads, 7);
    assert_int_equal(st->mmio_writes, 2);
    assert_int_equal(st->mmio_unclaimed, 5);
    assert_int_equal(st->port_reads, 0);
}

static void test_mmio_sorted_insert(void **state)
{
    struct io_bus *bus = *state;
    static struct fake_dev devs[40];
    /* Register in scrambled order; each range is found again. */
    for (unsigned k = 0; k < 40; k++) {
        unsigned i = (k * 17) % 40;
        devs[i].read_val = i;
        assert_int_equal(
            bus_register_mmio(bus, 0x10000000 + i * 0x2000, 0x1000, &fake_mmio_ops, &devs[i]),
            XBT_OK);
    }
    for (unsigned i = 0; i < 40; i++) {
        uint32_t base = 0x10000000 + i * 0x2000;
        assert_int_equal(bus_mmio_read(bus, base + 0xFFC, 4), i);
        assert_int_equal(bus_mmio_read(bus, base + 0x1000, 4), 0xFFFFFFFF);
        assert_true(bus_is_mmio(bus, base + 0x800, 0x1000));
        assert_false(bus_is_mmio(bus, base + 0x1000, 0x1000));
        assert_int_equal(bus_register_mmio(bus, base + 0xFFF, 0x1001, &fake_mmio_ops, &devs[0]),
                         XBT_EBUSY);
    }
}

/* An MMIO range given back (the local APIC moving) reads as unclaimed;
 * only an exact match is removed, and its place can be claimed again. */
static void test_mmio_unregister(void **state)
{
    struct io_bus *bus = *state;
    static struct fake_dev a, b;
    a.read_val = 0xA;
    b.read_val = 0xB;
    assert_int_equal(bus_register_mmio(bus, 0xFEC00000, 0x1000, &fake_mmio_ops, &a), XBT_OK);
    assert_int_equal(bus_register_mmio(bus, 0xFEE00000, 0x1000, &fake_mmio_ops, &b), XBT_OK);
    assert_int_equal(bus_unregister_mmio(bus, 0xFEE00000, 0x800, &b), XBT_ENOENT);
    assert_int_equal(bus_unregister_mmio(bus, 0xFEE00000, 0x1000, &a), XBT_ENOENT);
    assert_int_equal(bus_unregister_mmio(bus, 0xFED00000, 0x1000, &b), XBT_ENOENT);
    assert_int_equal(bus_unregister_mmio(bus, 0xFEE00000, 0x1000, &b), XBT_OK);
    assert_false(bus_is_mmio(bus, 0xFEE00000, 4));
    assert_int_equal(bus_mmio_read(bus, 0xFEE00030, 4), 0xFFFFFFFF);
    assert_int_equal(bus_mmio_read(bus, 0xFEC00010, 4), 0xA);
    assert_int_equal(bus_unregister_mmio(bus, 0xFEE00000, 0x1000, &b), XBT_ENOENT);
    assert_int_equal(bus_register_mmio(bus, 0xFED40000, 0x1000, &fake_mmio_ops, &b), XBT_OK);
    assert_int_equal(bus_mmio_read(bus, 0xFED40030, 4), 0xB);
}

static void test_debugcon(void **state)
{
    struct io_bus *bus = *state;
    int fds[2];
    char buf[16];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(dev_debugcon_create(bus, 0xE9, fds[1]), XBT_OK);
    assert_int_equal(dev_debugcon_create(bus, 0xE9, fds[1]), XBT_EBUSY);
    assert_int_equal(bus_port_read(bus, 0xE9, 1), 0xE9);
    bus_port_write(bus, 0xE9, 1, 'o');
    bus_port_write(bus, 0xE9, 1, 'k');
    bus_port_write(bus, 0xE9, 2, 0x0A0A); /* low byte only */
    assert_int_equal(read(fds[0], buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "ok\n", 3);
    close(fds[0]);
    close(fds[1]);
}

static int stops, stop_status;
static enum machine_stop stop_why;

static void on_stop(void *opaque, enum machine_stop why, int status)
{
    (void)opaque;
    stops++;
    stop_why = why;
    stop_status = status;
}

static void test_debug_exit(void **state)
{
    struct io_bus *bus = *state;
    stops = 0;
    struct dev_debug_exit *d =
        dev_debug_exit_create(bus, 0xF4, (struct stop_line){ on_stop, NULL });
    assert_non_null(d);
    assert_int_equal(bus_register_ports(bus, 0xF7, 1, &fake_port_ops, NULL), XBT_EBUSY);
    assert_int_equal(bus_port_read(bus, 0xF4, 1), 0xFF);
    assert_int_equal(bus_port_read(bus, 0xF4, 4), 0xFFFFFFFF);
    bus_port_write(bus, 0xF6, 2, 0x10); /* any port, any size: (V << 1) | 1 */
    assert_int_equal(stops, 1);
    assert_int_equal(stop_why, STOP_DEBUG_EXIT);
    assert_int_equal(stop_status, 0x21);
    assert_int_equal(bus_stats(bus)->port_unclaimed, 0);
    assert_null(dev_debug_exit_create(bus, 0xF4, (struct stop_line){ on_stop, NULL }));
    dev_debug_exit_destroy(d);
}

static void test_debug_exit_unconnected(void **state)
{
    struct io_bus *bus = *state;
    stops = 0;
    struct dev_debug_exit *d = dev_debug_exit_create(bus, 0xF4, (struct stop_line){ 0 });
    assert_non_null(d);
    bus_port_write(bus, 0xF4, 4, 0x10); /* unconnected: nothing happens */
    assert_int_equal(stops, 0);
    dev_debug_exit_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_port_register_overlap, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_port_unclaimed, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_port_dispatch, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_port_many_ranges, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_port_unregister, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_mmio, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_mmio_sorted_insert, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_mmio_unregister, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_debugcon, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_debug_exit, setup_bus, teardown_bus),
        cmocka_unit_test_setup_teardown(test_debug_exit_unconnected, setup_bus, teardown_bus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
