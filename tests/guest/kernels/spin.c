/*
 * spin.c - prints a line, then spins forever in a one-instruction loop
 * (a translation unit chained to itself).  Used by tests/cli/console.sh:
 * Ctrl-A x on the console must still stop the machine.
 */
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    printf("spinning\n");
    for (;;)
        __asm__ volatile("");
}
