/*
 * v86_16.S - the virtual-8086 program of v86_monitor (v86_monitor.c) and
 * the 32-bit entry into V86 mode.  The program runs at RM_SEG with
 * DS = ES = SS = RM_SEG: CLI/STI/PUSHF/POPF, INT 42h through its own IVT
 * entry (whose handler IRETs), a string written to COM1 with OUT, a #DE,
 * an INT3, then HLT, which ends it.  What it sees goes to rm_res[].
 */
#include "rm_head.inc"

#define RES(n) OFF(rm_res) + 4 * (n)

    .globl v86_main
v86_main:
    cli
    sti
    pushfw
    popw %ax
    andw $0x3200, %ax
    movw %ax, RES(0)
    cli
    pushfw
    popw %ax
    andw $0x3200, %ax
    movw %ax, RES(0) + 2
    pushw $0x0202
    popfw
    pushfw
    popw %ax
    andw $0x3200, %ax
    movw %ax, RES(1)
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(h42), %es:0x108
    movw %cs, %es:0x10A
    pushw %ds
    popw %es
    movw $0x1111, %ax
    int $0x42
    movw %ax, RES(2)
    movw %sp, RES(2) + 2
    movw $OFF(msg), %si
    movw $0x3F8, %dx
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  movw $0x1234, %bx
    movw %bx, %fs
    movw $0x5678, %bx
    movw %bx, %gs
    movw $1, %ax
    xorb %cl, %cl
    divb %cl
    int3
    movw %fs, RES(3)
    movw %gs, RES(3) + 2
    hlt
    ud2

h42:
    addw $0x1000, %ax
    iret

msg:
    .asciz "  hello from virtual-8086 mode\n"
    .balign 4
    .globl rm_res
rm_res:
    .space 4 * 8

/* The 32-bit side: void v86_enter(eflags, seg, ip, sp) IRETs into V86
 * mode with every segment register = seg; the monitor ends the program
 * by resuming at v86_back, which returns from v86_enter. */
    .code32
    .section .text
    .globl v86_enter, v86_back
v86_enter:
    pushal
    movl %esp, v86_saved_esp
    movl 40(%esp), %ebx         /* seg */
    pushl %ebx                  /* GS */
    pushl %ebx                  /* FS */
    pushl %ebx                  /* DS */
    pushl %ebx                  /* ES */
    pushl %ebx                  /* SS */
    pushl 68(%esp)              /* SP: 48 + 5 pushes */
    movl 60(%esp), %eax         /* eflags: 36 + 6 pushes */
    orl $0x20000, %eax          /* VM */
    pushl %eax
    pushl %ebx                  /* CS */
    pushl 76(%esp)              /* IP: 44 + 8 pushes */
    iretl
/* void v86_task_enter(uint16_t sel): a far JMP to the TSS sel, whose
 * EFLAGS has VM: a task switch into V86; the monitor ends it at v86_back
 * too (still in that task). */
    .globl v86_task_enter
v86_task_enter:
    pushal
    movl %esp, v86_saved_esp
    movl 36(%esp), %eax
    movw %ax, v86_task_ptr + 4
    ljmp *v86_task_ptr
v86_back:
    movl %ss:v86_saved_esp, %esp
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    popal
    ret
    .section .data
v86_saved_esp:
    .long 0
v86_task_ptr:
    .long 0
    .word 0
    .section .data
    .code16

#include "rm_tail.inc"
