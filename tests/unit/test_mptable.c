/*
 * test_mptable.c - unit tests of the MP table writer (src/loader/
 * mptable.c): the floating pointer and the configuration table at their
 * place, both checksums, the header, and the entries in type order with
 * the fields mp_config gives; RAM below 1 MiB is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader.h"

#define RAM_SIZE (1u << 20)

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static const struct mp_config config = {
    .lapic_addr = 0xFEE00000,
    .lapic_id = 0,
    .lapic_version = 0x11,
    .cpu_signature = 0x633,
    .cpu_features = 0xAB39,
    .ioapic_addr = 0xFEC00000,
    .ioapic_id = 1,
    .ioapic_version = 0x11,
    .isa_pin = { 2, 1, 0xFF, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
};

static void test_tables(void **state)
{
    (void)state;
    uint8_t *ram = calloc(1, RAM_SIZE);
    assert_non_null(ram);
    assert_int_equal(loader_mptable(ram, RAM_SIZE, &config), 0);
    const uint8_t *f = ram + MP_FLOAT_ADDR;
    assert_memory_equal(f, "_MP_", 4);
    assert_int_equal(f[8], 1);
    assert_int_equal(f[9], 4);
    assert_int_equal(sum(f, 16), 0);
    uint32_t at = get32(f + 4);
    assert_true(at >= 0xF0000 && at < 0x100000);
    const uint8_t *t = ram + at;
    uint16_t len = (uint16_t)(t[4] | t[5] << 8), n = (uint16_t)(t[34] | t[35] << 8);
    assert_memory_equal(t, "PCMP", 4);
    assert_int_equal(t[6], 4);
    assert_int_equal(sum(t, len), 0);
    assert_int_equal(get32(t + 36), 0xFEE00000);
    assert_int_equal(n, 1 + 2 + 1 + 15 + 2);
    assert_int_equal(len, 44 + 20 + 8 * (n - 1));
    const uint8_t *e = t + 44;
    assert_int_equal(e[0], 0); /* CPU: enabled BSP */
    assert_int_equal(e[2], 0x11);
    assert_int_equal(e[3], 3);
    assert_int_equal(get32(e + 4), 0x633);
    assert_int_equal(get32(e + 8), 0xAB39);
    e += 20;
    assert_memory_equal(e, "\x01\x00PCI   ", 8);
    assert_memory_equal(e + 8, "\x01\x01ISA   ", 8);
    e += 16;
    assert_int_equal(e[0], 2); /* I/O APIC */
    assert_int_equal(e[1], 1);
    assert_int_equal(get32(e + 4), 0xFEC00000);
    e += 8;
    assert_memory_equal(e, "\x03\x00\x00\x00\x01\x00\x01\x02", 8); /* IRQ0 -> pin 2 */
    assert_memory_equal(e + 8, "\x03\x00\x00\x00\x01\x01\x01\x01", 8);
    assert_memory_equal(e + 16, "\x03\x00\x00\x00\x01\x03\x01\x03", 8); /* no IRQ2 */
    e += 15 * 8;
    assert_memory_equal(e, "\x04\x03\x00\x00\x01\x00\x00\x00", 8);     /* LINT0 ExtINT */
    assert_memory_equal(e + 8, "\x04\x01\x00\x00\x01\x00\xFF\x01", 8); /* LINT1 NMI */
    free(ram);
}

static void test_small_ram(void **state)
{
    (void)state;
    uint8_t ram[16];
    assert_int_equal(loader_mptable(ram, sizeof(ram), &config), XBT_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_small_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
