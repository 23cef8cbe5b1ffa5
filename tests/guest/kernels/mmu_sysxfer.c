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
 *
 * mmu_sysxfer_strict (SYSXFER_STRICT) adds h: reads through FS and GS
 * across those loads and reloads that must raise #GP(0) (over a segment's
 * limit, through a null selector), in the handler and in ring 3, on one
 * designated trip of a warm batch, and reads that must not; QEMU checks
 * neither, its expected output is the SDM's (see the section).
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

#ifdef SYSXFER_STRICT
/* ---- h (mmu_sysxfer_strict): limits and null selectors across the swaps ----
 *
 * SDM (Vol. 3A 5.3, "Limit Checking"; Vol. 2, MOV and the #GP(0) of every
 * data access): a dword read at offset 0xFFE of an expand-up segment with
 * a byte-granular limit of 0xFFF (its last byte at 0x1001) raises #GP(0),
 * one at 0xFFC does not; so does any read through DS, ES, FS or GS holding
 * a null selector (#GP(0)), at any privilege level; a flat segment
 * (limit 4 GiB - 1) reads anywhere.  Nothing else about the trips changes.
 *
 * h1-h4: fresh copies of the strict user loop and handler for each case
 * (the code is first run with that case's FS and GS).  h5: one more copy
 * first run with FS and GS flat on both sides, then with other segments
 * (the same instructions, the same addresses, every one of them run
 * first that way, the reads after the exit's reloads included: an
 * implementation that remembers what FS or GS held when it first ran
 * some code must check what they hold now). */
#define SUC 0x41100000            /* the strict user loop, one page per copy */
#define SKE 0x42100000            /* the strict handler, one page per copy */
#define SUD 0x41200000            /* their parameters and results */
#define UG 0x41210000             /* two pages: the user's limited GS (0x3B) */
#define SEL_UGS 0x3B              /* GDT 7 in h2, h5d: DPL 3, base UG, limit 0xFFF */
#define SEL_KGSL 0x38             /* GDT 7 in h4, h5b: DPL 0, base skgs, limit 0xFFF */
#define STRICT_AT 100             /* the designated trip (counting down) */
#define SMARK 0xFA170000          /* what a read that faulted leaves */

/* SUD offsets */
#define SD_BAD 0x00               /* trips with an unexpected result */
#define SD_KINDS 0x04             /* which (bits as in the main loop) */
#define SD_TRIPS 0x08
#define SD_ESP 0x0C
#define SD_RET 0x10
#define SD_FS 0x14                /* the user's FS and GS */
#define SD_GS 0x18
#define SD_FSAT 0x1C              /* the designated trip of the FS reads, or 0 */
#define SD_FIRST 0x20             /* the first and last trips with an unexpected result */
#define SD_LAST 0x24
#define SD_FSMODE 0x28            /* ring-3 reads through FS: 0 none; 1 every trip, */
#define SD_FSOK 0x2C              /* at SD_FSOK, at SD_FSBAD on trip SD_FSAT; 2 on */
#define SD_FSBAD 0x30             /* trip SD_FSAT only, at SD_FSBAD; each must */
#define SD_FSVAL 0x34             /* return SD_FSVAL */
#define SD_GSMODE 0x38            /* the same through GS */
#define SD_GSOK 0x3C
#define SD_GSBAD 0x40
#define SD_GSVAL 0x44
#define SD_FSOUT 0x48             /* FS and GS at the end */
#define SD_GSOUT 0x4C
#define SD_GSAT 0x50              /* the designated trip of the GS reads, or 0 */
#define SD_XAT 0x54               /* on this trip the result is SD_XADD more */
#define SD_XADD 0x58
#define SD_FLAT 0x800             /* MAGIC, read through a flat FS or GS */

#define SDA(o) XS(SUD) "+" XS(o)

