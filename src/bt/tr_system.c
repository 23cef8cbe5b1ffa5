/*
 * tr_system.c - translation of the instructions that become helper calls:
 * port I/O, string instructions, HLT, the flag instructions on virtual
 * state, CPUID/RDTSC, software interrupts and #UD, IRET, far JMP, segment
 * and descriptor-table loads, control registers, PUSHA/POPA/ENTER, and
 * XLAT (inline: its memory operand is implicit).
 */
#include <stddef.h>

#include "helpers.h"
#include "tr_internal.h"
#include "mmu.h"

#define R(x) o_reg(ZYDIS_REGISTER_##x)

static void call(struct tr *t, void *fn, uint32_t a, uint32_t b, int kind)
{
    tr_set_r8(t, a);
    tr_set_r9(t, b);
    tr_set_r10(t, t->i->pc + t->i->len);
    tr_call_helper(t, fn, kind);
}

/* A helper that changed state the translation depends on: end the unit
 * with an exit that is never chained (the next unit may have a new mode). */
static void end_unchained(struct tr *t)
{
    tr_exit_unchained(t, t->i->pc + t->i->len);
}

/* A mode-changing helper fn that may enter the next unit itself (xfer.c):
 * called through its wrapper, then a jump to the code it returns; in a
 * one-instruction unit, fn and the dispatcher as before. */
static void call_xfer(struct tr *t, hlp_fn_t *fn, uint32_t a, uint32_t b, int kind)
{
    void *wrapper = (t->mode & MODE_ONESTEP) ? NULL : (void *)bt_xfer_helper(fn);
    call(t, wrapper ? wrapper : fn, a, b, kind);
    if (!wrapper) {
        end_unchained(t);
        return;
    }
    e_insn(&t->e, ZYDIS_MNEMONIC_JMP, 1, R(R9)); /* its helper returns only with code */
    t->ended = true;
}

void tr_raise_ud(struct tr *t, const struct bt_insn *i)
{
    t->i = i;
    call(t, hlp_raise_ud, 0, 0, CO_EXCEPTION);
    end_unchained(t);
}

static int str_op(ZydisMnemonic mn)
{
    switch (mn) {
    case ZYDIS_MNEMONIC_MOVSB:
    case ZYDIS_MNEMONIC_MOVSW:
    case ZYDIS_MNEMONIC_MOVSD: return STR_MOVS;
    case ZYDIS_MNEMONIC_STOSB:
    case ZYDIS_MNEMONIC_STOSW:
    case ZYDIS_MNEMONIC_STOSD: return STR_STOS;
    case ZYDIS_MNEMONIC_LODSB:
    case ZYDIS_MNEMONIC_LODSW:
    case ZYDIS_MNEMONIC_LODSD: return STR_LODS;
    case ZYDIS_MNEMONIC_CMPSB:
    case ZYDIS_MNEMONIC_CMPSW:
    case ZYDIS_MNEMONIC_CMPSD: return STR_CMPS;
    case ZYDIS_MNEMONIC_SCASB:
    case ZYDIS_MNEMONIC_SCASW:
    case ZYDIS_MNEMONIC_SCASD: return STR_SCAS;
    case ZYDIS_MNEMONIC_INSB:
    case ZYDIS_MNEMONIC_INSW:
    case ZYDIS_MNEMONIC_INSD: return STR_INS;
    case ZYDIS_MNEMONIC_OUTSB:
    case ZYDIS_MNEMONIC_OUTSW:
    case ZYDIS_MNEMONIC_OUTSD: return STR_OUTS;
    default: return -1;
    }
}

static int override_seg(const struct bt_insn *i, int dflt)
{
    ZydisInstructionAttributes a = i->zi.attributes;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_ES)
        return S_ES;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_CS)
        return S_CS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_SS)
        return S_SS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_DS)
        return S_DS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_FS)
        return S_FS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_GS)
        return S_GS;
    return dflt;
}

static int seg_of(ZydisRegister r)
{
    switch (r) {
    case ZYDIS_REGISTER_ES: return S_ES;
    case ZYDIS_REGISTER_CS: return S_CS;
    case ZYDIS_REGISTER_SS: return S_SS;
    case ZYDIS_REGISTER_DS: return S_DS;
    case ZYDIS_REGISTER_FS: return S_FS;
    case ZYDIS_REGISTER_GS: return S_GS;
    default: return -1;
    }
}

