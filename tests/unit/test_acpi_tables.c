/*
 * test_acpi_tables.c - unit tests of the ACPI table builder
 * (src/firmware/acpi*.c) and its AML emitter (aml.c): the tables are built
 * into a RAM image and parsed back as an OS would - the RSDP found by
 * scanning the BIOS area, every signature, length and checksum, the FADT's
 * fields, the FACS, the DSDT's AML (the \_S4 and \_S5 packages byte for
 * byte, the PCI root bridge and its _CRS resource descriptors, every
 * PkgLength ending where the table ends) and the MADT's entries; and the
 * emitter's encodings (PkgLength sizes, NameStrings, integers, EISA IDs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi.h"
#include "firmware/aml.h"

#define RAM_SIZE (128u << 20) /* the PCI hole starts here */
#define IMAGE_SIZE 0x100000u  /* what the tests look at: the first 1 MiB */

static uint8_t *ram;

static uint32_t rd32(uint32_t a)
{
    uint32_t v;
    memcpy(&v, ram + a, 4);
    return v;
}

static uint16_t rd16(uint32_t a)
{
    return (uint16_t)(ram[a] | ram[a + 1] << 8);
}

static uint64_t rd64(uint32_t a)
{
    uint64_t v;
    memcpy(&v, ram + a, 8);
    return v;
}

/* A table's signature, its length (returned) and its checksum. */
static uint32_t check_table(uint32_t at, const char *sig)
{
    assert_true(at >= ACPI_AREA_BASE && at < ACPI_AREA_BASE + ACPI_AREA_SIZE);
    assert_memory_equal(ram + at, sig, 4);
    uint32_t len = rd32(at + 4);
    assert_true(len >= 36 && at + len <= ACPI_AREA_BASE + ACPI_AREA_SIZE);
    assert_int_equal(acpi_checksum(ram + at, len), 0);
    assert_memory_equal(ram + at + 10, "XBT   ", 6);
    return len;
}

/* The RSDP as an OS finds it: "RSD PTR " on a 16-byte boundary of
 * 0xE0000-0xFFFFF with a good checksum. */
static uint32_t scan_rsdp(void)
{
    for (uint32_t a = ACPI_RSDP_SCAN_LO; a < ACPI_RSDP_SCAN_HI; a += 16)
        if (!memcmp(ram + a, "RSD PTR ", 8) && acpi_checksum(ram + a, 20) == 0)
            return a;
    return 0;
}

/* Builds the tables; returns the RSDT's address. */
static uint32_t build(bool apic)
{
    memset(ram, 0, IMAGE_SIZE);
    struct acpi_config cfg;
    acpi_config_default(&cfg, RAM_SIZE);
    cfg.apic = apic;
    uint32_t rsdp = 0;
    assert_int_equal(acpi_build(ram, RAM_SIZE, &cfg, &rsdp), 0);
    assert_int_equal(scan_rsdp(), rsdp);
    assert_int_equal(rsdp % 16, 0);
    assert_int_equal(ram[rsdp + 15], 0); /* revision 0: ACPI 1.0, RSDT */
    return rd32(rsdp + 16);
}

/* The RSDT's n-th entry. */
static uint32_t rsdt_entry(uint32_t rsdt, unsigned n)
{
    return rd32(rsdt + 36 + 4 * n);
}

static void test_rsdt(void **state)
{
    (void)state;
    uint32_t rsdt = build(false);
    assert_int_equal(check_table(rsdt, "RSDT"), 36 + 4);
    check_table(rsdt_entry(rsdt, 0), "FACP");
    rsdt = build(true);
    assert_int_equal(check_table(rsdt, "RSDT"), 36 + 8);
    check_table(rsdt_entry(rsdt, 0), "FACP");
    check_table(rsdt_entry(rsdt, 1), "APIC");
}

/* A Generic Address Structure in system I/O. */
static void check_gas(uint32_t at, uint16_t port, uint8_t bits)
{
    assert_int_equal(ram[at], 1);
    assert_int_equal(ram[at + 1], bits);
    assert_int_equal(ram[at + 2], 0);
    assert_int_equal(rd64(at + 4), port);
}

