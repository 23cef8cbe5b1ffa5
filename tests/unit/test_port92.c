/*
 * test_port92.c - unit tests of the A20 gate's two sources: System Control
 * Port A at 0x92 (A20 on every write, the fast reset on a 0 -> 1 write of
 * bit 0 only, the other bits read back, wide accesses) and the i8042's
 * output port (commands 0xD1, 0xDD, 0xDF, read back with 0xD0), each
 * signalling its level line only as the contract says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"

static int resets, a20_calls, a20_level = -1;

static void on_reset(void *opaque)
{
    (void)opaque;
    resets++;
}

static void on_a20(void *opaque, int level)
{
    (void)opaque;
    a20_calls++;
    a20_level = level;
}

static const struct event_line reset_line = { on_reset, NULL };
static const struct level_line a20_line = { on_a20, NULL };

static void reset_counts(void)
{
    resets = 0;
    a20_calls = 0;
    a20_level = -1;
}

static void test_port92(void **state)
{
    (void)state;
    reset_counts();
    struct io_bus *bus = bus_create();
    struct dev_port92 *d = dev_port92_create(bus, reset_line, a20_line, 0x00);
    assert_non_null(d);
    assert_int_equal(bus_port_read(bus, 0x92, 1), 0x00);
    assert_int_equal(a20_calls, 0); /* nothing signalled at creation */
    bus_port_write(bus, 0x92, 1, 0x02);
    assert_int_equal(a20_level, 1);
    assert_int_equal(bus_port_read(bus, 0x92, 1), 0x02);
    assert_int_equal(resets, 0);
    /* fast reset: a 0 -> 1 write of bit 0, once; the bit reads back */
    bus_port_write(bus, 0x92, 1, 0x03);
    assert_int_equal(resets, 1);
    assert_int_equal(bus_port_read(bus, 0x92, 1), 0x03);
    bus_port_write(bus, 0x92, 1, 0x03);
    assert_int_equal(resets, 1);
    bus_port_write(bus, 0x92, 1, 0x02);
    bus_port_write(bus, 0x92, 1, 0x01); /* again, with A20 off */
    assert_int_equal(resets, 2);
    assert_int_equal(a20_level, 0);
    /* other bits are stored; wide reads: the byte, then ones */
    bus_port_write(bus, 0x92, 1, 0xC2);
    assert_int_equal(dev_port92_value(d), 0xC2);
    assert_int_equal(bus_port_read(bus, 0x92, 2), 0xFFC2);
    assert_int_equal(dev_port92_stats(d)->resets, 2);
    assert_int_equal(dev_port92_stats(d)->writes, 6);
    assert_int_equal(dev_port92_stats(d)->a20_changes, 3);
    dev_port92_destroy(d);
    /* a direct-boot port starts with A20 on and signals nothing */
    d = dev_port92_create(NULL, reset_line, (struct level_line){ 0 }, 0x02);
    assert_int_equal(dev_port92_value(d), 0x02);
    dev_port92_destroy(d);
    bus_destroy(bus);
}

static void kbc_cmd(struct io_bus *bus, uint8_t cmd)
{
    bus_port_write(bus, 0x64, 1, cmd);
}

static void test_i8042_a20(void **state)
{
    (void)state;
    reset_counts();
    struct io_bus *bus = bus_create();
    struct dev_i8042 *k =
        dev_i8042_create(bus, reset_line, (struct irq_line){ 0 }, (struct irq_line){ 0 });
    assert_non_null(k);
    dev_i8042_set_a20_line(k, a20_line);
    assert_true(dev_i8042_a20(k)); /* on at power-on */
    kbc_cmd(bus, 0xDD);            /* A20 off */
    assert_int_equal(a20_calls, 1);
    assert_int_equal(a20_level, 0);
    assert_false(dev_i8042_a20(k));
    kbc_cmd(bus, 0xDD); /* no change, no signal */
    assert_int_equal(a20_calls, 1);
    kbc_cmd(bus, 0xD1); /* write the output port: A20 on, reset inactive */
    bus_port_write(bus, 0x60, 1, 0x03);
    assert_int_equal(a20_calls, 2);
    assert_int_equal(a20_level, 1);
    kbc_cmd(bus, 0xD0);
    assert_int_equal(bus_port_read(bus, 0x60, 1) & 0x03, 0x03);
    kbc_cmd(bus, 0xD1); /* bit 1 clear: A20 off, same reset state */
    bus_port_write(bus, 0x60, 1, 0x01);
    assert_int_equal(a20_level, 0);
    kbc_cmd(bus, 0xDF);
    assert_int_equal(a20_level, 1);
    assert_int_equal(a20_calls, 4);
    assert_int_equal(resets, 0);
    dev_i8042_destroy(k);
    bus_destroy(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port92),
        cmocka_unit_test(test_i8042_a20),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
