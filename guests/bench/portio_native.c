/*
 * portio_native.c - native twin of portio.c.  Port I/O needs root
 * (ioperm, /dev/port), so the closest unprivileged equivalent is one system
 * call per guest port access: lseek() for a write to the index port,
 * write() / read() of one byte for the data port, on a 128-byte memfd that
 * stands in for the CMOS RAM.  The same checksum.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

static int cmos_fd;

static void fail(const char *what)
{
    perror(what);
    exit(2);
}

static inline void portio_select(uint8_t idx)
{
    if (lseek(cmos_fd, idx, SEEK_SET) != idx)
        fail("lseek");
}

static inline void portio_put(uint8_t v)
{
    if (write(cmos_fd, &v, 1) != 1)
        fail("write");
}

static inline uint8_t portio_get(void)
{
    uint8_t v;
    if (read(cmos_fd, &v, 1) != 1)
        fail("read");
    return v;
}

#include "portio_bench.h"

int main(int argc, char **argv)
{
    long n = bench_arg(argc > 1 ? argv[1] : 0, 1000);
    cmos_fd = memfd_create("cmos", 0);
    if (cmos_fd < 0 || ftruncate(cmos_fd, 128))
        fail("memfd");
    portio_fill();
    bench_start();
    uint32_t acc = portio_loop(n);
    bench_end(acc);
    printf("portio n=%ld accesses=%ld acc=%08x\n", n, n * 4, (unsigned)acc);
    return 0;
}
