/*
 * rm_shutdown16.S - the real-mode code of rm_shutdown (rm_shutdown.c):
 * INT n past the IDTR limit raises #GP; with the #GP vector past the limit
 * too, the #GP while delivering #GP becomes #DF, delivered through IVT
 * entry 8 (rm_df_main), or, with entry 8 past the limit as well, shuts the
 * CPU down (rm_shutdown_main).
 */
#include "rm_head.inc"

#define RES(n) OFF(rm_res) + 4 * (n)

    .globl rm_df_main, rm_shutdown_main
rm_df_main:
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(df_handler), %es:4 * 8
    movw %cs, %es:4 * 8 + 2
    lidt OFF(ivt_13)            /* vectors 0-12: #GP (13) is past it */
the_int:
    int $0x40
    lidt OFF(ivt_full)
    ret

rm_shutdown_main:
    lidt OFF(ivt_7)             /* vectors 0-7: #DF (8) is past it too */
    int $0x40
    ret

df_handler:
    pushw %bp
    movw %sp, %bp
    movw 2(%bp), %ax
    subw $OFF(the_int), %ax
    movw %ax, %cs:RES(0)        /* the pushed IP: the INT instruction */
    movw $8, %cs:RES(0) + 2
    addw $2, 2(%bp)
    popw %bp
    iret

    .balign 4
ivt_13:
    .word 13 * 4 - 1
    .long 0
ivt_7:
    .word 8 * 4 - 1
    .long 0
ivt_full:
    .word 0x3FF
    .long 0
    .balign 4
    .globl rm_res
rm_res:
    .space 4 * 4

#include "rm_tail.inc"
