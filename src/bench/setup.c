/*
 * setup.c - `xbt bench`'s command line and what it needs before the first
 * run: the options, the selected workloads and their work sizes, the xbt
 * executable and the guest directories next to it (or --guests), QEMU and
 * its version, the configurations (each xbt one checked with
 * `xbt run OPTS --help`) and the temporary directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_int.h"
#include "xbt.h"

#define DEFAULT_RUNS 5

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xbt bench [options]\n"
            "\n"
            "Runs the workloads of guests/bench natively, under xbt and under\n"
            "qemu-system-i386 (TCG), interleaved, and reports the median, min and max time\n"
            "between the workload's \"bench: start\" and \"bench: end CHECKSUM\" lines (VMM\n"
            "start-up and guest boot excluded) with ratios to native and to QEMU.  Every\n"
            "run's checksum must equal the committed reference for its work size\n"
            "(guests/bench/checksums.txt), or the native one where none is committed.\n"
            "On a host that cannot run i386 programs (no IA32 emulation; or XBT_NO_NATIVE=1)\n"
            "the native runs are left out and the ratios are to QEMU.  linux_boot is timed\n"
            "from the process start to the first line of the Linux guest's /init, the disk\n"
            "workloads from the process start to the kernel's \"Linux version\" (a PC disk\n"
            "image booted through the BIOS, stopped there); when the Linux guest or the\n"
            "images cannot be made, those workloads are skipped (one line why).\n"
            "\n"
            "  -c, --config \"OPTS\"     also run xbt with these `xbt run` options (split at\n"
            "                         spaces), e.g. -c \"--mmu=shadow\"; repeatable\n"
            "  --sweep --KNOB=V1,V2   xbt configurations for each value of an xbt run\n"
            "                         option; a second --sweep makes the cartesian product\n"
            "                         (replaces the plain xbt configuration)\n"
            "  --runs N               runs of every workload and configuration (default %d)\n"
            "  --quick                small work sizes, 1 run unless --runs (CI smoke)\n"
            "  --only NAME[,NAME...]  only these workloads, or every workload of these\n"
            "                         classes (see --list); the linux class (Debian's i386\n"
            "                         Linux booted per run: boot time, programs timed in\n"
            "                         the guest) runs only when named: --only linux; so\n"
            "                         does the disk class (SYSLINUX and GRUB images):\n"
            "                         --only disk\n"
            "  --work NAME=N[,...]    work size N for workload NAME (see --list)\n"
            "  --no-qemu              do not run qemu-system-i386\n"
            "  --json FILE            every sample, the statistics and summaries as JSON\n"
            "  --csv FILE             every sample as CSV\n"
            "  --plot FILE.svg|.png   bar chart of time / native time (with --sweep: time and\n"
            "                         translation-cache miss rate per swept value); gnuplot\n"
            "  --guests DIR           kernels in DIR, native twins in DIR/native (default:\n"
            "                         the guests directory next to the xbt executable)\n"
            "  --timeout SECONDS      kill a run after this long (default %.0f)\n"
            "  --list                 list the workloads and their native equivalents\n"
            "  --check-native         only say whether this host runs the native twins (runs\n"
            "                         the static i386 probe once): 'yes' and status 0, or\n"
            "                         'no: REASON' and status 1\n"
            "  --write-checksums FILE run the native twins only, at every workload's full\n"
            "                         and --quick work sizes (and --work's, and those FILE\n"
            "                         lists), and write their checksums to FILE (make\n"
            "                         native-refs: guests/bench/checksums.txt)\n"
            "  -h, --help             this help\n"
            "\n"
            "exit status: 0 every run succeeded with the reference checksum; 1 a run failed\n"
            "or a checksum differed; 2 bad usage or missing binaries\n",
            DEFAULT_RUNS, BENCH_DEFAULT_TIMEOUT_S);
}

enum {
    OPT_SWEEP = 256,
    OPT_RUNS,
    OPT_QUICK,
    OPT_ONLY,
    OPT_WORK,
    OPT_NO_QEMU,
    OPT_JSON,
    OPT_CSV,
    OPT_PLOT,
    OPT_GUESTS,
    OPT_TIMEOUT,
    OPT_LIST,
    OPT_CHECK_NATIVE,
    OPT_WRITE_CHECKSUMS
};

static const struct option long_opts[] = {
    { "config", required_argument, 0, 'c' },
    { "sweep", required_argument, 0, OPT_SWEEP },
    { "runs", required_argument, 0, OPT_RUNS },
    { "quick", no_argument, 0, OPT_QUICK },
    { "only", required_argument, 0, OPT_ONLY },
    { "work", required_argument, 0, OPT_WORK },
    { "no-qemu", no_argument, 0, OPT_NO_QEMU },
    { "json", required_argument, 0, OPT_JSON },
    { "csv", required_argument, 0, OPT_CSV },
    { "plot", required_argument, 0, OPT_PLOT },
    { "guests", required_argument, 0, OPT_GUESTS },
    { "timeout", required_argument, 0, OPT_TIMEOUT },
    { "list", no_argument, 0, OPT_LIST },
    { "check-native", no_argument, 0, OPT_CHECK_NATIVE },
    { "write-checksums", required_argument, 0, OPT_WRITE_CHECKSUMS },
    { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 },
};

/* --runs N: 1..1000 */
static int parse_runs(struct bench_opts *o, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end || end == arg || v < 1 || v > 1000) {
        xbt_error("bench: --runs %s: must be 1..1000", arg);
        return XBT_EINVAL;
    }
    o->runs = (int)v;
    return 0;
}

