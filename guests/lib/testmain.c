/*
 * testmain.c - guest side of the portable test shim: a test written as
 * int test_main(void) (see portable.h) becomes a kernel whose kmain calls it.
 * The native side is native_main.c.
 */
#include "rt.h"

int test_main(void);

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    return test_main();
}
