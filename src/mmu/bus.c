/*
 * bus.c - the I/O bus: routes guest port I/O (IN/OUT) and MMIO accesses to
 * the device that claimed the address.
 *
 * Ports: a 64K-entry table maps every port number to a small index into the
 * array of registered port ranges (0 = unclaimed), so IN/OUT dispatch is a
 * single table load.  An access of size 2 or 4 goes to the device that owns
 * its first port, with the size unchanged: the device decides what a wide
 * access means (the UART splits it into byte accesses, as the ISA bus would).
 *
 * MMIO: a small array of ranges kept sorted by base address, searched with a
 * binary search.  An access is routed by its first byte.
 *
 * Unclaimed reads return all ones for the access size and unclaimed writes
 * are dropped, as on a PC; both are counted in the statistics.
 *
 * Port ranges can be given back (bus_unregister_ports, for PCI BARs the
 * guest moves): the slot is marked free and reused by the next
 * registration, so the table does not grow with every move.  MMIO ranges
 * too (bus_unregister_mmio, for the local APIC's window, which follows
 * its base MSR): the range leaves the sorted array.
 *
 * Threading: registration happens while the machine is being built (and,
 * for PCI BARs and the local APIC, from port accesses and WRMSR on the
 * vCPU thread); accesses come from
 * the vCPU thread only.  The bus itself takes no locks: devices
 * that are also touched by other threads (the UART) lock internally.
 */
#include <stdlib.h>
#include <string.h>

#include "bus.h"

struct bus_port_range {
    uint16_t base;
    uint32_t count; /* up to 65535 (uint16_t count argument) */
    const struct dev_port_ops *ops;
    void *opaque;
};

struct bus_mmio_range {
    uint32_t base;
    uint64_t end; /* exclusive; may be 1 << 32 */
    const struct dev_mmio_ops *ops;
    void *opaque;
};

struct io_bus {
    /* port_map[p] = 1 + index into ports[] of the owner of port p, or 0. */
    uint16_t port_map[65536];
    struct bus_port_range *ports;
    size_t nports, ports_cap;

    struct bus_mmio_range *mmio; /* sorted by base, non-overlapping */
    size_t nmmio, mmio_cap;

    struct io_bus_stats stats;
};

/* All-ones value for an access of `size` bytes (what a floating bus reads). */
static inline uint64_t bus_ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

struct io_bus *bus_create(void)
{
    return calloc(1, sizeof(struct io_bus));
}

void bus_destroy(struct io_bus *bus)
{
    if (!bus)
        return;
    free(bus->ports);
    free(bus->mmio);
    free(bus);
}

int bus_register_ports(struct io_bus *bus, uint16_t base, uint16_t count,
                       const struct dev_port_ops *ops, void *opaque)
{
    if (!bus || !ops || count == 0)
        return XBT_EINVAL;
    if ((uint32_t)base + count > 65536u)
        return XBT_ERANGE;
    for (uint32_t p = base; p < (uint32_t)base + count; p++)
        if (bus->port_map[p])
            return XBT_EBUSY;

    /* a slot freed by bus_unregister_ports() first (moving PCI BARs would
     * otherwise use up the table) */
    size_t slot = bus->nports;
    for (size_t i = 0; i < bus->nports; i++)
        if (!bus->ports[i].ops) {
            slot = i;
            break;
        }
    if (slot < bus->nports) {
        bus->ports[slot] = (struct bus_port_range){
            .base = base,
            .count = count,
            .ops = ops,
            .opaque = opaque,
        };
        for (uint32_t p = base; p < (uint32_t)base + count; p++)
            bus->port_map[p] = (uint16_t)(slot + 1);
        return XBT_OK;
    }
    /* Indices are stored as uint16_t + 1: at most 65535 ranges. */
    if (bus->nports >= UINT16_MAX)
        return XBT_ENOMEM;
    if (bus->nports == bus->ports_cap) {
        size_t cap = bus->ports_cap ? bus->ports_cap * 2 : 16;
        struct bus_port_range *n = realloc(bus->ports, cap * sizeof(*n));
        if (!n)
            return XBT_ENOMEM;
        bus->ports = n;
        bus->ports_cap = cap;
    }
    bus->ports[bus->nports] = (struct bus_port_range){
        .base = base,
        .count = count,
        .ops = ops,
        .opaque = opaque,
    };
    bus->nports++;
    for (uint32_t p = base; p < (uint32_t)base + count; p++)
        bus->port_map[p] = (uint16_t)bus->nports;
    return XBT_OK;
}

int bus_unregister_ports(struct io_bus *bus, uint16_t base, uint16_t count, void *opaque)
{
    if (!bus || count == 0)
        return XBT_EINVAL;
    for (size_t i = 0; i < bus->nports; i++) {
        struct bus_port_range *r = &bus->ports[i];
        if (r->ops && r->base == base && r->count == count && r->opaque == opaque) {
            for (uint32_t p = base; p < (uint32_t)base + count; p++)
                bus->port_map[p] = 0;
            r->ops = NULL;
            r->count = 0;
            return XBT_OK;
        }
    }
    return XBT_ENOENT;
}

