/*
 * dbg_io.c - I/O breakpoints of the debug registers: with CR4.DE set, a
 * DRn whose R/W field in DR7 is 10 watches LEN (1, 2 or 4) ports from
 * DRn aligned down to LEN.  An IN, OUT, INS or OUTS whose ports overlap
 * them is a #DB trap after the instruction (EIP past it) with DR6.Bn.
 * Cases (one instruction each, but the memory ones): OUT imm8 on a
 * one-port breakpoint; IN imm8 from the port next to it and from it; a
 * word IN imm8 and a dword IN DX covering the port, or not; word OUT DX
 * starting on it or ending before it; LEN 2 and LEN 4 breakpoints; two
 * armed at once (either hit, neither, both by one word); one armed by Gn
 * instead of Ln, one by neither; INSB, INSW, OUTSB, OUTSD; a REP OUTSB
 * that misses; memory reads and writes at the address equal to the port
 * (an I/O breakpoint never watches memory).  Each case prints every #DB:
 * EIP relative to the instruction ("insn": at it, "past": after it), ECX
 * for REP (and ECX, ESI, EDI after it), DR6's B0-B3, BD, BS and BT.
 * Expected output from QEMU; Bochs prints the same (bochs_dbg_io).
 *
 * Where QEMU departs from the SDM and Bochs: a DRn not aligned to its LEN
 * (QEMU does not align it down) and REP INS/OUTS hitting a breakpoint
 * (QEMU ends the instruction at the first such iteration, EIP past it
 * and ECX not counted down) are dbg_io_strict's (this source with
 * DBG_IO_STRICT), and so is R/W = 10 with CR4.DE clear (undefined; QEMU
 * traps as with DE set, Bochs and xbt do not).  Left out: a breakpoint not
 * armed at the port that an armed one hits (Bochs sets its B bit too, as
 * the SDM allows; QEMU and xbt do not).
 *
 * The ports are harmless: the POST port 0x80 (and the DMA page register
 * 0x81, read), the CMOS index/data ports 0x70 and 0x71 (read), and
 * 0x3E0-0x3E7, which nothing decodes.
 */
#include "dbg_common.h"

#ifndef DBG_IO_STRICT
#define DBG_IO_STRICT 0
#endif

#define DR6_STATUS 0xE00Fu /* B0-B3, BD, BS, BT */
#define CR4_DE 0x8u
#define IO_MAX 8

uint8_t io_buf[16] __attribute__((aligned(16)));

/* The registers a case starts and ends with. */
static struct {
    uint32_t eax, ecx, edx, esi, edi;
} cur;
/* The case's instruction and the one after it (set by the case). */
volatile uint32_t io_at, io_end;

static volatile unsigned io_n;
static volatile struct {
    uint32_t eip, ecx, dr6;
} io_hit[IO_MAX];

/* Records the trap (a trap: no RF needed to go on) and clears DR6. */
static int io_on_db(struct isr_frame *f)
{
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    if (io_n < IO_MAX) {
        io_hit[io_n].eip = f->eip;
        io_hit[io_n].ecx = f->ecx;
        io_hit[io_n].dr6 = dr6 & DR6_STATUS;
    }
    io_n++;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
    return 1;
}

/* A case: labels its instruction(s), runs them with cur's registers. */
#define IO_CASE(fn, insn)                                                                          \
    static void fn(void)                                                                           \
    {                                                                                              \
        __asm__ volatile("movl $1f, io_at\n\tmovl $2f, io_end\n1:\t" insn "\n2:"                   \
                         : "+a"(cur.eax), "+c"(cur.ecx), "+d"(cur.edx), "+S"(cur.esi),             \
                           "+D"(cur.edi)                                                           \
                         :                                                                         \
                         : "memory", "cc");                                                        \
    }

IO_CASE(out80, "outb %%al, $0x80")
IO_CASE(in70, "inb $0x70, %%al")
IO_CASE(in71, "inb $0x71, %%al")
IO_CASE(inw80, "inw $0x80, %%ax")
IO_CASE(inb_dx, "inb %%dx, %%al")
IO_CASE(inl_dx, "inl %%dx, %%eax")
IO_CASE(outb_dx, "outb %%al, %%dx")
IO_CASE(outw_dx, "outw %%ax, %%dx")
IO_CASE(inw_dx, "inw %%dx, %%ax")
IO_CASE(insb, "insb")
IO_CASE(insw, "insw")
IO_CASE(outsb, "outsb")
IO_CASE(outsl, "outsl")
IO_CASE(rep_outsb, "rep outsb")
IO_CASE(rep_insw, "rep insw")
/* reads the bytes at linear 0x80 (the real-mode IVT) and writes them back */
IO_CASE(mem80, "movl 0x80, %%eax\n\tmovl %%eax, 0x80\n\tmovb 0x80, %%al\n\tmovb %%al, 0x80")

