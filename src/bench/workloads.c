/*
 * workloads.c - the table of `xbt bench` workloads: each is a guest kernel
 * in build/guests (source in guests/bench/) with a native twin in
 * build/guests/native, a class, what the native run is, and its amount of
 * work (the last word of the command line) for a full run and for --quick.
 * Work sizes give about 0.25 s natively on the reference machine.
 */
#include <stdio.h>
#include <string.h>

#include "bench_int.h"

#define SAME_SOURCE "the same C source, gcc -m32 -O2 -static"

static const struct bench_workload workloads[] = {
    { "crc32", BENCH_COMPUTE, "bench_crc32.elf", "bench_crc32", SAME_SOURCE, 1500, 4, 1.5 },
    { "sort", BENCH_COMPUTE, "bench_sort.elf", "bench_sort", SAME_SOURCE, 20, 1, 1.5 },
    { "qsort", BENCH_COMPUTE, "bench_qsort.elf", "bench_qsort",
      SAME_SOURCE " (indirect comparator calls)", 20, 1, 2.5 },
    { "bytecode", BENCH_COMPUTE, "bench_bytecode.elf", "bench_bytecode",
      SAME_SOURCE " (switch dispatch)", 50, 1, 2.5 },
    { "codefoot", BENCH_COMPUTE, "bench_codefoot.elf", "bench_codefoot",
      SAME_SOURCE "; 1024 functions, sliding cold window (translation-cache "
                  "studies)",
      1000, 20, 0 },
    { "randmem", BENCH_COMPUTE, "bench_randmem.elf", "bench_randmem",
      SAME_SOURCE "; 16 MiB random access (guest paging off)", 3000, 4, 0 },
    { "mmu_random", BENCH_COMPUTE, "bench_mmu_random.elf", "bench_randmem",
      "randmem natively: the same accesses under host paging (guest: 4096 "
      "4 KiB PTEs, paging on)",
      3000, 4, 0 },
    { "syscall", BENCH_OS, "bench_syscall.elf", "bench_syscall",
      "getppid() through syscall() per guest int $0x80 round trip", 1000000, 1000, 0 },
    { "mmu_pagefault", BENCH_OS, "bench_mmu_pagefault.elf", "bench_mmu_pagefault",
      "mmap(MAP_FIXED) of a memfd page / touch / munmap; demand half: SIGSEGV "
      "handler mmaps the page",
      30000, 200, 0 },
    { "mmu_asswitch", BENCH_OS, "bench_mmu_asswitch.elf", "bench_mmu_asswitch",
      "pipe round trip with a child pinned to the same CPU (2 process "
      "switches) per 2 guest CR3 loads",
      40000, 50, 0 },
    { "mmu_ptewrite", BENCH_OS, "bench_mmu_ptewrite.elf", "bench_mmu_ptewrite",
      "mmap(MAP_FIXED) of another memfd page over the live mapping per guest "
      "PTE write + INVLPG",
      5000, 20, 0 },
    { "portio", BENCH_IO, "bench_portio.elf", "bench_portio",
      "one syscall per guest port access (lseek/write/read on a memfd "
      "standing in for CMOS RAM; port I/O needs root)",
      300000, 1000, 0 },
    { "idle", BENCH_IOBOUND, "bench_idle.elf", "bench_idle",
      "the same number of waits on a periodic timerfd (PIT period "
      "999.85 us)",
      500, 20, 1.1 },
    { "jit", BENCH_SMC, "bench_jit.elf", "bench_jit",
      SAME_SOURCE "; code buffer: an mmap'd RWX page", 3000, 10, 0 },
};

const struct bench_workload *bench_workloads(size_t *n)
{
    *n = sizeof workloads / sizeof workloads[0];
    return workloads;
}

const struct bench_workload *bench_workload_find(const char *name)
{
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        if (!strcmp(workloads[i].name, name))
            return &workloads[i];
    return NULL;
}

const char *bench_class_name(enum bench_class c)
{
    switch (c) {
    case BENCH_COMPUTE: return "compute";
    case BENCH_OS: return "os";
    case BENCH_IO: return "io";
    case BENCH_IOBOUND: return "io-bound";
    case BENCH_SMC: return "smc";
    }
    return "?";
}

void bench_list(FILE *f)
{
    fprintf(f, "%-13s %-9s %8s %6s  %s\n", "workload", "class", "work", "quick",
            "native equivalent");
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++) {
        const struct bench_workload *w = &workloads[i];
        fprintf(f, "%-13s %-9s %8ld %6ld  %s\n", w->name, bench_class_name(w->cls), w->work,
                w->quick_work, w->native_desc);
    }
}
