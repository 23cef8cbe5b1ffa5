/*
 * mmu_rsvd.c - reserved bits in 4 MiB PDEs (the only place 32-bit paging
 * has them): with CR4.PSE = 1, bit 21 of a PDE with PS = 1 is reserved,
 * and bits 20:13 too on a CPU without PSE-36 (CPUID.1:EDX[17] = 0, like
 * the Pentium Pro xbt models).  A load, store or instruction fetch through
 * such a PDE raises #PF with RSVD = 1 and P = 1 in the error code (SDM
 * vol. 3A 4.7: "bit 3 of the error code can be set only if bit 0 is also
 * set"), from ring 0 and ring 3, even when the access would also violate
 * U/S or R/W.  Not checked: in a not-present PDE (plain P = 0 fault), or
 * with CR4.PSE = 0 (PS is ignored and the PDE points to a page table whose
 * address may have bit 21 set).
 *
 * QEMU SKIP: QEMU 7.2 reports these faults with P = 0 (error codes 8, 0xA,
 * 0xC, 0xE instead of 9, 0xB, 0xD, 0xF), and its default CPU has PSE-36.
 * The expected output is the SDM's behaviour.
 */
#include "mmu_common.h"

#define UC 0x41000000u
#define US 0x41010000u
#define L21 0x43000000u            /* bit 21 set, user r/w */
#define L21S 0x43400000u           /* bit 21 set, supervisor read-only */
#define L13 0x43800000u            /* bit 13 set, user r/w */
#define LNP 0x43C00000u            /* bit 21 set, not present */
#define PT21 0x44000000u           /* CR4.PSE = 0: PS ignored */

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1));
    int pse36 = (d >> 17) & 1;
    printf("CPUID PSE-36: %d\n", pse36);

    mmu_init();
    uint32_t *pd = mmu_new_pd();
    mmu_user_setup(pd, UC, US);
    /* code for the fetches: "mov $0x600D, %eax; ret" at the start of each
     * 4 MiB frame */
    static const uint8_t code[] = { 0xB8, 0x0D, 0x60, 0, 0, 0xC3 };
    for (uint32_t f = 0x01000000u; f < 0x01400000u; f += LPAGE_SIZE)
        memcpy((void *)(f), code, sizeof code);   /* paging is off: physical */
    *mmu_pde(pd, L21) = 0x01000000u | 0x200000u | PG_PS | PG_P | PG_W | PG_U;
    *mmu_pde(pd, L21S) = 0x01000000u | 0x200000u | PG_PS | PG_P;
    *mmu_pde(pd, L13) = 0x01000000u | 0x2000u | PG_PS | PG_P | PG_W | PG_U;
    *mmu_pde(pd, LNP) = 0x01000000u | 0x200000u | PG_PS | PG_W | PG_U;
    write_cr4(read_cr4() | CR4_PSE);
    mmu_paging_on(pd, 1);

    printf("CR4.PSE=1, 4 MiB PDE with bit 21 set:\n");
    mmu_kread("ring 0 read", L21 + 0x10);
    mmu_kwrite("ring 0 write", L21 + 0x14, 1);
    mmu_kcall("ring 0 call", L21);
    mmu_uprobe("ring 3 read", MMU_UREAD, L21 + 0x18, 0);
    mmu_uprobe("ring 3 write", MMU_UWRITE, L21 + 0x1C, 1);
    mmu_uprobe("ring 3 call", MMU_UCALL, L21 + 0x20, 0);
    printf(" supervisor read-only PDE with bit 21 set:\n");
    mmu_kwrite("ring 0 write", L21S + 0x24, 1);
    mmu_uprobe("ring 3 read", MMU_UREAD, L21S + 0x28, 0);
    mmu_uprobe("ring 3 write", MMU_UWRITE, L21S + 0x2C, 1);
    printf(" not-present PDE with bit 21 set:\n");
    mmu_kread("ring 0 read", LNP + 0x30);
    mmu_uprobe("ring 3 write", MMU_UWRITE, LNP + 0x34, 1);
    printf("CR4.PSE=1, 4 MiB PDE with bit 13 set (%s):\n",
           pse36 ? "PSE-36: physical address bit 32" : "no PSE-36: reserved");
    if (!pse36) {
        mmu_kread("ring 0 read", L13 + 0x38);
        mmu_uprobe("ring 3 read", MMU_UREAD, L13 + 0x3C, 0);
    }

    /* CR4.PSE = 0: the same PDE names a page table at an address with bit
     * 21 set (frame 0x7FE000 of the pool, whose PTE 0 maps 16 MiB) */
    mmu_paging_off();
    write_cr4(read_cr4() & ~CR4_PSE);
    if (mmu_allocated() >= (0x7FE000u - MMU_POOL_BASE) / PAGE_SIZE)
        panic("pool too small");
    uint32_t *pt = (uint32_t *)0x7FE000u;
    memset(pt, 0, PAGE_SIZE);
    pt[0] = 0x01000000u | PG_P | PG_W | PG_U;
    *mmu_pde(pd, PT21) = 0x7FE000u | PG_PS | PG_P | PG_W | PG_U;
    mmu_paging_on(pd, 1);
    printf("CR4.PSE=0, PDE with PS=1 and bit 21 set (a page table):\n");
    mmu_kread("ring 0 read", PT21);
    mmu_kcall("ring 0 call", PT21);
    mmu_uprobe("ring 3 read", MMU_UREAD, PT21 + 4, 0);
    mmu_kread("ring 0 read, PTE 1 not present", PT21 + PAGE_SIZE);
    mmu_paging_off();
    return 0;
}
