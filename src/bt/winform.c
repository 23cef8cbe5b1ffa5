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
 * so the results are kept by everything they depend on: the bytes, and
 * for the direct form the base register and displacement.
 * XBT_ENCODE_CHECK=1 (encmemo.h) rewrites every hit again and aborts on a
 * difference.
 */
#include <stdlib.h>
#include <string.h>

#include "encmemo.h"
#include "tr_internal.h"

/* Tunable: entries of the memo (direct-mapped, 144 bytes each, allocated
 * on first use).  Policy: see bt_window_form's counters in --stats
 * (bt.window_form_hits / _misses): the Linux boot rewrites about 160,000
 * accesses of a few thousand forms. */
#define WF_ENTRIES 8192u
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
    int32_t ddisp;
};

static struct wf_entry *g_wf;
static struct bt_form_stats g_wst;

const struct bt_form_stats *bt_form_stats(void)
{
    return &g_wst;
}

/* The rewrite itself: every instruction of in decoded, the ones addressing
 * [r9 + r8] encoded again. */
static size_t rewrite(const uint8_t *in, size_t len, uint8_t *out, int *borrowed,
                      ZydisRegister dbase, int32_t ddisp, bool direct)
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
            n += l;
        }
        pos += zi.length;
    }
    return n;
}

static uint64_t wf_hash(const uint8_t *in, size_t len, uint16_t dbase, int32_t ddisp)
{
    uint64_t h = len ^ (uint64_t)dbase << 8 ^ (uint64_t)(uint32_t)ddisp << 24;
    for (size_t k = 0; k < len; k++)
        h = (h ^ in[k]) * 0x100000001B3ull;
    return h ^ h >> 31;
}

/* XBT_ENCODE_CHECK: the hit must equal the rewrite done now. */
static void check_hit(const struct wf_entry *m, ZydisRegister dbase, int32_t ddisp)
{
    uint8_t ref[WF_OUT_MAX];
    int b;
    size_t n = rewrite(m->in, m->len, ref, &b, dbase, ddisp, m->direct);
    if (n == m->out_len && b == m->borrowed && !memcmp(ref, m->out, n))
        return;
    xbt_error("internal error: the window-form memo differs from the rewrite");
    abort();
}

size_t bt_window_form(const uint8_t *in, size_t len, uint8_t *out, int *borrowed,
                      ZydisRegister dbase, int32_t ddisp, bool direct)
{
    if (!direct) {
        dbase = ZYDIS_REGISTER_NONE;
        ddisp = 0;
    }
    if (len == 0 || len > WF_IN_MAX)
        return rewrite(in, len, out, borrowed, dbase, ddisp, direct);
    if (!g_wf && !(g_wf = calloc(WF_ENTRIES, sizeof(*g_wf))))
        return rewrite(in, len, out, borrowed, dbase, ddisp, direct);
    struct wf_entry *m = &g_wf[wf_hash(in, len, (uint16_t)dbase, ddisp) % WF_ENTRIES];
    if (m->len == len && m->direct == direct && m->dbase == (uint16_t)dbase && m->ddisp == ddisp &&
        !memcmp(m->in, in, len)) {
        g_wst.hits++;
        if (enc_memo_checking())
            check_hit(m, dbase, ddisp);
        memcpy(out, m->out, m->out_len);
        *borrowed = m->borrowed;
        return m->out_len;
    }
    g_wst.misses++;
    size_t n = rewrite(in, len, out, borrowed, dbase, ddisp, direct);
    if (n == 0 || n > WF_OUT_MAX)
        return n;
    memcpy(m->in, in, len);
    memcpy(m->out, out, n);
    m->len = (uint8_t)len;
    m->out_len = (uint8_t)n;
    m->borrowed = (int8_t)*borrowed;
    m->direct = direct;
    m->dbase = (uint16_t)dbase;
    m->ddisp = ddisp;
    return n;
}
