/*
 * decode.c - the decoder front end: fetches and decodes one guest basic
 * block with Zydis (32-bit legacy mode) and computes, per instruction, the
 * arithmetic flags that are live before it, so the translator knows where an
 * inserted sequence may clobber the host flags.
 */
#include <string.h>

#include "tr_internal.h"
#include "mmu.h"

static ZydisDecoder g_dec32, g_dec16;
static bool g_dec_ready;

static void dec_init(void)
{
    if (!g_dec_ready) {
        ZydisDecoderInit(&g_dec32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
        ZydisDecoderInit(&g_dec16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
        g_dec_ready = true;
    }
}

/* Fetches up to 15 bytes at physical pc; bytes past the end of pc's page
 * come from the physical page `next` (~0: not mapped, read as 0xFF and
 * counted in *missing), bytes outside RAM and flash read as 0xFF. */
static void fetch(const struct mmu *mmu, uint32_t pc, uint32_t next, uint8_t *buf, int *missing)
{
    uint32_t page_end = (pc & PAGE_MASK) + PAGE_SIZE;
    *missing = 15;
    for (int k = 0; k < 15; k++) {
        uint32_t a = pc + (uint32_t)k;
        if (a >= page_end || a < pc) {
            if (next == UINT32_MAX) {
                if (*missing == 15)
                    *missing = k;
                buf[k] = 0xFF;
                continue;
            }
            a = (next & PAGE_MASK) + (a - page_end);
        }
        buf[k] = mmu_code_byte(mmu, a);
    }
    buf[15] = 0;
}

bool bt_ends_unit(const struct bt_insn *i)
{
    if (i->invalid)
        return true;
    switch (i->zi.meta.category) {
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET: return true;
    default: break;
    }
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_HLT:
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_IRET:
    case ZYDIS_MNEMONIC_IRETD:
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD:
    case ZYDIS_MNEMONIC_STI:
    case ZYDIS_MNEMONIC_CLI:
    case ZYDIS_MNEMONIC_LGDT:
    case ZYDIS_MNEMONIC_LIDT:
    case ZYDIS_MNEMONIC_LLDT:
    case ZYDIS_MNEMONIC_LTR:
    case ZYDIS_MNEMONIC_LMSW:
    case ZYDIS_MNEMONIC_CLTS:
    case ZYDIS_MNEMONIC_INVLPG:
    case ZYDIS_MNEMONIC_SYSENTER:
    case ZYDIS_MNEMONIC_SYSEXIT:
    case ZYDIS_MNEMONIC_LDS:
    case ZYDIS_MNEMONIC_LES:
    case ZYDIS_MNEMONIC_LFS:
    case ZYDIS_MNEMONIC_LGS:
    case ZYDIS_MNEMONIC_LSS:
    case ZYDIS_MNEMONIC_WRMSR: return true;
    case ZYDIS_MNEMONIC_MOV:
    case ZYDIS_MNEMONIC_POP:
        /* loads of segment or control registers change the mode key */
        for (int k = 0; k < i->zi.operand_count_visible; k++)
            if (i->ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER &&
                i->ops[k].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) {
                ZydisRegisterClass c = ZydisRegisterGetClass(i->ops[k].reg.value);
                if (c == ZYDIS_REGCLASS_SEGMENT || c == ZYDIS_REGCLASS_CONTROL ||
                    c == ZYDIS_REGCLASS_DEBUG)
                    return true;
            }
        return false;
    default: return false;
    }
}

/* F3 0F BC / F3 0F BD are TZCNT/LZCNT on the host but BSF/BSR with an
 * ignored REP prefix on a P6 (compilers emit "rep bsf" on purpose); the
 * host decodes the bytes differently, so they are re-encoded (hostform.c). */
static void p6_semantics(struct bt_insn *i)
{
    ZydisMnemonic mn = i->zi.mnemonic;
    if (mn != ZYDIS_MNEMONIC_TZCNT && mn != ZYDIS_MNEMONIC_LZCNT)
        return;
    i->zi.mnemonic = mn == ZYDIS_MNEMONIC_TZCNT ? ZYDIS_MNEMONIC_BSF : ZYDIS_MNEMONIC_BSR;
    i->zi.attributes &= ~(ZydisInstructionAttributes)(ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE);
    i->zi.meta.isa_set = ZYDIS_ISA_SET_I386;
    i->zi.meta.category = ZYDIS_CATEGORY_BITBYTE;
}

_Static_assert(BT_MAX_UNIT_BRANCHES <= UNIT_MAX_EXITS - 2, "side exits and the last two fit");

/* A conditional near branch on the flags (not LOOP/JCXZ, which test ECX). */
static bool is_jcc(const struct bt_insn *i)
{
    return !i->invalid && tr_jcc_code(i->zi.mnemonic) >= 0;
}

int bt_decode_unit(struct bt *bt, uint32_t eip, uint32_t pc, uint32_t mode, uint32_t max_insns,
                   struct bt_insn *out)
{
    dec_init();
    /* CS.D = 0 (real mode, V86, 16-bit protected-mode segments): 16-bit
     * operand and address sizes unless 0x66/0x67 say otherwise */
    const ZydisDecoder *dec = (mode & MODE_CODE16) ? &g_dec16 : &g_dec32;
    int n = 0;
    uint32_t page = pc & PAGE_MASK;
    uint32_t off = 0, side = 0;
    while ((uint32_t)n < max_insns) {
        struct bt_insn *i = &out[n];
        memset(&i->zi, 0, sizeof(i->zi));
        i->pc = eip + off;
        int missing;
        uint32_t next = bt->cpu ? bt->cpu->fetch_next : (pc & PAGE_MASK) + PAGE_SIZE;
        fetch(bt->mmu, pc + off, next, i->bytes, &missing);
        ZyanStatus st = ZydisDecoderDecodeFull(dec, i->bytes, (ZyanUSize)missing, &i->zi, i->ops);
        i->invalid = !ZYAN_SUCCESS(st);
        /* an instruction running into an unmapped page faults on fetch */
        i->fetch_fault = i->invalid && missing < 15;
        i->len = i->invalid ? 1 : i->zi.length;
        /* an instruction ending past the CS limit raises #GP(0) */
        i->limit_fault = bt->cpu && (uint64_t)i->pc + i->len - 1 > bt->cpu->seg[S_CS].limit;
        if (i->limit_fault) {
            n++;
            break;
        }
        if (!i->invalid)
            p6_semantics(i);
        i->tested = i->written_all = i->written_any = 0;
        if (!i->invalid && i->zi.cpu_flags) {
            const ZydisAccessedFlags *f = i->zi.cpu_flags;
            i->tested = f->tested & FL_ARITH;
            uint32_t w = (f->modified | f->set_0 | f->set_1 | f->undefined) & FL_ARITH;
            i->written_any = w;
            /* a conditional write (e.g. shift by CL, which may be 0) is not a kill */
            i->written_all = w;
        }
        n++;
        off += i->len;
        if (bt_ends_unit(i) && !tr_vflags_inline(bt, i, mode)) {
            /* a Jcc may be a side exit: the unit goes on with its
             * fall-through (tr_flow), leaving room for the last
             * instruction's two exits; not under the virtual clock, whose
             * budget charges a unit's instructions at its entry (a side
             * exit would charge ones never run, and guest time would
             * depend on unit boundaries more than it does) */
            if (!is_jcc(i) || side >= bt->cfg.unit_branches || side >= UNIT_MAX_EXITS - 2 ||
                bt->cfg.virtual_clock)
                break;
            side++;
        }
        if (((pc + off) & PAGE_MASK) != page)
            break;
    }
    return n;
}

/* Instructions whose flag outputs depend on a count that may be zero leave
 * the flags unchanged in that case: their writes do not kill liveness.
 * Shifts and rotates by CL (or by an immediate masking to 0), and
 * REP/REPE/REPNE CMPS and SCAS (ECX = 0 compares nothing). */
static bool writes_conditionally(const struct bt_insn *i)
{
    const ZydisInstructionAttributes rep =
        ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE;
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_CMPSB:
    case ZYDIS_MNEMONIC_CMPSW:
    case ZYDIS_MNEMONIC_CMPSD:
    case ZYDIS_MNEMONIC_SCASB:
    case ZYDIS_MNEMONIC_SCASW:
    case ZYDIS_MNEMONIC_SCASD: return (i->zi.attributes & rep) != 0;
    case ZYDIS_MNEMONIC_SHL:
    case ZYDIS_MNEMONIC_SHR:
    case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL:
    case ZYDIS_MNEMONIC_ROR:
    case ZYDIS_MNEMONIC_RCL:
    case ZYDIS_MNEMONIC_RCR:
    case ZYDIS_MNEMONIC_SHLD:
    case ZYDIS_MNEMONIC_SHRD:
        for (int k = 0; k < i->zi.operand_count_visible; k++) {
            if (i->ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER &&
                i->ops[k].reg.value == ZYDIS_REGISTER_CL)
                return true;
            /* an immediate count that masks to 0 leaves the flags alone */
            if (i->ops[k].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && (i->ops[k].imm.value.u & 31) == 0)
                return true;
        }
        return false;
    default: return false;
    }
}

