/*
 * mmu_common.c - frame pool, page directories with a shared identity map,
 * #PF/exception recording and the ring-3 runner shared by the paging test
 * kernels and bench workloads (see mmu_common.h).
 */
#include "mmu_common.h"

#include "catch.h"

extern char __kernel_end[];       /* kernel.ld */

volatile struct mmu_trap mmu_trap = { .vector = -1 };
volatile uint32_t mmu_mark, mmu_resume;
mmu_pf_fn mmu_pf_hook;

static uint32_t pool_next = MMU_POOL_BASE;
static uint32_t *ident_pt[MMU_IDENT_END / LPAGE_SIZE];
static struct tss32 tss;
static uint8_t kstack[8192] __attribute__((aligned(16)));
static xbt_jmp_buf user_jb;
static struct mmu_uregs *volatile user_regs;

static const char *const vec_names[] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09",
    "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
};

static const char *vec_name(int v)
{
    static char buf[8];

    if (v >= 0 && v < (int)(sizeof vec_names / sizeof vec_names[0]))
        return vec_names[v];
    snprintf(buf, sizeof buf, "#%d", v);
    return buf;
}

static void on_exception(struct isr_frame *f)
{
    uint32_t cr2 = f->vector == 14 ? read_cr2() : 0;

    if (f->vector == 14 && mmu_pf_hook && mmu_pf_hook(f, cr2))
        return;
    mmu_trap.vector = (int)f->vector;
    mmu_trap.err = f->error_code;
    mmu_trap.cr2 = cr2;
    mmu_trap.eip = f->eip;
    mmu_trap.mark = mmu_mark;
    mmu_trap.cs = f->cs & 0xFFFF;
    mmu_trap.count++;
    if (mmu_resume) {
        f->eip = mmu_resume;
        mmu_resume = 0;
        return;
    }
    panic("unexpected %s err=%x cr2=%08x at %04x:%08x (mark %08x)", vec_name((int)f->vector),
          f->error_code, cr2, f->cs & 0xFFFF, f->eip, mmu_mark);
}

static void on_user_exit(struct isr_frame *f)
{
    struct mmu_uregs *r = user_regs;

    if ((f->cs & 3) != 3 || !r)
        panic("int $0x2F from cs %04x", f->cs & 0xFFFF);
    r->eax = f->eax;
    r->ebx = f->ebx;
    r->ecx = f->ecx;
    r->edx = f->edx;
    r->esi = f->esi;
    r->edi = f->edi;
    xbt_longjmp(user_jb, 1);
}

void mmu_init(void)
{
    if ((uint32_t)__kernel_end > MMU_POOL_BASE)
        panic("kernel ends at %p, above the frame pool", (void *)__kernel_end);
    idt_init();
    for (unsigned v = 0; v < 32; v++)
        isr_register(v, on_exception);
    set_idt_gate(MMU_USER_EXIT, isr_stub_table[MMU_USER_EXIT], IDT_INT_GATE, 3);
    isr_register(MMU_USER_EXIT, on_user_exit);
    gdt_set_tss(&tss, (uint32_t)(kstack + sizeof kstack));
}

uint32_t mmu_alloc(void)
{
    if (pool_next >= MMU_POOL_END)
        panic("frame pool exhausted");
    uint32_t pa = pool_next;
    pool_next += PAGE_SIZE;
    memset((void *)pa, 0, PAGE_SIZE);
    return pa;
}

unsigned mmu_allocated(void) { return (pool_next - MMU_POOL_BASE) / PAGE_SIZE; }

uint32_t *mmu_new_pd(void)
{
    if (!ident_pt[0]) {
        for (unsigned t = 0; t < MMU_IDENT_END / LPAGE_SIZE; t++) {
            ident_pt[t] = (uint32_t *)mmu_alloc();
            for (unsigned i = 0; i < 1024; i++)
                ident_pt[t][i] = (t * LPAGE_SIZE + i * PAGE_SIZE) | PG_P | PG_W;
        }
    }
    uint32_t *pd = (uint32_t *)mmu_alloc();
    for (unsigned t = 0; t < MMU_IDENT_END / LPAGE_SIZE; t++)
        pd[t] = (uint32_t)ident_pt[t] | PG_P | PG_W;
    return pd;
}

