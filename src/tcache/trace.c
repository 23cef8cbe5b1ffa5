/*
 * trace.c - the recorder of `xbt run --tcache-trace FILE`: unit entries
 * (chained ones too), translations, invalidations, outside flushes and
 * mode changes, encoded by trace_codec.c and compressed with zstd.
 *
 * Entries: with tracing on, every unit's prologue appends its descriptor
 * index to a ring (tc_trace_ring: 5 flag-free instructions, 30 bytes; no
 * branch, so chaining stays as it is).  The ring is drained into records
 * before every other event (so entries keep their place in the stream)
 * and when the dispatcher looks a unit up with the ring past
 * TCT_RING_DRAIN bytes.  Descriptor indices are unambiguous when drained:
 * a descriptor is reused only after an eviction, which happens only while
 * translating, and a translation is an event (drained first).  Units are
 * named in the file by key ids (struct tct_rec TCT_KEY), assigned at their
 * first translation; consecutive entries of one key become one repeat.
 * With --tcache-trace-window BYTES, the entries between two events are
 * reduced in windows (trace_window.c) before they are encoded.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zstd.h>

#include "tctrace.h"

/* Tunable: the ring is drained at a dispatcher lookup once it holds this
 * many bytes.  Policy: small enough to stay in the host's L2, large
 * enough that draining is rare (the ring is also drained at every event). */
#define TCT_RING_DRAIN (256u << 10)
/* Tunable: encoded bytes gathered before they are handed to zstd.
 * Policy: zstd's own block size (128 KiB) and a record's worth more. */
#define TCT_RAW_BUF (128u << 10)
/* Tunable: zstd compression level.  Policy: 3 (zstd's default) keeps the
 * recorder's cost small next to the guest's; traces are mostly repeats. */
#define TCT_ZSTD_LEVEL 3
/* The ring: 4 GiB of address space (never touched beyond what is used) so
 * that any 32-bit offset translated code computes stays inside it. */
#define TCT_RING_SPAN ((size_t)1 << 32)

/* A key and its open-addressing slot table (hash of the key fields). */
struct tct_key {
    uint32_t pc, vpc, mode, cs_base, cs_limit;
};

struct tc_trace {
    uint8_t *map, *ring; /* ring offset (uint32) at ring - 8 */
    FILE *f;
    ZSTD_CCtx *z;
    uint8_t raw[TCT_RAW_BUF + TCT_MAX_RECORD];
    size_t nraw;
    uint8_t *zout;
    size_t zout_size;
    struct tct_state st;
    struct tct_key *keys;
    uint32_t nkeys, keys_cap;
    uint32_t *slots, slots_mask; /* key id + 1, 0 = empty */
    uint32_t run_key, last_mode;
    uint64_t run_len;       /* entries of run_key not yet written */
    struct tct_window win;  /* (win.size 0: entries written as they come) */
    struct tc_stats *stats; /* the cache's: the trace_* counters */
    uint64_t entries, translations;
    int err;
};

static uint32_t *ring_pos(struct tc_trace *t)
{
    return (uint32_t *)(t->ring - 8);
}

uint8_t *tc_trace_ring(const struct tcache *tc)
{
    return tc->trace ? tc->trace->ring : NULL;
}

/* Compresses what raw holds (end: finishes the frame). */
static void zflush(struct tc_trace *t, bool end)
{
    ZSTD_inBuffer in = { t->raw, t->nraw, 0 };
    ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
        ZSTD_outBuffer out = { t->zout, t->zout_size, 0 };
        size_t left = ZSTD_compressStream2(t->z, &out, &in, mode);
        if (ZSTD_isError(left)) {
            t->err = XBT_EIO;
            break;
        }
        if (out.pos && fwrite(t->zout, 1, out.pos, t->f) != out.pos)
            t->err = XBT_EIO;
        if (end ? left == 0 : in.pos == in.size)
            break;
    }
    t->nraw = 0;
}

static void put(struct tc_trace *t, const struct tct_rec *rec)
{
    t->nraw += tct_encode(&t->st, rec, t->raw + t->nraw);
    t->stats->trace_records += rec->type == TCT_ENTRY && rec->repeat > 1 ? 2 : 1;
    if (t->nraw >= TCT_RAW_BUF)
        zflush(t, false);
}

