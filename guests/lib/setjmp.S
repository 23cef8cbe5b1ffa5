/*
 * setjmp.S - xbt_setjmp / xbt_longjmp for guest kernels (cdecl, i386).
 * The buffer holds EBX, ESI, EDI, EBP, ESP (as after the call returns) and
 * the return address.  Used by catch.c to leave an exception handler.
 */
    .text
    .globl xbt_setjmp
    .type xbt_setjmp, @function
xbt_setjmp:
    movl 4(%esp), %eax
    movl %ebx, 0(%eax)
    movl %esi, 4(%eax)
    movl %edi, 8(%eax)
    movl %ebp, 12(%eax)
    leal 4(%esp), %ecx              /* ESP after our RET */
    movl %ecx, 16(%eax)
    movl (%esp), %ecx               /* return address */
    movl %ecx, 20(%eax)
    xorl %eax, %eax
    ret
    .size xbt_setjmp, . - xbt_setjmp

    .globl xbt_longjmp
    .type xbt_longjmp, @function
xbt_longjmp:
    movl 4(%esp), %edx
    movl 8(%esp), %eax
    testl %eax, %eax
    jnz 1f
    incl %eax                       /* longjmp(env, 0) returns 1 */
1:  movl 0(%edx), %ebx
    movl 4(%edx), %esi
    movl 8(%edx), %edi
    movl 12(%edx), %ebp
    movl 16(%edx), %esp
    jmp *20(%edx)
    .size xbt_longjmp, . - xbt_longjmp

    .section .note.GNU-stack, "", @progbits
