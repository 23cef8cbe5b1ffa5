/*
 * mmu_sysxfer.c - SYSENTER/SYSEXIT round trips from ring 3 with paging on,
 * in batches (2000 trips, then 500 each), so that xbt goes on from one
 * privilege's translated code to the other's without its dispatcher
 * (src/bt/xfer.c), with entry and exit stubs that reload FS and GS the way
 * Linux's do (src/bt/tr_kpath.c: the selector a register held before its
 * last load is swapped back in).  What must still happen on that path:
 *   a. every trip's result, EBX, ESP, CS, SS, DS, ES, FS, GS and IF = 1
 *      back in ring 3 (the user loop counts mismatches and keeps a checksum
 *      of the results); CS, SS, ESP and IF = 0 in the handler (it counts
 *      its own mismatches);
 *   b. PIT interrupts (IRQ0, 1 kHz) with IF = 1 in ring 3: the handler
 *      returns with STI; SYSEXIT, so a tick that came while it ran is taken
 *      at the SYSEXIT target, after the instruction (STI's interrupt
 *      shadow); the loop runs until 20 ticks were taken there, and none
 *      may be taken in ring 0 (between STI and SYSEXIT);
 *   c. the entry page (SYSENTER_EIP) remapped to another frame holding
 *      other code and back, with INVLPG; its code rewritten in place;
 *   d. the code SYSEXIT returns to rewritten (the immediate of the first
 *      instruction there): by the kernel between batches through another
 *      mapping, by the user loop itself halfway through a batch; a return
 *      point on another page, remapped to another frame; one on an
 *      instruction across two pages, the second page remapped;
 *   e. SYSEXIT on the last trip of a batch to a page ring 3 cannot fetch
 *      from (not present; supervisor only; the return page of the batch
 *      before, unmapped): #PF with CR2 = EIP = the target, U = 1, P as the
 *      PTE says, the user's ESP, FS and GS in the frame;
 *   f. Linux's FS pattern: null in ring 3; the handler loads a per-CPU
 *      selector (DPL 0, byte-granular limit) from a register, reads through
 *      it and reloads the user's null from its frame (mov 12(%esp), %fs),
 *      FS is the user's null again in ring 3.  The per-CPU descriptor's
 *      base changed between batches, and by the handler itself between
 *      two trips of a batch (then the register's previous state is the
 *      per-CPU one with the old descriptor: the next entry must use the
 *      new base), its accessed bit cleared that way (set again); the
 *      user's null with another RPL, a user FS of another class (0x23,
 *      read through in ring 3); the descriptor zeroed by the handler after
 *      trip 2 of a batch, and between batches: the handler's MOV raises
 *      #GP(0x30) (an all-zero descriptor is a system one: #GP(selector)
 *      before any present check, SDM MOV);
 *   g. the same for GS in the POP form (push $0x38; pop %gs on entry, pop
 *      %gs of the user's selector on exit): base changed between batches
 *      and between trips, zeroed after trip 2 and between batches:
 *      #GP(0x38).
 * The user loop's expectations (ESI) follow every change.  SDM, STI: IF
 * set, "the processor begins responding to external, maskable interrupts
 * after the next instruction is executed".  Expected output from QEMU.
 */
#include <stdbool.h>

#include "mmu_common.h"
#include "pc_common.h"

/* No U suffixes: these go into the assembly below too. */
#define UC 0x41000000             /* the user loop (U|W: it rewrites itself) */
#define UR 0x41001000             /* a return stub at UR + RSTUB */
#define UX 0x41002000             /* two pages, a return stub across them */
#define UD 0x41010000             /* the user loop's parameters and results */
#define US 0x41020000             /* user stack page */
#define UNP 0x41030000            /* never mapped */
#define USUP 0x41040000           /* supervisor only */
#define KE 0x42000000             /* SYSENTER_EIP's page (supervisor) */
#define SEL_PCPU 0x30             /* GDT 6: per-CPU data for FS */
#define SEL_KGS 0x38              /* GDT 7: kernel data for GS */
#define RSTUB 0x10
#define TRIPS 500                 /* per batch, after the first two */
#define XSTUB 0xFFE               /* 2 bytes on the first page, 9 on the second */

