/*
 * winform.c - the host-window form of a memory access (MEM_HOST, paging
 * off; --mmu=host, paging on): the access as the TLB path encodes it,
 * addressing [r9 + r8], becomes [r14 + r8] (r14 = the window's base; r8d
 * = the linear address) or, for a plain base + displacement, [r14 + base
 * + disp].  In the borrowed-register form (mov r11,X; lea X,[r9+r8]; op
 * [X]; mov X,r11) X is reported so that a fault handler can put the
 * guest value back.
 *
 * The rewrite decodes the access and encodes it again (a microsecond);
 * the translator asks for the same few thousand forms again and again,
 * so the results are kept by what they depend on: the bytes, and for the
 * direct form the base register and the displacement's class (none, 8 or
 * 32 bits: the encoder's only choice), the value being written into the
 * fields found by decoding the first rewrite.
 * XBT_ENCODE_CHECK=1 (encmemo.h) rewrites every hit again and aborts on a
 * difference.
 */
#include <stdlib.h>
#include <string.h>

#include "encmemo.h"
#include "tr_internal.h"

/* Tunable: entries of the memo (direct-mapped, 144 bytes each: 2.3 MiB,
 * allocated on first use and touched only as used).  Policy: the Linux
 * boot rewrites about 175,000 accesses of some 25,000 forms (the bytes
 * include immediates and registers); 8,192 entries keep 84% of them as
 * hits, 16,384 about 85%, 32,768 85.0% (--stats bt.window_form_hits,
 * _misses). */
#define WF_ENTRIES 16384u
#define WF_IN_MAX 48
#define WF_OUT_MAX 64

struct wf_entry {
    uint8_t in[WF_IN_MAX];
    uint8_t out[WF_OUT_MAX];
    uint8_t len; /* 0: empty */
    uint8_t out_len;
    int8_t borrowed;
    bool direct;
    uint16_t dbase;
    uint8_t dclass;  /* disp_class of the displacement */
    uint8_t nfields; /* displacement fields to patch */
    uint8_t field_off[2], field_size[2];
};

/* Where a rewrite put the displacement: the fields a hit patches. */
struct wf_fields {
    int n; /* -1: more than the entry keeps */
    uint8_t off[2], size[2];
};

static struct wf_entry *g_wf;
static struct bt_form_stats g_wst;

const struct bt_form_stats *bt_form_stats(void)
{
    return &g_wst;
}

/* Records the displacement field of the instruction just encoded at
 * out[at..at+n) (the direct form's [r14 + base + disp]). */
static void note_field(const uint8_t *out, size_t at, size_t n, struct wf_fields *f)
{
    ZydisDecodedInstruction zi;
    if (!f || f->n < 0)
        return;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(bt_host_decoder(), NULL, out + at, n, &zi)) ||
        f->n >= 2) {
        f->n = -1;
        return;
    }
    if (!zi.raw.disp.size)
        return;
    f->off[f->n] = (uint8_t)(at + zi.raw.disp.offset);
    f->size[f->n] = (uint8_t)(zi.raw.disp.size / 8);
    f->n++;
}

/* The rewrite itself: every instruction of in decoded, the ones addressing
 * [r9 + r8] encoded again (their displacement fields noted in f, if
 * given). */
static size_t rewrite(const uint8_t *in, size_t len, uint8_t *out, int *borrowed,
                      ZydisRegister dbase, int32_t ddisp, bool direct, struct wf_fields *f)
{
    size_t pos = 0, n = 0;
    *borrowed = -1;
    bool first = true;
    while (pos < len) {
        ZydisDecodedInstruction zi;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(bt_host_decoder(), in + pos, len - pos, &zi, ops)))
            return 0;
        bool rewrite = false;
        for (int k = 0; k < zi.operand_count_visible; k++)
            if (ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[k].mem.base == ZYDIS_REGISTER_R9 &&
                ops[k].mem.index == ZYDIS_REGISTER_R8)
                rewrite = true;
        if (first && zi.mnemonic == ZYDIS_MNEMONIC_MOV && len > zi.length &&
            ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[0].reg.value == ZYDIS_REGISTER_R11)
            *borrowed = ZydisRegisterGetId(ops[1].reg.value);
        first = false;
        if (!rewrite) {
            memcpy(out + n, in + pos, zi.length);
            n += zi.length;
        } else {
            ZydisEncoderRequest req;
            if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(
                    &zi, ops, zi.operand_count_visible, &req)))
                return 0;
            for (int k = 0; k < req.operand_count; k++) {
                ZydisEncoderOperand *o = &req.operands[k];
                if (o->type != ZYDIS_OPERAND_TYPE_MEMORY || o->mem.base != ZYDIS_REGISTER_R9)
                    continue;
                o->mem.base = ZYDIS_REGISTER_R14;
                if (direct) {
                    o->mem.index = dbase;
                    o->mem.scale = dbase == ZYDIS_REGISTER_NONE ? 0 : 1;
                    o->mem.displacement = ddisp;
                }
            }
            size_t l = enc_memo_encode(&req, out + n);
            if (!l)
                return 0;
            if (direct)
                note_field(out, n, l, f);
            n += l;
        }
        pos += zi.length;
    }
    return n;
}

