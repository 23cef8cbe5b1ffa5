/*
 * clock.c - guest time and timers (include/clock.h).
 *
 * Two kinds of clock:
 *   CLOCK_HOST     guest time is the host's CLOCK_MONOTONIC minus its value
 *                  when the clock was created and minus the time stolen by
 *                  the VMM (xclock_steal: translation): real elapsed time
 *                  while the guest runs, never going backwards as the guest
 *                  reads it (time is stolen while the vCPU is busy), unaffected
 *                  by wall-clock changes.
 *   CLOCK_VIRTUAL  guest time starts at 0 and moves only when the machine
 *                  calls xclock_advance() (with the guest work executed, and
 *                  to the next deadline while the vCPU is halted), so a run
 *                  sees exactly the same times on every execution.
 * xclock_advance() on a host clock is ignored.
 *
 * Stalls (host clock): when xclock_ns() or xclock_run_timers() finds a
 * timer overdue by more than XCLOCK_STALL_NS, and the guest has not read
 * the time for as long either, the vCPU thread could not run (the host
 * descheduled it, or the VMM was busy): that time is stolen too, back to
 * the deadline or to the latest time xclock_ns() handed out, whichever is
 * later.  So a loaded host slows the guest's clocks down instead of making
 * them jump: periodic timer interrupts are not lost, and the guest's
 * clocks (TSC, PIT, PM timer, RTC) keep agreeing with its tick count.
 *
 * The epoch (wall-clock seconds at guest time 0, used by the RTC) defaults
 * to the host's CLOCK_REALTIME at creation rounded to the nearest second, for
 * both kinds; the machine overrides it for a fixed --rtc-base.
 *
 * Timers live in a singly linked list sorted by deadline; timers with equal
 * deadlines stay in the order they were armed (FIFO).  A machine has a
 * handful of timers (PIT, RTC, ...), so O(n) insertion beats a heap.
 *
 * xclock_run_timers() takes "now" once, then repeatedly unlinks the first
 * timer whose deadline is <= now and calls it.  A callback may re-arm or
 * delete any timer, including its own.  Each timer runs at most once per
 * call: a timer re-armed by its callback to a deadline that is already due
 * is left armed for the next call (xclock_next_deadline() then reports a
 * past deadline, so the caller comes back at once) - a buggy callback can
 * therefore never livelock the vCPU inside one call.
 *
 * Threading: xclock_peek_ns(), xclock_steal() and xclock_epoch() may be
 * called from any thread (the virtual time is an atomic, the host time a
 * clock_gettime()).  All other calls - xclock_ns (it may steal a stall,
 * looking at the timer list), xclock_advance, xclock_set_epoch, xtimer_create/destroy/
 * mod/del/pending, xclock_run_timers, xclock_next_deadline - belong to the
 * vCPU thread (device register accesses and timer callbacks run there, and
 * so does the machine's run loop); the timer list takes no lock.  A device
 * driven by another thread (the console) must not arm timers from it.
 *
 * Lifetime: destroy the timers (i.e. the devices owning them) before the
 * clock.  If that order cannot be kept, xclock_destroy() disarms the timers
 * still armed, and xtimer_destroy() - but no other call - remains allowed
 * on them afterwards (it touches the clock only to unlink an armed timer).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

#define NS_PER_SEC 1000000000ull

struct xtimer {
    struct xclock *clock;
    xtimer_fn fn;
    void *opaque;
    uint64_t deadline; /* valid while armed */
    bool armed;
    uint64_t ran_in;     /* run_seq of the last call that ran it */
    struct xtimer *next; /* list link while armed */
};

struct xclock {
    enum clock_kind kind;
    uint64_t host_start;        /* CLOCK_MONOTONIC ns at creation (host) */
    _Atomic uint64_t virt_ns;   /* current time (virtual) */
    _Atomic uint64_t stolen_ns; /* host time the guest did not see (host) */
    _Atomic uint64_t seen_ns;   /* the latest time xclock_ns() returned (host) */
    struct xclock_stats st;
    _Atomic int64_t epoch; /* wall-clock seconds at guest time 0 */
    struct xtimer *head;   /* armed timers, sorted by deadline */
    uint64_t run_seq;      /* incremented by each xclock_run_timers() */
};

static uint64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct xclock *xclock_create(enum clock_kind kind)
{
    if (kind != CLOCK_HOST && kind != CLOCK_VIRTUAL)
        return NULL;
    struct xclock *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->kind = kind;
    c->host_start = host_monotonic_ns();
    atomic_init(&c->virt_ns, 0);
    atomic_init(&c->stolen_ns, 0);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    atomic_init(&c->epoch, (int64_t)wall.tv_sec + (wall.tv_nsec >= 500000000L));
    return c;
}

void xclock_destroy(struct xclock *c)
{
    if (!c)
        return;
    for (struct xtimer *t = c->head, *n; t; t = n) {
        n = t->next;
        t->armed = false;
        t->next = NULL;
    }
    free(c);
}

enum clock_kind xclock_kind(const struct xclock *c)
{
    return c->kind;
}

