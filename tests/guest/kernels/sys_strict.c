/*
 * sys_strict.c - protection checks that an i686 makes and QEMU (TCG) does
 * not, or makes differently; guest-only (QEMU SKIP), the expected output
 * (sys_strict.expected) is the hardware behaviour per the Intel SDM:
 *   - data segment limits, read-only data and code segments, null
 *     segments (#GP(0)); an expand-down segment; the stack segment limit
 *     (#SS(0)); executing past the CS limit (#GP(0));
 *     QEMU checks none of these on ordinary accesses;
 *   - a not-present inner stack segment (SS0 in the TSS) on an interrupt or
 *     call gate from ring 3: #SS(SS0) (SDM, INT n and CALL pseudo-code);
 *     QEMU raises #TS(SS0);
 *   - the EXT bit (bit 0) of the error code of a fault raised while
 *     delivering an exception (#UD, #BR through a broken IDT entry): set;
 *     QEMU never sets it (INT3 and INT n: clear, in sys_faults);
 *   - #AC: a misaligned access at ring 3 with CR0.AM and EFLAGS.AC set;
 *     QEMU does not implement alignment checking;
 *   - RDMSR/WRMSR of an MSR the CPU does not have: #GP(0); QEMU reads 0
 *     and ignores the write;
 *   - a data segment of a new task that fails to load (DS beyond the GDT:
 *     #TS, FS not present: #NP) faults after the commit point of the task
 *     switch, so the exception is delivered in the new task, at its first
 *     instruction (SDM 7.3, steps 13 and 14); QEMU delivers it with the new
 *     task's state but the EIP of the old task's JMP.
 */
#include "sys_common.h"

#define SEL_LIM (6 << 3)          /* data, base lim_buf, limit 0xfff */
#define SEL_RO (7 << 3)           /* read-only data, flat */
#define SEL_DOWN (8 << 3)         /* expand-down data, limit 0xfff, B = 1 */
#define SEL_USTK (9 << 3 | 3)     /* ring-3 data, base ustk_buf, limit 0xfff */
#define SEL_CSLIM (10 << 3)       /* code whose limit ends at xpage + 4095 */
#define SEL_NP (11 << 3)          /* not-present data, DPL 0 */
#define SEL_CGATE (12 << 3 | 3)   /* call gate DPL 3 to ring 0 */
#define SEL_NPCODE (13 << 3)      /* not-present code */
#define TSS_IDX_SS 14
#define TSS_IDX_TS 15
#define SEL_F (16 << 3)           /* task whose DS is beyond the GDT limit */
#define SEL_G (17 << 3)           /* task whose FS is not present */

static uint8_t lim_buf[0x1000] __attribute__((aligned(16)));
static uint8_t ustk_buf[0x1000] __attribute__((aligned(16)));
static uint8_t xpage[8192] __attribute__((aligned(4096)));
static uint32_t misaligned[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };

#define CASE(fn, text, restore)                                              \
    static uint32_t fn(void)                                                 \
    {                                                                        \
        __asm__ volatile(text SYS_END restore                                \
                         : : "m"(misaligned)                                 \
                         : "eax", "ecx", "edx", "edi", "memory", "cc");      \
        return 0;                                                            \
    }
#define FS(sel) "movl $" #sel ", %%eax\n\tmovl %%eax, %%fs\n\t"
#define RESTORE_FS "movl $0x10, %%eax\n\tmovl %%eax, %%fs\n\t"

CASE(lim_ok, FS(0x30) SYS_TRY "movl %%fs:0xffc, %%eax", RESTORE_FS)
CASE(lim_d, FS(0x30) SYS_TRY "movl %%fs:0xffd, %%eax", RESTORE_FS)
CASE(lim_w, FS(0x30) SYS_TRY "movw %%fs:0xfff, %%ax", RESTORE_FS)
CASE(lim_b, FS(0x30) SYS_TRY "movb %%fs:0x1000, %%al", RESTORE_FS)
CASE(lim_wr, FS(0x30) SYS_TRY "movl %%eax, %%fs:0x2000", RESTORE_FS)
CASE(ro_rd, FS(0x38) SYS_TRY "movl %%fs:lim_buf, %%eax", RESTORE_FS)
CASE(ro_wr, FS(0x38) SYS_TRY "movl %%eax, %%fs:lim_buf", RESTORE_FS)
CASE(code_rd, FS(0x08) SYS_TRY "movl %%fs:lim_buf, %%eax", RESTORE_FS)
CASE(code_wr, FS(0x08) SYS_TRY "movl %%eax, %%fs:lim_buf", RESTORE_FS)
CASE(null_rd, FS(0) SYS_TRY "movl %%fs:lim_buf, %%eax", RESTORE_FS)
CASE(null_es, "xorl %%eax, %%eax\n\tmovl %%eax, %%es\n\tmovl $lim_buf, %%edi\n\t"
              SYS_TRY "stosb", "movl $0x10, %%eax\n\tmovl %%eax, %%es\n\t")
