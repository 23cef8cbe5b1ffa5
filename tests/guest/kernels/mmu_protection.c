/*
 * mmu_protection.c - page-level protection (Intel SDM vol. 3A 4.6), with the
 * #PF error code and CR2 of every violation.
 *
 * Ring 3 (mmu_user_run: IRET to CPL 3 with a TSS for the way back; the
 * GDT, IDT, TSS and kernel stack stay in supervisor pages, so every
 * exception and the return gate also check that implicit supervisor-mode
 * accesses are allowed from CPL 3): loads and stores to user read/write,
 * user read-only, supervisor, supervisor read-only and not-present pages;
 * effective rights combining PDE and PTE (U/S and R/W from the PDE); 4 MiB
 * user read-only and supervisor pages; calls into user, supervisor and
 * not-present pages (EIP = CR2 = the target); instructions straddling from
 * a user page into a supervisor or a not-present page (EIP = the
 * instruction, CR2 = the second page); dwords straddling into a supervisor
 * or read-only page (CR2 = the second page; nothing written to the first).
 * Ring 0: stores to read-only pages with CR0.WP = 0 (allowed) and 1 (#PF
 * P|W), switching WP without any TLB flush in between (the TLB caches R/W,
 * WP applies at each access); dwords straddling into or out of a read-only
 * page (CR2 = the first byte that is not writable); supervisor reads of and calls into user
 * pages (allowed: no SMAP/SMEP on an i686).  Reserved bits: mmu_strict.
 */
#include "mmu_common.h"

#define UC 0x41000000u             /* user code; UC+0x1000: supervisor */
#define UC2 0x41004000u            /* user code; UC2+0x1000: not present */
#define US 0x41010000u             /* user stack page */
#define D_URW 0x42000000u
#define D_URO 0x42001000u
#define D_S 0x42002000u
#define D_SRO 0x42003000u
#define D_NP 0x42004000u
#define PDE_S 0x42400000u          /* PDE supervisor, PTE user */
#define PDE_RO 0x42800000u         /* PDE read-only, PTE writable */
#define L_URO 0x43000000u          /* 4 MiB user read-only */
#define L_S 0x43400000u            /* 4 MiB supervisor */

static uint32_t *pd;

static void uread(const char *what, uint32_t va) { mmu_uprobe(what, MMU_UREAD, va, 0); }
static void uwrite(const char *what, uint32_t va, uint32_t v) { mmu_uprobe(what, MMU_UWRITE, va, v); }
static void ucall(const char *what, uint32_t target) { mmu_uprobe(what, MMU_UCALL, target, 0); }

static void set_wp(int on)
{
    write_cr0(on ? read_cr0() | CR0_WP : read_cr0() & ~CR0_WP);
}

