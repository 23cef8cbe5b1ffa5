/*
 * dbg_ibp.c - instruction breakpoints of the debug registers: DR0-DR3
 * with R/W = 00, armed in DR7 by a local or a global enable bit.  A match
 * is a #DB fault before the instruction, with DR6.B0-B3 naming every
 * R/W = 00 register at that address (armed or not); the handler returns
 * with EFLAGS.RF set, so the instruction runs once and the next pass
 * breaks again.  Cases: a called function's first instruction, one in the
 * middle of straight-line code, a loop body (a unit that chains to
 * itself), two registers on one address (one armed), nothing armed, a
 * breakpoint on a data-R/W register (never an instruction breakpoint), and
 * breakpoints cleared again.  Expected output from QEMU.
 */
#include "sys_common.h"

#define DR7_L(n) (1u << (2 * (n)))
#define DR7_G(n) (2u << (2 * (n)))
#define DR7_RW(n, rw) ((uint32_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, len) ((uint32_t)(len) << (18 + 4 * (n)))
#define EFL_RF 0x10000u

static volatile unsigned hits;
static volatile uint32_t hit_eip[8], hit_dr6[8];

static int on_db(struct isr_frame *f)
{
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    if (hits < 8) {
        hit_eip[hits] = f->eip;
        hit_dr6[hits] = dr6 & 0x400F;
    }
    hits++;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
    f->eflags |= EFL_RF; /* on past the breakpoint */
    return 1;
}

static void set_dr(unsigned n, uint32_t v)
{
    switch (n) {
    case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
    case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
    default: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
    }
}

static void set_dr7(uint32_t v)
{
    __asm__ volatile("mov %0, %%dr7" : : "r"(v | 0x400u));
}

/* Targets: their addresses come from the asm labels. */
extern char ibp_fn[], ibp_mid[], ibp_loop[];
uint32_t ibp_call(void);
uint32_t ibp_straight(void);
uint32_t ibp_looped(unsigned n);
__asm__(".text\n"
        ".globl ibp_fn\n"
        "ibp_fn:\n\tmov $0x1234, %eax\n\tret\n"
        ".globl ibp_call\n"
        "ibp_call:\n\tcall ibp_fn\n\tret\n"
        ".globl ibp_straight, ibp_mid\n"
        "ibp_straight:\n\tmov $1, %eax\n\tadd $2, %eax\n"
        "ibp_mid:\n\tadd $4, %eax\n\tadd $8, %eax\n\tret\n"
        ".globl ibp_looped, ibp_loop\n"
        "ibp_looped:\n\tmov 4(%esp), %ecx\n\txor %eax, %eax\n"
        "ibp_loop:\n\tinc %eax\n\tdec %ecx\n\tjnz ibp_loop\n\tret\n");

static void report(const char *what, uint32_t result)
{
    printf("%s: result %x, %u hit%s", what, result, hits, hits == 1 ? "" : "s");
    for (unsigned k = 0; k < hits && k < 8; k++) {
        const char *at = hit_eip[k] == (uint32_t)ibp_fn     ? "fn"
                         : hit_eip[k] == (uint32_t)ibp_mid  ? "mid"
                         : hit_eip[k] == (uint32_t)ibp_loop ? "loop"
                                                            : "?";
        printf(" [%s dr6 %04x]", at, hit_dr6[k]);
    }
    printf("\n");
    hits = 0;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    sys_hook(1, on_db);
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));

    set_dr(0, (uint32_t)ibp_fn);
    set_dr7(DR7_L(0));
    uint32_t r = ibp_call();
    r += ibp_call();
    report("DR0 local on a function, called twice", r);

    set_dr(1, (uint32_t)ibp_mid);
    set_dr7(DR7_G(1));
    report("DR1 global in straight-line code", ibp_straight());

    set_dr(3, (uint32_t)ibp_loop);
    set_dr7(DR7_L(3) | DR7_G(3));
    report("DR3 on a loop body, 5 turns", ibp_looped(5));

    set_dr(2, (uint32_t)ibp_fn);
    set_dr7(DR7_L(0) | DR7_RW(1, 1) | DR7_LEN(1, 3));
    report("DR0 armed, DR2 unarmed on the same address", ibp_call());

    set_dr7(DR7_L(1) | DR7_RW(1, 1) | DR7_LEN(1, 3));
    report("DR1 a write watchpoint on code", ibp_straight());

    set_dr7(0);
    r = ibp_call() + ibp_straight() + ibp_looped(3);
    report("nothing armed", r);
    printf("done\n");
    return 0;
}
