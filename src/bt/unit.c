/*
 * unit.c - the unit driver: decodes a guest basic block, translates it
 * into a reserved stretch of the code buffer, and commits it to the
 * translation cache.  A unit is, in order: the prologue (leave if the VMM
 * asked; the entry's instrumentation: --tcache-stats counts,
 * --tcache-trace record, clock reference bit; the virtual clock's budget), the
 * body (one translation per guest instruction, translate.c), the exit to
 * the fall-through successor, then the out-of-line stubs (memory slow
 * paths, exits, requests, segment faults, budget exhaustion) and the map
 * from host offsets back to guest instructions.  A unit that does not fit
 * the buffer's reserve is remade with half as many instructions.
 */
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "tctrace.h"
#include "tr_internal.h"

/* The buffers of one translation (the translator runs on the vCPU thread). */
struct unit_work {
    struct bt_insn insns[BT_MAX_UNIT_INSNS];
    struct stub stubs[TR_MAX_STUBS];
    uint32_t insn_pc[BT_MAX_UNIT_INSNS + TR_MAX_STUBS];  /* host offset map: */
    uint16_t insn_off[BT_MAX_UNIT_INSNS + TR_MAX_STUBS]; /* guest pc at offset */
    struct unit_memop memops[TR_MAX_STUBS];
    uint32_t nmap;
    size_t budget_imm; /* offset of the budget's imm32, 0: none */
    size_t count_imm;  /* --tcache-stats: offset of the instruction count's disp32 */
    uint32_t bytes;    /* guest bytes translated */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Unit entry: leave if the VMM asked (stop, interrupt).  With live flags
 * the test goes through RCX and JRCXZ, which is cheaper than saving and
 * restoring the flags around a CMP. */
static void entry_check(struct tr *t, uint32_t eip)
{
    struct emit *e = &t->e;
    struct stub *rq;
    if (t->in[0].live_in & FL_ARITH) {
        e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R11), o_reg(ZYDIS_REGISTER_RCX));
        e_insn(e, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(ZYDIS_REGISTER_ECX),
               o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, VCPU_OFF_EXIT_REQUEST, 1));
        e_u8(e, 0xE3); /* jrcxz over the exit */
        size_t jr = e->pos;
        e_u8(e, 0);
        e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_RCX), o_reg(ZYDIS_REGISTER_R11));
        rq = tr_new_stub(t, STUB_REQ);
        rq->rel_off = e_jmp32(e);
        if (!e->overflow)
            e->buf[jr] = (uint8_t)(e->pos - (jr + 1));
        e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_RCX), o_reg(ZYDIS_REGISTER_R11));
    } else {
        e_insn(e, ZYDIS_MNEMONIC_CMP, 2,
               o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, VCPU_OFF_EXIT_REQUEST, 1),
               o_imm(0));
        rq = tr_new_stub(t, STUB_REQ);
        rq->rel_off = e_jcc32(e, 0x5);
    }
    rq->target = eip;
}

/* Virtual clock: count the unit's instructions against the budget the
 * dispatcher gave; leave (before executing) when it runs out.  The
 * count is patched in once the body is known (w->budget_imm). */
static void entry_budget(struct tr *t, uint32_t eip, struct unit_work *w)
{
    static const uint8_t sub[4] = { 0x49, 0x81, 0x6F,
                                    VCPU_OFF_BUDGET }; /* sub qword [r15+0x70], imm32 */
    tr_flags_clobber(t);
    e_bytes(&t->e, sub, sizeof(sub));
    w->budget_imm = t->e.pos;
    e_u32(&t->e, 0);
    struct stub *bs = tr_new_stub(t, STUB_BUDGET);
    bs->rel_off = e_jcc32(&t->e, 0xC); /* jl */
    bs->target = eip;
}

/* --tcache-trace: append the unit's descriptor index to the entry ring
 * (tctrace.h; flag-free, r11 and r13 free). */
static void entry_trace(struct tr *t, uint8_t *ring)
{
    static const uint8_t load[4] = { 0x45, 0x8B, 0x6B, 0xF8 };  /* mov r13d, [r11-8] */
    static const uint8_t store[4] = { 0x43, 0xC7, 0x04, 0x2B }; /* mov [r11+r13], imm32 */
    static const uint8_t next[8] = { 0x45, 0x8D, 0x6D, 0x04,    /* lea r13d, [r13+4] */
                                     0x45, 0x89, 0x6B, 0xF8 };  /* mov [r11-8], r13d */
    uint64_t base = (uint64_t)(uintptr_t)ring;
    e_bytes(&t->e, (const uint8_t[2]){ 0x49, 0xBB }, 2); /* mov r11, imm64 */
    e_bytes(&t->e, &base, 8);
    e_bytes(&t->e, load, sizeof(load));
    e_bytes(&t->e, store, sizeof(store));
    e_u32(&t->e, (uint32_t)(t->future - t->bt->tc->units));
    e_bytes(&t->e, next, sizeof(next));
}