/* Instructions that write the flags and may raise a fault without touching
 * memory through the translated code's inline access (where a fault with
 * dead flags is a documented deviation): DIV/IDIV (#DE from the host CPU)
 * and the helpers that may fault: AAM 0 (#DE), ARPL, LAR, LSL, VERR, VERW
 * (#GP, #PF), POPF and IRET (#SS, #GP, #PF). */
static bool faults_writing_flags(const struct bt_insn *i)
{
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_DIV:
    case ZYDIS_MNEMONIC_IDIV:
    case ZYDIS_MNEMONIC_AAM:
    case ZYDIS_MNEMONIC_ARPL:
    case ZYDIS_MNEMONIC_LAR:
    case ZYDIS_MNEMONIC_LSL:
    case ZYDIS_MNEMONIC_VERR:
    case ZYDIS_MNEMONIC_VERW:
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD:
    case ZYDIS_MNEMONIC_IRET:
    case ZYDIS_MNEMONIC_IRETD: return true;
    default: return false;
    }
}

void bt_liveness(struct bt_insn *in, int n)
{
    uint32_t live = FL_ARITH; /* conservatively live after the unit */
    for (int k = n - 1; k >= 0; k--) {
        struct bt_insn *i = &in[k];
        if (i->invalid) {
            live = FL_ARITH; /* the exception frame holds EFLAGS */
        } else {
            if (writes_conditionally(i))
                i->written_all = 0;
            /* the exception frame of a fault holds the flags from before
             * the instruction, so keep them */
            if (faults_writing_flags(i))
                i->tested = FL_ARITH;
            if (k < n - 1 && is_jcc(i))
                live = FL_ARITH; /* a side exit: live after the unit */
            live = (live & ~i->written_all) | i->tested;
        }
        i->live_in = live;
    }
}
