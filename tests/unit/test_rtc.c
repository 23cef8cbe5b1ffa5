/*
 * test_rtc.c - unit tests of the MC146818 RTC and CMOS RAM through the I/O
 * bus on a virtual clock with a fixed epoch (2024-02-29 23:59:50 UTC, a leap
 * day just before midnight): BCD and binary formats, 12/24-hour mode, date
 * rollover, setting the time with SET and with plain writes, the UIP
 * window, divider reset, periodic/alarm/update-ended interrupts with the
 * register C semantics and IRQ8 edges, registers D and C being read-only,
 * the NMI mask bit, NVRAM contents (memory sizes, checksum), storage and
 * the board's CMOS bytes (dev_rtc_cmos_set).
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

#define IDX 0x70
#define DATA 0x71
#define EPOCH INT64_C(1709251190) /* 2024-02-29 23:59:50 UTC, Thursday */
#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define RAM_SIZE (128u << 20)

enum {
    R_SEC = 0,
    R_SEC_AL = 1,
    R_MIN = 2,
    R_MIN_AL = 3,
    R_HOUR = 4,
    R_HOUR_AL = 5,
    R_WDAY = 6,
    R_MDAY = 7,
    R_MON = 8,
    R_YEAR = 9,
    R_A = 0x0A,
    R_B = 0x0B,
    R_C = 0x0C,
    R_D = 0x0D,
    R_CENTURY = 0x32
};

struct fixture {
    struct io_bus *bus;
    struct xclock *clk;
    struct dev_rtc *rtc;
    int level; /* IRQ8 level */
    int rises; /* 0 -> 1 transitions */
};

static void irq8_fn(void *opaque, int line, int level)
{
    struct fixture *f = opaque;
    assert_int_equal(line, 8);
    if (level && !f->level)
        f->rises++;
    f->level = level;
}

static struct fixture *make(uint32_t ram)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->bus = bus_create();
    f->clk = xclock_create(CLOCK_VIRTUAL);
    if (!f->bus || !f->clk)
        return NULL;
    xclock_set_epoch(f->clk, EPOCH);
    struct irq_line irq = { .fn = irq8_fn, .opaque = f, .line = 8 };
    f->rtc = dev_rtc_create(f->bus, f->clk, irq, ram);
    return f->rtc ? f : NULL;
}

static void unmake(struct fixture *f)
{
    dev_rtc_destroy(f->rtc);
    xclock_destroy(f->clk);
    bus_destroy(f->bus);
    free(f);
}

static int setup(void **state)
{
    struct fixture *f = make(RAM_SIZE);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    unmake(*state);
    return 0;
}

static uint8_t rd(struct fixture *f, uint8_t reg)
{
    bus_port_write(f->bus, IDX, 1, reg);
    return (uint8_t)bus_port_read(f->bus, DATA, 1);
}

static void wr(struct fixture *f, uint8_t reg, uint8_t v)
{
    bus_port_write(f->bus, IDX, 1, reg);
    bus_port_write(f->bus, DATA, 1, v);
}

/* Moves the clock to guest time t (forward only) and runs the timers. */
static void at(struct fixture *f, uint64_t t)
{
    uint64_t now = xclock_ns(f->clk);
    assert_true(t >= now);
    xclock_advance(f->clk, t - now);
    xclock_run_timers(f->clk);
}

/* Steps to time t in increments of step, running timers like a vCPU. */
static void run_until(struct fixture *f, uint64_t t, uint64_t step)
{
    while (xclock_ns(f->clk) + step < t)
        at(f, xclock_ns(f->clk) + step);
    at(f, t);
}