/* UD offsets */
#define UD_SUM 0x00               /* checksum of the results */
#define UD_BAD 0x04               /* trips with a mismatch */
#define UD_KINDS 0x08             /* the mismatches seen (bits below) */
#define UD_TRIPS 0x0C             /* trips completed */
#define UD_ESP 0x10               /* ESP before SYSENTER */
#define UD_RET 0x14               /* EDX (the SYSEXIT target) */
#define UD_LAST_RET 0x18          /* EDX of the last trip, if not 0 */
#define UD_PATCH_AT 0x1C          /* trip number (counting down) ... */
#define UD_PATCH_ADDR 0x20        /* ... at which the loop stores */
#define UD_PATCH_VAL 0x24         /* this dword here */
#define UD_PATCH_DELTA 0x28       /* and adds this to what it expects */
#define UD_GOAL 0x2C              /* stop when the handler's EBP reaches it */
#define UD_FS 0x30                /* the user's FS and GS */
#define UD_GS 0x34
#define UD_SEGREAD 0x38           /* read UD_MAGIC through FS and GS */
#define UD_MAGIC 0x3C
#define UD_FSOUT 0x40             /* FS and GS at the end */
#define UD_GSOUT 0x44
#define UD_SCRATCH 0x7C

#define MAGIC 0x5EC0DE00
#define UEBX 0x5A5A1234           /* EBX across each trip */

#define XS_(x) #x
#define XS(x) XS_(x)
#define UDA(o) XS(UD) "+" XS(o)

/* The user loop: EDI trips (counting down), ESI = what each adds to the
 * trip number (the handler's sum and the return point's immediate).
 * SYSENTER with EAX = the trip number, ECX = ESP, EDX = UD_RET; the
 * return point adds its immediate and goes on at uret_after (the stubs at
 * UR and UX push that and RET); then the checks.  Ends with int $0x2F. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "ublob:\n\t"
        "movl " UDA(UD_FS) ", %eax\n\t"
        "movw %ax, %fs\n\t"
        "movl " UDA(UD_GS) ", %eax\n\t"
        "movw %ax, %gs\n"
        "1:\tcmpl " UDA(UD_PATCH_AT) ", %edi\n\t"
        "jne 2f\n\t"
        "movl " UDA(UD_PATCH_ADDR) ", %edx\n\t"
        "movl " UDA(UD_PATCH_VAL) ", %eax\n\t"
        "movl %eax, (%edx)\n\t"
        "addl " UDA(UD_PATCH_DELTA) ", %esi\n"
        "2:\tmovl %edi, %eax\n\t"
        "movl $" XS(UEBX) ", %ebx\n\t"
        "movl %esp, " UDA(UD_ESP) "\n\t"
        "movl %esp, %ecx\n\t"
        "movl " UDA(UD_RET) ", %edx\n\t"
        "cmpl $1, %edi\n\t"
        "jne 3f\n\t"
        "cmpl $0, " UDA(UD_LAST_RET) "\n\t"
        "je 3f\n\t"
        "movl " UDA(UD_LAST_RET) ", %edx\n"
        "3:\tsysenter\n"
        "uret:\t.byte 0x05\n"     /* addl $imm32, %eax */
        "uimm:\t.long 0x1000\n"
        "uret_after:\n\t"
        "xorl %ecx, %ecx\n\t"
        "leal (%edi,%esi), %edx\n\t"
        "cmpl %edx, %eax\n\t"
        "je 4f\n\t"
        "orl $0x1, %ecx\n"
        "4:\tcmpl $" XS(UEBX) ", %ebx\n\t"
        "je 4f\n\t"
        "orl $0x2, %ecx\n"
        "4:\tcmpl " UDA(UD_ESP) ", %esp\n\t"
        "je 4f\n\t"
        "orl $0x4, %ecx\n"
        "4:\tmovw %cs, %dx\n\t"
        "cmpw $0x1B, %dx\n\t"
        "je 4f\n\t"
        "orl $0x8, %ecx\n"
        "4:\tmovw %ss, %dx\n\t"
        "cmpw $0x23, %dx\n\t"
        "je 4f\n\t"
        "orl $0x10, %ecx\n"
        "4:\tmovw %ds, %dx\n\t"
        "cmpw $0x23, %dx\n\t"
        "je 4f\n\t"
        "orl $0x20, %ecx\n"
        "4:\tmovw %es, %dx\n\t"
        "cmpw $0x23, %dx\n\t"
        "je 4f\n\t"
        "orl $0x40, %ecx\n"
        "4:\tmovw %fs, %dx\n\t"
        "cmpw " UDA(UD_FS) ", %dx\n\t"
        "je 4f\n\t"
        "orl $0x80, %ecx\n"
        "4:\tmovw %gs, %dx\n\t"
        "cmpw " UDA(UD_GS) ", %dx\n\t"
        "je 4f\n\t"
        "orl $0x100, %ecx\n"
        "4:\tpushfl\n\t"
        "popl %edx\n\t"
        "testl $0x200, %edx\n\t"
        "jnz 4f\n\t"
        "orl $0x200, %ecx\n"
        "4:\tcmpl $0, " UDA(UD_SEGREAD) "\n\t"
        "je 5f\n\t"
        "cmpl $" XS(MAGIC) ", %fs:" UDA(UD_MAGIC) "\n\t"
        "je 4f\n\t"
        "orl $0x400, %ecx\n"
        "4:\tcmpl $" XS(MAGIC) ", %gs:" UDA(UD_MAGIC) "\n\t"
        "je 5f\n\t"
        "orl $0x800, %ecx\n"
        "5:\ttestl %ecx, %ecx\n\t"
        "jz 6f\n\t"
        "incl " UDA(UD_BAD) "\n\t"
        "orl %ecx, " UDA(UD_KINDS) "\n"
        "6:\tmovl " UDA(UD_SUM) ", %edx\n\t"
        "roll $5, %edx\n\t"
        "xorl %eax, %edx\n\t"
        "movl %edx, " UDA(UD_SUM) "\n\t"
        "incl " UDA(UD_TRIPS) "\n\t"
        "movl " UDA(UD_GOAL) ", %edx\n\t"
        "testl %edx, %edx\n\t"
        "jz 7f\n\t"
        "cmpl %edx, %ebp\n\t"
        "jae uexit\n"
        "7:\tdecl %edi\n\t"
        "jnz 1b\n"
        "uexit:\tmovw %fs, " UDA(UD_FSOUT) "\n\t"
        "movw %gs, " UDA(UD_GSOUT) "\n\t"
        "int $" XS(MMU_USER_EXIT) "\n"
        "ublob_end:\n"
        ".popsection");
