/*
 * sys_stack_limit.c - the stack segment's limit on the pushes and pops the
 * CPU makes itself in protected mode: far CALL, RETF and IRET (also to
 * ring 3), PUSHA/POPA, INT n and an exception (#UD) on the current stack,
 * and INT n, #UD and a call gate from ring 3 switching to an inner stack
 * (SS0:ESP0 of the TSS; SS1:ESP1 to ring 1, whose RPL 1 the error code
 * drops).  A frame beyond the limit is #SS before anything
 * is written or any register changed (Intel SDM, the CALL, RET, IRET,
 * PUSHA, POPA and INT n pseudo-code): expand-up, every byte offset at most
 * the limit; expand-down, every offset above it and at most 0xFFFF (B
 * clear) or 0xFFFFFFFF (B set); a 16-bit stack (B clear) is addressed by
 * SP, wrapping within 64 KiB, ESP's upper half (garbage here) left alone.
 * Error codes: 0, with EXT (1) for an exception being delivered; the new
 * SS's selector when the frame goes on an inner stack (with EXT for an
 * exception).  Segments of limit 0xFFF (0xFFFF for the 16-bit wraps that
 * fit), with ESP at the limit, just beyond it, and wrapping past 0 or
 * 4 GiB; the cases that fit show where the frame went.
 *
 * #SS (and #GP and #DF, should they come) goes through a task gate, so it
 * is delivered on a good stack whatever the broken one.  Each case prints
 * the fault (error code, EIP relative to the instruction, ESP relative to
 * its value before it, the interrupted CS and SS) or "no fault" and how
 * ESP moved, then the bytes around the stack pointers that changed (as
 * offsets in the segment; "mem clean": none) in either of two runs over
 * complementary fill patterns; POPA cases whether the registers kept
 * their values.
 *
 * QEMU checks none of these limits (QEMU SKIP); the expected output is
 * Bochs's (bochs_sys_stack_limit).  Left out where Bochs departs from the
 * SDM: a frame whose first elements fit and a later one does not (Bochs
 * checks and writes element by element, so the elements that fit are
 * written before the #SS: far CALL, INT n, PUSHA, stack switches), a far
 * CALL on a 16-bit stack wrapping at 64 KiB (Bochs does not wrap SP: #SS)
 * and an IRET reading across that wrap (the same).
 */
#include "sys_common.h"

#define SEL_UP (6 << 3)          /* expand-up, limit 0xfff, B = 1, base stk */
#define SEL_DOWN (7 << 3)        /* expand-down, limit 0xfff, B = 1 */
#define SEL_UP16 (8 << 3)        /* expand-up, limit 0xfff, B = 0 */
#define SEL_W16 (9 << 3)         /* expand-up, limit 0xffff, B = 0 */
#define SEL_DOWN16 (10 << 3)     /* expand-down, limit 0xfff, B = 0 */
#define SEL_CGATE (11 << 3 | 3)  /* call gate, DPL 3, to cg_target at ring 0 */
#define SEL_R1CODE (12 << 3 | 1) /* ring-1 code, flat */
#define SEL_R1UP (13 << 3 | 1)   /* ring-1 data, expand-up, limit 0xfff, B = 1 */
#define SEL_CGATE1 (14 << 3 | 3) /* call gate, DPL 3, to cg_target at ring 1 */
#define TSS_IDX_SS 15
#define TSS_IDX_GP 16
#define TSS_IDX_DF 17

/* Every segment's base is stk = arena + ARENA_PAD: offsets -ARENA_PAD to
 * 0x10000 + ARENA_PAD lie in the arena. */
#define ARENA_PAD 0x800
static uint8_t arena[0x10000 + 2 * ARENA_PAD] __attribute__((aligned(4096)));
static uint8_t snap[sizeof arena];
#define STK ((uint32_t)arena + ARENA_PAD)

volatile uint32_t t_save, t_before, t_after, h82_esp;

