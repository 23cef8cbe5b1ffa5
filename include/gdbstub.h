/*
 * gdbstub.h - a GDB remote-serial-protocol stub for the guest (xbt run -s,
 * -S, --gdb tcp:[HOST]:PORT), with QEMU's meanings: gdb connects over
 * TCP and debugs the guest as one i386 thread (docs/gdb.md).
 *
 * Contract: gdbstub_open() binds and listens (one error line in err and a
 * negative code for a bad spec or a port in use) and starts the stub's
 * thread, which accepts gdb and, while the guest runs, watches the socket
 * for ^C.  The stub outlives machines (--reboot): the board attaches each
 * machine (gdbstub_attach) and calls gdbstub_check() at every unit
 * boundary on the vCPU thread, after pending events were delivered; when
 * gdb wants the guest stopped there (a connection, ^C, a breakpoint at
 * CS.base+EIP, the end of a step) it serves gdb's commands right there
 * until gdb resumes, detaches or kills.  While gdbstub_onestep() is true
 * the board must run single-instruction units (MODE_ONESTEP) and never
 * chain them, so every instruction boundary passes through
 * gdbstub_check().  Breakpoints live in the stub, not in guest memory.
 * Every function accepts g == NULL (no stub: nothing to do).
 */
#ifndef XBT_GDBSTUB_H
#define XBT_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gdbstub;
struct vcpu;
struct mmu;

/* What the stub debugs: one machine's vCPU and memory, how to make the
 * vCPU leave translated code soon (any thread), and whether the run is
 * ending anyway (Ctrl-A x while -S waits for gdb). */
struct gdb_target {
    struct vcpu *cpu;
    struct mmu *mmu;
    void (*kick)(void *opaque);
    bool (*stopping)(void *opaque);
    void *opaque;
};

/* What gdbstub_check() tells the run loop. */
enum gdb_action {
    GDB_RUN = 0, /* run on */
    GDB_KILL,    /* gdb killed the guest: end the run */
};

/* What --stats prints under "gdb". */
struct gdbstub_stats {
    uint64_t connections;
    uint64_t stops;   /* times the guest stopped for gdb */
    uint64_t packets; /* packets received */
    uint64_t bad_checksums;
    uint64_t breakpoint_hits;
    uint64_t watch_hits; /* watchpoint stops (Z2-Z4) */
    uint64_t steps;      /* single steps done */
    uint64_t interrupts; /* ^C */
    uint64_t mem_bytes_read, mem_bytes_written;
};

/* "tcp::PORT" or "tcp:HOST:PORT" (HOST default 127.0.0.1).  0, or a
 * negative code with one line in err. */
int gdbstub_parse_spec(const char *spec, char *host, size_t hostlen, unsigned *port, char *err,
                       size_t errlen);
/* Listens on spec; with wait, the guest's first instruction waits for gdb
 * (-S). */
int gdbstub_open(struct gdbstub **out, const char *spec, bool wait, char *err, size_t errlen);
void gdbstub_close(struct gdbstub *g);
/* The machine being debugged (NULL when it is destroyed). */
void gdbstub_attach(struct gdbstub *g, const struct gdb_target *t);
/* The unit boundary hook (vCPU thread); may block serving gdb. */
enum gdb_action gdbstub_check(struct gdbstub *g);
/* Single-instruction units are needed (breakpoints set, or a step). */
bool gdbstub_onestep(const struct gdbstub *g);
/* gdb asked for a stop (a halted vCPU must return to the loop). */
bool gdbstub_wants_stop(const struct gdbstub *g);
/* The guest ended with status: gdb is told (W packet) and let go. */
void gdbstub_exited(struct gdbstub *g, int status);
const struct gdbstub_stats *gdbstub_stats(const struct gdbstub *g);

#endif
