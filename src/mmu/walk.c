/*
 * walk.c - the i686 page walker: two-level tables from CR3, 4 MiB pages
 * with CR4.PSE, global pages (CR4.PGE), U/S and R/W checks with CR0.WP for
 * supervisor writes, accessed and dirty bits set as hardware sets them
 * (A on every level used, D on the final level of a write, never on a
 * faulting access), and the #PF error code (P, W/R, U/S, RSVD).  PCD/PWT
 * are ignored (no caches to model).  The walker reads and writes the page
 * tables in guest-physical memory through mmu_phys_*, their addresses
 * A20-masked as the rest of the physical accesses (a closed A20 gate).
 */
#include <string.h>

#include "mmu.h"
#include "vcpu.h"
#include "walk.h"

/* 4 MiB PDE bits 21:13 are reserved without PSE-36 (not implemented) */
#define PDE4M_RSVD 0x003FE000u

/* A/D updates: written straight to RAM, so a traced page-table page does
 * not drop the shadow entries being built from it. */
static void pt_write(struct mmu *mmu, uint32_t addr, uint32_t v)
{
    uint8_t *p = mmu_phys_ptr(mmu, addr, 4);
    if (p)
        memcpy(p, &v, 4);
    else
        mmu_phys_write(mmu, addr, 4, v);
}

/* One walk: the access, and the entries it goes through. */
struct walk {
    uint32_t cr0, cr3, cr4, lin;
    bool user, write;
    bool big; /* a 4 MiB page (PDE.PS with CR4.PSE) */
    uint32_t pde_addr, pde;
    uint32_t pte_addr, pte; /* 0 for a 4 MiB page */
    uint32_t rights;        /* the U and W bits of all levels, combined */
};

/* The W/R and U/S bits of the access's #PF error code. */
static uint32_t walk_err(const struct walk *w)
{
    return (w->write ? PF_W : 0) | (w->user ? PF_U : 0);
}

/* Reads the PDE and, for a 4 KiB page, the PTE.  -1 with out->err for a
 * not-present entry or reserved bits in a 4 MiB PDE. */
static int walk_tables(struct mmu *mmu, struct walk *w, struct walk_result *out)
{
    w->pde_addr = ((w->cr3 & PAGE_MASK) + ((w->lin >> 22) << 2)) & mmu_a20_mask(mmu);
    w->pde = mmu_phys_read(mmu, w->pde_addr, 4);
    if (!(w->pde & PTE_P)) {
        out->err = walk_err(w);
        return -1;
    }
    w->big = (w->pde & PTE_PS) && (w->cr4 & CR4_PSE);
    if (w->big && (w->pde & PDE4M_RSVD)) {
        out->err = walk_err(w) | PF_P | PF_RSVD;
        return -1;
    }
    w->pte_addr = w->pte = 0;
    if (w->big) {
        w->rights = w->pde & (PTE_U | PTE_W);
        return 0;
    }
    w->pte_addr = ((w->pde & PAGE_MASK) + (((w->lin >> 12) & 0x3FF) << 2)) & mmu_a20_mask(mmu);
    w->pte = mmu_phys_read(mmu, w->pte_addr, 4);
    if (!(w->pte & PTE_P)) {
        out->err = walk_err(w);
        return -1;
    }
    w->rights = w->pde & w->pte & (PTE_U | PTE_W);
    return 0;
}

/* The U/S and R/W check: user accesses need U (and W to write);
 * supervisor writes need W when CR0.WP is set. */
static bool walk_allowed(const struct walk *w)
{
    if (w->user)
        return (w->rights & PTE_U) && !(w->write && !(w->rights & PTE_W));
    return !(w->write && !(w->rights & PTE_W) && (w->cr0 & CR0_WP));
}

/* Accessed bits on every level used, dirty on the leaf of a write,
 * written back only when they change. */
static void walk_set_ad(struct mmu *mmu, struct walk *w)
{
    if (!(w->pde & PTE_A) || (w->big && w->write && !(w->pde & PTE_D))) {
        uint32_t npde = w->pde | PTE_A | (w->big && w->write ? PTE_D : 0);
        pt_write(mmu, w->pde_addr, npde);
        w->pde = npde;
    }
    if (!w->big && (!(w->pte & PTE_A) || (w->write && !(w->pte & PTE_D)))) {
        uint32_t npte = w->pte | PTE_A | (w->write ? PTE_D : 0);
        pt_write(mmu, w->pte_addr, npte);
        w->pte = npte;
    }
}

static void walk_fill(const struct walk *w, struct walk_result *out)
{
    uint32_t leaf = w->big ? w->pde : w->pte, rights = w->rights;
    if (w->big)
        out->phys = (leaf & 0xFFC00000u) | (w->lin & 0x003FF000u);
    else
        out->phys = leaf & PAGE_MASK;
    out->user_ok = (rights & PTE_U) != 0;
    out->write_ok = (rights & PTE_W) != 0 || (!w->user && !(w->cr0 & CR0_WP));
    out->user_write_ok = (rights & (PTE_U | PTE_W)) == (PTE_U | PTE_W);
    out->dirty = (leaf & PTE_D) != 0;
    out->global = (leaf & PTE_G) && (w->cr4 & CR4_PGE);
    out->big = w->big;
    out->rights = rights;
    out->pde_addr = w->pde_addr;
    out->pte_addr = w->pte_addr;
}

static struct walk walk_start(uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t lin, unsigned acc)
{
    return (struct walk){ .cr0 = cr0,
                          .cr3 = cr3,
                          .cr4 = cr4,
                          .lin = lin,
                          .user = acc & WALK_USER,
                          .write = acc & WALK_WRITE };
}

int mmu_walk_peek(struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t lin,
                  unsigned acc, struct walk_result *out)
{
    struct walk w = walk_start(cr0, cr3, cr4, lin, acc);
    if (walk_tables(mmu, &w, out) < 0 || !walk_allowed(&w))
        return -1;
    uint32_t leaf = w.big ? w.pde : w.pte;
    if (!(w.pde & PTE_A) || !(leaf & PTE_A) || (w.write && !(leaf & PTE_D)))
        return -1; /* a real access would set A or D */
    walk_fill(&w, out);
    return 0;
}

int mmu_walk(struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t lin, unsigned acc,
             struct walk_result *out)
{
    struct walk w = walk_start(cr0, cr3, cr4, lin, acc);
    if (walk_tables(mmu, &w, out) < 0)
        return -1;
    if (!walk_allowed(&w)) {
        out->err = walk_err(&w) | PF_P;
        return -1;
    }
    walk_set_ad(mmu, &w);
    walk_fill(&w, out);
    return 0;
}

int mmu_peek_linear(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, uint32_t *phys)
{
    if (!(pg->cr0 & CR0_PG)) {
        *phys = lin;
        return 0;
    }
    struct walk w = { .cr0 = pg->cr0, .cr3 = pg->cr3, .cr4 = pg->cr4, .lin = lin };
    struct walk_result out;
    if (walk_tables(mmu, &w, &out) < 0)
        return -1;
    walk_fill(&w, &out);
    *phys = out.phys | (lin & ~PAGE_MASK);
    return 0;
}
