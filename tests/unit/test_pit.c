/*
 * test_pit.c - unit tests of the 8254 PIT through the I/O bus on a virtual
 * clock (deterministic): counts of modes 0, 2, 3 (even and odd) and 4 at
 * given times, the counter latch and read-back commands (count, status,
 * null count), lobyte/hibyte/lohi access and flip-flops, BCD, IRQ0 edges
 * from channel 0 via xclock_run_timers (periodic, one-shot, coalescing),
 * the control word stopping a channel, and port 0x61 (channel 2 gate,
 * OUT2, refresh toggle).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bus.h"
#include "clock.h"
#include "devices.h"

#define PIT_HZ 1193182u
#define CH0 0x40
#define CH1 0x41
#define CH2 0x42
#define CTRL 0x43
#define PORTB 0x61

struct fixture {
    struct io_bus *bus;
    struct xclock *clk;
    struct dev_pit *pit;
    int level;       /* IRQ0 line level */
    int rises;       /* 0 -> 1 transitions of IRQ0 */
    uint64_t origin; /* absolute PIT edge of the last load */
};

static void irq0_fn(void *opaque, int line, int level)
{
    struct fixture *f = opaque;
    assert_int_equal(line, 0);
    if (level && !f->level)
        f->rises++;
    f->level = level;
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
    /* Start at an odd time so loads do not sit on a PIT clock edge. */
    xclock_advance(f->clk, 123456789);
    struct irq_line irq = { .fn = irq0_fn, .opaque = f, .line = 0 };
    f->pit = dev_pit_create(f->bus, f->clk, irq);
    if (!f->pit)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_pit_destroy(f->pit);
    xclock_destroy(f->clk);
    bus_destroy(f->bus);
    free(f);
    return 0;
}

static uint8_t in8(struct fixture *f, uint16_t port)
{
    return (uint8_t)bus_port_read(f->bus, port, 1);
}

static void out8(struct fixture *f, uint16_t port, uint8_t v)
{
    bus_port_write(f->bus, port, 1, v);
}

/* PIT clock edges up to guest time ns, and the first time edge k has
 * happened (the model of the device, restated). */
static uint64_t edges(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * PIT_HZ) / 1000000000u);
}

