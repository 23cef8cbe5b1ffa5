/*
 * exit_arg.S - the tiny static i386 program linux_forkexec execs: exits
 * with the status given as its first argument (decimal, taken mod 256),
 * 0 without one.  No libc, no relocations: an exec of it is the kernel's
 * work (the new address space, the ELF loader) and nothing of a C
 * runtime's start-up.
 */
    .text
    .globl _start
_start:
    xorl %ebx, %ebx                 /* the status */
    cmpl $2, (%esp)                 /* argc */
    jb 2f
    movl 8(%esp), %esi              /* argv[1] */
1:  movzbl (%esi), %eax
    subl $'0', %eax
    cmpl $9, %eax
    ja 2f
    imull $10, %ebx, %ebx
    addl %eax, %ebx
    incl %esi
    jmp 1b
2:  movl $1, %eax                   /* exit(ebx & 0xff) */
    int $0x80

    .section .note.GNU-stack, "", @progbits
