/*
 * test_acpi_pm.c - unit tests of the ACPI PM device (src/devices/acpi_pm.c)
 * through the I/O bus on a virtual clock: the PM timer's rate, 24-bit wrap
 * and monotonicity, TMR_STS on every change of bit 23 and its SCI, PM1_STS
 * write-1-to-clear and PM1_EN, byte/word/dword accesses, SCI_EN, the
 * power button, and sleep requests (S5 and S4 stop with STOP_POWEROFF and
 * status 0, S3 returns with WAK_STS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "acpi.h"
#include "bus.h"
#include "clock.h"
#include "devices.h"

#define STS (ACPI_PM_BASE + ACPI_PM1_STS)
#define EN (ACPI_PM_BASE + ACPI_PM1_EN)
#define CNT (ACPI_PM_BASE + ACPI_PM1_CNT)
#define TMR (ACPI_PM_BASE + ACPI_PM_TMR)
#define SEC UINT64_C(1000000000)
/* guest time of the first carry of bit 23 (tick 2^23) */
#define CARRY_NS ((UINT64_C(0x800000) * SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ)

struct fixture {
    struct io_bus *bus;
    struct xclock *clk;
    struct dev_acpi_pm *pm;
    int level, rises; /* the SCI */
    int stops, why, status;
};

static void sci_fn(void *opaque, int line, int level)
{
    struct fixture *f = opaque;
    assert_int_equal(line, ACPI_SCI_IRQ);
    f->rises += level && !f->level;
    f->level = level;
}

static void stop_fn(void *opaque, enum machine_stop why, int status)
{
    struct fixture *f = opaque;
    f->stops++;
    f->why = (int)why;
    f->status = status;
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
    struct irq_line sci = { .fn = sci_fn, .opaque = f, .line = ACPI_SCI_IRQ };
    struct stop_line stop = { .fn = stop_fn, .opaque = f };
    f->pm = dev_acpi_pm_create(f->bus, f->clk, ACPI_PM_BASE, sci, stop);
    *state = f;
    return f->pm ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_acpi_pm_destroy(f->pm);
    xclock_destroy(f->clk);
    bus_destroy(f->bus);
    free(f);
    return 0;
}

/* Moves the clock to guest time t (forward only) and runs the timers. */
static void at(struct fixture *f, uint64_t t)
{
    uint64_t now = xclock_ns(f->clk);
    assert_true(t >= now);
    xclock_advance(f->clk, t - now);
    xclock_run_timers(f->clk);
}

static uint32_t tmr(struct fixture *f)
{
    return bus_port_read(f->bus, TMR, 4);
}

static void test_power_on(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(bus_port_read(f->bus, STS, 2), 0);
    assert_int_equal(bus_port_read(f->bus, EN, 2), 0);
    assert_int_equal(bus_port_read(f->bus, CNT, 2), ACPI_CNT_SCI_EN);
    assert_int_equal(tmr(f), 0);
    assert_int_equal(bus_port_read(f->bus, ACPI_PM_BASE + 0x0C, 4), 0); /* unused */
    assert_int_equal(f->level, 0);
}

static void test_timer_rate(void **state)
{
    struct fixture *f = *state;
    at(f, SEC);
    assert_int_equal(tmr(f), ACPI_PM_TIMER_HZ); /* 3579545 ticks in 1 s */
    at(f, SEC + 1000);                          /* 1 us: 3.58 ticks */
    assert_int_equal(tmr(f), ACPI_PM_TIMER_HZ + 3);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->timer_reads, 2);
}

static void test_timer_edges(void **state)
{
    struct fixture *f = *state;
    at(f, 279);
    assert_int_equal(tmr(f), 0);
    at(f, 280); /* 1e9 / 3579545 = 279.37 ns */
    assert_int_equal(tmr(f), 1);
    /* byte and word reads of the same count */
    at(f, 100 * SEC);
    uint32_t t = tmr(f);
    assert_int_equal(t, (uint32_t)(UINT64_C(357954500) & ACPI_PM_TIMER_MASK));
    assert_int_equal(bus_port_read(f->bus, TMR, 2), t & 0xFFFF);
    assert_int_equal(bus_port_read(f->bus, TMR + 2, 2), t >> 16);
    assert_int_equal(bus_port_read(f->bus, TMR + 3, 1), 0); /* 24 bits */
    bus_port_write(f->bus, TMR, 4, 0x12345678);             /* read-only */
    assert_int_equal(tmr(f), t);
}