/* Far-call and call-gate targets, the return point of the RETF and IRET
 * frames (back to the case's SYS_END), the INT 0x40 and 0x82 handlers
 * (0x82, from ring 3, and the call gate also put back SS0:ESP0 for the
 * way back into the kernel). */
__asm__(".text\n"
        "far_target:\n\tlret\n"
        "ctl_back:\n\tjmp *sys_resume\n"
        "h40:\n\tiret\n"
        "h82:\n\tmovl %esp, h82_esp\n\t"
        "movl $0x10, sys_tss+8\n\tmovl $sys_kstack+8192, sys_tss+4\n\tiret\n"
        "cg_target:\n\t"
        "movl $0x10, sys_tss+8\n\tmovl $sys_kstack+8192, sys_tss+4\n\tlret\n");
extern char ctl_back[], h40[], h82[], cg_target[];

/* Ring 0: SS:ESP = sel:esp, then `pre`, then the instruction under test. */
#define R0(fn, sel, esp, pre, insn)                                                                \
    static uint32_t fn(void)                                                                       \
    {                                                                                              \
        __asm__ volatile("pushal\n\tmovl %%esp, t_save\n\t"                                        \
                         "movl %0, %%eax\n\tmovl %%eax, %%ss\n\tmovl %1, %%esp\n\t"                \
                         "movl %%esp, t_before\n\t" pre SYS_TRY insn SYS_END                       \
                         "movl %%esp, t_after\n\tmovl $0x10, %%eax\n\t"                            \
                         "movl %%eax, %%ss\n\tmovl t_save, %%esp\n\tpopal"                         \
                         :                                                                         \
                         : "i"(sel), "i"(esp)                                                      \
                         : "memory", "cc");                                                        \
        return 0;                                                                                  \
    }
/* Ring 3 (flat stack): the instruction under test. */
#define R3(fn, insn)                                                                               \
    static uint32_t fn(void)                                                                       \
    {                                                                                              \
        __asm__ volatile("pushal\n\tmovl %%esp, t_before\n\t" SYS_TRY insn SYS_END                 \
                         "movl %%esp, t_after\n\tpopal"                                            \
                         :                                                                         \
                         :                                                                         \
                         : "memory", "cc");                                                        \
        return 0;                                                                                  \
    }

#define MARKS                                                                                      \
    "movl $0xa0a0a0a0, %%eax\n\tmovl $0xc1c1c1c1, %%ecx\n\tmovl $0xd2d2d2d2, %%edx\n\t"            \
    "movl $0xb3b3b3b3, %%ebx\n\tmovl $0x5b5b5b5b, %%ebp\n\tmovl $0x56565656, %%esi\n\t"            \
    "movl $0xd7d7d7d7, %%edi\n\t"
#define LCALL "lcall $0x08, $far_target"

