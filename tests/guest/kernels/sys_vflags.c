/*
 * sys_vflags.c - PUSHF, POPF, CLI and STI on the virtual flags (xbt
 * translates them inline at CPL 0, PUSHF at any CPL: src/bt/tr_vflags.c):
 *   - ring 0: POPF/PUSHF round trips of the arithmetic flags (read back by
 *     SETcc and LAHF right after POPF), TF, DF (string direction), IOPL,
 *     NT, AC and ID, 16-bit POPFW keeping the high bits;
 *   - ring 0: a PIT interrupt requested while IF = 0 is taken right after
 *     the POPF that sets IF, and one instruction after STI (its shadow);
 *     with nothing pending, POPF and STI go on;
 *   - ring 0: POPF setting TF traps after the next instruction;
 *   - ring 3: PUSHF reads every bit, POPF changes AC, ID, DF, NT and the
 *     arithmetic flags, and changes IF only with IOPL 3 and IOPL never.
 * The expected output comes from QEMU.
 */
#include "pc_common.h"
#include "sys_common.h"

#define EFL_TF 0x100u
#define EFL_AC 0x40000u
#define EFL_ID 0x200000u
#define SHOWN 0x247FD7u /* ID AC NT IOPL OF DF IF TF SF ZF AF PF CF, bit 1 */

static volatile unsigned ticks;
static volatile uint32_t uv[4];

static int on_pit(struct isr_frame *f)
{
    (void)f;
    ticks++;
    pic_eoi(0);
    return 1;
}

static uint32_t popf_pushf(uint32_t v)
{
    uint32_t out;
    __asm__ volatile("pushfl\n\t"
                     "pushl %1\n\tpopfl\n\tpushfl\n\tpopl %0\n\t"
                     "popfl"
                     : "=r"(out) : "r"(v) : "memory", "cc");
    return out;
}

/* SETcc and LAHF right after POPF: the popped flags as conditions (v
 * has IF, TF and DF clear). */
static void arith_readback(uint32_t v)
{
    uint8_t c, z, s, o, p;
    uint32_t ax;
    /* no stack imbalance around the memory operands; IF stays 0 */
    __asm__ volatile("pushl %6\n\tpopfl\n\t"
                     "setc %0\n\tsetz %1\n\tsets %2\n\tseto %3\n\tsetp %4\n\t"
                     "lahf"
                     : "=m"(c), "=m"(z), "=m"(s), "=m"(o), "=m"(p), "=a"(ax)
                     : "r"(v)
                     : "memory", "cc");
    printf("popf %08x: CF %u ZF %u SF %u OF %u PF %u lahf %02x\n", v, c, z, s, o, p,
           (ax >> 8) & 0xFF);
}

static void ring0_bits(void)
{
    printf("== ring 0: popf then pushf ==\n");
    static const uint32_t vals[] = { 0x002,   0x8D7,    0x0C3,   0x802,  0x402,
                                     0x3002,  0x4002,   0x40002, 0x200002, 0x247CD7 };
    for (unsigned k = 0; k < sizeof vals / sizeof vals[0]; k++)
        printf("popf %08x -> pushf %08x\n", vals[k], popf_pushf(vals[k]) & SHOWN);
    arith_readback(0x8D7);
    arith_readback(0x002);
    arith_readback(0x041);
    arith_readback(0x880);
    uint32_t f1, f2;
    __asm__ volatile("xorl %%eax, %%eax\n\tstc\n\tpushfl\n\tpopl %0\n\t"
                     "movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\tpushfl\n\tpopl %1"
                     : "=r"(f1), "=r"(f2) : : "eax", "memory", "cc");
    printf("pushf after xor; stc: %08x, after 0x7fffffff + 1: %08x\n", f1 & SHOWN & ~0x200u,
           f2 & SHOWN & ~0x200u);

    uint32_t hi, lo;
    __asm__ volatile("pushfl\n\t"
                     "pushl $0x240002\n\tpopfl\n\t"
                     "pushw $0x08c3\n\tpopfw\n\t"
                     "pushfl\n\tpopl %0\n\t"
                     "pushfw\n\tpopw %w1\n\t"
                     "popfl"
                     : "=r"(hi), "=r"(lo) : : "memory", "cc");
    printf("popfw keeps AC/ID: pushf %08x, pushfw %04x\n", hi & SHOWN, lo & 0xFFFF & SHOWN);

    char buf[4] = { 'a', 'b', 'c', 0 };
    char got;
    const char *end;
    __asm__ volatile("pushfl\n\t"
                     "pushl $0x402\n\tpopfl\n\t"
                     "lodsb\n\tlodsb\n\t"
                     "popfl"
                     : "=a"(got), "=S"(end) : "S"(buf + 2) : "memory", "cc");
    printf("popf DF=1: lodsb twice -> '%c', esi moved %d\n", got, (int)(end - (buf + 2)));
}

