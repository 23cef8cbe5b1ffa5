/*
 * i8042.c - the Intel 8042 keyboard controller at 0x60 (data) and 0x64
 * (status on read, command on write), with a PS/2 mouse on its AUX port
 * (ps2_mouse.c, as under QEMU) and, once attached (the board does with a
 * VGA), a PS/2 keyboard on its keyboard port (ps2_kbd.c) fed by the text
 * console: enough for the probes of BIOSes, Linux's i8042, atkbd and
 * psmouse drivers, and the classic "reset through the keyboard
 * controller" path.
 *
 * Status register (0x64 read): bit 0 output buffer full, bit 1 input buffer
 * full (always 0: commands complete at once), bit 2 system flag (command
 * byte bit 2, also set by the self-test), bit 3 command/data (1 = the last
 * write went to 0x64), bit 4 keyboard not inhibited (1: the keylock is
 * open), bit 5 the output buffer holds AUX (mouse) data, bits 6-7
 * (timeout, parity error) 0.
 *
 * Commands (0x64 write):
 *   0x20-0x3F  read internal RAM byte (0x20: the command byte)
 *   0x60-0x7F  write internal RAM byte (next data byte; 0x60: command byte)
 *   0xA7/0xA8  disable/enable the aux port (command byte bit 5): AUX data
 *              waits while it is disabled
 *   0xA9       aux interface test: answers 0x00 (no error)
 *   0xAA       self-test: answers 0x55, sets the system flag
 *   0xAB       keyboard interface test: answers 0x00 (no error)
 *   0xAD/0xAE  disable/enable the keyboard (command byte bit 4)
 *   0xD0       read the output port
 *   0xD1       write the output port (next data byte): bit 0 = 0 asserts
 *              the CPU reset line -> machine reset; bit 1 is the A20 gate
 *   0xD2       write the keyboard output buffer (next data byte reads back
 *              from 0x60 as if the keyboard had sent it)
 *   0xD3       write the aux output buffer (next data byte reads back as
 *              AUX data, with IRQ12: the loopback Linux tests the AUX IRQ
 *              and probes for an active multiplexer by); as a controller
 *              response it is delivered even while the AUX port is
 *              disabled in the command byte (as QEMU: Linux probes with
 *              the port disabled and would wait out a 0.5 s timeout)
 *   0xD4       write to the aux device (next data byte goes to the mouse)
 *   0xDD/0xDF  A20 off/on (output port bit 1)
 *   0xF0-0xFF  pulse the output port bits whose command bit is 0; bit 0
 *              pulsed (0xFE, and every even command) -> machine reset
 * Other commands are ignored.  A change of the A20 bit is signalled on the
 * a20 level line (dev_i8042_set_a20_line); the board decides what masks.
 *
 * Data port (0x60): a read returns the output buffer and clears OBF (with
 * nothing new it returns the last byte again, 0x00 at power-on), then the
 * next byte waiting moves in: a controller response first, then keyboard
 * bytes (unless the keyboard port is disabled), then mouse bytes (queued,
 * ps2_out).  A write completes a pending 0x60-0x7F/0xD1-0xD4 command,
 * otherwise it goes to the keyboard (and enables its port, as QEMU's);
 * without a keyboard it is dropped with no answer (drivers time out).
 * Keyboard bytes are set 1 while command byte bit 6 (translation) is set
 * and the keyboard uses set 2, as the 8042 translates.  A controller response
 * overwrites an unread one, as the 8042's single byte does.
 *
 * Interrupts: a byte entering the output buffer raises IRQ1 (keyboard and
 * controller data, command byte bit 0) or IRQ12 (AUX data, command byte
 * bit 1); reading it lowers the line.
 *
 * Reset: signals the reset line it was given (lines.h); unit tests leave
 * it unconnected or count the pulses.
 *
 * Threading: port accesses on the vCPU thread, key events from the
 * console thread (dev_i8042_key); a mutex covers the state.  The lines
 * are signalled with it held (the PIC and the board do not call back).
 */
#include <pthread.h>
#include <stdlib.h>

#include "devices.h"
#include "devices_internal.h"

/* Ports. */
#define KBC_DATA 0x60
#define KBC_CMD 0x64
/* Status bits. */
#define STAT_OBF 0x01
#define STAT_IBF 0x02
#define STAT_SYS 0x04
#define STAT_CMD 0x08
#define STAT_UNLOCKED 0x10
#define STAT_AUXB 0x20
/* Command byte bits. */
#define CB_KBD_INT 0x01
#define CB_AUX_INT 0x02
#define CB_SYS 0x04
#define CB_KBD_DISABLE 0x10
#define CB_AUX_DISABLE 0x20
#define CB_XLATE 0x40
/* Output port bits. */
#define OUT_RESET 0x01 /* 0 = CPU reset asserted */
#define OUT_A20 0x02
/* Command byte at power-on, as a PC BIOS leaves it: keyboard interrupt
 * enabled (moot: no IRQ1), system flag, scan-code translation. */
