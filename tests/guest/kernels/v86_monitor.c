/*
 * v86_monitor.c - virtual-8086 mode under a trap-and-emulate monitor (the
 * seeds' scheme): the program of v86_16.S runs in V86 mode, entered by
 * IRET with EFLAGS.VM; every IOPL-sensitive instruction (CLI, STI, PUSHF,
 * POPF, INT n, IRET at IOPL 0) and every OUT to a port the TSS I/O bitmap
 * denies raises #GP to this monitor, which emulates it on a virtual IF
 * (INT n reflected through the program's own IVT) and resumes after it.
 * A #DE and an INT3 (not IOPL-sensitive: through its DPL-3 gate) arrive
 * through 32-bit gates with the V86 segment registers pushed and zeroed;
 * HLT ends the program.  Runs: IOPL 0 with COM1 denied, IOPL 3 with COM1
 * allowed (where only INT n still traps, as #GP(vector*8+2) from the
 * DPL-0 gate), IOPL 0 again, and V86 entered by a task switch (a JMP to a
 * TSS whose EFLAGS has VM; the exits use that TSS's ring-0 stack).  Expected output from QEMU.
 */
#include "rm_common.h"

#define EFL_VM 0x20000u
#define EFL_TF 0x100u
#define EFL_ARITH_DF 0x0DD5u

extern char v86_main[];
void v86_enter(uint32_t eflags, uint32_t seg, uint32_t ip, uint32_t sp);
void v86_back(void);
void v86_task_enter(uint32_t sel);

#define SEL_V86_TSS 0x40 /* GDT entry 8 (6 and 7: rm_common.h) */
static struct tss32 v86_tss __attribute__((aligned(128)));
static uint8_t v86_task_kstack[4096] __attribute__((aligned(16)));

/* The V86 segment registers the CPU pushed after SS. */
struct v86_segs {
    uint32_t es, ds, fs, gs;
};

static int vif;
static unsigned n_cli, n_sti, n_pushf, n_popf, n_int, n_iret, n_out, n_other;
static uint32_t gp_err_int;

static uint8_t *lin(uint32_t seg, uint32_t off)
{
    return (uint8_t *)((seg & 0xFFFF) * 16 + (off & 0xFFFF));
}

static void push16(struct isr_frame *f, uint32_t v)
{
    f->user_esp = (f->user_esp - 2) & 0xFFFF;
    *(volatile uint16_t *)lin(f->user_ss, f->user_esp) = (uint16_t)v;
}

static uint32_t pop16(struct isr_frame *f)
{
    uint32_t v = *(volatile uint16_t *)lin(f->user_ss, f->user_esp);
    f->user_esp = (f->user_esp + 2) & 0xFFFF;
    return v;
}

static uint32_t vflags(const struct isr_frame *f)
{
    return (f->eflags & 0xFFFF & ~EFL_IF) | (vif ? EFL_IF : 0);
}

static void set_vflags(struct isr_frame *f, uint32_t v)
{
    vif = (v & EFL_IF) != 0;
    f->eflags = (f->eflags & ~EFL_ARITH_DF) | (v & EFL_ARITH_DF);
}

/* INT n: through the program's IVT, as real mode would. */
static void reflect(struct isr_frame *f, unsigned vec, uint32_t ret)
{
    push16(f, vflags(f));
    push16(f, f->cs);
    push16(f, ret);
    vif = 0;
    f->eflags &= ~EFL_TF;
    f->eip = *(volatile uint16_t *)(vec * 4);
    f->cs = *(volatile uint16_t *)(vec * 4 + 2);
}

/* HLT: back to the kernel (a same-level IRET to v86_back). */
static void finish(struct isr_frame *f)
{
    f->eflags = EFL_FIXED;
    f->cs = SEL_KCODE;
    f->eip = (uint32_t)v86_back;
}

