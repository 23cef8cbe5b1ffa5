/*
 * disk_dma.c - bus-master IDE DMA on the PIIX IDE function: finds it by a
 * PCI scan, assigns BAR4 if the firmware left it empty and enables bus
 * mastering, checks the bus-master registers, then READ DMA with one PRD,
 * with the start bit set before or after the command, a scatter list of
 * three PRDs (one crossing a page boundary, the gaps untouched), a 64 KiB
 * PRD (byte count 0), PRD tables longer and shorter than the transfer (the
 * active/interrupt combinations of the bus-master status), WRITE DMA read
 * back by PIO, the EXT forms, an out-of-range LBA, and DMA with nIEN.
 * Runs on a fresh copy of the test image (disk_layout.h).
 */
#include "disk_common.h"

static uint8_t big[80 * 1024] __attribute__((aligned(4096)));
static uint8_t src[4 * DISK_SECTOR] __attribute__((aligned(4)));
static struct prd prdt[8] __attribute__((aligned(64)));

#define FILL 0xEE

static uint32_t untouched(const uint8_t *p, uint32_t n)
{
    uint32_t bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad += p[i] != FILL;
    return bad;
}

/* Runs one DMA command and waits for its interrupt; prints the outcome. */
static void dma(uint16_t bm, const char *what, uint8_t cmd, uint32_t lba, uint8_t count)
{
    unsigned before = ata_irqs;
    bm_dma28(bm, cmd, lba, count, prdt);
    ata_wait_irqs(before + 1);
    uint8_t bs = inb(bm + BM_STATUS);
    printf("%s: IRQs %u, BM status %02x, status %02x error %02x\n", what,
           ata_irqs_since(before), bs, inb(ATA_CTL), inb(ATA_ERROR));
    bm_stop(bm);
}

static void pci_part(uint16_t *bmp)
{
    unsigned dev, fn;
    if (!pci_find_class(0x01, 0x01, &dev, &fn)) {
        printf("no IDE controller\n");
        return;
    }
    uint32_t id = pci_read32(dev, fn, 0);
    uint32_t cls = pci_read32(dev, fn, 8);
    printf("IDE controller %02x:%02x.%u: %04x:%04x class %06x rev %02x header %02x\n", 0, dev, fn,
           (unsigned)(id & 0xFFFF), (unsigned)(id >> 16), (unsigned)(cls >> 8),
           (unsigned)(cls & 0xFF), pci_read8(dev, fn, 0x0E));
    uint16_t bm = bm_init();
    uint32_t bar4 = pci_read32(dev, fn, 0x20);
    printf("BAR4: I/O %u, assigned %s; command bits I/O and bus master: %x\n",
           (unsigned)(bar4 & 1), bm ? "yes" : "no", pci_read16(dev, fn, 4) & 5);
    printf("bus master: command %02x status %02x\n", inb(bm + BM_CMD) & 0x09,
           inb(bm + BM_STATUS) & 0x07);
    outb(bm + BM_STATUS, 0x60);
    printf("  drive DMA-capable bits: wrote 60, read %02x\n", inb(bm + BM_STATUS) & 0x60);
    outb(bm + BM_STATUS, 0x20);
    outl(bm + BM_PRDT, 0x12345677);
    printf("  PRD table address: wrote 12345677, read %08x\n", (unsigned)inl(bm + BM_PRDT));
    outb(bm + BM_CMD, 0x09 | 0xF0);
    printf("  command: wrote f9, read %02x\n", inb(bm + BM_CMD));
    outb(bm + BM_CMD, 0);
    printf("  status after start/stop: %02x\n", inb(bm + BM_STATUS));
    *bmp = bm;
}

