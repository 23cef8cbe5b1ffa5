/*
 * dbg_rep.c - debug traps in the middle of REP string instructions.  A
 * REP instruction is a series of iterations; a debug trap raised by one
 * (EFLAGS.TF single step, a data breakpoint of DR0-DR3 hit by its
 * accesses) is taken after that iteration with EIP still at the
 * instruction and ECX/ESI/EDI as the iteration left them, unless it was
 * the last one (ECX reached 0, or REPE/REPNE ended on ZF): then EIP is
 * past it.  The handler's IRET resumes the remaining iterations.  This is
 * what Bochs and QEMU do; the Intel SDM (vol. 3, 17.3.1.2) says so for the
 * memory breakpoints of REP INS and OUTS, and that P6-family processors
 * report those of REP MOVS and REP STOS only after the iteration after
 * the one that hit (fast-string hardware may be later still); vol. 2's
 * REP page has the registers of a suspended REP kept for the resumption.
 *
 * Each case prints every #DB it took (EIP at the instruction, past it or
 * elsewhere; ECX; ESI and EDI relative to the buffers; EAX; DR6's B0-B3,
 * BD, BS and BT; CS) and the registers and the destination buffer after
 * the instruction.  Single step: REP MOVSB, REPE CMPSB ending early on a
 * mismatch, REPNE SCASB finding its byte, REP STOSD with 16-bit addresses
 * (CX/DI count and move, ECX's and EDI's upper halves stay), REP with ECX
 * = 0 (no iteration, one trap), REP LODSW downwards, REP OUTSB.  Data
 * breakpoints: a write on the 2nd destination byte of REP MOVSB,
 * read/write ones hit by REP LODSB and by two iterations of REPNE SCASB,
 * a dword hit by four iterations of REP STOSB and by one of REP STOSD, REP
 * MOVSB downwards (DF = 1), a REPE CMPSB whose hitting iteration also ends
 * it (EIP past), a write breakpoint on the source of REP MOVSB (never
 * hit), REP INSB and REP OUTSB.  Single step and a data breakpoint at
 * ring 3.  Expected output from QEMU; Bochs prints the same
 * (bochs_dbg_rep).
 *
 * Where QEMU departs from the SDM and Bochs: a breakpoint hit by the last
 * iteration (QEMU: EIP at the instruction, ECX 0) is dbg_rep_strict's
 * (this source with DBG_REP_STRICT), and so is a single step and a data
 * breakpoint on the same iteration (QEMU takes two #DBs, the second at
 * the handler's first instruction; Bochs, and xbt, one with BS and B0).
 */
#include "dbg_common.h"

#ifndef DBG_REP_STRICT
#define DBG_REP_STRICT 0
#endif

#define EFL_TF 0x100u
#define DR6_STATUS 0xE00Fu /* B0-B3, BD, BS, BT */
#define REP_MAX 12
#define SEL_A16 0x30 /* GDT entry 6: ES for the 16-bit-address case */

uint8_t rep_src[16] __attribute__((aligned(16)));
uint8_t rep_dst[16] __attribute__((aligned(16)));

/* The registers a case starts with and ends with. */
static struct {
    uint32_t eax, ecx, edx, esi, edi;
} cur;
/* The case's instruction and the one after it (set by the case). */
volatile uint32_t rep_at, rep_end;

static volatile unsigned rep_n;
static volatile struct {
    uint32_t eip, ecx, esi, edi, eax, dr6, cs;
} rep_hit[REP_MAX];

/* Records the trap, clears DR6, and ends single stepping past the case's
 * instruction (or after too many steps). */