CASE(down_ok, FS(0x40) SYS_TRY "movl %%fs:0x1000, %%eax", RESTORE_FS)
CASE(down_lo, FS(0x40) SYS_TRY "movb %%fs:0xfff, %%al", RESTORE_FS)
CASE(down_str, FS(0x40) SYS_TRY "movl %%fs:0xffe, %%eax", RESTORE_FS)
CASE(msr_rd, "movl $0x12345678, %%ecx\n\t" SYS_TRY "rdmsr", "")
CASE(msr_wr, "movl $0x12345678, %%ecx\n\txorl %%eax, %%eax\n\txorl %%edx, %%edx\n\t"
             SYS_TRY "wrmsr", "")
CASE(ext_ud, SYS_TRY "ud2", "")
CASE(ext_br, "movl $11, %%eax\n\t" SYS_TRY "boundl %%eax, %0", "")

/* Ring 3: the stack segment (base ustk_buf, limit 0xfff). */
#define USTK(esp) "movl %%esp, %%ecx\n\tmovl $0x4b, %%eax\n\tmovl %%eax, %%ss\n\t" \
                  "movl $" #esp ", %%esp\n\t"
#define USTK_RESTORE "movl $0x23, %%eax\n\tmovl %%eax, %%ss\n\tmovl %%ecx, %%esp\n\t"
CASE(u_ss_ok, USTK(0x1000) SYS_TRY "pushl %%eax", USTK_RESTORE)
CASE(u_ss_over, USTK(0x1002) SYS_TRY "pushl %%eax", USTK_RESTORE)
CASE(u_ss_far, USTK(0x1800) SYS_TRY "pushl %%eax", USTK_RESTORE)
CASE(u_ss_mov, USTK(0x800) SYS_TRY "movl 0x7fe(%%esp), %%eax", USTK_RESTORE)
CASE(u_ac_ok, SYS_TRY "movl %0, %%eax", "")
CASE(u_ac, SYS_TRY "movl 1+%0, %%eax", "")
CASE(u_ac_w, SYS_TRY "movw 2+%0, %%ax\n\tmovw 3+%0, %%ax", "")
CASE(u_int80, SYS_TRY "int $0x80", "")
CASE(u_cgate, SYS_TRY "lcall $0x63, $0", "")

__asm__(".text\ncg_target:\n\tlret\n");
extern char cg_target[];

struct fcase {
    const char *name;
    uint32_t (*fn)(void);
};

static void run_cases(const struct fcase *c, unsigned n, int ring3, uint32_t eflags)
{
    for (unsigned i = 0; i < n; i++) {
        if (ring3)
            sys_user_run(c[i].fn, eflags);
        else
            c[i].fn();
        sys_report(c[i].name);
    }
}

static const struct fcase seg_cases[] = {
    { "fs limit 0xfff: dword at 0xffc", lim_ok },
    { "fs limit 0xfff: dword at 0xffd", lim_d },
    { "fs limit 0xfff: word at 0xfff", lim_w },
    { "fs limit 0xfff: byte at 0x1000", lim_b },
    { "fs limit 0xfff: write at 0x2000", lim_wr },
    { "fs read-only: read", ro_rd },
    { "fs read-only: write", ro_wr },
    { "fs readable code: read", code_rd },
    { "fs readable code: write", code_wr },
    { "fs null: read", null_rd },
    { "es null: stosb", null_es },
    { "fs expand-down 0xfff: dword at 0x1000", down_ok },
    { "fs expand-down 0xfff: byte at 0xfff", down_lo },
    { "fs expand-down 0xfff: dword at 0xffe", down_str },
    { "rdmsr 0x12345678", msr_rd },
    { "wrmsr 0x12345678", msr_wr },
};

static const struct fcase ss_cases[] = {
    { "ring 3: ss limit 0xfff: push, esp 0x1000", u_ss_ok },
    { "ring 3: ss limit 0xfff: push, esp 0x1002", u_ss_over },
    { "ring 3: ss limit 0xfff: push, esp 0x1800", u_ss_far },
    { "ring 3: ss limit 0xfff: mov 0x7fe(%esp)", u_ss_mov },
};