static void reads(uint16_t bm)
{
    memset(big, FILL, sizeof(big));
    prdt[0] = (struct prd){(uint32_t)big, 8 * DISK_SECTOR | PRD_EOT};
    dma(bm, "READ DMA lba 16 x8, one PRD", 0xC8, 16, 8);
    printf("  pattern mismatches %u, beyond the PRD untouched %s\n",
           (unsigned)pattern_diffs(big, 16, 0, 8 * DISK_SECTOR),
           untouched(big + 8 * DISK_SECTOR, 4096) ? "no" : "yes");

    /* start bit first, then the command */
    memset(big, FILL, 4096);
    unsigned before = ata_irqs;
    outl(bm + BM_PRDT, (uint32_t)prdt);
    outb(bm + BM_STATUS, inb(bm + BM_STATUS) | BM_INTR | BM_ERROR);
    outb(bm + BM_CMD, BM_READ | BM_START);
    printf("start before the command: BM status %02x\n", inb(bm + BM_STATUS));
    ata_cmd28(0xC8, 24, 8);
    ata_wait_irqs(before + 1);
    printf("  IRQs %u, BM status %02x, status %02x, pattern mismatches %u\n",
           ata_irqs_since(before), inb(bm + BM_STATUS), inb(ATA_CTL),
           (unsigned)pattern_diffs(big, 24, 0, 8 * DISK_SECTOR));
    bm_stop(bm);

    /* scatter list: 1000 bytes, 6000 bytes across a page boundary, rest */
    memset(big, FILL, sizeof(big));
    prdt[0] = (struct prd){(uint32_t)big, 1000};
    prdt[1] = (struct prd){(uint32_t)big + 0x1F00, 6000};
    prdt[2] = (struct prd){(uint32_t)big + 0x4000, (24 * DISK_SECTOR - 7000) | PRD_EOT};
    dma(bm, "READ DMA lba 100 x24, three PRDs", 0xC8, 100, 24);
    printf("  PRD 0 mismatches %u, PRD 1 %u, PRD 2 %u\n",
           (unsigned)pattern_diffs(big, 100, 0, 1000),
           (unsigned)pattern_diffs(big + 0x1F00, 100, 1000, 6000),
           (unsigned)pattern_diffs(big + 0x4000, 100, 7000, 24 * DISK_SECTOR - 7000));
    printf("  gaps untouched: %s\n",
           untouched(big + 1000, 0x1F00 - 1000) + untouched(big + 0x1F00 + 6000, 0x4000 - 0x1F00 - 6000) +
                   untouched(big + 0x4000 + 24 * DISK_SECTOR - 7000, 4096) ? "no" : "yes");

    /* byte count 0 = 64 KiB */
    memset(big, FILL, sizeof(big));
    prdt[0] = (struct prd){(uint32_t)big, 0 | PRD_EOT};
    dma(bm, "READ DMA lba 1024 x128, one 64 KiB PRD", 0xC8, 1024, 128);
    printf("  pattern mismatches %u, fnv %08x\n",
           (unsigned)pattern_diffs(big, 1024, 0, 65536), (unsigned)fnv1a(big, 65536));

    /* PRD table larger than the transfer: active stays set */
    prdt[0] = (struct prd){(uint32_t)big, 4096 | PRD_EOT};
    dma(bm, "READ DMA x1 with a 4 KiB PRD", 0xC8, 7, 1);
    printf("  BM status after stop %02x\n", inb(bm + BM_STATUS));

    /* PRD table smaller than the transfer: no interrupt, active cleared */
    memset(big, FILL, 4096);
    prdt[0] = (struct prd){(uint32_t)big, 512 | PRD_EOT};
    before = ata_irqs;
    bm_dma28(bm, 0xC8, 40, 2, prdt);
    uint8_t bs = bm_wait(bm);
    printf("READ DMA x2 with a 512-byte PRD: BM status %02x, IRQs %u, status %02x\n", bs,
           ata_irqs_since(before), inb(ATA_CTL));
    printf("  buffer untouched: %s\n", untouched(big, 4096) ? "no" : "yes");
    bm_stop(bm);
    (void)inb(ATA_STATUS);
}

