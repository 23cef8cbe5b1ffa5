/*
 * report.c - the guest profiler's report (profile.h): symbolises the
 * samples and writes the flat profile, the per-unit profile, the
 * translations per function and the folded stacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbt.h"
#include "profile/profile_int.h"
#include "profile/symbols.h"

/* Tunable: rows of each table in the report.  Policy: enough to cover
 * what a reader looks at; the folded stacks keep everything. */
#define REPORT_ROWS 40

/* Counters per symbol, plus the buckets [idle], [user], [unknown]. */
enum { B_IDLE, B_USER, B_UNKNOWN, B_COUNT };
static const char *const bucket_name[B_COUNT] = { "[idle]", "[user]", "[unknown]" };

struct report {
    struct profile *p;
    const struct symtab *syms;
    size_t nkeys; /* syms->n + B_COUNT */
};

/* The key of a frame: a symbol index, or syms.n + bucket. */
static size_t key_of(const struct report *r, uint32_t eip, bool user)
{
    const struct sym *s = symtab_find(r->syms, eip);
    if (s)
        return (size_t)(s - r->syms->v);
    return r->syms->n + (user ? B_USER : B_UNKNOWN);
}

static const char *key_name(const struct report *r, size_t k)
{
    return k < r->syms->n ? r->syms->v[k].name : bucket_name[k - r->syms->n];
}

struct row {
    size_t key;
    uint32_t eip;
    uint64_t n, m;
};

static int by_n(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return (x->eip > y->eip) - (x->eip < y->eip);
}

static void write_header(FILE *f, const struct profile *p)
{
    const struct profile_stats *s = &p->st;
    fprintf(f, "# xbt %s guest profile\n# command: %s\n", XBT_VERSION,
            p->cfg.command ? p->cfg.command : "");
    fprintf(f, "# clock: %s, %u samples a second of guest time\n",
            p->cfg.virtual_clock ? "virtual" : "host", p->cfg.hz);
    fprintf(f,
            "# samples: %llu (idle %llu, user %llu, not stored %llu); stacks: %llu return "
            "addresses, %llu truncated; translations: %llu; symbols: %llu\n",
            (unsigned long long)s->samples, (unsigned long long)s->idle,
            (unsigned long long)s->user, (unsigned long long)p->dropped,
            (unsigned long long)s->frames, (unsigned long long)s->truncated,
            (unsigned long long)s->translations, (unsigned long long)s->symbols);
}

static double pct(uint64_t n, uint64_t total)
{
    return total ? 100.0 * (double)n / (double)total : 0.0;
}

/* The flat profile: samples by the function of the sampled EIP. */
static void write_flat(FILE *f, const struct report *r, struct row *rows)
{
    const struct profile *p = r->p;
    for (size_t k = 0; k < r->nkeys; k++)
        rows[k] = (struct row){ .key = k };
    for (size_t i = 0; i < p->nwords; i += 1 + (p->words[i] & PS_FRAMES)) {
        uint32_t h = p->words[i];
        size_t k = h & PS_IDLE ? r->syms->n + B_IDLE : key_of(r, p->words[i + 1], h & PS_USER);
        rows[k].n++;
    }
    qsort(rows, r->nkeys, sizeof(*rows), by_n);
    uint64_t total = p->st.samples - p->dropped;
    fprintf(f, "\n## flat profile: samples by function\n%10s %7s  %s\n", "samples", "%",
            "function");
    for (size_t k = 0; k < r->nkeys && k < REPORT_ROWS && rows[k].n; k++)
        fprintf(f, "%10llu %6.2f%%  %s\n", (unsigned long long)rows[k].n, pct(rows[k].n, total),
                key_name(r, rows[k].key));
}

