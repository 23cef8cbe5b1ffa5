/*
 * sys_task.c - hardware task switches (sys_common.h):
 *   - JMP to a TSS and back (twice: the second JMP resumes task B after
 *     its own JMP): busy bits (the old task's cleared), no NT, no back
 *     link, TR, CR0.TS set by every switch, registers and EFLAGS saved in
 *     and loaded from the TSSs;
 *   - CALL through a task gate and directly to a TSS: NT and the back link
 *     in the called task, both busy; the caller's registers in its TSS; IRET
 *     back (NT cleared in the caller, the callee's EIP saved after its
 *     IRET, so the next CALL continues there);
 *   - INT $0x90 through an IDT task gate, and a ring-3 task (JMP to it;
 *     int $0x80 on its own SS0:ESP0; back through a DPL-3 task gate);
 *   - errors: JMP/CALL to a busy TSS, LTR of a busy TSS or a non-TSS, a
 *     TSS limit below 0x67 (#TS), a not-present TSS (#NP), IRET with NT to
 *     a TSS that is not busy (#TS) (faults after the commit point of a
 *     switch are in sys_strict.c: QEMU reports them at the wrong EIP);
 *   - a double fault through a task gate (like Linux's doublefault TSS):
 *     the #GP handler's IDT entry is not present, so the #GP's delivery
 *     raises #NP, and #GP + #NP make #DF; the #DF task prints the faulting
 *     task's EIP and ESP from its TSS, repairs the IDT, points the task
 *     past the faulting instruction and IRETs to it.
 */
#include "sys_common.h"

#define SEL_A SEL_TSS             /* the main task */
#define SEL_B (6 << 3)
#define SEL_C (7 << 3)
#define SEL_CGATE (8 << 3)        /* task gate to C, DPL 0 */
#define SEL_E (9 << 3)            /* ring-3 task */
#define SEL_AGATE3 (10 << 3 | 3)  /* task gate to A, DPL 3 */
#define SEL_SMALL (11 << 3)       /* TSS with limit 0x50 */
#define SEL_NPTSS (12 << 3)       /* not-present TSS */
#define SEL_D (13 << 3)           /* INT $0x90 task */
#define SEL_DF (14 << 3)          /* the #DF task */


static struct tss32 tss_b, tss_c, tss_d, tss_e, tss_small;
static uint8_t stack_b[2048] __attribute__((aligned(16)));
static uint8_t stack_c[2048] __attribute__((aligned(16)));
static uint8_t stack_d[2048] __attribute__((aligned(16)));
static uint8_t stack_e0[2048] __attribute__((aligned(16)));   /* E's ring-0 stack */
static struct sys_ftask df_task;

#define TOP(s) ((uint32_t)((s) + sizeof(s)))

static unsigned busy(uint16_t sel) { return (sys_access(sel) >> 1) & 1; }

static void show_busy(const char *where)
{
    printf("  %s: tr=%02x busy A=%u B=%u C=%u D=%u E=%u cr0.ts=%u\n", where, sys_str(),
           busy(SEL_A), busy(SEL_B), busy(SEL_C), busy(SEL_D), busy(SEL_E),
           (sys_read_cr0() >> 3) & 1);
    __asm__ volatile("clts");
}

/* ---- task B: reached by JMP, leaves by JMP ---- */
static volatile uint32_t after[7] __attribute__((used));
static struct {
    uint32_t off;
    uint16_t sel;
} __attribute__((packed)) far_ptr __attribute__((used));
static volatile unsigned b_runs;
static volatile uint32_t a_resume;

static void task_b(void)
{
    for (;;) {
        b_runs++;
        uint32_t fl = read_eflags();
        printf("  in B (run %u): NT=%u link=%04x if=%u, A saved eip %s\n", b_runs,
               (fl >> 14) & 1, tss_b.link, (fl >> 9) & 1,
               sys_tss.t.eip == a_resume ? "after its ljmp" : "WRONG");
        show_busy("in B");
        __asm__ volatile("ljmp $0x28, $0" : : : "memory");
    }
}

/* ---- task C: reached by CALL, leaves by IRET ---- */
static volatile uint32_t c_regs[7], c_runs;

__asm__(".text\n"
        "task_c_entry:\n\t"
        "movl %eax, c_regs\n\t"
        "movl %ebx, c_regs+4\n\t"
        "movl %ecx, c_regs+8\n\t"
        "movl %edx, c_regs+12\n\t"
        "movl %esi, c_regs+16\n\t"
        "movl %edi, c_regs+20\n\t"
        "movl %ebp, c_regs+24\n\t"
        "call task_c_body\n\t"
        "movl $0xc0c0c0c0, %eax\n\t"   /* must not leak into the caller */
        "movl %eax, %ebx\n\t"
        "movl %eax, %ecx\n\t"
        "movl %eax, %edx\n\t"
        "movl %eax, %esi\n\t"
        "iret\n\t"
        "incl c_runs\n\t"              /* the next CALL continues here */
        "jmp task_c_entry\n");
extern char task_c_entry[];