/* Clock policy: set the unit's reference bit (TC_CLOCK_REF_BYTES bytes). */
static void entry_ref(struct tr *t)
{
    uint64_t ref = (uint64_t)(uintptr_t)&t->future->ref;
    e_bytes(&t->e, (const uint8_t[2]){ 0x49, 0xBB }, 2); /* mov r11, imm64 */
    e_bytes(&t->e, &ref, 8);
    e_bytes(&t->e, (const uint8_t[4]){ 0x41, 0xC6, 0x03, 0x01 }, 4); /* mov byte [r11], 1 */
}

/* Every entry, chained ones too (r11, r13 free): --tcache-stats counts,
 * --tcache-trace records, the clock policy marks the unit referenced.
 * Their bytes (instr_bytes) are left out of the sizes a trace records. */
static void entry_instrument(struct tr *t, struct unit_work *w)
{
    size_t at = t->e.pos;
    struct tcache *tc = t->bt->tc;
    if (t->bt->cfg.tcache_stats) {
        tr_count(t, &tc->st.unit_entries);
        w->count_imm = tr_count_add(t, &tc->st.unit_insns);
    }
    if (tc_trace_ring(tc))
        entry_trace(t, tc_trace_ring(tc));
    if (tc->policy == TC_POLICY_CLOCK)
        entry_ref(t);
    t->proto.instr_bytes = (uint16_t)(t->e.pos - at);
}

static void prologue(struct tr *t, uint32_t eip, struct unit_work *w)
{
    t->i = &t->in[0];
    entry_check(t, eip);
    t->proto.entry_skip = (uint16_t)t->e.pos; /* chained forward jumps enter here */
    entry_instrument(t, w);
    if (t->bt->cfg.virtual_clock)
        entry_budget(t, eip, w);
}

/* The instructions, then the exit to the fall-through successor. */
static void body(struct tr *t, uint32_t eip, struct unit_work *w)
{
    w->bytes = 0;
    for (int k = 0; k < t->n && !t->ended; k++) {
        w->insn_pc[k] = t->in[k].pc;
        w->insn_off[k] = (uint16_t)t->e.pos;
        tr_insn(t, &t->in[k]);
        w->bytes += t->in[k].len;
        t->proto.ninsns = (uint32_t)k + 1;
    }
    if (!t->ended) {
        t->i = &t->in[t->proto.ninsns - 1];
        tr_exit_direct(t, eip + w->bytes, -1);
    }
    if (w->budget_imm && !t->e.overflow)
        memcpy(t->e.buf + w->budget_imm, &t->proto.ninsns, 4);
    if (w->count_imm && !t->e.overflow)
        memcpy(t->e.buf + w->count_imm, &t->proto.ninsns, 4);
    w->nmap = t->proto.ninsns;
}

/* A memory slow path: a host fault in it (an x87 exception on the
 * re-executed instruction) belongs to that instruction. */
static void stub_mem(struct tr *t, struct stub *s, struct unit_work *w)
{
    w->insn_pc[w->nmap] = s->eip;
    w->insn_off[w->nmap++] = (uint16_t)t->e.pos;
    tr_emit_stub_mem(t, s);
    w->insn_pc[w->nmap] = 0xFFFFFFFFu; /* end marker: no instruction */
    w->insn_off[w->nmap++] = (uint16_t)t->e.pos;
}

static void stub_budget(struct tr *t, struct stub *s)
{
    static const uint8_t add[4] = { 0x49, 0x81, 0x47,
                                    VCPU_OFF_BUDGET }; /* add qword [r15+0x70], imm32 */
    e_fix32(&t->e, s->rel_off, t->e.pos);
    e_bytes(&t->e, add, sizeof(add));
    e_u32(&t->e, t->proto.ninsns);
    if (s->flags_saved)
        e_flags_restore(&t->e);
    tr_emit_leave(t, s->target, BT_EXIT_BUDGET);
}

/* A segment limit or type check failed: raise the fault it recorded. */
static void stub_segfault(struct tr *t, struct stub *s)
{
    e_fix32(&t->e, s->rel_off, t->e.pos);
    if (s->flags_saved)
        e_flags_restore(&t->e);
    e_mov_vcpu_imm(&t->e, VCPU_OFF_EIP, false, s->eip);
    tr_set_r8(t, s->target);
    tr_set_r9(t, 0);
    e_mov_r11_imm64(&t->e, (uint64_t)(uintptr_t)hlp_raise);
    e_call_vcpu(&t->e, VCPU_OFF_HELPER_THUNK);
}

