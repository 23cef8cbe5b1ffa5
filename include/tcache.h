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

struct mmu;

/* Tunable: direct exits a unit may have: its last instruction's (a
 * conditional branch: taken and fall-through) and the side exits of the
 * conditional branches it continues past (bt.h, --unit-branches).
 * Policy: 4 lets a unit span three basic blocks, a loop body with an
 * early exit or two; chain_info keeps the index in 3 bits (at most 8). */
#define UNIT_MAX_EXITS 4

/* A direct exit of a unit: a patchable jmp/jcc rel32. */
struct unit_exit {
    uint32_t patch_off;   /* offset of the rel32 field in unit->code */
    uint32_t stub_off;    /* offset of the unchained exit stub */
    uint32_t target_pc;   /* guest linear address of the successor */
    struct unit *dest;    /* chained successor, or NULL */
    struct unit *in_next; /* next entry in dest's incoming list */
    uint8_t in_next_idx;
    bool used;
};

/* A guest memory access in MEM_HOST code: a host fault at host offsets
 * [start, end) of the unit is resumed at the access's slow-path stub. */
struct unit_memop {
    uint16_t start, end; /* the access's fast-path bytes */
    uint16_t stub;       /* its slow-path stub */
    int8_t borrowed;     /* host register borrowed (saved in r11), or -1 */
    int8_t base;         /* address = host reg `base` + disp (mod 2^32); -1: in r8 */
    int32_t disp;
    uint16_t mmio_faults;  /* host faults diverted to the slow path: MMIO, stores
                            * to code pages (run_faults.c) */
    uint16_t churn_faults; /* host faults on pages the guest keeps remapping */
};

/* Layout: the first 64 bytes hold what the placement policies and tcsim
 * touch on every translation and eviction (identity, code, allocation). */
struct unit {
    uint32_t pc;         /* guest-physical address of the first byte */
    uint32_t vpc;        /* guest EIP (offset in CS) it was translated at */
    uint32_t cs_base;    /* CS base and limit it was translated with */
    uint32_t cs_limit;   /* (compared for MODE_NONFLAT units) */
    uint32_t mode;       /* mode key (see bt.h) */
    uint32_t guest_size; /* guest bytes covered */
    uint8_t *code;       /* executable (RX) address */
    uint32_t code_size;
    /* allocation (policy.c): the unit's place in its region's FIFO */
    uint8_t region; /* 0, or 1 = persistent (generational policy) */
    bool live;      /* holds code (valid or invalidated, not evicted) */
    uint8_t ref;    /* clock policy: entered since the hand last passed
                     * (set by the unit's prologue, TC_CLOCK_REF_BYTES) */
    bool valid;
    struct unit *fifo_next; /* next younger unit of the same region */
    uint64_t ref_at;        /* tcsim: entries after this index (simk->key[].seen) count
                             * as a reference too */
    uint32_t trace_key;     /* --tcache-trace: the unit's key id in the trace */
    uint16_t entry_skip;    /* bytes of the unit-entry check (forward chains skip it) */
    uint16_t instr_bytes;   /* prologue bytes of instrumentation (--tcache-stats
                             * counters, trace record, clock reference bit) */
    uint32_t page[2];       /* physical pages the bytes lie on (equal if one) */
    uint32_t ninsns;
    struct unit *hash_next;
    struct unit *page_next[2]; /* per-page lists (doubly linked) */
    struct unit **page_pprev[2];
    struct unit_exit exits[UNIT_MAX_EXITS];
    struct unit *in_first; /* units whose exits are chained to this one */
    uint8_t in_first_idx;
    /* guest instruction boundaries: host offset -> guest EIP, for faults
     * raised by the host CPU (divide error) inside the unit */
    uint32_t *insn_pc;
    uint16_t *insn_off;
    uint32_t nmap; /* entries in insn_pc/insn_off (instructions, then
                               * the slow-path stubs, in code order) */
    struct unit_memop *memops;
    uint32_t nmemops;
    void *meta_block; /* malloc'd insn_pc/insn_off/memops */
};
_Static_assert(__builtin_offsetof(struct unit, instr_bytes) < 64, "policy fields in one line");

/* One entry of the indirect-branch table: tag stored negated so emitted
 * code can test it without touching the flags (lea + jrcxz). */
