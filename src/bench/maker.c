/*
 * maker.c - the guest makers of `xbt bench` (GUESTS/linux/make-guest.sh,
 * GUESTS/disk/make-images.sh): a script that makes (or finds up to date) a
 * directory of guest material and prints it on its last line.  What a
 * failure says is its last stderr line, or the status or timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_int.h"

bool bench_dir_has(const char *dir, const char *file)
{
    char *f = bench_printf("%s/%s", dir, file);
    bool ok = !access(f, R_OK);
    free(f);
    return ok;
}

/* The maker's outcome: NULL and *dir set, or why not (malloc'd). */
static char *result(const struct bench *b, const struct bench_maker *m, const struct bench_proc *p,
                    char **dir)
{
    char *d = bench_last_line(p->out);
    if (!p->status && m->complete(b, d)) {
        *dir = d;
        return NULL;
    }
    free(d);
    if (p->timed_out)
        return bench_printf("making %s took more than %.0f s", m->what, m->timeout_s);
    char *err = bench_last_line(p->err);
    if (*err)
        return err;
    free(err);
    return bench_printf("the maker of %s exited with status %d", m->what, p->status);
}

static char *make(const struct bench *b, const struct bench_maker *m, char **dir)
{
    char *script = bench_printf("%s/%s", b->guest_dir, m->script);
    char *argv[] = { "/bin/sh", script, NULL };
    struct bench_proc p;
    char *why;
    if (access(script, R_OK)) {
        why = bench_printf("%s (no %s)", m->missing, script);
    } else if (bench_run_process(argv, m->timeout_s, &p)) {
        why = bench_printf("cannot run %s: %s", script, strerror(errno));
    } else {
        why = result(b, m, &p, dir);
        bench_proc_free(&p);
    }
    free(script);
    return why;
}

void bench_make_class(struct bench *b, enum bench_class cls, const struct bench_maker *m,
                      char **dir)
{
    if (!bench_class_selected(b, cls))
        return;
    char *why = make(b, m, dir);
    if (!why)
        return;
    fprintf(stderr, "xbt bench: %s workloads skipped: %s\n", bench_class_name(cls), why);
    free(why);
    bench_drop_class(b, cls);
}