/* --timeout SECONDS: more than 0 */
static int parse_timeout(struct bench *b, const char *arg)
{
    char *end;
    b->timeout_s = strtod(arg, &end);
    if (*end || end == arg || b->timeout_s <= 0) {
        xbt_error("bench: --timeout %s: seconds, more than 0", arg);
        return XBT_EINVAL;
    }
    return 0;
}

/* One option (getopt_long's c, with optarg): 0, 1 for --help (stop with
 * status 0) or <0 (usage error). */
static int apply_option(int c, struct bench *b, struct bench_opts *o)
{
    switch (c) {
    case 'c': o->variants[o->nvariants++] = optarg; break;
    case OPT_SWEEP: return bench_sweep_parse(b, optarg) ? XBT_EINVAL : 0;
    case OPT_RUNS: return parse_runs(o, optarg);
    case OPT_TIMEOUT: return parse_timeout(b, optarg);
    case OPT_QUICK: b->quick = true; break;
    case OPT_ONLY: o->only = optarg; break;
    case OPT_WORK: o->work = optarg; break;
    case OPT_NO_QEMU: o->no_qemu = true; break;
    case OPT_JSON: o->json = optarg; break;
    case OPT_CSV: o->csv = optarg; break;
    case OPT_PLOT: o->plot = optarg; break;
    case OPT_GUESTS: o->guests = optarg; break;
    case OPT_LIST: o->list = true; break;
    case OPT_CHECK_NATIVE: o->check_native = true; break;
    case OPT_WRITE_CHECKSUMS: o->write_checksums = optarg; break;
    case 'h': usage(stdout); return 1;
    default: fprintf(stderr, "Try 'xbt bench --help'.\n"); return XBT_EINVAL;
    }
    return 0;
}

/* 1: stop with status 0 (help), <0: usage error. */
static int parse_options(int argc, char **argv, struct bench *b, struct bench_opts *o)
{
    o->variants = bench_alloc((size_t)argc * sizeof(char *));
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+c:h", long_opts, NULL)) != -1)
        if ((rc = apply_option(c, b, o)) != 0)
            return rc;
    if (optind < argc) {
        xbt_error("bench: unexpected argument '%s' (try 'xbt bench --help')", argv[optind]);
        return XBT_EINVAL;
    }
    b->runs = o->runs ? o->runs : b->quick ? 1 : DEFAULT_RUNS;
    return 0;
}

static void add_workload(struct bench *b, const struct bench_workload *w)
{
    for (size_t i = 0; i < b->nwl; i++)
        if (b->wl[i] == w)
            return;
    b->wl[b->nwl++] = w;
}

/* One --only word: a workload, or every workload of a class. */
static int select_word(struct bench *b, const char *word)
{
    size_t n;
    const struct bench_workload *all = bench_workloads(&n);
    const struct bench_workload *w = bench_workload_find(word);
    enum bench_class cls;
    if (w) {
        add_workload(b, w);
    } else if (bench_class_find(word, &cls)) {
        for (size_t i = 0; i < n; i++)
            if (all[i].cls == cls)
                add_workload(b, &all[i]);
    } else {
        xbt_error("bench: --only: no workload or class '%s' (see xbt bench --list)", word);
        return XBT_EINVAL;
    }
    return 0;
}

