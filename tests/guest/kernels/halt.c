/*
 * halt.c - ends with "cli; hlt" instead of the debug-exit port.  Nothing can
 * wake the CPU, so xbt ends the run with status 4.  (QEMU idles forever; the
 * qemu_halt test cuts it off and checks only the output.)
 */
#include "io.h"
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    printf("halting with interrupts disabled\n");
    for (;;) {
        cli();
        hlt();
    }
}
