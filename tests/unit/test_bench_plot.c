/*
 * test_bench_plot.c - xbt bench --plot (src/bench/plot.c) on summaries
 * made by hand: a bar chart and a two-knob sweep, with a baseline that
 * measured 0 s for one workload (a --quick run below the timer) and a
 * workload with no valid point at all.  gnuplot must accept every script.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench.h"
#include "bench/bench_int.h"

#define NWL 3
#define NCFG 5 /* native, then xbt at (a|b) x (x|y) */

static const char *knob1_vals[] = { "a", "b" }, *knob2_vals[] = { "x", "y" };

struct plot_fix {
    struct bench b;
    const struct bench_workload *wl[NWL];
    struct bench_config cfg[NCFG];
    struct bench_summary sum[NWL * NCFG];
    struct bench_kv kv[NWL * NCFG][2];
    char tmpdir[64];
};

/* Workload w: native median native_s; xbt medians xbt_s; tcache stats
 * unless xbt_s is 0 (no valid xbt sample). */
static void fix_workload(struct plot_fix *f, size_t w, double native_s, double xbt_s)
{
    for (size_t c = 0; c < NCFG; c++) {
        struct bench_summary *s = &f->sum[w * NCFG + c];
        double t = c ? xbt_s * (1 + 0.1 * (double)c) : native_s;
        s->n = c && !xbt_s ? 0 : 3;
        s->median = s->min = s->max = s->wall_median = t;
        if (c && xbt_s) {
            f->kv[w * NCFG + c][0] = (struct bench_kv){ "tcache.unit_entries", 1000 };
            f->kv[w * NCFG + c][1] = (struct bench_kv){ "tcache.translations", 10.0 * (double)c };
            s->stats = (struct bench_stats){ f->kv[w * NCFG + c], 2 };
        }
    }
}

static void fix_init(struct plot_fix *f, bool sweep)
{
    memset(f, 0, sizeof(*f));
    size_t n;
    const struct bench_workload *all = bench_workloads(&n);
    assert_true(n >= NWL);
    for (size_t w = 0; w < NWL; w++)
        f->wl[w] = &all[w];
    f->cfg[0] = (struct bench_config){ .kind = BENCH_NATIVE, .label = "native" };
    for (size_t c = 1; c < NCFG; c++) {
        f->cfg[c] = (struct bench_config){ .kind = BENCH_XBT, .label = "xbt" };
        f->cfg[c].sweep[0] = knob1_vals[(c - 1) / 2];
        f->cfg[c].sweep[1] = knob2_vals[(c - 1) % 2];
    }
    f->b.wl = f->wl;
    f->b.nwl = NWL;
    f->b.cfg = f->cfg;
    f->b.ncfg = NCFG;
    f->b.sum = f->sum;
    f->b.runs = 3;
    if (sweep) {
        f->b.sweep[0] = (struct bench_sweep){ "--knob1", (char **)knob1_vals, 2 };
        f->b.sweep[1] = (struct bench_sweep){ "--knob2", (char **)knob2_vals, 2 };
        f->b.nsweep = 2;
    }
    strcpy(f->tmpdir, "/tmp/xbt-plot-XXXXXX");
    assert_non_null(mkdtemp(f->tmpdir));
    f->b.tmpdir = f->tmpdir;
}

static void fix_plot(struct plot_fix *f)
{
    char png[96];
    snprintf(png, sizeof(png), "%s/plot.png", f->tmpdir);
    assert_int_equal(bench_plot(&f->b, png), 0);
    struct stat st;
    assert_int_equal(stat(png, &st), 0);
    assert_true(st.st_size > 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->tmpdir);
    assert_int_equal(system(cmd), 0);
}

static int need_gnuplot(void **state)
{
    (void)state;
    char *gp = bench_find_in_path("gnuplot");
    free(gp);
    return gp ? 0 : -1;
}

static void test_bars_normal(void **state)
{
    (void)state;
    struct plot_fix f;
    fix_init(&f, false);
    for (size_t w = 0; w < NWL; w++)
        fix_workload(&f, w, 0.5, 1.0);
    fix_plot(&f);
}

static void test_bars_zero_baseline(void **state)
{
    (void)state;
    struct plot_fix f;
    fix_init(&f, false);
    for (size_t w = 0; w < NWL; w++)
        fix_workload(&f, w, 0, 0.001);
    fix_plot(&f);
}

/* No native runs, no QEMU, and xbt below the timer everywhere (a --quick
 * run on a host that cannot run i386 programs): an empty chart. */
static void test_bars_without_points(void **state)
{
    (void)state;
    struct plot_fix f;
    fix_init(&f, false);
    f.b.cfg = &f.cfg[1]; /* xbt only */
    f.b.ncfg = 1;
    for (size_t w = 0; w < NWL; w++)
        f.sum[w] = (struct bench_summary){ .n = 1 }; /* median 0 s */
    fix_plot(&f);
}

static void test_sweep_zero_baseline_one_workload(void **state)
{
    (void)state;
    struct plot_fix f;
    fix_init(&f, true);
    fix_workload(&f, 0, 0, 0.001); /* native below the timer */
    fix_workload(&f, 1, 0.5, 1.0);
    fix_workload(&f, 2, 0.5, 2.0);
    fix_plot(&f);
}

static void test_sweep_workload_without_points(void **state)
{
    (void)state;
    struct plot_fix f;
    fix_init(&f, true);
    fix_workload(&f, 0, 0, 0); /* nothing valid at all */
    fix_workload(&f, 1, 0, 0.002);
    fix_workload(&f, 2, 0.5, 1.0);
    fix_plot(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bars_normal),
        cmocka_unit_test(test_bars_zero_baseline),
        cmocka_unit_test(test_bars_without_points),
        cmocka_unit_test(test_sweep_zero_baseline_one_workload),
        cmocka_unit_test(test_sweep_workload_without_points),
    };
    return cmocka_run_group_tests(tests, need_gnuplot, NULL);
}
