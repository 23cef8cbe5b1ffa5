/*
 * exitcode.c - the exit status path: kmain returns 3, crt0 writes it to the
 * isa-debug-exit port, and the host exit status is (3 << 1) | 1 = 7.
 */
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    printf("returning 3 from kmain: expect host exit status 7\n");
    return 3;
}
