/*
 * test_fw_cfg.c - unit tests of the fw_cfg device (QEMU's interface at
 * 0x510/0x511 and its DMA interface at 0x514): the signature and ID,
 * integers little endian, unknown keys and reads past the end as zeros,
 * a selector write resetting the offset, the architecture-local keys, the
 * file directory (big-endian, sorted by name, keys from 0x20), and DMA
 * (select, read with zero fill, skip, write refused, the control word
 * written back, the "QEMU CFG" signature).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices.h"
#include "fixture.h"

struct fx {
    struct machine m;
    struct dev_fw_cfg *fc;
};

static int setup(void **state)
{
    static struct fx fx;
    memset(&fx, 0, sizeof(fx));
    struct fixture_spec spec = { .ram_size = 1 << 20, .bus = true };
    if (fixture_machine_init(&fx.m, &spec))
        return -1;
    fx.fc = dev_fw_cfg_create(fx.m.bus, &fx.m.mmu);
    *state = &fx;
    return fx.fc ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    dev_fw_cfg_destroy(fx->fc);
    fixture_machine_destroy(&fx->m);
    return 0;
}

static void sel(struct fx *fx, uint16_t key)
{
    bus_port_write(fx->m.bus, 0x510, 2, key);
}

static void rd(struct fx *fx, void *buf, unsigned n)
{
    uint8_t *b = buf;
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)bus_port_read(fx->m.bus, 0x511, 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_signature_id(void **state)
{
    struct fx *fx = *state;
    char sig[5] = { 0 };
    sel(fx, FW_CFG_SIGNATURE);
    rd(fx, sig, 4);
    assert_string_equal(sig, "QEMU");
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 0); /* past the end */
    sel(fx, FW_CFG_ID);
    uint8_t id[4];
    rd(fx, id, 4);
    assert_int_equal(id[0], FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
    assert_int_equal(id[1] | id[2] | id[3], 0);
    /* a device without DMA says so */
    struct dev_fw_cfg *plain = dev_fw_cfg_create(NULL, NULL);
    fw_cfg_select(plain, FW_CFG_ID);
    assert_int_equal(fw_cfg_read_byte(plain), FW_CFG_ID_TRADITIONAL);
    dev_fw_cfg_destroy(plain);
    /* the UUID is 16 zero bytes */
    uint8_t uuid[17];
    memset(uuid, 0xAA, sizeof(uuid));
    sel(fx, FW_CFG_UUID);
    rd(fx, uuid, 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(uuid[i], 0);
}

static void test_integers_and_offset(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(fw_cfg_add_i16(fx->fc, FW_CFG_NB_CPUS, 1), 0);
    assert_int_equal(fw_cfg_add_i64(fx->fc, FW_CFG_RAM_SIZE, 0x123456789AULL), 0);
    uint8_t b[8];
    sel(fx, FW_CFG_RAM_SIZE);
    rd(fx, b, 8);
    assert_int_equal(b[0], 0x9A);
    assert_int_equal(b[4], 0x12);
    assert_int_equal(b[7], 0);
    sel(fx, FW_CFG_NB_CPUS);
    rd(fx, b, 1);
    sel(fx, FW_CFG_NB_CPUS); /* selecting again starts over */
    rd(fx, b, 2);
    assert_int_equal(b[0] | b[1] << 8, 1);
    /* a byte read of 0x510 reads data too (QEMU's combined port) */
    sel(fx, FW_CFG_NB_CPUS);
    assert_int_equal(bus_port_read(fx->m.bus, 0x510, 1), 1);
    /* a byte write to the selector and data writes change nothing */
    bus_port_write(fx->m.bus, 0x510, 1, FW_CFG_SIGNATURE);
    bus_port_write(fx->m.bus, 0x511, 1, 0x55);
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 0);
    /* wider data reads are not valid accesses */
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 2), 0xFFFF);
}

static void test_unknown_reads_zero(void **state)
{
    struct fx *fx = *state;
    /* NB_CPUS never added: a kernel polling it must see 0, not 0xFFFF */
    static const uint16_t keys[] = { FW_CFG_NB_CPUS, 0x3FFF, 0xFFFF, FW_CFG_E820_TABLE };
    for (unsigned i = 0; i < 4; i++) {
        sel(fx, keys[i]);
        assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 0);
        assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 0);
    }
    assert_int_equal(dev_fw_cfg_stats(fx->fc)->unknown_selects, 4);
    assert_int_equal(fw_cfg_add_bytes(fx->fc, 0x3FFF, "x", 1), XBT_EINVAL);
}

static void test_arch_local_and_write_bit(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(fw_cfg_add_i32(fx->fc, FW_CFG_IRQ0_OVERRIDE, 1), 0);
    assert_int_equal(fw_cfg_add_i32(fx->fc, 0x0002 | 0, 7), 0); /* generic 2 != 0x8002 */
    sel(fx, FW_CFG_IRQ0_OVERRIDE);
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 1);
    sel(fx, 0x0002);
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 7);
    sel(fx, 0x4000 | 0x0002); /* the write-channel bit selects the same item */
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 7);
}

