/*
 * emit.c - see emit.h.  Almost every host instruction is encoded by the
 * Zydis encoder from a request (through its memo, encmemo.h); only the patchable rel32 jumps and the
 * fixed flag save/restore sequences are written as bytes, because their
 * exact length and layout are part of the chaining contract.
 */
#include <string.h>

#include "emit.h"
#include "encmemo.h"

void e_bytes(struct emit *e, const void *p, size_t n)
{
    if (e->pos + n > e->cap) {
        e->overflow = true;
        return;
    }
    memcpy(e->buf + e->pos, p, n);
    e->pos += n;
}

size_t e_request(struct emit *e, const ZydisEncoderRequest *req)
{
    uint8_t tmp[ZYDIS_MAX_INSTRUCTION_LENGTH];
    size_t len = enc_memo_encode(req, tmp);
    if (!len) {
        e->encode_error = true;
        return 0;
    }
    e_bytes(e, tmp, len);
    return len;
}

size_t e_encode_ops(uint8_t *out, ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops)
{
    return enc_memo_encode_ops(mn, nops, ops, out);
}

size_t e_insn_ops(struct emit *e, ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops)
{
    uint8_t tmp[ZYDIS_MAX_INSTRUCTION_LENGTH];
    size_t n = enc_memo_encode_ops(mn, nops, ops, tmp);
    if (!n) {
        e->encode_error = true;
        return 0;
    }
    e_bytes(e, tmp, n);
    return n;
}

size_t e_jmp32(struct emit *e)
{
    static const uint8_t op[5] = { 0xE9, 0, 0, 0, 0 };
    e_bytes(e, op, 5);
    return e->pos - 4;
}

size_t e_jcc32(struct emit *e, uint8_t cc)
{
    uint8_t op[6] = { 0x0F, (uint8_t)(0x80 | (cc & 15)), 0, 0, 0, 0 };
    e_bytes(e, op, 6);
    return e->pos - 4;
}

void e_fix32(struct emit *e, size_t rel_off, size_t target_off)
{
    if (e->overflow || rel_off + 4 > e->pos)
        return;
    int32_t rel = (int32_t)((int64_t)target_off - (int64_t)(rel_off + 4));
    memcpy(e->buf + rel_off, &rel, 4);
}

void e_jmp_vcpu(struct emit *e, uint8_t disp)
{
    const uint8_t op[4] = { 0x41, 0xFF, 0x67, disp }; /* jmp qword [r15+disp8] */
    e_bytes(e, op, 4);
}

void e_call_vcpu(struct emit *e, uint8_t disp)
{
    const uint8_t op[4] = { 0x41, 0xFF, 0x57, disp }; /* call qword [r15+disp8] */
    e_bytes(e, op, 4);
}

void e_mov_r32_imm(struct emit *e, ZydisRegister r32, uint32_t v)
{
    unsigned id = (unsigned)ZydisRegisterGetId(r32);
    if (id >= 8)
        e_u8(e, 0x41); /* REX.B */
    e_u8(e, (uint8_t)(0xB8 + (id & 7)));
    e_u32(e, v);
}

void e_mov_vcpu_imm(struct emit *e, uint8_t disp, bool qword, uint32_t v)
{
    const uint8_t op[4] = { qword ? 0x49 : 0x41, 0xC7, 0x47, disp }; /* mov [r15+disp8], imm32 */
    e_bytes(e, op, 4);
    e_u32(e, v);
}

void e_mov_r11_imm64(struct emit *e, uint64_t v)
{
    const uint8_t op[2] = { 0x49, 0xBB };
    e_bytes(e, op, 2);
    e_bytes(e, &v, 8);
}

void e_mov_vcpu_r11(struct emit *e, uint8_t disp)
{
    const uint8_t op[4] = { 0x4D, 0x89, 0x5F, disp }; /* mov [r15+disp8], r11 */
    e_bytes(e, op, 4);
}

/* mov r13, rax; lahf; seto al; xchg r13, rax
 * -> r13: AH = SF:ZF:0:AF:0:PF:1:CF, AL = OF; rax = guest EAX again */
void e_flags_save(struct emit *e)
{
    static const uint8_t seq[] = { 0x49, 0x89, 0xC5, 0x9F, 0x0F, 0x90, 0xC0, 0x49, 0x95 };
    e_bytes(e, seq, sizeof(seq));
}

/* xchg r13, rax; add al, 0x7f (OF = saved OF); sahf;
 * lea rax, [rax - 0x7f] (undo the add without touching the flags, so the
 * saved image stays valid: a slow path and its fast path may both restore);
 * xchg r13, rax */
void e_flags_restore(struct emit *e)
{
    static const uint8_t seq[] = {
        0x49, 0x95, 0x04, 0x7F, 0x9E, 0x48, 0x8D, 0x40, 0x81, 0x49, 0x95
    };
    e_bytes(e, seq, sizeof(seq));
}