static const struct fcase ac_cases[] = {
    { "ring 3, am+ac: aligned dword", u_ac_ok },
    { "ring 3, am+ac: dword at +1", u_ac },
    { "ring 3, am+ac: word at +2, +3", u_ac_w },
};

/* #SS / #TS through task gates: the interrupted ring-3 code resumes. */
static struct sys_ftask ss_task, ts_task;

static void fault_task(struct sys_ftask *t, int vec, uint32_t err)
{
    struct tss32 *prev = sys_tss_at((uint16_t)t->tss.link);

    sys_trap.vector = vec;
    sys_trap.err = err;
    sys_trap.eip = prev->eip;
    sys_trap.mark = sys_mark;
    sys_trap.cs = prev->cs;
    sys_trap.count++;
    prev->ss0 = SEL_KDATA;
    prev->eip = sys_resume;
    sys_resume = 0;
}

static void ss_fn(uint32_t err) { fault_task(&ss_task, 12, err); }
static void ts_fn(uint32_t err) { fault_task(&ts_task, 10, err); }

/* Past the CS limit: the handler goes back to the flat code segment. */
static int cs_hook(struct isr_frame *f)
{
    if ((f->cs & 0xFFFF) != SEL_CSLIM)
        return 0;
    sys_trap.vector = (int)f->vector;
    sys_trap.err = f->error_code;
    sys_trap.eip = f->eip;
    sys_trap.mark = sys_mark;
    sys_trap.cs = SEL_CSLIM;
    sys_trap.count++;
    f->cs = SEL_KCODE;
    f->eip = sys_resume;
    sys_resume = 0;
    return 1;
}

/* ---- tasks F and G: a data segment of the new task fails to load ---- */
static struct tss32 tss_f, tss_g;
static uint8_t stack_f[2048] __attribute__((aligned(16)));

__asm__(".text\n"
        "task_fg_entry:\n\t"
        "ljmp $0x28, $0\n");
extern char task_fg_entry[];

static unsigned busy(uint16_t sel) { return (sys_access(sel) >> 1) & 1; }

/* The fault is delivered in the new task, at its first instruction, with
 * the bad selector in the segment register: replace it and continue. */
