/*
 * echo.c - reads COM1 by polling LSR.DR and echoes every byte until 'q'.
 * Used by tests/cli/console.sh, which feeds it through xbt's stdin.
 */
#include "io.h"
#include "rt.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    printf("echo ready\n");
    unsigned n = 0;
    for (;;) {
        while (!(inb(COM1 + 5) & 1))
            ;
        char c = (char)inb(COM1);
        if (c == 'q')
            break;
        putchar(c);
        n++;
    }
    printf("\nechoed %u bytes\n", n);
    return 0;
}