struct jc_entry {
    uint64_t neg_tag;
    const void *code;
};
#define JC_BITS 16
#define JC_ENTRIES (1u << JC_BITS)
#define JC_INVALID 1ull
/* code of an entry that was filled once and invalidated since (so the
 * statistics tell a flushed entry from a cold one) */
#define JC_DROPPED ((const void *)1)
/* Tunable: indirect-branch tables kept at once, one per mode key in use.
 * Policy: guests use a handful of modes; past this many, all are dropped. */
#define JC_MAX_MODES 16
/* Tunable: remembered fills and tracked chains per class (global / not
 * global) for exact invalidation when linear mappings change (struct
 * jc_dep, 24 bytes; the array is touched as it fills).  Policy: above the
 * live entries of a few tables (a Linux boot overflowed 64 Ki records 4
 * times, 256 Ki never); when a class is full even after dropping stale
 * records, every table is cleared and every tracked chain undone. */
#define JC_DEPS_MAX (1u << 18)
/* The 4 MiB regions of the linear address space (INVLPG drops a region,
 * as the TLB does: see mmu_flush_page). */
#define JC_REGIONS 1024

/* A filled entry (or a chained exit) and the linear region its code
 * depends on: an INVLPG in the region, a CR3 load (if not global) or a
 * paging mode change clears the entry if it still holds the fill (or
 * unchains the exit if it is still chained to the same unit). */
struct jc_dep {
    void *obj;     /* a struct jc_entry, or (chain) the source struct unit */
    uint64_t tag;  /* the entry's neg_tag, or (chain) destination unit | exit index */
    uint32_t next; /* index + 1 of the next record of the same region, 0: end */
    uint16_t region;
    uint16_t chain; /* the record is a chain, not a table entry */
};
/* The records of one class: global pages (kept across CR3 loads) or not. */
struct jc_deps {
    struct jc_dep *dep;
    uint32_t n;
    uint32_t head[JC_REGIONS]; /* index + 1 of the region's newest record */
};

/* Why indirect-branch table entries were cleared (tc_stats.jc_inval). */
enum jc_inval_cause {
    JC_INV_INVLPG,   /* INVLPG in the 4 MiB region of the target (or its unit's second page) */
    JC_INV_CR3,      /* CR3 load: targets on pages that are not global */
    JC_INV_MODE,     /* paging mode change (CR0.PG/WP, CR4.PSE/PGE): all */
    JC_INV_UNIT,     /* the unit went (SMC, DMA, eviction) */
    JC_INV_CAPACITY, /* the fill records overflowed: all */
    JC_INV_CAUSES
};

/* How the dispatcher found the entry an indirect branch missed in. */
enum jc_miss_kind {
    JC_MISS_COLD,     /* never filled */
    JC_MISS_DROPPED,  /* filled once, invalidated since */
    JC_MISS_CONFLICT, /* holds another target with the same index */
    JC_MISS_KINDS
};

/* Why units are invalidated (counted separately in the statistics). */
enum tc_inval_cause {
    TC_INV_SMC,       /* a guest store (translated code, callout, string op) */
    TC_INV_DMA,       /* a device wrote guest memory (mmu_dma_write) */
    TC_INV_PAGETABLE, /* the page tables now map a unit's second page elsewhere */
    TC_INV_CAUSES
};

struct tc_stats {
    uint64_t translations, guest_insns, guest_bytes, host_bytes;
    uint64_t lookups, lookup_hits, jc_fills;
    uint64_t jc_hits; /* with --tcache-stats: inline hits of the indirect-branch tables */
    uint64_t jc_miss[JC_MISS_KINDS];    /* misses of translated code, by the entry's state */
    uint64_t jc_inval[JC_INV_CAUSES];   /* entries cleared, by cause */
    uint64_t jc_flushes[JC_INV_CAUSES]; /* the invalidation requests, by cause */
    uint64_t chains_tracked;            /* chains to targets paging may remap */
    uint64_t chains_unmapped;           /* of them undone by TLB maintenance */
    uint64_t chain_patches, chain_unpatches;
    uint64_t invalidations[TC_INV_CAUSES], flushes_full;
    uint64_t evictions, evicted_bytes, promotions, wraps;
    uint64_t clock_skips;   /* clock policy: referenced units the hand spared */
    uint64_t clock_moves;   /* of them, moved down to the head (code copied) */
    uint64_t unit_entries;  /* with --tcache-stats: every entry into a unit */
    uint64_t unit_insns;    /* with --tcache-stats: guest instructions of the
                             * units entered (instructions run, at most) */
    uint64_t smc_page_mode; /* pages switched to page granularity (JIT-like) */
    uint64_t smc_byte_mode; /* and back (their stores hit data, not code) */
    uint64_t translate_ns;
    /* --tcache-trace (trace.c): records written (an entry run with repeats
     * is two); entry runs met and kept by --tcache-trace-window's windows */
    uint64_t trace_records, trace_windows, trace_runs_in, trace_runs_kept;
};

