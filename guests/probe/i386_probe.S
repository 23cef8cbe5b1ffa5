/*
 * i386_probe.S - the smallest static i386 Linux program: writes
 * "xbt-i386-probe ok" to stdout through int $0x80 and exits 0.  The test
 * harness (tests/guest/native_host.sh) and `xbt bench` (src/bench/
 * native_host.c) run it once to learn whether this host can run i386
 * programs at all: kernels without IA32 emulation (or booted with
 * ia32_emulation=0) refuse it with ENOEXEC.  No libc, so it needs only the
 * -m32 assembler, not a static 32-bit libc.
 */
    .text
    .globl _start
_start:
    movl $4, %eax                   /* write(1, msg, len) */
    movl $1, %ebx
    movl $msg, %ecx
    movl $len, %edx
    int $0x80
    cmpl $len, %eax
    movl $0, %ebx
    je 1f
    movl $1, %ebx                   /* short write: exit 1 */
1:  movl $1, %eax                   /* exit(ebx) */
    int $0x80

    .section .rodata
msg:
    .ascii "xbt-i386-probe ok\n"
    .set len, . - msg
    .section .note.GNU-stack, "", @progbits
