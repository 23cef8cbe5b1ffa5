/*
 * bytereg.c - byte and word operations, with the high-byte registers
 * AH/CH/DH/BH in particular (ModRM register numbers 4-7 mean AH..BH in byte
 * instructions, not ESP..EDI): moves between high and low bytes and memory,
 * ALU ops mixing them, movzx/movsx from high bytes, xchg, xlat, and 16-bit
 * (0x66-prefixed) arithmetic on registers and memory.  C code on char and
 * short arrays follows.  Each asm snippet's result is printed.
 */
#include "portable.h"

static uint32_t hash;

static void show(const char *what, uint32_t v)
{
    printf("%-28s %08x\n", what, v);
    hash = (hash ^ v) * 16777619u;
}

static void high_bytes(void)
{
    uint8_t mem[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    uint32_t a, b, c, d;

    /* movb %ah, (%ebx) */
    __asm__("movl $0x1234ABCD, %%eax\n\t"
            "movb %%ah, (%%ebx)\n\t"
            "movb %%al, 1(%%ebx)"
            : "=&a"(a) : "b"(mem) : "memory");
    show("movb %ah,(%ebx)", mem[0] | mem[1] << 8);

    /* addb (%esi), %ch */
    c = 0x00F00000 | 0x0500;
    __asm__("addb (%%esi), %%ch" : "+c"(c) : "S"(mem + 2) : "cc", "memory");
    show("addb (%esi),%ch", c);

    /* moves between all high and low bytes */
    a = 0x11223344; b = 0x55667788; c = 0x99AABBCC; d = 0xDDEEFF00;
    __asm__("movb %%ah, %%bl\n\t"
            "movb %%bh, %%cl\n\t"
            "movb %%ch, %%dh\n\t"
            "movb %%dl, %%ah\n\t"
            "xchgb %%al, %%ch\n\t"
            "xchgb %%bh, %%dh"
            : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
    show("high/low moves eax", a);
    show("high/low moves ebx", b);
    show("high/low moves ecx", c);
    show("high/low moves edx", d);

    /* ALU on high bytes, with flags feeding adc */
    a = 0x0000FF01; b = 0x00000100;
    __asm__("addb %%bh, %%ah\n\t"        /* 0xFF + 1: carry */
            "adcb $0x10, %%al\n\t"       /* 0x01 + 0x10 + 1 */
            "subb %%al, %%bh\n\t"        /* 1 - 0x12 */
            "incb %%ah\n\t"
            "negb %%bl\n\t"
            "shlb $1, %%bh\n\t"
            "rolb $3, %%ah\n\t"
            "notb %%bh"
            : "+a"(a), "+b"(b) : : "cc");
    show("alu high eax", a);
    show("alu high ebx", b);

    /* movzx/movsx from high bytes, cmp and setcc into high bytes */
    a = 0x000080F0;
    __asm__("movzbl %%ah, %%ecx\n\t"
            "movsbl %%ah, %%edx\n\t"
            "cmpb %%al, %%ah\n\t"
            "setb %%bh\n\t"
            "setl %%bl"
            : "+a"(a), "=c"(c), "=d"(d), "=b"(b) : : "cc");
    show("movzbl %ah", c);
    show("movsbl %ah", d);
    show("cmpb/setb %bh/setl %bl", b & 0xFFFF);

    /* memory operands with high-byte registers and SIB addressing */
    uint8_t buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = (uint8_t)(i * 17);
    b = 0x0000C300;
    __asm__("movl $3, %%ecx\n\t"
            "movb %%bh, 4(%%esi,%%ecx,2)\n\t"    /* buf[10] = 0xC3 */
            "orb (%%esi,%%ecx,1), %%bh\n\t"      /* |= buf[3] */
            "xorb %%bh, 1(%%esi)\n\t"            /* buf[1] ^= bh */
            "andb $0x0F, 2(%%esi)\n\t"
            "movb 15(%%esi), %%ch\n\t"
            "subb %%ch, 14(%%esi)"
            : "+b"(b), "=&c"(c) : "S"(buf) : "cc", "memory");
    show("mem ops bh", b);
    show("mem ops ch", c);
    uint32_t h = 0;
    for (int i = 0; i < 16; i++)
        h = h * 31 + buf[i];
    show("mem ops buf hash", h);

    /* byte store relative to %esp while %ah is the source: ModRM reg=4 with
     * an SIB (rm=4) */
    a = 0x00005A00;
    __asm__("subl $8, %%esp\n\t"
            "movl $0, (%%esp)\n\t"
            "movb %%ah, 1(%%esp)\n\t"
            "movb %%ah, (%%esp)\n\t"
            "movl (%%esp), %%edx\n\t"
            "addl $8, %%esp"
            : "=d"(d) : "a"(a) : "memory");
    show("movb %ah,(%esp)", d);

    /* xlat */
    static const uint8_t table[16] = "0123456789abcdef";
    a = 0x0000000B;
    __asm__("xlatb" : "+a"(a) : "b"(table), "m"(*(const uint8_t(*)[16])table));
    show("xlatb", a);
}

static void words(void)
{
    uint16_t mem[4] = { 0x1234, 0xFFFF, 0x8000, 0x0001 };
    uint32_t a, b, c, d;

    a = 0xAAAA1234; b = 0xBBBB0F0F;
    __asm__("addw %%bx, %%ax\n\t"
            "adcw $0x7FFF, %%bx\n\t"     /* 0x0F0F + 0x7FFF + 0 */
            "rolw $8, %%ax\n\t"
            "incw (%%esi)\n\t"
            "addw %%ax, 2(%%esi)\n\t"    /* carry out of 16 bits */
            "sbbw %%cx, %%cx\n\t"        /* cx = -CF */
            "negw 4(%%esi)\n\t"
            "xchgw %%ax, %%bx\n\t"
            "shlw $4, 6(%%esi)"
            : "+a"(a), "+b"(b), "=c"(c) : "S"(mem) : "cc", "memory");
    show("word ops eax", a);
    show("word ops ebx", b);
    show("sbbw cx (low 16)", c & 0xFFFF);
    show("word mem 0/1", mem[0] | (uint32_t)mem[1] << 16);
    show("word mem 2/3", mem[2] | (uint32_t)mem[3] << 16);

    /* 16-bit multiply and divide */
    a = 0x0000FFFF; b = 0x00000003;
    __asm__("mulw %%bx" : "+a"(a), "=d"(d) : "b"(b) : "cc");
    show("mulw: dx:ax", (d & 0xFFFF) << 16 | (a & 0xFFFF));
    a = 0x00001234; d = 0x00000005; b = 0x00000100;
    __asm__("divw %%bx" : "+a"(a), "+d"(d) : "b"(b) : "cc");
    show("divw: ax, dx", (a & 0xFFFF) << 16 | (d & 0xFFFF));
    a = (uint32_t)-300; b = 7;
    __asm__("imulw %%bx, %%ax" : "+a"(a) : "b"(b) : "cc");
    show("imulw", a & 0xFFFF);
    a = (uint32_t)-3000; c = 0;
    __asm__("imulw $-21, %%ax, %%cx" : "=c"(c) : "a"(a) : "cc");
    show("imulw 3-operand", c & 0xFFFF);
    a = 0x00000050; b = 0x00000007;
    __asm__("movb $0, %%ah\n\tdivb %%bl" : "+a"(a) : "b"(b) : "cc");
    show("divb: ah:al", a & 0xFFFF);
    a = (uint32_t)(uint8_t)-100; b = 9;
    __asm__("imulb %%bl" : "+a"(a) : "b"(b) : "cc");
    show("imulb: ax", a & 0xFFFF);
    a = 0x12345678;
    __asm__("movw $0xBEEF, %%ax\n\tmovb $0x42, %%ah" : "+a"(a));
    show("movw/movb keep upper bits", a);
}

static void c_bytes(void)
{
    static uint8_t ub[300];
    static int8_t sb[300];
    static uint16_t uw[300];
    static int16_t sw[300];
    uint32_t x = 0xC0FFEE;

    for (int i = 0; i < 300; i++) {
        x = x * 1664525u + 1013904223u;
        ub[i] = (uint8_t)(x >> 24);
        sb[i] = (int8_t)(x >> 16);
        uw[i] = (uint16_t)(x >> 8);
        sw[i] = (int16_t)x;
    }
    int32_t s1 = 0, s2 = 0;
    uint32_t s3 = 0;
    uint8_t bx = 0;
    uint16_t wx = 0;
    for (int i = 0; i < 300; i++) {
        s1 += sb[i] * ub[i];
        s2 += sw[i] / 3 - (sw[i] >> 2);
        s3 += (uint32_t)uw[i] * uw[(i + 1) % 300];
        bx = (uint8_t)(bx * 3 + ub[i]);           /* 8-bit wrap */
        wx = (uint16_t)((wx << 1) ^ uw[i]);       /* 16-bit wrap */
        if ((int8_t)ub[i] < sb[i])
            ub[i] = (uint8_t)sb[i];
    }
    show("C byte sum", (uint32_t)s1);
    show("C word sum", (uint32_t)s2);
    show("C word products", s3);
    show("C byte/word wrap", (uint32_t)bx << 16 | wx);
    uint32_t h = 0;
    for (int i = 0; i < 300; i++)
        h = h * 33 + ub[i];
    show("C byte array hash", h);
}

int test_main(void)
{
    high_bytes();
    words();
    c_bytes();
    printf("bytereg hash: %08x\n", hash);
    return 0;
}
