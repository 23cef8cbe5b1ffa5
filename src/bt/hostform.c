/*
 * hostform.c - the form a guest instruction takes in host code: its own
 * bytes, or a re-encoding for 64-bit mode.
 *
 * The rules:
 *   - Bytes are copied only when the host decodes them (64-bit mode) as the
 *     same instruction with the same operands, and no operand is ESP (which
 *     lives in R12).  Everything that means something else in 64-bit mode
 *     is caught by this one comparison: 0x82 (invalid there), INC/DEC
 *     0x40-0x4F (REX prefixes), F3 0F BC/BD (TZCNT/LZCNT on the host, BSF/BSR
 *     with an ignored REP on a P6), and whatever else differs.
 *   - An instruction that names AH, CH, DH or BH cannot take a REX prefix,
 *     so its host form may name only legacy registers: every operand that
 *     would need REX (R12 for ESP, the R8/R9 of a rewritten memory address)
 *     goes through a legacy register the instruction does not name, borrowed
 *     for the instruction (its value kept in R11).  The IA-32 instruction set
 *     has no instruction that names a high-byte register, ESP and memory at
 *     once, so one borrowed register is always enough.
 */
#include <stdlib.h>
#include <string.h>

#include "encmemo.h"
#include "tr_internal.h"

const ZydisDecoder *bt_host_decoder(void)
{
    static ZydisDecoder dec;
    static bool ready;
    if (!ready) {
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        ready = true;
    }
    return &dec;
}

static bool is_high_byte(ZydisRegister r)
{
    return r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH ||
           r == ZYDIS_REGISTER_BH;
}

bool bt_names_high_byte(const struct bt_insn *i)
{
    for (int k = 0; k < i->zi.operand_count; k++)
        if (i->ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER && is_high_byte(i->ops[k].reg.value))
            return true;
    return false;
}

/* ESP or SP as a register operand (not as a memory base). */
static bool names_esp(const struct bt_insn *i)
{
    for (int k = 0; k < i->zi.operand_count; k++) {
        const ZydisDecodedOperand *o = &i->ops[k];
        if (o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
            (o->reg.value == ZYDIS_REGISTER_ESP || o->reg.value == ZYDIS_REGISTER_SP))
            return true;
    }
    return false;
}

static bool same_operand(const ZydisDecodedOperand *a, const ZydisDecodedOperand *b)
{
    if (a->type != b->type || a->size != b->size)
        return false;
    switch (a->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER: return a->reg.value == b->reg.value;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE: return a->imm.value.u == b->imm.value.u;
    default: return false; /* memory and far pointers are never copied */
    }
}

static bool host_same_decode(const struct bt_insn *i)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(bt_host_decoder(), i->bytes, i->len, &zi, ops)))
        return false;
    if (zi.length != i->len || zi.mnemonic != i->zi.mnemonic ||
        zi.operand_width != i->zi.operand_width ||
        zi.operand_count_visible != i->zi.operand_count_visible)
        return false;
    for (int k = 0; k < zi.operand_count_visible; k++)
        if (!same_operand(&ops[k], &i->ops[k]))
            return false;
    return true;
}

/*
 * bt_host_same's answer depends on the instruction's bytes other than its
 * displacement and immediates, its length and the guest's decode mode: the
 * two decodes see the same values in those fields, and an instruction with
 * a memory operand is never copied.  So the answers are kept by that key
 * (the field bytes zeroed), and a second decode in 64-bit mode (about 340
 * ns here) is made once per shape, not once per instruction translated.
 * XBT_ENCODE_CHECK=1 (encmemo.h) decodes every hit again and aborts on a
 * difference.
 */
/* Tunable: entries of that memo (direct-mapped).  Policy: the Linux boot
 * translates about 350,000 instructions of a few thousand shapes; 8,192
 * entries of 17 bytes (136 KiB) hold them with few conflicts. */
#define SAME_MEMO_ENTRIES 8192u

struct same_entry {
    uint8_t key[16]; /* bytes with the fields zeroed, then length | mode << 4 */
    uint8_t answer;  /* 0: empty, 1: differs, 2: the same */
};

