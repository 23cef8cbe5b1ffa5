/*
 * acpi_tables.c - acpi_build (acpi.h): lays the ACPI tables out in the
 * area at ACPI_AREA_BASE and links them, as PC firmware does before it
 * starts an OS:
 *
 *   RSDP  (ACPI 1.0, 20 bytes) at ACPI_AREA_BASE, found by scanning
 *   FACS  (64 bytes, 64-byte aligned)
 *   DSDT  (AML: \_S4, \_S5, \_SB.PCI0; acpi_dsdt.c)
 *   FADT  (revision 3, 244 bytes; acpi_fadt.c)
 *   MADT  (with cfg.apic only; acpi_madt.c)
 *   RSDT  (the FADT and the MADT)
 *
 * Every table but the FACS (which has none) gets its checksum last; the
 * header's OEM fields say "XBT".
 */
#include "firmware/acpi_int.h"

#define RSDP_LEN 20
#define RSDP_CHECKSUM 8
#define RSDP_OEMID 9
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define FACS_LEN 64
#define FACS_ALIGN 64
#define FACS_VERSION 32 /* u8: 1 for the ACPI 2.0 layout */
#define TABLE_ALIGN 16
#define OEM_REVISION 1
#define CREATOR_REVISION 1

/* Tunable: the APIC addresses when the machine has them.  Policy: a PC's
 * (and QEMU's): local APIC 0xFEE00000, I/O APIC ID 0 at 0xFEC00000. */
#define DEFAULT_LAPIC_BASE 0xFEE00000u
#define DEFAULT_IOAPIC_BASE 0xFEC00000u

void acpi_config_default(struct acpi_config *cfg, uint32_t ram_size)
{
    *cfg = (struct acpi_config){ .ram_size = ram_size,
                                 .lapic_base = DEFAULT_LAPIC_BASE,
                                 .ioapic_base = DEFAULT_IOAPIC_BASE };
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t k = 0; k < len; k++)
        sum = (uint8_t)(sum + p[k]);
    return sum;
}

uint32_t acpi_alloc(struct acpi_area *a, uint32_t len, uint32_t align)
{
    uint32_t at = (a->next + align - 1) & ~(align - 1);
    if (at < a->next || len > a->end - at)
        return 0;
    memset(a->ram + at, 0, len);
    a->next = at + len;
    return at;
}

void acpi_header(uint8_t *p, const char sig[4], uint32_t len, uint8_t revision)
{
    memcpy(p, sig, 4);
    acpi_put32(p + ACPI_HDR_LENGTH, len);
    p[8] = revision;
    p[ACPI_HDR_CHECKSUM] = 0;
    memcpy(p + 10, "XBT   ", 6); /* OEM ID */
    memcpy(p + 16, "XBTP", 4);   /* OEM table ID: "XBTP" and the signature */
    memcpy(p + 20, sig, 4);
    acpi_put32(p + 24, OEM_REVISION);
    memcpy(p + 28, "XBT ", 4); /* creator ID */
    acpi_put32(p + 32, CREATOR_REVISION);
}

void acpi_seal(uint8_t *p)
{
    uint32_t len;
    memcpy(&len, p + ACPI_HDR_LENGTH, sizeof(len));
    p[ACPI_HDR_CHECKSUM] = 0;
    p[ACPI_HDR_CHECKSUM] = (uint8_t)-acpi_checksum(p, len);
}

void acpi_gas_io(uint8_t *p, uint16_t port, uint8_t bits, uint8_t access)
{
    p[0] = 1; /* address space: system I/O */
    p[1] = bits;
    p[2] = 0; /* bit offset */
    p[3] = access;
    acpi_put64(p + 4, port);
}

/* The FACS: no waking vector, no global lock owner; version 1. */
static uint32_t build_facs(struct acpi_area *a)
{
    uint32_t at = acpi_alloc(a, FACS_LEN, FACS_ALIGN);
    if (at) {
        memcpy(a->ram + at, "FACS", 4);
        acpi_put32(a->ram + at + 4, FACS_LEN);
        a->ram[at + FACS_VERSION] = 1;
    }
    return at;
}

/* The RSDT: one 32-bit pointer per table (the zero ones left out). */
static uint32_t build_rsdt(struct acpi_area *a, const uint32_t *tables, unsigned n)
{
    unsigned used = 0;
    for (unsigned k = 0; k < n; k++)
        used += tables[k] != 0;
    uint32_t len = ACPI_HEADER_LEN + 4 * used;
    uint32_t at = acpi_alloc(a, len, TABLE_ALIGN);
    if (!at)
        return 0;
    uint8_t *p = a->ram + at;
    acpi_header(p, "RSDT", len, 1);
    for (unsigned k = 0, i = 0; k < n; k++)
        if (tables[k])
            acpi_put32(p + ACPI_HEADER_LEN + 4 * i++, tables[k]);
    acpi_seal(p);
    return at;
}

/* The RSDP (revision 0: ACPI 1.0, an RSDT only). */
static void build_rsdp(uint8_t *p, uint32_t rsdt)
{
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + RSDP_OEMID, "XBT   ", 6);
    p[RSDP_REVISION] = 0;
    acpi_put32(p + RSDP_RSDT, rsdt);
    p[RSDP_CHECKSUM] = 0;
    p[RSDP_CHECKSUM] = (uint8_t)-acpi_checksum(p, RSDP_LEN);
}

int acpi_build(uint8_t *ram, uint32_t ram_size, const struct acpi_config *cfg, uint32_t *rsdp)
{
    if (ram_size < ACPI_AREA_BASE + ACPI_AREA_SIZE)
        return XBT_ERANGE;
    struct acpi_area a = { .ram = ram,
                           .next = ACPI_AREA_BASE,
                           .end = ACPI_AREA_BASE + ACPI_AREA_SIZE };
    uint32_t at = acpi_alloc(&a, RSDP_LEN, TABLE_ALIGN);
    uint32_t facs = build_facs(&a);
    uint32_t dsdt = acpi_build_dsdt(&a, cfg);
    uint32_t tables[2] = { acpi_build_fadt(&a, cfg, facs, dsdt),
                           cfg->apic ? acpi_build_madt(&a, cfg) : 0 };
    uint32_t rsdt = build_rsdt(&a, tables, 2);
    if (!at || !facs || !dsdt || !tables[0] || (cfg->apic && !tables[1]) || !rsdt)
        return XBT_ERANGE;
    build_rsdp(ram + at, rsdt);
    *rsdp = at;
    return 0;
}
