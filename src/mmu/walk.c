/*
 * walk.c - the i686 page walker: two-level tables from CR3, 4 MiB pages
 * with CR4.PSE, global pages (CR4.PGE), U/S and R/W checks with CR0.WP for
 * supervisor writes, accessed and dirty bits set as hardware sets them
 * (A on every level used, D on the final level of a write, never on a
 * faulting access), and the #PF error code (P, W/R, U/S, RSVD).  PCD/PWT
 * are ignored (no caches to model).  The walker reads and writes the page
 * tables in guest-physical memory through mmu_phys_*.
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

int mmu_walk(struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t lin,
             unsigned acc, struct walk_result *out)
{
    bool user = acc & WALK_USER, write = acc & WALK_WRITE;
    uint32_t err = (write ? PF_W : 0) | (user ? PF_U : 0);
    uint32_t pde_addr = (cr3 & PAGE_MASK) + ((lin >> 22) << 2);
    uint32_t pde = mmu_phys_read(mmu, pde_addr, 4);
    if (!(pde & PTE_P)) {
        out->err = err;
        return -1;
    }
    bool big = (pde & PTE_PS) && (cr4 & CR4_PSE);
    if (big && (pde & PDE4M_RSVD)) {
        out->err = err | PF_P | PF_RSVD;
        return -1;
    }
    uint32_t pte_addr = 0, pte = 0, leaf;
    uint32_t rights;   /* combined U and W of all levels */
    if (big) {
        leaf = pde;
        rights = pde & (PTE_U | PTE_W);
    } else {
        pte_addr = (pde & PAGE_MASK) + (((lin >> 12) & 0x3FF) << 2);
        pte = mmu_phys_read(mmu, pte_addr, 4);
        if (!(pte & PTE_P)) {
            out->err = err;
            return -1;
        }
        leaf = pte;
        rights = pde & pte & (PTE_U | PTE_W);
    }
    /* protection */
    bool ok = true;
    if (user) {
        if (!(rights & PTE_U) || (write && !(rights & PTE_W)))
            ok = false;
    } else if (write && !(rights & PTE_W) && (cr0 & CR0_WP)) {
        ok = false;
    }
    if (!ok) {
        out->err = err | PF_P;
        return -1;
    }
    /* accessed / dirty, written back only when they change */
    if (!(pde & PTE_A) || (big && write && !(pde & PTE_D))) {
        uint32_t npde = pde | PTE_A | (big && write ? PTE_D : 0);
        pt_write(mmu, pde_addr, npde);
        pde = npde;
    }
    if (!big && (!(pte & PTE_A) || (write && !(pte & PTE_D)))) {
        uint32_t npte = pte | PTE_A | (write ? PTE_D : 0);
        pt_write(mmu, pte_addr, npte);
        pte = npte;
        leaf = pte;
    } else if (big) {
        leaf = pde;
    }
    if (big)
        out->phys = (leaf & 0xFFC00000u) | (lin & 0x003FF000u);
    else
        out->phys = leaf & PAGE_MASK;
    out->user_ok = (rights & PTE_U) != 0;
    out->write_ok = (rights & PTE_W) != 0 || (!user && !(cr0 & CR0_WP));
    out->user_write_ok = (rights & (PTE_U | PTE_W)) == (PTE_U | PTE_W);
    out->dirty = (leaf & PTE_D) != 0;
    out->global = (leaf & PTE_G) && (cr4 & CR4_PGE);
    out->big = big;
    out->rights = rights;
    out->pde_addr = pde_addr;
    out->pte_addr = pte_addr;
    return 0;
}
