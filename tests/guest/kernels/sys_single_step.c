/*
 * sys_single_step.c - EFLAGS.TF: after POPF sets TF, a #DB trap follows
 * each instruction (EIP = the next instruction, DR6.BS set) until the
 * handler clears TF in the saved EFLAGS.
 */
#include "desc.h"
#include "rt.h"

static volatile unsigned steps;
static volatile uint32_t eips[16];
extern char ss_start[], ss_end[];

static void on_db(struct isr_frame *f)
{
    if (steps < 16)
        eips[steps] = f->eip;
    steps++;
    if (f->eip == (uint32_t)(uintptr_t)ss_end || steps > 64)
        f->eflags &= ~0x100u;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    idt_init();
    isr_register(1, on_db);
    uint32_t dr6;
    __asm__ volatile("pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "popfl\n\t"
                     ".globl ss_start\nss_start:\n\t"
                     "movl $1, %%eax\n\t"
                     "addl $2, %%eax\n\t"
                     "nop\n\t"
                     "jmp 1f\n\t"
                     "1: movl $3, %%ecx\n\t"
                     ".globl ss_end\nss_end:\n\t"
                     "nop\n\t"
                     "movl %%dr6, %%eax\n\t"
                     "movl %%eax, %0"
                     : "=m"(dr6) : : "eax", "ecx", "memory", "cc");
    printf("single steps: %u\n", steps);
    for (unsigned k = 0; k < steps && k < 16; k++)
        printf("  #DB after -> ss_start+%u\n", (unsigned)(eips[k] - (uint32_t)(uintptr_t)ss_start));
    printf("DR6.BS: %u\n", (unsigned)((dr6 >> 14) & 1));
    return 0;
}