/* Writes the pending run of entries. */
static void run_flush(struct tc_trace *t)
{
    if (!t->run_len)
        return;
    put(t, &(struct tct_rec){ .type = TCT_ENTRY, .key = t->run_key, .repeat = t->run_len });
    t->run_len = 0;
}

/* n entries of key, after what was written. */
static void entry_run(struct tc_trace *t, uint32_t key, uint64_t n)
{
    if (key == t->run_key && t->run_len) {
        t->run_len += n;
        return;
    }
    run_flush(t);
    if (t->keys[key].mode != t->last_mode) {
        t->last_mode = t->keys[key].mode;
        put(t, &(struct tct_rec){ .type = TCT_MODE, .mode = t->last_mode });
    }
    t->run_key = key;
    t->run_len = n;
}

/* Writes the open window's reduction. */
static void window_flush(struct tc_trace *t)
{
    const struct tct_run *run;
    if (!t->win.nrun)
        return;
    t->stats->trace_windows++;
    t->stats->trace_runs_in += t->win.nrun;
    uint32_t n = tct_window_reduce(&t->win, &run);
    t->stats->trace_runs_kept += n;
    for (uint32_t i = 0; i < n; i++)
        entry_run(t, run[i].key, run[i].n);
}

/* An entry of unit (key id key). */
static void entry(struct tc_trace *t, const struct unit *unit)
{
    t->entries++;
    if (!t->win.size) {
        entry_run(t, unit->trace_key, 1);
        return;
    }
    uint32_t bytes = unit->code_size - unit->instr_bytes;
    int rc;
    while ((rc = tct_window_add(&t->win, unit->trace_key, 1, bytes)) == 1)
        window_flush(t);
    if (rc < 0)
        t->err = rc;
}

/* Turns the ring's descriptor indices into entry records. */
static void drain(struct tcache *tc)
{
    struct tc_trace *t = tc->trace;
    uint32_t n = *ring_pos(t) / 4;
    const uint32_t *idx = (const uint32_t *)t->ring;
    for (uint32_t i = 0; i < n; i++)
        if (idx[i] < tc->max_units)
            entry(t, &tc->units[idx[i]]);
    *ring_pos(t) = 0;
}

void tc_trace_poll(struct tcache *tc)
{
    if (*ring_pos(tc->trace) >= TCT_RING_DRAIN)
        drain(tc);
}

/* Flushes entries before an event: they happened first. */
static struct tc_trace *event(struct tcache *tc)
{
    if (!tc->trace)
        return NULL;
    drain(tc);
    if (tc->trace->win.size)
        window_flush(tc->trace);
    run_flush(tc->trace);
    return tc->trace;
}

static uint32_t key_hash(const struct tct_key *k)
{
    uint32_t h = k->pc * 0x9E3779B1u ^ k->vpc * 0x85EBCA6Bu ^ k->mode * 0xC2B2AE35u;
    h ^= k->cs_base * 0x27D4EB2Fu ^ k->cs_limit;
    return h ^ h >> 15;
}

static int keys_grow(struct tc_trace *t)
{
    uint32_t cap = t->keys_cap ? 2 * t->keys_cap : 4096;
    struct tct_key *k = realloc(t->keys, cap * sizeof(*k));
    if (k)
        t->keys = k;
    uint32_t *slots = k ? calloc(2 * (size_t)cap, sizeof(uint32_t)) : NULL;
    if (!slots)
        return XBT_ENOMEM;
    t->keys_cap = cap;
    free(t->slots);
    t->slots = slots;
    t->slots_mask = 2 * cap - 1;
    for (uint32_t i = 0; i < t->nkeys; i++) {
        uint32_t s = key_hash(&t->keys[i]) & t->slots_mask;
        while (t->slots[s])
            s = (s + 1) & t->slots_mask;
        t->slots[s] = i + 1;
    }
    return 0;
}

/* The key id of unit's key, defined (TCT_KEY) on first sight. */
static int key_of(struct tc_trace *t, const struct unit *u, uint32_t *id)
{
    struct tct_key k = { u->pc, u->vpc, u->mode, u->cs_base, u->cs_limit };
    if (t->nkeys == t->keys_cap && keys_grow(t) < 0)
        return XBT_ENOMEM;
    uint32_t s = key_hash(&k) & t->slots_mask;
    for (; t->slots[s]; s = (s + 1) & t->slots_mask) {
        if (!memcmp(&t->keys[t->slots[s] - 1], &k, sizeof(k))) {
            *id = t->slots[s] - 1;
            return 0;
        }
    }
    t->keys[t->nkeys] = k;
    t->slots[s] = ++t->nkeys;
    *id = t->nkeys - 1;
    put(t, &(struct tct_rec){ .type = TCT_KEY,
                              .pc = k.pc,
                              .vpc = k.vpc,
                              .mode = k.mode,
                              .cs_base = k.cs_base,
                              .cs_limit = k.cs_limit });
    return 0;
}

