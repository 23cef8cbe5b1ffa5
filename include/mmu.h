/*
 * mmu.h - guest memory as the VMM sees it: the simulated TLB that translated
 * code consults inline, guest-physical access (RAM, MMIO, open bus), and the
 * slow path behind the TLB (the page walker, shadow page tables), and the
 * linear-address accessors of the C helpers.
 */
#ifndef XBT_MMU_H
#define XBT_MMU_H

#include "xbt.h"

struct vcpu;
struct io_bus;
struct mmu_paging;

/*
 * One direct-mapped TLB entry, 16 bytes (emitted code scales the index by
 * 16).  A tag is the page-aligned linear address the entry maps for that
 * access type; TLB_TAG_INVALID has low bits set so it never equals an
 * aligned address, which also makes every page-crossing access miss (the
 * fast path compares the tag with the page of the access's last byte).
 */
struct tlb_entry {
    uint32_t tag_r;
    uint32_t tag_w;
    uint64_t addend; /* host address = addend + linear address */
};
#define TLB_TAG_INVALID 0xFFFFFFFFu
#define TLB_OFF_TAG_R 0
#define TLB_OFF_TAG_W 4
#define TLB_OFF_ADDEND 8
#define PAGE_SIZE 4096u
#define PAGE_MASK 0xFFFFF000u

/* Tunable: default simulated TLB size (entries, power of two, 2..65536).
 * Policy: large enough to cover a typical kernel's hot working set (4 MiB)
 * while the table (16 bytes per entry) stays within the L1/L2 cache. */
#define TLB_DEFAULT_ENTRIES 1024u
/* Tunable: largest victim buffer (--tlb-victims).  Policy: a handful of
 * entries, searched linearly on misses only. */
#define TLB_MAX_VICTIMS 64

/* Tunable: pages --mmu=host keeps mapped in its windows (--host-maps).
 * Policy: a page whose neighbours differ costs the host up to two VMAs and
 * Linux allows 65,530 per process (vm.max_map_count), so the default keeps
 * well below half of that: 16,384 pages (64 MiB) mapped at once, the
 * oldest fill dropped beyond. */
#define HMMU_DEFAULT_MAPS 16384u
#define HMMU_MAX_MAPS 24576u
/* Tunable: address spaces --mmu=host keeps windows for (--host-spaces).
 * Policy: a switch back to a kept space checks its pages with a walk each
 * (0.1 us) instead of refilling them on host faults (10-20 us each); a
 * fork/exec/wait cycle switches between a parent, a child and the shell,
 * and a space costs only address space (16 GiB reserved, nothing
 * committed).  Measured in docs/mmu.md. */
#define HMMU_DEFAULT_SPACES 4u
#define HMMU_MAX_SPACES 16u

struct mmu_stats {
    uint64_t tlb_misses_r, tlb_misses_w; /* slow-path entries by access type */
    uint64_t tlb_hits_r, tlb_hits_w;     /* inline hits, counted with --tlb-stats only */
    uint64_t tlb_fills;
    uint64_t victim_hits;
    uint64_t fetch_hits;        /* instruction fetches translated by the TLB */
    uint64_t helper_tlb_hits;   /* helper (C) page translations answered by the TLB */
    uint64_t helper_tlb_misses; /* helper page translations that took the miss path */
    uint64_t tlb_flushes;
    uint64_t bounced;  /* accesses done through the bounce buffer */
    uint64_t crossing; /* accesses straddling a page boundary */
    uint64_t mmio_reads, mmio_writes;
    uint64_t unbacked_reads, unbacked_writes; /* open bus */
    uint64_t code_writes;                     /* stores that hit a page holding translations */
    uint64_t dma_write_bytes, dma_read_bytes; /* device DMA (mmu_dma_*) */
    uint64_t window_faults; /* MEM_HOST accesses sent to the slow path by SIGSEGV */
    uint64_t walks;         /* page-table walks */
    uint64_t page_faults;   /* #PF raised to the guest */
    uint64_t flush_cr3, flush_invlpg, flush_mode; /* TLB flushes by cause */
    uint64_t window_protects;                     /* code pages made read-only / writable again */
};

/*
 * How translated code reaches guest memory while paging is off:
 *  MEM_HOST  the guest-physical address space is a 4 GiB host window
 *            (window.c): RAM is mapped at its guest addresses, everything
 *            else is inaccessible and pages holding translated code are
 *            read-only, so an access is one host instruction on
 *            [window + address]; the exceptions arrive as SIGSEGV and are
 *            sent to the same slow path the TLB uses.
 *  MEM_TLB   every access looks up the simulated TLB inline.
 * With paging on, the simulated TLB is always used.
 */
