/*
 * rm_strict16.S - the real-mode code of rm_strict (rm_strict.c): segment
 * limit checks in real mode, IDTR limit, each recorded by its IVT handler
 * (vector, pushed IP relative to the faulting instruction) in rm_res[].
 */
#include "rm_head.inc"

#define RES(n) OFF(rm_res) + 4 * (n)
#define SETVEC(v, h) movw $OFF(h), %es:4 * (v); movw %cs, %es:4 * (v) + 2
#define MARK(lbl) movw $OFF(lbl), OFF(mark)

    .globl rm_strict_main
rm_strict_main:
    movw $0, OFF(nres)
    xorw %ax, %ax
    movw %ax, %es
    SETVEC(13, gp_handler)
    SETVEC(12, ss_handler)
    pushw %ds
    popw %es
    /* a word at DS:FFFF: beyond the 64 KiB limit, #GP(0) (no wrap) */
    movw $0xFFFF, %bx
    MARK(1f)
1:  movw (%bx), %ax
    /* a byte there is fine */
    movb (%bx), %al
    /* BP-based: SS, #SS(0) */
    movw $0xFFFF, %bp
    MARK(2f)
2:  movw (%bp), %ax
    /* a dword at FFFD */
    movw $0xFFFD, %bx
    MARK(3f)
3:  movl (%bx), %eax
    /* 32-bit address beyond 64 KiB through DS (its limit is 64 KiB) */
    movl $0x10000, %esi
    MARK(4f)
4:  addr32 movb (%esi), %al
    /* ... but not through FS (unreal: 4 GiB) */
    addr32 movb %fs:(%esi), %al
    /* INT n beyond the IDTR limit: #GP */
    lidt OFF(small_ivt)
    MARK(5f)
5:  int $0x20
    lidt OFF(full_ivt)
    /* a far jump beyond the CS limit: #GP, IP at the jump */
    MARK(6f)
6:  ljmpl $RM_SEG, $0x10000
    ret

/* record (vector, pushed IP - mark) and skip len bytes */
#define HANDLER(name, vec)                      \
name:                                           \
    pushw %bp;                                  \
    movw %sp, %bp;                              \
    pushw %ax;                                  \
    pushw %bx;                                  \
    movw %cs:OFF(nres), %bx;                    \
    shlw $2, %bx;                               \
    movw 2(%bp), %ax;                           \
    subw %cs:OFF(mark), %ax;                    \
    movw %ax, %cs:OFF(rm_res) + 2(%bx);         \
    movw $vec, %cs:OFF(rm_res)(%bx);            \
    incw %cs:OFF(nres);                         \
    movw 2(%bp), %bx;                           \
    call skip_len;                              \
    addw %ax, 2(%bp);                           \
    popw %bx;                                   \
    popw %ax;                                   \
    popw %bp;                                   \
    iret
HANDLER(gp_handler, 13)
HANDLER(ss_handler, 12)

/* AX = the length of the instruction at CS:BX (the ones above) */
skip_len:
    movw $8, %ax
    cmpw $0xEA66, %cs:(%bx)
    je 4f
    movw $2, %ax
    cmpb $0x66, %cs:(%bx)
    jne 1f
    movw $3, %ax
1:  cmpb $0x67, %cs:(%bx)
    jne 2f
    movw $3, %ax
2:  cmpb $0x8B, %cs:(%bx)
    jne 3f
    cmpb $0x46, %cs:1(%bx)
    jne 3f
    movw $3, %ax            /* movw 0(%bp), %ax has a disp8 */
3:
4:  ret

    .balign 4
small_ivt:
    .word 0x3F
    .long 0
full_ivt:
    .word 0x3FF
    .long 0
mark:
    .word 0
nres:
    .word 0
    .balign 4
    .globl rm_res
rm_res:
    .space 4 * 16

#include "rm_tail.inc"
