/*
 * hello.c - the smallest xbt guest: prints one line on COM1 and returns 0,
 * which crt0 writes to isa-debug-exit (host exit status 1).
 */
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)mbi;
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("bad multiboot magic %#x", magic);
    printf("Hello from an xbt guest!\n");
    return 0;
}
