/*
 * isr.S - interrupt entry stubs.  Stub N pushes a dummy error code when the
 * CPU does not push one (so every frame has the same shape), then N, then
 * jumps to isr_common, which saves the general and data segment registers,
 * loads the kernel data segments and calls isr_handler(struct isr_frame *).
 * On return it restores everything and IRETs; the handler may change the
 * frame (e.g. advance eip past a faulting instruction).  isr_common is
 * global: a kernel that needs vectors past ISR_STUBS adds stubs of the
 * same shape (tests/guest/kernels/apic_stubs.S).
 */
#include "desc.h"

    .text
    .p2align 4
    .globl isr_common               /* for kernels with stubs of their own */
isr_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movw $KERNEL_DS, %ax
    movw %ax, %ds
    movw %ax, %es
    cld
    pushl %esp                      /* struct isr_frame * */
    call isr_handler
    addl $4, %esp
    popl %gs
    popl %fs
    popl %es
    popl %ds
    popal
    addl $8, %esp                   /* vector and error code */
    iretl

/* Vectors whose exceptions push an error code: 8, 10-14, 17, 21, 29, 30. */
.macro STUB n
    .p2align 3
isr_stub_\n:
    .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp isr_common
.endm

.altmacro
.macro STUBS from, to
    STUB %from
    .if \to-\from
    STUBS %(from+1), \to
    .endif
.endm

    STUBS 0, 47

.macro STUB_ADDR n
    .long isr_stub_\n
.endm
.macro STUB_ADDRS from, to
    STUB_ADDR %from
    .if \to-\from
    STUB_ADDRS %(from+1), \to
    .endif
.endm

    .section .rodata
    .p2align 2
    .globl isr_stub_table
isr_stub_table:
    STUB_ADDRS 0, 47
    .if (. - isr_stub_table) != ISR_STUBS * 4
    .error "isr_stub_table size does not match ISR_STUBS"
    .endif

    .section .note.GNU-stack, "", @progbits
