/*
 * mmu_string.c - string instructions across pages that fault, with paging
 * on.  Each case runs a REP string instruction (or a plain one) whose
 * range runs from a mapped page into a not-present one (the source, the
 * destination, or both; forwards and, with STD, backwards; bytes, words
 * and dwords, also elements straddling the two pages).  The #PF handler
 * logs CR2, the error code, ECX, ESI and EDI and whether the frame's EIP
 * is the string instruction, then maps the page (a fresh frame with a
 * known pattern, writable or read-only as the case wants) and IRETs: the
 * instruction restarts at the element that faulted.  Printed per case:
 * the faults, the final ECX/ESI/EDI/EAX and arithmetic flags, and a
 * checksum of the destination.  Also REPE/REPNE CMPS and SCAS stopping
 * early before and after a fault, REP LODS, and overlapping REP MOVS
 * (destination a few bytes above or below the source, both directions,
 * across a page boundary: the element-by-element copy repeats the
 * pattern, which memmove would not).  Compared with QEMU.
 */
#include "mmu_common.h"

#define REGION 0x40000000u          /* 32 pages, mapped on demand */
#define PG(n) (REGION + (n) * PAGE_SIZE)
#define NPAGES 32u

struct logent {
    uint32_t cr2, err, ecx, esi, edi;
    int at_insn;
};
static struct logent flog[32];
static unsigned nlog;
static uint32_t *pd;
static volatile uint32_t insn_eip;  /* the string instruction under test */

/* The pattern of a page: distinct per page and byte. */
static uint8_t pat(uint32_t va)
{
    uint32_t p = (va - REGION) / PAGE_SIZE, o = va & 0xFFF;
    return (uint8_t)(p * 37 + o * 7 + (o >> 8) + 1);
}

static void fill_pattern(uint32_t frame, uint32_t va)
{
    for (uint32_t o = 0; o < PAGE_SIZE; o++)
        ((uint8_t *)frame)[o] = pat(va + o);
}

static int demand(struct isr_frame *f, uint32_t cr2)
{
    if (cr2 < REGION || cr2 >= PG(NPAGES) || (f->error_code & PF_P))
        return 0;
    if (nlog < sizeof flog / sizeof flog[0])
        flog[nlog++] = (struct logent){ cr2, f->error_code, f->ecx, f->esi, f->edi,
                                        f->eip == insn_eip };
    uint32_t va = cr2 & PG_FRAME, fr = mmu_alloc();
    fill_pattern(fr, va);
    mmu_map(pd, va, fr, PG_P | PG_W);
    return 1;
}

/* Unmaps pages [first, last] (fresh for the next case). */
static void unmap(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++) {
        mmu_map(pd, PG(p), 0, 0);
        invlpg(PG(p));
    }
}

/* Maps pages [first, last] with the pattern, writable. */
static void map(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++) {
        uint32_t fr = mmu_alloc();
        fill_pattern(fr, PG(p));
        mmu_map(pd, PG(p), fr, PG_P | PG_W);
        invlpg(PG(p));
    }
}

static void rel(const char *name, uint32_t v)
{
    if (v >= REGION && v < PG(NPAGES) + 0x1000)
        printf(" %s=p%u+%03x", name, (v - REGION) / PAGE_SIZE, v & 0xFFF);
    else
        printf(" %s=%08x", name, v);
}

static uint32_t sum(uint32_t a, uint32_t n)
{
    uint32_t h = 0;
    for (uint32_t k = 0; k < n; k++)
        h = (h ^ ((volatile uint8_t *)a)[k]) * 0x01000193u + 1;
    return h;
}

struct regs {
    uint32_t ecx, esi, edi, eax, fl;
};

static void report(const char *name, const struct regs *r, uint32_t dst, uint32_t len)
{
    printf("%s:\n", name);
    for (unsigned i = 0; i < nlog; i++) {
        printf("  #PF");
        rel("cr2", flog[i].cr2);
        printf(" err=%x ecx=%x", flog[i].err, flog[i].ecx);
        rel("esi", flog[i].esi);
        rel("edi", flog[i].edi);
        printf(" eip %s\n", flog[i].at_insn ? "at the insn" : "ELSEWHERE");
    }
    printf("  end ecx=%x", r->ecx);
    rel("esi", r->esi);
    rel("edi", r->edi);
    printf(" eax=%08x fl=%03x", r->eax, r->fl & 0x8D5);
    if (len)
        printf(" dst sum %08x", sum(dst, len));
    printf("\n");
    nlog = 0;
}

