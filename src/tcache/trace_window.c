/*
 * trace_window.c - the recorder's entry windows (`--tcache-trace-window
 * BYTES`): the entry runs between two events, in windows whose distinct
 * units hold at most BYTES of code (and at most TCT_WINDOW_RUNS runs), are
 * reduced to each key's first and last run in the window, in stream order.  The
 * first keeps where a key not yet held is first entered (a miss in a
 * simulated cache), the last keeps the latest entry a clock reference bit
 * can see; the entries in between are counted into the last (entries of a
 * key held all along are hits in every policy and change nothing but the
 * count).  What is lost: a key evicted in a simulated cache and entered
 * again inside one window misses at its last run instead of its next one.
 * A cache many times larger than the window cannot evict a key twice in
 * one window (its translations there are of the window's keys, far less
 * than the cache), so the counts stay those of the exact trace and only
 * the order of a few misses moves (docs/tcsim.md measures it).  Windows never span an event:
 * the recorder closes one before every translation, invalidation, flush.
 */
#include <stdlib.h>
#include <string.h>

#include "tctrace.h"

int tct_window_init(struct tct_window *w, uint32_t runs, uint32_t bytes)
{
    memset(w, 0, sizeof(*w));
    w->size = bytes ? runs : 0;
    w->max_bytes = bytes;
    w->serial = 1;
    if (!w->size)
        return 0;
    w->run = malloc(runs * sizeof(*w->run));
    w->out = malloc(2 * (size_t)runs * sizeof(*w->out));
    return w->run && w->out ? 0 : XBT_ENOMEM;
}

void tct_window_free(struct tct_window *w)
{
    free(w->run);
    free(w->out);
    free(w->key);
    memset(w, 0, sizeof(*w));
}

/* Room for key ids below n. */
static int keys_room(struct tct_window *w, uint32_t n)
{
    if (n <= w->nkeys)
        return 0;
    uint32_t cap = w->nkeys ? w->nkeys : 4096;
    while (cap < n)
        cap *= 2;
    struct tct_window_key *k = realloc(w->key, cap * sizeof(*k));
    if (!k)
        return XBT_ENOMEM;
    memset(k + w->nkeys, 0, (cap - w->nkeys) * sizeof(*k));
    w->key = k;
    w->nkeys = cap;
    return 0;
}

int tct_window_add(struct tct_window *w, uint32_t key, uint64_t n, uint32_t bytes)
{
    if (w->nrun && w->run[w->nrun - 1].key == key) {
        w->run[w->nrun - 1].n += n;
        w->key[key].total += n;
        return 0;
    }
    if (keys_room(w, key + 1) < 0)
        return XBT_ENOMEM;
    struct tct_window_key *k = &w->key[key];
    bool fresh = k->serial != w->serial;
    if (w->nrun && (w->nrun == w->size || (fresh && w->bytes + bytes > w->max_bytes)))
        return 1;
    if (fresh) {
        *k = (struct tct_window_key){ .serial = w->serial, .first = w->nrun };
        w->bytes += bytes;
    }
    k->last = w->nrun;
    k->total += n;
    w->run[w->nrun++] = (struct tct_run){ key, n };
    return 0;
}

/* Starts the next window. */
static void next_window(struct tct_window *w)
{
    w->nrun = 0;
    w->bytes = 0;
    if (++w->serial == 0) { /* (wrapped: no stale mark may match) */
        for (uint32_t i = 0; i < w->nkeys; i++)
            w->key[i].serial = 0;
        w->serial = 1;
    }
}

uint32_t tct_window_reduce(struct tct_window *w, const struct tct_run **out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->nrun; i++) {
        const struct tct_run *r = &w->run[i];
        const struct tct_window_key *k = &w->key[r->key];
        if (k->first == i && k->last == i)
            w->out[n++] = (struct tct_run){ r->key, k->total };
        else if (k->first == i)
            w->out[n++] = *r;
        else if (k->last == i)
            w->out[n++] = (struct tct_run){ r->key, k->total - w->run[k->first].n };
    }
    next_window(w);
    *out = w->out;
    return n;
}
