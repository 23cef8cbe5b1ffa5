/*
 * acpi_int.h - what the ACPI table builders of src/firmware share: the
 * area the tables are placed in, little-endian stores, the common table
 * header, and one builder per table (each returns the table's address, or
 * 0 when the area is full).
 */
#ifndef XBT_FIRMWARE_ACPI_INT_H
#define XBT_FIRMWARE_ACPI_INT_H

#include <string.h>

#include "acpi.h"

/* The area tables are placed in, from ACPI_AREA_BASE upwards. */
struct acpi_area {
    uint8_t *ram; /* guest-physical 0 */
    uint32_t next, end;
};
/* len bytes at the next multiple of align, zeroed; 0 if they do not fit. */
uint32_t acpi_alloc(struct acpi_area *a, uint32_t len, uint32_t align);

static inline void acpi_put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v)); /* host and guest are little-endian */
}
static inline void acpi_put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}
static inline void acpi_put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* The 36-byte header of every table but the RSDP and FACS. */
#define ACPI_HEADER_LEN 36
#define ACPI_HDR_LENGTH 4
#define ACPI_HDR_CHECKSUM 9
/* Writes the header of a table of len bytes at p (checksum 0 for now). */
void acpi_header(uint8_t *p, const char sig[4], uint32_t len, uint8_t revision);
/* Sets the checksum byte of the table at p (its header says its length). */
void acpi_seal(uint8_t *p);

/* A Generic Address Structure (12 bytes) in system I/O space. */
#define ACPI_GAS_LEN 12
void acpi_gas_io(uint8_t *p, uint16_t port, uint8_t bits, uint8_t access);

/* The tables (acpi_fadt.c, acpi_madt.c, acpi_dsdt.c). */
uint32_t acpi_build_fadt(struct acpi_area *a, const struct acpi_config *cfg, uint32_t facs,
                         uint32_t dsdt);
uint32_t acpi_build_madt(struct acpi_area *a, const struct acpi_config *cfg);
uint32_t acpi_build_dsdt(struct acpi_area *a, const struct acpi_config *cfg);

#endif