static void test_bcd_time(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, R_A), 0x26);
    assert_int_equal(rd(f, R_B), 0x02); /* 24 h, BCD */
    assert_int_equal(rd(f, R_D), 0x80);
    assert_int_equal(rd(f, R_SEC), 0x50);
    assert_int_equal(rd(f, R_MIN), 0x59);
    assert_int_equal(rd(f, R_HOUR), 0x23);
    assert_int_equal(rd(f, R_WDAY), 0x05); /* Thursday (Sunday = 1) */
    assert_int_equal(rd(f, R_MDAY), 0x29);
    assert_int_equal(rd(f, R_MON), 0x02);
    assert_int_equal(rd(f, R_YEAR), 0x24);
    assert_int_equal(rd(f, R_CENTURY), 0x20);
    at(f, 9 * SEC + 999 * MS);
    assert_int_equal(rd(f, R_SEC), 0x59);
    /* Leap day rolls over into Friday, March 1. */
    at(f, 10 * SEC);
    assert_int_equal(rd(f, R_SEC), 0x00);
    assert_int_equal(rd(f, R_MIN), 0x00);
    assert_int_equal(rd(f, R_HOUR), 0x00);
    assert_int_equal(rd(f, R_WDAY), 0x06);
    assert_int_equal(rd(f, R_MDAY), 0x01);
    assert_int_equal(rd(f, R_MON), 0x03);
    assert_int_equal(rd(f, R_YEAR), 0x24);
    at(f, (10 + 3600 + 23 * 60 + 45) * SEC);
    assert_int_equal(rd(f, R_HOUR), 0x01);
    assert_int_equal(rd(f, R_MIN), 0x23);
    assert_int_equal(rd(f, R_SEC), 0x45);
}

static void test_binary_and_12h(void **state)
{
    struct fixture *f = *state;
    wr(f, R_B, 0x06); /* binary, 24 h */
    assert_int_equal(rd(f, R_SEC), 50);
    assert_int_equal(rd(f, R_MIN), 59);
    assert_int_equal(rd(f, R_HOUR), 23);
    assert_int_equal(rd(f, R_MDAY), 29);
    assert_int_equal(rd(f, R_YEAR), 24);
    assert_int_equal(rd(f, R_CENTURY), 20);
    wr(f, R_B, 0x04);                           /* binary, 12 h */
    assert_int_equal(rd(f, R_HOUR), 0x80 | 11); /* 11 PM */
    wr(f, R_B, 0x00);                           /* BCD, 12 h */
    assert_int_equal(rd(f, R_HOUR), 0x91);
    at(f, 10 * SEC);
    assert_int_equal(rd(f, R_HOUR), 0x12); /* 12 AM */
    at(f, (10 + 12 * 3600) * SEC);
    assert_int_equal(rd(f, R_HOUR), 0x92); /* 12 PM */
    at(f, (10 + 13 * 3600) * SEC);
    assert_int_equal(rd(f, R_HOUR), 0x81); /* 1 PM */
    /* Setting the time in 12 h mode: 10 PM. */
    wr(f, R_HOUR, 0x90);
    wr(f, R_B, 0x02);
    assert_int_equal(rd(f, R_HOUR), 0x22);
}