/* The user loop: EDI trips (counting down), ESI = what the handler adds
 * to the trip number (its two reads; on trip SD_XAT SD_XADD more).  After each return: the result,
 * ESP, FS and GS, then the reads through FS and GS that SD_FSMODE and
 * SD_GSMODE ask for (a faulting one resumes at the next instruction with
 * SMARK).  Ends with int $0x2F. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "sublob:\n\t"
        "movl " SDA(SD_FS) ", %eax\n\t"
        "movw %ax, %fs\n\t"
        "movl " SDA(SD_GS) ", %eax\n\t"
        "movw %ax, %gs\n"
        "1:\tmovl %edi, %eax\n\t"
        "movl %esp, " SDA(SD_ESP) "\n\t"
        "movl %esp, %ecx\n\t"
        "movl " SDA(SD_RET) ", %edx\n\t"
        "sysenter\n"
        "suret:\txorl %ecx, %ecx\n\t"
        "leal (%edi,%esi), %edx\n\t"
        "cmpl " SDA(SD_XAT) ", %edi\n\t"
        "jne 2f\n\t"
        "addl " SDA(SD_XADD) ", %edx\n"
        "2:\tcmpl %edx, %eax\n\t"
        "je 2f\n\t"
        "orl $0x1, %ecx\n"
        "2:\tcmpl " SDA(SD_ESP) ", %esp\n\t"
        "je 2f\n\t"
        "orl $0x4, %ecx\n"
        "2:\tmovw %fs, %dx\n\t"
        "cmpw " SDA(SD_FS) ", %dx\n\t"
        "je 2f\n\t"
        "orl $0x80, %ecx\n"
        "2:\tmovw %gs, %dx\n\t"
        "cmpw " SDA(SD_GS) ", %dx\n\t"
        "je 2f\n\t"
        "orl $0x100, %ecx\n"
        "2:\tmovl " SDA(SD_FSMODE) ", %eax\n\t"
        "testl %eax, %eax\n\t"
        "jz 5f\n\t"
        "movl " SDA(SD_FSOK) ", %edx\n\t"
        "cmpl " SDA(SD_FSAT) ", %edi\n\t"
        "jne 3f\n\t"
        "movl " SDA(SD_FSBAD) ", %edx\n\t"
        "jmp 4f\n"
        "3:\tcmpl $2, %eax\n\t"
        "je 5f\n"
        "4:\tmovl $" XS(SMARK) ", %eax\n"
        "sufsrd:\tmovl %fs:(%edx), %eax\n"
        "sufsnext:\tcmpl " SDA(SD_FSVAL) ", %eax\n\t"
        "je 5f\n\t"
        "orl $0x400, %ecx\n"
        "5:\tmovl " SDA(SD_GSMODE) ", %eax\n\t"
        "testl %eax, %eax\n\t"
        "jz 8f\n\t"
        "movl " SDA(SD_GSOK) ", %edx\n\t"
        "cmpl " SDA(SD_GSAT) ", %edi\n\t"
        "jne 6f\n\t"
        "movl " SDA(SD_GSBAD) ", %edx\n\t"
        "jmp 7f\n"
        "6:\tcmpl $2, %eax\n\t"
        "je 8f\n"
        "7:\tmovl $" XS(SMARK) ", %eax\n"
        "sugsrd:\tmovl %gs:(%edx), %eax\n"
        "sugsnext:\tcmpl " SDA(SD_GSVAL) ", %eax\n\t"
        "je 8f\n\t"
        "orl $0x800, %ecx\n"
        "8:\ttestl %ecx, %ecx\n\t"
        "jz 9f\n\t"
        "incl " SDA(SD_BAD) "\n\t"
        "orl %ecx, " SDA(SD_KINDS) "\n\t"
        "movl %edi, " SDA(SD_LAST) "\n\t"
        "cmpl $0, " SDA(SD_FIRST) "\n\t"
        "jne 9f\n\t"
        "movl %edi, " SDA(SD_FIRST) "\n"
        "9:\tincl " SDA(SD_TRIPS) "\n\t"
        "decl %edi\n\t"
        "jnz 1b\n\t"
        "movw %fs, " SDA(SD_FSOUT) "\n\t"
        "movw %gs, " SDA(SD_GSOUT) "\n\t"
        "int $" XS(MMU_USER_EXIT) "\n"
        "sublob_end:\n"
        ".popsection");
extern const char sublob[], suret[], sufsrd[], sufsnext[], sugsrd[], sugsnext[], sublob_end[];

/* The handler: Linux's frame; FS = s_kfs from a register, GS = s_kgs by
 * POP; EAX += fs:s_kfsoff + gs:s_kgsoff, but on trip s_at fs:s_kfsbad and
 * gs:s_kgsbad; FS reloaded from its frame slot (MOV from memory), on trip
 * s_xfsat then EAX += fs:s_xfsoff; GS by POP, on trip s_xgsat then EAX +=
 * gs:s_xgsoff; STI; SYSEXIT.  A faulting read resumes at the next
 * instruction with SMARK. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "skblob:\n\t"
        "pushl %ecx\n\t"
        "pushl %edx\n\t"
        "pushl %fs\n\t"
        "pushl %ebx\n\t"
        "pushl %esi\n\t"
        "pushl %gs\n\t"
        "movl %eax, %ebx\n\t"
        "movl s_kfs, %esi\n\t"
        "movw %si, %fs\n\t"
        "pushl s_kgs\n\t"
        "popl %gs\n\t"
        "movl s_kfsoff, %ecx\n\t"
        "movl s_kgsoff, %edx\n\t"
        "cmpl s_at, %ebx\n\t"
        "cmovel s_kfsbad, %ecx\n\t"
        "cmovel s_kgsbad, %edx\n\t"
        "movl $" XS(SMARK) ", %esi\n"
        "skfsrd:\tmovl %fs:(%ecx), %esi\n"
        "skfsnext:\taddl %esi, %eax\n\t"
        "movl $" XS(SMARK) ", %esi\n"
        "skgsrd:\tmovl %gs:(%edx), %esi\n"
        "skgsnext:\taddl %esi, %eax\n\t"
        "movw 12(%esp), %fs\n\t"
        "cmpl s_xfsat, %ebx\n\t"
        "jne 1f\n\t"
        "movl s_xfsoff, %ecx\n\t"
        "movl $" XS(SMARK) ", %esi\n"
        "skxfsrd:\tmovl %fs:(%ecx), %esi\n"
        "skxfsnext:\taddl %esi, %eax\n"
        "1:\tpopl %gs\n\t"
        "cmpl s_xgsat, %ebx\n\t"
        "jne 2f\n\t"
        "movl s_xgsoff, %edx\n\t"
        "movl $" XS(SMARK) ", %esi\n"
        "skxgsrd:\tmovl %gs:(%edx), %esi\n"
        "skxgsnext:\taddl %esi, %eax\n"
        "2:\tpopl %esi\n\t"
        "popl %ebx\n\t"
        "addl $4, %esp\n\t"
        "popl %edx\n\t"
        "popl %ecx\n\t"
        "sti\n\t"
        "sysexit\n"
        "skblob_end:\n"
        ".popsection");
extern const char skblob[], skfsrd[], skfsnext[], skgsrd[], skgsnext[], skxfsrd[], skxfsnext[],
    skxgsrd[], skxgsnext[], skblob_end[];

volatile uint32_t s_kfs, s_kgs, s_kfsoff, s_kgsoff, s_kfsbad, s_kgsbad, s_at;
volatile uint32_t s_xfsat, s_xfsoff, s_xgsat, s_xgsoff;
static uint32_t s_kfsval, s_kgsval;
static uint32_t spcpu[2][1024] __attribute__((aligned(4096))); /* FS 0x30: spcpu[0] */
static uint32_t skgs[2][1024] __attribute__((aligned(4096)));  /* GS 0x38: skgs[0] */
static volatile uint32_t sk_word;                              /* through 0x10 */
static uint32_t s_uc, s_ke;                                     /* the copies in use */