/* Expand-up, limit 0xfff, 32-bit. */
R0(up_call_top, SEL_UP, 0x1000, "", LCALL)
R0(up_call_over, SEL_UP, 0x1004, "", LCALL)
R0(up_call_0, SEL_UP, 0, "", LCALL)
R0(up_call_2, SEL_UP, 2, "", LCALL)
R0(up_retf_ok, SEL_UP, 0xff8, "", "lret")
R0(up_retf, SEL_UP, 0xffc, "", "lret")
R0(up_retf3, SEL_UP, 0xff8, "", "lret")
R0(up_iret_ok, SEL_UP, 0xff4, "", "iret")
R0(up_iret, SEL_UP, 0xff8, "", "iret")
R0(up_iret3, SEL_UP, 0xff4, "", "iret")
R0(up_pusha_ok, SEL_UP, 0x20, MARKS, "pushal")
R0(up_pusha_0, SEL_UP, 0, MARKS, "pushal")
R0(up_pusha_over, SEL_UP, 0x1004, MARKS, "pushal")
R0(up_popa_ok, SEL_UP, 0xfe0, MARKS, "popal")
R0(up_popa, SEL_UP, 0xfe4, MARKS, "popal")
R0(up_popaw, SEL_UP, 0xff2, MARKS, "popaw")
R0(up_int_ok, SEL_UP, 0x1000, "", "int $0x40")
R0(up_int_0, SEL_UP, 0, "", "int $0x40")
R0(up_int_over, SEL_UP, 0x100c, "", "int $0x40")
R0(up_ud_0, SEL_UP, 0, "", "ud2")
/* Expand-down, limit 0xfff, 32-bit: offsets 0x1000 - 0xffffffff. */
R0(dn_call_ok, SEL_DOWN, 0x1008, "", LCALL)
R0(dn_call, SEL_DOWN, 0x1000, "", LCALL)
R0(dn_push, SEL_DOWN, 0x1000, "", "pushl %%eax")
R0(dn_pusha_ok, SEL_DOWN, 0x1020, MARKS, "pushal")
R0(dn_pusha, SEL_DOWN, 0x1000, MARKS, "pushal")
R0(dn_int, SEL_DOWN, 0x1000, "", "int $0x40")
R0(dn_retf_top, SEL_DOWN, 0xfffffff8, "", "lret")
R0(dn_iret_top, SEL_DOWN, 0xfffffff8, "", "iret")
R0(dn_popa_ok, SEL_DOWN, 0xffffffe0, MARKS, "popal")
R0(dn_popa_top, SEL_DOWN, 0xffffffe4, MARKS, "popal")
/* 16-bit (SP), expand-up, limit 0xfff; ESP's upper half is garbage. */
R0(s16_push, SEL_UP16, 0x12340002, "", "pushl %%eax")
R0(s16_call, SEL_UP16, 0x12340002, "", LCALL)
R0(s16_call_ok, SEL_UP16, 0x12341000, "", LCALL)
R0(s16_int, SEL_UP16, 0x12340002, "", "int $0x40")
R0(s16_pusha, SEL_UP16, 0x12340000, MARKS, "pushal")
R0(s16_pusha_ok, SEL_UP16, 0x12340020, MARKS, "pushal")
R0(s16_popa, SEL_UP16, 0x12340ff0, MARKS, "popal")
R0(w16_pusha_ok, SEL_W16, 0x12340010, MARKS, "pushal")
R0(w16_popa_ok, SEL_W16, 0x1234fff0, "", "popal")
R0(d16_retf, SEL_DOWN16, 0x1234fffc, "", "lret")
R0(d16_push, SEL_DOWN16, 0x12341002, "", "pushl %%eax")
/* Ring 3 to ring 0 (SS0:ESP0 set by the case). */
R3(u_int80, "int $0x80")
R3(u_int82, "int $0x82")
R3(u_ud, "ud2")
R3(u_cgate, "lcall $0x5b, $0")
R3(u_int83, "int $0x83")
R3(u_cgate1, "lcall $0x73, $0")

#define BACK 0xBAC0BAC0u /* the frame word for ctl_back */
#define F_REGS 1         /* report the general registers (POPA) */
#define F_R3 2           /* runs at ring 3 */
#define F_R1 4           /* ss0 and esp0 are SS1:ESP1 */

struct scase {
    const char *name;
    uint32_t (*fn)(void);
    unsigned flags;
    uint16_t ss0; /* ring-3 cases: the TSS's SS0:ESP0 */
    uint32_t esp0;
    uint32_t at; /* the words of a RETF or IRET frame at this offset */
    uint32_t w[3];
};

