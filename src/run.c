/*
 * run.c - the run loop: at each unit boundary it services the timers,
 * delivers the pending guest event (or takes an external interrupt),
 * computes the mode key, finds or makes the translation for (CS:EIP,
 * mode), chains the unit that just exited to it, and enters translated
 * code; after it, the single-step trap, the interrupt shadow and HLT
 * (halt.c).  Host faults in translated code come back here through
 * run_faults.c.
 */
#include <stdio.h>

#include "bt.h"
#include "clock.h"
#include "cpu.h"
#include "machine.h"
#include "run_int.h"
#include "ticker.h"

/* Tunable: longest stretch of virtual-clock execution without a look at
 * the timers, in instructions (bounds the cost of a far deadline). */
#define VCLOCK_MAX_BUDGET (1 << 24)

/* The state of the loop across units. */
struct run {
    struct machine *m;
    bool virt;      /* virtual clock */
    int64_t budget; /* virtual clock: instructions given to the unit */
    int why;        /* why the last unit came back (enum run_exit), -1: none */
};

const char *const run_exit_names[RUN_EXIT_COUNT] = {
    [RUN_EXIT_CHAINED] = "exit_chained",     [RUN_EXIT_DIRECT_PAGE] = "exit_direct_page",
    [RUN_EXIT_DIRECT_OTHER] = "exit_direct", [RUN_EXIT_INDIRECT] = "exit_indirect_miss",
    [RUN_EXIT_REQUEST] = "exit_request",     [RUN_EXIT_BUDGET] = "exit_budget",
    [RUN_EXIT_HELPER] = "exit_helper",       [RUN_EXIT_END] = "exit_unit_end",
    [RUN_EXIT_FAULT] = "exit_host_fault",
};

/* Why the unit that just ran came back, from what it left in the vCPU (a
 * direct exit is told apart in link_unit, once its successor is known). */
static int exit_why(const struct vcpu *cpu)
{
    static const int marker[BT_EXIT_MARKERS] = {
        [BT_EXIT_END] = RUN_EXIT_END,
        [BT_EXIT_REQUEST] = RUN_EXIT_REQUEST,
        [BT_EXIT_BUDGET] = RUN_EXIT_BUDGET,
        [BT_EXIT_INDIRECT] = RUN_EXIT_INDIRECT,
        [4 ... BT_EXIT_MARKERS - 1] = RUN_EXIT_END,
    };
    if (cpu->helper_exit)
        return RUN_EXIT_HELPER;
    if (cpu->chain_info >= BT_EXIT_MARKERS)
        return RUN_EXIT_DIRECT_OTHER;
    return marker[cpu->chain_info];
}

/* The CPU accepts an interrupt request now. */
static bool irq_open(const struct vcpu *cpu)
{
    return (cpu->eflags & EFL_IF) && !cpu->int_shadow;
}

/* An external interrupt (from the CPU's interrupt source: the local APIC,
 * or the 8259 pair with --no-apic), then whatever is pending, through the
 * IDT.  false: a triple fault stopped the machine. */
static bool deliver_events(struct machine *m)
{
    struct vcpu *cpu = m->cpu;
    bool requested = intr_pending(&cpu->intr);
    if (requested && !vcpu_has_pending(cpu) && irq_open(cpu)) {
        int vec = intr_ack(&cpu->intr);
        if (vec >= 0) {
            vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_EXTINT, .vec = vec });
            m->run_st.interrupts++;
        }
        requested = intr_pending(&cpu->intr);
    }
    /* for translated code that sets IF (after exit_request was cleared:
     * a later request raises it again) */
    cpu->irq_waiting = requested;
    if (!vcpu_has_pending(cpu))
        return true;
    cpu->chain_info = 0;
    return vcpu_deliver_pending(cpu) >= 0;
}

/* The physical addresses of the instruction fetch at CS:EIP and of the
 * page after it (~0 when unmapped).  -1: a fault is pending instead. */
