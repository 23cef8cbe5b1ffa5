/*
 * emit.h - the x86-64 emitter: a bounded byte buffer, instruction encoding
 * through the Zydis encoder, and the hand-encoded patchable rel32 jumps the
 * translation cache rewrites when it chains units.
 */
#ifndef XBT_BT_EMIT_H
#define XBT_BT_EMIT_H

#include <Zydis/Zydis.h>

#include "xbt.h"

struct emit {
    uint8_t *buf;
    size_t pos, cap;
    bool overflow;     /* ran out of room: the unit must be re-made shorter */
    bool encode_error; /* Zydis refused a request (a translator bug) */
};

static inline void e_init(struct emit *e, uint8_t *buf, size_t cap)
{
    e->buf = buf;
    e->pos = 0;
    e->cap = cap;
    e->overflow = false;
    e->encode_error = false;
}

void e_bytes(struct emit *e, const void *p, size_t n);
static inline void e_u8(struct emit *e, uint8_t v)
{
    e_bytes(e, &v, 1);
}
static inline void e_u32(struct emit *e, uint32_t v)
{
    e_bytes(e, &v, 4);
}

/* Operand builders for e_insn().  Immediates for 32-bit operands must be
 * passed sign-converted ((int32_t)v): the encoder checks the signed range. */
static inline ZydisEncoderOperand o_reg(ZydisRegister r)
{
    return (ZydisEncoderOperand){ .type = ZYDIS_OPERAND_TYPE_REGISTER, .reg.value = r };
}
static inline ZydisEncoderOperand o_imm(int64_t v)
{
    return (ZydisEncoderOperand){ .type = ZYDIS_OPERAND_TYPE_IMMEDIATE, .imm.s = v };
}
static inline ZydisEncoderOperand o_mem(ZydisRegister base, ZydisRegister index, uint8_t scale,
                                        int64_t disp, uint16_t size)
{
    return (ZydisEncoderOperand){ .type = ZYDIS_OPERAND_TYPE_MEMORY,
                                  .mem = { .base = base,
                                           .index = index,
                                           .scale = index == ZYDIS_REGISTER_NONE ? 0 : scale,
                                           .displacement = disp,
                                           .size = size } };
}

/* Encodes one 64-bit-mode instruction from nops operands (the builders
 * above) into the buffer; returns its length (0 on error, flagged).  The
 * operands are an array the caller builds in place, so a request seen
 * before (encmemo.h) costs no copy of them. */
#define e_insn(e, mn, nops, ...)                                                                   \
    e_insn_ops((e), (mn), (nops), (const ZydisEncoderOperand[]){ __VA_ARGS__ })
size_t e_insn_ops(struct emit *e, ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops);
/* The same into out[ZYDIS_MAX_INSTRUCTION_LENGTH]; 0 on error. */
#define e_encode(out, mn, nops, ...)                                                               \
    e_encode_ops((out), (mn), (nops), (const ZydisEncoderOperand[]){ __VA_ARGS__ })
size_t e_encode_ops(uint8_t *out, ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops);
/* Encodes a prepared request. */
size_t e_request(struct emit *e, const ZydisEncoderRequest *req);

/* jmp rel32 / jcc rel32 with a placeholder; returns the offset of the rel32. */
size_t e_jmp32(struct emit *e);
size_t e_jcc32(struct emit *e, uint8_t cc); /* cc = low nibble of 0x7x */
/* Makes the rel32 at rel_off jump to buffer offset target_off. */
void e_fix32(struct emit *e, size_t rel_off, size_t target_off);

/* jmp/call qword [r15 + disp8] (thunk pointers in the vcpu) */
void e_jmp_vcpu(struct emit *e, uint8_t disp);
void e_call_vcpu(struct emit *e, uint8_t disp);

/* Fixed forms the translator emits several times per unit (exits, slow
 * paths), written as bytes: Zydis (even through the memo) would cost
 * more than the rest of their emission, and each has one encoding
 * (unit_test_emit decodes them).
 *   e_mov_r32_imm   mov r32, imm32 (B8+r: any of eax..r15d)
 *   e_mov_vcpu_imm  mov dword/qword [r15 + disp8], imm32 (qword:
 *                   sign-extended)
 *   e_mov_r11_imm64 mov r11, imm64
 *   e_mov_vcpu_r11  mov qword [r15 + disp8], r11 */
void e_mov_r32_imm(struct emit *e, ZydisRegister r32, uint32_t v);
void e_mov_vcpu_imm(struct emit *e, uint8_t disp, bool qword, uint32_t v);
void e_mov_r11_imm64(struct emit *e, uint64_t v);
void e_mov_vcpu_r11(struct emit *e, uint8_t disp);

/* Guest arithmetic flags <-> r13, without touching memory or the host stack. */
void e_flags_save(struct emit *e);
void e_flags_restore(struct emit *e);

#endif
