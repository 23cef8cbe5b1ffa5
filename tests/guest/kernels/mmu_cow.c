/*
 * mmu_cow.c - copy-on-write done by the guest (ring 0, CR0.WP = 1).  Two
 * virtual pages map one frame read-only; a write through one of them
 * faults (#PF, error code P|W), the handler copies the frame (or, when it
 * is no longer shared, just makes the PTE writable), INVLPGs and returns,
 * restarting the write; the other mapping keeps seeing the old data.
 * Written by byte, word and dword stores, by read-modify-write instructions
 * (ADD, XCHG, CMPXCHG, INC with LOCK, BTS, which fault as writes), by a
 * REP MOVSB into two shared pages and a dword store straddling two of them
 * (two faults).  Then a "fork": a second page directory shares four frames
 * with the first, both read-only; each side writes after CR3 switches and
 * sees only its own writes.
 */
#include "mmu_common.h"

#define A 0x40000000u
#define B 0x40010000u

static uint32_t *pd, *pd2;
static uint8_t refs[(MMU_POOL_END - MMU_POOL_BASE) / PAGE_SIZE];
static unsigned n_copy, n_upgrade, n_faults;
static volatile int verbose = 1;

static uint8_t *ref(uint32_t frame) { return &refs[(frame - MMU_POOL_BASE) / PAGE_SIZE]; }

static int cow(struct isr_frame *f, uint32_t cr2)
{
    uint32_t *cur = (uint32_t *)(read_cr3() & PG_FRAME);
    uint32_t va = cr2 & PG_FRAME;

    if (f->error_code != (PF_P | PF_W) || va < A)
        return 0;
    uint32_t *pte = mmu_pte(cur, va);
    uint32_t frame = *pte & PG_FRAME;
    int copied = *ref(frame) > 1;

    n_faults++;
    if (copied) {
        uint32_t copy = mmu_alloc();
        memcpy((void *)copy, (void *)frame, PAGE_SIZE);
        (*ref(frame))--;
        *ref(copy) = 1;
        *pte = copy | PG_P | PG_W;
        n_copy++;
    } else {
        *pte |= PG_W;
        n_upgrade++;
    }
    invlpg(va);
    if (verbose)
        printf("    #PF cr2=%08x err=%x (%s) -> %s\n", cr2, f->error_code,
               mmu_err_str(f->error_code), copied ? "copied" : "made writable");
    return 1;
}

/* Maps va1 and va2 to one new frame, read-only, filled with fill(i). */
static uint32_t share(uint32_t va1, uint32_t va2, uint8_t seed)
{
    uint32_t fr = mmu_alloc();
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        ((uint8_t *)fr)[i] = (uint8_t)(seed + i * 7);
    mmu_map(pd, va1, fr, PG_P);
    mmu_map(pd, va2, fr, PG_P);
    invlpg(va1);
    invlpg(va2);
    *ref(fr) = 2;
    return fr;
}

