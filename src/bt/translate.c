/*
 * translate.c - the translator's core: the unit driver (decode, liveness,
 * emit, stubs, commit), the IDENT copy of ordinary instructions (in the host
 * form hostform.c decides), and the rewriting of explicit memory operands
 * into an inline lookup of the simulated TLB with an out-of-line slow path.
 *
 * Flags discipline: guest arithmetic flags live in host RFLAGS.  An
 * inserted sequence that clobbers them (the TLB lookup) is preceded by a
 * save into r13 when liveness says they are live; the saved state is kept
 * across following instructions that neither read nor write flags and
 * restored only before one that does, before helper calls and exits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "tr_internal.h"
#include "clock.h"
#include "encmemo.h"
#include "mmu.h"
#include "helpers.h"

const char *const bt_callout_names[CO_COUNT] = {
    "io",        "hlt",     "string", "flags",   "stack", "cpuid",  "rdtsc",
    "exception", "segment", "system", "syscall", "iret",  "farjmp", "misc",
};

/* ---- flags ------------------------------------------------------------- */

void tr_flags_clobber(struct tr *t)
{
    tr_flags_clobber_keep(t, false);
}

void tr_flags_clobber_keep(struct tr *t, bool keep)
{
    /* with paging any access may #PF, whose frame must hold the flags of
     * the faulting instruction: keep them even where they are dead.  keep:
     * a store, whose slow path may rewrite the code after it (SMC), so the
     * flags the following instructions see are no longer known dead. */
    if ((t->i->live_in & FL_ARITH) || (t->mode & MODE_PG) || keep) {
        if (!t->flags_saved) {
            e_flags_save(&t->e);
            t->flags_saved = true;
            t->bt->st.flag_saves++;
        }
    } else {
        t->flags_saved = false;
    }
}

void tr_flags_sync(struct tr *t)
{
    if (t->flags_saved) {
        e_flags_restore(&t->e);
        t->flags_saved = false;
    }
}

void tr_flags_before_native(struct tr *t, const struct bt_insn *i)
{
    if (!t->flags_saved)
        return;
    if (i->tested || (i->written_any && i->written_any != FL_ARITH) ||
        (i->written_any && !i->written_all))
        tr_flags_sync(t);
    else if (i->written_all == FL_ARITH)
        t->flags_saved = false; /* fully overwritten: the saved copy is dead */
}

/* ---- registers ----------------------------------------------------------- */

ZydisRegister tr_host64(ZydisRegister g)
{
    switch (g) {
    case ZYDIS_REGISTER_EAX:
    case ZYDIS_REGISTER_AX: return ZYDIS_REGISTER_RAX;
    case ZYDIS_REGISTER_ECX:
    case ZYDIS_REGISTER_CX: return ZYDIS_REGISTER_RCX;
    case ZYDIS_REGISTER_EDX:
    case ZYDIS_REGISTER_DX: return ZYDIS_REGISTER_RDX;
    case ZYDIS_REGISTER_EBX:
    case ZYDIS_REGISTER_BX: return ZYDIS_REGISTER_RBX;
    case ZYDIS_REGISTER_ESP:
    case ZYDIS_REGISTER_SP: return ZYDIS_REGISTER_R12;
    case ZYDIS_REGISTER_EBP:
    case ZYDIS_REGISTER_BP: return ZYDIS_REGISTER_RBP;
    case ZYDIS_REGISTER_ESI:
    case ZYDIS_REGISTER_SI: return ZYDIS_REGISTER_RSI;
    case ZYDIS_REGISTER_EDI:
    case ZYDIS_REGISTER_DI: return ZYDIS_REGISTER_RDI;
    default: return ZYDIS_REGISTER_NONE;
    }
}

ZydisRegister tr_map_reg(ZydisRegister g)
{
    if (g == ZYDIS_REGISTER_ESP)
        return ZYDIS_REGISTER_R12D;
    if (g == ZYDIS_REGISTER_SP)
        return ZYDIS_REGISTER_R12W;
    return g;
}

/* ---- small emit helpers ---------------------------------------------------- */

void tr_set_r8(struct tr *t, uint32_t v)
{
    e_mov_r32_imm(&t->e, ZYDIS_REGISTER_R8D, v);
}
void tr_set_r9(struct tr *t, uint32_t v)
{
    e_mov_r32_imm(&t->e, ZYDIS_REGISTER_R9D, v);
}
void tr_set_r10(struct tr *t, uint32_t v)
{
    e_mov_r32_imm(&t->e, ZYDIS_REGISTER_R10D, v);
}

struct stub *tr_new_stub(struct tr *t, enum stub_kind k)
{
    if (t->nstubs >= (int)TR_MAX_STUBS) {
        t->e.overflow = true;
        static struct stub dummy;
        return &dummy;
    }
    struct stub *s = &t->stubs[t->nstubs++];
    memset(s, 0, sizeof(*s));
    s->kind = k;
    s->flags_saved = t->flags_saved;
    return s;
}

