/*
 * mmu_xfer_smc.c - system-call round trips from ring 3 (INT 0x80 through a
 * DPL-3 gate and back by IRET; SYSENTER and back by SYSEXIT) in batches of
 * TRIPS trips, while between batches (and halfway through some) the code
 * at their four targets changes: xbt's direct transfers (src/bt/xfer.c)
 * go on to the unit for the new CS:EIP themselves and remember it (a memo
 * keyed by EIP, checked against the physical address, the mode key, the
 * translation cache's generation and the unit's validity), and none of
 * those may let a stale unit run.  Each target starts with
 * `addl $imm32, %eax` and then a string instruction (SCAS) that steps EDI
 * by the direction flag; each trip folds EAX and EDI into a checksum in
 * EBX.  What changes:
 *   a. nothing (the memo warm);
 *   b. the handlers' immediates rewritten in place (SMC: the units are
 *      dropped), through the handler page's mapping and through the
 *      frame's identity mapping;
 *   c. the return points' immediates rewritten: by the kernel, through the
 *      user mapping and the frame's identity mapping; by the user loop
 *      itself halfway through a batch, on its first and on its last trip;
 *   d. the user code page's PTE pointed at another frame holding the same
 *      code with other immediates (INVLPG), the handler page's too, then
 *      back; a frame not mapped rewritten, then mapped again; the loop's
 *      frame mapped at a second address 64 pages on (UC2: the same
 *      physical targets at other EIPs, which xbt's memo, direct-mapped by
 *      EIP, keeps in the same entries) and run there while the first
 *      address maps another frame;
 *   e. CR3 switched between two page directories that map other frames
 *      (other immediates) at the same linear addresses, in turns, one of
 *      them rewritten while the other is current;
 *   f. the direction flag set on every trip, on every other trip (the
 *      same EIP and physical address in another mode key), then clear
 *      again: SYSENTER, INT and IRET's EFLAGS image carry it to the
 *      targets;
 *   g. the translation cache flushed between batches (xbt flushes it when
 *      a breakpoint is armed in DR7, src/run.c: here DR0, at an address
 *      nothing executes, armed and disarmed at once; the units' descriptors
 *      are then reused by the next translations), right after a batch and
 *      after some other code ran, and with all of the above in turn.
 * Every batch prints its checksum and whether it is the one a model of the
 * loop (model()) computes from the immediates in the frames mapped; the
 * expected output is QEMU's.
 */
#include <stdbool.h>

#include "mmu_common.h"

/* UD + o as a string, for the assembly below */
#define STR_(x) #x
#define STR(x) STR_(x)
#define UDS(o) STR(UD) "+" STR(o)

/* No U suffixes: these go into the assembly below too. */
#define UC 0x41000000             /* the user loop (U|W: it rewrites itself) */
#define UC2 0x41040000            /* another place for it (64 pages on) */
#define UD 0x41010000             /* the loop's parameters, SCAS's bytes */
#define US 0x41020000             /* user stack page */
#define KE 0x42000000             /* the handlers (supervisor) */
#define KOFF 0x120                /* kblob in the handler page (its EIPs in memo */
                                  /* entries of their own: xfer.c hashes EIP) */
#define TRIPS 1000

/* UD offsets */
#define UD_RET 0x00               /* EDX for SYSEXIT: uret_se */
#define UD_DF 0x04                /* 0: DF clear, 1: set, 2: set on odd trips */
#define UD_PATCH_AT 0x08          /* trip number (counting down) at which */
#define UD_P1_ADDR 0x0C           /* the loop stores these two dwords */
#define UD_P1_VAL 0x10
#define UD_P2_ADDR 0x14
#define UD_P2_VAL 0x18
#define UD_STR 0x800              /* EDI at each transfer (SCAS reads here) */

