/*
 * bench_int.h - the data shared by the parts of `xbt bench`: workloads
 * (workloads.c), configurations (config.c), child processes and their
 * markers (runner.c), xbt statistics (stats_json.c), summaries and the
 * terminal report (report.c), JSON/CSV files (output.c) and gnuplot
 * (plot.c), the Linux guest of the linux class (linux.c); bench.c drives
 * them.
 */
#ifndef XBT_BENCH_INT_H
#define XBT_BENCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench.h"

/* ---- workloads.c ---- */
enum bench_class {
    BENCH_COMPUTE,
    BENCH_OS,
    BENCH_IO,
    BENCH_IOBOUND,
    BENCH_SMC,
    BENCH_LINUX,
    BENCH_DISK /* a PC disk image booted through the BIOS (diskimg.c) */
};

/* Workload flags (the linux class). */
#define BENCH_WL_BOOT                                                                              \
    1u /* measured from the process start to the guest's
                          * "bench: init" line; no checksum */
#define BENCH_WL_DISK                                                                              \
    2u /* on a disk: a fresh copy of the guest's ext4
                          * image; natively a temporary directory */

struct bench_workload {
    const char *name;
    enum bench_class cls;
    const char *kernel;      /* in the guests directory; linux class: the
                              * program in the Linux guest's /bench */
    const char *native;      /* in guests/native, or NULL: no native run */
    const char *native_desc; /* what the native run does */
    long work, quick_work;   /* the last word of the command line */
    double target;           /* the xbt/native target, 0: none */
    double qemu_target;      /* the xbt/QEMU target, 0: none */
    unsigned flags;          /* BENCH_WL_* */
    const char *until;       /* a boot's end (BENCH_WL_BOOT): the output the
                              * run is stopped at; NULL: "bench: init" */
};

const struct bench_workload *bench_workloads(size_t *n);
const struct bench_workload *bench_workload_find(const char *name);
const char *bench_class_name(enum bench_class c);
/* The class called name; false when there is none. */
bool bench_class_find(const char *name, enum bench_class *out);
/* Classes left out unless named (--only): Linux boots take seconds each. */
bool bench_class_opt_in(enum bench_class c);
void bench_list(FILE *f);

/* ---- config.c ---- */
enum bench_kind { BENCH_NATIVE, BENCH_XBT, BENCH_QEMU };

#define BENCH_MAX_SWEEPS 2

struct bench_config {
    enum bench_kind kind;
    char *label; /* "native", "xbt", "xbt --no-chain", "qemu" */
    char *opts;  /* xbt options as given ("" for defaults) */
    char **argv; /* opts split at spaces, NULL-terminated */
    int argc;
    const char *sweep[BENCH_MAX_SWEEPS]; /* swept values (into sweep_vals) */
};

struct bench_sweep {
    char *knob;  /* "--tcache-size" */
    char **vals; /* "64K", "256K", ... */
    size_t nvals;
};

/* ---- stats_json.c: xbt's --stats-json, flattened to "group.name" ---- */
struct bench_kv {
    char *key;
    double value;
};

struct bench_stats {
    struct bench_kv *kv;
    size_t n;
};

int bench_stats_parse(const char *text, struct bench_stats *out);
int bench_stats_load(const char *path, struct bench_stats *out);
/* The value of key, or -1 when absent. */
double bench_stats_get(const struct bench_stats *s, const char *key);
void bench_stats_free(struct bench_stats *s);

/* ---- runner.c ---- */
struct bench_proc {
    int status;     /* exit status, or 128 + signal */
    int exec_errno; /* why the exec failed (status 127), or 0 */
    bool timed_out;
    double wall_s;         /* fork to reaped */
    double t_start, t_end; /* marker arrival (s after fork), -1: none */
    double t_init;         /* the first byte of "bench: init", -1: none */
    char checksum[24];     /* from the end marker */
    bool late;             /* a marker was read after later output:
                                   * the harness was not scheduled in time */
    bool init_late;        /* ... "bench: init" was */
    char *out;             /* stdout (its first 64 KiB) */
    char *err;             /* stderr (its first 8 KiB) */
};

/* Runs argv[0] (a path) with stdin /dev/null, stdout on a pipe watched
 * for the markers, stderr captured; kills it after timeout_s.  0, or a
 * negative XBT_E* when it could not be started. */