static bool tr_string(struct tr *t, const struct bt_insn *i)
{
    if (i->zi.meta.category != ZYDIS_CATEGORY_STRINGOP &&
        i->zi.meta.category != ZYDIS_CATEGORY_IOSTRINGOP)
        return false;
    int op = str_op(i->zi.mnemonic);
    if (op < 0)
        return false;
    unsigned size = i->zi.operand_width / 8;
    ZydisInstructionAttributes at = i->zi.attributes;
    int rep = REP_NONE;
    if (at & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) {
        rep = REP_REP;
        if ((op == STR_CMPS || op == STR_SCAS) && (at & ZYDIS_ATTRIB_HAS_REPNE))
            rep = REP_REPNE;
    }
    if (rep == REP_NONE && tr_string_inline(t, i, op, size))
        return true;
    uint32_t a = (uint32_t)op | size << 8 | (uint32_t)rep << 12 |
                 (uint32_t)(i->zi.address_width == 16) << 14 |
                 (uint32_t)override_seg(i, S_DS) << 16;
    call(t, hlp_string, a, 0, op >= STR_INS ? CO_IO : CO_STRING);
    return true;
}

static void mov_from_sreg(struct tr *t, const struct bt_insn *i)
{
    int s = seg_of(i->ops[1].reg.value);
    uint8_t ins[16];
    e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                 (int64_t)offsetof(struct vcpu, seg[s].sel), 2));
    if (i->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        ZydisRegister d = tr_map_reg(i->ops[0].reg.value);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(d), i->ops[0].size == 16 ? R(R11W) : R(R11D));
    } else {
        tr_ea(t, &i->ops[0], 0);
        size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2,
                            o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, 2), R(R11W));
        tr_mem_access(t, ins, n, 2, MEM_W);
    }
}

/* r9d = 16-bit value of a register or memory operand (segment selector) */
static void load16_to_r9(struct tr *t, const ZydisDecodedOperand *op)
{
    uint8_t ins[16];
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        ZydisRegister r = tr_map_reg(op->reg.value);
        ZydisRegister r16 = ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, ZydisRegisterGetId(r) & 15);
        if (r == ZYDIS_REGISTER_R12D || r == ZYDIS_REGISTER_R12W)
            r16 = ZYDIS_REGISTER_R12W;
        e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R9D), o_reg(r16));
        return;
    }
    tr_ea(t, op, 0);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D),
                        o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, 2));
    tr_mem_access(t, ins, n, 2, MEM_R);
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R11D));
}

static void call_r9(struct tr *t, void *fn, uint32_t a, int kind)
{
    tr_set_r8(t, a);
    tr_set_r10(t, t->i->pc + t->i->len);
    tr_call_helper(t, fn, kind);
}

/* r9d = the linear address of a memory operand (computed into r8d). */
static void ea_to_r9(struct tr *t, const ZydisDecodedOperand *op)
{
    tr_ea(t, op, 0);
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
}

/* The value of i's last immediate operand, or dflt without one. */
static uint32_t imm_operand(const struct bt_insn *i, uint32_t dflt)
{
    uint32_t imm = dflt;
    for (int k = 0; k < i->zi.operand_count_visible; k++)
        if (i->ops[k].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
            imm = (uint32_t)i->ops[k].imm.value.u;
    return imm;
}

static ZydisRegisterClass reg_class(const ZydisDecodedOperand *op)
{
    return op->type == ZYDIS_OPERAND_TYPE_REGISTER ? ZydisRegisterGetClass(op->reg.value)
                                                   : ZYDIS_REGCLASS_INVALID;
}

static bool xlat(struct tr *t, const struct bt_insn *i)
{
    uint8_t ins[16];
    e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R8D), R(AL));
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, R(R8D),
           o_mem(i->zi.address_width == 16 ? ZYDIS_REGISTER_RBX : ZYDIS_REGISTER_RBX,
                 ZYDIS_REGISTER_R8, 1, 0, 8));
    if (i->zi.address_width == 16)
        e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R8D), R(R8W));
    tr_seg(t, override_seg(i, S_DS), 1, false);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(AL),
                        o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, 1));
    tr_mem_access(t, ins, n, 1, MEM_R);
    return true;
}

