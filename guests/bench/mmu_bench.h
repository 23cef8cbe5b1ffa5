/*
 * mmu_bench.h - shared bits of the mmu_* benchmark kernels (kernel-only:
 * they need paging, see ../common/mmu_common.h): the amount of work from the
 * multiboot command line, like xbt_arg_long() in portable.h.
 */
#ifndef MMU_BENCH_H
#define MMU_BENCH_H

#include "mmu_common.h"

/* The last word of the multiboot command line as a decimal number, or dflt
 * (QEMU puts the kernel path before the -append string). */
static inline long mmu_bench_arg(uint32_t magic, struct multiboot_info *mbi, long dflt)
{
    if (magic != 0x2BADB002u || !mbi || !(mbi->flags & (1u << 2)) || !mbi->cmdline)
        return dflt;
    const char *s0 = (const char *)(uintptr_t)mbi->cmdline, *s, *last = NULL;
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
