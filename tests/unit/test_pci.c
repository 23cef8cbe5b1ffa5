/*
 * test_pci.c - unit tests of PCI configuration mechanism #1 (ports 0xCF8,
 * 0xCFC-0xCFF) and the bus-0 function registry: CONFIG_ADDRESS (dword
 * only, reserved bits read 0), the enable bit, other buses and absent
 * functions, byte/word/dword data accesses (also past 0xCFF), the i440FX and
 * PIIX3 functions' identity, read-only and writable header fields,
 * write-1-to-clear status bits, I/O BAR probing and decoding, the written
 * callback, and the PIIX3 reset control register at 0xCF9 (counted on
 * the reset line the test wires).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"

static int reset_calls;

static void on_reset(void *opaque)
{
    (void)opaque;
    reset_calls++;
}

static const struct event_line reset_line = { on_reset, NULL };
static const struct event_line unconnected;

struct fixture {
    struct io_bus *bus;
    struct dev_pci *pci;
    struct pci_func *f; /* test function 00:05.0 */
    int writes;
    unsigned last_off, last_len;
};

static void written(void *opaque, unsigned off, unsigned len)
{
    struct fixture *fx = opaque;
    fx->writes++;
    fx->last_off = off;
    fx->last_len = len;
}

static const struct pci_func_desc test_desc = {
    .vendor = 0x1234,
    .device = 0x5678,
    .class_code = 0x010180,
    .revision = 0x07,
    .header_type = 0,
    .int_pin = 1,
    .command = 0x0103,
    .status = 0x8280,
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    fx->bus = bus_create();
    fx->pci = dev_pci_create(fx->bus, reset_line);
    if (!fx->bus || !fx->pci || pci_func_add(fx->pci, 5, 0, &test_desc, written, fx, &fx->f) ||
        pci_func_io_bar(fx->f, 4, 16, 0xC000))
        return -1;
    reset_calls = 0;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    dev_pci_destroy(fx->pci);
    bus_destroy(fx->bus);
    free(fx);
    return 0;
}

static uint32_t addr(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | off;
}

static uint32_t cfg_rd(struct fixture *fx, unsigned dev, unsigned fn, unsigned off, unsigned size)
{
    bus_port_write(fx->bus, 0xCF8, 4, addr(0, dev, fn, off & 0xFC));
    return bus_port_read(fx->bus, (uint16_t)(0xCFC + (off & 3)), size);
}

static void cfg_wr(struct fixture *fx, unsigned dev, unsigned fn, unsigned off, unsigned size,
                   uint32_t v)
{
    bus_port_write(fx->bus, 0xCF8, 4, addr(0, dev, fn, off & 0xFC));
    bus_port_write(fx->bus, (uint16_t)(0xCFC + (off & 3)), size, v);
}

static void test_config_address(void **state)
{
    struct fixture *fx = *state;
    bus_port_write(fx->bus, 0xCF8, 4, 0x80000000);
    assert_int_equal(bus_port_read(fx->bus, 0xCF8, 4), 0x80000000);
    /* reserved bits 30:24 and 1:0 read 0 */
    bus_port_write(fx->bus, 0xCF8, 4, 0xFF123457);
    assert_int_equal(bus_port_read(fx->bus, 0xCF8, 4), 0x80123454);
    /* byte and word accesses are not CONFIG_ADDRESS */
    bus_port_write(fx->bus, 0xCF8, 2, 0x1234);
    bus_port_write(fx->bus, 0xCFB, 1, 0x00);
    assert_int_equal(bus_port_read(fx->bus, 0xCF8, 4), 0x80123454);
    assert_int_equal(bus_port_read(fx->bus, 0xCF8, 2), 0xFFFF);
    assert_int_equal(bus_port_read(fx->bus, 0xCFA, 1), 0xFF);
}

static void test_chipset_functions(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(cfg_rd(fx, 0, 0, 0x00, 4), 0x12378086);
    assert_int_equal(cfg_rd(fx, 0, 0, 0x08, 4), 0x06000002);
    assert_int_equal(cfg_rd(fx, 0, 0, 0x0E, 1), 0x00);
    assert_int_equal(cfg_rd(fx, 1, 0, 0x00, 4), 0x70008086);
    assert_int_equal(cfg_rd(fx, 1, 0, 0x08, 4), 0x06010000);
    assert_int_equal(cfg_rd(fx, 1, 0, 0x0E, 1), 0x80);
    assert_int_equal(cfg_rd(fx, 1, 0, 0x04, 4), 0x02000103);
    assert_int_equal(cfg_rd(fx, 1, 0, 0x60, 4), 0x80808080);
    assert_int_equal(cfg_rd(fx, 0, 0, 0x04, 2), 0x0103);
}

