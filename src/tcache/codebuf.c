/*
 * codebuf.c - the code buffer: one memfd mapped twice, read+execute for the
 * CPU and read+write for the translator, so no page is ever writable and
 * executable through the same mapping (W^X); for tcsim, a reservation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcache.h"
#include "tc_internal.h"

/* A simulated cache (tc->sim): address space only, never touched, so
 * unit addresses and offsets are what they would be. */
static int map_sim(struct tcache *tc, size_t size)
{
    tc->rx = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (tc->rx == MAP_FAILED) {
        tc->rx = NULL;
        return XBT_ENOMEM;
    }
    tc->rw = NULL;
    tc->size = size;
    tc->used = 0;
    return 0;
}

int tc_codebuf_map(struct tcache *tc, size_t size)
{
    if (tc->sim)
        return map_sim(tc, size);
    tc->memfd = memfd_create("xbt-code", MFD_CLOEXEC);
    if (tc->memfd < 0)
        return XBT_EIO;
    if (ftruncate(tc->memfd, (off_t)size) != 0)
        goto fail_fd;
    tc->rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, tc->memfd, 0);
    if (tc->rx == MAP_FAILED)
        goto fail_fd;
    tc->rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, tc->memfd, 0);
    if (tc->rw == MAP_FAILED) {
        munmap(tc->rx, size);
        goto fail_fd;
    }
    tc->size = size;
    tc->used = 0;
    return 0;
fail_fd:
    close(tc->memfd);
    tc->memfd = -1;
    tc->rx = tc->rw = NULL;
    return XBT_ENOMEM;
}

void tc_codebuf_unmap(struct tcache *tc)
{
    if (tc->rx)
        munmap(tc->rx, tc->size);
    if (tc->rw)
        munmap(tc->rw, tc->size);
    if (tc->memfd >= 0)
        close(tc->memfd);
    tc->rx = tc->rw = NULL;
    tc->memfd = -1;
}