static void name_offset(const struct report *r, uint32_t eip, char *buf, size_t n)
{
    const struct sym *s = symtab_find(r->syms, eip);
    if (s)
        snprintf(buf, n, "%s+%#x", s->name, eip - s->addr);
    else
        snprintf(buf, n, "%s", eip < 0xC0000000u ? "[user]" : "[unknown]");
}

/* Samples and translations per unit start (a sample is taken between
 * units, so its EIP is the start of the unit about to run). */
static int write_units(FILE *f, const struct report *r)
{
    const struct profile *p = r->p;
    struct eip_table t = { 0 };
    for (size_t i = 0; i < p->nwords; i += 1 + (p->words[i] & PS_FRAMES))
        if (!(p->words[i] & PS_IDLE) && eip_table_add(&t, p->words[i + 1], 1))
            return XBT_ENOMEM;
    for (uint32_t i = 0; p->transl.v && i <= p->transl.mask; i++)
        if (p->transl.v[i].n && eip_table_add(&t, p->transl.v[i].eip, 0))
            return XBT_ENOMEM;
    struct row *rows = calloc(t.used ? t.used : 1, sizeof(*rows));
    if (!rows) {
        eip_table_free(&t);
        return XBT_ENOMEM;
    }
    size_t n = 0;
    for (uint32_t i = 0; t.v && i <= t.mask; i++)
        if (t.v[i].n || eip_table_get(&p->transl, t.v[i].eip))
            rows[n++] = (struct row){ .eip = t.v[i].eip,
                                      .n = t.v[i].n,
                                      .m = eip_table_get(&p->transl, t.v[i].eip) };
    eip_table_free(&t);
    qsort(rows, n, sizeof(*rows), by_n);
    fprintf(f, "\n## per translation unit: samples and translations by unit start\n");
    fprintf(f, "%10s %7s %8s  %-10s %s\n", "samples", "%", "transl", "eip", "function+offset");
    char buf[256];
    for (size_t i = 0; i < n && i < REPORT_ROWS && rows[i].n; i++) {
        name_offset(r, rows[i].eip, buf, sizeof(buf));
        fprintf(f, "%10llu %6.2f%% %8llu  0x%08x %s\n", (unsigned long long)rows[i].n,
                pct(rows[i].n, p->st.samples), (unsigned long long)rows[i].m, rows[i].eip, buf);
    }
    free(rows);
    return 0;
}

/* Translations (translation-cache misses) per function. */
static void write_translations(FILE *f, const struct report *r, struct row *rows)
{
    const struct profile *p = r->p;
    for (size_t k = 0; k < r->nkeys; k++)
        rows[k] = (struct row){ .key = k };
    for (uint32_t i = 0; p->transl.v && i <= p->transl.mask; i++)
        if (p->transl.v[i].n) {
            uint32_t eip = p->transl.v[i].eip;
            rows[key_of(r, eip, eip < 0xC0000000u)].n += p->transl.v[i].n;
        }
    qsort(rows, r->nkeys, sizeof(*rows), by_n);
    fprintf(f, "\n## translations (cache misses) by function\n%10s %7s  %s\n", "transl", "%",
            "function");
    for (size_t k = 0; k < r->nkeys && k < REPORT_ROWS && rows[k].n; k++)
        fprintf(f, "%10llu %6.2f%%  %s\n", (unsigned long long)rows[k].n,
                pct(rows[k].n, p->st.translations), key_name(r, rows[k].key));
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One sample's stack, outermost first: "a;b;c" (malloc'd). */
static char *fold(const struct report *r, const uint32_t *w)
{
    uint32_t n = *w & PS_FRAMES;
    if (*w & PS_IDLE)
        return strdup(bucket_name[B_IDLE]);
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    if (!m)
        return NULL;
    for (uint32_t k = n; k-- > 0;)
        fprintf(m, "%s%s", k + 1 < n ? ";" : "", key_name(r, key_of(r, w[1 + k], *w & PS_USER)));
    fclose(m);
    return s;
}

