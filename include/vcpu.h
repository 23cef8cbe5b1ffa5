/*
 * vcpu.h - the virtual IA-32 CPU state.
 *
 * While translated code runs, the guest general registers live in host
 * registers (EAX..EDI in RAX..RDI with ESP in R12) and the guest arithmetic
 * flags live in the host RFLAGS; struct vcpu holds them whenever control is
 * in C (the trampolines in src/bt/entry.S move them in and out).  Every
 * other piece of state (EIP between units, IF, DF, IOPL, segment and control
 * registers) is always here.
 *
 * The first part of the structure is read by assembly and by emitted code at
 * fixed offsets (VCPU_OFF_*); _Static_asserts in src/vcpu.c keep the two in
 * step.
 */
#ifndef XBT_VCPU_H
#define XBT_VCPU_H

#include <stdio.h>

#include "xbt.h"
#include "x86.h"
#include "lines.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_COUNT };

struct bt;

struct seg_cache {
    uint16_t sel;
    uint32_t base;
    uint32_t limit; /* byte granular, already scaled by G */
    uint32_t flags; /* descriptor bits 8..23 of the high dword (type, S, DPL, P, AVL, D/B, G) */
    uint64_t desc;  /* the descriptor loaded (low | high << 32, accessed bit set); 0: not
                       loaded from one (null, reset, real mode, SYSENTER) */
};

struct dtr {
    uint32_t base;
    uint16_t limit;
};

/* Reasons translated code returns to the dispatcher (vcpu.exit_reason). */
enum vcpu_exit {
    EXIT_NORMAL = 0, /* leave to the dispatcher at vcpu.eip (chain_info may ask for a patch) */
    EXIT_HALT,       /* HLT executed; eip is past it */
    EXIT_STATE,      /* a helper changed state the translation depends on */
};

/* A guest event to deliver through the IDT. */
enum vcpu_event_kind {
    EV_NONE = 0,
    EV_FAULT,  /* exception; the frame's EIP is cpu->eip (the faulting
                          * instruction); error code if has_err */
    EV_TRAP,   /* exception-class trap (single step, INT1): returns to
                          * ret; the gate's DPL is not checked */
    EV_SOFT,   /* INT n / INT3 / INTO: returns to ret; the gate's DPL
                          * is checked */
    EV_EXTINT, /* external interrupt (the PIC): returns to cpu->eip */
};
struct vcpu_event {
    enum vcpu_event_kind kind;
    int vec;
    bool has_err;
    uint32_t err;
    uint32_t ret; /* EV_TRAP, EV_SOFT: the return EIP */
};

struct tlb_entry;
struct lapic;
struct mmu;
struct io_bus;
struct xclock;

/* The MSRs that are only stored (src/cpu/msr.c). */
struct vcpu_msrs {
    uint64_t apic_base;
    uint64_t perfctr[2];
    uint32_t evntsel[2];
    uint32_t debugctl;
};

/* What the CPU side counts (printed by --stats under "bt"). */
struct vcpu_stats {
    uint64_t seg_loads_inline;     /* data segment loads that did not end their unit */
    uint64_t seg_loads_fast;       /* inline data segment reloads (tr_kpath.c) */
    uint64_t direct_blocks;        /* frames and descriptors accessed in one translation */
    uint64_t element_blocks;       /* ... element by element (page crossing, fault, MMIO) */
    uint64_t string_bulk;          /* string instruction runs done on host pointers */
    uint64_t string_bulk_elements; /* elements in those runs */
    uint64_t string_elements;      /* elements done one at a time */
    uint64_t rm_ints;              /* interrupts and exceptions delivered through the IVT */
    uint64_t rm_far;               /* real-mode/V86 far JMP, CALL, RET and IRET */
    uint64_t mode_switches;        /* CR0.PE changes */
    uint64_t v86_enters;           /* IRETs and task switches into virtual-8086 mode */
    uint64_t v86_exits;            /* interrupts and exceptions out of virtual-8086 mode */
    uint64_t v86_traps;            /* IOPL-sensitive instructions that raised #GP in V86 */
    uint64_t ibp_checks;           /* instructions checked against DR0-DR3 (one armed) */
    uint64_t ibp_hits;             /* instruction-breakpoint #DB faults raised */
    uint64_t wp_hits;              /* data-breakpoint #DB traps raised */
};

struct vcpu {
    /* ---- fixed layout, used from assembly and emitted code ---- */
    uint32_t regs[8];      /* 0x00 guest GPRs, in encoding order */
    uint32_t eip;          /* 0x20 guest EIP when control is in C */
    uint32_t eflags;       /* 0x24 guest EFLAGS (arith bits valid in C only) */
    uint64_t host_rsp;     /* 0x28 host stack pointer of the trampoline frame */
    uint64_t chain_info;   /* 0x30 exiting unit | exit index, or 0 */
    struct tlb_entry *tlb; /* 0x38 TLB for the current privilege level */
    void *exit_thunk;      /* 0x40 save state and return to the dispatcher */
    void *helper_thunk;    /* 0x48 call a C helper from translated code */
    void *mem_thunk;       /* 0x50 memory slow path (TLB miss, MMIO, ...) */
    void *wb_thunk;        /* 0x58 write back a bounced store */
    uint8_t exit_request;  /* 0x60 non-zero: leave at the next unit entry */
    uint8_t helper_exit;   /* 0x61 set by a helper: leave after the call */
    /* 0x62 the dispatcher saw an interrupt request it could not deliver
     * (IF = 0, a shadow, an event first): translated code that sets IF
     * leaves for it (src/bt/tr_vflags.c) */
    uint8_t irq_waiting;
    uint8_t pad0[1];
    uint32_t exit_reason;    /* 0x64 enum vcpu_exit */
    struct jc_entry *jcache; /* 0x68 indirect-branch lookup table */
    int64_t
        budget; /* 0x70 virtual clock: instructions left before the dispatcher must look at timers */
    uint8_t bounce[128]
        __attribute__((aligned(16))); /* 0x80 slow-path bounce buffer (FNSAVE needs 108) */
    /* ---- end of fixed layout ---- */

