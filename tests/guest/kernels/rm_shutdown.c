/*
 * rm_shutdown.c - the double-fault and shutdown rules in real mode (SDM
 * Vol. 3, 6.15 and 20.1.4): an INT n past the IDTR limit raises #GP; a
 * #GP while delivering it (its own vector past the limit) is a #DF,
 * delivered through the IVT; when #DF cannot be delivered either the CPU
 * shuts down (xbt: status 6 with the register dump).  QEMU resets or
 * stops instead of reporting the shutdown the same way: skipped there.
 */
#include "rm_common.h"

extern char rm_df_main[], rm_shutdown_main[];

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    rm_setup();
    rm_res_clear(4);
    rm_run(rm_off(rm_df_main));
    printf("INT 40h, IDTR limit 33h: vector %u, pushed IP at INT%+d\n", rm_res_get(0) >> 16,
           (int16_t)rm_res_get(0));
    printf("INT 40h, IDTR limit 1Fh: shutdown expected\n");
    serial_flush();
    rm_run(rm_off(rm_shutdown_main));
    printf("not reached\n");
    return 0;
}
