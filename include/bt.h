/*
 * bt.h - the binary translator: guest IA-32 basic blocks in, x86-64
 * translation units out (see docs/architecture.md, "The path of one guest
 * instruction").
 */
#ifndef XBT_BT_H
#define XBT_BT_H

#include "xbt.h"
#include "cpu_mode.h"

struct machine;
struct vcpu;
struct tb;

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