static uint64_t edge_time(uint64_t k)
{
    return (uint64_t)(((unsigned __int128)k * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

/* Writes a 16-bit lohi count to a channel and notes the load time. */
static void load(struct fixture *f, uint16_t port, uint16_t count)
{
    out8(f, port, count & 0xFF);
    out8(f, port, count >> 8);
    f->origin = edges(xclock_ns(f->clk));
}

/* Moves the clock to d ticks after the last load (forward only), running
 * the timers on the way as the vCPU would at unit boundaries. */
static void at(struct fixture *f, uint64_t d)
{
    uint64_t t = edge_time(f->origin + d);
    uint64_t now = xclock_ns(f->clk);
    assert_true(edges(now) <= f->origin + d); /* never backwards */
    if (t > now)
        xclock_advance(f->clk, t - now);
    xclock_run_timers(f->clk);
}

/* Latches and reads a lohi channel's count. */
static uint16_t read_latched(struct fixture *f, int ch)
{
    out8(f, CTRL, (uint8_t)(ch << 6));
    uint8_t lo = in8(f, (uint16_t)(CH0 + ch));
    uint8_t hi = in8(f, (uint16_t)(CH0 + ch));
    return (uint16_t)(lo | hi << 8);
}

static uint8_t read_status(struct fixture *f, int ch)
{
    out8(f, CTRL, (uint8_t)(0xE0 | 2 << ch)); /* read-back: status only */
    return in8(f, (uint16_t)(CH0 + ch));
}

static void test_mode0(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x30);                              /* ch0, lohi, mode 0 */
    assert_int_equal(read_status(f, 0) & 0xC0, 0x40); /* OUT low, null */
    load(f, CH0, 1000);
    assert_int_equal(read_status(f, 0), 0x70); /* null until the next edge */
    assert_int_equal(read_latched(f, 0), 1000);
    at(f, 1);
    assert_int_equal(read_latched(f, 0), 999);
    assert_int_equal(read_status(f, 0), 0x30); /* OUT low, count loaded */
    at(f, 500);
    assert_int_equal(read_latched(f, 0), 500);
    at(f, 999);
    assert_int_equal(read_latched(f, 0), 1);
    assert_int_equal(f->rises, 0);
    /* One ns before the terminal count edge: nothing yet. */
    xclock_advance(f->clk, edge_time(f->origin + 1000) - 1 - xclock_ns(f->clk));
    xclock_run_timers(f->clk);
    assert_int_equal(f->rises, 0);
    at(f, 1000);
    assert_int_equal(read_latched(f, 0), 0);
    assert_int_equal(f->rises, 1);
    assert_int_equal(f->level, 0);                    /* an edge: raised, lowered */
    assert_int_equal(read_status(f, 0) & 0x80, 0x80); /* OUT high */
    at(f, 1001);
    assert_int_equal(read_latched(f, 0), 0xFFFF); /* keeps counting */
    at(f, 100000);
    assert_int_equal(f->rises, 1); /* once only */
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    /* A new count restarts it: OUT low again, one more interrupt. */
    load(f, CH0, 10);
    assert_int_equal(read_status(f, 0) & 0x80, 0x00);
    at(f, 10);
    assert_int_equal(f->rises, 2);
    /* Count 0 means 65536. */
    load(f, CH0, 0);
    at(f, 1);
    assert_int_equal(read_latched(f, 0), 0xFFFF);
    at(f, 65535);
    assert_int_equal(f->rises, 2);
    at(f, 65536);
    assert_int_equal(f->rises, 3);
}

static void test_mode0_first_byte_stops(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x30);
    load(f, CH0, 100);
    at(f, 30);
    out8(f, CH0, 50); /* first byte: counting stops */
    assert_int_equal(read_latched(f, 0), 70);
    at(f, 90);
    assert_int_equal(read_latched(f, 0), 70);
    at(f, 200);
    assert_int_equal(f->rises, 0); /* the old count never ends */
    out8(f, CH0, 0);               /* second byte: count 50 */
    f->origin = edges(xclock_ns(f->clk));
    assert_int_equal(read_latched(f, 0), 50);
    at(f, 50);
    assert_int_equal(f->rises, 1);
}

static void test_mode2_periodic(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x34); /* ch0, lohi, mode 2 */
    load(f, CH0, 100);
    assert_int_equal(read_latched(f, 0), 100);
    at(f, 1);
    assert_int_equal(read_latched(f, 0), 99);
    at(f, 98);
    assert_int_equal(read_latched(f, 0), 2);
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    at(f, 99);
    assert_int_equal(read_latched(f, 0), 1);
    assert_int_equal(read_status(f, 0) & 0x80, 0x00); /* OUT low at 1 */
    assert_int_equal(f->rises, 0);
    at(f, 100);
    assert_int_equal(read_latched(f, 0), 100); /* reloaded */
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    assert_int_equal(f->rises, 1);
    at(f, 150);
    assert_int_equal(read_latched(f, 0), 50);
    /* One edge per period. */
    for (int k = 2; k <= 11; k++) {
        at(f, (uint64_t)k * 100 - 1);
        assert_int_equal(f->rises, k - 1);
        at(f, (uint64_t)k * 100);
        assert_int_equal(f->rises, k);
    }
    /* The timer deadline is exactly the next period boundary. */
    assert_int_equal(xclock_next_deadline(f->clk), edge_time(f->origin + 1200));
    /* A late vCPU (5 periods at once) gets one coalesced edge, and the
     * next one a period later; the count stays exact. */
    at(f, 1750);
    assert_int_equal(f->rises, 12);
    assert_int_equal(read_latched(f, 0), 50);
    at(f, 1799);
    assert_int_equal(f->rises, 12);
    at(f, 1800);
    assert_int_equal(f->rises, 13);
    /* A control word stops the channel and its interrupts. */
    out8(f, CTRL, 0x34);
    assert_true(xclock_next_deadline(f->clk) == UINT64_MAX);
    at(f, 5000);
    assert_int_equal(f->rises, 13);
}

