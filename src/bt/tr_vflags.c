/*
 * tr_vflags.c - the flag instructions on virtual state translated inline
 * instead of calling hlp_flagop: PUSHF at any CPL, and POPF, CLI and STI
 * at CPL 0 (the mode key guarantees the CPL; at CPL 0 every IOPL allows
 * IF, and POPF may write IOPL and IF).  The unit goes on after them
 * (bt_decode_unit does not end it there) unless the new state needs the
 * dispatcher:
 *   - POPF that sets TF (single-step from the next instruction) or changes
 *     DF (a mode-key bit) leaves at the next instruction;
 *   - POPF or STI that takes IF from 0 to 1 leaves when an interrupt may be
 *     waiting: vcpu->exit_request (something arrived since the dispatcher
 *     last looked) or vcpu->irq_waiting (the dispatcher saw a request it
 *     could not deliver).  STI leaves with its interrupt shadow set, as
 *     the helper does; with nothing waiting the shadow has nothing to hold
 *     back, and a later request is seen at the next unit entry.
 * AC, NT, ID and IOPL need nothing at CPL 0 (MODE_AC is a CPL 3 key bit;
 * IOPL and NT are read by the helpers that use them).  POPF leaves the
 * popped arithmetic flags as a saved flag image in r13 (the translator's
 * usual discipline restores them when needed).
 */
#include <stddef.h>

#include "tr_internal.h"

#define R(x) o_reg(ZYDIS_REGISTER_##x)
#define HMEM(sz) o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, (sz))
#define VMEM(field, sz)                                                                            \
    o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, (int64_t)offsetof(struct vcpu, field), (sz))

enum { CC_NE = 0x5 };

bool tr_vflags_inline(const struct bt *bt, const struct bt_insn *i, uint32_t mode)
{
    unsigned size = i->zi.operand_width / 8;
    /* real mode, V86 (IOPL-sensitive) and 16-bit stacks: the helpers */
    if (bt->cfg.no_kpath || i->invalid || (mode & (MODE_REAL | MODE_V86 | MODE_STACK16)))
        return false;
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_PUSHF:
    case ZYDIS_MNEMONIC_PUSHFD: return i->zi.address_width == 32 && (size == 2 || size == 4);
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD:
        return (mode & MODE_CPL_MASK) == 0 && i->zi.address_width == 32 && (size == 2 || size == 4);
    case ZYDIS_MNEMONIC_CLI:
    case ZYDIS_MNEMONIC_STI: return (mode & MODE_CPL_MASK) == 0;
    default: return false;
    }
}

/* dst = (src >> s1) & m1 | (src & m2) << s2, through tmp: moves the
 * arithmetic flags between EFLAGS' layout and the saved image's (AH = SF
 * ZF - AF - PF - CF as LAHF stores it, AL = OF). */
static void regroup(struct tr *t, ZydisRegister dst, ZydisRegister src, ZydisRegister tmp,
                    const uint8_t sh[2], const int32_t mask[2])
{
    struct emit *e = &t->e;
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(dst), o_reg(src));
    e_insn(e, ZYDIS_MNEMONIC_SHR, 2, o_reg(dst), o_imm(sh[0]));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, o_reg(dst), o_imm(mask[0]));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(tmp), o_reg(src));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, o_reg(tmp), o_imm(mask[1]));
    e_insn(e, ZYDIS_MNEMONIC_SHL, 2, o_reg(tmp), o_imm(sh[1]));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, o_reg(dst), o_reg(tmp));
}

/* The arithmetic flags from the saved image in r13 into r11d (r10 scratch). */
static void image_to_r11(struct tr *t)
{
    static const uint8_t sh[2] = { 8, 11 };
    static const int32_t mask[2] = { 0xD5, 1 };
    regroup(t, ZYDIS_REGISTER_R11D, ZYDIS_REGISTER_R13D, ZYDIS_REGISTER_R10D, sh, mask);
}

/* The popped value in r11d -> the saved image in r13 (r9 scratch). */
static void r11_to_image(struct tr *t)
{
    static const uint8_t sh[2] = { 11, 8 };
    static const int32_t mask[2] = { 1, 0xD5 };
    regroup(t, ZYDIS_REGISTER_R13D, ZYDIS_REGISTER_R11D, ZYDIS_REGISTER_R9D, sh, mask);
}

/* PUSHF: (virtual flags without VM and RF) | the arithmetic flags | 2. */
static void pushf(struct tr *t, unsigned size)
{
    struct emit *e = &t->e;
    uint8_t ins[16];
    tr_flags_clobber_keep(t, true); /* the image in r13 is the source */
    image_to_r11(t);
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(R10D), VMEM(eflags, 4));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, R(R10D), o_imm((int32_t) ~(EFL_ARITH | EFL_VM | EFL_RF)));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, R(R11D), R(R10D));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, R(R11D), o_imm(2));
    tr_addr_esp(t, -(int32_t)size, size);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, HMEM(size), size == 2 ? R(R11W) : R(R11D));
    tr_mem_access(t, ins, n, size, MEM_W | MEM_POST_ESP | MEM_POST_ENC(-(int32_t)size, 16));
    e_insn(e, ZYDIS_MNEMONIC_LEA, 2, R(R12D),
           o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, -(int32_t)size, 8));
}