static int rep_on_db(struct isr_frame *f)
{
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    if (rep_n < REP_MAX) {
        rep_hit[rep_n].eip = f->eip;
        rep_hit[rep_n].ecx = f->ecx;
        rep_hit[rep_n].esi = f->esi;
        rep_hit[rep_n].edi = f->edi;
        rep_hit[rep_n].eax = f->eax;
        rep_hit[rep_n].dr6 = dr6 & DR6_STATUS;
        rep_hit[rep_n].cs = f->cs & 0xFFFF;
    }
    rep_n++;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
    if (f->eip == rep_end || rep_n >= 4 * REP_MAX)
        f->eflags &= ~EFL_TF;
    return 1;
}

/* A case: labels its instruction, runs pre (the last thing in it sets TF
 * when the case single-steps), the instruction, then post. */
#define TF_ON "pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
#define REP_CASE(fn, pre, insn, post)                                                              \
    static uint32_t fn(void)                                                                       \
    {                                                                                              \
        __asm__ volatile(                                                                          \
            "movl $1f, rep_at\n\tmovl $2f, rep_end\n\t" pre "\n1:\t" insn "\n2:\t" post            \
            : "+a"(cur.eax), "+c"(cur.ecx), "+d"(cur.edx), "+S"(cur.esi), "+D"(cur.edi)            \
            :                                                                                      \
            : "memory", "cc");                                                                     \
        return 0;                                                                                  \
    }

REP_CASE(tf_movsb, TF_ON, "rep movsb", "")
REP_CASE(tf_cmpsb, TF_ON, "repe cmpsb", "")
REP_CASE(tf_scasb, TF_ON, "repne scasb", "")
REP_CASE(tf_a16_stosl, "pushl %%es\n\tpushl $0x30\n\tpopl %%es\n\t" TF_ON /* ES = SEL_A16 */,
         ".byte 0x67\n\trep stosl", "popl %%es")
REP_CASE(tf_stosb, TF_ON, "rep stosb", "")
REP_CASE(tf_lodsw_down, "std\n\t" TF_ON, "rep lodsw", "cld")
REP_CASE(tf_outsb, TF_ON, "rep outsb", "")
REP_CASE(movsb, "", "rep movsb", "")
REP_CASE(movsb_down, "std", "rep movsb", "cld")
REP_CASE(lodsb, "", "rep lodsb", "")
REP_CASE(scasb, "", "repne scasb", "")
REP_CASE(cmpsb, "", "repe cmpsb", "")
REP_CASE(stosb, "", "rep stosb", "")
REP_CASE(stosl, "", "rep stosl", "")
REP_CASE(insb, "", "rep insb", "")
REP_CASE(outsb, "", "rep outsb", "")

/* A register's start value: an offset into a buffer, or (NONE) the value
 * itself.  ESI and EDI are printed relative to the buffer they start in
 * (for NONE, to the value's upper half). */
enum { NONE, SRC, DST };
struct loc {
    int buf;
    uint32_t off;
};

struct rep_case {
    const char *what; /* a section heading when fn is NULL */
    uint32_t (*fn)(void);
    uint32_t eax, ecx;
    struct loc esi, edi;
    unsigned dr, rw, len; /* a data breakpoint on watch (rw 0: none) */
    struct loc watch;
    unsigned flags;
};
#define MISMATCH 1u /* dst = src but byte 2 */
#define PORT92 2u   /* EDX = 0x92 (System Control Port A: A20 reads 1) */
#define RING3 4u    /* run at CPL 3 */
#define STRICT 8u   /* dbg_rep_strict's (QEMU departs from the SDM) */

static uint32_t addr(struct loc l)
{
    return l.buf == SRC   ? (uint32_t)&rep_src[l.off]
           : l.buf == DST ? (uint32_t)&rep_dst[l.off]
                          : l.off;
}

static uint32_t base(struct loc l)
{
    return l.buf == NONE ? l.off & 0xFFFF0000u : addr((struct loc){ l.buf, 0 });
}

static void where(uint32_t eip)
{
    if (eip == rep_at)
        printf("insn");
    else if (eip == rep_end)
        printf("past");
    else
        printf("insn%+d", (int)(eip - rep_at));
}

