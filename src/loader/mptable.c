/*
 * mptable.c - the Intel MultiProcessor Specification 1.4 tables (MPS
 * chapter 4): the 16-byte floating pointer structure ("_MP_") and the
 * configuration table ("PCMP": a 44-byte header and base entries sorted
 * by type), each with a checksum that makes its bytes sum to 0.  What
 * they describe is the caller's (struct mp_config, loader.h).
 */
#include "loader/loader_int.h"

/* Entry types and their sizes (MPS table 4-3). */
enum { MP_CPU = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4 };
#define MP_CPU_SIZE 20u
#define MP_SMALL_SIZE 8u /* every other base entry */
#define MP_HEADER_SIZE 44u
#define MP_FLOAT_SIZE 16u
/* Interrupt types (MPS table 4-8). */
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };
#define MP_BUS_PCI 0
#define MP_BUS_ISA 1

/* The table being written: RAM and the next free byte. */
struct mp_writer {
    uint8_t *ram;
    uint32_t at;
    uint16_t entries;
};

static uint8_t checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)-sum;
}

/* An 8-byte entry: type, then seven bytes. */
static void put_small(struct mp_writer *w, const uint8_t b[8])
{
    memcpy(w->ram + w->at, b, MP_SMALL_SIZE);
    w->at += MP_SMALL_SIZE;
    w->entries++;
}

static void put_cpu(struct mp_writer *w, const struct mp_config *c)
{
    uint8_t *p = w->ram + w->at;
    memset(p, 0, MP_CPU_SIZE);
    p[0] = MP_CPU;
    p[1] = c->lapic_id;
    p[2] = c->lapic_version;
    p[3] = 0x03; /* enabled, bootstrap processor */
    loader_put32(w->ram, w->at + 4, c->cpu_signature);
    loader_put32(w->ram, w->at + 8, c->cpu_features);
    w->at += MP_CPU_SIZE;
    w->entries++;
}

static void put_buses_ioapic(struct mp_writer *w, const struct mp_config *c)
{
    put_small(w, (const uint8_t[8]){ MP_BUS, MP_BUS_PCI, 'P', 'C', 'I', ' ', ' ', ' ' });
    put_small(w, (const uint8_t[8]){ MP_BUS, MP_BUS_ISA, 'I', 'S', 'A', ' ', ' ', ' ' });
    uint8_t e[8] = { MP_IOAPIC, c->ioapic_id, c->ioapic_version, 0x01 /* enabled */ };
    memcpy(e + 4, &c->ioapic_addr, 4);
    put_small(w, e);
}

/* The ISA IRQs on the I/O APIC (flags 0: the bus's polarity and trigger),
 * then LINT0 ExtINT (the 8259) on the BSP and LINT1 NMI on every APIC. */
static void put_interrupts(struct mp_writer *w, const struct mp_config *c)
{
    for (uint8_t irq = 0; irq < 16; irq++)
        if (c->isa_pin[irq] != 0xFF)
            put_small(w, (const uint8_t[8]){ MP_IOINT, MP_INT, 0, 0, MP_BUS_ISA, irq, c->ioapic_id,
                                             c->isa_pin[irq] });
    put_small(w, (const uint8_t[8]){ MP_LINT, MP_EXTINT, 0, 0, MP_BUS_ISA, 0, c->lapic_id, 0 });
    put_small(w, (const uint8_t[8]){ MP_LINT, MP_NMI, 0, 0, MP_BUS_ISA, 0, 0xFF, 1 });
}

static void put_header(uint8_t *ram, uint32_t at, const struct mp_writer *w,
                       const struct mp_config *c)
{
    uint8_t *h = ram + at;
    uint16_t len = (uint16_t)(w->at - at);
    memset(h, 0, MP_HEADER_SIZE);
    memcpy(h, "PCMP", 4);
    memcpy(h + 4, &len, 2);
    h[6] = 4; /* specification 1.4 */
    memcpy(h + 8, "XBT     ", 8);
    memcpy(h + 16, "XBT PC      ", 12);
    memcpy(h + 34, &w->entries, 2);
    loader_put32(ram, at + 36, c->lapic_addr);
    h[7] = checksum(h, len);
}

static void put_float(uint8_t *ram, uint32_t table)
{
    uint8_t *f = ram + MP_FLOAT_ADDR;
    memset(f, 0, MP_FLOAT_SIZE);
    memcpy(f, "_MP_", 4);
    loader_put32(ram, MP_FLOAT_ADDR + 4, table);
    f[8] = 1; /* length in 16-byte units */
    f[9] = 4; /* specification 1.4 */
    /* feature bytes 0: a configuration table, virtual wire mode */
    f[10] = checksum(f, MP_FLOAT_SIZE);
}

int loader_mptable(uint8_t *ram, uint32_t ram_size, const struct mp_config *cfg)
{
    if (ram_size < PC_HIGH_RAM)
        return XBT_ERANGE;
    uint32_t table = MP_FLOAT_ADDR + MP_FLOAT_SIZE;
    struct mp_writer w = { .ram = ram, .at = table + MP_HEADER_SIZE };
    put_cpu(&w, cfg);
    put_buses_ioapic(&w, cfg);
    put_interrupts(&w, cfg);
    put_header(ram, table, &w, cfg);
    put_float(ram, table);
    return 0;
}
