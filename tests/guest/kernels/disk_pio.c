/*
 * disk_pio.c - the ATA primary master by PIO: soft reset and signature,
 * the absent slave, IDENTIFY DEVICE (fields xbt and QEMU agree on; the
 * model string only by its last word, since xbt's drive is "XBT HARDDISK"
 * and QEMU's "QEMU HARDDISK"), SET FEATURES transfer modes, READ SECTORS
 * by LBA28, CHS and LBA48 with the registers left behind, 16- and 32-bit
 * data transfers, one IRQ14 per DRQ block and the interrupt staying
 * pending until the status register (not the alternate status) is read,
 * nIEN, READ/WRITE MULTIPLE, WRITE SECTORS (EXT) read back, FLUSH CACHE,
 * HOB register reads, and the error cases (unknown command, out-of-range
 * LBA, IDENTIFY PACKET DEVICE on a disk).  Runs on a fresh copy of the
 * test image (disk_layout.h).
 */
#include "disk_common.h"

static uint16_t id[256];
static uint8_t buf[16 * DISK_SECTOR];
static uint8_t buf2[16 * DISK_SECTOR];

static void regs(const char *what)
{
    printf("%s: status %02x error %02x count %02x lba %02x %02x %02x device %02x\n", what,
           inb(ATA_STATUS), inb(ATA_ERROR), inb(ATA_COUNT), inb(ATA_LBA0), inb(ATA_LBA1),
           inb(ATA_LBA2), inb(ATA_DEVICE));
}

/* ATA strings: two characters per word, first in the high byte. */
static void ata_string(const uint16_t *w, unsigned words, char *out)
{
    for (unsigned i = 0; i < words; i++) {
        out[2 * i] = (char)(w[i] >> 8);
        out[2 * i + 1] = (char)w[i];
    }
    unsigned n = 2 * words;
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = 0;
}

static uint8_t identify(void)
{
    ata_cmd28(0xEC, 0, 0);
    return ata_pio_in(id, 256);
}

static void set_features(uint8_t feature, uint8_t count)
{
    ata_wait();
    outb(ATA_FEATURE, feature);
    outb(ATA_COUNT, count);
    outb(ATA_COMMAND, 0xEF);
    uint8_t s = ata_wait();
    printf("SET FEATURES %02x %02x: status %02x\n", feature, count, (unsigned)s);
}

static void check_sectors(const char *what, uint32_t lba, unsigned n, const void *data)
{
    printf("%s: fnv %08x, pattern mismatches %u\n", what, (unsigned)fnv1a(data, n * DISK_SECTOR),
           (unsigned)pattern_diffs(data, lba, 0, n * DISK_SECTOR));
}

static void test_identify(void)
{
    uint8_t s = identify();
    printf("IDENTIFY: DRQ status %02x, after the data %02x\n", s, inb(ATA_STATUS));
    char model[41], serial[21], fw[9];
    ata_string(id + 27, 20, model);
    ata_string(id + 10, 10, serial);
    ata_string(id + 23, 4, fw);
    size_t ml = strlen(model);
    printf("  word 0 %04x (ATA device)\n", id[0]);
    printf("  model ends in HARDDISK: %s\n",
           ml >= 8 && !memcmp(model + ml - 8, "HARDDISK", 8) ? "yes" : "no");
    printf("  serial and firmware present: %s\n", serial[0] && fw[0] ? "yes" : "no");
    printf("  capabilities (w49) DMA %u LBA %u\n", (id[49] >> 8) & 1, (id[49] >> 9) & 1);
    printf("  LBA28 sectors (w60-61) %u\n", (unsigned)(id[60] | (uint32_t)id[61] << 16));
    printf("  LBA48 supported (w83 bit 10) %u enabled (w86 bit 10) %u\n", (id[83] >> 10) & 1,
           (id[86] >> 10) & 1);
    printf("  LBA48 sectors (w100-103) %04x %04x %04x %04x\n", id[100], id[101], id[102],
           id[103]);
    printf("  multiword DMA supported (w63) %02x, UDMA supported (w88) %02x, w53 %04x\n",
           id[63] & 0xFF, id[88] & 0xFF, id[53]);
    printf("  max sectors per DRQ block (w47) %u\n", id[47] & 0xFF);
    printf("  CHS heads %u sectors/track %u\n", id[3], id[6]);
}

static void test_modes(void)
{
    set_features(0x03, 0x42);   /* UDMA mode 2 */
    identify();
    printf("  after UDMA2: w63 %04x w88 %04x\n", id[63], id[88]);
    set_features(0x03, 0x22);   /* multiword DMA mode 2 */
    identify();
    printf("  after MDMA2: w63 %04x w88 %04x\n", id[63], id[88]);
    set_features(0x03, 0x0C);   /* PIO mode 4 */
    identify();
    printf("  after PIO4: w63 %04x w88 %04x\n", id[63], id[88]);
}

