/*
 * tr_string.c - MOVS, STOS and LODS without a REP prefix, translated
 * inline: the implicit [DS:ESI] / [ES:EDI] operands (Zydis decodes them,
 * segment override included) go through the same address, segment-check
 * and TLB paths as any memory operand, the value through r11 (which
 * survives a slow path), and ESI/EDI step by the operand size in the
 * direction the mode key's DF bit says (a flag-free LEA).  Both accesses
 * are made before either index register moves, so a fault leaves the
 * instruction restartable.  REP forms, the CMPS/SCAS/INS/OUTS family and
 * 16-bit addressing stay in the string helper (hlp_string).
 */
#include "helpers.h"
#include "tr_internal.h"

#define R(x) o_reg(ZYDIS_REGISTER_##x)
#define HMEM(sz) o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, (sz))

/* The implicit memory operand read (write false) or written by i. */
static const ZydisDecodedOperand *implicit_mem(const struct bt_insn *i, bool write)
{
    ZydisOperandActions w = ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE;
    for (int k = 0; k < i->zi.operand_count; k++) {
        const ZydisDecodedOperand *o = &i->ops[k];
        if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && ((o->actions & w) != 0) == write)
            return o;
    }
    return NULL;
}

/* r11 (zero-extended) = [mem] */
static void load_r11(struct tr *t, const ZydisDecodedOperand *mem, unsigned size)
{
    uint8_t ins[16];
    tr_addr(t, mem, 0);
    size_t n = size == 4 ? e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(R11D), HMEM(4))
                         : e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), HMEM(size));
    tr_mem_access(t, ins, n, size, MEM_R);
}

/* [mem] = reg (of the operand's size) */
static void store_reg(struct tr *t, const ZydisDecodedOperand *mem, unsigned size,
                      ZydisRegister reg, unsigned post)
{
    uint8_t ins[16];
    tr_addr(t, mem, 0);
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, HMEM(size), o_reg(reg));
    tr_mem_access(t, ins, n, size, MEM_W | post);
}

/* index += step (flag-free) */
static void step(struct tr *t, ZydisRegister r32, ZydisRegister r64, int32_t delta)
{
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, o_reg(r32), o_mem(r64, ZYDIS_REGISTER_NONE, 0, delta, 8));
}

bool tr_string_inline(struct tr *t, const struct bt_insn *i, int op, unsigned size)
{
    static const ZydisRegister acc[5] = { ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_AL, ZYDIS_REGISTER_AX,
                                          ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_EAX };
    static const ZydisRegister r11[5] = { ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_R11B,
                                          ZYDIS_REGISTER_R11W, ZYDIS_REGISTER_NONE,
                                          ZYDIS_REGISTER_R11D };
    const ZydisDecodedOperand *src = implicit_mem(i, false), *dst = implicit_mem(i, true);
    int32_t delta = (t->mode & MODE_DF) ? -(int32_t)size : (int32_t)size;
    if (i->zi.address_width != 32 || (size != 1 && size != 2 && size != 4))
        return false;
    if (op == STR_MOVS && src && dst) {
        load_r11(t, src, size);
        store_reg(t, dst, size, r11[size], MEM_POST_STR | MEM_POST_SRC | MEM_POST_ENC(delta, 24));
        step(t, ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_RSI, delta);
        step(t, ZYDIS_REGISTER_EDI, ZYDIS_REGISTER_RDI, delta);
    } else if (op == STR_STOS && dst) {
        store_reg(t, dst, size, acc[size], MEM_POST_STR | MEM_POST_ENC(delta, 24));
        step(t, ZYDIS_REGISTER_EDI, ZYDIS_REGISTER_RDI, delta);
    } else if (op == STR_LODS && src) {
        load_r11(t, src, size);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(acc[size]), o_reg(r11[size]));
        step(t, ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_RSI, delta);
    } else {
        return false;
    }
    t->bt->st.strings_inline++;
    return true;
}
