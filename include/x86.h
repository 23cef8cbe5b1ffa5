/*
 * x86.h - IA-32 architectural definitions shared by every module: EFLAGS,
 * control and debug register bits, exception vectors, page-table entry
 * bits and the #PF error code, the MSRs xbt implements.  Values are the
 * Intel SDM's (Vol. 3A); nothing here is xbt's own choice.
 */
#ifndef XBT_X86_H
#define XBT_X86_H

/* EFLAGS */
#define EFL_CF 0x0001u
#define EFL_PF 0x0004u
#define EFL_AF 0x0010u
#define EFL_ZF 0x0040u
#define EFL_SF 0x0080u
#define EFL_TF 0x0100u
#define EFL_IF 0x0200u
#define EFL_DF 0x0400u
#define EFL_OF 0x0800u
#define EFL_IOPL 0x3000u
#define EFL_NT 0x4000u
#define EFL_RF 0x10000u
#define EFL_VM 0x20000u
#define EFL_AC 0x40000u
#define EFL_ID 0x200000u
/* The flags that live in host RFLAGS while translated code runs. */
#define EFL_ARITH (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

/* CR0 */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u

/* CR4 */
#define CR4_VME 0x001u
#define CR4_PVI 0x002u
#define CR4_TSD 0x004u
#define CR4_DE 0x008u
#define CR4_PSE 0x010u
#define CR4_PAE 0x020u
#define CR4_MCE 0x040u
#define CR4_PGE 0x080u
#define CR4_PCE 0x100u

/* DR6 (debug status) */
#define DR6_B0 0x0001u        /* B0..B3: breakpoint n matched */
#define DR6_BD 0x2000u        /* debug register access detected */
#define DR6_BS 0x4000u        /* single step */
#define DR6_BT 0x8000u        /* task switch */
#define DR6_FIXED 0xFFFF0FF0u /* bits that read as 1 */
/* DR7 (debug control) */
#define DR7_GD 0x2000u /* general detect */

/* Exception vectors */
enum {
    EXC_DE = 0,
    EXC_DB = 1,
    EXC_NMI = 2,
    EXC_BP = 3,
    EXC_OF = 4,
    EXC_BR = 5,
    EXC_UD = 6,
    EXC_NM = 7,
    EXC_DF = 8,
    EXC_TS = 10,
    EXC_NP = 11,
    EXC_SS = 12,
    EXC_GP = 13,
    EXC_PF = 14,
    EXC_MF = 16,
    EXC_AC = 17,
    EXC_MC = 18,
};

/* Page-directory and page-table entries (32-bit paging) */
#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_PS 0x080u /* PDE: 4 MiB page (CR4.PSE) */
#define PTE_G 0x100u  /* global (CR4.PGE) */

/* #PF error code */
#define PF_P 0x1u    /* protection violation (else not present) */
#define PF_W 0x2u    /* write */
#define PF_U 0x4u    /* CPL 3 */
#define PF_RSVD 0x8u /* reserved bit set */

/* MSRs */
#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1B
#define MSR_APIC_BASE_BSP 0x100ull
#define MSR_APIC_BASE_ENABLE 0x800ull
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

#endif
