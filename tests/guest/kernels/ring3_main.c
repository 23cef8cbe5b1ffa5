/*
 * ring3_main.c - runs a portable test (int test_main(void), portable.h) at
 * CPL 3 in a guest kernel, as its native build runs at CPL 3 under Linux,
 * through the runtime's ring3_run() (lib/ring3.c: flat ring-3 segments,
 * IOPL 3 so that the test prints through COM1 itself, IF = 0, a TSS for
 * the exceptions, `int $0x2f` back to ring 0 with the result).  A kernel
 * built from a portable test and this file (not PORTABLE, which would link
 * the ring-0 shim testmain.c) prints what the test prints at ring 0
 * wherever the architecture gives CPL 3 the same results.
 */
#include "portable.h"

const char *xbt_cmdline;

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    if (magic == 0x2BADB002u && mbi && (mbi->flags & (1u << 2)))
        xbt_cmdline = (const char *)(uintptr_t)mbi->cmdline;
    return ring3_run(test_main);
}
