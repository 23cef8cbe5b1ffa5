/*
 * mmu_ibranch.c - branches into code whose mapping the guest changes, each
 * taken many times before the change (so a VMM caching branch targets by
 * linear address has them cached) and after it.  After INVLPG of the page
 * (or of any address in its 4 MiB page), a CR3 load (pages not global) or
 * a CR4.PGE toggle, the new mapping must run: indirect calls, returns into
 * a page remapped while the callee ran, direct calls to another page, code
 * straddling a 4 MiB boundary whose second page is remapped, code in a
 * 4 MiB page whose PDE changes, the same linear address mapping other code
 * in two address spaces switched back and forth (ring 0 and ring 3), and
 * a return target rewritten by the callee (self-modifying code).  A global
 * page keeps its old translation or not across a CR3 load (either is
 * right, SDM 4.10.2.4) until INVLPG.
 */
#include "mmu_common.h"

/* (the low 16 bits of the branch targets differ: a VMM's table indexed by
 * them would otherwise refill one target's entry from the other's miss) */
#define C 0x40016000u  /* callee: "mov $v, %eax; ret" */
#define R 0x40022000u  /* caller whose page is remapped while it calls out */
#define K 0x40037000u  /* "call C; ret": a direct call to another page */
#define G 0x40044000u  /* a global page */
#define SX 0x40400000u /* code straddling SX: bytes before it on SX - 4 KiB */
#define L 0x40800000u  /* a 4 MiB page */
#define M 0x40055000u  /* writable code: a return target the callee rewrites */
#define ROUNDS 64

static uint32_t *pd, *pd2;
static unsigned errors;

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-52s %08x%s\n", what, got, got == want ? "" : "  WRONG");
    errors += got != want;
}

static void either(const char *what, uint32_t got, uint32_t a, uint32_t b)
{
    printf("  %-52s %s\n", what, (got == a || got == b) ? "old or new: ok" : "WRONG");
    errors += got != a && got != b;
}

static void set(uint32_t *dir, uint32_t va, uint32_t frame, uint32_t flags)
{
    *mmu_pte(dir, va) = frame | flags;
}

static uint32_t call(uint32_t va)
{
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(va) : "ecx", "edx", "memory", "cc");
    return r;
}

/* Calls va ROUNDS times; returns the value if every call returned the same
 * one, else ~0. */
static uint32_t call_rounds(uint32_t va)
{
    uint32_t first = call(va);
    for (int i = 1; i < ROUNDS; i++)
        if (call(va) != first)
            return ~0u;
    return first;
}

/* "mov $v, %eax; ret" at offset off of a new frame. */
static uint32_t ret_frame(uint32_t v, uint32_t off)
{
    uint32_t f = mmu_alloc();
    uint8_t *p = (uint8_t *)(f + off);
    p[0] = 0xB8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xC3;
    return f;
}

/* ---- returns into a remapped page ---- */

/* "call *%edx; mov $v, %eax; ret": the callee decides what the return lands in */
static uint32_t caller_frame(uint32_t v)
{
    uint32_t f = mmu_alloc();
    uint8_t *p = (uint8_t *)f;
    p[0] = 0xFF;
    p[1] = 0xD2; /* call *%edx */
    p[2] = 0xB8;
    memcpy(p + 3, &v, 4);
    p[7] = 0xC3;
    return f;
}

static volatile uint32_t remap_to, remap_how; /* 0: nothing, 1: INVLPG, 2: CR3 */

static void callee(void)
{
    if (remap_how == 1) {
        set(pd, R, remap_to, PG_P);
        invlpg(R);
    } else if (remap_how == 2) {
        write_cr3((uint32_t)pd2);
    }
}

static uint32_t call_r(void)
{
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(R), "d"(callee) : "ecx", "memory", "cc");
    return r;
}

/* call_r() ROUNDS times with the callee doing nothing (as call_rounds) */
static uint32_t call_r_rounds(void)
{
    remap_how = 0;
    uint32_t v = call_r();
    for (int i = 1; i < ROUNDS; i++)
        v = call_r() == v ? v : ~0u;
    return v;
}

static void returns(uint32_t r1, uint32_t r2)
{
    printf("returns into a page remapped by the callee:\n");
    set(pd, R, r1, PG_P);
    invlpg(R);
    expect("return, same mapping", call_r_rounds(), 0x11);
    remap_to = r2;
    remap_how = 1;
    expect("callee remaps the caller's page, INVLPG", call_r(), 0x22);
    expect("  and again, mapping kept", call_r_rounds(), 0x22);
    remap_to = r1;
    remap_how = 1;
    expect("callee remaps it back, INVLPG", call_r(), 0x11);
    set(pd2, R, r2, PG_P);
    remap_how = 2;
    expect("callee loads CR3 (other frame there)", call_r(), 0x22);
    write_cr3((uint32_t)pd);
    remap_how = 0;
    expect("  back in the first address space", call_r(), 0x11);
}

