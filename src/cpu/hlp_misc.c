/*
 * hlp_misc.c - helpers for HLT, the flag instructions that touch virtual
 * state (CLI/STI/CLD/STD/PUSHF/POPF), CPUID, RDTSC, software interrupts and
 * #UD, and the multi-register stack instructions (PUSHA/POPA/ENTER).
 */

#include "bt.h"
#include "helpers.h"
#include "mmu.h"
#include "cpu.h"
#include "desc.h"
#include "realmode.h"

HLP(hlp_hlt)
{
    (void)a;
    (void)b;
    if (cpu->cpl != 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return 0;
    }
    vcpu_exit_at(cpu, next, EXIT_HALT);
    return 0;
}

static uint32_t iopl(const struct vcpu *cpu)
{
    return (cpu->eflags >> 12) & 3;
}

static int push(struct vcpu *cpu, uint32_t v, unsigned size)
{
    uint32_t esp = cpu->regs[R_ESP] - size;
    if (cpu_write(cpu, cpu_stack_lin(cpu, esp), size, v))
        return -1;
    cpu_set_sp(cpu, esp);
    return 0;
}

static int pop(struct vcpu *cpu, uint32_t *v, unsigned size)
{
    if (cpu_read(cpu, cpu_stack_lin(cpu, cpu->regs[R_ESP]), size, v))
        return -1;
    cpu_set_sp(cpu, cpu->regs[R_ESP] + size);
    return 0;
}

HLP(hlp_flagop)
{
    uint32_t *fl = &cpu->eflags;
    if ((a == FOP_PUSHF || a == FOP_POPF) && v86_iopl_trap(cpu))
        return 0;
    switch (a) {
    case FOP_CLI:
    case FOP_STI:
        if (cpu->cpl > iopl(cpu)) {
            vcpu_raise(cpu, EXC_GP, 0, true);
            return 0;
        }
        if (a == FOP_CLI) {
            *fl &= ~EFL_IF;
        } else {
            if (!(*fl & EFL_IF))
                cpu->int_shadow = true; /* the next instruction runs first */
            *fl |= EFL_IF;
        }
        vcpu_exit_at(cpu, next, EXIT_NORMAL); /* let the dispatcher look at interrupts */
        break;
    case FOP_CLD:
    case FOP_STD: {
        uint32_t was = *fl & EFL_DF;
        *fl = a == FOP_STD ? *fl | EFL_DF : *fl & ~EFL_DF;
        if ((*fl & EFL_DF) != was)
            vcpu_exit_at(cpu, next, EXIT_NORMAL); /* DF is in the mode key */
        break;
    }
    case FOP_PUSHF: {
        uint32_t v = (*fl & ~(EFL_VM | EFL_RF)) | 2;
        if (push(cpu, b == 2 ? (v & 0xFFFF) : v, b))
            return 0;
        break;
    }
    case FOP_POPF: {
        uint32_t v;
        if (pop(cpu, &v, b))
            return 0;
        uint32_t mask = EFL_ARITH | EFL_TF | EFL_DF | EFL_NT | EFL_AC | EFL_ID;
        if (cpu->cpl == 0)
            mask |= EFL_IOPL | EFL_IF;
        else if (cpu->cpl <= iopl(cpu))
            mask |= EFL_IF; /* CPL > IOPL: IF silently unchanged, as on a real CPU */
        if (b == 2)
            mask &= 0xFFFF;
        *fl = (*fl & ~mask) | (v & mask) | 2;
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
        break;
    }
    }
    if (cpu->smc_hit) {
        cpu->smc_hit = false;
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
    }
    return 0;
}

/*
 * CPUID: a coherent P6-class identity (family 6 model 3 stepping 3, the
 * first Pentium II signature with a working SEP: Linux clears SEP below
 * 0x633) that names only what xbt implements: FPU, PSE, TSC, MSR, CX8,
 * APIC (while the local APIC exists and is globally enabled, as the SDM
 * says the bit follows APIC_BASE[11]), SEP (SYSENTER/SYSEXIT), PGE, CMOV.
 * No MMX, no SSE, no MTRR, no MCA.  The initial APIC ID (EBX[31:24]) is 0.
 */
