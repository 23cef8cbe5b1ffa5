/*
 * hlp_io.c - IN and OUT: port I/O routed to the device bus.  A device may
 * ask the machine to stop (isa-debug-exit) or otherwise need the vCPU's
 * attention, or an I/O breakpoint may be hit; the helper then leaves
 * translated code after the instruction.
 */
#include "helpers.h"
#include "bus.h"
#include "mmu.h"
#include "cpu.h"

/* Protected mode with CPL > IOPL, and V86: the port's bits in the TSS I/O
 * permission bitmap must all be clear, else #GP(0). */
bool io_allowed(struct vcpu *cpu, uint16_t port, unsigned size)
{
    /* V86 consults the bitmap whatever IOPL is */
    if (!(cpu->cr0 & CR0_PE) || (!(cpu->eflags & EFL_VM) && cpu->cpl <= ((cpu->eflags >> 12) & 3)))
        return true;
    uint32_t type = (cpu->tss.flags >> 8) & 0xF;
    if ((cpu->tss.sel & ~3u) == 0 || (type != 9 && type != 11) || cpu->tss.limit < 0x67)
        goto deny;
    uint32_t base;
    cpu_read_sys(cpu, cpu->tss.base + 0x66, 2, &base);
    uint32_t first = base + port / 8, last = base + (port + size - 1) / 8;
    if (last > cpu->tss.limit)
        goto deny;
    uint32_t bits = 0;
    cpu_read_sys(cpu, cpu->tss.base + first, last > first ? 2 : 1, &bits);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        goto deny;
    return true;
deny:
    vcpu_raise(cpu, EXC_GP, 0, true);
    return false;
}

/* After the access: leave when a device asked, or an I/O breakpoint was
 * hit (its #DB trap comes after the instruction: run.c). */
static void check_stop(struct vcpu *cpu, uint16_t port, unsigned size, uint32_t next)
{
    bool bp = dbg_io_access(cpu, port, size);
    if (cpu->exit_request || bp)
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
}

HLP(hlp_in)
{
    uint16_t port = (a & HLP_PORT_DX) ? (uint16_t)cpu->regs[R_EDX] : (uint16_t)a;
    if (!io_allowed(cpu, port, b))
        return 0;
    cpu_clock_sync_io(cpu); /* devices read the time */
    uint32_t v = bus_port_read(cpu->bus, port, b);
    uint32_t *eax = &cpu->regs[R_EAX];
    if (b == 1)
        *eax = (*eax & ~0xFFu) | (v & 0xFF);
    else if (b == 2)
        *eax = (*eax & ~0xFFFFu) | (v & 0xFFFF);
    else
        *eax = v;
    check_stop(cpu, port, b, next);
    return 0;
}

HLP(hlp_out)
{
    uint16_t port = (a & HLP_PORT_DX) ? (uint16_t)cpu->regs[R_EDX] : (uint16_t)a;
    if (!io_allowed(cpu, port, b))
        return 0;
    cpu_clock_sync_io(cpu);
    uint32_t v = cpu->regs[R_EAX];
    if (b == 1)
        v &= 0xFF;
    else if (b == 2)
        v &= 0xFFFF;
    bus_port_write(cpu->bus, port, b, v);
    check_stop(cpu, port, b, next);
    return 0;
}