static void test_absent_and_disabled(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(cfg_rd(fx, 31, 0, 0, 4), 0xFFFFFFFF);
    assert_int_equal(cfg_rd(fx, 0, 1, 0, 4), 0xFFFFFFFF);
    assert_int_equal(cfg_rd(fx, 0, 1, 2, 2), 0xFFFF);
    bus_port_write(fx->bus, 0xCF8, 4, addr(1, 0, 0, 0));
    assert_int_equal(bus_port_read(fx->bus, 0xCFC, 4), 0xFFFFFFFF);
    bus_port_write(fx->bus, 0xCF8, 4, addr(0, 0, 0, 0) & 0x7FFFFFFF);
    assert_int_equal(bus_port_read(fx->bus, 0xCFC, 4), 0xFFFFFFFF);
    /* writes with the enable bit clear are dropped */
    bus_port_write(fx->bus, 0xCF8, 4, addr(0, 5, 0, 0x3C) & 0x7FFFFFFF);
    bus_port_write(fx->bus, 0xCFC, 1, 0x0B);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x3C, 1), 0x00);
    assert_int_equal(fx->writes, 0);
}

static void test_access_sizes(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(cfg_rd(fx, 5, 0, 0x00, 4), 0x56781234);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x00, 2), 0x1234);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x02, 2), 0x5678);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x01, 1), 0x12);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x03, 1), 0x56);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x08, 4), 0x01018007);
    /* a dword at 0xCFE: two bytes of data, the rest is not ours */
    bus_port_write(fx->bus, 0xCF8, 4, addr(0, 5, 0, 0));
    assert_int_equal(bus_port_read(fx->bus, 0xCFE, 4), 0xFFFF5678);
    /* byte writes of the interrupt line */
    cfg_wr(fx, 5, 0, 0x3C, 1, 0x0E);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x3C, 4), 0x0000010E);
    assert_int_equal(fx->writes, 1);
    assert_int_equal(fx->last_off, 0x3C);
    assert_int_equal(fx->last_len, 1);
    cfg_wr(fx, 5, 0, 0x3E, 2, 0xFFFF); /* pin and grant/latency: read-only */
    assert_int_equal(cfg_rd(fx, 5, 0, 0x3C, 4), 0x0000010E);
    assert_int_equal(fx->last_off, 0x3E);
    assert_int_equal(fx->last_len, 2);
}

static void test_read_only_and_masks(void **state)
{
    struct fixture *fx = *state;
    cfg_wr(fx, 5, 0, 0x00, 4, 0);
    cfg_wr(fx, 5, 0, 0x08, 4, 0xFFFFFFFF);
    cfg_wr(fx, 5, 0, 0x2C, 4, 0xFFFFFFFF);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x00, 4), 0x56781234);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x08, 4), 0x01018007);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x2C, 4), 0);
    /* command: I/O, memory, master, SERR, INTx disable */
    cfg_wr(fx, 5, 0, 0x04, 2, 0xFFFF);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x04, 2), 0x0507);
    cfg_wr(fx, 5, 0, 0x04, 2, 0);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x04, 2), 0);
    /* status: error bits are write-1-to-clear, the rest read-only */
    cfg_wr(fx, 5, 0, 0x06, 2, 0x0280);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x06, 2), 0x8280);
    cfg_wr(fx, 5, 0, 0x06, 2, 0x8000);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x06, 2), 0x0280);
    /* cache line size writable, latency timer and header type not */
    cfg_wr(fx, 5, 0, 0x0C, 4, 0xFFFFFFFF);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x0C, 4), 0x000000FF);
    /* device-specific space is storage */
    cfg_wr(fx, 5, 0, 0x40, 4, 0xDEADBEEF);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x40, 4), 0xDEADBEEF);
    assert_int_equal(pci_func_get(fx->f, 0x41, 2), 0xADBE);
}

static void test_io_bar(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(cfg_rd(fx, 5, 0, 0x20, 4), 0xC001);
    assert_int_equal(pci_func_io_bar_base(fx->f, 4), 0xC000);
    /* size probing */
    cfg_wr(fx, 5, 0, 0x20, 4, 0xFFFFFFFF);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x20, 4), 0xFFFFFFF1);
    assert_int_equal(pci_func_io_bar_base(fx->f, 4), -1); /* beyond 64 KiB */
    cfg_wr(fx, 5, 0, 0x20, 4, 0xD00F);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x20, 4), 0xD001);
    assert_int_equal(pci_func_io_bar_base(fx->f, 4), 0xD000);
    /* I/O decode off, base 0 */
    cfg_wr(fx, 5, 0, 0x04, 2, 0x0000);
    assert_int_equal(pci_func_io_bar_base(fx->f, 4), -1);
    cfg_wr(fx, 5, 0, 0x04, 2, 0x0001);
    assert_int_equal(pci_func_io_bar_base(fx->f, 4), 0xD000);
    cfg_wr(fx, 5, 0, 0x20, 4, 0);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x20, 4), 0x0001);
    assert_int_equal(pci_func_io_bar_base(fx->f, 4), -1);
    /* BARs the function does not have read 0 and stay 0 */
    cfg_wr(fx, 5, 0, 0x10, 4, 0xFFFFFFFF);
    assert_int_equal(cfg_rd(fx, 5, 0, 0x10, 4), 0);
    assert_int_equal(pci_func_io_bar_base(fx->f, 0), -1);
    assert_int_equal(pci_func_io_bar(fx->f, 6, 16, 0), XBT_EINVAL);
    assert_int_equal(pci_func_io_bar(fx->f, 0, 12, 0), XBT_EINVAL);
}

