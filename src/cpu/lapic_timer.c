/*
 * lapic_timer.c - the local APIC timer (Intel SDM Vol. 3A 10.5.4): a
 * 32-bit count down from the initial-count register, one tick per bus
 * clock divided by the divide configuration (1..128); at zero it raises
 * the LVT timer vector (unless masked), and then stays at zero (one-shot)
 * or reloads the initial count (periodic).  A P6 has no TSC-deadline mode.
 *
 * No per-tick work: the state is "at guest time t0 the count was c0", and
 * an xtimer is armed at the next zero crossing (next = t0 + c0 ticks)
 * while the count runs and the entry is unmasked.  Every register access
 * first catches up with the crossings that are due (the callback may not
 * have run yet: timers run at unit boundaries, MMIO comes mid-unit):
 * each is delivered once, several missed periods coalescing into one
 * interrupt (the IRR holds one anyway), so a stalled host never storms.
 * Masked crossings are lost, as on hardware.  Writing the initial count
 * restarts the count from it (0 stops the timer); changing the mode or
 * the divisor mid-count continues from the current count (a one-shot
 * count that reached zero stays there when the mode becomes periodic;
 * KVM unit tests' apic "change mode" test probes exactly this).
 *
 * Time comes from the CPU's clock (clock.h): on the virtual clock the
 * counts are exact and deterministic.  The current-count register is
 * computed when read.
 */
#include "clock.h"
#include "lapic_int.h"

/* Tunable: the timer's input clock, ns per bus-clock tick before the
 * divider.  Policy: 10 ns, a P6's 100 MHz front-side bus (QEMU counts at
 * 1 GHz); kernels calibrate it against the PIT. */
#define LAPIC_BUS_NS 10u

static uint64_t now_ns(struct lapic *l)
{
    return xclock_ns(l->cfg.clock);
}

/* ns per count for a divide configuration: bits 3,1,0 = 111 is /1, else
 * 2^(value + 1). */
static uint64_t tick_for(uint32_t tdcr)
{
    unsigned v = (tdcr & 3) | ((tdcr >> 1) & 4);
    return (uint64_t)LAPIC_BUS_NS << ((v + 1) & 7);
}

static bool periodic(const struct lapic *l)
{
    return (l->lvt[LVT_TIMER] & LVT_PERIODIC) != 0;
}

static uint64_t next_zero(const struct lapic *l)
{
    return l->t0 + (uint64_t)l->c0 * l->tick_ns;
}

/* Delivers the crossings due by now; afterwards, if the count runs, now
 * is before its next zero. */
static void catch_up(struct lapic *l, uint64_t now, struct lapic_after *a)
{
    if (!l->running || now < next_zero(l))
        return;
    l->st.timer_fires++;
    lapic_raise_lvt_locked(l, LVT_TIMER, a);
    if (!periodic(l) || l->initial == 0) {
        l->running = false;
        return;
    }
    uint64_t period = (uint64_t)l->initial * l->tick_ns;
    uint64_t last = next_zero(l) + (now - next_zero(l)) / period * period;
    l->t0 = last; /* the last crossing: the count reloaded there */
    l->c0 = l->initial;
}

/* Arms the xtimer at the next crossing if one can raise an interrupt. */
static void rearm(struct lapic *l)
{
    if (l->running && !(l->lvt[LVT_TIMER] & LVT_MASKED))
        xtimer_mod(l->timer, next_zero(l));
    else
        xtimer_del(l->timer);
}

static void on_timer(void *opaque)
{
    struct lapic *l = opaque;
    struct lapic_after a = { .eoi_vector = -1 };
    pthread_mutex_lock(&l->lock);
    catch_up(l, now_ns(l), &a);
    rearm(l);
    pthread_mutex_unlock(&l->lock);
    lapic_finish(l, &a);
}

int lapic_timer_init(struct lapic *l)
{
    l->timer = xtimer_create(l->cfg.clock, on_timer, l);
    return l->timer ? 0 : XBT_ENOMEM;
}

void lapic_timer_destroy(struct lapic *l)
{
    if (l->timer)
        xtimer_destroy(l->timer);
}

uint32_t lapic_timer_count_locked(struct lapic *l, struct lapic_after *a)
{
    uint64_t now = now_ns(l);
    catch_up(l, now, a);
    rearm(l);
    if (!l->running)
        return 0;
    return l->c0 - (uint32_t)((now - l->t0) / l->tick_ns);
}

void lapic_timer_set_initial_locked(struct lapic *l, uint32_t v, struct lapic_after *a)
{
    uint64_t now = now_ns(l);
    catch_up(l, now, a);
    l->initial = v;
    l->running = v != 0;
    l->t0 = now;
    l->c0 = v;
    rearm(l);
}

void lapic_timer_set_divide_locked(struct lapic *l, uint32_t v, struct lapic_after *a)
{
    uint32_t c = lapic_timer_count_locked(l, a);
    l->tdcr = v;
    l->tick_ns = tick_for(v);
    l->t0 = now_ns(l);
    l->c0 = c;
    rearm(l);
}

void lapic_timer_set_lvt_locked(struct lapic *l, uint32_t v, struct lapic_after *a)
{
    catch_up(l, now_ns(l), a); /* crossings so far, in the old mode */
    l->lvt[LVT_TIMER] = v;
    rearm(l);
}

void lapic_timer_reset_locked(struct lapic *l)
{
    l->initial = l->c0 = l->tdcr = 0;
    l->tick_ns = tick_for(0);
    l->running = false;
    if (l->timer)
        xtimer_del(l->timer);
}
