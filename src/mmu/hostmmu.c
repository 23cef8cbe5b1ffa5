/*
 * hostmmu.c - guest paging served by the host MMU (--mmu=host): the shadow
 * page table realised in the host's own page tables.  Each privilege view
 * (supervisor, CPL 3) is a 4 GiB host window with 2 GiB guards, addressed
 * like the MEM_HOST window, in which a guest-linear page is mapped from the
 * RAM memfd at its guest-physical offset only while the guest's tables
 * allow the view's accesses: translated code reaches guest memory with one
 * host instruction.  Whatever a window does not allow raises SIGSEGV
 * (run_faults.c), and hmmu_fault() walks the guest tables (setting A/D as
 * the walker does) and maps the page - read-only until a write has set D,
 * and while the page holds translations or traced page tables - or sends
 * the access to its slow-path stub, which emulates MMIO, handles the store
 * to code or raises the exact #PF.
 *
 * Every address space (CR3) the guest switches between keeps windows of
 * its own, up to `spaces` of them, the least recently used reassigned.  A
 * CR3 load makes the windows behave as a flushed TLB: when translated code
 * next enters (hmmu_base) the space of the new CR3 is chosen and each of
 * its non-global mappings is checked against the guest's tables (a walk
 * without side effects: the same page, every A bit and, for a writable
 * mapping, D set already) and kept only if it is what a fill would map now;
 * a space reassigned to a new CR3 keeps only its global pages.  INVLPG
 * drops the page (a 4 MiB page as a whole) in every space, a paging-mode
 * change everything.  Pages are kept in a pool of at most `budget`
 * mappings (hmap.c), the oldest fill dropped first, so the process stays
 * far below the host's vm.max_map_count.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hmap.h"
#include "hostmmu.h"
#include "walk.h"
#include "x86.h"

#define HW_GUARD (2ull << 30)
#define HW_SPAN (4ull << 30)
#define HW_VIEWS 2 /* supervisor, CPL 3 */
/* Tunable: fault-around, the aligned block of pages a fill also maps when
 * their translations need no A/D update (mmu_walk_peek: nothing the guest
 * could see).  Policy: a host fault costs 10-20 us and an extra mmap 1-2;
 * 16 pages (64 KiB) covers a stack, a small heap or a process's text after
 * a CR3 load for one fault.  Off for budgets under HMMU_AROUND_MIN_BUDGET,
 * where it would evict the page just filled. */
#define HMMU_AROUND 16u
#define HMMU_AROUND_MIN_BUDGET 256u
#define REGIONS 1024u
/* Tunable: linear pages whose INVLPGs are counted (direct-mapped), and
 * the INVLPGs dropping a page's mapping after which its faults are churn
 * (MMU_HOST_*_CHURN: run_faults.c moves instructions that keep faulting
 * on such pages to the slow path).  Policy: a guest that remaps one page
 * over and over (kmap slots, scratch mappings, a test's page) pays a host
 * fault per remap in the window; Linux INVLPGs the same user page only now
 * and then (munmap, mprotect, copy-on-write). */
#define HMMU_CHURN_SLOTS 64u
#define HMMU_CHURN_MIN 4u

/*
 * The places a linear page may be mapped at in a view's reservation: the
 * window itself, and the guards, where translated code lands when a base
 * register plus a displacement wraps around 2^32 (the host adds the
 * sign-extended displacement in 64 bits): [base - 2 GiB, base) is linear
 * [2 GiB, 4 GiB) and [base + 4 GiB, base + 6 GiB) linear [0, 2 GiB).
 * Kernels address their globals as register + 0xC0xxxxxx all the time, so
 * the guards hold mappings of their own, each place a window of the map.
 */
enum { SLOT_MAIN, SLOT_LOW, SLOT_HIGH, SLOTS };
#define HW_WINS (HW_VIEWS * SLOTS) /* per space */
/* Tunable: the most mappings a switch to a space checks; the ones past
 * that are dropped unchecked.  Policy: a check is a walk of about 0.1 us,
 * a refill a host fault and an mmap of 10-20 us, so checking pays when one
 * page in a hundred is used again; 8,192 checks (about 1 ms) bound the
 * worst switch, and cover the Linux kernel's own pages after a CR4.PGE
 * toggle (about 8,000 at the boot's peak). */
