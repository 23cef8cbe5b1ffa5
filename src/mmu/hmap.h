/*
 * hmap.h - the bookkeeping of the host-MMU windows' mappings (src/mmu/
 * hmap.c), private to src/mmu and its unit tests.
 *
 * Contract: a fixed pool of records, one per 4 KiB guest page mapped in a
 * window.  A record is found by (window, linear page) through a hash, by
 * the physical page it maps through the reverse map (so every alias of a
 * page can be write-protected), listed per window in two lists, the
 * records of global pages and the others (a window is dropped as a whole,
 * or its non-global records checked without walking past the global
 * ones), and in fill order (the oldest is evicted when the pool is full:
 * hmap_add returns HMAP_NIL then, and the caller unmaps hmap_oldest()
 * first).  No host calls: hostmmu.c maps and unmaps.
 */
#ifndef XBT_MMU_HMAP_H
#define XBT_MMU_HMAP_H

#include <stdbool.h>
#include <stdint.h>

#define HMAP_NIL 0xFFFFFFFFu

struct hmap_rec {
    uint32_t lin, phys; /* page addresses */
    uint16_t win;
    uint8_t used, writable;
    uint8_t global, big; /* from a global / 4 MiB guest page */
    uint32_t hnext;      /* hash chain (free list when unused) */
    uint32_t rprev, rnext;
    uint32_t wprev, wnext;
    uint32_t fprev, fnext;
};

struct hmap {
    struct hmap_rec *rec;
    uint32_t cap, live, peak;
    uint32_t free;
    uint32_t *hash;
    uint32_t hmask;
    uint32_t *rhead; /* per physical page */
    uint32_t npages;
    uint32_t *whead; /* per window: [2 * win] non-global records, [2 * win + 1] global */
    uint32_t *wcount;
    uint32_t nwin;
    uint32_t fhead, ftail; /* oldest fill first */
};

/* cap records for physical pages [0, npages) and windows [0, nwin);
 * XBT_EINVAL (cap 0), XBT_ENOMEM. */
int hmap_init(struct hmap *h, uint32_t cap, uint32_t npages, uint32_t nwin);
void hmap_destroy(struct hmap *h);
/* The record of (win, lin's page), or HMAP_NIL. */
uint32_t hmap_find(const struct hmap *h, unsigned win, uint32_t lin);
/* A new record (newest in fill order), or HMAP_NIL when the pool is full.
 * The caller makes sure (win, lin) has none and phys < npages pages. */
uint32_t hmap_add(struct hmap *h, unsigned win, uint32_t lin, uint32_t phys);
void hmap_remove(struct hmap *h, uint32_t idx);
/* Makes idx the newest in fill order (it was refilled). */
void hmap_touch(struct hmap *h, uint32_t idx);
/* Marks idx as a global page's record or not (new records are not),
 * moving it to that list of its window. */
void hmap_set_global(struct hmap *h, uint32_t idx, bool global);
static inline uint32_t hmap_oldest(const struct hmap *h)
{
    return h->fhead;
}
/* Iteration: the records mapping a physical page, and those of a window
 * (follow rnext / wnext; removing the current record is allowed once its
 * successor has been read). */
static inline uint32_t hmap_phys_first(const struct hmap *h, uint32_t phys)
{
    uint32_t p = phys >> 12;
    return p < h->npages ? h->rhead[p] : HMAP_NIL;
}
static inline uint32_t hmap_win_first(const struct hmap *h, unsigned win, bool global)
{
    return win < h->nwin ? h->whead[2 * win + global] : HMAP_NIL;
}

#endif
