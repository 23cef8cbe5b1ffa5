/*
 * cmd_tcsim.c - `xbt tcsim TRACE`: replays a translation-cache trace
 * (`xbt run --tcache-trace`) through the live cache's policy code at
 * another size and policy and prints the statistics a live run would
 * (--stats text, --stats-json); `--sweep sizes=...,policies=...` runs
 * every combination in one pass over the trace and prints one table
 * (--csv FILE, --plot FILE.svg|.png through gnuplot).  Bad input: one
 * error line, status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lines.h"
#include "stats.h"
#include "tctrace.h"
#include "cli/cli.h"

/* Tunable: sizes and policies of one sweep.  Policy: more than a plot can
 * show; each point is a simulated cache (descriptor pool reserved only). */
#define TCSIM_MAX_SIZES 16
#define TCSIM_MAX_POINTS (TCSIM_MAX_SIZES * TC_POLICY_COUNT)
/* The sizes tcsim accepts (as xbt run's --tcache-size). */
#define TCSIM_MIN_SIZE (64u << 10)
#define TCSIM_MAX_SIZE (1ull << 30)

struct tcsim_opts {
    const char *trace, *stats_json, *csv, *plot;
    uint64_t size; /* 0: the recorded one */
    int policy;    /* -1: the recorded one */
    unsigned nursery;
    uint64_t sizes[TCSIM_MAX_SIZES];
    int nsizes;
    int policies[TC_POLICY_COUNT];
    int npolicies;
    bool sweep;
    char *cmd; /* the command line, for the outputs (malloc'd, or NULL) */
};

static void usage(FILE *f)
{
    fprintf(f, "usage: xbt tcsim TRACE [--tcache-size BYTES] [--tcache-policy P]\n"
               "                 [--tcache-nursery PCT] [--stats-json FILE]\n"
               "       xbt tcsim TRACE --sweep sizes=S1,S2,...,policies=P1,P2,...\n"
               "                 [--csv FILE] [--plot FILE.svg|FILE.png]\n"
               "\n"
               "Replays a trace of `xbt run --tcache-trace TRACE` through the translation\n"
               "cache's own placement and eviction code (policies: flush, fifo, gen,\n"
               "clock) and prints the statistics a live run would (docs/tcsim.md).\n"
               "Sizes take K/M/G suffixes; defaults are the recorded run's.\n");
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1u << 10;
    else if (*end == 'M' || *end == 'm')
        mul = 1u << 20;
    else if (*end == 'G' || *end == 'g')
        mul = 1u << 30;
    if (end == s || (mul > 1 && end[1]) || (mul == 1 && *end))
        return XBT_EINVAL;
    *out = (uint64_t)v * mul;
    if (*out < TCSIM_MIN_SIZE || *out > TCSIM_MAX_SIZE)
        return XBT_EINVAL;
    return 0;
}

static int bad(const char *what, const char *arg)
{
    xbt_error("tcsim: %s '%s' (try 'xbt tcsim --help')", what, arg);
    return XBT_EINVAL;
}

/* One item of --sweep: "sizes=X", "policies=Y", or a further value of the
 * list named last. */
static int sweep_item(struct tcsim_opts *o, const char *item, int *list)
{
    if (!strncmp(item, "sizes=", 6)) {
        *list = 0;
        item += 6;
    } else if (!strncmp(item, "policies=", 9)) {
        *list = 1;
        item += 9;
    }
    if (*list == 0) {
        if (o->nsizes == TCSIM_MAX_SIZES || parse_size(item, &o->sizes[o->nsizes]) < 0)
            return bad("--sweep: bad or too many sizes at", item);
        o->nsizes++;
        return 0;
    }
    int p = *list == 1 ? tc_policy_parse(item) : -1;
    if (p < 0 || o->npolicies == TC_POLICY_COUNT)
        return bad("--sweep: unknown policy or not sizes=/policies= at", item);
    o->policies[o->npolicies++] = p;
    return 0;
}

