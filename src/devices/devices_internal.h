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
void dev_uart_set_rx_notify(struct dev_uart *u, void (*fn)(void *opaque), void *opaque);

/* A queue of bytes a PS/2 device sends the i8042 (i8042.c drains it into
 * its output buffer, one byte per guest read). */
#define PS2_OUT_SIZE 16
struct ps2_out {
    uint8_t byte[PS2_OUT_SIZE];
    unsigned head, n;
};
/* Appends b (dropped when the queue is full, as a device's buffer would). */
void ps2_out_put(struct ps2_out *q, uint8_t b);

/* The PS/2 mouse on the AUX port (ps2_mouse.c). */
struct ps2_mouse {
    uint8_t status; /* remote, enabled, 2:1 scaling */
    uint8_t rate, resolution;
    uint8_t id;        /* 0 PS/2, 3 IntelliMouse, 4 Explorer */
    uint8_t param_cmd; /* 0xF3 / 0xE8 waiting for its byte, or 0 */
    uint8_t knock[3];  /* the last sample rates set */
    bool wrap;         /* wrap (echo) mode */
};
void ps2_mouse_reset(struct ps2_mouse *m);
/* A byte sent to the mouse (i8042 command 0xD4); its answer goes to out. */
void ps2_mouse_write(struct ps2_mouse *m, uint8_t b, struct ps2_out *out);

#endif