void tc_trace_translate(struct tcache *tc, const struct unit *unit)
{
    struct tc_trace *t = event(tc);
    uint32_t id;
    if (!t || key_of(t, unit, &id) < 0) {
        if (t)
            t->err = XBT_ENOMEM;
        return;
    }
    ((struct unit *)unit)->trace_key = id;
    t->translations++;
    put(t, &(struct tct_rec){ .type = TCT_TRANS,
                              .key = id,
                              .guest_size = unit->guest_size,
                              .code_size = unit->code_size - unit->instr_bytes,
                              .page1 = unit->page[1] });
}

void tc_trace_inval(struct tcache *tc, uint32_t addr, uint32_t len, enum tc_inval_cause cause)
{
    struct tc_trace *t = event(tc);
    if (t)
        put(t, &(struct tct_rec){ .type = TCT_INVAL, .addr = addr, .len = len, .cause = cause });
}

void tc_trace_flush(struct tcache *tc)
{
    struct tc_trace *t = event(tc);
    if (t)
        put(t, &(struct tct_rec){ .type = TCT_FLUSH });
}

static void trace_free(struct tc_trace *t)
{
    if (t->map)
        munmap(t->map, TCT_RING_SPAN + 4096);
    if (t->f)
        fclose(t->f);
    ZSTD_freeCCtx(t->z);
    free(t->zout);
    free(t->keys);
    free(t->slots);
    tct_window_free(&t->win);
    free(t);
}

static int trace_setup(struct tcache *tc, struct tc_trace *t, const char *path, uint32_t window)
{
    t->map = mmap(NULL, TCT_RING_SPAN + 4096, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (t->map == MAP_FAILED) {
        t->map = NULL;
        xbt_error("--tcache-trace: cannot reserve the entry ring (4 GiB of address space)");
        return XBT_ENOMEM;
    }
    t->ring = t->map + 4096;
    t->zout_size = ZSTD_CStreamOutSize();
    t->zout = malloc(t->zout_size);
    t->z = ZSTD_createCCtx();
    if (!t->zout || !t->z || keys_grow(t) < 0 ||
        tct_window_init(&t->win, TCT_WINDOW_RUNS, window) < 0)
        return XBT_ENOMEM;
    ZSTD_CCtx_setParameter(t->z, ZSTD_c_compressionLevel, TCT_ZSTD_LEVEL);
    ZSTD_CCtx_setParameter(t->z, ZSTD_c_checksumFlag, 1); /* corruption is an error */
    t->f = fopen(path, "wb");
    if (!t->f) {
        xbt_error("--tcache-trace: cannot write %s", path);
        return XBT_EIO;
    }
    struct tct_header h = { TCT_VERSION,         tc->size, tc->policy, tc->nursery_pct, tc->npages,
                            tc->smc_granularity, window };
    t->nraw = tct_encode_header(&h, t->raw);
    t->last_mode = UINT32_MAX;
    return 0;
}

int tc_trace_open(struct tcache *tc, const char *path, uint32_t window)
{
    struct tc_trace *t = calloc(1, sizeof(*t));
    if (!t)
        return XBT_ENOMEM;
    t->stats = &tc->st;
    int rc = trace_setup(tc, t, path, window);
    if (rc) {
        trace_free(t);
        return rc;
    }
    tc->trace = t;
    return 0;
}

int tc_trace_close(struct tcache *tc)
{
    struct tc_trace *t = event(tc);
    if (!t)
        return 0;
    put(t, &(struct tct_rec){
               .type = TCT_END, .translations = t->translations, .entries = t->entries });
    zflush(t, true);
    int rc = t->err;
    if (fflush(t->f) != 0)
        rc = XBT_EIO;
    tc->trace = NULL;
    trace_free(t);
    if (rc)
        xbt_error("--tcache-trace: writing the trace failed");
    return rc;
}
