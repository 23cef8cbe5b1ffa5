/*
 * mmu_spaces.c - address spaces switched by MOV to CR3 see their own
 * mappings, however many there are, and a change made to one address
 * space's tables while another is current (no INVLPG: the CR3 load that
 * switches back flushes the TLB) takes effect when it is switched back to:
 * another frame, a new page table under the PDE, A and D set again by the
 * next read and write, a page made read-only, not present or supervisor
 * faults (ring 0 write, read, ring 3 read).  Six directories map the same
 * addresses to frames of their own and are visited round robin, each
 * remapping the next one's page on the way (more directories than xbt
 * --mmu=host keeps windows for, so some are reassigned as they go).
 */
#include "mmu_common.h"

#define X 0x40000000u  /* data: a frame of each space's own */
#define UC 0x41000000u /* ring-3 probe code and stack */
#define US 0x41010000u
#define NSP 6
#define ROUNDS 40

static uint32_t *pd[NSP];
static uint32_t fr[NSP][2]; /* each space's two frames for X */
static unsigned errors;

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-52s %08x%s\n", what, got, got == want ? "" : "  WRONG");
    errors += got != want;
}

static void to(int k)
{
    write_cr3((uint32_t)pd[k]);
}

/* Round robin: in space k, X holds that space's current frame's value;
 * k writes it, then moves the next space's X to its other frame. */
static void round_robin(void)
{
    unsigned cur[NSP] = { 0 }, bad = 0, visits = 0;
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < NSP; k++) {
            to(k);
            uint32_t want = (uint32_t)(0x1000 * k + 0x100 * cur[k] + r);
            bad += rd32(X) != want;
            wr32(X, want + 1);
            bad += rd32(fr[k][cur[k]]) != want + 1; /* through the identity map */
            int n = (k + 1) % NSP;
            uint32_t next = cur[n] ^ 1;
            wr32(fr[n][next], (uint32_t)(0x1000 * n + 0x100 * next + r + (n == 0)));
            mmu_map(pd[n], X, fr[n][next], PG_P | PG_W | PG_U);
            cur[n] = next;
            visits++;
        }
    printf("round robin: %u visits of %d directories, %u wrong\n", visits, NSP, bad);
    errors += bad;
}

/* Space 0's PTE for X, edited from space 1. */
static uint32_t *pte0(void)
{
    return mmu_pte(pd[0], X);
}

static void changes_while_away(void)
{
    printf("changed while another space is current:\n");
    uint32_t g = mmu_alloc(), h = mmu_alloc(), pt = mmu_alloc();
    wr32(g, 0x99);
    wr32(h, 0xAB);
    to(0);
    (void)rd32(X);
    to(1);
    mmu_map(pd[0], X, g, PG_P | PG_W | PG_U);
    to(0);
    expect("another frame", rd32(X), 0x99);
    wr32(X, 0x9A);
    to(1);
    *pte0() &= ~(PG_A | PG_D);
    to(0);
    (void)rd32(X);
    expect("A and D after a read (A cleared away)", *pte0() & (PG_A | PG_D), PG_A);
    wr32(X, 0x9B);
    expect("A and D after a write", *pte0() & (PG_A | PG_D), PG_A | PG_D);
    to(1);
    *pte0() &= ~PG_W;
    to(0);
    mmu_kwrite("write, made read-only away", X, 5);
    to(1);
    *pte0() &= ~PG_P;
    to(0);
    mmu_kread("read, made not present away", X);
    to(1);
    *pte0() |= PG_P | PG_W;
    to(0);
    mmu_uprobe("ring 3 read", MMU_UREAD, X, 0);
    mmu_uprobe("ring 3 write", MMU_UWRITE, X, 0x9C);
    to(1);
    *pte0() &= ~PG_U;
    to(0);
    mmu_uprobe("ring 3 read, made supervisor away", MMU_UREAD, X, 0);
    to(1);
    ((uint32_t *)pt)[(X >> 12) & 0x3FF] = h | PG_P | PG_W | PG_U;
    *mmu_pde(pd[0], X) = pt | PG_P | PG_W | PG_U;
    to(0);
    expect("a new page table under the PDE", rd32(X), 0xAB);
    mmu_uprobe("ring 3 read through it", MMU_UREAD, X, 0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    for (int k = 0; k < NSP; k++) {
        pd[k] = mmu_new_pd();
        for (int j = 0; j < 2; j++)
            fr[k][j] = mmu_alloc();
        wr32(fr[k][0], (uint32_t)(0x1000 * k));
        mmu_map(pd[k], X, fr[k][0], PG_P | PG_W | PG_U);
        mmu_user_setup(pd[k], UC, US);
    }
    mmu_paging_on(pd[0], 1);
    round_robin();
    changes_while_away();
    mmu_paging_off();
    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