    struct seg_cache seg[S_COUNT];
    struct dtr gdtr, idtr;
    struct seg_cache ldt; /* LDTR and its descriptor cache */
    struct seg_cache tss; /* TR and its descriptor cache */
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    unsigned wp_armed; /* DR0-DR3 armed as data breakpoints (bit n: DRn; dbg_bp.c), */
    unsigned wp_hit;   /* ... that the current instruction has hit; bits 4-7: */
    struct vcpu_watch {
        uint32_t lo, len; /* [lo, lo + len), len 0: unused */
        unsigned kind;    /* DBG_WATCH_* */
    } ext_watch[4];       /* a debugger's watchpoints (the gdb stub) */
    unsigned ext_stop;    /* ext_watch slots hit, for the debugger to report */
    uint32_t cpl;
    /* MSRs */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    int64_t tsc_offset;    /* TSC - guest ns */
    int64_t budget_synced; /* virtual clock: budget when time last caught up */
    struct vcpu_msrs msr;
    /* interrupt shadow: after STI (IF 0 -> 1) and MOV SS / POP SS the next
     * instruction runs before interrupts are recognised */
    bool int_shadow;
    /* cpu_seg_class of FS and GS (not in the mode key), for translated
     * code; kept by cpu_seg_class_sync (cpu_mode.h) */
    uint8_t seg_class[S_COUNT];
    unsigned far_kind; /* far JMP/CALL helper argument: osize | 0x10 call */
    /* the A20 gate is closed (vcpu_set_a20): physical address bit 20 reads
     * as 0, as on a PC whose keyboard controller or port 0x92 cleared it */
    bool a20_off;
    uint32_t fetch_next; /* physical page after the one being translated, or ~0 */

    /* Pending bounced access, for the write-back thunk. */
    uint32_t bounce_addr;  /* physical address of the first byte */
    uint32_t bounce_addr2; /* physical address of the second page's part */
    uint32_t bounce_split; /* bytes on the first page */
    uint32_t bounce_size;
    bool bounce_active;
    bool bounce_write;
    bool smc_hit; /* a store invalidated translations */

    /* The guest-visible event waiting for delivery through the IDT before
     * the next instruction (set only by vcpu_pend, cpu.h). */
    struct vcpu_event pending;

    /* What the vCPU is wired to (src/machine.c): the memory it reaches,
     * the I/O bus of IN/OUT, and where it asks for the end of the run
     * (triple fault; what xbt cannot execute yet). */
    struct mmu *mmu;
    struct io_bus *bus;
    struct xclock *clock; /* guest time: the TSC counts it */
    struct stop_line stop;
    /* The INTR input: the controller whose requests the run loop takes
     * (the local APIC, or the 8259 pair without one), and the local APIC
     * itself (NULL with --no-apic: CPUID then has no APIC bit and the
     * APIC_BASE MSR is only stored). */
    struct intr_source intr;
    struct lapic *lapic;
    /* The translator whose units SYSENTER, SYSEXIT, INT n and IRET may
     * enter without the dispatcher (src/bt/xfer.c), or NULL: they always
     * leave. */
    struct bt *bt;
    unsigned log_flags; /* XBT_LOG_* (-d): int logs deliveries */

    uint64_t icount_units; /* units entered (statistics) */
    struct vcpu_stats st;
    uint32_t popa_scratch[8]; /* inline POPA: the words read, before any register changes */
    /* Per data segment register, what it held before its last load, which
     * a reload of that selector may swap back in translated code
     * (tr_kpath.c) when seg_prev_ok: a load left it (from a descriptor, or
     * null), and for DS and ES it has the mode-key class and flatness of
     * what replaced it; seg_prev_class is its cpu_seg_class (for FS and
     * GS, swapped with vcpu->seg_class). */
    struct seg_cache seg_prev[S_COUNT];
    uint8_t seg_prev_ok[S_COUNT];
    uint8_t seg_prev_class[S_COUNT];
};

/* Offsets used by assembly and the emitter. */
#define VCPU_OFF_REGS 0x00
#define VCPU_OFF_EIP 0x20
#define VCPU_OFF_EFLAGS 0x24
#define VCPU_OFF_HOST_RSP 0x28
#define VCPU_OFF_CHAIN_INFO 0x30
#define VCPU_OFF_TLB 0x38
#define VCPU_OFF_EXIT_THUNK 0x40
#define VCPU_OFF_HELPER_THUNK 0x48
#define VCPU_OFF_MEM_THUNK 0x50
#define VCPU_OFF_WB_THUNK 0x58
#define VCPU_OFF_EXIT_REQUEST 0x60
#define VCPU_OFF_HELPER_EXIT 0x61
#define VCPU_OFF_EXIT_REASON 0x64
#define VCPU_OFF_JCACHE 0x68
#define VCPU_OFF_BUDGET 0x70
#define VCPU_OFF_BOUNCE 0x80

/* Enters translated code at host address `code`; returns when the code
 * leaves through one of the thunks.  Defined in src/bt/entry.S. */
void xbt_enter(struct vcpu *cpu, const void *code);
extern char xbt_exit_thunk[], xbt_helper_thunk[], xbt_mem_thunk[], xbt_wb_thunk[];

#endif