/* --tcache-policy: what makes room when the code buffer is full. */
enum tc_policy {
    TC_POLICY_FLUSH, /* drop everything (default: cheapest bookkeeping, and
                        * guests of the suite never fill 32 MiB) */
    TC_POLICY_FIFO,  /* circular buffer: evict the oldest units just far
                        * enough to fit the next one */
    TC_POLICY_GEN,   /* generational: new units go to a FIFO nursery; a
                        * unit needed again soon after its eviction from it
                        * (within one nursery's worth of evictions) is made
                        * in a FIFO persistent region (2Q-like) */
    TC_POLICY_CLOCK, /* second chance (clock approximation of LRU): the FIFO
                        * hand spares a unit entered since it last passed
                        * (clears its bit, slides its code down to the
                        * head, where it becomes the youngest) */
    TC_POLICY_COUNT
};
extern const char *const tc_policy_names[TC_POLICY_COUNT];

/* Bytes of the clock policy's reference-bit store in every unit's prologue
 * (mov r11, imm64; mov byte [r11], 1): the translator emits exactly these,
 * and tcsim adds them to traced unit sizes when it simulates clock. */
#define TC_CLOCK_REF_BYTES 14

/* One FIFO allocation region of the code buffer: units are placed at head,
 * wrapping to start; the oldest units (at and after head) go first. */
struct tc_region {
    uint32_t start, end, head;
    struct unit *oldest, *newest;
    uint32_t nunits;
};

/* Tunable: slots of the generational policy's ghost table (keys of units
 * evicted from the nursery, direct-mapped; an entry counts only within one
 * nursery's worth of later evictions).  Policy: more slots than a nursery
 * of a few MiB holds units; a lost ghost only delays a promotion. */
#define TC_GHOST_SLOTS 4096
/* Tunable: default share of the buffer for the generational nursery, in
 * percent (--tcache-nursery).  Policy: half, so a phase's working set fits
 * either generation. */
#define TC_DEFAULT_NURSERY_PCT 50

struct tcache {
    struct mmu *mmu;  /* code pages are marked there; NULL: none (tests) */
    uint8_t *rx, *rw; /* two views of one memfd: execute / write */
    size_t size, used;
    int memfd;
    struct unit *units; /* pool of unit descriptors */
    uint32_t max_units;
    struct unit *free_units; /* freed descriptors (linked by fifo_next) */
    uint32_t fresh_units;    /* units[0, fresh_units) have been handed out;
                              * the rest are untouched (calloc: no RSS) */
    uint32_t nunits;         /* descriptors in use */
    struct unit *next_unit;  /* reserved by tc_begin for the unit being made */
    uint32_t *owner;         /* per 16-byte granule of the buffer: descriptor
                               * index + 1 of the unit there (tc_find_by_host) */
    enum tc_policy policy;
    uint32_t nursery_pct;
    struct tc_region region[2];
    int nregions;
    int cur_region;           /* region tc_begin chose for the next unit */
    struct tc_ghost {         /* generational: recently evicted nursery units */
        uint64_t key, serial; /* (pc, mode) + 1; st.evictions when evicted */
    } * ghost;
    struct unit **hash;
    uint32_t hash_mask;
    struct unit **page_list; /* per RAM page */
    uint32_t npages;
    struct {
        uint32_t mode;
        uint32_t cs_base, cs_limit; /* the code segment the table's EIPs are offsets in */
        struct jc_entry *tab;
    } jc[JC_MAX_MODES];
    int njc;
    /* the fills, by class (0: not global, 1: global), for exact
     * invalidation when linear mappings change (jcache.c) */
    struct jc_deps jc_deps[2];
    uint64_t generation; /* bumped on every flush or eviction: a unit
                               * pointer taken before may be stale */
    /* --smc-granularity: 0 = byte (units whose bytes a store overlaps),
     * else a power of two (64 = cache line, 4096 = page): every unit on
     * the touched lines/pages goes.  Policy: byte by default (least
     * retranslation for data sharing pages with code). */
    uint32_t smc_granularity;
    /* per RAM page, for --smc-granularity=byte's adaptation (tcache.c,
     * smc_page_adapt): SMC stores in bursts and not, units they dropped,
     * units made on the page (tr_serial; tr_seen at the last store) */
    struct tc_page_smc {
        uint32_t burst, lone, invals;
        uint32_t tr_serial, tr_seen;
        bool page_mode;
    } * page_smc;
    struct tc_trace *trace;   /* --tcache-trace recorder (trace.c), or NULL */
    bool sim;                 /* tcsim: a simulated arena (no code, no mmu) */
    struct tc_sim_keys *simk; /* tcsim: the replay's per-key state */
    uint64_t sim_bit;         /* tcsim: this cache's bit in simk->key[].held */
    uint64_t *sim_held;       /* tcsim: the same, a bit per key id (sim.c's run_each) */
    struct tc_stats st;
};

