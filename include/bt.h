/*
 * bt.h - the binary translator: guest IA-32 basic blocks in, x86-64
 * translation units out (see docs/architecture.md, "The path of one guest
 * instruction").
 */
#ifndef XBT_BT_H
#define XBT_BT_H

#include "xbt.h"
#include "cpu_mode.h"

#include <stdio.h>

struct vcpu;
struct mmu;
struct tcache;
struct unit;

/* Tunable: default and maximum guest instructions per translation unit.
 * Policy: long enough that loops and straight-line code rarely cross a unit
 * boundary, short enough that a unit's worst-case expansion fits the
 * per-unit reserve of the code buffer. */
#define BT_DEFAULT_UNIT_INSNS 64u
#define BT_MAX_UNIT_INSNS 256u
/* Tunable: conditional branches a unit continues past by default, up to
 * the room its exits leave (UNIT_MAX_EXITS - 2).  Policy: a loop whose
 * body has an early exit (Shell sort's inner while, a CRC byte loop)
 * becomes one unit, without the jump and entry check between its blocks;
 * --unit-branches 0 gives basic blocks. */
#define BT_MAX_UNIT_BRANCHES 2u
#define BT_DEFAULT_UNIT_BRANCHES 2u

struct bt_stats {
    uint64_t insns_copied;     /* copied byte for byte */
    uint64_t insns_reencoded;  /* re-encoded (ESP, INC/DEC, memory operands) */
    uint64_t mem_ops;          /* memory operands rewritten into TLB lookups */
    uint64_t flag_saves;       /* flag save sequences emitted */
    uint64_t helpers_emitted;  /* helper call sites */
    uint64_t retranslations;   /* units re-made shorter after overflow */
    uint64_t seg_loads_inline; /* data segment loads that did not end their unit */
    uint64_t strings_inline;   /* MOVS/STOS/LODS without REP translated inline */
    uint64_t kpath_inline;     /* PUSHA/POPA and segment loads translated inline */
    uint64_t mem_explicit;     /* host-window accesses emitted as explicit slow-path calls */
    uint64_t mem_demoted;      /* accesses marked for that after repeated window faults */
    uint64_t xfer_direct;      /* SYSENTER/SYSEXIT/INT n/IRET that entered the next unit */
    uint64_t xfer_dispatched;  /* ... that left for the dispatcher (xfer.c says when) */
    uint64_t xfer_memo_hits;   /* direct transfers whose unit came from xfer.c's memo */
    uint64_t callouts[64];     /* helper calls executed, by enum bt_callout */
};

/* The encoder memo's counters (src/bt/encmemo.h), process-wide: the
 * translator is single-threaded. */
struct bt_encode_stats {
    uint64_t hits;     /* copied from the memo (and patched) */
    uint64_t misses;   /* encoded by Zydis and kept */
    uint64_t uncached; /* encoded by Zydis, shape not kept */
};
const struct bt_encode_stats *bt_encode_stats(void);
/* The window-form memo's counters (src/bt/winform.c), process-wide. */
struct bt_form_stats {
    uint64_t hits;   /* copied from the memo */
    uint64_t misses; /* rewritten (decoded and encoded again) */
};
const struct bt_form_stats *bt_form_stats(void);

enum bt_callout {
    CO_IO,
    CO_HLT,
    CO_STRING,
    CO_FLAGS,
    CO_STACK,
    CO_CPUID,
    CO_RDTSC,
    CO_EXCEPTION,
    CO_SEGMENT,
    CO_SYSTEM,
    CO_SYSCALL, /* INT n, SYSENTER, SYSEXIT */
    CO_IRET,
    CO_FARJMP,
    CO_MISC,
    CO_COUNT
};
extern const char *const bt_callout_names[CO_COUNT];

/* What a unit leaves in vcpu->chain_info when it returns to the dispatcher
 * without asking for a chain, so the run loop can count why it came back.
 * A chain request is the exiting unit's address | exit index (never below
 * BT_EXIT_MARKERS: descriptors are 8-byte aligned and never at 0). */
enum bt_exit_marker {
    BT_EXIT_END = 0,      /* the unit ended unchained (the mode key may change) */
    BT_EXIT_REQUEST = 1,  /* the unit-entry check: exit request (interrupt, timer, stop) */
    BT_EXIT_BUDGET = 2,   /* the virtual clock's budget ran out */
    BT_EXIT_INDIRECT = 3, /* an indirect branch missed the indirect-branch table */
    BT_EXIT_MARKERS = 8
};