static int parse_sweep(struct tcsim_opts *o, const char *spec)
{
    char *copy = strdup(spec);
    int list = -1, rc = copy ? 0 : XBT_ENOMEM;
    for (char *save, *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !rc;
         tok = strtok_r(NULL, ",", &save))
        rc = sweep_item(o, tok, &list);
    free(copy);
    if (!rc && (!o->nsizes || !o->npolicies))
        return bad("--sweep needs sizes=... and policies=..., got", spec);
    o->sweep = true;
    return rc;
}

/* The value of option name at argv[*i] ("--name V" or "--name=V"), or NULL
 * if argv[*i] is not that option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *rc)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n))
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n])
        return NULL;
    if (*i + 1 >= argc) {
        *rc = bad("missing value after", a);
        return NULL;
    }
    return argv[++*i];
}

static int parse_value(struct tcsim_opts *o, const char *name, const char *v)
{
    if (!strcmp(name, "--tcache-size"))
        return parse_size(v, &o->size) < 0 ? bad("bad --tcache-size (64K..1G)", v) : 0;
    if (!strcmp(name, "--tcache-policy"))
        return (o->policy = tc_policy_parse(v)) < 0 ? bad("unknown --tcache-policy", v) : 0;
    if (!strcmp(name, "--tcache-nursery")) {
        char *end;
        unsigned long p = strtoul(v, &end, 10);
        o->nursery = (unsigned)p;
        return *end || p < 10 || p > 90 ? bad("bad --tcache-nursery (10..90)", v) : 0;
    }
    if (!strcmp(name, "--sweep"))
        return parse_sweep(o, v);
    if (!strcmp(name, "--stats-json"))
        o->stats_json = v;
    else if (!strcmp(name, "--csv"))
        o->csv = v;
    else
        o->plot = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct tcsim_opts *o)
{
    static const char *const names[] = { "--tcache-size", "--tcache-policy", "--tcache-nursery",
                                         "--sweep",       "--stats-json",    "--csv",
                                         "--plot" };
    for (int i = 1; i < argc; i++) {
        int rc = 0, k;
        const char *v = NULL;
        if (!strcmp(argv[i], "--stats"))
            continue; /* the default output */
        for (k = 0; k < 7 && !(v = opt_value(argc, argv, &i, names[k], &rc)) && !rc; k++)
            ;
        if (rc)
            return rc;
        if (v) {
            if ((rc = parse_value(o, names[k], v)) < 0)
                return rc;
        } else if (argv[i][0] == '-' || o->trace) {
            return bad(argv[i][0] == '-' ? "unknown option" : "more than one trace:", argv[i]);
        } else {
            o->trace = argv[i];
        }
    }
    if (!o->trace) {
        xbt_error("tcsim: no trace file given (try 'xbt tcsim --help')");
        return XBT_EINVAL;
    }
    if ((o->csv || o->plot) && !o->sweep)
        return bad("--csv and --plot need --sweep", o->csv ? o->csv : o->plot);
    if (o->plot && !strstr(o->plot, ".svg") && !strstr(o->plot, ".png"))
        return bad("--plot: the file name must end in .svg or .png:", o->plot);
    return 0;
}

static double now_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double miss_pct(const struct tc_sim *s)
{
    return s->entries ? 100.0 * (double)s->tc.st.translations / (double)s->entries : 0.0;
}

static void size_name(uint64_t size, char *buf, size_t n)
{
    if (size % (1u << 20) == 0)
        snprintf(buf, n, "%lluM", (unsigned long long)(size >> 20));
    else if (size % 1024 == 0)
        snprintf(buf, n, "%lluK", (unsigned long long)(size >> 10));
    else
        snprintf(buf, n, "%llu", (unsigned long long)size);
}

/* Policy: a simulated cache whose regions are this many times the trace's
 * window (or more) makes the exact trace's translations (docs/tcsim.md);
 * below, tcsim says the counts are approximate. */
#define TCSIM_WINDOW_FACTOR 16u