static void test_reads(void)
{
    uint8_t s = ata_read(0, 1, buf);
    printf("READ SECTORS lba 0: status %02x\n", s);
    check_sectors("  sector 0", 0, 1, buf);

    /* four sectors, one IRQ each (the handler reads the status register) */
    unsigned before = ata_irqs;
    s = ata_read(100, 4, buf);
    ata_wait_irqs(before + 4);
    printf("READ SECTORS lba 100 x4: status %02x, IRQs %u\n", s, ata_irqs_since(before));
    check_sectors("  sectors 100-103", 100, 4, buf);
    regs("  registers after");

    /* CHS: cylinder 0, head 1, sector 3 = LBA 63 + 2 with 63 sectors/track */
    ata_wait();
    outb(ATA_DEVICE, 0xA1);
    outb(ATA_COUNT, 2);
    outb(ATA_LBA0, 3);
    outb(ATA_LBA1, 0);
    outb(ATA_LBA2, 0);
    outb(ATA_COMMAND, 0x20);
    ata_pio_in((uint16_t *)buf, 256);
    s = ata_pio_in((uint16_t *)buf + 256, 256);
    printf("READ SECTORS CHS 0/1/3 x2: DRQ status %02x, end %02x\n", s, ata_wait());
    check_sectors("  sectors 65-66", 65, 2, buf);
    regs("  registers after");

    /* 32-bit data port */
    ata_cmd28(0x20, 200, 1);
    ata_wait();
    for (unsigned i = 0; i < 128; i++)
        ((uint32_t *)buf)[i] = inl(ATA_DATA);
    printf("READ SECTORS lba 200 by dwords: status %02x\n", ata_wait());
    check_sectors("  sector 200", 200, 1, buf);

    /* LBA48 */
    ata_cmd48(0x24, 4093, 3);
    for (unsigned k = 0; k < 3; k++)
        ata_pio_in((uint16_t *)buf + 256 * k, 256);
    printf("READ SECTORS EXT lba 4093 x3: status %02x\n", ata_wait());
    check_sectors("  sectors 4093-4095", 4093, 3, buf);
    outb(ATA_CTL, CTL_HOB);
    printf("  HOB: count %02x lba %02x %02x %02x\n", inb(ATA_COUNT), inb(ATA_LBA0),
           inb(ATA_LBA1), inb(ATA_LBA2));
    outb(ATA_CTL, 0);
    regs("  registers after");
}

static void test_irq_pending(void)
{
    /* the handler reads only the alternate status: the line stays high, so
     * the next sectors' requests make no new edge */
    ata_irq_alt_only(true);
    unsigned before = ata_irqs;
    ata_read(300, 3, buf);
    ata_wait_irqs(before + 1);
    printf("alternate status only: IRQs for 3 sectors %u\n", ata_irqs_since(before));
    ata_irq_alt_only(false);
    (void)inb(ATA_STATUS);

    /* nIEN: no interrupt at all */
    outb(ATA_CTL, CTL_NIEN);
    before = ata_irqs;
    uint8_t s = ata_read(300, 2, buf);
    printf("nIEN: status %02x, IRQs %u\n", s, ata_irqs_since(before));
    outb(ATA_CTL, 0);
    (void)inb(ATA_STATUS);
}

static void test_multiple(void)
{
    ata_wait();
    outb(ATA_COUNT, 4);
    outb(ATA_COMMAND, 0xC6);   /* SET MULTIPLE MODE: 4 sectors per block */
    printf("SET MULTIPLE MODE 4: status %02x\n", ata_wait());
    unsigned before = ata_irqs;
    ata_cmd28(0xC4, 400, 8);   /* READ MULTIPLE */
    uint8_t s1 = ata_pio_in((uint16_t *)buf, 4 * 256);
    uint8_t s2 = ata_pio_in((uint16_t *)buf + 4 * 256, 4 * 256);
    ata_wait_irqs(before + 2);
    printf("READ MULTIPLE lba 400 x8: DRQ status %02x %02x, end %02x, IRQs %u\n", s1, s2,
           ata_wait(), ata_irqs_since(before));
    check_sectors("  sectors 400-407", 400, 8, buf);

    for (unsigned i = 0; i < 8 * DISK_SECTOR; i++)
        buf2[i] = (uint8_t)(i * 3 + 1);
    before = ata_irqs;
    ata_cmd28(0xC5, 1500, 8);  /* WRITE MULTIPLE */
    s1 = ata_pio_out((uint16_t *)buf2, 4 * 256);
    s2 = ata_pio_out((uint16_t *)buf2 + 4 * 256, 4 * 256);
    ata_wait_irqs(before + 2);
    uint8_t s3 = ata_wait();
    printf("WRITE MULTIPLE lba 1500 x8: DRQ status %02x %02x, end %02x, IRQs %u\n", s1, s2,
           s3, ata_irqs_since(before));
    ata_read(1500, 8, buf);
    printf("  read back: %s\n", memcmp(buf, buf2, 8 * DISK_SECTOR) ? "DIFFERENT" : "same");
}