uint64_t xclock_peek_ns(struct xclock *c)
{
    if (c->kind == CLOCK_VIRTUAL)
        return atomic_load_explicit(&c->virt_ns, memory_order_relaxed);
    uint64_t now = host_monotonic_ns() - atomic_load_explicit(&c->stolen_ns, memory_order_relaxed);
    return now > c->host_start ? now - c->host_start : 0;
}

/* Host clock: the first timer is due more than XCLOCK_STALL_NS ago and
 * the guest has not read the time for as long, so the vCPU thread was
 * stalled (descheduled by the host, or busy in the VMM).  The guest does not see that time pass: it is stolen back to the
 * deadline, or to the latest time the guest read if that is later (guest
 * time never goes backwards).  Returns the (new) current time. */
static uint64_t xclock_catch_stall(struct xclock *c, uint64_t now)
{
    if (c->kind != CLOCK_HOST || !c->head || now < c->head->deadline ||
        now - c->head->deadline <= XCLOCK_STALL_NS)
        return now;
    uint64_t resume = atomic_load_explicit(&c->seen_ns, memory_order_relaxed);
    if (now - resume <= XCLOCK_STALL_NS) /* the guest was reading the time */
        return now;
    if (resume < c->head->deadline)
        resume = c->head->deadline;
    if (now <= resume)
        return now;
    xclock_steal(c, now - resume);
    c->st.stalls++;
    c->st.stall_ns += now - resume;
    return resume;
}

uint64_t xclock_ns(struct xclock *c)
{
    uint64_t now = xclock_peek_ns(c);
    if (c->kind == CLOCK_HOST) {
        now = xclock_catch_stall(c, now);
        uint64_t seen = atomic_load_explicit(&c->seen_ns, memory_order_relaxed);
        while (now > seen &&
               !atomic_compare_exchange_weak_explicit(&c->seen_ns, &seen, now, memory_order_relaxed,
                                                      memory_order_relaxed))
            ;
    }
    return now;
}

bool xclock_seen_due(const struct xclock *c)
{
    return c->head && c->head->deadline <= atomic_load_explicit(&c->seen_ns, memory_order_relaxed);
}

const struct xclock_stats *xclock_stats(const struct xclock *c)
{
    return &c->st;
}

void xclock_steal(struct xclock *c, uint64_t ns)
{
    if (c->kind == CLOCK_HOST)
        atomic_fetch_add_explicit(&c->stolen_ns, ns, memory_order_relaxed);
}

int64_t xclock_epoch(const struct xclock *c)
{
    return atomic_load_explicit(&c->epoch, memory_order_relaxed);
}

void xclock_set_epoch(struct xclock *c, int64_t epoch_seconds)
{
    atomic_store_explicit(&c->epoch, epoch_seconds, memory_order_relaxed);
}

void xclock_advance(struct xclock *c, uint64_t ns)
{
    if (c->kind != CLOCK_VIRTUAL)
        return;
    /* Only the vCPU thread writes: a plain read-modify-write is enough, the
     * atomic store just makes concurrent readers see a whole value. */
    uint64_t now = atomic_load_explicit(&c->virt_ns, memory_order_relaxed);
    uint64_t next = now + ns < now ? UINT64_MAX : now + ns; /* saturate */
    atomic_store_explicit(&c->virt_ns, next, memory_order_relaxed);
}

/* ---- timers ---------------------------------------------------------------- */

struct xtimer *xtimer_create(struct xclock *c, xtimer_fn fn, void *opaque)
{
    if (!c || !fn)
        return NULL;
    struct xtimer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->clock = c;
    t->fn = fn;
    t->opaque = opaque;
    return t;
}

static void xtimer_unlink(struct xtimer *t)
{
    if (!t->armed)
        return;
    for (struct xtimer **pp = &t->clock->head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void xtimer_destroy(struct xtimer *t)
{
    if (!t)
        return;
    xtimer_unlink(t);
    free(t);
}

void xtimer_mod(struct xtimer *t, uint64_t deadline_ns)
{
    if (!t)
        return;
    xtimer_unlink(t);
    struct xtimer **pp = &t->clock->head;
    while (*pp && (*pp)->deadline <= deadline_ns) /* after equal ones */
        pp = &(*pp)->next;
    t->deadline = deadline_ns;
    t->next = *pp;
    *pp = t;
    t->armed = true;
}

void xtimer_del(struct xtimer *t)
{
    if (t)
        xtimer_unlink(t);
}

bool xtimer_pending(const struct xtimer *t)
{
    return t && t->armed;
}

int xclock_run_timers(struct xclock *c)
{
    uint64_t now = xclock_catch_stall(c, xclock_peek_ns(c));
    uint64_t seq = ++c->run_seq;
    int ran = 0;
    for (;;) {
        /* The first due timer that has not run in this call yet. */
        struct xtimer *t = c->head;
        while (t && t->deadline <= now && t->ran_in == seq)
            t = t->next;
        if (!t || t->deadline > now)
            break;
        xtimer_unlink(t);
        t->ran_in = seq;
        ran++;
        t->fn(t->opaque); /* may re-arm, delete or destroy timers */
    }
    return ran;
}

uint64_t xclock_next_deadline(const struct xclock *c)
{
    return c->head ? c->head->deadline : UINT64_MAX;
}