extern const char ublob[], uret[], uimm[], uret_after[], uexit[], ublob_end[];

/* The SYSENTER handler (copied to the entry page's frames): saves the
 * user's ECX, EDX, FS, EBX, ESI, GS; checks CS, SS, ESP and IF; loads the
 * per-CPU FS (from a register) and the kernel's GS (POP); EAX += fs:0 +
 * gs:0 + the page's immediate; EBP = the ticks taken at the SYSEXIT
 * target; on trip k_gdt_at, writes k_gdt_desc to the GDT entry at
 * k_gdt_ptr (after its own loads: the next trip's reload must see it);
 * restores FS from its frame slot (MOV from memory) and GS by POP; STI;
 * SYSEXIT.  A faulting segment load resumes at kfault_fs / kfault_gs
 * (EAX = a marker), which take the exit path. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "kblob:\n\t"
        "pushl %ecx\n\t"
        "pushl %edx\n\t"
        "pushl %fs\n\t"
        "pushl %ebx\n\t"
        "pushl %esi\n\t"
        "pushl %gs\n\t"
        "movl %eax, %ebx\n\t"    /* the trip number */
        "movw %cs, %si\n\t"
        "cmpw $0x08, %si\n\t"
        "je 1f\n\t"
        "incl k_bad\n"
        "1:\tmovw %ss, %si\n\t"
        "cmpw $0x10, %si\n\t"
        "je 1f\n\t"
        "incl k_bad\n"
        "1:\tleal 24(%esp), %esi\n\t"
        "cmpl k_stack_top, %esi\n\t"
        "je 1f\n\t"
        "incl k_bad\n"
        "1:\tpushfl\n\t"
        "popl %esi\n\t"
        "testl $0x200, %esi\n\t"
        "jz 1f\n\t"
        "incl k_bad\n"
        "1:\tmovl $" XS(SEL_PCPU) ", %esi\n"
        "kfsmov:\tmovw %si, %fs\n\t"
        "pushl $" XS(SEL_KGS) "\n"
        "kgspop:\tpopl %gs\n\t"
        "addl %fs:0, %eax\n\t"
        "addl %gs:0, %eax\n\t"
        ".byte 0x05\n"            /* addl $imm32, %eax */
        "kimm:\t.long 0\n\t"
        "movl k_ret_ticks, %ebp\n\t"
        "cmpl k_gdt_at, %ebx\n\t"
        "jne kexit\n\t"
        "movl k_gdt_ptr, %ebx\n\t"
        "movl k_gdt_desc, %esi\n\t"
        "movl %esi, (%ebx)\n\t"
        "movl k_gdt_desc+4, %esi\n\t"
        "movl %esi, 4(%ebx)\n"
        "kexit:\tmovw 12(%esp), %fs\n\t"
        "popl %gs\n\t"
        "popl %esi\n\t"
        "popl %ebx\n\t"
        "addl $4, %esp\n\t"
        "popl %edx\n\t"
        "popl %ecx\n\t"
        "sti\n"
        "ksysexit:\tsysexit\n"
        "kfault_fs:\tmovl $0xFA170000, %eax\n\t"
        "jmp kexit\n"
        "kfault_gs:\taddl $4, %esp\n\t"
        "movl $0xFA170001, %eax\n\t"
        "jmp kexit\n"
        "kblob_end:\n"
        ".popsection");
