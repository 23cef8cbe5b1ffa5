/*
 * lapic.h - the CPU's local APIC (src/cpu/lapic*.c): the integrated APIC
 * of a P6 (version 0x11), memory-mapped at the APIC_BASE MSR's base.
 *
 * It is part of the CPU layer because it is part of the CPU package: the
 * APIC_BASE MSR moves and disables it, CPUID reports it, the core's INTR
 * input is its output.  It reaches the rest of the machine only through
 * what the CPU layer may use (the bus for its MMIO window, the clock for
 * its timer) and through lines the machine wires: the 8259's output on
 * LINT0 (an intr_source), the I/O APIC's messages in (lapic_deliver), the
 * EOI of level-triggered vectors out (apic_eoi_line), and a wake-up line.
 *
 * Threading: lapic_deliver() may be called from any thread (an I/O APIC
 * pin driven by the console's UART); everything else runs on the vCPU
 * thread, except lapic_pending(), which is lock-free.  The local APIC
 * never calls its lines with its lock held.
 */
#ifndef XBT_LAPIC_H
#define XBT_LAPIC_H

#include "apic.h"
#include "bus.h"
#include "lines.h"

struct xclock;
struct lapic;

/* What the local APIC counts (--stats, group "lapic"). */
struct lapic_stats {
    uint64_t accepted;    /* fixed interrupts set in the IRR */
    uint64_t delivered;   /* vectors the CPU took from the IRR (INTA) */
    uint64_t extint;      /* INTA cycles passed to the 8259 (LINT0 ExtINT) */
    uint64_t eois;        /* EOIs that retired an in-service vector */
    uint64_t eoi_level;   /* of which broadcast to the I/O APIC (level) */
    uint64_t timer_fires; /* timer counts that reached zero */
    uint64_t ipis;        /* ICR writes that sent a message */
    uint64_t spurious;    /* INTA cycles answered with the spurious vector */
    uint64_t dropped;     /* messages not taken: APIC disabled, illegal vector,
                           * NMI/SMI/INIT (no such path in xbt) */
};

/* The wiring of a local APIC. */
struct lapic_config {
    struct io_bus *bus;       /* where its MMIO window is registered */
    struct xclock *clock;     /* its timer's time base */
    uint8_t id;               /* APIC ID */
    struct intr_source lint0; /* the 8259's INTR output (ExtINT) */
    struct event_line wake;   /* an interrupt became deliverable */
    struct apic_eoi_line eoi; /* EOI of a level-triggered vector */
};

/* A local APIC in the state a PC firmware leaves it (SeaBIOS's, as QEMU
 * boots multiboot kernels): globally enabled at 0xFEE00000, software
 * enabled with spurious vector 0xFF, LINT0 ExtINT and LINT1 NMI
 * unmasked, everything else at its power-up value - so the 8259's
 * interrupts pass through LINT0 until a kernel programs it.  NULL if
 * memory is short or the window's range is taken. */
struct lapic *lapic_create(const struct lapic_config *cfg);
void lapic_destroy(struct lapic *l);

/* The APIC_BASE MSR was written (msr is its new value, already checked
 * for reserved bits): the MMIO window follows the base; clearing the
 * global enable bit removes the window, returns the APIC to its power-up
 * state and connects LINT0 straight to the CPU; setting it again brings
 * the window back (in the power-up state: software disabled). */
void lapic_set_base(struct lapic *l, uint64_t msr);

/* A message from the APIC bus (an I/O APIC).  Any thread. */
void lapic_deliver(struct lapic *l, const struct apic_msg *msg);
struct apic_msg_line lapic_msg_line(struct lapic *l);

/* The CPU's INTR input: an APIC vector above the processor priority, or
 * (LINT0 ExtINT, or the APIC globally disabled) the 8259's request.
 * lapic_ack() is the INTA cycle: the vector (IRR -> ISR), the 8259's, the
 * spurious vector, or -1. */
bool lapic_pending(struct lapic *l);
int lapic_ack(struct lapic *l);
struct intr_source lapic_intr_source(struct lapic *l);

const struct lapic_stats *lapic_stats(const struct lapic *l);

#endif
