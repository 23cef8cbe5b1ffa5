/*
 * devices.h - the device models of the PC-like board and the host console.
 * Each device registers itself on the I/O bus (bus.h) and talks to the rest
 * of the machine only through the narrow machine_* calls in machine.h and
 * its irq_line.
 */
#ifndef XBT_DEVICES_H
#define XBT_DEVICES_H

#include "bus.h"
#include "irq.h"

struct machine;

/* ---- 16550A UART (COM1 at 0x3F8, IRQ4) --------------------------------- */
struct dev_uart;
struct dev_uart_stats {
    uint64_t tx_bytes, rx_bytes, rx_overruns;
};
/* Transmitted bytes go to out_fd.  Received bytes come from
 * dev_uart_receive() (the console feeds it).  m may be NULL in unit tests. */
struct dev_uart *dev_uart_create(struct io_bus *bus, uint16_t base,
                                 struct irq_line irq, struct machine *m,
                                 int out_fd);
void dev_uart_destroy(struct dev_uart *u);
/* Queues bytes in the receive FIFO (thread-safe).  Returns bytes accepted. */
size_t dev_uart_receive(struct dev_uart *u, const uint8_t *buf, size_t len);
const struct dev_uart_stats *dev_uart_stats(const struct dev_uart *u);

/* ---- debug ports -------------------------------------------------------- */
/* isa-debug-exit at port base (0xF4, 4 ports): writing V ends the run with
 * status (V << 1) | 1, as QEMU's isa-debug-exit does. */
int dev_debug_exit_create(struct io_bus *bus, uint16_t base, struct machine *m);
/* Bochs/QEMU 0xE9 debug console: bytes written go to out_fd; reads return
 * 0xE9 (the Bochs "port e9 hack" presence check). */
int dev_debugcon_create(struct io_bus *bus, uint16_t port, int out_fd);

/* ---- host console --------------------------------------------------------- */
/* Puts the terminal on in_fd into raw mode if it is a terminal (restored by
 * console_stop() and on exit), and starts a thread that reads in_fd and feeds
 * the UART.  Ctrl-A X requests machine exit; Ctrl-A Ctrl-A sends one Ctrl-A;
 * Ctrl-A H prints help.  When in_fd is not a terminal the bytes are passed
 * through unchanged except the same Ctrl-A escapes. */
struct console;
struct console *console_start(int in_fd, struct dev_uart *uart, struct machine *m);
void console_stop(struct console *c);

#endif
