/* walk.h - the i686 page walker (src/mmu/walk.c). */
#ifndef XBT_WALK_H
#define XBT_WALK_H

#include "mmu.h"

struct mmu;

struct walk_result {
    uint32_t phys;               /* physical page address */
    bool user_ok;                /* CPL 3 may read */
    bool write_ok;               /* this access's privilege may write */
    bool user_write_ok;          /* CPL 3 may write */
    bool dirty;                  /* D is set (writes need not walk again) */
    bool global;                 /* G with CR4.PGE */
    bool big;                    /* 4 MiB page */
    uint32_t rights;             /* U and W bits combined over the levels */
    uint32_t pde_addr, pte_addr; /* where the entries are (page-table tracing) */
    uint32_t err;                /* #PF error code on failure */
};

/* Translates lin for the access; sets A/D bits.  Returns 0, or -1 with
 * out->err set (the caller raises #PF with CR2 = lin). */
int mmu_walk(struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t lin, unsigned acc,
             struct walk_result *out);

/* The same walk without side effects: 0 only when it succeeds and would
 * set no A or D bit (they are set already); nothing is written. */
int mmu_walk_peek(struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t lin,
                  unsigned acc, struct walk_result *out);

#endif