enum mem_method { MEM_HOST = 0, MEM_TLB = 1 };
/* --mmu: fill the TLB from a guest walk, or from shadow page tables; or
 * serve translated code's accesses from host-MMU windows (hostmmu.c) */
enum mmu_kind { MMU_WALK = 0, MMU_SHADOW = 1, MMU_HOST = 2 };

/* Why the guest's linear mappings changed.  mmu_flush() is the one entry
 * point for all of them: it drops what the cause requires from the TLBs
 * (and the shadow page tables), counts the cause (st.flush_*) and signals
 * hooks.mappings_changed. */
enum mmu_flush_cause {
    MMU_FLUSH_CR3,    /* CR3 loaded (MOV, task switch): non-global entries */
    MMU_FLUSH_INVLPG, /* INVLPG lin: the (4 MiB region of the) page, in the
                         * shadow of address space cr3 too */
    MMU_FLUSH_MODE,   /* CR0.PG/WP/PE or CR4.PSE/PGE changed: everything */
};

/* Upward signals to the translation cache, which registers them
 * (tc_init); NULL members are not called.
 *   code_written      a store or DMA write hit a page holding translations
 *                     (mmu_code_page_set): drop the units the bytes overlap;
 *                     returns how many were dropped
 *   mappings_changed  linear mappings changed (mmu_flush): forget what was
 *                     keyed by linear address and depends on the mappings
 *                     the cause drops (the indirect-branch tables) */
enum mmu_code_write { MMU_CODE_WRITE_CPU, MMU_CODE_WRITE_DMA };
struct mmu_hooks {
    int (*code_written)(void *opaque, uint32_t addr, uint32_t len, enum mmu_code_write how);
    /* cause and lin as given to mmu_flush */
    void (*mappings_changed)(void *opaque, enum mmu_flush_cause cause, uint32_t lin);
    void *opaque;
};

/* Shadow-ROM pages (a chipset such as the i440FX steering 0xC0000-0xFFFFF
 * with its PAM registers): the RAM bytes are what reads see, and every
 * write (CPU stores, DMA) goes to write() instead, which stores or drops
 * it.  Such pages are not plain RAM: no direct host pointers, no fast-path
 * stores. */
struct mmu_rom_hook {
    void (*write)(void *opaque, uint32_t addr, const void *data, uint32_t len);
    void *opaque;
};

/* Shadow page table statistics (--mmu=shadow). */
struct shadow_stats {
    uint64_t hidden_hits;     /* TLB misses resolved from a shadow entry (no walk) */
    uint64_t fills;           /* shadow entries built from a guest walk */
    uint64_t true_faults;     /* walks that ended in a guest #PF */
    uint64_t traced_writes;   /* stores to traced page-table pages */
    uint64_t entries_dropped; /* by traced writes and INVLPG */
    uint64_t spaces_built, spaces_reused, spaces_dropped;
};

/* Host-MMU paging statistics (--mmu=host).  Host faults in the windows
 * either fill a mapping (and the access is retried) or go to the access's
 * slow-path stub (div_*, by reason). */
struct hmmu_stats {
    uint64_t faults;       /* host faults in the paging windows */
    uint64_t fills;        /* pages mapped */
    uint64_t fills_around; /* of them, neighbours mapped with a fill (no A/D update needed) */
    uint64_t fill_calls;   /* mmap calls that made them (a run of neighbours is one) */
    uint64_t upgrades;     /* read-only mappings made writable (first write, D set) */
    uint64_t div_pf;       /* sent to the slow path: the guest's #PF */
    uint64_t div_mmio;     /* ... not plain RAM (MMIO, open bus) */
    uint64_t div_wp;       /* ... a store to a page holding translations */
    uint64_t div_cross;    /* ... page-crossing access, address wrap-around */
    uint64_t div_stale;    /* ... mapped with these rights already, or no room */
    uint64_t churn;        /* faults (fills or diversions) on pages INVLPG keeps dropping */
    uint64_t map_failures; /* mmap refused by the host */
    uint64_t drop_cr3, drop_invlpg, drop_mode, drop_evict; /* mappings dropped by cause */
    uint64_t kept;           /* mappings a CR3 load or mode change checked and kept */
    uint64_t space_found;    /* switches to the address space's own windows */
    uint64_t space_new;      /* ... to windows reassigned to a new address space */
    uint64_t window_flushes; /* whole windows cleared in one call */
    uint64_t protects;       /* writable aliases made read-only (code pages) */
    uint64_t live, peak, budget, windows;
};

