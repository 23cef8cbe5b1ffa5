/*
 * mmu_ad.c - accessed and dirty flags (Intel SDM vol. 3A 4.8).  Prints the
 * flag bits (low 12 bits) of PDEs and PTEs after reads, writes, instruction
 * fetches, writes to a page holding (translated) code, REP MOVSB, locked
 * read-modify-writes and page-crossing accesses:
 * A is set in every entry used by a translation, D only by writes and only
 * in the entry that maps the page (the PTE, or the PDE of a 4 MiB page;
 * bit 6 of a PDE that points to a page table is left alone); a write sets D
 * even when a read already cached the translation; other bits (PWT, PCD,
 * AVL) are preserved.  After software clears A/D and INVLPGs, the next
 * access sets them again.  Accesses that fault leave a not-present entry
 * unchanged and do not set D.  (Clearing A/D without INVLPG: the processor
 * may not set them again, SDM 4.10.3.3 - not tested.)
 */
#include "mmu_common.h"

#define R 0x40000000u              /* 4 KiB test pages */
#define L 0x40800000u              /* a 4 MiB page */

static uint32_t *pd;

static uint32_t *pte(uint32_t va) { return mmu_pte(pd, va); }
static uint32_t *pde(uint32_t va) { return mmu_pde(pd, va); }

static void show(const char *what, uint32_t va)
{
    uint32_t e = *pde(va);

    if (e & PG_PS)
        printf("  %-44s pde=%03x\n", what, e & 0xFFF);
    else
        printf("  %-44s pde=%03x pte=%03x\n", what, e & 0xFFF, *pte(va) & 0xFFF);
}

