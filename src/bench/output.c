/*
 * output.c - `--json FILE` and `--csv FILE`: every raw sample (workload,
 * configuration, run index, marker-region and whole-process seconds,
 * checksum, status, and for xbt configurations its --stats-json figures),
 * plus, in the JSON, the workloads (with their reference checksums and
 * where they came from), configurations, QEMU's version, whether native
 * runs were possible (and why not) and the summaries.  What was not
 * measured is null in the JSON and an empty field in the CSV, never 0:
 * without native runs, every ratio_native.  The CSV's ratio_native and
 * ratio_qemu are the sample's configuration's median over native's or
 * QEMU's median (the same on every run's row).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_int.h"
#include "xbt.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (v < 0)
        fputs("null", f);
    else
        fprintf(f, "%.9g", v);
}

/* {"group": {"name": v, ...}, ...} from the flat "group.name" list. */
static void json_stats(FILE *f, const struct bench_stats *s)
{
    fputc('{', f);
    size_t glen = 0;
    const char *group = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const char *key = s->kv[i].key, *dot = strchr(key, '.');
        size_t len = dot ? (size_t)(dot - key) : 0;
        if (!group || len != glen || strncmp(group, key, len)) {
            fprintf(f, "%s\"%.*s\": {", group ? "}, " : "", (int)len, key);
            group = key;
            glen = len;
        } else {
            fputs(", ", f);
        }
        json_str(f, dot ? dot + 1 : key);
        fprintf(f, ": %.15g", s->kv[i].value);
    }
    fputs(group ? "}}" : "}", f);
}

static void json_header(const struct bench *b, FILE *f)
{
    struct utsname u;
    char when[32] = "";
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "{\n  \"tool\": \"xbt bench\",\n  \"date\": \"%s\",\n", when);
    if (!uname(&u)) {
        fputs("  \"host\": ", f);
        json_str(f, u.release);
        fprintf(f, ",\n  \"host_cpus\": %ld,\n", sysconf(_SC_NPROCESSORS_ONLN));
    }
    fputs("  \"qemu_version\": ", f);
    if (b->qemu_version)
        json_str(f, b->qemu_version);
    else
        fputs("null", f);
    fprintf(f,
            ",\n  \"native\": {\"available\": %s, \"reason\": ", b->native_why ? "false" : "true");
    if (b->native_why)
        json_str(f, b->native_why);
    else
        fputs("null", f);
    fprintf(f, "},\n  \"runs\": %d,\n  \"quick\": %s,\n  \"measure\": ", b->runs,
            b->quick ? "true" : "false");
    json_str(f, "marker_s: from the newline of 'bench: start' to the first byte of "
                "'bench: end' on the guest's serial line (native: stdout); wall_s: the "
                "whole process");
    fputs(",\n  \"workloads\": [", f);
    for (size_t w = 0; w < b->nwl; w++) {
        const struct bench_workload *wl = b->wl[w];
        fprintf(f, "%s\n    {\"name\": ", w ? "," : "");
        json_str(f, wl->name);
        fprintf(f, ", \"class\": \"%s\", \"work\": %ld, \"kernel\": ", bench_class_name(wl->cls),
                b->work[w]);
        json_str(f, wl->kernel);
        fputs(", \"native\": ", f);
        if (wl->native)
            json_str(f, wl->native);
        else
            fputs("null", f);
        fputs(", \"native_equivalent\": ", f);
        json_str(f, wl->native_desc);
        fprintf(f, ", \"measured\": \"%s%s%s\", \"qemu_target\": ",
                wl->flags & BENCH_WL_BOOT ? "process start to '" : "'bench: start' to 'bench: end'",
                wl->flags & BENCH_WL_BOOT ? (wl->until ? wl->until : "bench: init") : "",
                wl->flags & BENCH_WL_BOOT ? "'" : "");
        json_num(f, wl->qemu_target > 0 ? wl->qemu_target : -1);
        fputs(", \"reference_checksum\": ", f);
        if (b->reference[w])
            json_str(f, b->reference[w]);
        else
            fputs("null", f);
        fputs(", \"reference_source\": ", f);
        if (b->ref_source[w])
            json_str(f, b->ref_source[w]);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"configs\": [", f);
    static const char *const kinds[] = { "native", "xbt", "qemu" };
    for (size_t c = 0; c < b->ncfg; c++) {
        fprintf(f, "%s\n    {\"name\": ", c ? "," : "");
        json_str(f, b->cfg[c].label);
        fprintf(f, ", \"kind\": \"%s\", \"options\": ", kinds[b->cfg[c].kind]);
        json_str(f, b->cfg[c].opts);
        for (size_t k = 0; k < b->nsweep; k++) {
            fputs(", ", f);
            json_str(f, b->sweep[k].knob);
            fputs(": ", f);
            json_str(f, b->cfg[c].sweep[k]);
        }
        fputc('}', f);
    }
    fputs("\n  ],\n", f);
}

