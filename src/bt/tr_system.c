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

void tr_raise_ud(struct tr *t, const struct bt_insn *i)
{
    t->i = i;
    call(t, hlp_raise_ud, 0, 0, CO_EXCEPTION);
    end_unchained(t);
}

static int str_op(ZydisMnemonic mn)
{
    switch (mn) {
    case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_MOVSD: return STR_MOVS;
    case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_STOSD: return STR_STOS;
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_LODSD: return STR_LODS;
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD: return STR_CMPS;
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD: return STR_SCAS;
    case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW: case ZYDIS_MNEMONIC_INSD: return STR_INS;
    case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW: case ZYDIS_MNEMONIC_OUTSD: return STR_OUTS;
    default: return -1;
    }
}

static int override_seg(const struct bt_insn *i, int dflt)
{
    ZydisInstructionAttributes a = i->zi.attributes;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_ES) return S_ES;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_CS) return S_CS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_SS) return S_SS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_DS) return S_DS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_FS) return S_FS;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_GS) return S_GS;
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

static void xlat(struct tr *t, const struct bt_insn *i)
{
    uint8_t ins[16];
    e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R8D), R(AL));
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, R(R8D),
           o_mem(i->zi.address_width == 16 ? ZYDIS_REGISTER_RBX : ZYDIS_REGISTER_RBX,
                 ZYDIS_REGISTER_R8, 1, 0, 8));
    if (i->zi.address_width == 16)
        e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R8D), R(R8W));
    tr_seg(t, override_seg(i, S_DS), 1, false);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(AL), o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, 1));
    tr_mem_access(t, ins, n, 1, MEM_R);
}

