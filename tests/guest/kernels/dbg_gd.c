/*
 * dbg_gd.c - DR7.GD (general detect, bit 13): with GD set, any MOV to or
 * from DR0-DR7 is a #DB fault before it runs (EIP at the MOV), with DR6.BD
 * (bit 13) set and B0-B3 cleared; delivering any #DB exception clears GD,
 * so that the handler may use the debug registers (Intel SDM vol. 3,
 * 17.2.4 and 17.3.1.3).  Cases: MOV from DR7 with nothing armed, the
 * handler skipping the MOV; MOV from DR0 with a breakpoint armed and DR6's
 * B1 and BS set before (BS stays, B1 goes), the handler letting the MOV run
 * again, and the breakpoint still working after; MOV to DR0, skipped (DR0
 * unchanged) and run again (DR0 written); MOV from DR6 and from DR4 (DR6's
 * alias with CR4.DE clear); MOV to DR7 run again; a data breakpoint's and
 * a single step's #DB clearing GD too.  Each prints the #DBs (EIP relative
 * to the MOV, DR6's B0-B3, BD, BS and BT, DR7 and DR0 as the handler reads
 * them, CS) and the state after.
 *
 * QEMU 7.2 does not implement GD: it keeps the bit (DR7 reads back with
 * it, even after a #DB) and runs every MOV DR without a #DB, so there is
 * no QEMU run; the expected output is Bochs's (bochs_dbg_gd).  Left out
 * where Bochs and xbt differ and the SDM does not settle it: a MOV DR at
 * CPL 3 with GD set (Bochs checks GD before the privilege: #DB with BD;
 * xbt: #GP(0), GD kept), and ICEBP with GD set (Bochs delivers its #DB
 * without clearing GD, so the handler's first MOV DR faults; xbt clears
 * GD).  DR7 is written with bit 10 set: it reads as 1 in Bochs and QEMU
 * whatever is written, not (yet) in xbt.
 */
#include "dbg_common.h"

#define DR7_GD 0x2000u
#define DR6_STATUS 0xE00Fu /* B0-B3, BD, BS, BT */
#define EFL_TF 0x100u
#define GD_MAX 4

uint32_t gd_var;
/* The case's first instruction (set by the case); the handler skips
 * gd_skip bytes (0: the faulting MOV runs again). */
volatile uint32_t gd_at;
static volatile unsigned gd_skip;
static volatile unsigned gd_n;
static volatile struct {
    uint32_t eip, dr6, dr7, dr0, cs;
} gd_hit[GD_MAX];

static int gd_on_db(struct isr_frame *f)
{
    uint32_t dr6, dr7, dr0;
    __asm__ volatile("mov %%dr6, %0\n\tmov %%dr7, %1\n\tmov %%dr0, %2"
                     : "=r"(dr6), "=r"(dr7), "=r"(dr0));
    if (gd_n < GD_MAX) {
        gd_hit[gd_n].eip = f->eip;
        gd_hit[gd_n].dr6 = dr6 & DR6_STATUS;
        gd_hit[gd_n].dr7 = dr7;
        gd_hit[gd_n].dr0 = dr0;
        gd_hit[gd_n].cs = f->cs & 0xFFFF;
    }
    gd_n++;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
    if (gd_n == 1)
        f->eip += gd_skip;
    f->eflags &= ~EFL_TF;
    return 1;
}

/* The registers a case starts and ends with. */
static struct {
    uint32_t eax, ecx;
} g;

#define GD_CASE(fn, insn)                                                                          \
    static void fn(void)                                                                           \
    {                                                                                              \
        __asm__ volatile("movl $1f, gd_at\n1:\t" insn                                              \
                         : "+a"(g.eax), "+c"(g.ecx)                                                \
                         :                                                                         \
                         : "memory", "cc");                                                        \
    }