#define KBC_RESET_CB (CB_KBD_INT | CB_SYS | CB_XLATE)
/* Output port at power-on: reset line high (inactive), A20 enabled. */
#define KBC_RESET_OUTPORT (OUT_RESET | OUT_A20)
/* Internal RAM of the 8042 reachable through commands 0x20-0x3F/0x60-0x7F. */
#define KBC_RAM_SIZE 32

struct dev_i8042 {
    pthread_mutex_t lock;
    struct event_line reset; /* pulse of the CPU reset line */
    struct irq_line irq1, irq12;
    uint8_t ram[KBC_RAM_SIZE]; /* ram[0] is the command byte */
    uint8_t outport;
    uint8_t obuf; /* output buffer (last byte if empty) */
    bool obf;
    bool obuf_aux;     /* status bit 5: obuf came from the AUX port */
    bool last_was_cmd; /* status bit 3 */
    uint8_t pending;   /* command waiting for a data byte, or 0 */
    bool ctl_pending;  /* a controller response waits in ctl */
    bool ctl_aux;      /* it reads as AUX data (0xD3) */
    uint8_t ctl;
    struct ps2_out aux; /* bytes from the AUX port (mouse, 0xD3) */
    struct ps2_mouse mouse;
    bool has_kbd;
    struct ps2_kbd kbd;
    struct ps2_out kq; /* bytes from the keyboard */
    struct dev_i8042_stats st;
    struct level_line a20; /* the output port's A20 gate */
};

void ps2_out_put(struct ps2_out *q, uint8_t b)
{
    if (q->n < PS2_OUT_SIZE)
        q->byte[(q->head + q->n++) % PS2_OUT_SIZE] = b;
}

static uint8_t ps2_out_take(struct ps2_out *q)
{
    uint8_t b = q->byte[q->head];
    q->head = (q->head + 1) % PS2_OUT_SIZE;
    q->n--;
    return b;
}

static void kbc_reset_machine(struct dev_i8042 *k)
{
    event_signal(&k->reset);
}

/* Writes the output port; a change of the A20 bit goes to the board. */
static void kbc_set_outport(struct dev_i8042 *k, uint8_t val)
{
    uint8_t old = k->outport;
    k->outport = val;
    if ((old ^ val) & OUT_A20)
        level_set(&k->a20, !!(val & OUT_A20));
}

void dev_i8042_set_a20_line(struct dev_i8042 *k, struct level_line a20)
{
    k->a20 = a20;
}

bool dev_i8042_a20(const struct dev_i8042 *k)
{
    return k->outport & OUT_A20;
}

/* Moves the next waiting byte into an empty output buffer and raises its
 * interrupt: controller responses first, then AUX data (unless the AUX
 * port is disabled). */
static void kbc_update(struct dev_i8042 *k)
{
    if (k->obf)
        return;
    if (k->ctl_pending) {
        k->ctl_pending = false;
        k->obuf = k->ctl;
        k->obuf_aux = k->ctl_aux;
    } else if (k->kq.n && !(k->ram[0] & CB_KBD_DISABLE)) {
        k->obuf = ps2_out_take(&k->kq);
        k->obuf_aux = false;
    } else if (k->aux.n && !(k->ram[0] & CB_AUX_DISABLE)) {
        k->obuf = ps2_out_take(&k->aux);
        k->obuf_aux = true;
    } else {
        return;
    }
    k->obf = true;
    if (k->obuf_aux && (k->ram[0] & CB_AUX_INT))
        irq_set(&k->irq12, 1);
    else if (!k->obuf_aux && (k->ram[0] & CB_KBD_INT))
        irq_set(&k->irq1, 1);
}

static void kbc_respond_as(struct dev_i8042 *k, uint8_t v, bool aux)
{
    k->ctl = v;
    k->ctl_pending = true;
    k->ctl_aux = aux;
    if (k->obf && !k->obuf_aux)
        k->obf = false; /* a response overwrites an unread one */
    kbc_update(k);
}

static void kbc_respond(struct dev_i8042 *k, uint8_t v)
{
    kbc_respond_as(k, v, false);
}

static void kbc_command(struct dev_i8042 *k, uint8_t cmd)
{
    k->pending = 0;
    if (cmd >= 0x20 && cmd <= 0x3F) {
        kbc_respond(k, k->ram[cmd & 0x1F]);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        k->pending = cmd;
        return;
    }
    if (cmd >= 0xF0) {
        if (!(cmd & OUT_RESET))
            kbc_reset_machine(k);
        return;
    }
    switch (cmd) {
    case 0xA7: k->ram[0] |= CB_AUX_DISABLE; break;
    case 0xA8:
        k->ram[0] &= (uint8_t)~CB_AUX_DISABLE;
        kbc_update(k);
        break;
    case 0xA9: kbc_respond(k, 0x00); break;
    case 0xAA:
        k->ram[0] |= CB_SYS;
        kbc_respond(k, 0x55);
        break;
    case 0xAB: kbc_respond(k, 0x00); break;
    case 0xAD: k->ram[0] |= CB_KBD_DISABLE; break;
    case 0xAE:
        k->ram[0] &= (uint8_t)~CB_KBD_DISABLE;
        kbc_update(k);
        break;
    case 0xD0: kbc_respond(k, k->outport); break;
    case 0xDD: kbc_set_outport(k, k->outport & (uint8_t)~OUT_A20); break;
    case 0xDF: kbc_set_outport(k, k->outport | OUT_A20); break;
    default: break;
    }
}

