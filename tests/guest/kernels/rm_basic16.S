/*
 * rm_basic16.S - the real-mode code of rm_basic (rm_basic.c): each test
 * stores what it saw in rm_res[] (dwords), which the kernel prints back in
 * protected mode.
 */
#include "rm_head.inc"

#define RES(n) OFF(rm_res) + 4 * (n)
/* RES(n) = the distance from the pushed IP the last handler saw to lbl */
#define SAW_IP(lbl, n) movw $OFF(lbl), %ax; subw OFF(fault_ip), %ax; movw %ax, RES(n)
#define SETVEC(v, h) movw $OFF(h), %es:4 * (v); movw %cs, %es:4 * (v) + 2

/* the whole test: DS = ES = SS = CS = RM_SEG */
    .globl rm_basic_main
rm_basic_main:
    movw $0, OFF(fault_count)
    /* 16-bit arithmetic and flags */
    movw $0x1234, %ax
    addw $0x4321, %ax
    movw %ax, RES(0)
    movw $0xFFFF, %ax
    addw $1, %ax
    pushfw
    popw %bx
    andw $0x8D5, %bx
    movw %bx, RES(1)
    movw $300, %ax
    movw $700, %cx
    mulw %cx
    movw %ax, RES(2)
    movw %dx, RES(2) + 2
    movw $7, %cx
    divw %cx
    movw %ax, RES(3)
    movw %dx, RES(3) + 2
    /* 32-bit operands (0x66) and addresses (0x67) */
    movl $0x12345678, %eax
    addl $0x11111111, %eax
    movl %eax, RES(4)
    movl $0x10001, %ecx
    imull $0x3000, %ecx, %edx
    movl %edx, RES(5)
    movl $2, %esi
    addr32 movl OFF(src32)(,%esi,4), %eax
    movl %eax, RES(6)
    movw $0x8001, %ax
    rolw $4, %ax
    shrw $1, %ax
    movw %ax, RES(7)
    /* segments: ES = RM_SEG + 0x100 aliases DS at offset 0x1000 */
    movw $0xBEEF, OFF(scratch)
    movw $RM_SEG + (OFF(scratch) >> 4), %ax
    movw %ax, %es
    movw %es:(OFF(scratch) & 15), %ax
    movw %ax, RES(8)
    lesw OFF(farptr), %di
    movw %es, RES(9)
    movw %di, RES(9) + 2
    pushw %ds
    popw %es
    /* the offset wraps at 64 KiB: [bx + 2] with BX = 0xFFFF is DS:1 */
    movw $0xFFFF, %bx
    movb 2(%bx), %al
    movb %al, RES(10)
    movb %cs:1, %al
    movb %al, RES(10) + 1
    /* the stack wraps: a push at SP = 0 writes at SS:FFFE */
    movw %sp, %bp
    xorw %sp, %sp
    pushw $0x5AA5
    movw %sp, %ax
    popw %bx
    movw %bp, %sp
    movw %ax, RES(11)
    movw %bx, RES(11) + 2
    movw %ss:0xFFFE, %ax
    movw %ax, RES(12)
    /* far CALL, RETF, RETF imm16, indirect far call */
    lcall $RM_SEG, $OFF(farfn)
    movw %ax, RES(13)
    pushw $0x77
    lcall *OFF(farptr2)
    movw %ax, RES(14)
    movw %sp, %ax
    subw %bp, %ax
    movw %ax, RES(14) + 2
    /* ENTER/LEAVE, PUSHA/POPA, PUSHFD/POPFD, LOOP, REP MOVSB */
    enterw $8, $0
    movw %sp, %ax
    leavew
    subw %sp, %ax
    movw %ax, RES(15)
    movw $1, %ax
    movw $2, %cx
    pushaw
    movw $9, %ax
    movw $9, %cx
    popaw
    addw %cx, %ax
    movw %ax, RES(16)
    xorw %ax, %ax
    movw $10, %cx
1:  addw %cx, %ax
    loop 1b
    movw %ax, RES(17)
    cld
    movw $OFF(src32), %si
    movw $OFF(scratch), %di
    movw $8, %cx
    rep movsb
    movl OFF(scratch) + 4, %eax
    movl %eax, RES(18)
    /* the IVT: INT n, INT3, INTO, #DE, #UD, BOUND (#BR) */
    xorw %ax, %ax
    movw %ax, %es
    SETVEC(0x42, int42)
    SETVEC(0, de_handler)
    SETVEC(6, ud_handler)
    SETVEC(3, bp_handler)
    SETVEC(4, of_handler)
    SETVEC(5, br_handler)
    pushw %ds
    popw %es
    sti
    movw $0x4242, %ax
    int $0x42
    pushfw
    cli
    popw %bx
    andw $0x200, %bx
    movw %ax, RES(19)
    movw %bx, RES(19) + 2
    movw $5, %ax
    xorb %cl, %cl
