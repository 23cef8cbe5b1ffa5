/*
 * rtc_fixed.c - with --rtc-base 1234567890 and the virtual clock, the RTC
 * reads exactly 2009-02-13 23:31:30 (UTC) at boot.
 */
#include "pc_common.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    while (cmos_read(0x0A) & 0x80)
        ;
    printf("20%02x-%02x-%02x %02x:%02x:%02x\n", cmos_read(0x09), cmos_read(0x08), cmos_read(0x07),
           cmos_read(0x04), cmos_read(0x02), cmos_read(0x00));
    return 0;
}