static void kbc_data_write(struct dev_i8042 *k, uint8_t val)
{
    uint8_t cmd = k->pending;
    k->pending = 0;
    if (cmd >= 0x60 && cmd <= 0x7F) {
        k->ram[cmd & 0x1F] = val;
        kbc_update(k);
    } else if (cmd == 0xD1) {
        kbc_set_outport(k, val);
        if (!(val & OUT_RESET))
            kbc_reset_machine(k);
    } else if (cmd == 0xD2) {
        kbc_respond(k, val);
    } else if (cmd == 0xD3) {
        kbc_respond_as(k, val, true);
    } else if (cmd == 0xD4) {
        ps2_mouse_write(&k->mouse, val, &k->aux);
        kbc_update(k);
    } else if (k->has_kbd) {
        k->ram[0] &= (uint8_t)~CB_KBD_DISABLE;
        ps2_kbd_write(&k->kbd, val, k->ram[0] & CB_XLATE, &k->kq);
        kbc_update(k);
    }
    /* else: a byte for the keyboard, which is not there */
}

static uint8_t kbc_status(const struct dev_i8042 *k)
{
    return (uint8_t)((k->obf ? STAT_OBF : 0) | (k->ram[0] & CB_SYS ? STAT_SYS : 0) |
                     (k->last_was_cmd ? STAT_CMD : 0) | STAT_UNLOCKED |
                     (k->obf && k->obuf_aux ? STAT_AUXB : 0));
}

/* Both ports are single bytes: wider reads see 0xFF above the byte. */
static uint32_t kbc_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_i8042 *k = opaque;
    uint32_t v;
    pthread_mutex_lock(&k->lock);
    if (port == KBC_CMD) {
        v = kbc_status(k);
    } else {
        v = k->obuf;
        if (k->obf) {
            k->obf = false;
            irq_set(k->obuf_aux ? &k->irq12 : &k->irq1, 0);
            kbc_update(k);
        }
    }
    pthread_mutex_unlock(&k->lock);
    return size > 1 ? v | (UINT32_MAX << 8) : v;
}

static void kbc_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_i8042 *k = opaque;
    (void)size;
    pthread_mutex_lock(&k->lock);
    if (port == KBC_CMD) {
        k->last_was_cmd = true;
        kbc_command(k, (uint8_t)val);
    } else {
        k->last_was_cmd = false;
        kbc_data_write(k, (uint8_t)val);
    }
    pthread_mutex_unlock(&k->lock);
}

static const struct dev_port_ops kbc_ops = {
    .read = kbc_port_read,
    .write = kbc_port_write,
};

struct dev_i8042 *dev_i8042_create(struct io_bus *bus, struct event_line reset,
                                   struct irq_line irq1, struct irq_line irq12)
{
    struct dev_i8042 *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    pthread_mutex_init(&k->lock, NULL);
    k->reset = reset;
    k->irq1 = irq1;
    k->irq12 = irq12;
    ps2_mouse_reset(&k->mouse);
    k->ram[0] = KBC_RESET_CB;
    k->outport = KBC_RESET_OUTPORT;
    if (bus) {
        int err = bus_register_ports(bus, KBC_DATA, 1, &kbc_ops, k);
        if (err == 0)
            err = bus_register_ports(bus, KBC_CMD, 1, &kbc_ops, k);
        if (err < 0) {
            xbt_error("i8042: cannot claim ports 0x60/0x64: %s", xbt_strerror(err));
            pthread_mutex_destroy(&k->lock);
            free(k);
            return NULL;
        }
    }
    return k;
}

void dev_i8042_destroy(struct dev_i8042 *k)
{
    if (!k)
        return;
    pthread_mutex_destroy(&k->lock);
    free(k);
}

void dev_i8042_attach_keyboard(struct dev_i8042 *k)
{
    pthread_mutex_lock(&k->lock);
    k->has_kbd = true;
    ps2_kbd_reset(&k->kbd);
    pthread_mutex_unlock(&k->lock);
}

int dev_i8042_key(struct dev_i8042 *k, struct kbd_event ev)
{
    pthread_mutex_lock(&k->lock);
    int rc = k->has_kbd ? ps2_kbd_key(&k->kbd, ev, k->ram[0] & CB_XLATE, &k->kq) : XBT_EUNSUP;
    if (rc == 0) {
        k->st.keys++;
        kbc_update(k);
    } else if (rc == XBT_EUNSUP) {
        k->st.keys_dropped++;
    }
    pthread_mutex_unlock(&k->lock);
    return rc;
}

const struct dev_i8042_stats *dev_i8042_stats(const struct dev_i8042 *k)
{
    return &k->st;
}