/* ---- effective addresses and the TLB lookup ------------------------------ */

static int seg_index(ZydisRegister s)
{
    switch (s) {
    case ZYDIS_REGISTER_ES: return S_ES;
    case ZYDIS_REGISTER_CS: return S_CS;
    case ZYDIS_REGISTER_SS: return S_SS;
    case ZYDIS_REGISTER_FS: return S_FS;
    case ZYDIS_REGISTER_GS: return S_GS;
    default: return S_DS;
    }
}

/* r8d = the offset (effective address) of a memory operand, no segment. */
void tr_offset(struct tr *t, const ZydisDecodedOperand *mem, int32_t extra_disp)
{
    ZydisRegister b = tr_host64(mem->mem.base);
    ZydisRegister x = tr_host64(mem->mem.index);
    int64_t disp = (mem->mem.disp.has_displacement ? mem->mem.disp.value : 0) + extra_disp;
    bool a16 = t->i && t->i->zi.address_width == 16;
    if (b == ZYDIS_REGISTER_NONE && x == ZYDIS_REGISTER_NONE) {
        tr_set_r8(t, (uint32_t)disp);
    } else {
        disp = (int32_t)(uint32_t)disp;
        e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_mem(b, x, x ? mem->mem.scale : 0, disp, 8));
    }
    if (a16)
        e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_reg(ZYDIS_REGISTER_R8W));
}

/* The check of an access through a SEGC_SLOW segment, in C. */
static void seg_check_slow(struct tr *t, int s, unsigned size, bool write)
{
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R9D),
           o_imm((int32_t)(size | (write ? 0x100u : 0))));
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R10D), o_imm(s));
    tr_call_helper(t, hlp_seg_check, CO_SEGMENT);
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R8D), o_reg(ZYDIS_REGISTER_R9D));
}

/* The inline limit check of an expand-up segment. */
static void seg_check_limit(struct tr *t, int s, unsigned size)
{
    tr_flags_clobber(t);
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R9D),
           o_mem(ZYDIS_REGISTER_R8, ZYDIS_REGISTER_NONE, 0, (int64_t)size - 1, 8));
    e_insn(&t->e, ZYDIS_MNEMONIC_CMP, 2, o_reg(ZYDIS_REGISTER_R9D),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                 (int64_t)offsetof(struct vcpu, seg[s].limit), 4));
    struct stub *st = tr_new_stub(t, STUB_SEGFAULT);
    st->rel_off = e_jcc32(&t->e, 0x7); /* ja */
    st->target = s == S_SS ? EXC_SS : EXC_GP;
    st->eip = t->i->pc;
}

/* FS and GS are not in the mode key: the class they had when the unit was
 * made is checked against vcpu->seg_class at run time, and any other one
 * takes the C check (which handles every class). */
static void seg_check_fsgs(struct tr *t, int s, unsigned size, bool write)
{
    struct emit *e = &t->e;
    unsigned cls = t->cpu ? cpu_seg_class(&t->cpu->seg[s], s) : SEGC_SLOW;
    if (cls == SEGC_SLOW) {
        seg_check_slow(t, s, size, write);
        return;
    }
    tr_flags_clobber(t);
    bool saved = t->flags_saved;
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2,
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                 (int64_t)offsetof(struct vcpu, seg_class[s]), 1),
           o_imm(cls));
    size_t other = e_jcc32(e, 0x5); /* jne */
    if (cls == SEGC_LIMIT)
        seg_check_limit(t, s, size);
    size_t done = e_jmp32(e);
    e_fix32(e, other, e->pos);
    seg_check_slow(t, s, size, write);
    if (saved) {
        e_flags_save(e); /* as the fast path has them */
        t->flags_saved = true;
    }
    e_fix32(e, done, e->pos);
}

/*
 * Segment part of an access of `size` bytes at offset r8d: the limit check
 * the mode key asks for (inline for expand-up segments, in C for
 * expand-down and unusable ones; FS and GS by their class at run time),
 * then the base, leaving the linear address in r8d.
 */
void tr_seg(struct tr *t, int s, unsigned size, bool write)
{
    unsigned cls = MODE_SEG_CLASS(t->mode, s);
    if (size == 0)
        size = 1;
    if (s == S_FS || s == S_GS)
        seg_check_fsgs(t, s, size, write);
    else if (cls == SEGC_LIMIT)
        seg_check_limit(t, s, size);
    else if (cls == SEGC_SLOW)
        seg_check_slow(t, s, size, write);
    if (s == S_FS || s == S_GS || (t->mode & MODE_NONFLAT)) {
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R9D),
               o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                     (int64_t)offsetof(struct vcpu, seg[s].base), 4));
        e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_mem(ZYDIS_REGISTER_R8, ZYDIS_REGISTER_R9, 1, 0, 8));
    }
}

