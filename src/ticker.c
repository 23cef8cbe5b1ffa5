/*
 * ticker.c - the host-clock alarm.  Timers are serviced by the vCPU thread
 * at unit boundaries, but a guest spinning in chained translated code never
 * reaches one on its own: this thread sleeps until the earliest timer
 * deadline the vCPU published and then raises exit_request, so translated
 * code leaves at its next unit entry and the dispatcher runs the timers.
 * Not used with the virtual clock (there, an instruction budget does it).
 *
 * A deadline fires once: the thread then forgets it, and the vCPU, seeing
 * that (ticker_deadline), publishes its next deadline again - even the same
 * one, which it must when the timer was not due after all when it looked
 * (time stolen for a translation between the two looks moves it back).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "machine.h"
#include "ticker.h"
#include "vcpu.h"

struct ticker {
    struct machine *m;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic uint64_t deadline; /* guest ns, UINT64_MAX when none (or fired) */
    bool stop;
};

static void *ticker_main(void *arg)
{
    struct ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        if (t->deadline == UINT64_MAX) {
            pthread_cond_wait(&t->cv, &t->mu);
            continue;
        }
        uint64_t now = xclock_peek_ns(t->m->clock);
        if (now >= t->deadline) {
            t->deadline = UINT64_MAX; /* until the vCPU publishes the next one */
            __atomic_store_n(&t->m->cpu->exit_request, 1, __ATOMIC_SEQ_CST);
            machine_kick(t->m);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t wake =
            (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (t->deadline - now);
        ts.tv_sec = (time_t)(wake / 1000000000ull);
        ts.tv_nsec = (long)(wake % 1000000000ull);
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

struct ticker *ticker_start(struct machine *m)
{
    struct ticker *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->m = m;
    t->deadline = UINT64_MAX;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->mu, NULL);
    if (pthread_create(&t->th, NULL, ticker_main, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void ticker_set(struct ticker *t, uint64_t deadline)
{
    pthread_mutex_lock(&t->mu);
    t->deadline = deadline;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

uint64_t ticker_deadline(const struct ticker *t)
{
    return atomic_load_explicit(&t->deadline, memory_order_relaxed);
}

void ticker_stop(struct ticker *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->th, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
