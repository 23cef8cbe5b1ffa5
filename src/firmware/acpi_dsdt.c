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
 *           Device (ISA) {                     the PIIX3 ISA bridge (00:01.0)
 *               Name (_ADR, 0x00010000)
 *               Device (RTC)  PNP0B00: IO 0x70-0x71, IRQ 8
 *               Device (KBD)  PNP0303: IO 0x60, 0x64, IRQ 1
 *               Device (MOU)  PNP0F13: IRQ 12
 *               Device (COM1) PNP0501, _UID 1: IO 0x3F8-0x3FF, IRQ 4
 *           }
 *       }
 *   }
 *
 * No \_S3: xbt has no firmware to resume through (see acpi_pm.c).  The PCI
 * root bridge is there because an OS that runs in ACPI mode finds PCI
 * buses through it (Linux scans no bus the namespace does not name); its
 * _CRS is QEMU's: bus numbers 0-255, the configuration ports 0xCF8-0xCFF,
 * the I/O space around them, the VGA window 0xA0000-0xBFFFF and the PCI
 * memory hole from the top of RAM to 0xFEBFFFFF (below the I/O APIC).
 * The ISA devices are QEMU's too (each with its _HID and _CRS): through
 * them an OS finds the legacy devices by PNP (Linux: "i8042: PNP: PS/2
 * Controller [PNP0303:KBD,PNP0f13:MOU]" instead of probing the ports, the
 * serial port as 00:0x), as under QEMU.
 */
#include "firmware/acpi_int.h"
#include "firmware/aml.h"

#define DSDT_REVISION 2 /* 64-bit AML integers (ACPI 2.0) */
/* Tunable: room for the AML.  Policy: a few times what it needs (about
 * 400 bytes), far below the area's size. */
#define DSDT_MAX 1024
/* Room for PCI0's _CRS: its six descriptors and the end tag take 110
 * bytes (fixed; the res_* writers do not check). */
#define CRS_MAX 128

/* resource descriptors (ACPI 6.x, 6.4) */
#define RES_IRQ 0x22        /* small: IRQ mask without flags, 3 bytes */
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

/* An I/O port descriptor: len ports at base (16-bit decode). */
static void res_io(struct res *r, uint16_t base, uint8_t len)
{
    uint8_t *p = r->b + r->n;
    p[0] = RES_IO;
    p[1] = RES_IO_DECODE16;
    acpi_put16(p + 2, base);
    acpi_put16(p + 4, base);
    p[6] = 1; /* alignment */
    p[7] = len;
    r->n += 8;
}

/* An IRQ descriptor (edge, active high), then the end tag. */
static void res_irq_and_end(struct res *r, unsigned irq)
{
    uint8_t *p = r->b + r->n;
    p[0] = RES_IRQ;
    acpi_put16(p + 1, (uint16_t)(1u << irq));
    r->n += 3;
    res_cfg_ports_and_end(r, true);
}

/* An ISA device: _HID, _UID if uid, _CRS of up to two port ranges
 * (len 0: none) and an IRQ. */
struct isa_dev {
    const char *name, *hid;
    uint8_t uid;
    uint16_t port[2];
    uint8_t len[2];
    uint8_t irq;
};

static const struct isa_dev isa_devs[] = {
    { "RTC_", "PNP0B00", 0, { 0x70, 0 }, { 2, 0 }, 8 },
    { "KBD_", "PNP0303", 0, { 0x60, 0x64 }, { 1, 1 }, 1 },
    { "MOU_", "PNP0F13", 0, { 0, 0 }, { 0, 0 }, 12 },
    { "COM1", "PNP0501", 1, { 0x3F8, 0 }, { 8, 0 }, 4 },
};

static void dsdt_isa(struct aml *a)
{
    size_t isa = aml_device_begin(a, "ISA_");
    aml_name_integer(a, "_ADR", 0x00010000);
    for (size_t i = 0; i < sizeof(isa_devs) / sizeof(isa_devs[0]); i++) {
        const struct isa_dev *d = &isa_devs[i];
        struct res crs = { .n = 0 };
        for (int k = 0; k < 2; k++)
            if (d->len[k])
                res_io(&crs, d->port[k], d->len[k]);
        res_irq_and_end(&crs, d->irq);
        size_t dev = aml_device_begin(a, d->name);
        aml_name_integer(a, "_HID", aml_eisaid(d->hid));
        if (d->uid)
            aml_name_integer(a, "_UID", d->uid);
        aml_name_buffer(a, "_CRS", crs.b, crs.n);
        aml_end(a, dev);
    }
    aml_end(a, isa);
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
    dsdt_isa(a);
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
