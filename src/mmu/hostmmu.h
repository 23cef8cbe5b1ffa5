/*
 * hostmmu.h - guest paging served by the host MMU (--mmu=host, src/mmu/
 * hostmmu.c), private to src/mmu and its unit tests: everything else goes
 * through the mmu_host_* entry points of include/mmu.h and mmu_flush().
 */
#ifndef XBT_MMU_HOSTMMU_H
#define XBT_MMU_HOSTMMU_H

#include "mmu.h"

struct hmmu;

/* Windows of the views over RAM memfd ram_fd for up to spaces address
 * spaces (1..HMMU_MAX_SPACES), at most budget pages mapped at once; NULL
 * when out of memory or address space. */
struct hmmu *hmmu_create(int ram_fd, uint32_t ram_pages, uint32_t budget, uint32_t spaces);
void hmmu_destroy(struct hmmu *h);
/* The window base translated code uses (r14) for the address space of
 * pg->cr3 and the privilege (user: CPL 3).  After a CR3 load this chooses
 * the space and checks its mappings against the tables (mmu's RAM). */
uint8_t *hmmu_base(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg, bool user);
bool hmmu_contains(const struct hmmu *h, uintptr_t a);
/* A host fault at a (see mmu_host_fault). */
enum mmu_host_fault hmmu_fault(struct hmmu *h, struct mmu *mmu, const struct mmu_paging *pg,
                               uintptr_t a, uint32_t start, bool write);
/* Invalidation: non-global pages (CR3 load: the next hmmu_base checks
 * them), the page (or 4 MiB region of a large page) of lin in every space
 * (INVLPG), everything (paging-mode change). */
void hmmu_flush_nonglobal(struct hmmu *h);
void hmmu_invlpg(struct hmmu *h, uint32_t lin);
void hmmu_drop_all(struct hmmu *h);
/* Makes every writable mapping of the physical page read-only (it holds
 * translations or traced page tables now). */
void hmmu_write_protect(struct hmmu *h, uint32_t phys);
const struct hmmu_stats *hmmu_stats(const struct hmmu *h);

#endif
