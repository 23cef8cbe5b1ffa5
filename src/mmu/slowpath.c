/*
 * slowpath.c - what translated code does when the inline TLB lookup
 * misses: translate the linear address (paging is off for now, so linear =
 * physical), refill the TLB entry, and either hand back the host address of
 * RAM or stage the access in the vCPU's bounce buffer (MMIO, open bus,
 * page-crossing accesses and stores to pages holding translated code).  A
 * bounced store is committed by bt_mem_writeback() right after the guest
 * instruction ran on the buffer.
 */
#include <string.h>

#include "machine.h"
#include "mmu.h"
#include "vcpu.h"

static void tlb_fill(struct mmu *mmu, uint32_t lin, uint32_t phys)
{
    struct tlb_entry *e = &mmu->tlb[(lin >> 12) & (mmu->tlb_entries - 1)];
    uint32_t page = lin & PAGE_MASK;
    e->tag_r = page;
    e->tag_w = mmu_is_code_page(mmu, phys) ? TLB_TAG_INVALID : page;
    e->addend = (uint64_t)(uintptr_t)(mmu->m->ram + (phys & PAGE_MASK)) - page;
    mmu->st.tlb_fills++;
}

static bool is_plain_ram(struct mmu *mmu, uint32_t phys)
{
    return mmu_phys_ptr(mmu, phys & PAGE_MASK, PAGE_SIZE) != NULL;
}

uint64_t bt_mem_slow(struct vcpu *cpu, uint32_t addr, uint32_t info, uint32_t eip)
{
    struct mmu *mmu = &cpu->m->mmu;
    unsigned size = info & MEM_SIZE_MASK;
    bool write = info & MEM_W;
    (void)eip;   /* faults need it once paging exists */
    if (write)
        mmu->st.tlb_misses_w++;
    else
        mmu->st.tlb_misses_r++;

    uint32_t phys = addr;   /* CR0.PG = 0 */
    bool crossing = (addr & ~PAGE_MASK) + size > PAGE_SIZE;
    bool ram = is_plain_ram(mmu, phys);
    if (ram)
        tlb_fill(mmu, addr, phys);
    if (ram && !crossing && !(write && mmu_is_code_page(mmu, phys)))
        return (uint64_t)(uintptr_t)(mmu->m->ram + phys);

    /* bounce */
    mmu->st.bounced++;
    if (crossing)
        mmu->st.crossing++;
    if (size > sizeof(cpu->bounce))
        size = sizeof(cpu->bounce);
    cpu->bounce_active = true;
    cpu->bounce_write = write;
    cpu->bounce_addr = addr;
    cpu->bounce_size = size;
    if (info & MEM_R) {
        if (size <= 4 && !crossing) {
            uint32_t v = mmu_phys_read(mmu, phys, size);
            memcpy(cpu->bounce, &v, size);
        } else {
            for (unsigned i = 0; i < size; i++)
                cpu->bounce[i] = (uint8_t)mmu_phys_read(mmu, phys + i, 1);
        }
    } else {
        memset(cpu->bounce, 0, size);
    }
    return (uint64_t)(uintptr_t)cpu->bounce;
}

uint64_t bt_mem_writeback(struct vcpu *cpu, uint32_t unused, uint32_t unused2,
                          uint32_t next_eip)
{
    (void)unused;
    (void)unused2;
    if (!cpu->bounce_active)
        return 0;
    cpu->bounce_active = false;
    if (!cpu->bounce_write)
        return 0;
    struct mmu *mmu = &cpu->m->mmu;
    uint32_t phys = cpu->bounce_addr;
    unsigned size = cpu->bounce_size;
    int smc = 0;
    bool crossing = (phys & ~PAGE_MASK) + size > PAGE_SIZE;
    if (size <= 4 && !crossing) {
        uint32_t v = 0;
        memcpy(&v, cpu->bounce, size);
        smc = mmu_phys_write(mmu, phys, size, v);
    } else {
        for (unsigned i = 0; i < size; i++)
            smc |= mmu_phys_write(mmu, phys + i, 1, cpu->bounce[i]);
    }
    if (smc) {
        /* the running unit may be stale: finish this instruction, leave */
        cpu->eip = next_eip;
        cpu->exit_reason = EXIT_NORMAL;
        cpu->chain_info = 0;
        cpu->helper_exit = 1;
    }
    return 0;
}

int mmu_read(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val)
{
    *val = mmu_phys_read(&cpu->m->mmu, lin, size);
    return 0;
}

int mmu_write(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val)
{
    if (mmu_phys_write(&cpu->m->mmu, lin, size, val))
        cpu->smc_hit = true;
    return 0;
}
