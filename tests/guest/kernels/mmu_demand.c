/*
 * mmu_demand.c - demand paging done by the guest's #PF handler.  A 64-page
 * region at 0x40000000 starts with no page table at all.  Read faults map
 * a shared zero page read-only (CR0.WP = 1), write faults on not-present
 * pages map a fresh zeroed frame, write faults on the zero page replace it
 * by a private frame (INVLPG); the handler logs CR2 and the error code and
 * returns, restarting the instruction.  The region is touched sparsely by
 * reads, writes, a REP STOSD and a REP MOVSD running across several
 * unmapped pages (restarted mid-string), and a dword write straddling a
 * mapped page into an unmapped one (CR2 = the second page, nothing written
 * before the fault is repaired); then a checksum of all 64 pages.
 * Instruction fetches: a call into a not-present code page (EIP = CR2 =
 * the target), an instruction straddling into a not-present page (EIP = the
 * instruction, CR2 = the second page) and falling through the end of a code
 * page into a not-present one; the handler maps the code and execution
 * goes on.  Fault state: the registers and arithmetic flags in the #PF
 * frame are those before the faulting instruction (earlier instructions of
 * the same block completed, later ones not), REP STOSD faults with ECX/EDI
 * counting the stores done; the arithmetic flags survive loads and stores
 * that miss the TLB; a ring-3 CALL whose push hits a not-present user
 * stack page (error code W|U, CR2 = ESP - 4) is restarted once the page is
 * mapped.
 */
#include "mmu_common.h"

#define REGION 0x40000000u
#define NPAGES 64u
#define CODE 0x48000000u           /* demand-loaded code pages */
#define PG(n) (REGION + (n) * PAGE_SIZE)
#define STATE 0x44000000u          /* not present: the precise-state test */
#define FLAGS 0x45000000u          /* 32 pages for the flags test */
#define UC 0x46000000u             /* user code (mmu_user_setup) */
#define US 0x46010000u
#define USTACK 0x47000000u         /* demand-paged user stack, 2 pages */

struct logent {
    uint32_t cr2, err, eip, ecx, edi;
};
static struct isr_frame state_frame;
static struct logent flog[256];
static unsigned nlog, n_read, n_write, n_cow;
static uint32_t *pd, zero_frame;
static uint32_t code_frames[8];     /* prepared contents for CODE + i pages */

static int demand(struct isr_frame *f, uint32_t cr2)
{
    if (nlog < sizeof flog / sizeof flog[0])
        flog[nlog++] = (struct logent){ cr2, f->error_code, f->eip, f->ecx, f->edi };
    if ((cr2 & PG_FRAME) == STATE) {
        state_frame = *f;
        mmu_map(pd, STATE, mmu_alloc(), PG_P | PG_W);
        return 1;
    }
    if (cr2 >= USTACK && cr2 < USTACK + 2 * PAGE_SIZE && (f->error_code & PF_U)) {
        mmu_map(pd, cr2 & PG_FRAME, mmu_alloc(), PG_P | PG_W | PG_U);
        return 1;
    }
    if (cr2 >= CODE && cr2 < CODE + 8 * PAGE_SIZE && !(f->error_code & PF_P)) {
        uint32_t i = (cr2 - CODE) / PAGE_SIZE;
        if (!code_frames[i])
            return 0;
        mmu_map(pd, cr2 & PG_FRAME, code_frames[i], PG_P);
        return 1;
    }
    if (cr2 < REGION || cr2 >= REGION + NPAGES * PAGE_SIZE)
        return 0;
    uint32_t va = cr2 & PG_FRAME;
    if (!(f->error_code & PF_P)) {
        if (f->error_code & PF_W) {
            mmu_map(pd, va, mmu_alloc(), PG_P | PG_W);
            n_write++;
        } else {
            mmu_map(pd, va, zero_frame, PG_P);
            n_read++;
        }
        return 1;
    }
    if ((f->error_code & PF_W) && (*mmu_pte(pd, va) & PG_FRAME) == zero_frame) {
        mmu_map(pd, va, mmu_alloc(), PG_P | PG_W);   /* copy of zeroes = zeroes */
        invlpg(va);
        n_cow++;
        return 1;
    }
    return 0;
}

static unsigned shown;

static void show_faults(const char *phase, unsigned max)
{
    unsigned n = nlog - shown;
    printf("%s: %u fault%s\n", phase, n, n == 1 ? "" : "s");
    for (unsigned i = shown; i < nlog && i < shown + max; i++) {
        const struct logent *e = &flog[i];
        if (e->cr2 >= CODE)
            printf("  cr2=%08x err=%x (%s) eip=%08x\n", e->cr2, e->err, mmu_err_str(e->err),
                   e->eip);
        else
            printf("  cr2=%08x err=%x (%s) page %u\n", e->cr2, e->err, mmu_err_str(e->err),
                   (e->cr2 - REGION) / PAGE_SIZE);
    }
    if (n > max)
        printf("  ...\n");
    shown = nlog;
}

