/*
 * test_loader_linux.c - unit tests of the Linux boot protocol loader
 * (loader_linux, src/loader/linux.c) on bzImages made here (a setup header
 * and a few bytes of protected-mode kernel, in a memory file): a minimal
 * one loads at 1 MiB with its zero page; a file shorter than the setup
 * header is refused as truncated before any field past its end is read
 * (found by tests/fuzz/fuzz_bzimage.c); a syssize whose size in bytes
 * wraps 32 bits is refused as truncated, not loaded short.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader.h"

#define RAM (4u << 20)
#define PM_SIZE 64u /* protected-mode bytes after the setup sectors */

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* A protocol-2.15 bzImage with one setup sector: 1024 + PM_SIZE bytes. */
static size_t make_bzimage(uint8_t *f)
{
    memset(f, 0, 1024 + PM_SIZE);
    f[0x1F1] = 1;
    put32(f + 0x1F4, PM_SIZE / 16);
    put16(f + 0x1FE, 0xAA55);
    f[0x200] = 0xEB;
    f[0x201] = 0x66;
    memcpy(f + 0x202, "HdrS", 4);
    put16(f + 0x206, 0x020F);
    f[0x211] = 1; /* loaded high */
    put32(f + 0x214, 0x100000);
    put32(f + 0x238, 2048);
    for (unsigned i = 0; i < PM_SIZE; i++)
        f[1024 + i] = (uint8_t)(i ^ 0xC3);
    return 1024 + PM_SIZE;
}

/* loader_linux on f[0, len) in a memory file; err gets the message. */
static int load(const uint8_t *f, size_t len, uint8_t *ram, struct linux_boot *b, char *err,
                size_t errlen)
{
    int fd = memfd_create("bzimage", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, f, len), (ssize_t)len);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    err[0] = 0;
    int rc = loader_linux(ram, RAM, path, NULL, "console=ttyS0", b, err, errlen);
    close(fd);
    return rc;
}

static void test_minimal_loads(void **state)
{
    (void)state;
    static uint8_t f[2048], ram[RAM];
    size_t len = make_bzimage(f);
    struct linux_boot b;
    char err[256];
    assert_int_equal(load(f, len, ram, &b, err, sizeof(err)), 0);
    assert_int_equal(b.entry, 0x100000);
    assert_memory_equal(ram + 0x100000, f + 1024, PM_SIZE);
    assert_true(loader_is_bzimage(f, len));
}

/* Longer than the magic (loader_is_bzimage says yes) but shorter than the
 * header: the old version 1.00 in it must not be read as "too old". */
static void test_shorter_than_header(void **state)
{
    (void)state;
    static uint8_t f[2048], ram[RAM];
    make_bzimage(f);
    put16(f + 0x206, 0x0100);
    struct linux_boot b;
    char err[256];
    for (size_t len = 0x20A; len < 0x264; len += 0x11) {
        assert_true(loader_is_bzimage(f, len));
        assert_int_equal(load(f, len, ram, &b, err, sizeof(err)), XBT_EFORMAT);
        assert_non_null(strstr(err, "truncated"));
    }
}

/* syssize 0x10000004: 0x100000040 bytes after 1024 of setup, not 0x40. */
static void test_syssize_wraps(void **state)
{
    (void)state;
    static uint8_t f[2048], ram[RAM];
    size_t len = make_bzimage(f);
    put32(f + 0x1F4, 0x10000000u + PM_SIZE / 16);
    struct linux_boot b;
    char err[256];
    assert_int_equal(load(f, len, ram, &b, err, sizeof(err)), XBT_EFORMAT);
    assert_non_null(strstr(err, "truncated"));
    assert_non_null(strstr(err, "4294968384"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_loads),
        cmocka_unit_test(test_shorter_than_header),
        cmocka_unit_test(test_syssize_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