static void writes(uint16_t bm)
{
    for (unsigned i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 7 + (i >> 9));
    prdt[0] = (struct prd){(uint32_t)src, 1536};
    prdt[1] = (struct prd){(uint32_t)src + 1536, 512 | PRD_EOT};
    dma(bm, "WRITE DMA lba 3000 x4, two PRDs", 0xCA, 3000, 4);
    memset(big, 0, 4 * DISK_SECTOR);
    uint8_t s = ata_read(3000, 4, big);
    printf("  PIO read back: status %02x, %s\n", s,
           memcmp(big, src, sizeof(src)) ? "DIFFERENT" : "same");
    s = ata_read(3004, 1, big);
    printf("  next sector untouched: mismatches %u\n",
           (unsigned)pattern_diffs(big, 3004, 0, DISK_SECTOR));

    /* EXT forms */
    unsigned before = ata_irqs;
    prdt[0] = (struct prd){(uint32_t)src, 2 * DISK_SECTOR | PRD_EOT};
    outb(bm + BM_CMD, 0);
    outl(bm + BM_PRDT, (uint32_t)prdt);
    outb(bm + BM_STATUS, inb(bm + BM_STATUS) | BM_INTR);
    ata_cmd48(0x35, 3100, 2);
    outb(bm + BM_CMD, BM_START);
    ata_wait_irqs(before + 1);
    printf("WRITE DMA EXT lba 3100 x2: BM status %02x, status %02x\n", inb(bm + BM_STATUS),
           inb(ATA_STATUS));
    bm_stop(bm);
    memset(big, FILL, 4096);
    prdt[0] = (struct prd){(uint32_t)big, 2 * DISK_SECTOR | PRD_EOT};
    before = ata_irqs;
    outl(bm + BM_PRDT, (uint32_t)prdt);
    outb(bm + BM_STATUS, inb(bm + BM_STATUS) | BM_INTR);
    ata_cmd48(0x25, 3100, 2);
    outb(bm + BM_CMD, BM_READ | BM_START);
    ata_wait_irqs(before + 1);
    printf("READ DMA EXT lba 3100 x2: BM status %02x, status %02x, %s\n", inb(bm + BM_STATUS),
           inb(ATA_STATUS), memcmp(big, src, 2 * DISK_SECTOR) ? "DIFFERENT" : "same");
    bm_stop(bm);
}

static void errors(uint16_t bm)
{
    memset(big, FILL, 4096);
    prdt[0] = (struct prd){(uint32_t)big, 1024 | PRD_EOT};
    dma(bm, "READ DMA over the end", 0xC8, DISK_SECTORS - 1, 2);
    printf("  buffer untouched: %s\n", untouched(big, 4096) ? "no" : "yes");

    /* nIEN: no IRQ; completion seen in the bus-master status */
    outb(ATA_CTL, CTL_NIEN);
    prdt[0] = (struct prd){(uint32_t)big, 2 * DISK_SECTOR | PRD_EOT};
    unsigned before = ata_irqs;
    bm_dma28(bm, 0xC8, 50, 2, prdt);
    for (int i = 0; i < 1000000 && (ata_wait(), !(inb(ATA_CTL) & ST_DRDY)); i++)
        ;
    while (inb(bm + BM_STATUS) & BM_ACTIVE)
        ;
    printf("READ DMA with nIEN: IRQs %u, BM status %02x, status %02x, mismatches %u\n",
           ata_irqs_since(before), inb(bm + BM_STATUS), inb(ATA_STATUS),
           (unsigned)pattern_diffs(big, 50, 0, 2 * DISK_SECTOR));
    bm_stop(bm);
    outb(ATA_CTL, 0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    ata_irq_init();
    uint16_t bm = 0;
    pci_part(&bm);
    if (!bm)
        return 1;
    ata_srst(true);
    outb(ATA_CTL, 0);
    reads(bm);
    writes(bm);
    errors(bm);
    return 0;
}
