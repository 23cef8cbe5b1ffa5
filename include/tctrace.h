/*
 * tctrace.h - translation-cache traces (`xbt run --tcache-trace FILE`,
 * `xbt tcsim FILE`): the record codec (varints, zigzag deltas), the
 * recorder's hooks in the live cache, the zstd-compressed file reader and
 * the replay of a trace through the cache's own placement and eviction
 * code over a simulated arena (docs/tcsim.md has the format).
 *
 * Contract: a trace is a zstd stream holding TCT_MAGIC, a header of
 * varints (struct tct_header) and records; every record starts with one
 * varint tag: bit 0 clear = a unit entry (key = previous entry's key +
 * zigzag(tag >> 1)), low bits 01 = the previous entry repeated tag >> 2
 * more times, low bits 11 = an event of type tag >> 2 and its payload.
 * An entry record and the repeat records after it are one entry run.
 * Keys (units by guest-physical address, EIP, mode key, CS base and limit)
 * are numbered in order of their EV_KEY records.
 */
#ifndef XBT_TCTRACE_H
#define XBT_TCTRACE_H

#include <stdio.h>

#include "tcache.h"

#define TCT_MAGIC "XBTTCTR1"
#define TCT_MAGIC_LEN 8
#define TCT_VERSION 2 /* (version 1: no window field, read as 0) */
/* Longest encoded record (tag + at most 6 payload varints of <= 10 bytes). */
#define TCT_MAX_RECORD 80

enum tct_type {
    TCT_ENTRY, /* a unit entry: key, repeat (1 + repeats) */
    TCT_KEY,   /* defines key id nkeys: pc, vpc, mode, cs_base, cs_limit */
    TCT_TRANS, /* key translated: guest_size, code_size (without
                 * instrumentation), page1 (second page, as recorded) */
    TCT_INVAL, /* units overlapping [addr, addr + len) invalidated: cause */
    TCT_FLUSH, /* a flush from outside the policy (gdb) */
    TCT_MODE,  /* the mode key of the units entered changed: mode */
    TCT_END,   /* the live totals: translations, entries */
    TCT_TYPES
};

/* One decoded record; which fields matter depends on type. */
struct tct_rec {
    enum tct_type type;
    uint32_t key;    /* ENTRY, TRANS */
    uint64_t repeat; /* ENTRY: entries this record stands for (>= 1) */
    bool cont;       /* ENTRY: a repeat record, continuing the previous run */
    uint32_t pc, vpc, mode, cs_base, cs_limit; /* KEY; MODE: mode */
    uint32_t guest_size, code_size, page1;     /* TRANS */
    uint32_t addr, len, cause;                 /* INVAL */
    uint64_t translations, entries;            /* END */
};

/* The codec's delta state (one per direction, zeroed at the start). */
struct tct_state {
    uint32_t prev_key;  /* key of the last entry */
    uint32_t prev_addr; /* address of the last invalidation */
};

/* The recorded run's cache configuration. */
struct tct_header {
    uint32_t version;
    uint64_t tc_size;
    uint32_t policy, nursery_pct, npages, smc_granularity;
    uint32_t window; /* recorder window (code bytes), 0: exact (v2 on) */
};

/* Varints: little-endian base 128.  put returns the bytes written (<= 10);
 * get returns the bytes read, or 0 if [p, end) holds no whole varint. */
size_t tct_put_varint(uint8_t *p, uint64_t v);
size_t tct_get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v);
static inline uint64_t tct_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t tct_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}
/* Encodes rec at p (room for TCT_MAX_RECORD bytes); returns its length.
 * An ENTRY with repeat n > 1 is an entry record and a repeat record. */
size_t tct_encode(struct tct_state *s, const struct tct_rec *rec, uint8_t *p);
/* Decodes one record from [p, end): its length, 0 if the record is cut
 * off at end, or XBT_EINVAL if it is malformed. */
int tct_decode(struct tct_state *s, const uint8_t *p, const uint8_t *end, struct tct_rec *rec);
size_t tct_encode_header(const struct tct_header *h, uint8_t *p);
/* Returns the header's length, 0 if cut off, XBT_EINVAL if not a trace. */
int tct_decode_header(const uint8_t *p, const uint8_t *end, struct tct_header *h);

/* ---- recording (src/tcache/trace.c, trace_window.c) --------------------- */

/* Tunable: the code bytes of the distinct units of one recorder window
 * (--tcache-trace-window; 0: every entry in stream order, exact).
 * Policy: 0, exact by default.  For long runs, 64K cuts a Linux boot's
 * records 34 times and replays 2.3 times faster; caches whose regions are
 * 16 windows or more then make the exact trace's translations but for
 * the generational policy, which moved up to 1% (docs/tcsim.md). */
#define TCT_DEFAULT_WINDOW 0u
#define TCT_MAX_WINDOW (1u << 30)
/* Tunable: entry runs one window holds at most.  Policy: 64 Ki (1 MiB of
 * buffer); a loop over a few units fills it before its code bytes. */
#define TCT_WINDOW_RUNS (1u << 16)

/* One entry run: key entered n times in a row. */
struct tct_run {
    uint32_t key;
    uint64_t n;
};
struct tct_window_key {
    uint32_t serial, first, last; /* window serial; its first, last run */
    uint64_t total;               /* its entries in the window */
};
/* The runs of the open window and the per-key marks of the reduction. */
struct tct_window {
    uint32_t size, nrun;       /* runs: at most, held */
    uint64_t max_bytes, bytes; /* code bytes of its distinct keys: at most, held */
    struct tct_run *run, *out;
    struct tct_window_key *key;
    uint32_t nkeys, serial;
};
/* Windows of at most runs runs and bytes code bytes (bytes 0: no
 * reduction; tct_window_add is not called).  Returns 0 or XBT_ENOMEM. */
