/*
 * clock.h - guest time and timers.  Devices (PIT, RTC, UART timing) read
 * time and arm timers only through this interface, so the machine can run
 * on host time (interactive) or on a virtual clock that advances with the
 * guest work executed (deterministic runs for tests and experiments).
 *
 * Timers are serviced by the vCPU thread: at unit boundaries and while the
 * vCPU is halted (it sleeps until the next deadline).  Callbacks run on the
 * vCPU thread with no xbt lock held.
 */
#ifndef XBT_CLOCK_H
#define XBT_CLOCK_H

#include "xbt.h"

enum clock_kind {
    CLOCK_HOST = 0,    /* CLOCK_MONOTONIC since the machine started */
    CLOCK_VIRTUAL = 1, /* advances with executed guest work (see machine) */
};

struct xclock;
struct xtimer;

typedef void (*xtimer_fn)(void *opaque);

struct xclock *xclock_create(enum clock_kind kind);
void xclock_destroy(struct xclock *c);
enum clock_kind xclock_kind(const struct xclock *c);

/* Guest time in nanoseconds since the machine started (host clock: minus
 * the time stolen, xclock_steal, and the stalls, clock.c), as the guest
 * sees it: never less than any value returned before.  vCPU thread. */
uint64_t xclock_ns(struct xclock *c);
/* The same for the VMM's own use (sleeps, alarms): not taken as seen by
 * the guest, so a stall may still be stolen back behind it.  Any thread. */
uint64_t xclock_peek_ns(struct xclock *c);
/* Host clock: has the guest already read a time at or past the earliest
 * timer deadline (no clock read: cheap enough for every port access)?
 * vCPU thread. */
bool xclock_seen_due(const struct xclock *c);
/* Wall-clock time (host, seconds since the epoch) at guest time 0; the RTC
 * adds xclock_ns() to it, so in virtual mode the RTC is deterministic for a
 * fixed --rtc-base. */
int64_t xclock_epoch(const struct xclock *c);
void xclock_set_epoch(struct xclock *c, int64_t epoch_seconds);

/* Tunable: virtual-clock speed, nanoseconds of guest time per guest
 * instruction executed.  Policy: 1 ns (a 1 GHz, 1 IPC machine), so timer
 * rates programmed by guests give realistic amounts of work per tick. */
#define XCLOCK_VIRTUAL_NS_PER_INSN 1

/* Tunable: virtual-clock cost of a port I/O instruction (IN, OUT), ns.
 * Policy: an ISA bus cycle on a real PC, about 1 us, so a loop that polls
 * a port for a deadline (SeaBIOS waits for the PIT's OUT2 on port 0x61)
 * sees time pass as on hardware instead of spinning for ~10^6 iterations
 * of 1 ns each. */
#define XCLOCK_VIRTUAL_IO_NS 1000

/* Virtual clock only: advance time by ns (called by the machine). */
void xclock_advance(struct xclock *c, uint64_t ns);
/* Host clock only: ns of host time the guest must not see pass (the VMM
 * translating code): guest time stops for them, as for a paused machine,
 * so VMM work never shows in the guest's measurements (its TSC and PIT
 * agree, calibration loops see no hiccups).  Any thread. */
void xclock_steal(struct xclock *c, uint64_t ns);

/* Tunable: a timer found overdue by more than this on the host clock
 * means the vCPU thread was stalled, and the stall is stolen from guest
 * time (see clock.c).  Policy: 1 ms, far above the ticker's wake-up
 * latency (tens of microseconds) and below the shortest period Linux
 * programs for its tick (1 ms at HZ=1000), so no periodic interrupt is
 * coalesced away by a stall. */
#define XCLOCK_STALL_NS 1000000ull

struct xclock_stats {
    uint64_t stalls;   /* stalls stolen from guest time */
    uint64_t stall_ns; /* their total length */
};
const struct xclock_stats *xclock_stats(const struct xclock *c);

struct xtimer *xtimer_create(struct xclock *c, xtimer_fn fn, void *opaque);
void xtimer_destroy(struct xtimer *t);
/* Arms (or re-arms) the timer to fire once at guest time deadline_ns. */
void xtimer_mod(struct xtimer *t, uint64_t deadline_ns);
void xtimer_del(struct xtimer *t);
bool xtimer_pending(const struct xtimer *t);

/* Runs the callbacks of all expired timers (vCPU thread).  Returns the
 * number run. */
int xclock_run_timers(struct xclock *c);
/* Earliest armed deadline, or UINT64_MAX. */
uint64_t xclock_next_deadline(const struct xclock *c);

#endif
