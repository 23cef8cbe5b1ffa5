/*
 * devices_internal.h - helpers shared by the device models in src/devices
 * that are not part of the device API of include/devices.h.
 */
#ifndef XBT_DEVICES_INTERNAL_H
#define XBT_DEVICES_INTERNAL_H

#include "devices.h"

/* Writes all of buf to fd, retrying on EINTR and partial writes (and waiting
 * with poll() if fd is non-blocking).  fd < 0 discards the data.  Returns 0
 * or XBT_EIO.  Defined in uart16550.c. */
int dev_write_all(int fd, const void *buf, size_t len);

/* Flow control between the console and the UART.  After dev_uart_receive()
 * accepted fewer bytes than offered, fn(opaque) is called once as soon as the
 * receive FIFO can take bytes again (guest read RBR, FIFO reset, loopback
 * mode left).  fn runs on the vCPU thread with the UART lock held: it must
 * not block or call back into the UART (writing to a non-blocking pipe is
 * fine).  fn == NULL unregisters; once this returns the old fn is not
 * running and will not be called again. */
void dev_uart_set_rx_notify(struct dev_uart *u, void (*fn)(void *opaque),
                            void *opaque);

#endif