#define V_PCPU 0x30FFC000u        /* at fs:0xFFC (0x30) */
#define V_KGSL 0x38FFC000u        /* at gs:0xFFC (0x38) */
#define V_UGS 0x3BFFC000u         /* at gs:0xFFC (0x3B) */
#define V_KWORD 0x00001000u       /* sk_word, through 0x10 */

/* Where a batch's designated read is: in the handler after the loads
 * (KFS, KGS), in ring 3 (UFS, UGS), in the handler after the exit's
 * reloads (XFS, XGS). */
enum { SW_NONE, SW_KFS, SW_KGS, SW_UFS, SW_UGS, SW_XFS, SW_XGS, SW_XOK };

/* Fresh copies of the user loop and the handler (the k-th); SYSENTER_EIP
 * = the handler's. */
static void strict_copy(unsigned k)
{
    uint32_t f = mmu_alloc();
    memcpy((void *)f, sublob, OFF(sublob, sublob_end));
    s_uc = SUC + k * PAGE_SIZE;
    mmu_map(pd, s_uc, f, PG_P | PG_U);
    f = mmu_alloc();
    memcpy((void *)f, skblob, OFF(skblob, skblob_end));
    s_ke = SKE + k * PAGE_SIZE;
    mmu_map(pd, s_ke, f, PG_P);
    __asm__ volatile("wrmsr" : : "c"(0x176), "a"(s_ke), "d"(0));
}

