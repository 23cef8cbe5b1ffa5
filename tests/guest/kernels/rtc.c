/*
 * rtc.c - the MC146818 CMOS clock: reads the date and time in BCD and in
 * binary (register B DM), 12-hour mode, waits for the update-in-progress
 * bit, checks register D (VRT) and NVRAM round trips.  Only the validity of
 * the date is printed, so the output matches QEMU's on any day; with
 * --rtc-base (rtc_fixed.c) the exact date is checked.
 */
#include <stdbool.h>

#include "pc_common.h"

static unsigned bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 15);
}

static void read_time(unsigned t[6])
{
    /* wait for the end of an update cycle, then read */
    while (cmos_read(0x0A) & 0x80)
        ;
    static const uint8_t regs[6] = {0x09, 0x08, 0x07, 0x04, 0x02, 0x00};
    for (int i = 0; i < 6; i++)
        t[i] = cmos_read(regs[i]);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    unsigned t[6];
    uint8_t b = cmos_read(0x0B);
    printf("register B: 24h=%u binary=%u\n", (b >> 1) & 1, (b >> 2) & 1);
    printf("register D valid RAM and time: %u\n", cmos_read(0x0D) >> 7);
    read_time(t);
    unsigned year = bcd((uint8_t)t[0]), mon = bcd((uint8_t)t[1]), day = bcd((uint8_t)t[2]);
    unsigned hour = bcd((uint8_t)t[3]), min = bcd((uint8_t)t[4]), sec = bcd((uint8_t)t[5]);
    bool ok = mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour < 24 && min < 60 && sec < 60;
    printf("BCD date/time valid: %s\n", ok ? "yes" : "no");
    /* binary mode */
    cmos_write(0x0B, b | 0x04);
    read_time(t);
    ok = t[1] >= 1 && t[1] <= 12 && t[2] >= 1 && t[2] <= 31 && t[3] < 24 && t[4] < 60 && t[5] < 60;
    printf("binary date/time valid: %s, same day: %s\n", ok ? "yes" : "no",
           (t[2] == day && t[1] == mon && t[0] == year) ? "yes" : "no");
    cmos_write(0x0B, b);
    /* NVRAM */
    cmos_write(0x40, 0x5A);
    cmos_write(0x41, 0xA5);
    printf("NVRAM round trip: %02x %02x\n", cmos_read(0x40), cmos_read(0x41));
    return 0;
}