/* ---- one handler per group of instructions (the table is at the end) ---- */

/* IN, OUT: a = the immediate port or HLP_PORT_DX, b = the data size. */
static bool tr_io(struct tr *t, const struct bt_insn *i)
{
    bool in = i->zi.mnemonic == ZYDIS_MNEMONIC_IN;
    const ZydisDecodedOperand *data = &i->ops[in ? 0 : 1], *port = &i->ops[in ? 1 : 0];
    uint32_t p =
        port->type == ZYDIS_OPERAND_TYPE_IMMEDIATE ? (uint32_t)port->imm.value.u : HLP_PORT_DX;
    call(t, in ? hlp_in : hlp_out, p, data->size / 8, CO_IO);
    return true;
}

/* INT imm8 */
static bool tr_int(struct tr *t, const struct bt_insn *i)
{
    call_xfer(t, hlp_int, (uint32_t)i->ops[0].imm.value.u & 0xFF, 0, CO_SYSCALL);
    return true;
}

/* UD0, UD1, UD2 */
static bool tr_ud(struct tr *t, const struct bt_insn *i)
{
    tr_raise_ud(t, i);
    return true;
}

/* Far JMP and CALL, direct (ptr16:16/32; cpu->far_kind = operand size |
 * 0x10 for CALL) or through memory (m16:16/32).  Near ones are tr_flow's. */
static bool tr_far_branch(struct tr *t, const struct bt_insn *i)
{
    if (i->zi.meta.branch_type != ZYDIS_BRANCH_TYPE_FAR)
        return false;
    unsigned osz = i->zi.operand_width / 8;
    uint32_t kind = osz | (i->zi.mnemonic == ZYDIS_MNEMONIC_CALL ? 0x10 : 0);
    if (i->ops[0].type == ZYDIS_OPERAND_TYPE_POINTER) {
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2,
               o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                     (int64_t)offsetof(struct vcpu, far_kind), 4),
               o_imm((int32_t)kind));
        call(t, hlp_farjmp, i->ops[0].ptr.segment, i->ops[0].ptr.offset, CO_FARJMP);
    } else {
        tr_ea(t, &i->ops[0], 0);
        tr_set_r9(t, kind);
        tr_set_r10(t, i->pc + i->len);
        tr_call_helper(t, hlp_farjmp_m, CO_FARJMP);
    }
    end_unchained(t);
    return true;
}

/* Far RET [imm16].  Near ones are tr_flow's. */
static bool tr_far_ret(struct tr *t, const struct bt_insn *i)
{
    if (i->zi.meta.branch_type != ZYDIS_BRANCH_TYPE_FAR)
        return false;
    call(t, hlp_farret, i->zi.operand_width / 8, imm_operand(i, 0) & 0xFFFF, CO_FARJMP);
    end_unchained(t);
    return true;
}

/* MOV Sreg, r/m16: SS (interrupt shadow) and CS end the unit; for the
 * others the helper leaves only if the mode changed. */
static void mov_to_sreg_call(struct tr *t)
{
    int s = seg_of(t->i->ops[0].reg.value);
    load16_to_r9(t, &t->i->ops[1]);
    call_r9(t, hlp_load_seg, (uint32_t)s, CO_SEGMENT);
}

static void mov_to_sreg(struct tr *t, const struct bt_insn *i)
{
    int s = seg_of(i->ops[0].reg.value);
    if (tr_kpath_seg_load(t, i, s, mov_to_sreg_call))
        return;
    load16_to_r9(t, &i->ops[1]);
    call_r9(t, hlp_load_seg, (uint32_t)s, CO_SEGMENT);
    if (s == S_SS || s == S_CS)
        end_unchained(t);
}

/* MOV CRn, r32: ends the unit (paging, protection, FPU mode may change). */
static void mov_to_cr(struct tr *t, const struct bt_insn *i)
{
    int cr = ZydisRegisterGetId(i->ops[0].reg.value);
    ZydisRegister src = tr_map_reg(i->ops[1].reg.value);
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), o_reg(src));
    call_r9(t, hlp_mov_cr, (uint32_t)cr, CO_SYSTEM);
    end_unchained(t);
}