int bench_run_process(char *const argv[], double timeout_s, struct bench_proc *p);
/* The same, stopped (killed, status 0) when its output contains until:
 * t_init is then the arrival of until's last byte (within a line's first
 * 200 bytes). */
int bench_run_until(char *const argv[], double timeout_s, const char *until, struct bench_proc *p);
void bench_proc_free(struct bench_proc *p);
/* SIGINT/SIGTERM/SIGHUP kill the running child, then `xbt bench`. */
void bench_runner_signals(void);

/* ---- native_host.c ---- */
/* XBT_NO_NATIVE (set, not "" or "0") forces the no-native path. */
bool bench_native_forced_off(void);
/* NULL when this host runs the native twins in native_dir (the probe
 * native_dir/i386_probe ran and printed its line), else why not
 * (malloc'd, one sentence without a final period). */
char *bench_native_check(const char *native_dir);

/* ---- checksums.c: the committed reference checksums ---- */
struct bench_checksum {
    char *workload;
    long work;
    char checksum[24];
};

/* Parses "WORKLOAD WORK CHECKSUM" lines ('#' comments) into *out. */
int bench_checksums_parse(const char *text, struct bench_checksum **out, size_t *n);
void bench_checksums_free(struct bench_checksum *c, size_t n);
/* The committed checksum of workload at this work size, or NULL. */
const char *bench_checksum_committed(const char *workload, long work);

/* ---- the state of one invocation (bench.c) ---- */
struct bench_sample {
    size_t w, c; /* workload and config index */
    int run;
    bool ok;       /* expected status and both markers */
    bool mismatch; /* checksum differs from the reference */
    bool late;     /* markers read late even after retries */
    int status;
    double marker_s, wall_s;
    char checksum[24];
    struct bench_stats stats; /* xbt configurations */
};

struct bench_summary {
    int n;                   /* good samples */
    double median, min, max; /* marker-region seconds */
    double wall_median;
    struct bench_stats stats; /* per-key median (xbt configurations) */
};

struct bench {
    const struct bench_workload **wl;
    size_t nwl;
    struct bench_config *cfg;
    size_t ncfg;
    struct bench_sweep sweep[BENCH_MAX_SWEEPS];
    size_t nsweep;
    struct bench_sample *smp;
    size_t nsmp, capsmp;
    struct bench_summary *sum; /* [w * ncfg + c] after bench_summarize */
    long *work;                /* per workload: its work size */
    int runs;
    bool quick;
    double timeout_s;
    char *xbt_path, *guest_dir, *native_dir;
    char *qemu_path, *qemu_version;
    char *tmpdir;
    char **reference;        /* per workload: the reference checksum */
    const char **ref_source; /* ... and where it came from: "committed",
                                   * "native" or "first run" */
    char *native_why;        /* why there are no native runs, or NULL */
    char *linux_dir;         /* the Linux guest (linux.c), or NULL */
    char *disk_dir;          /* the disk images (diskimg.c), or NULL */
    int failures, mismatches;
};

int bench_config_add(struct bench *b, enum bench_kind kind, const char *opts);
int bench_sweep_parse(struct bench *b, const char *spec);
/* native (when this host runs it), xbt (or the sweep's product), the -c
 * variants, qemu (when installed). */
int bench_configs_build(struct bench *b, char **variants, size_t nvariants, bool native, bool qemu);
void bench_configs_free(struct bench *b);
/* The xbt configuration the targets are judged on, or -1. */
int bench_default_xbt(const struct bench *b);

/* ---- report.c ---- */
int bench_summarize(struct bench *b);
struct bench_summary *bench_sum(const struct bench *b, size_t w, size_t c);
/* median(c) / median(native or qemu) for workload w, or -1. */
double bench_ratio(const struct bench *b, size_t w, size_t c, enum bench_kind to);
int bench_find_kind(const struct bench *b, enum bench_kind k);
void bench_report(const struct bench *b, FILE *f);

/* ---- output.c ---- */
int bench_write_json(const struct bench *b, const char *path);
int bench_write_csv(const struct bench *b, const char *path);

/* ---- plot.c ---- */
/* Checks that gnuplot exists and the file name ends in .svg or .png. */
int bench_plot_check(const char *path);
int bench_plot(const struct bench *b, const char *path);