de_insn:
    divb %cl
    SAW_IP(de_insn, 20)
    movw OFF(fault_count), %ax
    movw %ax, RES(20) + 2
ud_insn:
    ud2
    SAW_IP(ud_insn, 21)
    int3
bp_next:
    SAW_IP(bp_next, 22)
    movw $0x7FFF, %ax
    incw %ax
    into
of_next:
    SAW_IP(of_next, 23)
    movw $50, %ax
br_insn:
    boundw %ax, OFF(bounds)
    SAW_IP(br_insn, 24)
    movw OFF(fault_count), %ax
    movw %ax, RES(24) + 2
    /* near CALL/RET 2000 times (RET: an indirect branch under a CS base) */
    movw $2000, %cx
    xorw %ax, %ax
1:  call inc_ax
    loop 1b
    movw %ax, RES(18) + 2
    /* descriptor instructions do not exist in real mode: #UD */
    xorw %ax, %ax
    movw %ax, %es
    SETVEC(6, ud3_handler)
    pushw %ds
    popw %es
sldt_insn:
    sldt %ax
    SAW_IP(sldt_insn, 29)
lar_insn:
    larw %bx, %ax
    SAW_IP(lar_insn, 30)
    xorw %ax, %ax
    movw %ax, %es
    SETVEC(6, ud_handler)
    pushw %ds
    popw %es
arpl_insn:
    arpl %ax, %bx
    SAW_IP(arpl_insn, 31)
    movw OFF(fault_count), %ax
    movw %ax, RES(29) + 2
    /* LGDT/SGDT with a 16-bit operand size: a 24-bit base */
    sgdtl OFF(dt_save)
    lgdtw OFF(dt_test)
    sgdtl OFF(dt_out)
    movl OFF(dt_out) + 2, %eax
    movl %eax, RES(32)
    movl $0xFFFFFFFF, OFF(dt_out) + 2
    sgdtw OFF(dt_out)
    movl OFF(dt_out) + 2, %eax
    movl %eax, RES(33)
    lgdtl OFF(dt_save)
    /* unreal mode: FS still has its 4 GiB limit */
    movl $0x200000, %esi
    addr32 movl %fs:(%esi), %eax
    movl %eax, RES(25)
    movw %fs, RES(26)
    /* reloading FS with the selector it holds sets base = sel * 16 */
    addr32 movl $0x600DF00D, %fs:0x200100
    movw %fs, %ax
    movw %ax, %fs
    addr32 movl %fs:(%esi), %eax
    movl %eax, RES(34)
    /* 32-bit stack ops on the 16-bit stack */
    pushl $0xDEADBEEF
    popl %eax
    movl %eax, RES(27)
    /* DAA/AAM/XLAT/CBW/CWD in 16-bit code */
    movb $0x19, %al
    addb $0x28, %al
    daa
    movb %al, RES(28)
    movb $3, %al
    movw $OFF(xlat_tab), %bx
    xlat
    movb %al, RES(28) + 1
    movw $0xFF80, %ax
    cwd
    movw %dx, RES(28) + 2
    ret

inc_ax:
    incw %ax
    ret

farfn:
    movw $0xFA, %ax
    lret
farfn2:
    movw %sp, %bx
    movw %ss:4(%bx), %ax
    lret $2

int42:
    pushw %bp
    movw %sp, %bp
    pushfw
    popw %ax
    andw $0x200, %ax
    movw 4(%bp), %bx                /* the pushed CS */
    subw $RM_SEG, %bx
    addw %bx, %ax
    addw $0x4200, %ax
    popw %bp
    iret

/* the fault handlers record the pushed IP and count; faults skip the
 * faulting instruction (length in fault_len) */
#define HANDLER(name, len)              \
name:                                   \
    pushw %bp;                          \
    movw %sp, %bp;                      \
    pushw %ax;                          \
    movw 2(%bp), %ax;                   \
    movw %ax, %cs:OFF(fault_ip);        \
    addw $len, 2(%bp);                  \
    incw %cs:OFF(fault_count);          \
    popw %ax;                           \
    popw %bp;                           \
    iret
HANDLER(de_handler, 2)
HANDLER(ud_handler, 2)
HANDLER(ud3_handler, 3)
HANDLER(bp_handler, 0)
HANDLER(of_handler, 0)
HANDLER(br_handler, 4)

    .balign 4
src32:
    .long 0x11223344, 0x55667788, 0x99AABBCC, 0xDDEEFF00
farptr:
    .word 0x1234, 0x5678
farptr2:
    .word OFF(farfn2), RM_SEG
bounds:
    .word 0, 10
xlat_tab:
    .byte 10, 11, 12, 13, 14
    .balign 4
dt_test:
    .word 0x1234
    .long 0xFF123456
dt_save:
    .space 6
dt_out:
    .space 6
    .balign 4
fault_ip:
    .word 0
fault_count:
    .word 0
    .balign 16
scratch:
    .space 16
    .globl rm_res
rm_res:
    .space 4 * 40

#include "rm_tail.inc"
