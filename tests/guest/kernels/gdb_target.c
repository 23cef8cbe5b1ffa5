/*
 * gdb_target.c - the kernel the gdb stub's test debugs (tests/cli/gdb.sh):
 * known words to read, a variable to change, a straight-line function to
 * step through (gdb_steps: 5-, 3- and 3-byte instructions) and one to
 * break in, a word written and one read after it (watchpoints); the exit
 * status shows the variable.  Alone it prints
 * "steps=6 value=5" and exits with (5 << 1) | 1 = 11.
 */
#include "rt.h"

volatile uint32_t gdb_words[4] = { 0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00 };
volatile int gdb_value = 5;
volatile uint32_t gdb_sink;

int gdb_steps(void);
__asm__(".text\n"
        ".globl gdb_steps\n"
        "gdb_steps:\n"
        "    movl $1, %eax\n"
        "    addl $2, %eax\n"
        "    addl $3, %eax\n"
        "    ret\n");

__attribute__((noinline)) int gdb_work(int v)
{
    return v + (int)(gdb_words[0] & 0);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    int s = gdb_steps();
    int v = gdb_work(gdb_value);
    gdb_words[2] = 0x12345678; /* for a write watchpoint */
    gdb_sink = gdb_words[1];   /* for a read watchpoint */
    printf("steps=%d value=%d\n", s, v);
    return v;
}