/* The PIT's IRQ0 is pending at the PIC while IF = 0. */
static void wait_irq0_pending(void)
{
    for (;;) {
        outb(0x20, 0x0A); /* OCW3: read IRR */
        if (inb(0x20) & 1)
            return;
    }
}

static void ring0_interrupts(void)
{
    printf("== ring 0: interrupts and IF ==\n");
    sys_hook(PIC_MASTER_BASE, on_pit);
    pic_remap(0xFE, 0xFF);
    pit_periodic(11932); /* 100 Hz */
    uint32_t a, b;

    __asm__ volatile("cli");
    wait_irq0_pending();
    ticks = 0;
    __asm__ volatile("pushfl\n\torl $0x200, (%%esp)\n\tpopfl\n\t"
                     "movl ticks, %0\n\tcli"
                     : "=r"(a) : : "memory", "cc");
    printf("popf sets IF with IRQ0 pending: ticks seen right after: %u\n", a);

    wait_irq0_pending();
    ticks = 0;
    __asm__ volatile("sti\n\tmovl ticks, %0\n\tmovl ticks, %1\n\tcli"
                     : "=&r"(a), "=r"(b) : : "memory");
    printf("sti with IRQ0 pending: after sti %u, one instruction later %u\n", a, b);

    wait_irq0_pending();
    ticks = 0;
    __asm__ volatile("pushfl\n\tpopl %0\n\t"
                     "pushl %0\n\tpopfl\n\t"
                     "movl ticks, %1\n\t"
                     : "=&r"(a), "=r"(b) : : "memory", "cc");
    printf("popf keeping IF 0 with IRQ0 pending: ticks %u, IF %u\n", b, (a >> 9) & 1);

    outb(0x21, 0xFF); /* masked: nothing pending */
    ticks = 0;
    __asm__ volatile("pushfl\n\torl $0x200, (%%esp)\n\tpopfl\n\t"
                     "movl ticks, %0\n\t"
                     "pushfl\n\tpopl %1\n\tcli"
                     : "=r"(a), "=r"(b) : : "memory", "cc");
    printf("popf sets IF, nothing pending: ticks %u, IF %u\n", a, (b >> 9) & 1);
    __asm__ volatile("sti\n\tnop\n\tpushfl\n\tpopl %0\n\tcli" : "=r"(b) : : "memory");
    printf("sti, nothing pending: IF %u\n", (b >> 9) & 1);
    __asm__ volatile("sti\n\tcli\n\tpushfl\n\tpopl %0" : "=r"(b) : : "memory");
    printf("sti; cli: IF %u\n", (b >> 9) & 1);
    outb(0x43, 0x30); /* channel 0 mode 0: stop the periodic interrupts */
}

static volatile unsigned db_count;
static volatile uint32_t db_eip;
extern char tf_first[], tf_second[];

static int on_db(struct isr_frame *f)
{
    if (!db_count)
        db_eip = f->eip;
    db_count++;
    f->eflags &= ~EFL_TF;
    return 1;
}

static void ring0_tf(void)
{
    printf("== ring 0: popf sets TF ==\n");
    sys_hook(1, on_db);
    __asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
                     ".globl tf_first\ntf_first:\n\t"
                     "nop\n\t"
                     ".globl tf_second\ntf_second:\n\t"
                     "nop\n\tnop"
                     : : : "memory", "cc");
    printf("#DB traps: %u, at tf_second: %s\n", db_count,
           db_eip == (uint32_t)(uintptr_t)tf_second ? "yes" : "no");
}

static uint32_t u_pushf_all(void)
{
    uint32_t v;
    __asm__ volatile("pushfl\n\tpopl %0" : "=r"(v));
    uv[0] = v;
    return 0;
}

/* POPF of everything flipped, then PUSHF; the original flags put back. */
static uint32_t u_popf_flip(void)
{
    uint32_t before, after;
    __asm__ volatile("pushfl\n\tpopl %0\n\t"
                     "movl %0, %1\n\txorl $0x247ED5, %1\n\t"
                     "pushl %1\n\tpopfl\n\t"
                     "pushfl\n\tpopl %1\n\t"
                     "pushl %0\n\tpopfl"
                     : "=&r"(before), "=&r"(after) : : "memory", "cc");
    uv[0] = before;
    uv[1] = after;
    return 0;
}

static void ring3(void)
{
    printf("== ring 3 ==\n");
    static const uint32_t starts[] = { EFL_FIXED | EFL_IF, EFL_FIXED, EFL_FIXED | EFL_IOPL3 | EFL_IF,
                                       EFL_FIXED | EFL_IOPL3, EFL_FIXED | EFL_IF | EFL_AC | EFL_ID };
    for (unsigned k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        sys_user_run(u_pushf_all, starts[k]);
        uint32_t p = uv[0];
        sys_user_run(u_popf_flip, starts[k]);
        printf("start %08x: pushf %08x, popf of all flipped -> %08x\n", starts[k], p & SHOWN,
               uv[1] & SHOWN);
    }
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    ring0_bits();
    ring0_interrupts();
    ring0_tf();
    ring3();
    return 0;
}