static void test_mode3_square(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x36); /* ch0, lohi, mode 3 */
    load(f, CH0, 10);
    static const uint16_t even[11] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10 };
    static const int even_out[11] = { 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1 };
    for (int d = 0; d <= 10; d++) {
        at(f, (uint64_t)d);
        assert_int_equal(read_latched(f, 0), even[d]);
        assert_int_equal(read_status(f, 0) >> 7, even_out[d]);
    }
    assert_int_equal(f->rises, 1); /* at d = 10 */
    for (int k = 2; k <= 10; k++)
        at(f, (uint64_t)k * 10);
    assert_int_equal(f->rises, 10);
    /* Odd count 9: high for 5 ticks, low for 4. */
    load(f, CH0, 9);
    static const uint16_t odd[10] = { 8, 6, 4, 2, 0, 8, 6, 4, 2, 8 };
    static const int odd_out[10] = { 1, 1, 1, 1, 1, 0, 0, 0, 0, 1 };
    for (int d = 0; d <= 9; d++) {
        at(f, (uint64_t)d);
        assert_int_equal(read_latched(f, 0), odd[d]);
        assert_int_equal(read_status(f, 0) >> 7, odd_out[d]);
    }
    assert_int_equal(f->rises, 11);
    /* The classic 18.2 Hz tick: count 0 = 65536, about 54.9 ms. */
    load(f, CH0, 0);
    int before = f->rises;
    xclock_advance(f->clk, 1000000000); /* one second */
    while (xclock_run_timers(f->clk) > 0)
        ;
    /* Coalesced to one edge for the whole second... */
    assert_int_equal(f->rises, before + 1);
    /* ...and one per period afterwards. */
    uint64_t t0 = xclock_ns(f->clk);
    for (int i = 0; i < 1000; i++) {
        xclock_advance(f->clk, 1000000); /* 1 ms steps */
        xclock_run_timers(f->clk);
    }
    uint64_t expect =
        (edges(t0 + 1000000000) - f->origin) / 65536 - (edges(t0) - f->origin) / 65536;
    int got = f->rises - before - 1;
    assert_true(got == (int)expect && (got == 18 || got == 19));
}

static void test_mode4_strobe(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x38);                              /* ch0, lohi, mode 4 */
    assert_int_equal(read_status(f, 0) & 0x80, 0x80); /* OUT high */
    load(f, CH0, 50);
    at(f, 10);
    assert_int_equal(read_latched(f, 0), 40);
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    at(f, 49);
    assert_int_equal(f->rises, 0);
    at(f, 50);
    assert_int_equal(read_latched(f, 0), 0);
    assert_int_equal(read_status(f, 0) & 0x80, 0x00); /* the strobe */
    assert_int_equal(f->rises, 1);
    at(f, 51);
    assert_int_equal(read_status(f, 0) & 0x80, 0x80);
    assert_int_equal(read_latched(f, 0), 0xFFFF);
    at(f, 70000);
    assert_int_equal(f->rises, 1);
}

static void test_latch_readback(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x34);
    load(f, CH0, 1000);
    uint64_t origin0 = f->origin;
    at(f, 10);
    out8(f, CTRL, 0x00); /* counter latch ch0 */
    at(f, 20);
    out8(f, CTRL, 0x00); /* ignored: still latched */
    at(f, 50);
    assert_int_equal(in8(f, CH0), 990 & 0xFF);
    at(f, 60);
    assert_int_equal(in8(f, CH0), 990 >> 8);
    /* Unlatched lohi reads follow the count, low byte first. */
    at(f, 100);
    assert_int_equal(in8(f, CH0), 900 & 0xFF);
    assert_int_equal(in8(f, CH0), 900 >> 8);

    /* Read-back of count and status of channel 0: status comes first. */
    out8(f, CTRL, 0xC2);
    at(f, 200);
    assert_int_equal(in8(f, CH0), 0xB4); /* OUT, lohi, mode 2 */
    assert_int_equal(in8(f, CH0), 900 & 0xFF);
    assert_int_equal(in8(f, CH0), 900 >> 8);
    /* Read-back of several channels at once (count only). */
    out8(f, CTRL, 0x74); /* ch1, lohi, mode 2 */
    load(f, CH1, 500);
    at(f, 5);
    out8(f, CTRL, 0xD6); /* counts of ch0 and ch1 */
    at(f, 400);
    assert_int_equal(in8(f, CH1), 495 & 0xFF);
    assert_int_equal(in8(f, CH1), 495 >> 8);
    uint8_t c0lo = in8(f, CH0);
    uint16_t c0 = (uint16_t)(c0lo | in8(f, CH0) << 8);
    assert_int_equal(c0, 1000 - (f->origin + 5 - origin0) % 1000);
    /* Status of an unprogrammed channel: null count, mode 0, OUT low. */
    assert_int_equal(read_status(f, 2), 0x70);
    /* The control register reads as 0xFF. */
    assert_int_equal(in8(f, CTRL), 0xFF);
}

