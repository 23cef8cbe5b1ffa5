/*
 * tr_kpath.c - the instructions of kernel entry and exit stubs, translated
 * inline instead of calling a helper: PUSHA/POPA (eight stack accesses
 * through the usual address, segment-check and TLB paths), and the data
 * segment loads MOV DS/ES/FS/GS, r16/m16 and POP DS/ES/FS/GS at CPL 0 when
 * they reload what the register already holds; CLD/STD that leave DF as
 * it is (DF is a mode-key bit: the translation knows it).
 *
 * The segment load's fast path: the selector equals the cached one and
 *   - is null, and the cache holds a null load (base, limit, flags 0); or
 *   - names the GDT (TI = 0) within its limit, and the descriptor read
 *     there (an implicit supervisor read: at CPL 0 an ordinary access of
 *     the current TLB, which raises the #PF a helper would) equals the one
 *     the cache was loaded from (struct seg_cache.desc, accessed bit set).
 * The same selector and descriptor passed every check when they were
 * loaded, and at CPL 0 the checks are weaker than at any other level, so
 * the load changes nothing and nothing is left to do.  Likewise a selector
 * equal to the one the register held before its last load (vcpu->seg_prev,
 * kept by seg_load when a load left it and, for DS and ES, the two states
 * look the same to the mode key) that is null or whose GDT descriptor is
 * unchanged: the two states are swapped, with FS's and GS's run-time
 * classes (the stubs of a kernel entry load the kernel's selectors, such
 * as Linux's per-CPU FS over the user's null one; its exit pops the
 * user's).  Anything else (a
 * new selector, a changed descriptor: Linux's TLS entries behind GS, the
 * LDT) calls the helper as before.
 */
#include <stddef.h>

#include "helpers.h"
#include "tr_internal.h"

#define R(x) o_reg(ZYDIS_REGISTER_##x)
#define HMEM(sz) o_mem(ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R8, 1, 0, (sz))
#define VMEM(field, sz)                                                                            \
    o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, (int64_t)offsetof(struct vcpu, field), (sz))

/* The guest registers in PUSHA order (EAX ECX EDX EBX ESP EBP ESI EDI). */
static ZydisRegister gpr(int k, unsigned size)
{
    static const ZydisRegister r32[8] = { ZYDIS_REGISTER_EAX,  ZYDIS_REGISTER_ECX,
                                          ZYDIS_REGISTER_EDX,  ZYDIS_REGISTER_EBX,
                                          ZYDIS_REGISTER_R12D, ZYDIS_REGISTER_EBP,
                                          ZYDIS_REGISTER_ESI,  ZYDIS_REGISTER_EDI };
    static const ZydisRegister r16[8] = { ZYDIS_REGISTER_AX, ZYDIS_REGISTER_CX,   ZYDIS_REGISTER_DX,
                                          ZYDIS_REGISTER_BX, ZYDIS_REGISTER_R12W, ZYDIS_REGISTER_BP,
                                          ZYDIS_REGISTER_SI, ZYDIS_REGISTER_DI };
    return size == 2 ? r16[k] : r32[k];
}

/* [ESP + delta] (size) = reg, or reg = [ESP + delta] (load). */
static void stack_access(struct tr *t, int32_t delta, unsigned size, ZydisRegister reg, bool load)
{
    uint8_t ins[16];
    tr_addr_esp(t, delta, size);
    size_t n = load ? e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, o_reg(reg), HMEM(size))
                    : e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, HMEM(size), o_reg(reg));
    if (!n) {
        t->e.encode_error = true;
        return;
    }
    tr_mem_access(t, ins, n, size, load ? MEM_R : MEM_W | MEM_FINISH);
}

static void lea_esp(struct tr *t, int32_t delta)
{
    e_insn(&t->e, ZYDIS_MNEMONIC_LEA, 2, R(R12D),
           o_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_NONE, 0, delta, 8));
}

/* PUSHA: EAX first at ESP - size (the highest address, as the CPU
 * writes), the ESP of before the instruction, ESP moved last. */
static void pusha(struct tr *t, unsigned size)
{
    for (int k = 0; k < 8; k++)
        stack_access(t, -(int32_t)(size * (unsigned)(k + 1)), size, gpr(k, size), false);
    lea_esp(t, -(int32_t)(8 * size));
}

/* POPA: the words are read in ascending order (the ESP slot skipped, as
 * the CPU does) into vcpu->popa_scratch, so the first fault is the one of
 * the lowest word that faults and leaves every register as it was; then
 * the registers are loaded from there. */
