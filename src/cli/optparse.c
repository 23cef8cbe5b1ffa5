/*
 * optparse.c - the table-driven option parser: builds getopt_long's short
 * and long option lists from an optparse table, converts and checks each
 * value by the entry's kind, and stores it at the entry's offset.  Errors
 * about values are generated from the entry: "NAME VALUE: [WHAT ]must be
 * RANGE-OR-CHOICES[ UNIT]".
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/optparse.h"

/* getopt_long's val for the long names of entry i (short names are their
 * own character, below 256). */
#define LONG_VAL_BASE 256

struct getopt_lists {
    struct option *longs;
    char *shorts;
};

const char *optparse_name(const struct optparse_opt *o, char *buf, size_t n)
{
    if (o->name)
        snprintf(buf, n, "--%s", o->name);
    else
        snprintf(buf, n, "-%c", o->short_name);
    return buf;
}

int optparse_u64(const char *s, bool suffixes, unsigned long long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return XBT_EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno)
        return XBT_EINVAL;
    if (suffixes && *end) {
        const char *units = "kmg";
        const char *u = strchr(units, *end | 0x20);
        if (!u || !*u)
            return XBT_EINVAL;
        unsigned shift = 10 * (unsigned)(u - units + 1);
        if (v > (ULLONG_MAX >> shift))
            return XBT_EINVAL;
        v <<= shift;
        end++;
    }
    if (*end)
        return XBT_EINVAL;
    *out = v;
    return 0;
}

void optparse_store(const struct optparse_opt *o, void *dst, long long v)
{
    uint8_t *p = (uint8_t *)dst + o->offset;
    uint8_t b = (uint8_t)v;
    uint16_t h = (uint16_t)v;
    uint32_t w = (uint32_t)v;
    uint64_t q = (uint64_t)v;
    switch (o->size) {
    case 1: memcpy(p, &b, 1); break;
    case 2: memcpy(p, &h, 2); break;
    case 4: memcpy(p, &w, 4); break;
    case 8: memcpy(p, &q, 8); break;
    default: break;
    }
}

