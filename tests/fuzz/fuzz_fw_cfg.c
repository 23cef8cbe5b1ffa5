/*
 * fuzz_fw_cfg.c - harness for QEMU's fw_cfg interface (src/devices/
 * fw_cfg.c) on the harness machine (fuzz_machine.h), with a few files
 * added as the board adds them.  The input is a program, one operation
 * after another (fields past the end read as zero):
 *
 *   op % 5 = 0  select: u16 key through the selector port 0x510
 *            1  data reads: u8 count bytes from 0x511
 *            2  DMA: a 16-byte control structure (be32 control, be32
 *               length, be64 address: u32 control, u32 length, u32 low,
 *               u8 high) written into RAM at u32 where (anywhere: beyond
 *               RAM too), then its address (u8 high half) to 0x514/0x518
 *            3  port write in 0x510-0x51B: u8 port, u8 size, u32 value
 *            4  port read in 0x510-0x51B: u8 port, u8 size
 *
 * Checked after every operation: reads fit their size, RAM past the
 * harness's 1 MiB is never touched (ASan), the device keeps its items;
 * at the end the signature item still reads "QEMU" and the ID has DMA.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_machine.h"

static unsigned size_of(uint8_t s)
{
    return 1u << (s % 3);
}

static void put_be(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void op_dma(struct fuzz_machine *fm, struct fuzz_in *in)
{
    uint8_t d[16] = { 0 };
    put_be(d, fuzz_u32(in));      /* control */
    put_be(d + 4, fuzz_u32(in));  /* length */
    put_be(d + 12, fuzz_u32(in)); /* address, low half */
    d[11] = fuzz_u8(in);          /* address, a little of the high half */
    uint32_t where = fuzz_u32(in) % (FUZZ_RAM_SIZE + 64);
    mmu_dma_write(&fm->mmu, where, d, sizeof(d));
    uint32_t high = fuzz_u8(in) == 0xFF ? 1 : 0;
    bus_port_write(fm->bus, 0x514, 4, __builtin_bswap32(high));
    bus_port_write(fm->bus, 0x518, 4, __builtin_bswap32(where));
}

static void run_op(struct fuzz_machine *fm, struct fuzz_in *in, uint8_t op)
{
    switch (op % 5) {
    case 0: bus_port_write(fm->bus, 0x510, 2, fuzz_u16(in)); break;
    case 1:
        for (unsigned n = fuzz_u8(in); n > 0; n--)
            fuzz_check(bus_port_read(fm->bus, 0x511, 1) <= 0xFF, "a data read is a byte");
        break;
    case 2: op_dma(fm, in); break;
    case 3: {
        uint16_t port = 0x510 + fuzz_u8(in) % 12;
        unsigned size = size_of(fuzz_u8(in));
        bus_port_write(fm->bus, port, size, fuzz_u32(in));
        break;
    }
    default: {
        uint16_t port = 0x510 + fuzz_u8(in) % 12;
        unsigned size = size_of(fuzz_u8(in));
        uint32_t v = bus_port_read(fm->bus, port, size);
        fuzz_check(size == 4 || (v >> (8 * size)) == 0, "a port read fits its size");
        break;
    }
    }
}

static uint32_t read_item(struct dev_fw_cfg *fc, uint16_t key)
{
    fw_cfg_select(fc, key);
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)fw_cfg_read_byte(fc) << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_machine fm;
    if (fuzz_machine_init(&fm))
        return 0;
    struct dev_fw_cfg *fc = dev_fw_cfg_create(fm.bus, &fm.mmu);
    static const char order[] = "/rom@genroms/linuxboot_dma.bin\n";
    if (!fc || fw_cfg_add_file(fc, "bootorder", order, sizeof(order) - 1) ||
        fw_cfg_add_file(fc, "etc/sercon-port", "\xF8\x03", 2) ||
        fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, FUZZ_RAM_SIZE)) {
        dev_fw_cfg_destroy(fc);
        fuzz_machine_destroy(&fm);
        return 0;
    }
    struct fuzz_in in = { data, size };
    while (in.n > 0)
        run_op(&fm, &in, fuzz_u8(&in));
    fuzz_check(read_item(fc, FW_CFG_SIGNATURE) == 0x554D4551u, "the signature reads QEMU");
    fuzz_check(read_item(fc, FW_CFG_ID) & FW_CFG_ID_DMA, "the ID offers DMA");
    dev_fw_cfg_destroy(fc);
    fuzz_machine_destroy(&fm);
    return 0;
}
