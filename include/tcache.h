/*
 * tcache.h - the translation cache: a W^X code buffer, translation units
 * (TBs) indexed by (guest-physical address, mode key), per-physical-page
 * lists of units for exact invalidation, direct chaining of units with
 * unlinking, and the indirect-branch lookup tables used inline by
 * translated code.
 */
#ifndef XBT_TCACHE_H
#define XBT_TCACHE_H

#include "xbt.h"

struct machine;

/* A direct exit of a unit: a patchable jmp/jcc rel32. */
struct tb_exit {
    uint32_t patch_off;       /* offset of the rel32 field in tb->code */
    uint32_t stub_off;        /* offset of the unchained exit stub */
    uint32_t target_pc;       /* guest linear address of the successor */
    struct tb *dest;          /* chained successor, or NULL */
    struct tb *in_next;       /* next entry in dest's incoming list */
    uint8_t in_next_idx;
    bool used;
};

/* A guest memory access in MEM_HOST code: a host fault at host offsets
 * [start, end) of the unit is resumed at the access's slow-path stub. */
struct tb_memop {
    uint16_t start, end;      /* the access's fast-path bytes */
    uint16_t stub;            /* its slow-path stub */
    int8_t borrowed;          /* host register borrowed (saved in r11), or -1 */
    int8_t base;              /* address = host reg `base` + disp (mod 2^32); -1: in r8 */
    int32_t disp;
    uint32_t pad;
};

struct tb {
    uint32_t pc;              /* guest-physical address of the first byte */
    uint32_t vpc;             /* guest EIP (offset in CS) it was translated at */
    uint32_t cs_base;         /* CS base and limit it was translated with */
    uint32_t cs_limit;        /* (compared for MODE_NONFLAT units) */
    uint32_t mode;            /* mode key (see bt.h) */
    uint32_t guest_size;      /* guest bytes covered */
    uint32_t ninsns;
    uint8_t *code;            /* executable (RX) address */
    uint16_t entry_skip;      /* bytes of the unit-entry check (forward chains skip it) */
    uint32_t code_size;
    uint32_t page[2];         /* physical pages the bytes lie on (equal if one) */
    struct tb *hash_next;
    struct tb *page_next[2];
    struct tb_exit exits[2];
    struct tb *in_first;      /* units whose exits are chained to this one */
    uint8_t in_first_idx;
    bool valid;
    /* guest instruction boundaries: host offset -> guest EIP, for faults
     * raised by the host CPU (divide error) inside the unit */
    uint32_t *insn_pc;
    uint16_t *insn_off;
    uint32_t nmap;            /* entries in insn_pc/insn_off (instructions, then
                               * the slow-path stubs, in code order) */
    struct tb_memop *memops;
    uint32_t nmemops;
};

/* One entry of the indirect-branch table: tag stored negated so emitted
 * code can test it without touching the flags (lea + jrcxz). */
struct jc_entry {
    uint64_t neg_tag;
    const void *code;
};
#define JC_BITS 16
#define JC_ENTRIES (1u << JC_BITS)
#define JC_INVALID 1ull
/* Tunable: indirect-branch tables kept at once, one per mode key in use.
 * Policy: guests use a handful of modes; past this many, all are dropped. */
#define JC_MAX_MODES 16

/* Why units are invalidated (counted separately in the statistics). */
enum tc_inval_cause {
    TC_INV_SMC,        /* a guest store (translated code, callout, string op) */
    TC_INV_DMA,        /* a device wrote guest memory (mmu_dma_write) */
    TC_INV_PAGETABLE,  /* the page tables now map a unit's second page elsewhere */
    TC_INV_CAUSES
};

struct tc_stats {
    uint64_t translations, guest_insns, guest_bytes, host_bytes;
    uint64_t lookups, lookup_hits, jc_fills;
    uint64_t chain_patches, chain_unpatches;
    uint64_t invalidations[TC_INV_CAUSES], flushes_full;
    uint64_t translate_ns;
};