/* --only's workloads; without it every workload but the opt-in classes'
 * (all of them for --write-checksums). */
static int select_workloads(struct bench *b, const char *only, bool all_classes)
{
    size_t n;
    const struct bench_workload *all = bench_workloads(&n);
    b->wl = bench_alloc(n * sizeof(*b->wl));
    if (!only) {
        for (size_t i = 0; i < n; i++)
            if (all_classes || !bench_class_opt_in(all[i].cls))
                b->wl[b->nwl++] = &all[i];
        return 0;
    }
    char *copy = bench_strdup(only);
    int rc = 0;
    for (char *tok = strtok(copy, ","); tok && !rc; tok = strtok(NULL, ","))
        rc = select_word(b, tok);
    free(copy);
    if (!rc && !b->nwl) {
        xbt_error("bench: --only: no workload named");
        rc = XBT_EINVAL;
    }
    return rc;
}

/* --work NAME=N,...: per-workload work sizes (b->work, for every run). */
static int parse_work(struct bench *b, const char *spec)
{
    b->work = bench_alloc(b->nwl * sizeof(long));
    for (size_t w = 0; w < b->nwl; w++)
        b->work[w] = b->quick ? b->wl[w]->quick_work : b->wl[w]->work;
    if (!spec)
        return 0;
    char *copy = bench_strdup(spec);
    int rc = 0;
    for (char *tok = strtok(copy, ","); tok && !rc; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '='), *end = NULL;
        long v = eq ? strtol(eq + 1, &end, 10) : 0;
        if (!eq || end == eq + 1 || *end || v < 1) {
            xbt_error("bench: --work '%s': want NAME=N (N >= 1)", tok);
            rc = XBT_EINVAL;
            break;
        }
        *eq = 0;
        size_t w = 0;
        while (w < b->nwl && strcmp(b->wl[w]->name, tok))
            w++;
        if (w == b->nwl) {
            xbt_error("bench: --work: '%s' is not a selected workload", tok);
            rc = XBT_EINVAL;
        } else {
            b->work[w] = v;
        }
    }
    free(copy);
    return rc;
}

/* xbt's own path and the guest directories (the kernels must exist). */
static int locate_dirs(struct bench *b, const char *guests)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        xbt_error("bench: cannot find the xbt executable (/proc/self/exe): %s", strerror(errno));
        return XBT_ENOENT;
    }
    exe[n] = 0;
    b->xbt_path = bench_strdup(exe);
    *strrchr(exe, '/') = 0;
    b->guest_dir = guests ? bench_strdup(guests) : bench_printf("%s/guests", exe);
    b->native_dir = bench_printf("%s/native", b->guest_dir);
    return 0;
}

bool bench_class_selected(const struct bench *b, enum bench_class cls)
{
    for (size_t w = 0; w < b->nwl; w++)
        if (b->wl[w]->cls == cls)
            return true;
    return false;
}

void bench_drop_class(struct bench *b, enum bench_class cls)
{
    size_t k = 0;
    for (size_t w = 0; w < b->nwl; w++)
        if (b->wl[w]->cls != cls) {
            b->wl[k] = b->wl[w];
            b->work[k++] = b->work[w];
        }
    b->nwl = k;
}

static int check_kernels(const struct bench *b)
{
    for (size_t w = 0; w < b->nwl; w++) {
        if (b->wl[w]->cls == BENCH_LINUX || b->wl[w]->cls == BENCH_DISK)
            continue; /* in the Linux guest (linux.c), a disk image (diskimg.c) */
        char *k = bench_printf("%s/%s", b->guest_dir, b->wl[w]->kernel);
        int missing = access(k, R_OK);
        if (missing)
            xbt_error("bench: kernel %s not found (build the 'guests' target, or --guests DIR)", k);
        free(k);
        if (missing)
            return XBT_ENOENT;
    }
    return 0;
}

static void find_qemu(struct bench *b)
{
    b->qemu_path = bench_find_in_path("qemu-system-i386");
    if (!b->qemu_path) {
        fprintf(stderr, "xbt bench: qemu-system-i386 not found in PATH: no qemu "
                        "configuration (make bench-deps installs it)\n");
        return;
    }
    char *argv[] = { b->qemu_path, "--version", NULL };
    struct bench_proc p;
    if (!bench_run_process(argv, 30, &p)) {
        p.out[strcspn(p.out, "\r\n")] = 0;
        b->qemu_version = bench_strdup(p.out);
        bench_proc_free(&p);
    }
}

