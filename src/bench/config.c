/*
 * config.c - the configurations `xbt bench` runs each workload in: native,
 * xbt with its defaults, xbt variants (-c "OPTS": `xbt run` options split at
 * spaces), the cartesian product of up to two --sweep "--KNOB=V1,V2,..."
 * (replacing the plain xbt configuration), and qemu.  No native
 * configuration on a host that cannot run i386 programs.
 */
#include <stdlib.h>
#include <string.h>

#include "bench_int.h"
#include "xbt.h"

static void split_words(struct bench_config *c)
{
    char *copy = bench_strdup(c->opts);
    size_t cap = 4;
    c->argv = bench_alloc(cap * sizeof(char *));
    c->argc = 0;
    for (char *tok = strtok(copy, " \t"); tok; tok = strtok(NULL, " \t")) {
        if ((size_t)c->argc + 2 > cap) {
            cap *= 2;
            char **n = bench_alloc(cap * sizeof(char *));
            memcpy(n, c->argv, (size_t)c->argc * sizeof(char *));
            free(c->argv);
            c->argv = n;
        }
        c->argv[c->argc++] = bench_strdup(tok);
    }
    c->argv[c->argc] = NULL;
    free(copy);
}

int bench_config_add(struct bench *b, enum bench_kind kind, const char *opts)
{
    struct bench_config *n = bench_alloc((b->ncfg + 1) * sizeof(*n));
    if (b->ncfg)
        memcpy(n, b->cfg, b->ncfg * sizeof(*n));
    free(b->cfg);
    b->cfg = n;
    struct bench_config *c = &b->cfg[b->ncfg];
    c->kind = kind;
    c->opts = bench_strdup(opts ? opts : "");
    split_words(c);
    switch (kind) {
    case BENCH_NATIVE: c->label = bench_strdup("native"); break;
    case BENCH_QEMU: c->label = bench_strdup("qemu"); break;
    case BENCH_XBT: {
        /* "xbt" plus the options, one space between words (without the
         * --tcache-stats a sweep adds itself) */
        size_t len = 4;
        for (int k = 0; k < c->argc; k++)
            len += strlen(c->argv[k]) + 1;
        c->label = bench_alloc(len);
        strcpy(c->label, "xbt");
        for (int k = 0; k < c->argc; k++) {
            if (b->nsweep && !strcmp(c->argv[k], "--tcache-stats"))
                continue;
            strcat(c->label, " ");
            strcat(c->label, c->argv[k]);
        }
        break;
    }
    }
    for (size_t i = 0; i < b->ncfg; i++)
        if (!strcmp(b->cfg[i].label, c->label)) {
            xbt_error("bench: configuration '%s' given twice", c->label);
            b->ncfg++; /* freed with the others */
            return XBT_EINVAL;
        }
    b->ncfg++;
    return 0;
}

int bench_sweep_parse(struct bench *b, const char *spec)
{
    if (b->nsweep >= BENCH_MAX_SWEEPS) {
        xbt_error("bench: at most %d --sweep options", BENCH_MAX_SWEEPS);
        return XBT_EINVAL;
    }
    const char *eq = strchr(spec, '=');
    if (strncmp(spec, "--", 2) || !eq || eq == spec + 2 || !eq[1] || strchr(spec, ' ')) {
        xbt_error("bench: --sweep '%s': want --KNOB=V1,V2,... (an xbt run option)", spec);
        return XBT_EINVAL;
    }
    struct bench_sweep *s = &b->sweep[b->nsweep++];
    s->knob = bench_alloc((size_t)(eq - spec) + 1);
    memcpy(s->knob, spec, (size_t)(eq - spec));
    size_t cap = 1;
    for (const char *p = eq + 1; *p; p++)
        cap += *p == ',';
    s->vals = bench_alloc(cap * sizeof(char *));
    char *copy = bench_strdup(eq + 1);
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
        s->vals[s->nvals++] = bench_strdup(tok);
    free(copy);
    if (!s->nvals) {
        xbt_error("bench: --sweep '%s': no values", spec);
        return XBT_EINVAL;
    }
    return 0;
}

static int add_sweep_product(struct bench *b)
{
    size_t n1 = b->sweep[0].nvals, n2 = b->nsweep > 1 ? b->sweep[1].nvals : 1;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++) {
            /* --tcache-stats: unit entries, for the exact miss rate */
            char *opts =
                bench_printf("--tcache-stats %s=%s", b->sweep[0].knob, b->sweep[0].vals[i]);
            if (b->nsweep > 1) {
                char *o2 = bench_printf("%s %s=%s", opts, b->sweep[1].knob, b->sweep[1].vals[j]);
                free(opts);
                opts = o2;
            }
            int rc = bench_config_add(b, BENCH_XBT, opts);
            free(opts);
            if (rc)
                return rc;
            struct bench_config *c = &b->cfg[b->ncfg - 1];
            c->sweep[0] = b->sweep[0].vals[i];
            if (b->nsweep > 1)
                c->sweep[1] = b->sweep[1].vals[j];
        }
    return 0;
}

int bench_configs_build(struct bench *b, char **variants, size_t nvariants, bool native, bool qemu)
{
    int rc = native ? bench_config_add(b, BENCH_NATIVE, NULL) : 0;
    if (!rc)
        rc = b->nsweep ? add_sweep_product(b) : bench_config_add(b, BENCH_XBT, "");
    for (size_t i = 0; !rc && i < nvariants; i++)
        rc = bench_config_add(b, BENCH_XBT, variants[i]);
    if (!rc && qemu)
        rc = bench_config_add(b, BENCH_QEMU, NULL);
    return rc;
}

void bench_configs_free(struct bench *b)
{
    for (size_t i = 0; i < b->ncfg; i++) {
        struct bench_config *c = &b->cfg[i];
        for (int k = 0; k < c->argc; k++)
            free(c->argv[k]);
        free(c->argv);
        free(c->label);
        free(c->opts);
    }
    free(b->cfg);
    b->cfg = NULL;
    b->ncfg = 0;
    for (size_t i = 0; i < b->nsweep; i++) {
        for (size_t k = 0; k < b->sweep[i].nvals; k++)
            free(b->sweep[i].vals[k]);
        free(b->sweep[i].vals);
        free(b->sweep[i].knob);
    }
    b->nsweep = 0;
}

int bench_default_xbt(const struct bench *b)
{
    for (size_t i = 0; i < b->ncfg; i++)
        if (b->cfg[i].kind == BENCH_XBT && !b->cfg[i].argc)
            return (int)i;
    for (size_t i = 0; i < b->ncfg; i++)
        if (b->cfg[i].kind == BENCH_XBT)
            return (int)i;
    return -1;
}
