/*
 * exit.c - ending a run: a 32-bit write of the code to the isa-debug-exit
 * port (host status (code << 1) | 1 under xbt and QEMU), then, should the
 * port be missing, "cli; hlt" forever (xbt ends such a run with status 4).
 */
#include "io.h"
#include "rt.h"

void xbt_exit(int code)
{
    outl(XBT_EXIT_PORT, (uint32_t)code);
    for (;;) {
        cli();
        hlt();
    }
}

void panic(const char *fmt, ...)
{
    va_list ap;

    printf("PANIC: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    xbt_exit(XBT_EXIT_PANIC);
}
