/*
 * idle_bench.h - the loop of the idle (I/O-bound) benchmark, shared by the
 * guest kernel (idle.c: PIT interrupts, HLT) and its native twin
 * (idle_native.c: timerfd).  N periods of the PIT's ~1 kHz rate
 * (divisor 1193: 999.85 us); after each one a little compute.  The
 * includer defines idle_wait(t): block until more than t periods have
 * elapsed since the start.
 */
#ifndef IDLE_BENCH_H
#define IDLE_BENCH_H

#include <stdint.h>

#define IDLE_PIT_DIVISOR 1193u
#define IDLE_PERIOD_NS 999847u       /* 1193 / 1193182 Hz */

static inline void idle_wait(uint32_t t);

static inline uint32_t idle_loop(long n)
{
    uint32_t acc = 0;
    for (long t = 0; t < n; t++) {
        idle_wait((uint32_t)t);
        for (int k = 0; k < 100; k++)  /* a little work per period */
            acc = acc * 1103515245u + 12345u + (uint32_t)t;
    }
    return acc;
}

#endif
