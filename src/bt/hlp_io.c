/*
 * hlp_io.c - IN and OUT: port I/O routed to the device bus.  A device may
 * ask the machine to stop (isa-debug-exit) or otherwise need the vCPU's
 * attention; the helper then leaves translated code after the instruction.
 */
#include "helpers.h"
#include "machine.h"

static void check_stop(struct vcpu *cpu, uint32_t next)
{
    if (cpu->exit_request)
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
}

HLP(hlp_in)
{
    uint16_t port = (a & HLP_PORT_DX) ? (uint16_t)cpu->regs[R_EDX] : (uint16_t)a;
    uint32_t v = bus_port_read(cpu->m->bus, port, b);
    uint32_t *eax = &cpu->regs[R_EAX];
    if (b == 1)
        *eax = (*eax & ~0xFFu) | (v & 0xFF);
    else if (b == 2)
        *eax = (*eax & ~0xFFFFu) | (v & 0xFFFF);
    else
        *eax = v;
    check_stop(cpu, next);
    return 0;
}

HLP(hlp_out)
{
    uint16_t port = (a & HLP_PORT_DX) ? (uint16_t)cpu->regs[R_EDX] : (uint16_t)a;
    uint32_t v = cpu->regs[R_EAX];
    if (b == 1)
        v &= 0xFF;
    else if (b == 2)
        v &= 0xFFFF;
    bus_port_write(cpu->m->bus, port, b, v);
    check_stop(cpu, next);
    return 0;
}
