/*
 * test_clock.c - unit tests of the guest clock and timers (clock.h):
 * virtual time advancing only by xclock_advance, the host clock being
 * monotonic and starting near 0, epochs, timer ordering (including equal
 * deadlines), re-arm, delete, destroy of armed timers, callbacks that
 * re-arm or delete timers, the at-most-once-per-run rule and
 * xclock_next_deadline, stolen time and stalls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

/* A log of timer callbacks: which timer ran, in order. */
struct tlog {
    int order[64];
    int n;
};

struct tctx {
    struct tlog *log;
    int id;
    struct xclock *clk;
    struct xtimer *self;
    struct xtimer *victim; /* deleted by the callback, if set */
    uint64_t rearm_delta;  /* re-arm self at now + delta, if non-zero */
    int rearm_left;
    bool rearm_now; /* re-arm self at an already due deadline */
};

static void tcb(void *opaque)
{
    struct tctx *c = opaque;
    if (c->log->n < 64)
        c->log->order[c->log->n++] = c->id;
    if (c->victim)
        xtimer_del(c->victim);
    if (c->rearm_now)
        xtimer_mod(c->self, xclock_ns(c->clk));
    if (c->rearm_delta && c->rearm_left > 0) {
        c->rearm_left--;
        xtimer_mod(c->self, xclock_ns(c->clk) + c->rearm_delta);
    }
}

static void test_virtual_time(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_VIRTUAL);
    assert_non_null(c);
    assert_int_equal(xclock_kind(c), CLOCK_VIRTUAL);
    assert_int_equal(xclock_ns(c), 0);
    assert_int_equal(xclock_ns(c), 0); /* no drift with host time */
    xclock_advance(c, 1000);
    assert_int_equal(xclock_ns(c), 1000);
    xclock_advance(c, 0);
    assert_int_equal(xclock_ns(c), 1000);
    xclock_advance(c, UINT64_C(5000000000));
    assert_int_equal(xclock_ns(c), UINT64_C(5000001000));
    xclock_advance(c, UINT64_MAX); /* saturates */
    assert_true(xclock_ns(c) == UINT64_MAX);
    xclock_destroy(c);
    assert_null(xclock_create((enum clock_kind)7));
}

static void test_host_time(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_HOST);
    assert_non_null(c);
    assert_int_equal(xclock_kind(c), CLOCK_HOST);
    uint64_t t0 = xclock_ns(c);
    assert_true(t0 < UINT64_C(1000000000)); /* relative to creation */
    uint64_t prev = t0;
    for (int i = 0; i < 10000; i++) {
        uint64_t t = xclock_ns(c);
        assert_true(t >= prev);
        prev = t;
    }
    struct timespec ts = { 0, 2000000 }; /* 2 ms */
    nanosleep(&ts, NULL);
    assert_true(xclock_ns(c) >= t0 + 2000000);
    xclock_advance(c, UINT64_C(1000000000000)); /* ignored on a host clock */
    assert_true(xclock_ns(c) < UINT64_C(1000000000000));
    /* Default epoch: the host's wall time. */
    int64_t now = (int64_t)time(NULL);
    assert_true(xclock_epoch(c) >= now - 2 && xclock_epoch(c) <= now + 2);
    xclock_destroy(c);
}

/* Stolen host time (the VMM translating) is not guest time. */
static void test_host_steal(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_HOST);
    assert_non_null(c);
    struct timespec ts = { 0, 20000000 }; /* 20 ms, all stolen */
    uint64_t t0 = xclock_ns(c);
    nanosleep(&ts, NULL);
    xclock_steal(c, 20000000);
    uint64_t t1 = xclock_ns(c);
    assert_true(t1 >= t0);           /* still monotonic */
    assert_true(t1 - t0 < 15000000); /* what was not stolen only */
    nanosleep(&ts, NULL);
    assert_true(xclock_ns(c) >= t1 + 20000000); /* and it goes on */
    xclock_destroy(c);
    c = xclock_create(CLOCK_VIRTUAL);
    xclock_advance(c, 500);
    xclock_steal(c, 100); /* ignored on a virtual clock */
    assert_int_equal(xclock_ns(c), 500);
    xclock_destroy(c);
}

static void noop_cb(void *opaque)
{
    (void)opaque;
}

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* A stall (no guest time reads, a timer overdue by more than
 * XCLOCK_STALL_NS) is stolen back to the deadline, found by the timers or
 * by the guest's next read; a guest that keeps reading the time sees it
 * pass (host time = guest time + stolen); guest time never goes back. */
