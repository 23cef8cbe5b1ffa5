/*
 * encmemo.c - see encmemo.h.  The Zydis encoder matches a request against
 * its instruction definitions every time (a few hundred nanoseconds); the
 * translator asks for the same few thousand shapes millions of times.
 */
#include <stdlib.h>
#include <string.h>

#include "encmemo.h"
#include "tr_internal.h"

#define KEY_WORDS (2 + ZYDIS_ENCODER_MAX_OPERANDS)
#define NO_FIELD 0xFF
#define EXACT 0x80u

struct memo_entry {
    uint64_t key[KEY_WORDS];
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
    uint8_t len; /* 0: empty */
    uint8_t disp_off, disp_size;
    uint8_t imm_off[2], imm_size[2];
};

static struct memo_entry *g_table;
static struct bt_encode_stats g_st;
static int g_check = -1; /* XBT_ENCODE_CHECK, read on first use */

const struct bt_encode_stats *bt_encode_stats(void)
{
    return &g_st;
}

void enc_memo_reset(void)
{
    if (g_table)
        memset(g_table, 0, ENC_MEMO_ENTRIES * sizeof(*g_table));
}

/* 0..3: the value fits 8, 16, 32 or 64 bits, signed / unsigned. */
static unsigned width_s(int64_t v)
{
    return v == (int8_t)v ? 0 : v == (int16_t)v ? 1 : v == (int32_t)v ? 2 : 3;
}
static unsigned width_u(uint64_t v)
{
    return v <= 0xFF ? 0 : v <= 0xFFFF ? 1 : v <= 0xFFFFFFFF ? 2 : 3;
}

/* The class of an immediate or displacement (see the contract). */
static unsigned value_class(int64_t v)
{
    if (v >= -1 && v <= 3)
        return EXACT | (unsigned)(v + 1);
    return width_s(v) | width_u((uint64_t)v) << 2 | width_s((int16_t)v) << 4 |
           width_s((int32_t)v) << 5;
}

/* One operand as a key word; false for a far pointer (never kept). */
static bool op_word(const ZydisEncoderOperand *o, uint64_t *w)
{
    uint64_t cls = 0, a = 0, b = 0, scale = 0, size = 0;
    switch (o->type) {
    case ZYDIS_OPERAND_TYPE_UNUSED: break;
    case ZYDIS_OPERAND_TYPE_REGISTER:
        a = o->reg.value;
        cls = o->reg.is4 ? 1 : 0;
        break;
    case ZYDIS_OPERAND_TYPE_MEMORY:
        a = o->mem.base;
        b = o->mem.index;
        scale = o->mem.scale;
        size = o->mem.size;
        cls = value_class(o->mem.displacement);
        break;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE: cls = value_class(o->imm.s); break;
    default: return false;
    }
    if (a > 0xFFFF || b > 0xFFFF || scale > 15)
        return false;
    *w = (uint64_t)o->type | cls << 4 | a << 12 | b << 28 | scale << 44 | size << 48;
    return true;
}

static bool all_zero(const void *p, size_t n)
{
    static const uint8_t zero[64];
    return n <= sizeof(zero) && !memcmp(p, zero, n);
}

/* The request's shape; false when it is not kept. */
static bool make_key(const ZydisEncoderRequest *req, uint64_t key[KEY_WORDS])
{
    if (req->machine_mode != ZYDIS_MACHINE_MODE_LONG_64 || req->operand_count > 5 ||
        (uint64_t)req->allowed_encodings > 0xFF || !all_zero(&req->evex, sizeof(req->evex)) ||
        !all_zero(&req->mvex, sizeof(req->mvex)))
        return false;
    memset(key, 0, KEY_WORDS * sizeof(uint64_t));
    key[0] =
        (uint64_t)req->mnemonic | (uint64_t)req->operand_count << 16 |
        (uint64_t)(req->branch_type & 0xFF) << 24 | (uint64_t)(req->branch_width & 0xFF) << 32 |
        (uint64_t)(req->address_size_hint & 0xFF) << 40 |
        (uint64_t)(req->operand_size_hint & 0xFF) << 48 | (uint64_t)req->allowed_encodings << 56;
    key[1] = (uint64_t)req->prefixes;
    for (int k = 0; k < req->operand_count; k++)
        if (!op_word(&req->operands[k], &key[2 + k]))
            return false;
    return true;
}