static void test_fadt(void **state)
{
    (void)state;
    uint32_t f = rsdt_entry(build(false), 0);
    assert_int_equal(check_table(f, "FACP"), 244);
    assert_int_equal(ram[f + 8], 3);                        /* revision */
    assert_int_equal(rd16(f + 46), 9);                      /* SCI_INT */
    assert_int_equal(rd32(f + 48), 0);                      /* SMI_CMD: no legacy mode */
    assert_int_equal(rd32(f + 56), 0x600);                  /* PM1a_EVT_BLK */
    assert_int_equal(rd32(f + 60), 0);                      /* PM1b_EVT_BLK */
    assert_int_equal(rd32(f + 64), 0x604);                  /* PM1a_CNT_BLK */
    assert_int_equal(rd32(f + 76), 0x608);                  /* PM_TMR_BLK */
    assert_int_equal(rd32(f + 80), 0);                      /* GPE0_BLK */
    assert_int_equal(ram[f + 88], 4);                       /* PM1_EVT_LEN */
    assert_int_equal(ram[f + 89], 2);                       /* PM1_CNT_LEN */
    assert_int_equal(ram[f + 91], 4);                       /* PM_TMR_LEN */
    assert_true(rd16(f + 96) > 100 && rd16(f + 98) > 1000); /* no C2, C3 */
    assert_int_equal(ram[f + 108], 0x32);                   /* CENTURY */
    assert_int_equal(rd16(f + 109), 3);                     /* legacy devices, 8042 */
    uint32_t flags = rd32(f + 112);
    assert_true(flags & (1u << 10));    /* RESET_REG_SUP */
    assert_false(flags & (1u << 8));    /* TMR_VAL_EXT: 24 bits */
    assert_false(flags & (1u << 4));    /* a fixed power button */
    check_gas(f + 116, 0xCF9, 8);       /* RESET_REG */
    assert_int_equal(ram[f + 128], 6);  /* RESET_VALUE */
    assert_int_equal(rd64(f + 132), 0); /* X_FIRMWARE_CTRL: the 32-bit one */
    assert_int_equal(rd64(f + 140), 0); /* X_DSDT */
    check_gas(f + 148, 0x600, 32);
    check_gas(f + 172, 0x604, 16);
    check_gas(f + 208, 0x608, 32);
    /* the FACS: 64 bytes, 64-byte aligned, no checksum */
    uint32_t facs = rd32(f + 36);
    assert_memory_equal(ram + facs, "FACS", 4);
    assert_int_equal(rd32(facs + 4), 64);
    assert_int_equal(facs % 64, 0);
    assert_int_equal(ram[facs + 32], 1);
    check_table(rd32(f + 40), "DSDT");
}

/* Decodes the PkgLength at *p: returns the object's end. */
static const uint8_t *pkg_end(const uint8_t **p)
{
    const uint8_t *start = *p;
    unsigned n = start[0] >> 6;
    uint32_t len = n ? start[0] & 0x0F : start[0] & 0x3F;
    for (unsigned k = 1; k <= n; k++)
        len |= (uint32_t)start[k] << (4 + 8 * (k - 1));
    *p = start + 1 + n;
    return start + len;
}

/* The _CRS buffer's resource descriptors, up to the end tag at its end. */
static void check_crs(const uint8_t *b, const uint8_t *end)
{
    static const uint8_t want[] = { 0x88, 0x47, 0x88, 0x88, 0x87, 0x87, 0x79 };
    unsigned n = 0;
    while (b < end) {
        assert_true(n < sizeof(want));
        assert_int_equal(b[0], want[n++]);
        if (b[0] & 0x80) {
            b += 3 + (b[1] | b[2] << 8);
        } else {
            b += 1 + (b[0] & 7);
        }
    }
    assert_true(b == end);
    assert_int_equal(n, sizeof(want));
}

/* Device (NAME) { Name (_HID, EisaId (hid)) [Name (_UID, uid)]
 * Name (_CRS, Buffer) } whose buffer is crs: the device's end. */
static const uint8_t *check_isa_dev(const uint8_t *p, const char *name, uint32_t hid, uint8_t uid,
                                    const uint8_t *crs, size_t crs_len)
{
    assert_int_equal(p[0], 0x5B);
    assert_int_equal(p[1], 0x82);
    p += 2;
    const uint8_t *dev_end = pkg_end(&p);
    assert_memory_equal(p, name, 4);
    p += 4;
    assert_memory_equal(p, "\x08_HID\x0C", 6);
    assert_int_equal(rd32((uint32_t)(p + 6 - ram)), hid);
    p += 10;
    if (uid) {
        assert_memory_equal(p, "\x08_UID\x01", 6);
        p += 6;
    }
    assert_memory_equal(p, "\x08_CRS\x11", 6);
    p += 6;
    const uint8_t *buf_end = pkg_end(&p);
    assert_int_equal(p[0], 0x0A);
    assert_int_equal(p[1], crs_len);
    assert_memory_equal(p + 2, crs, crs_len);
    assert_true(p + 2 + crs_len == buf_end && buf_end == dev_end);
    return dev_end;
}

