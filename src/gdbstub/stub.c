/*
 * stub.c - the stub's life and its unit-boundary hook: opening and
 * closing, attaching machines, deciding at each boundary whether the
 * guest stops for gdb (a new connection, ^C, a breakpoint, the end of a
 * step), and serving gdb's commands while it is stopped.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "vcpu.h"
#include "gdbstub/gdbstub_int.h"

/* Tunable: how many times a step is retried when the unit left before
 * its instruction ran (an exit request raced with the entry: nothing
 * changed).  Policy: a few; a `jmp $` changes nothing either and must
 * still stop. */
#define STEP_RETRIES 3
/* Tunable: how often -S's wait for gdb looks whether the run is ending,
 * ns.  Policy: a tenth of a second, unnoticeable after Ctrl-A x. */
#define WAIT_POLL_NS 100000000L

int gdbstub_parse_spec(const char *spec, char *host, size_t hostlen, unsigned *port, char *err,
                       size_t errlen)
{
    const char *usage = "expected tcp::PORT or tcp:HOST:PORT";
    if (strncmp(spec, "tcp:", 4) != 0) {
        snprintf(err, errlen, "--gdb %s: %s", spec, usage);
        return XBT_EINVAL;
    }
    const char *h = spec + 4, *colon = strrchr(h, ':');
    if (!colon || (size_t)(colon - h) >= hostlen) {
        snprintf(err, errlen, "--gdb %s: %s", spec, usage);
        return XBT_EINVAL;
    }
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || p == 0 || p > 65535) {
        snprintf(err, errlen, "--gdb %s: the port must be 1..65535", spec);
        return XBT_EINVAL;
    }
    if (colon == h)
        snprintf(host, hostlen, "127.0.0.1");
    else
        snprintf(host, hostlen, "%.*s", (int)(colon - h), h);
    *port = (unsigned)p;
    return 0;
}

int gdbstub_open(struct gdbstub **out, const char *spec, bool wait, char *err, size_t errlen)
{
    char host[64];
    unsigned port;
    int rc = gdbstub_parse_spec(spec, host, sizeof(host), &port, err, errlen);
    if (rc)
        return rc;
    struct gdbstub *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "--gdb: out of memory");
        return XBT_ENOMEM;
    }
    g->fd = -1;
    g->stop_watch = -1;
    g->listen_fd = -1;
    g->wait_first = wait;
    g->last_sig = SIGTRAP;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    rc = gdb_conn_start(g, host, port, err, errlen);
    if (rc) {
        gdbstub_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

void gdbstub_close(struct gdbstub *g)
{
    if (!g)
        return;
    gdb_conn_stop(g);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
    free(g);
}

void gdbstub_attach(struct gdbstub *g, const struct gdb_target *t)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->have_target = t != NULL;
    g->target = t ? *t : (struct gdb_target){ 0 };
    pthread_mutex_unlock(&g->lock);
}

bool gdbstub_onestep(const struct gdbstub *g)
{
    return g && (g->stepping || g->nbps > 0);
}

bool gdbstub_wants_stop(const struct gdbstub *g)
{
    return g && (atomic_load(&g->stop_req) || atomic_load(&g->interrupt));
}

const struct gdbstub_stats *gdbstub_stats(const struct gdbstub *g)
{
    return &g->st;
}

static uint32_t linear_eip(const struct vcpu *cpu)
{
    return cpu->seg[S_CS].base + cpu->eip;
}

static bool breakpoint_at(const struct gdbstub *g, uint32_t lin)
{
    for (int i = 0; i < g->nbps; i++)
        if (g->bps[i].addr == lin)
            return true;
    return false;
}

/* A step is over when the vCPU's state moved (or after the retries). */
static bool step_done(struct gdbstub *g, const struct vcpu *cpu)
{
    if (cpu->eip != g->step_eip || cpu->eflags != g->step_eflags ||
        memcmp(cpu->regs, g->step_regs, sizeof(g->step_regs)) != 0)
        return true;
    return ++g->step_tries > STEP_RETRIES;
}

