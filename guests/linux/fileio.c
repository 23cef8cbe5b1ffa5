/*
 * fileio.c - Linux benchmark (`xbt bench` workload linux_fileio): file I/O
 * on a disk.  N rounds, each on one of FILES files in DIR: write FILE_SIZE
 * bytes of a pattern (CHUNK bytes per write), fsync, drop the file's pages
 * from the page cache (posix_fadvise DONTNEED: the reads go to the disk),
 * read it back, fold what was read into the checksum, unlink.  In the
 * guest DIR is the ext4 file system on the IDE disk; natively, a temporary
 * directory `xbt bench` makes (N = first argument, default 8; DIR = the
 * second, default ".").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define DEFAULT_ROUNDS 8
#define FILES 4
#define FILE_SIZE (256u << 10)
#define CHUNK (16u << 10)

static uint32_t buf[CHUNK / 4];

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "linux_fileio: %s %s: %s\n", what, path, strerror(errno));
    exit(2);
}

/* The pattern of round r: an LCG per chunk, seeded by round and offset. */
static void fill(long r, unsigned off)
{
    uint32_t x = (uint32_t)r * 2654435761u + off;
    for (unsigned i = 0; i < CHUNK / 4; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = x ^ (x >> 15); /* the low bits of an LCG repeat soon */
    }
}

static void write_file(const char *path, long r)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail("open", path);
    for (unsigned off = 0; off < FILE_SIZE; off += CHUNK) {
        fill(r, off);
        if (write(fd, buf, CHUNK) != (ssize_t)CHUNK)
            fail("write", path);
    }
    if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
        fail("fsync/fadvise", path);
    close(fd);
}

static uint32_t read_file(const char *path, uint32_t sum)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail("open", path);
    for (unsigned off = 0; off < FILE_SIZE; off += CHUNK) {
        if (read(fd, buf, CHUNK) != (ssize_t)CHUNK)
            fail("read", path);
        for (unsigned i = 0; i < CHUNK / 4; i++)
            sum = (sum ^ buf[i]) * 16777619u;
    }
    close(fd);
    return sum;
}

int main(int argc, char **argv)
{
    long rounds = bench_arg(argc > 1 ? argv[1] : 0, DEFAULT_ROUNDS);
    const char *dir = argc > 2 ? argv[2] : ".";
    char path[FILES][4096];
    for (int f = 0; f < FILES; f++)
        snprintf(path[f], sizeof path[f], "%s/xbt-fileio.%d", dir, f);
    uint32_t sum = BENCH_MIX_INIT;
    bench_start();
    for (long r = 0; r < rounds; r++) {
        const char *p = path[r % FILES];
        write_file(p, r);
        sum = read_file(p, sum);
        if (unlink(p))
            fail("unlink", p);
    }
    bench_end(sum);
    printf("fileio n=%ld sum=%08x\n", rounds, (unsigned)sum);
    return 0;
}
