/*
 * sys_stubs.S - interrupt entry stubs for all 256 vectors, used by the
 * sys_* test kernels and the syscall bench workload (sys_common.c).  Stub N
 * first stores the ESP the CPU left (after pushing its frame) in
 * sys_entry_esp, so tests can check where the processor put the frame
 * (ESP0 - 20 from ring 3, ...), then pushes a dummy error code when the CPU
 * does not push one, then N, and enters the common code, which builds a
 * struct isr_frame (desc.h) and calls isr_handler().
 * Also: sys_user_entry, the ring-3 side of sys_user_run().
 */
#include "desc.h"

    .text
    .p2align 4
sys_isr_common:
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

/* Exceptions with an error code on an i686: 8, 10-14, 17. */
.macro STUB n
    .p2align 5
sys_stub_\n:
    movl %esp, %ss:sys_entry_esp
    .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp sys_isr_common
.endm

.altmacro
.macro STUBS from, to
    STUB %from
    .if \to-\from
    STUBS %(from+1), \to
    .endif
.endm

    STUBS 0, 63
    STUBS 64, 127
    STUBS 128, 191
    STUBS 192, 255

/* Ring 3: call sys_user_fn, then leave through int $0x81 with its result
 * in EBX (sys_common.c takes the kernel back). */
    .globl sys_user_entry
sys_user_entry:
    call *sys_user_fn
    movl %eax, %ebx
    int $0x81
    ud2

/* Body of the fault tasks (sys_ftask_init): EBX = struct sys_ftask *;
 * calls fn(error code) for each delivery, then IRETs to the back link. */
    .globl sys_ftask_entry
sys_ftask_entry:
    xorl %eax, %eax
    cmpl $0, 4(%ebx)
    je 1f
    popl %eax                       /* the error code the CPU pushed */
1:  pushl %eax
    call *(%ebx)
    addl $4, %esp
    iretl
    jmp sys_ftask_entry

.macro STUB_ADDR n
    .long sys_stub_\n
.endm
.macro STUB_ADDRS from, to
    STUB_ADDR %from
    .if \to-\from
    STUB_ADDRS %(from+1), \to
    .endif
.endm

    .section .rodata
    .p2align 2
    .globl sys_stub_table
sys_stub_table:
    STUB_ADDRS 0, 63
    STUB_ADDRS 64, 127
    STUB_ADDRS 128, 191
    STUB_ADDRS 192, 255

    .section .note.GNU-stack, "", @progbits
