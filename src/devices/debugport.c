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
 * Neither device has state of its own, so neither allocates anything: the
 * machine pointer or the fd is the bus opaque.  Both tolerate m == NULL /
 * out_fd < 0 (writes are then ignored).
 */
#include <stdatomic.h>
#include <stdint.h>

#include "devices.h"
#include "devices_internal.h"
#include "machine.h"

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

static void debug_exit_write(void *opaque, uint16_t port, unsigned size,
                             uint32_t val)
{
    struct machine *m = opaque;
    (void)port;
    (void)size;
    if (m)
        machine_request_stop(m, STOP_DEBUG_EXIT, (int)((val << 1) | 1u));
}

static const struct dev_port_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
};

int dev_debug_exit_create(struct io_bus *bus, uint16_t base, struct machine *m)
{
    if (!bus)
        return XBT_EINVAL;
    return bus_register_ports(bus, base, DEBUG_EXIT_NPORTS, &debug_exit_ops, m);
}

static uint32_t debugcon_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return DEBUGCON_READBACK;
}

static void debugcon_write(void *opaque, uint16_t port, unsigned size,
                           uint32_t val)
{
    static atomic_bool warned;   /* warn about a broken out_fd only once */
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
    return bus_register_ports(bus, port, 1, &debugcon_ops,
                              (void *)(intptr_t)out_fd);
}