/* Index of the first MMIO range whose end is above addr (nmmio if none). */
static size_t bus_mmio_lower_bound(const struct io_bus *bus, uint32_t addr)
{
    size_t lo = 0, hi = bus->nmmio;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bus->mmio[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int bus_register_mmio(struct io_bus *bus, uint32_t base, uint32_t len,
                      const struct dev_mmio_ops *ops, void *opaque)
{
    if (!bus || !ops || len == 0)
        return XBT_EINVAL;
    uint64_t end = (uint64_t)base + len; /* cannot pass 1 << 32 */
    size_t i = bus_mmio_lower_bound(bus, base);
    if (i < bus->nmmio && bus->mmio[i].base < end)
        return XBT_EBUSY;

    if (bus->nmmio == bus->mmio_cap) {
        size_t cap = bus->mmio_cap ? bus->mmio_cap * 2 : 8;
        struct bus_mmio_range *n = realloc(bus->mmio, cap * sizeof(*n));
        if (!n)
            return XBT_ENOMEM;
        bus->mmio = n;
        bus->mmio_cap = cap;
    }
    memmove(&bus->mmio[i + 1], &bus->mmio[i], (bus->nmmio - i) * sizeof(bus->mmio[0]));
    bus->mmio[i] = (struct bus_mmio_range){
        .base = base,
        .end = end,
        .ops = ops,
        .opaque = opaque,
    };
    bus->nmmio++;
    return XBT_OK;
}

int bus_unregister_mmio(struct io_bus *bus, uint32_t base, uint32_t len, void *opaque)
{
    if (!bus || len == 0)
        return XBT_EINVAL;
    size_t i = bus_mmio_lower_bound(bus, base);
    if (i >= bus->nmmio)
        return XBT_ENOENT;
    struct bus_mmio_range *r = &bus->mmio[i];
    if (r->base != base || r->end != (uint64_t)base + len || r->opaque != opaque)
        return XBT_ENOENT;
    memmove(r, r + 1, (bus->nmmio - i - 1) * sizeof(*r));
    bus->nmmio--;
    return XBT_OK;
}

uint32_t bus_port_read(struct io_bus *bus, uint16_t port, unsigned size)
{
    uint32_t ones = (uint32_t)bus_ones(size > 4 ? 4 : size);
    bus->stats.port_reads++;
    uint16_t idx = bus->port_map[port];
    if (XBT_UNLIKELY(!idx || !bus->ports[idx - 1].ops->read)) {
        bus->stats.port_unclaimed++;
        return ones;
    }
    const struct bus_port_range *r = &bus->ports[idx - 1];
    return r->ops->read(r->opaque, port, size) & ones;
}

void bus_port_write(struct io_bus *bus, uint16_t port, unsigned size, uint32_t val)
{
    bus->stats.port_writes++;
    uint16_t idx = bus->port_map[port];
    if (XBT_UNLIKELY(!idx || !bus->ports[idx - 1].ops->write)) {
        bus->stats.port_unclaimed++;
        return;
    }
    const struct bus_port_range *r = &bus->ports[idx - 1];
    r->ops->write(r->opaque, port, size, val & (uint32_t)bus_ones(size > 4 ? 4 : size));
}

bool bus_is_mmio(const struct io_bus *bus, uint32_t addr, uint32_t len)
{
    if (!bus || len == 0 || bus->nmmio == 0)
        return false;
    size_t i = bus_mmio_lower_bound(bus, addr);
    return i < bus->nmmio && bus->mmio[i].base < (uint64_t)addr + len;
}

/* The range containing addr, or NULL. */
static const struct bus_mmio_range *bus_mmio_find(const struct io_bus *bus, uint32_t addr)
{
    size_t i = bus_mmio_lower_bound(bus, addr);
    if (i < bus->nmmio && bus->mmio[i].base <= addr)
        return &bus->mmio[i];
    return NULL;
}

uint64_t bus_mmio_read(struct io_bus *bus, uint32_t addr, unsigned size)
{
    bus->stats.mmio_reads++;
    const struct bus_mmio_range *r = bus_mmio_find(bus, addr);
    if (!r || !r->ops->read) {
        bus->stats.mmio_unclaimed++;
        return bus_ones(size);
    }
    return r->ops->read(r->opaque, addr, size) & bus_ones(size);
}

void bus_mmio_write(struct io_bus *bus, uint32_t addr, unsigned size, uint64_t val)
{
    bus->stats.mmio_writes++;
    const struct bus_mmio_range *r = bus_mmio_find(bus, addr);
    if (!r || !r->ops->write) {
        bus->stats.mmio_unclaimed++;
        return;
    }
    r->ops->write(r->opaque, addr, size, val & bus_ones(size));
}

const struct io_bus_stats *bus_stats(const struct io_bus *bus)
{
    return &bus->stats;
}
