/*
 * test_kbd.c - unit tests of terminal input as PC keys and of the PS/2
 * keyboard behind the i8042: ASCII with shift, control bytes, escape
 * sequences (CSI/SS3, xterm modifiers, Alt as ESC prefix, a lone ESC),
 * dropped bytes; set-1 and set-2 scancodes of key events; the keyboard's
 * command answers (reset, identify with and without translation, scan
 * code sets, echo, resend for unknown bytes), key events through the
 * controller with IRQ1, translated (set 1) or not (set 2), held while the
 * keyboard port is disabled, and refused without a keyboard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"
#include "vga.h"

#define MAXEV 16
static struct kbd_event got[MAXEV];
static unsigned ngot;

static void sink(void *opaque, struct kbd_event ev)
{
    (void)opaque;
    if (ngot < MAXEV)
        got[ngot] = ev;
    ngot++;
}

static void feed(struct kbd_input *in, const char *s)
{
    ngot = 0;
    kbd_input_feed(in, (const uint8_t *)s, strlen(s), sink, NULL);
}

static void expect(unsigned i, uint16_t key, unsigned mods)
{
    assert_true(i < ngot);
    assert_int_equal(got[i].key, key);
    assert_int_equal(got[i].mods, mods);
}

static void test_ascii(void **state)
{
    (void)state;
    struct kbd_input in;
    kbd_input_init(&in);
    feed(&in, "aZ1!~ \r\t\x7f");
    assert_int_equal(ngot, 9);
    expect(0, 0x1E, 0);
    expect(1, 0x2C, KBD_MOD_SHIFT);
    expect(2, 0x02, 0);
    expect(3, 0x02, KBD_MOD_SHIFT);
    expect(4, 0x29, KBD_MOD_SHIFT);
    expect(5, 0x39, 0);
    expect(6, 0x1C, 0);
    expect(7, 0x0F, 0);
    expect(8, 0x0E, 0);
    feed(&in, "\x03\x1d"); /* Ctrl-C, Ctrl-] */
    expect(0, 0x2E, KBD_MOD_CTRL);
    expect(1, 0x1B, KBD_MOD_CTRL);
    feed(&in, "\xc3\xa9"); /* é: no key */
    assert_int_equal(ngot, 0);
    assert_int_equal(in.dropped, 2);
}

static void test_sequences(void **state)
{
    (void)state;
    struct kbd_input in;
    kbd_input_init(&in);
    feed(&in, "\x1b[A\x1bOB\x1b[3~\x1b[6~\x1b[H\x1b[4~\x1bOP\x1b[24~");
    assert_int_equal(ngot, 8);
    expect(0, KBD_EXT | 0x48, 0);
    expect(1, KBD_EXT | 0x50, 0);
    expect(2, KBD_EXT | 0x53, 0);
    expect(3, KBD_EXT | 0x51, 0);
    expect(4, KBD_EXT | 0x47, 0);
    expect(5, KBD_EXT | 0x4F, 0);
    expect(6, 0x3B, 0);
    expect(7, 0x58, 0);
    feed(&in, "\x1b[1;5C\x1b[Z\x1bx\x1b");
    assert_int_equal(ngot, 4);
    expect(0, KBD_EXT | 0x4D, KBD_MOD_CTRL);
    expect(1, 0x0F, KBD_MOD_SHIFT);
    expect(2, 0x2D, KBD_MOD_ALT);
    expect(3, 0x01, 0); /* the lone ESC at the end */
    /* a sequence split across two reads */
    feed(&in, "\x1b[1");
    assert_int_equal(ngot, 0);
    feed(&in, "5~");
    expect(0, 0x3F, 0); /* F5 */
    feed(&in, "\x1b[99~");
    assert_int_equal(ngot, 0);
}

/* Random bytes: every event is a known key, sequences stay bounded. */
static void test_random_input(void **state)
{
    (void)state;
    struct kbd_input in;
    uint8_t buf[256], bytes[KBD_BYTES_MAX];
    unsigned seed = 777;
    kbd_input_init(&in);
    for (int round = 0; round < 400; round++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (uint8_t)(seed >> 16);
            if ((seed >> 8) % 7 == 0)
                buf[i] = 0x1B; /* many escapes */
        }
        ngot = 0;
        kbd_input_feed(&in, buf, sizeof(buf), sink, NULL);
        assert_true(in.nseq < KBD_SEQ_MAX);
        for (unsigned i = 0; i < ngot && i < MAXEV; i++) {
            assert_true(kbd_set2_code(got[i].key) != 0);
            assert_true(kbd_event_bytes(got[i], true, bytes) <= KBD_BYTES_MAX);
        }
    }
}

static void test_scancodes(void **state)
{
    (void)state;
    uint8_t b[KBD_BYTES_MAX];
    struct kbd_event up = { KBD_EXT | 0x48, 0 };
    struct kbd_event big_a = { 0x1E, KBD_MOD_SHIFT };
    unsigned n = kbd_event_bytes(big_a, false, b);
    assert_int_equal(n, 4);
    assert_memory_equal(b, "\x2a\x1e\x9e\xaa", 4);
    n = kbd_event_bytes(big_a, true, b);
    assert_int_equal(n, 6);
    assert_memory_equal(b, "\x12\x1c\xf0\x1c\xf0\x12", 6);
    n = kbd_event_bytes(up, false, b);
    assert_memory_equal(b, "\xe0\x48\xe0\xc8", n);
    n = kbd_event_bytes(up, true, b);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "\xe0\x75\xe0\xf0\x75", 5);
    assert_int_equal(kbd_set2_code(0x41), 0x83); /* F7 */
    assert_int_equal(kbd_set2_code(0x5A), 0);
}

/* ---- the keyboard behind the controller ---- */