#define HMMU_RECHECK_MAX 8192u

struct hwin {
    uint8_t *base;            /* host address of linear 0 in this place */
    uint8_t big[REGIONS / 8]; /* 4 MiB regions that may hold large-page records */
};

struct hspace {
    uint32_t cr3; /* page directory of the address space (used) */
    bool used;
    bool stale_all; /* a paging-mode change since: global pages are checked too */
    uint64_t stamp; /* last switch to it */
};

struct hmmu {
    int ram_fd;
    struct hmap map;
    uint32_t nspaces;
    uint8_t *res[HMMU_MAX_SPACES][HW_VIEWS];    /* the reservations */
    struct hwin win[HMMU_MAX_SPACES * HW_WINS]; /* space * HW_WINS + view * SLOTS + slot */
    struct hspace space[HMMU_MAX_SPACES];
    uint32_t cur;      /* the space translated code uses */
    bool pending;      /* a CR3 load since: hmmu_base chooses the space */
    uint64_t clock;    /* switches */
    uint32_t *scratch; /* lin pages of a flush, sorted into runs */
    struct {
        uint32_t lin, drops; /* INVLPGs that dropped a mapping of page lin */
    } churn[HMMU_CHURN_SLOTS];
    struct hmmu_stats st;
};

#define RES_SIZE (HW_GUARD + HW_SPAN + HW_GUARD)

static bool win_user(int w)
{
    return w % HW_WINS >= SLOTS;
}

static void unmap_range(struct hwin *w, uint32_t lin, uint64_t len)
{
    mmap(w->base + lin, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
         0);
}

