/*
 * smc_paging.c - self-modifying code with paging on (mmu_common.h); the
 * expected output comes from QEMU.  Goes beyond mmu_stale / mmu_alias:
 * (a) instructions straddling two pages whose second page is remapped (PTE
 *     changed, then INVLPG or a CR3 reload) to another frame holding other
 *     bytes: an immediate; a ModRM that changes the instruction's length; a
 *     block whose last instruction is wholly on the second page; in loops
 *     over three frames; a frame rewritten while it is not mapped there,
 *     then mapped back; the second page not present (#PF on the fetch);
 *     the first page remapped instead; the straddling instruction entered
 *     by a direct jump from its first page (which a translator may chain);
 * (b) the second page's bytes rewritten through an alias (another linear
 *     address of the same frame, writable) and through the identity map,
 *     by byte, word and dword stores, in a loop; the first page's byte
 *     through its alias;
 * (c) code written through a writable alias while it runs through a
 *     read-only mapping of the same frame, within one loop: a C loop
 *     writing functions through the alias and calling them through the
 *     read-only view; generated loops patching their own body through the
 *     alias for the next iteration, and ahead in the same iteration with
 *     CPUID in between (serializing, as the SDM asks for a store through
 *     another linear address) and without it (i686+ and QEMU snoop by
 *     physical address); a store through the read-only view faults.
 */
#include "mmu_common.h"

#define S1 0x40000000u             /* a_fr, then b1 / b2 / b3 / not present */
#define S2 0x40010000u             /* m_a, then m1 / m2 / m3 */
#define S3 0x40020000u             /* n_a, then n1 / n2 */
#define WB 0x40100000u             /* b1, writable */
#define WA 0x40101000u             /* a_fr, writable */
#define R 0x40200000u              /* K, read-only */
#define WK 0x40300000u             /* K, writable */

static uint32_t *pd;
static unsigned errors;

/* Calls va with EAX = a, ECX = b (other registers: anything); saves the
 * callee-saved ones around it; returns EAX. */
uint32_t pg_call(uint32_t va, uint32_t a, uint32_t b);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl pg_call\n"
        "pg_call:\n\t"
        "pushl %ebx\n\t"
        "pushl %esi\n\t"
        "pushl %edi\n\t"
        "pushl %ebp\n\t"
        "movl 24(%esp), %eax\n\t"
        "movl 28(%esp), %ecx\n\t"
        "call *20(%esp)\n\t"
        "popl %ebp\n\t"
        "popl %edi\n\t"
        "popl %esi\n\t"
        "popl %ebx\n\t"
        "ret\n");

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-52s %08x%s\n", what, got, got == want ? "" : "  WRONG");
    errors += got != want;
}

static void set(uint32_t va, uint32_t frame, uint32_t flags)
{
    *mmu_pte(pd, va) = frame | flags;
}

/* PTE(va) := frame (present, supervisor, read-only), then INVLPG. */
static void remap(uint32_t va, uint32_t frame)
{
    set(va, frame, PG_P);
    invlpg(va);
}

static uint32_t code_frame(void)
{
    uint32_t f = mmu_alloc();
    memset((void *)f, 0xCC, PAGE_SIZE);   /* int3 */
    return f;
}

