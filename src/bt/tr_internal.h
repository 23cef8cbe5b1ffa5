/*
 * tr_internal.h - state shared by the files of the translator (src/bt).
 */
#ifndef XBT_TR_INTERNAL_H
#define XBT_TR_INTERNAL_H

#include <Zydis/Zydis.h>

#include "bt.h"
#include "emit.h"
#include "mmu.h"
#include "tcache.h"
#include "cpu.h"

#define FL_ARITH 0x8D5u

struct bt_insn {
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint32_t pc; /* linear EIP */
    uint8_t len;
    uint8_t bytes[16];
    uint32_t tested, written_all, written_any; /* arithmetic flags */
    uint32_t live_in;                          /* arithmetic flags live before the instruction */
    bool invalid;                              /* could not be decoded: #UD */
    bool fetch_fault; /* its bytes run into an unmapped page: #PF on fetch */
    bool limit_fault; /* it ends past the CS limit: #GP(0) */
};

enum stub_kind { STUB_MEM, STUB_EXIT, STUB_REQ, STUB_SEGFAULT, STUB_BUDGET };

struct stub {
    enum stub_kind kind;
    size_t rel_off;   /* rel32 in the body that must reach the stub */
    bool flags_saved; /* guest flags are in r13 at the branch */
    /* STUB_MEM */
    uint32_t info, eip, next_eip;
    int memop; /* index in tr.memops (MEM_HOST), or -1 */
    uint8_t ins[48];
    uint8_t ins_len;
    size_t resume_off;
    /* STUB_EXIT / STUB_REQ */
    int exit_idx;
    uint32_t target;
};

#define TR_MAX_STUBS (BT_MAX_UNIT_INSNS * 4 + 8)

struct tr {
    struct bt *bt;
    struct vcpu *cpu;
    struct emit e;
    uint32_t mode;
    struct bt_insn *in;
    int n;
    const struct bt_insn *i; /* instruction being translated */
    bool flags_saved;        /* guest flags are in r13, host flags garbage */
    bool ended;              /* the unit's last exit has been emitted */
    struct stub *stubs;
    int nstubs;
    int nexits;
    struct unit proto;
    struct unit *future; /* descriptor the unit will get */
    bool host_mem;       /* MEM_HOST: accesses are [r14 + r8] in the window */
    bool fetch_faulted;  /* ends with a fetch #PF into the next page */
    /* set by tr_addr() for the next tr_mem_access(): MEM_HOST and the guest
     * address is a plain base + disp, so the access is [r14 + base + disp]
     * and r8 is not computed */
    bool direct;
    ZydisRegister direct_base; /* host register, or NONE for an absolute address */
    int32_t direct_disp;
    struct unit_memop *memops;
    uint32_t nmemops;
};

/* translate.c */
void tr_flags_clobber(struct tr *t);
void tr_flags_clobber_keep(struct tr *t, bool keep);
void tr_flags_sync(struct tr *t);
void tr_flags_before_native(struct tr *t, const struct bt_insn *i);
ZydisRegister tr_host64(ZydisRegister guest);
ZydisRegister tr_map_reg(ZydisRegister guest);
void tr_ea(struct tr *t, const ZydisDecodedOperand *mem, int32_t extra_disp);
void tr_offset(struct tr *t, const ZydisDecodedOperand *mem, int32_t extra_disp);
void tr_seg(struct tr *t, int seg, unsigned size, bool write);
/* Prepares the address of the next tr_mem_access(): direct form when
 * possible (MEM_HOST), else r8d = linear address (tr_ea). */
void tr_addr(struct tr *t, const ZydisDecodedOperand *mem, int32_t extra_disp);
/* The same for ESP + delta (stack accesses). */
void tr_addr_esp(struct tr *t, int32_t delta, unsigned size);
void tr_mem_access(struct tr *t, const uint8_t *ins, size_t len, unsigned size, unsigned rw);
void tr_call_helper(struct tr *t, void *fn, int co_kind);
/* ++*counter without touching the flags; clobbers r11 and r13. */
void tr_count(struct tr *t, uint64_t *counter);
/* *counter += n without touching the flags, n patched in later at the
 * returned offset (a 32-bit field); clobbers r11 and r13. */
size_t tr_count_add(struct tr *t, uint64_t *counter);
void tr_exit_direct(struct tr *t, uint32_t target, int cc); /* cc < 0: jmp */
void tr_exit_unchained(struct tr *t, uint32_t target);
void tr_exit_indirect(struct tr *t);
void tr_set_r8(struct tr *t, uint32_t v);
/* Translates one guest instruction into t's buffer. */
void tr_insn(struct tr *t, const struct bt_insn *i);
/* A new out-of-line stub of kind k (flags state recorded). */
struct stub *tr_new_stub(struct tr *t, enum stub_kind k);
/* The stubs' code, after the unit body (unit.c emits them). */
void tr_emit_stub_mem(struct tr *t, struct stub *s);
void tr_emit_stub_exit(struct tr *t, struct stub *s);
/* Leaves translated code for the dispatcher at guest eip (chain: the
 * chain_info value: a chain request, or an enum bt_exit_marker). */
