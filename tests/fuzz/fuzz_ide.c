/*
 * fuzz_ide.c - harness for the PIIX3 IDE model's command and DMA paths
 * (src/devices/ide.c, ide_dma.c) on the harness machine (fuzz_machine.h:
 * real MMU, PCI, a raw image).  The input is a program, one operation
 * after another until it ends (fields past the end read as zero):
 *
 *   op % 8 = 0  port write: u8 port (table below), u8 size (1/2/4), u32 value
 *            1  port read: u8 port, u8 size
 *            2  PIO read burst: u8 channel/words (bit 7: secondary; words
 *               (low 7 bits + 1) * 4 from the data register)
 *            3  PIO write burst: the same, writing a counter
 *            4  guest RAM bytes: u32 address, u8 n, n bytes
 *            5  PRD table: u32 table address, u8 entries (1-8), then per
 *               entry u32 base, u16 count, u8 (bit 0: EOT); written to RAM
 *               and to the channel's PRD table register (bit 7 of the
 *               entries byte: secondary channel)
 *            6  PCI config write to 00:01.1: u8 offset, u8 size, u32 value
 *            7  an ATA command: u8 command, u8 count, u32 LBA (bit 31:
 *               LBA48, high bits from the same value), u8 device
 *
 * Checked after the program: the image never grows and RAM is never
 * written outside (ASan); IRQ lines are 0 or 1.
 */
#include "fuzz.h"
#include "fuzz_machine.h"

/* every port the IDE function decodes (bus-master registers at the default
 * BAR4), and a few around them */
static const uint16_t ide_ports[] = {
    0x1F0,  0x1F1,  0x1F2,  0x1F3,  0x1F4,  0x1F5,  0x1F6,  0x1F7,  0x3F6,  0x3F7,
    0x170,  0x171,  0x172,  0x173,  0x174,  0x175,  0x176,  0x177,  0x376,  0xC000,
    0xC001, 0xC002, 0xC003, 0xC004, 0xC005, 0xC006, 0xC007, 0xC008, 0xC009, 0xC00A,
    0xC00B, 0xC00C, 0xC00D, 0xC00E, 0xC00F, 0xCF8,  0xCFC,
};
#define NPORTS (sizeof(ide_ports) / sizeof(ide_ports[0]))

static unsigned size_of(uint8_t s)
{
    return 1u << (s % 3);
}

static void op_pio(struct fuzz_machine *fm, struct fuzz_in *in, int write)
{
    uint8_t b = fuzz_u8(in);
    uint16_t data = (b & 0x80) ? 0x170 : 0x1F0;
    unsigned words = ((b & 0x7F) + 1u) * 4;
    for (unsigned i = 0; i < words; i++) {
        if (write)
            bus_port_write(fm->bus, data, 2, i * 0x0101u);
        else
            (void)bus_port_read(fm->bus, data, 2);
    }
}

static void op_ram(struct fuzz_machine *fm, struct fuzz_in *in)
{
    uint32_t addr = fuzz_u32(in) % FUZZ_RAM_SIZE;
    size_t n;
    const uint8_t *p = fuzz_bytes(in, fuzz_u8(in), &n);
    for (size_t i = 0; i < n && addr + i < FUZZ_RAM_SIZE; i++)
        fm->ram[addr + i] = p[i];
}

static void op_prd(struct fuzz_machine *fm, struct fuzz_in *in)
{
    uint32_t table = fuzz_u32(in);
    uint8_t b = fuzz_u8(in);
    unsigned entries = (b & 7) + 1;
    for (unsigned i = 0; i < entries; i++) {
        uint32_t base = fuzz_u32(in);
        uint32_t count = fuzz_u16(in);
        uint32_t eot = (fuzz_u8(in) & 1u) << 31;
        mmu_phys_write(&fm->mmu, table + 8 * i, 4, base);
        mmu_phys_write(&fm->mmu, table + 8 * i + 4, 4, count | eot);
    }
    bus_port_write(fm->bus, FUZZ_BM_BASE + ((b & 0x80) ? 8 : 0) + 4, 4, table);
}

static void op_ata(struct fuzz_machine *fm, struct fuzz_in *in)
{
    uint8_t cmd = fuzz_u8(in), count = fuzz_u8(in);
    uint32_t lba = fuzz_u32(in);
    uint8_t dev = fuzz_u8(in);
    if (lba >> 31) {
        bus_port_write(fm->bus, 0x1F2, 1, 0);
        bus_port_write(fm->bus, 0x1F3, 1, (lba >> 24) & 0x7F);
        bus_port_write(fm->bus, 0x1F4, 1, 0);
        bus_port_write(fm->bus, 0x1F5, 1, 0);
    }
    bus_port_write(fm->bus, 0x1F6, 1, dev);
    bus_port_write(fm->bus, 0x1F2, 1, count);
    bus_port_write(fm->bus, 0x1F3, 1, lba & 0xFF);
    bus_port_write(fm->bus, 0x1F4, 1, (lba >> 8) & 0xFF);
    bus_port_write(fm->bus, 0x1F5, 1, (lba >> 16) & 0xFF);
    bus_port_write(fm->bus, 0x1F7, 1, cmd);
}

static void run_op(struct fuzz_machine *fm, struct fuzz_in *in, uint8_t op)
{
    switch (op % 8) {
    case 0: {
        uint16_t port = ide_ports[fuzz_u8(in) % NPORTS];
        unsigned size = size_of(fuzz_u8(in));
        bus_port_write(fm->bus, port, size, fuzz_u32(in));
        break;
    }
    case 1: {
        uint16_t port = ide_ports[fuzz_u8(in) % NPORTS];
        (void)bus_port_read(fm->bus, port, size_of(fuzz_u8(in)));
        break;
    }
    case 2: op_pio(fm, in, 0); break;
    case 3: op_pio(fm, in, 1); break;
    case 4: op_ram(fm, in); break;
    case 5: op_prd(fm, in); break;
    case 6: {
        unsigned off = fuzz_u8(in), size = size_of(fuzz_u8(in));
        off &= ~(size - 1);
        pci_config_write(fm->pci, 0, FUZZ_IDE_DEVFN, off, size, fuzz_u32(in));
        break;
    }
    default: op_ata(fm, in); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_machine fm;
    if (fuzz_machine_init(&fm))
        return 0;
    struct fuzz_in in = { data, size };
    while (in.n > 0)
        run_op(&fm, &in, fuzz_u8(&in));
    fuzz_check(fuzz_machine_disk_bytes(&fm) == FUZZ_DISK_SECTORS * DISK_SECTOR_SIZE,
               "the image keeps its size");
    for (int i = 0; i < 16; i++)
        fuzz_check(fm.irq_level[i] == 0 || fm.irq_level[i] == 1, "IRQ levels are 0 or 1");
    fuzz_machine_destroy(&fm);
    return 0;
}