uint32_t *mmu_pte(uint32_t *pd, uint32_t va)
{
    uint32_t *pde = mmu_pde(pd, va);

    if (va < MMU_IDENT_END)
        panic("mmu_pte(%08x): inside the shared identity map", va);
    if (!(*pde & PG_P))
        *pde = mmu_alloc() | PG_P | PG_W | PG_U;
    else if (*pde & PG_PS)
        panic("mmu_pte(%08x): 4 MiB PDE %08x", va, *pde);
    return &((uint32_t *)(*pde & PG_FRAME))[(va >> 12) & 1023];
}

void mmu_map(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags)
{
    *mmu_pte(pd, va) = (pa & PG_FRAME) | flags;
}

uint32_t mmu_map_new(uint32_t *pd, uint32_t va, unsigned n, uint32_t flags)
{
    uint32_t first = 0;

    for (unsigned i = 0; i < n; i++) {
        uint32_t pa = mmu_alloc();
        if (i == 0)
            first = pa;
        mmu_map(pd, va + i * PAGE_SIZE, pa, flags);
    }
    return first;
}

void mmu_paging_on(uint32_t *pd, int wp)
{
    uint32_t cr0 = read_cr0();

    write_cr3((uint32_t)pd);
    cr0 = wp ? cr0 | CR0_WP : cr0 & ~CR0_WP;
    write_cr0(cr0 | CR0_PG);
}

void mmu_paging_off(void) { write_cr0(read_cr0() & ~CR0_PG); }

const char *mmu_err_str(uint32_t err)
{
    static char buf[16];

    snprintf(buf, sizeof buf, "%c%c%c%s", (err & PF_P) ? 'P' : '-', (err & PF_W) ? 'W' : 'R',
             (err & PF_U) ? 'U' : 'S', (err & PF_RSVD) ? " RSVD" : "");
    return buf;
}

char *mmu_trap_str(char *buf, size_t size)
{
    const volatile struct mmu_trap *t = &mmu_trap;

    if (t->vector < 0) {
        snprintf(buf, size, "no fault");
        return buf;
    }
    /* EIP relative to the mark, or absolute when far away from it (an
     * instruction fetch fault at a test address) */
    int rel = (int)(t->eip - t->mark);
    char eip[24];
    if (rel > -4096 && rel < 4096)
        snprintf(eip, sizeof eip, "mark%+d", rel);
    else
        snprintf(eip, sizeof eip, "%08x", t->eip);
    if (t->vector == 14)
        snprintf(buf, size, "#PF err=%x (%s) cr2=%08x eip=%s", t->err, mmu_err_str(t->err),
                 t->cr2, eip);
    else
        snprintf(buf, size, "%s err=%x eip=%s", vec_name(t->vector), t->err, eip);
    return buf;
}

void mmu_report(const char *what)
{
    char buf[80];

    printf("  %s: %s\n", what, mmu_trap_str(buf, sizeof buf));
    mmu_clear();
}

void mmu_clear(void)
{
    mmu_trap.vector = -1;
    mmu_resume = 0;
}

void mmu_user_run(uint32_t eip, uint32_t esp, struct mmu_uregs *r)
{
    user_regs = r;
    if (xbt_setjmp(user_jb) == 0) {
        __asm__ volatile("movw %w[ud], %%ds\n\t"
                         "movw %w[ud], %%es\n\t"
                         "movw %w[ud], %%fs\n\t"
                         "movw %w[ud], %%gs\n\t"
                         "pushl %[ud]\n\t"
                         "pushl %[sp]\n\t"
                         "pushl $2\n\t"
                         "pushl %[uc]\n\t"
                         "pushl %[ip]\n\t"
                         "movl 4(%%eax), %%ebx\n\t"
                         "movl 8(%%eax), %%ecx\n\t"
                         "movl 12(%%eax), %%edx\n\t"
                         "movl 16(%%eax), %%esi\n\t"
                         "movl 20(%%eax), %%edi\n\t"
                         "movl 0(%%eax), %%eax\n\t"
                         "iretl"
                         : : "a"(r), [ud] "r"((uint32_t)USER_DS), [uc] "i"(USER_CS),
                             [sp] "r"(esp), [ip] "r"(eip)
                         : "memory");
        __builtin_unreachable();
    }
    __asm__ volatile("movw %w0, %%ds\n\t"
                     "movw %w0, %%es\n\t"
                     "movw %w0, %%fs\n\t"
                     "movw %w0, %%gs"
                     : : "r"((uint32_t)KERNEL_DS) : "memory");
    user_regs = NULL;
}

/* ---- probes ---- */

