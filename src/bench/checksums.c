/*
 * checksums.c - the committed reference checksums of the workloads
 * (guests/bench/checksums.txt, built into xbt by checksums_data.S): one
 * line "WORKLOAD WORK CHECKSUM" per workload and work size, recorded from
 * the native twins on a host that runs them (`xbt bench
 * --write-checksums FILE`, called by `make native-refs`).  They are what
 * every run's checksum is checked against, natively or not; a host
 * without i386 support has nothing else to check xbt and QEMU against.
 */
#include <stdlib.h>
#include <string.h>

#include "bench_int.h"
#include "xbt.h"

extern const char bench_checksums_text[]; /* checksums_data.S */

/* Parses one "NAME WORK SUM" line; false for comments and blank lines. */
static bool parse_line(const char *line, char *name, size_t nlen, long *work, char *sum,
                       size_t slen)
{
    char n[64], s[24];
    long w;
    if (sscanf(line, " %63s %ld %23s", n, &w, s) != 3 || n[0] == '#')
        return false;
    snprintf(name, nlen, "%s", n);
    snprintf(sum, slen, "%s", s);
    *work = w;
    return true;
}

int bench_checksums_parse(const char *text, struct bench_checksum **out, size_t *n)
{
    size_t cap = 16;
    *out = bench_alloc(cap * sizeof(**out));
    *n = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[160], name[64], sum[24];
        long work;
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        if (parse_line(buf, name, sizeof name, &work, sum, sizeof sum)) {
            if (*n == cap) {
                cap *= 2;
                struct bench_checksum *m = bench_alloc(cap * sizeof(*m));
                memcpy(m, *out, *n * sizeof(*m));
                free(*out);
                *out = m;
            }
            struct bench_checksum *c = &(*out)[(*n)++];
            c->workload = bench_strdup(name);
            c->work = work;
            snprintf(c->checksum, sizeof c->checksum, "%s", sum);
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

void bench_checksums_free(struct bench_checksum *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i].workload);
    free(c);
}

const char *bench_checksum_committed(const char *workload, long work)
{
    static struct bench_checksum *table;
    static size_t n;
    if (!table)
        bench_checksums_parse(bench_checksums_text, &table, &n);
    for (size_t i = 0; i < n; i++)
        if (table[i].work == work && !strcmp(table[i].workload, workload))
            return table[i].checksum;
    return NULL;
}