/* Device (ISA_) at 00:01.0 with the RTC, the keyboard and mouse, COM1. */
static void check_isa(const uint8_t *p, const uint8_t *end)
{
    assert_int_equal(p[0], 0x5B);
    assert_int_equal(p[1], 0x82);
    p += 2;
    assert_true(pkg_end(&p) == end);
    assert_memory_equal(p, "ISA_\x08_ADR\x0C\x00\x00\x01\x00", 14);
    p += 14;
    static const uint8_t rtc[] = { 0x47, 1, 0x70, 0, 0x70, 0, 1, 2, 0x22, 0, 1, 0x79, 0 };
    static const uint8_t kbd[] = { 0x47, 1,    0x60, 0, 0x60, 0,    1, 1, 0x47, 1, 0x64,
                                   0,    0x64, 0,    1, 1,    0x22, 2, 0, 0x79, 0 };
    static const uint8_t mou[] = { 0x22, 0, 0x10, 0x79, 0 };
    static const uint8_t com[] = { 0x47, 1, 0xF8, 3, 0xF8, 3, 1, 8, 0x22, 0x10, 0, 0x79, 0 };
    p = check_isa_dev(p, "RTC_", 0x000BD041u, 0, rtc, sizeof(rtc));
    p = check_isa_dev(p, "KBD_", 0x0303D041u, 0, kbd, sizeof(kbd));
    p = check_isa_dev(p, "MOU_", 0x130FD041u, 0, mou, sizeof(mou));
    p = check_isa_dev(p, "COM1", 0x0105D041u, 1, com, sizeof(com));
    assert_true(p == end);
}

static void test_dsdt(void **state)
{
    (void)state;
    uint32_t d = rd32(rsdt_entry(build(false), 0) + 40);
    uint32_t len = check_table(d, "DSDT");
    const uint8_t *p = ram + d + 36, *end = ram + d + len;
    static const uint8_t s4[] = { 0x08, '_', 'S', '4', '_', 0x12, 8, 4, 0x0A, 2, 0x0A, 2, 0, 0 };
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 6, 4, 0, 0, 0, 0 };
    assert_memory_equal(p, s4, sizeof(s4));
    p += sizeof(s4);
    assert_memory_equal(p, s5, sizeof(s5));
    p += sizeof(s5);
    /* Scope (\_SB) { Device (PCI0) { ... } }, ending with the table */
    assert_int_equal(*p++, 0x10);
    assert_true(pkg_end(&p) == end);
    assert_memory_equal(p, "\\_SB_", 5);
    p += 5;
    assert_int_equal(p[0], 0x5B);
    assert_int_equal(p[1], 0x82);
    p += 2;
    assert_true(pkg_end(&p) == end);
    assert_memory_equal(p, "PCI0", 4);
    p += 4;
    static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03 };
    static const uint8_t adr_uid[] = { 0x08, '_', 'A', 'D', 'R', 0, 0x08, '_', 'U', 'I', 'D', 0 };
    assert_memory_equal(p, hid, sizeof(hid));
    p += sizeof(hid);
    assert_memory_equal(p, adr_uid, sizeof(adr_uid));
    p += sizeof(adr_uid);
    assert_memory_equal(p, "\x08_CRS\x11", 6);
    p += 6;
    const uint8_t *buf_end = pkg_end(&p);
    assert_int_equal(*p++, 0x0A); /* BufferSize: a byte */
    uint8_t size = *p++;
    assert_true(p + size == buf_end);
    check_crs(p, buf_end);
    check_isa(buf_end, end);
}

