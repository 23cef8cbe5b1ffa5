/*
 * tcsim_plot.c - `xbt tcsim --sweep ... --plot FILE.svg|FILE.png`: the
 * miss rate (translations per unit entry) against the cache size, one
 * line per policy, through gnuplot (Debian gnuplot-nox, as xbt bench
 * --plot).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tctrace.h"
#include "cli/cli.h"

int tcsim_plot_check(void)
{
    char *gp = bench_find_in_path("gnuplot");
    if (!gp) {
        xbt_error("tcsim: --plot needs gnuplot, which is not installed (Debian package "
                  "gnuplot-nox: make bench-deps)");
        return XBT_EINVAL;
    }
    free(gp);
    return 0;
}

/* One data block per policy present: size in KiB, miss %. */
static void data_blocks(FILE *gp, const struct tc_sim *sims, int n, bool *used)
{
    for (int p = 0; p < TC_POLICY_COUNT; p++) {
        for (int i = 0; i < n; i++)
            used[p] |= (int)sims[i].tc.policy == p;
        if (!used[p])
            continue;
        fprintf(gp, "$%s << EOD\n", tc_policy_names[p]);
        for (int i = 0; i < n; i++)
            if ((int)sims[i].tc.policy == p)
                fprintf(gp, "%llu %.6f\n", (unsigned long long)(sims[i].tc.size >> 10),
                        sims[i].entries
                            ? 100.0 * (double)sims[i].tc.st.translations / (double)sims[i].entries
                            : 0.0);
        fputs("EOD\n", gp);
    }
}

int tcsim_plot(const char *path, const char *trace, const char *cmd_line, const struct tc_sim *sims,
               int n)
{
    char *exe = bench_find_in_path("gnuplot");
    char *cmd = exe ? malloc(strlen(exe) + 16) : NULL;
    if (!cmd) {
        free(exe);
        return tcsim_plot_check() < 0 ? XBT_EINVAL : XBT_ENOMEM;
    }
    sprintf(cmd, "%s 2>&1", exe);
    FILE *gp = popen(cmd, "w");
    free(cmd);
    free(exe);
    if (!gp)
        return XBT_EIO;
    bool used[TC_POLICY_COUNT] = { false };
    const char *ext = strrchr(path, '.');
    fprintf(gp, "set terminal %s size 800,500 noenhanced background rgb 'white'\nset output ",
            ext && !strcmp(ext, ".png") ? "pngcairo" : "svg");
    bench_gp_string(gp, path);
    fputs("\nset title ", gp);
    bench_gp_string(gp, trace);
    fprintf(gp, " . ' (xbt %s)'\n", XBT_VERSION);
    if (cmd_line) {
        fputs("set label 1 ", gp);
        bench_gp_string(gp, cmd_line);
        fputs(" at screen 0.01,0.02 font ',8'\nset bmargin 5\n", gp);
    }
    fputs("set logscale x 2\nset xlabel 'translation cache size (KiB)'\n"
          "set ylabel 'miss rate (translations per unit entry, %)'\nset key top right\n"
          "set grid\n",
          gp);
    data_blocks(gp, sims, n, used);
    fputs("plot ", gp);
    for (int p = 0, first = 1; p < TC_POLICY_COUNT; p++)
        if (used[p]) {
            fprintf(gp, "%s$%s using 1:2 with linespoints title '%s'", first ? "" : ", ",
                    tc_policy_names[p], tc_policy_names[p]);
            first = 0;
        }
    fputc('\n', gp);
    int st = pclose(gp);
    if (st != 0) {
        xbt_error("tcsim: gnuplot failed (status %d)", st);
        return XBT_EIO;
    }
    return 0;
}
