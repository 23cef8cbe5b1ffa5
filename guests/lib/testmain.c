/*
 * testmain.c - guest side of the portable test shim: a test written as
 * int test_main(void) (see portable.h) becomes a kernel whose kmain calls it.
 * The native side is native_main.c.
 */
#include "rt.h"

int test_main(void);

const char *xbt_cmdline;

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    if (magic == 0x2BADB002u && mbi && (mbi->flags & (1u << 2)))
        xbt_cmdline = (const char *)(uintptr_t)mbi->cmdline;
    return test_main();
}