static uint32_t code_page(const uint8_t *bytes, unsigned n, unsigned off)
{
    uint32_t fr = mmu_alloc();
    memset((void *)fr, 0x90, PAGE_SIZE);      /* NOPs */
    memcpy((uint8_t *)fr + off, bytes, n);
    return fr;
}

static uint32_t call_at(uint32_t va)
{
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(va) : "ecx", "edx", "memory", "cc");
    return r;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    zero_frame = mmu_alloc();
    mmu_pf_hook = demand;
    mmu_paging_on(pd, 1);
    printf("PDE for the region present: %s\n", (*mmu_pde(pd, REGION) & PG_P) ? "yes" : "no");

    /* 1: reads of pages 0, 5, ..., 60 */
    uint32_t sum = 0;
    for (unsigned p = 0; p < NPAGES; p += 5)
        sum += rd32(PG(p) + 4 * p);
    show_faults("reads of 13 pages", 3);
    printf("  values read: %08x\n", sum);

    /* 2: writes to pages (7k + 3) mod 64; 10, 30 and 45 hold the zero page */
    for (unsigned k = 0; k < 16; k++) {
        unsigned p = (7 * k + 3) % NPAGES;
        wr32(PG(p) + ((p * 52) & 0xFFC), 0xD0000000u | p);
        wr8(PG(p) + 0xFFF, (uint8_t)p);
    }
    show_faults("writes to 16 pages", 16);

    /* 3: REP STOSD from page 44 + 0x800 to page 47 + 0x800 (46, 47 unmapped) */
    uint32_t d = PG(44) + 0x800, n = 3 * 1024;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(0x5705D000u) : "memory");
    printf("rep stosd over pages 44-47: ecx/edi at the faults:");
    for (unsigned i = shown; i < nlog; i++)
        printf(" %u/page %u+%#x", flog[i].ecx, (flog[i].edi - REGION) / PAGE_SIZE,
               (flog[i].edi - REGION) % PAGE_SIZE);
    printf("\n");
    show_faults("rep stosd over pages 44-47", 8);
    printf("  edi=page 47+%#x ecx=%u\n", d - PG(47), n);

    /* 4: a dword across pages 38 (mapped) and 39 (not mapped) */
    uint32_t before = rd32(PG(38) + 0xFFC);
    __asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)(PG(38) + 0xFFE))
                     : "r"(0xA1B2C3D4u) : "memory");
    show_faults("dword write across pages 38/39", 4);
    printf("  page 38 dword before: %08x, after: %08x; page 39 word 0: %04x\n", before,
           rd32(PG(38) + 0xFFC), rd16(PG(39)));

    /* 5: REP MOVSD pages 16-17 -> 56-57 (17, 56, 57 unmapped) */
    uint32_t s = PG(16), dd = PG(56);
    n = 2048;
    __asm__ volatile("rep movsl" : "+S"(s), "+D"(dd), "+c"(n) : : "memory");
    show_faults("rep movsd pages 16-17 -> 56-57", 8);
    printf("  copy equal: %s\n", memcmp((void *)PG(16), (void *)PG(56), 2 * PAGE_SIZE) ? "no" : "yes");

    /* 6: checksum of the whole region */
    uint32_t h = 0;
    for (uint32_t a = PG(0); a < PG(NPAGES); a += 4)
        h = (h ^ rd32(a)) * 0x01000193u + 1;
    show_faults("checksum of 64 pages", 0);
    printf("  checksum %08x\n", h);
    printf("totals: %u read faults (zero page), %u write faults (fresh page), "
           "%u writes to the zero page\n", n_read, n_write, n_cow);
    unsigned mapped = 0, zero = 0;
    for (unsigned p = 0; p < NPAGES; p++) {
        uint32_t pte = *mmu_pte(pd, PG(p));
        mapped += (pte & PG_P) != 0;
        zero += (pte & PG_FRAME) == zero_frame;
    }
    printf("  pages mapped: %u, still the zero page: %u\n", mapped, zero);

    /* 7: instruction fetches from not-present pages */
    static const uint8_t ret42[] = { 0xB8, 0x42, 0, 0, 0, 0xC3 };        /* mov $0x42,%eax; ret */
    static const uint8_t straddle_a[] = { 0xB8, 0x78, 0x56 };            /* mov $0x12345678,%eax */
    static const uint8_t straddle_b[] = { 0x34, 0x12, 0xC3 };            /* ...; ret */
    static const uint8_t fall_b[] = { 0x05, 0x11, 0, 0, 0, 0xC3 };      /* add $0x11,%eax; ret */
    code_frames[0] = code_page(ret42, sizeof ret42, 0);
    /* page 2 is mapped now, its instruction continues on page 3 */
    mmu_map(pd, CODE + 2 * PAGE_SIZE, code_page(straddle_a, 3, 0xFFD), PG_P);
    code_frames[3] = code_page(straddle_b, 3, 0);
    /* page 4 (mapped) ends in NOPs and falls through into page 5 */
    static const uint8_t fall_a[] = { 0xB8, 0x30, 0, 0, 0 };             /* mov $0x30,%eax */
    mmu_map(pd, CODE + 4 * PAGE_SIZE, code_page(fall_a, 5, 0xF00), PG_P);
    code_frames[5] = code_page(fall_b, sizeof fall_b, 0);

    printf("call into a not-present page: eax=%x\n", call_at(CODE));
    show_faults(" faults", 4);
    printf("instruction straddling into a not-present page: eax=%x\n",
           call_at(CODE + 2 * PAGE_SIZE + 0xFFD));
    show_faults(" faults", 4);
    printf("falling through into a not-present page: eax=%x\n", call_at(CODE + 4 * PAGE_SIZE + 0xF00));
    show_faults(" faults", 4);
    printf("again, all mapped: %x %x %x\n", call_at(CODE), call_at(CODE + 2 * PAGE_SIZE + 0xFFD),
           call_at(CODE + 4 * PAGE_SIZE + 0xF00));
    show_faults(" faults", 4);

    /* 8: the state in the #PF frame */
    printf("state at a #PF in the middle of a block:\n");
    uint32_t ra = 0x7FFFFFFF, rb = 2, rc = 3, rd = 4, fl, mark;
    __asm__ volatile("movl $1f, %4\n\t"
                     "addl $1, %0\n\t"          /* OF SF AF PF */
                     "incl %1\n\t"              /* OF=0 SF=0 AF=0 PF=1, CF kept (0) */
                     "movl %1, (%6)\n\t"        /* store to page 0 */
                     "1:\tmovl (%7), %2\n\t"    /* not present: #PF */
                     "incl %3\n\t"
                     "pushfl\n\t"
                     "popl %5"
                     : "+a"(ra), "+b"(rb), "+c"(rc), "+d"(rd), "=&m"(mark), "=&r"(fl)
                     : "S"(PG(0) + 0x100), "D"(STATE + 0x10)
                     : "memory", "cc");
    struct isr_frame *sf = &state_frame;
    printf("  eip=mark%+d eax=%08x ebx=%x ecx=%x edx=%x flags=%03x\n", (int)(sf->eip - mark),
           sf->eax, sf->ebx, sf->ecx, sf->edx, sf->eflags & 0x8D5);
    printf("  after the retry: eax=%08x ebx=%x ecx=%x edx=%x flags=%03x\n", ra, rb, rc, rd,
           fl & 0x8D5);
    shown = nlog;

    /* 9: arithmetic flags across TLB misses */
    for (unsigned i = 0; i < 32; i++)
        mmu_map(pd, FLAGS + i * PAGE_SIZE, mmu_alloc(), PG_P | PG_W);
    static const uint32_t ops[4][2] = {
        { 0x7FFFFFFF, 1 }, { 0xFFFFFFFF, 1 }, { 0x80000000, 0x80000000 }, { 1, 2 },
    };
    unsigned bad = 0;
    uint32_t want_fl[4], got_fl[4][2];
    for (unsigned i = 0; i < 32; i++) {
        uint32_t va = FLAGS + i * PAGE_SIZE, x = ops[i & 3][0], y = ops[i & 3][1];
        uint32_t ref, fl_ld, fl_st, t;
        __asm__ volatile("addl %2, %1\n\tpushfl\n\tpopl %0" : "=r"(ref), "+r"(x) : "r"(y) : "cc");
        x = ops[i & 3][0];
        invlpg(va);
        __asm__ volatile("addl %3, %2\n\t"
                         "movl (%4), %1\n\t"      /* load: TLB miss */
                         "pushfl\n\t"
                         "popl %0"
                         : "=r"(fl_ld), "=&r"(t), "+r"(x) : "r"(y), "r"(va) : "memory", "cc");
        x = ops[i & 3][0];
        invlpg(va);
        __asm__ volatile("addl %2, %1\n\t"
                         "movl %1, (%3)\n\t"      /* store: TLB miss */
                         "pushfl\n\t"
                         "popl %0"
                         : "=r"(fl_st), "+r"(x) : "r"(y), "r"(va) : "memory", "cc");
        bad += (fl_ld & 0x8D5) != (ref & 0x8D5);
        bad += (fl_st & 0x8D5) != (ref & 0x8D5);
        if (i < 4) {
            want_fl[i] = ref & 0x8D5;
            got_fl[i][0] = fl_ld & 0x8D5;
            got_fl[i][1] = fl_st & 0x8D5;
        }
    }
    printf("flags after 32 loads and 32 stores missing the TLB: %u differ\n", bad);
    for (unsigned i = 0; i < 4; i++)
        printf("  %08x + %08x: flags %03x, after a load %03x, after a store %03x\n", ops[i][0],
               ops[i][1], want_fl[i], got_fl[i][0], got_fl[i][1]);

    /* 10: a ring-3 call pushing onto a not-present user stack page */
    mmu_user_setup(pd, UC, US);
    mmu_user_stack(USTACK + 2 * PAGE_SIZE);
    shown = nlog;
    mmu_uprobe("ring 3 call, user stack not present", MMU_UCALL, MMU_UCONST(UC), 0);
    for (unsigned i = shown; i < nlog; i++)
        printf("  #PF cr2=%08x err=%x (%s)\n", flog[i].cr2, flog[i].err, mmu_err_str(flog[i].err));
    shown = nlog;
    mmu_paging_off();
    return 0;
}
