/*
 * run.c - the dispatcher: deliver pending guest events, find or make the
 * translation for (CS:EIP, mode), chain the unit that just exited to it,
 * and enter translated code; handle HLT by sleeping until a device event.
 * Faults the host CPU raises inside translated code (divide error, x87)
 * arrive as SIGFPE and are turned into guest exceptions at the exact guest
 * instruction.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "bt.h"
#include "clock.h"
#include "devices.h"
#include "ticker.h"
#include "mmu/walk.h"
#include "machine.h"
#include "cpu.h"

static __thread sigjmp_buf *g_run_jmp;
static __thread struct machine *g_run_machine;

struct run_stats {
    uint64_t dispatches, halts, host_faults, exits_halt, interrupts;
};
static struct run_stats g_run_st;

/* host register number (encoding order) -> ucontext slot */
static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI,
                                REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13,
                                REG_R14, REG_R15};

/*
 * MEM_HOST: a guest access that the window does not allow (MMIO, open bus,
 * address wrap-around, a store to a page holding translations) faults on
 * the host.  Nothing has been modified yet, so resume at the access's
 * slow-path stub, which does it properly (r8 = the linear address).
 */
static bool window_fault(struct machine *m, siginfo_t *si, ucontext_t *uc)
{
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (!mmu_window_contains(&m->mmu, (uintptr_t)si->si_addr))
        return false;
    struct tb *tb = tc_find_by_host(&m->tc, rip);
    if (!tb)
        return false;
    const struct tb_memop *mo = tb_memop_at(tb, rip);
    if (!mo)
        return false;
    greg_t *g = uc->uc_mcontext.gregs;
    if (mo->borrowed >= 0 && mo->borrowed < 8)
        g[greg_of[mo->borrowed]] = g[REG_R11];
    if (mo->base >= 0) {
        /* direct form: the slow path wants the 32-bit address in r8 */
        uint32_t base = mo->base < 16 ? (uint32_t)g[greg_of[mo->base]] : 0;
        g[REG_R8] = (greg_t)(uint32_t)(base + (uint32_t)mo->disp);
    }
    g[REG_RIP] = (greg_t)(uintptr_t)(tb->code + mo->stub);
    m->mmu.st.window_faults++;
    return true;
}

static void fault_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    struct machine *m = g_run_machine;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if ((sig == SIGSEGV || sig == SIGBUS) && m && window_fault(m, si, uc))
        return;
    struct tb *tb = m && sig == SIGFPE ? tc_find_by_host(&m->tc, rip) : NULL;
    if (!tb || !g_run_jmp) {
        if (m && rip >= (uintptr_t)m->tc.rx && rip < (uintptr_t)m->tc.rx + m->tc.size)
            fprintf(stderr, "xbt: internal error: signal %d in translated code at %#lx\n",
                    sig, (unsigned long)rip);
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    struct vcpu *cpu = m->cpu;
    greg_t *g = uc->uc_mcontext.gregs;
    cpu->regs[R_EAX] = (uint32_t)g[REG_RAX];
    cpu->regs[R_ECX] = (uint32_t)g[REG_RCX];
    cpu->regs[R_EDX] = (uint32_t)g[REG_RDX];
    cpu->regs[R_EBX] = (uint32_t)g[REG_RBX];
    cpu->regs[R_ESP] = (uint32_t)g[REG_R12];
    cpu->regs[R_EBP] = (uint32_t)g[REG_RBP];
    cpu->regs[R_ESI] = (uint32_t)g[REG_RSI];
    cpu->regs[R_EDI] = (uint32_t)g[REG_RDI];
    cpu->eflags = (cpu->eflags & ~EFL_ARITH) | ((uint32_t)g[REG_EFL] & EFL_ARITH);
    cpu->eip = tb_guest_eip_at(tb, rip);
    int vec = EXC_DE;
    if (sig == SIGFPE && si->si_code != FPE_INTDIV && si->si_code != FPE_INTOVF)
        vec = EXC_MF;
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = vec });
    g_run_st.host_faults++;
    /* The kernel hands a signal handler a reset FPU and keeps the
     * interrupted x87 state in the signal frame; leaving by siglongjmp
     * would lose the guest's x87 registers, status and control words, so
     * put them back first. */
    if (uc->uc_mcontext.fpregs) {
        static __thread uint8_t fx[512] __attribute__((aligned(16)));
        memcpy(fx, uc->uc_mcontext.fpregs, sizeof(fx));
        __asm__ volatile("fxrstor64 %0" : : "m"(*(uint8_t(*)[512])fx));
    }
    siglongjmp(*g_run_jmp, 1);
}

static void install_handlers(void)
{
    static bool done;
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
}