static void popa(struct tr *t, unsigned size)
{
    uint8_t ins[16];
    for (int e = 0; e < 8; e++) {
        if (e == 7 - R_ESP)
            continue;
        tr_addr_esp(t, (int32_t)(e * (int)size), size);
        size_t n = size == 2 ? e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), HMEM(2))
                             : e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(R11D), HMEM(4));
        tr_mem_access(t, ins, n, size, MEM_R);
        e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, VMEM(popa_scratch[e], 4), R(R11D));
    }
    for (int e = 0; e < 8; e++)
        if (e != 7 - R_ESP)
            e_insn(&t->e, ZYDIS_MNEMONIC_MOV, 2, o_reg(gpr(7 - e, size)),
                   VMEM(popa_scratch[e], size));
    lea_esp(t, (int32_t)(8 * size));
}

bool tr_kpath_df(struct tr *t, bool std)
{
    if (t->bt->cfg.no_kpath || std != ((t->mode & MODE_DF) != 0))
        return false;
    t->bt->st.kpath_inline++;
    return true;
}

bool tr_kpath_stack(struct tr *t, const struct bt_insn *i)
{
    unsigned size = i->zi.operand_width / 8;
    /* a 16-bit stack (SP wraps) or real mode: the helpers; so is a stack
     * with a limit, which the helper checks for the whole frame before it
     * writes any of it (a check per element would write part of it) */
    if (t->bt->cfg.no_kpath || i->zi.address_width != 32 || (size != 2 && size != 4) ||
        (t->mode & (MODE_STACK16 | MODE_REAL | MODE_V86)) ||
        MODE_SEG_CLASS(t->mode, S_SS) != SEGC_FLAT)
        return false;
    switch (i->zi.mnemonic) {
    case ZYDIS_MNEMONIC_PUSHA:
    case ZYDIS_MNEMONIC_PUSHAD: pusha(t, size); break;
    case ZYDIS_MNEMONIC_POPA:
    case ZYDIS_MNEMONIC_POPAD: popa(t, size); break;
    default: return false;
    }
    t->bt->st.kpath_inline++;
    return true;
}

/* jcc rel32 to be fixed later; returns the offset of its rel32. */
static size_t jcc(struct tr *t, uint8_t cc)
{
    return e_jcc32(&t->e, cc);
}

enum { CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_A = 0x7 };

/* The descriptor check of a non-null GDT selector in r11d against the
 * descriptor at vcpu offset desc_off; jumps taken to the slow path are
 * appended to slow[*ns]. */
static void check_gdt_desc(struct tr *t, int64_t desc_off, size_t *slow, int *ns)
{
    struct emit *e = &t->e;
    uint8_t ins[16];
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, R(R11D), o_imm(4));
    slow[(*ns)++] = jcc(t, CC_NE); /* LDT */
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(R8D), R(R11D));
    e_insn(e, ZYDIS_MNEMONIC_AND, 2, R(R8D), o_imm(0xFFF8));
    e_insn(e, ZYDIS_MNEMONIC_LEA, 2, R(R9D),
           o_mem(ZYDIS_REGISTER_R8, ZYDIS_REGISTER_NONE, 0, 7, 8));
    e_insn(e, ZYDIS_MNEMONIC_MOVZX, 2, R(R10D), VMEM(gdtr.limit, 2));
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, R(R9D), R(R10D));
    slow[(*ns)++] = jcc(t, CC_A); /* beyond the GDT limit */
    e_insn(e, ZYDIS_MNEMONIC_ADD, 2, R(R8D), VMEM(gdtr.base, 4));
    size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOV, 2, R(R11), HMEM(8));
    tr_mem_access(t, ins, n, 8, MEM_R);
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, R(R11),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, desc_off, 8));
    slow[(*ns)++] = jcc(t, CC_NE);
    /* a cache loaded from a descriptor has its accessed bit set: one that
     * was not (desc 0) never matches a blank GDT entry */
    e_insn(e, ZYDIS_MNEMONIC_BT, 2, R(R11), o_imm(40));
    slow[(*ns)++] = jcc(t, CC_AE);
}

/* Swaps size bytes (8 or 1) at vcpu offsets a and b. */
static void swap_vcpu(struct tr *t, int64_t a, int64_t b, unsigned size)
{
    struct emit *e = &t->e;
    ZydisRegister r8 = size == 8 ? ZYDIS_REGISTER_R8 : ZYDIS_REGISTER_R8B;
    ZydisRegister r9 = size == 8 ? ZYDIS_REGISTER_R9 : ZYDIS_REGISTER_R9B;
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(r8),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, a, size));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_reg(r9),
           o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, b, size));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, a, size),
           o_reg(r9));
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, o_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, b, size),
           o_reg(r8));
}

/* Swaps vcpu->seg[seg] and vcpu->seg_prev[seg] (three qwords each), and
 * for FS and GS their run-time classes. */
static void swap_prev(struct tr *t, int seg)
{
    int64_t cur = (int64_t)offsetof(struct vcpu, seg[seg]);
    int64_t prev = (int64_t)offsetof(struct vcpu, seg_prev[seg]);
    for (int64_t q = 0; q < (int64_t)sizeof(struct seg_cache); q += 8)
        swap_vcpu(t, cur + q, prev + q, 8);
    if (seg == S_FS || seg == S_GS)
        swap_vcpu(t, (int64_t)offsetof(struct vcpu, seg_class[seg]),
                  (int64_t)offsetof(struct vcpu, seg_prev_class[seg]), 1);
}