static void test_access_modes(void **state)
{
    struct fixture *f = *state;
    /* LSB only: one byte loads the count; reads give the low byte. */
    out8(f, CTRL, 0x14); /* ch0, LSB, mode 2 */
    out8(f, CH0, 200);
    f->origin = edges(xclock_ns(f->clk));
    at(f, 3);
    assert_int_equal(in8(f, CH0), 197);
    assert_int_equal(in8(f, CH0), 197);
    out8(f, CTRL, 0x00);
    assert_int_equal(in8(f, CH0), 197);        /* one-byte latch */
    assert_int_equal(in8(f, CH0), 197);        /* released: live again */
    assert_int_equal(read_status(f, 0), 0x94); /* OUT, LSB, mode 2 */
    /* MSB only: the byte is the high half; reads give the high byte. */
    out8(f, CTRL, 0x24); /* ch0, MSB, mode 2 */
    out8(f, CH0, 0x02);  /* count 0x200 */
    f->origin = edges(xclock_ns(f->clk));
    at(f, 1);
    assert_int_equal(in8(f, CH0), 0x01); /* 0x1FF */
    out8(f, CTRL, 0x00);
    assert_int_equal(in8(f, CH0), 0x01);
    /* lohi: no load until the high byte; the flip-flops restart with each
     * control word. */
    out8(f, CTRL, 0x34);
    out8(f, CH0, 0x34);
    assert_int_equal(read_status(f, 0) & 0x40, 0x40); /* null: not loaded */
    out8(f, CH0, 0x12);
    f->origin = edges(xclock_ns(f->clk));
    assert_int_equal(read_latched(f, 0), 0x1234);
    assert_int_equal(in8(f, CH0), 0x34); /* live: low byte... */
    out8(f, CTRL, 0x34);                 /* ...then a control word */
    load(f, CH0, 0x5678);
    assert_int_equal(in8(f, CH0), 0x78); /* low byte first again */
    assert_int_equal(in8(f, CH0), 0x56);
    /* A 16-bit OUT to 0x40 is two byte writes: 0x40 then 0x41. */
    out8(f, CTRL, 0x74);
    bus_port_write(f->bus, CH0, 2, 0x0102); /* ch0 low byte, ch1 low byte */
    out8(f, CH1, 0x00);
    assert_int_equal(read_latched(f, 1), 0x0001);
}

static void test_bcd(void **state)
{
    struct fixture *f = *state;
    out8(f, CTRL, 0x31); /* ch0, lohi, mode 0, BCD */
    load(f, CH0, 0x1000);
    assert_int_equal(read_latched(f, 0), 0x1000);
    at(f, 1);
    assert_int_equal(read_latched(f, 0), 0x0999);
    at(f, 999);
    assert_int_equal(read_latched(f, 0), 0x0001);
    at(f, 1000);
    assert_int_equal(f->rises, 1);
    at(f, 1001);
    assert_int_equal(read_latched(f, 0), 0x9999); /* wraps modulo 10000 */
    assert_int_equal(read_status(f, 0) & 0x01, 0x01);
    /* Count 0 in BCD is 10000. */
    load(f, CH0, 0);
    at(f, 1);
    assert_int_equal(read_latched(f, 0), 0x9999);
    at(f, 10000);
    assert_int_equal(f->rises, 2);
    /* BCD rate generator. */
    out8(f, CTRL, 0x35);
    load(f, CH0, 0x0100);
    at(f, 100);
    at(f, 200);
    at(f, 250);
    assert_int_equal(read_latched(f, 0), 0x0050);
    assert_int_equal(f->rises, 4);
}

