/*
 * test_pcfw.c - unit tests of what the board tells its BIOS: the CMOS
 * bytes of QEMU's pc_cmos_init (memory sizes in their units and caps, no
 * memory above 4 GiB, one CPU, equipment, floppy types, the boot order
 * nibbles), the etc/e820 table, and reading BIOS images (good sizes, and
 * each refusal with its one line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcfw.h"
#include "xbt.h"

/* The CMOS image pcfw_cmos gives (0xEE where it wrote nothing). */
static void cmos_of(uint32_t ram_mib, const char *boot, uint8_t cmos[128])
{
    struct pcfw_config c = { .ram_size = ram_mib << 20, .ncpus = 1, .boot = boot };
    struct pcfw_cmos_byte b[PCFW_CMOS_MAX];
    memset(cmos, 0xEE, 128);
    int n = pcfw_cmos(&c, b);
    assert_true(n > 0 && n <= PCFW_CMOS_MAX);
    for (int i = 0; i < n; i++) {
        assert_true(b[i].index >= 0x0E && b[i].index < 128);
        cmos[b[i].index] = b[i].value;
    }
}

static unsigned w(const uint8_t *c, unsigned lo)
{
    return c[lo] | c[lo + 1] << 8;
}

static void test_cmos_memory(void **state)
{
    (void)state;
    uint8_t c[128];
    cmos_of(128, NULL, c);
    assert_int_equal(w(c, 0x15), 640);
    assert_int_equal(w(c, 0x17), 0xFFFF); /* 127 MiB in KiB: capped */
    assert_int_equal(w(c, 0x30), 0xFFFF);
    assert_int_equal(w(c, 0x34), (128 - 16) * 16);
    assert_int_equal(c[0x5B] | c[0x5C] | c[0x5D], 0);
    assert_int_equal(c[0x5F], 0);
    cmos_of(2, NULL, c);
    assert_int_equal(w(c, 0x17), 1024);
    assert_int_equal(w(c, 0x30), 1024);
    assert_int_equal(w(c, 0x34), 0);
    cmos_of(16, NULL, c);
    assert_int_equal(w(c, 0x17), 15 * 1024);
    assert_int_equal(w(c, 0x34), 0);
    cmos_of(3072, NULL, c);
    assert_int_equal(w(c, 0x34), (3072 - 16) * 16);
    assert_int_equal(c[0x2E], 0xEE); /* the checksum is the RTC's */
}

static void test_cmos_equipment_boot(void **state)
{
    (void)state;
    uint8_t c[128];
    cmos_of(128, NULL, c);
    assert_int_equal(c[0x14], 0x06); /* FPU, PS/2 mouse, no floppy */
    assert_int_equal(c[0x10], 0x00);
    /* QEMU's default order "cad": disk, floppy, CD */
    assert_int_equal(c[0x3D], 0x12);
    assert_int_equal(c[0x38], 0x30);
    cmos_of(128, "dcn", c);
    assert_int_equal(c[0x3D], 0x23);
    assert_int_equal(c[0x38], 0x40);
    cmos_of(128, "c", c);
    assert_int_equal(c[0x3D], 0x02);
    assert_int_equal(c[0x38], 0x00);
}

static void test_e820(void **state)
{
    (void)state;
    struct pcfw_config c = { .ram_size = 256u << 20, .ncpus = 1 };
    uint8_t e[PCFW_E820_ENTRY + 4];
    memset(e, 0xEE, sizeof(e));
    assert_int_equal(pcfw_e820(&c, e, sizeof(e)), PCFW_E820_ENTRY);
    static const uint8_t want[PCFW_E820_ENTRY] = { 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,
                                                   0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0 };
    assert_memory_equal(e, want, sizeof(want));
    assert_int_equal(e[PCFW_E820_ENTRY], 0xEE);
    /* a short buffer gets what fits; the length is still the table's */
    assert_int_equal(pcfw_e820(&c, e, 4), PCFW_E820_ENTRY);
}

static char *write_file(size_t size)
{
    char *path = strdup("/tmp/xbt-test-bios-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t *buf = calloc(1, size ? size : 1);
    for (size_t i = 0; i < size; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    free(buf);
    close(fd);
    return path;
}

static void test_bios_image(void **state)
{
    (void)state;
    char err[256];
    struct bios_image img;
    char *good = write_file(0x20000);
    assert_int_equal(bios_image_load(&img, good, err, sizeof(err)), 0);
    assert_int_equal(img.size, 0x20000);
    assert_int_equal(img.data[0x1FFFF], 0xFF);
    bios_image_free(&img);
    assert_null(img.data);
    unlink(good);
    free(good);

    char *odd = write_file(0x20000 - 512);
    assert_int_equal(bios_image_load(&img, odd, err, sizeof(err)), XBT_EFORMAT);
    assert_non_null(strstr(err, "multiple of 64 KiB"));
    assert_non_null(strstr(err, odd));
    assert_null(img.data);
    unlink(odd);
    free(odd);

    char *empty = write_file(0);
    assert_int_equal(bios_image_load(&img, empty, err, sizeof(err)), XBT_EFORMAT);
    unlink(empty);
    free(empty);

    assert_int_equal(bios_image_load(&img, "/nonexistent/bios.bin", err, sizeof(err)), XBT_ENOENT);
    assert_string_equal(err, "/nonexistent/bios.bin: No such file or directory");
    assert_int_equal(bios_image_load(&img, "/tmp", err, sizeof(err)), XBT_EFORMAT);
    assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmos_memory),
        cmocka_unit_test(test_cmos_equipment_boot),
        cmocka_unit_test(test_e820),
        cmocka_unit_test(test_bios_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
