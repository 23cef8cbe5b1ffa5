/*
 * mmu_faults.c - the machine state a #PF leaves, instruction by
 * instruction (page P is read/write, P - 0x1000 not present, P + 0x1000
 * read-only, CR0.WP = 1): REP STOSD/MOVSD running downwards (DF = 1) into
 * the not-present page stop with ECX/EDI/ESI counting the elements done and
 * CR2 = the element's address; REP STOSD with ECX = 0 touches nothing;
 * CMPXCHG and CMPXCHG8B whose comparison fails still write (#PF with W = 1
 * on a read-only page); PUSH m32 whose load faults, POP m32 whose store
 * faults and CALL m32 whose pointer load faults leave ESP unchanged.
 * Last, a #PF while delivering a #PF from ring 3 (the TSS's ring-0 stack
 * is not present) becomes a double fault, handled by a task through a task
 * gate, with CR2 in the ring-0 stack page and error code 0.
 */
#include "mmu_common.h"

#define P 0x40001000u
#define UC 0x41000000u
#define US 0x41010000u
#define KNP 0x42000000u            /* not-present ring-0 stack page */
#define SEL_DF (6 << 3)

static volatile uint32_t f_esp, f_ecx, f_edi, f_esi, f_err, f_cr2, f_n;

/* Records the frame and resumes at mmu_resume. */
static int record(struct isr_frame *f, uint32_t cr2)
{
    f_esp = (uint32_t)&f->user_esp;     /* ring 0: the ESP before the exception */
    f_ecx = f->ecx;
    f_edi = f->edi;
    f_esi = f->esi;
    f_err = f->error_code;
    f_cr2 = cr2;
    f_n++;
    if (!mmu_resume)
        return 0;
    f->eip = mmu_resume;
    mmu_resume = 0;
    return 1;
}

static void show(const char *what, uint32_t esp0, int regs)
{
    if (!f_n) {
        printf("  %-40s no fault\n", what);
        return;
    }
    printf("  %-40s #PF err=%x (%s) cr2=P%+d esp%+d", what, f_err, mmu_err_str(f_err),
           (int)(f_cr2 - P), (int)(f_esp - esp0));
    if (regs)
        printf(" ecx=%u edi=P%+d", f_ecx, (int)(f_edi - P));
    if (regs > 1)
        printf(" esi=P%+d", (int)(f_esi - P));
    printf("\n");
    f_n = 0;
}

/* ---- double fault task ---- */
static struct tss32 df_tss;
static uint8_t df_stack[4096] __attribute__((aligned(16)));

/* Entered through the task gate with the #DF error code on the stack. */
void df_entry(void);
void df_task(uint32_t err);
__asm__(".text\n"
        "df_entry:\n\t"
        "call df_task\n"                /* the error code is its argument */
        "1:\thlt\n\t"
        "jmp 1b\n");

__attribute__((noreturn)) void df_task(uint32_t err)
{
    uint32_t cr2 = read_cr2();
    printf("  double fault task: error code %u, cr2 in the ring-0 stack page: %s\n", err,
           (cr2 & PG_FRAME) == KNP ? "yes" : "no");
    xbt_exit(0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    uint32_t *pd = mmu_new_pd();
    mmu_map(pd, P, mmu_alloc(), PG_P | PG_W);
    mmu_map(pd, P + PAGE_SIZE, mmu_alloc(), PG_P);
    mmu_user_setup(pd, UC, US);
    mmu_paging_on(pd, 1);
    mmu_pf_hook = record;
    uint32_t esp0, c, d, s;

    printf("string instructions:\n");
    c = 8;
    d = P + 0x10;
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\tstd\n\trep stosl\n1:\tcld"
                     : "=&r"(esp0), "+c"(c), "+D"(d) : "a"(0x11) : "memory", "cc");
    show("std; rep stosd down into not present", esp0, 1);
    c = 8;
    s = P + 0x10;
    d = P + 0x800;
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\tstd\n\trep movsl\n1:\tcld"
                     : "=&r"(esp0), "+c"(c), "+D"(d), "+S"(s) : : "memory", "cc");
    show("std; rep movsd, source not present", esp0, 2);
    c = 0;
    d = P - 0x100;
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\trep stosl\n1:"
                     : "=&r"(esp0), "+c"(c), "+D"(d) : "a"(0x11) : "memory", "cc");
    show("rep stosd, ecx = 0, at not present", esp0, 0);
    mmu_resume = 0;

    printf("compare-exchange failing on a read-only page:\n");
    uint32_t a = 12345;
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\tcmpxchgl %%ecx, (%%edi)\n1:"
                     : "=&r"(esp0), "+a"(a) : "c"(1), "D"(P + 0x1000) : "memory", "cc");
    show("cmpxchg", esp0, 0);
    uint32_t lo = 1, hi = 2;
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\tcmpxchg8b (%%edi)\n1:"
                     : "=&r"(esp0), "+a"(lo), "+d"(hi) : "b"(0), "c"(0), "D"(P + 0x1008)
                     : "memory", "cc");
    show("cmpxchg8b", esp0, 0);

    printf("stack instructions with a faulting memory operand:\n");
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\tpushl (%%edi)\n\tpopl %%eax\n1:"
                     : "=&r"(esp0) : "D"(P - 0x10) : "eax", "memory", "cc");
    show("push m32, m32 not present", esp0, 0);
    __asm__ volatile("pushl $7\n\t"
                     "movl %%esp, %0\n\t"
                     "movl $1f, mmu_resume\n\t"
                     "popl (%%edi)\n"
                     "1:\tmovl %0, %%esp\n\t"
                     "addl $4, %%esp"
                     : "=&r"(esp0) : "D"(P + 0x1010) : "memory", "cc");
    show("pop m32, m32 read-only", esp0, 0);
    __asm__ volatile("movl %%esp, %0\n\tmovl $1f, mmu_resume\n\tcall *(%%edi)\n1:"
                     : "=&r"(esp0) : "D"(P - 0x20) : "eax", "ecx", "edx", "memory", "cc");
    show("call m32, m32 not present", esp0, 0);
    mmu_pf_hook = NULL;

    printf("#PF from ring 3 with the ring-0 stack not present:\n");
    memset(&df_tss, 0, sizeof df_tss);
    df_tss.cr3 = (uint32_t)pd;
    df_tss.eip = (uint32_t)df_entry;
    df_tss.esp = (uint32_t)(df_stack + sizeof df_stack);
    df_tss.eflags = 2;
    df_tss.cs = KERNEL_CS;
    df_tss.ss = df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = KERNEL_DS;
    df_tss.iomap_base = sizeof df_tss;
    gdt_set_entry(SEL_DF >> 3, (uint32_t)&df_tss, sizeof df_tss - 1, 0x89, 0);
    struct {
        uint16_t pad, limit;
        uint32_t base;
    } __attribute__((packed, aligned(4))) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr.limit));
    uint64_t *idt = (uint64_t *)idtr.base;
    idt[8] = (uint64_t)SEL_DF << 16 | (uint64_t)0x85 << 40;     /* task gate, DPL 0 */
    uint64_t d5 = gdt[TSS_SEL >> 3];
    struct tss32 *t = (struct tss32 *)(uint32_t)(((d5 >> 16) & 0xFFFFFF) | ((d5 >> 32) & 0xFF000000));
    t->esp0 = KNP + PAGE_SIZE;
    mmu_uprobe("ring 3 read of a not-present page", MMU_UREAD, P - 0x1000, 0);
    printf("  not reached\n");
    return 1;
}