void task_c_body(void);
void task_c_body(void)
{
    uint32_t fl = read_eflags();
    struct tss32 *a = &sys_tss.t;

    printf("  in C: NT=%u link=%04x, runs after iret %u, my regs %08x %08x %08x %08x %08x %08x %08x\n",
           (fl >> 14) & 1, tss_c.link, c_runs, c_regs[0], c_regs[1], c_regs[2], c_regs[3],
           c_regs[4], c_regs[5], c_regs[6]);
    printf("  in C: A saved eax..edi %08x %08x %08x %08x %08x %08x, cs=%02x ss=%02x ds=%02x"
           " eflags.if/nt=%u/%u\n",
           a->eax, a->ebx, a->ecx, a->edx, a->esi, a->edi, a->cs, a->ss, a->ds,
           (a->eflags >> 9) & 1, (a->eflags >> 14) & 1);
    show_busy("in C");
}

/* ---- task D: INT $0x90 through a task gate ---- */
__asm__(".text\n"
        "task_d_entry:\n\t"
        "call task_d_body\n\t"
        "iret\n\t"
        "jmp task_d_entry\n");
extern char task_d_entry[];

void task_d_body(void);
void task_d_body(void)
{
    printf("  in D: NT=%u link=%04x, A's saved eip is past int $0x90: %s\n",
           (read_eflags() >> 14) & 1, tss_d.link,
           *(const uint8_t *)(sys_tss.t.eip - 2) == 0xCD ? "yes" : "no");
    show_busy("in D");
}

/* ---- task E: ring 3 ---- */
static int e_syscall(struct isr_frame *f)
{
    printf("  E: int $0x80 from cs=%02x ss=%02x, frame at E's esp0-%u, tr=%02x\n",
           f->cs & 0xFFFF, f->user_ss & 0xFFFF, tss_e.esp0 - sys_entry_esp, sys_str());
    return 1;
}

static void task_e(void)
{
    __asm__ volatile("int $0x80\n\t"
                     "ljmp $0x53, $0"          /* through the DPL-3 gate to A */
                     : : : "memory");
    for (;;)
        ;
}

/* ---- the #DF task ---- */
static volatile uint32_t df_esp_before;

static void df_fn(uint32_t err)
{
    struct tss32 *a = sys_tss_at((uint16_t)df_task.tss.link);

    printf("  #DF task: error code %u, link=%04x NT=%u; faulting task: eip=mark%+d cs=%02x"
           " esp %s, ds=%02x\n",
           err, df_task.tss.link, (read_eflags() >> 14) & 1, (int)(a->eip - sys_mark), a->cs,
           a->esp == df_esp_before ? "as before the fault" : "CHANGED", a->ds);
    show_busy("in #DF task");
    sys_idt_stub(13, ACC_INTGATE);                 /* repair */
    a->eip = sys_resume;
    sys_resume = 0;
}

