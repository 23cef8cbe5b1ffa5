/*
 * shadow.c - shadow page tables (--mmu=shadow): per guest address space
 * (keyed by CR3), a cache of guest-virtual page -> physical page plus the
 * rights and A/D state a guest walk produced.  The TLB slow path consults
 * it before walking the guest's tables: a hit is a hidden fault (resolved
 * inside the VMM without a walk); a miss walks and fills it.  Spaces are
 * reused when the guest switches back to a CR3 it used before.  Coherence:
 * every guest page-directory and page-table page a shadow entry was built
 * from is traced (no TLB write entries, like pages holding code), and a
 * store to it drops exactly the shadow entries built from the bytes it
 * writes.  INVLPG drops the entry of its page; paging-mode changes drop all.
 */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"
#include "shadow.h"
#include "vcpu.h"
#include "walk.h"

/* Tunable: address spaces kept.  Policy: enough for the runnable processes
 * of a small system; the least recently used space is dropped beyond. */
#define SHADOW_SPACES 16
/* Tunable: entries per space (power of two, open hashing by page number).
 * Policy: 4096 pages = 16 MiB of mapped memory per address space. */
#define SHADOW_ENTRIES 4096u

struct sh_entry {
    uint32_t vpn;  /* linear page number + 1 (0: empty) */
    uint32_t phys; /* physical page address */
    uint32_t pde_addr, pte_addr;
    uint8_t rights; /* PTE_U | PTE_W combined over the levels */
    bool dirty, global, big;
};

struct sh_space {
    uint32_t cr3;
    bool used;
    uint64_t last_use;
    struct sh_entry *tab;
    uint16_t *filled; /* slots filled since the space was cleared */
    uint32_t nfilled;
    uint8_t *in_filled;
};

struct shadow {
    struct sh_space sp[SHADOW_SPACES];
    struct sh_space *cur;
    uint64_t clock;
    struct shadow_stats st;
};

struct shadow *shadow_create(void)
{
    struct shadow *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    for (int i = 0; i < SHADOW_SPACES; i++) {
        s->sp[i].tab = calloc(SHADOW_ENTRIES, sizeof(struct sh_entry));
        s->sp[i].filled = calloc(SHADOW_ENTRIES, sizeof(uint16_t));
        s->sp[i].in_filled = calloc(SHADOW_ENTRIES, 1);
        if (!s->sp[i].tab || !s->sp[i].filled || !s->sp[i].in_filled) {
            shadow_destroy(s);
            return NULL;
        }
    }
    return s;
}

void shadow_destroy(struct shadow *s)
{
    if (!s)
        return;
    for (int i = 0; i < SHADOW_SPACES; i++) {
        free(s->sp[i].tab);
        free(s->sp[i].filled);
        free(s->sp[i].in_filled);
    }
    free(s);
}

const struct shadow_stats *shadow_stats(const struct shadow *s)
{
    return &s->st;
}

static void space_clear(struct sh_space *sp)
{
    for (uint32_t k = 0; k < sp->nfilled; k++) {
        sp->tab[sp->filled[k]].vpn = 0;
        sp->in_filled[sp->filled[k]] = 0;
    }
    sp->nfilled = 0;
}

/* The space for cr3: reused if the guest had it before, else built. */
static struct sh_space *space_for(struct shadow *s, uint32_t cr3)
{
    cr3 &= PAGE_MASK;
    if (s->cur && s->cur->used && s->cur->cr3 == cr3)
        return s->cur;
    struct sh_space *victim = &s->sp[0];
    for (int i = 0; i < SHADOW_SPACES; i++) {
        struct sh_space *sp = &s->sp[i];
        if (sp->used && sp->cr3 == cr3) {
            s->st.spaces_reused++;
            sp->last_use = ++s->clock;
            return s->cur = sp;
        }
        if (!sp->used || (victim->used && sp->last_use < victim->last_use))
            victim = sp;
    }
    if (victim->used)
        s->st.spaces_dropped++;
    space_clear(victim);
    victim->used = true;
    victim->cr3 = cr3;
    victim->last_use = ++s->clock;
    s->st.spaces_built++;
    return s->cur = victim;
}

static struct sh_entry *slot(struct sh_space *sp, uint32_t vpn)
{
    return &sp->tab[(vpn * 0x9E3779B1u >> 20) & (SHADOW_ENTRIES - 1)];
}