/* The segments of a case: the user's, the handler's (and what it reads
 * through them every trip: fs:0xFFC of 0x30 and 0x38, sk_word through
 * 0x10). */
static void strict_segs(uint16_t ufs, uint16_t ugs, uint16_t kfs, uint16_t kgs)
{
    wr32(SUD + SD_FS, ufs);
    wr32(SUD + SD_GS, ugs);
    s_kfs = kfs;
    s_kfsoff = kfs == KERNEL_DS ? (uint32_t)&sk_word : 0xFFC;
    s_kfsval = kfs == KERNEL_DS ? V_KWORD : V_PCPU;
    s_kgs = kgs;
    s_kgsoff = kgs == KERNEL_DS ? (uint32_t)&sk_word : 0xFFC;
    s_kgsval = kgs == KERNEL_DS ? V_KWORD : V_KGSL;
}

/* The ring-3 reads of a case (mode, offset, what they return). */
static void strict_uread(uint32_t fsmode, uint32_t fsok, uint32_t fsval, uint32_t gsmode,
                         uint32_t gsok, uint32_t gsval)
{
    wr32(SUD + SD_FSMODE, fsmode);
    wr32(SUD + SD_FSOK, fsok);
    wr32(SUD + SD_FSVAL, fsval);
    wr32(SUD + SD_GSMODE, gsmode);
    wr32(SUD + SD_GSOK, gsok);
    wr32(SUD + SD_GSVAL, gsval);
}

/* TRIPS trips; on trip `at` the read `where` says is at offset bad
 * instead (the reads after the exit's reloads: made on that trip only;
 * SW_XOK: both, through flat segments, at the linear address bad; nothing
 * else changes): the fault it raises is reported, with the trips whose
 * results were not the expected ones. */