void cpu_cpuid(const struct vcpu *cpu, uint32_t leaf, uint32_t out[4])
{
    if (leaf > 1 && leaf < 0x80000000u)
        leaf = 1; /* beyond the highest basic leaf: Intel returns the highest */
    switch (leaf) {
    case 0:
        out[0] = 1;
        out[1] = 0x756e6547; /* "Genu" */
        out[3] = 0x49656e69; /* "ineI" */
        out[2] = 0x6c65746e; /* "ntel" */
        break;
    case 1:
        out[0] = 0x00000633; /* family 6, model 3, stepping 3 */
        out[1] = out[2] = 0;
        out[3] = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 11) |
                 (1u << 13) | (1u << 15);
        if (cpu->lapic && (cpu->msr.apic_base & MSR_APIC_BASE_ENABLE))
            out[3] |= 1u << 9;
        break;
    default: /* no extended leaves on this CPU model */
        out[0] = 1;
        out[1] = out[2] = out[3] = 0;
        break;
    }
}

HLP(hlp_cpuid)
{
    (void)a;
    (void)b;
    (void)next;
    uint32_t out[4];
    cpu_cpuid(cpu, cpu->regs[R_EAX], out);
    cpu->regs[R_EAX] = out[0];
    cpu->regs[R_EBX] = out[1];
    cpu->regs[R_ECX] = out[2];
    cpu->regs[R_EDX] = out[3];
    return 0;
}

HLP(hlp_rdtsc)
{
    (void)a;
    (void)b;
    (void)next;
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl != 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return 0;
    }
    uint64_t t = cpu_tsc(cpu);
    cpu->regs[R_EAX] = (uint32_t)t;
    cpu->regs[R_EDX] = (uint32_t)(t >> 32);
    return 0;
}

HLP(hlp_raise_ud)
{
    (void)a;
    (void)b;
    (void)next;
    vcpu_raise(cpu, EXC_UD, 0, false);
    return 0;
}

HLP(hlp_fetch_fault)
{
    uint32_t phys;
    (void)next;
    cpu_translate(cpu, cpu->seg[S_CS].base + a, WALK_EXEC | (cpu->cpl == 3 ? WALK_USER : 0), &phys);
    return 0;
}

/* RDPMC: two counters exist on a P6 (ECX 0 and 1); xbt counts nothing, so
 * they read 0.  CPL > 0 needs CR4.PCE. */
HLP(hlp_rdpmc)
{
    (void)a;
    (void)b;
    (void)next;
    if ((cpu->cpl != 0 && !(cpu->cr4 & CR4_PCE)) || cpu->regs[R_ECX] > 1) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return 0;
    }
    cpu->regs[R_EAX] = cpu->regs[R_EDX] = 0;
    return 0;
}

HLP(hlp_raise)
{
    (void)next;
    vcpu_raise(cpu, (int)a, b, true);
    return 0;
}

HLP(hlp_seg_check)
{
    if (seg_check_access(cpu, (int)next, a, b & 0xFF) == 0 && (b & 0x100)) {
        /* writes need a writable data segment */
        uint32_t fl = cpu->seg[next].flags;
        if (!(fl & (1u << 12)) || (fl & (1u << 11)) || !(fl & (1u << 9)))
            vcpu_raise(cpu, next == S_SS ? EXC_SS : EXC_GP, 0, true);
    }
    return a;
}

HLP(hlp_int)
{
    if (b == 2) { /* INTO */
        if (!(cpu->eflags & EFL_OF))
            return 0;
        vcpu_soft_int(cpu, EXC_OF, next);
        return 0;
    }
    if (b == 3) { /* INT1 */
        vcpu_raise_trap(cpu, EXC_DB, next);
        return 0;
    }
    if (b == 0 && v86_iopl_trap(cpu))
        return 0; /* INT n in V86 at IOPL < 3 */
    vcpu_soft_int(cpu, (int)a, next);
    return 0;
}

/* PUSHA on a 16-bit stack (SS.B = 0): SP wraps at 64 KiB, element by
 * element.  Returns -1 on a fault. */
static int pusha_sp16(struct vcpu *cpu, unsigned size)
{
    uint32_t esp0 = cpu->regs[R_ESP];
    for (int k = 0; k < 8; k++) {
        uint32_t v = k == R_ESP ? esp0 : cpu->regs[k];
        if (cpu_write(cpu, cpu_stack_lin(cpu, esp0 - (uint32_t)(k + 1) * size), size, v))
            return -1;
    }
    cpu_set_sp(cpu, esp0 - 8 * size);
    return 0;
}