static void report(const char *what, uint32_t sbase, uint32_t dbase)
{
    printf("%s: %u #DB\n", what, rep_n);
    for (unsigned k = 0; k < rep_n && k < REP_MAX; k++) {
        printf("  #DB at ");
        where(rep_hit[k].eip);
        printf(": ecx %08x esi %+d edi %+d eax %08x dr6 %04x cs %02x\n", rep_hit[k].ecx,
               (int)(rep_hit[k].esi - sbase), (int)(rep_hit[k].edi - dbase), rep_hit[k].eax,
               rep_hit[k].dr6, rep_hit[k].cs);
    }
    printf("  after: ecx %08x esi %+d edi %+d eax %08x dst \"", cur.ecx, (int)(cur.esi - sbase),
           (int)(cur.edi - dbase), cur.eax);
    for (unsigned k = 0; k < 16; k++)
        printf(rep_dst[k] >= ' ' && rep_dst[k] <= '~' ? "%c" : "\\x%02x", rep_dst[k]);
    printf("\"\n");
}

static void run(const struct rep_case *c)
{
    if (!c->fn) {
        printf("%s\n", c->what);
        return;
    }
    for (unsigned k = 0; k < 16; k++) {
        rep_src[k] = (uint8_t)('A' + k);
        rep_dst[k] = !(c->flags & MISMATCH) ? '.' : k == 2 ? 'x' : rep_src[k];
    }
    cur.eax = c->eax;
    cur.ecx = c->ecx;
    cur.edx = c->flags & PORT92 ? 0x92 : 0x80;
    cur.esi = addr(c->esi);
    cur.edi = addr(c->edi);
    rep_n = 0;
    if (c->rw) {
        dbg_set_dr(c->dr, addr(c->watch));
        dbg_set_dr7(DR7_L(c->dr) | DR7_RW(c->dr, c->rw) | DR7_LEN(c->dr, c->len));
    }
    if (c->flags & RING3)
        sys_user_run(c->fn, EFL_FIXED);
    else
        c->fn();
    dbg_set_dr7(0);
    report(c->what, base(c->esi), base(c->edi));
}

/* clang-format off */
#define S(k) { SRC, k }
#define D(k) { DST, k }
#define N(v) { NONE, v }
/* clang-format on */
#define CASE(name, f, a, c, si, di) .what = name, .fn = f, .eax = a, .ecx = c, .esi = si, .edi = di
#define WATCH(n, r, l, at) .dr = n, .rw = r, .len = l, .watch = at

