/*
 * bootsect.S - a PC boot sector and its second stage, booted by SeaBIOS
 * from the primary disk under xbt and under QEMU (tests/cli/bios_boot.sh
 * compares the two): BIOS services (INT 10h teletype, INT 13h drive
 * parameters and extended read, INT 15h E820/E801/88h, INT 11h/12h), the
 * A20 gate through port 0x92 (the 1 MiB wrap-around), and a trip to
 * protected mode and back to big real mode.  Every line starts with "bs:"
 * so the comparison ignores the firmware's own lines.  The last line is
 * "bs: done" and the exit is through the isa-debug-exit port 0xF4.
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
    movb %dl, bootdrv
    movw $msg_hello, %si
    call puts
    /* the rest: LBA 1.. into 0x7E00 by the EDD extended read */
    movw $dap, %si
    movb $0x42, %ah
    movb bootdrv, %dl
    int $0x13
    jc fail
    jmp stage2

fail:
    movw $msg_fail, %si
    call puts
    movb %ah, %al
    call hex8
    call crlf
    movb $0x7F, %al
    outb %al, $0xF4
    hlt
    jmp fail

/* prints the NUL-terminated string at DS:SI (INT 10h AH=0Eh) */
puts:
    lodsb
    testb %al, %al
    jz 1f
    movb $0x0E, %ah
    movw $0x0007, %bx
    int $0x10
    jmp puts
1:  ret

putc:
    pushw %bx
    movb $0x0E, %ah
    movw $0x0007, %bx
    int $0x10
    popw %bx
    ret

crlf:
    movb $13, %al
    call putc
    movb $10, %al
    jmp putc

/* AL as two hex digits */
hex8:
    pushw %ax
    shrb $4, %al
    call hexdigit
    popw %ax
hexdigit:
    andb $15, %al
    addb $'0', %al
    cmpb $'9', %al
    jbe putc
    addb $7, %al
    jmp putc

/* AX as four hex digits */
hex16:
    pushw %ax
    movb %ah, %al
    call hex8
    popw %ax
    jmp hex8

msg_hello: .asciz "bs: boot sector at 0000:7C00\r\n"
msg_fail:  .asciz "bs: BIOS call failed, AH="
bootdrv:   .byte 0
    .balign 4
dap:
    .byte 16, 0
    .word (stage2_end - stage2 + 511) / 512
    .word 0x7E00, 0
    .long 1, 0

    .org 510
    .byte 0x55, 0xAA

/* ---- stage 2 at 0x7E00 (LBA 1 on) ---- */
stage2:
    movw $msg_stage2, %si
    call puts
    call drive_params
    call memory
    call a20
    call big_real
    movw $msg_done, %si
    call puts
    /* SeaBIOS's serial console sends its text lazily: wait 100 ms
     * (INT 15h AH=86h) so it is out before the exit */
    movb $0x86, %ah
    movw $1, %cx
    movw $0x86A0, %dx
    int $0x15
    movb $0x10, %al
    outb %al, $0xF4 /* status (0x10 << 1) | 1 = 33 */
1:  hlt
    jmp 1b

/* INT 13h AH=08h: the geometry SeaBIOS gives the disk */
drive_params:
    movw $msg_geom, %si
    call puts
    movb $0x08, %ah
    movb bootdrv, %dl
    pushw %es
    int $0x13
    popw %es
    jc fail
    movw %cx, %ax
    call hex16
    movb $' ', %al
    call putc
    movw %dx, %ax
    call hex16
    jmp crlf

/* INT 12h, INT 15h AH=88h, E801, and the E820 map */
memory:
    movw $msg_mem, %si
    call puts
    int $0x12
    call hex16
    movb $' ', %al
    call putc
    movb $0x88, %ah
    int $0x15
    call hex16
    movb $' ', %al
    call putc
    movw $0xE801, %ax
    int $0x15
    jc fail
    pushw %bx
    call hex16
    movb $' ', %al
    call putc
    popw %ax
    call hex16
    call crlf
    xorl %ebx, %ebx
