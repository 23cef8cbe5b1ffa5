/*
 * record.c - `xbt bench --write-checksums FILE`: the committed reference
 * checksums (checksums.c) recorded from the native twins.  Every selected
 * workload's native twin runs once at each work size wanted: the full and
 * --quick sizes, --work's, and every size FILE already lists (so sizes
 * recorded for a study stay); FILE is rewritten in workload-table order,
 * keeping the rows of workloads not selected (--only) as they were.
 * Needs a host that runs i386 programs; refuses otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_int.h"
#include "xbt.h"

#define MAX_SIZES 16

struct sizes {
    long v[MAX_SIZES];
    size_t n;
};

static void add_size(struct sizes *s, long work)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == work)
            return;
    if (s->n < MAX_SIZES)
        s->v[s->n++] = work;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The rows FILE already has (none when it does not exist). */
static void read_existing(const char *path, struct bench_checksum **old, size_t *nold)
{
    *old = NULL;
    *nold = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *text = bench_alloc(1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = 0;
    fclose(f);
    bench_checksums_parse(text, old, nold);
    free(text);
}

/* Runs the native twin of w at this size; the checksum, or -1 (reported). */
static int native_checksum(const struct bench *b, const struct bench_workload *w, long work,
                           char sum[24])
{
    int rc = bench_linux_before_run(b, w, BENCH_NATIVE);
    if (rc)
        return rc;
    char **argv = bench_native_argv(b, w, work);
    struct bench_proc p;
    rc = bench_run_process(argv, b->timeout_s, &p);
    if (!rc && (p.status || p.t_end < 0 || p.timed_out)) {
        xbt_error("bench: %s %s: exit status %d%s%s", argv[0], argv[1], p.status,
                  p.t_end < 0 ? ", no 'bench: end' line" : "", p.timed_out ? ", timed out" : "");
        rc = XBT_EIO;
    } else if (rc) {
        xbt_error("bench: cannot run %s: %s", argv[0], strerror(errno));
    } else {
        snprintf(sum, 24, "%s", p.checksum);
    }
    bench_proc_free(&p);
    bench_free_argv(argv);
    return rc;
}

static void header(FILE *f)
{
    fputs("# guests/bench/checksums.txt - the reference checksums of the `xbt bench`\n"
          "# workloads, one line per workload and work size: WORKLOAD WORK CHECKSUM.\n"
          "# Recorded from the native twins (`make native-refs`, which runs `xbt bench\n"
          "# --write-checksums`); built into xbt (src/bench/checksums.c), which checks\n"
          "# every native, xbt and QEMU run against them.\n",
          f);
}

static int record_workload(const struct bench *b, size_t w, const struct bench_checksum *old,
                           size_t nold, FILE *f)
{
    const struct bench_workload *wl = b->wl[w];
    struct sizes s = { .n = 0 };
    if (!wl->native)
        return 0; /* nothing to check (linux_boot) */
    add_size(&s, wl->work);
    add_size(&s, wl->quick_work);
    add_size(&s, b->work[w]);
    for (size_t i = 0; i < nold; i++)
        if (!strcmp(old[i].workload, wl->name))
            add_size(&s, old[i].work);
    qsort(s.v, s.n, sizeof(long), cmp_long);
    for (size_t i = 0; i < s.n; i++) {
        char sum[24];
        if (native_checksum(b, wl, s.v[i], sum))
            return XBT_EIO;
        for (size_t k = 0; k < nold; k++)
            if (old[k].work == s.v[i] && !strcmp(old[k].workload, wl->name) &&
                strcmp(old[k].checksum, sum))
                fprintf(stderr, "xbt bench: %s at work %ld: checksum %s, was %s\n", wl->name,
                        s.v[i], sum, old[k].checksum);
        fprintf(f, "%s %ld %s\n", wl->name, s.v[i], sum);
        fprintf(stderr, "xbt bench: %s at work %ld: %s\n", wl->name, s.v[i], sum);
    }
    return 0;
}

/* Workload wl of the table: recorded when selected, else its old rows. */
static int write_workload(const struct bench *b, const struct bench_workload *wl,
                          const struct bench_checksum *old, size_t nold, FILE *f)
{
    for (size_t w = 0; w < b->nwl; w++)
        if (b->wl[w] == wl)
            return record_workload(b, w, old, nold, f);
    for (size_t i = 0; i < nold; i++)
        if (!strcmp(old[i].workload, wl->name))
            fprintf(f, "%s %ld %s\n", old[i].workload, old[i].work, old[i].checksum);
    return 0;
}

int bench_record_checksums(struct bench *b, const char *path)
{
    if (b->native_why) {
        xbt_error("bench: --write-checksums needs native runs, and there are none: %s",
                  b->native_why);
        return XBT_EINVAL;
    }
    struct bench_checksum *old;
    size_t nold, nall;
    read_existing(path, &old, &nold);
    const struct bench_workload *all = bench_workloads(&nall);
    char *tmp = bench_printf("%s.new", path);
    FILE *f = fopen(tmp, "w");
    int rc = f ? 0 : XBT_EIO;
    if (!f)
        xbt_error("bench: cannot write %s: %s", tmp, strerror(errno));
    else
        header(f);
    for (size_t i = 0; !rc && i < nall; i++)
        rc = write_workload(b, &all[i], old, nold, f);
    if (f && fclose(f) && !rc) {
        xbt_error("bench: cannot write %s", tmp);
        rc = XBT_EIO;
    }
    if (!rc && rename(tmp, path)) {
        xbt_error("bench: cannot write %s: %s", path, strerror(errno));
        rc = XBT_EIO;
    }
    if (f)
        unlink(tmp);
    free(tmp);
    bench_checksums_free(old, nold);
    return rc;
}
