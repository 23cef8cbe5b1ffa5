/* tc_internal.h - declarations shared by the files of src/tcache. */
#ifndef XBT_TC_INTERNAL_H
#define XBT_TC_INTERNAL_H

#include "tcache.h"

int tc_codebuf_map(struct tcache *tc, size_t size);
void tc_codebuf_unmap(struct tcache *tc);
void tc_unlink_incoming(struct tcache *tc, struct unit *unit);
void tc_unlink_outgoing(struct unit *unit);
void tc_index_clear(struct tcache *tc);
int tc_jcache_init(struct tcache *tc);
void tc_jcache_destroy(struct tcache *tc);
struct unit *tc_alloc_commit(struct tcache *tc, size_t code_size, size_t meta_bytes);
void tc_patch_rel32(struct tcache *tc, struct unit *unit, uint32_t patch_off,
                    const uint8_t *target);

/* tcsim: this simulated cache no longer holds a valid unit of key. */
static inline void tc_sim_release(struct tcache *tc, uint32_t key)
{
    tc->simk->key[key].held &= ~tc->sim_bit;
    tc->sim_held[key >> 6] &= ~(1ull << (key & 63));
}

#endif
