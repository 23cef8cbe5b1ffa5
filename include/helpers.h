/*
 * helpers.h - C helpers called from translated code through
 * xbt_helper_thunk: fn(cpu, r8d, r9d, r10d) with cpu->eip = the guest
 * instruction being executed.  The guest registers and EFLAGS are in
 * struct vcpu during the call and are reloaded from it afterwards.  A
 * helper that raises a fault or must leave translated code calls
 * vcpu_raise()/vcpu_exit_at().
 */
#ifndef XBT_BT_HELPERS_H
#define XBT_BT_HELPERS_H

#include "vcpu.h"

#define HLP(name)                                                                                  \
    uint64_t name(struct vcpu *cpu, uint32_t a, __attribute__((unused)) uint32_t b,                \
                  __attribute__((unused)) uint32_t next)

/* a = port, or HLP_PORT_DX to use DX; b = size in bytes */
#define HLP_PORT_DX 0x10000u
/* IOPL / I/O bitmap check; raises #GP(0) and returns false if denied. */
bool io_allowed(struct vcpu *cpu, uint16_t port, unsigned size);
HLP(hlp_in);
HLP(hlp_out);
/* a = op | size << 8 | rep << 12 | a16 << 14 | seg << 16 (source segment) */
enum { STR_MOVS, STR_STOS, STR_LODS, STR_CMPS, STR_SCAS, STR_INS, STR_OUTS };
enum { REP_NONE = 0, REP_REP = 1, REP_REPNE = 2 };
HLP(hlp_string);
HLP(hlp_hlt);
/* a = enum flag_op; b = operand size */
enum flag_op { FOP_CLI, FOP_STI, FOP_CLD, FOP_STD, FOP_PUSHF, FOP_POPF };
HLP(hlp_flagop);
HLP(hlp_cpuid);
HLP(hlp_rdtsc);
HLP(hlp_rdpmc);
/* a = vector */
HLP(hlp_raise_ud);
/* a = linear address (CS-relative EIP + base done by the caller) of the
 * page an instruction runs into: raises its #PF */
HLP(hlp_fetch_fault);
/* a = vector, b = error code (always pushed) */
HLP(hlp_raise);
/* a = offset, b = size | 0x100 for a write, next = segment: checks the
 * access (limit, expand-down, unusable, read-only); returns the offset */
HLP(hlp_seg_check);
/* a = vector, b = 0 INT n, 1 INT3, 2 INTO, 3 INT1 (ICEBP: #DB as a trap-class
 * exception, no DPL check, DR6 left alone as on hardware) */
HLP(hlp_int);
/* a = operand size */
HLP(hlp_iret);
/* a = selector, b = offset; cpu->far_kind = operand size | 0x10 for CALL */
HLP(hlp_farjmp);
/* a = operand size, b = bytes to release (RETF imm16) */
HLP(hlp_farret);
/* a = linear address of m16:32 (or m16:16), b = operand size | 0x10 for CALL */
HLP(hlp_farjmp_m);
/* a = segment | dest reg << 4 | operand size << 8, b = linear address */
HLP(hlp_lxs);
/* a = 1 for WAIT */
HLP(hlp_fpu_nm);
/* a = segment index, b = selector value */
HLP(hlp_load_seg);
/* a = segment index, b = operand size */
HLP(hlp_pop_seg);
/* a = 0 LGDT, 1 LIDT, 2 SGDT, 3 SIDT, | 0x10 for a 16-bit operand size
 * (24-bit base); b = linear address */
HLP(hlp_dtr);
/* a = CR number | 0x100 for a read, b = value (write) or GPR index (read) */
HLP(hlp_mov_cr);
/* a = operand size */
HLP(hlp_pusha);
HLP(hlp_popa);
/* a = enum bcd_op, b = AAM/AAD base */
enum bcd_op { BCD_DAA, BCD_DAS, BCD_AAA, BCD_AAS, BCD_AAM, BCD_AAD, BCD_SALC };
HLP(hlp_bcd);
/* a = register index | operand size << 4, b = linear address */
HLP(hlp_bound);
/* a = enum priv_op | PRIV_MEM | PRIV_O32 | reg fields, b = value or address */
enum priv_op {
    PRIV_LLDT,
    PRIV_LTR,
    PRIV_SLDT,
    PRIV_STR,
    PRIV_SMSW,
    PRIV_LMSW,
    PRIV_CLTS,
    PRIV_INVD,
    PRIV_WBINVD,
    PRIV_INVLPG,
    PRIV_LAR,
    PRIV_LSL,
    PRIV_VERR,
    PRIV_VERW,
    PRIV_ARPL,
    PRIV_MOV_TO_DR,
    PRIV_MOV_FROM_DR,
    PRIV_RDMSR,
    PRIV_WRMSR,
    PRIV_SYSENTER,
    PRIV_SYSEXIT,
};
#define PRIV_MEM 0x100u                /* operand is memory at linear b */
#define PRIV_O32 0x200u                /* 32-bit operand size */
#define PRIV_REG(a) (((a) >> 12) & 7)  /* register operand (destination) */
#define PRIV_REG2(a) (((a) >> 16) & 7) /* second register / DR number */
#define PRIV_SET_REG(r) ((uint32_t)(r) << 12)
#define PRIV_SET_REG2(r) ((uint32_t)(r) << 16)
HLP(hlp_priv);
/* a = frame size, b = nesting level | operand size << 8 */
HLP(hlp_enter);

#endif
