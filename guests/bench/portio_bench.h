/*
 * portio_bench.h - the loop of the portio benchmark, shared by the guest
 * kernel (portio.c: CMOS index/data ports 0x70/0x71) and its native twin
 * (portio_native.c: one system call per port access on a memfd standing in
 * for the 128 bytes of CMOS RAM).  Each round writes one byte of CMOS RAM
 * 0x40-0x7F (free storage on a PC and under QEMU) and reads back another:
 * four port accesses.  Bytes read were all written by this program.
 */
#ifndef PORTIO_BENCH_H
#define PORTIO_BENCH_H

#include <stdint.h>

#define PORTIO_FIRST 0x40u
#define PORTIO_COUNT 64u

/* Provided by the includer: select(index), put(byte), get() -> byte. */
static inline void portio_select(uint8_t idx);
static inline void portio_put(uint8_t v);
static inline uint8_t portio_get(void);

static inline void portio_fill(void)
{
    for (uint32_t k = 0; k < PORTIO_COUNT; k++) {
        portio_select((uint8_t)(PORTIO_FIRST + k));
        portio_put((uint8_t)(k * 37u + 11u));
    }
}

static inline uint32_t portio_loop(long n)
{
    uint32_t acc = 0;
    for (long i = 0; i < n; i++) {
        uint32_t u = (uint32_t)i;
        portio_select((uint8_t)(PORTIO_FIRST + (u & (PORTIO_COUNT - 1))));
        portio_put((uint8_t)(acc ^ u));
        portio_select((uint8_t)(PORTIO_FIRST + ((u * 5u + 3u) & (PORTIO_COUNT - 1))));
        acc = acc * 31u + portio_get();
    }
    return acc;
}

#endif
