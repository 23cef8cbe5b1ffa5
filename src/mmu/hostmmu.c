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
 * The windows behave as the TLB they replace: a CR3 load drops the
 * non-global pages, INVLPG the page (a 4 MiB page as a whole), a paging-
 * mode change everything; pages are kept in a pool of at most `budget`
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
#define HW_WINS (HW_VIEWS * SLOTS)

struct hwin {
    uint8_t *base;            /* host address of linear 0 in this place */
    uint8_t big[REGIONS / 8]; /* 4 MiB regions that may hold large-page records */
};

struct hmmu {
    int ram_fd;
    struct hmap map;
    uint8_t *res[HW_VIEWS];   /* the reservations */
    struct hwin win[HW_WINS]; /* view * SLOTS + slot */
    uint32_t *scratch;        /* lin pages of a flush, sorted into runs */
    struct hmmu_stats st;
};

static void unmap_range(struct hwin *w, uint32_t lin, uint64_t len)
{
    mmap(w->base + lin, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
         0);
}

struct hmmu *hmmu_create(int ram_fd, uint32_t ram_pages, uint32_t budget)
{
    struct hmmu *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->ram_fd = ram_fd;
    h->scratch = malloc((budget ? budget : 1) * sizeof(uint32_t));
    if (!h->scratch || hmap_init(&h->map, budget, ram_pages, HW_WINS) < 0) {
        hmmu_destroy(h);
        return NULL;
    }
    for (int v = 0; v < HW_VIEWS; v++) {
        size_t res = HW_GUARD + HW_SPAN + HW_GUARD;
        uint8_t *p = mmap(NULL, res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            hmmu_destroy(h);
            return NULL;
        }
        h->res[v] = p;
        h->win[v * SLOTS + SLOT_MAIN].base = p + HW_GUARD;
        h->win[v * SLOTS + SLOT_LOW].base = p + HW_GUARD - HW_SPAN;
        h->win[v * SLOTS + SLOT_HIGH].base = p + HW_GUARD + HW_SPAN;
    }
    h->st.budget = budget;
    h->st.windows = HW_VIEWS;
    return h;
}

void hmmu_destroy(struct hmmu *h)
{
    if (!h)
        return;
    for (int v = 0; v < HW_VIEWS; v++)
        if (h->res[v])
            munmap(h->res[v], HW_GUARD + HW_SPAN + HW_GUARD);
    hmap_destroy(&h->map);
    free(h->scratch);
    free(h);
}

const struct hmmu_stats *hmmu_stats(const struct hmmu *h)
{
    return &h->st;
}

uint8_t *hmmu_base(struct hmmu *h, uint32_t cr3, bool user)
{
    (void)cr3;
    return h->win[(user ? SLOTS : 0) + SLOT_MAIN].base;
}

