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

/* ==== PC platform: PIC, PIT, RTC, keyboard controller, port 0x80 ========= */
/* Threading, for whoever wires these: every port access and every timer
 * callback runs on the vCPU thread.  Only the PIC is also called from other
 * threads (dev_pic_set_irq through an irq_line, e.g. by the UART from the
 * console thread); it has its own mutex and calls nothing while holding
 * it.  The PIT, RTC, i8042 and port 0x80 take no locks.  The bus cannot
 * unregister ports: destroy a device only once no more I/O can reach it,
 * and destroy the PIT and RTC (their timers) before their clock.
 * m may be NULL (unit tests): nothing is then called on the machine. */
struct xclock;

/* 8259A pair: master 0x20/0x21 (IRQ0-7), slave 0xA0/0xA1 (IRQ8-15) on
 * master IR2.  Power-on state as a PC BIOS leaves it: vectors 0x08/0x70, all
 * lines masked except the cascade (master IMR 0xFB, slave IMR 0xFF). */
struct dev_pic;
struct dev_pic *dev_pic_create(struct io_bus *bus, struct machine *m);
void dev_pic_destroy(struct dev_pic *p);
/* Drives input irq (0-15) to level; edge-triggered: a 0->1 transition
 * latches a request.  Thread-safe.  machine_kick(m) when the output rises. */
void dev_pic_set_irq(struct dev_pic *p, int irq, int level);
/* An irq_line whose irq_set() calls dev_pic_set_irq(p, irq, level). */
struct irq_line dev_pic_irq_line(struct dev_pic *p, int irq);
/* The INT output: an unmasked request outranks everything in service.
 * Lock-free (an atomic load): poll it at unit boundaries and take the
 * interrupt when EFLAGS.IF = 1. */
bool dev_pic_pending(struct dev_pic *p);
/* INTA: returns the vector (IRR -> ISR, cascade handled); if the request
 * vanished, the spurious vector master base + 7 (or slave base + 7, with
 * master IR2 left in service).  vCPU thread. */
int dev_pic_ack(struct dev_pic *p);

/* 8254 PIT at 0x40-0x43 and port 0x61 (channel 2 gate/speaker, OUT2 and
 * refresh-toggle status).  Counters are computed from clk when read;
 * channel 0 raises and lowers irq0 once per OUT event via an xtimer. */
struct dev_pit;
struct dev_pit *dev_pit_create(struct io_bus *bus, struct xclock *clk,
                               struct irq_line irq0, struct machine *m);
void dev_pit_destroy(struct dev_pit *p);

/* MC146818 RTC + 128-byte CMOS at 0x70/0x71.  Time is xclock_epoch(clk) +
 * xclock_ns(clk) (UTC) until the guest sets it; ram_size fills the CMOS
 * memory-size bytes.  irq8 is raised when register C's IRQF sets and
 * lowered when C is read. */
struct dev_rtc;
struct dev_rtc *dev_rtc_create(struct io_bus *bus, struct xclock *clk,
                               struct irq_line irq8, uint32_t ram_size);
void dev_rtc_destroy(struct dev_rtc *r);
/* Bit 7 of the last write to port 0x70 (stored only: xbt has no NMIs). */
bool dev_rtc_nmi_masked(const struct dev_rtc *r);

/* Minimal i8042 keyboard controller at 0x60/0x64, no keyboard attached,
 * no IRQ1.  Command 0xFE (any 0xF0-0xFF with bit 0 clear) or an output-port
 * write with bit 0 clear calls machine_request_reset(m) when m != NULL. */
struct dev_i8042;
struct dev_i8042 *dev_i8042_create(struct io_bus *bus, struct machine *m);
void dev_i8042_destroy(struct dev_i8042 *k);

/* Requests a machine reset (thread-safe), like machine_request_stop().
 * Implemented in src/machine.c. */
void machine_request_reset(struct machine *m);

/* Port 0x80 (POST code / I/O delay): writes are swallowed, reads return the
 * last value written. */
struct dev_port80;
struct dev_port80 *dev_port80_create(struct io_bus *bus);
void dev_port80_destroy(struct dev_port80 *d);
/* The last byte written (the guest's last POST code). */
uint8_t dev_port80_last(const struct dev_port80 *d);

#endif
