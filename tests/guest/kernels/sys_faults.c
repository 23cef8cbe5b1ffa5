/*
 * sys_faults.c - CPU exceptions through our own IDT handlers (sys_common.h):
 * each case runs one instruction in a SYS_TRY region at ring 0 or ring 3 and
 * prints the vector, error code, EIP relative to the instruction (+0 for
 * faults, past it for traps) and CS; the handler resumes after it.
 *   - #DE, #BP (int3 and cd 03), #OF, #BR, #UD (ud2, LOCK on a register,
 *     MOV to CS, MOV CR1), #NM (CR0.TS, CR0.EM, WAIT with MP);
 *   - segment loads: #GP for null SS, beyond the GDT limit, no LDT,
 *     execute-only code into DS, RPL/DPL mismatches, system descriptors;
 *     #NP and #SS for not-present descriptors;
 *   - far JMP/CALL checks (data segment, privilege, not present, null,
 *     offset beyond the CS limit, not-present call gate);
 *   - INT n through bad gates (#GP/#NP with error code vector*8+2, a vector
 *     beyond the IDT limit); INT3 through a not-present gate (#NP, EXT
 *     clear); #DE through a gate to a null selector (#DE + #GP: #DF);
 *   - ring 3: privileged instructions, DPL-0 gates, far JMP/CALL/RET/IRET
 *     to ring 0;
 *   - #TS from a ring-3 `int $0x80` whose TSS names a bad SS0, handled by a
 *     separate task through a task gate, which fixes SS0 and IRETs back.
 * Checks whose outcome QEMU gets wrong are in sys_strict.c.
 */
#include "sys_common.h"

#define SEL_XO (6 << 3)           /* execute-only code, DPL 0 */
#define SEL_NP (7 << 3)           /* not-present data, DPL 0 */
#define SEL_RO (8 << 3)           /* read-only data, DPL 0 */
#define SEL_RX (9 << 3)           /* readable code, DPL 0 */
#define SEL_NPCODE (10 << 3)      /* not-present code, DPL 0 */
#define SEL_CGATE (11 << 3)       /* call gate, DPL 3 */
#define SEL_NPGATE (12 << 3 | 3)  /* not-present call gate, DPL 3 */
#define TSS_IDX_TS 13             /* the #TS task */
#define SEL_CODE4K (14 << 3)      /* code, limit 0xfff */

static const uint32_t bounds[2] = { 0, 10 };

#define RESTORE0 "movl $0x10, %%eax\n\tmovl %%eax, %%ds\n\tmovl %%eax, %%es\n\tmovl %%eax, %%ss\n\t"
#define RESTORE3 "movl $0x23, %%eax\n\tmovl %%eax, %%ds\n\tmovl %%eax, %%es\n\tmovl %%eax, %%ss\n\t"
#define CASE(fn, text, restore)                                              \
    static uint32_t fn(void)                                                 \
    {                                                                        \
        __asm__ volatile(text SYS_END restore                                \
                         : : "m"(bounds) : "eax", "ecx", "edx", "memory", "cc"); \
        return 0;                                                            \
    }

