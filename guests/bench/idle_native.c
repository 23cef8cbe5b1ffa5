/*
 * idle_native.c - native twin of idle.c: a periodic timerfd with the PIT's
 * period (999.85 us); the loop blocks in read() until each of N periods
 * has passed, then does the same little compute.  The same checksum.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench.h"

static int tfd;
static uint64_t expired;

static inline void idle_wait(uint32_t t)
{
    while (expired <= t) {
        uint64_t k;
        if (read(tfd, &k, sizeof k) != (ssize_t)sizeof k) {
            perror("timerfd read");
            exit(2);
        }
        expired += k;
    }
}

#include "idle_bench.h"

int main(int argc, char **argv)
{
    long n = bench_arg(argc > 1 ? argv[1] : 0, 20);
    tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    if (tfd < 0) {
        perror("timerfd_create");
        return 2;
    }
    struct itimerspec its = { .it_interval = { 0, IDLE_PERIOD_NS },
                              .it_value = { 0, IDLE_PERIOD_NS } };
    bench_start();
    if (timerfd_settime(tfd, 0, &its, NULL)) {
        perror("timerfd_settime");
        return 2;
    }
    uint32_t acc = idle_loop(n);
    bench_end(acc);
    printf("idle periods=%ld acc=%08x\n", n, (unsigned)acc);
    return 0;
}
