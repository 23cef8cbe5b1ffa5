/*
 * disk_common.c - PCI, ATA PIO, IRQ14 and bus-master helpers of the disk_*
 * guest tests (see disk_common.h).
 */
#include "disk_common.h"
#include "pc_common.h"

/* Polling bound, in wall time: QEMU finishes I/O in another thread, which
 * a loaded host held up for more than 50 M spins (a CI run); a lost
 * completion still ends the test within seconds.  The RTC's seconds
 * register is read every SPIN_CHECK spins and must change WAIT_SECONDS
 * times. */
#define WAIT_SECONDS 5u
#define SPIN_CHECK 65536u

struct spin {
    uint32_t n;
    uint8_t sec;
    unsigned changes;
};

static struct spin spin_start(void)
{
    return (struct spin){ 0, cmos_read(0x00), 0 };
}

/* One spin of a poll; true once the bound has passed. */
static bool spin_expired(struct spin *s)
{
    __asm__ volatile("pause");
    if (++s->n % SPIN_CHECK)
        return false;
    uint8_t sec = cmos_read(0x00);
    if (sec != s->sec) {
        s->sec = sec;
        s->changes++;
    }
    return s->changes >= WAIT_SECONDS;
}
/* Time for an interrupt that should not come to show up anyway. */
#define SETTLE_SPINS 200000u

uint32_t pci_read32(unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_ADDR, pci_addr(dev, fn, off));
    return inl(PCI_DATA);
}

uint16_t pci_read16(unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_ADDR, pci_addr(dev, fn, off));
    return inw(PCI_DATA + (off & 2));
}

uint8_t pci_read8(unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_ADDR, pci_addr(dev, fn, off));
    return inb(PCI_DATA + (off & 3));
}

void pci_write32(unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
    outl(PCI_ADDR, pci_addr(dev, fn, off));
    outl(PCI_DATA, v);
}

void pci_write16(unsigned dev, unsigned fn, unsigned off, uint16_t v)
{
    outl(PCI_ADDR, pci_addr(dev, fn, off));
    outw(PCI_DATA + (off & 2), v);
}

bool pci_find_class(uint8_t cls, uint8_t sub, unsigned *dev, unsigned *fn)
{
    for (unsigned d = 0; d < 32; d++) {
        if (pci_read16(d, 0, 0) == 0xFFFF)
            continue;
        unsigned nfn = (pci_read8(d, 0, 0x0E) & 0x80) ? 8 : 1;
        for (unsigned f = 0; f < nfn; f++) {
            if (pci_read16(d, f, 0) == 0xFFFF)
                continue;
            if (pci_read8(d, f, 0x0B) == cls && pci_read8(d, f, 0x0A) == sub) {
                *dev = d;
                *fn = f;
                return true;
            }
        }
    }
    return false;
}

uint8_t ata_wait(void)
{
    for (struct spin t = spin_start(); !spin_expired(&t);) {
        uint8_t s = inb(ATA_CTL);
        if (!(s & ST_BSY))
            return s;
    }
    printf("timeout waiting for BSY to clear\n");
    return 0xFF;
}

void ata_srst(bool nien)
{
    uint8_t ctl = nien ? CTL_NIEN : 0;
    outb(ATA_DEVICE, 0xA0);
    outb(ATA_CTL, ctl | CTL_SRST);
    for (volatile int i = 0; i < 100; i++)
        ;
    outb(ATA_CTL, ctl);
    ata_wait();
}

void ata_cmd28(uint8_t cmd, uint32_t lba, uint8_t count)
{
    ata_wait();
    outb(ATA_DEVICE, 0xE0 | ((lba >> 24) & 0x0F));
    outb(ATA_COUNT, count);
    outb(ATA_LBA0, lba & 0xFF);
    outb(ATA_LBA1, (lba >> 8) & 0xFF);
    outb(ATA_LBA2, (lba >> 16) & 0xFF);
    outb(ATA_COMMAND, cmd);
}

void ata_cmd48(uint8_t cmd, uint64_t lba, uint16_t count)
{
    ata_wait();
    outb(ATA_DEVICE, 0xE0);
    outb(ATA_COUNT, count >> 8);
    outb(ATA_LBA0, (lba >> 24) & 0xFF);
    outb(ATA_LBA1, (lba >> 32) & 0xFF);
    outb(ATA_LBA2, (lba >> 40) & 0xFF);
    outb(ATA_COUNT, count & 0xFF);
    outb(ATA_LBA0, lba & 0xFF);
    outb(ATA_LBA1, (lba >> 8) & 0xFF);
    outb(ATA_LBA2, (lba >> 16) & 0xFF);
    outb(ATA_COMMAND, cmd);
}

