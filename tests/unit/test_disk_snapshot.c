/*
 * test_disk_snapshot.c - unit tests of the --snapshot overlay of raw disk
 * images (disk_image_open with DISK_SNAPSHOT): reads see the writes, sector
 * by sector, in runs that mix overlay and image across bitmap words; the
 * image file never changes, not on flush, not on close; a new open sees the
 * image again; the lock is shared (readers and other snapshots, no
 * writer); a file without write permission is accepted and ,readonly wins;
 * the overlay is an unlinked file in $TMPDIR, and a directory that cannot
 * hold it is one error line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices.h"
#include "xbt.h"

#define SS DISK_SECTOR_SIZE
/* 200 sectors: a bitmap of four 64-bit words, the last one partial */
#define SECTORS 200u

static uint8_t pattern(uint32_t lba, uint32_t i)
{
    return (uint8_t)(lba * 7 + i * 13 + 1);
}

static int make_image(char *path, size_t n)
{
    snprintf(path, n, "/tmp/xbt-test-snap-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    uint8_t s[SS];
    for (uint32_t lba = 0; lba < SECTORS; lba++) {
        for (uint32_t i = 0; i < SS; i++)
            s[i] = pattern(lba, i);
        if (write(fd, s, SS) != SS)
            return -1;
    }
    close(fd);
    return 0;
}

/* The file at path still holds the pattern everywhere. */
static void check_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    uint8_t s[SS];
    for (uint32_t lba = 0; lba < SECTORS; lba++) {
        assert_int_equal(pread(fd, s, SS, (off_t)lba * SS), SS);
        for (uint32_t i = 0; i < SS; i++)
            assert_int_equal(s[i], pattern(lba, i));
    }
    close(fd);
}

/* Sector lba of buf: the pattern, or the fill byte the test wrote. */
static void check_sector(const uint8_t *s, uint32_t lba, int fill)
{
    for (uint32_t i = 0; i < SS; i++)
        assert_int_equal(s[i], fill < 0 ? pattern(lba, i) : (uint8_t)fill);
}

static void fill_write(struct disk_image *d, uint32_t lba, uint32_t n, uint8_t v)
{
    uint8_t *b = malloc((size_t)n * SS);
    assert_non_null(b);
    memset(b, v, (size_t)n * SS);
    assert_int_equal(disk_image_write(d, lba, n, b), 0);
    free(b);
}

/* What the test wrote where: -1 for untouched sectors. */
static int expected_fill(uint32_t lba)
{
    if (lba >= 10 && lba <= 12)
        return 0xAA;
    if (lba >= 62 && lba <= 66)
        return lba == 64 ? 0xCC : 0xBB; /* 64 written twice */
    if (lba == SECTORS - 1)
        return 0xDD;
    return -1;
}

static void test_reads_see_writes(void **state)
{
    (void)state;
    char path[64], err[256];
    struct disk_image *d;
    assert_int_equal(make_image(path, sizeof(path)), 0);
    assert_int_equal(disk_image_open(&d, path, DISK_SNAPSHOT, err, sizeof(err)), 0);
    assert_true(disk_image_snapshot(d));
    assert_false(disk_image_readonly(d));
    assert_int_equal(disk_image_sectors(d), SECTORS);
    fill_write(d, 10, 3, 0xAA);
    fill_write(d, 62, 5, 0xBB); /* across the first bitmap word's end */
    fill_write(d, 64, 1, 0xCC);
    fill_write(d, SECTORS - 1, 1, 0xDD);
    uint8_t *all = malloc((size_t)SECTORS * SS);
    assert_non_null(all);
    assert_int_equal(disk_image_read(d, 0, SECTORS, all), 0);
    for (uint32_t lba = 0; lba < SECTORS; lba++)
        check_sector(all + (size_t)lba * SS, lba, expected_fill(lba));
    /* a read that starts and ends inside written runs */
    assert_int_equal(disk_image_read(d, 11, 55, all), 0);
    for (uint32_t k = 0; k < 55; k++)
        check_sector(all + (size_t)k * SS, 11 + k, expected_fill(11 + k));
    assert_int_equal(disk_image_read(d, SECTORS, 1, all), XBT_ERANGE);
    assert_int_equal(disk_image_write(d, SECTORS - 1, 2, all), XBT_ERANGE);
    assert_int_equal(disk_image_flush(d), 0);
    check_file(path);
    disk_image_close(d);
    check_file(path);
    /* a new open starts from the image again */
    assert_int_equal(disk_image_open(&d, path, DISK_SNAPSHOT, err, sizeof(err)), 0);
    assert_int_equal(disk_image_read(d, 10, 1, all), 0);
    check_sector(all, 10, -1);
    disk_image_close(d);
    free(all);
    unlink(path);
}

