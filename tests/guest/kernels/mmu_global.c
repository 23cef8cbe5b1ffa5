/*
 * mmu_global.c - global pages (CR4.PGE, G bit; Intel SDM vol. 3A 4.10).
 * Only architecturally guaranteed outcomes are printed: after a PTE
 * change without INVLPG and a CR3 reload, a non-global page is walked
 * again (new translation) while a global one may keep the old translation
 * or not (checked to be one of the two, not printed); INVLPG, toggling
 * CR4.PGE and turning paging off and on all drop global entries; with
 * CR4.PGE = 0 the G bit is ignored (a CR3 reload drops the entry).  The
 * same for a global 4 MiB page (INVLPG of any address inside it), for a
 * global user page read at ring 3 (INVLPG reaches the user-mode TLB too),
 * and across a switch to another page directory (non-global: the new
 * directory's mapping).
 */
#include "mmu_common.h"

#define G 0x40000000u              /* global 4 KiB page */
#define N 0x40001000u              /* non-global 4 KiB page */
#define UG 0x40002000u             /* global user page */
#define UN 0x40003000u             /* non-global user page */
#define LG 0x40800000u             /* global 4 MiB page */
#define UC 0x41000000u
#define US 0x41010000u

static uint32_t *pd;
static uint32_t fr[8];             /* frames; each starts with its number */
static unsigned errors;

static void set(uint32_t va, unsigned f, uint32_t flags)
{
    *mmu_pte(pd, va) = fr[f] | PG_P | PG_W | flags;
}

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-52s frame %u%s\n", what, got, got == want ? "" : "  WRONG");
    errors += got != want;
}

static void either(const char *what, uint32_t got, uint32_t a, uint32_t b)
{
    printf("  %-52s %s\n", what, (got == a || got == b) ? "old or new: ok" : "WRONG");
    errors += got != a && got != b;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    for (unsigned i = 0; i < 8; i++) {
        fr[i] = mmu_alloc();
        wr32(fr[i], i);
    }
    mmu_user_setup(pd, UC, US);
    set(G, 1, PG_G);
    set(N, 3, 0);
    set(UG, 5, PG_G | PG_U);
    set(UN, 6, PG_U);
    /* 4 MiB frames at 16 and 20 MiB, numbered 16 and 20 */
    wr32(0x01000000u, 16);
    wr32(0x01400000u, 20);
    wr32(0x01000000u + 0x3FF000, 16);
    wr32(0x01000000u + 0x200000, 16);
    wr32(0x01400000u + 0x3FF000, 20);
    wr32(0x01400000u + 0x200000, 20);
    *mmu_pde(pd, LG) = 0x01000000u | PG_PS | PG_G | PG_P | PG_W;
    write_cr4(read_cr4() | CR4_PSE | CR4_PGE);
    mmu_paging_on(pd, 1);
    printf("CR4.PGE=%u\n", (read_cr4() >> 7) & 1);

    printf("PTE changes without INVLPG, then CR3 reloaded:\n");
    expect("global G", rd32(G), 1);
    expect("non-global N", rd32(N), 3);
    set(G, 2, PG_G);
    set(N, 4, 0);
    reload_cr3();
    expect("non-global N after CR3 reload", rd32(N), 4);
    either("global G after CR3 reload", rd32(G), 1, 2);
    invlpg(G);
    expect("global G after INVLPG", rd32(G), 2);

    printf("CR4.PGE toggled:\n");
    set(G, 1, PG_G);
    either("global G, PTE changed, no flush", rd32(G), 2, 1);
    write_cr4(read_cr4() & ~CR4_PGE);
    expect("global G after clearing CR4.PGE", rd32(G), 1);
    set(G, 2, PG_G);
    reload_cr3();
    expect("G bit with CR4.PGE=0, after CR3 reload", rd32(G), 2);
    write_cr4(read_cr4() | CR4_PGE);
    expect("global G after setting CR4.PGE", rd32(G), 2);
    set(G, 1, PG_G);
    write_cr4(read_cr4() & ~CR4_PGE);
    write_cr4(read_cr4() | CR4_PGE);
    expect("global G after clearing and setting CR4.PGE", rd32(G), 1);

    printf("paging turned off and on:\n");
    set(G, 2, PG_G);
    reload_cr3();
    either("global G after CR3 reload", rd32(G), 1, 2);
    mmu_paging_off();
    mmu_paging_on(pd, 1);
    expect("global G after CR0.PG 1 -> 0 -> 1", rd32(G), 2);

    printf("global 4 MiB page:\n");
    expect("LG+0", rd32(LG) & 0xFF, 16);
    (void)rd32(LG + 0x3FF000);
    (void)rd32(LG + 0x200000);
    *mmu_pde(pd, LG) = 0x01400000u | PG_PS | PG_G | PG_P | PG_W;
    reload_cr3();
    either("LG+0 after CR3 reload", rd32(LG), 16, 20);
    invlpg(LG + 0x1000);
    expect("LG+0 after INVLPG LG+0x1000", rd32(LG), 20);
    expect("LG+0x3FF000 after INVLPG LG+0x1000", rd32(LG + 0x3FF000), 20);
    expect("LG+0x200000 after INVLPG LG+0x1000", rd32(LG + 0x200000), 20);

    printf("ring 3:\n");
    mmu_uprobe("read UG (global)", MMU_UREAD, UG, 0);
    mmu_uprobe("read UN (non-global)", MMU_UREAD, UN, 0);
    set(UG, 7, PG_G | PG_U);
    set(UN, 0, PG_U);
    reload_cr3();
    mmu_uprobe("read UN after the PTE change and CR3 reload", MMU_UREAD, UN, 0);
    invlpg(UG);
    mmu_uprobe("read UG after INVLPG", MMU_UREAD, UG, 0);

    printf("another page directory:\n");
    uint32_t *pd1 = pd;
    pd = mmu_new_pd();
    set(N, 5, 0);
    write_cr3((uint32_t)pd);
    expect("non-global N in the new directory", rd32(N), 5);
    write_cr3((uint32_t)pd1);
    expect("non-global N back in the first", rd32(N), 4);

    mmu_paging_off();
    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
