/*
 * fuzz_pci.c - harness for PCI configuration space (src/devices/pci.c and
 * the IDE function's config registers and BAR4 moves, ide.c) on the
 * harness machine (fuzz_machine.h).  The input is a program, one
 * operation after another (fields past the end read as zero):
 *
 *   op % 6 = 0  pci_config_read: u8 bus, u8 devfn, u8 offset, u8 size
 *            1  pci_config_write: the same and u32 value
 *            2  port write in 0xCF8-0xCFF: u8 port, u8 size, u32 value
 *            3  port read in 0xCF8-0xCFF: u8 port, u8 size
 *            4  port read anywhere: u16 port, u8 size (what BAR4 decodes)
 *            5  port write anywhere: u16 port, u8 size, u32 value
 *
 * Offsets are aligned to the size (as CONFIG_DATA makes them).  Checked
 * after every operation: the host bridge's IDs read 8086:1237, a missing
 * function reads all ones, reads return no bits beyond their size.
 */
#include "fuzz.h"
#include "fuzz_machine.h"

static unsigned size_of(uint8_t s)
{
    return 1u << (s % 3);
}

static uint32_t mask_of(unsigned size)
{
    return size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

static void op_config(struct fuzz_machine *fm, struct fuzz_in *in, int write)
{
    unsigned bus = fuzz_u8(in), devfn = fuzz_u8(in), off = fuzz_u8(in);
    unsigned size = size_of(fuzz_u8(in));
    off &= ~(size - 1);
    if (write) {
        pci_config_write(fm->pci, bus, devfn, off, size, fuzz_u32(in));
        return;
    }
    uint32_t v = pci_config_read(fm->pci, bus, devfn, off, size);
    fuzz_check((v & ~mask_of(size)) == 0, "a config read fits its size");
}

static void run_op(struct fuzz_machine *fm, struct fuzz_in *in, uint8_t op)
{
    switch (op % 6) {
    case 0: op_config(fm, in, 0); break;
    case 1: op_config(fm, in, 1); break;
    case 2: {
        uint16_t port = 0xCF8 + (fuzz_u8(in) & 7);
        unsigned size = size_of(fuzz_u8(in));
        bus_port_write(fm->bus, port, size, fuzz_u32(in));
        break;
    }
    case 3: {
        uint16_t port = 0xCF8 + (fuzz_u8(in) & 7);
        (void)bus_port_read(fm->bus, port, size_of(fuzz_u8(in)));
        break;
    }
    case 4: {
        uint16_t port = fuzz_u16(in);
        (void)bus_port_read(fm->bus, port, size_of(fuzz_u8(in)));
        break;
    }
    default: {
        uint16_t port = fuzz_u16(in);
        unsigned size = size_of(fuzz_u8(in));
        bus_port_write(fm->bus, port, size, fuzz_u32(in));
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_machine fm;
    if (fuzz_machine_init(&fm))
        return 0;
    struct fuzz_in in = { data, size };
    while (in.n > 0) {
        run_op(&fm, &in, fuzz_u8(&in));
        fuzz_check(pci_config_read(fm.pci, 0, 0, 0, 4) == 0x12378086u,
                   "the host bridge keeps its IDs");
        fuzz_check(pci_config_read(fm.pci, 0, 0x1F << 3, 0, 4) == UINT32_MAX,
                   "a missing function reads all ones");
    }
    fuzz_machine_destroy(&fm);
    return 0;
}