static void strict_batch(const char *what, int where, uint32_t at, uint32_t bad)
{
    wr32(SUD + SD_BAD, 0);
    wr32(SUD + SD_KINDS, 0);
    wr32(SUD + SD_TRIPS, 0);
    wr32(SUD + SD_FIRST, 0);
    wr32(SUD + SD_LAST, 0);
    wr32(SUD + SD_RET, s_uc + OFF(sublob, suret));
    wr32(SUD + SD_FSAT, where == SW_UFS ? at : 0);
    wr32(SUD + SD_GSAT, where == SW_UGS ? at : 0);
    wr32(SUD + SD_FSBAD, where == SW_UFS ? bad : rd32(SUD + SD_FSOK));
    wr32(SUD + SD_GSBAD, where == SW_UGS ? bad : rd32(SUD + SD_GSOK));
    s_at = where == SW_KFS || where == SW_KGS ? at : 0;
    s_kfsbad = where == SW_KFS ? bad : s_kfsoff;
    s_kgsbad = where == SW_KGS ? bad : s_kgsoff;
    s_xfsat = where == SW_XFS || where == SW_XOK ? at : 0;
    s_xfsoff = bad;
    s_xgsat = where == SW_XGS || where == SW_XOK ? at : 0;
    s_xgsoff = bad;
    wr32(SUD + SD_XAT, where == SW_XOK ? at : 0);
    wr32(SUD + SD_XADD, where == SW_XOK ? 2 * rd32(bad) : 0);
    mmu_clear();
    static const struct {
        const char *rd, *next;
        bool user;
    } loc[] = {
        [SW_KFS] = { skfsrd, skfsnext, false },   [SW_KGS] = { skgsrd, skgsnext, false },
        [SW_UFS] = { sufsrd, sufsnext, true },    [SW_UGS] = { sugsrd, sugsnext, true },
        [SW_XFS] = { skxfsrd, skxfsnext, false }, [SW_XGS] = { skxgsrd, skxgsnext, false },
    };
    if (where != SW_NONE && where != SW_XOK) {
        uint32_t copy = loc[where].user ? s_uc : s_ke;
        const char *blob = loc[where].user ? sublob : skblob;
        mmu_mark = copy + OFF(blob, loc[where].rd);
        mmu_resume = copy + OFF(blob, loc[where].next);
    }
    unsigned faults = mmu_trap.count;
    struct mmu_uregs r = { .edi = TRIPS, .esi = s_kfsval + s_kgsval };
    mmu_user_run(s_uc, US + PAGE_SIZE, &r);
    faults = mmu_trap.count - faults;
    uint32_t nbad = rd32(SUD + SD_BAD);
    printf("    %s: %u trips, unexpected results %u", what, rd32(SUD + SD_TRIPS), nbad);
    if (nbad == 1)
        printf(" (kinds %x) on trip %u", rd32(SUD + SD_KINDS), rd32(SUD + SD_FIRST));
    else if (nbad)
        printf(" (kinds %x) on trips %u to %u", rd32(SUD + SD_KINDS), rd32(SUD + SD_FIRST),
               rd32(SUD + SD_LAST));
    printf("; faults %u", faults);
    if (faults) {
        char buf[80];
        printf(": %s cs=%02x", mmu_trap_str(buf, sizeof buf), mmu_trap.cs);
    }
    printf("; fs=%04x gs=%04x\n", rd16(SUD + SD_FSOUT), rd16(SUD + SD_GSOUT));
    mmu_clear();
}

