/*
 * vcpu.c - vCPU reset state, register dump, and the compile-time checks
 * that keep struct vcpu in step with the offsets used by assembly and
 * emitted code.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "apic.h"
#include "cpu.h"
#include "mmu.h"

_Static_assert(offsetof(struct vcpu, regs) == VCPU_OFF_REGS, "regs");
_Static_assert(offsetof(struct vcpu, eip) == VCPU_OFF_EIP, "eip");
_Static_assert(offsetof(struct vcpu, eflags) == VCPU_OFF_EFLAGS, "eflags");
_Static_assert(offsetof(struct vcpu, host_rsp) == VCPU_OFF_HOST_RSP, "host_rsp");
_Static_assert(offsetof(struct vcpu, chain_info) == VCPU_OFF_CHAIN_INFO, "chain_info");
_Static_assert(offsetof(struct vcpu, tlb) == VCPU_OFF_TLB, "tlb");
_Static_assert(offsetof(struct vcpu, exit_thunk) == VCPU_OFF_EXIT_THUNK, "exit_thunk");
_Static_assert(offsetof(struct vcpu, helper_thunk) == VCPU_OFF_HELPER_THUNK, "helper_thunk");
_Static_assert(offsetof(struct vcpu, mem_thunk) == VCPU_OFF_MEM_THUNK, "mem_thunk");
_Static_assert(offsetof(struct vcpu, wb_thunk) == VCPU_OFF_WB_THUNK, "wb_thunk");
_Static_assert(offsetof(struct vcpu, exit_request) == VCPU_OFF_EXIT_REQUEST, "exit_request");
_Static_assert(offsetof(struct vcpu, helper_exit) == VCPU_OFF_HELPER_EXIT, "helper_exit");
_Static_assert(offsetof(struct vcpu, exit_reason) == VCPU_OFF_EXIT_REASON, "exit_reason");
_Static_assert(offsetof(struct vcpu, jcache) == VCPU_OFF_JCACHE, "jcache");
_Static_assert(offsetof(struct vcpu, bounce) == VCPU_OFF_BOUNCE, "bounce");
_Static_assert(offsetof(struct vcpu, budget) == VCPU_OFF_BUDGET, "budget");

/* Flat 4 GiB ring-0 segments, as a multiboot loader leaves them. */
void vcpu_reset_flat32(struct vcpu *cpu)
{
    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->eflags = 0x2;
    for (int s = 0; s < S_COUNT; s++) {
        cpu->seg[s].sel = s == S_CS ? 0x08 : 0x10;
        cpu->seg[s].base = 0;
        cpu->seg[s].limit = 0xFFFFFFFFu;
        /* type (data RW accessed / code RX accessed), S, P, D/B, G */
        cpu->seg[s].flags = (s == S_CS ? 0x9B00u : 0x9300u) | (1u << 22) | (1u << 23);
        cpu->seg[s].desc = 0;
        seg_forget_prev(cpu, s);
    }
    cpu->cr0 = CR0_PE | CR0_ET;
    cpu->cr2 = cpu->cr3 = cpu->cr4 = 0;
    cpu->cpl = 0;
    cpu->gdtr.base = 0;
    cpu->gdtr.limit = 0;
    cpu->idtr.base = 0;
    cpu->idtr.limit = 0x3FF;
    cpu->pending.kind = EV_NONE;
    /* the local APIC at its default base, BSP, globally enabled; without
     * one (--no-apic) the enable bit is clear, as a BIOS that disabled
     * the APIC leaves the MSR */
    cpu->msr = (struct vcpu_msrs){ .apic_base = APIC_LAPIC_BASE | MSR_APIC_BASE_BSP |
                                                (cpu->lapic ? MSR_APIC_BASE_ENABLE : 0) };
}

/* The state after RESET (SDM Vol. 3, "Processor State After Reset"):
 * real mode at F000:FFF0 with the CS base at FFFF0000 (the first fetch
 * is at FFFFFFF0, the top of the 4 GiB space), every other segment at 0
 * with a 64 KiB limit, CR0 = 60000010 (CD, NW, ET), EDX = the CPUID
 * signature, DR6/DR7 at their reset values. */
void vcpu_reset(struct vcpu *cpu)
{
    uint32_t sig[4];
    vcpu_reset_flat32(cpu);
    cpu_cpuid(cpu, 1, sig);
    cpu->regs[R_EDX] = sig[0];
    for (int s = 0; s < S_COUNT; s++)
        cpu->seg[s] = (struct seg_cache){ .sel = 0, .base = 0, .limit = 0xFFFF, .flags = 0x9300u };
    cpu->seg[S_CS] =
        (struct seg_cache){ .sel = 0xF000, .base = 0xFFFF0000u, .limit = 0xFFFF, .flags = 0x9B00u };
    cpu->eip = 0xFFF0;
    cpu->cr0 = CR0_CD | CR0_NW | CR0_ET;
    cpu->gdtr = (struct dtr){ 0, 0xFFFF };
    cpu->idtr = (struct dtr){ 0, 0xFFFF };
    cpu->ldt = (struct seg_cache){ .limit = 0xFFFF, .flags = 0x8200u };
    cpu->tss = (struct seg_cache){ .limit = 0xFFFF, .flags = 0x8B00u };
    memset(cpu->dr, 0, sizeof(cpu->dr));
    cpu->dr[6] = 0xFFFF0FF0u;
    cpu->dr[7] = 0x400;
    cpu->wp_hit = 0;
    if (cpu->mmu)
        dbg_wp_sync(cpu); /* no data breakpoint armed */
    cpu->int_shadow = false;
}

void vcpu_set_a20(struct vcpu *cpu, bool enabled)
{
    if (cpu->a20_off == !enabled)
        return;
    cpu->a20_off = !enabled;
    cpu->mmu->a20_off = !enabled;
    mmu_flush(cpu->mmu, MMU_FLUSH_MODE, cpu->cr3, 0);
    /* translated code made for the old state must not go on */
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
}

void vcpu_dump(const struct vcpu *cpu, FILE *out)
{
    static const char *const names[8] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
    static const char *const snames[S_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", cpu->regs[R_EAX], cpu->regs[R_EBX],
            cpu->regs[R_ECX], cpu->regs[R_EDX]);
    fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", cpu->regs[R_ESI], cpu->regs[R_EDI],
            cpu->regs[R_EBP], cpu->regs[R_ESP]);
    (void)names;
    fprintf(out, "EIP=%08x EFL=%08x CPL=%u\n", cpu->eip, cpu->eflags, cpu->cpl);
    for (int s = 0; s < S_COUNT; s++)
        fprintf(out, "%s =%04x %08x %08x %08x\n", snames[s], cpu->seg[s].sel, cpu->seg[s].base,
                cpu->seg[s].limit, cpu->seg[s].flags);
    fprintf(out, "GDT=     %08x %08x\nIDT=     %08x %08x\n", cpu->gdtr.base, cpu->gdtr.limit,
            cpu->idtr.base, cpu->idtr.limit);
    fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", cpu->cr0, cpu->cr2, cpu->cr3, cpu->cr4);
}