bool tr_kpath_seg_load(struct tr *t, const struct bt_insn *i, int seg,
                       void (*slow_path)(struct tr *))
{
    struct emit *e = &t->e;
    const ZydisDecodedOperand *src = &i->ops[i->zi.mnemonic == ZYDIS_MNEMONIC_POP ? 0 : 1];
    bool pop = i->zi.mnemonic == ZYDIS_MNEMONIC_POP;
    unsigned osize = i->zi.operand_width / 8;
    /* real mode: a load sets base = selector * 16 whatever the cache held
     * (unreal mode), never a no-op to skip */
    if ((t->mode & (MODE_CPL_MASK | MODE_STACK16 | MODE_REAL | MODE_V86)) != 0 || seg == S_SS ||
        seg == S_CS || t->bt->cfg.no_kpath)
        return false;
    if (pop ? (i->zi.address_width != 32 || (osize != 2 && osize != 4))
            : (src->type != ZYDIS_OPERAND_TYPE_REGISTER &&
               (src->type != ZYDIS_OPERAND_TYPE_MEMORY || i->zi.address_width != 32)))
        return false;
    /* r11d = the selector */
    if (pop || src->type == ZYDIS_OPERAND_TYPE_MEMORY) {
        uint8_t ins[16];
        if (pop)
            tr_addr_esp(t, 0, 2);
        else
            tr_addr(t, src, 0);
        size_t n = e_encode(ins, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), HMEM(2));
        tr_mem_access(t, ins, n, 2, MEM_R);
    } else {
        ZydisRegister r = tr_map_reg(src->reg.value);
        ZydisRegister r16 = ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, ZydisRegisterGetId(r) & 15);
        if (r == ZYDIS_REGISTER_R12D || r == ZYDIS_REGISTER_R12W)
            r16 = ZYDIS_REGISTER_R12W;
        e_insn(e, ZYDIS_MNEMONIC_MOVZX, 2, R(R11D), o_reg(r16));
    }
    tr_flags_clobber(t);
    bool saved = t->flags_saved;
    size_t slow[16];
    int ns = 0;
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, R(R11W), VMEM(seg[seg].sel, 2));
    size_t same = jcc(t, CC_E);
    /* another selector: the one held before the last load, with its
     * descriptor unchanged, is swapped back in */
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, R(R11W), VMEM(seg_prev[seg].sel, 2));
    slow[ns++] = jcc(t, CC_NE);
    e_insn(e, ZYDIS_MNEMONIC_CMP, 2, VMEM(seg_prev_ok[seg], 1), o_imm(0));
    slow[ns++] = jcc(t, CC_E); /* nothing to swap back */
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, R(R11D), o_imm(0xFFFC));
    size_t null_prev = jcc(t, CC_E); /* a null load: nothing to check */
    check_gdt_desc(t, (int64_t)offsetof(struct vcpu, seg_prev[seg].desc), slow, &ns);
    e_fix32(e, null_prev, e->pos);
    swap_prev(t, seg);
    size_t swapped = e_jmp32(e);
    e_fix32(e, same, e->pos);
    e_insn(e, ZYDIS_MNEMONIC_TEST, 2, R(R11D), o_imm(0xFFFC));
    size_t nonnull = jcc(t, CC_NE);
    /* null: the cache must hold a null load */
    e_insn(e, ZYDIS_MNEMONIC_MOV, 2, R(R8D), VMEM(seg[seg].flags, 4));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, R(R8D), VMEM(seg[seg].base, 4));
    e_insn(e, ZYDIS_MNEMONIC_OR, 2, R(R8D), VMEM(seg[seg].limit, 4));
    slow[ns++] = jcc(t, CC_NE);
    size_t to_fast = e_jmp32(e);
    e_fix32(e, nonnull, e->pos);
    check_gdt_desc(t, (int64_t)offsetof(struct vcpu, seg[seg].desc), slow, &ns);
    e_fix32(e, to_fast, e->pos);
    e_fix32(e, swapped, e->pos);
    if (t->flags_saved != saved)
        e->encode_error = true; /* the paths would join with different flag states */
    /* fast: nothing changes but ESP */
    tr_flags_sync(t);
    tr_count(t, &t->cpu->st.seg_loads_fast);
    if (pop)
        lea_esp(t, (int32_t)osize);
    size_t done = e_jmp32(e);
    for (int k = 0; k < ns; k++)
        e_fix32(e, slow[k], e->pos);
    t->flags_saved = saved;
    slow_path(t);
    e_fix32(e, done, e->pos);
    t->bt->st.kpath_inline++;
    return true;
}
