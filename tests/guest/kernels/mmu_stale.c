/*
 * mmu_stale.c - TLB consistency as software sees it (Intel SDM vol. 3A
 * 4.10.4).  A PTE change without INVLPG need not be seen (the value read is
 * only checked to be the old or the new one, never printed); after INVLPG
 * it must be, for loads, stores, ring-3 loads (the user-mode TLB) and
 * instruction fetches.  No invalidation is needed when a PTE or PDE goes
 * from not present to present (not-present entries are never cached).  A
 * rights upgrade (R/W or U/S 0 -> 1) without INVLPG may fault once
 * (spuriously), and the fault itself invalidates the entry: the retry
 * succeeds.  Rights downgrades and unmapping take effect with INVLPG.
 * INVLPG of any address inside a 4 MiB page drops the whole page.  Code:
 * remapping the page holding a called function to a frame with other code
 * (INVLPG, or a CR3 reload) runs the new code, also when only the second
 * page of an instruction straddling two pages is remapped; code pages made
 * supervisor-only or not present (INVLPG, CR3 reload) fault on the next
 * fetch from ring 3 / ring 0 even though they ran before; and code that
 * remaps its own page and then runs INVLPG or MOV to CR3 (both
 * serializing) fetches its next instruction through the new mapping.
 * Segment bases: INVLPG takes a logical address (FS base + offset), and
 * CR2 holds the linear address.
 */
#include "mmu_common.h"

#define X 0x40000000u              /* data page */
#define Y 0x40001000u              /* not present, then present */
#define Z 0x40400000u              /* its page table starts not present */
#define W 0x40002000u              /* read-only, then writable */
#define U 0x40003000u              /* supervisor, then user */
#define C 0x40010000u              /* code */
#define S 0x40011000u              /* self-remapping code */
#define L 0x40800000u              /* 4 MiB page */
#define SC 0x40020000u             /* code straddling SC+0x1000 */
#define UX 0x40030000u             /* user code */
#define FSB 0x1000u                /* FS base for the segment tests */
#define UC 0x41000000u
#define US 0x41010000u

static uint32_t *pd;
static uint32_t fr[8];
static unsigned errors, spurious;
static uint32_t spurious_va;

static void set(uint32_t va, uint32_t frame, uint32_t flags)
{
    *mmu_pte(pd, va) = frame | flags;
}

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-48s %08x%s\n", what, got, got == want ? "" : "  WRONG");
    errors += got != want;
}

static void either(const char *what, uint32_t got, uint32_t a, uint32_t b)
{
    printf("  %-48s %s\n", what, (got == a || got == b) ? "old or new: ok" : "WRONG");
    errors += got != a && got != b;
}

/* Counts faults at spurious_va and retries once. */
static int spurious_hook(struct isr_frame *f, uint32_t cr2)
{
    (void)f;
    if ((cr2 & PG_FRAME) != spurious_va || spurious)
        return 0;
    spurious++;
    return 1;
}

static uint32_t call(uint32_t va)
{
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(va) : "ecx", "edx", "memory", "cc");
    return r;
}

/* A frame whose code returns v: mov $v, %eax; ret. */
static uint32_t code_frame(uint32_t v)
{
    uint32_t f = mmu_alloc();
    uint8_t *p = (uint8_t *)f;
    p[0] = 0xB8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xC3;
    return f;
}

/* A frame with code that writes ECX to the PTE at EDX and then runs
 * `sync` (INVLPG (%ebx) or MOV %ecx, %cr3) before returning v. */
static uint32_t remap_frame(int cr3, uint32_t v)
{
    static const uint8_t pte_invlpg[] = { 0x89, 0x0A, 0x0F, 0x01, 0x3B };   /* mov %ecx,(%edx); invlpg (%ebx) */
    static const uint8_t mov_cr3[] = { 0x0F, 0x22, 0xD9, 0x90, 0x90 };      /* mov %ecx,%cr3; nop; nop */
    uint32_t f = mmu_alloc();
    uint8_t *p = (uint8_t *)f;
    memcpy(p, cr3 ? mov_cr3 : pte_invlpg, 5);
    p[5] = 0xB8;
    memcpy(p + 6, &v, 4);
    p[10] = 0xC3;
    return f;
}