static void test_madt(void **state)
{
    (void)state;
    uint32_t m = rsdt_entry(build(true), 1);
    uint32_t len = check_table(m, "APIC");
    assert_int_equal(rd32(m + 36), 0xFEE00000u);
    assert_int_equal(rd32(m + 40), 1); /* PCAT_COMPAT */
    static const uint8_t lapic[] = { 0, 8, 0, 0, 1, 0, 0, 0 };
    static const uint8_t ioapic[] = { 1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0 };
    static const uint8_t iso0[] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
    static const uint8_t iso9[] = { 2, 10, 0, 9, 9, 0, 0, 0, 0x0D, 0 };
    static const uint8_t nmi[] = { 4, 6, 0xFF, 0, 0, 1 };
    uint32_t e = m + 44;
    assert_memory_equal(ram + e, lapic, sizeof(lapic));
    e += sizeof(lapic);
    assert_memory_equal(ram + e, ioapic, sizeof(ioapic));
    e += sizeof(ioapic);
    assert_memory_equal(ram + e, iso0, sizeof(iso0));
    e += sizeof(iso0);
    assert_memory_equal(ram + e, iso9, sizeof(iso9));
    e += sizeof(iso9);
    assert_memory_equal(ram + e, nmi, sizeof(nmi));
    e += sizeof(nmi);
    assert_int_equal(e, m + len);
    /* the FADT says the APIC interrupt model (INT_MODEL 1) */
    assert_int_equal(ram[rsdt_entry(build(true), 0) + 44], 1);
    assert_int_equal(ram[rsdt_entry(build(false), 0) + 44], 0);
}

static void test_small_ram(void **state)
{
    (void)state;
    struct acpi_config cfg;
    acpi_config_default(&cfg, 0x80000);
    uint32_t rsdp = 0;
    assert_int_equal(acpi_build(ram, 0x80000, &cfg, &rsdp), XBT_ERANGE);
}

/* Emits with f and compares with want. */
#define EMITS(want, ...)                                                                           \
    do {                                                                                           \
        uint8_t buf_[512];                                                                         \
        struct aml a_;                                                                             \
        aml_init(&a_, buf_, sizeof(buf_));                                                         \
        __VA_ARGS__;                                                                               \
        assert_true(aml_ok(&a_));                                                                  \
        assert_int_equal(a_.len, sizeof(want));                                                    \
        assert_memory_equal(buf_, want, sizeof(want));                                             \
    } while (0)

static void test_aml_names_integers(void **state)
{
    (void)state;
    static const uint8_t dual[] = { '\\', 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0' };
    static const uint8_t multi[] = { 0x2F, 3,   'A', '_', '_', '_', 'B',
                                     'C',  '_', '_', 'D', 'E', 'F', 'G' };
    static const uint8_t ints[] = { 0x00, 0x01, 0x0A, 0xFF, 0x0B, 0x00, 0x01, 0x0C, 0, 0, 1,
                                    0,    0x0E, 0,    0,    0,    0,    1,    0,    0, 0 };
    EMITS(dual, aml_name_string(&a_, "\\_SB.PCI0"));
    EMITS(multi, aml_name_string(&a_, "A.BC.DEFG"));
    EMITS(ints, aml_integer(&a_, 0); aml_integer(&a_, 1); aml_integer(&a_, 0xFF);
          aml_integer(&a_, 0x100); aml_integer(&a_, 0x10000); aml_integer(&a_, 1ull << 32));
    assert_int_equal(aml_eisaid("PNP0A03"), 0x030AD041u);
    assert_int_equal(aml_eisaid("PNP0B00"), 0x000BD041u);
}

/* PkgLength: 1 byte below 64, then 2, 3 bytes with the low nibble first. */
static void test_aml_pkglength(void **state)
{
    (void)state;
    uint8_t data[300] = { 0 };
    uint8_t buf[512];
    struct aml a;
    aml_init(&a, buf, sizeof(buf));
    aml_name_buffer(&a, "B", data, 58); /* 1 (len) + 2 (size) + 58 = 61 */
    assert_int_equal(buf[5], 0x11);
    assert_int_equal(buf[6], 61);
    assert_int_equal(a.len, 7 + 60);
    aml_init(&a, buf, sizeof(buf));
    aml_name_buffer(&a, "B", data, 300); /* 2 + 3 (0x0B 0x2C 0x01) + 300 = 305 */
    assert_int_equal(buf[6], 0x40 | (305 & 0xF));
    assert_int_equal(buf[7], 305 >> 4);
    assert_int_equal(buf[8], 0x0B);
    assert_int_equal(a.len, 7 + 1 + 3 + 300);
    /* an object that does not fit turns the emitter off */
    aml_init(&a, buf, 100);
    aml_name_buffer(&a, "B", data, 200);
    assert_false(aml_ok(&a));
}

int main(void)
{
    ram = calloc(1, IMAGE_SIZE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsdt),          cmocka_unit_test(test_fadt),
        cmocka_unit_test(test_dsdt),          cmocka_unit_test(test_madt),
        cmocka_unit_test(test_small_ram),     cmocka_unit_test(test_aml_names_integers),
        cmocka_unit_test(test_aml_pkglength),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(ram);
    return rc;
}