/* The smallest region of a simulated cache (generational: the smaller of
 * nursery and persistent region). */
static uint64_t smallest_region(const struct tcache *tc)
{
    if (tc->policy != TC_POLICY_GEN)
        return tc->size;
    unsigned pct = tc->nursery_pct < 50 ? tc->nursery_pct : 100 - tc->nursery_pct;
    return tc->size * pct / 100;
}

/* A note (stderr) if a simulated cache's regions are below
 * TCSIM_WINDOW_FACTOR windows. */
static void window_note(const struct tct_header *h, const struct tc_sim *sims, int n)
{
    const struct tcache *worst = NULL;
    for (int i = 0; i < n; i++)
        if (h->window && smallest_region(&sims[i].tc) < (uint64_t)h->window * TCSIM_WINDOW_FACTOR &&
            (!worst || smallest_region(&sims[i].tc) < smallest_region(worst)))
            worst = &sims[i].tc;
    if (!worst)
        return;
    char sz[32], w[32];
    size_name(worst->size, sz, sizeof(sz));
    size_name(h->window, w, sizeof(w));
    fprintf(stderr,
            "xbt: tcsim: note: caches (or generational regions) below %u times the trace's "
            "--tcache-trace-window %s (here %s %s) get approximate counts: record with a "
            "smaller window, or 0\n",
            TCSIM_WINDOW_FACTOR, w, sz, tc_policy_names[worst->policy]);
}

/* Sets up the sims (sweep: sizes x policies; else one) and replays. */
static int simulate(const struct tcsim_opts *o, const struct tct_header *h, struct tc_sim *sims,
                    int *n, struct tct_replay *rep, double secs[2])
{
    int rc = 0;
    *n = 0;
    unsigned nursery = o->nursery ? o->nursery : h->nursery_pct;
    for (int i = 0; i < (o->sweep ? o->nsizes : 1) && !rc; i++)
        for (int j = 0; j < (o->sweep ? o->npolicies : 1) && !rc; j++) {
            uint64_t size = o->sweep ? o->sizes[i] : o->size ? o->size : h->tc_size;
            int policy = o->sweep ? o->policies[j] : o->policy >= 0 ? o->policy : (int)h->policy;
            rc = tc_sim_init(&sims[(*n)++], h, size, (enum tc_policy)policy, nursery);
        }
    if (rc) {
        xbt_error("tcsim: cannot set up the simulated caches: %s", xbt_strerror(rc));
        return rc;
    }
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    rc = tct_replay(o->trace, sims, *n, h, rep);
    secs[0] = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    secs[1] = now_s(CLOCK_MONOTONIC) - w0;
    return rc;
}

/* secs: CPU and wall time of the replay. */
static void print_header(const struct tcsim_opts *o, const struct tct_header *h,
                         const struct tct_replay *rep, const double secs[2], int n)
{
    printf("tcsim: xbt %s: %s\n", XBT_VERSION, o->cmd ? o->cmd : "xbt tcsim");
    char sz[32], win[32] = "0";
    size_name(h->tc_size, sz, sizeof(sz));
    if (h->window)
        size_name(h->window, win, sizeof(win));
    printf("tcsim: %s: recorded with --tcache-size %s --tcache-policy %s "
           "--tcache-trace-window %s: %llu records, "
           "%llu units (keys), live %llu translations / %llu unit entries%s\n",
           o->trace, sz, tc_policy_names[h->policy], win, (unsigned long long)rep->records,
           (unsigned long long)rep->keys, (unsigned long long)rep->live_translations,
           (unsigned long long)rep->live_entries, rep->complete ? "" : " (no END record)");
    printf("tcsim: replayed %d configuration%s in one pass (%llu records each): %.3f s CPU "
           "(%.3f s wall), %.4f s CPU per configuration\n",
           n, n == 1 ? "" : "s", (unsigned long long)rep->replayed, secs[0], secs[1], secs[0] / n);
}