static void test_host_stall(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_HOST);
    struct xtimer *t = xtimer_create(c, noop_cb, NULL);
    /* found by the timers */
    uint64_t dl = xclock_ns(c) + 2000000;
    xtimer_mod(t, dl);
    sleep_ms(30);
    assert_int_equal(xclock_run_timers(c), 1);
    uint64_t now = xclock_ns(c);
    assert_true(now >= dl);
    assert_true(now - dl < 25000000); /* not the whole 28 ms */
    assert_int_equal(xclock_stats(c)->stalls, 1);
    assert_true(xclock_stats(c)->stall_ns >= 20000000);
    /* found by the guest's next read */
    dl = xclock_ns(c) + 2000000;
    xtimer_mod(t, dl);
    sleep_ms(30);
    now = xclock_ns(c);
    assert_true(now >= dl && now - dl < 25000000);
    assert_int_equal(xclock_stats(c)->stalls, 2);
    assert_int_equal(xclock_run_timers(c), 1);
    /* a guest polling the time: nothing is lost that it did not miss */
    dl = xclock_ns(c) + 2000000;
    xtimer_mod(t, dl);
    uint64_t g0 = xclock_ns(c), h0 = host_ns(), s0 = xclock_stats(c)->stall_ns, seen = g0;
    while (host_ns() - h0 < 30000000) {
        uint64_t g = xclock_ns(c);
        assert_true(g >= seen);
        seen = g;
    }
    uint64_t guest = xclock_ns(c) - g0, stolen = xclock_stats(c)->stall_ns - s0;
    assert_true(guest + stolen >= 29000000);
    assert_true(guest >= dl - g0); /* the deadline was seen to pass */
    /* then a stall: back to the latest time read, not to the deadline */
    sleep_ms(30);
    assert_int_equal(xclock_run_timers(c), 1);
    assert_true(xclock_ns(c) >= seen);
    assert_true(xclock_ns(c) - seen < 25000000);
    /* the VMM's look does not count as a guest read */
    dl = xclock_ns(c) + 2000000;
    xtimer_mod(t, dl);
    sleep_ms(30);
    (void)xclock_peek_ns(c);
    uint64_t st = xclock_stats(c)->stalls;
    xclock_run_timers(c);
    assert_int_equal(xclock_stats(c)->stalls, st + 1);
    xtimer_destroy(t);
    xclock_destroy(c);
}

static void test_epoch(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_VIRTUAL);
    int64_t now = (int64_t)time(NULL);
    assert_true(xclock_epoch(c) >= now - 2 && xclock_epoch(c) <= now + 2);
    xclock_set_epoch(c, 1234567890);
    assert_int_equal(xclock_epoch(c), 1234567890);
    xclock_advance(c, UINT64_C(3000000000));
    assert_int_equal(xclock_epoch(c), 1234567890); /* not moved by time */
    xclock_destroy(c);
}

static void test_timer_order(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_VIRTUAL);
    struct tlog log = { 0 };
    struct tctx ctx[5];
    struct xtimer *t[5];
    static const uint64_t deadlines[5] = { 300, 100, 200, 100, 50 };
    for (int i = 0; i < 5; i++) {
        ctx[i] = (struct tctx){ .log = &log, .id = i, .clk = c };
        t[i] = xtimer_create(c, tcb, &ctx[i]);
        assert_non_null(t[i]);
        ctx[i].self = t[i];
        assert_false(xtimer_pending(t[i]));
    }
    assert_true(xclock_next_deadline(c) == UINT64_MAX);
    for (int i = 0; i < 5; i++)
        xtimer_mod(t[i], deadlines[i]);
    for (int i = 0; i < 5; i++)
        assert_true(xtimer_pending(t[i]));
    assert_int_equal(xclock_next_deadline(c), 50);

    assert_int_equal(xclock_run_timers(c), 0); /* time 0: nothing due */
    xclock_advance(c, 49);
    assert_int_equal(xclock_run_timers(c), 0);
    xclock_advance(c, 1); /* 50: exactly due */
    assert_int_equal(xclock_run_timers(c), 1);
    assert_false(xtimer_pending(t[4]));
    assert_int_equal(xclock_next_deadline(c), 100);
    xclock_advance(c, 1000);
    assert_int_equal(xclock_run_timers(c), 4);
    /* Deadline order; equal deadlines in arming order (1 before 3). */
    assert_int_equal(log.n, 5);
    int expect[5] = { 4, 1, 3, 2, 0 };
    for (int i = 0; i < 5; i++)
        assert_int_equal(log.order[i], expect[i]);
    assert_true(xclock_next_deadline(c) == UINT64_MAX);
    for (int i = 0; i < 5; i++) {
        assert_false(xtimer_pending(t[i]));
        xtimer_destroy(t[i]);
    }
    xclock_destroy(c);
}