static void test_port61(void **state)
{
    struct fixture *f = *state;
    /* Refresh toggle flips on every read; OUT2 is low before programming. */
    uint8_t a = in8(f, PORTB), b = in8(f, PORTB);
    assert_int_equal((a ^ b) & 0x10, 0x10);
    assert_int_equal(a & 0x2F, 0x00);
    out8(f, PORTB, 0x0E); /* bits 1-3, gate off */
    assert_int_equal(in8(f, PORTB) & 0x0F, 0x0E);
    out8(f, PORTB, 0xF0); /* bits 4-7 not writable */
    assert_int_equal(in8(f, PORTB) & 0xCF, 0x00);

    /* Linux's PIT calibration: channel 2, mode 0, gate on, poll bit 5. */
    out8(f, CTRL, 0xB0); /* ch2, lohi, mode 0 */
    load(f, CH2, 100);
    at(f, 50);
    assert_int_equal(read_latched(f, 2), 100); /* gate low: not counting */
    out8(f, PORTB, 0x01);
    f->origin = edges(xclock_ns(f->clk));
    at(f, 30);
    assert_int_equal(read_latched(f, 2), 70);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x00);
    /* Gate low pauses mode 0; gate high resumes where it stopped. */
    out8(f, PORTB, 0x00);
    at(f, 1000);
    assert_int_equal(read_latched(f, 2), 70);
    out8(f, PORTB, 0x01);
    f->origin = edges(xclock_ns(f->clk));
    at(f, 69);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x00);
    at(f, 70);
    assert_int_equal(in8(f, PORTB) & 0x21, 0x21); /* OUT2 high, gate */
    assert_int_equal(f->rises, 0);                /* channel 2 has no IRQ */

    /* Speaker tone: mode 3; the gate's rising edge restarts the count,
     * and a low gate holds OUT high. */
    out8(f, CTRL, 0xB6); /* ch2, lohi, mode 3 */
    load(f, CH2, 20);
    out8(f, PORTB, 0x00);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x20);
    at(f, 15);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x20); /* held high */
    out8(f, PORTB, 0x03);                         /* gate + speaker on */
    f->origin = edges(xclock_ns(f->clk));
    assert_int_equal(read_latched(f, 2), 20);
    at(f, 9);
    assert_int_equal(in8(f, PORTB) & 0x23, 0x23);
    at(f, 10);
    assert_int_equal(in8(f, PORTB) & 0x23, 0x03); /* second half: low */
    at(f, 20);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x20);

    /* Mode 1 on channel 2: the one-shot starts on a gate rising edge. */
    out8(f, PORTB, 0x00);
    out8(f, CTRL, 0xB2); /* ch2, lohi, mode 1 */
    load(f, CH2, 40);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x20); /* idle high */
    out8(f, PORTB, 0x01);
    f->origin = edges(xclock_ns(f->clk));
    at(f, 1);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x00);
    assert_int_equal(read_latched(f, 2), 39);
    at(f, 40);
    assert_int_equal(in8(f, PORTB) & 0x20, 0x20);
    /* 16-bit read of 0x61: the byte, 0xFF above it. */
    assert_int_equal(bus_port_read(f->bus, PORTB, 2) & 0xFF00, 0xFF00);
}

static void test_create_errors(void **state)
{
    struct fixture *f = *state;
    struct irq_line none = { 0 };
    assert_null(dev_pit_create(f->bus, f->clk, none)); /* ports taken */
    assert_null(dev_pit_create(NULL, NULL, none));
    /* Without a bus (and with an unconnected line) it still works. */
    struct dev_pit *p = dev_pit_create(NULL, f->clk, none);
    assert_non_null(p);
    dev_pit_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mode0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode0_first_byte_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode2_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode3_square, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode4_strobe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latch_readback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bcd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port61, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
