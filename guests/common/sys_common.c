/*
 * sys_common.c - the GDT, IDT, TSS, fault recording and ring-3 runner
 * shared by the sys_* test kernels and the syscall bench workload (see
 * sys_common.h).
 */
#include "sys_common.h"

struct dt_ptr {
    uint16_t pad;
    uint16_t limit;
    uint32_t base;
} __attribute__((packed, aligned(4)));

uint64_t sys_gdt[SYS_GDT_ENTRIES] __attribute__((aligned(8)));
static uint64_t sys_idt[256] __attribute__((aligned(8)));
struct sys_iotss sys_tss;
uint8_t sys_kstack[8192] __attribute__((aligned(16)));
uint8_t sys_ustack[8192] __attribute__((aligned(16)));

volatile struct sys_trap sys_trap = { .vector = -1 };
volatile uint32_t sys_mark, sys_resume, sys_entry_esp;
uint32_t (*volatile sys_user_fn)(void);

extern void (*const sys_stub_table[256])(void);   /* sys_stubs.S */
extern char sys_user_entry[];

static sys_hook_fn hooks[256];
static xbt_jmp_buf user_jb;
static volatile uint32_t user_result;

void sys_seg(unsigned idx, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = 0;

    d |= limit & 0xFFFFu;
    d |= (uint64_t)(base & 0xFFFFFFu) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xFu) << 48;
    d |= (uint64_t)(flags & 0xFu) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    sys_gdt[idx] = d;
}

static uint64_t gate(uint16_t sel, uint32_t off, uint8_t access, uint8_t params)
{
    return (uint64_t)(off & 0xFFFF) | (uint64_t)sel << 16 | (uint64_t)(params & 0x1F) << 32 |
           (uint64_t)access << 40 | (uint64_t)(off >> 16) << 48;
}

void sys_gate(unsigned idx, uint16_t sel, uint32_t off, uint8_t access, uint8_t params)
{
    sys_gdt[idx] = gate(sel, off, access, params);
}

void sys_tss_desc(unsigned idx, const struct tss32 *tss, unsigned dpl)
{
    sys_seg(idx, (uint32_t)tss, sizeof(*tss) - 1, (uint8_t)(ACC_TSS | ACC_DPL(dpl)), 0);
}

void sys_idt_set(unsigned vec, uint16_t sel, uint32_t off, uint8_t access)
{
    sys_idt[vec & 0xFF] = gate(sel, off, access, 0);
}

void sys_idt_stub(unsigned vec, uint8_t access)
{
    sys_idt_set(vec, SEL_KCODE, (uint32_t)sys_stub_table[vec & 0xFF], access);
}

uint64_t sys_idt_get(unsigned vec) { return sys_idt[vec & 0xFF]; }
void sys_idt_put(unsigned vec, uint64_t e) { sys_idt[vec & 0xFF] = e; }

void sys_lidt(uint16_t limit)
{
    static struct dt_ptr p;

    p.limit = limit;
    p.base = (uint32_t)sys_idt;
    __asm__ volatile("lidt %0" : : "m"(p.limit) : "memory");
}

void sys_io_allow(unsigned port, unsigned n, int allow)
{
    for (unsigned p = port; p < port + n && p < SYS_IOMAP_BYTES * 8; p++) {
        if (allow)
            sys_tss.iomap[p >> 3] &= (uint8_t)~(1u << (p & 7));
        else
            sys_tss.iomap[p >> 3] |= (uint8_t)(1u << (p & 7));
    }
}

void sys_hook(unsigned vec, sys_hook_fn fn) { hooks[vec & 0xFF] = fn; }

static const char *const names[] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09",
    "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
};

const char *sys_vec_name(int vec)
{
    static char buf[8];

    if (vec >= 0 && vec < (int)(sizeof names / sizeof names[0]))
        return names[vec];
    snprintf(buf, sizeof buf, "int%02x", (unsigned)vec & 0xFF);
    return buf;
}

