/*
 * halt.c - HLT: the vCPU sleeps until an interrupt can wake it.  With
 * IF = 0 nothing can, and the run stops (status 4).  On the host clock
 * the thread waits on the machine's wake condition (devices signal it
 * through their lines) until the next timer deadline; on the virtual
 * clock guest time jumps to the next deadline at once.
 */
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "cpu.h"
#include "gdbstub.h"
#include "machine.h"
#include "profile.h"
#include "run_int.h"

/* Tunable: longest host sleep in HLT without a timer deadline, ns.
 * Policy: a tenth of a second, so a lost wake-up costs little. */
#define HALT_MAX_WAIT_NS 100000000ull

/* Sleeps on m->wake until dl (guest ns) at most, unless already woken. */
static void wait_host(struct machine *m, uint64_t dl, uint64_t now)
{
    pthread_mutex_lock(&m->lock);
    if (!atomic_load(&m->kick) && !atomic_load(&m->stop_reason) && !intr_pending(&m->cpu->intr)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t wait = dl == UINT64_MAX ? HALT_MAX_WAIT_NS : (dl > now ? dl - now : 0);
        if (wait > HALT_MAX_WAIT_NS)
            wait = HALT_MAX_WAIT_NS;
        uint64_t ns = (uint64_t)ts.tv_nsec + wait;
        ts.tv_sec += (time_t)(ns / 1000000000ull);
        ts.tv_nsec = (long)(ns % 1000000000ull);
        pthread_cond_timedwait(&m->wake, &m->lock, &ts);
    }
    atomic_store(&m->kick, 0);
    pthread_mutex_unlock(&m->lock);
}

void run_halt(struct machine *m)
{
    struct vcpu *cpu = m->cpu;
    m->run_st.halts++;
    if (!(cpu->eflags & EFL_IF)) {
        fprintf(stderr, "xbt: guest halted with interrupts disabled at EIP=%#010x\n", cpu->eip);
        machine_request_stop(m, STOP_HALTED, XBT_STATUS_HALTED);
        return;
    }
    bool virt = xclock_kind(m->clock) == CLOCK_VIRTUAL;
    profile_idle(m->profile, true);
    for (;;) {
        xclock_run_timers(m->clock);
        if (intr_pending(&m->cpu->intr) || atomic_load(&m->stop_reason) ||
            gdbstub_wants_stop(m->cfg.gdb)) {
            profile_idle(m->profile, false);
            return;
        }
        uint64_t dl = xclock_next_deadline(m->clock);
        uint64_t now = xclock_peek_ns(m->clock);
        if (virt && dl != UINT64_MAX) {
            if (dl > now)
                xclock_advance(m->clock, dl - now);
            continue;
        }
        wait_host(m, dl, now);
    }
}