static uint64_t hash_key(const uint64_t key[KEY_WORDS])
{
    uint64_t h = 0;
    for (int k = 0; k < KEY_WORDS; k++) {
        h = (h ^ key[k]) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    return h;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

/* The entry's bytes with req's values in their fields. */
static size_t replay(const struct memo_entry *m, int nops, const ZydisEncoderOperand *ops,
                     uint8_t *out)
{
    memcpy(out, m->bytes, m->len);
    int nimm = 0;
    for (int k = 0; k < nops; k++) {
        const ZydisEncoderOperand *o = &ops[k];
        if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && m->disp_off != NO_FIELD) {
            put_le(out + m->disp_off, (uint64_t)o->mem.displacement, m->disp_size);
        } else if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && nimm < 2) {
            if (m->imm_off[nimm] != NO_FIELD)
                put_le(out + m->imm_off[nimm], o->imm.u, m->imm_size[nimm]);
            nimm++;
        }
    }
    return m->len;
}

/* Where the encoding's displacement and immediates are, for the entry;
 * false when its fields cannot be matched to the request's values. */
static bool find_fields(struct memo_entry *m, int nops, const ZydisEncoderOperand *ops)
{
    ZydisDecodedInstruction zi;
    if (!ZYAN_SUCCESS(
            ZydisDecoderDecodeInstruction(bt_host_decoder(), NULL, m->bytes, m->len, &zi)) ||
        zi.length != m->len)
        return false;
    m->disp_off = zi.raw.disp.size ? zi.raw.disp.offset : NO_FIELD;
    m->disp_size = (uint8_t)(zi.raw.disp.size / 8);
    int nraw = 0;
    for (int k = 0; k < 2; k++) {
        m->imm_off[k] = zi.raw.imm[k].size ? zi.raw.imm[k].offset : NO_FIELD;
        m->imm_size[k] = (uint8_t)(zi.raw.imm[k].size / 8);
        nraw += zi.raw.imm[k].size != 0;
    }
    int nimm = 0, nmem = 0;
    bool loose_imm = false, loose_disp = false;
    for (int k = 0; k < nops; k++) {
        const ZydisEncoderOperand *o = &ops[k];
        if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            nimm++;
            loose_imm |= !(value_class(o->imm.s) & EXACT);
        } else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            nmem++;
            loose_disp |= !(value_class(o->mem.displacement) & EXACT);
        }
    }
    if (loose_imm && nimm != nraw)
        return false;
    if (loose_disp && (nmem != 1 || m->disp_off == NO_FIELD))
        return false;
    /* exact values are the entry's own: nothing to write */
    if (!loose_imm)
        m->imm_off[0] = m->imm_off[1] = NO_FIELD;
    if (!loose_disp)
        m->disp_off = NO_FIELD;
    return true;
}

static size_t zydis_encode(const ZydisEncoderRequest *req, uint8_t *out)
{
    ZyanUSize len = ZYDIS_MAX_INSTRUCTION_LENGTH;
    if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(req, out, &len)))
        return 0;
    return len;
}

/* XBT_ENCODE_CHECK: the hit must equal Zydis's own encoding. */
static void check_hit(const ZydisEncoderRequest *req, const uint8_t *out, size_t n)
{
    uint8_t ref[ZYDIS_MAX_INSTRUCTION_LENGTH];
    size_t r = zydis_encode(req, ref);
    if (r == n && !memcmp(ref, out, n))
        return;
    xbt_error("internal error: the encoder memo gave %zu bytes where Zydis gives %zu "
              "(mnemonic %d)",
              n, r, (int)req->mnemonic);
    abort();
}