/* ---- the same linear address in two address spaces ---- */

static void spaces(uint32_t ca, uint32_t cb)
{
    printf("one linear address, two address spaces:\n");
    set(pd, C, ca, PG_P);
    set(pd2, C, cb, PG_P);
    invlpg(C);
    /* K: call C (rel32); ret -- the same frame in both spaces */
    uint32_t kf = mmu_alloc();
    uint8_t *p = (uint8_t *)kf;
    int32_t rel = (int32_t)(C - (K + 5));
    p[0] = 0xE8;
    memcpy(p + 1, &rel, 4);
    p[5] = 0xC3;
    set(pd, K, kf, PG_P);
    set(pd2, K, kf, PG_P);
    unsigned bad_ind = 0, bad_dir = 0;
    for (int i = 0; i < 2 * ROUNDS; i++) {
        uint32_t want = (i & 1) ? 0xB : 0xA;
        write_cr3((uint32_t)((i & 1) ? pd2 : pd));
        for (int k = 0; k < 4; k++) {
            bad_ind += call(C) != want;
            bad_dir += call(K) != want;
        }
    }
    write_cr3((uint32_t)pd);
    expect("indirect calls with the wrong code", bad_ind, 0);
    expect("direct calls from another page with the wrong code", bad_dir, 0);
}

/* ---- ring 3: the same linear address in two address spaces ---- */

#define UL 0x50061000u /* user loop */
#define UT 0x50078000u /* user callee, other frames in the two spaces */
#define USTK 0x50090000u

static void user_spaces(uint32_t ca, uint32_t cb)
{
    printf("ring 3, one linear address, two address spaces:\n");
    /* loop: call *%esi; add %eax,%edi; call UT; add %eax,%edi; dec %ecx;
     * jnz loop; int $0x2F */
    static const uint8_t loop[16] = { 0xFF, 0xD6, 0x01, 0xC7, 0xE8, 0, 0, 0,
                                      0,    0x01, 0xC7, 0x49, 0x75, 0xF2, 0xCD, 0x2F };
    uint32_t code = mmu_alloc(), stack = mmu_alloc();
    memcpy((uint8_t *)code, loop, sizeof(loop));
    int32_t rel = (int32_t)(UT - (UL + 9));
    memcpy((uint8_t *)code + 5, &rel, 4);
    uint32_t *dirs[2] = { pd, pd2 };
    for (int d = 0; d < 2; d++) {
        mmu_map(dirs[d], UL, code, PG_P | PG_U);
        mmu_map(dirs[d], USTK, stack, PG_P | PG_W | PG_U);
        mmu_map(dirs[d], UT, d ? cb : ca, PG_P | PG_U);
    }
    unsigned bad = 0;
    for (int i = 0; i < 16; i++) {
        write_cr3((uint32_t)dirs[i & 1]);
        struct mmu_uregs r = { .ecx = ROUNDS, .esi = UT, .edi = 0 };
        mmu_user_run(UL, USTK + PAGE_SIZE, &r);
        bad += r.edi != 2u * ROUNDS * ((i & 1) ? 0xB : 0xA);
    }
    write_cr3((uint32_t)pd);
    expect("user loops that ran the other space's code", bad, 0);
}

/* ---- remaps with INVLPG ---- */

static void invlpgs(uint32_t ca, uint32_t cb)
{
    printf("indirect and direct calls, INVLPG:\n");
    set(pd, C, ca, PG_P);
    invlpg(C);
    expect("call C", call_rounds(C), 0xA);
    expect("call K (direct call to C)", call_rounds(K), 0xA);
    set(pd, C, cb, PG_P);
    invlpg(C + 0x123);
    expect("C remapped, INVLPG: call C", call_rounds(C), 0xB);
    set(pd, C, ca, PG_P);
    invlpg(C);
    expect("C remapped back, INVLPG: call K", call_rounds(K), 0xA);
    set(pd, C, cb, PG_P);
    invlpg(C + 0x3000); /* another page of the same 4 MiB region */
    either("C remapped, INVLPG of another page: call C", call(C), 0xA, 0xB);
    invlpg(C);
    expect("  then INVLPG of C: call K", call_rounds(K), 0xB);
    set(pd, C, ca, PG_P);
    reload_cr3();
    expect("C remapped back, CR3 reload: call C", call_rounds(C), 0xA);
}

/* ---- code straddling a 4 MiB boundary ---- */