/* One string instruction INSN with ECX/ESI/EDI/EAX in, DF set by STD_. */
#define RUN(INSN, STD_, r)                                                                        \
    __asm__ volatile("movl $1f, insn_eip\n\t" STD_ "\n1:\t" INSN "\n\tcld\n\t"                    \
                     "pushfl\n\tpopl %4"                                                           \
                     : "+c"((r).ecx), "+S"((r).esi), "+D"((r).edi), "+a"((r).eax),                 \
                       "=m"((r).fl)                                                                \
                     :                                                                             \
                     : "memory", "cc")
#define FWD ""
#define BACK "std"

static struct regs R(uint32_t ecx, uint32_t esi, uint32_t edi, uint32_t eax)
{
    return (struct regs){ ecx, esi, edi, eax, 0 };
}

static void moves(void)
{
    struct regs r;
    /* destination runs into a not-present page */
    map(0, 1);
    map(4, 4);
    r = R(0x300, PG(0) + 0xE00, PG(4) + 0xF00, 0);
    RUN("rep movsb", FWD, r);
    report("rep movsb, dst p4 -> p5 (not present)", &r, PG(4) + 0xF00, 0x300);
    /* words, the source runs into a not-present page */
    unmap(0, 5);
    map(0, 0);
    map(4, 5);
    r = R(0x180, PG(0) + 0xF00, PG(4) + 0x400, 0);
    RUN("rep movsw", FWD, r);
    report("rep movsw, src p0 -> p1 (not present)", &r, PG(4) + 0x400, 0x300);
    /* dwords, an element straddles the destination's pages */
    unmap(0, 5);
    map(0, 1);
    map(4, 4);
    r = R(0x100, PG(0) + 0x800, PG(4) + 0xF02, 0);
    RUN("rep movsl", FWD, r);
    report("rep movsd, a dword straddles p4/p5 (not present)", &r, PG(4) + 0xF02, 0x400);
    /* backwards: both run down into not-present pages */
    unmap(0, 5);
    map(1, 1);
    map(5, 5);
    r = R(0x200, PG(1) + 0x100, PG(5) + 0x0FC, 0);
    RUN("rep movsl", BACK, r);
    report("std; rep movsd, src p1 -> p0 and dst p5 -> p4 (not present)", &r, PG(4) + 0x900,
           0x800);
    /* backwards bytes, one page each, no fault */
    r = R(0x100, PG(1) + 0x7FF, PG(5) + 0x7FF, 0);
    RUN("rep movsb", BACK, r);
    report("std; rep movsb within pages", &r, PG(5) + 0x700, 0x100);
    unmap(0, 5);
}

static void overlaps(void)
{
    struct regs r;
    unmap(8, 10);
    map(8, 10);
    /* forward, destination 1 byte above the source: the first byte repeats */
    r = R(0x40, PG(8) + 0xFE0, PG(8) + 0xFE1, 0);
    RUN("rep movsb", FWD, r);
    report("rep movsb, dst = src + 1 across p8/p9", &r, PG(8) + 0xFE0, 0x42);
    /* forward dwords, destination 2 bytes above */
    r = R(0x20, PG(9) + 0xFC0, PG(9) + 0xFC2, 0);
    RUN("rep movsl", FWD, r);
    report("rep movsd, dst = src + 2 across p9/p10", &r, PG(9) + 0xFC0, 0x84);
    /* forward words, destination 3 bytes below (memmove's order) */
    r = R(0x30, PG(9) + 0x803, PG(9) + 0x800, 0);
    RUN("rep movsw", FWD, r);
    report("rep movsw, dst = src - 3", &r, PG(9) + 0x800, 0x63);
    /* backwards dwords, destination 3 bytes below: the pattern repeats down */
    r = R(0x20, PG(10) + 0x010, PG(10) + 0x00D, 0);
    RUN("rep movsl", BACK, r);
    report("std; rep movsd, dst = src - 3 across p9/p10", &r, PG(9) + 0xF90, 0x84);
    /* backwards bytes, destination 2 above (memmove's order) */
    r = R(0x50, PG(8) + 0x450, PG(8) + 0x452, 0);
    RUN("rep movsb", BACK, r);
    report("std; rep movsb, dst = src + 2", &r, PG(8) + 0x400, 0x54);
}

static void stores(void)
{
    struct regs r;
    unmap(12, 15);
    map(12, 12);
    r = R(0x500, 0, PG(12) + 0xC00, 0x11223344u);
    RUN("rep stosb", FWD, r);
    report("rep stosb, p12 -> p13 (not present)", &r, PG(12) + 0xC00, 0x500);
    r = R(0x300, 0, PG(13) + 0xE00, 0x55667788u);
    RUN("rep stosw", FWD, r);
    report("rep stosw, p13 -> p14 (not present)", &r, PG(13) + 0xE00, 0x600);
    r = R(0x200, 0, PG(12) + 0x100, 0x99AABBCCu);
    RUN("rep stosl", BACK, r);
    report("std; rep stosd, p12 -> p11 (not present)", &r, PG(11) + 0x904, 0x800);
    r = R(0x10, 0, PG(14) + 0xFF9, 0xDDEEFF00u);
    RUN("rep stosl", FWD, r);
    report("rep stosd, a dword straddles p14/p15 (not present)", &r, PG(14) + 0xFF9, 0x40);
}

