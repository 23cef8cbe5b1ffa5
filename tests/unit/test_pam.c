/*
 * test_pam.c - unit tests of the i440FX PAM (registers 0x59-0x5F of
 * 00:00.0) over guest memory through the MMU: the power-on state (reads
 * from the BIOS image's last 128 KiB at 0xE0000 and zeros at 0xC0000, RAM
 * kept aside), each of the four read/write combinations per segment,
 * which nibble steers which segment, PAM0's reserved low nibble, DMA into
 * protected segments, and the ROM at the top of 4 GiB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices.h"
#include "fixture.h"

#define BIOS_SIZE 0x40000u

struct fx {
    struct machine m;
    struct dev_pci *pci;
    struct dev_pam *pam;
    uint8_t *bios;
};

static uint8_t bios_byte(uint32_t off)
{
    return (uint8_t)(off * 7 + (off >> 12) + 1);
}

static int setup(void **state)
{
    static struct fx fx;
    memset(&fx, 0, sizeof(fx));
    struct fixture_spec spec = { .ram_size = 2 << 20, .bus = true };
    if (fixture_machine_init(&fx.m, &spec))
        return -1;
    fx.bios = malloc(BIOS_SIZE);
    for (uint32_t i = 0; i < BIOS_SIZE; i++)
        fx.bios[i] = bios_byte(i);
    fx.m.ram[0xE0000] = 0x5A; /* RAM under the ROM, e.g. left by a loader */
    fx.m.ram[0xC4000] = 0x33;
    fx.pci = dev_pci_create(fx.m.bus, (struct event_line){ 0 });
    fx.pam = dev_pam_create(fx.pci, &fx.m.mmu, fx.bios, BIOS_SIZE, 0x00);
    *state = &fx;
    return fx.pam ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    dev_pam_destroy(fx->pam);
    dev_pci_destroy(fx->pci);
    fixture_machine_destroy(&fx->m);
    free(fx->bios);
    return 0;
}

static uint8_t rd(struct fx *fx, uint32_t a)
{
    return (uint8_t)mmu_phys_read(&fx->m.mmu, a, 1);
}

static void wr(struct fx *fx, uint32_t a, uint8_t v)
{
    mmu_phys_write(&fx->m.mmu, a, 1, v);
}

static void pam(struct fx *fx, unsigned reg, uint8_t v)
{
    pci_config_write(fx->pci, 0, 0, reg, 1, v);
}

static void test_power_on(void **state)
{
    struct fx *fx = *state;
    /* 0xE0000-0xFFFFF: the image's last 128 KiB; 0xC0000-0xDFFFF: zeros */
    assert_int_equal(rd(fx, 0xFFFF0), bios_byte(BIOS_SIZE - 0x10));
    assert_int_equal(rd(fx, 0xE0000), bios_byte(BIOS_SIZE - 0x20000));
    assert_int_equal(rd(fx, 0xC4000), 0);
    assert_int_equal(mmu_phys_read(&fx->m.mmu, 0xFFFFC, 4),
                     (uint32_t)bios_byte(BIOS_SIZE - 4) | (uint32_t)bios_byte(BIOS_SIZE - 3) << 8 |
                         (uint32_t)bios_byte(BIOS_SIZE - 2) << 16 |
                         (uint32_t)bios_byte(BIOS_SIZE - 1) << 24);
    /* not plain RAM: no host pointer, stores dropped */
    assert_null(mmu_phys_ptr(&fx->m.mmu, 0xF0000, 1));
    wr(fx, 0xFFFF0, 0x00);
    assert_int_equal(rd(fx, 0xFFFF0), bios_byte(BIOS_SIZE - 0x10));
    assert_int_equal(dev_pam_stats(fx->pam)->dropped_writes, 1);
    /* below and above the area: plain RAM */
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0xBF000, 0x1000));
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0x100000, 0x1000));
    /* the registers read 0 */
    for (unsigned r = 0x59; r <= 0x5F; r++)
        assert_int_equal(pci_config_read(fx->pci, 0, 0, r, 1), 0);
}

static void test_modes(void **state)
{
    struct fx *fx = *state;
    /* 0x3: read/write DRAM - the RAM under the ROM comes back */
    pam(fx, 0x5E, 0x03); /* E0000 (low nibble of PAM5) */
    assert_int_equal(rd(fx, 0xE0000), 0x5A);
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0xE0000, 0x4000));
    assert_null(mmu_phys_ptr(&fx->m.mmu, 0xE4000, 1)); /* its neighbour: ROM */
    wr(fx, 0xE0001, 0x77);
    assert_int_equal(rd(fx, 0xE0001), 0x77);
    /* 0x1: read DRAM, write-protected (SeaBIOS's make_bios_readonly) */
    pam(fx, 0x5E, 0x01);
    wr(fx, 0xE0001, 0x88);
    assert_int_equal(rd(fx, 0xE0001), 0x77);
    uint8_t b = 0x99;
    mmu_dma_write(&fx->m.mmu, 0xE0002, &b, 1);
    assert_int_equal(rd(fx, 0xE0002), 0);
    assert_int_equal(dev_pam_stats(fx->pam)->dropped_writes, 2);
    /* 0x2: read ROM, write DRAM (the copy a BIOS makes of itself) */
    pam(fx, 0x5E, 0x02);
    assert_int_equal(rd(fx, 0xE0001), bios_byte(BIOS_SIZE - 0x20000 + 1));
    wr(fx, 0xE0001, 0x42);
    assert_int_equal(rd(fx, 0xE0001), bios_byte(BIOS_SIZE - 0x20000 + 1));
    assert_int_equal(dev_pam_stats(fx->pam)->shadow_writes, 1);
    pam(fx, 0x5E, 0x03);
    assert_int_equal(rd(fx, 0xE0001), 0x42); /* the write went to DRAM */
    assert_int_equal(rd(fx, 0xE0000), 0x5A);
    /* 0x0 again: the ROM, with DRAM kept aside */
    pam(fx, 0x5E, 0x00);
    assert_int_equal(rd(fx, 0xE0001), bios_byte(BIOS_SIZE - 0x20000 + 1));
    pam(fx, 0x5E, 0x01);
    assert_int_equal(rd(fx, 0xE0001), 0x42);
}