static int make_tmpdir(struct bench *b)
{
    const char *t = getenv("TMPDIR");
    b->tmpdir = bench_printf("%s/xbt-bench.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(b->tmpdir)) {
        xbt_error("bench: cannot create %s: %s", b->tmpdir, strerror(errno));
        free(b->tmpdir);
        b->tmpdir = NULL;
        return XBT_EIO;
    }
    return 0;
}

/* `xbt run OPTS --help` accepts every configuration's options: a typo
 * fails here, not in every run. */
static int check_xbt_options(const struct bench *b)
{
    for (size_t c = 0; c < b->ncfg; c++) {
        const struct bench_config *cf = &b->cfg[c];
        if (cf->kind != BENCH_XBT || !cf->argc)
            continue;
        char **v = bench_alloc((size_t)(cf->argc + 4) * sizeof(char *));
        v[0] = b->xbt_path;
        v[1] = "run";
        memcpy(v + 2, cf->argv, (size_t)cf->argc * sizeof(char *));
        v[cf->argc + 2] = "--help";
        struct bench_proc p;
        int rc = bench_run_process(v, 30, &p);
        free(v);
        if (rc)
            return rc;
        if (p.status) {
            p.err[strcspn(p.err, "\n")] = 0;
            const char *msg = strncmp(p.err, "xbt: ", 5) ? p.err : p.err + 5;
            xbt_error("bench: configuration '%s': %s", cf->label, msg);
            rc = XBT_EINVAL;
        }
        bench_proc_free(&p);
        if (rc)
            return rc;
    }
    return 0;
}

/* Each workload's reference checksum: the committed one for its work
 * size; otherwise (bench.c) the native run's, or the first run's. */
static void committed_references(struct bench *b)
{
    b->reference = bench_alloc(b->nwl * sizeof(char *));
    b->ref_source = bench_alloc(b->nwl * sizeof(char *));
    for (size_t w = 0; w < b->nwl; w++) {
        if (b->wl[w]->flags & BENCH_WL_BOOT)
            continue; /* no checksum */
        const char *sum = bench_checksum_committed(b->wl[w]->name, b->work[w]);
        if (sum) {
            b->reference[w] = bench_strdup(sum);
            b->ref_source[w] = "committed";
        } else {
            fprintf(stderr,
                    "xbt bench: no committed checksum for %s at work %ld "
                    "(guests/bench/checksums.txt): its runs are checked against %s\n",
                    b->wl[w]->name, b->work[w],
                    b->native_why ? "each other only" : "the native run");
        }
    }
}

/* Once, before the first run: no native runs, and why. */
static void native_notice(const struct bench *b)
{
    fprintf(stderr, "xbt bench: no native runs: %s.\n", b->native_why);
    fprintf(stderr,
            "xbt bench: times are compared with %s; checksums with the committed "
            "references\n",
            b->qemu_path ? "QEMU (xbt/QEMU ratios)" : "nothing (no QEMU)");
}

int bench_setup(struct bench *b, struct bench_opts *o, int argc, char **argv)
{
    int rc = parse_options(argc, argv, b, o);
    if (rc || o->list)
        return rc;
    if (o->check_native)
        return locate_dirs(b, o->guests);
    if ((rc = select_workloads(b, o->only, o->write_checksums != NULL)) ||
        (rc = parse_work(b, o->work)) || (rc = locate_dirs(b, o->guests)) ||
        (rc = check_kernels(b)))
        return rc;
    b->native_why = bench_native_check(b->native_dir);
    if (o->write_checksums)
        return make_tmpdir(b);
    if (o->plot && (rc = bench_plot_check(o->plot)))
        return rc;
    bench_linux_prepare(b);
    bench_disk_prepare(b);
    if (!b->nwl)
        return 1; /* only linux or disk workloads, skipped: nothing to run */
    if (!o->no_qemu)
        find_qemu(b);
    if ((rc = bench_configs_build(b, o->variants, o->nvariants, !b->native_why,
                                  b->qemu_path != NULL)) ||
        (rc = check_xbt_options(b)))
        return rc;
    if (b->native_why)
        native_notice(b);
    committed_references(b);
    return make_tmpdir(b);
}