static int has_err(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

char *sys_fault_str(char *buf, size_t size)
{
    const volatile struct sys_trap *t = &sys_trap;

    if (t->vector < 0) {
        snprintf(buf, size, "no fault");
        return buf;
    }
    int rel = (int)(t->eip - t->mark);
    char e[16] = "";
    if (has_err(t->vector))
        snprintf(e, sizeof e, "(%04x)", t->err);
    snprintf(buf, size, "%s%s at %s%d cs=%02x", sys_vec_name(t->vector), e,
             rel < 0 ? "" : "+", rel, t->cs);
    return buf;
}

void sys_report(const char *what)
{
    char buf[64];

    printf("%-40s %s\n", what, sys_fault_str(buf, sizeof buf));
    sys_trap.vector = -1;
}

void isr_handler(struct isr_frame *f)
{
    unsigned v = f->vector & 0xFF;

    if (hooks[v] && hooks[v](f))
        return;
    sys_trap.vector = (int)v;
    sys_trap.err = f->error_code;
    sys_trap.eip = f->eip;
    sys_trap.mark = sys_mark;
    sys_trap.cs = f->cs & 0xFFFF;
    sys_trap.eflags = f->eflags;
    sys_trap.entry_esp = sys_entry_esp;
    sys_trap.esp = (f->cs & 3) ? f->user_esp : 0;
    sys_trap.ss = (f->cs & 3) ? f->user_ss & 0xFFFF : 0;
    sys_trap.count++;
    if (sys_resume) {
        f->eip = sys_resume;
        sys_resume = 0;
        return;
    }
    panic("unexpected %s error %#x at %04x:%08x (mark %08x)", sys_vec_name((int)v),
          f->error_code, f->cs & 0xFFFF, f->eip, sys_mark);
}

/* int $0x81 from ring 3: sys_user_run()'s caller gets the kernel back. */
static int user_exit(struct isr_frame *f)
{
    user_result = f->ebx;
    xbt_longjmp(user_jb, 1);
}

uint32_t sys_user_run(uint32_t (*fn)(void), uint32_t eflags)
{
    sys_user_fn = fn;
    if (xbt_setjmp(user_jb) == 0)
        enter_ring3((uint32_t)sys_user_entry, SYS_USTACK_TOP, eflags);
    __asm__ volatile("movw %w0, %%ds\n\t"
                     "movw %w0, %%es\n\t"
                     "movw %w0, %%fs\n\t"
                     "movw %w0, %%gs\n\t"
                     "pushl $2\n\t"
                     "popfl"
                     : : "r"((uint32_t)SEL_KDATA) : "memory", "cc");
    return user_result;
}

static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr3, %0" : "=r"(v));
    return v;
}

void sys_task_init(struct tss32 *t, uint32_t eip, uint32_t esp)
{
    memset(t, 0, sizeof *t);
    t->eip = eip;
    t->esp = esp;
    t->eflags = EFL_FIXED;
    t->cs = SEL_KCODE;
    t->ss = t->ds = t->es = t->fs = t->gs = SEL_KDATA;
    t->ss0 = SEL_KDATA;
    t->esp0 = esp;
    t->cr3 = read_cr3();
    t->iomap_base = sizeof *t;    /* beyond the limit: no bitmap */
}

struct tss32 *sys_tss_at(uint16_t sel)
{
    uint64_t d = sys_gdt[sel >> 3];

    return (struct tss32 *)(uint32_t)(((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000));
}

extern char sys_ftask_entry[];

void sys_ftask_init(struct sys_ftask *t, unsigned gdt_idx, void (*fn)(uint32_t), int has_err)
{
    t->fn = fn;
    t->has_err = (uint32_t)has_err;
    sys_task_init(&t->tss, (uint32_t)sys_ftask_entry, (uint32_t)(t->stack + sizeof t->stack));
    t->tss.ebx = (uint32_t)t;
    sys_tss_desc(gdt_idx, &t->tss, 0);
}

void sys_init(void)
{
    static struct dt_ptr g;

    for (unsigned i = 0; i < 5; i++)
        sys_gdt[i] = gdt[i];
    g.limit = sizeof sys_gdt - 1;
    g.base = (uint32_t)sys_gdt;
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n"
                     "1:\tmovw %w1, %%ds\n\t"
                     "movw %w1, %%es\n\t"
                     "movw %w1, %%fs\n\t"
                     "movw %w1, %%gs\n\t"
                     "movw %w1, %%ss"
                     : : "m"(g.limit), "r"((uint32_t)SEL_KDATA) : "memory");

    sys_tss.t.ss0 = SEL_KDATA;
    sys_tss.t.esp0 = SYS_KSTACK_TOP;
    sys_tss.t.iomap_base = sizeof(struct tss32);
    for (unsigned i = 0; i <= SYS_IOMAP_BYTES; i++)
        sys_tss.iomap[i] = 0xFF;
    sys_seg(SEL_TSS >> 3, (uint32_t)&sys_tss, sizeof sys_tss - 1, ACC_TSS, 0);
    __asm__ volatile("ltr %w0\n\t"
                     "lldt %w1"           /* no LDT: TI=1 selectors are invalid */
                     : : "r"((uint32_t)SEL_TSS), "r"(0) : "memory");

    for (unsigned v = 0; v < 256; v++)
        sys_idt_stub(v, ACC_INTGATE);
    sys_idt_stub(3, ACC_INTGATE | ACC_DPL(3));
    sys_idt_stub(4, ACC_INTGATE | ACC_DPL(3));
    sys_idt_stub(0x80, ACC_INTGATE | ACC_DPL(3));
    sys_idt_stub(0x81, ACC_INTGATE | ACC_DPL(3));
    sys_hook(0x81, user_exit);
    sys_lidt(sizeof sys_idt - 1);

    outb(0x21, 0xFF);             /* mask every PIC input */
    outb(0xA1, 0xFF);
}
