/*
 * mmu_kpath.c - the instructions of kernel entry and exit paths that xbt
 * translates inline or runs on direct host pointers (src/bt/tr_kpath.c,
 * cpu_read_block/cpu_push_block), where they meet what they must not
 * skip.
 *
 * Segment reloads at CPL 0 (MOV and POP of FS, GS, ES with the selector
 * the register already holds): a GDT descriptor whose base changed takes
 * effect on the reload; an accessed bit cleared in the GDT is set again;
 * a descriptor made not present raises #NP and a GDT limit below the
 * selector #GP, both leaving the old segment in the register; a null
 * selector reloads (with its RPL) and faults on use; RPL > DPL after a
 * good load raises #GP.
 *
 * PUSHAD/POPAD/PUSHAW/POPAW at CPL 3 whose 32 (16) bytes run into a
 * not-present stack page: the #PF handler logs CR2, the error code and the
 * registers of the frame (ESP and, for POPA, every register unchanged),
 * maps the page with a known pattern and the instruction restarts.
 *
 * INT from ring 3 with the ring-0 stack (TSS ESP0) such that the frame
 * straddles two pages, both present: the frame is right (the round trip
 * returns the user registers).  Compared with QEMU.
 *
 * mmu_kpath_strict (KPATH_STRICT) adds what QEMU 7.2 does differently from
 * the SDM, with the SDM's outcome as its expected output: PUSHA into a
 * not-present page faults at the first word pushed that faults (EAX's
 * first; QEMU stores from the lowest address up), POPA from a page into a
 * not-present one faults at the lowest word read there (the ESP slot is
 * not read) with every register unchanged (QEMU has loaded some), and a
 * load through a null GS raises #GP(0) (QEMU does not check).
 */
#include <stdbool.h>

#include "mmu_common.h"

#define UC 0x41000000u              /* user code */
#define US 0x41010000u              /* user stack: US + 0x1000 .. + 0x3000 */
#define KS 0x42000000u              /* ring-0 stack pages for the straddle */
#define SEL_A 0x30                  /* GDT 6: the test data segment */
#define SEL_B 0x38                  /* GDT 7: DPL 0 data */
static uint32_t marks[2][1024] __attribute__((aligned(4096))); /* the segments' bases */
#define MARK_A ((uint32_t)marks[0])
#define MARK_B ((uint32_t)marks[1])

static uint32_t *pd;

/* #NP and #GP while FS holds a selector the GDT no longer allows: the
 * runtime's handlers would reload FS on their way out and fault again, so
 * these stubs leave the segment registers alone; they record the vector
 * and error code and resume at seg_resume. */
volatile uint32_t seg_err, seg_vec, seg_resume;
void seg_np_stub(void);
void seg_gp_stub(void);
__asm__(".text\n"
        "seg_np_stub:\n\t"
        "movl $11, seg_vec\n\t"
        "jmp 1f\n"
        "seg_gp_stub:\n\t"
        "movl $13, seg_vec\n"
        "1:\tpopl seg_err\n\t"
        "pushl %eax\n\t"
        "movl seg_resume, %eax\n\t"
        "movl %eax, 4(%esp)\n\t"
        "popl %eax\n\t"
        "iretl\n");

/* MOV FS, sel with the GDT entry in a state the runtime's handlers cannot
 * live with; prints the fault and whether FS still works the old way. */
static void mov_fs_faulting(const char *what, uint16_t sel)
{
    set_idt_gate(11, seg_np_stub, IDT_INT_GATE, 0);
    set_idt_gate(13, seg_gp_stub, IDT_INT_GATE, 0);
    seg_vec = 0;
    __asm__ volatile("movl $1f, seg_resume\n\tmovw %0, %%fs\n1:" : : "r"(sel) : "memory");
    set_idt_gate(11, isr_stub_table[11], IDT_INT_GATE, 0);
    set_idt_gate(13, isr_stub_table[13], IDT_INT_GATE, 0);
    if (seg_vec)
        printf("  %s: %s err=%x\n", what, seg_vec == 11 ? "#NP" : "#GP", seg_err);
    else
        printf("  %s: no fault\n", what);
}

