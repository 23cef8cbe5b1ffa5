/*
 * report.c - summaries of the samples (median, min, max of the marker
 * region per workload and configuration, per-key medians of xbt's
 * statistics) and the terminal report: the timing table with ratios to
 * native and to QEMU, the translation-cache and callout figures of each xbt
 * configuration, and the speed targets (informational).
 */
#include <stdlib.h>
#include <string.h>

#include "bench_int.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct bench_summary *bench_sum(const struct bench *b, size_t w, size_t c)
{
    return &b->sum[w * b->ncfg + c];
}

static void summarize_stats(const struct bench *b, size_t w, size_t c, struct bench_summary *s)
{
    const struct bench_sample *first = NULL;
    for (size_t i = 0; i < b->nsmp && !first; i++)
        if (b->smp[i].w == w && b->smp[i].c == c && b->smp[i].ok && b->smp[i].stats.n)
            first = &b->smp[i];
    if (!first)
        return;
    double *v = bench_alloc((size_t)b->runs * sizeof(double) + sizeof(double));
    s->stats.kv = bench_alloc(first->stats.n * sizeof(struct bench_kv));
    for (size_t k = 0; k < first->stats.n; k++) {
        const char *key = first->stats.kv[k].key;
        int n = 0;
        for (size_t i = 0; i < b->nsmp && n < b->runs; i++) {
            const struct bench_sample *p = &b->smp[i];
            if (p->w == w && p->c == c && p->ok && bench_stats_get(&p->stats, key) >= 0)
                v[n++] = bench_stats_get(&p->stats, key);
        }
        s->stats.kv[s->stats.n].key = bench_strdup(key);
        s->stats.kv[s->stats.n].value = median(v, n);
        s->stats.n++;
    }
    free(v);
}

int bench_summarize(struct bench *b)
{
    b->sum = bench_alloc(b->nwl * b->ncfg * sizeof(struct bench_summary));
    double *v = bench_alloc((size_t)b->runs * sizeof(double) + sizeof(double));
    double *wall = bench_alloc((size_t)b->runs * sizeof(double) + sizeof(double));
    for (size_t w = 0; w < b->nwl; w++)
        for (size_t c = 0; c < b->ncfg; c++) {
            struct bench_summary *s = bench_sum(b, w, c);
            int n = 0;
            for (size_t i = 0; i < b->nsmp && n < b->runs; i++) {
                const struct bench_sample *p = &b->smp[i];
                if (p->w == w && p->c == c && p->ok) {
                    wall[n] = p->wall_s;
                    v[n++] = p->marker_s;
                }
            }
            s->n = n;
            if (!n)
                continue;
            s->median = median(v, n);
            s->min = v[0];
            s->max = v[n - 1];
            s->wall_median = median(wall, n);
            summarize_stats(b, w, c, s);
        }
    free(v);
    free(wall);
    return 0;
}

int bench_find_kind(const struct bench *b, enum bench_kind k)
{
    for (size_t i = 0; i < b->ncfg; i++)
        if (b->cfg[i].kind == k)
            return (int)i;
    return -1;
}

double bench_ratio(const struct bench *b, size_t w, size_t c, enum bench_kind to)
{
    int r = bench_find_kind(b, to);
    if (r < 0)
        return -1;
    const struct bench_summary *s = bench_sum(b, w, c), *ref = bench_sum(b, w, (size_t)r);
    if (!s->n || !ref->n || ref->median <= 0)
        return -1;
    return s->median / ref->median;
}

static void print_ratio(FILE *f, double r)
{
    if (r < 0)
        fprintf(f, " %8s", "-");
    else
        fprintf(f, " %8.2f", r);
}

