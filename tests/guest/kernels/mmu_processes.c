/*
 * mmu_processes.c - three "processes", each with its own page directory:
 * the same virtual addresses map a private data page (PRIV), a private
 * two-page stack (STK) and private code (CODE: "mov $pid*0x111, %eax;
 * ret"), plus one page shared by all (SHARED).  The kernel (kmain) is a
 * fourth context with its own directory.  Context switches happen in an
 * interrupt stub that saves the interrupted frame on the current stack,
 * picks the next context round robin, loads its CR3 and then its ESP -
 * the same stack address in every process, so the pops after MOV to CR3
 * read the new process's stack - and IRETs.  Switches come from `int
 * $0x30` (yield), `int $0x31` (exit) and the PIT (IRQ0, ~1 kHz).
 * Each process runs 200 iterations: fill its private page with a pattern,
 * call its private code, bump the shared counter, check the pattern and
 * its stack marker, yield; then it keeps checking (no yields) until the
 * timer has preempted processes 30 times, and exits.  An iteration also
 * runs a function with a 5000-byte frame that yields in the middle, so the
 * stack crosses between its two (physically unrelated) frames while other
 * processes run.  Only deterministic results are printed: per-process
 * iterations and errors, the shared counter, and that timer preemptions
 * happened.  Then hardware task switches (far JMP to a TSS) between the
 * kernel and a task whose TSS names a process's page directory: CR3 comes
 * from the new TSS at every switch (its CR3 field is not written back), and
 * the task sees that process's PRIV page and runs its CODE, the kernel its
 * own.
 */
#include "mmu_common.h"
#include "pc_common.h"

#define PRIV 0x50000000u
#define SHARED 0x51000000u
#define CODE 0x58000000u
#define STK 0x60000000u            /* two pages */
#define NPROC 3
#define ITER 200
#define PREEMPTS 30

struct ctx {
    uint32_t esp;                  /* saved frame (struct isr_frame *) */
    uint32_t cr3;
    int dead;
};

static struct ctx ctx[NPROC + 1];  /* 0 = kmain */
static volatile unsigned current, ticks, preempts;
static volatile unsigned iters[NPROC + 1], errors[NPROC + 1], code_ret[NPROC + 1];
uint32_t next_cr3;

void proc_irq0(void);
void proc_yield_entry(void);
void proc_exit_entry(void);
uint32_t proc_switch(struct isr_frame *f);

__asm__(".text\n"
        ".p2align 4\n"
        ".globl proc_irq0, proc_yield_entry, proc_exit_entry\n"
        "proc_irq0:\n\t"        "pushl $0\n\t" "pushl $0x20\n\t" "jmp proc_common\n"
        "proc_yield_entry:\n\t" "pushl $0\n\t" "pushl $0x30\n\t" "jmp proc_common\n"
        "proc_exit_entry:\n\t"  "pushl $0\n\t" "pushl $0x31\n"
        "proc_common:\n\t"
        "pushal\n\t"
        "pushl %ds\n\t"
        "pushl %es\n\t"
        "pushl %fs\n\t"
        "pushl %gs\n\t"
        "movw $0x10, %ax\n\t"
        "movw %ax, %ds\n\t"
        "movw %ax, %es\n\t"
        "cld\n\t"
        "pushl %esp\n\t"
        "call proc_switch\n\t"
        "movl next_cr3, %ecx\n\t"
        "movl %ecx, %cr3\n\t"          /* from here on, STK is the next process's stack */
        "movl %eax, %esp\n\t"
        "popl %gs\n\t"
        "popl %fs\n\t"
        "popl %es\n\t"
        "popl %ds\n\t"
        "popal\n\t"
        "addl $8, %esp\n\t"
        "iretl\n");

