/*
 * sys_stack16.c - a 16-bit stack segment (SS.B clear) under 32-bit code in
 * protected mode: the CPU's own stack accesses use SP, wrap within 64 KiB
 * and leave ESP's upper half alone.  PUSH/POP, near CALL/RET, INT through
 * an interrupt gate and IRET, an exception (#UD) and IRET, far CALL/RETF,
 * and an interrupt from ring 3 onto a 16-bit ring-0 stack (SS0 from the
 * TSS), each with SP inside the segment and at the 64 KiB wrap (a frame
 * split across it).  ESP's upper half holds garbage throughout.  Expected
 * output from QEMU (its stack helpers mask with SS.B as the SDM says).
 */
#include <stdbool.h>

#include "sys_common.h"

#define SEL_S16 (SYS_FIRST_FREE << 3) /* 0x30 (in s16_run): 16-bit data, base arena */

static uint8_t arena[0x10000] __attribute__((aligned(4096)));
volatile uint32_t s16_in_esp, s16_out_esp, s16_flat_esp, s16_val;

enum { C_PUSH, C_CALL, C_INT, C_UD, C_FAR, C_RING3, NCASES };
static const char *const names[NCASES] = { "push/pop", "near call/ret", "int 0x40/iret",
                                           "ud2 (#UD)/iret", "far call/retf", "ring 3 int 0x42" };
/* Words the CPU pushed at s16_in_esp, of 4 bytes (the first case: the
 * pushw's 2, then the pushl's 4). */
static const unsigned nwords[NCASES] = { 2, 1, 3, 3, 2, 5 };

uint32_t s16_run(uint32_t esp, uint32_t which);
void s16_h40(void), s16_hud(void), s16_h42(void);

/* s16_run(esp, which): SS = SEL_S16, ESP = esp, case `which`, ESP after it
 * in s16_out_esp.  Case ring 3 enters ring 3 with a flat stack; its
 * interrupt comes back on the TSS's 16-bit SS0 and returns from here. */
__asm__(".text\n"
        ".globl s16_run\n"
        "s16_run:\n\t"
        "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
        "mov 20(%esp), %eax\n\tmov 24(%esp), %ecx\n\t"
        "mov %esp, s16_flat_esp\n\t"
        "cmp $5, %ecx\n\tje 5f\n\t"
        "mov $0x30, %dx\n\tmov %dx, %ss\n\tmov %eax, %esp\n\t"
        "jmp *s16_cases(,%ecx,4)\n"
        "s16_done:\n\t"
        "mov %esp, s16_out_esp\n\t"
        "mov $0x10, %dx\n\tmov %dx, %ss\n\tmov s16_flat_esp, %esp\n\t"
        "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
        "ret\n"
        /* push/pop */
        "0:\n\tpushl $0x11223344\n\tpushw $0x5566\n\tmov %esp, s16_in_esp\n\t"
        "popw %ax\n\tpopl %ebx\n\txor %ebx, %eax\n\tmov %eax, s16_val\n\tjmp s16_done\n"
        /* near call/ret */
        "1:\n\tcall 6f\n\tjmp s16_done\n"
        "6:\n\tmov %esp, s16_in_esp\n\tret\n"
        /* int 0x40 */
        "2:\n\tint $0x40\n\tjmp s16_done\n"
        /* ud2: the handler steps over it */
        "3:\n\tud2\n\tjmp s16_done\n"
        /* far call/retf */
        "4:\n\tlcall $0x08, $7f\n\tjmp s16_done\n"
        "7:\n\tmov %esp, s16_in_esp\n\tlret\n"
        /* ring 3: IRET to 8f with a flat user stack */
        "5:\n\tpushl $0x23\n\tpushl $sys_ustack + 8192\n\tpushl $2\n\t"
        "pushl $0x1B\n\tpushl $8f\n\tiret\n"
        "8:\n\tint $0x42\n"
        "9:\n\tjmp 9b\n"
        ".globl s16_h40\n"
        "s16_h40:\n\tmov %esp, s16_in_esp\n\tiret\n"
        ".globl s16_hud\n"
        "s16_hud:\n\tmov %esp, s16_in_esp\n\tpush %ebp\n\tmovzwl %sp, %ebp\n\t"
        "addl $2, %ss:4(%ebp)\n\tpop %ebp\n\tiret\n"
        /* from ring 3 (the IRET there nulled DS, ES, FS and GS): back to
         * ring 0's data segments and flat stack */
        ".globl s16_h42\n"
        "s16_h42:\n\t"
        "mov $0x10, %dx\n\tmov %dx, %ds\n\tmov %dx, %es\n\tmov %dx, %fs\n\tmov %dx, %gs\n\t"
        "mov %esp, s16_in_esp\n\tmov %esp, s16_out_esp\n\tmov %dx, %ss\n\t"
        "mov s16_flat_esp, %esp\n\t"
        "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
        "ret\n"
        ".section .rodata\n"
        ".align 4\n"
        "s16_cases: .long 0b, 1b, 2b, 3b, 4b\n"
        ".text\n");