static struct memo_entry *lookup(const uint64_t key[KEY_WORDS], uint64_t h, bool *found)
{
    struct memo_entry *set = &g_table[2 * ((h >> 20) & (ENC_MEMO_ENTRIES / 2 - 1))];
    for (int w = 0; w < 2; w++)
        if (set[w].len && !memcmp(set[w].key, key, sizeof(set[w].key))) {
            *found = true;
            return &set[w];
        }
    *found = false;
    if (!set[0].len)
        return &set[0];
    return &set[!set[1].len ? 1 : (h & 1)];
}

/* The request of an operand-array encoding (enc_memo_encode_ops). */
static void build_request(ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops,
                          ZydisEncoderRequest *req)
{
    memset(req, 0, sizeof(*req));
    req->machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    req->mnemonic = mn;
    req->operand_count = (ZyanU8)nops;
    memcpy(req->operands, ops, (size_t)nops * sizeof(*ops));
}

bool enc_memo_checking(void)
{
    if (g_check < 0) {
        const char *c = getenv("XBT_ENCODE_CHECK");
        g_check = c && *c && strcmp(c, "0");
    }
    return g_check;
}

static bool ready(void)
{
    enc_memo_checking();
    if (!g_table)
        g_table = calloc(ENC_MEMO_ENTRIES, sizeof(*g_table));
    return g_table != NULL;
}

/* The memo for a request of shape key: req, or built from mn and ops
 * when req is NULL (only on a miss or a check). */
static size_t encode_key(const uint64_t key[KEY_WORDS], const ZydisEncoderRequest *req,
                         ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops, uint8_t *out)
{
    ZydisEncoderRequest built;
    uint64_t h = hash_key(key);
    bool found;
    struct memo_entry *m = lookup(key, h, &found);
    if (found) {
        size_t n = replay(m, nops, ops, out);
        if (g_check) {
            if (!req)
                build_request(mn, nops, ops, &built);
            check_hit(req ? req : &built, out, n);
        }
        g_st.hits++;
        return n;
    }
    if (!req) {
        build_request(mn, nops, ops, &built);
        req = &built;
    }
    size_t n = zydis_encode(req, out);
    if (!n) {
        g_st.uncached++;
        return 0;
    }
    struct memo_entry e;
    memcpy(e.key, key, sizeof(e.key));
    memset(e.bytes, 0, sizeof(e.bytes));
    memcpy(e.bytes, out, n);
    e.len = (uint8_t)n;
    if (!find_fields(&e, nops, ops)) {
        g_st.uncached++;
        return n;
    }
    *m = e;
    g_st.misses++;
    return n;
}

size_t enc_memo_encode(const ZydisEncoderRequest *req, uint8_t *out)
{
    uint64_t key[KEY_WORDS];
    if (!ready() || !make_key(req, key)) {
        g_st.uncached++;
        return zydis_encode(req, out);
    }
    return encode_key(key, req, req->mnemonic, req->operand_count, req->operands, out);
}

size_t enc_memo_encode_ops(ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops, uint8_t *out)
{
    uint64_t key[KEY_WORDS] = { (uint64_t)mn | (uint64_t)nops << 16, 0 };
    bool keyed = ready() && nops >= 0 && nops <= ZYDIS_ENCODER_MAX_OPERANDS;
    for (int k = 0; keyed && k < nops; k++)
        keyed = op_word(&ops[k], &key[2 + k]);
    if (!keyed) {
        if (nops < 0 || nops > ZYDIS_ENCODER_MAX_OPERANDS)
            return 0;
        ZydisEncoderRequest req;
        build_request(mn, nops, ops, &req);
        g_st.uncached++;
        return zydis_encode(&req, out);
    }
    return encode_key(key, NULL, mn, nops, ops, out);
}
