/*
 * bt.h - the binary translator: guest IA-32 basic blocks in, x86-64
 * translation units out (see docs/architecture.md, "The path of one guest
 * instruction").
 */
#ifndef XBT_BT_H
#define XBT_BT_H

#include "xbt.h"

struct machine;
struct vcpu;
struct tb;

/* Mode key bits: everything that changes the meaning of guest code. */
#define MODE_CPL_MASK 0x3u     /* current privilege level */
#define MODE_NONFLAT 0x4u      /* some of CS/DS/ES/SS has a non-zero base: add bases */
#define MODE_CODE16 0x8u       /* CS.D = 0 (16-bit code; not translated yet) */
#define MODE_PG 0x10u          /* CR0.PG */
#define MODE_FPU_NM 0x20u      /* CR0.EM or CR0.TS: x87 instructions check for #NM */
/* bits 6..17: per segment register (ES CS SS DS FS GS), how accesses are
 * checked against its limit */
#define MODE_SEG_SHIFT 6
#define MODE_SEG_CLASS(mode, s) (((mode) >> (MODE_SEG_SHIFT + 2 * (s))) & 3u)
enum { SEGC_FLAT = 0, SEGC_LIMIT = 1, SEGC_SLOW = 2 };
/* one-instruction units: the instruction in an interrupt shadow (after STI,
 * MOV SS, POP SS) runs alone so interrupts are taken right after it */
#define MODE_ONESTEP (1u << 18)
/* CR0.AM, EFLAGS.AC and CPL 3: misaligned data accesses raise #AC(0) */
#define MODE_AC (1u << 19)

uint32_t bt_mode_key(const struct vcpu *cpu);
struct seg_cache;
/* How translated code checks accesses through segment s (the mode key's
 * per-segment bits). */
unsigned bt_seg_class(const struct seg_cache *sc, int s);

/* Tunable: default and maximum guest instructions per translation unit.
 * Policy: long enough that loops and straight-line code rarely cross a unit
 * boundary, short enough that a unit's worst-case expansion fits the
 * per-unit reserve of the code buffer. */
#define BT_DEFAULT_BLOCK_INSNS 64u
#define BT_MAX_BLOCK_INSNS 256u

struct bt_stats {
    uint64_t insns_copied;       /* copied byte for byte */
    uint64_t insns_reencoded;    /* re-encoded (ESP, INC/DEC, memory operands) */
    uint64_t mem_ops;            /* memory operands rewritten into TLB lookups */
    uint64_t flag_saves;         /* flag save sequences emitted */
    uint64_t helpers_emitted;    /* helper call sites */
    uint64_t retranslations;     /* units re-made shorter after overflow */
    uint64_t seg_loads_inline;   /* data segment loads that did not end their unit */
    uint64_t callouts[64];       /* helper calls executed, by enum bt_callout */
};

enum bt_callout {
    CO_IO, CO_HLT, CO_STRING, CO_FLAGS, CO_STACK, CO_CPUID, CO_RDTSC,
    CO_EXCEPTION, CO_SEGMENT, CO_SYSTEM, CO_IRET, CO_FARJMP, CO_MISC,
    CO_COUNT
};
extern const char *const bt_callout_names[CO_COUNT];
extern struct bt_stats bt_st;

/* Translates the unit starting at linear address eip (physical pc). */
int bt_translate(struct machine *m, uint32_t eip, uint32_t pc, uint32_t mode, struct tb **out);

/* Disassembly for -d in_asm/out_asm (Capstone). */
void bt_log_unit(struct machine *m, const struct tb *tb);
/* Appends the unit to /tmp/perf-PID.map (--perf-map). */
void bt_perf_map(struct machine *m, const struct tb *tb);

#endif