static void mov_from_cr(struct tr *t, const struct bt_insn *i)
{
    int cr = ZydisRegisterGetId(i->ops[1].reg.value);
    int gpr = ZydisRegisterGetId(i->ops[0].reg.value);
    call(t, hlp_mov_cr, (uint32_t)cr | 0x100, (uint32_t)gpr, CO_SYSTEM);
}

static void mov_to_dr(struct tr *t, const struct bt_insn *i)
{
    int dr = ZydisRegisterGetId(i->ops[0].reg.value);
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), o_reg(tr_map_reg(i->ops[1].reg.value)));
    call_r9(t, hlp_priv, PRIV_MOV_TO_DR | PRIV_SET_REG2(dr), CO_SYSTEM);
}

static void mov_from_dr(struct tr *t, const struct bt_insn *i)
{
    int dr = ZydisRegisterGetId(i->ops[1].reg.value);
    int gpr = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
    call(t, hlp_priv, PRIV_MOV_FROM_DR | PRIV_SET_REG(gpr) | PRIV_SET_REG2(dr), 0, CO_SYSTEM);
}

/* MOV to and from segment, control and debug registers; other MOVs are
 * not ours. */
static bool tr_mov(struct tr *t, const struct bt_insn *i)
{
    ZydisRegisterClass c0 = reg_class(&i->ops[0]), c1 = reg_class(&i->ops[1]);
    if (c0 == ZYDIS_REGCLASS_SEGMENT)
        mov_to_sreg(t, i);
    else if (c1 == ZYDIS_REGCLASS_SEGMENT)
        mov_from_sreg(t, i);
    else if (c0 == ZYDIS_REGCLASS_CONTROL)
        mov_to_cr(t, i);
    else if (c1 == ZYDIS_REGCLASS_CONTROL)
        mov_from_cr(t, i);
    else if (c0 == ZYDIS_REGCLASS_DEBUG)
        mov_to_dr(t, i);
    else if (c1 == ZYDIS_REGCLASS_DEBUG)
        mov_from_dr(t, i);
    else
        return false;
    return true;
}

static void pop_sreg_call(struct tr *t)
{
    call(t, hlp_pop_seg, (uint32_t)seg_of(t->i->ops[0].reg.value), t->i->zi.operand_width / 8,
         CO_SEGMENT);
}

/* POP Sreg (a POP of anything else is tr_flow's); POP SS ends the unit. */
static bool tr_pop_seg(struct tr *t, const struct bt_insn *i)
{
    if (reg_class(&i->ops[0]) != ZYDIS_REGCLASS_SEGMENT)
        return false;
    int s = seg_of(i->ops[0].reg.value);
    if (tr_kpath_seg_load(t, i, s, pop_sreg_call))
        return true;
    pop_sreg_call(t);
    if (s == S_SS)
        end_unchained(t);
    return true;
}

/* LDS, LES, LFS, LGS, LSS (ends the unit). */
static bool tr_lxs(struct tr *t, const struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    unsigned osz = i->zi.operand_width / 8;
    int seg = mn == ZYDIS_MNEMONIC_LDS   ? S_DS
              : mn == ZYDIS_MNEMONIC_LES ? S_ES
              : mn == ZYDIS_MNEMONIC_LFS ? S_FS
              : mn == ZYDIS_MNEMONIC_LGS ? S_GS
                                         : S_SS;
    int reg = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
    ea_to_r9(t, &i->ops[1]);
    call_r9(t, hlp_lxs, (uint32_t)seg | (uint32_t)reg << 4 | osz << 8, CO_SEGMENT);
    if (seg == S_SS)
        end_unchained(t);
    return true;
}

/* LGDT, LIDT (end the unit), SGDT, SIDT. */
static bool tr_dtr(struct tr *t, const struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    uint32_t kind = mn == ZYDIS_MNEMONIC_LGDT   ? 0
                    : mn == ZYDIS_MNEMONIC_LIDT ? 1
                    : mn == ZYDIS_MNEMONIC_SGDT ? 2
                                                : 3;
    ea_to_r9(t, &i->ops[0]);
    /* 0x10: a 16-bit operand size (24-bit base) */
    call_r9(t, hlp_dtr, kind | (i->zi.operand_width == 16 ? 0x10u : 0), CO_SYSTEM);
    if (kind < 2)
        end_unchained(t);
    return true;
}