/* Tunable: virtual-clock speed, nanoseconds of guest time per guest
 * instruction executed.  Policy: 1 ns (a 1 GHz, 1 IPC machine), so timer
 * rates programmed by guests give realistic amounts of work per tick. */
#define VCLOCK_NS_PER_INSN 1
/* Tunable: longest stretch of virtual-clock execution without a look at
 * the timers, in instructions (bounds the cost of a far deadline). */
#define VCLOCK_MAX_BUDGET (1 << 24)

static bool irq_deliverable(struct machine *m)
{
    return (m->cpu->eflags & EFL_IF) && !m->cpu->int_shadow && dev_pic_pending(m->pic);
}

/* HLT: with IF = 0 nothing can wake the CPU; otherwise sleep (host clock)
 * or skip time (virtual clock) until an interrupt is pending. */
static void do_halt(struct machine *m)
{
    struct vcpu *cpu = m->cpu;
    g_run_st.halts++;
    if (!(cpu->eflags & EFL_IF)) {
        fprintf(stderr, "xbt: guest halted with interrupts disabled at EIP=%#010x\n", cpu->eip);
        machine_request_stop(m, STOP_HALTED, XBT_STATUS_HALTED);
        return;
    }
    bool virt = xclock_kind(m->clock) == CLOCK_VIRTUAL;
    for (;;) {
        xclock_run_timers(m->clock);
        if (dev_pic_pending(m->pic) || atomic_load(&m->stop_reason))
            return;
        uint64_t dl = xclock_next_deadline(m->clock);
        uint64_t now = xclock_ns(m->clock);
        if (virt && dl != UINT64_MAX) {
            if (dl > now)
                xclock_advance(m->clock, dl - now);
            continue;
        }
        pthread_mutex_lock(&m->lock);
        if (!atomic_load(&m->kick) && !atomic_load(&m->stop_reason) && !dev_pic_pending(m->pic)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t wait = dl == UINT64_MAX ? 100000000ull : (dl > now ? dl - now : 0);
            if (wait > 100000000ull)
                wait = 100000000ull;
            uint64_t ns = (uint64_t)ts.tv_nsec + wait;
            ts.tv_sec += (time_t)(ns / 1000000000ull);
            ts.tv_nsec = (long)(ns % 1000000000ull);
            pthread_cond_timedwait(&m->wake, &m->lock, &ts);
        }
        atomic_store(&m->kick, 0);
        pthread_mutex_unlock(&m->lock);
    }
}

