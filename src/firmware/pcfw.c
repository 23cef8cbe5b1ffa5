/*
 * pcfw.c - the CMOS bytes and fw_cfg tables a PC board gives SeaBIOS, with
 * the values QEMU's -machine pc gives (hw/i386/pc.c pc_cmos_init,
 * hw/i386/fw_cfg.c): memory sizes in the units the old BIOS interfaces
 * use, the boot order as nibbles, and the e820 table of RAM.
 *
 * Differences from QEMU, kept on purpose: no floppy drive (QEMU's pc has
 * an empty 1.44 MB drive A: and says so in 0x10/0x14; xbt has no floppy
 * controller, so SeaBIOS must not look for one), and no hard disk types
 * in 0x12/0x19/0x1B (SeaBIOS takes the geometry from ATA IDENTIFY).
 */
#include <string.h>

#include "pcfw.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static void le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* QEMU's boot_device2nibble: a floppy 1, hard disk 2, CD-ROM 3, network 4. */
static uint8_t boot_nibble(char c)
{
    switch (c) {
    case 'a': return 0x01;
    case 'c': return 0x02;
    case 'd': return 0x03;
    case 'n': return 0x04;
    default: return 0;
    }
}

static int put(struct pcfw_cmos_byte *out, int n, unsigned index, unsigned value)
{
    out[n].index = (uint8_t)index;
    out[n].value = (uint8_t)value;
    return n + 1;
}

/* A 16-bit value at lo, lo + 1. */
static int put16(struct pcfw_cmos_byte *out, int n, unsigned lo, uint32_t v)
{
    n = put(out, n, lo, v & 0xFF);
    return put(out, n, lo + 1, (v >> 8) & 0xFF);
}

int pcfw_cmos(const struct pcfw_config *c, struct pcfw_cmos_byte *out)
{
    int n = 0;
    uint64_t ram = c->ram_size;
    uint32_t base = ram / KIB < 640 ? (uint32_t)(ram / KIB) : 640;
    uint64_t ext = ram > MIB ? (ram - MIB) / KIB : 0;
    uint64_t high = ram > 16 * MIB ? (ram - 16 * MIB) / (64 * KIB) : 0;
    n = put16(out, n, 0x15, base);
    n = put16(out, n, 0x17, ext > 0xFFFF ? 0xFFFF : (uint32_t)ext);
    n = put16(out, n, 0x30, ext > 0xFFFF ? 0xFFFF : (uint32_t)ext);
    n = put16(out, n, 0x34, high > 0xFFFF ? 0xFFFF : (uint32_t)high);
    n = put(out, n, 0x5B, 0); /* above 4 GiB, 64 KiB units: none */
    n = put(out, n, 0x5C, 0);
    n = put(out, n, 0x5D, 0);
    n = put(out, n, 0x5F, (c->ncpus ? c->ncpus : 1) - 1);
    n = put(out, n, 0x10, 0x00);        /* no floppy drives */
    n = put(out, n, 0x14, 0x02 | 0x04); /* FPU, PS/2 mouse */
    const char *b = c->boot ? c->boot : "cad";
    size_t len = strlen(b);
    uint8_t d0 = len > 0 ? boot_nibble(b[0]) : 0, d1 = len > 1 ? boot_nibble(b[1]) : 0;
    uint8_t d2 = len > 2 ? boot_nibble(b[2]) : 0;
    n = put(out, n, 0x3D, (unsigned)(d1 << 4 | d0));
    n = put(out, n, 0x38, (unsigned)(d2 << 4)); /* bit 0 clear: check the floppy signature */
    return n;
}

uint32_t pcfw_e820(const struct pcfw_config *c, uint8_t *buf, uint32_t max)
{
    uint8_t e[PCFW_E820_ENTRY];
    le(e, 0, 8);
    le(e + 8, c->ram_size, 8);
    le(e + 16, PCFW_E820_RAM, 4);
    memcpy(buf, e, max < sizeof(e) ? max : sizeof(e));
    return PCFW_E820_ENTRY;
}
