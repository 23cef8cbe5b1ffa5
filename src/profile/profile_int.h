/*
 * profile_int.h - the profiler's data, shared by the sampler (profile.c)
 * and the report writer (report.c).
 *
 * Samples are records in one growing array of words: a header
 * (PS_FRAMES bits of frame count, PS_USER, PS_IDLE) and then the frames,
 * innermost (the sampled EIP) first.  Translation counts are a small
 * open-addressing table keyed by EIP.
 */
#ifndef XBT_PROFILE_INT_H
#define XBT_PROFILE_INT_H

#include <stdio.h>

#include "profile.h"
#include "profile/symbols.h"

#define PS_FRAMES 0xFFu
#define PS_USER 0x100u
#define PS_IDLE 0x200u

/* Tunable: the most sample words kept (then samples are only counted).
 * Policy: 64 Mi words (256 MiB): an hour at 1 kHz with deep stacks. */
#define PROFILE_MAX_WORDS (64u << 20)

struct eip_count {
    uint32_t eip;
    uint64_t n; /* 0: free slot */
};

struct eip_table {
    struct eip_count *v;
    uint32_t mask, used;
};

struct profile {
    struct profile_config cfg;
    struct xclock *clk;
    struct vcpu *cpu;
    struct xtimer *timer;
    uint64_t period_ns, next_ns;
    bool idle;
    uint32_t *words;
    size_t nwords, cap;
    struct eip_table transl;
    struct profile_stats st;
    uint64_t dropped;      /* samples not stored (PROFILE_MAX_WORDS) */
    struct symtab syms;    /* loaded at creation (report.c) */
    FILE *report, *folded; /* opened at creation, written at the end */
};

/* Loads the symbols and opens the output files (report.c): 0, or a
 * negative XBT_E* after one error line. */
int profile_prepare(struct profile *p);
/* Closes what profile_prepare opened (report.c). */
void profile_release(struct profile *p);

/* Adds n to eip's count: 0 or XBT_ENOMEM. */
int eip_table_add(struct eip_table *t, uint32_t eip, uint64_t n);
uint64_t eip_table_get(const struct eip_table *t, uint32_t eip);
void eip_table_free(struct eip_table *t);

#endif