struct pflog {
    uint32_t cr2, err, esp, eax, ecx, edx, ebx, ebp, esi, edi;
};
static struct pflog plog[8];
static unsigned nplog;

static int stack_demand(struct isr_frame *f, uint32_t cr2)
{
    if (cr2 < US || cr2 >= US + 0x4000 || (f->error_code & PF_P))
        return 0;
    if (nplog < 8)
        plog[nplog++] = (struct pflog){ cr2,    f->error_code, f->user_esp, f->eax,
                                        f->ecx, f->edx,        f->ebx,      f->ebp,
                                        f->esi, f->edi };
    uint32_t fr = mmu_alloc();
    for (uint32_t o = 0; o < PAGE_SIZE; o += 4)
        *(uint32_t *)(fr + o) = 0xA0000000u | (cr2 & 0xF000) << 4 | o;
    mmu_map(pd, cr2 & PG_FRAME, fr, PG_P | PG_W | PG_U);
    return 1;
}

static void set_a(uint32_t base, uint8_t access)
{
    gdt_set_entry(SEL_A >> 3, base, 0xFFFFF, access, 0xC);
}

static uint8_t access_a(void)
{
    return (uint8_t)(gdt[SEL_A >> 3] >> 40);
}

static uint32_t fs_read(void)
{
    uint32_t v;
    __asm__ volatile("movl %%fs:0, %0" : "=r"(v));
    return v;
}

static uint32_t es_read(void)
{
    uint32_t v;
    __asm__ volatile("movl %%es:0, %0" : "=r"(v));
    return v;
}

static void mov_fs(uint16_t sel)
{
    __asm__ volatile(MMU_TRY "movw %0, %%fs" MMU_END : : "r"(sel) : "memory");
}

static void pop_es(uint32_t sel)
{
    __asm__ volatile(MMU_TRY "pushl %0\n\tpopl %%es\n\tjmp 1f" MMU_END "addl $4, %%esp\n1:"
                     :
                     : "r"(sel)
                     : "memory");
}

