/*
 * vgaboot.S - a boot sector that draws a text screen through the VGA
 * BIOS's INT 10h (SeaBIOS runs vgabios-isavga.bin before it): mode 3 (which
 * loads the font into plane 2 through the sequencer and graphics
 * controller), teletype output that scrolls the screen, a character
 * written with an attribute and a count (AH=09h), the cursor moved
 * (AH=02h), a window scrolled down (AH=07h).  It then halts with
 * interrupts off (xbt: status 4).  tests/cli/vga_bios.sh compares xbt's
 * --vga-dump with QEMU's screen (-device isa-vga, read with pmemsave).
 *
 * Built flat: gcc -m32 -nostdlib -Wl,-Ttext=0x7c00 -Wl,--oformat=binary.
 */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $0x7C00, %sp
    sti
    movw $0x0003, %ax           /* mode 3: clears the screen, loads the font */
    int $0x10
    movw $1, %cx                /* 30 numbered lines: the screen scrolls */
1:  movw $msg_line, %si
    call puts
    movw %cx, %ax
    call dec2
    call crlf
    incw %cx
    cmpw $31, %cx
    jb 1b
    movb $0x02, %ah             /* cursor to row 10, column 20 */
    xorb %bh, %bh
    movw $0x0A14, %dx
    int $0x10
    movw $0x0901, %ax           /* 12 smileys, yellow on blue */
    movw $0x001E, %bx
    movw $12, %cx
    int $0x10
    movb $0x02, %ah             /* row 12, column 20: a box drawn by teletype */
    movw $0x0C14, %dx
    int $0x10
    movw $msg_box, %si
    call puts
    movw $0x0701, %ax           /* rows 14-16, columns 40-59 down by one */
    movb $0x4F, %bh             /* the new row: white on red */
    movw $0x0E28, %cx
    movw $0x103B, %dx
    int $0x10
    movb $0x02, %ah             /* the cursor left at row 20, column 5 */
    xorb %bh, %bh
    movw $0x1405, %dx
    int $0x10
    movw $msg_done, %si
    call puts
    cli
2:  hlt
    jmp 2b

/* prints the NUL-terminated string at %si by teletype */
puts:
    pushw %ax
    pushw %bx
3:  lodsb
    testb %al, %al
    jz 4f
    movb $0x0E, %ah
    movw $0x0007, %bx
    int $0x10
    jmp 3b
4:  popw %bx
    popw %ax
    ret

crlf:
    movw $msg_crlf, %si
    jmp puts

/* prints %al (0-99) as two decimal digits */
dec2:
    pushw %ax
    pushw %bx
    aam                          /* ah = tens, al = units */
    addw $0x3030, %ax
    movb %al, %bl
    movb %ah, %al
    movb $0x0E, %ah
    pushw %bx
    movw $0x0007, %bx
    int $0x10
    popw %bx
    movb %bl, %al
    movb $0x0E, %ah
    movw $0x0007, %bx
    int $0x10
    popw %bx
    popw %ax
    ret

msg_line: .asciz "vga line "
msg_crlf: .asciz "\r\n"
msg_box:  .asciz "\xC9\xCD\xCD\xBB caf\x82 \xB0\xB1\xB2"
msg_done: .asciz "done"

    .org 510
    .byte 0x55, 0xAA