/* Clears A and D in the PDE and the PTE of va and INVLPGs it. */
static void clear_ad(uint32_t va)
{
    *pde(va) &= ~(PG_A | PG_D);
    if (!(*pde(va) & PG_PS))
        *pte(va) &= ~(PG_A | PG_D);
    invlpg(va);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    for (unsigned i = 0; i < 8; i++)
        mmu_map(pd, R + i * PAGE_SIZE, mmu_alloc(), PG_P | PG_W);
    *pte(R + 5 * PAGE_SIZE) |= PG_PWT | PG_PCD | 0xE00;   /* AVL bits 9-11 */
    write_cr4(read_cr4() | CR4_PSE);
    *pde(L) = 0x01000000u | PG_PS | PG_P | PG_W;          /* 16 MiB frame */
    mmu_paging_on(pd, 1);
    printf("CR4.PSE=%u CR0.WP=%u\n", (read_cr4() >> 4) & 1, (read_cr0() >> 16) & 1);

    printf("4 KiB page:\n");
    clear_ad(R);
    show("fresh", R);
    (void)rd32(R);
    show("after a read", R);
    (void)rd8(R + 0x123);
    show("after another read", R);
    wr32(R + 8, 1);
    show("after a write (translation cached by a read)", R);
    clear_ad(R);
    show("A/D cleared, INVLPG", R);
    wr8(R + 0xFFF, 2);
    show("after a write", R);
    *pte(R) &= ~PG_D;
    invlpg(R);
    show("D cleared, INVLPG", R);
    (void)rd32(R);
    show("after a read", R);
    wr16(R + 2, 3);
    show("after a write", R);

    printf("other PTE bits preserved:\n");
    clear_ad(R + 5 * PAGE_SIZE);
    show("PWT PCD AVL, fresh", R + 5 * PAGE_SIZE);
    wr32(R + 5 * PAGE_SIZE, 4);
    show("after a write", R + 5 * PAGE_SIZE);

    printf("instruction fetch:\n");
    uint32_t code = R + 1 * PAGE_SIZE;
    wr8(code, 0xC3);                                      /* ret */
    clear_ad(code);
    show("code page, fresh", code);
    __asm__ volatile("call *%0" : : "r"(code) : "eax", "ecx", "edx", "memory", "cc");
    show("after calling it", code);
    clear_ad(code);
    wr8(code + 0x800, 1);                                 /* a page holding code */
    show("A/D cleared, INVLPG, a write to it", code);
    clear_ad(code);
    wr8(code, 0xC3);                                      /* the code itself */
    show("A/D cleared, INVLPG, rewriting the ret", code);
    __asm__ volatile("call *%0" : : "r"(code) : "eax", "ecx", "edx", "memory", "cc");

    printf("rep movsb page 2 -> page 3:\n");
    clear_ad(R + 2 * PAGE_SIZE);
    clear_ad(R + 3 * PAGE_SIZE);
    uint32_t s = R + 2 * PAGE_SIZE, d = R + 3 * PAGE_SIZE, n = 100;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    show("source", R + 2 * PAGE_SIZE);
    show("destination", R + 3 * PAGE_SIZE);

    printf("lock incl:\n");
    clear_ad(R + 4 * PAGE_SIZE);
    __asm__ volatile("lock incl %0" : "+m"(*(uint32_t *)(R + 4 * PAGE_SIZE + 64)) : : "cc");
    show("page 4", R + 4 * PAGE_SIZE);

    printf("dword across pages 6/7:\n");
    clear_ad(R + 6 * PAGE_SIZE);
    clear_ad(R + 7 * PAGE_SIZE);
    (void)rd32(R + 7 * PAGE_SIZE - 2);
    show("read: page 6", R + 6 * PAGE_SIZE);
    show("read: page 7", R + 7 * PAGE_SIZE);
    wr32(R + 7 * PAGE_SIZE - 1, 5);
    show("write: page 6", R + 6 * PAGE_SIZE);
    show("write: page 7", R + 7 * PAGE_SIZE);

    printf("4 MiB page:\n");
    clear_ad(L);
    show("fresh", L);
    (void)rd32(L + 0x3FF000);
    show("after a read", L);
    wr32(L + 0x123458, 6);
    show("after a write", L);
    clear_ad(L);
    show("A/D cleared, INVLPG", L);
    wr8(L + 1, 7);
    show("after a write", L);

    printf("faulting accesses:\n");
    uint32_t np = R + 8 * PAGE_SIZE;
    *pte(np) = 0xABCDE000u | 0xE00 | PG_W;                /* P = 0: software's bits */
    invlpg(np);
    __asm__ volatile(MMU_TRY "movl (%0), %%eax" MMU_END : : "r"(np) : "eax", "memory");
    mmu_report("read, PTE not present");
    __asm__ volatile(MMU_TRY "movl %%eax, (%0)" MMU_END : : "r"(np) : "eax", "memory");
    mmu_report("write, PTE not present");
    printf("  PTE still %08x\n", *pte(np));

    uint32_t ro = R + 9 * PAGE_SIZE;
    mmu_map(pd, ro, mmu_alloc(), PG_P | PG_A);            /* read-only, A already 1 */
    invlpg(ro);
    __asm__ volatile(MMU_TRY "movl %%eax, (%0)" MMU_END : : "r"(ro) : "eax", "memory");
    mmu_report("write, read-only PTE (WP=1)");
    show("read-only page after the write", ro);

    uint32_t lro = 0x40C00000u;
    *pde(lro) = 0x01400000u | PG_PS | PG_P | PG_A;        /* read-only 4 MiB page */
    invlpg(lro);
    __asm__ volatile(MMU_TRY "movl %%eax, (%0)" MMU_END : : "r"(lro + 0x10) : "eax", "memory");
    mmu_report("write, read-only 4 MiB page");
    show("read-only 4 MiB page after the write", lro);

    uint32_t lnp = 0x41000000u;
    *pde(lnp) = 0x01800000u | PG_PS | 0xE00 | PG_W;       /* P = 0 */
    invlpg(lnp);
    __asm__ volatile(MMU_TRY "movl %%eax, (%0)" MMU_END : : "r"(lnp) : "eax", "memory");
    mmu_report("write, 4 MiB PDE not present");
    printf("  PDE still %08x\n", *pde(lnp));

    mmu_paging_off();
    return 0;
}
