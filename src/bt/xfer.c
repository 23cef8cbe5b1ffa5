/*
 * xfer.c - mode-changing transfers that go on in translated code.  After
 * SYSENTER, SYSEXIT, INT n or IRET (changes of CPL, CS, SS, EFLAGS that
 * end the unit unchained), the dispatcher would only look up the unit
 * for the new CS:EIP and mode key (for INT n, after delivering it through
 * the IDT), point r14 and the indirect-branch table at the new
 * privilege's, and enter it.  The helpers here do that themselves when
 * nothing else is due, and return the unit's code, which translated code
 * jumps to: a system call's round trip (SYSENTER/SYSEXIT, or INT 0x80 and
 * IRET) then never leaves translated code.  Units made for one-instruction
 * execution (MODE_ONESTEP: EFLAGS.TF, a shadow, a debugger) use the plain
 * helpers: the dispatcher's trap after the instruction must still come.
 *
 * The dispatcher keeps everything else: a pending event or fault, a
 * request (timer, interrupt, stop: exit_request), an interrupt shadow,
 * EFLAGS.TF, armed debug registers, non-flat or real/V86 code, an
 * address that does not translate, a unit not made yet or lying on two
 * pages.  The target is entered at its full entry, which checks
 * exit_request like any unit reached by a backward chain.
 *
 * Policy: vcpu->bt is set (machine.c) only with chaining on (a direct
 * transfer is a chain whose guard is this look-up; --no-chain turns both
 * off) and without a gdb stub (it stops at unit boundaries the
 * dispatcher sees).
 */
#include "bt.h"
#include "cpu.h"
#include "cpu_mode.h"
#include "helpers.h"
#include "mmu.h"
#include "tcache.h"
#include "tr_internal.h"

/* Nothing but the look-up is due at the new CS:EIP. */
static bool nothing_due(const struct vcpu *cpu)
{
    if (cpu->exit_reason != EXIT_STATE || vcpu_has_pending(cpu) || cpu->exit_request)
        return false;
    if (cpu->int_shadow || (cpu->eflags & EFL_TF) || cpu->wp_armed ||
        ((cpu->dr[7] & 0xFFu) && dbg_ibp_armed(cpu)))
        return false;
    return !((cpu->eflags & EFL_IF) && cpu->irq_waiting);
}

/* The unit for (pc, mode, eip) and its mode's indirect-branch table:
 * from the memo while the cache has evicted and flushed nothing since
 * (generation) and the unit is still valid (not dropped by a store), else
 * looked up and remembered.  NULL: not made yet (the dispatcher makes it). */
static struct unit *xfer_lookup(struct bt *bt, uint32_t pc, uint32_t mode, uint32_t eip,
                                struct jc_entry **jc)
{
    struct tcache *tc = bt->tc;
    struct bt_xfer_memo *m = &bt->xfer_memo[(eip ^ (eip >> 12)) % BT_XFER_MEMO];
    if (m->unit && m->gen == tc->generation && m->pc == pc && m->mode == mode && m->eip == eip &&
        m->unit->valid && !tc->trace && (*jc = tc_jcache_slot(tc, m->jc, mode))) {
        bt->st.xfer_memo_hits++;
        return m->unit;
    }
    struct unit *unit = tc_lookup(tc, pc, mode, 0, 0xFFFFFFFFu, eip);
    *jc = tc_jcache(tc, mode);
    if (!unit || !*jc)
        return NULL;
    *m = (struct bt_xfer_memo){ .pc = pc,
                                .mode = mode,
                                .eip = eip,
                                .jc = tc_jcache_index(tc, mode),
                                .gen = tc->generation,
                                .unit = unit };
    return unit;
}

/* The unit to go on in, made ready to enter (r14's base, the
 * indirect-branch table), or NULL: the dispatcher takes over. */
static struct unit *xfer_target(struct bt *bt, struct vcpu *cpu)
{
    if (!nothing_due(cpu))
        return NULL;
    uint32_t mode = cpu_mode_key(cpu);
    if (mode & (MODE_NONFLAT | MODE_REAL | MODE_V86))
        return NULL; /* flat: CS's base is 0 and its limit 4 GiB */
    uint32_t lin = cpu->eip, pc, err;
    unsigned acc = WALK_EXEC | (cpu->cpl == 3 ? WALK_USER : 0);
    if (cpu_probe(cpu, lin, acc, &pc, &err) < 0)
        return NULL; /* the dispatcher raises the #PF */
    struct jc_entry *jc;
    struct unit *unit = xfer_lookup(bt, pc, mode, cpu->eip, &jc);
    if (!unit || unit->page[1] != unit->page[0])
        return NULL; /* to be made; or its second page is to be checked */
    cpu_seg_class_sync(cpu, S_FS);
    cpu_seg_class_sync(cpu, S_GS);
    cpu->jcache = jc;
    cpu->tlb = cpu_tlb_base(cpu, mode);
    return unit;
}

/* After the instruction's helper: the code to jump to, or 0 with
 * helper_exit set (the thunk leaves for the dispatcher). */
static uint64_t go_on(struct vcpu *cpu, uint32_t next)
{
    struct bt *bt = cpu->bt;
    if (!cpu->helper_exit)
        vcpu_exit_at(cpu, next, EXIT_STATE); /* the helper did not leave: nor do we */
    struct unit *unit = bt ? xfer_target(bt, cpu) : NULL;
    if (!unit) {
        if (bt)
            bt->st.xfer_dispatched++;
        return 0;
    }
    bt->st.xfer_direct++;
    cpu->helper_exit = 0;
    cpu->exit_reason = EXIT_NORMAL;
    cpu->chain_info = 0;
    return (uint64_t)(uintptr_t)unit->code;
}

HLP(bt_hlp_priv_xfer)
{
    hlp_priv(cpu, a, b, next);
    return go_on(cpu, next);
}

HLP(bt_hlp_iret_xfer)
{
    hlp_iret(cpu, a, b, next);
    return go_on(cpu, next);
}

/* INT n: the software interrupt is delivered through the IDT here, as the
 * dispatcher would first thing (a fault on the way is delivered in its
 * place; a triple fault stops the machine: leave). */
HLP(bt_hlp_int_xfer)
{
    hlp_int(cpu, a, b, next);
    if (!cpu->bt || cpu->pending.kind != EV_SOFT || cpu->exit_request)
        return go_on(cpu, next);
    cpu->chain_info = 0;
    if (vcpu_deliver_pending(cpu) < 0) {
        vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL);
        return 0;
    }
    vcpu_exit_at(cpu, cpu->eip, EXIT_STATE);
    return go_on(cpu, next);
}

hlp_fn_t *bt_xfer_helper(hlp_fn_t *fn)
{
    if (fn == hlp_priv)
        return bt_hlp_priv_xfer;
    if (fn == hlp_iret)
        return bt_hlp_iret_xfer;
    if (fn == hlp_int)
        return bt_hlp_int_xfer;
    return NULL;
}
