/*
 * flush.c - mmu_flush(), the one entry point for every reason the guest's
 * linear mappings change: it drops what the cause requires from the
 * simulated TLBs and the shadow page tables, counts the cause, and
 * signals the mappings hook, through which the translation cache forgets
 * what its indirect-branch tables (they map linear EIPs to translated
 * code) hold for the mappings the cause drops.
 */
#include "mmu.h"
#include "shadow.h"
#include "tlb.h"

void mmu_flush(struct mmu *mmu, enum mmu_flush_cause cause, uint32_t cr3, uint32_t lin)
{
    switch (cause) {
    case MMU_FLUSH_CR3:
        mmu_flush_nonglobal(mmu); /* global pages stay */
        mmu->st.flush_cr3++;
        break;
    case MMU_FLUSH_INVLPG:
        mmu_flush_page(mmu, lin);
        if (mmu->shadow)
            shadow_invlpg(mmu->shadow, cr3, lin);
        mmu->st.flush_invlpg++;
        break;
    case MMU_FLUSH_MODE:
        mmu_tlb_flush(mmu);
        if (mmu->shadow)
            shadow_drop_all(mmu->shadow);
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
