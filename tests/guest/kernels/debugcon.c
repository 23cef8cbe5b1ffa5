/*
 * debugcon.c - the Bochs/QEMU 0xE9 debug console: checks the presence byte
 * (a read of port 0xE9 returns 0xE9), writes a few lines there, and reports
 * on COM1.  The 0xE9 bytes go to debugcon.e9's destination (xbt: stderr;
 * QEMU: the -debugcon chardev), not to the serial output.
 */
#include "io.h"
#include "rt.h"

static void e9_print(const char *s)
{
    while (*s)
        debugcon_putc(*s++);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    uint8_t probe = inb(DEBUGCON_PORT);

    printf("0xE9 presence byte: %02x (%s)\n", probe, probe == 0xE9 ? "present" : "absent");
    e9_print("debugcon: line one\n");
    e9_print("debugcon: line two, via outb\n");
    char buf[64];
    int n = snprintf(buf, sizeof buf, "debugcon: formatted %d %s\n", 42, "ok");
    debugcon_write(buf, (size_t)n);
    printf("wrote 3 lines to port 0xE9\n");
    return 0;
}
