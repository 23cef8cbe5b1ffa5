/* shadow.h - shadow page tables (src/mmu/shadow.c). */
#ifndef XBT_SHADOW_H
#define XBT_SHADOW_H

#include "mmu.h"

struct mmu;
struct walk_result;

struct shadow;
struct shadow *shadow_create(void);
void shadow_destroy(struct shadow *s);
/* Like mmu_walk, through the shadow of the address space cr3. */
int shadow_translate(struct shadow *s, struct mmu *mmu, uint32_t cr0, uint32_t cr3, uint32_t cr4,
                     uint32_t lin, unsigned acc, struct walk_result *out);
void shadow_pt_write(struct shadow *s, uint32_t addr, uint32_t len);
void shadow_invlpg(struct shadow *s, uint32_t cr3, uint32_t lin);
void shadow_drop_all(struct shadow *s);
const struct shadow_stats *shadow_stats(const struct shadow *s);

#endif
