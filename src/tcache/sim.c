/*
 * sim.c - replaying a translation-cache trace (`xbt tcsim`): a struct
 * tcache in simulated mode (tc_init_sim: address space reserved, no code
 * written, no mmu) driven through the live cache's own tc_begin,
 * tc_commit, tc_invalidate_range and tc_flush, so the placement and
 * eviction policies (policy.c) are the live code.
 *
 * A unit entry whose key has no unit in the simulated cache is a miss:
 * the key is translated there with its last recorded size (plus the clock
 * policy's reference-bit bytes).  A recorded translation of a key the
 * simulated cache still holds with the same sizes is a hit; with other
 * sizes the guest rewrote the code where the live cache had no unit to
 * notice it, so the simulated unit is dropped and made again (`stale`).
 * Whether a key is held is tc.sim_present[key], which the cache clears
 * when it drops or frees the unit, so a hit touches no unit descriptor
 * (except to set the clock policy's reference bit).
 */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"
#include "tctrace.h"

/* Tunable: records decoded before the sims run over them.  Policy: 64 Ki
 * (8 bytes each: 512 KiB) keeps a chunk and one sim's tables within the
 * host's L2/L3 cache while each sim runs. */
#define TCT_CHUNK (1u << 16)

int tct_keys_apply(struct tct_keys *k, const struct tct_rec *rec)
{
    if (rec->type != TCT_KEY)
        return 0;
    if (k->n == k->cap) {
        uint32_t cap = k->cap ? 2 * k->cap : 4096;
        struct tct_rec *key = realloc(k->key, cap * sizeof(*key));
        if (!key)
            return XBT_ENOMEM;
        k->key = key;
        k->cap = cap;
    }
    k->key[k->n++] = *rec;
    return 0;
}

void tct_keys_free(struct tct_keys *k)
{
    free(k->key);
    memset(k, 0, sizeof(*k));
}

int tc_sim_init(struct tc_sim *s, const struct tct_header *h, size_t size, enum tc_policy policy,
                unsigned nursery_pct)
{
    memset(s, 0, sizeof(*s));
    int rc = tc_init_sim(&s->tc, size, h->npages);
    if (rc)
        return rc;
    return tc_set_policy(&s->tc, policy, nursery_pct);
}

void tc_sim_destroy(struct tc_sim *s)
{
    free(s->tc.sim_present);
    s->tc.sim_present = NULL;
    tc_destroy(&s->tc);
    free(s->key);
    memset(s, 0, sizeof(*s));
}

/* Room for keys [0, n). */
static int grow(struct tc_sim *s, uint32_t n)
{
    if (n <= s->nkeys_cap)
        return 0;
    uint32_t cap = s->nkeys_cap ? s->nkeys_cap : 4096;
    while (cap < n)
        cap *= 2;
    struct tc_sim_key *k = realloc(s->key, cap * sizeof(*k));
    if (k)
        s->key = k;
    uint8_t *p = realloc(s->tc.sim_present, cap);
    if (p)
        s->tc.sim_present = p;
    if (!k || !p)
        return XBT_ENOMEM;
    memset(k + s->nkeys_cap, 0, (cap - s->nkeys_cap) * sizeof(*k));
    memset(p + s->nkeys_cap, 0, cap - s->nkeys_cap);
    s->nkeys_cap = cap;
    return 0;
}