static void test_timer_wraps_monotonic(void **state)
{
    struct fixture *f = *state;
    uint32_t prev = tmr(f);
    unsigned wraps = 0;
    /* 10 s in steps of 7 ms: the count only goes up, modulo 2^24 */
    for (uint64_t t = 0; t < 10 * SEC; t += 7000000) {
        at(f, t);
        uint32_t now = tmr(f);
        assert_true(((now - prev) & ACPI_PM_TIMER_MASK) < ACPI_PM_TIMER_CARRY);
        wraps += now < prev;
        prev = now;
    }
    assert_int_equal(wraps, 2); /* 35.8 M ticks: 2 wraps of 16.8 M */
}

static void test_tmr_sts(void **state)
{
    struct fixture *f = *state;
    at(f, CARRY_NS - 1);
    assert_int_equal(bus_port_read(f->bus, STS, 2), 0);
    at(f, CARRY_NS);
    assert_int_equal(bus_port_read(f->bus, STS, 2), ACPI_PM1_TMR);
    bus_port_write(f->bus, STS, 2, 0); /* writing 0 clears nothing */
    assert_int_equal(bus_port_read(f->bus, STS, 2), ACPI_PM1_TMR);
    bus_port_write(f->bus, STS, 2, ACPI_PM1_TMR);
    assert_int_equal(bus_port_read(f->bus, STS, 2), 0);
    /* the next carry is bit 23 going back to 0, at tick 2^24 */
    at(f, 2 * CARRY_NS - 2);
    assert_int_equal(bus_port_read(f->bus, STS, 2), 0);
    at(f, 2 * CARRY_NS);
    assert_int_equal(bus_port_read(f->bus, STS, 2), ACPI_PM1_TMR);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->timer_carries, 2);
    assert_int_equal(f->rises, 0); /* TMR_EN clear: no SCI */
}

static void test_tmr_sci(void **state)
{
    struct fixture *f = *state;
    bus_port_write(f->bus, EN, 2, ACPI_PM1_TMR);
    assert_int_equal(bus_port_read(f->bus, EN, 2), ACPI_PM1_TMR);
    /* the timer raises the SCI at the carry, with no access */
    at(f, CARRY_NS - 1);
    assert_int_equal(f->level, 0);
    at(f, CARRY_NS);
    assert_int_equal(f->level, 1);
    assert_int_equal(f->rises, 1);
    /* clearing the status lowers it; the next carry raises it again */
    bus_port_write(f->bus, STS, 2, ACPI_PM1_TMR);
    assert_int_equal(f->level, 0);
    at(f, 2 * CARRY_NS);
    assert_int_equal(f->rises, 2);
    /* disabling lowers it with the status still set */
    bus_port_write(f->bus, EN, 2, 0);
    assert_int_equal(f->level, 0);
    assert_int_equal(bus_port_read(f->bus, STS, 2), ACPI_PM1_TMR);
    /* re-enabling with the status set raises it at once */
    bus_port_write(f->bus, EN, 2, ACPI_PM1_TMR);
    assert_int_equal(f->rises, 3);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->scis, 3);
}

static void test_sci_en(void **state)
{
    struct fixture *f = *state;
    bus_port_write(f->bus, EN, 2, ACPI_PM1_TMR);
    bus_port_write(f->bus, CNT, 2, 0); /* SCI_EN off: no SCI */
    assert_int_equal(bus_port_read(f->bus, CNT, 2), 0);
    at(f, CARRY_NS);
    assert_int_equal(bus_port_read(f->bus, STS, 2), ACPI_PM1_TMR);
    assert_int_equal(f->level, 0);
    bus_port_write(f->bus, CNT, 2, ACPI_CNT_SCI_EN);
    assert_int_equal(f->level, 1);
}