const struct optparse_choice *optparse_choice_find(const struct optparse_choice *c,
                                                   const char *name)
{
    for (; c && c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

void optparse_choice_join(const struct optparse_choice *c, const char *sep, const char *last_sep,
                          char *buf, size_t n)
{
    size_t count = 0, k = 0, len = 0;
    for (const struct optparse_choice *p = c; p && p->name; p++)
        count += !p->hidden;
    buf[0] = '\0';
    for (; c && c->name; c++) {
        if (c->hidden)
            continue;
        const char *s = k == 0 ? "" : k + 1 == count ? last_sep : sep;
        int w = snprintf(buf + len, n - len, "%s%s", s, c->name);
        if (w < 0 || (size_t)w >= n - len)
            return;
        len += (size_t)w;
        k++;
    }
}

void optparse_format(const struct optparse_opt *o, unsigned long long v, char *buf, size_t n)
{
    static const char units[] = "GMK";
    for (int i = 0; o->kind == OPTPARSE_SIZE && v && i < 3; i++) {
        unsigned shift = 10 * (unsigned)(3 - i);
        if (!(v & ((1ull << shift) - 1))) {
            snprintf(buf, n, "%llu%c", v >> shift, units[i]);
            return;
        }
    }
    snprintf(buf, n, "%llu", v);
}

/* "NAME VALUE: [WHAT ]must be WANT[ UNIT]" where WANT is the range or the
 * choices. */
static int value_error(const struct optparse_opt *o, const char *arg, int rc, char *err, size_t n)
{
    char name[64], want[256], lo[32], hi[32];
    if (o->kind == OPTPARSE_CHOICE) {
        optparse_choice_join(o->choices, ", ", " or ", want, sizeof(want));
    } else {
        optparse_format(o, o->min, lo, sizeof(lo));
        optparse_format(o, o->max, hi, sizeof(hi));
        snprintf(want, sizeof(want), "%s%s..%s", o->pow2 ? "a power of two in " : "", lo, hi);
    }
    snprintf(err, n, "%s %s: %s%smust be %s%s%s", optparse_name(o, name, sizeof(name)), arg,
             o->what ? o->what : "", o->what ? " " : "", want, o->unit ? " " : "",
             o->unit ? o->unit : "");
    return rc;
}

static int parse_number(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                        size_t n)
{
    unsigned long long v;
    if (optparse_u64(arg, o->kind == OPTPARSE_SIZE, &v))
        return value_error(o, arg, XBT_EINVAL, err, n);
    if (v < o->min || v > o->max || (o->pow2 && (!v || (v & (v - 1)))))
        return value_error(o, arg, XBT_ERANGE, err, n);
    optparse_store(o, dst, (long long)v);
    return 0;
}

/* Converts, checks and stores one option's argument. */
static int parse_value(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                       size_t n)
{
    const struct optparse_choice *c;
    switch (o->kind) {
    case OPTPARSE_FLAG: optparse_store(o, dst, o->value); return 0;
    case OPTPARSE_UINT:
    case OPTPARSE_SIZE: return parse_number(o, arg, dst, err, n);
    case OPTPARSE_CHOICE:
        c = optparse_choice_find(o->choices, arg);
        if (!c)
            return value_error(o, arg, XBT_EINVAL, err, n);
        optparse_store(o, dst, c->value);
        return 0;
    case OPTPARSE_STRING: memcpy((uint8_t *)dst + o->offset, &arg, sizeof(arg)); return 0;
    case OPTPARSE_CUSTOM: return o->parse(o, arg, dst, err, n);
    }
    return XBT_EINVAL;
}

void optparse_defaults(const struct optparse_table *t, void *dst)
{
    for (size_t i = 0; i < t->nopts; i++)
        if (t->opts[i].kind != OPTPARSE_STRING && t->opts[i].size)
            optparse_store(&t->opts[i], dst, t->opts[i].def);
}

static void getopt_lists_free(struct getopt_lists *g)
{
    free(g->longs);
    free(g->shorts);
}

/* getopt_long's lists: "+" and each short name (':' when it takes an
 * argument); each long name and alias, with val LONG_VAL_BASE + index. */
static int getopt_lists_build(const struct optparse_table *t, struct getopt_lists *g)
{
    size_t nl = 0, ns = 0;
    g->longs = calloc(2 * t->nopts + 1, sizeof(*g->longs));
    g->shorts = malloc(2 * t->nopts + 2);
    if (!g->longs || !g->shorts) {
        getopt_lists_free(g);
        return XBT_ENOMEM;
    }
    g->shorts[ns++] = '+';
    for (size_t i = 0; i < t->nopts; i++) {
        const struct optparse_opt *o = &t->opts[i];
        int has_arg = o->kind == OPTPARSE_FLAG ? no_argument : required_argument;
        const char *names[2] = { o->name, o->alias };
        for (int k = 0; k < 2; k++)
            if (names[k])
                g->longs[nl++] = (struct option){ names[k], has_arg, NULL, LONG_VAL_BASE + (int)i };
        if (o->short_name) {
            g->shorts[ns++] = o->short_name;
            if (has_arg == required_argument)
                g->shorts[ns++] = ':';
        }
    }
    g->shorts[ns] = '\0';
    return 0;
}

/* The entry getopt_long's return value c stands for, or NULL ('?'). */
static const struct optparse_opt *entry_of(const struct optparse_table *t, int c)
{
    if (c >= LONG_VAL_BASE && (size_t)(c - LONG_VAL_BASE) < t->nopts)
        return &t->opts[c - LONG_VAL_BASE];
    for (size_t i = 0; i < t->nopts; i++)
        if (t->opts[i].short_name && t->opts[i].short_name == c)
            return &t->opts[i];
    return NULL;
}

int optparse_parse(const struct optparse_table *t, int argc, char **argv, void *dst, int *operand,
                   char *err, size_t errlen)
{
    struct getopt_lists g;
    err[0] = '\0';
    int rc = getopt_lists_build(t, &g);
    if (rc) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    optind = 0; /* full re-initialisation */
    int c;
    while ((c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        const struct optparse_opt *o = entry_of(t, c);
        if (!o) {
            rc = XBT_EINVAL; /* getopt has said why on stderr */
            break;
        }
        rc = parse_value(o, optarg, dst, err, errlen);
        if (rc || o->stop)
            break;
    }
    *operand = optind;
    getopt_lists_free(&g);
    return rc;
}