static void test_set_time(void **state)
{
    struct fixture *f = *state;
    wr(f, R_A, 0x20); /* no periodic flags */
    at(f, 300 * MS);
    wr(f, R_B, 0x12); /* UIE on */
    wr(f, R_B, 0x92); /* SET: clears UIE */
    assert_int_equal(rd(f, R_B), 0x82);
    assert_int_equal(rd(f, R_A) & 0x80, 0x00); /* no UIP while SET */
    /* 2000-01-01 12:34:56, Saturday. */
    wr(f, R_SEC, 0x56);
    wr(f, R_MIN, 0x34);
    wr(f, R_HOUR, 0x12);
    wr(f, R_MDAY, 0x01);
    wr(f, R_MON, 0x01);
    wr(f, R_YEAR, 0x00);
    wr(f, R_CENTURY, 0x20);
    /* Time does not run while SET. */
    at(f, 3 * SEC + 300 * MS);
    assert_int_equal(rd(f, R_SEC), 0x56);
    assert_int_equal(rd(f, R_C), 0x00); /* no updates: no UF */
    wr(f, R_B, 0x02);
    assert_int_equal(rd(f, R_SEC), 0x56);
    assert_int_equal(rd(f, R_WDAY), 0x07); /* derived from the date */
    /* The update phase is unchanged: the next update is at 4 s. */
    at(f, 4 * SEC - 1);
    assert_int_equal(rd(f, R_SEC), 0x56);
    at(f, 4 * SEC);
    assert_int_equal(rd(f, R_SEC), 0x57);
    at(f, 9 * SEC);
    assert_int_equal(rd(f, R_SEC), 0x02);
    assert_int_equal(rd(f, R_MIN), 0x35);
    assert_int_equal(rd(f, R_YEAR), 0x00);
    /* A plain write of one register (no SET) changes just that field. */
    wr(f, R_MIN, 0x00);
    assert_int_equal(rd(f, R_MIN), 0x00);
    assert_int_equal(rd(f, R_SEC), 0x02);
    at(f, 70 * SEC);
    assert_int_equal(rd(f, R_MIN), 0x01);
    assert_int_equal(rd(f, R_SEC), 0x03);
    assert_int_equal(rd(f, R_HOUR), 0x12);
    /* A later epoch change does not move a time the guest has set. */
    xclock_set_epoch(f->clk, EPOCH + 1000);
    assert_int_equal(rd(f, R_SEC), 0x03);
}

static void test_uip(void **state)
{
    struct fixture *f = *state;
    at(f, 500 * MS);
    assert_int_equal(rd(f, R_A), 0x26);
    at(f, SEC - 244142);
    assert_int_equal(rd(f, R_A), 0x26);
    at(f, SEC - 244141); /* 244 us before the update */
    assert_int_equal(rd(f, R_A), 0xA6);
    assert_int_equal(rd(f, R_SEC), 0x50); /* not updated yet */
    at(f, SEC - 1);
    assert_int_equal(rd(f, R_A), 0xA6);
    at(f, SEC);
    assert_int_equal(rd(f, R_A), 0x26);
    assert_int_equal(rd(f, R_SEC), 0x51);
    /* UIP is read-only. */
    wr(f, R_A, 0xA6);
    assert_int_equal(rd(f, R_A), 0x26);
    /* SET suppresses UIP. */
    at(f, 2 * SEC - 1000);
    assert_int_equal(rd(f, R_A), 0xA6);
    wr(f, R_B, 0x82);
    assert_int_equal(rd(f, R_A), 0x26);
    wr(f, R_B, 0x02);
    assert_int_equal(rd(f, R_A), 0xA6);
}

static void test_divider(void **state)
{
    struct fixture *f = *state;
    at(f, 200 * MS);
    wr(f, R_A, 0x76); /* divider reset */
    at(f, 5 * SEC);
    assert_int_equal(rd(f, R_SEC), 0x50); /* stopped */
    assert_int_equal(rd(f, R_A), 0x76);   /* and no UIP */
    wr(f, R_A, 0x26);                     /* run: update in 500 ms */
    at(f, 5 * SEC + 499 * MS);
    assert_int_equal(rd(f, R_SEC), 0x50);
    at(f, 5 * SEC + 500 * MS);
    assert_int_equal(rd(f, R_SEC), 0x51);
    at(f, 6 * SEC + 500 * MS);
    assert_int_equal(rd(f, R_SEC), 0x52);
}

