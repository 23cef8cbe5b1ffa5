/*
 * test_acpi_loader.c - unit tests of the ACPI tables for a fw_cfg BIOS
 * (etc/acpi/tables, etc/acpi/rsdp, etc/table-loader): the script is run
 * here as SeaBIOS's romfile_loader runs it - allocate each file at an
 * address of the test's choosing, add the addresses to the pointers,
 * fix the checksums - and the result must be what an OS checks: the RSDP
 * and every table summing to 0, the RSDT pointing at the FADT (and the
 * MADT with APICs), the FADT at the FACS and the DSDT.  Two different
 * placements must both come out right (the blob is relocatable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi.h"

#define MEM_SIZE (16u << 20)

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Runs the loader script: files go to rsdp_at and tables_at in mem. */
static void run_loader(const struct acpi_fw_files *f, uint8_t *mem, uint32_t rsdp_at,
                       uint32_t tables_at, unsigned *zones_seen)
{
    for (uint32_t off = 0; off < f->loader_len; off += 128) {
        const uint8_t *e = f->loader + off;
        uint32_t cmd = le32(e);
        const char *file = (const char *)e + 4;
        bool is_rsdp = strcmp(file, ACPI_FILE_RSDP) == 0;
        assert_true(is_rsdp || strcmp(file, ACPI_FILE_TABLES) == 0);
        uint8_t *dst = mem + (is_rsdp ? rsdp_at : tables_at);
        if (cmd == 1) { /* ALLOCATE */
            uint32_t align = le32(e + 4 + 56);
            uint8_t zone = e[4 + 56 + 4];
            assert_int_equal((is_rsdp ? rsdp_at : tables_at) % align, 0);
            assert_int_equal(zone, is_rsdp ? 2 : 1);
            *zones_seen |= 1u << zone;
            memcpy(dst, is_rsdp ? f->rsdp : f->tables, is_rsdp ? f->rsdp_len : f->tables_len);
        } else if (cmd == 2) { /* ADD_POINTER */
            const char *src = (const char *)e + 4 + 56;
            assert_string_equal(src, ACPI_FILE_TABLES);
            uint32_t at = le32(e + 4 + 112);
            uint8_t size = e[4 + 116];
            assert_true(size == 4 || size == 8);
            uint32_t v = le32(dst + at) + tables_at;
            for (int i = 0; i < 4; i++)
                dst[at + i] = (uint8_t)(v >> (8 * i));
        } else if (cmd == 3) { /* ADD_CHECKSUM */
            uint32_t at = le32(e + 4 + 56), start = le32(e + 4 + 60), len = le32(e + 4 + 64);
            uint8_t sum = 0;
            for (uint32_t i = 0; i < len; i++)
                sum = (uint8_t)(sum + dst[start + i]);
            dst[at] = (uint8_t)(dst[at] - sum);
        } else {
            fail_msg("unknown loader command %u", (unsigned)cmd);
        }
    }
}

static void check_table(const uint8_t *mem, uint32_t addr, const char *sig)
{
    assert_memory_equal(mem + addr, sig, 4);
    assert_int_equal(acpi_checksum(mem + addr, le32(mem + addr + 4)), 0);
}

static void check_placement(bool apic, uint32_t rsdp_at, uint32_t tables_at)
{
    struct acpi_config cfg;
    acpi_config_default(&cfg, 128u << 20);
    cfg.apic = apic;
    cfg.lapic_base = 0xFEE00000;
    cfg.ioapic_base = 0xFEC00000;
    struct acpi_fw_files f;
    assert_int_equal(acpi_build_fw_files(&cfg, &f), 0);
    assert_int_equal(f.rsdp_len, 20);
    assert_int_equal(f.loader_len % 128, 0);
    uint8_t *mem = calloc(1, MEM_SIZE);
    unsigned zones = 0;
    run_loader(&f, mem, rsdp_at, tables_at, &zones);
    assert_int_equal(zones, 0x6);
    const uint8_t *rsdp = mem + rsdp_at;
    assert_memory_equal(rsdp, "RSD PTR ", 8);
    assert_int_equal(acpi_checksum(rsdp, 20), 0);
    uint32_t rsdt = le32(rsdp + 16);
    assert_true(rsdt >= tables_at && rsdt < tables_at + f.tables_len);
    check_table(mem, rsdt, "RSDT");
    unsigned n = (le32(mem + rsdt + 4) - 36) / 4;
    assert_int_equal(n, apic ? 2 : 1);
    bool fadt_seen = false, madt_seen = false;
    for (unsigned i = 0; i < n; i++) {
        uint32_t t = le32(mem + rsdt + 36 + 4 * i);
        if (memcmp(mem + t, "FACP", 4) == 0) {
            fadt_seen = true;
            check_table(mem, t, "FACP");
            assert_memory_equal(mem + le32(mem + t + 36), "FACS", 4);
            check_table(mem, le32(mem + t + 40), "DSDT");
            if (le32(mem + t + 4) >= 148 && le32(mem + t + 140))
                assert_int_equal(le32(mem + t + 140), le32(mem + t + 40));
        } else {
            madt_seen = true;
            check_table(mem, t, "APIC");
        }
    }
    assert_true(fadt_seen);
    assert_int_equal(madt_seen, apic);
    free(mem);
    acpi_fw_files_free(&f);
    assert_null(f.tables);
}

static void test_loader_placements(void **state)
{
    (void)state;
    check_placement(false, 0xF5A00, 0x7FE0000 & (MEM_SIZE - 1));
    check_placement(false, 0xF0010, 0x200040);
    check_placement(true, 0xF5A00, 0xE00000);
    check_placement(true, 0xFFF00, 0x100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_placements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
