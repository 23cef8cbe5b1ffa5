/*
 * run_faults.c - host signals raised while the vCPU runs translated code.
 *   SIGSEGV/SIGBUS in the MEM_HOST window: a guest access the window does
 *     not allow (MMIO, open bus, address wrap-around, a store to a page
 *     holding translations) faulted before it changed anything; resume at
 *     the access's slow-path stub, which does it properly.
 *   SIGSEGV in a --mmu=host paging window: the MMU maps the page from a
 *     guest walk and the access runs again, or (#PF, MMIO, a store to
 *     code) it goes to the slow-path stub as above.  The guest's flags are
 *     still in the host RFLAGS there, so the #PF frame is exact without a
 *     flag save per access.
 *   SIGFPE: the host CPU raised a divide error or an x87 exception on a
 *     copied guest instruction; it becomes the guest's #DE or #MF at the
 *     exact guest instruction (the unit's host-offset map), and the run
 *     loop resumes by siglongjmp.
 * Anything else (these signals elsewhere, SIGILL, SIGTRAP, any of them sent
 * from outside) is not a guest event: run_crash.c reports it and xbt exits
 * with status 2.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "cpu.h"
#include "machine.h"
#include "run_int.h"

static __thread sigjmp_buf *g_run_jmp;
static __thread struct machine *g_run_machine;
static struct machine *g_crash_machine; /* for reports from any thread */

/* host register number (encoding order) -> ucontext slot */
static const int greg_of[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                 REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                 REG_R12, REG_R13, REG_R14, REG_R15 };

/* The 32-bit linear address an access of translated code starts at: the
 * direct form's base register plus displacement, else r8. */
static uint32_t access_start(const struct unit_memop *mo, const greg_t *g)
{
    if (mo->base < 0)
        return (uint32_t)g[REG_R8];
    uint32_t base = mo->base < 16 ? (uint32_t)g[greg_of[mo->base]] : 0;
    return base + (uint32_t)mo->disp;
}

/* --mmu=host: a paging window may map the page now (the access runs
 * again), else the fault goes to the slow path like a MEM_HOST one. */
static enum mmu_host_fault paging_fault(struct machine *m, uintptr_t a, const struct unit_memop *mo,
                                        const greg_t *g)
{
    const struct vcpu *cpu = m->cpu;
    struct mmu_paging pg = { cpu->cr0, cpu->cr3, cpu->cr4 };
    bool write = (g[REG_ERR] & 2) != 0; /* the host's #PF error code: W/R */
    return mmu_host_fault(&m->mmu, &pg, a, access_start(mo, g), write);
}

/* An access that keeps faulting (MMIO, or stores to a page that holds
 * translations: firmware keeps its variables beside its code) is
 * translated again as an explicit slow-path call (BT_SLOW_AFTER): a call
 * costs a few ns, a host signal microseconds.  Paging windows' faults on
 * RAM (a guest #PF, a page mapped on demand) do not count, except on pages
 * the guest keeps remapping (hostmmu.c's churn, BT_SLOW_AFTER_CHURN),
 * where the slow path pays a TLB fill per remap, not a host fault and an
 * mmap.  The running unit's code stays valid until it is left. */
static void note_divert(struct machine *m, struct unit *unit, const struct unit_memop *mo,
                        uintptr_t rip, bool churn)
{
    struct unit_memop *w = (struct unit_memop *)mo;
    bool now = churn ? ++w->churn_faults == BT_SLOW_AFTER_CHURN : ++w->mmio_faults == BT_SLOW_AFTER;
    if (!now || !unit->valid)
        return;
    bt_mark_slow(&m->bt, unit_guest_eip_at(unit, rip));
    tc_unit_drop(&m->tc, unit);
}

/* MEM_HOST and --mmu=host windows: nothing has been modified yet, so map
 * the page and retry (paging windows), or resume at the access's
 * slow-path stub (r8 = the linear address). */