struct io_bp {
    unsigned dr;   /* DR0-DR3 */
    uint32_t port; /* DRn's value */
    unsigned len;  /* LEN1, LEN2, LEN4 */
    unsigned arm;  /* ARM_L, ARM_G, ARM_NONE; 0: no breakpoint */
};
#define ARM_L 1
#define ARM_G 2
#define ARM_NONE 3 /* R/W and LEN set, neither Ln nor Gn */
#define BP(n, port, len) { n, port, len, ARM_L }
#define BP_G(n, port, len) { n, port, len, ARM_G }
#define BP_OFF(n, port, len) { n, port, len, ARM_NONE }

struct io_case {
    const char *what; /* a section heading when fn is NULL */
    void (*fn)(void);
    uint32_t ecx, edx;
    struct io_bp bp[2];
    unsigned flags;
};
#define REP 1u    /* print ECX (and ESI, EDI after) */
#define STRICT 2u /* dbg_io_strict's (QEMU departs from the SDM) */
#define NO_DE 4u  /* with CR4.DE clear */

static const struct io_case cases[] = {
    { .what = "== one port ==" },
    { "DR0 port 80: outb 80", out80, 0, 0, { BP(0, 0x80, LEN1) }, 0 },
    { "DR1 port 71: inb 70", in70, 0, 0, { BP(1, 0x71, LEN1) }, 0 },
    { "DR1 port 71: inb 71", in71, 0, 0, { BP(1, 0x71, LEN1) }, 0 },
    { "DR2 port 81: inw 80", inw80, 0, 0, { BP(2, 0x81, LEN1) }, 0 },
    { "DR3 port 3e3: inl dx 3e0", inl_dx, 0, 0x3E0, { BP(3, 0x3E3, LEN1) }, 0 },
    { "DR3 port 3e3: inl dx 3e4", inl_dx, 0, 0x3E4, { BP(3, 0x3E3, LEN1) }, 0 },
    { "DR3 port 3e3: outw dx 3e2", outw_dx, 0, 0x3E2, { BP(3, 0x3E3, LEN1) }, 0 },
    { "DR3 port 3e3: outw dx 3e1", outw_dx, 0, 0x3E1, { BP(3, 0x3E3, LEN1) }, 0 },
    { "DR3 port 3e3: outb dx 3e3", outb_dx, 0, 0x3E3, { BP(3, 0x3E3, LEN1) }, 0 },
    { .what = "== lengths ==" },
    { "DR0 port 3e4, 2: inb dx 3e5", inb_dx, 0, 0x3E5, { BP(0, 0x3E4, LEN2) }, 0 },
    { "DR0 port 3e4, 2: inb dx 3e6", inb_dx, 0, 0x3E6, { BP(0, 0x3E4, LEN2) }, 0 },
    { "DR0 port 3e4, 2: inb dx 3e3", inb_dx, 0, 0x3E3, { BP(0, 0x3E4, LEN2) }, 0 },
    { "DR1 port 3e4, 4: outb dx 3e7", outb_dx, 0, 0x3E7, { BP(1, 0x3E4, LEN4) }, 0 },
    { "DR1 port 3e4, 4: outb dx 3e3", outb_dx, 0, 0x3E3, { BP(1, 0x3E4, LEN4) }, 0 },
    { .what = "== two breakpoints ==" },
    { "DR2 port 80, DR3 port 3e7: outb dx 3e7", outb_dx, 0, 0x3E7,
      { BP(2, 0x80, LEN1), BP(3, 0x3E7, LEN1) }, 0 },
    { "DR2 port 80, DR3 port 3e7: outb 80", out80, 0, 0,
      { BP(2, 0x80, LEN1), BP(3, 0x3E7, LEN1) }, 0 },
    { "DR2 port 80, DR3 port 3e7: outb dx 3e6", outb_dx, 0, 0x3E6,
      { BP(2, 0x80, LEN1), BP(3, 0x3E7, LEN1) }, 0 },
    { "DR0 port 3e6, DR1 port 3e7: inw dx 3e6", inw_dx, 0, 0x3E6,
      { BP(0, 0x3E6, LEN1), BP(1, 0x3E7, LEN1) }, 0 },
    { .what = "== G instead of L, neither ==" },
    { "DR1 port 3e0 by G1: inb dx 3e0", inb_dx, 0, 0x3E0, { BP_G(1, 0x3E0, LEN1) }, 0 },
    { "DR3 port 80, L3 and G3 clear: outb 80", out80, 0, 0, { BP_OFF(3, 0x80, LEN1) }, 0 },
    { .what = "== INS and OUTS ==" },
    { "DR0 port 3e1: insb dx 3e1", insb, 0, 0x3E1, { BP(0, 0x3E1, LEN1) }, 0 },
    { "DR0 port 3e1: insw dx 3e0", insw, 0, 0x3E0, { BP(0, 0x3E1, LEN1) }, 0 },
    { "DR0 port 3e1: outsb dx 3e2", outsb, 0, 0x3E2, { BP(0, 0x3E1, LEN1) }, 0 },
    { "DR0 port 3e1: outsl dx 3e0", outsl, 0, 0x3E0, { BP(0, 0x3E1, LEN1) }, 0 },
    { "DR1 port 81: rep outsb dx 80, ecx 3", rep_outsb, 3, 0x80, { BP(1, 0x81, LEN1) }, REP },
    { .what = "== memory at the port's address ==" },
    { "DR2 port 80: mov to and from memory at 80", mem80, 0, 0, { BP(2, 0x80, LEN1) }, 0 },
    { "DR2 port 80, 4: mov to and from memory at 80", mem80, 0, 0, { BP(2, 0x80, LEN4) }, 0 },
    /* Where QEMU departs from the SDM (and Bochs): it does not align DRn
     * down to LEN, and it ends a REP INS or OUTS at the iteration that hit
     * (EIP past it, ECX not yet counted down). */
    { .what = "== lengths, DRn not aligned ==", .flags = STRICT },
    { "DR0 port 3e5, 2: inb dx 3e4", inb_dx, 0, 0x3E4, { BP(0, 0x3E5, LEN2) }, STRICT },
    { "DR0 port 3e5, 2: inb dx 3e6", inb_dx, 0, 0x3E6, { BP(0, 0x3E5, LEN2) }, STRICT },
    { "DR1 port 3e5, 4: outb dx 3e4", outb_dx, 0, 0x3E4, { BP(1, 0x3E5, LEN4) }, STRICT },
    { "DR2 port 3e2, 4: outb dx 3e4", outb_dx, 0, 0x3E4, { BP(2, 0x3E2, LEN4) }, STRICT },
    { "DR2 port 3e2, 4: outw dx 3e0", outw_dx, 0, 0x3E0, { BP(2, 0x3E2, LEN4) }, STRICT },
    { .what = "== REP INS and OUTS ==", .flags = STRICT },
    { "DR1 port 80: rep outsb dx 80, ecx 3", rep_outsb, 3, 0x80, { BP(1, 0x80, LEN1) },
      REP | STRICT },
    { "DR3 port 3e1: rep insw dx 3e0, ecx 2", rep_insw, 2, 0x3E0, { BP(3, 0x3E1, LEN1) },
      REP | STRICT },
    { .what = "== R/W = 10 with CR4.DE clear ==", .flags = STRICT },
    { "DR0 port 80: outb 80", out80, 0, 0, { BP(0, 0x80, LEN1) }, NO_DE | STRICT },
};