/* Shared lock: readers and other snapshots may open it, a writer may not;
 * a writer's image cannot be snapshotted. */
static void test_lock(void **state)
{
    (void)state;
    char path[64], err[256];
    struct disk_image *s1, *s2, *ro, *w;
    assert_int_equal(make_image(path, sizeof(path)), 0);
    assert_int_equal(disk_image_open(&s1, path, DISK_SNAPSHOT, err, sizeof(err)), 0);
    assert_int_equal(disk_image_open(&s2, path, DISK_SNAPSHOT, err, sizeof(err)), 0);
    assert_int_equal(disk_image_open(&ro, path, DISK_READONLY, err, sizeof(err)), 0);
    assert_int_equal(disk_image_open(&w, path, 0, err, sizeof(err)), XBT_EBUSY);
    assert_non_null(strstr(err, "in use"));
    /* two snapshots of one image do not see each other's writes */
    fill_write(s1, 5, 1, 0x11);
    uint8_t s[SS];
    assert_int_equal(disk_image_read(s2, 5, 1, s), 0);
    check_sector(s, 5, -1);
    disk_image_close(s1);
    disk_image_close(s2);
    disk_image_close(ro);
    assert_int_equal(disk_image_open(&w, path, 0, err, sizeof(err)), 0);
    assert_int_equal(disk_image_open(&s1, path, DISK_SNAPSHOT, err, sizeof(err)), XBT_EBUSY);
    disk_image_close(w);
    unlink(path);
}

/* A file without write permission needs no ,readonly with --snapshot;
 * with both, ,readonly wins: writes fail, no overlay. */
static void test_readonly_file(void **state)
{
    (void)state;
    char path[64], err[256];
    struct disk_image *d;
    assert_int_equal(make_image(path, sizeof(path)), 0);
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(disk_image_open(&d, path, DISK_SNAPSHOT, err, sizeof(err)), 0);
    fill_write(d, 0, 2, 0x22);
    disk_image_close(d);
    assert_int_equal(disk_image_open(&d, path, DISK_SNAPSHOT | DISK_READONLY, err, sizeof(err)), 0);
    assert_false(disk_image_snapshot(d));
    assert_true(disk_image_readonly(d));
    uint8_t s[SS] = { 0 };
    assert_int_equal(disk_image_write(d, 0, 1, s), XBT_EUNSUP);
    disk_image_close(d);
    check_file(path);
    unlink(path);
}

static int dir_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dp);
    return n;
}

/* The overlay lives in $TMPDIR, unlinked; a directory that cannot hold it
 * is an error naming it. */
static void test_tmpdir(void **state)
{
    (void)state;
    char path[64], err[256], dir[] = "/tmp/xbt-test-snapdir-XXXXXX";
    struct disk_image *d;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    assert_int_equal(make_image(path, sizeof(path)), 0);
    assert_non_null(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    assert_int_equal(disk_image_open(&d, path, DISK_SNAPSHOT, err, sizeof(err)), 0);
    fill_write(d, 3, 4, 0x33);
    assert_int_equal(dir_entries(dir), 0);
    disk_image_close(d);
    setenv("TMPDIR", "/nonexistent/xbt", 1);
    assert_int_equal(disk_image_open(&d, path, DISK_SNAPSHOT, err, sizeof(err)), XBT_EIO);
    assert_null(d);
    assert_non_null(strstr(err, "overlay"));
    assert_non_null(strstr(err, "/nonexistent/xbt"));
    assert_null(strchr(err, '\n'));
    /* the image's lock went with the failed open */
    assert_int_equal(disk_image_open(&d, path, 0, err, sizeof(err)), 0);
    disk_image_close(d);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    rmdir(dir);
    check_file(path);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_see_writes),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_readonly_file),
        cmocka_unit_test(test_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