static void test_registry(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(pci_func_add(fx->pci, 5, 0, &test_desc, NULL, NULL, NULL), XBT_EBUSY);
    assert_int_equal(pci_func_add(fx->pci, 32, 0, &test_desc, NULL, NULL, NULL), XBT_EINVAL);
    assert_int_equal(pci_func_add(fx->pci, 5, 3, &test_desc, NULL, NULL, NULL), 0);
    assert_int_equal(cfg_rd(fx, 5, 3, 0, 4), 0x56781234);
    assert_int_equal(pci_config_read(fx->pci, 0, 5 << 3 | 3, 0x02, 2), 0x5678);
    assert_int_equal(pci_config_read(fx->pci, 2, 5 << 3 | 3, 0x02, 2), 0xFFFF);
}

static void test_reset_control(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(bus_port_read(fx->bus, 0xCF9, 1), 0x00);
    bus_port_write(fx->bus, 0xCF9, 1, 0x02);
    assert_int_equal(bus_port_read(fx->bus, 0xCF9, 1), 0x02);
    assert_int_equal(reset_calls, 0);
    bus_port_write(fx->bus, 0xCF9, 1, 0x06);
    assert_int_equal(reset_calls, 1);
    assert_int_equal(bus_port_read(fx->bus, 0xCF9, 1), 0x02);
    /* the address register is untouched by byte accesses to 0xCF9 */
    bus_port_write(fx->bus, 0xCF8, 4, 0x80000000);
    bus_port_write(fx->bus, 0xCF9, 1, 0x00);
    assert_int_equal(bus_port_read(fx->bus, 0xCF8, 4), 0x80000000);
}

static void test_no_machine(void **state)
{
    (void)state;
    struct io_bus *bus = bus_create();
    struct dev_pci *p = dev_pci_create(bus, unconnected);
    assert_non_null(p);
    bus_port_write(bus, 0xCF9, 1, 0x04); /* nobody to reset: ignored */
    assert_int_equal(reset_calls, 0);
    /* the ports are taken */
    assert_null(dev_pci_create(bus, unconnected));
    dev_pci_destroy(p);
    bus_destroy(bus);
}

/* PIIX3 PIRQ routing (0x60-0x63) and the INTx swizzle; i440FX SMRAM. */
static void test_pirq_routing(void **state)
{
    struct fixture *fx = *state;
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(cfg_rd(fx, 1, 0, 0x60 + i, 1), 0x80);
        assert_int_equal(pci_piix3_pirq_irq(fx->pci, i), -1);
    }
    cfg_wr(fx, 1, 0, 0x60, 4, 0x0B0B0A0A); /* what SeaBIOS writes */
    assert_int_equal(cfg_rd(fx, 1, 0, 0x60, 4), 0x0B0B0A0A);
    assert_int_equal(pci_piix3_pirq_irq(fx->pci, 0), 10);
    assert_int_equal(pci_piix3_pirq_irq(fx->pci, 3), 11);
    /* device 5 INTA: PIRQ (5 - 1 + 0) mod 4 = A; INTB: B; device 2 INTA: B */
    assert_int_equal(pci_intx_irq(fx->pci, 5, 1), 10);
    assert_int_equal(pci_intx_irq(fx->pci, 5, 3), 11);
    assert_int_equal(pci_intx_irq(fx->pci, 3, 1), 11);
    assert_int_equal(pci_intx_irq(fx->pci, 5, 0), -1);
    assert_int_equal(pci_intx_irq(fx->pci, 5, 5), -1);
    /* bits 6:4 kept as written (QEMU); disabled and reserved IRQs route
     * nowhere */
    cfg_wr(fx, 1, 0, 0x61, 1, 0xFA);
    assert_int_equal(cfg_rd(fx, 1, 0, 0x61, 1), 0xFA);
    assert_int_equal(pci_piix3_pirq_irq(fx->pci, 1), -1);
    cfg_wr(fx, 1, 0, 0x61, 1, 0x0D);
    assert_int_equal(pci_piix3_pirq_irq(fx->pci, 1), -1);
    cfg_wr(fx, 1, 0, 0x61, 1, 0x02);
    assert_int_equal(pci_piix3_pirq_irq(fx->pci, 1), -1);
    assert_int_equal(pci_piix3_pirq_irq(fx->pci, 4), -1);
    /* SMRAM power-on value */
    assert_int_equal(cfg_rd(fx, 0, 0, 0x72, 1), 0x02);
    assert_ptr_equal(pci_func_lookup(fx->pci, 5, 0), fx->f);
    assert_null(pci_func_lookup(fx->pci, 6, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chipset_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent_and_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_and_masks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_bar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pirq_routing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