extern const char kblob[], kfsmov[], kgspop[], kimm[], kexit[], ksysexit[], kfault_fs[],
    kfault_gs[], kblob_end[];

#define OFF(blob, l) ((uint32_t)(l) - (uint32_t)(blob))
#define U_AT(l) (UC + OFF(ublob, l))
#define K_AT(l) (KE + OFF(kblob, l))

volatile uint32_t k_bad, k_ret_ticks, k_stack_top, k_gdt_at, k_gdt_ptr;
volatile uint64_t k_gdt_desc;
static uint8_t se_stack[4096] __attribute__((aligned(16)));
static uint32_t pcpu[4][1024] __attribute__((aligned(4096)));

static uint32_t *pd;
static uint32_t ufr, urfr[2], uxfr[3], kfr[2];

/* What the next trip adds besides the return point's immediate. */
static uint32_t fs_val, gs_val, k_imm, uret_imm;

struct result {
    uint32_t trips, bad, kinds, sum, kbad, fsout, gsout;
};

static void ud_defaults(void)
{
    for (uint32_t o = 0; o < 0x80; o += 4)
        wr32(UD + o, 0);
    wr32(UD + UD_RET, U_AT(uret));
    wr32(UD + UD_FS, 3);          /* null, RPL 3 */
    wr32(UD + UD_GS, 0);
    wr32(UD + UD_MAGIC, MAGIC);
}

/* n trips returning to ret, whose first instruction adds imm; then the
 * parameters go back to their defaults but for the user's FS and GS. */
static void run(uint32_t n, uint32_t ret, uint32_t imm, struct result *res)
{
    wr32(UD + UD_SUM, 0);
    wr32(UD + UD_BAD, 0);
    wr32(UD + UD_KINDS, 0);
    wr32(UD + UD_TRIPS, 0);
    wr32(UD + UD_RET, ret);
    k_bad = 0;
    struct mmu_uregs r = { .edi = n, .esi = fs_val + gs_val + k_imm + imm };
    mmu_user_run(UC, US + PAGE_SIZE, &r);
    *res = (struct result){ rd32(UD + UD_TRIPS), rd32(UD + UD_BAD),   rd32(UD + UD_KINDS),
                            rd32(UD + UD_SUM),   k_bad,               rd16(UD + UD_FSOUT),
                            rd16(UD + UD_GSOUT) };
    uint32_t fs = rd32(UD + UD_FS), gs = rd32(UD + UD_GS), seg = rd32(UD + UD_SEGREAD);
    ud_defaults();
    wr32(UD + UD_FS, fs);
    wr32(UD + UD_GS, gs);
    wr32(UD + UD_SEGREAD, seg);
}

static void show(const char *what, const struct result *r)
{
    printf("  %s: %u trips, checksum %08x, mismatches %u", what, r->trips, r->sum, r->bad);
    if (r->kinds)
        printf(" (kinds %x)", r->kinds);
    printf(", in the handler %u; fs=%04x gs=%04x\n", r->kbad, r->fsout, r->gsout);
}