/* r8d = linear address of a memory operand (offset, limit check, base). */
void tr_ea(struct tr *t, const ZydisDecodedOperand *mem, int32_t extra_disp)
{
    tr_offset(t, mem, extra_disp);
    tr_seg(t, seg_index(mem->mem.segment), mem->size / 8,
           (mem->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)) != 0);
}

static bool direct_ok(const struct tr *t, const ZydisDecodedOperand *mem)
{
    if (!t->host_mem || (t->mode & (MODE_NONFLAT | MODE_AC)) || t->i->zi.address_width != 32 ||
        mem->mem.index != ZYDIS_REGISTER_NONE)
        return false;
    int s = seg_index(mem->mem.segment);
    return s != S_FS && s != S_GS && MODE_SEG_CLASS(t->mode, s) == SEGC_FLAT;
}

void tr_addr(struct tr *t, const ZydisDecodedOperand *mem, int32_t extra_disp)
{
    int64_t disp = (mem->mem.disp.has_displacement ? mem->mem.disp.value : 0) + extra_disp;
    uint32_t d32 = (uint32_t)disp;
    ZydisRegister b = tr_host64(mem->mem.base);
    if (direct_ok(t, mem) && (b != ZYDIS_REGISTER_NONE || d32 < 0x80000000u)) {
        t->direct = true;
        t->direct_base = b;
        t->direct_disp = (int32_t)d32;
        return;
    }
    tr_ea(t, mem, extra_disp);
}

void tr_addr_esp(struct tr *t, int32_t delta, unsigned size)
{
    if (t->mode & MODE_STACK16) {
        /* SS.B = 0: the offset is SP + delta, wrapping at 64 KiB */
        e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, delta, 8));
        e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_reg(ZYDIS_REGISTER_R8W));
        tr_seg(t, S_SS, size, delta < 0);
        return;
    }
    if (t->host_mem && !(t->mode & (MODE_NONFLAT | MODE_AC)) &&
        MODE_SEG_CLASS(t->mode, S_SS) == SEGC_FLAT) {
        t->direct = true;
        t->direct_base = ZYDIS_REGISTER_R12;
        t->direct_disp = delta;
        return;
    }
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
           o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, delta, 8));
    tr_seg(t, S_SS, size, delta < 0);
}

/*
 * The access itself.  On entry r8d = linear address.  `ins` is the guest
 * operation re-encoded to address [r9 + r8]; it is emitted twice: in the
 * fast path after a TLB hit, and in the slow-path stub after the memory
 * thunk returned a host address (RAM or the bounce buffer).
 */
/* MODE_AC: r8d must be aligned to the access size (at most 8). */
static void align_check(struct tr *t, unsigned size)
{
    if (!(t->mode & MODE_AC) || size < 2)
        return;
    unsigned align = size >= 8 ? 8 : size >= 4 ? 4 : 2;
    tr_flags_clobber(t);
    e_insn(&t->e, ZYDIS_MNEMONIC_TEST, 2, o_reg(ZYDIS_REGISTER_R8D), o_imm((int32_t)(align - 1)));
    struct stub *st = tr_new_stub(t, STUB_SEGFAULT);
    st->rel_off = e_jcc32(&t->e, 0x5); /* jnz */
    st->target = EXC_AC;
    st->eip = t->i->pc;
}

/* Fills in a memory access's slow-path stub (the part both forms share). */
static void mem_stub_info(struct tr *t, struct stub *s, const uint8_t *ins, size_t len,
                          unsigned size, unsigned rw)
{
    s->info = (size & MEM_SIZE_MASK) | rw;
    s->eip = t->i->pc;
    s->next_eip = t->i->pc + t->i->len;
    memcpy(s->ins, ins, len);
    s->ins_len = (uint8_t)len;
}

/* An access that kept faulting on MMIO in a host window (bt_mark_slow):
 * r8d = the linear address, then straight to its slow-path stub, no host
 * fault.  Flag-free, like the window form. */
static void explicit_mem_access(struct tr *t, const uint8_t *ins, size_t len, unsigned size,
                                unsigned rw, bool direct)
{
    struct emit *e = &t->e;
    if (direct && t->direct_base == ZYDIS_REGISTER_NONE)
        tr_set_r8(t, (uint32_t)t->direct_disp);
    else if (direct)
        e_insn(e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_mem(t->direct_base, ZYDIS_REGISTER_NONE, 0, t->direct_disp, 8));
    t->bt->st.mem_ops++;
    t->bt->st.mem_explicit++;
    tr_flags_before_native(t, t->i);
    struct stub *s = tr_new_stub(t, STUB_MEM);
    s->rel_off = e_jmp32(e);
    s->resume_off = e->pos;
    s->memop = -1;
    mem_stub_info(t, s, ins, len, size, rw);
}