/* ---- setup.c ---- */
#define BENCH_DEFAULT_TIMEOUT_S 120.0

struct bench_opts {
    char **variants; /* -c values */
    size_t nvariants;
    const char *only, *work, *json, *csv, *plot, *guests;
    const char *write_checksums; /* --write-checksums FILE */
    int runs;                    /* 0: default */
    bool no_qemu, list, check_native;
};

/* Parses the options and prepares *b; 1: done (--help), <0: usage error. */
int bench_setup(struct bench *b, struct bench_opts *o, int argc, char **argv);

/* ---- linux.c: the guest of the linux class ---- */
/* When linux workloads are selected: makes (or finds up to date) the
 * Linux guest through GUESTS/linux/make-guest.sh.  When it cannot be made,
 * says why in one line and drops the linux workloads (not a failure). */
void bench_linux_prepare(struct bench *b);
/* Appends to v (at *n) the arguments that boot workload w with work size
 * work under an xbt (after its options) or QEMU configuration. */
void bench_linux_xbt_args(const struct bench *b, size_t w, const char *work, char **v, int *n);
void bench_linux_qemu_args(const struct bench *b, size_t w, const char *work, char **v, int *n);
/* The native run's argument after the work size (malloc'd): for a disk
 * workload the directory it works in; else NULL. */
char *bench_linux_native_dir(const struct bench *b, const struct bench_workload *wl);
/* Before each run of wl in a configuration of this kind: a fresh copy of
 * the disk image, or the native directory.  0, or a negative XBT_E*
 * (reported). */
int bench_linux_before_run(const struct bench *b, const struct bench_workload *wl,
                           enum bench_kind kind);
/* Removes what bench_linux_before_run made in the temporary directory. */
void bench_linux_cleanup(const struct bench *b);

/* ---- maker.c ---- */
struct bench_maker {
    const char *script;  /* in the guests directory */
    const char *what;    /* "the Linux guest" */
    const char *missing; /* why, when the script is not there */
    double timeout_s;
    /* whether dir holds everything the selected workloads need */
    bool (*complete)(const struct bench *b, const char *dir);
};
/* Whether dir/file is readable. */
bool bench_dir_has(const char *dir, const char *file);
/* When a workload of class cls is selected, runs m's script: *dir set
 * (malloc'd), or one line saying why not and the class's workloads
 * dropped (not a failure). */
void bench_make_class(struct bench *b, enum bench_class cls, const struct bench_maker *m,
                      char **dir);

/* ---- diskimg.c: the disk images of the disk class ---- */
/* When disk workloads are selected: makes (or finds up to date) the PC
 * disk images through GUESTS/disk/make-images.sh; when it cannot, says why
 * in one line and drops the disk workloads (not a failure). */
void bench_disk_prepare(struct bench *b);
/* Appends to v (at *n) the arguments that boot workload w's image (a
 * read-only use: --snapshot, snapshot=on) under xbt (after its options)
 * or QEMU. */
void bench_disk_xbt_args(const struct bench *b, size_t w, char **v, int *n);
void bench_disk_qemu_args(const struct bench *b, size_t w, char **v, int *n);

/* ---- setup.c ---- */
/* Whether a workload of class cls is selected. */
bool bench_class_selected(const struct bench *b, enum bench_class cls);
/* Leaves out the workloads of class cls (and their work sizes). */
void bench_drop_class(struct bench *b, enum bench_class cls);

/* ---- record.c ---- */
/* --write-checksums FILE: runs the native twin of every selected workload
 * at its full and --quick work sizes (and --work's, and those FILE already
 * lists) and writes FILE.  0, or a negative XBT_E* (reported). */
int bench_record_checksums(struct bench *b, const char *path);

/* ---- bench.c ---- */
/* The native run of wl at this work size (argv, NULL-terminated, malloc'd
 * strings), or NULL when wl has no native program. */
char **bench_native_argv(const struct bench *b, const struct bench_workload *wl, long work);
void bench_free_argv(char **v);

/* ---- small helpers (bench.c) ---- */
char *bench_strdup(const char *s); /* aborts on ENOMEM */
void *bench_alloc(size_t n);       /* zeroed; aborts on ENOMEM */
char *bench_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *bench_last_line(const char *text); /* the last non-empty line, malloc'd */

#endif
