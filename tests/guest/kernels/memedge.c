/*
 * memedge.c - guest memory at its edges, where translated accesses leave
 * the fast path: open bus above RAM (reads all ones, writes dropped), an
 * access straddling the end of RAM, 32-bit address wrap-around of
 * base + displacement, and a store through a high-byte register into a
 * page holding translated code (self-modifying code through an access that
 * borrows a host register).
 */
#include "rt.h"

static uint32_t read32(uint32_t addr)
{
    return *(volatile uint32_t *)(uintptr_t)addr;
}

/* mov eax, [ebx - 4] with ebx = 0: the address wraps to 0xFFFFFFFC */
static uint32_t read_wrapped(void)
{
    uint32_t v, zero = 0;
    __asm__ volatile("movl -4(%1), %0" : "=r"(v) : "r"(zero) : "memory");
    return v;
}

/* patched below: mov eax, imm32; ret */
__attribute__((noinline, aligned(16))) static uint32_t patched(void)
{
    uint32_t v;
    __asm__ volatile(".globl patch_site\npatch_site: movl $0x11111111, %0" : "=a"(v));
    return v;
}
extern uint8_t patch_site[];

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    uint32_t ram_end = 0x100000 + mbi->mem_upper * 1024;

    printf("open bus read: %08x\n", (unsigned)read32(0xF0000000u));
    *(volatile uint32_t *)0xF0000000u = 0x12345678;
    printf("open bus after write: %08x\n", (unsigned)read32(0xF0000000u));
    printf("top of address space: %08x\n", (unsigned)read32(0xFFFFFFFCu));
    printf("wrapped [0 - 4]: %08x\n", (unsigned)read_wrapped());

    *(volatile uint16_t *)(uintptr_t)(ram_end - 2) = 0xBEEF;
    printf("straddling RAM end: %08x\n", (unsigned)read32(ram_end - 2));

    printf("before patch: %08x\n", (unsigned)patched());
    uint32_t esi_after, edi_after;
    /* mov [patch_site+1], ah  (a high-byte store into a code page) */
    __asm__ volatile("movl $0x12345678, %%esi\n\t"
                     "movl $0x9abcdef0, %%edi\n\t"
                     "movl $0x4200, %%eax\n\t"
                     "movb %%ah, 1(%%ebx)\n\t"
                     "movl %%esi, %0\n\t"
                     "movl %%edi, %1"
                     : "=m"(esi_after), "=m"(edi_after)
                     : "b"(patch_site)
                     : "eax", "esi", "edi", "memory");
    printf("after patch: %08x\n", (unsigned)patched());
    printf("registers kept: esi=%08x edi=%08x\n", (unsigned)esi_after, (unsigned)edi_after);
    return 0;
}