/* The signal to stop with at this boundary, or 0. */
static int stop_sig(struct gdbstub *g, struct vcpu *cpu)
{
    g->stop_watch = -1;
    if (g->wait_first) {
        g->wait_first = false;
        return SIGTRAP;
    }
    if (atomic_exchange(&g->stop_req, false))
        return SIGTRAP;
    if (atomic_exchange(&g->interrupt, false)) {
        g->st.interrupts++;
        return SIGINT;
    }
    if (cpu->ext_stop) { /* a watchpoint: after the instruction that hit it */
        g->stop_watch = __builtin_ctz(cpu->ext_stop);
        cpu->ext_stop = 0;
        g->stepping = false;
        g->st.watch_hits++;
        return SIGTRAP;
    }
    if (g->stepping) {
        if (!step_done(g, cpu))
            return 0;
        g->stepping = false;
        g->st.steps++;
        return SIGTRAP;
    }
    if (g->nbps && breakpoint_at(g, linear_eip(cpu))) {
        if (g->skip_bp && cpu->eip == g->step_eip) {
            g->skip_bp = false;
            return 0;
        }
        g->st.breakpoint_hits++;
        return SIGTRAP;
    }
    g->skip_bp = false;
    return 0;
}

static bool run_ending(const struct gdbstub *g)
{
    return g->target.stopping && g->target.stopping(g->target.opaque);
}

/* Until gdb is connected (-S before it came), unless the run ends. */
static bool wait_client(struct gdbstub *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->fd < 0 && !atomic_load(&g->quit) && !run_ending(g)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WAIT_POLL_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    }
    bool ok = g->fd >= 0;
    if (ok)
        g->state = GDB_STOPPED;
    pthread_mutex_unlock(&g->lock);
    atomic_store(&g->stop_req, false); /* this is the connection's stop */
    return ok;
}

static void set_running(struct gdbstub *g)
{
    pthread_mutex_lock(&g->lock);
    if (g->fd >= 0)
        g->state = GDB_RUNNING;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

/* gdb is gone: its watchpoints leave the vCPU (if there still is one: the
 * run may be over and the machine freed). */
static void forget_watches(struct gdbstub *g)
{
    for (unsigned k = 0; k < 4 && g->have_target && g->target.cpu; k++)
        if (g->target.cpu->ext_watch[k].len)
            dbg_ext_watch_set(g->target.cpu, k, 0, 0, 0);
}

static void drop(struct gdbstub *g)
{
    pthread_mutex_lock(&g->lock);
    gdb_drop_client(g);
    pthread_mutex_unlock(&g->lock);
    atomic_store(&g->dropped, false);
    g->nbps = 0;
    g->stepping = false;
    forget_watches(g);
}

/* Serves gdb until it resumes the guest. */
static enum gdb_action serve(struct gdbstub *g, int sig, bool report)
{
    struct vcpu *cpu = g->target.cpu;
    g->st.stops++;
    g->last_sig = sig;
    if (report) {
        gdb_stop_reply(g, sig);
        if (gdb_send(g, g->reply) < 0) {
            drop(g);
            return GDB_RUN;
        }
    }
    for (;;) {
        if (gdb_recv(g) < 0) {
            drop(g); /* gdb went away: the guest runs on */
            return GDB_RUN;
        }
        enum gdb_cmd_result r = gdb_command(g);
        if (r == GDB_CMD_KILL) {
            drop(g);
            return GDB_KILL;
        }
        if (r == GDB_CMD_DETACH) {
            gdb_send(g, "OK");
            drop(g);
            return GDB_RUN;
        }
        if (r == GDB_CMD_CONTINUE) {
            g->step_eip = cpu->eip;
            g->step_eflags = cpu->eflags;
            memcpy(g->step_regs, cpu->regs, sizeof(g->step_regs));
            g->step_tries = 0;
            g->skip_bp = !g->stepping;
            set_running(g);
            return GDB_RUN;
        }
        if (gdb_send(g, g->reply) < 0) {
            drop(g);
            return GDB_RUN;
        }
        if (g->no_ack_next) {
            g->no_ack = true;
            g->no_ack_next = false;
        }
    }
}

enum gdb_action gdbstub_check(struct gdbstub *g)
{
    if (!g)
        return GDB_RUN;
    if (!g->have_target)
        return GDB_RUN;
    if (atomic_exchange(&g->dropped, false)) {
        g->nbps = 0;
        g->stepping = false;
        forget_watches(g);
    }
    bool connect = atomic_load(&g->stop_req) || g->wait_first;
    int sig = stop_sig(g, g->target.cpu);
    if (!sig)
        return GDB_RUN;
    if (!wait_client(g))
        return GDB_RUN;
    pthread_mutex_lock(&g->lock);
    g->state = GDB_STOPPED;
    pthread_mutex_unlock(&g->lock);
    return serve(g, sig, !connect);
}

void gdbstub_exited(struct gdbstub *g, int status)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    bool connected = g->fd >= 0;
    if (connected)
        g->state = GDB_STOPPED;
    pthread_mutex_unlock(&g->lock);
    if (!connected)
        return;
    char w[8];
    snprintf(w, sizeof(w), "W%02x", status & 0xFF);
    gdb_send(g, w);
    drop(g);
}