static void strict_sections(void)
{
    printf("h. limits and null selectors across the swaps (%u trips a batch; trips count "
           "down, the designated one is %u unless said):\n",
           TRIPS, STRICT_AT);
    mmu_map_new(pd, SUD, 1, PG_P | PG_W | PG_U);
    mmu_map_new(pd, UG, 2, PG_P | PG_W | PG_U);
    wr32(SUD + SD_FLAT, MAGIC);
    wr32(UG + 0xFFC, V_UGS);
    spcpu[0][0x3FF] = V_PCPU;
    skgs[0][0x3FF] = V_KGSL;
    sk_word = V_KWORD;
    gdt_set_entry(SEL_PCPU >> 3, (uint32_t)spcpu[0], 0xFFF, 0x92, 0x4);
    const uint32_t A = STRICT_AT;

    printf("  h1. user fs=0003 gs=0000 (Linux's); the handler: fs=0030 (limit fff) by MOV, "
           "reads fs:ffc; gs=0010 (flat) by POP:\n");
    strict_copy(0);
    strict_segs(3, 0, SEL_PCPU, KERNEL_DS);
    strict_uread(2, 0, 0, 2, 0, 0);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler reads fs:ffe (a dword across the limit) on trip 100", SW_KFS, A,
                 0xFFE);
    strict_batch("ring 3 reads fs:0 on trip 100 (through fs on no other)", SW_UFS, A, 0);
    strict_batch("ring 3 reads gs:0 on trip 100 (through gs on no other)", SW_UGS, A, 0);
    strict_batch("again, no designated trip", SW_NONE, 0, 0);

    gdt_set_entry(SEL_UGS >> 3, UG, 0xFFF, 0xF2, 0x4);
    printf("  h2. user fs=0003 gs=003b (DPL 3, limit fff), ring 3 reads gs:ffc every trip; "
           "the handler: gs=0010 (flat) by POP:\n");
    strict_copy(1);
    strict_segs(3, SEL_UGS, SEL_PCPU, KERNEL_DS);
    strict_uread(0, 0, 0, 1, 0xFFC, V_UGS);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("ring 3 reads gs:ffe instead on trip 100", SW_UGS, A, 0xFFE);
    strict_batch("ring 3 reads gs:1000 instead on trip 100", SW_UGS, A, 0x1000);
    strict_batch("again, no designated trip", SW_NONE, 0, 0);

    printf("  h3. user fs=0023 (flat) gs=0000, ring 3 reads fs:41200800 every trip; the "
           "handler: fs=0030 (limit fff), reads fs:ffc:\n");
    strict_copy(2);
    strict_segs(USER_DS, 0, SEL_PCPU, KERNEL_DS);
    strict_uread(1, SUD + SD_FLAT, MAGIC, 0, 0, 0);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler reads fs:ffe instead on trip 100", SW_KFS, A, 0xFFE);
    strict_batch("again, no designated trip", SW_NONE, 0, 0);

    gdt_set_entry(SEL_KGSL >> 3, (uint32_t)skgs[0], 0xFFF, 0x92, 0x4);
    printf("  h4. user fs=0003 gs=0023 (flat), ring 3 reads gs:41200800 every trip; the "
           "handler: gs=0038 (limit fff) by POP, reads gs:ffc:\n");
    strict_copy(3);
    strict_segs(3, USER_DS, SEL_PCPU, SEL_KGSL);
    strict_uread(0, 0, 0, 1, SUD + SD_FLAT, MAGIC);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler reads gs:ffe instead on trip 100", SW_KGS, A, 0xFFE);
    strict_batch("again, no designated trip", SW_NONE, 0, 0);

    printf("  h5. one copy, run first with fs and gs flat on both sides (user 0023, the "
           "handler's 0010), then with other segments:\n");
    strict_copy(4);
    strict_segs(USER_DS, USER_DS, KERNEL_DS, KERNEL_DS);
    strict_uread(1, SUD + SD_FLAT, MAGIC, 1, SUD + SD_FLAT, MAGIC);
    printf("   h5a. all flat, ring 3 reads fs:41200800 and gs:41200800 every trip:\n");
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler also reads fs:41200800 after the exit's reload and gs:41200800 "
                 "after its POP on trip 100",
                 SW_XOK, A, SUD + SD_FLAT);
    printf("   h5b. user fs=gs=0023 (flat); the handler: fs=0030, gs=0038 (limit fff), "
           "reads fs:ffc, gs:ffc:\n");
    strict_segs(USER_DS, USER_DS, SEL_PCPU, SEL_KGSL);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler reads fs:ffe instead on trip 100", SW_KFS, A, 0xFFE);
    strict_batch("the handler reads gs:ffe instead on trip 100", SW_KGS, A, 0xFFE);
    printf("   h5c. user fs=0003 gs=0000; the handler: fs=gs=0010 (flat):\n");
    strict_segs(3, 0, KERNEL_DS, KERNEL_DS);
    strict_uread(0, 0, 0, 0, 0, 0);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler reads fs:0 after the exit's reload, on trip 500 (the first)",
                 SW_XFS, TRIPS, 0);
    strict_batch("the same on trip 100", SW_XFS, A, 0);
    strict_batch("the handler reads gs:0 after the exit's POP, on trip 500 (the first)", SW_XGS,
                 TRIPS, 0);
    strict_batch("the same on trip 100", SW_XGS, A, 0);
    gdt_set_entry(SEL_UGS >> 3, UG, 0xFFF, 0xF2, 0x4);
    printf("   h5d. user fs=0003 gs=003b (DPL 3, limit fff), ring 3 reads gs:ffc every trip; "
           "the handler: fs=gs=0010 (flat):\n");
    strict_segs(3, SEL_UGS, KERNEL_DS, KERNEL_DS);
    strict_uread(0, 0, 0, 1, 0xFFC, V_UGS);
    strict_batch("warm", SW_NONE, 0, 0);
    strict_batch("the handler reads gs:ffe after the exit's POP, on trip 500 (the first)",
                 SW_XGS, TRIPS, 0xFFE);
    strict_batch("the same on trip 100", SW_XGS, A, 0xFFE);
    strict_batch("ring 3 reads gs:ffe instead on trip 100", SW_UGS, A, 0xFFE);
}
#endif

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
#ifdef SYSXFER_STRICT
    strict_sections();
#endif
    printf("done\n");
    return 0;
}
