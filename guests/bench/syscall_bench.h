/*
 * syscall_bench.h - the loop of the syscall benchmark, shared by the guest
 * kernel (syscall.c: `int $0x80` from ring 3) and its native twin
 * (syscall_native.c: getppid() through syscall()).  Only whether each call
 * succeeded (a result > 0) enters the checksum.
 */
#ifndef SYSCALL_BENCH_H
#define SYSCALL_BENCH_H

#include <stdint.h>

#define SYSCALL_BENCH_NR 64           /* getppid on i386 Linux */

#ifdef XBT_NATIVE
#include <sys/syscall.h>
#include <unistd.h>
static inline long syscall_bench_call(void) { return syscall(SYS_getppid); }
#else
static inline long syscall_bench_call(void)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "0"(SYSCALL_BENCH_NR) : "memory");
    return r;
}
#endif

static inline uint32_t syscall_bench_loop(long n)
{
    uint32_t acc = 0;
    for (long i = 0; i < n; i++) {
        long r = syscall_bench_call();
        acc = acc * 31u + (uint32_t)(r > 0) + (uint32_t)i;
    }
    return acc;
}

#endif
