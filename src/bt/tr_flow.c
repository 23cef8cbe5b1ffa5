/*
 * tr_flow.c - control flow and the stack.  Direct jumps and calls end the
 * unit with patchable exits; indirect ones go through the inline lookup
 * table.  ESP is R12, not the host stack pointer, so every PUSH, POP, CALL,
 * RET and LEAVE is rewritten into TLB-checked accesses at R12, with ESP
 * updated only after the access succeeded (a fault leaves ESP unchanged).
 */
#include <string.h>

#include "tr_internal.h"
#include "mmu.h"

#define R(x) o_reg(ZYDIS_REGISTER_##x)
#define HMEM(sz) o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, (sz))

/* ESP += delta, flag-free; with a 16-bit stack (MODE_STACK16) only SP
 * changes, through r10 (r11 may hold a value still to be stored). */
static void lea_esp(struct tr *t, ZydisRegister dst, int32_t delta)
{
    if ((t->mode & MODE_STACK16) && dst == ZYDIS_REGISTER_R12D) {
        e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, R(R10D),
               o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, delta, 8));
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R12W), R(R10W));
        return;
    }
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(dst),
           o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, delta, 8));
}

/* address of ESP + delta for the next access (see tr_addr_esp) */
static void stack_addr(struct tr *t, int32_t delta, unsigned size)
{
    tr_addr_esp(t, delta, size);
}

/* Stores `src` (register or immediate operand of `size`) at ESP-size. */
static void push_value(struct tr *t, ZydisEncoderOperand src, unsigned size, bool call)
{
    /* a CALL leaves its unit after the push; a PUSH goes on in it */
    unsigned post = call ? MEM_FINISH : MEM_POST_ESP | MEM_POST_ENC(-(int32_t)size, 16);
    uint8_t ins[16];
    stack_addr(t, -(int32_t)size, size);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, HMEM(size), src);
    if (!n) {
        t->e.encode_error = true;
        return;
    }
    tr_mem_access(t, ins, n, size, MEM_W | post);
    lea_esp(t, ZYDIS_REGISTER_R12D, -(int32_t)size);
}

/* Loads [ESP + delta] of size into dst (r8d or r11d). */
static void load_stack(struct tr *t, ZydisRegister dst, int32_t delta, unsigned size)
{
    uint8_t ins[16];
    stack_addr(t, delta, size);
    size_t n = size == 2 ? e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(dst), HMEM(2))
                         : e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, o_reg(dst), HMEM(4));
    if (!n) {
        t->e.encode_error = true;
        return;
    }
    tr_mem_access(t, ins, n, size, MEM_R);
}

/* Loads the explicit operand (register or memory) of `size` into dst. */
static void load_operand(struct tr *t, const ZydisDecodedOperand *op, ZydisRegister dst,
                         unsigned size)
{
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        ZydisRegister r = tr_map_reg(op->reg.value);
        if (size == 2)
            e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(dst), o_reg(r));
        else
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(dst), o_reg(r));
        return;
    }
    uint8_t ins[16];
    tr_addr(t, op, 0);
    size_t n = size == 2 ? e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, o_reg(dst), HMEM(2))
                         : e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, o_reg(dst), HMEM(4));
    tr_mem_access(t, ins, n, size, MEM_R);
}

int tr_jcc_code(ZydisMnemonic mn)
{
    switch (mn) {
    case ZYDIS_MNEMONIC_JO: return 0x0;
    case ZYDIS_MNEMONIC_JNO: return 0x1;
    case ZYDIS_MNEMONIC_JB: return 0x2;
    case ZYDIS_MNEMONIC_JNB: return 0x3;
    case ZYDIS_MNEMONIC_JZ: return 0x4;
    case ZYDIS_MNEMONIC_JNZ: return 0x5;
    case ZYDIS_MNEMONIC_JBE: return 0x6;
    case ZYDIS_MNEMONIC_JNBE: return 0x7;
    case ZYDIS_MNEMONIC_JS: return 0x8;
    case ZYDIS_MNEMONIC_JNS: return 0x9;
    case ZYDIS_MNEMONIC_JP: return 0xA;
    case ZYDIS_MNEMONIC_JNP: return 0xB;
    case ZYDIS_MNEMONIC_JL: return 0xC;
    case ZYDIS_MNEMONIC_JNL: return 0xD;
    case ZYDIS_MNEMONIC_JLE: return 0xE;
    case ZYDIS_MNEMONIC_JNLE: return 0xF;
    default: return -1;
    }
}

static uint32_t branch_target(const struct bt_insn *i)
{
    uint32_t next = i->pc + i->len;
    uint32_t tgt = next + (uint32_t)i->ops[0].imm.value.s;
    if (i->zi.operand_width == 16)
        tgt &= 0xFFFF;
    return tgt;
}

/*
 * LOOP/LOOPE/LOOPNE/JCXZ/JECXZ without touching the flags: the count is
 * decremented with LEA and tested with JRCXZ (RCX's upper half is zero, so
 * this tests ECX; for a 16-bit address size CX is tested through r11).
 *   [lea]; jrcxz Lz; [jz|jnz tgt]; jmp A;  Lz: jmp B
 */
