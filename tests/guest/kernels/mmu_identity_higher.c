/*
 * mmu_identity_higher.c - the classic higher-half kernel setup: the low
 * 8 MiB identity-mapped plus an alias of them at 0xC0000000, first with
 * 4 KiB pages, then with 4 MiB pages (CR4.PSE).  In each mode the kernel
 * calls into its 0xC0000000 alias (EIP in the alias), once on the low stack
 * and once with ESP moved into the alias too, and checks that bytes, words,
 * dwords (also across a page boundary) and a REP STOSD/MOVSD written through
 * one mapping are read back through the other; the end of the alias faults
 * (#PF, CR2).  Also: with CR4.PSE = 0 the PS bit of a PDE is ignored (the
 * PDE points to a page table), with CR4.PSE = 1 a 4 MiB page maps
 * VA[21:0] straight through, and 4 KiB and 4 MiB PDEs coexist.  Last,
 * MOV to CR0 turning paging on (off) in code whose page the directory maps
 * to another frame: the next instruction comes from that frame (from the
 * physical page).
 */
#include "mmu_common.h"

#define HIGH 0xC0000000u

static uint8_t buf[2 * 4096] __attribute__((aligned(4096)));
static volatile int high_stack_wanted;
static volatile unsigned errors;

static void check(const char *what, uint32_t got, uint32_t want)
{
    printf("  %-34s %08x %s\n", what, got, got == want ? "ok" : "WRONG");
    if (got != want)
        errors++;
}

static inline __attribute__((always_inline)) uint32_t get_eip(void)
{
    uint32_t e;
    __asm__ volatile("call 1f\n1:\tpopl %0" : "=r"(e));
    return e;
}

/* Runs through the 0xC0000000 alias (called by call_high). */
static __attribute__((noinline)) uint32_t high_body(void)
{
    uint32_t eip = get_eip(), esp;
    uint32_t lo = (uint32_t)buf, hi = lo + HIGH;
    volatile uint32_t local = 0x5A5A0000;

    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    uint32_t self = (uint32_t)high_body;
    printf("  eip in the alias of high_body: %s\n",
           (eip >= self + HIGH && eip < self + HIGH + 4096) ? "yes" : "NO");
    printf("  esp in the alias: %s\n", esp >= HIGH ? "yes" : "no");
    if (esp >= HIGH) {
        /* the local lives on the aliased stack: visible at its low address */
        uint32_t la = (uint32_t)&local;
        wr32(la - HIGH, rd32(la) + 0x42);
        check("stack local via low alias", local, 0x5A5A0042);
    }

    wr32(hi + 0x10, 0x11223344);
    check("dword high -> low", rd32(lo + 0x10), 0x11223344);
    wr32(lo + 0x20, 0xCAFEF00D);
    check("dword low -> high", rd32(hi + 0x20), 0xCAFEF00D);
    wr8(hi + 0x31, 0xAB);
    check("byte high -> low", rd8(lo + 0x31), 0xAB);
    wr16(lo + 0x33, 0xBEEF);
    check("word low -> high (unaligned)", rd16(hi + 0x33), 0xBEEF);
    wr32(hi + 0xFFE, 0x87654321);      /* across the page boundary */
    check("dword across pages high -> low", rd32(lo + 0xFFE), 0x87654321);
    check("  low half read as a word", rd16(lo + 0xFFE), 0x4321);
    check("  high half read as a word", rd16(hi + 0x1000), 0x8765);

    /* REP STOSD through the alias, REP MOVSD back the other way */
    uint32_t n = 1024, d = hi + 0x1000;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(0x01010101u) : "memory");
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 4096; i += 4)
        sum += rd32(lo + 0x1000 + i);
    check("rep stosd high, sum low", sum, 0x01010101u * 1024);
    for (uint32_t i = 0; i < 256; i++)
        wr32(lo + 0x800 + 4 * i, i * 0x9E3779B9u);
    uint32_t s = hi + 0x800, dd = lo + 0x1000;
    n = 256;
    __asm__ volatile("rep movsl" : "+S"(s), "+D"(dd), "+c"(n) : : "memory");
    sum = 0;
    for (uint32_t i = 0; i < 256; i++)
        sum ^= rd32(hi + 0x1000 + 4 * i) + i;
    uint32_t want = 0;
    for (uint32_t i = 0; i < 256; i++)
        want ^= i * 0x9E3779B9u + i;
    check("rep movsd high -> low, read high", sum, want);
    return 0x600D;
}

/* Calls high_body through its 0xC0000000 alias, optionally on the alias of
 * the current stack. */
static uint32_t call_high(int high_stack)
{
    uint32_t r, target = (uint32_t)high_body + HIGH, off = high_stack ? HIGH : 0;

    __asm__ volatile("movl %%esp, %%esi\n\t"
                     "addl %[off], %%esp\n\t"
                     "call *%[t]\n\t"
                     "movl %%esi, %%esp"
                     : "=a"(r)
                     : [t] "r"(target), [off] "r"(off)
                     : "ecx", "edx", "esi", "memory", "cc");
    return r;
}

