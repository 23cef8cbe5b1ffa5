/*
 * native_util.h - helpers for the native twins of the kernel-only
 * benchmarks (mmu_*_native.c): a memfd of "physical" frames and mapping one
 * of them at a page, exiting with a message on any failure.
 */
#ifndef NATIVE_UTIL_H
#define NATIVE_UTIL_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPAGE 4096u

static inline void native_fail(const char *what)
{
    perror(what);
    exit(2);
}

/* A memfd of n zeroed frames. */
static inline int native_frames(unsigned n)
{
    int fd = memfd_create("frames", 0);
    if (fd < 0 || ftruncate(fd, (off_t)n * NPAGE))
        native_fail("memfd");
    return fd;
}

/* Maps frame f of fd at va (replacing whatever was there), read/write. */
static inline void native_map(int fd, uint8_t *va, unsigned f)
{
    if (mmap(va, NPAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
             (off_t)f * NPAGE) == MAP_FAILED)
        native_fail("mmap");
}

/* Reserves n pages of address space (inaccessible). */
static inline uint8_t *native_reserve(unsigned n)
{
    void *p = mmap(NULL, (size_t)n * NPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        native_fail("mmap reserve");
    return p;
}

static inline uint32_t nrd32(const uint8_t *a) { return *(const volatile uint32_t *)a; }
static inline void nwr32(uint8_t *a, uint32_t v) { *(volatile uint32_t *)a = v; }

#endif
