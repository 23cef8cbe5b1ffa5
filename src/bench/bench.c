/*
 * bench.c - `xbt bench`: the measuring loop.  After setup.c, for run
 * i = 1..N, for each workload, every configuration runs once (interleaved,
 * so drifts in the host's load hit every configuration alike); each run's
 * checksum is compared with the workload's reference (the native run's);
 * then the report (report.c), the files (output.c) and the plot (plot.c).
 * The reference checksum is the committed one (checksums.c) when there is
 * one for the work size, else the native run's, else the first run's.
 * Kernels are DIR/NAME.elf and native twins DIR/native/NAME, DIR being the
 * guests directory next to the xbt executable (or --guests).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_int.h"
#include "xbt.h"

#define LATE_RETRIES 2
#define STATUS_USAGE 2 /* as XBT_STATUS_ERROR in xbt run */

/* ---- small helpers shared by src/bench ---- */
void *bench_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        xbt_error("bench: out of memory");
        abort();
    }
    return p;
}

char *bench_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(bench_alloc(n), s, n);
}

char *bench_printf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        xbt_error("bench: out of memory");
        abort();
    }
    return s;
}

char *bench_last_line(const char *text)
{
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return bench_printf("%.*s", (int)(end - start), start);
}

/* ---- one run ---- */
char **bench_native_argv(const struct bench *b, const struct bench_workload *wl, long work)
{
    if (!wl->native)
        return NULL;
    char **v = bench_alloc(4 * sizeof(char *));
    v[0] = bench_printf("%s/%s", b->native_dir, wl->native);
    v[1] = bench_printf("%ld", work);
    v[2] = bench_linux_native_dir(b, wl);
    return v;
}

void bench_free_argv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static void xbt_args(const struct bench *b, size_t w, size_t c, const char *work,
                     const char *stats_path, char **v, int *n)
{
    const struct bench_config *cf = &b->cfg[c];
    v[(*n)++] = bench_strdup(b->xbt_path);
    v[(*n)++] = bench_strdup("run");
    for (int k = 0; k < cf->argc; k++)
        v[(*n)++] = bench_strdup(cf->argv[k]);
    if (b->wl[w]->cls == BENCH_DISK) { /* stopped by a kill: no statistics */
        bench_disk_xbt_args(b, w, v, n);
        return;
    }
    v[(*n)++] = bench_strdup("--stats-json");
    v[(*n)++] = bench_strdup(stats_path);
    if (b->wl[w]->cls == BENCH_LINUX) {
        bench_linux_xbt_args(b, w, work, v, n);
        return;
    }
    v[(*n)++] = bench_strdup("--append");
    v[(*n)++] = bench_strdup(work);
    v[(*n)++] = bench_printf("%s/%s", b->guest_dir, b->wl[w]->kernel);
}

static void qemu_args(const struct bench *b, size_t w, const char *work, char **v, int *n)
{
    static const char *const tail[] = { "-display",    "none",    "-monitor", "none",
                                        "-nodefaults", "-serial", "stdio",    "-no-reboot" };
    v[(*n)++] = bench_strdup(b->qemu_path);
    if (b->wl[w]->cls == BENCH_DISK) { /* as a user boots an image */
        bench_disk_qemu_args(b, w, v, n);
        return;
    }
    if (b->wl[w]->cls == BENCH_LINUX) {
        bench_linux_qemu_args(b, w, work, v, n);
    } else {
        v[(*n)++] = bench_strdup("-kernel");
        v[(*n)++] = bench_printf("%s/%s", b->guest_dir, b->wl[w]->kernel);
        v[(*n)++] = bench_strdup("-append");
        v[(*n)++] = bench_strdup(work);
        v[(*n)++] = bench_strdup("-device");
        v[(*n)++] = bench_strdup("isa-debug-exit,iobase=0xf4,iosize=4");
        v[(*n)++] = bench_strdup("-m");
        v[(*n)++] = bench_strdup("128");
    }
    for (size_t k = 0; k < sizeof tail / sizeof tail[0]; k++)
        v[(*n)++] = bench_strdup(tail[k]);
}

static char **command(const struct bench *b, size_t w, size_t c, const char *stats_path)
{
    if (b->cfg[c].kind == BENCH_NATIVE)
        return bench_native_argv(b, b->wl[w], b->work[w]);
    char work[32];
    snprintf(work, sizeof work, "%ld", b->work[w]);
    char **v = bench_alloc((size_t)(b->cfg[c].argc + 32) * sizeof(char *));
    int n = 0;
    if (b->cfg[c].kind == BENCH_XBT)
        xbt_args(b, w, c, work, stats_path, v, &n);
    else
        qemu_args(b, w, work, v, &n);
    return v;
}