/* The reservation of space s, view v, and its three places. */
static int reserve(struct hmmu *h, uint32_t s, int v)
{
    uint8_t *p =
        mmap(NULL, RES_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return XBT_ENOMEM;
    h->res[s][v] = p;
    struct hwin *w = &h->win[s * HW_WINS + (uint32_t)v * SLOTS];
    w[SLOT_MAIN].base = p + HW_GUARD;
    w[SLOT_LOW].base = p + HW_GUARD - HW_SPAN;
    w[SLOT_HIGH].base = p + HW_GUARD + HW_SPAN;
    return 0;
}

struct hmmu *hmmu_create(int ram_fd, uint32_t ram_pages, uint32_t budget, uint32_t spaces)
{
    if (!spaces || spaces > HMMU_MAX_SPACES)
        return NULL;
    struct hmmu *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->ram_fd = ram_fd;
    h->nspaces = spaces;
    h->pending = true;
    h->scratch = malloc((budget ? budget : 1) * sizeof(uint32_t));
    if (!h->scratch || hmap_init(&h->map, budget, ram_pages, spaces * HW_WINS) < 0) {
        hmmu_destroy(h);
        return NULL;
    }
    for (uint32_t s = 0; s < spaces; s++)
        for (int v = 0; v < HW_VIEWS; v++)
            if (reserve(h, s, v) < 0) {
                hmmu_destroy(h);
                return NULL;
            }
    h->st.budget = budget;
    h->st.windows = (uint64_t)spaces * HW_VIEWS;
    return h;
}

void hmmu_destroy(struct hmmu *h)
{
    if (!h)
        return;
    for (uint32_t s = 0; s < HMMU_MAX_SPACES; s++)
        for (int v = 0; v < HW_VIEWS; v++)
            if (h->res[s][v])
                munmap(h->res[s][v], RES_SIZE);
    hmap_destroy(&h->map);
    free(h->scratch);
    free(h);
}

const struct hmmu_stats *hmmu_stats(const struct hmmu *h)
{
    return &h->st;
}

/* The window (space * HW_WINS + view * SLOTS + slot) whose place holds a,
 * or -1. */
static int win_of(const struct hmmu *h, uintptr_t a)
{
    for (uint32_t s = 0; s < h->nspaces; s++)
        for (int v = 0; v < HW_VIEWS; v++) {
            uintptr_t r = (uintptr_t)h->res[s][v];
            if (a < r || a >= r + RES_SIZE)
                continue;
            uintptr_t b = r + HW_GUARD;
            return (int)(s * HW_WINS) + v * SLOTS +
                   (a < b              ? SLOT_LOW
                    : a >= b + HW_SPAN ? SLOT_HIGH
                                       : SLOT_MAIN);
        }
    return -1;
}

bool hmmu_contains(const struct hmmu *h, uintptr_t a)
{
    return win_of(h, a) >= 0;
}

static void live_changed(struct hmmu *h)
{
    h->st.live = h->map.live;
    h->st.peak = h->map.peak;
}

/* Drops one mapping (host and record). */
static void drop(struct hmmu *h, uint32_t i, uint64_t *counter)
{
    struct hmap_rec *r = &h->map.rec[i];
    unmap_range(&h->win[r->win], r->lin, PAGE_SIZE);
    hmap_remove(&h->map, i);
    (*counter)++;
}

/* A record for (v, lin): the oldest mapping makes room when the pool is
 * full. */
static uint32_t new_record(struct hmmu *h, int v, uint32_t lin, uint32_t phys)
{
    uint32_t i = hmap_add(&h->map, (unsigned)v, lin, phys);
    if (i == HMAP_NIL && hmap_oldest(&h->map) != HMAP_NIL) {
        drop(h, hmap_oldest(&h->map), &h->st.drop_evict);
        i = hmap_add(&h->map, (unsigned)v, lin, phys);
    }
    return i;
}

/* Maps n (at most HMMU_AROUND) pages without a record from lin to the
 * guest-physical pages from w->phys, all with w's flags and these rights,
 * with one mmap (which replaces whatever the host had there); the number
 * mapped. */
static uint32_t map_run(struct hmmu *h, int v, uint32_t lin, uint32_t n,
                        const struct walk_result *w, bool writable)
{
    struct hwin *win = &h->win[v];
    uint32_t idx[HMMU_AROUND], k;
    for (k = 0; k < n; k++) {
        idx[k] = new_record(h, v, lin + k * PAGE_SIZE, w->phys + k * PAGE_SIZE);
        if (idx[k] == HMAP_NIL)
            break;
    }
    n = k;
    if (!n)
        return 0;
    if (mmap(win->base + lin, (size_t)n * PAGE_SIZE, PROT_READ | (writable ? PROT_WRITE : 0),
             MAP_SHARED | MAP_FIXED | MAP_POPULATE, h->ram_fd, (off_t)w->phys) == MAP_FAILED) {
        for (k = 0; k < n; k++)
            hmap_remove(&h->map, idx[k]);
        unmap_range(win, lin, (uint64_t)n * PAGE_SIZE);
        h->st.map_failures++;
        live_changed(h);
        return 0;
    }
    for (k = 0; k < n; k++) {
        struct hmap_rec *r = &h->map.rec[idx[k]];
        r->writable = writable;
        hmap_set_global(&h->map, idx[k], w->global);
        r->big = w->big;
    }
    if (w->big)
        win->big[lin >> 25] |= (uint8_t)(1u << ((lin >> 22) & 7));
    h->st.fills += n;
    h->st.fill_calls++;
    live_changed(h);
    return n;
}

/* Maps lin -> phys in view v with the rights given (replacing whatever
 * was there).  false: the host refused (the access takes the slow path). */
static bool map_page(struct hmmu *h, int v, uint32_t lin, const struct walk_result *w,
                     bool writable)
{
    struct hwin *win = &h->win[v];
    uint32_t i = hmap_find(&h->map, (unsigned)v, lin);
    if (i != HMAP_NIL && h->map.rec[i].phys == w->phys) {
        if (h->map.rec[i].writable == writable)
            return false; /* it is mapped like this already: the access cannot be done here */
        if (mprotect(win->base + (lin & PAGE_MASK), PAGE_SIZE,
                     PROT_READ | (writable ? PROT_WRITE : 0)) < 0)
            return false;
        h->map.rec[i].writable = writable;
        h->st.upgrades++;
        hmap_touch(&h->map, i);
        return true;
    }
    if (i != HMAP_NIL)
        hmap_remove(&h->map, i); /* remapped elsewhere: mmap replaces it */
    return map_run(h, v, lin & PAGE_MASK, 1, w, writable) == 1;
}

/* A neighbour of a fill that may be mapped: unmapped, and its translation
 * needs no A/D update and is plain RAM; *writable: its rights. */
static bool around_ok(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, int v,
                      uint32_t p, struct walk_result *w, bool *writable)
{
    if (hmap_find(&h->map, (unsigned)v, p) != HMAP_NIL ||
        mmu_walk_peek(mmu, pg->cr0, pg->cr3, pg->cr4, p, win_user(v) ? WALK_USER : 0, w) < 0 ||
        !mmu_is_plain_ram(mmu, w->phys))
        return false;
    *writable = w->write_ok && w->dirty && !mmu_is_wp_page(mmu, w->phys);
    return true;
}

/* Maps the pages of lin's aligned block that the guest's tables allow
 * without an A/D update (see HMMU_AROUND), a run of pages that are
 * adjacent in guest-physical memory too, with the same rights and flags,
 * with one mmap. */
static void fault_around(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, int v,
                         uint32_t lin)
{
    uint32_t first = lin & ~(HMMU_AROUND * PAGE_SIZE - 1);
    struct walk_result run = { 0 };
    uint32_t run_lin = 0, run_n = 0;
    bool run_w = false;
    for (uint32_t k = 0; k <= HMMU_AROUND; k++) {
        uint32_t p = first + k * PAGE_SIZE;
        struct walk_result w;
        bool wr = false;
        bool ok = k < HMMU_AROUND && p != lin && around_ok(h, mmu, pg, v, p, &w, &wr);
        if (ok && run_n && p == run_lin + run_n * PAGE_SIZE &&
            w.phys == run.phys + run_n * PAGE_SIZE && wr == run_w && w.global == run.global &&
            w.big == run.big) {
            run_n++;
            continue;
        }
        if (run_n)
            h->st.fills_around += map_run(h, v, run_lin, run_n, &run, run_w);
        run_n = 0;
        if (ok) {
            run_n = 1;
            run = w;
            run_lin = p;
            run_w = wr;
        }
    }
}

static uint32_t churn_slot(uint32_t lin)
{
    return (lin >> 12) % HMMU_CHURN_SLOTS;
}

/* INVLPG dropped a mapping of page lin. */
static void churn_note(struct hmmu *h, uint32_t lin)
{
    uint32_t i = churn_slot(lin);
    if (h->churn[i].lin != lin) {
        h->churn[i].lin = lin;
        h->churn[i].drops = 0;
    }
    if (h->churn[i].drops < HMMU_CHURN_MIN)
        h->churn[i].drops++;
}

/* r, or its churn variant when lin is a page the guest keeps remapping. */
static enum mmu_host_fault churn_result(struct hmmu *h, uint32_t lin, enum mmu_host_fault r)
{
    uint32_t i = churn_slot(lin);
    if (h->churn[i].lin != lin || h->churn[i].drops < HMMU_CHURN_MIN)
        return r;
    h->st.churn++;
    return r == MMU_HOST_RETRY ? MMU_HOST_RETRY_CHURN : MMU_HOST_DIVERT_CHURN;
}

enum mmu_host_fault hmmu_fault(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg,
                               uintptr_t a, uint32_t start, bool write)
{
    int v = win_of(h, a);
    if (v < 0)
        return MMU_HOST_NOT_OURS;
    h->st.faults++;
    if ((uint32_t)v / HW_WINS != h->cur || h->pending) {
        h->st.div_stale++; /* not the current space's (never from translated code) */
        return MMU_HOST_DIVERT;
    }
    uint32_t lin = (uint32_t)(a - (uintptr_t)h->win[v].base) & PAGE_MASK;
    if ((start & PAGE_MASK) != lin || !(pg->cr0 & CR0_PG)) {
        h->st.div_cross++; /* page crossing */
        return MMU_HOST_DIVERT;
    }
    struct walk_result w;
    mmu->st.walks++;
    if (mmu_walk(mmu, pg->cr0, pg->cr3, pg->cr4, lin,
                 (write ? WALK_WRITE : 0) | (win_user(v) ? WALK_USER : 0), &w) < 0) {
        h->st.div_pf++; /* the stub walks again and raises the #PF */
        return churn_result(h, lin, MMU_HOST_DIVERT);
    }
    if (!mmu_is_plain_ram(mmu, w.phys)) {
        h->st.div_mmio++;
        return MMU_HOST_DIVERT_MMIO;
    }
    bool wp = mmu_is_wp_page(mmu, w.phys);
    if (write && wp) {
        h->st.div_wp++;
        return MMU_HOST_DIVERT;
    }
    bool writable = w.write_ok && (w.dirty || write) && !wp;
    bool fresh = hmap_find(&h->map, (unsigned)v, lin) == HMAP_NIL;
    if (!map_page(h, v, lin, &w, writable)) {
        h->st.div_stale++;
        return MMU_HOST_DIVERT;
    }
    if (fresh && h->map.cap >= HMMU_AROUND_MIN_BUDGET)
        fault_around(h, mmu, pg, v, lin);
    return churn_result(h, lin, MMU_HOST_RETRY);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Unmaps the n pages in scratch from win, a run of adjacent pages with one
 * call. */
static void unmap_sorted(struct hmmu *h, struct hwin *win, uint32_t n)
{
    qsort(h->scratch, n, sizeof(uint32_t), cmp_u32);
    for (uint32_t k = 0; k < n;) {
        uint32_t e = k + 1;
        while (e < n && h->scratch[e] == h->scratch[e - 1] + PAGE_SIZE)
            e++;
        unmap_range(win, h->scratch[k], (uint64_t)(e - k) * PAGE_SIZE);
        k = e;
    }
}

/* Drops the records of window v (all, or the non-global ones),
 * unmapping runs of adjacent pages with one call. */
static void flush_view(struct hmmu *h, int v, bool keep_global, uint64_t *counter)
{
    struct hwin *win = &h->win[v];
    uint32_t total = h->map.wcount[v], n = 0;
    if (!total)
        return;
    for (int g = 0; g <= !keep_global; g++)
        for (uint32_t i = hmap_win_first(&h->map, (unsigned)v, g), next; i != HMAP_NIL; i = next) {
            next = h->map.rec[i].wnext;
            h->scratch[n++] = h->map.rec[i].lin;
            hmap_remove(&h->map, i);
        }
    *counter += n;
    if (n == total) {
        /* the whole place in one call (a guard's half of the linear space) */
        uint32_t lo = v % SLOTS == SLOT_LOW ? 0x80000000u : 0;
        uint64_t len = v % SLOTS == SLOT_MAIN ? HW_SPAN : HW_GUARD;
        unmap_range(win, lo, len);
        memset(win->big, 0, sizeof(win->big));
        h->st.window_flushes++;
    } else {
        unmap_sorted(h, win, n);
    }
    live_changed(h);
}

void hmmu_flush_nonglobal(struct hmmu *h)
{
    h->pending = true;
}

void hmmu_drop_all(struct hmmu *h)
{
    h->pending = true;
    for (uint32_t s = 0; s < h->nspaces; s++)
        h->space[s].stale_all = true;
}

/* True if a fill under pg would map r's page now exactly as it is (see
 * the header); its large-page and global flags follow the tables. */
static bool still_valid(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, int v,
                        struct hmap_rec *r)
{
    struct walk_result w;
    unsigned acc = (win_user(v) ? WALK_USER : 0) | (r->writable ? WALK_WRITE : 0);
    if (mmu_walk_peek(mmu, pg->cr0, pg->cr3, pg->cr4, r->lin, acc, &w) < 0 || w.phys != r->phys ||
        !mmu_is_plain_ram(mmu, w.phys) || (r->writable && mmu_is_wp_page(mmu, w.phys)))
        return false;
    r->big = w.big;
    hmap_set_global(&h->map, (uint32_t)(r - h->map.rec), w.global);
    if (w.big)
        h->win[v].big[r->lin >> 25] |= (uint8_t)(1u << ((r->lin >> 22) & 7));
    return true;
}

/* Keeps the mappings of window v (the non-global ones, or all after a
 * paging-mode change) that a fill under pg would make now, checking at
 * most *budget of them; drops the others, in runs. */
static void recheck_view(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, int v,
                         bool all, uint32_t *budget)
{
    uint32_t n = 0;
    /* the global list first: a record that stops being global moves to
     * the other list, which is checked after it */
    for (int g = all; g >= 0; g--)
        for (uint32_t i = hmap_win_first(&h->map, (unsigned)v, g), next; i != HMAP_NIL; i = next) {
            struct hmap_rec *r = &h->map.rec[i];
            next = r->wnext;
            if (*budget && (*budget)-- && still_valid(h, mmu, pg, v, r)) {
                h->st.kept++;
                continue;
            }
            h->scratch[n++] = r->lin;
            hmap_remove(&h->map, i);
        }
    *(all ? &h->st.drop_mode : &h->st.drop_cr3) += n;
    unmap_sorted(h, &h->win[v], n);
}

/* The space for pg's CR3: its own, checked, or the least recently used
 * one reassigned (its global pages kept). */
static void switch_space(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg)
{
    uint32_t cr3 = pg->cr3 & PAGE_MASK, s = h->nspaces, lru = 0;
    for (uint32_t k = 0; k < h->nspaces; k++) {
        if (h->space[k].used && h->space[k].cr3 == cr3)
            s = k;
        if (!h->space[k].used || (h->space[lru].used && h->space[k].stamp < h->space[lru].stamp))
            lru = k;
    }
    bool recheck = s < h->nspaces;
    uint32_t budget = HMMU_RECHECK_MAX;
    bool all = s < h->nspaces ? h->space[s].stale_all : h->space[lru].stale_all;
    if (s == h->nspaces) {
        s = lru;
        h->space[s].used = true;
        h->space[s].cr3 = cr3;
        h->st.space_new++;
    } else {
        h->st.space_found++;
    }
    for (uint32_t v = s * HW_WINS; v < (s + 1) * HW_WINS; v++) {
        if (recheck)
            recheck_view(h, mmu, pg, (int)v, all, &budget);
        else
            flush_view(h, (int)v, !all, all ? &h->st.drop_mode : &h->st.drop_cr3);
    }
    h->space[s].stale_all = false;
    h->space[s].stamp = ++h->clock;
    h->cur = s;
    h->pending = false;
    live_changed(h);
}

uint8_t *hmmu_base(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, bool user)
{
    if (h->pending || h->space[h->cur].cr3 != (pg->cr3 & PAGE_MASK))
        switch_space(h, mmu, pg);
    return h->win[h->cur * HW_WINS + (user ? SLOTS : 0) + SLOT_MAIN].base;
}

void hmmu_invlpg(struct hmmu *h, uint32_t lin)
{
    bool dropped = false;
    lin &= PAGE_MASK;
    for (int v = 0; v < (int)(h->nspaces * HW_WINS); v++) {
        struct hwin *win = &h->win[v];
        uint32_t i = hmap_find(&h->map, (unsigned)v, lin);
        if (i != HMAP_NIL) {
            drop(h, i, &h->st.drop_invlpg);
            dropped = true;
        }
        uint32_t reg = lin >> 22;
        if (!(win->big[reg >> 3] & (1u << (reg & 7))))
            continue;
        /* INVLPG anywhere in a 4 MiB page drops all of it */
        for (uint32_t p = reg << 22; p < (reg << 22) + (1u << 22); p += PAGE_SIZE) {
            i = hmap_find(&h->map, (unsigned)v, p);
            if (i != HMAP_NIL && h->map.rec[i].big)
                drop(h, i, &h->st.drop_invlpg);
        }
        win->big[reg >> 3] &= (uint8_t) ~(1u << (reg & 7));
    }
    if (dropped)
        churn_note(h, lin);
    live_changed(h);
}

void hmmu_write_protect(struct hmmu *h, uint32_t phys)
{
    for (uint32_t i = hmap_phys_first(&h->map, phys); i != HMAP_NIL; i = h->map.rec[i].rnext) {
        struct hmap_rec *r = &h->map.rec[i];
        if (!r->writable)
            continue;
        mprotect(h->win[r->win].base + r->lin, PAGE_SIZE, PROT_READ);
        r->writable = 0;
        h->st.protects++;
    }
}
