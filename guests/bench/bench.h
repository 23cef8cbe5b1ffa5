/*
 * bench.h - the measured-region markers every benchmark workload prints, for
 * `xbt bench` (src/bench/): "bench: start" right before the timed work and
 * "bench: end XXXXXXXX" (a 32-bit checksum of the results, the same
 * natively, under xbt and under QEMU) right after it.  The harness
 * timestamps their arrival on the serial line (natively: stdout, flushed at
 * each marker).  Also: the checksum mix and, for native twins with their own
 * main(), the amount of work from argv.  Works in guest kernels (rt.h) and
 * in native programs (-DXBT_NATIVE).
 */
#ifndef XBT_GUEST_BENCH_H
#define XBT_GUEST_BENCH_H

#include <stdint.h>

#ifdef XBT_NATIVE
#include <stdio.h>
#define BENCH_FLUSH() fflush(stdout)
#else
#include "rt.h"
#define BENCH_FLUSH() ((void)0)
#endif

static inline void bench_start(void)
{
    printf("bench: start\n");
    BENCH_FLUSH();
}

static inline void bench_end(uint32_t checksum)
{
    printf("bench: end %08x\n", (unsigned)checksum);
    BENCH_FLUSH();
}

/* FNV-1a over the four bytes of v: folds one result into a checksum. */
static inline uint32_t bench_mix(uint32_t h, uint32_t v)
{
    for (int k = 0; k < 4; k++, v >>= 8)
        h = (h ^ (v & 0xFFu)) * 16777619u;
    return h;
}
#define BENCH_MIX_INIT 2166136261u

/* The last word of s as a decimal number, or dflt (like xbt_arg_long()). */
static inline long bench_arg(const char *s0, long dflt)
{
    const char *s, *last = 0;
    if (!s0)
        return dflt;
    for (s = s0; *s; s++)
        if (*s != ' ' && (s == s0 || s[-1] == ' '))
            last = s;
    long v = 0;
    int digits = 0;
    for (s = last; s && *s >= '0' && *s <= '9'; s++, digits++)
        v = v * 10 + (*s - '0');
    return digits ? v : dflt;
}

#endif
