/*
 * board.c - the board as firmware and QEMU-aware kernels see it, compared
 * with QEMU's -machine pc (after its SeaBIOS ran, under -kernel):
 *   - fw_cfg at 0x510/0x511: the "QEMU" signature, the ID, the CPU counts,
 *     the RAM size, unknown keys and bytes past the end reading 0, a
 *     selector write starting over, the file directory (sorted, big
 *     endian) and the files both boards have (etc/e820, etc/boot-fail-wait),
 *     and the DMA interface (signature, a read through a control
 *     structure, the control word written back);
 *   - PCI 00:00.0 (i440FX: identity, SMRAM, the BIOS segments' PAM) and
 *     00:01.0 (PIIX3: identity, PIRQ routing), the ELCR at 0x4D0/0x4D1;
 *   - port 0x92 and the keyboard controller's output port (A20 on);
 *   - the CMOS bytes QEMU sets (memory sizes, equipment, boot order).
 * Only what is deterministic and the same on both is printed: not the
 * option ROMs QEMU adds (genroms/), not the files xbt adds
 * (etc/sercon-port), not NOGRAPHIC (QEMU's -display none says 0).  Then
 * the PAM at work: the write-protected F segment drops a write, the
 * read/write 0xE8000 segment keeps one, code there written through the
 * segment mapped read-ROM/write-DRAM runs once it is DRAM again (no stale
 * translation); and the reset vector in the BIOS flash at the top of
 * 4 GiB (xbt runs this with --bios and the SeaBIOS image QEMU uses).
 */
#include <stdbool.h>
#include <string.h>

#include "disk_common.h"

#define FW_SEL 0x510
#define FW_DATA 0x511
#define FW_DMA 0x514

static void fw_select(uint16_t key)
{
    outw(FW_SEL, key);
}

static void fw_read(void *buf, unsigned n)
{
    uint8_t *b = buf;
    for (unsigned i = 0; i < n; i++)
        b[i] = inb(FW_DATA);
}