static void test_periodic(void **state)
{
    struct fixture *f = *state;
    /* 1024 Hz: ticks every 976562.5 ns. */
    wr(f, R_B, 0x42); /* PIE */
    assert_int_equal(f->rises, 0);
    at(f, 976562);
    assert_int_equal(f->rises, 0);
    at(f, 976563);
    assert_int_equal(f->rises, 1);
    assert_int_equal(f->level, 1);
    /* More ticks while the line is high: no new edge. */
    at(f, 5 * 976563);
    assert_int_equal(f->rises, 1);
    assert_int_equal(rd(f, R_C), 0xC0); /* IRQF | PF */
    assert_int_equal(f->level, 0);      /* reading C lowers IRQ8 */
    assert_int_equal(rd(f, R_C), 0x00); /* and cleared them */
    /* One edge per tick while the guest acknowledges each. */
    for (int i = 0; i < 100; i++) {
        uint64_t next = xclock_next_deadline(f->clk);
        assert_true(next != UINT64_MAX);
        at(f, next);
        assert_int_equal(f->rises, 2 + i);
        assert_int_equal(rd(f, R_C), 0xC0);
    }
    /* 2 Hz (RS = 15): ticks every 500 ms from the divider origin. */
    wr(f, R_A, 0x2F);
    assert_int_equal(xclock_next_deadline(f->clk), 500 * MS);
    int r = f->rises;
    run_until(f, 3 * SEC + 1, 10 * MS);
    assert_int_equal(f->rises, r + 1); /* C not read: one edge */
    rd(f, R_C);
    at(f, 3 * SEC + 500 * MS);
    assert_int_equal(f->rises, r + 2);
    rd(f, R_C);
    /* RS = 0 stops it. */
    wr(f, R_A, 0x20);
    assert_true(xclock_next_deadline(f->clk) == UINT64_MAX);
    at(f, 10 * SEC);
    assert_int_equal(rd(f, R_C) & 0x40, 0x00);
    /* PF is set even with PIE off, with no interrupt. */
    wr(f, R_A, 0x26);
    wr(f, R_B, 0x02);
    r = f->rises;
    at(f, 11 * SEC);
    assert_int_equal(rd(f, R_C), 0x50); /* PF | UF, no IRQF */
    assert_int_equal(f->rises, r);
    /* Enabling PIE with PF already set interrupts at once. */
    at(f, 11 * SEC + 10 * MS);
    wr(f, R_B, 0x42);
    assert_int_equal(f->rises, r + 1);
    assert_int_equal(rd(f, R_C), 0xC0);
}

static void test_update_interrupt(void **state)
{
    struct fixture *f = *state;
    wr(f, R_A, 0x20);       /* no periodic flags */
    wr(f, R_HOUR_AL, 0x12); /* power-on alarm 00:00:00 */
    wr(f, R_B, 0x12);       /* UIE */
    at(f, SEC - 1);
    assert_int_equal(f->rises, 0);
    at(f, SEC);
    assert_int_equal(f->rises, 1);
    assert_int_equal(rd(f, R_C), 0x90); /* IRQF | UF */
    assert_int_equal(rd(f, R_SEC), 0x51);
    run_until(f, 10 * SEC, 100 * MS);
    assert_int_equal(f->rises, 2); /* C not read since */
    assert_int_equal(rd(f, R_C), 0x90);
    for (int s = 11; s <= 20; s++) {
        at(f, (uint64_t)s * SEC);
        assert_int_equal(rd(f, R_C), 0x90);
    }
    assert_int_equal(f->rises, 12);
    /* UF without UIE: flag only. */
    wr(f, R_B, 0x02);
    at(f, 25 * SEC);
    assert_int_equal(rd(f, R_C), 0x10);
    assert_int_equal(f->rises, 12);
    /* Writes to C and D are ignored. */
    wr(f, R_C, 0xFF);
    wr(f, R_D, 0x00);
    assert_int_equal(rd(f, R_C), 0x00);
    assert_int_equal(rd(f, R_D), 0x80);
}

