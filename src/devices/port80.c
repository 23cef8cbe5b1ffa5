/*
 * port80.c - the PC's POST-code / I/O-delay port 0x80.  BIOSes write POST
 * codes there and Linux (outb_p, "slow down I/O") writes to it only to
 * waste time.  Writes are swallowed (the low byte is kept); reads return the
 * last value written (0x00 at power-on), as with a POST card or the chipset
 * register behind it.  A wide access stores/returns its low byte; the bytes
 * above read as 0xFF.
 *
 * Threading: vCPU thread only; dev_port80_last() may be called from any
 * thread (it reads one byte atomically).
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "devices.h"

/* The POST/delay port of the PC. */
#define PORT80_PORT 0x80

struct dev_port80 {
    _Atomic uint8_t last;
};

static uint32_t port80_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_port80 *d = opaque;
    (void)port;
    uint32_t v = atomic_load_explicit(&d->last, memory_order_relaxed);
    return size > 1 ? v | (UINT32_MAX << 8) : v;
}

static void port80_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_port80 *d = opaque;
    (void)port;
    (void)size;
    atomic_store_explicit(&d->last, (uint8_t)val, memory_order_relaxed);
}

static const struct dev_port_ops port80_ops = {
    .read = port80_read,
    .write = port80_write,
};

struct dev_port80 *dev_port80_create(struct io_bus *bus)
{
    struct dev_port80 *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    atomic_init(&d->last, 0);
    if (bus) {
        int err = bus_register_ports(bus, PORT80_PORT, 1, &port80_ops, d);
        if (err < 0) {
            xbt_error("port80: cannot claim port 0x80: %s", xbt_strerror(err));
            free(d);
            return NULL;
        }
    }
    return d;
}

void dev_port80_destroy(struct dev_port80 *d)
{
    free(d);
}

uint8_t dev_port80_last(const struct dev_port80 *d)
{
    return d ? atomic_load_explicit(&d->last, memory_order_relaxed) : 0;
}