static bool allowed(const struct sh_entry *e, unsigned acc, uint32_t cr0)
{
    bool user = acc & WALK_USER, write = acc & WALK_WRITE;
    if (user && !(e->rights & PTE_U))
        return false;
    if (write) {
        if ((user || (cr0 & CR0_WP)) && !(e->rights & PTE_W))
            return false;
        if (!e->dirty)
            return false; /* the walk must set D */
    }
    return true;
}

int shadow_translate(struct shadow *s, struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4,
                     uint32_t lin, unsigned acc, struct walk_result *out)
{
    struct sh_space *sp = space_for(s, cr3);
    uint32_t vpn = (lin >> 12) + 1;
    struct sh_entry *e = slot(sp, vpn);
    if (e->vpn == vpn && allowed(e, acc, cr0)) {
        s->st.hidden_hits++;
        bool user = acc & WALK_USER;
        out->phys = e->phys;
        out->user_ok = (e->rights & PTE_U) != 0;
        out->write_ok = (e->rights & PTE_W) || (!user && !(cr0 & CR0_WP));
        out->user_write_ok = (e->rights & (PTE_U | PTE_W)) == (PTE_U | PTE_W);
        out->dirty = e->dirty;
        out->global = e->global;
        out->big = e->big;
        out->pde_addr = e->pde_addr;
        out->pte_addr = e->pte_addr;
        return 0;
    }
    mmu->st.walks++;
    if (mmu_walk(mmu, cr0, cr3, cr4, lin, acc, out) < 0) {
        s->st.true_faults++;
        return -1;
    }
    s->st.fills++;
    uint16_t k = (uint16_t)(e - sp->tab);
    if (!sp->in_filled[k]) {
        sp->in_filled[k] = 1;
        sp->filled[sp->nfilled++] = k;
    }
    e->vpn = vpn;
    e->phys = out->phys;
    e->pde_addr = out->pde_addr;
    e->pte_addr = out->pte_addr;
    e->rights = (uint8_t)(out->rights & (PTE_U | PTE_W));
    e->dirty = out->dirty;
    e->global = out->global;
    e->big = out->big;
    mmu_pt_trace(mmu, out->pde_addr);
    if (!out->big)
        mmu_pt_trace(mmu, out->pte_addr);
    return 0;
}

/* A store hit a traced page-table page: drop the entries built from the
 * bytes it wrote, in every space. */
void shadow_pt_write(struct shadow *s, uint32_t addr, uint32_t len)
{
    s->st.traced_writes++;
    uint32_t lo = addr & ~3u, hi = addr + len;
    for (int i = 0; i < SHADOW_SPACES; i++) {
        struct sh_space *sp = &s->sp[i];
        if (!sp->used)
            continue;
        uint32_t keep = 0;
        for (uint32_t k = 0; k < sp->nfilled; k++) {
            uint16_t slot_k = sp->filled[k];
            struct sh_entry *e = &sp->tab[slot_k];
            if (e->vpn && ((e->pde_addr >= lo && e->pde_addr < hi) ||
                           (!e->big && e->pte_addr >= lo && e->pte_addr < hi))) {
                e->vpn = 0;
                s->st.entries_dropped++;
            }
            if (e->vpn)
                sp->filled[keep++] = slot_k;
            else
                sp->in_filled[slot_k] = 0;
        }
        sp->nfilled = keep;
    }
}

void shadow_invlpg(struct shadow *s, uint32_t cr3, uint32_t lin)
{
    struct sh_space *sp = space_for(s, cr3);
    /* a 4 MiB page is cached as 1024 entries: drop the whole region */
    for (uint32_t p = (lin & 0xFFC00000u) >> 12; p < ((lin & 0xFFC00000u) >> 12) + 1024; p++) {
        struct sh_entry *e = slot(sp, p + 1);
        if (e->vpn == p + 1 && (e->big || p == (lin >> 12))) {
            e->vpn = 0;
            s->st.entries_dropped++;
        }
    }
}

void shadow_drop_all(struct shadow *s)
{
    for (int i = 0; i < SHADOW_SPACES; i++) {
        if (s->sp[i].used)
            s->st.spaces_dropped++;
        s->sp[i].used = false;
        space_clear(&s->sp[i]);
    }
    s->cur = NULL;
}
