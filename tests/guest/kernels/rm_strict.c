/*
 * rm_strict.c - real-mode segment limits per the Intel SDM (QEMU does not
 * check them in real mode; the 386 and later, and Bochs, do): a word at
 * offset FFFF raises #GP (no 64 KiB wrap), an SS access beyond the limit
 * #SS, a 32-bit address beyond 64 KiB #GP while the segment loaded in
 * protected mode with a 4 GiB limit (unreal mode) allows it, INT n beyond
 * the IDTR limit #GP, a far jump beyond the CS limit #GP.  Printed: per
 * fault its vector and the pushed IP relative to the faulting instruction.
 */
#include "rm_common.h"

extern char rm_strict_main[];

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    rm_setup();
    for (int round = 0; round < 3; round++) {
        rm_res_clear(16);
        rm_run(rm_off(rm_strict_main));
        printf("round %d (cr0 pe=%u):\n", round, sys_read_cr0() & 1);
        for (unsigned k = 0; k < 16 && rm_res_get(k); k++)
            printf("  vector %2u at %+d\n", rm_res_get(k) & 0xFFFF, (int16_t)(rm_res_get(k) >> 16));
    }
    printf("done\n");
    return 0;
}