static void segments(void)
{
    *(volatile uint32_t *)MARK_A = 0xAAAA0001u;
    *(volatile uint32_t *)MARK_B = 0xBBBB0002u;
    printf("segment reloads:\n");
    set_a(MARK_A, 0x92);
    mov_fs(SEL_A);
    mmu_report("mov fs, 0x30");
    printf("  fs:0 = %08x, access byte %02x\n", fs_read(), access_a());
    set_a(MARK_B, 0x93);
    mov_fs(SEL_A);
    mmu_report("mov fs, 0x30 again, base changed in the GDT");
    printf("  fs:0 = %08x\n", fs_read());
    set_a(MARK_B, 0x92);
    mov_fs(SEL_A);
    mmu_report("mov fs, 0x30 again, accessed bit cleared in the GDT");
    printf("  access byte %02x\n", access_a());
    set_a(MARK_A, 0x13);
    mov_fs_faulting("mov fs, 0x30 again, not present", SEL_A);
    set_a(MARK_A, 0x93);
    printf("  fs:0 = %08x (the old segment)\n", fs_read());

    struct {
        uint16_t pad, limit;
        uint32_t base;
    } __attribute__((packed, aligned(4))) g, low;
    __asm__ volatile("sgdt %0" : "=m"(g.limit));
    set_a(MARK_A, 0x93);
    mov_fs(SEL_A);
    mmu_report("mov fs, 0x30 (base A)");
    low = g;
    low.limit = SEL_A - 1;
    set_idt_gate(13, seg_gp_stub, IDT_INT_GATE, 0);
    seg_vec = 0;
    __asm__ volatile("lgdt %1\n\tmovl $1f, seg_resume\n\tmovw %0, %%fs\n1:\tlgdt %2"
                     :
                     : "r"((uint16_t)SEL_A), "m"(low.limit), "m"(g.limit)
                     : "memory");
    set_idt_gate(13, isr_stub_table[13], IDT_INT_GATE, 0);
    printf("  mov fs, 0x30 again, GDT limit below it: %s err=%x\n", seg_vec == 13 ? "#GP" : "?",
           seg_err);
    printf("  fs:0 = %08x\n", fs_read());

    /* POP ES: the same selector twice, the base changed between */
    set_a(MARK_A, 0x93);
    pop_es(SEL_A);
    mmu_report("pop es = 0x30");
    uint32_t v1 = es_read();
    set_a(MARK_B, 0x93);
    pop_es(SEL_A);
    mmu_report("pop es = 0x30 again, base changed");
    uint32_t v2 = es_read();
    __asm__ volatile("movw %0, %%es" : : "r"((uint16_t)KERNEL_DS));
    printf("  es:0 = %08x then %08x\n", v1, v2);

    /* null selectors */
    uint16_t gs;
    __asm__ volatile("movw %1, %%gs\n\tmovw %1, %%gs\n\tmovw %%gs, %0"
                     : "=r"(gs)
                     : "r"((uint16_t)0)
                     : "memory");
    printf("  gs = %04x after two null loads\n", gs);
    __asm__ volatile("movw %1, %%gs\n\tmovw %%gs, %0" : "=r"(gs) : "r"((uint16_t)3) : "memory");
    printf("  gs = %04x after loading null with RPL 3\n", gs);
#ifdef KPATH_STRICT
    uint32_t x = 0;
    __asm__ volatile(MMU_TRY "movl %%gs:0, %0" MMU_END : "+r"(x) : : "memory");
    mmu_report("gs:0 through the null selector");
#endif
    __asm__ volatile("movw %0, %%gs" : : "r"((uint16_t)0));

    /* RPL above DPL after a good load of the same descriptor */
    gdt_set_entry(SEL_B >> 3, MARK_A, 0xFFFFF, 0x93, 0xC);
    mov_fs(SEL_B);
    mmu_report("mov fs, 0x38");
    mov_fs(SEL_B | 3);
    mmu_report("mov fs, 0x3b (RPL 3 > DPL 0)");
    mov_fs(SEL_B);
    mmu_report("mov fs, 0x38 again");

    /* back and forth between two selectors (the kernel's and the user's
     * in entry and exit stubs), and the one left behind changing */
    set_a(MARK_A, 0x93);
    gdt_set_entry(SEL_B >> 3, MARK_B, 0xFFFFF, 0x93, 0xC);
    uint32_t seen[6];
    for (int k = 0; k < 6; k++) {
        mov_fs(k & 1 ? SEL_B : SEL_A);
        seen[k] = fs_read();
    }
    mmu_report("mov fs, 0x30 / 0x38 alternately");
    printf("  fs:0 = %08x %08x %08x %08x %08x %08x\n", seen[0], seen[1], seen[2], seen[3],
           seen[4], seen[5]);
    set_a(MARK_B, 0x93); /* FS holds 0x38; 0x30 (left behind) changes */
    mov_fs(SEL_A);
    mmu_report("mov fs, 0x30 after its base changed while fs held 0x38");
    printf("  fs:0 = %08x\n", fs_read());
    mov_fs(SEL_B);
    set_a(MARK_A, 0x92); /* accessed bit clear */
    mov_fs(SEL_A);
    printf("  back to 0x30 with its accessed bit clear: access byte %02x, fs:0 = %08x\n",
           access_a(), fs_read());
    mov_fs(SEL_B);
    set_a(MARK_A, 0x13);
    mov_fs_faulting("mov fs, 0x30 (left behind, now not present) while fs holds 0x38", SEL_A);
    set_a(MARK_A, 0x93);
    printf("  fs:0 = %08x\n", fs_read());
    mov_fs(0);
}

/* User code: instruction bytes, then int $0x2F. */
static uint32_t user_code(const uint8_t *b, unsigned n)
{
    static uint32_t fr;
    if (!fr) {
        fr = mmu_alloc();
        mmu_map(pd, UC, fr, PG_P | PG_U);
    }
    memset((void *)fr, 0xCC, PAGE_SIZE);
    memcpy((void *)fr, b, n);
    ((uint8_t *)fr)[n] = 0xCD;
    ((uint8_t *)fr)[n + 1] = MMU_USER_EXIT;
    invlpg(UC);
    return UC;
}