/* Leaves for the dispatcher at the next instruction, the guest flags from
 * the image in r13 (saved: the caller's state); shadow: STI's. */
static void leave_block(struct tr *t, bool saved, bool shadow)
{
    if (shadow)
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, VMEM(int_shadow, 1), o_imm(1));
    if (saved)
        e_flags_restore(&t->e);
    tr_emit_leave(t, t->i->pc + t->i->len, 0);
}

/* IF went from 0 to 1 (jumped over when not): leave when an interrupt may
 * be waiting; jumps to the leave path are appended to out[*n]. */
static void if_rise_check(struct tr *t, size_t *out, int *n)
{
    struct emit *e = &t->e;
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, VMEM(exit_request, 1), o_imm(0));
    out[(*n)++] = e_jcc32(e, CC_NE);
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, VMEM(irq_waiting, 1), o_imm(0));
    out[(*n)++] = e_jcc32(e, CC_NE);
}

/* The fast path goes on at `over`; the jumps in out[] reach the leave
 * path emitted here. */
static void join_leave(struct tr *t, const size_t *out, int n, bool saved, bool shadow)
{
    struct emit *e = &t->e;
    size_t over = e_jmp32(e);
    for (int k = 0; k < n; k++)
        e_fix32(e, out[k], e->pos);
    leave_block(t, saved, shadow);
    e_fix32(e, over, e->pos);
}

/* POPF at CPL 0: every flag but VM, RF and the reserved ones (the low 16
 * bits with a 16-bit operand). */
static void popf(struct tr *t, unsigned size)
{
    struct emit *e = &t->e;
    uint8_t ins[16];
    uint32_t mask = EFL_ARITH | EFL_TF | EFL_IF | EFL_DF | EFL_IOPL | EFL_NT | EFL_AC | EFL_ID;
    if (size == 2)
        mask &= 0xFFFF;
    tr_addr_esp(t, 0, size);
    size_t n = size == 2 ? e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), HMEM(2))
                         : e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(R11D), HMEM(4));
    tr_mem_access(t, ins, n, size, MEM_R);
    e_insn(e, ZYDIS_MNEMONIC_LEA, 2, R(R12D),
           o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, (int32_t)size, 8));
    /* the old arithmetic flags are dead from here: r8d = new, r10d = changed */
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(R10D), VMEM(eflags, 4));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R11D));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, R(R9D), o_imm((int32_t)mask));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(R8D), R(R10D));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, R(R8D), o_imm((int32_t)~mask));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, R(R8D), R(R9D));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, R(R8D), o_imm(2));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, VMEM(eflags, 4), R(R8D));
    e_insn(e, ZYDIS_MNEMONIC_XOR, 2, R(R10D), R(R8D));
    r11_to_image(t);
    t->flags_saved = true;
    size_t out[4];
    int nout = 0;
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, R(R8D), o_imm(EFL_TF));
    out[nout++] = e_jcc32(e, CC_NE);
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, R(R10D), o_imm(EFL_DF));
    out[nout++] = e_jcc32(e, CC_NE);
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, R(R10D), R(R8D));
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, R(R10D), o_imm(EFL_IF));
    size_t no_rise = e_jcc32(e, 0x4); /* je: IF did not go from 0 to 1 */
    if_rise_check(t, out, &nout);
    join_leave(t, out, nout, true, false);
    e_fix32(e, no_rise, e->pos);
}

/* CLI at CPL 0: IF = 0; nothing can become deliverable. */
static void cli(struct tr *t)
{
    tr_flags_clobber(t);
    e_insn(&t->e, ZYDIS_MNEMONIC_AND, 2, VMEM(eflags, 4), o_imm((int32_t)~EFL_IF));
}

/* STI at CPL 0: IF = 1; from 0, a waiting interrupt needs the dispatcher. */
static void sti(struct tr *t)
{
    struct emit *e = &t->e;
    tr_flags_clobber(t);
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, VMEM(eflags, 4), o_imm(EFL_IF));
    size_t was_set = e_jcc32(e, CC_NE);
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, VMEM(eflags, 4), o_imm(EFL_IF));
    size_t out[2];
    int nout = 0;
    if_rise_check(t, out, &nout);
    join_leave(t, out, nout, t->flags_saved, true);
    e_fix32(e, was_set, e->pos);
}

bool tr_vflags(struct tr *t, const struct bt_insn *i)
{
    unsigned size = i->zi.operand_width / 8;
    if (!tr_vflags_inline(t->bt, i, t->mode))
        return false;
    /* STI last in its unit (a page or length limit): the next instruction
     * runs after a unit entry, where a request would be taken before it;
     * the helper sets the shadow and ends the unit */
    if (i->zi.mnemonic == ZYDIS_MNEMONIC_STI && i == &t->in[t->n - 1])
        return false;
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_PUSHF:
    case ZYDIS_MNEMONIC_PUSHFD: pushf(t, size); break;
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD: popf(t, size); break;
    case ZYDIS_MNEMONIC_CLI: cli(t); break;
    default: sti(t); break;
    }
    t->bt->st.kpath_inline++;
    return true;
}
