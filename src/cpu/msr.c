/*
 * msr.c - RDMSR/WRMSR and the time-stamp counter of xbt's CPU, a P6-family
 * part (a Pentium II: CPUID signature 0x633, hlp_misc.c).  It has the
 * MSRs the Intel SDM (Vol. 4, "MSRs in the P6 family") lists for it, and
 * #GP(0) for every other number, as the real part faults; reserved bits of
 * the registers xbt models raise #GP(0) on a write.
 *
 *   0x00/0x01 P5_MC_ADDR/TYPE   read 0 (no machine check was logged)
 *   0x10      TSC               the time-stamp counter (below); writable
 *   0x17      PLATFORM_ID       read 0; writes #GP (read-only)
 *   0x1B      APIC_BASE         base, BSP and global enable: writable; the
 *                               local APIC (lapic.h) follows it
 *   0x2A      EBL_CR_POWERON    read 0 (power-on configuration); writes ignored
 *   0x79      BIOS_UPDT_TRIG    write: a microcode update, none is applied
 *   0x8B      BIOS_SIGN_ID      microcode revision in bits 63:32 (MSR_UCODE_REV)
 *   0xC1/0xC2 PERFCTR0/1        40-bit counters: stored, they do not count
 *   0x174-176 SYSENTER_CS/ESP/EIP
 *   0x186/187 EVNTSEL0/1        stored (events are not counted)
 *   0x1D9     DEBUGCTL          stored (LBR and BTF have no effect)
 *   0x1DB-1DE LASTBRANCH/LASTINT FROM/TO  read 0
 * MTRRs and the machine-check bank are not there because CPUID does not
 * advertise MTRR or MCA (kernels do not touch them then).
 *
 * The TSC counts guest time: 1 tick per guest nanosecond (a 1 GHz part),
 * so it agrees with the PIT and the RTC, runs at 1 tick per instruction on
 * the virtual clock (deterministic), and excludes the time the VMM spends
 * translating (clock.h, xclock_steal).  cpu_clock_sync() brings the
 * virtual clock up to the instruction being executed first; on the host
 * clock it makes a due timer run at the next unit entry.
 */
#include "clock.h"
#include "cpu.h"
#include "lapic.h"

/* Tunable: the microcode revision BIOS_SIGN_ID reports.  Policy: 1, any
 * non-zero revision (0 reads as "no microcode loaded" to some kernels). */
#define MSR_UCODE_REVISION 1u

#define MSR_P5_MC_ADDR 0x00
#define MSR_P5_MC_TYPE 0x01
#define MSR_PLATFORM_ID 0x17
#define MSR_EBL_CR_POWERON 0x2A
#define MSR_BIOS_UPDT_TRIG 0x79
#define MSR_BIOS_SIGN_ID 0x8B
#define MSR_PERFCTR0 0xC1
#define MSR_PERFCTR1 0xC2
#define MSR_EVNTSEL0 0x186
#define MSR_EVNTSEL1 0x187
#define MSR_DEBUGCTL 0x1D9
#define MSR_LASTBRANCH_FROM 0x1DB
#define MSR_LASTINT_TO 0x1DE

/* APIC_BASE: bits 35:12 base (36-bit physical on this part), 11 global
 * enable, 8 BSP (read-only); the others reserved. */
#define APIC_BASE_WRITABLE 0x0000000FFFFFF800ull
/* PERFCTR: 40 bits; a write sign-extends bit 31 into 39:32 (SDM). */
#define PERFCTR_MASK 0xFFFFFFFFFFull

void cpu_clock_sync(struct vcpu *cpu)
{
    if (!cpu->clock)
        return;
    if (xclock_kind(cpu->clock) != CLOCK_VIRTUAL) {
        /* a guest that polls the time has seen a deadline pass: the timers
         * run at the next unit entry, even if the ticker thread is late */
        if (xclock_seen_due(cpu->clock))
            __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_RELAXED);
        return;
    }
    int64_t done = cpu->budget_synced - cpu->budget;
    if (done > 0)
        xclock_advance(cpu->clock, (uint64_t)done * XCLOCK_VIRTUAL_NS_PER_INSN);
    cpu->budget_synced = cpu->budget;
}

void cpu_clock_sync_io(struct vcpu *cpu)
{
    cpu_clock_sync(cpu);
    if (cpu->clock && xclock_kind(cpu->clock) == CLOCK_VIRTUAL)
        xclock_advance(cpu->clock, XCLOCK_VIRTUAL_IO_NS);
}