static const struct rep_case cases[] = {
    { .what = "== single step, ring 0 ==" },
    { CASE("rep movsb, ecx 3", tf_movsb, 0, 3, S(0), D(0)) },
    { CASE("repe cmpsb, ecx 5, bytes 2 differ", tf_cmpsb, 0, 5, S(0), D(0)), .flags = MISMATCH },
    { CASE("repne scasb for 'C', ecx 6", tf_scasb, 'C', 6, N(0), S(0)) },
    { CASE("addr16 rep stosl, cx 2, es base dst", tf_a16_stosl, 0x21212121, 0xABCD0002, N(0),
           N(0x56780004)) },
    { CASE("rep stosb, ecx 0", tf_stosb, 'z', 0, S(0), D(0)) },
    { CASE("std; rep lodsw, ecx 2", tf_lodsw_down, 0, 2, S(2), N(0)) },
    { CASE("rep outsb to port 80, ecx 2", tf_outsb, 0, 2, S(0), N(0)) },
    { .what = "== data breakpoints, ring 0 ==" },
    { CASE("rep movsb, ecx 5, DR0 write on dst+1", movsb, 0, 5, S(0), D(0)),
      WATCH(0, RW_W, LEN1, D(1)) },
    { CASE("rep lodsb, ecx 6, DR1 read/write on src+3", lodsb, 0, 6, S(0), N(0)),
      WATCH(1, RW_RW, LEN1, S(3)) },
    { CASE("repne scasb, ecx 6, DR2 read/write on src+2, 2 bytes", scasb, 0xFF, 6, N(0), S(0)),
      WATCH(2, RW_RW, LEN2, S(2)) },
    { CASE("rep stosb, ecx 10, DR3 write on dst+4, 4 bytes", stosb, 's', 10, N(0), D(0)),
      WATCH(3, RW_W, LEN4, D(4)) },
    { CASE("rep stosl, ecx 3, DR3 write on dst+4, 4 bytes", stosl, 0x73737373, 3, N(0), D(0)),
      WATCH(3, RW_W, LEN4, D(4)) },
    { CASE("std; rep movsb, ecx 5, DR1 write on dst+1", movsb_down, 0, 5, S(4), D(4)),
      WATCH(1, RW_W, LEN1, D(1)) },
    { CASE("repe cmpsb, ecx 6, bytes 2 differ, DR2 on src+2", cmpsb, 0, 6, S(0), D(0)),
      WATCH(2, RW_RW, LEN1, S(2)), .flags = MISMATCH },
    { CASE("rep movsb, ecx 5, DR0 write on src+1", movsb, 0, 5, S(0), D(0)),
      WATCH(0, RW_W, LEN1, S(1)) },
    { CASE("rep insb from port 92, ecx 4, DR1 write on dst+1", insb, 0, 4, N(0), D(0)),
      WATCH(1, RW_W, LEN1, D(1)), .flags = PORT92 },
    { CASE("rep outsb to port 80, ecx 4, DR2 read/write on src+2", outsb, 0, 4, S(0), N(0)),
      WATCH(2, RW_RW, LEN1, S(2)) },
    { .what = "== ring 3 ==" },
    { CASE("single step: rep stosb, ecx 3", tf_stosb, 'u', 3, N(0), D(0)), .flags = RING3 },
    { CASE("rep movsb, ecx 4, DR1 write on dst+2", movsb, 0, 4, S(0), D(0)),
      WATCH(1, RW_W, LEN1, D(2)), .flags = RING3 },
    /* Where QEMU departs from the SDM (and Bochs): a data breakpoint hit by
     * the last iteration traps with EIP past the instruction, where QEMU
     * leaves it at the instruction (with ECX = 0 it does nothing again). */
    { .what = "== data breakpoints hit by the last iteration ==", .flags = STRICT },
    { CASE("rep movsb, ecx 4, DR0 write on dst+3", movsb, 0, 4, S(0), D(0)),
      WATCH(0, RW_W, LEN1, D(3)), .flags = STRICT },
    { CASE("rep lodsb, ecx 3, DR1 read/write on src+2", lodsb, 0, 3, S(0), N(0)),
      WATCH(1, RW_RW, LEN1, S(2)), .flags = STRICT },
    { CASE("rep stosl, ecx 2, DR3 write on dst+4, 4 bytes", stosl, 0x6C6C6C6C, 2, N(0), D(0)),
      WATCH(3, RW_W, LEN4, D(4)), .flags = STRICT },
    /* Single step and a data breakpoint on the same iteration: one #DB
     * with BS and Bn in DR6 (QEMU takes two, the second at the handler). */
    { .what = "== single step and a data breakpoint together ==", .flags = STRICT },
    { CASE("rep movsb, ecx 3, single step, DR0 write on dst+1", tf_movsb, 0, 3, S(0), D(0)),
      WATCH(0, RW_W, LEN1, D(1)), .flags = STRICT },
};

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    dbg_init();
    sys_hook(1, rep_on_db);
    sys_seg(SEL_A16 >> 3, (uint32_t)rep_dst, 0xFFFF, ACC_DATA0, GRAN_1B_32);
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++)
        if (!(cases[k].flags & STRICT) == !DBG_REP_STRICT)
            run(&cases[k]);
    printf("done\n");
    return 0;
}