static void put(uint32_t va, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        wr8(va + i, b[i]);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t imm_of(uint8_t i0, uint32_t second)
{
    return i0 | (second & 0xFFFFFF) << 8;
}

static void test_a(uint32_t *fa, uint32_t *fb1)
{
    printf("(a) straddling instructions, the second page remapped\n");
    /* S1+0xffe: movl $imm32, %eax (B8 and imm byte 0 on the first page);
     * the second page holds imm bytes 1-3 and a ret */
    uint32_t a_fr = code_frame(), b1 = code_frame(), b2 = code_frame(), b3 = code_frame();
    uint32_t b[3] = { b1, b2, b3 };
    ((uint8_t *)a_fr)[0xFFE] = 0xB8, ((uint8_t *)a_fr)[0xFFF] = 0x11;
    put32((uint8_t *)b1, 0xC3443322);
    put32((uint8_t *)b2, 0xC3CCBBAA);
    put32((uint8_t *)b3, 0xC3030201);
    set(S1, a_fr, PG_P);
    set(S1 + PAGE_SIZE, b1, PG_P);
    *fa = a_fr, *fb1 = b1;
    const uint32_t f = S1 + 0xFFE;
    expect("first frame", pg_call(f, 0, 0), 0x44332211);
    remap(S1 + PAGE_SIZE, b2);
    expect("second page remapped, INVLPG", pg_call(f, 0, 0), 0xCCBBAA11);
    remap(S1 + PAGE_SIZE, b1);
    expect("  back, INVLPG", pg_call(f, 0, 0), 0x44332211);
    set(S1 + PAGE_SIZE, b3, PG_P);
    reload_cr3();
    expect("  third frame, CR3 reload", pg_call(f, 0, 0), 0x03020111);
    uint32_t sum = 0, want = 0;
    for (uint32_t i = 0; i < 90; i++) {
        uint32_t fr = b[(i * 7 + i / 3) % 3];
        remap(S1 + PAGE_SIZE, fr);
        sum += pg_call(f, 0, 0) ^ i;
        want += imm_of(0x11, rd32(fr)) ^ i;
    }
    expect("  90 remaps over three frames, sum", sum, want);

    /* b1 rewritten while b3 is mapped there, then mapped back */
    remap(S1 + PAGE_SIZE, b3);
    expect("third frame", pg_call(f, 0, 0), 0x03020111);
    put32((uint8_t *)b1, 0xC3776655);
    remap(S1 + PAGE_SIZE, b1);
    expect("first frame rewritten while unmapped, mapped back", pg_call(f, 0, 0), 0x77665511);

    set(S1 + PAGE_SIZE, b1, 0);
    invlpg(S1 + PAGE_SIZE);
    mmu_kcall("second page not present", f);
    remap(S1 + PAGE_SIZE, b2);
    expect("  present again (second frame)", pg_call(f, 0, 0), 0xCCBBAA11);

    /* the first page remapped instead: B8 99 */
    uint32_t a2 = code_frame();
    ((uint8_t *)a2)[0xFFE] = 0xB8, ((uint8_t *)a2)[0xFFF] = 0x99;
    remap(S1, a2);
    expect("first page remapped, INVLPG", pg_call(f, 0, 0), 0xCCBBAA99);
    remap(S1, a_fr);
    remap(S1 + PAGE_SIZE, b1);
    expect("  both back", pg_call(f, 0, 0), 0x77665511);

    /* S1+0xffa: jmp S1+0xffe; int3 x2: the straddling unit entered by a
     * (chainable) direct jump from its first page */
    static const uint8_t jmp[] = { 0xEB, 0x02, 0xCC, 0xCC };
    memcpy((uint8_t *)a_fr + 0xFFA, jmp, sizeof jmp);
    const uint32_t j = S1 + 0xFFA;
    expect("entered by a jmp", pg_call(j, 0, 0), 0x77665511);
    expect("  again", pg_call(j, 0, 0), 0x77665511);
    remap(S1 + PAGE_SIZE, b2);
    expect("  second page remapped, INVLPG", pg_call(j, 0, 0), 0xCCBBAA11);
    expect("  again", pg_call(j, 0, 0), 0xCCBBAA11);
    set(S1 + PAGE_SIZE, b1, PG_P);
    reload_cr3();
    expect("  back, CR3 reload", pg_call(j, 0, 0), 0x77665511);
    set(S1 + PAGE_SIZE, b1, 0);
    invlpg(S1 + PAGE_SIZE);
    mmu_kcall("  second page not present", j);
    remap(S1 + PAGE_SIZE, b1);
    expect("  present again", pg_call(j, 0, 0), 0x77665511);

    /* S2+0xffc: addl %eax, %eax; nop; F7 at 0xfff whose ModRM on the
     * second page decides the length: D8 negl, E0 mull (2 bytes, then
     * incl %eax x4) or C0 testl $0x40404040 (6 bytes); then ret */
    uint32_t m_a = code_frame(), m[3] = { code_frame(), code_frame(), code_frame() };
    static const uint8_t head[] = { 0x01, 0xC0, 0x90, 0xF7 };
    static const uint8_t modrm[3] = { 0xD8, 0xC0, 0xE0 };
    static const uint32_t mwant[3] = { -6u + 4, 6, 36 + 4 };   /* a = 3 */
    memcpy((uint8_t *)m_a + 0xFFC, head, sizeof head);
    for (int i = 0; i < 3; i++) {
        uint8_t *p = (uint8_t *)m[i];
        p[0] = modrm[i];
        put32(p + 1, 0x40404040);
        p[5] = 0xC3;
    }
    set(S2, m_a, PG_P);
    static const int mseq[] = { 0, 1, 2, 1, 0, 2, 0 };
    static const char *const mname[] = { "D8 negl", "C0 testl imm32", "E0 mull" };
    for (unsigned i = 0; i < sizeof mseq / sizeof mseq[0]; i++) {
        char what[64];
        remap(S2 + PAGE_SIZE, m[mseq[i]]);
        snprintf(what, sizeof what, "remapped second page: F7 with ModRM %s", mname[mseq[i]]);
        expect(what, pg_call(S2 + 0xFFC, 3, 0), mwant[mseq[i]]);
    }

    /* S3+0xffd: addl %eax, %eax; nop; then on the second page
     * addl $1, %eax (n1) or subl $1, %eax (n2); ret */
    uint32_t n_a = code_frame(), n1 = code_frame(), n2 = code_frame();
    static const uint8_t nh[] = { 0x01, 0xC0, 0x90 };
    static const uint8_t nb1[] = { 0x05, 1, 0, 0, 0, 0xC3 }, nb2[] = { 0x2D, 1, 0, 0, 0, 0xC3 };
    memcpy((uint8_t *)n_a + 0xFFD, nh, sizeof nh);
    memcpy((void *)n1, nb1, sizeof nb1);
    memcpy((void *)n2, nb2, sizeof nb2);
    set(S3, n_a, PG_P);
    sum = want = 0;
    for (uint32_t i = 0; i < 60; i++) {
        int sub = i % 3 == 1;
        remap(S3 + PAGE_SIZE, sub ? n2 : n1);
        sum = sum * 3 + pg_call(S3 + 0xFFD, i, 0);
        want = want * 3 + (sub ? 2 * i - 1 : 2 * i + 1);
    }
    expect("block over two pages, second remapped 60 times", sum, want);
}

static void test_b(uint32_t a_fr, uint32_t b1)
{
    printf("(b) the second page rewritten through an alias\n");
    set(WB, b1, PG_P | PG_W);
    set(WA, a_fr, PG_P | PG_W);
    invlpg(WB);
    invlpg(WA);
    const uint32_t f = S1 + 0xFFE;
    expect("before", pg_call(f, 0, 0), 0x77665511);
    wr8(WB + 1, 0xAB);
    expect("byte via the alias", pg_call(f, 0, 0), 0x77AB5511);
    wr16(WB, 0xCDEF);
    expect("word via the alias", pg_call(f, 0, 0), 0x77CDEF11);
    wr32(WB, 0xC3123456);
    expect("dword via the alias", pg_call(f, 0, 0), 0x12345611);
    wr8(b1 + 2, 0x9A);
    expect("byte via the identity map", pg_call(f, 0, 0), 0x9A345611);
    wr8(WA + 0xFFF, 0x78);
    expect("first page's imm byte via its alias", pg_call(f, 0, 0), 0x9A345678);
    uint32_t sum = 0, want = 0;
    for (uint32_t i = 0; i < 150; i++) {
        switch (i % 3) {
        case 0: wr8(WB + i % 3 + (i / 3) % 3, (uint8_t)(i * 5)); break;
        case 1: wr16(WB + (i / 3) % 2, (uint16_t)(i * 0x0301)); break;
        default: wr32(b1, 0xC3000000 | (i * 0x010203)); break;
        }
        sum = sum * 7 + pg_call(f, 0, 0);
        want = want * 7 + imm_of(rd8(WA + 0xFFF), rd32(b1));
    }
    expect("150 alias / identity rewrites, hash", sum, want);
    expect("  the ret was never touched", rd8(WB + 3), 0xC3);
}

static void test_c(void)
{
    printf("(c) written through a writable alias, run through a read-only one\n");
    uint32_t k = code_frame();
    set(R, k, PG_P);
    set(WK, k, PG_P | PG_W);
    invlpg(R);
    invlpg(WK);

    /* a C loop: movl $v, %eax / addl $v, %eax; ret at varying offsets */
    uint32_t sum = 0, want = 0;
    for (uint32_t i = 0; i < 200; i++) {
        uint32_t off = (i * 40) % 0x600, v = i * 0x01000193u;
        uint8_t code[6] = { i & 1 ? 0x05 : 0xB8 };
        put32(code + 1, v);
        code[5] = 0xC3;
        put(WK + off, code, sizeof code);
        sum += pg_call(R + off, i, 0);
        want += i & 1 ? i + v : v;
    }
    expect("200 functions written via WK, called via R", sum, want);

    /* R+0x800: xorl %eax, %eax; L: addl $imm, %eax; movl %ecx, WK+X+1;
     * decl %ecx; jnz L; ret: patched through the alias for the next
     * iteration (X = L) */
    uint8_t lp[] = { 0x31, 0xC0,
                     0x05, 0, 0, 0, 0,
                     0x89, 0x0D, 0, 0, 0, 0,
                     0x49,
                     0x75, (uint8_t)(2 - 16),
                     0xC3 };
    uint32_t xa = WK + 0x800 + 3;
    memcpy(lp + 9, &xa, 4);
    put(WK + 0x800, lp, sizeof lp);
    expect("loop patching itself via WK: 100 iterations", pg_call(R + 0x800, 0, 100), 5050 - 1);
    expect("  again, 10 iterations", pg_call(R + 0x800, 0, 10), 55);

    /* R+0x900 (R+0xa00 without CPUID): xorl %edi, %edi; movl %ecx, %esi;
     * L: movl %esi, WK+X+2; xorb $0x28, WK+X+1; xorl %eax, %eax; cpuid
     * (or 4 nops); X: addl $imm, %edi (81 C7) / subl (81 EF); decl %esi;
     * jnz L; movl %edi, %eax; ret */
    for (int serial = 1; serial >= 0; serial--) {
        uint32_t base = serial ? 0x900 : 0xA00, x = WK + base + 21;
        uint8_t sp[] = { 0x31, 0xFF,
                         0x89, 0xCE,
                         0x89, 0x35, 0, 0, 0, 0,
                         0x80, 0x35, 0, 0, 0, 0, 0x28,
                         0x31, 0xC0, 0x0F, 0xA2,
                         0x81, 0xC7, 0, 0, 0, 0,
                         0x4E,
                         0x75, (uint8_t)(4 - 30),
                         0x89, 0xF8,
                         0xC3 };
        uint32_t t = x + 2;
        memcpy(sp + 6, &t, 4);
        t = x + 1;
        memcpy(sp + 12, &t, 4);
        if (!serial)
            memset(sp + 17, 0x90, 4);
        put(WK + base, sp, sizeof sp);
        uint8_t op = 0xC7;
        static const uint32_t ns[] = { 300, 7, 1 };
        for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            uint32_t acc = 0;
            for (uint32_t c = ns[i]; c > 0; c--) {
                op ^= 0x28;
                acc = op == 0xC7 ? acc + c : acc - c;
            }
            char what[64];
            snprintf(what, sizeof what, "patched ahead via WK%s: %u iterations",
                     serial ? ", CPUID" : "", ns[i]);
            expect(what, pg_call(R + base, 0, ns[i]), acc);
        }
    }

    mmu_kwrite("store through R", R + 0x800, 0);
    expect("  the code is unchanged", rd32(WK + 0x800), 0x0105C031);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    mmu_paging_on(pd, 1);
    uint32_t a_fr, b1;
    test_a(&a_fr, &b1);
    test_b(a_fr, b1);
    test_c();
    mmu_paging_off();
    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
