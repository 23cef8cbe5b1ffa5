/*
 * plot.c - `--plot FILE.svg|FILE.png` through gnuplot (Debian gnuplot-nox):
 * a clustered bar chart of each configuration's median time relative to
 * native per workload (log scale when the ratios span more than 10x); with
 * --sweep, per workload the median time and the translation-cache miss
 * rate (translations per unit entry, counted with --tcache-stats) against
 * the first swept knob, one line per value of the second.
 * The data and script go to the run's temporary directory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench_int.h"
#include "xbt.h"

static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : "";
}

int bench_plot_check(const char *path)
{
    const char *ext = extension(path);
    if (strcmp(ext, "svg") && strcmp(ext, "png")) {
        xbt_error("bench: --plot %s: the file name must end in .svg or .png", path);
        return XBT_EINVAL;
    }
    char *gp = bench_find_in_path("gnuplot");
    if (!gp) {
        xbt_error("bench: --plot needs gnuplot, which is not installed (Debian package "
                  "gnuplot-nox: make bench-deps)");
        return XBT_ENOENT;
    }
    free(gp);
    return 0;
}

void bench_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void terminal(FILE *f, const char *path, int width, int height)
{
    if (!strcmp(extension(path), "svg"))
        fprintf(f,
                "set terminal svg size %d,%d dynamic noenhanced font 'sans,11' "
                "background rgb 'white'\n",
                width, height);
    else
        fprintf(f, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n", width, height);
    fputs("set output ", f);
    bench_gp_string(f, path);
    fputc('\n', f);
}

/* What times are drawn relative to: native, else QEMU, else nothing (-1). */
static int baseline(const struct bench *b)
{
    if (bench_find_kind(b, BENCH_NATIVE) >= 0)
        return BENCH_NATIVE;
    return bench_find_kind(b, BENCH_QEMU) >= 0 ? BENCH_QEMU : -1;
}

static const char *baseline_name(int base)
{
    return base == BENCH_NATIVE ? "native" : base == BENCH_QEMU ? "QEMU" : NULL;
}

/* Median time of (w, c) relative to the baseline (seconds without one). */
static double relative(const struct bench *b, size_t w, size_t c, int base)
{
    if (base >= 0)
        return bench_ratio(b, w, c, (enum bench_kind)base);
    const struct bench_summary *s = bench_sum(b, w, c);
    return s->n ? s->median : -1;
}

/* Whether any bar can be drawn relative to base: a baseline whose runs
 * all measured 0 s (a tiny --quick workload below the timer's resolution)
 * gives no ratio, and gnuplot refuses a plot without a valid point. */
static bool any_relative(const struct bench *b, size_t w0, size_t nw, int base)
{
    for (size_t w = w0; w < w0 + nw; w++)
        for (size_t c = 0; c < b->ncfg; c++)
            if ((int)b->cfg[c].kind != base && relative(b, w, c, base) > 0)
                return true;
    return false;
}

/* The baseline for workloads [w0, w0 + nw): plain median times (-1) when
 * no point can be drawn relative to it. */
static int plot_base(const struct bench *b, size_t w0, size_t nw)
{
    int base = baseline(b);
    return base >= 0 && !any_relative(b, w0, nw, base) ? -1 : base;
}

