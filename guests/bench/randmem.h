/*
 * randmem.h - the access pattern shared by randmem (paging off in the
 * guest, a static array natively) and mmu_random (guest paging, 4 KiB
 * pages): random (LCG) dword loads and stores over a 16 MiB working set,
 * far more pages than a TLB holds.  Each access touches one of 16 dwords
 * (256 bytes apart) in a random page; 3 of 4 accesses are loads.  N rounds
 * of 16384 accesses.  The same checksum wherever the 16 MiB live.
 */
#ifndef RANDMEM_H
#define RANDMEM_H

#include <stdint.h>

#define RANDMEM_PAGES 4096u
#define RANDMEM_SLOTS 16u
#define RANDMEM_PER_ROUND 16384u
#define RANDMEM_BYTES (RANDMEM_PAGES * 4096u)

static inline uint32_t randmem_rd(uint32_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static inline void randmem_wr(uint32_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }

/* Gives every slot a known value (RAM is not assumed zero). */
static inline void randmem_init(uint32_t base)
{
    for (uint32_t p = 0; p < RANDMEM_PAGES; p++)
        for (uint32_t s = 0; s < RANDMEM_SLOTS; s++)
            randmem_wr(base + p * 4096u + s * 256u, p * RANDMEM_SLOTS + s);
}

/* The timed loop; returns the sum of the loads, counts the stores. */
static inline uint32_t randmem_run(uint32_t base, long n, unsigned *writes)
{
    uint32_t x = 12345u, sum = 0;
    for (long r = 0; r < n; r++) {
        for (unsigned i = 0; i < RANDMEM_PER_ROUND; i++) {
            x = x * 1103515245u + 12345u;
            uint32_t a = base + ((x >> 8) & (RANDMEM_PAGES - 1)) * 4096u +
                         ((x >> 20) & (RANDMEM_SLOTS - 1)) * 256u;
            if ((x >> 30) == 0) {
                randmem_wr(a, sum ^ x);
                (*writes)++;
            } else {
                sum = sum * 31u + randmem_rd(a);
            }
        }
    }
    return sum;
}

/* A hash of every slot. */
static inline uint32_t randmem_mem(uint32_t base)
{
    uint32_t mem = 0;
    for (uint32_t p = 0; p < RANDMEM_PAGES; p++)
        for (uint32_t s = 0; s < RANDMEM_SLOTS; s++)
            mem = mem * 33u + randmem_rd(base + p * 4096u + s * 256u);
    return mem;
}

#endif