static void tr_loop(struct tr *t, const struct bt_insn *i)
{
    struct emit *e = &t->e;
    ZydisMnemonic mn = i->zi.mnemonic;
    uint32_t next = i->pc + i->len;
    uint32_t tgt = branch_target(i);
    bool cx16 = i->zi.address_width == 16;
    bool is_jcxz = mn == ZYDIS_MNEMONIC_JCXZ || mn == ZYDIS_MNEMONIC_JECXZ;
    tr_flags_sync(t);
    if (!is_jcxz) {
        if (cx16) {
            e_insn(e, ZYDIS_MNEMONIC_LEA, 2, R(R11D),
                   o_mem(ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_NONE, 0, -1, 8));
            e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(CX), R(R11W));
        } else {
            e_insn(e, ZYDIS_MNEMONIC_LEA, 2, R(ECX),
                   o_mem(ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_NONE, 0, -1, 8));
        }
    }
    if (cx16) {
        e_insn(e, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), R(CX));
        e_insn(e, ZYDIS_MNEMONIC_XCHG, 2, R(R11), R(RCX));
    }
    e_u8(e, 0xE3); /* jrcxz Lz */
    size_t jr = e->pos;
    e_u8(e, 0);
    if (cx16)
        e_insn(e, ZYDIS_MNEMONIC_XCHG, 2, R(R11), R(RCX));
    if (mn == ZYDIS_MNEMONIC_LOOPE || mn == ZYDIS_MNEMONIC_LOOPNE) {
        tr_exit_direct(t, tgt, mn == ZYDIS_MNEMONIC_LOOPE ? 0x4 : 0x5);
        /* ZF says stop: same target as count == 0 */
        size_t rel = e_jmp32(e);
        if (!e->overflow)
            e->buf[jr] = (uint8_t)(e->pos - (jr + 1));
        if (cx16)
            e_insn(e, ZYDIS_MNEMONIC_XCHG, 2, R(R11), R(RCX));
        e_fix32(e, rel, e->pos);
        tr_exit_direct(t, next, -1);
        return;
    }
    tr_exit_direct(t, is_jcxz ? next : tgt, -1);
    t->ended = false;
    if (!e->overflow)
        e->buf[jr] = (uint8_t)(e->pos - (jr + 1));
    if (cx16)
        e_insn(e, ZYDIS_MNEMONIC_XCHG, 2, R(R11), R(RCX));
    tr_exit_direct(t, is_jcxz ? tgt : next, -1);
}

/* The operand size of a near branch or stack instruction in bytes. */
static unsigned op_size(const struct bt_insn *i)
{
    return i->zi.operand_width == 16 ? 2 : 4;
}

/* The return address a near CALL pushes, as an immediate operand. */
static ZydisEncoderOperand return_imm(const struct bt_insn *i)
{
    uint32_t next = i->pc + i->len;
    return o_imm(i->zi.operand_width == 16 ? (int16_t)(next & 0xFFFF) : (int32_t)next);
}

/* Near JMP: direct (a patchable exit) or indirect (the lookup table). */
static bool tr_jmp_near(struct tr *t, const struct bt_insn *i)
{
    if (i->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        tr_exit_direct(t, branch_target(i), -1);
        return true;
    }
    if (i->zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return false; /* far: tr_system */
    load_operand(t, &i->ops[0], ZYDIS_REGISTER_R8D, op_size(i));
    tr_exit_indirect(t);
    return true;
}

/* Near CALL: push the return address, then jump; an indirect target is
 * loaded (and may fault) before the push. */
static bool tr_call_near(struct tr *t, const struct bt_insn *i)
{
    unsigned osz = op_size(i);
    if (i->zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return false; /* far call: tr_system */
    if (i->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        push_value(t, return_imm(i), osz, true);
        tr_exit_direct(t, branch_target(i), -1);
        return true;
    }
    load_operand(t, &i->ops[0], ZYDIS_REGISTER_R11D, osz);
    push_value(t, return_imm(i), osz, true);
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R8D), R(R11D));
    tr_exit_indirect(t);
    return true;
}

/* Near RET [imm16]: pop the target, release imm16 more bytes. */
static bool tr_ret_near(struct tr *t, const struct bt_insn *i)
{
    unsigned osz = op_size(i);
    if (i->zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        return false;
    int32_t imm = 0;
    for (int k = 0; k < i->zi.operand_count_visible; k++)
        if (i->ops[k].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
            imm = (int32_t)i->ops[k].imm.value.u;
    load_stack(t, ZYDIS_REGISTER_R8D, 0, osz);
    lea_esp(t, ZYDIS_REGISTER_R12D, (int32_t)osz + imm);
    tr_exit_indirect(t);
    return true;
}

/* PUSH Sreg: a segment push with a 32-bit operand size moves 16 bits and
 * leaves the upper half of the slot alone (P6 and later). */
static void push_sreg(struct tr *t, ZydisRegister sreg, unsigned size)
{
    uint8_t ins[16];
    int s = ZydisRegisterGetId(sreg);
    /* ES CS SS DS FS GS ids are 0..5 like S_* */
    e_insn(&t->e, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0,
                 (int64_t)offsetof(struct vcpu, seg[s].sel), 2));
    stack_addr(t, -(int32_t)size, size);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, HMEM(2), R(R11W));
    tr_mem_access(t, ins, n, 2, MEM_W | MEM_POST_ESP | MEM_POST_ENC(-(int32_t)size, 16));
    lea_esp(t, ZYDIS_REGISTER_R12D, -(int32_t)size);
}

