/*
 * bus.h - the I/O bus: devices register port ranges and MMIO ranges with
 * callbacks; the VMM routes guest IN/OUT and MMIO accesses through it.
 * Devices know nothing of translation: they see only (offset, size, value).
 * Unclaimed ports read as all ones and ignore writes, as on a PC.
 */
#ifndef XBT_BUS_H
#define XBT_BUS_H

#include "xbt.h"

struct io_bus;

/* size is 1, 2 or 4 bytes.  port is the absolute port number. */
struct dev_port_ops {
    uint32_t (*read)(void *opaque, uint16_t port, unsigned size);
    void (*write)(void *opaque, uint16_t port, unsigned size, uint32_t val);
};

/* addr is the guest-physical address; size is 1, 2, 4 or 8 bytes. */
struct dev_mmio_ops {
    uint64_t (*read)(void *opaque, uint32_t addr, unsigned size);
    void (*write)(void *opaque, uint32_t addr, unsigned size, uint64_t val);
};

struct io_bus_stats {
    uint64_t port_reads, port_writes, port_unclaimed;
    uint64_t mmio_reads, mmio_writes, mmio_unclaimed;
};

struct io_bus *bus_create(void);
void bus_destroy(struct io_bus *bus);

/* Claims ports [base, base+count).  XBT_EBUSY if any port is taken. */
int bus_register_ports(struct io_bus *bus, uint16_t base, uint16_t count,
                       const struct dev_port_ops *ops, void *opaque);
/* Gives back a range registered with exactly these base, count and opaque
 * (a PCI BAR being moved or disabled); XBT_ENOENT if there is none.  vCPU
 * thread, or while the machine is being built. */
int bus_unregister_ports(struct io_bus *bus, uint16_t base, uint16_t count, void *opaque);
/* Claims guest-physical [base, base+len).  XBT_EBUSY on overlap. */
int bus_register_mmio(struct io_bus *bus, uint32_t base, uint32_t len,
                      const struct dev_mmio_ops *ops, void *opaque);
/* Gives back a range registered with exactly these base, len and opaque
 * (a local APIC being moved or disabled through its base MSR);
 * XBT_ENOENT if there is none.  vCPU thread, or while the machine is
 * being built. */
int bus_unregister_mmio(struct io_bus *bus, uint32_t base, uint32_t len, void *opaque);

uint32_t bus_port_read(struct io_bus *bus, uint16_t port, unsigned size);
void bus_port_write(struct io_bus *bus, uint16_t port, unsigned size, uint32_t val);

/* true if [addr, addr+len) overlaps a registered MMIO range. */
bool bus_is_mmio(const struct io_bus *bus, uint32_t addr, uint32_t len);
uint64_t bus_mmio_read(struct io_bus *bus, uint32_t addr, unsigned size);
void bus_mmio_write(struct io_bus *bus, uint32_t addr, unsigned size, uint64_t val);

const struct io_bus_stats *bus_stats(const struct io_bus *bus);

#endif
