/*
 * run_signals.c - SIGINT, SIGTERM and SIGHUP end `xbt run` as Ctrl-A x
 * does: the machine stops at the next unit boundary, --stats and
 * --stats-json are written, the disk image is closed and the terminal
 * restored; xbt says which signal it was and exits with
 * XBT_STATUS_SIGNAL.  The signals are blocked in every thread (the mask
 * is set before any thread starts) and one thread takes them with
 * sigwait, so no handler ever runs inside the VMM.  A second signal while
 * the run is ending is delivered with its default action (the console's
 * handler restores the terminal first): a guest that does not stop can
 * still be killed.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

static sigset_t g_set;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct machine *g_machine;      /* the running machine (g_lock), or NULL */
static volatile sig_atomic_t g_caught; /* the first signal, or 0 */

/* Delivers sig as if it had never been blocked (this thread only). */
static void die_by(int sig)
{
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
}

static void *waiter(void *arg)
{
    (void)arg;
    for (;;) {
        int sig;
        if (sigwait(&g_set, &sig))
            continue;
        if (g_caught) {
            die_by(sig);
            continue;
        }
        g_caught = sig;
        pthread_mutex_lock(&g_lock);
        if (g_machine)
            machine_request_stop(g_machine, STOP_SIGNAL, XBT_STATUS_SIGNAL);
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}

int run_signals_start(void)
{
    sigemptyset(&g_set);
    sigaddset(&g_set, SIGINT);
    sigaddset(&g_set, SIGTERM);
    sigaddset(&g_set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &g_set, NULL))
        return XBT_EIO;
    pthread_t t;
    if (pthread_create(&t, NULL, waiter, NULL))
        return XBT_ENOMEM;
    pthread_detach(t);
    return 0;
}

void run_signals_watch(struct machine *m)
{
    pthread_mutex_lock(&g_lock);
    g_machine = m;
    if (m && g_caught)
        machine_request_stop(m, STOP_SIGNAL, XBT_STATUS_SIGNAL);
    pthread_mutex_unlock(&g_lock);
}

int run_signals_caught(void)
{
    return g_caught;
}

void run_signals_report(void)
{
    if (g_caught)
        fprintf(stderr, "xbt: terminating on signal %d (%s)\n", (int)g_caught, strsignal(g_caught));
}