static int fetch_addresses(struct vcpu *cpu, uint32_t mode, uint32_t *pc, uint32_t *pc_next)
{
    if (cpu->eip > cpu->seg[S_CS].limit) {
        /* fetch beyond the CS limit */
        vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = EXC_GP, .has_err = true });
        return -1;
    }
    uint32_t lin = cpu->seg[S_CS].base + cpu->eip;
    unsigned acc = WALK_EXEC | (cpu->cpl == 3 ? WALK_USER : 0);
    if (cpu_translate(cpu, lin, acc, pc) < 0) {
        cpu->helper_exit = 0;
        return -1; /* #PF pending: delivered at the top of the loop */
    }
    uint32_t err;
    *pc_next = (lin & PAGE_MASK) + PAGE_SIZE;
    if ((mode & MODE_PG) && cpu_probe(cpu, *pc_next, acc, pc_next, &err) < 0)
        *pc_next = UINT32_MAX;
    return 0;
}

/* The unit for (pc, mode) at EIP: found, or translated.  -1: the run
 * stops (an error line has been printed). */
static int find_unit(struct machine *m, uint32_t mode, uint32_t pc, uint32_t pc_next,
                     struct unit **out)
{
    struct vcpu *cpu = m->cpu;
    struct tcache *tc = &m->tc;
    struct unit *unit =
        tc_lookup(tc, pc, mode, cpu->seg[S_CS].base, cpu->seg[S_CS].limit, cpu->eip);
    if (unit && unit->page[1] != unit->page[0] && unit->page[1] != (pc_next & PAGE_MASK)) {
        /* the unit's second page is mapped elsewhere now: remake it */
        tc_invalidate_range(tc, unit->pc, unit->guest_size, TC_INV_PAGETABLE);
        unit = NULL;
    }
    if (!unit) {
        cpu->fetch_next = pc_next;
        uint64_t before = tc->st.translate_ns;
        if (bt_translate(&m->bt, cpu->eip, pc, mode, &unit) < 0)
            return -1;
        /* the guest must not see the time translation took */
        xclock_steal(m->clock, tc->st.translate_ns - before);
    }
    *out = unit;
    return 0;
}

/* True if the unit's code at CS:EIP comes from global pages only (its
 * indirect-branch table entry then survives CR3 loads): paging off, or
 * every page it lies on is in the TLB from a global mapping. */
static bool jc_global(struct machine *m, const struct unit *unit, uint32_t mode)
{
    if (!(mode & MODE_PG))
        return true;
    struct vcpu *cpu = m->cpu;
    bool user = cpu->cpl == 3;
    uint32_t lin = cpu->seg[S_CS].base + cpu->eip;
    return mmu_tlb_global(&m->mmu, user, lin) &&
           (unit->page[1] == unit->page[0] ||
            mmu_tlb_global(&m->mmu, user, lin + unit->guest_size - 1));
}

/* Patches the exit that brought us here to jump to unit (if the cache did
 * not evict anything since: gen), and remembers unit for indirect jumps;
 * counts why the last unit came back (r->why). */
static void link_unit(struct run *r, struct unit *unit, uint32_t mode, uint64_t gen)
{
    struct machine *m = r->m;
    struct vcpu *cpu = m->cpu;
    struct tcache *tc = &m->tc;
    bool global = jc_global(m, unit, mode);
    if (cpu->chain_info >= BT_EXIT_MARKERS && m->cfg.chain && tc->generation == gen) {
        struct unit *from = (struct unit *)(uintptr_t)(cpu->chain_info & ~(uint64_t)7);
        int idx = (int)(cpu->chain_info & 7);
        tc_chain(tc, from, idx, unit, global);
        if (from->exits[idx].dest == unit)
            r->why = RUN_EXIT_CHAINED;
        else if (tc_chain_page_bound(from, idx, unit))
            r->why = RUN_EXIT_DIRECT_PAGE;
    }
    if (r->why >= 0)
        m->run_st.exits[r->why]++;
    bool missed = r->why == RUN_EXIT_INDIRECT;
    r->why = -1;
    cpu->chain_info = 0;
    /* indirect targets are CS offsets: with MODE_NONFLAT the table is the
     * current code segment's (real mode, V86, segmented code) */
    cpu->jcache = (mode & MODE_NONFLAT)
                      ? tc_jcache_cs(tc, mode, cpu->seg[S_CS].base, cpu->seg[S_CS].limit)
                      : tc_jcache(tc, mode);
    uint32_t lin = cpu->seg[S_CS].base + cpu->eip;
    if (!(mode & MODE_ONESTEP))
        tc_jcache_fill(tc, cpu->jcache, cpu->eip, lin, lin + unit->guest_size - 1, global, missed,
                       unit->code);
}

