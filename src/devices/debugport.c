/*
 * debugport.c - the two debug ports test kernels use:
 *
 *   isa-debug-exit (QEMU's device, usually at 0xF4 with 4 ports): a write of
 *   value V, of any size at any of its ports, ends the run with exit status
 *   (V << 1) | 1, computed on the full written value as QEMU does (the OS
 *   keeps the low 8 bits).  Reads return all ones (nothing is there to read).
 *
 *   0xE9 debug console (Bochs "port e9 hack", QEMU's debugcon): the low byte
 *   of each write is copied to out_fd; reads return 0xE9 so guests can detect
 *   it.
 *
 * isa-debug-exit holds only its stop line; the debug console has no state
 * (the fd is the bus opaque).  An unconnected stop line / out_fd < 0 make
 * writes do nothing.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "devices.h"
#include "devices_internal.h"
#include <stdlib.h>

/* Ports claimed by isa-debug-exit (QEMU: -device isa-debug-exit,iosize=4). */
#define DEBUG_EXIT_NPORTS 4
/* What reads of the debug console return (its presence check). */
#define DEBUGCON_READBACK 0xE9

static uint32_t debug_exit_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    return size >= 4 ? UINT32_MAX : (UINT32_C(1) << (8 * size)) - 1;
}

struct dev_debug_exit {
    struct stop_line stop;
};

static void debug_exit_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_debug_exit *d = opaque;
    (void)port;
    (void)size;
    stop_signal(&d->stop, STOP_DEBUG_EXIT, (int)((val << 1) | 1u));
}

static const struct dev_port_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
};

struct dev_debug_exit *dev_debug_exit_create(struct io_bus *bus, uint16_t base,
                                             struct stop_line stop)
{
    struct dev_debug_exit *d = calloc(1, sizeof(*d));
    if (!bus || !d) {
        free(d);
        return NULL;
    }
    d->stop = stop;
    if (bus_register_ports(bus, base, DEBUG_EXIT_NPORTS, &debug_exit_ops, d)) {
        free(d);
        return NULL;
    }
    return d;
}

void dev_debug_exit_destroy(struct dev_debug_exit *d)
{
    free(d);
}

static uint32_t debugcon_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return DEBUGCON_READBACK;
}

static void debugcon_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    static atomic_bool warned; /* warn about a broken out_fd only once */
    int fd = (int)(intptr_t)opaque;
    uint8_t b = (uint8_t)val;
    (void)port;
    (void)size;
    if (dev_write_all(fd, &b, 1) < 0 && !atomic_exchange(&warned, true))
        xbt_warn("debugcon: write to output failed");
}

static const struct dev_port_ops debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
};

int dev_debugcon_create(struct io_bus *bus, uint16_t port, int out_fd)
{
    if (!bus)
        return XBT_EINVAL;
    return bus_register_ports(bus, port, 1, &debugcon_ops, (void *)(intptr_t)out_fd);
}