/* The encoder picks no displacement, disp8 or disp32 for [r14 + ...]
 * from exactly this (r14 as a base needs no displacement of 0). */
static uint8_t disp_class(int32_t d)
{
    return d == 0 ? 0 : d == (int8_t)d ? 1 : 2;
}

static uint64_t wf_hash(const uint8_t *in, size_t len, uint16_t dbase, uint8_t dclass)
{
    uint64_t h = len ^ (uint64_t)dbase << 8 ^ (uint64_t)dclass << 24;
    for (size_t k = 0; k < len; k++)
        h = (h ^ in[k]) * 0x100000001B3ull;
    return h ^ h >> 31;
}

/* The entry's bytes with displacement d in its fields. */
static size_t replay(const struct wf_entry *m, int32_t d, uint8_t *out)
{
    memcpy(out, m->out, m->out_len);
    for (int k = 0; k < m->nfields; k++)
        for (unsigned b = 0; b < m->field_size[k]; b++)
            out[m->field_off[k] + b] = (uint8_t)((uint32_t)d >> (8 * b));
    return m->out_len;
}

/* XBT_ENCODE_CHECK: the hit must equal the rewrite done now. */
static void check_hit(const struct wf_entry *m, const uint8_t *hit, ZydisRegister dbase,
                      int32_t ddisp)
{
    uint8_t ref[WF_OUT_MAX];
    int b;
    size_t n = rewrite(m->in, m->len, ref, &b, dbase, ddisp, m->direct, NULL);
    if (n == m->out_len && b == m->borrowed && !memcmp(ref, hit, n))
        return;
    xbt_error("internal error: the window-form memo differs from the rewrite");
    abort();
}

static void keep(struct wf_entry *m, const uint8_t *in, size_t len, const uint8_t *out, size_t n,
                 int borrowed, ZydisRegister dbase, int32_t ddisp, bool direct,
                 const struct wf_fields *f)
{
    memcpy(m->in, in, len);
    memcpy(m->out, out, n);
    m->len = (uint8_t)len;
    m->out_len = (uint8_t)n;
    m->borrowed = (int8_t)borrowed;
    m->direct = direct;
    m->dbase = (uint16_t)dbase;
    m->dclass = disp_class(ddisp);
    m->nfields = (uint8_t)f->n;
    for (int k = 0; k < f->n; k++) {
        m->field_off[k] = f->off[k];
        m->field_size[k] = f->size[k];
    }
}

size_t bt_window_form(const uint8_t *in, size_t len, uint8_t *out, int *borrowed,
                      ZydisRegister dbase, int32_t ddisp, bool direct)
{
    if (!direct) {
        dbase = ZYDIS_REGISTER_NONE;
        ddisp = 0;
    }
    if (len == 0 || len > WF_IN_MAX)
        return rewrite(in, len, out, borrowed, dbase, ddisp, direct, NULL);
    if (!g_wf && !(g_wf = calloc(WF_ENTRIES, sizeof(*g_wf))))
        return rewrite(in, len, out, borrowed, dbase, ddisp, direct, NULL);
    uint8_t dclass = disp_class(ddisp);
    struct wf_entry *m = &g_wf[wf_hash(in, len, (uint16_t)dbase, dclass) % WF_ENTRIES];
    if (m->len == len && m->direct == direct && m->dbase == (uint16_t)dbase &&
        m->dclass == dclass && !memcmp(m->in, in, len)) {
        g_wst.hits++;
        size_t n = replay(m, ddisp, out);
        if (enc_memo_checking())
            check_hit(m, out, dbase, ddisp);
        *borrowed = m->borrowed;
        return n;
    }
    g_wst.misses++;
    struct wf_fields f = { 0 };
    size_t n = rewrite(in, len, out, borrowed, dbase, ddisp, direct, &f);
    if (n == 0 || n > WF_OUT_MAX || f.n < 0)
        return n;
    keep(m, in, len, out, n, *borrowed, dbase, ddisp, direct, &f);
    return n;
}