/* PUSH imm, register, segment register or memory. */
static void tr_push(struct tr *t, const struct bt_insn *i)
{
    const ZydisDecodedOperand *op = &i->ops[0];
    unsigned size = i->zi.operand_width / 8;
    if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        int64_t v = op->imm.value.s;
        push_value(t, o_imm(size == 2 ? (int16_t)v : (int32_t)v), size, false);
    } else if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        if (ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_SEGMENT)
            push_sreg(t, op->reg.value, size);
        else
            push_value(t, o_reg(tr_map_reg(op->reg.value)), size, false);
    } else {
        load_operand(t, op, ZYDIS_REGISTER_R11D, size);
        push_value(t, size == 2 ? R(R11W) : R(R11D), size, false);
    }
}

/* POP register or memory (a segment register is tr_system's): ESP moves
 * only after the store succeeded. */
static bool tr_pop(struct tr *t, const struct bt_insn *i)
{
    const ZydisDecodedOperand *op = &i->ops[0];
    unsigned size = i->zi.operand_width / 8;
    uint8_t ins[16];
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
        ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_SEGMENT)
        return false; /* segment load: tr_system */
    load_stack(t, ZYDIS_REGISTER_R11D, 0, size);
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        lea_esp(t, ZYDIS_REGISTER_R12D, (int32_t)size);
        ZydisRegister r = tr_map_reg(op->reg.value);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(r), size == 2 ? R(R11W) : R(R11D));
    } else {
        /* the address uses ESP after the increment (SDM POP) */
        int32_t adj = (op->mem.base == ZYDIS_REGISTER_ESP) ? (int32_t)size : 0;
        tr_addr(t, op, adj);
        size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, HMEM(size), size == 2 ? R(R11W) : R(R11D));
        tr_mem_access(t, ins, n, size, MEM_W | MEM_POST_ESP | MEM_POST_ENC(size, 16));
        lea_esp(t, ZYDIS_REGISTER_R12D, (int32_t)size);
    }
    return true;
}

/* LEAVE: ESP = EBP; EBP = pop. */
static void tr_leave(struct tr *t, const struct bt_insn *i)
{
    uint8_t ins[16];
    unsigned osz = op_size(i);
    bool s16 = (t->mode & MODE_STACK16) != 0; /* SP = BP, not ESP = EBP */
    e_insn(&t->e, s16 ? ZYDIS_MNEMONIC_MOVZX : ZYDIS_MNEMONIC_MOV, 2, R(R8D), s16 ? R(BP) : R(EBP));
    tr_seg(t, S_SS, osz, false);
    size_t n = osz == 2 ? e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), HMEM(2))
                        : e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(R11D), HMEM(4));
    tr_mem_access(t, ins, n, osz, MEM_R);
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, s16 ? R(R10D) : R(R12D),
           o_mem(ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_NONE, 0, (int64_t)osz, 8));
    if (s16)
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, R(R12W), R(R10W));
    e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, osz == 2 ? R(BP) : R(EBP), osz == 2 ? R(R11W) : R(R11D));
}

bool tr_flow(struct tr *t, const struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    int cc = tr_jcc_code(mn);
    if (cc >= 0) {
        tr_flags_sync(t);
        tr_exit_direct(t, branch_target(i), cc);
        /* not the unit's last instruction: the unit goes on with the
         * fall-through (bt_decode_unit, --unit-branches) */
        if (i != &t->in[t->n - 1])
            return true;
        tr_exit_direct(t, i->pc + i->len, -1);
        return true;
    }
    switch (mn) {
    case ZYDIS_MNEMONIC_JMP: return tr_jmp_near(t, i);
    case ZYDIS_MNEMONIC_LOOP:
    case ZYDIS_MNEMONIC_LOOPE:
    case ZYDIS_MNEMONIC_LOOPNE:
    case ZYDIS_MNEMONIC_JCXZ:
    case ZYDIS_MNEMONIC_JECXZ: tr_loop(t, i); return true;
    case ZYDIS_MNEMONIC_CALL: return tr_call_near(t, i);
    case ZYDIS_MNEMONIC_RET: return tr_ret_near(t, i);
    case ZYDIS_MNEMONIC_PUSH: tr_push(t, i); return true;
    case ZYDIS_MNEMONIC_POP: return tr_pop(t, i);
    case ZYDIS_MNEMONIC_LEAVE: tr_leave(t, i); return true;
    default: return false;
    }
}
