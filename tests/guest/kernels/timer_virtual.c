/*
 * timer_virtual.c - exact timer counts under xbt's --clock=virtual, where
 * guest time is 1 ns per executed instruction: the same run gives the same
 * numbers every time.  Counts RTC periodic interrupts during 100 PIT ticks
 * spent halted, and PIT ticks during a fixed amount of busy work.
 */
#include "pc_common.h"

static volatile unsigned pit_ticks, rtc_ticks;

static void on_pit(struct isr_frame *f)
{
    (void)f;
    pit_ticks++;
    pic_eoi(0);
}

static void on_rtc(struct isr_frame *f)
{
    (void)f;
    if (cmos_read(0x0C) & 0x40)
        rtc_ticks++;
    pic_eoi(8);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    idt_init();
    isr_register(PIC_MASTER_BASE + 0, on_pit);
    isr_register(PIC_SLAVE_BASE + 0, on_rtc);
    pic_remap(0xFA, 0xFE);
    cmos_write(0x0A, (cmos_read(0x0A) & 0xF0) | 0x06);
    cmos_write(0x0B, cmos_read(0x0B) | 0x40);
    (void)cmos_read(0x0C);
    pit_periodic(1193);
    __asm__ volatile("sti");
    while (pit_ticks < 100)
        __asm__ volatile("hlt");
    printf("halted for 100 PIT ticks: %u RTC interrupts\n", rtc_ticks);
    unsigned before = pit_ticks;
    for (volatile int i = 0; i < 3000000; i++)
        ;
    printf("busy loop: %u PIT ticks\n", pit_ticks - before);
    __asm__ volatile("cli");
    return 0;
}
