/*
 * sim.c - replaying a translation-cache trace (`xbt tcsim`): a struct
 * tcache in simulated mode (tc_init_sim: address space reserved, no code
 * written, no mmu) driven through the live cache's own tc_begin,
 * tc_commit, tc_invalidate_range and tc_flush, so the placement and
 * eviction policies (policy.c) are the live code.
 *
 * A unit entry whose key has no unit in a simulated cache is a miss
 * there: the key is translated with its last recorded sizes (plus the
 * clock policy's reference-bit bytes).  A recorded translation of a key a
 * simulated cache still holds with the same sizes is a hit; with other
 * sizes the guest rewrote the code where the live cache had no unit to
 * notice it, so the simulated unit is dropped and made again (`stale`).
 *
 * The caches of one replay (up to 64) run in lockstep over each decoded
 * entry: which of them hold its key is one word (struct tc_sim_keys), so
 * an entry all of them hold - most entries - costs one load for all, and
 * only the caches that miss run their own code.  Hits set no reference
 * bit: the clock policy counts an entry of the key after the bit was
 * cleared (simk->key[].seen) instead.  Where misses are many, each cache runs
 * over the chunk in turn instead (run_each: its tables stay warm).
 */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"
#include "tctrace.h"

/* Tunable: records decoded before the sims run over them.  Policy: 64 Ki
 * (8 bytes each: 512 KiB) stays in the host's L2/L3 cache. */
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
    s->tc.simk = NULL;
    free(s->tc.sim_held);
    s->tc.sim_held = NULL;
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
    uint64_t *held = k ? realloc(s->tc.sim_held, cap / 8) : NULL;
    if (!held)
        return XBT_ENOMEM;
    memset(k + s->nkeys_cap, 0, (cap - s->nkeys_cap) * sizeof(*k));
    memset(held + s->nkeys_cap / 64, 0, (cap - s->nkeys_cap) / 8);
    s->tc.sim_held = held;
    s->nkeys_cap = cap;
    return 0;
}

static int grow_shared(struct tc_sim_keys *sk, uint32_t n)
{
    if (n <= sk->cap)
        return 0;
    uint32_t cap = sk->cap ? sk->cap : 4096;
    while (cap < n)
        cap *= 2;
    struct tc_sim_key_state *key = realloc(sk->key, cap * sizeof(*key));
    if (!key)
        return XBT_ENOMEM;
    memset(key + sk->cap, 0, (cap - sk->cap) * sizeof(*key));
    sk->key = key;
    sk->cap = cap;
    return 0;
}

static bool holds(const struct tc_sim *s, uint32_t id)
{
    return (s->tc.simk->key[id].held & s->tc.sim_bit) != 0;
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
    u->ref_at = s->tc.simk->now; /* (entries from now on set its bit) */
    s->key[id].unit = u;
    s->tc.simk->key[id].held |= s->tc.sim_bit;
    s->tc.sim_held[id >> 6] |= 1ull << (id & 63);
    return 0;
}

static int sim_trans(struct tc_sim *s, const struct tct_keys *k, const struct tct_rec *rec)
{
    struct tc_sim_key *key = &s->key[rec->key];
    bool same = key->guest_size == rec->guest_size && key->page1 == rec->page1;
    key->guest_size = rec->guest_size;
    key->code_size = rec->code_size;
    key->page1 = rec->page1;
    if (holds(s, rec->key)) {
        if (same)
            return 0;
        tc_unit_drop(&s->tc, key->unit);
        s->stale++;
    }
    return translate(s, &k->key[rec->key], rec->key);
}