/* The timers' next deadline: the virtual clock's instruction budget for
 * the unit, or the host-clock ticker's alarm. */
static void arm_timers(struct run *r, const struct unit *unit)
{
    struct machine *m = r->m;
    uint64_t dl = xclock_next_deadline(m->clock);
    if (r->virt) {
        uint64_t now = xclock_peek_ns(m->clock);
        uint64_t room = dl == UINT64_MAX ? VCLOCK_MAX_BUDGET
                        : dl > now       ? (dl - now) / XCLOCK_VIRTUAL_NS_PER_INSN
                                         : 0;
        if (room > VCLOCK_MAX_BUDGET)
            room = VCLOCK_MAX_BUDGET;
        r->budget = (int64_t)room < (int64_t)unit->ninsns ? (int64_t)unit->ninsns : (int64_t)room;
        m->cpu->budget = r->budget;
        m->cpu->budget_synced = r->budget;
    } else if (m->ticker && dl != ticker_deadline(m->ticker)) {
        ticker_set(m->ticker, dl);
    }
}

/* Runs unit: r14 is the window (MEM_HOST, paging off; --mmu=host, paging on)
 * or the simulated TLB of the current privilege. */
static void enter_unit(struct run *r, struct unit *unit, uint32_t mode)
{
    struct machine *m = r->m;
    struct vcpu *cpu = m->cpu;
    cpu->tlb = cpu_tlb_base(cpu, mode);
    arm_timers(r, unit);
    if (m->cfg.debug_flags & XBT_LOG_EXEC)
        fprintf(stderr, "xbt: exec %#010x\n", cpu->seg[S_CS].base + cpu->eip);
    m->run_st.dispatches++;
    cpu->exit_reason = EXIT_NORMAL;
    cpu->helper_exit = 0;
    xbt_enter(cpu, unit->code);
    r->why = exit_why(cpu);
    if (r->virt)
        cpu_clock_sync(cpu);
}

/* After a unit: the interrupt shadow is over; EFLAGS.TF gives a #DB trap
 * after the (one-instruction) unit; HLT sleeps. */
static void after_unit(struct machine *m, bool shadow, bool single_step)
{
    struct vcpu *cpu = m->cpu;
    if (shadow)
        cpu->int_shadow = false;
    bool wp_trap = cpu->wp_hit && dbg_wp_after(cpu); /* a data breakpoint's #DB trap */
    if (single_step && wp_trap)
        cpu->dr[6] |= DR6_BS; /* one #DB for both, DR6 saying so */
    if (single_step && !vcpu_has_pending(cpu) && !atomic_load(&m->stop_reason)) {
        /* a trap: returns to the next instruction; an exception, so the
         * #DB gate's DPL is not checked */
        cpu->dr[6] |= DR6_BS;
        vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_TRAP, .vec = EXC_DB, .ret = cpu->eip });
    }
    if (cpu->exit_reason == EXIT_HALT) {
        m->run_st.exits_halt++;
        run_halt(m);
    }
}

/* Whether a timer may be due.  Host clock: only when the ticker fired (it
 * forgets its deadline first, then raises exit_request), does not wait
 * for the earliest deadline (a new one is to be published), or the guest
 * has read a time past it (polling the PIT or the TSC: the timers run now,
 * even if the ticker thread is late).  Reading the host clock costs more
 * than the rest of a dispatch, and translated code that never leaves sees
 * its timers no sooner than that either. */
