/*
 * rom.c - read-only memory at a guest-physical range outside RAM: the BIOS
 * flash at the top of the 4 GiB space (4 GiB - size), where a PC's CPU
 * fetches its first instruction (0xFFFFFFF0).  Reads return the image's
 * bytes (little endian for wide accesses); writes are dropped and counted
 * (flash programming is not modelled).  dev_rom_ptr gives direct access to
 * the bytes for whoever must fetch code from there.
 *
 * Threading: reads from the vCPU thread; the image never changes.
 */
#include <stdlib.h>

#include "devices.h"

struct dev_rom {
    struct io_bus *bus;
    const uint8_t *data; /* the caller's */
    uint32_t base, size;
    uint64_t reads, dropped_writes;
};

static uint64_t rom_read(void *opaque, uint32_t addr, unsigned size)
{
    struct dev_rom *r = opaque;
    uint64_t v = 0;
    uint32_t off = addr - r->base;
    r->reads++;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)(off + i < r->size ? r->data[off + i] : 0xFF) << (8 * i);
    return v;
}

static void rom_write(void *opaque, uint32_t addr, unsigned size, uint64_t val)
{
    struct dev_rom *r = opaque;
    (void)addr;
    (void)size;
    (void)val;
    r->dropped_writes++;
}

static const struct dev_mmio_ops rom_ops = {
    .read = rom_read,
    .write = rom_write,
};

struct dev_rom *dev_rom_create(struct io_bus *bus, uint32_t base, const uint8_t *data,
                               uint32_t size)
{
    if (!data || !size || (uint64_t)base + size > UINT64_C(1) << 32)
        return NULL;
    struct dev_rom *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->bus = bus;
    r->data = data;
    r->base = base;
    r->size = size;
    if (bus) {
        int err = bus_register_mmio(bus, base, size, &rom_ops, r);
        if (err < 0) {
            xbt_error("rom: cannot map 0x%08x-0x%08x: %s", (unsigned)base,
                      (unsigned)(base + size - 1), xbt_strerror(err));
            free(r);
            return NULL;
        }
    }
    return r;
}

void dev_rom_destroy(struct dev_rom *r)
{
    if (!r)
        return;
    if (r->bus)
        bus_unregister_mmio(r->bus, r->base, r->size, r);
    free(r);
}

const uint8_t *dev_rom_ptr(const struct dev_rom *r, uint32_t addr, uint32_t len)
{
    if (!r || addr < r->base || (uint64_t)addr + len > (uint64_t)r->base + r->size)
        return NULL;
    return r->data + (addr - r->base);
}

uint64_t dev_rom_dropped_writes(const struct dev_rom *r)
{
    return r->dropped_writes;
}
