/*
 * native_host.c - can this host run the native twins (static i386 Linux
 * programs)?  Decided once per `xbt bench` by running the probe
 * GUESTS/native/i386_probe (guests/probe/i386_probe.S: write a line, exit
 * 0, no libc), never by interpreting the failures of the twins
 * themselves.  Kernels built without IA32 emulation, or booted with
 * ia32_emulation=0, refuse it with ENOEXEC.  The test harness asks the
 * same question through `xbt bench --check-native` (tests/guest/
 * run_guest.sh), so both take the same decision for the same reason.
 * XBT_NO_NATIVE (anything but "" or "0") forces "no" without a probe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_int.h"

#define PROBE_NAME "i386_probe"
#define PROBE_OUTPUT "xbt-i386-probe ok\n"
#define PROBE_TIMEOUT_S 10.0

bool bench_native_forced_off(void)
{
    const char *v = getenv("XBT_NO_NATIVE");
    return v && *v && strcmp(v, "0");
}

/* The reason a probe run says no (malloc'd), or NULL for yes. */
static char *verdict(const char *probe, const struct bench_proc *p)
{
    if (p->exec_errno == ENOEXEC)
        return bench_printf("this host's kernel cannot execute i386 programs (running the "
                            "static i386 probe: %s): it has no IA32 emulation, or was booted "
                            "with ia32_emulation=0",
                            strerror(ENOEXEC));
    if (p->exec_errno)
        return bench_printf("cannot execute the i386 probe %s: %s", probe, strerror(p->exec_errno));
    if (p->timed_out)
        return bench_printf("the static i386 probe did not finish in %.0f s", PROBE_TIMEOUT_S);
    if (p->status > 128)
        return bench_printf("the static i386 probe was killed by signal %d (%s): this host "
                            "does not run i386 programs",
                            p->status - 128, strsignal(p->status - 128));
    if (p->status || strcmp(p->out, PROBE_OUTPUT))
        return bench_printf("the static i386 probe exited with status %d and printed '%.40s' "
                            "instead of '%.*s': this host does not run i386 programs",
                            p->status, p->out, (int)strlen(PROBE_OUTPUT) - 1, PROBE_OUTPUT);
    return NULL;
}

char *bench_native_check(const char *native_dir)
{
    if (bench_native_forced_off())
        return bench_printf("XBT_NO_NATIVE=%s is set (the no-native path is forced)",
                            getenv("XBT_NO_NATIVE"));
    char *probe = bench_printf("%s/%s", native_dir, PROBE_NAME);
    char *why = NULL;
    if (access(probe, X_OK)) {
        why = bench_printf("the i386 probe %s is not built (the compiler cannot build -m32 "
                           "programs: install gcc-multilib)",
                           probe);
    } else {
        char *argv[] = { probe, NULL };
        struct bench_proc p;
        if (bench_run_process(argv, PROBE_TIMEOUT_S, &p))
            why = bench_printf("cannot run the i386 probe %s: %s", probe, strerror(errno));
        else
            why = verdict(probe, &p);
        bench_proc_free(&p);
    }
    free(probe);
    return why;
}