static void host_mem_access(struct tr *t, const uint8_t *ins, size_t len, unsigned size,
                            unsigned rw)
{
    struct emit *e = &t->e;
    uint8_t fast[64];
    int borrowed;
    bool direct = t->direct;
    t->direct = false;
    if (!direct)
        align_check(t, size);
    if (len > sizeof(((struct stub *)0)->ins)) {
        e->encode_error = true;
        return;
    }
    if (bt_is_slow(t->bt, t->i->pc)) {
        explicit_mem_access(t, ins, len, size, rw, direct);
        return;
    }
    size_t flen = bt_window_form(ins, len, fast, &borrowed, t->direct_base, t->direct_disp, direct);
    if (!flen) {
        e->encode_error = true;
        return;
    }
    t->bt->st.mem_ops++;
    tr_flags_before_native(t, t->i);
    struct stub *s = tr_new_stub(t, STUB_MEM);
    s->rel_off = SIZE_MAX; /* reached from the SIGSEGV handler, not a branch */
    size_t start = e->pos;
    e_bytes(e, fast, flen);
    s->resume_off = e->pos;
    mem_stub_info(t, s, ins, len, size, rw);
    if (t->nmemops >= TR_MAX_STUBS) {
        e->overflow = true;
        return;
    }
    struct unit_memop *mo = &t->memops[t->nmemops];
    s->memop = (int)t->nmemops++;
    mo->start = (uint16_t)start;
    mo->end = (uint16_t)e->pos;
    mo->borrowed = (int8_t)borrowed;
    mo->stub = 0;
    mo->base = -1;
    mo->disp = 0;
    mo->mmio_faults = 0;
    if (direct) {
        mo->base =
            (int8_t)(t->direct_base == ZYDIS_REGISTER_NONE ? 16
                                                           : ZydisRegisterGetId(t->direct_base));
        mo->disp = t->direct_disp;
    }
}

void tr_mem_access(struct tr *t, const uint8_t *ins, size_t len, unsigned size, unsigned rw)
{
    struct emit *e = &t->e;
    if (t->host_mem) {
        host_mem_access(t, ins, len, size, rw);
        return;
    }
    uint32_t n = t->bt->mmu->tlb_entries;
    t->bt->st.mem_ops++;
    align_check(t, size);
    tr_flags_clobber_keep(t, (rw & MEM_W) != 0);
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R9D), o_reg(ZYDIS_REGISTER_R8D));
    e_insn(e, ZYDIS_MNEMONIC_SHR, 2, o_reg(ZYDIS_REGISTER_R9D), o_imm(12 - 4));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, o_reg(ZYDIS_REGISTER_R9D), o_imm((int64_t)((n - 1) << 4)));
    if (size <= 1)
        e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R10D), o_reg(ZYDIS_REGISTER_R8D));
    else
        e_insn(e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R10D),
               o_mem(ZYDIS_REGISTER_R8, ZYDIS_REGISTER_NONE, 0, (int64_t)size - 1, 8));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, o_reg(ZYDIS_REGISTER_R10D), o_imm((int32_t)PAGE_MASK));
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, o_reg(ZYDIS_REGISTER_R10D),
           o_mem(ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R9, 1,
                 (rw & MEM_W) ? TLB_OFF_TAG_W : TLB_OFF_TAG_R, 4));
    struct stub *s = tr_new_stub(t, STUB_MEM);
    s->rel_off = e_jcc32(e, 0x5); /* jne slow */
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R9),
           o_mem(ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R9, 1, TLB_OFF_ADDEND, 8));
    if (t->bt->cfg.tlb_stats) {
        /* --tlb-stats: count the hit (the flags are saved or dead here) */
        struct mmu_stats *ms = &t->bt->mmu->st;
        e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R10),
               o_imm((int64_t)(uintptr_t)((rw & MEM_W) ? &ms->tlb_hits_w : &ms->tlb_hits_r)));
        e_insn(e, ZYDIS_MNEMONIC_INC, 1, o_mem(ZYDIS_REGISTER_R10, ZYDIS_REGISTER_NONE, 0, 0, 8));
    }
    tr_flags_before_native(t, t->i);
    e_bytes(e, ins, len);
    s->resume_off = e->pos;
    s->memop = -1;
    if (len > sizeof(s->ins)) {
        e->encode_error = true;
        return;
    }
    mem_stub_info(t, s, ins, len, size, rw);
}