/* The user loop: ESI trips (counting down in EBP), EBX = 0.  Each trip:
 * the patch (on its trip), DF, then INT 0x80 and SYSENTER with EAX = the
 * trip number and EDI = UD + UD_STR; after each, EBX = rol(EBX, 5) ^ EAX,
 * plus EDI.  Ends with int $0x2F (EBX = the checksum). */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "uloop:\n\t"
        "movl %esi, %ebp\n"
        "1:\tcmpl " UDS(UD_PATCH_AT) ", %ebp\n\t"
        "jne 2f\n\t"
        "movl " UDS(UD_P1_ADDR) ", %edx\n\t"
        "movl " UDS(UD_P1_VAL) ", %eax\n\t"
        "movl %eax, (%edx)\n\t"
        "movl " UDS(UD_P2_ADDR) ", %edx\n\t"
        "movl " UDS(UD_P2_VAL) ", %eax\n\t"
        "movl %eax, (%edx)\n"
        "2:\tmovl " UDS(UD_DF) ", %ecx\n\t"
        "cmpl $2, %ecx\n\t"
        "jne 3f\n\t"
        "movl %ebp, %ecx\n\t"
        "andl $1, %ecx\n"
        "3:\ttestl %ecx, %ecx\n\t"
        "jz 4f\n\t"
        "std\n\t"
        "jmp 5f\n"
        "4:\tcld\n"
        "5:\tmovl $" UDS(UD_STR) ", %edi\n\t"
        "movl %ebp, %eax\n\t"
        "int $0x80\n"
        "uret_int:\t.byte 0x05\n" /* addl $imm32, %eax */
        "uimm_i:\t.long 0\n\t"
        "scasw\n\t"
        "roll $5, %ebx\n\t"
        "xorl %eax, %ebx\n\t"
        "addl %edi, %ebx\n\t"
        "movl $" UDS(UD_STR) ", %edi\n\t"
        "movl %ebp, %eax\n\t"
        "movl %esp, %ecx\n\t"
        "movl " UDS(UD_RET) ", %edx\n\t"
        "sysenter\n"
        "uret_se:\t.byte 0x05\n" /* addl $imm32, %eax */
        "uimm_s:\t.long 0\n\t"
        "scasw\n\t"
        "roll $5, %ebx\n\t"
        "xorl %eax, %ebx\n\t"
        "addl %edi, %ebx\n\t"
        "decl %ebp\n\t"
        "jnz 1b\n\t"
        "cld\n\t"
        "int $" STR(MMU_USER_EXIT) "\n"
        "uloop_end:\n"
        ".popsection");
extern const char uloop[], uret_int[], uimm_i[], uret_se[], uimm_s[], uloop_end[];

/* The handlers: INT 0x80 (SCASB, IRET) and SYSENTER (SCASL, SYSEXIT to
 * EDX with ESP = ECX). */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "kblob:\n"
        "kint:\t.byte 0x05\n"     /* addl $imm32, %eax */
        "kimm_i:\t.long 0\n\t"
        "scasb\n\t"
        "iretl\n\t"
        ".p2align 4, 0xCC\n"
        "kse:\t.byte 0x05\n"      /* addl $imm32, %eax */
        "kimm_s:\t.long 0\n\t"
        "scasl\n\t"
        "sysexit\n"
        "kblob_end:\n"
        ".popsection");
extern const char kblob[], kint[], kimm_i[], kse[], kimm_s[], kblob_end[];

#define OFF(blob, l) ((uint32_t)(l) - (uint32_t)(blob))
#define U_AT(l) (ubase + OFF(uloop, l))
#define K_AT(l) (KE + KOFF + OFF(kblob, l))

static uint8_t se_stack[4096] __attribute__((aligned(16)));

/* Frames: the user code page's (A, B; C under the second directory) and
 * the handler page's (likewise). */
enum { FA, FB, FC, NFR };
static uint32_t ufr[NFR], kfr[NFR];
static uint32_t *pd1, *pd2;
static uint32_t ubase = UC; /* where the loop runs */