static int seg_fault_hook(struct isr_frame *f)
{
    sys_trap.vector = (int)f->vector;
    sys_trap.err = f->error_code;
    sys_trap.eip = f->eip;
    sys_trap.mark = (uint32_t)task_fg_entry;
    sys_trap.cs = f->cs & 0xFFFF;
    sys_trap.count++;
    printf("  fault in the new task: tr=%02x busy A=%u F=%u G=%u, ds=%04x fs=%04x\n", sys_str(),
           busy(SEL_TSS), busy(SEL_F), busy(SEL_G), f->ds & 0xFFFF, f->fs & 0xFFFF);
    f->ds = f->es = f->fs = f->gs = SEL_KDATA;
    return 1;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    sys_seg(6, (uint32_t)lim_buf, 0xFFF, ACC_DATA0, GRAN_1B_32);
    sys_seg(7, 0, 0xFFFFF, 0x90, GRAN_4K_32);
    sys_seg(8, 0, 0xFFF, 0x96, GRAN_1B_32);
    sys_seg(9, (uint32_t)ustk_buf, 0xFFF, ACC_DATA3, GRAN_1B_32);
    sys_seg(10, 0, (uint32_t)xpage >> 12, ACC_CODE0, GRAN_4K_32);
    sys_seg(11, 0, 0xFFFFF, 0x12, GRAN_4K_32);
    sys_gate(12, SEL_KCODE, (uint32_t)cg_target, ACC_CALLGATE | ACC_DPL(3), 0);
    sys_seg(13, 0, 0xFFFFF, 0x1A, GRAN_4K_32);

    printf("== segment limits and types ==\n");
    run_cases(seg_cases, sizeof seg_cases / sizeof seg_cases[0], 0, 0);
    run_cases(ss_cases, sizeof ss_cases / sizeof ss_cases[0], 1, EFL_FIXED);

    /* Three NOPs at the end of the CS limit, then (outside it) UD2. */
    xpage[4093] = xpage[4094] = xpage[4095] = 0x90;
    xpage[4096] = 0x0F;
    xpage[4097] = 0x0B;
    sys_hook(13, cs_hook);
    sys_hook(6, cs_hook);
    static struct {
        uint32_t off;
        uint16_t sel;
    } __attribute__((packed)) target;
    target.off = (uint32_t)&xpage[4093];
    target.sel = SEL_CSLIM;
    __asm__ volatile("movl %0, sys_mark\n\t"
                     "movl $7772f, sys_resume\n\t"
                     "ljmp *%1\n"
                     "7772:"
                     : : "r"(target.off), "m"(target) : "memory");
    sys_hook(13, 0);
    sys_hook(6, 0);
    sys_report("run off the cs limit after 3 nops");

    printf("== alignment check ==\n");
    uint32_t cr0 = sys_read_cr0();
    sys_write_cr0(cr0 | 0x40000);             /* AM */
    run_cases(ac_cases, sizeof ac_cases / sizeof ac_cases[0], 1, EFL_FIXED | 0x40000);
    __asm__ volatile("pushfl\n\torl $0x40000, (%%esp)\n\tpopfl" : : : "memory", "cc");
    u_ac();
    __asm__ volatile("pushfl\n\tandl $~0x40000, (%%esp)\n\tpopfl" : : : "memory", "cc");
    sys_report("ring 0, am+ac: dword at +1");
    sys_user_run(u_ac, EFL_FIXED);
    sys_report("ring 3, am, no ac: dword at +1");
    sys_write_cr0(cr0);
    sys_user_run(u_ac, EFL_FIXED | 0x40000);
    sys_report("ring 3, ac, no am: dword at +1");

    printf("== not-present inner stack (SS0) ==\n");
    sys_idt_set(10, TSS_IDX_TS << 3, 0, ACC_TASKGATE);
    sys_idt_set(12, TSS_IDX_SS << 3, 0, ACC_TASKGATE);
    sys_ftask_init(&ss_task, TSS_IDX_SS, ss_fn, 1);
    sys_ftask_init(&ts_task, TSS_IDX_TS, ts_fn, 1);
    sys_tss.t.ss0 = SEL_NP;
    sys_user_run(u_int80, EFL_FIXED);
    sys_report("ring 3: int $0x80, ss0 not present");
    sys_ftask_init(&ss_task, TSS_IDX_SS, ss_fn, 1);
    sys_ftask_init(&ts_task, TSS_IDX_TS, ts_fn, 1);
    sys_tss.t.ss0 = SEL_NP;
    sys_user_run(u_cgate, EFL_FIXED);
    sys_report("ring 3: call gate, ss0 not present");
    sys_idt_stub(10, ACC_INTGATE);
    sys_idt_stub(12, ACC_INTGATE);
    __asm__ volatile("clts");

    printf("== EXT in error codes of faults while delivering an exception ==\n");
    sys_idt_stub(6, ACC_INTGATE & 0x7F);
    ext_ud();
    sys_report("ud2, #UD gate not present");
    sys_idt_stub(6, ACC_INTGATE);
    sys_idt_set(6, 0, 0, ACC_INTGATE);
    ext_ud();
    sys_report("ud2, #UD gate to null selector");
    sys_idt_stub(6, ACC_INTGATE);
    sys_idt_set(5, SEL_NPCODE, 0, ACC_INTGATE);
    ext_br();
    sys_report("bound, #BR gate to not-present code");
    sys_idt_stub(5, ACC_INTGATE);

    printf("== faults after the commit point of a task switch ==\n");
    sys_task_init(&tss_f, (uint32_t)task_fg_entry, (uint32_t)(stack_f + sizeof stack_f) - 16);
    tss_f.ds = 0x200;
    sys_tss_desc(SEL_F >> 3, &tss_f, 0);
    sys_task_init(&tss_g, (uint32_t)task_fg_entry, (uint32_t)(stack_f + sizeof stack_f) - 16);
    tss_g.fs = SEL_NP;
    sys_tss_desc(SEL_G >> 3, &tss_g, 0);
    sys_hook(10, seg_fault_hook);
    sys_hook(11, seg_fault_hook);
    __asm__ volatile("ljmp $0x80, $0" : : : "memory");
    sys_report("jmp to a task with ds=0x200");
    __asm__ volatile("ljmp $0x88, $0" : : : "memory");
    sys_report("jmp to a task with fs not present");
    sys_hook(10, 0);
    sys_hook(11, 0);
    printf("back in A: tr=%02x busy A=%u F=%u G=%u\n", sys_str(), busy(SEL_TSS), busy(SEL_F),
           busy(SEL_G));
    __asm__ volatile("clts");

    printf("%u exceptions\n", sys_trap.count);
    return 0;
}