static void report_failure(const struct bench *b, const struct bench_sample *s,
                           const struct bench_proc *p, char **argv, int expect)
{
    fprintf(stderr, "xbt bench: FAILED: %s under '%s' (run %d):", b->wl[s->w]->name,
            b->cfg[s->c].label, s->run + 1);
    if (p->timed_out)
        fprintf(stderr, " killed after %.0f s;", b->timeout_s);
    if (p->status != expect)
        fprintf(stderr, " exit status %d, expected %d;", p->status, expect);
    if (b->wl[s->w]->flags & BENCH_WL_BOOT) {
        if (p->t_init < 0)
            fprintf(stderr, " no '%s' in the output;",
                    b->wl[s->w]->until ? b->wl[s->w]->until : "bench: init");
    } else {
        if (p->t_start < 0)
            fprintf(stderr, " no 'bench: start' line;");
        if (p->t_end < 0)
            fprintf(stderr, " no 'bench: end' line;");
    }
    fprintf(stderr, "\n  command:");
    for (char **a = argv; *a; a++)
        fprintf(stderr, " %s", *a);
    fprintf(stderr, "\n  stderr:\n%s%s  stdout (first 2000 bytes):\n%.2000s\n", p->err,
            p->err[0] && p->err[strlen(p->err) - 1] != '\n' ? "\n" : "", p->out);
}

static struct bench_sample *new_sample(struct bench *b)
{
    if (b->nsmp == b->capsmp) {
        b->capsmp = b->capsmp ? b->capsmp * 2 : 64;
        struct bench_sample *n = bench_alloc(b->capsmp * sizeof(*n));
        if (b->nsmp)
            memcpy(n, b->smp, b->nsmp * sizeof(*n));
        free(b->smp);
        b->smp = n;
    }
    return memset(&b->smp[b->nsmp++], 0, sizeof(struct bench_sample));
}

static void check_sum(struct bench *b, struct bench_sample *s)
{
    if (!b->reference[s->w]) {
        b->reference[s->w] = bench_strdup(s->checksum);
        b->ref_source[s->w] = b->cfg[s->c].kind == BENCH_NATIVE ? "native" : "first run";
        return;
    }
    if (strcmp(b->reference[s->w], s->checksum)) {
        s->mismatch = true;
        b->mismatches++;
        fprintf(stderr,
                "xbt bench: CHECKSUM MISMATCH: %s under '%s' (run %d) ended with %s; "
                "the reference (%s) is %s\n",
                b->wl[s->w]->name, b->cfg[s->c].label, s->run + 1, s->checksum, b->ref_source[s->w],
                b->reference[s->w]);
    }
}

/* The exit status a run must end with: native programs, Linux (ACPI
 * power-off) and runs stopped at their marker 0, the kernels
 * (isa-debug-exit) 1. */
static int expected_status(const struct bench *b, size_t w, size_t c)
{
    return b->cfg[c].kind == BENCH_NATIVE || b->wl[w]->cls == BENCH_LINUX || b->wl[w]->until ? 0
                                                                                             : 1;
}

static bool is_boot(const struct bench *b, size_t w)
{
    return b->wl[w]->flags & BENCH_WL_BOOT;
}

/* Runs argv, again (twice at most) while what is measured was read late.
 * 0, or a negative XBT_E* (reported) when it could not run. */
static int run_attempts(struct bench *b, size_t w, size_t c, char **argv, const char *stats_path,
                        struct bench_proc *p)
{
    for (int attempt = 0;; attempt++) {
        unlink(stats_path);
        int rc = bench_linux_before_run(b, b->wl[w], b->cfg[c].kind);
        if (rc)
            return rc;
        if (bench_run_until(argv, b->timeout_s, b->wl[w]->until, p)) {
            xbt_error("bench: cannot run %s: %s", argv[0], strerror(errno));
            return XBT_EIO;
        }
        bool late = is_boot(b, w) ? p->init_late : p->late;
        if (!late || attempt == LATE_RETRIES)
            return 0;
        bench_proc_free(p);
    }
}

/* The sample from its process: status, times, checksum, whether it is ok
 * (a boot: up to "bench: init"; else between the markers). */
static void judge(const struct bench *b, struct bench_sample *s, const struct bench_proc *p,
                  int expect)
{
    bool boot = is_boot(b, s->w);
    s->late = boot ? p->init_late : p->late;
    s->status = p->status;
    s->wall_s = p->wall_s;
    snprintf(s->checksum, sizeof s->checksum, "%s", p->checksum);
    s->ok = !p->timed_out && p->status == expect &&
            (boot ? p->t_init >= 0 : p->t_start >= 0 && p->t_end >= p->t_start);
    s->marker_s = !s->ok ? -1 : boot ? p->t_init : p->t_end - p->t_start;
}