static void test_registers(void **state)
{
    struct fixture *f = *state;
    /* PM1_EN keeps only the enable bits; PM1_CNT only SCI_EN, BM_RLD and
     * SLP_TYP (GBL_RLS and SLP_EN read 0) */
    bus_port_write(f->bus, EN, 2, 0xFFFF);
    assert_int_equal(bus_port_read(f->bus, EN, 2), 0x0721);
    bus_port_write(f->bus, EN, 1, 0);
    assert_int_equal(bus_port_read(f->bus, EN, 2), 0x0700); /* byte write */
    bus_port_write(f->bus, CNT, 2, 0x1C07);
    assert_int_equal(bus_port_read(f->bus, CNT, 2), 0x1C03);
    assert_int_equal(bus_port_read(f->bus, CNT + 1, 1), 0x1C);
    /* a dword at the event block reads status and enables together */
    bus_port_write(f->bus, EN, 2, ACPI_PM1_PWRBTN);
    dev_acpi_pm_power_button(f->pm);
    assert_int_equal(bus_port_read(f->bus, STS, 4), ACPI_PM1_PWRBTN << 16 | ACPI_PM1_PWRBTN);
    assert_int_equal(f->level, 1);
    /* a dword write clears status bits and sets the enables */
    bus_port_write(f->bus, STS, 4, ACPI_PM1_RTC << 16 | 0xFFFF);
    assert_int_equal(bus_port_read(f->bus, STS, 2), 0);
    assert_int_equal(bus_port_read(f->bus, EN, 2), ACPI_PM1_RTC);
    assert_int_equal(f->level, 0);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->power_button, 1);
}

static void test_sleep_s5(void **state)
{
    struct fixture *f = *state;
    uint16_t typ = ACPI_SLP_TYP_S5 << ACPI_CNT_SLP_TYP_SHIFT;
    bus_port_write(f->bus, CNT, 2, ACPI_CNT_SCI_EN | typ); /* type first */
    assert_int_equal(f->stops, 0);
    bus_port_write(f->bus, CNT, 2, ACPI_CNT_SCI_EN | typ | ACPI_CNT_SLP_EN);
    assert_int_equal(f->stops, 1);
    assert_int_equal(f->why, STOP_POWEROFF);
    assert_int_equal(f->status, 0);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->poweroffs, 1);
}

static void test_sleep_s4_byte(void **state)
{
    struct fixture *f = *state;
    /* SLP_EN in a byte write of the high half, as some OSes write it */
    uint8_t hi = (ACPI_SLP_TYP_S4 << ACPI_CNT_SLP_TYP_SHIFT | ACPI_CNT_SLP_EN) >> 8;
    bus_port_write(f->bus, CNT + 1, 1, hi);
    assert_int_equal(f->stops, 1);
    assert_int_equal(f->why, STOP_POWEROFF);
}

static void test_sleep_s3(void **state)
{
    struct fixture *f = *state;
    uint16_t typ = ACPI_SLP_TYP_S3 << ACPI_CNT_SLP_TYP_SHIFT;
    bus_port_write(f->bus, CNT, 2, ACPI_CNT_SCI_EN | typ | ACPI_CNT_SLP_EN);
    assert_int_equal(f->stops, 0);
    assert_int_equal(bus_port_read(f->bus, STS, 2), ACPI_PM1_WAK);
    assert_int_equal(bus_port_read(f->bus, CNT, 2), ACPI_CNT_SCI_EN | typ);
    bus_port_write(f->bus, STS, 2, ACPI_PM1_WAK);
    assert_int_equal(bus_port_read(f->bus, STS, 2), 0);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->sleep_requests, 1);
    assert_int_equal(dev_acpi_pm_stats(f->pm)->poweroffs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_wraps_monotonic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tmr_sts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tmr_sci, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sci_en, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep_s5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep_s4_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep_s3, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
