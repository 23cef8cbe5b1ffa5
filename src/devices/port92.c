/*
 * port92.c - System Control Port A at 0x92 (PIIX3 datasheet 4.7.2; the
 * "fast A20" port of PS/2-era PCs).  Bit 1 is the A20 gate: every write
 * drives the board's A20 line with it (the board ORs it with the keyboard
 * controller's A20 output, as the PIIX3's A20M# logic does).  Bit 0 is the
 * fast reset: writing it 1 while it reads 0 pulses the CPU reset line; it
 * reads back 1 until the guest writes it 0.  The other bits (security lock,
 * the disk activity LED) are stored and read back, as QEMU's port92 does.
 * A wide access touches only the low byte (the bytes above read 0xFF).
 *
 * Threading: vCPU thread only.
 */
#include <stdlib.h>

#include "devices.h"

#define PORT92_PORT 0x92
#define PORT92_RESET 0x01
#define PORT92_A20 0x02

struct dev_port92 {
    struct event_line reset;
    struct level_line a20;
    uint8_t value;
    struct dev_port92_stats st;
};

static uint32_t port92_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_port92 *d = opaque;
    (void)port;
    return size > 1 ? d->value | (UINT32_MAX << 8) : d->value;
}

static void port92_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_port92 *d = opaque;
    (void)port;
    (void)size;
    uint8_t old = d->value, v = (uint8_t)val;
    d->value = v;
    d->st.writes++;
    if ((old ^ v) & PORT92_A20)
        d->st.a20_changes++;
    level_set(&d->a20, !!(v & PORT92_A20));
    if ((v & PORT92_RESET) && !(old & PORT92_RESET)) {
        d->st.resets++;
        event_signal(&d->reset);
    }
}

static const struct dev_port_ops port92_ops = {
    .read = port92_read,
    .write = port92_write,
};

struct dev_port92 *dev_port92_create(struct io_bus *bus, struct event_line reset,
                                     struct level_line a20, uint8_t initial)
{
    struct dev_port92 *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->reset = reset;
    d->a20 = a20;
    d->value = initial;
    if (bus) {
        int err = bus_register_ports(bus, PORT92_PORT, 1, &port92_ops, d);
        if (err < 0) {
            xbt_error("port92: cannot claim port 0x92: %s", xbt_strerror(err));
            free(d);
            return NULL;
        }
    }
    return d;
}

void dev_port92_destroy(struct dev_port92 *d)
{
    free(d);
}

uint8_t dev_port92_value(const struct dev_port92 *d)
{
    return d->value;
}

const struct dev_port92_stats *dev_port92_stats(const struct dev_port92 *d)
{
    return &d->st;
}