/* The arithmetic flags in a pushed EFLAGS depend on the code before. */
#define EFL_SHOWN 0xFFFFF72Au

static void show(unsigned c, uint32_t esp)
{
    uint32_t in = s16_in_esp;
    printf("%-16s esp %08x: in %08x out %08x:", names[c], esp, in, s16_out_esp);
    for (unsigned k = 0; k < nwords[c]; k++) {
        bool half = c == C_PUSH && k == 0;
        uint32_t off = in & 0xFFFF, v = 0;
        for (unsigned b = 0; b < (half ? 2u : 4u); b++)
            v |= (uint32_t)arena[(off + b) & 0xFFFF] << (8 * b);
        if ((c == C_INT || c == C_UD) && k == 2)
            v &= EFL_SHOWN;
        if (c == C_RING3 && k == 2)
            v &= EFL_SHOWN;
        printf(" %0*x", half ? 4 : 8, v);
        in += half ? 2 : 4;
    }
    if (c == C_PUSH)
        printf(" popped xor %08x", s16_val);
    printf("\n");
}

static void run(unsigned c, uint32_t esp)
{
    s16_in_esp = s16_out_esp = 0;
    for (unsigned k = 0; k < 32; k++) /* the old frame must not show */
        arena[(esp - 1 - k) & 0xFFFF] = 0xCC;
    if (c == C_RING3) {
        sys_tss.t.ss0 = SEL_S16;
        sys_tss.t.esp0 = esp;
    }
    s16_run(esp, c);
    if (c == C_RING3) {
        sys_tss.t.ss0 = SEL_KDATA;
        sys_tss.t.esp0 = SYS_KSTACK_TOP;
    }
    show(c, esp);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    sys_seg(SYS_FIRST_FREE, (uint32_t)arena, 0xFFFF, ACC_DATA0, 0); /* B = 0 */
    uint64_t old6 = sys_idt_get(6);
    sys_idt_set(0x40, SEL_KCODE, (uint32_t)s16_h40, ACC_INTGATE);
    sys_idt_set(6, SEL_KCODE, (uint32_t)s16_hud, ACC_INTGATE);
    sys_idt_set(0x42, SEL_KCODE, (uint32_t)s16_h42, ACC_INTGATE | ACC_DPL(3));
    /* SP inside the segment, then at the wrap: each frame crosses 0 */
    static const uint32_t mid = 0xABCD8000u;
    static const uint32_t wrap[NCASES] = { 0x12340000u, 0x12340000u, 0x12340004u,
                                           0x12340004u, 0x12340004u, 0x12340008u };
    for (unsigned c = 0; c < NCASES; c++) {
        run(c, mid);
        run(c, wrap[c]);
    }
    sys_idt_put(6, old6);
    printf("done\n");
    return 0;
}