static void test_segments(void **state)
{
    struct fx *fx = *state;
    /* PAM0: only the high nibble (0xF0000-0xFFFFF) */
    pam(fx, 0x59, 0xFF);
    assert_int_equal(pci_config_read(fx->pci, 0, 0, 0x59, 1), 0x30);
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0xF0000, 0x10000));
    /* PAM1: C0000 low nibble, C4000 high nibble; bits 2 and 6 reserved */
    pam(fx, 0x5A, 0xF0);
    assert_int_equal(pci_config_read(fx->pci, 0, 0, 0x5A, 1), 0x30);
    assert_null(mmu_phys_ptr(&fx->m.mmu, 0xC0000, 1));
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0xC4000, 0x4000));
    assert_int_equal(rd(fx, 0xC4000), 0x33);
    /* PAM6 high nibble: EC000-EFFFF */
    pam(fx, 0x5F, 0x30);
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0xEC000, 0x4000));
    assert_null(mmu_phys_ptr(&fx->m.mmu, 0xE8000, 1));
    /* everything DRAM: a whole plain range */
    for (unsigned r = 0x5A; r <= 0x5F; r++)
        pam(fx, r, 0x33);
    assert_non_null(mmu_phys_ptr(&fx->m.mmu, 0xC0000, 0x40000));
    /* 13 at power-on (to the ROM), 13 back to DRAM */
    assert_int_equal(dev_pam_stats(fx->pam)->changes, 26);
}

static void test_direct_boot_state(void **state)
{
    (void)state;
    struct machine m;
    struct fixture_spec spec = { .ram_size = 2 << 20, .bus = true };
    assert_int_equal(fixture_machine_init(&m, &spec), 0);
    m.ram[0xF0000] = 0xAB;
    struct dev_pci *pci = dev_pci_create(m.bus, (struct event_line){ 0 });
    struct dev_pam *p = dev_pam_create(pci, &m.mmu, NULL, 0, 0x33);
    assert_non_null(p);
    assert_int_equal(pci_config_read(pci, 0, 0, 0x59, 1), 0x30);
    assert_int_equal(pci_config_read(pci, 0, 0, 0x5F, 1), 0x33);
    assert_non_null(mmu_phys_ptr(&m.mmu, 0xC0000, 0x40000));
    assert_int_equal(dev_pam_stats(p)->changes, 0);
    /* no BIOS: the ROM side of 0xF0000 reads all ones */
    pci_config_write(pci, 0, 0, 0x59, 1, 0x00);
    assert_int_equal(mmu_phys_read(&m.mmu, 0xF0000, 1), 0xFF);
    pci_config_write(pci, 0, 0, 0x59, 1, 0x30);
    assert_int_equal(mmu_phys_read(&m.mmu, 0xF0000, 1), 0xAB);
    dev_pam_destroy(p);
    dev_pci_destroy(pci);
    fixture_machine_destroy(&m);
}

static void test_top_rom(void **state)
{
    struct fx *fx = *state;
    struct dev_rom *r =
        dev_rom_create(fx->m.bus, (uint32_t)(0x100000000ull - BIOS_SIZE), fx->bios, BIOS_SIZE);
    assert_non_null(r);
    assert_int_equal(mmu_phys_read(&fx->m.mmu, 0xFFFFFFF0, 1), bios_byte(BIOS_SIZE - 0x10));
    assert_int_equal(mmu_phys_read(&fx->m.mmu, 0xFFFC0000, 2), bios_byte(0) | bios_byte(1) << 8);
    mmu_phys_write(&fx->m.mmu, 0xFFFFFFF0, 1, 0);
    assert_int_equal(mmu_phys_read(&fx->m.mmu, 0xFFFFFFF0, 1), bios_byte(BIOS_SIZE - 0x10));
    assert_int_equal(dev_rom_dropped_writes(r), 1);
    assert_ptr_equal(dev_rom_ptr(r, 0xFFFFFFF0, 16), fx->bios + BIOS_SIZE - 16);
    assert_null(dev_rom_ptr(r, 0xFFFFFFF0, 17));
    assert_null(dev_rom_ptr(r, 0xFFFBFFFF, 1));
    /* below the ROM: open bus */
    assert_int_equal(mmu_phys_read(&fx->m.mmu, 0xFFFBFFFF, 1), 0xFF);
    dev_rom_destroy(r);
    assert_int_equal(mmu_phys_read(&fx->m.mmu, 0xFFFFFFF0, 1), 0xFF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments, setup, teardown),
        cmocka_unit_test(test_direct_boot_state),
        cmocka_unit_test_setup_teardown(test_top_rom, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
