/*
 * syscall_native.c - native twin of syscall.c: N getppid() calls through
 * syscall() (a real ring 3 -> 0 -> 3 round trip in the host kernel, i386
 * compat entry), the same checksum.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "bench.h"
#include "syscall_bench.h"

int main(int argc, char **argv)
{
    long rounds = bench_arg(argc > 1 ? argv[1] : 0, 1000);
    bench_start();
    uint32_t acc = syscall_bench_loop(rounds);
    bench_end(acc);
    printf("syscall n=%ld acc=%08x\n", rounds, (unsigned)acc);
    return 0;
}