static void loads_and_compares(void)
{
    struct regs r;
    unmap(16, 23);
    map(16, 16);
    map(20, 20);
    /* REP LODSD into a not-present page: EAX is the last dword */
    r = R(0x80, PG(16) + 0xF80, 0, 0);
    RUN("rep lodsl", FWD, r);
    report("rep lodsd, p16 -> p17 (not present)", &r, 0, 0);
    r = R(0x3, PG(16) + 0x10, 0, 0);
    RUN("lodsw", BACK, r);
    report("std; lodsw (no rep)", &r, 0, 0);
    /* REPE CMPSB from p16/p20 (equal) into p17/p21, p21 not present (it
     * comes back with its own pattern): a fault, then the first byte
     * differs.  (Which operand a CPU reads first is not architectural:
     * QEMU reads ES:EDI first, Bochs DS:ESI, so only one page faults.) */
    unmap(17, 17);
    unmap(20, 21);
    map(17, 17);
    map(20, 20);
    for (uint32_t o = 0; o < PAGE_SIZE; o++)
        ((uint8_t *)PG(20))[o] = ((uint8_t *)PG(16))[o];
    r = R(0x2000, PG(16) + 0x800, PG(20) + 0x800, 0);
    RUN("repe cmpsb", FWD, r);
    report("repe cmpsb, p16/p20 -> p17/p21 (not present)", &r, 0, 0);
    /* REPE CMPSD from p17 into p18 (not present) against equal data on p20 */
    unmap(18, 18);
    for (uint32_t o = 0; o < 0x80; o++)
        ((uint8_t *)PG(20))[0x80 + o] = ((uint8_t *)PG(17))[0xF80 + o];
    r = R(0x40, PG(17) + 0xF80, PG(20) + 0x80, 0);
    RUN("repe cmpsl", FWD, r);
    report("repe cmpsd, p17 -> p18 (not present) against p20", &r, 0, 0);
    for (uint32_t o = 0; o < PAGE_SIZE; o++)
        ((uint8_t *)PG(20))[o] = ((uint8_t *)PG(16))[o];
    /* equal until a planted difference in the first page */
    ((uint8_t *)PG(20))[0x346] ^= 1;
    r = R(0x400, PG(16) + 0x100, PG(20) + 0x100, 0);
    RUN("repe cmpsl", FWD, r);
    report("repe cmpsd, stops at the dword holding 0x346", &r, 0, 0);
    r = R(0x400, PG(16) + 0x100, PG(20) + 0x100, 0);
    RUN("repne cmpsw", FWD, r);
    report("repne cmpsw, stops at the first equal word", &r, 0, 0);
    r = R(0x300, PG(16) + 0x700, PG(20) + 0x700, 0);
    RUN("repe cmpsb", BACK, r);
    report("std; repe cmpsb, equal down to 0x400", &r, 0, 0);
    /* REPNE SCASB for a byte that first occurs on the not-present page */
    unmap(22, 23);
    map(22, 22);
    uint8_t want = pat(PG(23) + 0x10);
    for (uint32_t o = 0; o < PAGE_SIZE; o++)
        if (((uint8_t *)PG(22))[o] == want)
            ((uint8_t *)PG(22))[o] ^= 0x80;
    r = R(0x2000, 0, PG(22) + 0x10, want);
    RUN("repne scasb", FWD, r);
    report("repne scasb, the byte is on p23 (not present)", &r, 0, 0);
    r = R(0x100, 0, PG(22) + 0x200, 0);
    RUN("repe scasl", FWD, r);
    report("repe scasd for zero, stops at once", &r, 0, 0);
    r = R(0, 0, PG(22) + 0x200, 0);
    RUN("repne scasw", FWD, r);
    report("repne scasw, ecx = 0", &r, 0, 0);
    r = R(0x40, 0, PG(22) + 0x80, pat(PG(22) + 0x40) | (uint32_t)pat(PG(22) + 0x41) << 8);
    RUN("repne scasw", BACK, r);
    report("std; repne scasw down to the word at 0x40", &r, 0, 0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    mmu_pf_hook = demand;
    mmu_paging_on(pd, 1);
    moves();
    overlaps();
    stores();
    loads_and_compares();
    printf("done\n");
    return 0;
}