uint32_t proc_switch(struct isr_frame *f)
{
    if (f->vector == 0x20) {
        ticks++;
        if (current != 0)
            preempts++;
        pic_eoi(0);
    }
    ctx[current].esp = (uint32_t)f;
    if (f->vector == 0x31)
        ctx[current].dead = 1;
    unsigned n = current;
    do
        n = (n + 1) % (NPROC + 1);
    while (ctx[n].dead);
    current = n;
    next_cr3 = ctx[n].cr3;
    return ctx[n].esp;
}

static inline void yield(void) { __asm__ volatile("int $0x30" : : : "memory"); }

/* A deep stack frame: fill, yield, check. */
static __attribute__((noinline)) unsigned deep(uint32_t pid, unsigned i)
{
    volatile uint32_t big[1250];
    unsigned bad = 0;

    for (unsigned j = 0; j < 1250; j++)
        big[j] = pid << 24 | i << 12 | j;
    yield();
    for (unsigned j = 0; j < 1250; j++)
        bad += big[j] != (pid << 24 | i << 12 | j);
    return bad;
}

static unsigned check_page(uint32_t pat)
{
    unsigned bad = 0;
    for (uint32_t a = PRIV + 64; a < PRIV + PAGE_SIZE; a += 4)
        bad += rd32(a) != pat;
    return bad;
}

static __attribute__((noreturn)) void proc_main(void)
{
    uint32_t pid = rd32(PRIV);              /* written by the kernel */
    uint32_t pat = 0;

    for (unsigned i = 0; i < ITER; i++) {
        pat = pid << 24 | i;
        for (uint32_t a = PRIV + 64; a < PRIV + PAGE_SIZE; a += 4)
            wr32(a, pat);
        uint32_t r;
        __asm__ volatile("call *%1" : "=a"(r) : "r"(CODE) : "ecx", "edx", "memory", "cc");
        code_ret[pid] = r;
        errors[pid] += r != pid * 0x111;
        __asm__ volatile("incl %0" : "+m"(*(volatile uint32_t *)SHARED));
        errors[pid] += check_page(pat);
        errors[pid] += rd32(STK) != (0x57AC0000 | pid);
        if (i % 10 == 0)
            errors[pid] += deep(pid, i);
        iters[pid]++;
        yield();
    }
    while (preempts < PREEMPTS) {
        errors[pid] += check_page(pat);
        errors[pid] += rd32(STK) != (0x57AC0000 | pid);
    }
    __asm__ volatile("int $0x31");
    for (;;)
        ;
}

static void on_spurious(struct isr_frame *f) { (void)f; }

/* ---- hardware task switches ---- */
#define SEL_TB (6 << 3)
static struct tss32 tb;
static uint8_t tb_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t tb_saw, tb_cr3, tb_code;

static uint32_t call_code(void)
{
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(CODE) : "ecx", "edx", "memory", "cc");
    return r;
}

static void __attribute__((noreturn)) task_b(void)
{
    for (;;) {
        tb_saw = rd32(PRIV);
        tb_cr3 = read_cr3();
        tb_code = call_code();
        __asm__ volatile("ljmp %0, $0" : : "i"(TSS_SEL) : "memory");
    }
}