static void common_checks(void)
{
    printf(" call via the alias, low stack:\n");
    check("result", call_high(0), 0x600D);
    printf(" call via the alias, stack in the alias:\n");
    check("result", call_high(1), 0x600D);

    /* the alias ends at 0xC0800000 */
    uint32_t v = 0;
    __asm__ volatile(MMU_TRY "movl 0xC0800004, %0" MMU_END : "+r"(v) : : "memory");
    mmu_report("read just past the alias");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();

    /* ---- 4 KiB pages ---- */
    uint32_t *pd = mmu_new_pd();
    for (uint32_t t = 0; t < MMU_IDENT_END / LPAGE_SIZE; t++)
        *mmu_pde(pd, HIGH + t * LPAGE_SIZE) = pd[t];   /* share the identity tables */
    mmu_paging_on(pd, 1);
    printf("4 KiB pages: CR0.PG=%u\n", read_cr0() >> 31);
    common_checks();
    mmu_paging_off();

    /* PS is ignored while CR4.PSE = 0: the PDE names a page table */
    uint32_t pt = mmu_alloc(), frame = mmu_alloc();
    ((uint32_t *)pt)[5] = frame | PG_P | PG_W;
    wr32(frame + 0x123, 0x7AB1E000);
    *mmu_pde(pd, 0xC0C00000) = pt | PG_PS | PG_P | PG_W;
    mmu_paging_on(pd, 1);
    check("CR4.PSE=0, PDE.PS=1: via its table", rd32(0xC0C05123), 0x7AB1E000);
    mmu_paging_off();

    /* ---- 4 MiB pages ---- */
    write_cr4(read_cr4() | CR4_PSE);
    uint32_t *pd4 = mmu_new_pd();
    for (uint32_t t = 0; t < MMU_IDENT_END / LPAGE_SIZE; t++) {
        pd4[t] = t * LPAGE_SIZE | PG_PS | PG_P | PG_W;
        *mmu_pde(pd4, HIGH + t * LPAGE_SIZE) = t * LPAGE_SIZE | PG_PS | PG_P | PG_W;
    }
    /* a 4 KiB page table next to the 4 MiB pages */
    uint32_t f2 = mmu_alloc();
    mmu_map(pd4, 0xC0C00000 + 7 * PAGE_SIZE, f2, PG_P | PG_W);
    wr32(f2 + 0xFFC, 0x5EC0DD00);
    /* a 4 MiB page at 0xC1000000 onto the frame pool (4 MiB) */
    *mmu_pde(pd4, 0xC1000000) = MMU_POOL_BASE | PG_PS | PG_P | PG_W;
    mmu_paging_on(pd4, 1);
    printf("4 MiB pages: CR0.PG=%u CR4.PSE=%u\n", read_cr0() >> 31, (read_cr4() >> 4) & 1);
    common_checks();
    printf(" mixed page sizes:\n");
    check("4 KiB page beside 4 MiB pages", rd32(0xC0C07FFC), 0x5EC0DD00);
    check("4 MiB page onto the frame pool", rd32(0xC1000000 + (f2 - MMU_POOL_BASE) + 0xFFC),
          0x5EC0DD00);
    wr32(0xC1000000 + (frame - MMU_POOL_BASE) + 0x200, 0x4A4A4A4A);
    check("write via 4 MiB page, read low", rd32(frame + 0x200), 0x4A4A4A4A);
    mmu_paging_off();
    write_cr4(read_cr4() & ~CR4_PSE);

    /* code at frame f1 turning paging on and off while the directory maps
     * its page to f2: mov %ecx, %cr0; mov $v, %eax; ret in both */
    printf("MOV to CR0 in code whose page maps to another frame:\n");
    uint32_t *pdx = mmu_new_pd();
    uint32_t f1 = mmu_alloc(), f3 = mmu_alloc(), pt2 = mmu_alloc();
    static const uint8_t sw[] = { 0x0F, 0x22, 0xC1, 0xB8, 0, 0, 0, 0, 0xC3 };
    memcpy((void *)f1, sw, sizeof sw);
    memcpy((void *)f3, sw, sizeof sw);
    wr32(f1 + 4, 0x1D);
    wr32(f3 + 4, 0xA1);
    memcpy((void *)pt2, (void *)(pdx[f1 >> 22] & PG_FRAME), PAGE_SIZE);
    ((uint32_t *)pt2)[(f1 >> 12) & 1023] = f3 | PG_P | PG_W;     /* a private table */
    pdx[f1 >> 22] = pt2 | PG_P | PG_W;
    write_cr3((uint32_t)pdx);
    uint32_t cr0 = read_cr0() | CR0_PG, r;
    for (unsigned k = 0; k < 2; k++) {
        __asm__ volatile("call *%1" : "=a"(r) : "r"(f1), "c"(cr0) : "edx", "memory", "cc");
        check("PG on: ran the mapped frame", r, 0xA1);
        __asm__ volatile("call *%1" : "=a"(r) : "r"(f1), "c"(cr0 & ~CR0_PG) : "edx", "memory", "cc");
        check("PG off: ran the physical page", r, 0x1D);
    }

    printf("%s\n", errors ? "FAILED" : "all ok");
    return 0;
}