static uint32_t fw_u32(uint16_t key)
{
    uint8_t b[4];
    fw_select(key);
    fw_read(b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Finds a file in the directory: its key and size, or false. */
static bool fw_find(const char *name, uint16_t *key, uint32_t *size)
{
    uint8_t n[4], e[64];
    fw_select(0x19);
    fw_read(n, 4);
    for (uint32_t i = 0; i < be32(n); i++) {
        fw_read(e, 64);
        if (strcmp((const char *)e + 8, name) == 0) {
            *key = (uint16_t)(e[4] << 8 | e[5]);
            *size = be32(e);
            return true;
        }
    }
    return false;
}

static void fw_cfg_items(void)
{
    char sig[5] = { 0 };
    fw_select(0x0000);
    fw_read(sig, 4);
    printf("fw_cfg signature '%s', then %02x\n", sig, inb(FW_DATA));
    fw_select(0x0000); /* a new selection starts over */
    printf("  again: %c\n", inb(FW_DATA));
    /* not NOGRAPHIC: 1 under xbt (-nographic), 0 under the tests' QEMU */
    printf("  ID %x, NB_CPUS %u, MAX_CPUS %u, RAM size %u MiB, boot menu %u\n",
           (unsigned)fw_u32(0x01), (unsigned)fw_u32(0x05) & 0xFFFF,
           (unsigned)fw_u32(0x0F) & 0xFFFF, (unsigned)(fw_u32(0x03) >> 20),
           (unsigned)fw_u32(0x0E) & 0xFFFF);
    printf("  IRQ0 override %u, legacy e820 entries %u\n", (unsigned)fw_u32(0x8002),
           (unsigned)fw_u32(0x8003));
    uint8_t z[8];
    fw_select(0x3F00);
    fw_read(z, 8);
    printf("  unknown key 3f00: %02x %02x %02x %02x (all 8 zero: %s)\n", z[0], z[1], z[2], z[3],
           !(z[0] | z[1] | z[2] | z[3] | z[4] | z[5] | z[6] | z[7]) ? "yes" : "no");

    uint8_t n[4], e[64];
    fw_select(0x19);
    fw_read(n, 4);
    bool sorted = true;
    char prev[56] = "";
    unsigned keys_ok = 1;
    for (uint32_t i = 0; i < be32(n); i++) {
        fw_read(e, 64);
        if (strcmp(prev, (const char *)e + 8) > 0)
            sorted = false;
        strcpy(prev, (const char *)e + 8);
        unsigned key = e[4] << 8 | e[5];
        if (key < 0x20 || e[6] | e[7])
            keys_ok = 0;
    }
    printf("file directory: sorted %s, keys from 0x20 and reserved 0: %s\n", sorted ? "yes" : "no",
           keys_ok ? "yes" : "no");

    uint16_t key;
    uint32_t size;
    if (fw_find("etc/e820", &key, &size)) {
        printf("etc/e820: %u bytes\n", (unsigned)size);
        fw_select(key);
        for (uint32_t off = 0; off + 20 <= size; off += 20) {
            uint8_t r[20];
            fw_read(r, 20);
            printf("  %08x%08x +%08x%08x type %u\n", (unsigned)(r[4] | r[5] << 8 | r[6] << 16 | (uint32_t)r[7] << 24),
                   (unsigned)(r[0] | r[1] << 8 | r[2] << 16 | (uint32_t)r[3] << 24),
                   (unsigned)(r[12] | r[13] << 8 | r[14] << 16 | (uint32_t)r[15] << 24),
                   (unsigned)(r[8] | r[9] << 8 | r[10] << 16 | (uint32_t)r[11] << 24), r[16]);
        }
    } else {
        printf("etc/e820: missing\n");
    }
    if (fw_find("etc/boot-fail-wait", &key, &size))
        printf("etc/boot-fail-wait: %u bytes, %08x\n", (unsigned)size, (unsigned)fw_u32(key));
    else
        printf("etc/boot-fail-wait: missing\n");
}

/* The DMA interface: a control structure reading the signature. */
static struct {
    uint8_t control[4], length[4], address[8];
} __attribute__((aligned(16))) dma;
static char dma_buf[8];

static void fw_cfg_dma(void)
{
    char sig[9] = { 0 };
    for (int i = 0; i < 8; i++)
        sig[i] = (char)inb((uint16_t)(FW_DMA + i));
    printf("DMA signature '%s'\n", sig);
    uint32_t ctl = 0x0000 << 16 | 0x08 | 0x02, len = 6, addr = (uint32_t)(uintptr_t)dma_buf;
    memset(dma_buf, 0x55, sizeof(dma_buf));
    for (int i = 0; i < 4; i++) {
        dma.control[i] = (uint8_t)(ctl >> (24 - 8 * i));
        dma.length[i] = (uint8_t)(len >> (24 - 8 * i));
        dma.address[4 + i] = (uint8_t)(addr >> (24 - 8 * i));
        dma.address[i] = 0;
    }
    uint32_t a = (uint32_t)(uintptr_t)&dma;
    outl(FW_DMA, 0);
    outl(FW_DMA + 4, __builtin_bswap32(a));
    printf("  DMA read: '%c%c%c%c' %02x %02x, next %02x, control after %08x\n", dma_buf[0],
           dma_buf[1], dma_buf[2], dma_buf[3], (uint8_t)dma_buf[4], (uint8_t)dma_buf[5],
           (uint8_t)dma_buf[6], (unsigned)be32(dma.control));
}

static void chipset(void)
{
    uint32_t id = pci_read32(0, 0, 0);
    printf("00:00.0 %04x:%04x SMRAM %02x PAM %02x %02x %02x %02x %02x %02x %02x\n",
           (unsigned)(id & 0xFFFF), (unsigned)(id >> 16), pci_read8(0, 0, 0x72),
           pci_read8(0, 0, 0x59), pci_read8(0, 0, 0x5A), pci_read8(0, 0, 0x5B),
           pci_read8(0, 0, 0x5C), pci_read8(0, 0, 0x5D), pci_read8(0, 0, 0x5E),
           pci_read8(0, 0, 0x5F));
    id = pci_read32(1, 0, 0);
    printf("00:01.0 %04x:%04x PIRQ %02x %02x %02x %02x\n", (unsigned)(id & 0xFFFF),
           (unsigned)(id >> 16), pci_read8(1, 0, 0x60), pci_read8(1, 0, 0x61),
           pci_read8(1, 0, 0x62), pci_read8(1, 0, 0x63));
    printf("ELCR %02x %02x\n", inb(0x4D0), inb(0x4D1));
    uint8_t e0 = inb(0x4D0), e1 = inb(0x4D1);
    outb(0x4D0, 0xFF);
    outb(0x4D1, 0xFF);
    printf("  after writing ff ff: %02x %02x\n", inb(0x4D0), inb(0x4D1));
    outb(0x4D0, e0);
    outb(0x4D1, e1);
    /* PIRQ routing is writable with the reserved bits 6:4 reading 0 */
    uint8_t p = pci_read8(1, 0, 0x61);
    outl(PCI_ADDR, pci_addr(1, 0, 0x60));
    outb(PCI_DATA + 1, 0xFB);
    printf("  PIRQB after writing fb: %02x\n", pci_read8(1, 0, 0x61));
    outb(PCI_DATA + 1, p);
}

static volatile uint8_t *phys(uint32_t a)
{
    __asm__("" : "+r"(a));
    return (volatile uint8_t *)(uintptr_t)a;
}

static void shadow(void)
{
    volatile uint8_t *f = phys(0xFFF00), *e = phys(0xE8010);
    uint8_t fo = *f, eo = *e, fn = (uint8_t)~fo, en = (uint8_t)~eo;
    *f = fn;
    *e = en;
    printf("write to 0xfff00 (PAM 1): %s; to 0xe8010 (PAM 3): %s\n",
           *f == fo ? "dropped" : "stored", *e == en ? "stored" : "dropped");
    *e = eo;
}

/* Code in a PAM segment: written while the segment is read/write DRAM and
 * run; then new code written with writes to DRAM (PAM 2); back to
 * read/write DRAM (PAM 3) the new code is what runs.  (What PAM 2 reads
 * is not printed: the ROM on the i440FX and under xbt, DRAM under QEMU,
 * whose pam.c maps that mode as RAM.) */
static void put_code(volatile uint8_t *p, uint32_t value)
{
    p[0] = 0xB8; /* mov eax, value; ret */
    for (int i = 0; i < 4; i++)
        p[1 + i] = (uint8_t)(value >> (8 * i));
    p[5] = 0xC3;
}

static void shadow_code(void)
{
    volatile uint8_t *code = phys(0xE8100);
    uint32_t (*fn)(void) = (uint32_t (*)(void))(uintptr_t)0xE8100;
    uint8_t pam6 = pci_read8(0, 0, 0x5F);
    put_code(code, 0x11111111);
    printf("code in DRAM at 0xe8100 returns %08x\n", (unsigned)fn());
    outl(PCI_ADDR, pci_addr(0, 0, 0x5C));
    outb(PCI_DATA + 3, (uint8_t)((pam6 & 0xF0) | 0x02)); /* E8000: read ROM, write DRAM */
    put_code(code, 0x22222222); /* reads from the ROM (xbt) or DRAM (QEMU) */
    outb(PCI_DATA + 3, pam6);
    printf("  back with PAM 3 it runs: %08x\n", (unsigned)fn());
}

/* The BIOS flash at the top of 4 GiB (xbt: --bios, the same SeaBIOS image
 * QEMU maps): the reset vector, read-only. */
static void flash(void)
{
    volatile uint8_t *v = phys(0xFFFFFFF0);
    printf("reset vector:");
    for (int i = 0; i < 16; i++)
        printf(" %02x", v[i]);
    uint8_t old = v[0];
    v[0] = (uint8_t)~old;
    printf("\n  write to it: %s\n", v[0] == old ? "dropped" : "stored");
}

static void a20(void)
{
    uint8_t v = inb(0x92);
    printf("port 92: A20 %u, reset bit %u\n", (v >> 1) & 1, v & 1);
    outb(0x92, (uint8_t)(v | 0x02));
    printf("  after setting A20 again: %02x\n", inb(0x92) & 0x03);
    while (inb(0x64) & 0x02)
        ;
    outb(0x64, 0xD0);
    unsigned spins = 0;
    while (!(inb(0x64) & 0x01) && ++spins < 1000000)
        ;
    uint8_t out = inb(0x60);
    printf("i8042 output port: A20 %u, reset line high %u\n", (out >> 1) & 1, out & 1);
}

static uint8_t cmos(uint8_t i)
{
    outb(0x70, i);
    return inb(0x71);
}

static void cmos_bytes(void)
{
    printf("CMOS base %u KiB, ext %u / %u KiB, above 16M %u x 64K, above 4G %u, CPUs-1 %u\n",
           cmos(0x15) | cmos(0x16) << 8, cmos(0x17) | cmos(0x18) << 8, cmos(0x30) | cmos(0x31) << 8,
           cmos(0x34) | cmos(0x35) << 8, cmos(0x5B) | cmos(0x5C) << 8 | cmos(0x5D) << 16,
           cmos(0x5F));
    printf("  equipment %02x, floppies %02x, boot order %02x %02x\n", cmos(0x14), cmos(0x10),
           cmos(0x3D), cmos(0x38));
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    fw_cfg_items();
    fw_cfg_dma();
    chipset();
    shadow();
    shadow_code();
    flash();
    a20();
    cmos_bytes();
    return 0;
}
