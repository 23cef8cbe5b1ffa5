/*
 * hmap.c - the bookkeeping of the host-MMU windows' mappings (--mmu=host):
 * a pool of records with a hash by (window, linear page), a reverse map by
 * physical page, a list per window and a fill-order list for eviction.
 * See hmap.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "xbt.h"

static uint32_t hash_of(const struct hmap *h, unsigned win, uint32_t lin)
{
    return (((lin >> 12) ^ (win * 0x9E3779B1u)) * 0x9E3779B1u >> 8) & h->hmask;
}

int hmap_init(struct hmap *h, uint32_t cap, uint32_t npages, uint32_t nwin)
{
    memset(h, 0, sizeof(*h));
    if (!cap || !nwin)
        return XBT_EINVAL;
    uint32_t hsize = 16;
    while (hsize < 2 * cap)
        hsize <<= 1;
    h->rec = calloc(cap, sizeof(*h->rec));
    h->hash = malloc(hsize * sizeof(uint32_t));
    h->rhead = malloc((npages ? npages : 1) * sizeof(uint32_t));
    h->whead = malloc(2 * nwin * sizeof(uint32_t));
    h->wcount = calloc(nwin, sizeof(uint32_t));
    if (!h->rec || !h->hash || !h->rhead || !h->whead || !h->wcount) {
        hmap_destroy(h);
        return XBT_ENOMEM;
    }
    memset(h->hash, 0xFF, hsize * sizeof(uint32_t));
    memset(h->rhead, 0xFF, (npages ? npages : 1) * sizeof(uint32_t));
    memset(h->whead, 0xFF, 2 * nwin * sizeof(uint32_t));
    h->cap = cap;
    h->hmask = hsize - 1;
    h->npages = npages;
    h->nwin = nwin;
    h->fhead = h->ftail = HMAP_NIL;
    for (uint32_t i = 0; i < cap; i++)
        h->rec[i].hnext = i + 1 < cap ? i + 1 : HMAP_NIL;
    h->free = 0;
    return 0;
}

void hmap_destroy(struct hmap *h)
{
    free(h->rec);
    free(h->hash);
    free(h->rhead);
    free(h->whead);
    free(h->wcount);
    memset(h, 0, sizeof(*h));
}

uint32_t hmap_find(const struct hmap *h, unsigned win, uint32_t lin)
{
    lin &= ~0xFFFu;
    for (uint32_t i = h->hash[hash_of(h, win, lin)]; i != HMAP_NIL; i = h->rec[i].hnext)
        if (h->rec[i].lin == lin && h->rec[i].win == win)
            return i;
    return HMAP_NIL;
}

/* Doubly linked lists threaded through the records by the prev/next
 * fields pf/nf. */
#define LINK(h, i, head, pf, nf)                                                                   \
    do {                                                                                           \
        (h)->rec[i].pf = HMAP_NIL;                                                                 \
        (h)->rec[i].nf = (head);                                                                   \
        if ((head) != HMAP_NIL)                                                                    \
            (h)->rec[head].pf = (i);                                                               \
        (head) = (i);                                                                              \
    } while (0)
#define UNLINK(h, i, head, pf, nf)                                                                 \
    do {                                                                                           \
        uint32_t p_ = (h)->rec[i].pf, n_ = (h)->rec[i].nf;                                         \
        if (p_ != HMAP_NIL)                                                                        \
            (h)->rec[p_].nf = n_;                                                                  \
        else                                                                                       \
            (head) = n_;                                                                           \
        if (n_ != HMAP_NIL)                                                                        \
            (h)->rec[n_].pf = p_;                                                                  \
    } while (0)

/* Fill order: appended at the tail (newest), evicted from the head. */
static void fill_append(struct hmap *h, uint32_t i)
{
    h->rec[i].fnext = HMAP_NIL;
    h->rec[i].fprev = h->ftail;
    if (h->ftail != HMAP_NIL)
        h->rec[h->ftail].fnext = i;
    else
        h->fhead = i;
    h->ftail = i;
}

static void fill_unlink(struct hmap *h, uint32_t i)
{
    uint32_t p = h->rec[i].fprev, n = h->rec[i].fnext;
    if (p != HMAP_NIL)
        h->rec[p].fnext = n;
    else
        h->fhead = n;
    if (n != HMAP_NIL)
        h->rec[n].fprev = p;
    else
        h->ftail = p;
}

uint32_t hmap_add(struct hmap *h, unsigned win, uint32_t lin, uint32_t phys)
{
    uint32_t i = h->free;
    if (i == HMAP_NIL || win >= h->nwin || (phys >> 12) >= h->npages)
        return HMAP_NIL;
    struct hmap_rec *r = &h->rec[i];
    h->free = r->hnext;
    memset(r, 0, sizeof(*r));
    r->lin = lin & ~0xFFFu;
    r->phys = phys & ~0xFFFu;
    r->win = (uint16_t)win;
    r->used = 1;
    uint32_t *b = &h->hash[hash_of(h, win, r->lin)];
    r->hnext = *b;
    *b = i;
    LINK(h, i, h->rhead[r->phys >> 12], rprev, rnext);
    LINK(h, i, h->whead[2 * win], wprev, wnext);
    fill_append(h, i);
    h->wcount[win]++;
    if (++h->live > h->peak)
        h->peak = h->live;
    return i;
}

void hmap_remove(struct hmap *h, uint32_t i)
{
    struct hmap_rec *r = &h->rec[i];
    if (!r->used)
        return;
    uint32_t *p = &h->hash[hash_of(h, r->win, r->lin)];
    while (*p != i)
        p = &h->rec[*p].hnext;
    *p = r->hnext;
    UNLINK(h, i, h->rhead[r->phys >> 12], rprev, rnext);
    UNLINK(h, i, h->whead[2 * r->win + r->global], wprev, wnext);
    fill_unlink(h, i);
    h->wcount[r->win]--;
    h->live--;
    r->used = 0;
    r->hnext = h->free;
    h->free = i;
}

void hmap_set_global(struct hmap *h, uint32_t i, bool global)
{
    struct hmap_rec *r = &h->rec[i];
    if (!r->used || r->global == global)
        return;
    UNLINK(h, i, h->whead[2 * r->win + r->global], wprev, wnext);
    r->global = global;
    LINK(h, i, h->whead[2 * r->win + r->global], wprev, wnext);
}

void hmap_touch(struct hmap *h, uint32_t i)
{
    fill_unlink(h, i);
    fill_append(h, i);
}
