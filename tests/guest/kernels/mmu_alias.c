/*
 * mmu_alias.c - several virtual pages mapping one frame.  Data: bytes,
 * words and dwords (aligned and not) written through one alias are read
 * through the others (two test aliases and the identity map of the frame);
 * a dword and a word straddling the end of an aliased page continue into
 * different frames under each alias (the next pages are mapped
 * differently); REP MOVSB between the aliases.
 * Code (self-modifying through an alias): a function is written through a
 * writable alias and called through two read-only aliases, then rewritten
 * (by the alias, by the identity mapping) and called again, 50 times in a
 * loop, and through a 4 MiB page mapping the frame pool (executed through
 * it too); code whose effect depends on EIP (CALL pushing the return
 * address, the EIP of an exception) run through two aliases of one frame:
 * each sees its own linear address; code that patches the instruction
 * right after itself through another alias, followed by CPUID
 * (serializing, as the SDM requires for a store through a different linear
 * address, vol. 3A 11.6); and, through one mapping, a store that rewrites
 * the very next instruction (same linear address: no serialization
 * needed).
 * Page tables as aliased data: a recursive page directory (PDE 1023 points
 * to the directory itself) shows the page tables at 0xFFC00000 and the
 * directory at 0xFFFFF000; entries read there equal the real ones, a
 * mapping created through that window works after INVLPG, and the
 * recursive entry gets A (used as a PDE and as a PTE) and D (written
 * through as a page).
 */
#include "mmu_common.h"

#define A1 0x40000000u             /* -> P, A1 + 0x1000 -> Q */
#define A2 0x40010000u             /* -> P, A2 + 0x1000 -> R */
#define C1 0x40020000u             /* code frame K, writable */
#define C2 0x40030000u             /* K, read-only */
#define C3 0x40040000u             /* K, read-only */
#define C4 0x40050000u             /* code frame K2, writable, self-patching */
#define E1 0x40060000u             /* code frame, read-only */
#define E2 0x40075000u             /* the same frame */

static unsigned errors;

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-48s %08x%s\n", what, got, got == want ? "" : "  WRONG");
    errors += got != want;
}

static uint32_t call(uint32_t va)
{
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(va) : "ecx", "edx", "memory", "cc");
    return r;
}

/* mov $v, %eax; ret at va */
static void gen_const(uint32_t va, uint32_t v)
{
    wr8(va, 0xB8);
    wr32(va + 1, v);
    wr8(va + 5, 0xC3);
}

