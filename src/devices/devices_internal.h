/*
 * devices_internal.h - helpers shared by the device models in src/devices
 * that are not part of the device API of include/devices.h.
 */
#ifndef XBT_DEVICES_INTERNAL_H
#define XBT_DEVICES_INTERNAL_H

#include "devices.h"
#include "vga.h"

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
 * its output buffer, one byte per guest read).  Tunable: its size.
 * Policy: QEMU's PS/2 buffer (256), room for a pasted line of keys. */
#define PS2_OUT_SIZE 256
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

/* The PS/2 keyboard on the i8042's keyboard port (ps2_kbd.c): set 2 by
 * default; key events as set 1 when the controller translates. */
struct ps2_kbd {
    uint8_t set;       /* scan code set 1, 2 or 3 (3 is sent as 2) */
    bool scanning;     /* 0xF4 enable / 0xF5 disable */
    uint8_t param_cmd; /* 0xED, 0xF0 or 0xF3 waiting for its byte, or 0 */
    uint8_t leds;
};
void ps2_kbd_reset(struct ps2_kbd *kb);
/* A byte the guest sends the keyboard; its answer goes to out.  xlate:
 * the controller translates (the ID and scan-set answers say so). */
void ps2_kbd_write(struct ps2_kbd *kb, uint8_t b, bool xlate, struct ps2_out *out);
/* Queues the scancodes of a key event: 0, XBT_EBUSY when they do not all
 * fit (nothing queued), XBT_EUNSUP while scanning is off. */
int ps2_kbd_key(struct ps2_kbd *kb, struct kbd_event ev, bool xlate, struct ps2_out *out);

#endif
