/*
 * window.c - the MEM_HOST guest-physical window.  A 4 GiB host reservation
 * (plus 2 GiB guards below and above, so that base + disp computed in 64
 * bits from 32-bit values always stays inside) in which guest RAM is mapped
 * at its guest-physical addresses from the RAM memfd.  Everything else is
 * PROT_NONE: open bus, MMIO and address wrap-around fault on the host and
 * are handled by the slow path (run.c routes the SIGSEGV).  Pages holding
 * translated code are read-only here, so guest stores to them fault too and
 * invalidate the translations.  The VMM itself accesses RAM through its own
 * always-writable mapping (machine.ram).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "mmu.h"

#define WINDOW_GUARD (2ull << 30)
#define WINDOW_SPAN (4ull << 30)

int mmu_window_init(struct mmu *mmu, int ram_fd)
{
    size_t res = WINDOW_GUARD + WINDOW_SPAN + WINDOW_GUARD;
    uint8_t *p = mmap(NULL, res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return XBT_ENOMEM;
    mmu->window_res = p;
    mmu->window_res_size = res;
    mmu->window = p + WINDOW_GUARD;
    if (mmap(mmu->window, mmu->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, ram_fd,
             0) == MAP_FAILED) {
        mmu_window_destroy(mmu);
        return XBT_ENOMEM;
    }
    return 0;
}

void mmu_window_destroy(struct mmu *mmu)
{
    if (mmu->window_res)
        munmap(mmu->window_res, mmu->window_res_size);
    mmu->window_res = mmu->window = NULL;
}

bool mmu_window_contains(const struct mmu *mmu, uintptr_t a)
{
    return mmu->window_res && a >= (uintptr_t)mmu->window_res &&
           a < (uintptr_t)mmu->window_res + mmu->window_res_size;
}

/* Makes MMIO ranges that overlap RAM inaccessible in the window. */
void mmu_window_protect(struct mmu *mmu, uint32_t addr, uint32_t len, bool writable)
{
    if (!mmu->window || (uint64_t)addr >= mmu->ram_size)
        return;
    uint64_t end = (uint64_t)addr + len;
    if (end > mmu->ram_size)
        end = mmu->ram_size;
    uint32_t start = addr & PAGE_MASK;
    mprotect(mmu->window + start, (size_t)(end - start + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1),
             writable ? PROT_READ | PROT_WRITE : PROT_READ);
    mmu->st.window_protects++;
}
