/*
 * rm_basic.c - real mode: from protected mode into real mode and back
 * (rm_head.inc/rm_tail.inc), then 16-bit arithmetic, 32-bit operands and
 * addresses in 16-bit code, segment arithmetic, 64 KiB offset and stack
 * wrap-around, far CALL/RETF, ENTER/LEAVE, PUSHA/POPA, LOOP, REP MOVSB,
 * the IVT (INT n with IF cleared inside and restored by IRET, INT3, INTO,
 * #DE, #UD, #BR with the pushed IP of a fault or a trap), unreal mode (FS
 * keeps its 4 GiB protected-mode limit), #UD for SLDT/LAR/ARPL, LGDT/SGDT with a 24-bit base, all run several times (a second
 * round uses the translations of the first).  Expected output from QEMU.
 */
#include "rm_common.h"

extern char rm_basic_main[];

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    rm_setup();
    for (int round = 0; round < 3; round++) {
        rm_res_clear(40);
        rm_run(rm_off(rm_basic_main));
        printf("round %d (cr0 pe=%u):", round, sys_read_cr0() & 1);
        for (unsigned k = 0; k < 35; k++)
            printf("%s%08x", k % 8 ? " " : "\n  ", rm_res_get(k));
        printf("\n");
    }
    printf("done\n");
    return 0;
}