static const struct scase cases[] = {
    { "lcall, up fff, esp 1000", up_call_top, 0, 0, 0, 0, { 0 } },
    { "lcall, up fff, esp 1004", up_call_over, 0, 0, 0, 0, { 0 } },
    { "lcall, up fff, esp 0", up_call_0, 0, 0, 0, 0, { 0 } },
    { "lcall, up fff, esp 2", up_call_2, 0, 0, 0, 0, { 0 } },
    { "lret, up fff, esp ff8", up_retf_ok, 0, 0, 0, 0xff8, { BACK, 0x08 } },
    { "lret, up fff, esp ffc", up_retf, 0, 0, 0, 0xffc, { BACK } },
    { "lret to ring 3, up fff, esp ff8", up_retf3, 0, 0, 0, 0xff8, { BACK, 0x1b } },
    { "iret, up fff, esp ff4", up_iret_ok, 0, 0, 0, 0xff4, { BACK, 0x08, 2 } },
    { "iret, up fff, esp ff8", up_iret, 0, 0, 0, 0xff8, { BACK, 0x08 } },
    { "iret to ring 3, up fff, esp ff4", up_iret3, 0, 0, 0, 0xff4, { BACK, 0x1b, 2 } },
    { "pushal, up fff, esp 20", up_pusha_ok, 0, 0, 0, 0, { 0 } },
    { "pushal, up fff, esp 0", up_pusha_0, 0, 0, 0, 0, { 0 } },
    { "pushal, up fff, esp 1004", up_pusha_over, 0, 0, 0, 0, { 0 } },
    { "popal, up fff, esp fe0", up_popa_ok, F_REGS, 0, 0, 0, { 0 } },
    { "popal, up fff, esp fe4", up_popa, F_REGS, 0, 0, 0, { 0 } },
    { "popaw, up fff, esp ff2", up_popaw, F_REGS, 0, 0, 0, { 0 } },
    { "int 0x40, up fff, esp 1000", up_int_ok, 0, 0, 0, 0, { 0 } },
    { "int 0x40, up fff, esp 0", up_int_0, 0, 0, 0, 0, { 0 } },
    { "int 0x40, up fff, esp 100c", up_int_over, 0, 0, 0, 0, { 0 } },
    { "ud2 (#UD), up fff, esp 0", up_ud_0, 0, 0, 0, 0, { 0 } },
    { "lcall, down fff, esp 1008", dn_call_ok, 0, 0, 0, 0, { 0 } },
    { "lcall, down fff, esp 1000", dn_call, 0, 0, 0, 0, { 0 } },
    { "pushl, down fff, esp 1000", dn_push, 0, 0, 0, 0, { 0 } },
    { "pushal, down fff, esp 1020", dn_pusha_ok, 0, 0, 0, 0, { 0 } },
    { "pushal, down fff, esp 1000", dn_pusha, 0, 0, 0, 0, { 0 } },
    { "int 0x40, down fff, esp 1000", dn_int, 0, 0, 0, 0, { 0 } },
    { "lret, down fff, esp fffffff8", dn_retf_top, 0, 0, 0, 0xfffffff8, { BACK, 0x08 } },
    { "iret, down fff, esp fffffff8", dn_iret_top, 0, 0, 0, 0xfffffff8, { BACK, 0x08 } },
    { "popal, down fff, esp ffffffe0", dn_popa_ok, F_REGS, 0, 0, 0, { 0 } },
    { "popal, down fff, esp ffffffe4", dn_popa_top, F_REGS, 0, 0, 0, { 0 } },
    { "pushl, 16-bit up fff, esp 12340002", s16_push, 0, 0, 0, 0, { 0 } },
    { "lcall, 16-bit up fff, esp 12340002", s16_call, 0, 0, 0, 0, { 0 } },
    { "lcall, 16-bit up fff, esp 12341000", s16_call_ok, 0, 0, 0, 0, { 0 } },
    { "int 0x40, 16-bit up fff, esp 12340002", s16_int, 0, 0, 0, 0, { 0 } },
    { "pushal, 16-bit up fff, esp 12340000", s16_pusha, 0, 0, 0, 0, { 0 } },
    { "pushal, 16-bit up fff, esp 12340020", s16_pusha_ok, 0, 0, 0, 0, { 0 } },
    { "popal, 16-bit up fff, esp 12340ff0", s16_popa, F_REGS, 0, 0, 0, { 0 } },
    { "pushal, 16-bit up ffff, esp 12340010", w16_pusha_ok, 0, 0, 0, 0, { 0 } },
    { "popal, 16-bit up ffff, esp 1234fff0", w16_popa_ok, 0, 0, 0, 0, { 0 } },
    { "lret, 16-bit down fff, esp 1234fffc", d16_retf, 0, 0, 0, 0xfffc, { BACK } },
    { "pushl, 16-bit down fff, esp 12341002", d16_push, 0, 0, 0, 0, { 0 } },
    { "ring 3 int 0x80, ss0 up fff, esp0 0", u_int80, F_R3, SEL_UP, 0, 0, { 0 } },
    { "ring 3 int 0x80, ss0 up fff, esp0 1010", u_int80, F_R3, SEL_UP, 0x1010, 0, { 0 } },
    { "ring 3 int 0x80, ss0 up fff, esp0 1008", u_int80, F_R3, SEL_UP, 0x1008, 0, { 0 } },
    { "ring 3 ud2 (#UD), ss0 up fff, esp0 0", u_ud, F_R3, SEL_UP, 0, 0, { 0 } },
    { "ring 3 int 0x80, ss0 down fff, esp0 1000", u_int80, F_R3, SEL_DOWN, 0x1000, 0, { 0 } },
    { "ring 3 int 0x82, ss0 down fff, esp0 1014", u_int82, F_R3, SEL_DOWN, 0x1014, 0, { 0 } },
    { "ring 3 int 0x80, ss0 16-bit fff, esp0 12340002",
      u_int80,
      F_R3,
      SEL_UP16,
      0x12340002,
      0,
      { 0 } },
    { "ring 3 call gate, ss0 up fff, esp0 0", u_cgate, F_R3, SEL_UP, 0, 0, { 0 } },
    { "ring 3 call gate, ss0 down fff, esp0 1000", u_cgate, F_R3, SEL_DOWN, 0x1000, 0, { 0 } },
    { "ring 3 call gate, ss0 down fff, esp0 1010", u_cgate, F_R3, SEL_DOWN, 0x1010, 0, { 0 } },
    { "ring 3 int 0x83 to ring 1, ss1 up fff, esp1 0",
      u_int83,
      F_R3 | F_R1,
      SEL_R1UP,
      0,
      0,
      { 0 } },
    { "ring 3 call gate to ring 1, ss1 up fff, esp1 0",
      u_cgate1,
      F_R3 | F_R1,
      SEL_R1UP,
      0,
      0,
      { 0 } },
};

