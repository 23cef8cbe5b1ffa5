/*
 * acpi_madt.c - the MADT ("APIC"), built only when the machine has a local
 * APIC and an I/O APIC (acpi_config.apic), with QEMU's entries for a
 * one-CPU PC: the local APIC (processor 0, APIC ID 0, enabled), the I/O
 * APIC, the interrupt source overrides ISA IRQ0 -> GSI 2 (the PIT on the
 * I/O APIC's pin 2, conforming polarity and trigger) and IRQ9 -> GSI 9
 * (the SCI: level, active high), and the local APIC NMI on LINT1 for every
 * processor.  Flags: PCAT_COMPAT (the 8259 pair is there too).
 */
#include "firmware/acpi_int.h"

#define MADT_REVISION 1
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44
#define MADT_PCAT_COMPAT 1u

/* entry types and lengths */
#define E_LAPIC 0
#define E_LAPIC_LEN 8
#define E_IOAPIC 1
#define E_IOAPIC_LEN 12
#define E_ISO 2
#define E_ISO_LEN 10
#define E_LAPIC_NMI 4
#define E_LAPIC_NMI_LEN 6
#define MADT_LEN (MADT_ENTRIES + E_LAPIC_LEN + E_IOAPIC_LEN + 2 * E_ISO_LEN + E_LAPIC_NMI_LEN)

/* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_LEVEL 0xC
#define LAPIC_ENABLED 1u
#define ALL_PROCESSORS 0xFF
#define PIT_IRQ 0
#define PIT_GSI 2
#define NMI_LINT 1

/* An interrupt source override of ISA IRQ irq; returns its length. */
static unsigned madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    e[0] = E_ISO;
    e[1] = E_ISO_LEN;
    e[2] = 0; /* bus: ISA */
    e[3] = irq;
    acpi_put32(e + 4, gsi);
    acpi_put16(e + 8, flags);
    return E_ISO_LEN;
}

static unsigned madt_lapic(uint8_t *e)
{
    e[0] = E_LAPIC;
    e[1] = E_LAPIC_LEN;
    e[2] = 0; /* ACPI processor ID */
    e[3] = 0; /* APIC ID */
    acpi_put32(e + 4, LAPIC_ENABLED);
    return E_LAPIC_LEN;
}

static unsigned madt_ioapic(uint8_t *e, const struct acpi_config *cfg)
{
    e[0] = E_IOAPIC;
    e[1] = E_IOAPIC_LEN;
    e[2] = cfg->ioapic_id;
    e[3] = 0;
    acpi_put32(e + 4, cfg->ioapic_base);
    acpi_put32(e + 8, cfg->ioapic_gsi_base);
    return E_IOAPIC_LEN;
}

static unsigned madt_lapic_nmi(uint8_t *e)
{
    e[0] = E_LAPIC_NMI;
    e[1] = E_LAPIC_NMI_LEN;
    e[2] = ALL_PROCESSORS;
    acpi_put16(e + 3, 0); /* conforming polarity and trigger */
    e[5] = NMI_LINT;
    return E_LAPIC_NMI_LEN;
}

uint32_t acpi_build_madt(struct acpi_area *a, const struct acpi_config *cfg)
{
    uint32_t at = acpi_alloc(a, MADT_LEN, 16);
    if (!at)
        return 0;
    uint8_t *p = a->ram + at;
    acpi_header(p, "APIC", MADT_LEN, MADT_REVISION);
    acpi_put32(p + MADT_LAPIC_ADDR, cfg->lapic_base);
    acpi_put32(p + MADT_FLAGS, MADT_PCAT_COMPAT);
    uint8_t *e = p + MADT_ENTRIES;
    e += madt_lapic(e);
    e += madt_ioapic(e, cfg);
    e += madt_iso(e, PIT_IRQ, cfg->ioapic_gsi_base + PIT_GSI, 0);
    e += madt_iso(e, ACPI_SCI_IRQ, cfg->ioapic_gsi_base + ACPI_SCI_IRQ,
                  INTI_ACTIVE_HIGH | INTI_LEVEL);
    madt_lapic_nmi(e);
    acpi_seal(p);
    return at;
}
