/*
 * lapic_int.h - what the local APIC's files share: the state, the
 * register layout, and the entry points of the interrupt logic
 * (lapic_irq.c) and the timer (lapic_timer.c) that the register file
 * (lapic.c) calls.
 *
 * Locking: l->lock protects every register; functions named *_locked
 * expect it held.  What must happen after it is dropped - waking the
 * vCPU, the EOI broadcast - is collected in a struct lapic_after.
 */
#ifndef XBT_LAPIC_INT_H
#define XBT_LAPIC_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "lapic.h"

/* Register offsets in the 4 KiB window (SDM Vol. 3A table 10-1). */
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_APR 0x090
#define LAPIC_PPR 0x0A0
#define LAPIC_EOI 0x0B0
#define LAPIC_RRD 0x0C0
#define LAPIC_LDR 0x0D0
#define LAPIC_DFR 0x0E0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_PMC 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TMICT 0x380
#define LAPIC_TMCCT 0x390
#define LAPIC_TDCR 0x3E0
#define LAPIC_WINDOW 0x1000u

/* The local vector table, in register order (no thermal entry on a P6:
 * it came with the Pentium 4). */
enum { LVT_TIMER, LVT_PMC, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_VECTOR 0x000000FFu
#define LVT_DM_SHIFT 8
#define LVT_DM 0x00000700u
#define LVT_STATUS 0x00001000u /* delivery status: always idle here */
#define LVT_REMOTE_IRR 0x00004000u
#define LVT_LEVEL 0x00008000u
#define LVT_MASKED 0x00010000u
#define LVT_PERIODIC 0x00020000u /* timer mode */

#define SVR_ENABLE 0x100u
#define APIC_BASE_ENABLE 0x800ull
#define APIC_BASE_ADDR 0x0000000FFFFFF000ull

/* ESR bits (SDM Vol. 3A 10.5.3). */
#define ESR_SEND_ACCEPT 0x04u  /* a message no APIC accepted (P6) */
#define ESR_SEND_ILLEGAL 0x20u /* a vector 0-15 sent */
#define ESR_RECV_ILLEGAL 0x40u /* a vector 0-15 received or raised locally */
#define ESR_ILLEGAL_REG 0x80u  /* a reserved register accessed */

struct lapic {
    pthread_mutex_t lock;
    struct lapic_config cfg;
    uint64_t base_msr; /* the APIC_BASE MSR as last written */
    uint32_t mapped;   /* base of the registered window, or 0 */
    bool hw_enabled;   /* APIC_BASE global enable */
    uint8_t id;
    uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t irr[8], isr[8], tmr[8]; /* 256 bits each, vector v at [v/32] bit v%32 */

    /* the timer: at guest time t0 the count was c0, counting down one per
     * tick_ns; periodic counts reload from initial at zero */
    struct xtimer *timer;
    uint32_t initial, tdcr, c0;
    uint64_t t0, tick_ns;
    bool running; /* false: the count stays at 0 (one-shot done, or 0 written) */

    atomic_bool out;        /* an IRR vector outranks the processor priority */
    atomic_bool lint0_open; /* the 8259's request reaches the CPU */
    struct lapic_stats st;
};

/* Work left for after the lock is dropped. */
struct lapic_after {
    bool wake;      /* something became deliverable */
    int eoi_vector; /* a level-triggered vector retired, or -1 */
};

/* ---- lapic_irq.c ---- */
/* Sets vector in the IRR (TMR = level) if the APIC takes fixed
 * interrupts; an illegal vector (0-15) is an error instead. */
void lapic_accept_locked(struct lapic *l, unsigned vector, bool level, struct lapic_after *a);
/* A local interrupt from LVT entry lvt (timer, error): fixed, to itself. */
void lapic_raise_lvt_locked(struct lapic *l, int lvt, struct lapic_after *a);
/* Records ESR bits and raises the error interrupt. */
void lapic_error_locked(struct lapic *l, uint32_t bits, struct lapic_after *a);
/* Recomputes the outputs after any change of IRR, ISR, TPR, SVR, LVT
 * LINT0 or the global enable; a rising output asks for a wake-up. */
void lapic_update_locked(struct lapic *l, struct lapic_after *a);
uint32_t lapic_ppr(const struct lapic *l);
uint32_t lapic_apr(const struct lapic *l);
/* EOI: retires the highest in-service vector. */
void lapic_eoi_locked(struct lapic *l, struct lapic_after *a);
/* A write to the ICR's low half: sends the interrupt it describes. */
void lapic_send_ipi_locked(struct lapic *l, struct lapic_after *a);
/* True if a message to dest (physical or logical) names this APIC. */
bool lapic_match_dest(const struct lapic *l, uint8_t dest, bool logical);
/* Does what a collects (wake-up, EOI broadcast); lock not held. */
void lapic_finish(struct lapic *l, const struct lapic_after *a);

/* ---- lapic_timer.c ---- */
int lapic_timer_init(struct lapic *l);
void lapic_timer_destroy(struct lapic *l);
/* The current-count register (a crossing that is due is delivered). */
uint32_t lapic_timer_count_locked(struct lapic *l, struct lapic_after *a);
/* Writes of the initial count, the divide configuration and the LVT timer
 * entry (v: the value to store, masked as the register keeps it). */
void lapic_timer_set_initial_locked(struct lapic *l, uint32_t v, struct lapic_after *a);
void lapic_timer_set_divide_locked(struct lapic *l, uint32_t v, struct lapic_after *a);
void lapic_timer_set_lvt_locked(struct lapic *l, uint32_t v, struct lapic_after *a);
/* Stops the count (power-up state). */
void lapic_timer_reset_locked(struct lapic *l);

#endif