/* Makes key id's unit in the simulated arena (a miss). */
static int translate(struct tc_sim *s, const struct tct_rec *def, uint32_t id)
{
    static const uint32_t no_pc[1];
    static const uint16_t no_off[1];
    static const struct unit_memop no_memop[1];
    const struct tc_sim_key *k = &s->key[id];
    size_t room;
    struct unit *future;
    tc_begin(&s->tc, def->pc, def->mode, &room, &future);
    size_t size = k->code_size + (s->tc.policy == TC_POLICY_CLOCK ? TC_CLOCK_REF_BYTES : 0);
    if (size > room)
        size = room;          /* the live translator would have made it shorter */
    static struct unit proto; /* only the identity fields are ever set */
    proto.pc = def->pc;
    proto.vpc = def->vpc;
    proto.cs_base = def->cs_base;
    proto.cs_limit = def->cs_limit;
    proto.mode = def->mode;
    proto.guest_size = k->guest_size;
    proto.page[0] = def->pc & PAGE_MASK;
    proto.page[1] = k->page1;
    proto.trace_key = id;
    struct unit *u = tc_commit(&s->tc, &proto, size, no_pc, no_off, no_memop, 0);
    if (!u)
        return XBT_ENOMEM;
    s->key[id].unit = u;
    s->tc.sim_present[id] = 1;
    return 0;
}

static int sim_entry(struct tc_sim *s, const struct tct_keys *k, uint32_t id, uint64_t repeat)
{
    s->entries += repeat;
    if (!s->tc.sim_present[id]) {
        int rc = translate(s, &k->key[id], id);
        if (rc)
            return rc;
    }
    if (s->tc.policy == TC_POLICY_CLOCK)
        s->key[id].unit->ref = 1;
    return 0;
}

static int sim_trans(struct tc_sim *s, const struct tct_keys *k, const struct tct_rec *rec)
{
    struct tc_sim_key *key = &s->key[rec->key];
    bool same = key->guest_size == rec->guest_size && key->page1 == rec->page1;
    key->guest_size = rec->guest_size;
    key->code_size = rec->code_size;
    key->page1 = rec->page1;
    if (s->tc.sim_present[rec->key]) {
        if (same)
            return 0;
        tc_unit_drop(&s->tc, key->unit);
        s->stale++;
    }
    return translate(s, &k->key[rec->key], rec->key);
}

int tc_sim_apply(struct tc_sim *s, const struct tct_keys *k, const struct tct_rec *rec)
{
    if ((rec->type == TCT_ENTRY || rec->type == TCT_TRANS) && rec->key >= k->n)
        return XBT_EINVAL;
    if (grow(s, k->n) < 0)
        return XBT_ENOMEM;
    switch (rec->type) {
    case TCT_ENTRY: return sim_entry(s, k, rec->key, rec->repeat);
    case TCT_TRANS: return sim_trans(s, k, rec);
    case TCT_INVAL:
        tc_invalidate_range(&s->tc, rec->addr, rec->len, (enum tc_inval_cause)rec->cause);
        return 0;
    case TCT_FLUSH: tc_flush(&s->tc); return 0;
    default: return 0;
    }
}

/* ---- one pass over a trace ---------------------------------------------- */

struct tct_chunk {
    struct tct_op op[TCT_CHUNK];
    struct tct_rec ev[TCT_CHUNK];
    uint32_t nop, nev;
    uint64_t extra; /* entries of a run continued from the last chunk: hits */
};

static int undefined_key(const struct tct_replay *out)
{
    xbt_error("tcsim: %s: a record names a unit the trace never defined", out->path);
    return XBT_EINVAL;
}

/* A record tct_next decoded into the chunk. */
static int fill_one(struct tct_keys *keys, struct tct_chunk *c, const struct tct_rec *rec,
                    struct tct_replay *out)
{
    out->records++;
    if (tct_keys_apply(keys, rec) < 0)
        return XBT_ENOMEM;
    if ((rec->type == TCT_ENTRY || rec->type == TCT_TRANS) && rec->key >= keys->n)
        return undefined_key(out);
    if (rec->type == TCT_END) {
        out->live_translations = rec->translations;
        out->live_entries = rec->entries;
        out->complete = true;
    }
    if (rec->type == TCT_ENTRY && rec->cont) { /* a run the fast path split */
        struct tct_op *last = c->nop ? &c->op[c->nop - 1] : NULL;
        if (last && last->repeat && last->a == rec->key && last->repeat + rec->repeat <= UINT32_MAX)
            last->repeat += (uint32_t)rec->repeat;
        else
            c->extra += rec->repeat; /* its entry was replayed: the rest are hits */
    } else if (rec->type == TCT_ENTRY && rec->repeat <= UINT32_MAX) {
        c->op[c->nop++] = (struct tct_op){ rec->key, (uint32_t)rec->repeat };
    } else if (rec->type != TCT_KEY && rec->type != TCT_MODE) {
        c->ev[c->nev] = *rec;
        c->op[c->nop++] = (struct tct_op){ c->nev++, 0 };
    }
    return 0;
}