/* What a host fault in a paging window became (mmu_host_fault). */
enum mmu_host_fault {
    MMU_HOST_NOT_OURS,    /* not in a paging window */
    MMU_HOST_RETRY,       /* the page is mapped now: run the access again */
    MMU_HOST_DIVERT,      /* the access's slow path must do it */
    MMU_HOST_DIVERT_MMIO, /* ... and the page is not RAM (MMIO, open bus) */
    /* as RETRY and DIVERT, on a page the guest keeps remapping (INVLPG
     * after INVLPG): its accessors are better off on the slow path */
    MMU_HOST_RETRY_CHURN,
    MMU_HOST_DIVERT_CHURN,
};

struct mmu {
    uint8_t *ram; /* host mapping of guest-physical [0, ram_size) */
    uint32_t ram_size;
    struct io_bus *bus; /* MMIO */
    struct mmu_hooks hooks;
    struct tlb_entry *tlb;      /* supervisor accesses (and all with paging off) */
    struct tlb_entry *tlb_user; /* CPL 3 accesses */
    uint8_t *global;            /* per entry of both tables: from a global page */
    /* the filled entries of both tables (slot = table * entries + index), so
     * flushes and write revocations touch only those, whatever the size */
    uint32_t *live;
    uint32_t nlive;
    uint8_t *in_live;
    /* victim buffer: entries evicted by conflicting fills, searched by the
     * slow path before walking (--tlb-victims N, 0 = none) */
    struct tlb_victim {
        struct tlb_entry e;
        uint8_t user, global, valid;
    } victims[TLB_MAX_VICTIMS];
    uint32_t nvictims, victim_next;
    uint32_t tlb_entries;
    uint8_t *code_pages; /* per RAM page: non-zero while translations exist */
    uint8_t *pt_pages;   /* per RAM page: a traced guest page-table page (shadow) */
    uint8_t *rom_pages;  /* per RAM page: shadow-ROM (chipset), see mmu_set_rom */
    struct mmu_rom_hook rom;
    const uint8_t *flash; /* the BIOS flash above RAM, for code fetches (mmu_set_flash) */
    uint32_t flash_base, flash_size;
    struct shadow *shadow; /* --mmu=shadow, else NULL (walk) */
    struct hmmu *hmmu;     /* --mmu=host, else NULL */
    uint32_t ram_pages;
    uint8_t *window;         /* MEM_HOST: host address of guest-physical 0 */
    bool a20_off;            /* the A20 gate is closed: physical bit 20 is 0 (vcpu_set_a20) */
    uint32_t watch_page[12]; /* linear pages of the armed data breakpoints (dbg_bp.c): */
    unsigned nwatch;         /* never in the TLB, so every access takes the slow path */
    uint8_t *window_res;     /* the whole reservation (guards included) */
    size_t window_res_size;
    struct mmu_stats st;
};

/* Whether lin lies on a page of an armed data breakpoint. */
static inline bool mmu_watched(const struct mmu *mmu, uint32_t lin)
{
    for (unsigned k = 0; k < mmu->nwatch; k++)
        if (mmu->watch_page[k] == (lin & 0xFFFFF000u))
            return true;
    return false;
}

/* The mask the A20 gate applies to physical addresses. */
static inline uint32_t mmu_a20_mask(const struct mmu *mmu)
{
    return mmu->a20_off ? ~(1u << 20) : ~0u;
}

/* The MMU of guest RAM ram[0, ram_size) (a multiple of PAGE_SIZE) with
 * MMIO on bus; XBT_EINVAL for a bad TLB size, XBT_ENOMEM. */
int mmu_init(struct mmu *mmu, uint8_t *ram, uint32_t ram_size, struct io_bus *bus,
             uint32_t tlb_entries);
void mmu_destroy(struct mmu *mmu);
/* --mmu=shadow: fill the TLB from shadow page tables (XBT_ENOMEM). */
int mmu_use_shadow(struct mmu *mmu);
/* The shadow page tables' statistics, or NULL without them. */
const struct shadow_stats *mmu_shadow_stats(const struct mmu *mmu);