static int write_folded(const struct report *r, FILE *f)
{
    const struct profile *p = r->p;
    size_t ns = p->st.samples - p->dropped, k = 0;
    char **v = calloc(ns ? ns : 1, sizeof(*v));
    int rc = v ? 0 : XBT_ENOMEM;
    for (size_t i = 0; !rc && i < p->nwords && k < ns; i += 1 + (p->words[i] & PS_FRAMES))
        if (!(v[k++] = fold(r, p->words + i)))
            rc = XBT_ENOMEM;
    if (!rc) {
        qsort(v, k, sizeof(*v), by_str);
        for (size_t i = 0, j; i < k; i = j) {
            for (j = i + 1; j < k && !strcmp(v[i], v[j]); j++)
                ;
            fprintf(f, "%s %zu\n", v[i], j - i);
        }
    }
    for (size_t i = 0; i < k; i++)
        free(v[i]);
    free(v);
    return rc;
}

static int open_output(const char *path, FILE **f)
{
    *f = fopen(path, "w");
    if (*f)
        return 0;
    xbt_error("--profile: cannot write %s: %s", path, strerror(errno));
    return XBT_EIO;
}

int profile_prepare(struct profile *p)
{
    const struct profile_config *c = &p->cfg;
    char err[512];
    int rc = 0;
    /* --symbols first: its names win over the kernel's own */
    if (c->symbols && (rc = symtab_load(&p->syms, c->symbols, err, sizeof(err))))
        xbt_error("--symbols %s", err);
    if (!rc && c->elf && symtab_load(&p->syms, c->elf, err, sizeof(err)) == XBT_ENOMEM)
        rc = XBT_ENOMEM; /* a kernel without symbols is profiled by address */
    symtab_finish(&p->syms);
    p->st.symbols = p->syms.n;
    char *folded = NULL;
    if (!rc && asprintf(&folded, "%s.folded", c->path) < 0)
        rc = XBT_ENOMEM;
    if (!rc)
        rc = open_output(c->path, &p->report);
    if (!rc)
        rc = open_output(folded, &p->folded);
    free(folded);
    return rc;
}

int profile_check_symbols(const char *path, char *err, size_t errlen)
{
    struct symtab t = { 0 };
    int rc = symtab_load(&t, path, err, errlen);
    symtab_free(&t);
    return rc;
}

int profile_check_output(const char *path, char *err, size_t errlen)
{
    char *folded = NULL;
    if (asprintf(&folded, "%s.folded", path) < 0)
        return XBT_ENOMEM;
    const char *bad = NULL;
    FILE *f = fopen(path, "w");
    if (!f)
        bad = path;
    else if (fclose(f), !(f = fopen(folded, "w")))
        bad = folded;
    else
        fclose(f);
    if (bad)
        snprintf(err, errlen, "%s: cannot write it: %s", bad, strerror(errno));
    free(folded);
    return bad ? XBT_EIO : 0;
}

void profile_release(struct profile *p)
{
    if (p->report)
        fclose(p->report);
    if (p->folded)
        fclose(p->folded);
    p->report = p->folded = NULL;
    symtab_free(&p->syms);
}

int profile_write(struct profile *p)
{
    struct report r = { .p = p, .syms = &p->syms, .nkeys = p->syms.n + B_COUNT };
    struct row *rows = calloc(r.nkeys, sizeof(*rows));
    int rc = rows ? 0 : XBT_ENOMEM;
    if (!rc) {
        write_header(p->report, p);
        write_flat(p->report, &r, rows);
        rc = write_units(p->report, &r);
        write_translations(p->report, &r, rows);
    }
    free(rows);
    if (!rc)
        rc = write_folded(&r, p->folded);
    if (!rc && (fflush(p->report) || fflush(p->folded)))
        rc = XBT_EIO;
    if (rc)
        xbt_error("--profile %s: %s", p->cfg.path, xbt_strerror(rc));
    return rc;
}