uint8_t ata_pio_in(uint16_t *buf, unsigned words)
{
    uint8_t s = ata_wait();
    if (s & ST_DRQ)
        for (unsigned i = 0; i < words; i++)
            buf[i] = inw(ATA_DATA);
    return s;
}

uint8_t ata_pio_out(const uint16_t *buf, unsigned words)
{
    uint8_t s = ata_wait();
    if (s & ST_DRQ)
        for (unsigned i = 0; i < words; i++)
            outw(ATA_DATA, buf[i]);
    return s;
}

uint8_t ata_read(uint32_t lba, uint8_t count, void *buf)
{
    unsigned n = count ? count : 256;
    ata_cmd28(0x20, lba, count);
    for (unsigned k = 0; k < n; k++) {
        uint8_t s = ata_pio_in((uint16_t *)buf + k * 256, 256);
        if (!(s & ST_DRQ) || (s & ST_ERR))
            return s;
    }
    return ata_wait();
}

uint8_t ata_write(uint32_t lba, uint8_t count, const void *buf)
{
    unsigned n = count ? count : 256;
    ata_cmd28(0x30, lba, count);
    for (unsigned k = 0; k < n; k++) {
        uint8_t s = ata_pio_out((const uint16_t *)buf + k * 256, 256);
        if (!(s & ST_DRQ) || (s & ST_ERR))
            return s;
    }
    return ata_wait();
}

volatile unsigned ata_irqs;
static volatile bool irq_alt_only;

static void on_irq14(struct isr_frame *f)
{
    (void)f;
    ata_irqs++;
    if (irq_alt_only)
        (void)inb(ATA_CTL);
    else
        (void)inb(ATA_STATUS);
    pic_eoi(14);
}

void ata_irq_init(void)
{
    idt_init();
    isr_register(PIC_SLAVE_BASE + 6, on_irq14);
    pic_remap(0xFB, 0xBF);   /* IRQ2 (cascade) and IRQ14 */
    sti();
}

void ata_irq_alt_only(bool alt_only)
{
    irq_alt_only = alt_only;
}

bool ata_wait_irqs(unsigned n)
{
    for (struct spin t = spin_start(); !spin_expired(&t);)
        if (ata_irqs >= n)
            return true;
    printf("timeout waiting for IRQ14 (%u of %u)\n", ata_irqs, n);
    return false;
}

unsigned ata_irqs_since(unsigned before)
{
    for (volatile uint32_t i = 0; i < SETTLE_SPINS; i++)
        ;
    return ata_irqs - before;
}

uint16_t bm_init(void)
{
    unsigned dev, fn;
    if (!pci_find_class(0x01, 0x01, &dev, &fn))
        return 0;
    uint32_t bar4 = pci_read32(dev, fn, 0x20);
    if ((bar4 & ~3u) == 0) {
        pci_write32(dev, fn, 0x20, 0xC000);
        bar4 = pci_read32(dev, fn, 0x20);
    }
    pci_write16(dev, fn, 0x04, pci_read16(dev, fn, 0x04) | 0x0005);
    return (uint16_t)(bar4 & 0xFFFC);
}

void bm_dma28(uint16_t bm, uint8_t cmd, uint32_t lba, uint8_t count,
              const struct prd *prdt)
{
    bool to_memory = cmd == 0xC8 || cmd == 0x25;
    outb(bm + BM_CMD, 0);
    outl(bm + BM_PRDT, (uint32_t)prdt);
    outb(bm + BM_STATUS, inb(bm + BM_STATUS) | BM_INTR | BM_ERROR);
    outb(bm + BM_CMD, to_memory ? BM_READ : 0);
    ata_cmd28(cmd, lba, count);
    outb(bm + BM_CMD, (to_memory ? BM_READ : 0) | BM_START);
}

uint8_t bm_wait(uint16_t bm)
{
    for (struct spin t = spin_start(); !spin_expired(&t);) {
        uint8_t s = inb(bm + BM_STATUS);
        if (!(s & BM_ACTIVE) || (s & BM_INTR))
            return s;
    }
    printf("timeout waiting for the bus master\n");
    return 0xFF;
}

void bm_stop(uint16_t bm)
{
    outb(bm + BM_CMD, inb(bm + BM_CMD) & ~BM_START);
}

uint32_t fnv1a(const void *p, uint32_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

uint32_t pattern_diffs(const void *buf, uint32_t lba, uint32_t off, uint32_t n)
{
    const uint8_t *b = buf;
    uint32_t bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = off + i;
        if (b[i] != disk_pattern(lba + pos / DISK_SECTOR, pos % DISK_SECTOR))
            bad++;
    }
    return bad;
}