static void test_alarm(void **state)
{
    struct fixture *f = *state;
    wr(f, R_A, 0x20);
    /* Alarm at 00:00:05 (BCD, 24 h): 15 s from the start. */
    wr(f, R_HOUR_AL, 0x00);
    wr(f, R_MIN_AL, 0x00);
    wr(f, R_SEC_AL, 0x05);
    wr(f, R_B, 0x22); /* AIE */
    run_until(f, 15 * SEC - 1, 250 * MS);
    assert_int_equal(f->rises, 0);
    assert_int_equal(rd(f, R_C), 0x10); /* updates, no alarm */
    at(f, 15 * SEC);
    assert_int_equal(f->rises, 1);
    assert_int_equal(rd(f, R_C), 0xB0); /* IRQF | AF | UF */
    run_until(f, 100 * SEC, 500 * MS);
    assert_int_equal(f->rises, 1);
    /* "Don't care" hours and minutes: every minute at second 30. */
    wr(f, R_HOUR_AL, 0xC0);
    wr(f, R_MIN_AL, 0xFF);
    wr(f, R_SEC_AL, 0x30);
    rd(f, R_C);
    /* 100 s after the start it is 00:01:30 - the next match is 00:02:30. */
    run_until(f, 160 * SEC - 1, 500 * MS);
    assert_int_equal(f->rises, 1);
    at(f, 160 * SEC);
    assert_int_equal(f->rises, 2);
    assert_int_equal(rd(f, R_C) & 0xA0, 0xA0);
    run_until(f, 220 * SEC, 500 * MS);
    assert_int_equal(f->rises, 3);
    assert_int_equal(rd(f, R_C) & 0xA0, 0xA0);
    /* AF is set with AIE off too, even when the match happened during a
     * long time without any access. */
    wr(f, R_B, 0x02);
    wr(f, R_SEC_AL, 0x07);
    wr(f, R_MIN_AL, 0x00);
    wr(f, R_HOUR_AL, 0x00); /* 00:00:07: tomorrow */
    rd(f, R_C);
    at(f, 2 * 86400 * SEC);             /* March 2, 23:59:50 */
    assert_int_equal(rd(f, R_C), 0x30); /* AF | UF */
    at(f, (2 * 86400 + 16) * SEC);
    assert_int_equal(rd(f, R_C), 0x10); /* 00:00:06: no match */
    at(f, (2 * 86400 + 17) * SEC);
    assert_int_equal(rd(f, R_C), 0x30); /* 00:00:07 */
    at(f, (2 * 86400 + 3600) * SEC);
    assert_int_equal(rd(f, R_C), 0x10); /* no match since */
    /* Binary, 12 h alarm: 1 PM = 0x81. */
    wr(f, R_B, 0x24); /* AIE, binary, 12 h */
    wr(f, R_HOUR_AL, 0x81);
    wr(f, R_MIN_AL, 0xC0);
    wr(f, R_SEC_AL, 0xC0);
    rd(f, R_C);
    int r = f->rises;
    /* Now it is March 3, 00:59:50; 13:00:00 is 12 h 10 s later. */
    at(f, (2 * 86400 + 3600 + 12 * 3600 + 10 - 1) * SEC);
    assert_int_equal(rd(f, R_C) & 0x20, 0x00);
    at(f, (2 * 86400 + 3600 + 12 * 3600 + 10) * SEC);
    assert_int_equal(f->rises, r + 1);
    assert_int_equal(rd(f, R_C) & 0xA0, 0xA0);
}