/* Entries the fast path decoded: keys checked. */
static int fill_entries(const struct tct_keys *keys, struct tct_chunk *c, uint32_t n,
                        struct tct_replay *out)
{
    for (uint32_t i = c->nop; i < c->nop + n; i++)
        if (c->op[i].a >= keys->n)
            return undefined_key(out);
    out->records += n;
    c->nop += n;
    return 0;
}

/* Decodes up to TCT_CHUNK records: 1 if the chunk holds some, 0 at the
 * end, or a negative error. */
static int fill(struct tct_reader *r, struct tct_keys *keys, struct tct_chunk *c,
                struct tct_replay *out)
{
    struct tct_rec rec;
    int rc = 1;
    c->nop = c->nev = 0;
    c->extra = 0;
    while (c->nop < TCT_CHUNK && c->nev < TCT_CHUNK && rc == 1) {
        uint32_t n = tct_read_entries(r, c->op + c->nop, TCT_CHUNK - c->nop);
        int err = 0;
        if (n)
            err = fill_entries(keys, c, n, out);
        else if ((rc = tct_next(r, &rec)) == 1)
            err = fill_one(keys, c, &rec, out);
        if (err)
            rc = err;
    }
    return rc < 0 ? rc : c->nop > 0 || c->extra;
}

static int run_chunk(struct tc_sim *s, const struct tct_keys *k, const struct tct_chunk *c)
{
    int rc = grow(s, k->n);
    s->entries += c->extra;
    const uint8_t *present = s->tc.sim_present;
    bool clock = s->tc.policy == TC_POLICY_CLOCK;
    for (uint32_t i = 0; i < c->nop && !rc; i++) {
        const struct tct_op *op = &c->op[i];
        if (op->repeat && present[op->a] && !clock) { /* a hit (most entries) */
            s->entries += op->repeat;
            continue;
        }
        rc = op->repeat ? sim_entry(s, k, op->a, op->repeat) : tc_sim_apply(s, k, &c->ev[op->a]);
        present = s->tc.sim_present; /* (grown by an event's key) */
    }
    return rc;
}

int tct_replay(const char *path, struct tc_sim *sims, int nsims, const struct tct_header *h,
               struct tct_replay *out)
{
    struct tct_reader *r;
    struct tct_header hh;
    memset(out, 0, sizeof(*out));
    out->path = path;
    int rc = tct_open(path, &r, &hh);
    if (rc)
        return rc;
    struct tct_chunk *c = calloc(1, sizeof(*c));
    struct tct_keys keys = { 0 };
    if (!c)
        rc = XBT_ENOMEM;
    else if (hh.tc_size != h->tc_size || hh.npages != h->npages || hh.policy != h->policy)
        rc = XBT_EINVAL;
    while (rc == 0 && (rc = fill(r, &keys, c, out)) == 1) {
        rc = 0;
        out->replayed += c->nop;
        for (int i = 0; i < nsims && !rc; i++)
            rc = run_chunk(&sims[i], &keys, c);
    }
    out->keys = keys.n;
    tct_keys_free(&keys);
    free(c);
    tct_close(r);
    for (int i = 0; i < nsims; i++)
        sims[i].tc.st.unit_entries = sims[i].entries;
    return rc;
}
