/*
 * acpi_dsdt.c - the DSDT: a definition block whose AML (aml.c) declares
 *
 *   Name (_S4, Package (4) { 2, 2, 0, 0 })     SLP_TYP of S4 (QEMU's)
 *   Name (_S5, Package (4) { 0, 0, 0, 0 })     SLP_TYP of S5 (soft off)
 *   Scope (\_SB) {
 *       Device (PCI0) {                        the i440FX host bridge
 *           Name (_HID, EisaId ("PNP0A03"))
 *           Name (_ADR, 0)
 *           Name (_UID, 0)
 *           Name (_CRS, ResourceTemplate () { ... })
 *       }
 *   }
 *
 * No \_S3: xbt has no firmware to resume through (see acpi_pm.c).  The PCI
 * root bridge is there because an OS that runs in ACPI mode finds PCI
 * buses through it (Linux scans no bus the namespace does not name); its
 * _CRS is QEMU's: bus numbers 0-255, the configuration ports 0xCF8-0xCFF,
 * the I/O space around them, the VGA window 0xA0000-0xBFFFF and the PCI
 * memory hole from the top of RAM to 0xFEBFFFFF (below the I/O APIC).
 */
#include "firmware/acpi_int.h"
#include "firmware/aml.h"

#define DSDT_REVISION 2 /* 64-bit AML integers (ACPI 2.0) */
/* Tunable: room for the AML.  Policy: a few times what it needs (about
 * 200 bytes), far below the area's size. */
#define DSDT_MAX 1024
/* Room for PCI0's _CRS: its six descriptors and the end tag take 110
 * bytes (fixed; the res_* writers do not check). */
#define CRS_MAX 128

/* resource descriptors (ACPI 6.x, 6.4) */
#define RES_IO 0x47         /* small: I/O port, 8 bytes */
#define RES_END 0x79        /* small: end tag, 2 bytes */
#define RES_DWORD_ADDR 0x87 /* large: DWord address space, 26 bytes */
#define RES_WORD_ADDR 0x88  /* large: Word address space, 16 bytes */
#define RES_TYPE_MEM 0
#define RES_TYPE_IO 1
#define RES_TYPE_BUS 2
#define RES_PRODUCER_FIXED 0x0C /* _MAF | _MIF, positive decode, producer */
#define RES_IO_ENTIRE_RANGE 0x03
#define RES_MEM_RW 0x01
#define RES_MEM_CACHEABLE 0x02
#define RES_IO_DECODE16 0x01
#define PCI_HOLE_END 0xFEBFFFFFu
#define VGA_WINDOW 0xA0000u
#define VGA_WINDOW_END 0xBFFFFu

struct res {
    uint8_t b[CRS_MAX];
    size_t n;
};

/* A Word address space descriptor for [min, max]. */
static void res_word(struct res *r, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
    uint8_t *p = r->b + r->n;
    p[0] = RES_WORD_ADDR;
    acpi_put16(p + 1, 13); /* length of the rest */
    p[3] = type;
    p[4] = RES_PRODUCER_FIXED;
    p[5] = tflags;
    acpi_put16(p + 6, 0); /* granularity */
    acpi_put16(p + 8, min);
    acpi_put16(p + 10, max);
    acpi_put16(p + 12, 0); /* translation offset */
    acpi_put16(p + 14, (uint16_t)(max - min + 1));
    r->n += 16;
}

/* A DWord memory descriptor for [min, max]. */
static void res_dword_mem(struct res *r, uint8_t tflags, uint32_t min, uint32_t max)
{
    uint8_t *p = r->b + r->n;
    p[0] = RES_DWORD_ADDR;
    acpi_put16(p + 1, 23);
    p[3] = RES_TYPE_MEM;
    p[4] = RES_PRODUCER_FIXED;
    p[5] = tflags;
    acpi_put32(p + 6, 0);
    acpi_put32(p + 10, min);
    acpi_put32(p + 14, max);
    acpi_put32(p + 18, 0);
    acpi_put32(p + 22, max - min + 1);
    r->n += 26;
}

/* The I/O port descriptor of the configuration ports, and the end tag. */
static void res_cfg_ports_and_end(struct res *r, bool end)
{
    static const uint8_t cfg[8] = { RES_IO, RES_IO_DECODE16, 0xF8, 0x0C, 0xF8, 0x0C, 1, 8 };
    static const uint8_t tag[2] = { RES_END, 0 }; /* checksum 0: not checked */
    memcpy(r->b + r->n, end ? tag : cfg, end ? sizeof(tag) : sizeof(cfg));
    r->n += end ? sizeof(tag) : sizeof(cfg);
}

static void pci0_crs(struct res *r, uint32_t ram_size)
{
    r->n = 0;
    res_word(r, RES_TYPE_BUS, 0, 0, 0xFF);
    res_cfg_ports_and_end(r, false);
    res_word(r, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0000, 0x0CF7);
    res_word(r, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0D00, 0xFFFF);
    res_dword_mem(r, RES_MEM_RW | RES_MEM_CACHEABLE, VGA_WINDOW, VGA_WINDOW_END);
    if (ram_size <= PCI_HOLE_END)
        res_dword_mem(r, RES_MEM_RW, ram_size, PCI_HOLE_END);
    res_cfg_ports_and_end(r, true);
}

static void dsdt_sleep_states(struct aml *a)
{
    static const uint8_t s4 = ACPI_SLP_TYP_S4, s5 = ACPI_SLP_TYP_S5;
    size_t m = aml_name_package_begin(a, "_S4", 4);
    aml_integer(a, s4); /* SLP_TYPa */
    aml_integer(a, s4); /* SLP_TYPb */
    aml_integer(a, 0);  /* reserved */
    aml_integer(a, 0);
    aml_end(a, m);
    m = aml_name_package_begin(a, "_S5", 4);
    aml_integer(a, s5);
    aml_integer(a, s5);
    aml_integer(a, 0);
    aml_integer(a, 0);
    aml_end(a, m);
}

static void dsdt_pci0(struct aml *a, uint32_t ram_size)
{
    struct res crs;
    pci0_crs(&crs, ram_size);
    size_t sb = aml_scope_begin(a, "\\_SB");
    size_t dev = aml_device_begin(a, "PCI0");
    aml_name_integer(a, "_HID", aml_eisaid("PNP0A03"));
    aml_name_integer(a, "_ADR", 0);
    aml_name_integer(a, "_UID", 0);
    aml_name_buffer(a, "_CRS", crs.b, crs.n);
    aml_end(a, dev);
    aml_end(a, sb);
}

uint32_t acpi_build_dsdt(struct acpi_area *a, const struct acpi_config *cfg)
{
    uint8_t code[DSDT_MAX];
    struct aml aml;
    aml_init(&aml, code, sizeof(code));
    dsdt_sleep_states(&aml);
    dsdt_pci0(&aml, cfg->ram_size);
    uint32_t len = ACPI_HEADER_LEN + (uint32_t)aml.len;
    uint32_t at = aml_ok(&aml) ? acpi_alloc(a, len, 16) : 0;
    if (!at)
        return 0;
    acpi_header(a->ram + at, "DSDT", len, DSDT_REVISION);
    memcpy(a->ram + at + ACPI_HEADER_LEN, code, aml.len);
    acpi_seal(a->ram + at);
    return at;
}