/* PUSHA on a 32-bit stack: one block, all or nothing. */
static int pusha_sp32(struct vcpu *cpu, unsigned size)
{
    uint32_t esp = cpu->regs[R_ESP];
    uint32_t v[8];
    for (int k = 0; k < 8; k++)
        v[k] = cpu->regs[k]; /* ESP: its value before the instruction */
    if (cpu_push_block(cpu, cpu->seg[S_SS].base, &esp, 8, size, v, cpu->cpl == 3) < 0)
        return -1;
    cpu->regs[R_ESP] = esp;
    return 0;
}

HLP(hlp_pusha)
{
    (void)b;
    unsigned size = a;
    if (seg_stack_check(cpu, cpu_sp_sub(cpu, cpu->regs[R_ESP], 8 * size), 8 * size, 0) < 0)
        return 0; /* #SS(0): nothing pushed */
    int rc = cpu_sp_mask(cpu) == 0xFFFFu ? pusha_sp16(cpu, size) : pusha_sp32(cpu, size);
    if (rc < 0)
        return 0;
    if (cpu->smc_hit) {
        cpu->smc_hit = false;
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
    }
    return 0;
}

/* Reads POPA's eight slots, lowest address (EDI) first, into vals; the
 * ESP slot is not read.  Returns -1 on a fault (the first is the CPU's). */
static int popa_read(struct vcpu *cpu, unsigned size, uint32_t vals[8])
{
    uint32_t esp = cpu->regs[R_ESP];
    if (seg_stack_check(cpu, esp, 8 * size, 0) < 0)
        return -1;
    if (cpu_sp_mask(cpu) == 0xFFFFFFFFu) {
        uint32_t lin = cpu->seg[S_SS].base + esp;
        if ((lin & ~PAGE_MASK) + 8 * size <= PAGE_SIZE)
            return cpu_read_block(cpu, lin, 8, size, vals, cpu->cpl == 3) < 0 ? -1 : 0;
    }
    /* ascending, SP wrapping with a 16-bit stack */
    for (unsigned k = 0; k < 8; k++)
        if (k != 7 - R_ESP && cpu_read(cpu, cpu_stack_lin(cpu, esp + k * size), size, &vals[k]) < 0)
            return -1;
    return 0;
}

HLP(hlp_popa)
{
    (void)b;
    (void)next;
    unsigned size = a;
    uint32_t vals[8] = { 0 };
    if (popa_read(cpu, size, vals) < 0)
        return 0;
    for (int k = 0; k < 8; k++) {
        uint32_t v = vals[7 - k];
        if (k == R_ESP)
            continue;
        if (size == 2)
            cpu->regs[k] = (cpu->regs[k] & 0xFFFF0000u) | (v & 0xFFFF);
        else
            cpu->regs[k] = v;
    }
    cpu_set_sp(cpu, cpu->regs[R_ESP] + 8 * size);
    return 0;
}

HLP(hlp_enter)
{
    uint32_t frame = a & 0xFFFF;
    uint32_t level = (b & 0xFF) & 31;
    unsigned size = (b >> 8) & 0xF;
    uint32_t esp = cpu->regs[R_ESP], ebp = cpu->regs[R_EBP];
    esp -= size;
    if (cpu_write(cpu, cpu_stack_lin(cpu, esp), size, ebp))
        return 0;
    uint32_t frame_temp = esp;
    if (level > 0) {
        for (uint32_t k = 1; k < level; k++) {
            uint32_t v;
            ebp -= size;
            esp -= size;
            if (cpu_read(cpu, cpu_stack_lin(cpu, ebp), size, &v) ||
                cpu_write(cpu, cpu_stack_lin(cpu, esp), size, v))
                return 0;
        }
        esp -= size;
        if (cpu_write(cpu, cpu_stack_lin(cpu, esp), size, frame_temp))
            return 0;
    }
    if (size == 2)
        cpu->regs[R_EBP] = (cpu->regs[R_EBP] & 0xFFFF0000u) | (frame_temp & 0xFFFF);
    else
        cpu->regs[R_EBP] = frame_temp;
    cpu_set_sp(cpu, esp - frame);
    if (cpu->smc_hit) {
        cpu->smc_hit = false;
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
    }
    return 0;
}
