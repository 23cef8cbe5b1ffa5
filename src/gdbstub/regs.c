/*
 * regs.c - the guest's registers as gdb numbers them (features.c's
 * target.xml order): EAX..EDI, EIP, EFLAGS, the six selectors, the x87
 * registers (zeros: the guest's x87 state lives in the host FPU while it
 * runs and xbt keeps no copy), CR0, CR2, CR3, CR4 and the segment bases.
 */
#include <string.h>

#include "vcpu.h"
#include "gdbstub/gdbstub_int.h"

/* Tunable: the EFLAGS bits a register write from gdb may change.
 * Policy: the arithmetic flags, TF, IF and DF; IOPL, NT, VM and the rest
 * change what guest code means and need the CPU's checks. */
#define GDB_EFLAGS_WRITABLE 0x0FD5u

enum {
    REG_EIP = 8,
    REG_EFLAGS = 9,
    REG_SEL0 = 10,  /* cs ss ds es fs gs */
    REG_ST0 = 16,   /* st0..st7, 10 bytes each */
    REG_FCTRL = 24, /* fctrl..fop */
    REG_CR0 = 32,   /* cr0 cr2 cr3 cr4 */
    REG_BASE0 = 36, /* es cs ss ds fs gs bases */
};

/* gdb's selector order -> xbt's segment index. */
static const int sel_order[6] = { S_CS, S_SS, S_DS, S_ES, S_FS, S_GS };

static int reg_size(int n)
{
    return n >= REG_ST0 && n < REG_FCTRL ? 10 : 4;
}

static uint32_t reg_value(const struct vcpu *cpu, int n)
{
    if (n < 8)
        return cpu->regs[n];
    if (n == REG_EIP)
        return cpu->eip;
    if (n == REG_EFLAGS)
        return cpu->eflags;
    if (n >= REG_SEL0 && n < REG_SEL0 + 6)
        return cpu->seg[sel_order[n - REG_SEL0]].sel;
    if (n >= REG_CR0 && n < REG_CR0 + 4) {
        const uint32_t cr[4] = { cpu->cr0, cpu->cr2, cpu->cr3, cpu->cr4 };
        return cr[n - REG_CR0];
    }
    if (n >= REG_BASE0 && n < GDB_NREGS)
        return cpu->seg[n - REG_BASE0].base;
    return 0; /* x87 */
}

int gdb_reg_read(const struct vcpu *cpu, int n, uint8_t *buf)
{
    if (n < 0 || n >= GDB_NREGS)
        return -1;
    int size = reg_size(n);
    memset(buf, 0, (size_t)size);
    uint32_t v = reg_value(cpu, n);
    memcpy(buf, &v, size < 4 ? (size_t)size : 4);
    return size;
}

int gdb_reg_write(struct vcpu *cpu, int n, const uint8_t *buf)
{
    if (n < 0 || n >= GDB_NREGS)
        return -1;
    uint32_t v;
    memcpy(&v, buf, 4);
    if (n < 8)
        cpu->regs[n] = v;
    else if (n == REG_EIP)
        cpu->eip = v;
    else if (n == REG_EFLAGS)
        cpu->eflags = (cpu->eflags & ~GDB_EFLAGS_WRITABLE) | (v & GDB_EFLAGS_WRITABLE);
    return reg_size(n);
}

size_t gdb_regs_size(void)
{
    size_t n = 0;
    for (int i = 0; i < GDB_NREGS; i++)
        n += (size_t)reg_size(i);
    return n;
}