static void timing_table(const struct bench *b, FILE *f, int lw)
{
    fprintf(f, "%-*s %9s %9s %9s %8s %8s\n", lw + 2, "workload / configuration", "median s",
            "min s", "max s", "/native", "/qemu");
    for (size_t w = 0; w < b->nwl; w++) {
        const struct bench_workload *wl = b->wl[w];
        fprintf(f, "%s [%s, work %ld]  native: %s\n", wl->name, bench_class_name(wl->cls),
                b->work[w], wl->native_desc);
        for (size_t c = 0; c < b->ncfg; c++) {
            const struct bench_summary *s = bench_sum(b, w, c);
            fprintf(f, "  %-*s", lw, b->cfg[c].label);
            if (b->cfg[c].kind == BENCH_NATIVE && !wl->native) {
                fprintf(f, " %9s\n", "-");
                continue;
            }
            if (!s->n) {
                fprintf(f, " %9s\n", "FAILED");
                continue;
            }
            fprintf(f, " %9.4f %9.4f %9.4f", s->median, s->min, s->max);
            print_ratio(f, bench_ratio(b, w, c, BENCH_NATIVE));
            print_ratio(f, bench_ratio(b, w, c, BENCH_QEMU));
            fputc('\n', f);
        }
    }
}

static double stat(const struct bench_summary *s, const char *key)
{
    double v = bench_stats_get(&s->stats, key);
    return v < 0 ? 0 : v;
}

/* The sum of the keys starting with prefix; the largest one's name. */
static double stat_sum(const struct bench_summary *s, const char *prefix, const char **largest)
{
    double total = 0, best = -1;
    size_t len = strlen(prefix);
    for (size_t i = 0; i < s->stats.n; i++)
        if (!strncmp(s->stats.kv[i].key, prefix, len)) {
            total += s->stats.kv[i].value;
            if (largest && s->stats.kv[i].value > best) {
                best = s->stats.kv[i].value;
                *largest = s->stats.kv[i].key + len;
            }
        }
    return total;
}

/* Whether any xbt configuration reported statistics (a run stopped at
 * its marker does not). */
static bool any_stats(const struct bench *b)
{
    for (size_t w = 0; w < b->nwl; w++)
        for (size_t c = 0; c < b->ncfg; c++)
            if (b->cfg[c].kind == BENCH_XBT && bench_sum(b, w, c)->stats.n)
                return true;
    return false;
}

static void stats_table(const struct bench *b, FILE *f, int lw)
{
    if (!any_stats(b))
        return;
    int wlw = 8;
    for (size_t w = 0; w < b->nwl; w++)
        if ((int)strlen(b->wl[w]->name) > wlw)
            wlw = (int)strlen(b->wl[w]->name);
    fprintf(f, "\nxbt statistics (median over the runs; miss%% = translations per unit entry "
               "with --tcache-stats (sweeps), else dispatcher lookups that missed):\n");
    fprintf(f, "%-*s %-*s %7s %7s %6s %6s %6s %10s %-14s %9s %7s %6s\n", wlw, "workload", lw,
            "configuration", "transl", "lookups", "miss%", "inval", "flush", "callouts",
            "(largest)", "tlb miss", "#PF", "irqs");
    for (size_t w = 0; w < b->nwl; w++)
        for (size_t c = 0; c < b->ncfg; c++) {
            const struct bench_summary *s = bench_sum(b, w, c);
            if (b->cfg[c].kind != BENCH_XBT || !s->stats.n)
                continue;
            double lookups = stat(s, "tcache.lookups");
            double hits = stat(s, "tcache.lookup_hits");
            double entries = stat(s, "tcache.unit_entries");
            double miss = entries > 0   ? 100.0 * stat(s, "tcache.translations") / entries
                          : lookups > 0 ? 100.0 * (lookups - hits) / lookups
                                        : 0;
            const char *largest = "-";
            double callouts = stat_sum(s, "callouts.", &largest);
            char big[32];
            snprintf(big, sizeof big, "(%s)", callouts > 0 ? largest : "-");
            fprintf(f, "%-*s %-*s %7.0f %7.0f %6.1f %6.0f %6.0f %10.0f %-14s %9.0f %7.0f %6.0f\n",
                    wlw, b->wl[w]->name, lw, b->cfg[c].label, stat(s, "tcache.translations"),
                    lookups, miss, stat_sum(s, "tcache.invalidations", NULL),
                    stat(s, "tcache.flushes"), callouts, big,
                    stat(s, "mmu.tlb_misses_read") + stat(s, "mmu.tlb_misses_write"),
                    stat(s, "mmu.page_faults"), stat(s, "run.interrupts"));
        }
}

