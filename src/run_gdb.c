/*
 * run_gdb.c - the run loop's side of the gdb stub (src/gdbstub/,
 * docs/gdb.md): the machine it debugs, the boundary hook, and the
 * single-instruction units that make breakpoints and steps exact under
 * translation.
 */
#include "cpu.h"
#include "gdbstub.h"
#include "machine.h"
#include "run_int.h"

/* From the stub's thread: ^C or a new connection. */
static void gdb_kick(void *opaque)
{
    machine_kick(opaque);
}

/* The run is ending (Ctrl-A x while -S waits for gdb). */
static bool gdb_stopping(void *opaque)
{
    struct machine *m = opaque;
    return atomic_load(&m->stop_reason) != STOP_NONE;
}

void run_gdb_attach(struct machine *m)
{
    struct gdb_target t = {
        .cpu = m->cpu, .mmu = &m->mmu, .kick = gdb_kick, .stopping = gdb_stopping, .opaque = m
    };
    gdbstub_attach(m->cfg.gdb, &t);
}

void run_gdb_detach(struct machine *m)
{
    gdbstub_attach(m->cfg.gdb, NULL);
}

bool run_gdb_check(struct machine *m, bool *onestep)
{
    struct gdbstub *g = m->cfg.gdb;
    if (gdbstub_check(g) == GDB_KILL) {
        machine_request_stop(m, STOP_USER, XBT_STATUS_USER);
        return false;
    }
    *onestep = gdbstub_onestep(g);
    if (*onestep) {
        /* Breakpoints and steps are checked before every instruction:
         * one-instruction units, never chained.  Units made before may
         * be chained (an interrupt shadow's): dropped when this starts. */
        if (!m->gdb_onestep_clean)
            tc_flush(&m->tc);
        m->gdb_onestep_clean = true;
        m->cpu->chain_info = 0;
    } else {
        m->gdb_onestep_clean = false;
    }
    return true;
}