/* LLDT, LTR, LMSW (ends the unit), VERR, VERW: r9 = the 16-bit operand. */
static bool tr_priv_load(struct tr *t, const struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    uint32_t op = mn == ZYDIS_MNEMONIC_LLDT   ? PRIV_LLDT
                  : mn == ZYDIS_MNEMONIC_LTR  ? PRIV_LTR
                  : mn == ZYDIS_MNEMONIC_LMSW ? PRIV_LMSW
                  : mn == ZYDIS_MNEMONIC_VERR ? PRIV_VERR
                                              : PRIV_VERW;
    load16_to_r9(t, &i->ops[0]);
    call_r9(t, hlp_priv, op, CO_SYSTEM);
    if (op == PRIV_LMSW)
        end_unchained(t);
    return true;
}

/* SLDT, STR, SMSW to memory (r9 = address) or a register. */
static bool tr_priv_store(struct tr *t, const struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    uint32_t op = mn == ZYDIS_MNEMONIC_SLDT  ? PRIV_SLDT
                  : mn == ZYDIS_MNEMONIC_STR ? PRIV_STR
                                             : PRIV_SMSW;
    if (i->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
        ea_to_r9(t, &i->ops[0]);
        call_r9(t, hlp_priv, op | PRIV_MEM, CO_SYSTEM);
    } else {
        int r = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
        call(t, hlp_priv, op | PRIV_SET_REG(r) | (i->ops[0].size == 32 ? PRIV_O32 : 0), 0,
             CO_SYSTEM);
    }
    return true;
}

/* LAR, LSL: r9 = the selector. */
static bool tr_lar_lsl(struct tr *t, const struct bt_insn *i)
{
    int r = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
    load16_to_r9(t, &i->ops[1]);
    call_r9(t, hlp_priv,
            (i->zi.mnemonic == ZYDIS_MNEMONIC_LAR ? PRIV_LAR : PRIV_LSL) | PRIV_SET_REG(r) |
                (i->ops[0].size == 32 ? PRIV_O32 : 0),
            CO_SYSTEM);
    return true;
}

/* ARPL r/m16, r16 */
static bool tr_arpl(struct tr *t, const struct bt_insn *i)
{
    int src = ZydisRegisterGetId(i->ops[1].reg.value) & 7;
    if (i->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
        ea_to_r9(t, &i->ops[0]);
        call_r9(t, hlp_priv, PRIV_ARPL | PRIV_MEM | PRIV_SET_REG2(src), CO_SYSTEM);
    } else {
        int dst = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
        call(t, hlp_priv, PRIV_ARPL | PRIV_SET_REG(dst) | PRIV_SET_REG2(src), 0, CO_SYSTEM);
    }
    return true;
}

static bool tr_invlpg(struct tr *t, const struct bt_insn *i)
{
    ea_to_r9(t, &i->ops[0]);
    call_r9(t, hlp_priv, PRIV_INVLPG, CO_SYSTEM);
    return true;
}

/* ENTER imm16, imm8 */
static bool tr_enter(struct tr *t, const struct bt_insn *i)
{
    unsigned osz = i->zi.operand_width / 8;
    call(t, hlp_enter, (uint32_t)i->ops[0].imm.value.u,
         ((uint32_t)i->ops[1].imm.value.u & 0xFF) | osz << 8, CO_STACK);
    return true;
}

/* AAM, AAD [imm8] (base 10 without one); AAM may raise #DE: ends the unit. */
static bool tr_aam_aad(struct tr *t, const struct bt_insn *i)
{
    bool aam = i->zi.mnemonic == ZYDIS_MNEMONIC_AAM;
    call(t, hlp_bcd, aam ? BCD_AAM : BCD_AAD, imm_operand(i, 10) & 0xFF, CO_MISC);
    if (aam)
        end_unchained(t);
    return true;
}

/* BOUND r, m: r9 = the address of the bounds pair. */
static bool tr_bound(struct tr *t, const struct bt_insn *i)
{
    unsigned osz = i->zi.operand_width / 8;
    ea_to_r9(t, &i->ops[1]);
    int reg = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
    call_r9(t, hlp_bound, (uint32_t)reg | (osz << 4), CO_MISC);
    return true;
}

/* CLD, STD: nothing to do when DF (a mode-key bit) already has the value;
 * else the helper, which ends the unit. */
