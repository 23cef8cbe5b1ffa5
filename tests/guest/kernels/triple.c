/*
 * triple.c - loads an empty IDT and executes INT3: the #BP cannot be
 * delivered (#GP), neither can the #GP (#DF), nor the #DF: a triple fault.
 * xbt reports it with a register dump and exits with status 6.
 */
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } empty = {0, 0};
    printf("triggering a triple fault\n");
    serial_flush();
    __asm__ volatile("lidt %0\n\tint3" : : "m"(empty));
    printf("still running?\n");
    return 1;
}