/* tcsim (sim.c): the keys of a trace as the simulated caches of one
 * replay see them, shared by up to 64 caches: which caches hold a valid
 * unit for each key (a bit each, cleared by the cache when it drops or
 * frees the unit), the index of each key's last entry (for the clock
 * policy's reference bits), the index of the entry being replayed. */
struct tc_sim_keys {
    struct tc_sim_key_state {
        uint64_t held; /* the caches holding a valid unit (sim_bit) */
        uint64_t seen; /* the index of the key's last entry */
    } * key;
    uint64_t now;
    uint32_t cap;
};

/* Tunable: SMC stores per window over which a page's granularity (byte or
 * page) is decided (see smc_page_adapt in tcache.c).  Policy: enough to
 * tell a JIT's bursts from occasional patches, short enough to follow a
 * program's phases. */
#define TC_SMC_ADAPT_WINDOW 32

/* Tunable: default code buffer size.  Policy: 32 MiB holds every guest of
 * the test suite without making room (see --tcache-policy). */
#define TC_DEFAULT_SIZE (32u << 20)
/* Tunable: bytes that must be free before a unit is translated (at most a
 * quarter of the buffer); a unit that overflows them is re-made with half
 * as many instructions. */
#define TC_UNIT_RESERVE (64u << 10)

/* A cache of size bytes (at least 64 KiB, rounded up to pages) for the
 * guest RAM of mmu; registers itself as the mmu's code hook, so stores to
 * translated code invalidate it.  mmu may be NULL (unit tests). */
int tc_init(struct tcache *tc, struct mmu *mmu, size_t size);
/* A simulated cache for tcsim (tctrace.h): the same bookkeeping over
 * reserved, never-touched address space; npages: the guest's RAM pages. */
int tc_init_sim(struct tcache *tc, size_t size, uint32_t npages);
/* Selects the policy (flushes the cache).  nursery_pct: the generational
 * nursery's share of the buffer (10..90). */
int tc_set_policy(struct tcache *tc, enum tc_policy policy, unsigned nursery_pct);
/* Parses a policy name ("flush", "fifo", "gen", "clock"); -1 if unknown. */
int tc_policy_parse(const char *name);
void tc_destroy(struct tcache *tc);
void tc_flush(struct tcache *tc);

/* A unit is found by its physical address, mode key and the EIP it was
 * made for (EIPs are built into translated code: return addresses, fault
 * EIPs); CS base and limit matter only for units of non-flat modes. */
struct unit *tc_lookup(struct tcache *tc, uint32_t pc, uint32_t mode, uint32_t cs_base,
                       uint32_t cs_limit, uint32_t eip);
/* Reserves space and a descriptor for a new unit of (pc, mode); may evict
 * or flush per the policy.  Returns the RW pointer and the room available;
 * *future is the descriptor tc_commit() will fill (translated code may
 * refer to it). */
uint8_t *tc_begin(struct tcache *tc, uint32_t pc, uint32_t mode, size_t *room,
                  struct unit **future);
/* Commits a unit emitted at the tc_begin() pointer.  Returns NULL when out
 * of host memory. */
struct unit *tc_commit(struct tcache *tc, const struct unit *proto, size_t code_size,
                       const uint32_t *insn_pc, const uint16_t *insn_off,
                       const struct unit_memop *memops, uint32_t nmemops);
