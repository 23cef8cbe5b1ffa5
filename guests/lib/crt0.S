/*
 * crt0.S - entry point of every xbt guest kernel.
 *
 * A multiboot v1 loader (xbt, QEMU -kernel, GRUB) enters _start in 32-bit
 * flat protected mode with paging and interrupts off, EAX = 0x2BADB002 and
 * EBX = the physical address of the multiboot information.  The GDT the
 * loader used is undefined, so we load our own flat GDT, reload CS with a far
 * jump and the data segment registers, clear .bss, switch to a 16 KiB boot
 * stack, initialise COM1 and call
 *     int kmain(uint32_t magic, struct multiboot_info *mbi);
 * Its return value V is written to the isa-debug-exit port (host status
 * (V << 1) | 1) by xbt_exit, which halts forever if the port is absent.
 */
#include "multiboot.h"
#include "desc.h"

#define MB_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

    .section .multiboot, "a"
    .p2align 2
    .globl multiboot_header
multiboot_header:
    .long MULTIBOOT_HEADER_MAGIC
    .long MB_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

    .text
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    movl %eax, %esi                 /* multiboot magic */
    movl %ebx, %ebp                 /* multiboot info */

    lgdt gdt_desc
    ljmp $KERNEL_CS, $1f
1:  movw $KERNEL_DS, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl $boot_stack_top, %esp

    /* Clear .bss (the stack is in it, but nothing is on it yet). */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx                   /* kernel.ld aligns both ends to 4 */
    xorl %eax, %eax
    rep stosl

    movl %esi, mb_magic
    movl %ebp, mb_info
    xorl %ebp, %ebp                 /* terminate frame-pointer chains */

    call serial_init
    pushl mb_info
    pushl mb_magic
    call kmain
    addl $8, %esp
    pushl %eax
    call xbt_exit                   /* does not return */
2:  cli
    hlt
    jmp 2b
    .size _start, . - _start

    .data
    .p2align 3
    /* Flat GDT: ring-0 and ring-3 code/data, base 0, limit 4 GiB, and a
     * slot for a TSS descriptor (filled in by gdt_set_tss() in desc.c). */
    .globl gdt
gdt:
    .quad 0                         /* 0x00 null */
    .quad 0x00CF9A000000FFFF        /* 0x08 ring-0 code, 32-bit, RX */
    .quad 0x00CF92000000FFFF        /* 0x10 ring-0 data, RW */
    .quad 0x00CFFA000000FFFF        /* 0x18 ring-3 code (selector 0x1B) */
    .quad 0x00CFF2000000FFFF        /* 0x20 ring-3 data (selector 0x23) */
    .quad 0                         /* 0x28 TSS */
    .quad 0                         /* 0x30 spare */
    .quad 0                         /* 0x38 spare */
gdt_end:
    .p2align 2
    .word 0                         /* so that the base is 4-aligned */
    .globl gdt_desc
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    .globl mb_magic, mb_info
    .p2align 2
mb_magic:
    .long 0
mb_info:
    .long 0

    .section .bss.stack, "aw", @nobits
    .p2align 14
    .globl boot_stack, boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
