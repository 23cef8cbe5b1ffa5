/*
 * apic_absent.c - the machine with --no-apic, a PC without APICs: CPUID
 * has no APIC bit, the APIC_BASE MSR reads with its global enable clear
 * and is only stored (setting the bit brings no APIC), nothing answers at
 * 0xFEE00000 or 0xFEC00000 (open bus), there is no MP table, and the
 * 8259 drives the CPU's INTR pin.
 */
#include "apic_common.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    apic_test_init();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    printf("CPUID.1:EDX.APIC: %u\n", cpuid_apic());
    printf("APIC_BASE: %#x\n", (unsigned)base);
    printf("0xfee00030 reads %#x, 0xfec00010 reads %#x\n", lapic_read(LAPIC_VER),
           *(volatile uint32_t *)(IOAPIC_BASE + 0x10));
    wrmsr(MSR_APIC_BASE, base | 0x800);
    printf("enable bit set: MSR %#x, CPUID.1:EDX.APIC %u, 0xfee00030 reads %#x\n",
           (unsigned)rdmsr(MSR_APIC_BASE), cpuid_apic(), lapic_read(LAPIC_VER));
    wrmsr(MSR_APIC_BASE, base);
    bool mp = false;
    for (uint32_t a = 0xF0000; a < 0x100000; a += 16)
        mp |= !memcmp((const void *)a, "_MP_", 4);
    printf("MP floating pointer: %s\n", mp ? "found" : "none");
    isr_register(PIC_MASTER_BASE, on_pic_timer);
    sti();
    outb(0x21, 0xFE);
    pit_wait_ms(10);
    outb(0x21, 0xFF);
    cli();
    printf("8259 timer ticks: %s\n", pic_ticks >= 5 ? "yes" : "no");
    return 0;
}