static void batch(const char *what, uint32_t n)
{
    struct result r;
    run(n, U_AT(uret), uret_imm, &r);
    show(what, &r);
}

/* addl $imm, %eax; pushl $uret_after; ret */
static void stub_bytes(uint8_t b[11], uint32_t imm)
{
    uint32_t back = U_AT(uret_after);
    b[0] = 0x05;
    memcpy(b + 1, &imm, 4);
    b[5] = 0x68;
    memcpy(b + 6, &back, 4);
    b[10] = 0xC3;
}

static void set_pcpu(uint32_t base, uint8_t access)
{
    gdt_set_entry(SEL_PCPU >> 3, base, 0xFFF, access, 0x4); /* byte granular */
}

static void set_kgs(uint32_t base, uint8_t access)
{
    gdt_set_entry(SEL_KGS >> 3, base, 0xFFFFF, access, 0xC);
}

static uint8_t access_of(uint16_t sel)
{
    return (uint8_t)(gdt[sel >> 3] >> 40);
}

/* ---- b: the PIT ---- */

static volatile uint32_t ticks_ring0, ticks_other, ring0_eip;

static void on_tick(struct isr_frame *f)
{
    if ((f->cs & 3) == 0) {
        if (!ticks_ring0++)
            ring0_eip = f->eip;
    } else if (f->eip == U_AT(uret)) {
        k_ret_ticks++;
    } else {
        ticks_other++; /* elsewhere in ring 3: how many depends on timing */
    }
    pic_eoi(0);
}

static void on_spurious(struct isr_frame *f)
{
    (void)f;
}

static void timer(void)
{
    printf("b. PIT IRQ0 during round trips (IF = 1 in ring 3; STI; SYSEXIT):\n");
    isr_register(PIC_MASTER_BASE + 0, on_tick);
    isr_register(PIC_MASTER_BASE + 7, on_spurious);
    k_ret_ticks = ticks_ring0 = ticks_other = 0;
    pit_periodic(1193);
    outb(0x21, 0xFE);
    const uint32_t goal = 20, cap = 1000000;
    wr32(UD + UD_GOAL, goal);
    struct result r;
    run(cap, U_AT(uret), uret_imm, &r);
    outb(0x21, 0xFF);
    printf("  %u ticks taken at the SYSEXIT target before %u trips: %s\n", goal, cap,
           k_ret_ticks >= goal && r.trips < cap ? "yes" : "NO");
    printf("  ticks taken in ring 0: %u\n", ticks_ring0);
    if (ticks_ring0)
        printf("  the first at %08x (%s)\n", ring0_eip,
               ring0_eip == K_AT(ksysexit) ? "the SYSEXIT after STI" : "?");
    printf("  mismatches %u", r.bad);
    if (r.kinds)
        printf(" (kinds %x)", r.kinds);
    printf(", in the handler %u\n", r.kbad);
}

/* ---- e: SYSEXIT to a page ring 3 cannot fetch from ---- */

static volatile uint32_t pf_esp, pf_fs, pf_gs;

static int pf_hook(struct isr_frame *f, uint32_t cr2)
{
    (void)cr2;
    pf_esp = f->user_esp;
    pf_fs = f->fs & 0xFFFF;
    pf_gs = f->gs & 0xFFFF;
    return 0;
}

static void bad_return(const char *what, uint32_t n, uint32_t ret, uint32_t imm, uint32_t last)
{
    struct result r;
    mmu_clear();
    mmu_pf_hook = pf_hook;
    mmu_mark = U_AT(uret);
    mmu_resume = U_AT(uexit);
    wr32(UD + UD_LAST_RET, last);
    run(n, ret, imm, &r);
    mmu_pf_hook = NULL;
    printf("  %s: ", what);
    if (mmu_trap.vector == 14)
        printf("#PF cr2=%08x P=%u U=%u eip=%s cs=%02x esp=%s fs=%04x gs=%04x\n", mmu_trap.cr2,
               mmu_trap.err & PF_P, (mmu_trap.err & PF_U) >> 2,
               mmu_trap.eip == mmu_trap.cr2 ? "cr2" : "?", mmu_trap.cs,
               pf_esp == US + PAGE_SIZE ? "the user's" : "?", pf_fs, pf_gs);
    else if (mmu_trap.vector >= 0)
        printf("vector %d err=%x\n", mmu_trap.vector, mmu_trap.err);
    else
        printf("no fault\n");
    mmu_clear();
    show("  the trips before", &r);
}