/* The faults, recorded by the fault tasks from the interrupted task's
 * TSS. */
static volatile struct {
    int vec;
    uint32_t err, eip, mark, cs, ss, esp;
    uint32_t regs[8];
    unsigned n;
} got;
static struct sys_ftask ss_task, gp_task, df_task;

static void fault_task(struct sys_ftask *t, int vec, uint32_t err)
{
    struct tss32 *prev = sys_tss_at((uint16_t)t->tss.link);

    if (got.n++ == 0) {
        got.vec = vec;
        got.err = err;
        got.eip = prev->eip;
        got.mark = sys_mark;
        got.cs = prev->cs & 0xFFFF;
        got.ss = prev->ss & 0xFFFF;
        got.esp = prev->esp;
        const uint32_t r[8] = { prev->eax, prev->ecx, prev->edx, prev->ebx,
                                prev->esp, prev->ebp, prev->esi, prev->edi };
        for (unsigned k = 0; k < 8; k++)
            got.regs[k] = r[k];
    }
    prev->ss0 = SEL_KDATA; /* the ring-3 cases' way back into the kernel */
    prev->esp0 = SYS_KSTACK_TOP;
    if (!sys_resume)
        panic("%s again at %04x:%08x", sys_vec_name(vec), prev->cs & 0xFFFF, prev->eip);
    prev->eip = sys_resume;
    sys_resume = 0;
}