/* An event record (entries are replayed in lockstep: run_chunk). */
static int sim_event(struct tc_sim *s, const struct tct_keys *k, const struct tct_rec *rec)
{
    switch (rec->type) {
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

/* The caches that do not hold the key of an entry translate it. */
static int entry_misses(struct tc_sim *sims, uint64_t miss, const struct tct_keys *k, uint32_t id)
{
    for (; miss; miss &= miss - 1) {
        struct tc_sim *s = &sims[__builtin_ctzll(miss)];
        int rc = translate(s, &k->key[id], id);
        if (rc)
            return rc;
        s->key[id].unit->ref = 1; /* entered */
    }
    return 0;
}

/* The sims over one chunk in lockstep (few misses: entries dominate). */
static int run_lockstep(struct tc_sim *sims, int nsims, struct tc_sim_keys *sk,
                        const struct tct_keys *k, const struct tct_chunk *c)
{
    uint64_t all = nsims == 64 ? ~0ull : (1ull << nsims) - 1;
    int rc = 0;
    for (uint32_t i = 0; i < c->nop && !rc; i++) {
        const struct tct_op *op = &c->op[i];
        if (!op->repeat) {
            for (int j = 0; j < nsims && !rc; j++)
                rc = sim_event(&sims[j], k, &c->ev[op->a]);
            continue;
        }
        struct tc_sim_key_state *ks = &sk->key[op->a];
        ks->seen = ++sk->now;
        uint64_t miss = all & ~ks->held;
        if (miss) /* (rare: most entries are hits in every cache) */
            rc = entry_misses(sims, miss, k, op->a);
    }
    return rc;
}

/* One sim over the whole chunk, then the next (many misses: each sim's
 * tables stay in the host's cache, and which keys it holds is its own
 * bitmap); hits set the clock bit directly. */
static int run_each(struct tc_sim *sims, int nsims, const struct tct_keys *k,
                    const struct tct_chunk *c)
{
    int rc = 0;
    for (int j = 0; j < nsims && !rc; j++) {
        struct tc_sim *s = &sims[j];
        bool clock = s->tc.policy == TC_POLICY_CLOCK;
        const uint64_t *held = s->tc.sim_held;
        for (uint32_t i = 0; i < c->nop && !rc; i++) {
            const struct tct_op *op = &c->op[i];
            if (!op->repeat)
                rc = sim_event(s, k, &c->ev[op->a]);
            else if (!(held[op->a >> 6] & 1ull << (op->a & 63)))
                rc = entry_misses(s, 1, k, op->a);
            else if (clock)
                s->key[op->a].unit->ref = 1;
        }
    }
    return rc;
}

/* Tunable: run_each instead of lockstep when the last chunk's misses (all
 * sims) times this exceed its entries times the sims.  Policy: a miss
 * costs about 3 times more with the sims' tables cold (lockstep) and an
 * entry about as much per sim in run_each as for all in lockstep, so 128
 * picks run_each for codefoot's misses, lockstep for a Linux boot. */
#define TCT_MISS_WEIGHT 128u

/* Every sim over one chunk; *entries counts its entries, *misses the
 * translations it made (for the next chunk's choice). */
static int run_chunk(struct tc_sim *sims, int nsims, struct tc_sim_keys *sk,
                     const struct tct_keys *k, const struct tct_chunk *c, uint64_t *entries,
                     uint64_t *misses)
{
    int rc = grow_shared(sk, k->n);
    uint64_t before = 0, after = 0, n = c->extra;
    for (int j = 0; j < nsims && !rc; j++) {
        rc = grow(&sims[j], k->n);
        before += sims[j].tc.st.translations;
    }
    for (uint32_t i = 0; i < c->nop; i++)
        n += c->op[i].repeat;
    if (!rc && *misses * TCT_MISS_WEIGHT > (uint64_t)c->nop * (uint64_t)nsims)
        rc = run_each(sims, nsims, k, c);
    else if (!rc)
        rc = run_lockstep(sims, nsims, sk, k, c);
    for (int j = 0; j < nsims; j++)
        after += sims[j].tc.st.translations;
    *entries += n;
    *misses = after - before;
    return rc;
}

int tct_replay(const char *path, struct tc_sim *sims, int nsims, const struct tct_header *h,
               struct tct_replay *out)
{
    struct tct_reader *r;
    struct tct_header hh;
    memset(out, 0, sizeof(*out));
    out->path = path;
    if (nsims < 1 || nsims > 64)
        return XBT_EINVAL;
    int rc = tct_open(path, &r, &hh);
    if (rc)
        return rc;
    struct tct_chunk *c = calloc(1, sizeof(*c));
    struct tct_keys keys = { 0 };
    struct tc_sim_keys sk = { 0 };
    uint64_t entries = 0, misses = 0;
    for (int i = 0; i < nsims; i++) {
        sims[i].tc.simk = &sk;
        sims[i].tc.sim_bit = 1ull << i;
    }
    if (!c)
        rc = XBT_ENOMEM;
    else if (hh.tc_size != h->tc_size || hh.npages != h->npages || hh.policy != h->policy)
        rc = XBT_EINVAL;
    while (rc == 0 && (rc = fill(r, &keys, c, out)) == 1) {
        out->replayed += c->nop;
        rc = run_chunk(sims, nsims, &sk, &keys, c, &entries, &misses);
    }
    out->keys = keys.n;
    for (int i = 0; i < nsims; i++) {
        sims[i].entries = entries;
        sims[i].tc.st.unit_entries = entries;
        sims[i].tc.simk = NULL; /* (the caches are left as the trace left them) */
    }
    tct_keys_free(&keys);
    free(sk.key);
    free(c);
    tct_close(r);
    return rc;
}