static void test_timer_rearm_delete(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_VIRTUAL);
    struct tlog log = { 0 };
    struct tctx a = { .log = &log, .id = 1, .clk = c };
    struct tctx b = { .log = &log, .id = 2, .clk = c };
    struct xtimer *ta = xtimer_create(c, tcb, &a);
    struct xtimer *unit = xtimer_create(c, tcb, &b);
    a.self = ta;
    b.self = unit;

    /* Re-arming moves the deadline (later, then earlier). */
    xtimer_mod(ta, 100);
    xtimer_mod(unit, 200);
    xtimer_mod(ta, 300);
    assert_int_equal(xclock_next_deadline(c), 200);
    xtimer_mod(ta, 10);
    assert_int_equal(xclock_next_deadline(c), 10);
    /* Delete: the timer is gone; deleting twice is harmless. */
    xtimer_del(ta);
    xtimer_del(ta);
    assert_false(xtimer_pending(ta));
    assert_int_equal(xclock_next_deadline(c), 200);
    xclock_advance(c, 500);
    assert_int_equal(xclock_run_timers(c), 1);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.order[0], 2);

    /* A deadline in the past fires at the next run. */
    xtimer_mod(ta, 1);
    assert_int_equal(xclock_run_timers(c), 1);
    assert_int_equal(log.order[1], 1);

    /* A periodic timer: the callback re-arms itself 100 ns later. */
    log.n = 0;
    a.rearm_delta = 100;
    a.rearm_left = 3;
    xtimer_mod(ta, 600);
    for (int i = 0; i < 10; i++) {
        xclock_advance(c, 50);
        xclock_run_timers(c);
    }
    /* Fired at 600, 700, 800, 900; no re-arm after the last. */
    assert_int_equal(log.n, 4);
    assert_false(xtimer_pending(ta));

    /* A callback deleting another due timer stops it from running. */
    log.n = 0;
    a.rearm_delta = 0;
    a.victim = unit;
    xtimer_mod(ta, xclock_ns(c) + 10);
    xtimer_mod(unit, xclock_ns(c) + 20);
    xclock_advance(c, 100);
    assert_int_equal(xclock_run_timers(c), 1);
    assert_int_equal(log.n, 1);
    assert_false(xtimer_pending(unit));
    a.victim = NULL;

    /* Destroying an armed timer unlinks it. */
    xtimer_mod(unit, xclock_ns(c) + 5);
    xtimer_destroy(unit);
    assert_true(xclock_next_deadline(c) == UINT64_MAX);
    xtimer_destroy(ta);
    xclock_destroy(c);
}

static void test_timer_once_per_run(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_VIRTUAL);
    struct tlog log = { 0 };
    struct tctx a = { .log = &log, .id = 1, .clk = c, .rearm_now = true };
    struct tctx b = { .log = &log, .id = 2, .clk = c };
    struct xtimer *ta = xtimer_create(c, tcb, &a);
    struct xtimer *unit = xtimer_create(c, tcb, &b);
    a.self = ta;
    xtimer_mod(ta, 0);
    xtimer_mod(unit, 0);
    /* ta re-arms itself to "now" every time: it runs once per call and
     * does not starve unit, which is due too. */
    assert_int_equal(xclock_run_timers(c), 2);
    assert_int_equal(log.n, 2);
    assert_true(xtimer_pending(ta));
    assert_int_equal(xclock_next_deadline(c), 0); /* due: come back */
    assert_int_equal(xclock_run_timers(c), 1);
    a.rearm_now = false;
    assert_int_equal(xclock_run_timers(c), 1);
    assert_int_equal(xclock_run_timers(c), 0);
    xtimer_destroy(ta);
    xtimer_destroy(unit);
    /* Destroying a clock with armed timers leaves them unarmed. */
    struct xtimer *tc = xtimer_create(c, tcb, &b);
    xtimer_mod(tc, 10);
    xclock_destroy(c);
    assert_false(xtimer_pending(tc));
    xtimer_destroy(tc); /* still allowed after the clock is gone */
    assert_null(xtimer_create(NULL, tcb, NULL));
}

static void test_host_timer(void **state)
{
    (void)state;
    struct xclock *c = xclock_create(CLOCK_HOST);
    struct tlog log = { 0 };
    struct tctx a = { .log = &log, .id = 7, .clk = c };
    struct xtimer *ta = xtimer_create(c, tcb, &a);
    uint64_t deadline = xclock_ns(c) + 20000000; /* 20 ms */
    xtimer_mod(ta, deadline);
    assert_int_equal(xclock_run_timers(c), 0);
    int ran;
    while ((ran = xclock_run_timers(c)) == 0)
        assert_true(xtimer_pending(ta));
    assert_int_equal(ran, 1);
    assert_true(xclock_ns(c) >= deadline); /* never early */
    assert_int_equal(log.n, 1);
    assert_int_equal(log.order[0], 7);
    xtimer_destroy(ta);
    xclock_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virtual_time),
        cmocka_unit_test(test_host_time),
        cmocka_unit_test(test_host_steal),
        cmocka_unit_test(test_host_stall),
        cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_timer_order),
        cmocka_unit_test(test_timer_rearm_delete),
        cmocka_unit_test(test_timer_once_per_run),
        cmocka_unit_test(test_host_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
