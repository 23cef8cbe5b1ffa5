/*
 * sys_int1.c - INT1 (ICEBP, F1) and the single-step trap are #DB
 * exceptions, not software interrupts (sys_common.h for the scaffolding):
 *   - ICEBP at ring 0 and ring 3: #DB with EIP after the instruction; at
 *     ring 3 through the DPL-0 #DB gate (no DPL check), where INT 1 (CD 01)
 *     raises #GP(0x0a) and, through a DPL-3 gate, is delivered;
 *   - ICEBP leaves DR6 alone (no B0-B3, BD, BS, BT bit set, none cleared:
 *     Linux tells ICEBP from other #DBs by an empty DR6);
 *   - ICEBP through a not-present #DB gate: #NP with EXT set (0x0b), INT 1
 *     through it: EXT clear (0x0a);
 *   - a single-step trap at ring 3 through the DPL-0 #DB gate.
 * QEMU 7.2 raises #UD for ICEBP: no QEMU run.
 */
#include "sys_common.h"

#define DR6_STATUS 0xE00Fu         /* B0-B3, BD, BS, BT */
#define EFL_TF 0x100u

static uint32_t read_dr6(void)
{
    uint32_t v;
    __asm__ volatile("movl %%dr6, %0" : "=r"(v));
    return v;
}

static void write_dr6(uint32_t v)
{
    __asm__ volatile("movl %0, %%dr6" : : "r"(v));
}

#define CASE(fn, text)                                                       \
    static uint32_t fn(void)                                                 \
    {                                                                        \
        __asm__ volatile(text SYS_END : : : "eax", "memory", "cc");          \
        return 0;                                                            \
    }

CASE(icebp, SYS_TRY ".byte 0xf1")
CASE(icebp_after, "movl $1, %%eax\n\t" SYS_TRY "incl %%eax\n\t.byte 0xf1")
CASE(int1, SYS_TRY "int $1")
CASE(int3, SYS_TRY "int3")

/* Single step at ring 3: POPF sets TF, the instruction after it traps. */
static volatile uint32_t step_tf;
static int step_hook(struct isr_frame *f)
{
    step_tf = (f->eflags & EFL_TF) != 0;
    f->eflags &= ~EFL_TF;
    return 0;                      /* and record it as a fault */
}

CASE(single_step, "pushfl\n\torl $0x100, (%%esp)\n\t" SYS_TRY "popfl\n\tnop\n\tnop")

static void dr6_case(const char *what, uint32_t before)
{
    char buf[80];

    write_dr6(before);
    icebp();
    snprintf(buf, sizeof buf, "%s, dr6 %04x", what, (unsigned)(before & DR6_STATUS));
    sys_report(buf);
    printf("  dr6 status bits after: %04x\n", (unsigned)(read_dr6() & DR6_STATUS));
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    uint64_t db_gate;

    (void)magic;
    (void)mbi;
    sys_init();
    printf("== ring 0 ==\n");
    dr6_case("icebp", 0);
    dr6_case("icebp", 0x4001);   /* BS and B0 from an earlier #DB stay */
    icebp_after();
    sys_report("inc eax; icebp");
    int1();
    sys_report("int $1");

    printf("== ring 3, #DB gate DPL 0 ==\n");
    write_dr6(0);
    sys_user_run(icebp, EFL_FIXED);
    sys_report("icebp");
    printf("  dr6 status bits after: %04x\n", (unsigned)(read_dr6() & DR6_STATUS));
    sys_user_run(int1, EFL_FIXED);
    sys_report("int $1");
    sys_user_run(int3, EFL_FIXED);
    sys_report("int3 (DPL-3 gate)");
    sys_hook(1, step_hook);
    sys_user_run(single_step, EFL_FIXED);
    sys_report("single step");
    sys_hook(1, NULL);
    printf("  TF set in the frame: %u\n", (unsigned)step_tf);

    printf("== ring 3, #DB gate DPL 3 ==\n");
    db_gate = sys_idt_get(1);
    sys_idt_stub(1, ACC_INTGATE | ACC_DPL(3));
    sys_user_run(icebp, EFL_FIXED);
    sys_report("icebp");
    sys_user_run(int1, EFL_FIXED);
    sys_report("int $1");

    printf("== #DB gate not present ==\n");
    sys_idt_put(1, db_gate & ~(1ull << 47));
    icebp();
    sys_report("ring 0: icebp");
    int1();
    sys_report("ring 0: int $1");
    sys_idt_put(1, db_gate);
    return 0;
}