static void test_nvram(void **state)
{
    struct fixture *f = *state;
    /* 128 MiB: 640 KiB base, extended capped at 0xFFFF KiB, 1792 x 64 KiB
     * above 16 MiB. */
    assert_int_equal(rd(f, 0x14), 0x02);
    assert_int_equal(rd(f, 0x15) | rd(f, 0x16) << 8, 640);
    assert_int_equal(rd(f, 0x17) | rd(f, 0x18) << 8, 0xFFFF);
    assert_int_equal(rd(f, 0x30) | rd(f, 0x31) << 8, 0xFFFF);
    assert_int_equal(rd(f, 0x34) | rd(f, 0x35) << 8, 1792);
    unsigned sum = 0;
    for (uint8_t i = 0x10; i <= 0x2D; i++)
        sum += rd(f, i);
    assert_int_equal(rd(f, 0x2E) << 8 | rd(f, 0x2F), sum);
    /* Storage: every byte of 0x0E-0x7F except the century keeps values. */
    for (unsigned i = 0x0E; i < 0x80; i++)
        if (i != R_CENTURY)
            wr(f, (uint8_t)i, (uint8_t)(i * 7 + 1));
    for (unsigned i = 0x0E; i < 0x80; i++)
        if (i != R_CENTURY)
            assert_int_equal(rd(f, (uint8_t)i), (uint8_t)(i * 7 + 1));
    /* Alarm registers are storage too. */
    wr(f, R_SEC_AL, 0x12);
    assert_int_equal(rd(f, R_SEC_AL), 0x12);
    /* Bit 7 of the index is the NMI mask, not part of the index. */
    assert_false(dev_rtc_nmi_masked(f->rtc));
    bus_port_write(f->bus, IDX, 1, 0x80 | 0x40);
    assert_true(dev_rtc_nmi_masked(f->rtc));
    assert_int_equal(bus_port_read(f->bus, DATA, 1), (uint8_t)(0x40 * 7 + 1));
    bus_port_write(f->bus, IDX, 1, 0x0D);
    assert_false(dev_rtc_nmi_masked(f->rtc));
    assert_int_equal(bus_port_read(f->bus, DATA, 1), 0x80);
    assert_int_equal(bus_port_read(f->bus, IDX, 1), 0xFF); /* write-only */
    assert_null(dev_rtc_create(f->bus, f->clk, (struct irq_line){ 0 }, 0));
}

/* Board data: dev_rtc_cmos_set keeps the checksum right; the clock
 * registers and A-D are not storage. */
static void test_cmos_set(void **state)
{
    struct fixture *f = *state;
    dev_rtc_cmos_set(f->rtc, 0x14, 0x06);
    dev_rtc_cmos_set(f->rtc, 0x3D, 0x12);
    dev_rtc_cmos_set(f->rtc, 0x0B, 0xFF); /* register B: ignored */
    dev_rtc_cmos_set(f->rtc, 0x80, 0xFF); /* beyond the CMOS: ignored */
    assert_int_equal(rd(f, 0x14), 0x06);
    assert_int_equal(dev_rtc_cmos_get(f->rtc, 0x3D), 0x12);
    assert_int_equal(dev_rtc_cmos_get(f->rtc, 0x80), 0xFF);
    assert_int_not_equal(rd(f, 0x0B), 0xFF);
    unsigned sum = 0;
    for (uint8_t i = 0x10; i <= 0x2D; i++)
        sum += rd(f, i);
    assert_int_equal(rd(f, 0x2E) << 8 | rd(f, 0x2F), sum);
    assert_int_equal(sum, 0x06 + 0x80 + 0x02 + 0xFF + 0xFF); /* 0x14-0x18 */
}

static void test_nvram_sizes(void **state)
{
    (void)state;
    struct fixture *f = make(32u << 20);
    assert_non_null(f);
    assert_int_equal(rd(f, 0x17) | rd(f, 0x18) << 8, 31 * 1024);
    assert_int_equal(rd(f, 0x30) | rd(f, 0x31) << 8, 31 * 1024);
    assert_int_equal(rd(f, 0x34) | rd(f, 0x35) << 8, 256);
    unsigned sum = 0;
    for (uint8_t i = 0x10; i <= 0x2D; i++)
        sum += rd(f, i);
    assert_int_equal(rd(f, 0x2E) << 8 | rd(f, 0x2F), sum);
    unmake(f);
    f = make(512u << 10); /* 512 KiB */
    assert_non_null(f);
    assert_int_equal(rd(f, 0x15) | rd(f, 0x16) << 8, 512);
    assert_int_equal(rd(f, 0x17) | rd(f, 0x18) << 8, 0);
    assert_int_equal(rd(f, 0x34) | rd(f, 0x35) << 8, 0);
    unmake(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bcd_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_and_12h, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nvram, setup, teardown),
        cmocka_unit_test(test_nvram_sizes),
        cmocka_unit_test_setup_teardown(test_cmos_set, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
