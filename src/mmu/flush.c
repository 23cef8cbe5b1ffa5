/*
 * flush.c - mmu_flush(), the one entry point for every reason the guest's
 * linear mappings change: it drops what the cause requires from the
 * simulated TLBs, the shadow page tables and the host-MMU windows, counts the cause, and
 * signals the mappings hook, through which the translation cache forgets
 * what its indirect-branch tables (they map linear EIPs to translated
 * code) hold for the mappings the cause drops.
 */
#include "hostmmu.h"
#include "mmu.h"
#include "shadow.h"
#include "tlb.h"

void mmu_flush(struct mmu *mmu, enum mmu_flush_cause cause, uint32_t cr3, uint32_t lin)
{
    switch (cause) {
    case MMU_FLUSH_CR3:
        mmu_flush_nonglobal(mmu); /* global pages stay */
        if (mmu->hmmu)
            hmmu_flush_nonglobal(mmu->hmmu);
        mmu->st.flush_cr3++;
        break;
    case MMU_FLUSH_INVLPG:
        mmu_flush_page(mmu, lin);
        if (mmu->shadow)
            shadow_invlpg(mmu->shadow, cr3, lin);
        if (mmu->hmmu)
            hmmu_invlpg(mmu->hmmu, lin);
        mmu->st.flush_invlpg++;
        break;
    case MMU_FLUSH_MODE:
        mmu_tlb_flush(mmu);
        if (mmu->shadow)
            shadow_drop_all(mmu->shadow);
        if (mmu->hmmu)
            hmmu_drop_all(mmu->hmmu);
        mmu->st.flush_mode++;
        break;
    }
    if (mmu->hooks.mappings_changed)
        mmu->hooks.mappings_changed(mmu->hooks.opaque, cause, lin);
}

int mmu_use_shadow(struct mmu *mmu)
{
    if (!mmu->shadow)
        mmu->shadow = shadow_create();
    return mmu->shadow ? 0 : XBT_ENOMEM;
}

const struct shadow_stats *mmu_shadow_stats(const struct mmu *mmu)
{
    return mmu->shadow ? shadow_stats(mmu->shadow) : NULL;
}

int mmu_use_host(struct mmu *mmu, int ram_fd, uint32_t budget, uint32_t spaces)
{
    if (!budget || !spaces || spaces > HMMU_MAX_SPACES)
        return XBT_EINVAL;
    if (!mmu->hmmu)
        mmu->hmmu = hmmu_create(ram_fd, mmu->ram_pages, budget, spaces);
    return mmu->hmmu ? 0 : XBT_ENOMEM;
}

uint8_t *mmu_host_base(struct mmu *mmu, const struct mmu_paging *pg, bool user)
{
    return hmmu_base(mmu->hmmu, mmu, pg, user);
}

bool mmu_host_contains(const struct mmu *mmu, uintptr_t a)
{
    return mmu->hmmu && hmmu_contains(mmu->hmmu, a);
}

enum mmu_host_fault mmu_host_fault(struct mmu *mmu, const struct mmu_paging *pg, uintptr_t a,
                                   uint32_t start, bool write)
{
    return mmu->hmmu ? hmmu_fault(mmu->hmmu, mmu, pg, a, start, write) : MMU_HOST_NOT_OURS;
}

const struct hmmu_stats *mmu_host_stats(const struct mmu *mmu)
{
    return mmu->hmmu ? hmmu_stats(mmu->hmmu) : NULL;
}