static int on_gp(struct isr_frame *f)
{
    if (!(f->eflags & EFL_VM))
        return 0;
    uint8_t *ip = lin(f->cs, f->eip);
    switch (ip[0]) {
    case 0xFA: vif = 0; f->eip += 1; n_cli++; break;
    case 0xFB: vif = 1; f->eip += 1; n_sti++; break;
    case 0x9C: push16(f, vflags(f)); f->eip += 1; n_pushf++; break;
    case 0x9D: set_vflags(f, pop16(f)); f->eip += 1; n_popf++; break;
    case 0xCD:
        gp_err_int = f->error_code;
        reflect(f, ip[1], f->eip + 2);
        n_int++;
        break;
    case 0xCF: {
        f->eip = pop16(f);
        f->cs = pop16(f);
        set_vflags(f, pop16(f));
        n_iret++;
        break;
    }
    case 0xEE: outb((uint16_t)f->edx, (uint8_t)f->eax); f->eip += 1; n_out++; break;
    case 0xF4: finish(f); break;
    default:
        n_other++;
        printf("  unexpected #GP(%x) at %04x:%04x op %02x\n", f->error_code, f->cs, f->eip, ip[0]);
        finish(f);
        break;
    }
    return 1;
}

static int on_de(struct isr_frame *f)
{
    if (!(f->eflags & EFL_VM))
        return 0;
    const struct v86_segs *s = (const struct v86_segs *)(f + 1);
    printf("  #DE from V86 at %04x:+%x ss:sp=%04x:%04x es=%04x ds=%04x fs=%04x gs=%04x;"
           " in the handler ds=%x es=%x fs=%x gs=%x\n",
           f->cs, f->eip - rm_off(v86_main), f->user_ss, f->user_esp, s->es,
           s->ds, s->fs, s->gs, f->ds & 0xFFFF, f->es & 0xFFFF, f->fs & 0xFFFF, f->gs & 0xFFFF);
    f->eip += 2;
    return 1;
}

static int on_bp(struct isr_frame *f)
{
    if (!(f->eflags & EFL_VM))
        return 0;
    printf("  #BP from V86, return to +%u, vm=%u\n",
           f->eip - rm_off(v86_main), (f->eflags & EFL_VM) != 0);
    return 1;
}

static void report(void)
{
    uint32_t cs, fl;
    __asm__ volatile("movl %%cs, %0; pushfl; popl %1" : "=r"(cs), "=r"(fl));
    printf("  back in protected mode, cpl=%u vm=%u\n", cs & 3, (fl & EFL_VM) != 0);
    printf("  emulated: cli %u sti %u pushf %u popf %u int %u (err %x) iret %u out %u other %u\n",
           n_cli, n_sti, n_pushf, n_popf, n_int, gp_err_int, n_iret, n_out, n_other);
    printf("  program saw: flags %08x %08x int42 ax/sp %08x segs %08x\n", rm_res_get(0), rm_res_get(1),
           rm_res_get(2), rm_res_get(3));
}

static void reset_counts(void)
{
    vif = 1;
    n_cli = n_sti = n_pushf = n_popf = n_int = n_iret = n_out = n_other = 0;
    gp_err_int = 0;
    rm_copy_blob();
}

/* A task switch into V86: a TSS whose EFLAGS has VM (IOPL 0, no I/O
 * bitmap: every OUT traps); its ring-0 stack takes the exits. */
static void run_task(void)
{
    reset_counts();
    memset(&v86_tss, 0, sizeof v86_tss);
    v86_tss.esp0 = (uint32_t)(v86_task_kstack + sizeof v86_task_kstack);
    v86_tss.ss0 = SEL_KDATA;
    v86_tss.eflags = EFL_VM | EFL_FIXED;
    v86_tss.eip = rm_off(v86_main);
    v86_tss.esp = 0xFFF0;
    v86_tss.cs = v86_tss.ss = v86_tss.ds = v86_tss.es = v86_tss.fs = v86_tss.gs = RM_SEG;
    v86_tss.iomap_base = sizeof v86_tss;
    sys_tss_desc(8, &v86_tss, 0);
    printf("task switch:\n");
    v86_task_enter(SEL_V86_TSS);
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    printf("  TR=%02x\n", tr);
    report();
}

static void run(unsigned iopl)
{
    reset_counts();
    sys_io_allow(0x3F8, 1, iopl == 3);
    printf("IOPL %u:\n", iopl);
    v86_enter(EFL_FIXED | (iopl << 12), RM_SEG, rm_off(v86_main), 0xFFF0);
    report();
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    rm_setup();
    sys_hook(13, on_gp);
    sys_hook(0, on_de);
    sys_hook(3, on_bp);
    run(0);
    run(3);
    run(0);
    run_task();
    printf("done\n");
    return 0;
}