/* Ring 0. */
CASE(de_div, "xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\t" SYS_TRY "divl %%ecx", "")
CASE(de_idiv, "movl $0x80000000, %%eax\n\tcltd\n\tmovl $-1, %%ecx\n\t" SYS_TRY "idivl %%ecx", "")
CASE(de_aam, SYS_TRY ".byte 0xd4, 0x00", "")
CASE(bp_int3, SYS_TRY "int3", "")
CASE(bp_cd03, SYS_TRY ".byte 0xcd, 0x03", "")
CASE(of_into1, "movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\t" SYS_TRY "into", "")
CASE(of_into0, "xorl %%eax, %%eax\n\t" SYS_TRY "into", "")
CASE(br_out, "movl $11, %%eax\n\t" SYS_TRY "boundl %%eax, %0", "")
CASE(br_in, "movl $10, %%eax\n\t" SYS_TRY "boundl %%eax, %0", "")
CASE(ud_ud2, SYS_TRY "ud2", "")
CASE(ud_lock, SYS_TRY ".byte 0xf0, 0x01, 0xc0", "")                 /* lock add %eax,%eax */
CASE(ud_movcs, SYS_TRY ".byte 0x8e, 0xc8", RESTORE0)                 /* mov %eax,%cs */
CASE(ud_cr1, SYS_TRY ".byte 0x0f, 0x22, 0xc8", "")                   /* mov %eax,%cr1 */
CASE(nm_fld1, SYS_TRY "fld1\n\tfstp %%st(0)", "")
CASE(nm_fwait, SYS_TRY "fwait", "")
CASE(gp_ss_null, "xorl %%eax, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE0)
CASE(gp_ss_rpl3, "movl $0x23, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE0)
CASE(gp_ss_dpl3, "movl $0x20, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE0)
CASE(gp_ss_ro, "movl $0x40, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE0)
CASE(gp_ss_code, "movl $0x08, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE0)
CASE(ss_ss_np, "movl $0x38, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE0)
CASE(gp_ds_limit, "movl $0x200, %%eax\n\t" SYS_TRY "movl %%eax, %%ds", RESTORE0)
CASE(gp_ds_ldt, "movl $0x0c, %%eax\n\t" SYS_TRY "movl %%eax, %%ds", RESTORE0)
CASE(gp_ds_xo, "movl $0x30, %%eax\n\t" SYS_TRY "movl %%eax, %%ds", RESTORE0)
CASE(ok_ds_rx, "movl $0x48, %%eax\n\t" SYS_TRY "movl %%eax, %%ds\n\tmovl (0x100000), %%eax", RESTORE0)
CASE(gp_ds_tss, "movl $0x28, %%eax\n\t" SYS_TRY "movl %%eax, %%es", RESTORE0)
CASE(gp_ds_gate, "movl $0x58, %%eax\n\t" SYS_TRY "movl %%eax, %%fs", RESTORE0 "movl %%eax, %%fs\n\t")
CASE(np_ds, "movl $0x38, %%eax\n\t" SYS_TRY "movl %%eax, %%gs", RESTORE0 "movl %%eax, %%gs\n\t")
CASE(ok_ds_null, "xorl %%eax, %%eax\n\t" SYS_TRY "movl %%eax, %%ds", RESTORE0)
CASE(gp_ljmp_data, SYS_TRY "ljmp $0x10, $0", "")
CASE(gp_ljmp_dpl3, SYS_TRY "ljmp $0x18, $0", "")
CASE(gp_ljmp_rpl3, SYS_TRY "ljmp $0x0b, $0", "")
CASE(np_ljmp, SYS_TRY "ljmp $0x50, $0", "")
CASE(gp_ljmp_null, SYS_TRY "ljmp $0x00, $0", "")
CASE(gp_ljmp_limit, SYS_TRY "ljmp $0x70, $0x2000", "")
CASE(np_lcall_gate, SYS_TRY "lcall $0x63, $0", "")
CASE(np_int85, SYS_TRY "int $0x85", "")
CASE(gp_int86, SYS_TRY "int $0x86", "")
CASE(gp_int87, SYS_TRY "int $0x87", "")
CASE(gp_int88, SYS_TRY "int $0x88", "")
CASE(np_int89, SYS_TRY "int $0x89", "")
CASE(gp_int8b, SYS_TRY "int $0x8b", "")
CASE(gp_int40, SYS_TRY "int $0x40", "")

/* Ring 3. */
CASE(u_hlt, SYS_TRY "hlt", "")
CASE(u_cli, SYS_TRY "cli", "")
CASE(u_sti, SYS_TRY "sti", "")
CASE(u_cr0, SYS_TRY "movl %%cr0, %%eax", "")
CASE(u_lidt, SYS_TRY "lidt %0", "")
CASE(u_ds_dpl0, "movl $0x13, %%eax\n\t" SYS_TRY "movl %%eax, %%ds", RESTORE3)
CASE(u_ss_code, "movl $0x1b, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE3)
CASE(u_ss_dpl0, "movl $0x13, %%eax\n\t" SYS_TRY "movl %%eax, %%ss", RESTORE3)
CASE(u_int82, SYS_TRY "int $0x82", "")
CASE(u_int85, SYS_TRY "int $0x85", "")
CASE(u_int8a, SYS_TRY "int $0x8a", "")
CASE(u_int3, SYS_TRY "int3", "")
CASE(u_into, "movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\t" SYS_TRY "into", "")
CASE(u_ljmp0, SYS_TRY "ljmp $0x08, $0", "")
CASE(u_lcall0, SYS_TRY "lcall $0x0b, $0", "")
CASE(u_lret0, "pushl $0x08\n\tpushl $7772f\n\t" SYS_TRY "lret", "addl $8, %%esp\n\t")
CASE(u_iret0, "pushfl\n\tpushl $0x08\n\tpushl $7772f\n\t" SYS_TRY "iret", "addl $12, %%esp\n\t")
CASE(u_cgate, "movl %%esp, %%ecx\n\t" SYS_TRY "lcall $0x5b, $0", "")
CASE(u_int80, SYS_TRY "int $0x80", "")

/* The call gate's target: returns to ring 3 at once. */
__asm__(".text\ncg_target:\n\tlret\n");
extern char cg_target[];

/* Safety net for a VMM that does not check a far JMP's offset against the
 * target's limit: UD2 at linear 0x2000, and back to the flat code segment. */
static int code4k_hook(struct isr_frame *f)
{
    if ((f->cs & 0xFFFF) != SEL_CODE4K)
        return 0;
    sys_trap.vector = (int)f->vector;
    sys_trap.err = f->error_code;
    sys_trap.eip = f->eip;
    sys_trap.mark = sys_mark;
    sys_trap.cs = SEL_CODE4K;
    sys_trap.count++;
    f->cs = SEL_KCODE;
    f->eip = sys_resume;
    sys_resume = 0;
    return 1;
}

struct fcase {
    const char *name;
    uint32_t (*fn)(void);
};

static void run_cases(const struct fcase *c, unsigned n, int ring3)
{
    for (unsigned i = 0; i < n; i++) {
        if (ring3)
            sys_user_run(c[i].fn, EFL_FIXED);
        else
            c[i].fn();
        sys_report(c[i].name);
    }
}

static const struct fcase ring0_cases[] = {
    { "div by zero", de_div },
    { "idiv 0x80000000:0 / -1", de_idiv },
    { "aam 0", de_aam },
    { "int3", bp_int3 },
    { "int $3 (cd 03)", bp_cd03 },
    { "into with OF=1", of_into1 },
    { "into with OF=0", of_into0 },
    { "bound 11 in [0,10]", br_out },
    { "bound 10 in [0,10]", br_in },
    { "ud2", ud_ud2 },
    { "lock add %eax,%eax", ud_lock },
    { "mov %eax,%cs", ud_movcs },
    { "mov %eax,%cr1", ud_cr1 },
    { "mov 0 to ss", gp_ss_null },
    { "mov 0x23 (rpl 3) to ss", gp_ss_rpl3 },
    { "mov 0x20 (dpl 3) to ss", gp_ss_dpl3 },
    { "mov read-only data to ss", gp_ss_ro },
    { "mov code to ss", gp_ss_code },
    { "mov not-present data to ss", ss_ss_np },
    { "mov 0x200 (beyond gdt) to ds", gp_ds_limit },
    { "mov 0x0c (no ldt) to ds", gp_ds_ldt },
    { "mov execute-only code to ds", gp_ds_xo },
    { "mov readable code to ds, read", ok_ds_rx },
    { "mov tss to es", gp_ds_tss },
    { "mov call gate to fs", gp_ds_gate },
    { "mov not-present data to gs", np_ds },
    { "mov 0 to ds", ok_ds_null },
    { "ljmp to data segment", gp_ljmp_data },
    { "ljmp to dpl-3 code", gp_ljmp_dpl3 },
    { "ljmp to 0x0b (rpl 3)", gp_ljmp_rpl3 },
    { "ljmp to not-present code", np_ljmp },
    { "ljmp to null selector", gp_ljmp_null },
    { "ljmp beyond the cs limit", gp_ljmp_limit },
    { "lcall through not-present gate", np_lcall_gate },
    { "int $0x85, gate not present", np_int85 },
    { "int $0x86, data descriptor in idt", gp_int86 },
    { "int $0x87, gate to data segment", gp_int87 },
    { "int $0x88, gate to null selector", gp_int88 },
    { "int $0x89, gate to not-present code", np_int89 },
    { "int $0x8b, gate to dpl-3 code", gp_int8b },
};

static const struct fcase ring3_cases[] = {
    { "ring 3: hlt", u_hlt },
    { "ring 3: cli (iopl 0)", u_cli },
    { "ring 3: sti (iopl 0)", u_sti },
    { "ring 3: mov %cr0,%eax", u_cr0 },
    { "ring 3: lidt", u_lidt },
    { "ring 3: mov 0x13 (dpl 0) to ds", u_ds_dpl0 },
    { "ring 3: mov code to ss", u_ss_code },
    { "ring 3: mov 0x13 (dpl 0) to ss", u_ss_dpl0 },
    { "ring 3: int $0x82 (dpl-0 gate)", u_int82 },
    { "ring 3: int $0x85 (dpl 0, not present)", u_int85 },
    { "ring 3: int $0x8a (dpl 3, not present)", u_int8a },
    { "ring 3: int3", u_int3 },
    { "ring 3: into with OF=1", u_into },
    { "ring 3: ljmp to ring-0 code", u_ljmp0 },
    { "ring 3: lcall to 0x0b", u_lcall0 },
    { "ring 3: lret to ring 0", u_lret0 },
    { "ring 3: iret to ring 0", u_iret0 },
};

/* ---- #TS through a task gate ---- */

static struct sys_ftask ts_task;

static void ts_fn(uint32_t err)
{
    struct tss32 *me = &ts_task.tss, *prev = sys_tss_at((uint16_t)me->link);

    sys_trap.vector = 10;
    sys_trap.err = err;
    sys_trap.eip = prev->eip;
    sys_trap.mark = sys_mark;
    sys_trap.cs = prev->cs;
    sys_trap.count++;
    printf("  #TS task: str=%02x link=%02x NT=%u, interrupted ss:esp=%02x:ustack-%u"
           " ss0=%02x\n", sys_str(), me->link, (read_eflags() >> 14) & 1, prev->ss,
           SYS_USTACK_TOP - prev->esp, prev->ss0);
    prev->ss0 = SEL_KDATA;
    prev->eip = sys_resume;
    sys_resume = 0;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    char buf[64];

    (void)magic;
    (void)mbi;
    sys_init();
    sys_seg(6, 0, 0xFFFFF, 0x98, GRAN_4K_32);
    sys_seg(7, 0, 0xFFFFF, 0x12, GRAN_4K_32);
    sys_seg(8, 0, 0xFFFFF, 0x90, GRAN_4K_32);
    sys_seg(9, 0, 0xFFFFF, 0x9A, GRAN_4K_32);
    sys_seg(10, 0, 0xFFFFF, 0x1A, GRAN_4K_32);
    sys_seg(14, 0, 0xFFF, ACC_CODE0, GRAN_1B_32);
    sys_gate(11, SEL_KCODE, (uint32_t)cg_target, ACC_CALLGATE | ACC_DPL(3), 0);
    sys_gate(12, SEL_KCODE, (uint32_t)cg_target, (ACC_CALLGATE | ACC_DPL(3)) & 0x7F, 0);

    sys_idt_stub(0x85, ACC_INTGATE & 0x7F);                  /* not present */
    sys_idt_put(0x86, sys_gdt[SEL_KDATA >> 3]);              /* a data descriptor */
    sys_idt_set(0x87, SEL_KDATA, 0, ACC_INTGATE);
    sys_idt_set(0x88, 0, 0, ACC_INTGATE);
    sys_idt_set(0x89, SEL_NPCODE, 0, ACC_INTGATE);
    sys_idt_stub(0x8a, (ACC_INTGATE | ACC_DPL(3)) & 0x7F);  /* DPL 3, not present */
    sys_idt_set(0x8b, SEL_UCODE, 0, ACC_INTGATE);            /* to ring 3: DPL > CPL */

    *(volatile uint16_t *)0x2000 = 0x0B0F;
    sys_hook(6, code4k_hook);

    printf("== ring 0 ==\n");
    run_cases(ring0_cases, sizeof ring0_cases / sizeof ring0_cases[0], 0);

    /* IDT limit: vectors 0-0x2f only. */
    sys_hook(6, 0);
    sys_lidt(0x30 * 8 - 1);
    gp_int40();
    sys_lidt(256 * 8 - 1);
    sys_report("int $0x40 beyond the idt limit");

    /* #NM */
    uint32_t cr0 = sys_read_cr0();
    __asm__ volatile("fninit");
    sys_write_cr0(cr0 | 0x8);                 /* TS */
    nm_fld1();
    sys_report("fld1 with cr0.ts");
    __asm__ volatile("clts");
    nm_fld1();
    sys_report("fld1 after clts");
    sys_write_cr0((cr0 & ~0x2u) | 0x8);       /* TS, MP = 0 */
    nm_fwait();
    sys_report("fwait with ts, mp=0");
    sys_write_cr0(cr0 | 0x8 | 0x2);           /* TS, MP */
    nm_fwait();
    sys_report("fwait with ts, mp=1");
    sys_write_cr0((cr0 & ~0x8u) | 0x4);       /* EM */
    nm_fld1();
    sys_report("fld1 with cr0.em");
    nm_fwait();
    sys_report("fwait with cr0.em");
    sys_write_cr0(cr0);
    nm_fld1();
    sys_report("fld1 with cr0 restored");

    /* Faults while delivering: INT3 is a software interrupt (EXT = 0);
     * #DE + #GP are both contributory: #DF. */
    sys_idt_stub(3, (ACC_INTGATE | ACC_DPL(3)) & 0x7F);
    bp_int3();
    sys_report("int3, #BP gate not present");
    sys_idt_stub(3, ACC_INTGATE | ACC_DPL(3));
    sys_idt_set(0, 0, 0, ACC_INTGATE);
    de_div();
    sys_report("div 0, #DE gate to null sel (#DF)");
    sys_idt_stub(0, ACC_INTGATE);

    printf("== ring 3 ==\n");
    run_cases(ring3_cases, sizeof ring3_cases / sizeof ring3_cases[0], 1);
    sys_user_run(u_cgate, EFL_FIXED);
    sys_report("ring 3: lcall through dpl-3 gate");

    printf("== #TS: ring-3 int $0x80 with a bad SS0 (#TS task gate) ==\n");
    sys_idt_set(10, TSS_IDX_TS << 3, 0, ACC_TASKGATE);
    static const struct {
        uint16_t ss0;
        const char *what;
    } bad_ss0[] = {
        { 0x00, "null" }, { 0x23, "rpl 3" }, { 0x20, "dpl 3" }, { 0x08, "code" },
        { 0x40, "read-only" }, { 0x200, "beyond gdt" }, { 0x0c, "ldt, no ldt" },
    };
    for (unsigned i = 0; i < sizeof bad_ss0 / sizeof bad_ss0[0]; i++) {
        /* a fresh task each time: re-entering a task is sys_task's business */
        sys_ftask_init(&ts_task, TSS_IDX_TS, ts_fn, 1);
        sys_tss.t.ss0 = bad_ss0[i].ss0;
        sys_user_run(u_int80, EFL_FIXED);
        snprintf(buf, sizeof buf, "ring 3: int $0x80, ss0=%#x (%s)", bad_ss0[i].ss0,
                 bad_ss0[i].what);
        sys_report(buf);
    }
    printf("after the task switches: cr0.ts=%u tr=%02x tss busy=%u ts task busy=%u\n",
           (sys_read_cr0() >> 3) & 1, sys_str(), (sys_access(SEL_TSS) >> 1) & 1,
           (sys_access(TSS_IDX_TS << 3) >> 1) & 1);
    __asm__ volatile("clts");

    printf("%u exceptions\n", sys_trap.count);
    return 0;
}