static void set_de(int on)
{
    uint32_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 = on ? cr4 | CR4_DE : cr4 & ~CR4_DE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4)); /* R/W = 10: I/O */
}

static void where(uint32_t eip)
{
    if (eip == io_at)
        printf("insn");
    else if (eip == io_end)
        printf("past");
    else
        printf("insn%+d", (int)(eip - io_at));
}

static void run(const struct io_case *c)
{
    if (!c->fn) {
        printf("%s\n", c->what);
        return;
    }
    uint32_t dr7 = 0;
    for (unsigned k = 0; k < 2; k++) {
        const struct io_bp *b = &c->bp[k];
        if (!b->arm)
            continue;
        dbg_set_dr(b->dr, b->port);
        dr7 |= DR7_RW(b->dr, RW_IO) | DR7_LEN(b->dr, b->len);
        if (b->arm == ARM_L)
            dr7 |= DR7_L(b->dr);
        else if (b->arm == ARM_G)
            dr7 |= DR7_G(b->dr);
    }
    for (unsigned k = 0; k < 16; k++)
        io_buf[k] = (uint8_t)('a' + k);
    cur.eax = 0;
    cur.ecx = c->ecx;
    cur.edx = c->edx;
    cur.esi = (uint32_t)io_buf;
    cur.edi = (uint32_t)io_buf + 8;
    io_n = 0;
    set_de(!(c->flags & NO_DE));
    dbg_set_dr7(dr7);
    c->fn();
    dbg_set_dr7(0);
    printf("%s: %u #DB", c->what, io_n);
    for (unsigned k = 0; k < io_n && k < IO_MAX; k++) {
        printf(" [");
        where(io_hit[k].eip);
        if (c->flags & REP)
            printf(" ecx %u", io_hit[k].ecx);
        printf(" dr6 %04x]", io_hit[k].dr6);
    }
    if (c->flags & REP)
        printf(", after: ecx %u esi %+d edi %+d", cur.ecx, (int)(cur.esi - (uint32_t)io_buf),
               (int)(cur.edi - (uint32_t)io_buf));
    printf("\n");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    dbg_init();
    sys_hook(1, io_on_db);
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++)
        if (!(cases[k].flags & STRICT) == !DBG_IO_STRICT)
            run(&cases[k]);
    printf("done\n");
    return 0;
}
