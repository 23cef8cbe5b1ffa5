/*
 * stats_json.c - reads the statistics `xbt run --stats-json` writes
 * (src/stats.c: {"group": {"name": number, ...}, ...}) into a flat list of
 * "group.name" = value, in file order.  A small parser for exactly that
 * shape: string keys, objects, numbers.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bench_int.h"
#include "xbt.h"

struct parser {
    const char *s;
};

static void skip_ws(struct parser *p)
{
    while (isspace((unsigned char)*p->s))
        p->s++;
}

/* A JSON string without escapes (xbt's names have none); malloc'd. */
static char *parse_string(struct parser *p)
{
    skip_ws(p);
    if (*p->s != '"')
        return NULL;
    const char *start = ++p->s;
    while (*p->s && *p->s != '"' && *p->s != '\\')
        p->s++;
    if (*p->s != '"')
        return NULL;
    char *r = bench_alloc((size_t)(p->s - start) + 1);
    memcpy(r, start, (size_t)(p->s - start));
    p->s++;
    return r;
}

static bool expect(struct parser *p, char c)
{
    skip_ws(p);
    if (*p->s != c)
        return false;
    p->s++;
    return true;
}

static void push(struct bench_stats *st, const char *group, const char *name, double v)
{
    struct bench_kv *n = bench_alloc((st->n + 1) * sizeof(*n));
    if (st->n)
        memcpy(n, st->kv, st->n * sizeof(*n));
    free(st->kv);
    st->kv = n;
    st->kv[st->n].key = bench_printf("%s.%s", group, name);
    st->kv[st->n].value = v;
    st->n++;
}

/* {"name": number, ...} of one group. */
static int parse_group(struct parser *p, const char *group, struct bench_stats *st)
{
    if (!expect(p, '{'))
        return XBT_EFORMAT;
    if (expect(p, '}'))
        return 0;
    do {
        char *name = parse_string(p);
        if (!name || !expect(p, ':')) {
            free(name);
            return XBT_EFORMAT;
        }
        skip_ws(p);
        char *end;
        double v = strtod(p->s, &end);
        if (end == p->s) {
            free(name);
            return XBT_EFORMAT;
        }
        p->s = end;
        push(st, group, name, v);
        free(name);
    } while (expect(p, ','));
    return expect(p, '}') ? 0 : XBT_EFORMAT;
}

int bench_stats_parse(const char *text, struct bench_stats *out)
{
    struct parser p = { text };
    memset(out, 0, sizeof(*out));
    int rc = expect(&p, '{') ? 0 : XBT_EFORMAT;
    if (!rc && !expect(&p, '}')) {
        do {
            char *group = parse_string(&p);
            rc = group && expect(&p, ':') ? parse_group(&p, group, out) : XBT_EFORMAT;
            free(group);
        } while (!rc && expect(&p, ','));
        if (!rc && !expect(&p, '}'))
            rc = XBT_EFORMAT;
    }
    if (rc)
        bench_stats_free(out);
    return rc;
}

int bench_stats_load(const char *path, struct bench_stats *out)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "r");
    if (!f)
        return XBT_ENOENT;
    size_t cap = 4096, len = 0;
    char *text = bench_alloc(cap);
    size_t n;
    while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *t = bench_alloc(cap * 2);
            memcpy(t, text, len);
            free(text);
            text = t;
            cap *= 2;
        }
    }
    fclose(f);
    text[len] = 0;
    int rc = bench_stats_parse(text, out);
    free(text);
    return rc;
}

double bench_stats_get(const struct bench_stats *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->kv[i].key, key))
            return s->kv[i].value;
    return -1;
}

void bench_stats_free(struct bench_stats *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->kv[i].key);
    free(s->kv);
    s->kv = NULL;
    s->n = 0;
}