/* The xbt/QEMU targets (the linux class). */
static void qemu_targets(const struct bench *b, FILE *f, size_t x)
{
    bool qemu = bench_find_kind(b, BENCH_QEMU) >= 0;
    for (size_t w = 0; w < b->nwl; w++) {
        const struct bench_workload *wl = b->wl[w];
        if (wl->qemu_target <= 0)
            continue;
        double r = bench_ratio(b, w, x, BENCH_QEMU);
        if (r < 0)
            fprintf(f, "  %-14s xbt/qemu      -   target <= %.2f  not measured%s\n", wl->name,
                    wl->qemu_target, qemu ? "" : " (no qemu configuration)");
        else
            fprintf(f, "  %-14s xbt/qemu   %5.2f  target <= %.2f  %s\n", wl->name, r,
                    wl->qemu_target, r <= wl->qemu_target ? "met" : "MISSED");
    }
}

static void targets(const struct bench *b, FILE *f)
{
    int x = bench_default_xbt(b);
    if (x < 0)
        return;
    fprintf(f, "\ntargets (informational; configuration '%s'):\n", b->cfg[x].label);
    qemu_targets(b, f, (size_t)x);
    for (size_t w = 0; w < b->nwl; w++) {
        const struct bench_workload *wl = b->wl[w];
        if (wl->target <= 0)
            continue;
        double r = bench_ratio(b, w, (size_t)x, BENCH_NATIVE);
        if (r < 0)
            fprintf(f, "  %-14s xbt/native    -   target <= %.2f  not measured%s\n", wl->name,
                    wl->target, b->native_why ? " (no native runs)" : "");
        else
            fprintf(f, "  %-14s xbt/native %5.2f  target <= %.2f  %s\n", wl->name, r, wl->target,
                    r <= wl->target ? "met" : "MISSED");
    }
    if (bench_find_kind(b, BENCH_QEMU) < 0) {
        fprintf(f, "  xbt < qemu: not measured (no qemu configuration)\n");
        return;
    }
    int met = 0, measured = 0;
    char missed[1024] = "";
    for (size_t w = 0; w < b->nwl; w++) {
        double r = bench_ratio(b, w, (size_t)x, BENCH_QEMU);
        if (r < 0)
            continue;
        measured++;
        if (r < 1) {
            met++;
        } else {
            size_t len = strlen(missed);
            snprintf(missed + len, sizeof missed - len, "%s%s %.2fx", len ? ", " : "",
                     b->wl[w]->name, r);
        }
    }
    fprintf(f, "  xbt < qemu   %d of %d workloads met%s%s\n", met, measured,
            *missed ? "; MISSED: " : "", missed);
}

void bench_report(const struct bench *b, FILE *f)
{
    int lw = 22; /* the header "workload / configuration" */
    for (size_t c = 0; c < b->ncfg; c++)
        if ((int)strlen(b->cfg[c].label) > lw)
            lw = (int)strlen(b->cfg[c].label);
    fprintf(f,
            "\nxbt bench: %zu workloads x %zu configurations x %d run%s, interleaved; "
            "seconds between the\n\"bench: start\" and \"bench: end\" markers "
            "(boot and VMM start-up excluded); ratios are median/median\n",
            b->nwl, b->ncfg, b->runs, b->runs == 1 ? "" : "s");
    for (size_t w = 0; w < b->nwl; w++)
        if (b->wl[w]->until)
            fprintf(f, "%s: seconds from the process start to '%s' (the run is stopped there)\n",
                    b->wl[w]->name, b->wl[w]->until);
        else if (b->wl[w]->flags & BENCH_WL_BOOT)
            fprintf(f,
                    "%s: seconds from the process start to the first line of the Linux "
                    "guest's /init\n",
                    b->wl[w]->name);
    if (b->qemu_version)
        fprintf(f, "qemu: %s\n", b->qemu_version);
    if (b->native_why)
        fprintf(f, "native: not run: %s\n", b->native_why);
    fputc('\n', f);
    timing_table(b, f, lw);
    stats_table(b, f, lw);
    targets(b, f);
    if (b->failures || b->mismatches)
        fprintf(f, "\n%d failed run%s, %d checksum mismatch%s (see above)\n", b->failures,
                b->failures == 1 ? "" : "s", b->mismatches, b->mismatches == 1 ? "" : "es");
}