struct tcache {
    struct machine *m;
    uint8_t *rx, *rw;         /* two views of one memfd: execute / write */
    size_t size, used;
    int memfd;
    struct tb *tbs;           /* pool of unit descriptors */
    uint32_t ntbs, max_tbs;
    struct tb **hash;
    uint32_t hash_mask;
    struct tb **page_list;    /* per RAM page */
    uint32_t npages;
    uint32_t *meta;           /* pool for insn_pc / insn_off arrays */
    size_t meta_used, meta_size;
    struct {
        uint32_t mode;
        struct jc_entry *tab;
    } jc[JC_MAX_MODES];
    int njc;
    /* entries filled since the last flush: a flush (CR3, INVLPG) clears
     * just these instead of whole 1 MiB tables */
    struct jc_entry **jc_filled;
    uint32_t jc_nfilled;
    bool jc_overflow;
    uint64_t generation;      /* bumped on every flush */
    /* --smc-granularity: 0 = byte (units whose bytes a store overlaps),
     * else a power of two (64 = cache line, 4096 = page): every unit on
     * the touched lines/pages goes.  Policy: byte by default (least
     * retranslation for data sharing pages with code). */
    uint32_t smc_granularity;
    struct tc_stats st;
};

/* Tunable: default code buffer size.  Policy: 32 MiB holds every guest of
 * the test suite without a flush; the buffer is flushed whole when full. */
#define TC_DEFAULT_SIZE (32u << 20)
/* Tunable: bytes that must be free before a unit is translated (at most a
 * quarter of the buffer); a unit that overflows them is re-made with half
 * as many instructions. */
#define TC_UNIT_RESERVE (64u << 10)

int tc_init(struct tcache *tc, struct machine *m, size_t size);
void tc_destroy(struct tcache *tc);
void tc_flush(struct tcache *tc);

/* A unit is found by its physical address, mode key and the EIP it was
 * made for (EIPs are built into translated code: return addresses, fault
 * EIPs); CS base and limit matter only for units of non-flat modes. */
struct tb *tc_lookup(struct tcache *tc, uint32_t pc, uint32_t mode, uint32_t cs_base,
                     uint32_t cs_limit, uint32_t eip);
/* Reserves space for a new unit; may flush.  Returns the RW pointer and
 * the room available. */
uint8_t *tc_begin(struct tcache *tc, size_t *room);
/* Commits a unit emitted at the tc_begin() pointer. */
struct tb *tc_commit(struct tcache *tc, const struct tb *proto, size_t code_size,
                     const uint32_t *insn_pc, const uint16_t *insn_off,
                     const struct tb_memop *memops, uint32_t nmemops);
/* The MEM_HOST access covering host address rip, or NULL. */
const struct tb_memop *tb_memop_at(const struct tb *tb, uintptr_t rip);
void tc_chain(struct tcache *tc, struct tb *from, int idx, struct tb *to);
/* Invalidates every unit whose guest bytes overlap [addr, addr+len) (or the
 * lines/pages they touch, see smc_granularity).  Returns the number
 * invalidated. */
int tc_invalidate_range(struct tcache *tc, uint32_t addr, uint32_t len, enum tc_inval_cause cause);
/* Host RIP -> unit (for faults inside translated code). */
struct tb *tc_find_by_host(struct tcache *tc, uintptr_t rip);
uint32_t tb_guest_eip_at(const struct tb *tb, uintptr_t rip);
struct jc_entry *tc_jcache(struct tcache *tc, uint32_t mode);
void tc_jcache_flush(struct tcache *tc);
/* Records eip -> code in the table tab (the dispatcher's fill). */
void tc_jcache_fill(struct tcache *tc, struct jc_entry *tab, uint32_t eip, const void *code);
/* Tunable: fills remembered for a cheap flush.  Policy: far more than a
 * guest dispatches between two CR3 loads; past it a flush clears all. */
#define JC_FILLED_MAX 8192

static inline uint8_t *tc_rw(const struct tcache *tc, const uint8_t *rx)
{
    return tc->rw + (rx - tc->rx);
}

#endif