static void zero_field(uint8_t *k, unsigned off, unsigned bits)
{
    for (unsigned b = 0; b < bits / 8 && off + b < 15; b++)
        k[off + b] = 0;
}

static void same_key(const struct bt_insn *i, uint8_t k[16])
{
    memset(k, 0, 16);
    memcpy(k, i->bytes, i->len < 15 ? i->len : 15);
    zero_field(k, i->zi.raw.disp.offset, i->zi.raw.disp.size);
    for (int f = 0; f < 2; f++)
        zero_field(k, i->zi.raw.imm[f].offset, i->zi.raw.imm[f].size);
    k[15] = (uint8_t)(i->len | (unsigned)i->zi.machine_mode << 4);
}

bool bt_host_same(const struct bt_insn *i)
{
    static struct same_entry *memo;
    if (!memo && !(memo = calloc(SAME_MEMO_ENTRIES, sizeof(*memo))))
        return host_same_decode(i);
    uint8_t k[16];
    same_key(i, k);
    uint64_t w[2];
    memcpy(w, k, 16);
    uint64_t h = (w[0] * 0x9E3779B97F4A7C15ull) ^ (w[1] * 0xC2B2AE3D27D4EB4Full);
    struct same_entry *e = &memo[(h >> 32) % SAME_MEMO_ENTRIES];
    if (e->answer && !memcmp(e->key, k, 16)) {
        bool same = e->answer == 2;
        if (enc_memo_checking() && host_same_decode(i) != same) {
            xbt_error("internal error: the copy memo is wrong at %#x", i->pc);
            abort();
        }
        return same;
    }
    bool same = host_same_decode(i);
    memcpy(e->key, k, 16);
    e->answer = same ? 2 : 1;
    return same;
}

enum bt_form bt_reg_form(const struct bt_insn *i)
{
    if (!names_esp(i))
        return bt_host_same(i) ? BT_FORM_COPY : BT_FORM_REENCODE;
    return bt_names_high_byte(i) ? BT_FORM_LEGACY : BT_FORM_REENCODE;
}

/* ESP/SP as the host register standing in for ESP (R12D, or a borrowed
 * 32-bit legacy register); other registers unchanged. */
static ZydisRegister map_esp(ZydisRegister r, ZydisRegister esp32)
{
    if (r == ZYDIS_REGISTER_ESP)
        return esp32;
    if (r == ZYDIS_REGISTER_SP)
        return ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, ZydisRegisterGetId(esp32));
    return r;
}

/* i for 64-bit mode: ESP as esp32, the memory operand (if any) as
 * [mbase + mindex], no segment prefixes (the address is already linear). */
static size_t encode_as(const struct bt_insn *i, ZydisRegister mbase, ZydisRegister mindex,
                        ZydisRegister esp32, uint8_t *out)
{
    ZydisEncoderRequest req;
    if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(
            &i->zi, i->ops, i->zi.operand_count_visible, &req)))
        return 0;
    req.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    req.prefixes &=
        ~(ZydisInstructionAttributes)(ZYDIS_ATTRIB_HAS_SEGMENT_CS | ZYDIS_ATTRIB_HAS_SEGMENT_SS |
                                      ZYDIS_ATTRIB_HAS_SEGMENT_DS | ZYDIS_ATTRIB_HAS_SEGMENT_ES |
                                      ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS);
    req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
    for (int k = 0; k < req.operand_count; k++) {
        ZydisEncoderOperand *o = &req.operands[k];
        if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
            o->reg.value = map_esp(o->reg.value, esp32);
        } else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            o->mem.base = mbase;
            o->mem.index = mindex;
            o->mem.scale = mindex == ZYDIS_REGISTER_NONE ? 0 : 1;
            o->mem.displacement = 0;
        }
    }
    return enc_memo_encode(&req, out);
}

size_t bt_reencode(const struct bt_insn *i, ZydisRegister mbase, ZydisRegister mindex, uint8_t *out)
{
    return encode_as(i, mbase, mindex, ZYDIS_REGISTER_R12D, out);
}