static void straddle(void)
{
    printf("code straddling a 4 MiB boundary, its second page remapped:\n");
    /* mov $0x44332211, %eax at SX-3: B8 11 22 | 33 44 C3 on the next page */
    uint32_t a = mmu_alloc(), b = mmu_alloc(), d = mmu_alloc();
    static const uint8_t head[3] = { 0xB8, 0x11, 0x22 };
    memcpy((uint8_t *)(a + PAGE_SIZE - 3), head, 3);
    static const uint8_t tail_b[3] = { 0x33, 0x44, 0xC3 }, tail_d[3] = { 0x55, 0x66, 0xC3 };
    memcpy((uint8_t *)b, tail_b, 3);
    memcpy((uint8_t *)d, tail_d, 3);
    set(pd, SX - PAGE_SIZE, a, PG_P);
    set(pd, SX, b, PG_P);
    reload_cr3();
    expect("call SX-3", call_rounds(SX - 3), 0x44332211);
    set(pd, SX, d, PG_P);
    invlpg(SX);
    expect("second page remapped, INVLPG of it", call_rounds(SX - 3), 0x66552211);
    set(pd, SX, b, PG_P);
    invlpg(SX + 0x10000); /* another page */
    either("remapped back, INVLPG of another page", call(SX - 3), 0x66552211, 0x44332211);
    invlpg(SX + 0x123);
    expect("  then INVLPG of it", call_rounds(SX - 3), 0x44332211);
}

/* ---- a 4 MiB page ---- */

static void large(void)
{
    printf("code in a 4 MiB page:\n");
    *mmu_pde(pd, L) = 0x01000000u | PG_PS | PG_P;
    reload_cr3();
    expect("call L+0x1000", call_rounds(L + 0x1000), 0x1601);
    *mmu_pde(pd, L) = 0x01400000u | PG_PS | PG_P;
    invlpg(L + 0x1000);
    expect("PDE changed, INVLPG", call_rounds(L + 0x1000), 0x2001);
    expect("  another address in it", call_rounds(L + 0x3000), 0x2003);
    /* (INVLPG of another address inside the 4 MiB page drops it too, SDM
     * 4.10.4.1, but QEMU keeps running the old code: mmu_stale checks it
     * for data) */
}

/* ---- global pages ---- */

static void global(uint32_t ca, uint32_t cb)
{
    printf("a global page:\n");
    write_cr4(read_cr4() | CR4_PGE);
    set(pd, G, ca, PG_P | PG_G);
    invlpg(G);
    expect("call G", call_rounds(G), 0xA);
    reload_cr3();
    expect("CR3 reload: call G", call_rounds(G), 0xA);
    set(pd, G, cb, PG_P | PG_G);
    reload_cr3();
    either("PTE changed, CR3 reload: call G", call(G), 0xA, 0xB);
    invlpg(G);
    expect("  then INVLPG: call G", call_rounds(G), 0xB);
    set(pd, G, ca, PG_P | PG_G);
    write_cr4(read_cr4() & ~CR4_PGE);
    expect("PTE changed back, CR4.PGE cleared: call G", call_rounds(G), 0xA);
}

/* ---- a return target rewritten by the callee ---- */

static volatile uint32_t smc_value;

static void smc_callee(void)
{
    *(volatile uint32_t *)(M + 3) = smc_value; /* the mov's immediate after the call */
}

static void smc_return(void)
{
    printf("a return target rewritten by the callee:\n");
    uint32_t f = caller_frame(0);
    set(pd, M, f, PG_P | PG_W);
    invlpg(M);
    unsigned bad = 0;
    for (uint32_t i = 1; i <= 2 * ROUNDS; i++) {
        uint32_t r;
        smc_value = i;
        __asm__ volatile("call *%1" : "=a"(r) : "r"(M), "d"(smc_callee) : "ecx", "memory", "cc");
        bad += r != i;
    }
    expect("returns that ran the old immediate", bad, 0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    pd2 = mmu_new_pd();
    uint32_t ca = ret_frame(0xA, 0), cb = ret_frame(0xB, 0);
    uint32_t r1 = caller_frame(0x11), r2 = caller_frame(0x22);
    write_cr4(read_cr4() | CR4_PSE);
    for (uint32_t o = 0; o < LPAGE_SIZE; o += PAGE_SIZE) {
        uint32_t v1 = 0x1600 + (o >> 12), v2 = 0x2000 + (o >> 12);
        uint8_t *p1 = (uint8_t *)(0x01000000u + o), *p2 = (uint8_t *)(0x01400000u + o);
        p1[0] = p2[0] = 0xB8;
        memcpy(p1 + 1, &v1, 4);
        memcpy(p2 + 1, &v2, 4);
        p1[5] = p2[5] = 0xC3;
    }
    mmu_paging_on(pd, 1);

    spaces(ca, cb);
    user_spaces(ca, cb);
    invlpgs(ca, cb);
    returns(r1, r2);
    straddle();
    large();
    global(ca, cb);
    smc_return();

    mmu_paging_off();
    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