/* The frames mapped now at the loop's page and the handlers' page. */
static uint32_t u_frame(void)
{
    return *mmu_pte((uint32_t *)read_cr3(), ubase) & PG_FRAME;
}

static uint32_t k_frame(void)
{
    return *mmu_pte((uint32_t *)read_cr3(), KE) & PG_FRAME;
}

/* The immediates a trip adds (the handlers', the return points'). */
struct imms {
    uint32_t ki, ks, ui, us;
};

static struct imms imms_now(void)
{
    uint32_t u = u_frame(), k = k_frame();
    return (struct imms){ rd32(k + KOFF + OFF(kblob, kimm_i)), rd32(k + KOFF + OFF(kblob, kimm_s)),
                          rd32(u + OFF(uloop, uimm_i)), rd32(u + OFF(uloop, uimm_s)) };
}

static uint32_t rol5(uint32_t x)
{
    return x << 5 | x >> 27;
}

/* The loop's checksum: n trips from the immediates im; on trip at the
 * return points' become pi and ps; DF as UD_DF says. */
static uint32_t model(uint32_t n, struct imms im, uint32_t at, uint32_t pi, uint32_t ps, int df)
{
    uint32_t sum = 0, base = UD + UD_STR;
    for (uint32_t t = n; t; t--) {
        if (t == at) {
            im.ui = pi;
            im.us = ps;
        }
        uint32_t d = (df == 2 ? (int)(t & 1) : df) ? 0xFFFFFFFFu : 1u;
        sum = rol5(sum) ^ (t + im.ki + im.ui);
        sum += base + d + 2 * d;
        sum = rol5(sum) ^ (t + im.ks + im.us);
        sum += base + 4 * d + 2 * d;
    }
    return sum;
}

/* Set by the sections: the next batch's patch by the loop, DF, and a
 * flush of the translation cache right after it. */
static uint32_t patch_at, patch_i, patch_s;
static int df_mode;
static bool flush_after;

/* Arms an instruction breakpoint in DR0/DR7 and disarms it: nothing in
 * the guest changes; xbt flushes its translation cache. */
static void flush_tcache(void)
{
    __asm__ volatile("movl %0, %%dr0\n\t"
                     "movl $1, %%eax\n\t"
                     "movl %%eax, %%dr7\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movl %%eax, %%dr7"
                     :
                     : "r"(0x7FFFF000u)
                     : "eax", "memory");
}

static void batch(const char *what, uint32_t n)
{
    struct imms im = imms_now();
    uint32_t want = model(n, im, patch_at, patch_i, patch_s, df_mode);
    wr32(UD + UD_RET, U_AT(uret_se));
    wr32(UD + UD_DF, (uint32_t)df_mode);
    wr32(UD + UD_PATCH_AT, patch_at);
    wr32(UD + UD_P1_ADDR, U_AT(uimm_i));
    wr32(UD + UD_P1_VAL, patch_i);
    wr32(UD + UD_P2_ADDR, U_AT(uimm_s));
    wr32(UD + UD_P2_VAL, patch_s);
    struct mmu_uregs r = { .esi = n };
    mmu_user_run(ubase, US + PAGE_SIZE, &r);
    if (flush_after)
        flush_tcache();
    printf("  %s: %u trips, checksum %08x", what, n, r.ebx);
    if (r.ebx == want)
        printf(" ok\n");
    else
        printf(" WRONG (expected %08x)\n", want);
    patch_at = 0;
}

/* Writes the immediates of the frames (0: left alone). */
static void set_k(uint32_t frame, uint32_t ki, uint32_t ks)
{
    if (ki)
        wr32(frame + KOFF + OFF(kblob, kimm_i), ki);
    if (ks)
        wr32(frame + KOFF + OFF(kblob, kimm_s), ks);
}