static void show(const char *what, uint32_t a, uint32_t b)
{
    printf("  %-40s %08x / %08x\n", what, a, b);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    mmu_pf_hook = cow;
    mmu_paging_on(pd, 1);

    printf("byte store via A, then via B:\n");
    share(A, B, 0x10);
    show("before: A[0x10] / B[0x10]", rd32(A + 0x10), rd32(B + 0x10));
    wr8(A + 0x10, 0xEE);
    show("after A[0x10] = ee", rd32(A + 0x10), rd32(B + 0x10));
    wr8(B + 0x11, 0xBB);
    show("after B[0x11] = bb", rd32(A + 0x10), rd32(B + 0x10));
    wr8(B + 0x12, 0xCC);                      /* already writable: no fault */
    show("after B[0x12] = cc", rd32(A + 0x10), rd32(B + 0x10));

    printf("word and dword stores:\n");
    share(A + 0x1000, B + 0x1000, 0x20);
    wr16(B + 0x1FFE, 0x1234);                 /* last word of the page */
    show("B word at +ffe, A / B dword at +ffc", rd32(A + 0x1FFC), rd32(B + 0x1FFC));
    wr32(A + 0x1801, 0xDEADBEEF);             /* unaligned */
    show("A dword at +801, A / B", rd32(A + 0x1801), rd32(B + 0x1801));

    printf("read-modify-write instructions fault as writes:\n");
    static const char *const rmw[] = { "addl", "xchgl", "cmpxchgl", "lock incl", "btsl" };
    for (unsigned i = 0; i < 5; i++) {
        uint32_t va = A + 0x2000 + i * PAGE_SIZE, vb = B + 0x2000 + i * PAGE_SIZE;
        share(va, vb, (uint8_t)(0x30 + i));
        uint32_t before = rd32(va + 0x40), r = 5;
        switch (i) {
        case 0: __asm__ volatile("addl %1, %0" : "+m"(*(uint32_t *)(va + 0x40)) : "r"(r)); break;
        case 1: __asm__ volatile("xchgl %1, %0" : "+m"(*(uint32_t *)(va + 0x40)), "+r"(r)); break;
        case 2: {
            uint32_t old = before;
            __asm__ volatile("cmpxchgl %2, %0" : "+m"(*(uint32_t *)(va + 0x40)), "+a"(old)
                             : "r"(r) : "cc");
            break;
        }
        case 3: __asm__ volatile("lock incl %0" : "+m"(*(uint32_t *)(va + 0x40)) : : "cc"); break;
        case 4: __asm__ volatile("btsl $31, %0" : "+m"(*(uint32_t *)(va + 0x40)) : : "cc"); break;
        }
        printf("  %-10s A %08x -> %08x, B %08x\n", rmw[i], before, rd32(va + 0x40), rd32(vb + 0x40));
    }

    printf("rep movsb into two shared pages:\n");
    share(A + 0x8000, B + 0x8000, 0x40);
    share(A + 0x9000, B + 0x9000, 0x50);
    static const char msg[] = "copy-on-write across a page boundary";
    uint32_t s = (uint32_t)msg, d = A + 0x8FF0, n = sizeof msg;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    printf("  A: \"%s\"\n  B: %08x %08x, ecx=%u\n", (const char *)(A + 0x8FF0),
           rd32(B + 0x8FF0), rd32(B + 0x9000), n);

    printf("dword store straddling two shared pages:\n");
    share(A + 0xA000, B + 0xA000, 0x60);
    share(A + 0xB000, B + 0xB000, 0x70);
    verbose = 0;                              /* the order of the two faults is not architectural */
    unsigned f0 = n_faults;
    wr32(A + 0xAFFE, 0x0BADCAFE);
    verbose = 1;
    printf("  faults %u; A %08x; B %08x\n", n_faults - f0, rd32(A + 0xAFFE), rd32(B + 0xAFFE));

    printf("fork:\n");
    pd2 = mmu_new_pd();
    for (unsigned i = 0; i < 4; i++) {
        uint32_t va = 0x50000000u + i * PAGE_SIZE, fr = mmu_alloc();
        for (unsigned j = 0; j < PAGE_SIZE / 4; j++)
            ((uint32_t *)fr)[j] = 0x1000 * i + j;
        mmu_map(pd, va, fr, PG_P);
        mmu_map(pd2, va, fr, PG_P);
        *ref(fr) = 2;
    }
    reload_cr3();
    uint32_t pd1 = read_cr3();
    wr32(0x50000010, 0xAAAA0001);             /* parent: pages 0 and 2 */
    wr32(0x50002010, 0xAAAA0003);
    write_cr3((uint32_t)pd2);
    printf("  child sees %08x %08x\n", rd32(0x50000010), rd32(0x50002010));
    wr32(0x50002010, 0xBBBB0003);             /* child: pages 2 (no longer shared) and 3 */
    wr32(0x50003010, 0xBBBB0004);
    write_cr3(pd1);
    printf("  parent sees %08x %08x %08x %08x\n", rd32(0x50000010), rd32(0x50001010),
           rd32(0x50002010), rd32(0x50003010));
    write_cr3((uint32_t)pd2);
    printf("  child sees  %08x %08x %08x %08x\n", rd32(0x50000010), rd32(0x50001010),
           rd32(0x50002010), rd32(0x50003010));
    write_cr3(pd1);
    printf("totals: %u faults, %u copies, %u made writable\n", n_faults, n_copy, n_upgrade);
    mmu_paging_off();
    return 0;
}