static void test_writes(void)
{
    for (unsigned i = 0; i < 2 * DISK_SECTOR; i++)
        buf2[i] = (uint8_t)(0xA5 ^ i ^ (i >> 8));
    unsigned before = ata_irqs;
    uint8_t s = ata_write(2000, 2, buf2);
    ata_wait_irqs(before + 2);
    printf("WRITE SECTORS lba 2000 x2: status %02x, IRQs %u\n", s, ata_irqs_since(before));
    memset(buf, 0, 2 * DISK_SECTOR);
    s = ata_read(2000, 2, buf);
    printf("  read back: status %02x, %s, fnv %08x\n", s,
           memcmp(buf, buf2, 2 * DISK_SECTOR) ? "DIFFERENT" : "same",
           (unsigned)fnv1a(buf, 2 * DISK_SECTOR));
    s = ata_read(1999, 1, buf);
    check_sectors("  neighbour 1999 untouched", 1999, 1, buf);
    s = ata_read(2002, 1, buf);
    check_sectors("  neighbour 2002 untouched", 2002, 1, buf);

    ata_cmd48(0x34, 3000, 1);  /* WRITE SECTORS EXT */
    ata_pio_out((uint16_t *)buf2, 256);
    printf("WRITE SECTORS EXT lba 3000: status %02x\n", ata_wait());
    ata_cmd48(0x24, 3000, 1);
    ata_pio_in((uint16_t *)buf, 256);
    printf("  read back: %s\n", memcmp(buf, buf2, DISK_SECTOR) ? "DIFFERENT" : "same");

    ata_cmd28(0xE7, 0, 0);
    printf("FLUSH CACHE: status %02x\n", ata_wait());
}

static void test_errors(void)
{
    ata_cmd28(0x20, DISK_SECTORS, 1);
    uint8_t s = ata_wait();
    printf("READ SECTORS past the end: status %02x error %02x\n", s, inb(ATA_ERROR));
    ata_cmd28(0x20, DISK_SECTORS - 1, 2);
    s = ata_pio_in((uint16_t *)buf, 256);
    printf("READ SECTORS over the end: first block status %02x\n", s);
    s = ata_wait();
    printf("  then status %02x error %02x\n", s, inb(ATA_ERROR));
    check_sectors("  last sector", DISK_SECTORS - 1, 1, buf);
    ata_cmd48(0x24, 0x100000000ull, 1);
    s = ata_wait();
    printf("READ SECTORS EXT lba 2^32: status %02x error %02x\n", s, inb(ATA_ERROR));
    ata_cmd28(0x77, 0, 0);
    s = ata_wait();
    printf("unknown command 77: status %02x error %02x\n", s, inb(ATA_ERROR));
    ata_cmd28(0xA1, 0, 0);
    s = ata_wait();
    printf("IDENTIFY PACKET DEVICE: status %02x error %02x\n", s, inb(ATA_ERROR));
    ata_wait();
    outb(ATA_DEVICE, 0xAF);
    outb(ATA_COUNT, 63);
    outb(ATA_COMMAND, 0x91);
    s = ata_wait();
    printf("INITIALIZE DEVICE PARAMETERS 16/63: status %02x\n", s);
    s = ata_read(5, 1, buf);
    printf("READ SECTORS after an error: status %02x error %02x\n", s, inb(ATA_ERROR));
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    ata_irq_init();
    /* no interrupt is expected from a soft reset (QEMU raises one, so
     * nIEN is set around it here) */
    unsigned before = ata_irqs;
    ata_srst(true);
    regs("after soft reset");
    printf("IRQs from the reset: %u\n", ata_irqs_since(before));
    outb(ATA_CTL, 0);
    printf("alternate status %02x\n", inb(ATA_CTL));

    outb(ATA_DEVICE, 0xB0);
    printf("slave selected: status %02x alternate %02x error %02x count %02x\n",
           inb(ATA_STATUS), inb(ATA_CTL), inb(ATA_ERROR), inb(ATA_COUNT));
    outb(ATA_DEVICE, 0xA0);

    test_identify();
    test_modes();

    /* register file: two writes each, HOB reads the older */
    outb(ATA_COUNT, 0x12);
    outb(ATA_LBA0, 0x34);
    outb(ATA_LBA1, 0x56);
    outb(ATA_LBA2, 0x78);
    outb(ATA_COUNT, 0x9A);
    outb(ATA_LBA0, 0xBC);
    outb(ATA_LBA1, 0xDE);
    outb(ATA_LBA2, 0xF0);
    printf("registers: count %02x lba %02x %02x %02x\n", inb(ATA_COUNT), inb(ATA_LBA0),
           inb(ATA_LBA1), inb(ATA_LBA2));
    outb(ATA_CTL, CTL_HOB);
    printf("  with HOB: count %02x lba %02x %02x %02x\n", inb(ATA_COUNT), inb(ATA_LBA0),
           inb(ATA_LBA1), inb(ATA_LBA2));
    outb(ATA_CTL, 0);

    test_reads();
    test_irq_pending();
    test_multiple();
    test_writes();
    test_errors();
    return 0;
}
