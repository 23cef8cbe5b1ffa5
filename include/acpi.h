/*
 * acpi.h - ACPI for xbt's PIIX4-style PC: the fixed hardware both sides
 * must agree on (the PM register block's ports and bits, the sleep types,
 * the reset register, where the tables go) and the table builder
 * (src/firmware/acpi*.c).
 *
 * Contract: acpi_build() writes the RSDP, RSDT, FADT, FACS, DSDT and (with
 * cfg.apic) the MADT into guest RAM at ACPI_AREA_BASE, every checksum
 * right, and returns the RSDP's address.  The RSDP sits on a 16-byte
 * boundary of 0xE0000-0xFFFFF, where an OS without EFI scans for it; the
 * whole area is reserved in the e820 map (src/loader/memmap.c).  The FADT
 * describes the PM device of src/devices/acpi_pm.c (dev_acpi_pm_create at
 * ACPI_PM_BASE): ACPI mode is always on (no SMI_CMD, SCI_EN set at power-on),
 * the PM timer is 24 bits wide, the SCI is ACPI_SCI_IRQ (level, active
 * high), and RESET_REG is the PIIX reset control register 0xCF9.
 */
#ifndef XBT_ACPI_H
#define XBT_ACPI_H

#include "xbt.h"

/* ---- the PM register block (PIIX4 PM function layout, as QEMU) ---------- */
/* Tunable: the PM block's I/O base.  Policy: 0x600, where QEMU's firmware
 * puts PIIX4's PMBA, so guests and tools that assume it find it. */
#define ACPI_PM_BASE 0x600
#define ACPI_PM_LEN 64    /* ports the PM function decodes */
#define ACPI_PM1_STS 0x00 /* PM1a_EVT_BLK: status (16 bits), then */
#define ACPI_PM1_EN 0x02  /*   enable (16 bits) */
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT 0x04 /* PM1a_CNT_BLK (16 bits) */
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR 0x08 /* PM_TMR_BLK (32 bits, 24 counting) */
#define ACPI_PM_TMR_LEN 4
/* The SCI: IRQ9, level triggered, active high (ISA IRQ9 = GSI 9). */
#define ACPI_SCI_IRQ 9

/* PM1_STS / PM1_EN bits */
#define ACPI_PM1_TMR 0x0001    /* timer carry (bit 23 changed) */
#define ACPI_PM1_BM 0x0010     /* bus master status (status only) */
#define ACPI_PM1_GBL 0x0020    /* global lock released */
#define ACPI_PM1_PWRBTN 0x0100 /* power button */
#define ACPI_PM1_SLPBTN 0x0200 /* sleep button */
#define ACPI_PM1_RTC 0x0400    /* RTC alarm */
#define ACPI_PM1_WAK 0x8000    /* woke from a sleep state (status only) */
/* PM1_CNT bits */
#define ACPI_CNT_SCI_EN 0x0001
#define ACPI_CNT_BM_RLD 0x0002
#define ACPI_CNT_GBL_RLS 0x0004 /* write-only */
#define ACPI_CNT_SLP_TYP_SHIFT 10
#define ACPI_CNT_SLP_TYP 0x1C00
#define ACPI_CNT_SLP_EN 0x2000 /* write-only: enter SLP_TYP */

/* SLP_TYP values (QEMU's PIIX4): the DSDT's \_Sx packages carry them. */
#define ACPI_SLP_TYP_S5 0 /* soft off */
#define ACPI_SLP_TYP_S3 1 /* suspend to RAM: not offered (no \_S3) */
#define ACPI_SLP_TYP_S4 2 /* suspend to disk: the guest saved itself; off */

/* The PM timer: 3.579545 MHz, 24 bits; TMR_STS sets when bit 23 changes. */
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_TIMER_MASK 0xFFFFFFu
#define ACPI_PM_TIMER_CARRY 0x800000u

/* RESET_REG: the PIIX reset control register (src/devices/pci.c); writing
 * 0x06 (reset CPU, hard reset) resets the machine. */
#define ACPI_RESET_PORT 0xCF9
#define ACPI_RESET_VALUE 0x06

/* ---- the tables --------------------------------------------------------- */
/* Tunable: where the tables go.  Policy: the first 64 KiB of the BIOS
 * area (0xE0000-0xEFFFF), the RSDP first, so one area serves the scan and
 * the tables, below 1 MiB where no kernel or initrd is loaded; the tables
 * take under 1 KiB.  memmap.c reserves it with the system BIOS above. */
#define ACPI_AREA_BASE 0xE0000u
#define ACPI_AREA_SIZE 0x10000u
/* Where an OS without EFI looks for the RSDP (16-byte boundaries). */
#define ACPI_RSDP_SCAN_LO 0xE0000u
#define ACPI_RSDP_SCAN_HI 0x100000u

/* What the tables describe beyond the fixed PM hardware above. */
struct acpi_config {
    uint32_t ram_size; /* guest RAM: the PCI memory window starts above it */
    bool apic;         /* a local APIC and an I/O APIC: adds the MADT */
    uint32_t lapic_base, ioapic_base;
    uint8_t ioapic_id;
    uint32_t ioapic_gsi_base;
};
/* The defaults: no APIC (the PIC only; no MADT), and the addresses a PC
 * (and QEMU) gives the APICs once the machine has them: local APIC at
 * 0xFEE00000, I/O APIC ID 0 at 0xFEC00000 with GSIs from 0. */
void acpi_config_default(struct acpi_config *cfg, uint32_t ram_size);

/* Writes the tables into ram[ACPI_AREA_BASE, +ACPI_AREA_SIZE) (ram holds
 * guest-physical [0, ram_size), which must cover the area) and sets *rsdp
 * to the RSDP's guest-physical address.  XBT_ERANGE if RAM does not cover
 * the area or the tables do not fit. */
int acpi_build(uint8_t *ram, uint32_t ram_size, const struct acpi_config *cfg, uint32_t *rsdp);

/* The same tables for a BIOS that loads them from fw_cfg as SeaBIOS does
 * under QEMU (src/firmware/acpi_loader.c): ACPI_FILE_TABLES, the tables
 * as one blob whose pointers are offsets within it; ACPI_FILE_RSDP, the
 * RSDP pointing into it; ACPI_FILE_LOADER, QEMU's table-loader script
 * (128-byte commands: allocate both, the RSDP in the F segment; add the
 * blob's address to every pointer; fix every checksum).  XBT_ENOMEM. */
#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"
struct acpi_fw_files {
    uint8_t *rsdp, *tables, *loader;
    uint32_t rsdp_len, tables_len, loader_len;
};
int acpi_build_fw_files(const struct acpi_config *cfg, struct acpi_fw_files *out);
void acpi_fw_files_free(struct acpi_fw_files *f);

/* The table checksum rule: the bytes of a table sum to 0 (mod 256). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