GD_CASE(rd_dr7, "mov %%dr7, %%eax")
GD_CASE(rd_dr0, "mov %%dr0, %%eax")
GD_CASE(wr_dr0, "mov %%ecx, %%dr0")
GD_CASE(rd_dr6, "mov %%dr6, %%eax")
GD_CASE(rd_dr4, ".byte 0x0f, 0x21, 0xe0") /* mov %dr4, %eax */
GD_CASE(wr_dr7, "mov %%ecx, %%dr7")
GD_CASE(wr_var, "movl $5, gd_var\n\tmov %%dr7, %%eax")
GD_CASE(step, "pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tnop\n\tmov %%dr7, %%eax")

static uint32_t read_dr(unsigned n)
{
    uint32_t v;
    if (n == 0)
        __asm__ volatile("mov %%dr0, %0" : "=r"(v));
    else if (n == 6)
        __asm__ volatile("mov %%dr6, %0" : "=r"(v));
    else
        __asm__ volatile("mov %%dr7, %0" : "=r"(v));
    return v;
}

static void write_dr6(uint32_t v)
{
    __asm__ volatile("mov %0, %%dr6" : : "r"(v));
}

/* DR7 = dr7 | GD, then the case, the handler skipping skip bytes. */
static void run(void (*fn)(void), uint32_t dr7, unsigned skip, uint32_t eax, uint32_t ecx)
{
    g.eax = eax;
    g.ecx = ecx;
    gd_n = 0;
    gd_skip = skip;
    dbg_set_dr7(dr7 | DR7_GD);
    fn();
}

/* A DR0 value: gd_var's address by name. */
static const char *addr(uint32_t v)
{
    static char buf[2][12];
    static unsigned k;
    k ^= 1;
    if (v == (uint32_t)&gd_var)
        return "&gd_var";
    snprintf(buf[k], sizeof buf[k], "%08x", v);
    return buf[k];
}

static void report(const char *what)
{
    printf("%s: %u #DB\n", what, gd_n);
    for (unsigned k = 0; k < gd_n && k < GD_MAX; k++)
        printf("  #DB at %+d: dr6 %04x dr7 %08x dr0 %s cs %02x\n", (int)(gd_hit[k].eip - gd_at),
               gd_hit[k].dr6, gd_hit[k].dr7, addr(gd_hit[k].dr0), gd_hit[k].cs);
    printf("  after: eax %s dr0 %s dr6 %04x dr7 %08x\n", addr(g.eax), addr(read_dr(0)),
           read_dr(6) & DR6_STATUS, read_dr(7));
    write_dr6(0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    const uint32_t watch = DR7_L(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4);

    dbg_init();
    sys_hook(1, gd_on_db);
    dbg_set_dr(0, 0x1000);

    run(rd_dr7, 0, 3, 0x12345678, 0);
    report("mov %dr7,%eax, nothing armed, skipped");

    dbg_set_dr(0, (uint32_t)&gd_var);
    write_dr6(0x4002);
    run(rd_dr0, watch, 0, 0x12345678, 0);
    report("mov %dr0,%eax, DR0 armed, dr6 4002 before, run again");
    gd_n = 0;
    *(volatile uint32_t *)&gd_var = 1;
    printf("  then a write to the watched dword: %u #DB, dr6 %04x\n", gd_n, gd_hit[0].dr6);
    dbg_set_dr7(0);

    dbg_set_dr(0, 0x1000);
    run(wr_dr0, 0, 3, 0, 0x2000);
    report("mov %ecx,%dr0, skipped");
    run(wr_dr0, 0, 0, 0, 0x2000);
    report("mov %ecx,%dr0, run again");

    run(rd_dr6, 0, 3, 0x12345678, 0);
    report("mov %dr6,%eax, skipped");
    run(rd_dr4, 0, 3, 0x12345678, 0);
    report("mov %dr4,%eax, skipped");
    run(wr_dr7, 0, 0, 0, 0x00000401);
    report("mov %ecx,%dr7 (L0), run again");
    dbg_set_dr7(0);

    dbg_set_dr(0, (uint32_t)&gd_var);
    run(wr_var, watch, 0, 0x12345678, 0);
    report("DR0 write hit, then mov %dr7,%eax");
    dbg_set_dr7(0);
    run(step, 0, 0, 0x12345678, 0);
    report("single step, then mov %dr7,%eax");
    printf("done\n");
    return 0;
}