int machine_run(struct machine *m)
{
    struct vcpu *cpu = m->cpu;
    struct tcache *tc = &m->tc;
    bool virt = xclock_kind(m->clock) == CLOCK_VIRTUAL;
    uint64_t published = UINT64_MAX;
    sigjmp_buf jb;
    install_handlers();
    g_run_machine = m;
    g_run_jmp = &jb;
    if (!virt && !m->ticker)
        m->ticker = ticker_start(m);
    if (sigsetjmp(jb, 1)) {
        /* a host fault inside translated code became a guest exception */
        cpu->chain_info = 0;
        cpu->bounce_active = false;
    }
    while (!atomic_load(&m->stop_reason)) {
        __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
        if (atomic_load(&m->stop_reason))
            break;
        xclock_run_timers(m->clock);
        if (!vcpu_has_pending(cpu) && irq_deliverable(m)) {
            vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_EXTINT, .vec = dev_pic_ack(m->pic) });
            g_run_st.interrupts++;
        }
        if (vcpu_has_pending(cpu)) {
            cpu->chain_info = 0;
            if (vcpu_deliver_pending(cpu) < 0)
                break;
        }
        uint32_t mode = cpu_mode_key(cpu);
        if (mode & MODE_CODE16) {
            xbt_error("the guest runs 16-bit code at %#x (not implemented yet)", cpu->eip);
            machine_request_stop(m, STOP_ERROR, XBT_STATUS_ERROR);
            break;
        }
        bool shadow = cpu->int_shadow;
        /* EFLAGS.TF: single-step, a #DB trap after each instruction */
        bool single_step = (cpu->eflags & EFL_TF) != 0;
        if (shadow || single_step)
            mode |= MODE_ONESTEP;
        if (cpu->eip > cpu->seg[S_CS].limit) {
            /* fetch beyond the CS limit */
            vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = EXC_GP, .has_err = true });
            continue;
        }
        uint32_t lin = cpu->seg[S_CS].base + cpu->eip;
        uint32_t pc, pc_next = UINT32_MAX;
        /* instruction fetch: through the page tables with paging on */
        if (cpu_translate(cpu, lin, WALK_EXEC | (cpu->cpl == 3 ? WALK_USER : 0), &pc) < 0) {
            cpu->helper_exit = 0;
            continue;   /* #PF pending: delivered at the top of the loop */
        }
        if (mode & MODE_PG) {
            uint32_t err;
            if (cpu_probe(cpu, (lin & PAGE_MASK) + PAGE_SIZE,
                          WALK_EXEC | (cpu->cpl == 3 ? WALK_USER : 0), &pc_next, &err) < 0)
                pc_next = UINT32_MAX;
        } else {
            pc_next = (lin & PAGE_MASK) + PAGE_SIZE;
        }
        uint64_t gen = tc->generation;
        uint32_t cs_base = cpu->seg[S_CS].base;
        struct tb *tb = tc_lookup(tc, pc, mode, cs_base, cpu->seg[S_CS].limit, cpu->eip);
        if (tb && tb->page[1] != tb->page[0] && tb->page[1] != (pc_next & PAGE_MASK)) {
            /* the unit's second page is mapped elsewhere now: remake it */
            tc_invalidate_range(tc, tb->pc, tb->guest_size, TC_INV_PAGETABLE);
            tb = NULL;
        }
        if (!tb) {
            m->cpu->fetch_next = pc_next;
            if (bt_translate(&m->bt, cpu->eip, pc, mode, &tb) < 0) {
                machine_request_stop(m, STOP_ERROR, XBT_STATUS_ERROR);
                break;
            }
        }
        if (cpu->chain_info && m->cfg.chain && tc->generation == gen) {
            struct tb *from = (struct tb *)(uintptr_t)(cpu->chain_info & ~(uint64_t)7);
            tc_chain(tc, from, (int)(cpu->chain_info & 7), tb);
        }
        cpu->chain_info = 0;
        cpu->jcache = tc_jcache(tc, mode);
        if (!(mode & (MODE_NONFLAT | MODE_ONESTEP))) {
            /* (indirect targets are CS offsets; with a CS base they could
             * name different code under another base: not cached) */
            tc_jcache_fill(tc, cpu->jcache, cpu->eip, tb->code);
        }
        /* r14: the window (MEM_HOST, paging off) or the simulated TLB of
         * the current privilege */
        cpu->tlb = (m->mmu.window && !(mode & MODE_PG)) ? (struct tlb_entry *)m->mmu.window
                   : ((mode & MODE_PG) && cpu->cpl == 3) ? m->mmu.tlb_user : m->mmu.tlb;
        uint64_t dl = xclock_next_deadline(m->clock);
        int64_t budget = 0;
        if (virt) {
            uint64_t now = xclock_ns(m->clock);
            uint64_t room = dl == UINT64_MAX ? VCLOCK_MAX_BUDGET
                          : dl > now ? (dl - now) / VCLOCK_NS_PER_INSN : 0;
            if (room > VCLOCK_MAX_BUDGET)
                room = VCLOCK_MAX_BUDGET;
            budget = (int64_t)room < (int64_t)tb->ninsns ? (int64_t)tb->ninsns : (int64_t)room;
            cpu->budget = budget;
        } else if (dl != published && m->ticker) {
            ticker_set(m->ticker, dl);
            published = dl;
        }
        if (m->cfg.debug_flags & XBT_LOG_EXEC)
            fprintf(stderr, "xbt: exec %#010x\n", lin);
        g_run_st.dispatches++;
        cpu->exit_reason = EXIT_NORMAL;
        cpu->helper_exit = 0;
        xbt_enter(cpu, tb->code);
        if (virt)
            xclock_advance(m->clock, (uint64_t)(budget - cpu->budget) * VCLOCK_NS_PER_INSN);
        if (shadow)
            cpu->int_shadow = false;
        if (single_step && !vcpu_has_pending(cpu) && !atomic_load(&m->stop_reason)) {
            /* a trap: returns to the next instruction; an exception, so
             * the #DB gate's DPL is not checked */
            cpu->dr[6] |= DR6_BS;
            vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_TRAP, .vec = EXC_DB, .ret = cpu->eip });
        }
        if (cpu->exit_reason == EXIT_HALT) {
            g_run_st.exits_halt++;
            do_halt(m);
        }
    }
    g_run_jmp = NULL;
    if (m->ticker) {
        ticker_stop(m->ticker);
        m->ticker = NULL;
    }
    return m->exit_status;
}

uint64_t run_stats_interrupts(void)
{
    return g_run_st.interrupts;
}

void run_stats_get(uint64_t *dispatches, uint64_t *halts, uint64_t *host_faults)
{
    *dispatches = g_run_st.dispatches;
    *halts = g_run_st.halts;
    *host_faults = g_run_st.host_faults;
}