static uint32_t page(uint32_t va, uint32_t flags, uint32_t fill)
{
    uint32_t fr = mmu_alloc();
    for (unsigned i = 0; i < PAGE_SIZE / 4; i++)
        ((uint32_t *)fr)[i] = fill + i;
    mmu_map(pd, va, fr, flags);
    return fr;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();

    /* user code: the stubs at UC and UC2, and at UC+0xFFD / UC2+0xFFD a
     * "mov $0x12345678, %eax" that continues on the next page */
    static const uint8_t straddle[] = { 0xB8, 0x78, 0x56, 0x34, 0x12, 0xCD, 0x2F };
    uint32_t uc2 = mmu_user_setup(pd, UC2, US);
    memcpy((void *)(uc2 + 0xFFD), straddle, 3);
    uint32_t uc = mmu_user_setup(pd, UC, US);
    memcpy((void *)(uc + 0xFFD), straddle, 3);
    uint32_t uc_next = page(UC + PAGE_SIZE, PG_P, 0);    /* supervisor */
    memcpy((void *)uc_next, straddle + 3, 4);

    page(D_URW, PG_P | PG_W | PG_U, 0x11000000);
    page(D_URO, PG_P | PG_U, 0x22000000);
    page(D_S, PG_P | PG_W, 0x33000000);
    page(D_SRO, PG_P, 0x44000000);
    page(PDE_S, PG_P | PG_W | PG_U, 0x55000000);
    *mmu_pde(pd, PDE_S) &= ~PG_U;
    page(PDE_RO, PG_P | PG_W | PG_U, 0x66000000);
    *mmu_pde(pd, PDE_RO) &= ~PG_W;
    write_cr4(read_cr4() | CR4_PSE);
    *mmu_pde(pd, L_URO) = 0x01000000u | PG_PS | PG_P | PG_U;
    *mmu_pde(pd, L_S) = 0x01400000u | PG_PS | PG_P | PG_W;
    wr32(0x01000000u, 0x77000000);
    wr32(0x01400000u, 0x88000000);
    mmu_paging_on(pd, 1);

    printf("ring 3, data:\n");
    uread("read user r/w", D_URW);
    uwrite("write user r/w", D_URW, 0xA0A0A0A0);
    printf("  %-44s %08x\n", "  kernel reads it", rd32(D_URW));
    uread("read user read-only", D_URO);
    uwrite("write user read-only", D_URO + 8, 1);
    uread("read supervisor", D_S + 0x10);
    uwrite("write supervisor", D_S + 0x14, 1);
    uread("read supervisor read-only", D_SRO + 0x18);
    uwrite("write supervisor read-only", D_SRO + 0x1C, 1);
    uread("read not present", D_NP + 0x20);
    uwrite("write not present", D_NP + 0x24, 1);
    uread("read PDE supervisor, PTE user", PDE_S + 0x28);
    uread("read PDE read-only, PTE r/w", PDE_RO + 0x2C);
    uwrite("write PDE read-only, PTE r/w", PDE_RO + 0x30, 1);
    uread("read 4 MiB user read-only", L_URO);
    uwrite("write 4 MiB user read-only", L_URO + 0x3FFFFC, 1);
    uread("read 4 MiB supervisor", L_S + 0x123456);
    uread("dword read user -> supervisor page", D_URO + 0xFFE);
    uwrite("dword write user r/w -> read-only page", D_URW + 0xFFD, 0xEEEEEEEE);
    printf("  %-44s %08x\n", "  kernel reads the user r/w page's end", rd32(D_URW + 0xFFC));
    printf("  %-44s %08x\n", "  (the stores were not performed)", rd32(D_URO));

    printf("ring 3, instruction fetch:\n");
    ucall("call user code", MMU_UCONST(UC));
    ucall("call supervisor page", D_S + 0x100);
    ucall("call not-present page", D_NP + 0x200);
    ucall("call 4 MiB supervisor page", L_S);
    mmu_uprobe_at("insn straddling into a supervisor page", UC + 0xFFD, UC);
    mmu_uprobe_at("insn straddling into a not-present page", UC2 + 0xFFD, UC2);

    printf("ring 0, CR0.WP=1:\n");
    mmu_kread("read user page", D_URO + 4);
    mmu_kread("read 4 MiB supervisor page", L_S);
    mmu_kwrite("write user r/w", D_URW + 0x40, 0xB0B0B0B0);
    mmu_kwrite("write user read-only", D_URO + 0x40, 0xB1B1B1B1);
    mmu_kwrite("write supervisor read-only", D_SRO + 0x40, 0xB2B2B2B2);
    mmu_kwrite("write PDE read-only, PTE r/w", PDE_RO + 0x40, 0xB3B3B3B3);
    mmu_kwrite("write 4 MiB user read-only", L_URO + 0x40, 0xB4B4B4B4);
    mmu_kcall("call user code", MMU_UCONST(UC));
    mmu_kwrite("dword write read-only -> r/w page", D_URO + 0xFFE, 0xE1E1E1E1);
    mmu_kwrite("dword write r/w -> read-only page", D_URW + 0xFFE, 0xE2E2E2E2);
    printf("  %-44s %08x\n", "  (not performed) r/w page's last dword", rd32(D_URW + 0xFFC));

    printf("ring 0, CR0.WP=0 (no TLB flush):\n");
    set_wp(0);
    mmu_kwrite("write user read-only", D_URO + 0x40, 0xC1C1C1C1);
    mmu_kwrite("write supervisor read-only", D_SRO + 0x40, 0xC2C2C2C2);
    mmu_kwrite("write PDE read-only, PTE r/w", PDE_RO + 0x40, 0xC3C3C3C3);
    mmu_kwrite("write 4 MiB user read-only", L_URO + 0x40, 0xC4C4C4C4);
    mmu_kwrite("write not present", D_NP, 1);
    printf("ring 0, CR0.WP=1 again (no TLB flush):\n");
    set_wp(1);
    mmu_kwrite("write user read-only", D_URO + 0x44, 0xD1D1D1D1);
    mmu_kwrite("write supervisor read-only", D_SRO + 0x44, 0xD2D2D2D2);
    mmu_kwrite("write PDE read-only, PTE r/w", PDE_RO + 0x44, 0xD3D3D3D3);
    mmu_kwrite("write 4 MiB user read-only", L_URO + 0x44, 0xD4D4D4D4);
    printf("ring 3, CR0.WP=0:\n");
    set_wp(0);
    uwrite("write user read-only", D_URO + 0x48, 1);
    uwrite("write PDE read-only, PTE r/w", PDE_RO + 0x48, 1);
    set_wp(1);
    mmu_paging_off();
    return 0;
}
