/*
 * phys.c - guest-physical memory: RAM, MMIO through the bus, and open bus
 * (reads of unbacked addresses return all ones, writes are dropped, as on a
 * PC).  Stores to pages that hold translated code are reported to the
 * code hook (the translation cache), which drops what they overlap.
 */
#include <string.h>

#include "bus.h"
#include "mmu.h"
#include "shadow.h"

/* Tells the code hook (the translation cache) about a store to code. */
static int code_written(struct mmu *mmu, uint32_t addr, uint32_t len, enum mmu_code_write how)
{
    const struct mmu_hooks *h = &mmu->hooks;
    return h->code_written ? h->code_written(h->opaque, addr, len, how) : 0;
}

/* True if a byte of [addr, addr + len) (within RAM) is on a ROM page. */
static bool any_rom(const struct mmu *mmu, uint32_t addr, uint32_t len)
{
    for (uint32_t p = addr >> 12; p <= (addr + len - 1) >> 12; p++)
        if (mmu->rom_pages[p])
            return true;
    return false;
}

uint8_t *mmu_phys_ptr(struct mmu *mmu, uint32_t addr, uint32_t len)
{
    if ((uint64_t)addr + len > mmu->ram_size)
        return NULL;
    if (bus_is_mmio(mmu->bus, addr, len))
        return NULL;
    if (len && any_rom(mmu, addr, len))
        return NULL;
    return mmu->ram + addr;
}

/* The RAM bytes of a range on shadow-ROM pages (reads see them). */
static uint8_t *rom_ptr(struct mmu *mmu, uint32_t addr, uint32_t len)
{
    if ((uint64_t)addr + len > mmu->ram_size || !len || !any_rom(mmu, addr, len) ||
        bus_is_mmio(mmu->bus, addr, len))
        return NULL;
    return mmu->ram + addr;
}

uint32_t mmu_phys_read(struct mmu *mmu, uint32_t addr, unsigned size)
{
    uint8_t *p = mmu_phys_ptr(mmu, addr, size);
    if (!p)
        p = rom_ptr(mmu, addr, size);
    if (p) {
        uint32_t v = 0;
        memcpy(&v, p, size);
        return v;
    }
    if (bus_is_mmio(mmu->bus, addr, size)) {
        mmu->st.mmio_reads++;
        return (uint32_t)bus_mmio_read(mmu->bus, addr, size);
    }
    if ((uint64_t)addr + size <= mmu->ram_size || addr >= mmu->ram_size) {
        mmu->st.unbacked_reads++;
        return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    }
    /* straddles the end of RAM: byte by byte */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= mmu_phys_read(mmu, addr + i, 1) << (8 * i);
    return v;
}

int mmu_phys_write(struct mmu *mmu, uint32_t addr, unsigned size, uint32_t val)
{
    if (rom_ptr(mmu, addr, size)) {
        if (mmu->rom.write)
            mmu->rom.write(mmu->rom.opaque, addr, &val, size);
        return 0;
    }
    uint8_t *p = mmu_phys_ptr(mmu, addr, size);
    if (p) {
        memcpy(p, &val, size);
        if (mmu->shadow && (mmu->pt_pages[addr >> 12] || mmu->pt_pages[(addr + size - 1) >> 12]))
            shadow_pt_write(mmu->shadow, addr, size);
        if (mmu_is_code_page(mmu, addr) || mmu_is_code_page(mmu, addr + size - 1)) {
            mmu->st.code_writes++;
            return code_written(mmu, addr, size, MMU_CODE_WRITE_CPU) > 0;
        }
        return 0;
    }
    if (bus_is_mmio(mmu->bus, addr, size)) {
        mmu->st.mmio_writes++;
        bus_mmio_write(mmu->bus, addr, size, val);
        return 0;
    }
    if ((uint64_t)addr + size <= mmu->ram_size || addr >= mmu->ram_size) {
        mmu->st.unbacked_writes++;
        return 0;
    }
    int hit = 0;
    for (unsigned i = 0; i < size; i++)
        hit |= mmu_phys_write(mmu, addr + i, 1, (val >> (8 * i)) & 0xFF);
    return hit;
}