static void bars(const struct bench *b, FILE *gp, FILE *dat, const char *dat_path, const char *path)
{
    int base = plot_base(b, 0, b->nwl);
    double lo = 1, hi = 1;
    int ncol = 0, nvalid = 0;
    for (size_t c = 0; c < b->ncfg; c++)
        ncol += (int)b->cfg[c].kind != base;
    for (size_t w = 0; w < b->nwl; w++) {
        fprintf(dat, "%s", b->wl[w]->name);
        for (size_t c = 0; c < b->ncfg; c++) {
            if ((int)b->cfg[c].kind == base)
                continue;
            double r = relative(b, w, c, base);
            if (r > 0) {
                fprintf(dat, " %.6g", r);
                nvalid++;
                lo = r < lo ? r : lo;
                hi = r > hi ? r : hi;
            } else {
                fputs(" ?", dat);
            }
        }
        fputc('\n', dat);
    }
    int width = 160 + (int)b->nwl * (ncol * 12 + 24);
    terminal(gp, path, width < 720 ? 720 : width, 520);
    char *what = base >= 0 ? bench_printf("time / %s time", baseline_name(base))
                           : bench_strdup("median time (s)");
    fprintf(gp, "set title 'xbt bench: %s (median of %d run%s, marker region)%s'\n", what, b->runs,
            b->runs == 1 ? "" : "s", base == BENCH_QEMU ? ": no native runs on this host" : "");
    fputs("set datafile missing '?'\n"
          "set style data histograms\n"
          "set style histogram cluster gap 1\n"
          "set style fill solid 0.85 border -1\n"
          "set boxwidth 0.9\n"
          "set xtics rotate by -35 scale 0\n"
          "set grid ytics\n"
          "set key outside top center horizontal\n",
          gp);
    if (base >= 0)
        fputs("set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2\n", gp);
    if (hi / lo > 10)
        fprintf(gp, "set logscale y\nset ylabel '%s (log scale)'\n", what);
    else
        fprintf(gp, "set yrange [0:*]\nset ylabel '%s'\n", what);
    free(what);
    if (!nvalid) { /* every run below the timer's resolution: gnuplot refuses */
        fputs("set label 1 'no valid measurement' at graph 0.5, graph 0.5 center\n"
              "plot [0:1] [0:1] NaN notitle\n",
              gp);
        return;
    }
    fputs("plot ", gp);
    int col = 2;
    for (size_t c = 0; c < b->ncfg; c++) {
        if ((int)b->cfg[c].kind == base)
            continue;
        if (col == 2) {
            bench_gp_string(gp, dat_path);
            fputs(" using 2:xtic(1)", gp);
        } else {
            fprintf(gp, ", '' using %d", col);
        }
        fputs(" title ", gp);
        bench_gp_string(gp, b->cfg[c].label);
        col++;
    }
    fputc('\n', gp);
}

/* Index of the config with sweep values (i, j), or -1. */
static int sweep_config(const struct bench *b, size_t i, size_t j)
{
    for (size_t c = 0; c < b->ncfg; c++) {
        const struct bench_config *cf = &b->cfg[c];
        if (cf->kind == BENCH_XBT && cf->sweep[0] == b->sweep[0].vals[i] &&
            (b->nsweep < 2 || cf->sweep[1] == b->sweep[1].vals[j]))
            return (int)c;
    }
    return -1;
}

/* One panel: column col0 + 2j of block w against the first knob, a line
 * per value j of the second knob.  A panel without a single valid point
 * (any false) is drawn empty with a note: gnuplot refuses to plot it. */
static void sweep_lines(const struct bench *b, FILE *gp, const char *dat_path, size_t w,
                        size_t col0, const char *what, bool any)
{
    if (!any) {
        fputs("set label 1 'no valid measurement' at graph 0.5, graph 0.5 center\n"
              "plot [0:1] [0:1] NaN notitle\nunset label 1\n",
              gp);
        return;
    }
    size_t n2 = b->nsweep > 1 ? b->sweep[1].nvals : 1;
    fputs("plot ", gp);
    for (size_t j = 0; j < n2; j++) {
        if (!j)
            bench_gp_string(gp, dat_path);
        else
            fputs(", ''", gp);
        fprintf(gp, " index %zu using 1:%zu with linespoints lw 2 title ", w, col0 + 2 * j);
        char *t = b->nsweep > 1 ? bench_printf("%s=%s", b->sweep[1].knob, b->sweep[1].vals[j])
                                : bench_strdup(what);
        bench_gp_string(gp, t);
        free(t);
    }
    fputc('\n', gp);
}

/* Which panels of a workload have a valid point. */
struct sweep_any {
    bool time, miss;
};

/* Data block of workload w: a row per value of the first knob, a (time,
 * miss rate) column pair per value of the second; '?' where unknown. */
static struct sweep_any sweep_block(const struct bench *b, FILE *dat, size_t w, int base)
{
    struct sweep_any any = { false, false };
    size_t n1 = b->sweep[0].nvals, n2 = b->nsweep > 1 ? b->sweep[1].nvals : 1;
    fprintf(dat, "# %s\n", b->wl[w]->name);
    for (size_t i = 0; i < n1; i++) {
        fprintf(dat, "%zu", i);
        for (size_t j = 0; j < n2; j++) {
            int c = sweep_config(b, i, j);
            const struct bench_summary *s = c >= 0 ? bench_sum(b, w, (size_t)c) : NULL;
            double entries = s ? bench_stats_get(&s->stats, "tcache.unit_entries") : -1;
            double misses = s ? bench_stats_get(&s->stats, "tcache.translations") : -1;
            double t = c >= 0 ? relative(b, w, (size_t)c, base) : -1;
            if (t > 0)
                fprintf(dat, " %.6g", t);
            else
                fputs(" ?", dat);
            if (entries > 0 && misses >= 0)
                fprintf(dat, " %.6g", 100.0 * misses / entries);
            else
                fputs(" ?", dat);
            any.time |= t > 0;
            any.miss |= entries > 0 && misses >= 0;
        }
        fputc('\n', dat);
    }
    fputs("\n\n", dat);
    return any;
}

