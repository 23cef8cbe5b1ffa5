/*
 * serial.c - COM1 16550A output (115200 8N1, FIFOs on, polled THRE) and the
 * 0xE9 debug console.  Bytes are sent exactly as given: no "\n" -> "\r\n"
 * translation, so guest output compares byte for byte with native programs.
 */
#include "io.h"
#include "rt.h"

#define UART_THR 0   /* transmit holding register (DLAB=0) */
#define UART_IER 1   /* interrupt enable (DLAB=0) */
#define UART_DLL 0   /* divisor latch low (DLAB=1) */
#define UART_DLM 1   /* divisor latch high (DLAB=1) */
#define UART_FCR 2   /* FIFO control */
#define UART_LCR 3   /* line control */
#define UART_MCR 4   /* modem control */
#define UART_LSR 5   /* line status */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40 /* the FIFO and the shift register are empty */

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);  /* no interrupts */
    outb(COM1 + UART_LCR, 0x80);  /* DLAB on */
    outb(COM1 + UART_DLL, 0x01);  /* divisor 1: 115200 baud */
    outb(COM1 + UART_DLM, 0x00);
    outb(COM1 + UART_LCR, 0x03);  /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + UART_FCR, 0xC7);  /* FIFOs on, cleared, 14-byte threshold */
    outb(COM1 + UART_MCR, 0x03);  /* DTR, RTS */
}

void serial_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        serial_putc(s[i]);
}

void serial_flush(void)
{
    while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
        ;
}

void debugcon_putc(char c)
{
    outb(DEBUGCON_PORT, (uint8_t)c);
}

void debugcon_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        debugcon_putc(s[i]);
}