static struct bench_sample *run_one(struct bench *b, size_t w, size_t c, int run)
{
    char *stats_path = bench_printf("%s/stats.json", b->tmpdir);
    char **argv = command(b, w, c, stats_path);
    struct bench_sample *s = new_sample(b);
    s->w = w;
    s->c = c;
    s->run = run;
    int expect = expected_status(b, w, c);
    struct bench_proc p;
    if (run_attempts(b, w, c, argv, stats_path, &p)) {
        b->failures++;
        s->status = -1;
        bench_free_argv(argv);
        free(stats_path);
        return s;
    }
    judge(b, s, &p, expect);
    if (b->cfg[c].kind == BENCH_XBT && bench_stats_load(stats_path, &s->stats) && s->ok)
        xbt_warn("bench: no statistics from %s under '%s'", b->wl[w]->name, b->cfg[c].label);
    unlink(stats_path);
    if (!s->ok) {
        b->failures++;
        report_failure(b, s, &p, argv, expect);
    } else if (!is_boot(b, w)) {
        check_sum(b, s);
    }
    bench_proc_free(&p);
    bench_free_argv(argv);
    free(stats_path);
    return s;
}

/* Whether workload w has a native program, built (warn: say so when not). */
static bool native_built(const struct bench *b, size_t w, bool warn)
{
    if (!b->wl[w]->native)
        return false;
    char *native = bench_printf("%s/%s", b->native_dir, b->wl[w]->native);
    bool built = !access(native, X_OK);
    if (!built && warn)
        xbt_warn("bench: native twin %s not built: no native run of %s", native, b->wl[w]->name);
    free(native);
    return built;
}

static void measure(struct bench *b)
{
    for (int run = 0; run < b->runs; run++)
        for (size_t w = 0; w < b->nwl; w++) {
            bool have_native = native_built(b, w, !run);
            /* one progress line, after any failure reports of its runs */
            char *line = bench_printf("[run %d/%d] %-13s", run + 1, b->runs, b->wl[w]->name);
            for (size_t c = 0; c < b->ncfg; c++) {
                if (b->cfg[c].kind == BENCH_NATIVE && !have_native)
                    continue;
                struct bench_sample *s = run_one(b, w, c, run);
                char *more = s->ok ? bench_printf("%s %s %.4f", line, b->cfg[c].label, s->marker_s)
                                   : bench_printf("%s %s FAILED", line, b->cfg[c].label);
                free(line);
                line = more;
            }
            fprintf(stderr, "%s\n", line);
            free(line);
        }
}

/* ---- teardown ---- */
static void bench_free(struct bench *b)
{
    for (size_t i = 0; i < b->nsmp; i++)
        bench_stats_free(&b->smp[i].stats);
    free(b->smp);
    if (b->sum)
        for (size_t i = 0; i < b->nwl * b->ncfg; i++)
            bench_stats_free(&b->sum[i].stats);
    free(b->sum);
    if (b->reference)
        for (size_t w = 0; w < b->nwl; w++)
            free(b->reference[w]);
    free(b->reference);
    free(b->ref_source);
    free(b->native_why);
    free(b->linux_dir);
    free(b->disk_dir);
    bench_configs_free(b);
    free(b->wl);
    free(b->work);
    free(b->xbt_path);
    free(b->guest_dir);
    free(b->native_dir);
    free(b->qemu_path);
    free(b->qemu_version);
    if (b->tmpdir) {
        bench_linux_cleanup(b);
        char *f = bench_printf("%s/plot.gp", b->tmpdir);
        unlink(f);
        free(f);
        f = bench_printf("%s/plot.dat", b->tmpdir);
        unlink(f);
        free(f);
        rmdir(b->tmpdir);
        free(b->tmpdir);
    }
}

int bench_main(int argc, char **argv)
{
    struct bench b;
    struct bench_opts o;
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.timeout_s = BENCH_DEFAULT_TIMEOUT_S;
    int rc = bench_setup(&b, &o, argc, argv);
    int status = rc < 0 ? STATUS_USAGE : 0;
    if (!rc && o.list) {
        bench_list(stdout);
    } else if (!rc && o.check_native) {
        char *why = bench_native_check(b.native_dir);
        if (why)
            printf("no: %s\n", why);
        else
            printf("yes\n");
        status = why ? 1 : 0;
        free(why);
    } else if (!rc && o.write_checksums) {
        bench_runner_signals();
        status = bench_record_checksums(&b, o.write_checksums) ? STATUS_USAGE : 0;
    } else if (!rc) {
        bench_runner_signals();
        measure(&b);
        bench_summarize(&b);
        bench_report(&b, stdout);
        fflush(stdout);
        if (o.json && bench_write_json(&b, o.json))
            status = STATUS_USAGE;
        if (o.csv && bench_write_csv(&b, o.csv))
            status = STATUS_USAGE;
        if (o.plot && bench_plot(&b, o.plot))
            status = STATUS_USAGE;
        if (!status && (b.failures || b.mismatches))
            status = 1;
    }
    free(o.variants);
    bench_free(&b);
    return status;
}