static void sweep_header(const struct bench *b, FILE *gp, const char *path)
{
    terminal(gp, path, 1100, 300 * (int)b->nwl + 60);
    fputs("set datafile missing '?'\nset grid\nset key outside bottom center horizontal\n"
          "set xtics (",
          gp);
    for (size_t i = 0; i < b->sweep[0].nvals; i++) {
        fputs(i ? ", " : "", gp);
        bench_gp_string(gp, b->sweep[0].vals[i]);
        fprintf(gp, " %zu", i);
    }
    fputs(")\nset xlabel ", gp);
    bench_gp_string(gp, b->sweep[0].knob);
    fprintf(gp, "\nset multiplot layout %zu,2 title 'xbt bench sweep (median of %d run%s)'\n",
            b->nwl, b->runs, b->runs == 1 ? "" : "s");
}

/* Each workload relative to its own baseline: a baseline that measured
 * 0 s for one workload (too short for the timer) leaves the others
 * relative. */
static void sweep(const struct bench *b, FILE *gp, FILE *dat, const char *dat_path,
                  const char *path)
{
    sweep_header(b, gp, path);
    for (size_t w = 0; w < b->nwl; w++) {
        int base = plot_base(b, w, 1);
        struct sweep_any any = sweep_block(b, dat, w, base);
        if (base >= 0)
            fprintf(gp,
                    "set title '%s: time / %s time (marker region)'\n"
                    "set ylabel 'time / %s time'\n",
                    b->wl[w]->name, baseline_name(base), baseline_name(base));
        else
            fprintf(gp, "set title '%s: time (s, marker region)'\nset ylabel 'seconds'\n",
                    b->wl[w]->name);
        fputs("set yrange [0:*]\n", gp);
        sweep_lines(b, gp, dat_path, w, 2, "median time", any.time);
        fprintf(gp,
                "set title '%s: translation-cache miss rate (%% translations per unit entry)'\n"
                "set ylabel '%% of unit entries'\n",
                b->wl[w]->name);
        sweep_lines(b, gp, dat_path, w, 3, "miss rate", any.miss);
    }
    fputs("unset multiplot\n", gp);
}

int bench_plot(const struct bench *b, const char *path)
{
    char *gp_path = bench_printf("%s/plot.gp", b->tmpdir);
    char *dat_path = bench_printf("%s/plot.dat", b->tmpdir);
    FILE *gp = fopen(gp_path, "w"), *dat = fopen(dat_path, "w");
    int rc = 0;
    if (!gp || !dat) {
        xbt_error("bench: cannot write %s: %s", gp ? dat_path : gp_path, strerror(errno));
        rc = XBT_EIO;
    } else if (b->nsweep) {
        sweep(b, gp, dat, dat_path, path);
    } else {
        bars(b, gp, dat, dat_path, path);
    }
    if (gp && fclose(gp))
        rc = XBT_EIO;
    if (dat && fclose(dat))
        rc = XBT_EIO;
    char *exe = rc ? NULL : bench_find_in_path("gnuplot");
    if (!rc && !exe) {
        xbt_error("bench: --plot needs gnuplot (Debian package gnuplot-nox)");
        rc = XBT_ENOENT;
    }
    if (!rc) {
        char *argv[] = { exe, gp_path, NULL };
        struct bench_proc p;
        rc = bench_run_process(argv, 60, &p);
        if (!rc && p.status) {
            xbt_error("bench: gnuplot failed (status %d):\n%s", p.status, p.err);
            rc = XBT_EIO;
        } else if (!rc && p.err[0]) {
            fprintf(stderr, "%s", p.err); /* gnuplot's warnings */
        }
        bench_proc_free(&p);
    }
    free(exe);
    free(gp_path);
    free(dat_path);
    return rc;
}