static bool window_fault(struct machine *m, siginfo_t *si, ucontext_t *uc)
{
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t a = (uintptr_t)si->si_addr;
    bool paged = !mmu_window_contains(&m->mmu, a);
    if (paged && (!m->mmu.hmmu || !mmu_host_contains(&m->mmu, a)))
        return false;
    struct unit *unit = tc_find_by_host(&m->tc, rip);
    if (!unit)
        return false;
    const struct unit_memop *mo = unit_memop_at(unit, rip);
    if (!mo)
        return false;
    greg_t *g = uc->uc_mcontext.gregs;
    enum mmu_host_fault r = paged ? paging_fault(m, a, mo, g)
                            : mmu_is_plain_ram(&m->mmu, access_start(mo, g)) ? MMU_HOST_DIVERT
                                                                             : MMU_HOST_DIVERT_MMIO;
    if (r == MMU_HOST_RETRY_CHURN || r == MMU_HOST_DIVERT_CHURN)
        note_divert(m, unit, mo, rip, true);
    if (r == MMU_HOST_RETRY || r == MMU_HOST_RETRY_CHURN)
        return true;
    if (!paged || r == MMU_HOST_DIVERT_MMIO) /* not a guest #PF: that may be paging in */
        note_divert(m, unit, mo, rip, false);
    if (mo->borrowed >= 0 && mo->borrowed < 8)
        g[greg_of[mo->borrowed]] = g[REG_R11];
    g[REG_R8] = (greg_t)access_start(mo, g); /* the slow path wants it in r8 */
    g[REG_RIP] = (greg_t)(uintptr_t)(unit->code + mo->stub);
    m->mmu.st.window_faults++;
    return true;
}

/* The guest state at the faulting host instruction of unit unit. */
static void capture_state(struct vcpu *cpu, const struct unit *unit, const greg_t *g, uintptr_t rip)
{
    cpu->regs[R_EAX] = (uint32_t)g[REG_RAX];
    cpu->regs[R_ECX] = (uint32_t)g[REG_RCX];
    cpu->regs[R_EDX] = (uint32_t)g[REG_RDX];
    cpu->regs[R_EBX] = (uint32_t)g[REG_RBX];
    cpu->regs[R_ESP] = (uint32_t)g[REG_R12];
    cpu->regs[R_EBP] = (uint32_t)g[REG_RBP];
    cpu->regs[R_ESI] = (uint32_t)g[REG_RSI];
    cpu->regs[R_EDI] = (uint32_t)g[REG_RDI];
    cpu->eflags = (cpu->eflags & ~EFL_ARITH) | ((uint32_t)g[REG_EFL] & EFL_ARITH);
    cpu->eip = unit_guest_eip_at(unit, rip);
}

/* The kernel hands a signal handler a reset FPU and keeps the interrupted
 * x87 state in the signal frame; leaving by siglongjmp would lose the
 * guest's x87 registers, status and control words, so put them back. */
static void restore_x87(const ucontext_t *uc)
{
    if (!uc->uc_mcontext.fpregs)
        return;
    static __thread uint8_t fx[512] __attribute__((aligned(16)));
    memcpy(fx, uc->uc_mcontext.fpregs, sizeof(fx));
    __asm__ volatile("fxrstor64 %0" : : "m"(*(uint8_t(*)[512])fx));
}

static void fault_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    struct machine *m = g_run_machine;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    bool from_outside = si->si_code <= 0;
    if (!from_outside && (sig == SIGSEGV || sig == SIGBUS) && m && window_fault(m, si, uc))
        return;
    struct unit *unit = m && sig == SIGFPE && !from_outside ? tc_find_by_host(&m->tc, rip) : NULL;
    if (!unit || !g_run_jmp)
        run_crash_report(m ? m : g_crash_machine, sig, si, rip);
    capture_state(m->cpu, unit, uc->uc_mcontext.gregs, rip);
    int vec = EXC_DE;
    if (sig == SIGFPE && si->si_code != FPE_INTDIV && si->si_code != FPE_INTOVF)
        vec = EXC_MF;
    vcpu_pend(m->cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = vec });
    m->run_st.host_faults++;
    restore_x87(uc);
    siglongjmp(*g_run_jmp, 1);
}

void run_faults_install(struct machine *m, sigjmp_buf *jb)
{
    static bool done;
    g_run_machine = m;
    g_crash_machine = m;
    g_run_jmp = jb;
    if (done)
        return;
    done = true;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
}

void run_faults_remove(void)
{
    g_run_jmp = NULL;
    g_crash_machine = NULL; /* about to be destroyed */
}