/* ---- f, g: a segment load in the handler faulting ---- */

static void seg_fault_trip(const char *what, const char *mark, uint32_t at, uint32_t resume)
{
    struct result r;
    mmu_clear();
    mmu_mark = at;
    mmu_resume = resume;
    run(1, U_AT(uret), uret_imm, &r);
    char buf[80];
    printf("  %s: %s (%s)\n", what, mmu_trap_str(buf, sizeof buf), mark);
    mmu_clear();
    show("  the trip", &r);
}

/* ---- f, g: the handler rewriting a GDT entry in the middle of a batch ---- */

/* The descriptor gdt_set_entry() would write. */
static uint64_t desc_of(unsigned idx, uint32_t base, uint32_t limit, uint8_t access,
                        uint8_t flags)
{
    uint64_t old = gdt[idx];
    gdt_set_entry(idx, base, limit, access, flags);
    uint64_t d = gdt[idx];
    gdt[idx] = old;
    return d;
}

/* A batch in which the handler writes desc to sel's GDT entry at the end
 * of trip `at` (counting down): the user loop expects delta more from the
 * next trip on.  FS or GS then holds the user's null, the kernel selector
 * being the one it held before: the next trip's reload of it must read the
 * entry again. */
static void gdt_midway(const char *what, uint16_t sel, uint64_t desc, uint32_t at, uint32_t delta,
                       struct result *r)
{
    k_gdt_ptr = (uint32_t)&gdt[sel >> 3];
    k_gdt_desc = desc;
    k_gdt_at = at;
    wr32(UD + UD_PATCH_AT, at - 1);
    wr32(UD + UD_PATCH_ADDR, UD + UD_SCRATCH);
    wr32(UD + UD_PATCH_DELTA, delta);
    run(TRIPS, U_AT(uret), uret_imm, r);
    k_gdt_at = 0;
    if (what)
        show(what, r);
}

/* The same with the entry zeroed at the end of trip 2: the last trip's
 * load faults. */