static void task_switches(uint32_t *kpd)
{
    uint64_t d = gdt[TSS_SEL >> 3];
    struct tss32 *ta = (struct tss32 *)(uint32_t)(((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000));
    ta->cr3 = (uint32_t)kpd;                /* loaded when the kernel task is resumed */
    memset(&tb, 0, sizeof tb);
    tb.eip = (uint32_t)task_b;
    tb.esp = (uint32_t)(tb_stack + sizeof tb_stack);
    tb.eflags = 2;
    tb.cs = KERNEL_CS;
    tb.ss = tb.ds = tb.es = tb.fs = tb.gs = KERNEL_DS;
    tb.iomap_base = sizeof tb;
    gdt_set_entry(SEL_TB >> 3, (uint32_t)&tb, sizeof tb - 1, 0x89, 0);
    printf("hardware task switches:\n");
    printf("  kernel: PRIV=%08x, CODE returns %x\n", rd32(PRIV), call_code());
    for (uint32_t p = 2; p <= 3; p++) {
        tb.cr3 = ctx[p].cr3;
        __asm__ volatile("ljmp %0, $0" : : "i"(SEL_TB) : "memory");
        printf("  task with process %u's directory: PRIV=%08x, CODE returns %x, CR3 from its TSS: %s\n",
               p, tb_saw, tb_code, tb_cr3 == ctx[p].cr3 ? "yes" : "no");
        printf("  back in the kernel: PRIV=%08x, CODE returns %x, CR3 is the kernel's: %s\n",
               rd32(PRIV), call_code(), read_cr3() == (uint32_t)kpd ? "yes" : "no");
    }
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    uint32_t *kpd = mmu_new_pd();
    uint32_t shared = mmu_alloc();
    wr32(mmu_map_new(kpd, PRIV, 1, PG_P | PG_W), 0x4E4E);   /* the kernel's own PRIV */
    uint32_t kcode = mmu_map_new(kpd, CODE, 1, PG_P);        /* and CODE: mov $0xEEE, %eax; ret */
    wr8(kcode, 0xB8);
    wr32(kcode + 1, 0xEEE);
    wr8(kcode + 5, 0xC3);

    for (uint32_t p = 1; p <= NPROC; p++) {
        uint32_t *pd = mmu_new_pd();
        uint32_t priv = mmu_map_new(pd, PRIV, 1, PG_P | PG_W);
        wr32(priv, p);
        mmu_map(pd, SHARED, shared, PG_P | PG_W);
        uint32_t code = mmu_map_new(pd, CODE, 1, PG_P);
        wr8(code, 0xB8);
        wr32(code + 1, p * 0x111);
        wr8(code + 5, 0xC3);
        uint32_t s0 = mmu_map_new(pd, STK, 1, PG_P | PG_W);
        uint32_t s1 = mmu_map_new(pd, STK + PAGE_SIZE, 1, PG_P | PG_W);
        wr32(s0, 0x57AC0000 | p);           /* marker at the stack's bottom */
        /* the initial frame, at the top of the stack (the last 8 bytes,
         * user ESP/SS, are not used by a ring-0 IRET) */
        uint32_t fva = STK + 2 * PAGE_SIZE - sizeof(struct isr_frame);
        struct isr_frame *f = (struct isr_frame *)(s1 + (fva - (STK + PAGE_SIZE)));
        memset(f, 0, sizeof *f);
        f->gs = f->fs = f->es = f->ds = KERNEL_DS;
        f->eip = (uint32_t)proc_main;
        f->cs = KERNEL_CS;
        f->eflags = 0x202;
        ctx[p].esp = fva;
        ctx[p].cr3 = (uint32_t)pd;
    }
    ctx[0].cr3 = (uint32_t)kpd;

    set_idt_gate(PIC_MASTER_BASE + 0, proc_irq0, IDT_INT_GATE, 0);
    set_idt_gate(0x30, proc_yield_entry, IDT_INT_GATE, 0);
    set_idt_gate(0x31, proc_exit_entry, IDT_INT_GATE, 0);
    isr_register(PIC_MASTER_BASE + 7, on_spurious);
    pic_remap(0xFE, 0xFF);                  /* IRQ0 only */
    pit_periodic(1193);
    mmu_paging_on(kpd, 1);

    __asm__ volatile("sti");
    while (!(ctx[1].dead && ctx[2].dead && ctx[3].dead))
        yield();
    __asm__ volatile("cli");
    outb(0x21, 0xFF);

    for (uint32_t p = 1; p <= NPROC; p++)
        printf("process %u: %u iterations, private code returned %x, errors %u\n", p, iters[p],
               code_ret[p], errors[p]);
    printf("shared counter: %u\n", rd32(shared));
    printf("timer preemptions of processes: %s\n", preempts >= PREEMPTS ? "at least 30" : "too few");
    task_switches(kpd);
    mmu_paging_off();
    return 0;
}
