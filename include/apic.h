/*
 * apic.h - the APIC bus: the interrupt messages an I/O APIC (or a local
 * APIC's ICR) sends to the local APICs it names, and the EOI a local APIC
 * broadcasts back for a level-triggered vector (Intel SDM Vol. 3A 10.6,
 * 10.8.5; 82093AA datasheet 3.2.4).  The I/O APIC is a device
 * (devices.h), the local APIC part of the CPU (lapic.h): neither knows
 * the other, the machine wires one's lines to the other's entry points.
 * Also the board's interrupt wiring both sides and the firmware tables
 * describe.
 */
#ifndef XBT_APIC_H
#define XBT_APIC_H

#include "xbt.h"

/* Delivery modes (ICR, LVT and redirection entry bits 10:8). */
enum apic_delivery {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1, /* lowest priority */
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7, /* the 8259's vector, by an INTA cycle */
};

/* One interrupt message. */
struct apic_msg {
    uint8_t vector;
    uint8_t delivery; /* enum apic_delivery */
    uint8_t dest;     /* an APIC ID (physical) or a logical destination */
    bool logical;     /* destination mode */
    bool level;       /* trigger mode: level-triggered, so an EOI goes back */
};

/* Where a message goes: the local APICs' entry point.  Any thread. */
struct apic_msg_line {
    void (*fn)(void *opaque, const struct apic_msg *msg);
    void *opaque;
};

static inline void apic_msg_send(const struct apic_msg_line *l, const struct apic_msg *msg)
{
    if (l && l->fn)
        l->fn(l->opaque, msg);
}

/* The EOI of a level-triggered vector, to the I/O APICs.  vCPU thread. */
struct apic_eoi_line {
    void (*fn)(void *opaque, int vector);
    void *opaque;
};

static inline void apic_eoi_send(const struct apic_eoi_line *l, int vector)
{
    if (l && l->fn)
        l->fn(l->opaque, vector);
}

/* ---- the board (src/machine.c wires it, the tables describe it) ---- */
/* The local APIC's and the I/O APIC's default physical bases, and the
 * versions their registers (and the firmware tables) report: a P6's
 * integrated APIC and the 82093AA. */
#define APIC_LAPIC_BASE 0xFEE00000u
#define APIC_IOAPIC_BASE 0xFEC00000u
#define APIC_LAPIC_VERSION 0x11
#define APIC_IOAPIC_VERSION 0x11
/* The CPU's APIC ID (the bootstrap processor). */
#define APIC_BSP_ID 0
/* The I/O APIC's ID as the firmware leaves it.  Policy: 1, after the
 * CPU's 0: a P6's APICs share the 3-wire APIC bus, where every ID must be
 * unique (an ID the CPU already has makes Linux renumber the I/O APIC
 * with a "BIOS bug" line). */
#define APIC_IOAPIC_ID 1
/* ISA IRQ n drives I/O APIC pin n, except IRQ0 (the PIT), which drives
 * pin 2 (the ISA interrupt override every PC firmware declares). */
static inline int apic_isa_irq_pin(int irq)
{
    return irq == 0 ? 2 : irq;
}

#endif