/* The MEM_HOST access covering host address rip, or NULL. */
const struct unit_memop *unit_memop_at(const struct unit *unit, uintptr_t rip);
/* Chains exit idx of from to `to` (see chain.c for when it may);
 * to_global: to's pages are global mappings (as for tc_jcache_fill). */
void tc_chain(struct tcache *tc, struct unit *from, int idx, struct unit *to, bool to_global);
/* True if paging could map the target of exit idx of from elsewhere later
 * (another page, or a unit running onto the next page): such a chain is
 * undone by the guest's TLB maintenance of the target's pages. */
bool tc_chain_page_bound(const struct unit *from, int idx, const struct unit *to);
/* Points exit i of unit back at its stub (no-op if not chained). */
void tc_unchain_exit(struct tcache *tc, struct unit *unit, int i);
/* Invalidates every unit whose guest bytes overlap [addr, addr+len) (or the
 * lines/pages they touch, see smc_granularity).  Returns the number
 * invalidated. */
int tc_invalidate_range(struct tcache *tc, uint32_t addr, uint32_t len, enum tc_inval_cause cause);
/* Takes a unit out of the cache so that it is translated again on its next
 * lookup; its code stays in place (it may be running) until evicted. */
void tc_unit_drop(struct tcache *tc, struct unit *unit);
/* Host RIP -> unit (for faults inside translated code). */
struct unit *tc_find_by_host(struct tcache *tc, uintptr_t rip);
uint32_t unit_guest_eip_at(const struct unit *unit, uintptr_t rip);
/* The indirect-branch table of mode (made, or recycled, on first use). */
struct jc_entry *tc_jcache(struct tcache *tc, uint32_t mode);
/* The slot of flat mode's table among tc->jc (-1: it has none); the table
 * stays in that slot until more modes than JC_MAX_MODES recycle it:
 * tc_jcache_slot then says NULL.  For memos of tc_jcache (xfer.c). */
int tc_jcache_index(const struct tcache *tc, uint32_t mode);
static inline struct jc_entry *tc_jcache_slot(const struct tcache *tc, int k, uint32_t mode)
{
    if (k < 0 || k >= tc->njc || tc->jc[k].mode != mode || tc->jc[k].cs_base != 0 ||
        tc->jc[k].cs_limit != 0xFFFFFFFFu)
        return NULL;
    return tc->jc[k].tab;
}
/* The table for mode with the code segment (cs_base, cs_limit): with
 * MODE_NONFLAT an EIP names code only together with its CS (real mode, V86,
 * segmented code), so each CS gets a table of its own. */
struct jc_entry *tc_jcache_cs(struct tcache *tc, uint32_t mode, uint32_t cs_base,
                              uint32_t cs_limit);
/* Clears every table (the cache was flushed). */
void tc_jcache_flush(struct tcache *tc);
/* Records eip -> code in table tab (the dispatcher's fill).  The code
 * depends on the linear mappings of the pages of [lin, last]: its first
 * and last byte (lin = CS base + eip); `global`: both come from global pages (the entry then
 * survives CR3 loads).  `missed`: translated code missed this entry (the
 * miss is counted by the entry's state). */
void tc_jcache_fill(struct tcache *tc, struct jc_entry *tab, uint32_t eip, uint32_t lin,
                    uint32_t last, bool global, bool missed, const void *code);
/* The linear mappings changed (mmu_flush): clears exactly the entries whose
 * code may now be another (INVLPG: those depending on lin's 4 MiB region;
 * CR3: those not on global pages; mode: all). */
void tc_jcache_mappings_changed(struct tcache *tc, int mmu_flush_cause, uint32_t lin);
/* Records the chain of exit idx of from to `to`, which depends on the
 * mappings of to's pages like a table entry for to (to_global: as for
 * tc_jcache_fill), so the invalidation that would clear that entry undoes
 * the chain. */
void tc_jcache_track_chain(struct tcache *tc, struct unit *from, int idx, struct unit *to,
                           bool to_global);
/* Clears the entries of every table that hold unit code at eip. */
void tc_jcache_drop_code(struct tcache *tc, uint32_t eip, const void *code);

static inline uint8_t *tc_rw(const struct tcache *tc, const uint8_t *rx)
{
    return tc->rw + (rx - tc->rx);
}

#endif