static void set_u(uint32_t frame, uint32_t ui, uint32_t us)
{
    if (ui)
        wr32(frame + OFF(uloop, uimm_i), ui);
    if (us)
        wr32(frame + OFF(uloop, uimm_s), us);
}

static void map_u(uint32_t *pd, int f)
{
    mmu_map(pd, UC, ufr[f], PG_P | PG_W | PG_U);
    invlpg(UC);
}

static void map_k(uint32_t *pd, int f)
{
    mmu_map(pd, KE, kfr[f], PG_P | PG_W);
    invlpg(KE);
}

static void use_pd(uint32_t *pd)
{
    write_cr3((uint32_t)pd);
}

/* The loop patches its return points on trip at. */
static void loop_patches(uint32_t at, uint32_t ui, uint32_t us)
{
    patch_at = at;
    patch_i = ui;
    patch_s = us;
}

static void frames(void)
{
    for (int f = 0; f < NFR; f++) {
        ufr[f] = mmu_alloc();
        memset((void *)ufr[f], 0xCC, PAGE_SIZE);
        memcpy((void *)ufr[f], uloop, OFF(uloop, uloop_end));
        set_u(ufr[f], 0x1000u + 0x10000u * f, 0x2000u + 0x10000u * f);
        kfr[f] = mmu_alloc();
        memset((void *)kfr[f], 0xCC, PAGE_SIZE);
        memcpy((void *)(kfr[f] + KOFF), kblob, OFF(kblob, kblob_end));
        set_k(kfr[f], 0x100u + 0x1000u * f, 0x200u + 0x1000u * f);
    }
}