static void show_plog(void)
{
    for (unsigned i = 0; i < nplog; i++) {
        const struct pflog *p = &plog[i];
        printf("  #PF cr2=US+%04x err=%x esp=US+%04x eax=%08x ecx=%08x edx=%08x ebx=%08x "
               "esi=%08x edi=%08x\n",
               p->cr2 - US, p->err, p->esp - US, p->eax, p->ecx, p->edx, p->ebx, p->esi, p->edi);
    }
    nplog = 0;
}

static void stack_page_fresh(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++) {
        mmu_map(pd, US + p * PAGE_SIZE, 0, 0);
        invlpg(US + p * PAGE_SIZE);
    }
}

static void pusha_popa(const char *name, const uint8_t *b, unsigned n, uint32_t esp, bool show_mem)
{
    struct mmu_uregs r = { 0x11111111u, 0x22222222u, 0x33333333u,
                           0x44444444u, 0x55555555u, 0x66666666u };
    mmu_user_stack(esp);
    mmu_user_run(user_code(b, n), esp, &r);
    printf("%s, esp = US+%04x:\n", name, esp - US);
    show_plog();
    printf("  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n", r.eax, r.ebx, r.ecx, r.edx,
           r.esi, r.edi);
    if (show_mem) {
        printf("  stack:");
        for (uint32_t a = esp - 32; a < esp; a += 4)
            if (a == esp - 24)
                printf(" (ebp)"); /* the kernel's: depends on the build */
            else
                printf(" %08x", *(volatile uint32_t *)a);
        printf("\n");
    }
}

static void stack_ops(void)
{
    static const uint8_t pushad[] = { 0x60 }, popad[] = { 0x61 };
    static const uint8_t pushaw[] = { 0x66, 0x60 }, popaw[] = { 0x66, 0x61 };
    mmu_pf_hook = stack_demand;
    /* page 1 present, page 0 and 2 not */
    mmu_map(pd, US + PAGE_SIZE, mmu_alloc(), PG_P | PG_W | PG_U);
    stack_page_fresh(0, 0);
    stack_page_fresh(2, 3);
#ifdef KPATH_STRICT
    pusha_popa("pushad into a not-present page", pushad, 1, US + 0x1010, true);
    stack_page_fresh(0, 0);
    pusha_popa("pushaw into a not-present page", pushaw, 2, US + 0x1008, false);
    pusha_popa("popad from a page into a not-present one", popad, 1, US + 0x1FF0, false);
    stack_page_fresh(2, 2);
    pusha_popa("popaw from a page into a not-present one", popaw, 2, US + 0x1FF8, false);
    stack_page_fresh(2, 2);
    pusha_popa("popad, the ESP slot first on the not-present page", popad, 1, US + 0x1FF4,
               false);
#else
    (void)pushaw;
    (void)popaw;
#endif
    pusha_popa("pushad within a page", pushad, 1, US + 0x1800, true);
    pusha_popa("popad within a page", popad, 1, US + 0x1800 - 32, false);
    mmu_pf_hook = NULL;
}

/* INT from ring 3 with the ring-0 frame across two present pages. */
static void straddle(void)
{
    uint64_t d5 = gdt[TSS_SEL >> 3];
    struct tss32 *t =
        (struct tss32 *)(uint32_t)(((d5 >> 16) & 0xFFFFFF) | ((d5 >> 32) & 0xFF000000));
    uint32_t old = t->esp0;
    mmu_map(pd, KS, mmu_alloc(), PG_P | PG_W);
    mmu_map(pd, KS + PAGE_SIZE, mmu_alloc(), PG_P | PG_W);
    static const uint8_t nop[] = { 0x90 };
    printf("int from ring 3, ring-0 frame across two pages:\n");
    for (uint32_t off = 4; off <= 20; off += 8) {
        t->esp0 = KS + PAGE_SIZE + off;
        struct mmu_uregs r = { 1, 2, 3, 4, 5, 6 };
        mmu_user_stack(US + 0x1800);
        mmu_user_run(user_code(nop, 1), US + 0x1800, &r);
        printf("  esp0 = page + %2u: eax=%x ebx=%x ecx=%x edx=%x esi=%x edi=%x\n", off, r.eax,
               r.ebx, r.ecx, r.edx, r.esi, r.edi);
    }
    t->esp0 = old;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    mmu_paging_on(pd, 1);
    segments();
    stack_ops();
    straddle();
    printf("done\n");
    return 0;
}