static void ss_fn(uint32_t err)
{
    fault_task(&ss_task, 12, err);
}
static void gp_fn(uint32_t err)
{
    fault_task(&gp_task, 13, err);
}
static void df_fn(uint32_t err)
{
    fault_task(&df_task, 8, err);
}

/* The parts of the arena a case may reach, as segment offsets: around 0
 * (and 4 GiB), around 0x1000, and below 64 KiB. */
#define NWIN 3
static const int32_t win_lo[NWIN] = { -0x40, 0xFC0, 0xFFC0 },
                     win_hi[NWIN] = { 0x40, 0x1040, 0x10000 };
static uint8_t dirty[sizeof arena];

static uint8_t *at(int32_t off)
{
    return &arena[ARENA_PAD + off];
}

static void put32(uint32_t off, uint32_t v)
{
    for (unsigned b = 0; b < 4; b++)
        *at((int32_t)(off + b)) = (uint8_t)(v >> (8 * b));
}

/* The runs of bytes changed in either pass, as segment offsets. */
static void mem_report(char *buf, size_t size)
{
    size_t len = 0;
    unsigned runs = 0;
    for (unsigned w = 0; w < NWIN; w++) {
        for (int32_t i = win_lo[w]; i < win_hi[w]; i++) {
            if (!dirty[ARENA_PAD + i])
                continue;
            int32_t j = i;
            while (j + 1 < win_hi[w] && dirty[ARENA_PAD + j + 1])
                j++;
            if (runs++ < 3)
                len += (size_t)snprintf(buf + len, size - len, "%s%08x-%08x", runs > 1 ? " " : "",
                                        (uint32_t)i, (uint32_t)j);
            i = j;
        }
    }
    if (!runs)
        snprintf(buf, size, "mem clean");
}

static const uint32_t marks[8] = { 0xa0a0a0a0, 0xc1c1c1c1, 0xd2d2d2d2, 0xb3b3b3b3,
                                   0,          0x5b5b5b5b, 0x56565656, 0xd7d7d7d7 };

/* One pass over the arena filled with fill ^ (7 * index): the fault (or
 * "no fault") printed into res, changed bytes marked in dirty. */
static void pass(const struct scase *c, uint8_t fill, char *res, size_t size)
{
    for (unsigned w = 0; w < NWIN; w++)
        for (int32_t i = win_lo[w]; i < win_hi[w]; i++)
            *at(i) = (uint8_t)(fill ^ (i * 7));
    for (unsigned k = 0; k < 3 && c->at; k++)
        put32(c->at + 4 * k, c->w[k] == BACK ? (uint32_t)ctl_back : c->w[k]);
    for (unsigned w = 0; w < NWIN; w++)
        for (int32_t i = win_lo[w]; i < win_hi[w]; i++)
            snap[ARENA_PAD + i] = *at(i);
    got.vec = -1;
    got.n = 0;
    h82_esp = 0;
    if (c->flags & F_R1) {
        sys_tss.t.ss1 = c->ss0;
        sys_tss.t.esp1 = c->esp0;
        sys_user_run(c->fn, EFL_FIXED);
        sys_tss.t.ss1 = sys_tss.t.esp1 = 0;
    } else if (c->flags & F_R3) {
        sys_tss.t.ss0 = c->ss0;
        sys_tss.t.esp0 = c->esp0;
        sys_user_run(c->fn, EFL_FIXED);
        sys_tss.t.ss0 = SEL_KDATA;
        sys_tss.t.esp0 = SYS_KSTACK_TOP;
    } else {
        c->fn();
    }
    for (unsigned w = 0; w < NWIN; w++)
        for (int32_t i = win_lo[w]; i < win_hi[w]; i++)
            dirty[ARENA_PAD + i] |= *at(i) != snap[ARENA_PAD + i];

    size_t len;
    if (got.vec < 0)
        len = (size_t)snprintf(res, size, "no fault, esp %+d", (int)(t_after - t_before));
    else
        len = (size_t)snprintf(res, size, "%s(%04x) eip %+d esp %+d cs %02x ss %04x",
                               sys_vec_name(got.vec), got.err, (int)(got.eip - got.mark),
                               (int)(got.esp - t_before), got.cs, got.ss);
    if (got.n > 1)
        len += (size_t)snprintf(res + len, size - len, ", %u faults", got.n);
    if (h82_esp)
        len += (size_t)snprintf(res + len, size - len, ", int 0x82 esp %08x", h82_esp);
    if ((c->flags & F_REGS) && got.vec >= 0) {
        unsigned same = 0;
        for (unsigned k = 0; k < 8; k++)
            same += k == 4 || got.regs[k] == marks[k];
        snprintf(res + len, size - len, ", regs %s", same == 8 ? "kept" : "changed");
    }
}