static void stubs(struct tr *t, struct unit_work *w)
{
    for (int k = 0; k < t->nstubs; k++) {
        struct stub *s = &t->stubs[k];
        switch (s->kind) {
        case STUB_MEM: stub_mem(t, s, w); break;
        case STUB_EXIT: tr_emit_stub_exit(t, s); break;
        case STUB_BUDGET: stub_budget(t, s); break;
        case STUB_SEGFAULT: stub_segfault(t, s); break;
        case STUB_REQ:
            e_fix32(&t->e, s->rel_off, t->e.pos);
            if (s->flags_saved)
                e_flags_restore(&t->e);
            tr_emit_leave(t, s->target, BT_EXIT_REQUEST);
            break;
        }
    }
}

/* The unit's identity and pages, then into the cache. */
static struct unit *commit(struct tr *t, uint32_t eip, uint32_t pc, struct unit_work *w)
{
    struct vcpu *cpu = t->bt->cpu;
    t->proto.pc = pc;
    t->proto.vpc = eip;
    t->proto.cs_base = cpu->seg[S_CS].base;
    t->proto.cs_limit = cpu->seg[S_CS].limit;
    t->proto.mode = t->mode;
    t->proto.guest_size = w->bytes;
    t->proto.page[0] = pc & PAGE_MASK;
    t->proto.page[1] = (pc + w->bytes - 1) & PAGE_MASK;
    if (t->proto.page[1] != t->proto.page[0] || t->fetch_faulted)
        t->proto.page[1] = cpu->fetch_next & PAGE_MASK; /* ~0 page if unmapped */
    t->proto.nmap = w->nmap;
    return tc_commit(t->bt->tc, &t->proto, t->e.pos, w->insn_pc, w->insn_off, w->memops,
                     t->nmemops);
}

/* One attempt with at most max instructions: 1 when it overflowed the
 * buffer's reserve (retry with fewer), 0 with *out set, or an error. */
static int attempt(struct bt *bt, uint32_t eip, uint32_t pc, uint32_t mode, uint32_t max,
                   struct unit_work *w, struct unit **out)
{
    size_t room;
    struct unit *future;
    uint8_t *buf = tc_begin(bt->tc, pc, mode, &room, &future);
    struct tr t;
    memset(&t, 0, sizeof(t));
    t.bt = bt;
    t.cpu = bt->cpu;
    t.mode = mode;
    t.in = w->insns;
    t.stubs = w->stubs;
    t.future = future;
    /* paging off: the MEM_HOST window; paging on: the host-MMU windows;
     * A20 masked or a data breakpoint armed: neither (the TLB applies the
     * mask, or leaves the watched pages out) */
    t.host_mem = (mode & (MODE_A20OFF | MODE_WATCH)) ? false
                 : (mode & MODE_PG)                  ? bt->mmu->hmmu != NULL
                                                     : bt->cfg.host_mem && bt->mmu->window;
    t.memops = w->memops;
    e_init(&t.e, buf, room);
    t.n = bt_decode_unit(bt, eip, pc, mode, max, w->insns);
    bt_liveness(w->insns, t.n);
    w->budget_imm = 0;
    w->count_imm = 0;
    prologue(&t, eip, w);
    body(&t, eip, w);
    stubs(&t, w);
    if (t.e.encode_error) {
        xbt_error("internal error: cannot encode the translation of the unit at %#x", eip);
        return XBT_EUNSUP;
    }
    if (t.e.overflow || t.e.pos > 0xFFFF)
        return 1;
    *out = commit(&t, eip, pc, w);
    return *out ? 0 : XBT_ENOMEM;
}

int bt_translate(struct bt *bt, uint32_t eip, uint32_t pc, uint32_t mode, struct unit **out)
{
    static struct unit_work w;
    uint64_t t0 = now_ns();
    uint32_t max = bt->cfg.max_unit_insns ? bt->cfg.max_unit_insns : BT_DEFAULT_UNIT_INSNS;
    if (mode & MODE_ONESTEP)
        max = 1;
    if (max > BT_MAX_UNIT_INSNS)
        max = BT_MAX_UNIT_INSNS;
    int rc;
    while ((rc = attempt(bt, eip, pc, mode, max, &w, out)) == 1) {
        if (max == 1) {
            xbt_error("internal error: one instruction at %#x overflows a unit", eip);
            return XBT_EUNSUP;
        }
        max /= 2;
        bt->st.retranslations++;
    }
    if (rc)
        return rc;
    bt->tc->st.translate_ns += now_ns() - t0;
    if (bt->cfg.log_flags & (XBT_LOG_IN_ASM | XBT_LOG_OUT_ASM))
        bt_log_unit(bt, *out);
    if (bt->cfg.perf_map)
        bt_perf_map(*out);
    if (bt->on_translate)
        bt->on_translate(bt->on_translate_opaque, eip);
    return 0;
}