static void probe_report(const char *what, const char *okfmt, uint32_t v)
{
    char buf[80];

    printf("  %-44s ", what);
    if (mmu_trap.vector < 0) {
        printf(okfmt, v);
        putchar('\n');
    } else {
        printf("%s\n", mmu_trap_str(buf, sizeof buf));
    }
    mmu_clear();
}

uint32_t mmu_kread(const char *what, uint32_t va)
{
    uint32_t v = 0;

    mmu_clear();
    __asm__ volatile(MMU_TRY "movl (%1), %0" MMU_END : "+r"(v) : "r"(va) : "memory");
    probe_report(what, "ok, %08x", v);
    return v;
}

void mmu_kwrite(const char *what, uint32_t va, uint32_t v)
{
    mmu_clear();
    __asm__ volatile(MMU_TRY "movl %1, (%0)" MMU_END : : "r"(va), "r"(v) : "memory");
    int ok = mmu_trap.vector < 0;
    probe_report(what, "ok, now %08x", ok ? rd32(va) : 0);
}

void mmu_kcall(const char *what, uint32_t target)
{
    uint32_t r = 0;

    mmu_clear();
    /* a fetch fault at the target leaves the return address pushed */
    __asm__ volatile("movl %%esp, %%esi\n\t" MMU_TRY "call *%1" MMU_END "movl %%esi, %%esp"
                     : "+a"(r) : "r"(target) : "ecx", "edx", "esi", "memory", "cc");
    probe_report(what, "ok, eax=%08x", r);
}

/* Ring-3 stubs, copied to the user code page. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "mmu_ustub_start:\n"
        "mmu_u_read:\n\t"    "movl (%esi), %eax\n"
        "mmu_u_read_x:\n\t"  "int $0x2F\n"
        "mmu_u_write:\n\t"   "movl %eax, (%esi)\n"
        "mmu_u_write_x:\n\t" "int $0x2F\n"
        "mmu_u_call:\n\t"    "call *%esi\n"
        "mmu_u_call_x:\n\t"  "int $0x2F\n"
        "mmu_u_const:\n\t"   "movl $0x5A5A, %eax\n\t"
        "ret\n"
        "mmu_ustub_end:\n"
        ".section .rodata\n"
        ".p2align 2\n"
        ".globl mmu_uconst_off\n"
        "mmu_uconst_off:\n\t"
        ".long mmu_u_const - mmu_ustub_start\n"
        ".popsection");
extern const char mmu_ustub_start[], mmu_ustub_end[], mmu_u_read[], mmu_u_read_x[],
    mmu_u_write[], mmu_u_write_x[], mmu_u_call[], mmu_u_call_x[];
#define UOFF(l) ((uint32_t)(l) - (uint32_t)mmu_ustub_start)

static uint32_t ucode, ustack_top;

uint32_t mmu_user_setup(uint32_t *pd, uint32_t code_va, uint32_t stack_va)
{
    uint32_t fr = mmu_alloc();

    memset((void *)fr, 0xCC, PAGE_SIZE);   /* INT3 */
    memcpy((void *)fr, mmu_ustub_start, (size_t)(mmu_ustub_end - mmu_ustub_start));
    mmu_map(pd, code_va, fr, PG_P | PG_U);
    mmu_map(pd, stack_va, mmu_alloc(), PG_P | PG_W | PG_U);
    ucode = code_va;
    ustack_top = stack_va + PAGE_SIZE;
    return fr;
}

void mmu_user_stack(uint32_t esp) { ustack_top = esp; }

static uint32_t urun(const char *what, uint32_t eip, uint32_t resume, uint32_t va, uint32_t val)
{
    struct mmu_uregs r = { .eax = val, .esi = va };

    mmu_clear();
    mmu_mark = eip;
    mmu_resume = resume;
    mmu_user_run(eip, ustack_top, &r);
    probe_report(what, "ok, eax=%08x", r.eax);
    return r.eax;
}

uint32_t mmu_uprobe(const char *what, int kind, uint32_t va, uint32_t val)
{
    switch (kind) {
    case MMU_UREAD:
        return urun(what, ucode + UOFF(mmu_u_read), ucode + UOFF(mmu_u_read_x), va, val);
    case MMU_UWRITE:
        return urun(what, ucode + UOFF(mmu_u_write), ucode + UOFF(mmu_u_write_x), va, val);
    default:
        return urun(what, ucode + UOFF(mmu_u_call), ucode + UOFF(mmu_u_call_x), va, val);
    }
}

void mmu_uprobe_at(const char *what, uint32_t eip, uint32_t code_va)
{
    urun(what, eip, code_va + UOFF(mmu_u_read_x), 0, 0);
}