/* How the translator is configured (from the xbt run options). */
struct bt_config {
    uint32_t max_unit_insns; /* 1..BT_MAX_UNIT_INSNS; 0: the default */
    /* conditional branches (Jcc) a unit continues past, each a side exit
     * (0..BT_MAX_UNIT_BRANCHES, --unit-branches) */
    uint32_t unit_branches;
    bool host_mem;      /* --mem=host: paging-off accesses through the
                                  * MMU's window when it has one */
    bool tlb_stats;     /* --tlb-stats: count inline TLB hits */
    bool no_kpath;      /* --no-kpath: tr_kpath.c and tr_vflags.c off */
    bool tcache_stats;  /* --tcache-stats: count every unit entry */
    bool virtual_clock; /* units count instructions against a budget */
    unsigned log_flags; /* XBT_LOG_IN_ASM / OUT_ASM */
    bool perf_map;      /* --perf-map */
};

/* A translator: the vCPU whose code it translates (its state at unit
 * start: CS, the next fetch page), the MMU whose RAM it reads and whose
 * TLB layout translated code uses, the translation cache it fills, and
 * its own counters (the callout counters are incremented by translated
 * code at their address, so a struct bt must not move). */
/* Tunable: host faults on MMIO after which a memory instruction under a
 * host window (MEM_HOST, --mmu=host) is translated again as an explicit
 * slow-path call.  Policy: a host fault costs microseconds and the slow
 * path a fraction of one; a few faults tell a device register access (a
 * local APIC register, a UART) from a one-off touch. */
#define BT_SLOW_AFTER 4
/* Tunable: the same for faults of a --mmu=host paging window on pages the
 * guest keeps remapping (hostmmu.c: HMMU_CHURN_MIN).  Policy: such a page
 * costs a host fault and an mmap (10-20 us) per remap in the window, a
 * TLB fill (well under 1 us) on the slow path; more faults than for MMIO,
 * as a page remapped now and then is still cheaper in the window. */
#define BT_SLOW_AFTER_CHURN 16
/* Tunable: entries of the set of such instructions (direct-mapped by EIP;
 * a collision only costs the faults again).  Policy: drivers touch MMIO
 * from a few dozen places. */
#define BT_SLOW_EIPS 256
/* Tunable: entries of the direct-transfer memo (xfer.c), direct-mapped by
 * EIP.  Policy: a system call's round trip has two targets (the handler,
 * the user's return address); a kernel has a few entry points and a few
 * hundred return sites, of which the hot ones fit. */
#define BT_XFER_MEMO 64

/* One remembered direct transfer (xfer.c): the unit for (pc, mode, eip)
 * and the indirect-branch table of jc slot jc, valid while the cache's
 * generation is gen and the unit is valid. */
struct bt_xfer_memo {
    uint32_t pc, mode, eip;
    int jc;
    uint64_t gen;
    struct unit *unit;
};

struct bt {
    struct bt_config cfg;
    struct vcpu *cpu;
    struct mmu *mmu;
    struct tcache *tc;
    struct bt_stats st;
    /* called after every translation with the unit's linear start (the
     * profiler), or NULL */
    void (*on_translate)(void *opaque, uint32_t eip);
    void *on_translate_opaque;
    uint32_t slow_eips[BT_SLOW_EIPS]; /* EIP + 1 of explicit slow-path accesses */
    struct bt_xfer_memo xfer_memo[BT_XFER_MEMO];
};

/* Marks the memory instruction at eip for the explicit slow path the next
 * time it is translated (it keeps faulting on MMIO in a host window). */
static inline void bt_mark_slow(struct bt *bt, uint32_t eip)
{
    bt->slow_eips[eip % BT_SLOW_EIPS] = eip + 1;
    bt->st.mem_demoted++;
}
static inline bool bt_is_slow(const struct bt *bt, uint32_t eip)
{
    return bt->slow_eips[eip % BT_SLOW_EIPS] == eip + 1;
}

/* Translates the unit starting at linear address eip (physical pc) for
 * mode; logs it (-d) and lists it in the perf map when asked.  0, or a
 * negative XBT_E* after an error line (internal limits, out of memory). */
int bt_translate(struct bt *bt, uint32_t eip, uint32_t pc, uint32_t mode, struct unit **out);

/* Disassembly for -d in_asm/out_asm (Capstone). */
void bt_log_unit(struct bt *bt, const struct unit *unit);
/* A unit's guest instructions (Capstone) and host code, with "=>" at the
 * instruction holding host_rip and at its guest instruction (0: none):
 * the crash report of src/run_crash.c. */
void bt_dump_unit(FILE *f, const struct mmu *mmu, const struct unit *unit, uintptr_t host_rip);
/* Appends the unit to /tmp/perf-PID.map (--perf-map). */
void bt_perf_map(const struct unit *unit);

#endif