/* --mmu=host (hostmmu.c): translated code with paging on reaches guest
 * memory through host windows over the RAM memfd ram_fd, kept for up to
 * spaces address spaces, at most budget pages mapped at once (XBT_EINVAL
 * for 0 or spaces above HMMU_MAX_SPACES, XBT_ENOMEM). */
int mmu_use_host(struct mmu *mmu, int ram_fd, uint32_t budget, uint32_t spaces);
/* The window base (r14) for the address space of pg->cr3 and the
 * privilege; after a CR3 load it chooses and checks the space. */
uint8_t *mmu_host_base(struct mmu *mmu, const struct mmu_paging *pg, bool user);
/* True if host address a lies in a paging window (guards included). */
bool mmu_host_contains(const struct mmu *mmu, uintptr_t a);
/* A host fault at host address a in a paging window, by an access of
 * translated code starting at linear address start (write: the host says
 * it was a store): walks the guest tables (A/D) and maps the page, or says
 * the slow path must do the access.  Async-signal-safe (mmap, mprotect). */
enum mmu_host_fault mmu_host_fault(struct mmu *mmu, const struct mmu_paging *pg, uintptr_t a,
                                   uint32_t start, bool write);
const struct hmmu_stats *mmu_host_stats(const struct mmu *mmu);

/* See enum mmu_flush_cause. */
void mmu_flush(struct mmu *mmu, enum mmu_flush_cause cause, uint32_t cr3, uint32_t lin);

/* Guest-physical access, used by helpers, devices and the loader. Reads of
 * unbacked memory return all ones; writes to it are dropped.  Writes to
 * pages holding translated code invalidate the translations; the return
 * value is 1 in that case (0 otherwise). */
uint32_t mmu_phys_read(struct mmu *mmu, uint32_t addr, unsigned size);
int mmu_phys_write(struct mmu *mmu, uint32_t addr, unsigned size, uint32_t val);
/* Device DMA (bus masters): copies to/from guest-physical RAM, skipping
 * MMIO and unbacked addresses; writes invalidate translations (cause DMA).
 * Return the bytes that reached RAM. */
uint32_t mmu_dma_write(struct mmu *mmu, uint32_t addr, const void *src, uint32_t len);
uint32_t mmu_dma_read(struct mmu *mmu, uint32_t addr, void *dst, uint32_t len);
/* Host pointer to a RAM range, or NULL if any byte is not plain RAM. */
uint8_t *mmu_phys_ptr(struct mmu *mmu, uint32_t addr, uint32_t len);
/* Makes the RAM pages of [addr, addr + len) shadow-ROM pages (rom) or plain
 * RAM again; flushes the TLBs (the whole of them: rare, chipset set-up).
 * The hook receives the writes to every ROM page. */
void mmu_set_rom(struct mmu *mmu, uint32_t addr, uint32_t len, bool rom);
void mmu_set_rom_hook(struct mmu *mmu, struct mmu_rom_hook hook);
/* Code at guest-physical [base, base + size) (above RAM) is fetched from
 * bytes (the caller's, unchanging: the BIOS flash the CPU starts in); data
 * accesses there go to the bus as before. */
void mmu_set_flash(struct mmu *mmu, uint32_t base, const uint8_t *bytes, uint32_t size);
/* The byte code fetches see at guest-physical a: RAM, the flash, else 0xFF. */
static inline uint8_t mmu_code_byte(const struct mmu *mmu, uint32_t a)
{
    if (a < mmu->ram_size)
        return mmu->ram[a];
    if (a - mmu->flash_base < mmu->flash_size)
        return mmu->flash[a - mmu->flash_base];
    return 0xFF;
}
static inline bool mmu_is_rom_page(const struct mmu *mmu, uint32_t addr)
{
    uint32_t p = addr >> 12;
    return p < mmu->ram_pages && mmu->rom_pages[p];
}
/* The board replaces RAM bytes (a chipset mapping ROM over RAM): copied
 * whatever the pages are, translations of them invalidated (cause DMA). */
void mmu_phys_load(struct mmu *mmu, uint32_t addr, const void *src, uint32_t len);
/* Copies RAM bytes whatever the pages are (unbacked bytes: all ones). */
void mmu_phys_peek(struct mmu *mmu, uint32_t addr, void *dst, uint32_t len);

/* MEM_HOST window (window.c): maps RAM (memfd ram_fd) at window + 0 inside a
 * reservation with 2 GiB guards on both sides, so any [window + base + disp]
 * of 32-bit values lands inside it; makes MMIO ranges inaccessible. */