static bool timers_may_be_due(const struct run *r)
{
    struct machine *m = r->m;
    if (r->virt || !m->ticker)
        return true;
    return xclock_next_deadline(m->clock) != ticker_deadline(m->ticker) ||
           xclock_seen_due(m->clock);
}

/* A breakpoint armed in DR7: one-instruction units, never chained (units
 * made before may be: dropped once when one is armed), the instruction
 * breakpoints checked before each instruction (true: a #DB fault is
 * pending), the data breakpoints after it (after_unit). */
static bool dbg_step(struct machine *m, bool *armed)
{
    struct vcpu *cpu = m->cpu;
    unsigned ibp = dbg_ibp_armed(cpu);
    *armed = ibp || cpu->wp_armed;
    if (!*armed) {
        m->ibp_clean = false;
        return false;
    }
    if (!m->ibp_clean)
        tc_flush(&m->tc);
    m->ibp_clean = true;
    cpu->chain_info = 0;
    return ibp && dbg_ibp_check(cpu);
}

/* One trip through the loop.  false: the run stops. */
static bool step(struct run *r)
{
    struct machine *m = r->m;
    struct vcpu *cpu = m->cpu;
    __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
    if (atomic_load(&m->stop_reason))
        return false;
    if (timers_may_be_due(r))
        xclock_run_timers(m->clock);
    if (!deliver_events(m))
        return false;
    bool gdb_onestep = false, dbg;
    if (m->cfg.gdb && !run_gdb_check(m, &gdb_onestep))
        return false;
    if (dbg_step(m, &dbg))
        return true; /* the #DB fault is delivered next time round */
    uint32_t mode = cpu_mode_key(cpu);
    cpu_seg_class_sync(cpu, S_FS);
    cpu_seg_class_sync(cpu, S_GS);
    bool shadow = cpu->int_shadow;
    bool single_step = (cpu->eflags & EFL_TF) != 0; /* a #DB trap after each instruction */
    if (shadow || single_step || gdb_onestep || dbg)
        mode |= MODE_ONESTEP;
    if (cpu->wp_armed)
        mode |= MODE_WATCH;
    uint32_t pc, pc_next;
    if (fetch_addresses(cpu, mode, &pc, &pc_next) < 0)
        return true; /* the fault is delivered next time round */
    uint64_t gen = m->tc.generation;
    struct unit *unit;
    if (find_unit(m, mode, pc, pc_next, &unit) < 0) {
        machine_request_stop(m, STOP_ERROR, XBT_STATUS_ERROR);
        return false;
    }
    link_unit(r, unit, mode, gen);
    uint32_t eip0 = cpu->eip;
    enter_unit(r, unit, mode);
    /* a unit that left at its entry (a request: timer, interrupt; the
     * virtual clock's budget) ran nothing: its instruction is still in
     * the shadow, and owes no single-step trap */
    bool at_entry = r->why == RUN_EXIT_REQUEST || r->why == RUN_EXIT_BUDGET;
    bool ran = !(at_entry && cpu->eip == eip0);
    after_unit(m, shadow && ran, single_step && ran);
    return true;
}

int machine_run(struct machine *m)
{
    struct run r = { .m = m, .virt = xclock_kind(m->clock) == CLOCK_VIRTUAL, .why = -1 };
    sigjmp_buf jb;
    run_faults_install(m, &jb);
    if (!r.virt && !m->ticker)
        m->ticker = ticker_start(m);
    run_gdb_attach(m);
    if (sigsetjmp(jb, 1)) {
        /* a host fault inside translated code became a guest exception */
        m->cpu->chain_info = 0;
        m->cpu->bounce_active = false;
        r.why = RUN_EXIT_FAULT;
    }
    while (step(&r))
        ;
    run_faults_remove();
    run_gdb_detach(m);
    if (m->ticker) {
        ticker_stop(m->ticker);
        m->ticker = NULL;
    }
    return m->exit_status;
}