static int single(const struct tcsim_opts *o, struct tc_sim *s)
{
    char sz[32];
    size_name(s->tc.size, sz, sizeof(sz));
    printf("tcsim: --tcache-size %s --tcache-policy %s: %llu translations / %llu unit entries "
           "= miss rate %.4f%%\n",
           sz, tc_policy_names[s->tc.policy], (unsigned long long)s->tc.st.translations,
           (unsigned long long)s->entries, miss_pct(s));
    stats_print_tcache_text(&s->tc, stdout);
    if (o->stats_json && stats_write_tcache_json(&s->tc, o->stats_json) < 0) {
        xbt_error("tcsim: cannot write %s", o->stats_json);
        return XBT_EIO;
    }
    return 0;
}

static void row(FILE *f, const struct tc_sim *s, bool csv)
{
    char sz[32];
    const struct tc_stats *t = &s->tc.st;
    size_name(s->tc.size, sz, sizeof(sz));
    fprintf(f,
            csv ? "%s,%s,%llu,%llu,%.4f,%llu,%llu,%llu,%llu,%llu,%llu\n"
                : "%-8s %-6s %12llu %14llu %8.4f %10llu %7llu %7llu %9llu %9llu %6llu\n",
            sz, tc_policy_names[s->tc.policy], (unsigned long long)t->translations,
            (unsigned long long)s->entries, miss_pct(s), (unsigned long long)t->evictions,
            (unsigned long long)t->flushes_full, (unsigned long long)t->wraps,
            (unsigned long long)t->clock_skips, (unsigned long long)t->promotions,
            (unsigned long long)s->stale);
}

static int table(const struct tcsim_opts *o, const struct tc_sim *sims, int n)
{
    printf("%-8s %-6s %12s %14s %8s %10s %7s %7s %9s %9s %6s\n", "size", "policy", "translations",
           "unit_entries", "miss%", "evictions", "flushes", "wraps", "clock_skip", "promotion",
           "stale");
    for (int i = 0; i < n; i++)
        row(stdout, &sims[i], false);
    if (!o->csv)
        return 0;
    FILE *f = fopen(o->csv, "w");
    if (!f) {
        xbt_error("tcsim: cannot write %s", o->csv);
        return XBT_EIO;
    }
    fprintf(f, "# xbt %s tcsim\n# command: %s\n", XBT_VERSION, o->cmd ? o->cmd : "xbt tcsim");
    fprintf(f, "size,policy,translations,unit_entries,miss_pct,evictions,flushes,wraps,"
               "clock_skips,promotions,stale\n");
    for (int i = 0; i < n; i++)
        row(f, &sims[i], true);
    return fclose(f) == 0 ? 0 : XBT_EIO;
}

int cli_tcsim(int argc, char **argv)
{
    struct tcsim_opts o = { .policy = -1 };
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
    if (parse_args(argc, argv, &o) < 0)
        return XBT_STATUS_ERROR;
    if (o.plot && tcsim_plot_check() < 0)
        return XBT_STATUS_ERROR;
    struct tct_reader *r;
    struct tct_header h;
    if (tct_open(o.trace, &r, &h) < 0)
        return XBT_STATUS_ERROR;
    tct_close(r);
    o.cmd = cli_command_line(argc, argv);
    static struct tc_sim sims[TCSIM_MAX_POINTS];
    struct tct_replay rep;
    double secs[2] = { 0, 0 };
    int n = 0;
    int rc = simulate(&o, &h, sims, &n, &rep, secs);
    if (rc == 0) {
        window_note(&h, sims, n);
        print_header(&o, &h, &rep, secs, n);
        rc = o.sweep ? table(&o, sims, n) : single(&o, &sims[0]);
    }
    if (rc == 0 && o.plot)
        rc = tcsim_plot(o.plot, o.trace, o.cmd, sims, n);
    for (int i = 0; i < n; i++)
        tc_sim_destroy(&sims[i]);
    free(o.cmd);
    return rc ? XBT_STATUS_ERROR : 0;
}