static uint32_t call_remap(uint32_t va, uint32_t ecx, uint32_t edx, uint32_t ebx)
{
    uint32_t r;
    __asm__ volatile("call *%1"
                     : "=a"(r)
                     : "r"(va), "c"(ecx), "d"(edx), "b"(ebx)
                     : "memory", "cc");
    return r;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    for (unsigned i = 0; i < 8; i++) {
        fr[i] = mmu_alloc();
        wr32(fr[i], 0xF0 + i);
    }
    mmu_user_setup(pd, UC, US);
    set(X, fr[0], PG_P | PG_W | PG_U);
    write_cr4(read_cr4() | CR4_PSE);
    *mmu_pde(pd, L) = 0x01000000u | PG_PS | PG_P | PG_W;
    for (uint32_t o = 0; o < LPAGE_SIZE; o += 0x100000) {
        wr32(0x01000000u + o, 0x1600 + (o >> 20));
        wr32(0x01400000u + o, 0x2000 + (o >> 20));
    }
    mmu_paging_on(pd, 1);
    mmu_pf_hook = spurious_hook;

    printf("loads:\n");
    expect("X", rd32(X), 0xF0);
    set(X, fr[1], PG_P | PG_W | PG_U);
    either("X, PTE changed, no INVLPG", rd32(X), 0xF0, 0xF1);
    invlpg(X);
    expect("X after INVLPG", rd32(X), 0xF1);

    printf("stores:\n");
    wr32(X + 4, 0x11);
    set(X, fr[2], PG_P | PG_W | PG_U);
    wr32(X + 4, 0x22);
    either("store, PTE changed, no INVLPG: landed in", rd32(fr[1] + 4) == 0x22 ? 1 : 2, 1, 2);
    invlpg(X);
    wr32(X + 8, 0x33);
    expect("store after INVLPG: new frame", rd32(fr[2] + 8), 0x33);
    expect("  old frame", rd32(fr[1] + 8), 0);

    printf("ring 3 loads:\n");
    mmu_uprobe("X", MMU_UREAD, X, 0);
    set(X, fr[3], PG_P | PG_W | PG_U);
    invlpg(X);
    mmu_uprobe("X after a PTE change and INVLPG", MMU_UREAD, X, 0);

    printf("not present -> present, no invalidation:\n");
    mmu_kread("Y", Y);
    set(Y, fr[4], PG_P | PG_W);
    mmu_kread("Y, PTE made present", Y);
    mmu_kread("Z, PDE not present", Z);
    set(Z, fr[5], PG_P | PG_W);             /* new page table, PDE present */
    mmu_kread("Z, PDE and PTE made present", Z);

    printf("rights upgrades without INVLPG (at most one spurious #PF):\n");
    set(W, fr[6], PG_P);
    mmu_kread("read W (read-only)", W);
    set(W, fr[6], PG_P | PG_W);
    spurious_va = W;
    spurious = 0;
    mmu_kwrite("write W, PTE made writable", W, 0x4444);
    set(U, fr[7], PG_P | PG_W);
    mmu_kread("ring 0 read U (supervisor)", U);
    mmu_uprobe("ring 3 read U", MMU_UREAD, U, 0);
    set(U, fr[7], PG_P | PG_W | PG_U);
    spurious_va = U;
    spurious = 0;
    mmu_uprobe("ring 3 read U, PTE made user", MMU_UREAD, U, 0);
    spurious_va = 0;

    printf("downgrades and unmapping with INVLPG:\n");
    set(W, fr[6], PG_P);
    invlpg(W);
    mmu_kwrite("write W, made read-only", W, 0x5555);
    set(U, fr[7], PG_P | PG_W);
    invlpg(U);
    mmu_uprobe("ring 3 read U, made supervisor", MMU_UREAD, U, 0);
    set(X, fr[3], 0);
    invlpg(X);
    mmu_kread("read X, made not present", X);

    printf("4 MiB page, INVLPG of another address inside it:\n");
    expect("L+0", rd32(L), 0x1600);
    expect("L+0x300000", rd32(L + 0x300000), 0x1603);
    *mmu_pde(pd, L) = 0x01400000u | PG_PS | PG_P | PG_W;
    invlpg(L + 0x123000);
    expect("L+0 after INVLPG L+0x123000", rd32(L), 0x2000);
    expect("L+0x300000 after INVLPG L+0x123000", rd32(L + 0x300000), 0x2003);

    printf("code:\n");
    uint32_t c1 = code_frame(0xC0DE0001), c2 = code_frame(0xC0DE0002), c3 = code_frame(0xC0DE0003);
    set(C, c1, PG_P);
    expect("call C", call(C), 0xC0DE0001);
    set(C, c2, PG_P);
    either("call C, PTE changed, no INVLPG", call(C), 0xC0DE0001, 0xC0DE0002);
    invlpg(C);
    expect("call C after INVLPG", call(C), 0xC0DE0002);
    set(C, c3, PG_P);
    reload_cr3();
    expect("call C after a PTE change and CR3 reload", call(C), 0xC0DE0003);
    set(C, c1, PG_P);
    invlpg(C);
    expect("call C after INVLPG, first frame again", call(C), 0xC0DE0001);

    printf("code straddling two pages, the second one remapped:\n");
    /* mov $0x44332211, %eax at SC+0xFFD: bytes 33 44 and the ret on the
     * second page, whose two frames differ (33 44 / 55 66) */
    uint32_t sa = mmu_alloc(), sb = mmu_alloc(), sd = mmu_alloc();
    static const uint8_t s_a[] = { 0xB8, 0x11, 0x22 }, s_b[] = { 0x33, 0x44, 0xC3 },
                         s_d[] = { 0x55, 0x66, 0xC3 };
    memcpy((void *)(sa + 0xFFD), s_a, 3);
    memcpy((void *)sb, s_b, 3);
    memcpy((void *)sd, s_d, 3);
    set(SC, sa, PG_P);
    set(SC + PAGE_SIZE, sb, PG_P);
    expect("call SC+0xffd", call(SC + 0xFFD), 0x44332211);
    set(SC + PAGE_SIZE, sd, PG_P);
    invlpg(SC + PAGE_SIZE);
    expect("second page remapped, INVLPG", call(SC + 0xFFD), 0x66552211);
    set(SC + PAGE_SIZE, sb, PG_P);
    reload_cr3();
    expect("second page remapped back, CR3 reload", call(SC + 0xFFD), 0x44332211);
    set(SC + PAGE_SIZE, sb, 0);
    invlpg(SC + PAGE_SIZE);
    mmu_kcall("second page not present, INVLPG", SC + 0xFFD);

    printf("code pages losing their rights:\n");
    uint32_t ux = code_frame(0x77);
    set(UX, ux, PG_P | PG_U);
    mmu_uprobe("ring 3 call UX", MMU_UCALL, UX, 0);
    mmu_uprobe("ring 3 call UX again", MMU_UCALL, UX, 0);
    set(UX, ux, PG_P);
    invlpg(UX);
    mmu_uprobe("made supervisor, INVLPG: ring 3 call", MMU_UCALL, UX, 0);
    mmu_kcall("ring 0 call", UX);
    mmu_uprobe("ring 3 call again", MMU_UCALL, UX, 0);
    set(UX, ux, PG_P | PG_U);
    invlpg(UX);
    mmu_uprobe("made user again, INVLPG: ring 3 call", MMU_UCALL, UX, 0);
    set(UX, ux, PG_U);
    reload_cr3();
    mmu_uprobe("made not present, CR3 reload: ring 3 call", MMU_UCALL, UX, 0);
    set(UX, ux, PG_P);
    invlpg(UX);
    mmu_kcall("present again, INVLPG: ring 0 call", UX);
    set(UX, ux, 0);
    invlpg(UX);
    mmu_kcall("not present, INVLPG: ring 0 call", UX);

    printf("segment base %#x in FS:\n", FSB);
    gdt_set_entry(6, FSB, 0xFFFFF, 0x92, 0xC);
    __asm__ volatile("movw %w0, %%fs" : : "r"(6u << 3));
    set(X, fr[4], PG_P | PG_W);
    invlpg(X);
    expect("X", rd32(X), 0xF4);
    set(X, fr[5], PG_P | PG_W);
    __asm__ volatile("invlpg %%fs:(%0)" : : "r"(X - FSB) : "memory");
    expect("X after invlpg %fs:(X - base)", rd32(X), 0xF5);
    set(X, fr[5], 0);
    invlpg(X);
    uint32_t v = 0;
    mmu_clear();
    __asm__ volatile(MMU_TRY "movl %%fs:(%1), %0" MMU_END : "+r"(v) : "r"(X + 0x10 - FSB) : "memory");
    mmu_report("read %fs:(X + 0x10 - base), X not present");
    __asm__ volatile("movw %w0, %%fs" : : "r"((uint32_t)KERNEL_DS));

    printf("code remapping its own page:\n");
    uint32_t s1 = remap_frame(0, 0x0DD), s2 = remap_frame(0, 0xE7E);
    set(S, s1, PG_P);
    expect("S writes its PTE, INVLPG, then runs", call_remap(S, s2 | PG_P, (uint32_t)mmu_pte(pd, S), S),
           0xE7E);
    expect("again (the PTE already points there)",
           call_remap(S, s2 | PG_P, (uint32_t)mmu_pte(pd, S), S), 0xE7E);
    /* a loop whose body remaps its page (to a copy that returns another
     * value) and INVLPGs it: the iterations after the first and the code
     * after the loop come from the new frame */
    static const uint8_t loop[] = { 0x89, 0x0A,             /* 1: mov %ecx, (%edx) */
                                    0x0F, 0x01, 0x3B,       /* invlpg (%ebx) */
                                    0x4E,                   /* dec %esi */
                                    0x75, 0xF8,             /* jnz 1b */
                                    0xB8, 0, 0, 0, 0,       /* mov $v, %eax */
                                    0xC3 };
    uint32_t l1 = mmu_alloc(), l2 = mmu_alloc();
    memcpy((void *)l1, loop, sizeof loop);
    memcpy((void *)l2, loop, sizeof loop);
    wr32(l1 + 9, 0x1001);
    wr32(l2 + 9, 0x2002);
    for (unsigned k = 0; k < 2; k++) {
        set(S, l1, PG_P);
        invlpg(S);
        uint32_t r, n = 5;
        __asm__ volatile("call *%2"
                         : "=a"(r), "+S"(n)
                         : "r"(S), "c"(l2 | PG_P), "d"(mmu_pte(pd, S)), "b"(S)
                         : "memory", "cc");
        expect("loop remapping its page, INVLPG each iteration", r, 0x2002);
    }
    uint32_t *pd2 = mmu_new_pd();
    uint32_t t1 = remap_frame(1, 0x111), t2 = remap_frame(1, 0x222);
    set(S, t1, PG_P);
    invlpg(S);
    *mmu_pte(pd2, S) = t2 | PG_P;
    uint32_t pd1 = read_cr3();
    expect("S loads CR3 (other frame at S), then runs", call_remap(S, (uint32_t)pd2, 0, 0), 0x222);
    expect("and back", call_remap(S, pd1, 0, 0), 0x111);
    expect("CR3 is the first directory again", read_cr3() == pd1, 1);

    mmu_paging_off();
    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