void tr_emit_stub_mem(struct tr *t, struct stub *s)
{
    struct emit *e = &t->e;
    if (s->memop >= 0)
        t->memops[s->memop].stub = (uint16_t)e->pos;
    else
        e_fix32(e, s->rel_off, e->pos);
    if (s->flags_saved)
        e_flags_restore(e);
    tr_set_r9(t, s->info);
    tr_set_r10(t, s->eip);
    e_call_vcpu(e, VCPU_OFF_MEM_THUNK);
    e_bytes(e, s->ins, s->ins_len);
    if (s->info & MEM_W) {
        tr_set_r9(t, s->info);
        tr_set_r10(t, s->next_eip);
        e_call_vcpu(e, VCPU_OFF_WB_THUNK);
    }
    size_t rel = e_jmp32(e);
    e_fix32(e, rel, s->resume_off);
}

/* ---- exits ----------------------------------------------------------------- */

void tr_emit_leave(struct tr *t, uint32_t eip, uint64_t chain)
{
    struct emit *e = &t->e;
    e_mov_vcpu_imm(e, VCPU_OFF_EIP, false, eip);
    if (chain >= BT_EXIT_MARKERS) {
        e_mov_r11_imm64(e, chain);
        e_mov_vcpu_r11(e, VCPU_OFF_CHAIN_INFO);
    } else {
        e_mov_vcpu_imm(e, VCPU_OFF_CHAIN_INFO, true, (uint32_t)chain);
    }
    e_jmp_vcpu(e, VCPU_OFF_EXIT_THUNK);
}

void tr_exit_direct(struct tr *t, uint32_t target, int cc)
{
    tr_flags_sync(t);
    if (t->nexits >= UNIT_MAX_EXITS) {
        /* cannot happen: the decoder leaves room for the last branch's two */
        t->e.encode_error = true;
        return;
    }
    int idx = t->nexits++;
    struct stub *s = tr_new_stub(t, STUB_EXIT);
    s->rel_off = cc < 0 ? e_jmp32(&t->e) : e_jcc32(&t->e, (uint8_t)cc);
    s->exit_idx = idx;
    s->target = target;
    t->proto.exits[idx].used = true;
    t->proto.exits[idx].patch_off = (uint32_t)s->rel_off;
    t->proto.exits[idx].target_pc = target;
    if (cc < 0)
        t->ended = true;
}

void tr_exit_unchained(struct tr *t, uint32_t target)
{
    tr_flags_sync(t);
    tr_emit_leave(t, target, 0);
    t->ended = true;
}

/* The inline, flag-free lookup of the per-mode indirect-branch table for
 * the guest target in r8d: index = low 16 bits, tag stored negated so
 * that lea rcx,[rcx+r8] is zero exactly on a hit (jrcxz).  A hit jumps to
 * the unit; a miss leaves for the dispatcher (BT_EXIT_INDIRECT), which
 * fills the entry.  The flags must be in the host flags. */
static void emit_jc_lookup(struct tr *t)
{
    struct emit *e = &t->e;
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R10),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, VCPU_OFF_JCACHE, 8));
    e_insn(e, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(ZYDIS_REGISTER_R9D), o_reg(ZYDIS_REGISTER_R8W));
    e_insn(e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R9),
           o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R9, 1, 0, 8));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R11), o_reg(ZYDIS_REGISTER_RCX));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_RCX),
           o_mem(ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R9, 8, 0, 8));
    e_insn(e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_RCX),
           o_mem(ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_R8, 1, 0, 8));
    e_u8(e, 0xE3); /* jrcxz hit */
    size_t jr = e->pos;
    e_u8(e, 0);
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_RCX), o_reg(ZYDIS_REGISTER_R11));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2,
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, VCPU_OFF_EIP, 4),
           o_reg(ZYDIS_REGISTER_R8D));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2,
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, VCPU_OFF_CHAIN_INFO, 8),
           o_imm(BT_EXIT_INDIRECT));
    e_jmp_vcpu(e, VCPU_OFF_EXIT_THUNK);
    if (!e->overflow)
        e->buf[jr] = (uint8_t)(e->pos - (jr + 1));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_RCX), o_reg(ZYDIS_REGISTER_R11));
    if (t->bt->cfg.tcache_stats) { /* r11 and r13 are free here */
        size_t at = e->pos;
        tr_count(t, &t->bt->tc->st.jc_hits);
        t->proto.instr_bytes += (uint16_t)(e->pos - at); /* not in traced sizes */
    }
    e_insn(e, ZYDIS_MNEMONIC_JMP, 1, o_mem(ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R9, 8, 8, 8));
}

/* Indirect branch: r8d = guest target, through the table. */
void tr_exit_indirect(struct tr *t)
{
    tr_flags_sync(t);
    emit_jc_lookup(t);
    t->ended = true;
}

void tr_emit_stub_exit(struct tr *t, struct stub *s)
{
    e_fix32(&t->e, s->rel_off, t->e.pos);
    t->proto.exits[s->exit_idx].stub_off = (uint32_t)t->e.pos;
    tr_emit_leave(t, s->target, (uint64_t)(uintptr_t)t->future | (uint64_t)s->exit_idx);
}

/* ---- helpers --------------------------------------------------------------- */