/* Stores n bytes (within one page) into RAM behind the CPU's back: shadow
 * page tables see the write, translations of the bytes are invalidated
 * (cause DMA). */
static void ram_store(struct mmu *mmu, uint32_t addr, const uint8_t *s, uint32_t n)
{
    memcpy(mmu->ram + addr, s, n);
    if (mmu->shadow && mmu->pt_pages[addr >> 12])
        shadow_pt_write(mmu->shadow, addr, n);
    if (mmu_is_code_page(mmu, addr))
        code_written(mmu, addr, n, MMU_CODE_WRITE_DMA);
}

/* Device DMA into guest-physical memory: RAM bytes are copied, MMIO and
 * unbacked addresses are skipped (a PC's bus master cannot reach them
 * either); translations of the written bytes are invalidated (cause DMA)
 * and shadow page tables see the write.  Returns bytes that reached RAM. */
uint32_t mmu_dma_write(struct mmu *mmu, uint32_t addr, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    uint32_t done = 0;
    while (len) {
        uint32_t n = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
        if (n > len)
            n = len;
        uint8_t *p = mmu_phys_ptr(mmu, addr, n);
        if (!p && rom_ptr(mmu, addr, n)) {
            if (mmu->rom.write) /* a bus master writing shadow-ROM */
                mmu->rom.write(mmu->rom.opaque, addr, s, n);
        } else if (p) {
            ram_store(mmu, addr, s, n);
            done += n;
            mmu->st.dma_write_bytes += n;
        }
        addr += n;
        s += n;
        len -= n;
    }
    return done;
}

/* Device DMA from guest-physical memory: unbacked bytes read as all ones. */
uint32_t mmu_dma_read(struct mmu *mmu, uint32_t addr, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    uint32_t done = 0;
    while (len) {
        uint32_t n = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
        if (n > len)
            n = len;
        uint8_t *p = mmu_phys_ptr(mmu, addr, n);
        if (!p)
            p = rom_ptr(mmu, addr, n);
        if (p) {
            memcpy(d, p, n);
            done += n;
            mmu->st.dma_read_bytes += n;
        } else {
            memset(d, 0xFF, n);
        }
        addr += n;
        d += n;
        len -= n;
    }
    return done;
}

void mmu_set_rom_hook(struct mmu *mmu, struct mmu_rom_hook hook)
{
    mmu->rom = hook;
}

void mmu_set_flash(struct mmu *mmu, uint32_t base, const uint8_t *bytes, uint32_t size)
{
    mmu->flash = bytes;
    mmu->flash_base = base;
    mmu->flash_size = bytes ? size : 0;
}

void mmu_set_rom(struct mmu *mmu, uint32_t addr, uint32_t len, bool rom)
{
    if (!len || (uint64_t)addr + len > mmu->ram_size)
        return;
    for (uint32_t p = addr >> 12; p <= (addr + len - 1) >> 12; p++) {
        mmu->rom_pages[p] = rom;
        /* MEM_HOST: stores to ROM fault into the slow path */
        mmu_window_protect(mmu, p << 12, PAGE_SIZE, !rom && !mmu->code_pages[p]);
    }
    mmu_flush(mmu, MMU_FLUSH_MODE, 0, 0);
}

void mmu_phys_load(struct mmu *mmu, uint32_t addr, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    while (len && addr < mmu->ram_size) {
        uint32_t n = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
        if (n > len)
            n = len;
        if ((uint64_t)addr + n > mmu->ram_size)
            n = mmu->ram_size - addr;
        ram_store(mmu, addr, s, n);
        addr += n;
        s += n;
        len -= n;
    }
}

void mmu_phys_peek(struct mmu *mmu, uint32_t addr, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    for (uint32_t i = 0; i < len; i++)
        d[i] = (uint64_t)addr + i < mmu->ram_size ? mmu->ram[addr + i] : 0xFF;
}