uint64_t cpu_tsc(struct vcpu *cpu)
{
    cpu_clock_sync(cpu);
    return xclock_ns(cpu->clock) + (uint64_t)cpu->tsc_offset;
}

void cpu_set_tsc(struct vcpu *cpu, uint64_t v)
{
    cpu->tsc_offset = (int64_t)(v - xclock_ns(cpu->clock));
}

/* 0 and *v, or -1 if the MSR does not exist. */
static int msr_read(struct vcpu *cpu, uint32_t msr, uint64_t *v)
{
    struct vcpu_msrs *r = &cpu->msr;
    switch (msr) {
    case MSR_TSC: *v = cpu_tsc(cpu); return 0;
    case MSR_APIC_BASE: *v = r->apic_base; return 0;
    case MSR_SYSENTER_CS: *v = cpu->sysenter_cs; return 0;
    case MSR_SYSENTER_ESP: *v = cpu->sysenter_esp; return 0;
    case MSR_SYSENTER_EIP: *v = cpu->sysenter_eip; return 0;
    case MSR_BIOS_SIGN_ID: *v = (uint64_t)MSR_UCODE_REVISION << 32; return 0;
    case MSR_PERFCTR0:
    case MSR_PERFCTR1: *v = r->perfctr[msr - MSR_PERFCTR0]; return 0;
    case MSR_EVNTSEL0:
    case MSR_EVNTSEL1: *v = r->evntsel[msr - MSR_EVNTSEL0]; return 0;
    case MSR_DEBUGCTL: *v = r->debugctl; return 0;
    case MSR_P5_MC_ADDR:
    case MSR_P5_MC_TYPE:
    case MSR_PLATFORM_ID:
    case MSR_EBL_CR_POWERON: *v = 0; return 0;
    default:
        if (msr >= MSR_LASTBRANCH_FROM && msr <= MSR_LASTINT_TO) {
            *v = 0;
            return 0;
        }
        return -1;
    }
}

/* 0, or -1 if the MSR does not exist, is read-only or v sets reserved bits. */
static int msr_write(struct vcpu *cpu, uint32_t msr, uint64_t v)
{
    struct vcpu_msrs *r = &cpu->msr;
    switch (msr) {
    case MSR_TSC: cpu_set_tsc(cpu, v); return 0;
    case MSR_APIC_BASE:
        if (v & ~(APIC_BASE_WRITABLE | MSR_APIC_BASE_BSP))
            return -1;
        r->apic_base = (v & APIC_BASE_WRITABLE) | MSR_APIC_BASE_BSP;
        if (cpu->lapic)
            lapic_set_base(cpu->lapic, r->apic_base);
        return 0;
    case MSR_SYSENTER_CS: cpu->sysenter_cs = (uint32_t)v & 0xFFFF; return 0;
    case MSR_SYSENTER_ESP: cpu->sysenter_esp = (uint32_t)v; return 0;
    case MSR_SYSENTER_EIP: cpu->sysenter_eip = (uint32_t)v; return 0;
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
        r->perfctr[msr - MSR_PERFCTR0] = (uint64_t)(int64_t)(int32_t)v & PERFCTR_MASK;
        return 0;
    case MSR_EVNTSEL0:
    case MSR_EVNTSEL1: r->evntsel[msr - MSR_EVNTSEL0] = (uint32_t)v; return 0;
    case MSR_DEBUGCTL: r->debugctl = (uint32_t)v & 0x7F; return 0;
    case MSR_BIOS_SIGN_ID:
    case MSR_BIOS_UPDT_TRIG:
    case MSR_EBL_CR_POWERON:
    case MSR_P5_MC_ADDR:
    case MSR_P5_MC_TYPE: return 0;
    default: return -1; /* PLATFORM_ID and LASTBRANCH/LASTINT are read-only */
    }
}

void cpu_rdmsr(struct vcpu *cpu)
{
    uint64_t v;
    if (msr_read(cpu, cpu->regs[R_ECX], &v) < 0) {
        vcpu_raise(cpu, EXC_GP, 0, true);
        return;
    }
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

void cpu_wrmsr(struct vcpu *cpu)
{
    uint64_t v = ((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX];
    if (msr_write(cpu, cpu->regs[R_ECX], v) < 0)
        vcpu_raise(cpu, EXC_GP, 0, true);
}