static int irq1;
static void on_irq(void *opaque, int line, int level)
{
    (void)opaque;
    if (line == 1)
        irq1 = level;
}

static struct dev_i8042 *kbc_new(struct io_bus **bus, bool keyboard)
{
    *bus = bus_create();
    struct dev_i8042 *k = dev_i8042_create(*bus, (struct event_line){ NULL, NULL },
                                           (struct irq_line){ on_irq, NULL, 1 },
                                           (struct irq_line){ on_irq, NULL, 12 });
    if (keyboard)
        dev_i8042_attach_keyboard(k);
    irq1 = 0;
    return k;
}

static void expect_bytes(struct io_bus *bus, const uint8_t *want, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(bus_port_read(bus, 0x64, 1) & 1, 1);
        assert_int_equal(bus_port_read(bus, 0x60, 1), want[i]);
    }
    assert_int_equal(bus_port_read(bus, 0x64, 1) & 1, 0);
}

static void test_keyboard_commands(void **state)
{
    (void)state;
    struct io_bus *bus;
    struct dev_i8042 *k = kbc_new(&bus, true);
    bus_port_write(bus, 0x60, 1, 0xFF);
    expect_bytes(bus, (const uint8_t *)"\xfa\xaa", 2);
    bus_port_write(bus, 0x60, 1, 0xF2); /* translated ID */
    expect_bytes(bus, (const uint8_t *)"\xfa\xab\x41", 3);
    bus_port_write(bus, 0x64, 1, 0x60); /* translation off */
    bus_port_write(bus, 0x60, 1, 0x05);
    bus_port_write(bus, 0x60, 1, 0xF2);
    expect_bytes(bus, (const uint8_t *)"\xfa\xab\x83", 3);
    bus_port_write(bus, 0x60, 1, 0xF0);
    bus_port_write(bus, 0x60, 1, 0x00);
    expect_bytes(bus, (const uint8_t *)"\xfa\xfa\x02", 3);
    bus_port_write(bus, 0x60, 1, 0xEE);
    expect_bytes(bus, (const uint8_t *)"\xee", 1);
    bus_port_write(bus, 0x60, 1, 0x42);
    expect_bytes(bus, (const uint8_t *)"\xfe", 1);
    bus_port_write(bus, 0x60, 1, 0xED);
    bus_port_write(bus, 0x60, 1, 0x07);
    expect_bytes(bus, (const uint8_t *)"\xfa\xfa", 2);
    dev_i8042_destroy(k);
    bus_destroy(bus);
}

static void test_keyboard_keys(void **state)
{
    (void)state;
    struct io_bus *bus;
    struct dev_i8042 *k = kbc_new(&bus, true);
    struct kbd_event a = { 0x1E, 0 };
    assert_int_equal(dev_i8042_key(k, a), 0); /* translated: set 1 */
    assert_int_equal(irq1, 1);
    expect_bytes(bus, (const uint8_t *)"\x1e\x9e", 2);
    assert_int_equal(irq1, 0);
    bus_port_write(bus, 0x64, 1, 0x60); /* translation off: set 2 */
    bus_port_write(bus, 0x60, 1, 0x05);
    assert_int_equal(dev_i8042_key(k, a), 0);
    expect_bytes(bus, (const uint8_t *)"\x1c\xf0\x1c", 3);
    bus_port_write(bus, 0x64, 1, 0xAD); /* keyboard port disabled: held */
    assert_int_equal(dev_i8042_key(k, a), 0);
    assert_int_equal(bus_port_read(bus, 0x64, 1) & 1, 0);
    bus_port_write(bus, 0x64, 1, 0xAE);
    expect_bytes(bus, (const uint8_t *)"\x1c\xf0\x1c", 3);
    bus_port_write(bus, 0x60, 1, 0xF5); /* scanning off: dropped */
    expect_bytes(bus, (const uint8_t *)"\xfa", 1);
    assert_int_equal(dev_i8042_key(k, a), XBT_EUNSUP);
    assert_int_equal(dev_i8042_stats(k)->keys, 3);
    assert_int_equal(dev_i8042_stats(k)->keys_dropped, 1);
    /* a full queue: XBT_EBUSY, nothing queued, nothing dropped */
    bus_port_write(bus, 0x60, 1, 0xF4);
    expect_bytes(bus, (const uint8_t *)"\xfa", 1);
    struct kbd_event big = { 0x1E, KBD_MOD_SHIFT | KBD_MOD_CTRL | KBD_MOD_ALT };
    uint8_t bytes[KBD_BYTES_MAX];
    unsigned len = kbd_event_bytes(big, true, bytes), queued = 0; /* set 2: 12 bytes */
    while (dev_i8042_key(k, big) == 0)
        queued++;
    assert_int_equal(queued, 256 / len);
    assert_int_equal(dev_i8042_key(k, big), XBT_EBUSY);
    assert_int_equal(dev_i8042_stats(k)->keys_dropped, 1);
    dev_i8042_destroy(k);
    bus_destroy(bus);
}

static void test_no_keyboard(void **state)
{
    (void)state;
    struct io_bus *bus;
    struct dev_i8042 *k = kbc_new(&bus, false);
    struct kbd_event a = { 0x1E, 0 };
    assert_int_equal(dev_i8042_key(k, a), XBT_EUNSUP);
    bus_port_write(bus, 0x60, 1, 0xFF);
    assert_int_equal(bus_port_read(bus, 0x64, 1) & 1, 0);
    dev_i8042_destroy(k);
    bus_destroy(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_random_input),
        cmocka_unit_test(test_scancodes),
        cmocka_unit_test(test_keyboard_commands),
        cmocka_unit_test(test_keyboard_keys),
        cmocka_unit_test(test_no_keyboard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