static void put(uint32_t va, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        wr8(va + i, b[i]);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    uint32_t *pd = mmu_new_pd();
    uint32_t p = mmu_alloc(), q = mmu_alloc(), r = mmu_alloc(), k = mmu_alloc(), k2 = mmu_alloc();
    memset((void *)q, 0x51, PAGE_SIZE);
    memset((void *)r, 0x52, PAGE_SIZE);
    mmu_map(pd, A1, p, PG_P | PG_W);
    mmu_map(pd, A1 + PAGE_SIZE, q, PG_P | PG_W);
    mmu_map(pd, A2, p, PG_P | PG_W);
    mmu_map(pd, A2 + PAGE_SIZE, r, PG_P | PG_W);
    mmu_map(pd, C1, k, PG_P | PG_W);
    mmu_map(pd, C2, k, PG_P);
    mmu_map(pd, C3, k, PG_P);
    mmu_map(pd, C4, k2, PG_P | PG_W);
    mmu_paging_on(pd, 1);

    printf("data:\n");
    wr8(A1 + 0x10, 0x5A);
    expect("byte via A1, read via A2", rd8(A2 + 0x10), 0x5A);
    wr16(A2 + 0x21, 0xBEEF);
    expect("unaligned word via A2, read via A1", rd16(A1 + 0x21), 0xBEEF);
    wr32(A1 + 0x40, 0x01234567);
    expect("dword via A1, read via A2", rd32(A2 + 0x40), 0x01234567);
    expect("  and via the identity map", rd32(p + 0x40), 0x01234567);
    wr32(p + 0x43, 0x89ABCDEF);
    expect("unaligned dword via identity, read via A1", rd32(A1 + 0x43), 0x89ABCDEF);
    expect("  read via A2 at +0x40", rd32(A2 + 0x40), 0xEF234567);

    printf("straddling the end of the aliased page:\n");
    wr32(A1 + 0xFFE, 0x44332211);
    expect("dword via A1 at +0xffe, read via A1", rd32(A1 + 0xFFE), 0x44332211);
    expect("  read via A2 (next page: R)", rd32(A2 + 0xFFE), 0x52522211);
    expect("  Q word 0", rd16(q), 0x4433);
    wr32(A2 + 0xFFD, 0xDDCCBBAA);
    expect("dword via A2 at +0xffd, read via A1 at +0xffc", rd32(A1 + 0xFFC), 0xCCBBAA00);
    expect("  read via A1 at +0xffd (next page: Q)", rd32(A1 + 0xFFD), 0x33CCBBAA);
    expect("  R dword 0", rd32(r), 0x525252DD);
    wr16(A2 + 0xFFF, 0x6655);
    expect("word via A2 at +0xfff, read via A1", rd16(A1 + 0xFFF), 0x3355);
    expect("  read via A2", rd16(A2 + 0xFFF), 0x6655);

    printf("rep movsb A1+0x100 -> A2+0x800:\n");
    for (unsigned i = 0; i < 256; i++)
        wr8(A1 + 0x100 + i, (uint8_t)(i * 13 + 1));
    uint32_t s = A1 + 0x100, d = A2 + 0x800, n = 256;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    uint32_t sum = 0;
    for (unsigned i = 0; i < 256; i++)
        sum = sum * 31 + rd8(A1 + 0x800 + i);
    uint32_t want = 0;
    for (unsigned i = 0; i < 256; i++)
        want = want * 31 + (uint8_t)(i * 13 + 1);
    expect("hash of the copy, read via A1", sum, want);

    printf("code written via C1, called via C2 and C3:\n");
    gen_const(C1, 0x11111111);
    expect("call C2", call(C2), 0x11111111);
    expect("call C3", call(C3), 0x11111111);
    wr32(C1 + 1, 0x22222222);
    expect("immediate rewritten via C1: call C2", call(C2), 0x22222222);
    expect("  call C3", call(C3), 0x22222222);
    wr32(k + 1, 0x33333333);
    expect("rewritten via the identity map: call C3", call(C3), 0x33333333);
    expect("  call C2", call(C2), 0x33333333);
    sum = 0;
    for (uint32_t i = 0; i < 50; i++) {
        wr32(C1 + 1, i * 0x01010101u);
        sum += call(i & 1 ? C2 : C3) ^ i;
    }
    want = 0;
    for (uint32_t i = 0; i < 50; i++)
        want += (i * 0x01010101u) ^ i;
    expect("50 rewrites and calls, sum", sum, want);
    gen_const(C1 + 0xFFA, 0x44444444);   /* mov at the page end, ret at 0xfff */
    expect("function at the end of the page via C3", call(C3 + 0xFFA), 0x44444444);
    wr8(C1 + 0xFFF, 0x90);                /* nop, then into C3 + 0x1000: not mapped */
    mmu_clear();
    mmu_kcall("  ret replaced by nop: runs off the page", C3 + 0xFFA);

    printf("code rewritten through a 4 MiB page:\n");
    write_cr4(read_cr4() | CR4_PSE);
    *mmu_pde(pd, 0x40800000u) = MMU_POOL_BASE | PG_PS | PG_P | PG_W;   /* the frame pool */
    uint32_t big = 0x40800000u + (k - MMU_POOL_BASE);
    gen_const(C1 + 0x200, 0x55555555);
    expect("call C2+0x200", call(C2 + 0x200), 0x55555555);
    wr32(big + 0x201, 0x66666666);
    expect("immediate rewritten via the 4 MiB page: call C2", call(C2 + 0x200), 0x66666666);
    expect("  call C3", call(C3 + 0x200), 0x66666666);
    expect("call the 4 MiB alias itself", call(big + 0x200), 0x66666666);
    wr32(C1 + 0x201, 0x77777777);
    expect("rewritten via C1: call the 4 MiB alias", call(big + 0x200), 0x77777777);

    printf("EIP-dependent code run through two aliases:\n");
    /* call 1f; 1: pop %eax; ret at +0, ud2 at +0x10 */
    static const uint8_t eipc[] = { 0xE8, 0, 0, 0, 0, 0x58, 0xC3 };
    uint32_t e = mmu_alloc();
    memcpy((void *)e, eipc, sizeof eipc);
    wr16(e + 0x10, 0x0B0F);
    mmu_map(pd, E1, e, PG_P);
    mmu_map(pd, E2, e, PG_P);
    invlpg(E1);
    invlpg(E2);
    expect("call; pop via E1: E1 + 5", call(E1) - E1, 5);
    expect("call; pop via E2: E2 + 5", call(E2) - E2, 5);
    expect("call; pop via E1 again: E1 + 5", call(E1) - E1, 5);
    mmu_kcall("ud2 via E1", E1 + 0x10);
    mmu_kcall("ud2 via E2", E2 + 0x10);

    printf("code patching the next instruction through an alias:\n");
    /* at C2+0x100: movl $imm, C1+0x10E; cpuid; movl $0, %eax; ret */
    uint8_t patch[] = { 0xC7, 0x05, 0, 0, 0, 0, 0, 0, 0, 0,     /* movl $imm32, abs32 */
                        0x0F, 0xA2,                             /* cpuid */
                        0xB8, 0, 0, 0, 0,                       /* movl $0, %eax */
                        0xC3 };
    uint32_t target = C1 + 0x10D;
    memcpy(patch + 2, &target, 4);
    put(C1 + 0x100, patch, sizeof patch);
    for (uint32_t i = 1; i <= 3; i++) {
        wr32(C1 + 0x106, 0xA11A5000 + i);
        uint32_t got;
        __asm__ volatile("call *%1" : "=a"(got) : "r"(C2 + 0x100) : "ebx", "ecx", "edx", "memory", "cc");
        expect("patched through C1, run through C2", got, 0xA11A5000 + i);
    }

    printf("code patching the next instruction through its own mapping:\n");
    /* at C4: movl %ecx, C4+7; movl $0, %eax; ret */
    uint8_t self[] = { 0x89, 0x0D, 0, 0, 0, 0,                  /* movl %ecx, abs32 */
                       0xB8, 0, 0, 0, 0,                        /* movl $0, %eax */
                       0xC3 };
    target = C4 + 7;
    memcpy(self + 2, &target, 4);
    put(C4, self, sizeof self);
    for (uint32_t i = 1; i <= 3; i++) {
        uint32_t got;
        __asm__ volatile("call *%1" : "=a"(got) : "r"(C4), "c"(0x5E1F0000 + i) : "edx", "memory", "cc");
        expect("store into the next instruction", got, 0x5E1F0000 + i);
    }

    printf("recursive page directory:\n");
    pd[1023] = (uint32_t)pd | PG_P | PG_W;
    reload_cr3();
    uint32_t ptw = 0xFFC00000u + (A1 >> 12) * 4, pdw = 0xFFFFF000u + (A1 >> 22) * 4;
    expect("PTE of A1 via 0xffc00000 window is the PTE", rd32(ptw) == *mmu_pte(pd, A1), 1);
    expect("PDE of A1 via 0xfffff000 window is the PDE", rd32(pdw) == pd[A1 >> 22], 1);
    uint32_t nv = A1 + 0x80000, nf = mmu_alloc();
    wr32(nf + 0x44, 0x4EC05E00);
    wr32(0xFFC00000u + (nv >> 12) * 4, nf | PG_P | PG_W);
    invlpg(nv);
    expect("page mapped through the window", rd32(nv + 0x44), 0x4EC05E00);
    expect("  its PTE's frame", (*mmu_pte(pd, nv) & PG_FRAME) == nf, 1);
    printf("  %-48s %03x\n", "  its PTE's flags", *mmu_pte(pd, nv) & 0xFFF);
    pd[1023] &= ~(PG_A | PG_D);
    reload_cr3();
    (void)rd32(ptw);
    printf("  %-48s %03x\n", "PDE 1023 after a read at 0xffc00000+", pd[1023] & 0xFFF);
    pd[1023] &= ~(PG_A | PG_D);
    reload_cr3();
    wr32(0xFFFFF000u + 1022 * 4, 0);           /* PDE 1022: not present, unchanged */
    printf("  %-48s %03x\n", "PDE 1023 after a write at 0xfffff000+", pd[1023] & 0xFFF);
    pd[1023] = 0;
    reload_cr3();

    mmu_paging_off();
    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