int tct_window_init(struct tct_window *w, uint32_t runs, uint32_t bytes);
void tct_window_free(struct tct_window *w);
/* Appends n entries of key, whose unit holds bytes of code (merged into
 * the last run if it is key's).  Returns 0, or 1 without adding if the
 * window is full (reduce it and add again), or XBT_ENOMEM. */
int tct_window_add(struct tct_window *w, uint32_t key, uint64_t n, uint32_t bytes);
/* Empties the window into *out: each key's first run, then at its last
 * run the rest of its entries, in stream order.  Returns the runs. */
uint32_t tct_window_reduce(struct tct_window *w, const struct tct_run **out);

/* Starts recording tc's unit-level events to path (truncated), entries
 * reduced in windows of window code bytes (0: none).  Returns 0 or XBT_EIO /
 * XBT_ENOMEM (an error line printed). */
int tc_trace_open(struct tcache *tc, const char *path, uint32_t window);
/* Writes the END record and closes the file (tc_destroy calls it).
 * Returns 0 or XBT_EIO. */
int tc_trace_close(struct tcache *tc);
/* The ring translated code appends unit descriptor indices to (4 bytes
 * each at ring + *(uint32_t *)(ring - 8), which the code then advances by
 * 4; any 32-bit offset stays inside the mapping), or NULL if not tracing. */
uint8_t *tc_trace_ring(const struct tcache *tc);
/* The hooks of the cache (each a no-op when not tracing). */
void tc_trace_poll(struct tcache *tc);
void tc_trace_translate(struct tcache *tc, const struct unit *unit);
void tc_trace_inval(struct tcache *tc, uint32_t addr, uint32_t len, enum tc_inval_cause cause);
void tc_trace_flush(struct tcache *tc);

/* ---- reading and replay (src/tcache/trace_read.c, sim.c) ---------------- */

struct tct_reader; /* an open trace */

/* Opens a trace; on error prints one line (naming path) and returns
 * XBT_EIO (cannot read), XBT_EINVAL (not a trace, bad header). */
int tct_open(const char *path, struct tct_reader **out, struct tct_header *h);
/* The next record: 1, 0 at the end of the trace, or XBT_EINVAL (one error
 * line: truncated or corrupt). */
int tct_next(struct tct_reader *r, struct tct_rec *rec);
void tct_close(struct tct_reader *r);
/* A decoded record for replay: an entry run (repeat >= 1, a = key) or an
 * event (repeat 0, a = its index in a side table). */
struct tct_op {
    uint32_t a, repeat;
};
/* The fast path of tct_next for what most of a trace is: decodes entry
 * and repeat records already in the reader's window into op[] (at most
 * max, repeats merged into their entry) and stops before anything else.
 * Returns the ops written (0: call tct_next). */
uint32_t tct_read_entries(struct tct_reader *r, struct tct_op *op, uint32_t max);

/* A key's last recorded sizes, as one simulated cache has seen them. */
struct tc_sim_key {
    struct unit *unit; /* its unit, while simk->held says it is there */
    uint32_t guest_size, code_size, page1;
};

/* One simulated cache fed a trace: the live cache's code (tc_begin,
 * tc_commit, tc_invalidate_range, the policies) over an arena of sizes. */
struct tc_sim {
    struct tcache tc;
    struct tc_sim_key *key; /* per key id */
    uint32_t nkeys_cap;
    uint64_t entries; /* unit entries replayed */
    uint64_t stale;   /* keys retranslated with a new size (unseen stores) */
};

/* The keys a trace defined so far (TCT_KEY records, in order). */
struct tct_keys {
    struct tct_rec *key;
    uint32_t n, cap;
};

/* A simulated cache of size bytes under policy for a trace with header h
 * (its RAM pages).  Returns 0 or XBT_ENOMEM / XBT_EINVAL. */
int tc_sim_init(struct tc_sim *s, const struct tct_header *h, size_t size, enum tc_policy policy,
                unsigned nursery_pct);
void tc_sim_destroy(struct tc_sim *s);
/* Records a TCT_KEY record's key (other records: nothing).  Returns 0 or
 * XBT_ENOMEM. */
int tct_keys_apply(struct tct_keys *k, const struct tct_rec *rec);
void tct_keys_free(struct tct_keys *k);

/* What one pass over a trace saw. */
struct tct_replay {
    const char *path;
    uint64_t records, keys;
    uint64_t replayed;                        /* entry runs and events each sim ran */
    uint64_t live_translations, live_entries; /* from the END record */
    bool complete;                            /* the END record was there */
};
/* Replays the trace at path (whose header, read by tct_open, is h) through
 * nsims (1..64) initialized sims in one pass: records are decoded once, a
 * chunk at a time, and the sims run over each entry in lockstep (or one
 * after the other where misses are many: sim.c).  Sets each sim's
 * unit_entries.  Returns 0 or a negative error (one error line printed,
 * except XBT_ENOMEM and XBT_EINVAL for nsims out of range). */
int tct_replay(const char *path, struct tc_sim *sims, int nsims, const struct tct_header *h,
               struct tct_replay *out);

#endif
