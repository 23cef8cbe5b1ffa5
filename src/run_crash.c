/*
 * run_crash.c - the safety net: a host signal that is not a guest event (a
 * bug in xbt or in its translations, or a signal sent from outside) ends
 * the run with a report instead of a silent death: the signal and where
 * the host was, the guest's CS:EIP and mode, the unit it was in (its guest
 * instructions by Capstone and its host code, the faulting ones marked)
 * or the host backtrace in xbt's own code, and the statistics; then the
 * terminal is restored (exit's handlers) and xbt exits with status 2.
 * Reporting from a signal handler is not async-signal-safe: a watchdog
 * alarm ends the process with status 2 if the report itself hangs.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bt.h"
#include "cpu.h"
#include "machine.h"
#include "stats.h"
#include "run_int.h"

/* Tunable: seconds the report may take before the watchdog ends the
 * process.  Policy: 10, far longer than a report (milliseconds), short
 * enough that a deadlocked one does not look like a hang. */
#define CRASH_WATCHDOG_S 10

static void watchdog(int sig)
{
    (void)sig;
    _exit(XBT_STATUS_ERROR);
}

static void where_in_code(struct machine *m, uintptr_t rip)
{
    struct unit *unit = tc_find_by_host(&m->tc, rip);
    if (unit) {
        fprintf(stderr, "xbt: in translated code, guest EIP %#010x\n",
                unit_guest_eip_at(unit, rip));
        bt_dump_unit(stderr, &m->mmu, unit, rip);
        return;
    }
    fprintf(stderr, "xbt: in xbt's own code; host backtrace:\n");
    void *frames[32];
    int n = backtrace(frames, 32);
    backtrace_symbols_fd(frames, n, STDERR_FILENO);
}

void run_crash_report(struct machine *m, int sig, const siginfo_t *si, uintptr_t rip)
{
    signal(SIGALRM, watchdog);
    alarm(CRASH_WATCHDOG_S);
    fprintf(stderr, "xbt: internal error: signal %d (%s, code %d, address %p) at host %#lx\n", sig,
            strsignal(sig), si->si_code, si->si_addr, (unsigned long)rip);
    if (si->si_code <= 0)
        fprintf(stderr, "xbt: the signal came from outside (process %d)\n", (int)si->si_pid);
    if (m && m->cpu) {
        const struct vcpu *cpu = m->cpu;
        fprintf(stderr,
                "xbt: guest CS:EIP %04x:%08x (at the last unit boundary), CPL %u, CR0 %#x\n",
                cpu->seg[S_CS].sel, cpu->eip, cpu->cpl, cpu->cr0);
        where_in_code(m, rip);
        stats_print_text(m, stderr);
    }
    fflush(stderr);
    exit(XBT_STATUS_ERROR);
}