/* mov r13, [r11]; lea r13, [r13 + 1 (or disp32)]; mov [r11], r13: a count
 * that leaves the flags alone (fixed bytes, as emit.h's fixed forms) */
static const uint8_t g_load_r13[3] = { 0x4D, 0x8B, 0x2B };
static const uint8_t g_store_r13[3] = { 0x4D, 0x89, 0x2B };

void tr_count(struct tr *t, uint64_t *counter)
{
    static const uint8_t inc_r13[4] = { 0x4D, 0x8D, 0x6D, 0x01 }; /* lea r13, [r13+1] */
    struct emit *e = &t->e;
    e_mov_r11_imm64(e, (uint64_t)(uintptr_t)counter);
    e_bytes(e, g_load_r13, sizeof(g_load_r13));
    e_bytes(e, inc_r13, sizeof(inc_r13));
    e_bytes(e, g_store_r13, sizeof(g_store_r13));
}

size_t tr_count_add(struct tr *t, uint64_t *counter)
{
    static const uint8_t lea_r13_disp32[3] = { 0x4D, 0x8D, 0xAD }; /* lea r13, [r13+disp32] */
    struct emit *e = &t->e;
    e_mov_r11_imm64(e, (uint64_t)(uintptr_t)counter);
    e_bytes(e, g_load_r13, sizeof(g_load_r13));
    e_bytes(e, lea_r13_disp32, sizeof(lea_r13_disp32));
    size_t at = e->pos;
    e_u32(e, 0);
    e_bytes(e, g_store_r13, sizeof(g_store_r13));
    return at;
}

/* Calls fn(cpu, r8d, r9d, r10d) with vcpu->eip = the current instruction.
 * The caller has loaded r8d/r9d/r10d (flag-free moves). */
void tr_call_helper(struct tr *t, void *fn, int co_kind)
{
    struct emit *e = &t->e;
    tr_flags_sync(t);
    /* count the call by kind (r13 is free once the flags are back) */
    tr_count(t, &t->bt->st.callouts[co_kind]);
    e_mov_vcpu_imm(e, VCPU_OFF_EIP, false, t->i->pc);
    e_mov_r11_imm64(e, (uint64_t)(uintptr_t)fn);
    e_call_vcpu(e, VCPU_OFF_HELPER_THUNK);
    t->bt->st.helpers_emitted++;
}

/* ---- the generic instruction ------------------------------------------- */

static bool isa_allowed(const struct bt_insn *i)
{
    switch (i->zi.meta.isa_set) {
    case ZYDIS_ISA_SET_I86:
    case ZYDIS_ISA_SET_I186:
    case ZYDIS_ISA_SET_I286REAL:
    case ZYDIS_ISA_SET_I386:
    case ZYDIS_ISA_SET_I486REAL:
    case ZYDIS_ISA_SET_I486:
    case ZYDIS_ISA_SET_PENTIUMREAL:
    case ZYDIS_ISA_SET_PPRO:
    case ZYDIS_ISA_SET_CMOV:
    case ZYDIS_ISA_SET_FCMOV:
    case ZYDIS_ISA_SET_X87:
    case ZYDIS_ISA_SET_LAHF:
    case ZYDIS_ISA_SET_FAT_NOP:
    case ZYDIS_ISA_SET_PAUSE: return true;
    default: return false;
    }
}

static bool category_copyable(ZydisInstructionCategory c)
{
    switch (c) {
    case ZYDIS_CATEGORY_BINARY:
    case ZYDIS_CATEGORY_LOGICAL:
    case ZYDIS_CATEGORY_SHIFT:
    case ZYDIS_CATEGORY_ROTATE:
    case ZYDIS_CATEGORY_BITBYTE:
    case ZYDIS_CATEGORY_CMOV:
    case ZYDIS_CATEGORY_SETCC:
    case ZYDIS_CATEGORY_DATAXFER:
    case ZYDIS_CATEGORY_CONVERT:
    case ZYDIS_CATEGORY_X87_ALU:
    case ZYDIS_CATEGORY_FCMOV:
    case ZYDIS_CATEGORY_SEMAPHORE:
    case ZYDIS_CATEGORY_MISC:
    case ZYDIS_CATEGORY_FLAGOP:
    case ZYDIS_CATEGORY_NOP:
    case ZYDIS_CATEGORY_WIDENOP:
    case ZYDIS_CATEGORY_LOGICAL_FP: return true;
    default: return false;
    }
}

/* Returns the explicit memory operand, or NULL.  *ok = false if the
 * instruction has operands a plain copy cannot reproduce (hidden memory,
 * segment/control registers, a second memory operand). */
