/*
 * disk_nodrive.c - the PCI configuration mechanism #1 and an IDE channel
 * without drives (no --disk): the i440FX host bridge, PIIX3 ISA bridge and
 * PIIX3 IDE functions' identity, class and header type; BAR probing (BAR4
 * I/O with 16 ports, BAR0-3 absent); writable and read-only bits of the
 * command and status registers; byte and word accesses through 0xCFC-0xCFF;
 * the enable bit; absent devices and functions; then the primary and
 * secondary ATA channels with no drive, whose registers all read 0 (as
 * QEMU's do) and which ignore commands.
 */
#include "disk_common.h"

static void probe_bar(unsigned dev, unsigned fn, unsigned off)
{
    uint32_t old = pci_read32(dev, fn, off);
    pci_write32(dev, fn, off, 0xFFFFFFFF);
    uint32_t mask = pci_read32(dev, fn, off);
    pci_write32(dev, fn, off, old);
    printf("  BAR at %02x: probe reads %08x, restored %s\n", off, (unsigned)mask,
           pci_read32(dev, fn, off) == old ? "yes" : "no");
}

static void function(const char *name, unsigned dev, unsigned fn)
{
    uint32_t id = pci_read32(dev, fn, 0), cls = pci_read32(dev, fn, 8);
    printf("%s 00:%02x.%u: %04x:%04x class %06x rev %02x header %02x pin %u\n", name, dev, fn,
           (unsigned)(id & 0xFFFF), (unsigned)(id >> 16), (unsigned)(cls >> 8),
           (unsigned)(cls & 0xFF), pci_read8(dev, fn, 0x0E), pci_read8(dev, fn, 0x3D));
}

static void channel(const char *name, uint16_t base, uint16_t ctl)
{
    printf("%s channel: status %02x alternate %02x error %02x count %02x lba %02x %02x %02x "
           "device %02x\n", name, inb(base + 7), inb(ctl), inb(base + 1), inb(base + 2),
           inb(base + 3), inb(base + 4), inb(base + 5), inb(base + 6));
    outb(base + 6, 0xE0);
    outb(base + 2, 0x55);
    outb(base + 3, 0xAA);
    outb(base + 7, 0xEC);   /* IDENTIFY: nobody answers */
    printf("  after register writes and IDENTIFY: status %02x count %02x lba0 %02x device %02x\n",
           inb(base + 7), inb(base + 2), inb(base + 3), inb(base + 6));
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    outl(PCI_ADDR, 0x80000000);
    printf("config address: wrote 80000000, read %08x\n", (unsigned)inl(PCI_ADDR));

    function("host bridge", 0, 0);
    function("ISA bridge", 1, 0);
    function("IDE", 1, 1);
    printf("absent device 00:1f.0 reads %08x, absent function 00:00.1 %08x\n",
           (unsigned)pci_read32(31, 0, 0), (unsigned)pci_read32(0, 1, 0));
    outl(PCI_ADDR, pci_addr(1, 1, 0) & 0x7FFFFFFF);
    printf("enable bit clear: data reads %08x\n", (unsigned)inl(PCI_DATA));

    outl(PCI_ADDR, pci_addr(1, 1, 8));
    printf("IDE dword 08 by bytes: %02x %02x %02x %02x, by words: %04x %04x\n", inb(PCI_DATA),
           inb(PCI_DATA + 1), inb(PCI_DATA + 2), inb(PCI_DATA + 3), inw(PCI_DATA),
           inw(PCI_DATA + 2));
    uint8_t line = pci_read8(1, 1, 0x3C);
    outl(PCI_ADDR, pci_addr(1, 1, 0x3C));
    outb(PCI_DATA, 0x0E);
    printf("interrupt line: wrote 0e by byte, read %02x\n", pci_read8(1, 1, 0x3C));
    outb(PCI_DATA, line);
    pci_write32(1, 1, 0x00, 0xFFFFFFFF);
    printf("vendor/device after a write: %08x\n", (unsigned)pci_read32(1, 1, 0));
    pci_write32(1, 1, 0x08, 0);
    printf("class/revision after a write: %08x\n", (unsigned)pci_read32(1, 1, 8));

    printf("IDE BARs:\n");
    for (unsigned off = 0x10; off <= 0x20; off += 4)
        probe_bar(1, 1, off);

    uint16_t cmd = pci_read16(1, 1, 4);
    printf("IDE command: I/O %u, bus master %u\n", cmd & 1, (cmd >> 2) & 1);
    pci_write16(1, 1, 4, cmd | 0x0005);
    printf("  after enabling I/O and bus mastering: %x\n", pci_read16(1, 1, 4) & 0x0005);
    pci_write16(1, 1, 6, 0xFFFF);
    printf("  status after writing ffff (write-1-to-clear): %04x\n", pci_read16(1, 1, 6));

    uint16_t bm = (uint16_t)(pci_read32(1, 1, 0x20) & 0xFFFC);
    printf("bus master registers without drives: command %02x status %02x\n",
           inb(bm + BM_CMD), inb(bm + BM_STATUS) & 0x07);
    /* (QEMU raises IRQ14 and the bus-master interrupt bit for a command
     * to an absent master; xbt, like a PC, does not: not printed) */
    channel("primary", 0x1F0, 0x3F6);
    channel("secondary", 0x170, 0x376);
    return 0;
}