static bool tr_cld_std(struct tr *t, const struct bt_insn *i)
{
    bool std = i->zi.mnemonic == ZYDIS_MNEMONIC_STD;
    if (tr_kpath_df(t, std))
        return true;
    call(t, hlp_flagop, std ? FOP_STD : FOP_CLD, 0, CO_FLAGS);
    return true;
}

/* PUSHA, POPA: inline, or the helper. */
static bool tr_pusha_popa(struct tr *t, const struct bt_insn *i)
{
    if (tr_kpath_stack(t, i))
        return true;
    bool push = i->zi.mnemonic == ZYDIS_MNEMONIC_PUSHA || i->zi.mnemonic == ZYDIS_MNEMONIC_PUSHAD;
    call(t, push ? (void *)hlp_pusha : (void *)hlp_popa, i->zi.operand_width / 8, 0, CO_STACK);
    return true;
}

/* ---- the table: a handler, or one helper call with fixed arguments ---- */

typedef bool tr_sys_fn(struct tr *t, const struct bt_insn *i);

enum {
    SYS_OSZ_A = 1, /* a |= the operand size in bytes */
    SYS_OSZ_B = 2, /* b |= the operand size in bytes */
    SYS_END = 4,   /* the helper may change the mode: end the unit unchained */
    SYS_XFER = 8,  /* ... but may enter the next unit itself (xfer.c): jump there */
};

struct sys_entry {
    tr_sys_fn *tr; /* a handler (returns false: not ours) */
    hlp_fn_t *fn;  /* or call fn(a, b), counted as callout kind co */
    uint8_t a, b, co, flags;
};

#define H(fn_)                                                                                     \
    {                                                                                              \
        .tr = (fn_)                                                                                \
    }
#define C(fn_, a_, b_, co_, flags_)                                                                \
    {                                                                                              \
        .fn = (fn_), .a = (a_), .b = (b_), .co = (co_), .flags = (flags_)                          \
    }
#define M(x) [ZYDIS_MNEMONIC_##x]

