/*
 * run_int.h - the parts of the run loop (run.c) in files of their own:
 * host signals while translated code runs (run_faults.c), HLT (halt.c)
 * and the gdb stub's hooks (run_gdb.c).  Private to the top of src/.
 */
#ifndef XBT_RUN_INT_H
#define XBT_RUN_INT_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

#include "machine.h"

/* Routes SIGFPE/SIGSEGV/SIGBUS of the vCPU thread to m: a guest fault
 * resumes the loop by siglongjmp(*jb, 1). */
void run_faults_install(struct machine *m, sigjmp_buf *jb);
/* No loop to resume any more (faults are then fatal). */
void run_faults_remove(void);

/* The safety net (run_crash.c): reports an unexpected host signal (m may
 * be NULL: another thread, or before the run) and exits with status 2. */
void run_crash_report(struct machine *m, int sig, const siginfo_t *si, uintptr_t rip)
    __attribute__((noreturn));

/* HLT: with IF = 0 nothing can wake the CPU (the run stops); otherwise
 * sleep (host clock) or skip time (virtual clock) until an interrupt is
 * pending or the run must stop. */
void run_halt(struct machine *m);

/* The gdb stub (run_gdb.c; m->cfg.gdb, NULL without --gdb): attaches the
 * machine for the run and lets it go after; at each unit boundary, after
 * event delivery, run_gdb_check serves gdb if the guest stops for it
 * (false: gdb killed the guest, the run stops) and tells whether the
 * next unit must be a single unchained instruction. */
void run_gdb_attach(struct machine *m);
void run_gdb_detach(struct machine *m);
bool run_gdb_check(struct machine *m, bool *onestep);

#endif
