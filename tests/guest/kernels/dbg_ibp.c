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
#include "dbg_common.h"


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
    printf("%s: result %x, %u hit%s", what, result, dbg_hits, dbg_hits == 1 ? "" : "s");
    for (unsigned k = 0; k < dbg_hits && k < 8; k++) {
        const char *at = dbg_hit_eip[k] == (uint32_t)ibp_fn     ? "fn"
                         : dbg_hit_eip[k] == (uint32_t)ibp_mid  ? "mid"
                         : dbg_hit_eip[k] == (uint32_t)ibp_loop ? "loop"
                                                            : "?";
        printf(" [%s dr6 %04x]", at, dbg_hit_dr6[k]);
    }
    printf("\n");
    dbg_hits = 0;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    dbg_init();

    dbg_set_dr(0, (uint32_t)ibp_fn);
    dbg_set_dr7(DR7_L(0));
    uint32_t r = ibp_call();
    r += ibp_call();
    report("DR0 local on a function, called twice", r);

    dbg_set_dr(1, (uint32_t)ibp_mid);
    dbg_set_dr7(DR7_G(1));
    report("DR1 global in straight-line code", ibp_straight());

    dbg_set_dr(3, (uint32_t)ibp_loop);
    dbg_set_dr7(DR7_L(3) | DR7_G(3));
    report("DR3 on a loop body, 5 turns", ibp_looped(5));

    dbg_set_dr(2, (uint32_t)ibp_fn);
    dbg_set_dr7(DR7_L(0) | DR7_RW(1, 1) | DR7_LEN(1, 3));
    report("DR0 armed, DR2 unarmed on the same address", ibp_call());

    dbg_set_dr7(DR7_L(1) | DR7_RW(1, 1) | DR7_LEN(1, 3));
    report("DR1 a write watchpoint on code", ibp_straight());

    dbg_set_dr7(0);
    r = ibp_call() + ibp_straight() + ibp_looped(3);
    report("nothing armed", r);
    printf("done\n");
    return 0;
}