/* The guest registers i names (operands, memory bases and indexes, hidden
 * ones too), as a mask of encoding ids 0-7. */
static uint32_t regs_used_mask(const struct bt_insn *i)
{
    uint32_t mask = 0;
    for (int k = 0; k < i->zi.operand_count; k++) {
        const ZydisDecodedOperand *o = &i->ops[k];
        ZydisRegister rs[3] = { ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE };
        if (o->type == ZYDIS_OPERAND_TYPE_REGISTER)
            rs[0] = o->reg.value;
        else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            rs[1] = o->mem.base;
            rs[2] = o->mem.index;
        }
        for (int j = 0; j < 3; j++) {
            if (rs[j] == ZYDIS_REGISTER_NONE)
                continue;
            ZydisRegister l = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32, rs[j]);
            int id = ZydisRegisterGetId(l);
            if (id >= 0 && id < 8)
                mask |= 1u << id;
        }
    }
    return mask;
}

/* A 64-bit legacy register that i does not name (NONE if there is none). */
static ZydisRegister free_legacy(const struct bt_insn *i)
{
    static const ZydisRegister legacy[] = { ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI,
                                            ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RDX,
                                            ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RBX,
                                            ZYDIS_REGISTER_RAX };
    uint32_t used = regs_used_mask(i);
    for (size_t k = 0; k < XBT_ARRAY_SIZE(legacy); k++)
        if (!(used & (1u << ZydisRegisterGetId(legacy[k]))))
            return legacy[k];
    return ZYDIS_REGISTER_NONE;
}

/* mov r11, X; <before>; op; <after>; mov X, r11 around the encoded op. */
static size_t borrow(uint8_t *out, ZydisRegister x,
                     size_t (*inner)(const struct bt_insn *, ZydisRegister, uint8_t *),
                     const struct bt_insn *i)
{
    size_t n = e_encode(out, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R11), o_reg(x));
    size_t m = inner(i, x, out + n);
    if (!n || !m)
        return 0;
    n += m;
    m = e_encode(out + n, ZYDIS_MNEMONIC_MOV, 2, o_reg(x), o_reg(ZYDIS_REGISTER_R11));
    return m ? n + m : 0;
}

/* lea X, [r9 + r8]; op [X] */
static size_t mem_through(const struct bt_insn *i, ZydisRegister x, uint8_t *out)
{
    size_t n = e_encode(out, ZYDIS_MNEMONIC_LEA, 2, o_reg(x),
                        o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, 8));
    size_t m = encode_as(i, x, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_R12D, out + n);
    return n && m ? n + m : 0;
}

/* mov X32, r12d; op with ESP as X32; mov r12d, X32 */
static size_t esp_through(const struct bt_insn *i, ZydisRegister x, uint8_t *out)
{
    ZydisRegister x32 = ZydisRegisterEncode(ZYDIS_REGCLASS_GPR32, ZydisRegisterGetId(x));
    size_t n = e_encode(out, ZYDIS_MNEMONIC_MOV, 2, o_reg(x32), o_reg(ZYDIS_REGISTER_R12D));
    size_t m = encode_as(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, x32, out + n);
    if (!n || !m)
        return 0;
    n += m;
    m = e_encode(out + n, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_R12D), o_reg(x32));
    return m ? n + m : 0;
}

size_t bt_mem_form(const struct bt_insn *i, uint8_t *out)
{
    if (!bt_names_high_byte(i))
        return bt_reencode(i, ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, out);
    ZydisRegister x = free_legacy(i);
    if (x == ZYDIS_REGISTER_NONE || names_esp(i))
        return 0; /* cannot happen in IA-32 (see the top of the file) */
    return borrow(out, x, mem_through, i);
}

size_t bt_legacy_form(const struct bt_insn *i, uint8_t *out)
{
    ZydisRegister x = free_legacy(i);
    if (x == ZYDIS_REGISTER_NONE)
        return 0;
    return borrow(out, x, esp_through, i);
}