static void json_samples(const struct bench *b, FILE *f)
{
    fputs("  \"samples\": [", f);
    for (size_t i = 0; i < b->nsmp; i++) {
        const struct bench_sample *s = &b->smp[i];
        fprintf(f, "%s\n    {\"workload\": ", i ? "," : "");
        json_str(f, b->wl[s->w]->name);
        fputs(", \"config\": ", f);
        json_str(f, b->cfg[s->c].label);
        fprintf(f, ", \"run\": %d, \"ok\": %s, \"status\": %d, \"marker_s\": ", s->run,
                s->ok ? "true" : "false", s->status);
        json_num(f, s->ok ? s->marker_s : -1);
        fputs(", \"wall_s\": ", f);
        json_num(f, s->wall_s);
        fputs(", \"checksum\": ", f);
        if (s->checksum[0])
            json_str(f, s->checksum);
        else
            fputs("null", f);
        fprintf(f, ", \"checksum_ok\": %s, \"late\": %s", s->mismatch ? "false" : "true",
                s->late ? "true" : "false");
        if (b->cfg[s->c].kind == BENCH_XBT) {
            fputs(", \"stats\": ", f);
            json_stats(f, &s->stats);
        }
        fputc('}', f);
    }
    fputs("\n  ],\n", f);
}

static void json_summary(const struct bench *b, FILE *f)
{
    fputs("  \"summary\": [", f);
    int first = 1;
    for (size_t w = 0; w < b->nwl; w++)
        for (size_t c = 0; c < b->ncfg; c++) {
            const struct bench_summary *s = bench_sum(b, w, c);
            fprintf(f, "%s\n    {\"workload\": ", first ? "" : ",");
            first = 0;
            json_str(f, b->wl[w]->name);
            fputs(", \"config\": ", f);
            json_str(f, b->cfg[c].label);
            fprintf(f, ", \"n\": %d, \"median_s\": ", s->n);
            json_num(f, s->n ? s->median : -1);
            fputs(", \"min_s\": ", f);
            json_num(f, s->n ? s->min : -1);
            fputs(", \"max_s\": ", f);
            json_num(f, s->n ? s->max : -1);
            fputs(", \"wall_median_s\": ", f);
            json_num(f, s->n ? s->wall_median : -1);
            fputs(", \"ratio_native\": ", f);
            json_num(f, bench_ratio(b, w, c, BENCH_NATIVE));
            fputs(", \"ratio_qemu\": ", f);
            json_num(f, bench_ratio(b, w, c, BENCH_QEMU));
            fputc('}', f);
        }
    fprintf(f, "\n  ],\n  \"failures\": %d,\n  \"mismatches\": %d\n}\n", b->failures,
            b->mismatches);
}

static int finish(FILE *f, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) || bad) {
        xbt_error("bench: cannot write %s", path);
        return XBT_EIO;
    }
    return 0;
}

int bench_write_json(const struct bench *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        xbt_error("bench: cannot write %s: %s", path, strerror(errno));
        return XBT_EIO;
    }
    json_header(b, f);
    json_samples(b, f);
    json_summary(b, f);
    return finish(f, path);
}

/* A quoted CSV field (labels and checksums may hold anything). */
static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ",ratio", or "," alone when it was not measured. */
static void csv_ratio(FILE *f, double r)
{
    if (r < 0)
        fputc(',', f);
    else
        fprintf(f, ",%.6g", r);
}

int bench_write_csv(const struct bench *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        xbt_error("bench: cannot write %s: %s", path, strerror(errno));
        return XBT_EIO;
    }
    /* the statistics columns: every key any sample has, first seen first */
    struct bench_stats cols = { NULL, 0 };
    size_t cap = 0;
    for (size_t i = 0; i < b->nsmp; i++)
        for (size_t k = 0; k < b->smp[i].stats.n; k++) {
            const char *key = b->smp[i].stats.kv[k].key;
            if (bench_stats_get(&cols, key) >= 0)
                continue;
            if (cols.n == cap) {
                cap = cap ? cap * 2 : 64;
                struct bench_kv *n = bench_alloc(cap * sizeof(*n));
                if (cols.n)
                    memcpy(n, cols.kv, cols.n * sizeof(*n));
                free(cols.kv);
                cols.kv = n;
            }
            cols.kv[cols.n].key = bench_strdup(key);
            cols.kv[cols.n++].value = 0;
        }
    fputs("workload,class,config,run,ok,status,marker_s,wall_s,checksum,checksum_ok,"
          "ratio_native,ratio_qemu",
          f);
    for (size_t k = 0; k < cols.n; k++)
        fprintf(f, ",%s", cols.kv[k].key);
    fputc('\n', f);
    for (size_t i = 0; i < b->nsmp; i++) {
        const struct bench_sample *s = &b->smp[i];
        fprintf(f, "%s,%s,", b->wl[s->w]->name, bench_class_name(b->wl[s->w]->cls));
        csv_str(f, b->cfg[s->c].label);
        fprintf(f, ",%d,%d,%d,", s->run, s->ok, s->status);
        if (s->ok)
            fprintf(f, "%.9f", s->marker_s);
        fprintf(f, ",%.9f,", s->wall_s);
        csv_str(f, s->checksum);
        fprintf(f, ",%d", !s->mismatch);
        csv_ratio(f, bench_ratio(b, s->w, s->c, BENCH_NATIVE));
        csv_ratio(f, bench_ratio(b, s->w, s->c, BENCH_QEMU));
        for (size_t k = 0; k < cols.n; k++) {
            double v = bench_stats_get(&s->stats, cols.kv[k].key);
            if (v >= 0)
                fprintf(f, ",%.15g", v);
            else
                fputc(',', f);
        }
        fputc('\n', f);
    }
    bench_stats_free(&cols);
    return finish(f, path);
}