2:  movl $0xE820, %eax
    movl $20, %ecx
    movl $0x534D4150, %edx
    movw $e820_buf, %di
    int $0x15
    jc fail
    cmpl $0x534D4150, %eax
    jne fail
    pushl %ebx
    movw $msg_e820, %si
    call puts
    movw e820_buf + 6, %ax
    call hex16
    movw e820_buf + 4, %ax
    call hex16
    movw e820_buf + 2, %ax
    call hex16
    movw e820_buf, %ax
    call hex16
    movb $' ', %al
    call putc
    movw e820_buf + 10, %ax
    call hex16
    movw e820_buf + 8, %ax
    call hex16
    movb $' ', %al
    call putc
    movb e820_buf + 16, %al
    call hex8
    call crlf
    popl %ebx
    testl %ebx, %ebx
    jnz 2b
    ret

/* the A20 gate: with it closed 0xFFFF:0x0510 is 0x0000:0x0500 */
a20:
    movw $msg_a20, %si
    call puts
    call a20_probe /* as the BIOS left it */
    /* close it through both inputs (a PC's A20 is open while either the
     * keyboard controller's A20 output or port 0x92's bit 1 is set;
     * QEMU takes the last one written) */
    call kbc_wait
    movb $0xD1, %al
    outb %al, $0x64 /* write the output port */
    call kbc_wait
    movb $0xDD, %al /* A20 off, reset line not asserted */
    outb %al, $0x60
    call kbc_wait
    inb $0x92, %al
    andb $~0x03, %al
    outb %al, $0x92
    call a20_probe
    inb $0x92, %al
    orb $0x02, %al
    andb $~0x01, %al
    outb %al, $0x92 /* open it again */
    call a20_probe
    jmp crlf

/* until the keyboard controller's input buffer is empty */
kbc_wait:
    inb $0x64, %al
    testb $0x02, %al
    jnz kbc_wait
    ret

/* prints 'w' if 1 MiB wraps around, 'n' if not */
a20_probe:
    pushw %fs
    movw $0xFFFF, %ax
    movw %ax, %fs
    movw $0x1234, 0x0500
    movw $0xABCD, %fs:0x0510
    movb $'n', %al
    cmpw $0xABCD, 0x0500
    jne 3f
    movb $'w', %al
3:  call putc
    movw $0, 0x0500
    popw %fs
    ret

/* protected mode for a 4 GiB data segment in FS, back to real mode with
 * it kept (big real mode): FS reaches above 1 MiB with 32-bit offsets */
big_real:
    movw $msg_big, %si
    call puts
    cli
    lgdtl gdt_desc
    movl %cr0, %eax
    orb $1, %al
    movl %eax, %cr0
    jmp 4f
4:  movw $8, %ax
    movw %ax, %fs
    movl %cr0, %eax
    andb $0xFE, %al
    movl %eax, %cr0
    jmp 5f
5:  xorw %ax, %ax
    movw %ax, %fs
    sti
    movl $0x00200000, %edi
    addr32 movl $0x5EA15EA1, %fs:(%edi)
    addr32 movl %fs:(%edi), %eax
    pushl %eax
    shrl $16, %eax
    call hex16
    popl %eax
    call hex16
    movb $' ', %al
    call putc
    /* reloading FS in real mode keeps the limit and sets the base */
    movw $0x1000, %ax
    movw %ax, %fs
    addr32 movl %fs:0x001F0000, %eax
    shrl $16, %eax
    call hex16
    jmp crlf

    .balign 8
gdt:
    .quad 0
    .quad 0x00CF92000000FFFF /* data, base 0, 4 GiB */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt

msg_stage2: .asciz "bs: stage 2 at 0000:7E00\r\n"
msg_geom:   .asciz "bs: int13/08 cx dx "
msg_mem:    .asciz "bs: int12 int15/88 e801 ax bx "
msg_e820:   .asciz "bs: e820 "
msg_a20:    .asciz "bs: a20 wrap (bios, closed, open) "
msg_big:    .asciz "bs: big real mode "
msg_done:   .asciz "bs: done\r\n"
    .balign 4
e820_buf:   .space 24
    .balign 512
stage2_end:
