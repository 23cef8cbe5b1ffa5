/*
 * kbd_scan.c - prints the scancodes the keyboard sends through the i8042
 * (polling the status register) until the break code of Q, as hex on
 * COM1.  tests/cli/vga.sh types on it through xbt --display=text and
 * checks the codes (set 1: the controller translates by default).
 */
#include "io.h"
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    printf("kbd ready\n");
    unsigned n = 0;
    for (;;) {
        while (!(inb(0x64) & 1))
            ;
        uint8_t b = inb(0x60);
        printf("%02x%s", b, ++n % 16 ? " " : "\n");
        if (b == 0x90) /* Q released */
            break;
    }
    printf("\n%u bytes\n", n);
    return 0;
}