void tr_emit_leave(struct tr *t, uint32_t eip, uint64_t chain);
void tr_set_r9(struct tr *t, uint32_t v);
void tr_set_r10(struct tr *t, uint32_t v);

/* tr_flow.c: control flow and the stack */
bool tr_flow(struct tr *t, const struct bt_insn *i);
/* tr_string.c: MOVS/STOS/LODS without REP inline (false: use the helper) */
bool tr_string_inline(struct tr *t, const struct bt_insn *i, int op, unsigned size);
/* tr_kpath.c: CLD/STD that leave DF as the mode key has it (nothing to
 * emit; false: use the helper) */
bool tr_kpath_df(struct tr *t, bool std);
/* tr_kpath.c: PUSHA/POPA inline (false: use the helper) */
bool tr_kpath_stack(struct tr *t, const struct bt_insn *i);
/* A data segment load (MOV Sreg, r16 or POP Sreg of DS/ES/FS/GS) at CPL 0
 * with its reload fast path inline and slow_path (the helper call) out of
 * it; false: not for this instruction (the caller emits the helper call). */
bool tr_kpath_seg_load(struct tr *t, const struct bt_insn *i, int seg,
                       void (*slow_path)(struct tr *));
/* tr_vflags.c: PUSHF, and POPF/CLI/STI at CPL 0, inline: whether i is
 * translated so in mode (the unit goes on after it), and the translation
 * (false: use the helper) */
bool tr_vflags_inline(const struct bt *bt, const struct bt_insn *i, uint32_t mode);
bool tr_vflags(struct tr *t, const struct bt_insn *i);
/* tr_system.c: instructions that become helper calls */
bool tr_system(struct tr *t, const struct bt_insn *i);
/* The condition code (0..15) of a Jcc mnemonic, -1 for any other. */
int tr_jcc_code(ZydisMnemonic mn);
void tr_raise_ud(struct tr *t, const struct bt_insn *i);
/* winform.c: the access `in` (addressing [r9 + r8]) in the host-window
 * form, [r14 + r8], or with direct [r14 + dbase + ddisp], into out (64
 * bytes); its length (0: cannot be encoded); *borrowed = the register
 * the borrowed-register form uses, or -1. */
size_t bt_window_form(const uint8_t *in, size_t len, uint8_t *out, int *borrowed,
                      ZydisRegister dbase, int32_t ddisp, bool direct);
/* xfer.c: the helper that runs fn (hlp_priv's SYSENTER/SYSEXIT, hlp_iret,
 * hlp_int) and then returns the next unit's code (0: the helper thunk
 * leaves for the dispatcher), or NULL for any other fn. */
typedef uint64_t hlp_fn_t(struct vcpu *cpu, uint32_t a, uint32_t b, uint32_t next);
hlp_fn_t *bt_xfer_helper(hlp_fn_t *fn);

/* hostform.c: the form of an instruction in host code (the rules are at the
 * top of hostform.c).  Lengths are 0 when Zydis cannot encode the form. */
enum bt_form {
    BT_FORM_COPY,     /* the host reads the same instruction from its bytes: copy them */
    BT_FORM_REENCODE, /* re-encode for 64-bit mode, ESP as R12 (bt_reencode) */
    BT_FORM_LEGACY,   /* names AH..BH and ESP: ESP through a borrowed legacy register */
};
/* The form of an instruction without a memory operand. */
enum bt_form bt_reg_form(const struct bt_insn *i);
/* True if the host decodes i's bytes as the same instruction and operands. */
bool bt_host_same(const struct bt_insn *i);
/* True if i names AH, CH, DH or BH. */
bool bt_names_high_byte(const struct bt_insn *i);
/* i for 64-bit mode with ESP as R12 and its memory operand (if any) as
 * [mbase + mindex], into out[48]. */
size_t bt_reencode(const struct bt_insn *i, ZydisRegister mbase, ZydisRegister mindex,
                   uint8_t *out);
/* i on the host address [r9 + r8], into out[48]; with AH..BH through a
 * borrowed legacy register X: mov r11,X; lea X,[r9+r8]; op [X]; mov X,r11. */
size_t bt_mem_form(const struct bt_insn *i, uint8_t *out);
/* BT_FORM_LEGACY, into out[48]: mov r11,X; mov X32,r12d; op with X32 for
 * ESP; mov r12d,X32; mov X,r11. */
size_t bt_legacy_form(const struct bt_insn *i, uint8_t *out);
/* The 64-bit-mode decoder. */
const ZydisDecoder *bt_host_decoder(void);

/* decode.c */
int bt_decode_unit(struct bt *bt, uint32_t eip, uint32_t pc, uint32_t mode, uint32_t max_insns,
                   struct bt_insn *out);
void bt_liveness(struct bt_insn *in, int n);
bool bt_ends_unit(const struct bt_insn *i);

#endif
