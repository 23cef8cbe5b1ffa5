/*
 * tlb.h - the TLB maintenance primitives behind mmu_flush() (src/mmu/
 * tlb.c), private to src/mmu and its unit tests: everything else flushes
 * through mmu_flush(), which also counts the cause and signals the hooks.
 */
#ifndef XBT_MMU_TLB_H
#define XBT_MMU_TLB_H

#include "mmu.h"

/* Every entry of both TLBs and the victim buffer. */
void mmu_tlb_flush(struct mmu *mmu);
/* Entries not from global pages (CR3 loads keep global pages). */
void mmu_flush_nonglobal(struct mmu *mmu);
/* The entries in the 4 MiB region of lin (INVLPG; see tlb.c). */
void mmu_flush_page(struct mmu *mmu, uint32_t lin);

#endif