int mmu_window_init(struct mmu *mmu, int ram_fd);
void mmu_window_destroy(struct mmu *mmu);
/* True if host address a lies in the window reservation. */
bool mmu_window_contains(const struct mmu *mmu, uintptr_t a);
/* Sets a RAM range read-only (code pages) or writable again in the window. */
void mmu_window_protect(struct mmu *mmu, uint32_t addr, uint32_t len, bool writable);

/* True if the TLB of the privilege (user: CPL 3) holds lin's page and
 * filled it from a global mapping (a CR3 load keeps it). */
bool mmu_tlb_global(const struct mmu *mmu, bool user, uint32_t lin);

/* Records a filled TLB slot (slot = user * entries + index). */
void mmu_tlb_note_fill(struct mmu *mmu, uint32_t slot);

/* Marks / unmarks a RAM page as holding translations (tcache calls these). */
void mmu_code_page_set(struct mmu *mmu, uint32_t page_addr);
void mmu_code_page_clear(struct mmu *mmu, uint32_t page_addr);
static inline bool mmu_is_code_page(const struct mmu *mmu, uint32_t addr)
{
    uint32_t p = addr >> 12;
    return p < mmu->ram_pages && mmu->code_pages[p];
}
/* Stores must take the slow path: translations or traced page tables. */
static inline bool mmu_is_wp_page(const struct mmu *mmu, uint32_t addr)
{
    uint32_t p = addr >> 12;
    return p < mmu->ram_pages && (mmu->code_pages[p] || mmu->pt_pages[p]);
}
/* Traces the page-table page holding addr (shadow coherence). */
void mmu_pt_trace(struct mmu *mmu, uint32_t addr);

/* Access kinds of a translation (mmu_lookup, the walker). */
#define WALK_WRITE 1u
#define WALK_USER 2u /* CPL 3 access (not an implicit supervisor access) */
#define WALK_EXEC 4u /* instruction fetch (same rights as a read on i686) */

/* The registers that define the guest's paging (the CPU passes its own). */
struct mmu_paging {
    uint32_t cr0, cr3, cr4;
};

/* The guest-physical address of lin as a supervisor read would see it,
 * without side effects (no A/D bits set, no TLB fill, no tracing): for
 * the VMM's own inspection (profiler stacks).  0, or -1 if not mapped. */
int mmu_peek_linear(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, uint32_t *phys);

/* The TLB entry for lin in the table of a privilege (user: CPL 3). */
static inline struct tlb_entry *mmu_tlb_entry(struct mmu *mmu, bool user, uint32_t lin)
{
    uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
    return user ? &mmu->tlb_user[i] : &mmu->tlb[i];
}
/* The rule of the inline lookup of translated code: a read needs the
 * read tag, a write the write tag (absent for pages that are not dirty
 * yet, read-only for the privilege, hold translations or traced page
 * tables). */
static inline bool mmu_tlb_hit(const struct tlb_entry *e, uint32_t lin, bool write)
{
    return (write ? e->tag_w : e->tag_r) == (lin & PAGE_MASK);
}
/* The physical address of lin through an entry that maps it. */
static inline uint32_t mmu_tlb_phys(const struct mmu *mmu, const struct tlb_entry *e, uint32_t lin)
{
    return (uint32_t)(e->addend + (lin & PAGE_MASK) - (uint64_t)(uintptr_t)mmu->ram) |
           (lin & ~PAGE_MASK);
}

/* Linear -> physical for an access of kind acc (src/mmu/lookup.c): with
 * paging off the identity (data pages get identity TLB entries); with
 * paging on, the TLB of the access's privilege first (an instruction
 * fetch needs the read tag), then the miss path.  0, or -1 with *err =
 * the #PF error code: nothing is raised. */
int mmu_lookup(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, unsigned acc,
               uint32_t *phys, uint32_t *err);
/* The miss path alone (translated code already missed the TLB): the
 * victim buffer, then a walk (or the shadow page tables); fills the TLB
 * of the privilege when the page is plain RAM.  Paging must be on. */
int mmu_miss(struct mmu *mmu, const struct mmu_paging *pg, uint32_t lin, bool user, bool write,
             uint32_t *phys, uint32_t *err);
/* Paging off: the identity entry of lin's page in the supervisor TLB
 * (plain RAM only). */
void mmu_fill_identity(struct mmu *mmu, uint32_t lin);
/* The page of phys is plain RAM (no MMIO, no open bus). */
bool mmu_is_plain_ram(struct mmu *mmu, uint32_t phys);

#endif