static void test_file_directory(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(fw_cfg_add_file(fx->fc, "etc/sercon-port", "\xF8\x03", 2), 0);
    assert_int_equal(fw_cfg_add_file(fx->fc, "bootorder", "", 0), 0);
    assert_int_equal(fw_cfg_add_file(fx->fc, "etc/e820", "0123456789abcdefghij", 20), 0);
    assert_int_equal(fw_cfg_add_file(fx->fc, "bootorder", "", 0), XBT_EBUSY);
    char longname[FW_CFG_NAME_LEN + 1];
    memset(longname, 'a', FW_CFG_NAME_LEN);
    longname[FW_CFG_NAME_LEN] = 0;
    assert_int_equal(fw_cfg_add_file(fx->fc, longname, "", 0), XBT_EINVAL);

    uint8_t dir[4 + 3 * FW_CFG_DIR_ENTRY + 1];
    sel(fx, FW_CFG_FILE_DIR);
    rd(fx, dir, sizeof(dir));
    assert_int_equal(be32(dir), 3);
    assert_int_equal(dir[sizeof(dir) - 1], 0); /* past the end */
    /* sorted by name; keys in the order of adding */
    static const struct {
        const char *name;
        uint32_t size;
        uint16_t key;
    } want[] = { { "bootorder", 0, 0x21 },
                 { "etc/e820", 20, 0x22 },
                 { "etc/sercon-port", 2, 0x20 } };
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = dir + 4 + i * FW_CFG_DIR_ENTRY;
        assert_int_equal(be32(e), want[i].size);
        assert_int_equal(e[4] << 8 | e[5], want[i].key);
        assert_int_equal(e[6] | e[7], 0);
        assert_string_equal((const char *)e + 8, want[i].name);
        assert_int_equal(e[FW_CFG_DIR_ENTRY - 1], 0);
    }
    uint8_t port[3];
    sel(fx, 0x20);
    rd(fx, port, 3);
    assert_int_equal(port[0] | port[1] << 8, 0x3F8);
    assert_int_equal(port[2], 0);
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Writes a DMA control structure at 0x1000 and starts it. */
static uint32_t dma(struct fx *fx, uint32_t control, uint32_t length, uint32_t target)
{
    uint8_t d[16];
    put_be(d, control, 4);
    put_be(d + 4, length, 4);
    put_be(d + 8, target, 8);
    memcpy(fx->m.ram + 0x1000, d, 16);
    bus_port_write(fx->m.bus, 0x514, 4, 0);
    bus_port_write(fx->m.bus, 0x518, 4, __builtin_bswap32(0x1000));
    return be32(fx->m.ram + 0x1000);
}

static void test_dma(void **state)
{
    struct fx *fx = *state;
    char sig[9] = { 0 };
    for (int i = 0; i < 8; i++)
        sig[i] = (char)bus_port_read(fx->m.bus, (uint16_t)(0x514 + i), 1);
    assert_string_equal(sig, "QEMU CFG");
    assert_int_equal(bus_port_read(fx->m.bus, 0x514, 4), 0x554D4551); /* "QEMU" */

    memset(fx->m.ram + 0x2000, 0xAA, 16);
    /* select the signature and read 6 bytes: 4 of it, then zeros */
    assert_int_equal(dma(fx, FW_CFG_SIGNATURE << 16 | 0x08 | 0x02, 6, 0x2000), 0);
    assert_memory_equal(fx->m.ram + 0x2000, "QEMU\0\0", 6);
    assert_int_equal(fx->m.ram[0x2006], 0xAA);
    /* skip 2 of the ID, read the rest through the port */
    fw_cfg_add_bytes(fx->fc, 0x10, "abcdef", 6);
    assert_int_equal(dma(fx, 0x10 << 16 | 0x08 | 0x04, 2, 0), 0);
    assert_int_equal(bus_port_read(fx->m.bus, 0x511, 1), 'c');
    /* reads continue from the offset */
    assert_int_equal(dma(fx, 0x02, 2, 0x2000), 0);
    assert_memory_equal(fx->m.ram + 0x2000, "de", 2);
    /* no item is writable */
    assert_int_equal(dma(fx, 0x10 << 16 | 0x08 | 0x10, 1, 0x2000), 0x01);
    assert_int_equal(dev_fw_cfg_stats(fx->fc)->dma_errors, 1);
    assert_int_equal(dev_fw_cfg_stats(fx->fc)->dma_transfers, 4);
    /* a structure above 4 GiB is not reachable: nothing happens */
    bus_port_write(fx->m.bus, 0x514, 4, __builtin_bswap32(1));
    bus_port_write(fx->m.bus, 0x518, 4, __builtin_bswap32(0x1000));
    assert_int_equal(dev_fw_cfg_stats(fx->fc)->dma_errors, 2);
}

/* Zeros past an item's end go to RAM only, in chunks: a 4 GiB length
 * ends at once with RAM zeroed from the target to its end. */
static void test_dma_zeros_to_ram_end(void **state)
{
    struct fx *fx = *state;
    uint32_t ram = fx->m.mmu.ram_size;
    memset(fx->m.ram + 0x8000, 0xAA, ram - 0x8000);
    assert_int_equal(dma(fx, FW_CFG_SIGNATURE << 16 | 0x08 | 0x02, 0xFFFF0000u, 0x8000), 0);
    assert_memory_equal(fx->m.ram + 0x8000, "QEMU", 4);
    for (uint32_t a = 0x8004; a < ram; a += 0x1000)
        assert_int_equal(fx->m.ram[a], 0);
    assert_int_equal(fx->m.ram[ram - 1], 0);
    assert_int_equal(fx->m.ram[0x7FFF], 0);
    /* a target beyond RAM: nothing written, no error */
    assert_int_equal(dma(fx, 0x02, 16, ram + 0x1000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signature_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integers_and_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_reads_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arch_local_and_write_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_zeros_to_ram_end, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