bool tr_system(struct tr *t, const struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    unsigned osz = i->zi.operand_width / 8;
    if (tr_string(t, i))
        return true;
    switch (mn) {
    case ZYDIS_MNEMONIC_IN: {
        unsigned size = i->ops[0].size / 8;
        uint32_t port = i->ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE
                            ? (uint32_t)i->ops[1].imm.value.u : HLP_PORT_DX;
        call(t, hlp_in, port, size, CO_IO);
        return true;
    }
    case ZYDIS_MNEMONIC_OUT: {
        unsigned size = i->ops[1].size / 8;
        uint32_t port = i->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE
                            ? (uint32_t)i->ops[0].imm.value.u : HLP_PORT_DX;
        call(t, hlp_out, port, size, CO_IO);
        return true;
    }
    case ZYDIS_MNEMONIC_HLT:
        call(t, hlp_hlt, 0, 0, CO_HLT);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_CLI: call(t, hlp_flagop, FOP_CLI, 0, CO_FLAGS); end_unchained(t); return true;
    case ZYDIS_MNEMONIC_STI: call(t, hlp_flagop, FOP_STI, 0, CO_FLAGS); end_unchained(t); return true;
    case ZYDIS_MNEMONIC_CLD: call(t, hlp_flagop, FOP_CLD, 0, CO_FLAGS); return true;
    case ZYDIS_MNEMONIC_STD: call(t, hlp_flagop, FOP_STD, 0, CO_FLAGS); return true;
    case ZYDIS_MNEMONIC_PUSHF: case ZYDIS_MNEMONIC_PUSHFD:
        call(t, hlp_flagop, FOP_PUSHF, osz, CO_FLAGS);
        return true;
    case ZYDIS_MNEMONIC_POPF: case ZYDIS_MNEMONIC_POPFD:
        call(t, hlp_flagop, FOP_POPF, osz, CO_FLAGS);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_CPUID: call(t, hlp_cpuid, 0, 0, CO_CPUID); return true;
    case ZYDIS_MNEMONIC_RDTSC: call(t, hlp_rdtsc, 0, 0, CO_RDTSC); return true;
    case ZYDIS_MNEMONIC_RDPMC: call(t, hlp_rdpmc, 0, 0, CO_SYSTEM); return true;
    case ZYDIS_MNEMONIC_INT:
        call(t, hlp_int, (uint32_t)i->ops[0].imm.value.u & 0xFF, 0, CO_EXCEPTION);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_INT3:
        call(t, hlp_int, EXC_BP, 1, CO_EXCEPTION);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_INTO:
        call(t, hlp_int, EXC_OF, 2, CO_EXCEPTION);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
        tr_raise_ud(t, i);
        return true;
    case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD:
        call(t, hlp_iret, osz, 0, CO_IRET);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_JMP:
    case ZYDIS_MNEMONIC_CALL: {
        if (i->zi.meta.branch_type != ZYDIS_BRANCH_TYPE_FAR)
            return false;
        uint32_t kind = osz | (mn == ZYDIS_MNEMONIC_CALL ? 0x10 : 0);
        if (i->ops[0].type == ZYDIS_OPERAND_TYPE_POINTER) {
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2,
                   o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                         (int64_t)offsetof(struct vcpu, far_kind), 4), o_imm((int32_t)kind));
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
    case ZYDIS_MNEMONIC_RET: {
        if (i->zi.meta.branch_type != ZYDIS_BRANCH_TYPE_FAR)
            return false;
        uint32_t imm = 0;
        for (int k = 0; k < i->zi.operand_count_visible; k++)
            if (i->ops[k].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
                imm = (uint32_t)i->ops[k].imm.value.u & 0xFFFF;
        call(t, hlp_farret, osz, imm, CO_FARJMP);
        end_unchained(t);
        return true;
    }
    case ZYDIS_MNEMONIC_MOV: {
        ZydisRegisterClass c0 = i->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER
                                    ? ZydisRegisterGetClass(i->ops[0].reg.value) : ZYDIS_REGCLASS_INVALID;
        ZydisRegisterClass c1 = i->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER
                                    ? ZydisRegisterGetClass(i->ops[1].reg.value) : ZYDIS_REGCLASS_INVALID;
        if (c0 == ZYDIS_REGCLASS_SEGMENT) {
            int s = seg_of(i->ops[0].reg.value);
            load16_to_r9(t, &i->ops[1]);
            call_r9(t, hlp_load_seg, (uint32_t)s, CO_SEGMENT);
            if (s == S_SS || s == S_CS)
                end_unchained(t);   /* else the helper leaves only if the mode changed */
            return true;
        }
        if (c1 == ZYDIS_REGCLASS_SEGMENT) {
            mov_from_sreg(t, i);
            return true;
        }
        if (c0 == ZYDIS_REGCLASS_CONTROL) {
            int cr = ZydisRegisterGetId(i->ops[0].reg.value);
            ZydisRegister src = tr_map_reg(i->ops[1].reg.value);
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), o_reg(src));
            call_r9(t, hlp_mov_cr, (uint32_t)cr, CO_SYSTEM);
            end_unchained(t);
            return true;
        }
        if (c1 == ZYDIS_REGCLASS_CONTROL) {
            int cr = ZydisRegisterGetId(i->ops[1].reg.value);
            int gpr = ZydisRegisterGetId(i->ops[0].reg.value);
            call(t, hlp_mov_cr, (uint32_t)cr | 0x100, (uint32_t)gpr, CO_SYSTEM);
            return true;
        }
        if (c0 == ZYDIS_REGCLASS_DEBUG) {
            int dr = ZydisRegisterGetId(i->ops[0].reg.value);
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), o_reg(tr_map_reg(i->ops[1].reg.value)));
            call_r9(t, hlp_priv, PRIV_MOV_TO_DR | PRIV_SET_REG2(dr), CO_SYSTEM);
            return true;
        }
        if (c1 == ZYDIS_REGCLASS_DEBUG) {
            int dr = ZydisRegisterGetId(i->ops[1].reg.value);
            int gpr = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
            call(t, hlp_priv, PRIV_MOV_FROM_DR | PRIV_SET_REG(gpr) | PRIV_SET_REG2(dr), 0, CO_SYSTEM);
            return true;
        }
        return false;
    }
    case ZYDIS_MNEMONIC_POP:
        if (i->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
            ZydisRegisterGetClass(i->ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
            int s = seg_of(i->ops[0].reg.value);
            call(t, hlp_pop_seg, (uint32_t)s, osz, CO_SEGMENT);
            if (s == S_SS)
                end_unchained(t);
            return true;
        }
        return false;
    case ZYDIS_MNEMONIC_LGDT: case ZYDIS_MNEMONIC_LIDT:
    case ZYDIS_MNEMONIC_SGDT: case ZYDIS_MNEMONIC_SIDT: {
        uint32_t kind = mn == ZYDIS_MNEMONIC_LGDT ? 0 : mn == ZYDIS_MNEMONIC_LIDT ? 1
                      : mn == ZYDIS_MNEMONIC_SGDT ? 2 : 3;
        tr_ea(t, &i->ops[0], 0);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
        call_r9(t, hlp_dtr, kind, CO_SYSTEM);
        if (kind < 2)
            end_unchained(t);
        return true;
    }
    case ZYDIS_MNEMONIC_PUSHA: case ZYDIS_MNEMONIC_PUSHAD:
        call(t, hlp_pusha, osz, 0, CO_STACK);
        return true;
    case ZYDIS_MNEMONIC_POPA: case ZYDIS_MNEMONIC_POPAD:
        call(t, hlp_popa, osz, 0, CO_STACK);
        return true;
    case ZYDIS_MNEMONIC_ENTER:
        call(t, hlp_enter, (uint32_t)i->ops[0].imm.value.u,
             ((uint32_t)i->ops[1].imm.value.u & 0xFF) | osz << 8, CO_STACK);
        return true;
    case ZYDIS_MNEMONIC_XLAT:
        xlat(t, i);
        return true;
    case ZYDIS_MNEMONIC_DAA: call(t, hlp_bcd, BCD_DAA, 0, CO_MISC); return true;
    case ZYDIS_MNEMONIC_DAS: call(t, hlp_bcd, BCD_DAS, 0, CO_MISC); return true;
    case ZYDIS_MNEMONIC_AAA: call(t, hlp_bcd, BCD_AAA, 0, CO_MISC); return true;
    case ZYDIS_MNEMONIC_AAS: call(t, hlp_bcd, BCD_AAS, 0, CO_MISC); return true;
    case ZYDIS_MNEMONIC_SALC: call(t, hlp_bcd, BCD_SALC, 0, CO_MISC); return true;
    case ZYDIS_MNEMONIC_AAM: case ZYDIS_MNEMONIC_AAD: {
        uint32_t base = 10;
        for (int k = 0; k < i->zi.operand_count_visible; k++)
            if (i->ops[k].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
                base = (uint32_t)i->ops[k].imm.value.u & 0xFF;
        call(t, hlp_bcd, mn == ZYDIS_MNEMONIC_AAM ? BCD_AAM : BCD_AAD, base, CO_MISC);
        if (mn == ZYDIS_MNEMONIC_AAM)
            end_unchained(t);   /* may raise #DE */
        return true;
    }
    case ZYDIS_MNEMONIC_BOUND: {
        tr_ea(t, &i->ops[1], 0);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
        int reg = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
        call_r9(t, hlp_bound, (uint32_t)reg | (osz << 4), CO_MISC);
        return true;
    }
    case ZYDIS_MNEMONIC_LLDT: case ZYDIS_MNEMONIC_LTR: case ZYDIS_MNEMONIC_LMSW:
    case ZYDIS_MNEMONIC_VERR: case ZYDIS_MNEMONIC_VERW: {
        uint32_t op = mn == ZYDIS_MNEMONIC_LLDT ? PRIV_LLDT : mn == ZYDIS_MNEMONIC_LTR ? PRIV_LTR
                    : mn == ZYDIS_MNEMONIC_LMSW ? PRIV_LMSW : mn == ZYDIS_MNEMONIC_VERR ? PRIV_VERR
                    : PRIV_VERW;
        load16_to_r9(t, &i->ops[0]);
        call_r9(t, hlp_priv, op, CO_SYSTEM);
        if (op == PRIV_LMSW)
            end_unchained(t);
        return true;
    }
    case ZYDIS_MNEMONIC_SLDT: case ZYDIS_MNEMONIC_STR: case ZYDIS_MNEMONIC_SMSW: {
        uint32_t op = mn == ZYDIS_MNEMONIC_SLDT ? PRIV_SLDT : mn == ZYDIS_MNEMONIC_STR ? PRIV_STR
                    : PRIV_SMSW;
        if (i->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            tr_ea(t, &i->ops[0], 0);
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
            call_r9(t, hlp_priv, op | PRIV_MEM, CO_SYSTEM);
        } else {
            int r = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
            call(t, hlp_priv, op | PRIV_SET_REG(r) | (i->ops[0].size == 32 ? PRIV_O32 : 0), 0,
                 CO_SYSTEM);
        }
        return true;
    }
    case ZYDIS_MNEMONIC_LAR: case ZYDIS_MNEMONIC_LSL: {
        int r = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
        load16_to_r9(t, &i->ops[1]);
        call_r9(t, hlp_priv, (mn == ZYDIS_MNEMONIC_LAR ? PRIV_LAR : PRIV_LSL) | PRIV_SET_REG(r) |
                (i->ops[0].size == 32 ? PRIV_O32 : 0), CO_SYSTEM);
        return true;
    }
    case ZYDIS_MNEMONIC_ARPL: {
        int src = ZydisRegisterGetId(i->ops[1].reg.value) & 7;
        if (i->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            tr_ea(t, &i->ops[0], 0);
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
            call_r9(t, hlp_priv, PRIV_ARPL | PRIV_MEM | PRIV_SET_REG2(src), CO_SYSTEM);
        } else {
            int dst = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
            call(t, hlp_priv, PRIV_ARPL | PRIV_SET_REG(dst) | PRIV_SET_REG2(src), 0, CO_SYSTEM);
        }
        return true;
    }
    case ZYDIS_MNEMONIC_INVLPG:
        tr_ea(t, &i->ops[0], 0);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
        call_r9(t, hlp_priv, PRIV_INVLPG, CO_SYSTEM);
        return true;
    case ZYDIS_MNEMONIC_CLTS: call(t, hlp_priv, PRIV_CLTS, 0, CO_SYSTEM); end_unchained(t); return true;
    case ZYDIS_MNEMONIC_INVD: call(t, hlp_priv, PRIV_INVD, 0, CO_SYSTEM); return true;
    case ZYDIS_MNEMONIC_WBINVD: call(t, hlp_priv, PRIV_WBINVD, 0, CO_SYSTEM); return true;
    case ZYDIS_MNEMONIC_RDMSR: call(t, hlp_priv, PRIV_RDMSR, 0, CO_SYSTEM); return true;
    case ZYDIS_MNEMONIC_WRMSR: call(t, hlp_priv, PRIV_WRMSR, 0, CO_SYSTEM); end_unchained(t); return true;
    case ZYDIS_MNEMONIC_SYSENTER:
        call(t, hlp_priv, PRIV_SYSENTER, 0, CO_SYSTEM);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_SYSEXIT:
        call(t, hlp_priv, PRIV_SYSEXIT, 0, CO_SYSTEM);
        end_unchained(t);
        return true;
    case ZYDIS_MNEMONIC_LDS: case ZYDIS_MNEMONIC_LES: case ZYDIS_MNEMONIC_LFS:
    case ZYDIS_MNEMONIC_LGS: case ZYDIS_MNEMONIC_LSS: {
        int seg = mn == ZYDIS_MNEMONIC_LDS ? S_DS : mn == ZYDIS_MNEMONIC_LES ? S_ES
                : mn == ZYDIS_MNEMONIC_LFS ? S_FS : mn == ZYDIS_MNEMONIC_LGS ? S_GS : S_SS;
        int reg = ZydisRegisterGetId(i->ops[0].reg.value) & 7;
        tr_ea(t, &i->ops[1], 0);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R9D), R(R8D));
        call_r9(t, hlp_lxs, (uint32_t)seg | (uint32_t)reg << 4 | osz << 8, CO_SEGMENT);
        if (seg == S_SS)
            end_unchained(t);
        return true;
    }
    case ZYDIS_MNEMONIC_INT1:
        call(t, hlp_int, EXC_DB, 3, CO_EXCEPTION);
        end_unchained(t);
        return true;
    default:
        return false;
    }
}