/* Two passes, the second over the complement of the first's pattern, so
 * that a byte written with the value it had still shows. */
static void run(const struct scase *c)
{
    char res[2][128], mem[80];

    for (unsigned w = 0; w < NWIN; w++)
        for (int32_t i = win_lo[w]; i < win_hi[w]; i++)
            dirty[ARENA_PAD + i] = 0;
    pass(c, 0x5A, res[0], sizeof res[0]);
    pass(c, 0xA5, res[1], sizeof res[1]);
    mem_report(mem, sizeof mem);
    printf("%-48s %s, %s\n", c->name, res[0], mem);
    if (strcmp(res[0], res[1]))
        printf("  second pass: %s\n", res[1]);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    sys_seg(6, STK, 0xFFF, ACC_DATA0, GRAN_1B_32);
    sys_seg(7, STK, 0xFFF, 0x96, GRAN_1B_32);
    sys_seg(8, STK, 0xFFF, ACC_DATA0, 0);
    sys_seg(9, STK, 0xFFFF, ACC_DATA0, 0);
    sys_seg(10, STK, 0xFFF, 0x96, 0);
    sys_gate(11, SEL_KCODE, (uint32_t)cg_target, ACC_CALLGATE | ACC_DPL(3), 0);
    sys_idt_set(0x40, SEL_KCODE, (uint32_t)h40, ACC_INTGATE);
    sys_idt_set(0x82, SEL_KCODE, (uint32_t)h82, ACC_INTGATE | ACC_DPL(3));
    sys_seg(12, 0, 0xFFFFF, ACC_CODE0 | ACC_DPL(1), GRAN_4K_32);
    sys_seg(13, STK, 0xFFF, ACC_DATA0 | ACC_DPL(1), GRAN_1B_32);
    sys_gate(14, SEL_R1CODE, (uint32_t)cg_target, ACC_CALLGATE | ACC_DPL(3), 0);
    sys_idt_set(0x83, SEL_R1CODE, (uint32_t)h40, ACC_INTGATE | ACC_DPL(3));
    sys_ftask_init(&ss_task, TSS_IDX_SS, ss_fn, 1);
    sys_ftask_init(&gp_task, TSS_IDX_GP, gp_fn, 1);
    sys_ftask_init(&df_task, TSS_IDX_DF, df_fn, 1);
    sys_idt_set(12, TSS_IDX_SS << 3, 0, ACC_TASKGATE);
    sys_idt_set(13, TSS_IDX_GP << 3, 0, ACC_TASKGATE);
    sys_idt_set(8, TSS_IDX_DF << 3, 0, ACC_TASKGATE);

    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run(&cases[i]);
    __asm__ volatile("clts");
    printf("done\n");
    return 0;
}