static const ZydisDecodedOperand *scan_operands(const struct bt_insn *i, bool *ok)
{
    const ZydisDecodedOperand *mem = NULL;
    *ok = true;
    for (int k = 0; k < i->zi.operand_count; k++) {
        const ZydisDecodedOperand *o = &i->ops[k];
        if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            if (o->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT || mem) {
                *ok = false;
                continue;
            }
            mem = o;
        } else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
            ZydisRegisterClass c = ZydisRegisterGetClass(o->reg.value);
            if (c == ZYDIS_REGCLASS_SEGMENT || c == ZYDIS_REGCLASS_CONTROL ||
                c == ZYDIS_REGCLASS_DEBUG || c == ZYDIS_REGCLASS_IP || c == ZYDIS_REGCLASS_FLAGS ||
                c == ZYDIS_REGCLASS_MMX || c == ZYDIS_REGCLASS_XMM) {
                /* the hidden EFLAGS operand of ordinary instructions is fine */
                if (o->visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN || c != ZYDIS_REGCLASS_FLAGS)
                    *ok = false;
            }
        }
    }
    return mem;
}

static unsigned mem_rw(const ZydisDecodedOperand *mem)
{
    unsigned rw = 0;
    if (mem->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD))
        rw |= MEM_R;
    if (mem->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE))
        rw |= MEM_W;
    return rw;
}

static unsigned mem_size(const ZydisDecodedOperand *mem)
{
    unsigned sz = mem->size / 8;
    return sz ? sz : 4;
}

/* An instruction on registers only, in its host form (hostform.c). */
static void tr_reg_insn(struct tr *t, const struct bt_insn *i)
{
    uint8_t ins[48];
    size_t n = 0;
    tr_flags_before_native(t, i);
    switch (bt_reg_form(i)) {
    case BT_FORM_COPY:
        e_bytes(&t->e, i->bytes, i->len);
        t->bt->st.insns_copied++;
        return;
    case BT_FORM_REENCODE: n = bt_reencode(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, ins); break;
    case BT_FORM_LEGACY: n = bt_legacy_form(i, ins); break;
    }
    if (!n) {
        t->e.encode_error = true;
        return;
    }
    e_bytes(&t->e, ins, n);
    t->bt->st.insns_reencoded++;
}

static void tr_generic(struct tr *t, const struct bt_insn *i)
{
    bool ok;
    const ZydisDecodedOperand *mem = scan_operands(i, &ok);
    if (!ok || !isa_allowed(i) || !category_copyable(i->zi.meta.category) ||
        (i->zi.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED)) {
        tr_raise_ud(t, i);
        return;
    }
    if (i->zi.meta.category == ZYDIS_CATEGORY_NOP || i->zi.meta.category == ZYDIS_CATEGORY_WIDENOP)
        return; /* nothing to do, not even the memory operand */
    if (!mem) {
        tr_reg_insn(t, i);
        return;
    }
    if (mem->mem.type == ZYDIS_MEMOP_TYPE_AGEN) { /* LEA */
        if (i->zi.address_width == 16) {
            tr_offset(t, mem, 0); /* LEA: the offset, no segment */
            ZydisRegister d = tr_map_reg(i->ops[0].reg.value);
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(d),
                   o_reg(i->ops[0].size == 16 ? ZYDIS_REGISTER_R8W : ZYDIS_REGISTER_R8D));
        } else {
            ZydisRegister b = tr_host64(mem->mem.base);
            ZydisRegister x = tr_host64(mem->mem.index);
            int64_t disp = mem->mem.disp.has_displacement ? (int32_t)mem->mem.disp.value : 0;
            if (b == ZYDIS_REGISTER_NONE && x == ZYDIS_REGISTER_NONE)
                e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(tr_map_reg(i->ops[0].reg.value)),
                       o_imm(i->ops[0].size == 16 ? (int16_t)disp : (int32_t)disp));
            else
                e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(tr_map_reg(i->ops[0].reg.value)),
                       o_mem(b, x, x ? mem->mem.scale : 0, disp, 8));
        }
        t->bt->st.insns_reencoded++;
        return;
    }
    uint8_t ins[48];
    size_t n = bt_mem_form(i, ins);
    if (!n) {
        t->e.encode_error = true;
        return;
    }
    if (bt_names_high_byte(i))
        tr_ea(t, mem, 0); /* the borrowed-register form needs r8 */
    else
        tr_addr(t, mem, 0);
    tr_mem_access(t, ins, n, mem_size(mem), mem_rw(mem));
    t->bt->st.insns_reencoded++;
}

/* BT/BTS/BTR/BTC m, r: the register offset addresses a bit string around
 * the operand; fold the dword/word part into the address so the host
 * instruction only ever touches the checked operand. */
