/*
 * kbc_reset.c - resets the machine through the i8042 keyboard controller
 * (command 0xFE pulses the CPU reset line), as Linux's default reboot
 * does.  xbt reports the reset and ends with status 10 (or restarts with
 * --reboot).
 */
#include "pc_common.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    outb(0x64, 0xAA);   /* self test */
    while (!(inb(0x64) & 1))
        ;
    printf("i8042 self test: %02x\n", inb(0x60));
    printf("resetting\n");
    while (inb(0x64) & 2)
        ;
    outb(0x64, 0xFE);
    for (;;)
        __asm__ volatile("hlt");
}