/* The window (view * SLOTS + slot) whose place holds a, or -1. */
static int win_of(const struct hmmu *h, uintptr_t a)
{
    for (int v = 0; v < HW_VIEWS; v++) {
        uintptr_t r = (uintptr_t)h->res[v];
        if (a < r || a >= r + HW_GUARD + HW_SPAN + HW_GUARD)
            continue;
        uintptr_t b = r + HW_GUARD;
        return v * SLOTS + (a < b ? SLOT_LOW : a >= b + HW_SPAN ? SLOT_HIGH : SLOT_MAIN);
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
    i = new_record(h, v, lin, w->phys);
    if (i == HMAP_NIL)
        return false;
    void *p =
        mmap(win->base + (lin & PAGE_MASK), PAGE_SIZE, PROT_READ | (writable ? PROT_WRITE : 0),
             MAP_SHARED | MAP_FIXED | MAP_POPULATE, h->ram_fd, (off_t)w->phys);
    if (p == MAP_FAILED) {
        hmap_remove(&h->map, i);
        unmap_range(win, lin & PAGE_MASK, PAGE_SIZE);
        h->st.map_failures++;
        live_changed(h);
        return false;
    }
    struct hmap_rec *r = &h->map.rec[i];
    r->writable = writable;
    r->global = w->global;
    r->big = w->big;
    if (w->big)
        win->big[lin >> 25] |= (uint8_t)(1u << ((lin >> 22) & 7));
    h->st.fills++;
    live_changed(h);
    return true;
}

/* Maps the pages of lin's aligned block that the guest's tables allow
 * without an A/D update (see HMMU_AROUND). */
static void fault_around(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, int v,
                         uint32_t lin)
{
    uint32_t first = lin & ~(HMMU_AROUND * PAGE_SIZE - 1);
    for (uint32_t k = 0; k < HMMU_AROUND; k++) {
        uint32_t p = first + k * PAGE_SIZE;
        struct walk_result w;
        if (p == lin || hmap_find(&h->map, (unsigned)v, p) != HMAP_NIL ||
            mmu_walk_peek(mmu, pg->cr0, pg->cr3, pg->cr4, p, v >= SLOTS ? WALK_USER : 0, &w) < 0 ||
            !mmu_is_plain_ram(mmu, w.phys))
            continue;
        bool writable = w.write_ok && w.dirty && !mmu_is_wp_page(mmu, w.phys);
        if (map_page(h, v, p, &w, writable))
            h->st.fills_around++;
    }
}

enum mmu_host_fault hmmu_fault(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg,
                               uintptr_t a, uint32_t start, bool write)
{
    int v = win_of(h, a);
    if (v < 0)
        return MMU_HOST_NOT_OURS;
    h->st.faults++;
    uint32_t lin = (uint32_t)(a - (uintptr_t)h->win[v].base) & PAGE_MASK;
    if ((start & PAGE_MASK) != lin || !(pg->cr0 & CR0_PG)) {
        h->st.div_cross++; /* page crossing */
        return MMU_HOST_DIVERT;
    }
    struct walk_result w;
    mmu->st.walks++;
    if (mmu_walk(mmu, pg->cr0, pg->cr3, pg->cr4, lin,
                 (write ? WALK_WRITE : 0) | (v >= SLOTS ? WALK_USER : 0), &w) < 0) {
        h->st.div_pf++; /* the stub walks again and raises the #PF */
        return MMU_HOST_DIVERT;
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
    return MMU_HOST_RETRY;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Drops the records of view v that keep(...) rejects, unmapping runs of
 * adjacent pages with one call. */
static void flush_view(struct hmmu *h, int v, bool keep_global, uint64_t *counter)
{
    struct hwin *win = &h->win[v];
    uint32_t total = h->map.wcount[v], n = 0;
    if (!total)
        return;
    for (uint32_t i = hmap_win_first(&h->map, (unsigned)v), next; i != HMAP_NIL; i = next) {
        next = h->map.rec[i].wnext;
        if (keep_global && h->map.rec[i].global)
            continue;
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
        qsort(h->scratch, n, sizeof(uint32_t), cmp_u32);
        for (uint32_t k = 0; k < n;) {
            uint32_t e = k + 1;
            while (e < n && h->scratch[e] == h->scratch[e - 1] + PAGE_SIZE)
                e++;
            unmap_range(win, h->scratch[k], (uint64_t)(e - k) * PAGE_SIZE);
            k = e;
        }
    }
    live_changed(h);
}

void hmmu_flush_nonglobal(struct hmmu *h)
{
    for (int v = 0; v < HW_WINS; v++)
        flush_view(h, v, true, &h->st.drop_cr3);
}

void hmmu_drop_all(struct hmmu *h)
{
    for (int v = 0; v < HW_WINS; v++)
        flush_view(h, v, false, &h->st.drop_mode);
}

void hmmu_invlpg(struct hmmu *h, uint32_t lin)
{
    for (int v = 0; v < HW_WINS; v++) {
        struct hwin *win = &h->win[v];
        uint32_t i = hmap_find(&h->map, (unsigned)v, lin);
        if (i != HMAP_NIL)
            drop(h, i, &h->st.drop_invlpg);
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