static bool tr_bitstring(struct tr *t, const struct bt_insn *i)
{
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_BT:
    case ZYDIS_MNEMONIC_BTS:
    case ZYDIS_MNEMONIC_BTR:
    case ZYDIS_MNEMONIC_BTC: break;
    default: return false;
    }
    if (i->ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY ||
        i->ops[1].type != ZYDIS_OPERAND_TYPE_REGISTER)
        return false;
    bool w16 = i->ops[0].size == 16;
    ZydisRegister off = tr_map_reg(i->ops[1].reg.value);
    tr_ea(t, &i->ops[0], 0);
    tr_flags_clobber(t);
    /* r10d = offset >> (5 or 4) (signed); r8d += r10d * (4 or 2); r11d = offset & mask */
    if (w16) {
        e_insn(&t->e, ZYDIS_MNEMONIC_MOVSX, 2, o_reg(ZYDIS_REGISTER_R10D), o_reg(off));
        e_insn(&t->e, ZYDIS_MNEMONIC_SAR, 2, o_reg(ZYDIS_REGISTER_R10D), o_imm(4));
        e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_mem(ZYDIS_REGISTER_R8, ZYDIS_REGISTER_R10, 2, 0, 8));
    } else {
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R10D), o_reg(off));
        e_insn(&t->e, ZYDIS_MNEMONIC_SAR, 2, o_reg(ZYDIS_REGISTER_R10D), o_imm(5));
        e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(ZYDIS_REGISTER_R8D),
               o_mem(ZYDIS_REGISTER_R8, ZYDIS_REGISTER_R10, 4, 0, 8));
    }
    e_insn(&t->e, w16 ? ZYDIS_MNEMONIC_MOVZX : ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R11D),
           o_reg(off));
    e_insn(&t->e, ZYDIS_MNEMONIC_AND, 2, o_reg(ZYDIS_REGISTER_R11D), o_imm(w16 ? 15 : 31));
    uint8_t ins[16];
    size_t n = e_encode(ins, i->zi.mnemonic, 2,
                        o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, w16 ? 2 : 4),
                        o_reg(w16 ? ZYDIS_REGISTER_R11W : ZYDIS_REGISTER_R11D));
    if (!n) {
        t->e.encode_error = true;
        return true;
    }
    /* the lock prefix, if any, is kept */
    uint8_t full[17];
    size_t fl = 0;
    if (i->zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
        full[fl++] = 0xF0;
    memcpy(full + fl, ins, n);
    fl += n;
    tr_mem_access(t, full, fl, w16 ? 2 : 4,
                  i->zi.mnemonic == ZYDIS_MNEMONIC_BT ? MEM_R : MEM_R | MEM_W);
    return true;
}

/* 0F 18..0F 1F with a ModRM byte are hint NOPs on P6-class CPUs (this is
 * where ENDBR32, the prefetch hints and multi-byte NOPs live): no effect,
 * no memory access. */
static bool is_hint_nop(const struct bt_insn *i)
{
    return i->zi.opcode_map == ZYDIS_OPCODE_MAP_0F && i->zi.opcode >= 0x18 &&
           i->zi.opcode <= 0x1F && !(i->zi.attributes & ZYDIS_ATTRIB_HAS_LOCK);
}

void tr_insn(struct tr *t, const struct bt_insn *i)
{
    t->i = i;
    if (i->limit_fault) {
        tr_set_r8(t, EXC_GP);
        tr_set_r9(t, 0);
        tr_set_r10(t, i->pc);
        tr_call_helper(t, hlp_raise, CO_EXCEPTION);
        tr_exit_unchained(t, i->pc);
        return;
    }
    if (i->fetch_fault) {
        /* #PF for the page the instruction runs into */
        uint32_t cs_base = t->cpu->seg[S_CS].base;
        tr_set_r8(t, (((cs_base + i->pc) & PAGE_MASK) + PAGE_SIZE) - cs_base);
        t->fetch_faulted = true;
        tr_set_r9(t, 0);
        tr_set_r10(t, i->pc);
        tr_call_helper(t, hlp_fetch_fault, CO_EXCEPTION);
        tr_exit_unchained(t, i->pc);
        return;
    }
    if (i->invalid) {
        tr_raise_ud(t, i);
        return;
    }
    if (is_hint_nop(i))
        return;
    if ((t->mode & MODE_FPU_NM) &&
        (i->zi.meta.isa_set == ZYDIS_ISA_SET_X87 || i->zi.meta.isa_set == ZYDIS_ISA_SET_FCMOV ||
         i->zi.mnemonic == ZYDIS_MNEMONIC_FWAIT)) {
        /* CR0.EM/TS: the instruction may have to raise #NM first */
        tr_set_r8(t, i->zi.mnemonic == ZYDIS_MNEMONIC_FWAIT);
        tr_set_r9(t, 0);
        tr_set_r10(t, i->pc + i->len);
        tr_call_helper(t, hlp_fpu_nm, CO_EXCEPTION);
    }
    if (tr_flow(t, i) || tr_system(t, i) || tr_bitstring(t, i))
        return;
    tr_generic(t, i);
}

/* ---- the unit driver ------------------------------------------------------ */
