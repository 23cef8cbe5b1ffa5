/*
 * dbg_common.h - the debug registers for the dbg_* test kernels: DR7
 * fields, DR0-DR3 and DR7 writes, and a #DB hook that records each hit
 * (EIP, DR6's B0-B3 and BS) and clears DR6, installed by dbg_init().
 */
#ifndef DBG_COMMON_H
#define DBG_COMMON_H
#include "sys_common.h"

#define DR7_L(n) (1u << (2 * (n)))
#define DR7_G(n) (2u << (2 * (n)))
#define DR7_RW(n, rw) ((uint32_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, len) ((uint32_t)(len) << (18 + 4 * (n)))
#define EFL_RF 0x10000u
#define DBG_MAX_HITS 8

static volatile unsigned dbg_hits;
static volatile uint32_t dbg_hit_eip[DBG_MAX_HITS], dbg_hit_dr6[DBG_MAX_HITS];

/* Returns with EFLAGS.RF set: on past an instruction breakpoint (a trap
 * returns past the instruction anyway). */
static int dbg_on_db(struct isr_frame *f)
{
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    if (dbg_hits < DBG_MAX_HITS) {
        dbg_hit_eip[dbg_hits] = f->eip;
        dbg_hit_dr6[dbg_hits] = dr6 & 0x400F;
    }
    dbg_hits++;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
    f->eflags |= EFL_RF;
    return 1;
}

/* sys_init(), the #DB hook, DR6 cleared. */
static inline void dbg_init(void)
{
    sys_init();
    sys_hook(1, dbg_on_db);
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
}

static inline void dbg_set_dr(unsigned n, uint32_t v)
{
    switch (n) {
    case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
    case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
    default: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
    }
}

static inline void dbg_set_dr7(uint32_t v)
{
    __asm__ volatile("mov %0, %%dr7" : : "r"(v | 0x400u));
}

/* DR7's R/W field (instruction, write, I/O with CR4.DE, read/write) and
 * LEN field (1, 2 or 4 bytes) values */
#define RW_W 1
#define RW_IO 2
#define RW_RW 3
#define LEN1 0
#define LEN2 1
#define LEN4 3

#endif
