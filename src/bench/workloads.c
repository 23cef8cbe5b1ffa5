/*
 * workloads.c - the table of `xbt bench` workloads: each is a guest kernel
 * in build/guests (source in guests/bench/) with a native twin in
 * build/guests/native, a class, what the native run is, and its amount of
 * work (the last word of the command line) for a full run and for --quick.
 * Work sizes give about 0.25 s natively on the reference machine.  The
 * linux class (opt-in: a boot takes seconds) runs static i386 programs
 * (guests/linux/linux.cmake) in Debian's i386 Linux (linux.c), natively
 * the same programs; linux_boot times the boot itself.
 */
#include <stdio.h>
#include <string.h>

#include "bench_int.h"

#define SAME_SOURCE "the same C source, gcc -m32 -O2 -static"

static const struct bench_workload workloads[] = {
    { "crc32", BENCH_COMPUTE, "bench_crc32.elf", "bench_crc32", SAME_SOURCE, 1500, 4, 1.5, 0, 0,
      NULL },
    { "sort", BENCH_COMPUTE, "bench_sort.elf", "bench_sort", SAME_SOURCE, 20, 1, 1.5, 0, 0, NULL },
    { "qsort", BENCH_COMPUTE, "bench_qsort.elf", "bench_qsort",
      SAME_SOURCE " (indirect comparator calls)", 20, 1, 2.5, 0, 0, NULL },
    { "qsort_pg", BENCH_COMPUTE, "bench_qsort_pg.elf", "bench_qsort",
      "qsort natively; guest: paging on (4 KiB PTEs), INVLPG every 256 and "
      "CR3 reload every 4096 comparisons",
      20, 1, 0, 0, 0, NULL },
    { "bytecode", BENCH_COMPUTE, "bench_bytecode.elf", "bench_bytecode",
      SAME_SOURCE " (switch dispatch)", 50, 1, 2.5, 0, 0, NULL },
    { "codefoot", BENCH_COMPUTE, "bench_codefoot.elf", "bench_codefoot",
      SAME_SOURCE "; 1024 functions, sliding cold window (translation-cache "
                  "studies)",
      1000, 20, 0, 0, 0, NULL },
    { "randmem", BENCH_COMPUTE, "bench_randmem.elf", "bench_randmem",
      SAME_SOURCE "; 16 MiB random access (guest paging off)", 3000, 4, 0, 0, 0, NULL },
    { "mmu_random", BENCH_COMPUTE, "bench_mmu_random.elf", "bench_randmem",
      "randmem natively: the same accesses under host paging (guest: 4096 "
      "4 KiB PTEs, paging on)",
      3000, 4, 0, 0, 0, NULL },
    { "sort_paged", BENCH_COMPUTE, "bench_sort_paged.elf", "bench_sort",
      "sort natively; the guest runs it with paging on (identity, 4 KiB PTEs)", 20, 1, 1.5, 0, 0,
      NULL },
    { "crc32_paged", BENCH_COMPUTE, "bench_crc32_paged.elf", "bench_crc32",
      "crc32 natively; the guest runs it with paging on (identity, 4 KiB PTEs)", 1500, 4, 1.5, 0, 0,
      NULL },
    { "qsort_paged", BENCH_COMPUTE, "bench_qsort_paged.elf", "bench_qsort",
      "qsort natively; the guest runs it with paging on (identity, 4 KiB PTEs)", 20, 1, 2.5, 0, 0,
      NULL },
    { "syscall", BENCH_OS, "bench_syscall.elf", "bench_syscall",
      "getppid() through syscall() per guest int $0x80 round trip", 1000000, 1000, 0, 0, 0, NULL },
    { "mmu_pagefault", BENCH_OS, "bench_mmu_pagefault.elf", "bench_mmu_pagefault",
      "mmap(MAP_FIXED) of a memfd page / touch / munmap; demand half: SIGSEGV "
      "handler mmaps the page",
      30000, 200, 0, 0, 0, NULL },
    { "mmu_asswitch", BENCH_OS, "bench_mmu_asswitch.elf", "bench_mmu_asswitch",
      "pipe round trip with a child pinned to the same CPU (2 process "
      "switches) per 2 guest CR3 loads",
      40000, 50, 0, 0, 0, NULL },
    { "mmu_ptewrite", BENCH_OS, "bench_mmu_ptewrite.elf", "bench_mmu_ptewrite",
      "mmap(MAP_FIXED) of another memfd page over the live mapping per guest "
      "PTE write + INVLPG",
      5000, 20, 0, 0, 0, NULL },
    { "portio", BENCH_IO, "bench_portio.elf", "bench_portio",
      "one syscall per guest port access (lseek/write/read on a memfd "
      "standing in for CMOS RAM; port I/O needs root)",
      300000, 1000, 0, 0, 0, NULL },
    { "idle", BENCH_IOBOUND, "bench_idle.elf", "bench_idle",
      "the same number of waits on a periodic timerfd (PIT period "
      "999.85 us)",
      500, 20, 1.1, 0, 0, NULL },
    { "jit", BENCH_SMC, "bench_jit.elf", "bench_jit",
      SAME_SOURCE "; code buffer: an mmap'd RWX page", 3000, 10, 0, 0, 0, NULL },
    /* Linux: the xbt/QEMU targets are the (boot in half QEMU's
     * time, in-guest work no slower than QEMU) */
    { "linux_boot", BENCH_LINUX, "boot", NULL,
      "none: the boot, from the process start to the first line of the "
      "initramfs's /init",
      1, 1, 0, 0.5, BENCH_WL_BOOT, NULL },
    { "linux_crc32", BENCH_LINUX, "bench_crc32", "bench_crc32",
      "the same static i386 program (crc32's native twin)", 1500, 4, 0, 1.0, 0, NULL },
    { "linux_sort", BENCH_LINUX, "bench_sort", "bench_sort",
      "the same static i386 program (sort's native twin)", 20, 1, 0, 1.0, 0, NULL },
    { "linux_qsort", BENCH_LINUX, "bench_qsort", "bench_qsort",
      "the same static i386 program (qsort's native twin: indirect comparator calls)", 20, 1, 0,
      1.0, 0, NULL },
    { "linux_syscall", BENCH_LINUX, "bench_syscall", "bench_syscall",
      "the same static i386 program: getppid() through syscall()", 1000000, 1000, 0, 1.0, 0, NULL },
    { "linux_forkexec", BENCH_LINUX, "linux_forkexec", "linux_forkexec",
      "the same static i386 program: fork, execve of a tiny static program, "
      "waitpid",
      750, 10, 0, 1.0, 0, NULL },
    { "linux_fileio", BENCH_LINUX, "linux_fileio", "linux_fileio",
      "the same static i386 program in a temporary directory (guest: ext4 on "
      "the IDE disk): write, fsync, read back 256 KiB files",
      150, 4, 0, 1.0, BENCH_WL_DISK, NULL },
    /* PC disk images through the BIOS: the target, the kernel's
     * first line no later than under QEMU */
    { "disk_syslinux", BENCH_DISK, "syslinux.img", NULL,
      "none: SeaBIOS, SYSLINUX, the Linux kernel's first line (the image is "
      "not written: --snapshot, snapshot=on)",
      1, 1, 0, 1.0, BENCH_WL_BOOT, "Linux version " },
    { "disk_grub", BENCH_DISK, "grub.img", NULL,
      "none: SeaBIOS, GRUB 2, the Linux kernel's first line (the image is "
      "not written)",
      1, 1, 0, 1.0, BENCH_WL_BOOT, "Linux version " },
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
    case BENCH_LINUX: return "linux";
    case BENCH_DISK: return "disk";
    }
    return "?";
}

bool bench_class_find(const char *name, enum bench_class *out)
{
    for (enum bench_class c = BENCH_COMPUTE; c <= BENCH_DISK; c++)
        if (!strcmp(bench_class_name(c), name)) {
            *out = c;
            return true;
        }
    return false;
}

bool bench_class_opt_in(enum bench_class c)
{
    return c == BENCH_LINUX || c == BENCH_DISK;
}

void bench_list(FILE *f)
{
    fprintf(f, "%-14s %-9s %8s %6s  %s\n", "workload", "class", "work", "quick",
            "native equivalent");
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++) {
        const struct bench_workload *w = &workloads[i];
        fprintf(f, "%-14s %-9s %8ld %6ld  %s\n", w->name, bench_class_name(w->cls), w->work,
                w->quick_work, w->native_desc);
    }
}