static void report(const char *what)
{
    sys_report(what);
    __asm__ volatile("clts");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();

    sys_task_init(&tss_b, (uint32_t)task_b, TOP(stack_b) - 16);
    sys_tss_desc(SEL_B >> 3, &tss_b, 0);
    sys_task_init(&tss_c, (uint32_t)task_c_entry, TOP(stack_c) - 16);
    tss_c.eax = 0xCA;
    tss_c.ebx = 0xCB;
    tss_c.ecx = 0xCC;
    tss_c.edx = 0xCD;
    tss_c.esi = 0xC5;
    tss_c.edi = 0xCD1;
    tss_c.ebp = 0xCBB;
    sys_tss_desc(SEL_C >> 3, &tss_c, 0);
    sys_gate(SEL_CGATE >> 3, SEL_C, 0, ACC_TASKGATE, 0);
    sys_task_init(&tss_d, (uint32_t)task_d_entry, TOP(stack_d) - 16);
    sys_tss_desc(SEL_D >> 3, &tss_d, 0);
    sys_idt_set(0x90, SEL_D, 0, ACC_TASKGATE);
    sys_task_init(&tss_e, (uint32_t)task_e, SYS_USTACK_TOP - 16);
    tss_e.cs = SEL_UCODE;
    tss_e.ss = tss_e.ds = tss_e.es = tss_e.fs = tss_e.gs = SEL_UDATA;
    tss_e.esp0 = TOP(stack_e0);
    tss_e.eflags = EFL_FIXED;
    sys_tss_desc(SEL_E >> 3, &tss_e, 0);
    sys_gate(SEL_AGATE3 >> 3, SEL_A, 0, ACC_TASKGATE | ACC_DPL(3), 0);
    sys_task_init(&tss_small, (uint32_t)task_b, TOP(stack_b) - 16);
    sys_seg(SEL_SMALL >> 3, (uint32_t)&tss_small, 0x50, ACC_TSS, 0);
    sys_seg(SEL_NPTSS >> 3, (uint32_t)&tss_small, 0x67, ACC_TSS & 0x7F, 0);
    sys_hook(0x80, e_syscall);

    show_busy("start");

    printf("== JMP to task B and back, twice ==\n");
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("movl $1f, a_resume\n\t"
                         "ljmp $0x30, $0\n"
                         "1:"
                         : : : "memory");
        printf("back in A: NT=%u B saved eip %s\n", (read_eflags() >> 14) & 1,
               tss_b.eip > (uint32_t)task_b && tss_b.eip < (uint32_t)task_b + 256 ? "in task_b" : "WRONG");
        show_busy("in A");
    }

    printf("== CALL task C through a task gate, then directly, then via the gate ==\n");
    static const uint16_t targets[3] = { SEL_CGATE, SEL_C, SEL_CGATE };
    for (int i = 0; i < 3; i++) {
        far_ptr.off = 0;
        far_ptr.sel = targets[i];
        __asm__ volatile("pushl %%ebp\n\t"
                         "pushl %%ebx\n\t"
                         "movl $0xA1, %%eax\n\t"
                         "movl $0xA2, %%ebx\n\t"
                         "movl $0xA3, %%ecx\n\t"
                         "movl $0xA4, %%edx\n\t"
                         "movl $0xA5, %%esi\n\t"
                         "movl $0xA6, %%edi\n\t"
                         "movl $0xA7, %%ebp\n\t"
                         "lcall *far_ptr\n\t"
                         "movl %%eax, after\n\t"
                         "movl %%ebx, after+4\n\t"
                         "movl %%ecx, after+8\n\t"
                         "movl %%edx, after+12\n\t"
                         "movl %%esi, after+16\n\t"
                         "movl %%edi, after+20\n\t"
                         "movl %%ebp, after+24\n\t"
                         "popl %%ebx\n\t"
                         "popl %%ebp"
                         : : : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");
        printf("back in A (call %04x): NT=%u regs %08x %08x %08x %08x %08x %08x %08x\n",
               targets[i], (read_eflags() >> 14) & 1, after[0], after[1], after[2], after[3],
               after[4], after[5], after[6]);
        show_busy("in A");
    }

    printf("== INT $0x90 through an IDT task gate ==\n");
    __asm__ volatile("int $0x90" : : : "memory");
    printf("back in A: NT=%u\n", (read_eflags() >> 14) & 1);
    show_busy("in A");

    printf("== JMP to ring-3 task E, back through a DPL-3 task gate ==\n");
    __asm__ volatile("ljmp $0x48, $0" : : : "memory");
    printf("back in A: cs=%02x E saved cs=%02x ss=%02x\n", ({
               uint32_t cs;
               __asm__ volatile("movl %%cs, %0" : "=r"(cs));
               cs & 0xFFFF;
           }), tss_e.cs, tss_e.ss);
    show_busy("in A");

    printf("== errors ==\n");
    __asm__ volatile(SYS_TRY "ljmp $0x28, $0" SYS_END : : : "memory");
    report("jmp to the busy current tss");
    __asm__ volatile(SYS_TRY "lcall $0x28, $0" SYS_END : : : "memory");
    report("call to the busy current tss");
    __asm__ volatile("movl $0x28, %%eax\n\t" SYS_TRY "ltr %%ax" SYS_END : : : "eax", "memory");
    report("ltr of a busy tss");
    __asm__ volatile("movl $0x10, %%eax\n\t" SYS_TRY "ltr %%ax" SYS_END : : : "eax", "memory");
    report("ltr of a data segment");
    __asm__ volatile(SYS_TRY "ljmp $0x58, $0" SYS_END : : : "memory");
    report("jmp to a tss with limit 0x50");
    __asm__ volatile(SYS_TRY "ljmp $0x60, $0" SYS_END : : : "memory");
    report("jmp to a not-present tss");
    show_busy("after the errors");
    sys_tss.t.link = SEL_B;
    __asm__ volatile("pushfl\n\t"
                     "orl $0x4000, (%%esp)\n\t"
                     "popfl\n\t"
                     SYS_TRY "iret" SYS_END
                     "pushfl\n\t"
                     "andl $~0x4000, (%%esp)\n\t"
                     "popfl"
                     : : : "memory", "cc");
    report("iret with NT, link to a free tss");

    printf("== #DF through a task gate: #GP with the #GP gate not present ==\n");
    sys_ftask_init(&df_task, SEL_DF >> 3, df_fn, 1);
    sys_idt_set(8, SEL_DF, 0, ACC_TASKGATE);
    sys_idt_stub(13, ACC_INTGATE & 0x7F);
    __asm__ volatile("movl %%esp, df_esp_before\n\t"
                     "movl $0x200, %%eax\n\t"
                     SYS_TRY "movl %%eax, %%ds" SYS_END
                     : : : "eax", "memory");
    printf("back in A after #DF: tr=%02x NT=%u, #GP gate present again: %u\n", sys_str(),
           (read_eflags() >> 14) & 1, (unsigned)(sys_idt_get(13) >> 47) & 1);
    show_busy("in A");
    __asm__ volatile("movl $0x200, %%eax\n\t" SYS_TRY "movl %%eax, %%ds" SYS_END
                     : : : "eax", "memory");
    report("the same #GP again");

    printf("B ran %u times, C continued after its iret %u times\n", b_runs, c_runs);
    return 0;
}