static void user_pages(uint32_t *pd, int f, uint32_t udfr, uint32_t usfr)
{
    mmu_map(pd, UC, ufr[f], PG_P | PG_W | PG_U);
    mmu_map(pd, KE, kfr[f], PG_P | PG_W);
    mmu_map(pd, UD, udfr, PG_P | PG_W | PG_U);
    mmu_map(pd, US, usfr, PG_P | PG_W | PG_U);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    frames();
    uint32_t udfr = mmu_alloc(), usfr = mmu_alloc();
    pd1 = mmu_new_pd();
    pd2 = mmu_new_pd();
    user_pages(pd1, FA, udfr, usfr);
    user_pages(pd2, FC, udfr, usfr);
    set_idt_gate(0x80, (void (*)(void))K_AT(kint), IDT_INT_GATE, 3);
    __asm__ volatile("wrmsr" : : "c"(0x174), "a"(KERNEL_CS), "d"(0));
    uint32_t se_top = (uint32_t)(se_stack + sizeof se_stack);
    __asm__ volatile("wrmsr" : : "c"(0x175), "a"(se_top), "d"(0));
    __asm__ volatile("wrmsr" : : "c"(0x176), "a"(K_AT(kse)), "d"(0));
    mmu_paging_on(pd1, 1);
    use_pd(pd1);

    printf("a. round trips (INT 0x80 / IRET, SYSENTER / SYSEXIT):\n");
    batch("first", 2 * TRIPS);
    batch("again", TRIPS);

    printf("b. the handlers' immediates rewritten in place:\n");
    wr32(K_AT(kimm_i), 0x300);
    batch("INT 0x80's, through the handler page", TRIPS);
    wr32(k_frame() + KOFF + OFF(kblob, kimm_s), 0x400);
    batch("SYSENTER's, through the frame's identity mapping", TRIPS);
    wr32(K_AT(kimm_i), 0x500);
    wr32(K_AT(kimm_s), 0x600);
    batch("both", TRIPS);

    printf("c. the return points' immediates rewritten:\n");
    wr32(U_AT(uimm_i), 0x3000);
    wr32(U_AT(uimm_s), 0x4000);
    batch("by the kernel, through the user mapping", TRIPS);
    wr32(u_frame() + OFF(uloop, uimm_i), 0x5000);
    wr32(u_frame() + OFF(uloop, uimm_s), 0x6000);
    batch("through the frame's identity mapping", TRIPS);
    loop_patches(TRIPS / 2, 0x7000, 0x8000);
    batch("by the loop halfway through", TRIPS);
    loop_patches(TRIPS, 0x9000, 0xA000);
    batch("by the loop on its first trip", TRIPS);
    loop_patches(1, 0xB000, 0xC000);
    batch("by the loop on its last trip", TRIPS);
    batch("again", TRIPS);

    printf("d. other frames at the same addresses (PTE + INVLPG):\n");
    map_u(pd1, FB);
    batch("user code page -> frame B", TRIPS);
    map_u(pd1, FA);
    batch("back to frame A", TRIPS);
    map_k(pd1, FB);
    batch("handler page -> frame B", TRIPS);
    map_u(pd1, FB);
    batch("both on frame B", TRIPS);
    set_u(ufr[FA], 0xD000, 0xE000);
    set_k(kfr[FA], 0x700, 0x800);
    batch("frames A rewritten while not mapped", TRIPS);
    map_u(pd1, FA);
    map_k(pd1, FA);
    batch("both back to frame A", TRIPS);
    loop_patches(TRIPS / 2, 0xF000, 0x10000);
    map_u(pd1, FB);
    batch("user page -> frame B, the loop rewrites it halfway", TRIPS);
    map_u(pd1, FA);
    batch("back to frame A", TRIPS);
    mmu_map(pd1, UC2, ufr[FA], PG_P | PG_W | PG_U);
    map_u(pd1, FB);
    ubase = UC2;
    batch("frame A at another address, the first one -> frame B", TRIPS);
    ubase = UC;
    map_u(pd1, FA);
    batch("back to the first address, frame A", TRIPS);

    printf("e. CR3: two directories, other frames at the same addresses:\n");
    use_pd(pd2);
    batch("directory 2 (frames C)", TRIPS);
    use_pd(pd1);
    batch("directory 1 (frames A)", TRIPS);
    set_u(ufr[FC], 0x31000, 0x32000);
    set_k(kfr[FC], 0x2300, 0);
    batch("frames C rewritten meanwhile", TRIPS);
    use_pd(pd2);
    batch("directory 2", TRIPS);
    for (int i = 0; i < 4; i++) {
        use_pd(i & 1 ? pd2 : pd1);
        batch(i & 1 ? "directory 2" : "directory 1", TRIPS / 2);
    }
    map_u(pd2, FB);
    batch("directory 2 maps frame B now (INVLPG)", TRIPS);
    map_u(pd2, FC);
    use_pd(pd1);

    printf("f. the direction flag (the mode key):\n");
    df_mode = 1;
    batch("set on every trip", TRIPS);
    df_mode = 2;
    batch("set on odd trips", TRIPS);
    df_mode = 0;
    batch("clear", TRIPS);
    df_mode = 1;
    batch("set on every trip", TRIPS);
    df_mode = 0;

    printf("g. the translation cache flushed between batches:\n");
    flush_after = true;
    batch("warm, flushed right after", TRIPS);
    batch("again", TRIPS);
    batch("again", TRIPS);
    flush_after = false;
    batch("not flushed after", TRIPS);
    flush_tcache();
    batch("flushed before", TRIPS);
    flush_after = true;
    set_k(k_frame(), 0x900, 0xA00);
    batch("the handlers rewritten", TRIPS);
    set_u(u_frame(), 0x40000, 0x50000);
    batch("the return points rewritten", TRIPS);
    map_u(pd1, FB);
    batch("user page -> frame B", TRIPS);
    use_pd(pd2);
    batch("directory 2", TRIPS);
    df_mode = 1;
    batch("DF set", TRIPS);
    df_mode = 2;
    batch("DF set on odd trips", TRIPS);
    use_pd(pd1);
    map_u(pd1, FA);
    df_mode = 0;
    batch("back to normal", TRIPS);
    flush_after = false;
    printf("done\n");
    return 0;
}