static void gdt_zeroed(const char *what, uint16_t sel, const char *mark, uint32_t at,
                       uint32_t resume)
{
    struct result r;
    mmu_clear();
    mmu_mark = at;
    mmu_resume = resume;
    gdt_midway(NULL, sel, 0, 2, 0, &r);
    char buf[80];
    printf("  %s: %s (%s)\n", what, mmu_trap_str(buf, sizeof buf), mark);
    mmu_clear();
    show("  the batch", &r);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pic_remap(0xFF, 0xFF);
    pd = mmu_new_pd();

    /* user pages */
    ufr = mmu_alloc();
    memset((void *)ufr, 0xCC, PAGE_SIZE);
    memcpy((void *)ufr, ublob, OFF(ublob, ublob_end));
    mmu_map(pd, UC, ufr, PG_P | PG_W | PG_U);
    mmu_map_new(pd, UD, 1, PG_P | PG_W | PG_U);
    mmu_map_new(pd, US, 1, PG_P | PG_W | PG_U);
    mmu_map_new(pd, USUP, 1, PG_P | PG_W);
    uint8_t sb[2][11];
    stub_bytes(sb[0], 0x10000);
    stub_bytes(sb[1], 0x20000);
    for (int k = 0; k < 2; k++) {
        urfr[k] = mmu_alloc();
        memset((void *)urfr[k], 0xCC, PAGE_SIZE);
        memcpy((void *)(urfr[k] + RSTUB), sb[k], 11);
    }
    mmu_map(pd, UR, urfr[0], PG_P | PG_U);
    /* across UX / UX + 0x1000: the immediates 0x00200400 and 0x00300400
     * share the two bytes on the first page */
    stub_bytes(sb[0], 0x00200400);
    stub_bytes(sb[1], 0x00300400);
    for (int k = 0; k < 3; k++) {
        uxfr[k] = mmu_alloc();
        memset((void *)uxfr[k], 0xCC, PAGE_SIZE);
    }
    memcpy((void *)(uxfr[0] + XSTUB), sb[0], 2);
    memcpy((void *)uxfr[1], sb[0] + 2, 9);
    memcpy((void *)uxfr[2], sb[1] + 2, 9);
    mmu_map(pd, UX, uxfr[0], PG_P | PG_U);
    mmu_map(pd, UX + PAGE_SIZE, uxfr[1], PG_P | PG_U);

    /* the entry page: two frames, the same handler with immediates 0x100
     * and 0x200 */
    for (int k = 0; k < 2; k++) {
        kfr[k] = mmu_alloc();
        memset((void *)kfr[k], 0xCC, PAGE_SIZE);
        memcpy((void *)kfr[k], kblob, OFF(kblob, kblob_end));
        *(uint32_t *)(kfr[k] + OFF(kblob, kimm)) = 0x100u << k;
    }
    mmu_map(pd, KE, kfr[0], PG_P | PG_W);

    /* per-CPU data */
    pcpu[0][0] = 0x00110000;
    pcpu[1][0] = 0x00220000;
    pcpu[2][0] = 0x03000000;
    pcpu[3][0] = 0x05000000;
    set_pcpu((uint32_t)pcpu[0], 0x92);
    set_kgs((uint32_t)pcpu[2], 0x92);
    fs_val = pcpu[0][0];
    gs_val = pcpu[2][0];
    k_imm = 0x100;
    uret_imm = 0x1000;

    k_stack_top = (uint32_t)(se_stack + sizeof se_stack);
    __asm__ volatile("wrmsr" : : "c"(0x174), "a"(KERNEL_CS), "d"(0));
    __asm__ volatile("wrmsr" : : "c"(0x175), "a"(k_stack_top), "d"(0));
    __asm__ volatile("wrmsr" : : "c"(0x176), "a"(KE), "d"(0));
    mmu_paging_on(pd, 1);
    ud_defaults();

    printf("a. round trips (user fs=0003 gs=0000):\n");
    batch("first 2000", 2000);
    batch("2000 more", 2000);
    printf("  access bytes: per-CPU %02x, kernel gs %02x\n", access_of(SEL_PCPU),
           access_of(SEL_KGS));

    printf("c. the entry page:\n");
    mmu_map(pd, KE, kfr[1], PG_P | PG_W);
    invlpg(KE);
    k_imm = 0x200;
    batch("remapped to the other frame", TRIPS);
    mmu_map(pd, KE, kfr[0], PG_P | PG_W);
    invlpg(KE);
    k_imm = 0x100;
    batch("mapped back", TRIPS);
    wr32(K_AT(kimm), 0x300);
    k_imm = 0x300;
    batch("its immediate rewritten in place", TRIPS);

    printf("d. the code SYSEXIT returns to:\n");
    *(volatile uint32_t *)(ufr + OFF(ublob, uimm)) = 0x3000;
    uret_imm = 0x3000;
    batch("its immediate rewritten through the frame's mapping", TRIPS);
    wr32(UD + UD_PATCH_AT, TRIPS / 2);
    wr32(UD + UD_PATCH_ADDR, U_AT(uimm));
    wr32(UD + UD_PATCH_VAL, 0x5000);
    wr32(UD + UD_PATCH_DELTA, 0x5000 - 0x3000);
    batch("rewritten by the loop halfway through", TRIPS);
    uret_imm = 0x5000;
    printf("  now: addl $%x\n", rd32(U_AT(uimm)));
    batch("again", TRIPS);
    struct result r;
    run(TRIPS, UR + RSTUB, 0x10000, &r);
    show("returning to UR+10", &r);
    mmu_map(pd, UR, urfr[1], PG_P | PG_U);
    invlpg(UR);
    run(TRIPS, UR + RSTUB, 0x20000, &r);
    show("UR remapped to another frame", &r);
    run(TRIPS, UX + XSTUB, 0x00200400, &r);
    show("returning to an instruction across two pages", &r);
    mmu_map(pd, UX + PAGE_SIZE, uxfr[2], PG_P | PG_U);
    invlpg(UX + PAGE_SIZE);
    run(TRIPS, UX + XSTUB, 0x00300400, &r);
    show("its second page remapped", &r);

    timer();

    printf("e. SYSEXIT on the last trip to a page ring 3 cannot fetch from:\n");
    bad_return("not present", TRIPS, U_AT(uret), uret_imm, UNP + 0x123);
    bad_return("supervisor only", TRIPS, U_AT(uret), uret_imm, USUP + 0x456);
    run(TRIPS, UR + RSTUB, 0x20000, &r);
    show("returning to UR+10", &r);
    mmu_map(pd, UR, 0, 0);
    invlpg(UR);
    bad_return("UR unmapped, every trip returning there", TRIPS, UR + RSTUB, 0x20000,
               UR + RSTUB);
    mmu_map(pd, UR, urfr[1], PG_P | PG_U);
    invlpg(UR);
    batch("back to normal", TRIPS);

    printf("f. FS: null in ring 3, per-CPU (0x30) in the handler:\n");
    set_pcpu((uint32_t)pcpu[1], 0x92);
    fs_val = pcpu[1][0];
    batch("per-CPU base changed between batches", TRIPS);
    printf("  access byte %02x\n", access_of(SEL_PCPU));
    gdt_midway("the handler changes the base at trip 250", SEL_PCPU,
               desc_of(SEL_PCPU >> 3, (uint32_t)pcpu[0], 0xFFF, 0x93, 0x4), 250,
               pcpu[0][0] - pcpu[1][0], &r);
    fs_val = pcpu[0][0];
    gdt_midway("the handler clears the accessed bit at trip 250", SEL_PCPU,
               desc_of(SEL_PCPU >> 3, (uint32_t)pcpu[0], 0xFFF, 0x92, 0x4), 250, 0, &r);
    printf("  access byte %02x\n", access_of(SEL_PCPU));
    wr32(UD + UD_FS, 0);
    wr32(UD + UD_GS, 3);
    batch("user fs=0000 gs=0003", TRIPS);
    wr32(UD + UD_FS, USER_DS);
    wr32(UD + UD_GS, USER_DS);
    wr32(UD + UD_SEGREAD, 1);
    batch("user fs=gs=0023, read through in ring 3", TRIPS);
    gdt_midway("the same, the handler changes the base at trip 250", SEL_PCPU,
               desc_of(SEL_PCPU >> 3, (uint32_t)pcpu[1], 0xFFF, 0x93, 0x4), 250,
               pcpu[1][0] - pcpu[0][0], &r);
    fs_val = pcpu[1][0];
    wr32(UD + UD_FS, 3);
    wr32(UD + UD_GS, 0);
    wr32(UD + UD_SEGREAD, 0);
    batch("user fs=0003 gs=0000 again", TRIPS);
    gdt_zeroed("the handler zeroes GDT entry 6 at trip 2", SEL_PCPU, "mov %si, %fs",
               K_AT(kfsmov), K_AT(kfault_fs));
    gdt[SEL_PCPU >> 3] = 0;
    seg_fault_trip("GDT entry 6 still zero, one more trip", "mov %si, %fs", K_AT(kfsmov),
                   K_AT(kfault_fs));
    set_pcpu((uint32_t)pcpu[1], 0x92);
    batch("entry 6 back (base 1)", TRIPS);

    printf("g. GS: null in ring 3, 0x38 by POP in the handler, POP on exit:\n");
    set_kgs((uint32_t)pcpu[3], 0x92);
    gs_val = pcpu[3][0];
    batch("kernel gs base changed between batches", TRIPS);
    printf("  access byte %02x\n", access_of(SEL_KGS));
    gdt_midway("the handler changes the base at trip 250", SEL_KGS,
               desc_of(SEL_KGS >> 3, (uint32_t)pcpu[2], 0xFFFFF, 0x93, 0xC), 250,
               pcpu[2][0] - pcpu[3][0], &r);
    gs_val = pcpu[2][0];
    gdt_zeroed("the handler zeroes GDT entry 7 at trip 2", SEL_KGS, "pop %gs", K_AT(kgspop),
               K_AT(kfault_gs));
    gdt[SEL_KGS >> 3] = 0;
    seg_fault_trip("GDT entry 7 still zero, one more trip", "pop %gs", K_AT(kgspop),
                   K_AT(kfault_gs));
    set_kgs((uint32_t)pcpu[2], 0x92);
    batch("entry 7 back (base 2)", TRIPS);
    printf("done\n");
    return 0;
}