static const struct sys_entry sys_table[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
    M(IN) = H(tr_io),
    M(OUT) = H(tr_io),
    M(HLT) = C(hlp_hlt, 0, 0, CO_HLT, SYS_END),
    /* flag instructions on the virtual flags (IF, DF, IOPL, ...) */
    M(CLI) = C(hlp_flagop, FOP_CLI, 0, CO_FLAGS, SYS_END),
    M(STI) = C(hlp_flagop, FOP_STI, 0, CO_FLAGS, SYS_END),
    M(CLD) = H(tr_cld_std),
    M(STD) = H(tr_cld_std),
    M(PUSHF) = C(hlp_flagop, FOP_PUSHF, 0, CO_FLAGS, SYS_OSZ_B),
    M(PUSHFD) = C(hlp_flagop, FOP_PUSHF, 0, CO_FLAGS, SYS_OSZ_B),
    M(POPF) = C(hlp_flagop, FOP_POPF, 0, CO_FLAGS, SYS_OSZ_B | SYS_END),
    M(POPFD) = C(hlp_flagop, FOP_POPF, 0, CO_FLAGS, SYS_OSZ_B | SYS_END),
    /* CPUID, time stamp and performance counters */
    M(CPUID) = C(hlp_cpuid, 0, 0, CO_CPUID, 0),
    M(RDTSC) = C(hlp_rdtsc, 0, 0, CO_RDTSC, 0),
    M(RDPMC) = C(hlp_rdpmc, 0, 0, CO_SYSTEM, 0),
    /* software interrupts, #UD, IRET */
    M(INT) = H(tr_int),
    M(INT3) = C(hlp_int, EXC_BP, 1, CO_EXCEPTION, SYS_END),
    M(INTO) = C(hlp_int, EXC_OF, 2, CO_EXCEPTION, SYS_END),
    M(INT1) = C(hlp_int, EXC_DB, 3, CO_EXCEPTION, SYS_END),
    M(UD0) = H(tr_ud),
    M(UD1) = H(tr_ud),
    M(UD2) = H(tr_ud),
    M(IRET) = C(hlp_iret, 0, 0, CO_IRET, SYS_OSZ_A | SYS_END | SYS_XFER),
    M(IRETD) = C(hlp_iret, 0, 0, CO_IRET, SYS_OSZ_A | SYS_END | SYS_XFER),
    /* far transfers */
    M(JMP) = H(tr_far_branch),
    M(CALL) = H(tr_far_branch),
    M(RET) = H(tr_far_ret),
    /* segment registers */
    M(MOV) = H(tr_mov),
    M(POP) = H(tr_pop_seg),
    M(LDS) = H(tr_lxs),
    M(LES) = H(tr_lxs),
    M(LFS) = H(tr_lxs),
    M(LGS) = H(tr_lxs),
    M(LSS) = H(tr_lxs),
    /* descriptor tables, task register, MSW, descriptor checks */
    M(LGDT) = H(tr_dtr),
    M(LIDT) = H(tr_dtr),
    M(SGDT) = H(tr_dtr),
    M(SIDT) = H(tr_dtr),
    M(LLDT) = H(tr_priv_load),
    M(LTR) = H(tr_priv_load),
    M(LMSW) = H(tr_priv_load),
    M(VERR) = H(tr_priv_load),
    M(VERW) = H(tr_priv_load),
    M(SLDT) = H(tr_priv_store),
    M(STR) = H(tr_priv_store),
    M(SMSW) = H(tr_priv_store),
    M(LAR) = H(tr_lar_lsl),
    M(LSL) = H(tr_lar_lsl),
    M(ARPL) = H(tr_arpl),
    /* other system instructions */
    M(INVLPG) = H(tr_invlpg),
    M(CLTS) = C(hlp_priv, PRIV_CLTS, 0, CO_SYSTEM, SYS_END),
    M(INVD) = C(hlp_priv, PRIV_INVD, 0, CO_SYSTEM, 0),
    M(WBINVD) = C(hlp_priv, PRIV_WBINVD, 0, CO_SYSTEM, 0),
    M(RDMSR) = C(hlp_priv, PRIV_RDMSR, 0, CO_SYSTEM, 0),
    M(WRMSR) = C(hlp_priv, PRIV_WRMSR, 0, CO_SYSTEM, SYS_END),
    M(SYSENTER) = C(hlp_priv, PRIV_SYSENTER, 0, CO_SYSCALL, SYS_END | SYS_XFER),
    M(SYSEXIT) = C(hlp_priv, PRIV_SYSEXIT, 0, CO_SYSCALL, SYS_END | SYS_XFER),
    /* stack frames */
    M(PUSHA) = H(tr_pusha_popa),
    M(PUSHAD) = H(tr_pusha_popa),
    M(POPA) = H(tr_pusha_popa),
    M(POPAD) = H(tr_pusha_popa),
    M(ENTER) = H(tr_enter),
    M(XLAT) = H(xlat),
    /* what x86-64 dropped: decimal adjust, SALC, BOUND */
    M(DAA) = C(hlp_bcd, BCD_DAA, 0, CO_MISC, 0),
    M(DAS) = C(hlp_bcd, BCD_DAS, 0, CO_MISC, 0),
    M(AAA) = C(hlp_bcd, BCD_AAA, 0, CO_MISC, 0),
    M(AAS) = C(hlp_bcd, BCD_AAS, 0, CO_MISC, 0),
    M(SALC) = C(hlp_bcd, BCD_SALC, 0, CO_MISC, 0),
    M(AAM) = H(tr_aam_aad),
    M(AAD) = H(tr_aam_aad),
    M(BOUND) = H(tr_bound),
};

#undef H
#undef C
#undef M

/* A table entry that is one helper call with fixed arguments. */
static bool sys_call(struct tr *t, const struct bt_insn *i, const struct sys_entry *s)
{
    unsigned osz = i->zi.operand_width / 8;
    uint32_t a = s->a | (s->flags & SYS_OSZ_A ? osz : 0),
             b = s->b | (s->flags & SYS_OSZ_B ? osz : 0);
    if (s->flags & SYS_XFER) {
        call_xfer(t, s->fn, a, b, s->co);
        return true;
    }
    call(t, s->fn, a, b, s->co);
    if (s->flags & SYS_END)
        end_unchained(t);
    return true;
}

bool tr_system(struct tr *t, const struct bt_insn *i)
{
    if (tr_string(t, i) || tr_vflags(t, i))
        return true;
    const struct sys_entry *s = &sys_table[i->zi.mnemonic];
    if (s->fn)
        return sys_call(t, i, s);
    return s->tr && s->tr(t, i);
}
