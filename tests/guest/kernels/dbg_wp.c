/*
 * dbg_wp.c - data breakpoints of the debug registers: DR0-DR3 with R/W =
 * 01 (writes) or 11 (reads and writes) and LEN 1, 2 or 4 bytes (the
 * address aligned down to it), armed in DR7.  A hit is a #DB trap after
 * the instruction (EIP past it) with DR6.Bn.  Cases: a dword written and
 * read under a write breakpoint; a byte breakpoint on reads and writes hit
 * by a byte read, missed by the neighbouring byte, hit by a dword that
 * covers it; a 2-byte breakpoint; a push onto a watched stack slot; MOVSB
 * (a helper's write) and a read-modify-write ADD; two breakpoints armed
 * at once; nothing armed.  Expected output from QEMU.  Where QEMU departs
 * from the SDM the cases stay out of its way: an address not aligned to
 * its length (QEMU does not align it down) and one instruction hitting
 * two breakpoints (QEMU sets one B bit, the SDM every one that matched).
 */
#include "dbg_common.h"



uint32_t wp_data[4] __attribute__((aligned(16)));
uint32_t wp_stack[1024] __attribute__((aligned(16))); /* the #DB frame goes on it too */

/* Each access is followed by a label: the trap's EIP names it. */
extern char wp_a1[], wp_a2[], wp_a3[], wp_a4[], wp_a5[], wp_a6[], wp_a7[], wp_a8[], wp_a9[],
    wp_a10[];
void wp_run(void);
__asm__(".text\n"
        ".globl wp_run\n"
        "wp_run:\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
        "movl $0x11111111, wp_data\n"            /* dword write */
        ".globl wp_a1\nwp_a1:\n\tmov wp_data, %eax\n" /* dword read */
        ".globl wp_a2\nwp_a2:\n\tmovb wp_data+4, %al\n" /* byte read */
        ".globl wp_a3\nwp_a3:\n\tmovb $5, wp_data+5\n" /* the neighbouring byte */
        ".globl wp_a4\nwp_a4:\n\tmovl $0x22222222, wp_data+4\n" /* a dword over it */
        ".globl wp_a5\nwp_a5:\n\tmovb $7, wp_data+11\n" /* in the 2-byte range */
        ".globl wp_a6\nwp_a6:\n\t"
        "mov %esp, %ebx\n\tlea wp_stack+4096, %esp\n\tpushl $0x33\n" /* push */
        ".globl wp_a7\nwp_a7:\n\tmov %ebx, %esp\n\t"
        "lea wp_data+13, %edi\n\tlea wp_data+1, %esi\n\tcld\n\tmovsb\n" /* MOVSB */
        ".globl wp_a8\nwp_a8:\n\taddb $1, wp_data+12\n" /* read-modify-write */
        ".globl wp_a9\nwp_a9:\n\tmovw $0, wp_data+8\n"
        ".globl wp_a10\nwp_a10:\n\t"
        "pop %edi\n\tpop %esi\n\tpop %ebx\n\tret\n");

static const char *where(uint32_t eip)
{
    static const char *const names[] = { "a1", "a2", "a3", "a4", "a5",
                                         "a6", "a7", "a8", "a9", "a10" };
    const char *const labels[] = { wp_a1, wp_a2, wp_a3, wp_a4, wp_a5,
                                   wp_a6, wp_a7, wp_a8, wp_a9, wp_a10 };
    for (unsigned k = 0; k < 10; k++)
        if (eip == (uint32_t)labels[k])
            return names[k];
    return "?";
}

static void run(const char *what)
{
    dbg_hits = 0;
    wp_run();
    printf("%s: %u hit%s", what, dbg_hits, dbg_hits == 1 ? "" : "s");
    for (unsigned k = 0; k < dbg_hits && k < 8; k++)
        printf(" [after %s dr6 %04x]", where(dbg_hit_eip[k]), dbg_hit_dr6[k]);
    printf("\n");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    dbg_init();

    dbg_set_dr(0, (uint32_t)&wp_data[0]);
    dbg_set_dr7(DR7_L(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4));
    run("DR0 write, 4 bytes at wp_data");

    dbg_set_dr(1, (uint32_t)&wp_data[1]);
    dbg_set_dr7(DR7_L(1) | DR7_RW(1, RW_RW) | DR7_LEN(1, LEN1));
    run("DR1 read/write, 1 byte at wp_data+4");

    dbg_set_dr(2, (uint32_t)&wp_data[2] + 2);
    dbg_set_dr7(DR7_L(2) | DR7_RW(2, RW_W) | DR7_LEN(2, LEN2));
    run("DR2 write, 2 bytes at wp_data+10");

    dbg_set_dr(3, (uint32_t)&wp_stack[1023]);
    dbg_set_dr7(DR7_L(3) | DR7_RW(3, RW_W) | DR7_LEN(3, LEN4));
    run("DR3 write, 4 bytes of the stack");

    dbg_set_dr(0, (uint32_t)&wp_data[3]);
    dbg_set_dr(1, (uint32_t)&wp_data[3] + 1);
    dbg_set_dr7(DR7_L(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN1) | DR7_L(1) | DR7_RW(1, RW_RW) |
            DR7_LEN(1, LEN1));
    run("DR0 write and DR1 read/write on wp_data+12, +13");

    dbg_set_dr(0, (uint32_t)&wp_data[2]);
    dbg_set_dr(1, (uint32_t)&wp_data[2] + 2);
    dbg_set_dr7(DR7_L(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN2) | DR7_L(1) | DR7_RW(1, RW_W) |
            DR7_LEN(1, LEN2));
    run("DR0 and DR1 write, 2 bytes each at wp_data+8, +10");

    dbg_set_dr7(0);
    run("nothing armed");
    printf("done\n");
    return 0;
}
