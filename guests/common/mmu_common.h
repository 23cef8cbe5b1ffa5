/*
 * mmu_common.h - scaffolding shared by the paging test kernels (mmu_*,
 * smc_paging) and the mmu_* bench workloads (i686 2-level paging: 4 KiB and
 * 4 MiB pages, U/S, R/W, CR0.WP, A/D, global pages, #PF).
 *
 * Physical memory: the kernel image stays below MMU_POOL_BASE (4 MiB);
 * [MMU_POOL_BASE, MMU_POOL_END) = [4 MiB, 8 MiB) is a pool of page frames
 * handed out zeroed by mmu_alloc().  Every page directory made by
 * mmu_new_pd() identity-maps [0, MMU_IDENT_END) = [0, 8 MiB) through two
 * shared page tables (4 KiB pages, P|W, supervisor), so the kernel, its
 * stacks, the page tables themselves (pool frames: physical address =
 * pointer) and the pool stay reachable with paging on.  Test mappings live
 * elsewhere (0x40000000 and up); their page tables come from the pool, the
 * PDEs mmu_pte() creates are P|W|U (the PTE decides).
 *
 * Faults: mmu_init() installs the runtime's IDT (desc.h) with handlers for
 * every CPU exception.  A #PF first goes to mmu_pf_hook (if set), which may
 * repair the mapping and return 1: the instruction is restarted.  Otherwise
 * the exception is recorded in mmu_trap (vector, error code, CR2 read at
 * entry, EIP, CS) and, when mmu_resume is set, execution continues there
 * (at the interrupted privilege level); without it, the kernel panics.
 * Put MMU_TRY before the code under test and MMU_END after it in one asm
 * statement (ring 0); mmu_report() prints and clears the record, with EIP
 * relative to the MMU_TRY mark.
 *
 * Ring 3: mmu_user_run() IRETs to a user-mode EIP/ESP (CS 0x1B, data 0x23)
 * with the given registers; `int $0x2F` (DPL-3 gate, MMU_USER_EXIT) brings
 * the kernel back with the user registers.  Ring-3 code cannot store into
 * kernel variables, so for a fault at CPL 3 the kernel sets mmu_mark and
 * mmu_resume (user addresses) before calling mmu_user_run().  The probes
 * (mmu_kread/kwrite/kcall, mmu_uprobe) do one access each and print its
 * outcome.
 */
#ifndef MMU_COMMON_H
#define MMU_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "io.h"
#include "rt.h"

/* Page-table entry bits (32-bit paging). */
#define PG_P 0x001u
#define PG_W 0x002u
#define PG_U 0x004u
#define PG_PWT 0x008u
#define PG_PCD 0x010u
#define PG_A 0x020u
#define PG_D 0x040u
#define PG_PS 0x080u              /* PDE: 4 MiB page (with CR4.PSE) */
#define PG_G 0x100u               /* global (with CR4.PGE) */
#define PG_FRAME 0xFFFFF000u
#define PG_LFRAME 0xFFC00000u

#define PAGE_SIZE 0x1000u
#define LPAGE_SIZE 0x400000u

/* #PF error code bits. */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_RSVD 0x8u

#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u
#define CR4_PSE 0x10u
#define CR4_PGE 0x80u

#define MMU_POOL_BASE 0x00400000u
#define MMU_POOL_END 0x00800000u
#define MMU_IDENT_END 0x00800000u

#define MMU_USER_EXIT 0x2F        /* int $0x2F: leave ring 3 */

static inline uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr0, %0" : "=r"(v));
    return v;
}
static inline void write_cr0(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr0" : : "r"(v) : "memory");
}
static inline uint32_t read_cr2(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}
static inline uint32_t read_cr4(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr4, %0" : "=r"(v));
    return v;
}
static inline void write_cr4(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr4" : : "r"(v) : "memory");
}
static inline void invlpg(uint32_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
/* Reloads CR3 with its own value (flushes non-global TLB entries). */
static inline void reload_cr3(void) { write_cr3(read_cr3()); }

/* Volatile accessors for test addresses. */
static inline uint8_t rd8(uint32_t va) { return *(volatile uint8_t *)va; }
static inline uint16_t rd16(uint32_t va) { return *(volatile uint16_t *)va; }
static inline uint32_t rd32(uint32_t va) { return *(volatile uint32_t *)va; }
static inline void wr8(uint32_t va, uint8_t v) { *(volatile uint8_t *)va = v; }
static inline void wr16(uint32_t va, uint16_t v) { *(volatile uint16_t *)va = v; }
static inline void wr32(uint32_t va, uint32_t v) { *(volatile uint32_t *)va = v; }

/* IDT, fault handlers, TSS for ring 3, the frame pool.  Paging stays off. */
void mmu_init(void);

/* A zeroed 4 KiB frame from the pool (its physical address, usable as a
 * pointer: the pool is identity-mapped); panics when the pool is empty. */
uint32_t mmu_alloc(void);
/* Frames handed out so far. */
unsigned mmu_allocated(void);

/* A new page directory with the shared identity map of [0, 8 MiB). */
uint32_t *mmu_new_pd(void);
/* The PDE for va. */
static inline uint32_t *mmu_pde(uint32_t *pd, uint32_t va) { return &pd[va >> 22]; }
/* The PTE for va; creates its page table (PDE = table | P|W|U) if the PDE is
 * not present.  Panics for a 4 MiB PDE or one of the identity tables. */
uint32_t *mmu_pte(uint32_t *pd, uint32_t va);
/* PTE(va) = (pa & PG_FRAME) | flags. */
void mmu_map(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags);
/* Maps n pages starting at va to fresh zeroed frames; returns the first
 * frame (frames are consecutive only if nothing else allocates meanwhile). */
uint32_t mmu_map_new(uint32_t *pd, uint32_t va, unsigned n, uint32_t flags);

/* CR3 = pd, then CR0.PG = 1 (and CR0.WP as given). */
void mmu_paging_on(uint32_t *pd, int wp);
void mmu_paging_off(void);

/* ---- fault recording ---- */
struct mmu_trap {
    int vector;                   /* -1: nothing recorded */
    uint32_t err, cr2, eip, mark, cs;
    unsigned count;               /* exceptions recorded so far */
};
extern volatile struct mmu_trap mmu_trap;
extern volatile uint32_t mmu_mark, mmu_resume;

#define MMU_TRY "movl $7781f, mmu_mark\n\tmovl $7782f, mmu_resume\n7781:\n\t"
#define MMU_END "\n7782:\n\t"

/* Returns 1 if it repaired the fault (the instruction is restarted). */
typedef int (*mmu_pf_fn)(struct isr_frame *f, uint32_t cr2);
extern mmu_pf_fn mmu_pf_hook;

/* "PWU" style decoding of a #PF error code: P or -, W or R, U or S, and
 * " RSVD". */
const char *mmu_err_str(uint32_t err);
/* "#PF err=7 (PWU) cr2=40001000 eip=mark+0" (or "no fault") into buf: the
 * error code bits P/-, W/R (write/read), U/S (user/supervisor), RSVD; EIP
 * relative to the mark, or absolute if more than a page away from it. */
char *mmu_trap_str(char *buf, size_t size);
/* Prints "  <what>: <mmu_trap_str>" and forgets the fault. */
void mmu_report(const char *what);
/* Forgets the recorded fault. */
void mmu_clear(void);

/* ---- ring 3 ---- */
struct mmu_uregs {
    uint32_t eax, ebx, ecx, edx, esi, edi;
};
/* Runs at CPL 3 from eip with ESP = esp, EFLAGS = 0x2 and registers *r
 * until int $MMU_USER_EXIT; returns with *r = the user registers then. */
void mmu_user_run(uint32_t eip, uint32_t esp, struct mmu_uregs *r);

/* ---- probes: one access, reported as "  <what>  ok, ..." or the fault ---- */
/* Ring 0: a dword load, a dword store (then "now <value>"), a call (the
 * target must return with a value in EAX, or fault on the fetch). */
uint32_t mmu_kread(const char *what, uint32_t va);
void mmu_kwrite(const char *what, uint32_t va, uint32_t v);
void mmu_kcall(const char *what, uint32_t target);

/* Ring 3: mmu_user_setup() maps a user code page at code_va holding
 * position-independent stubs (a load, a store, a call, each followed by
 * int $MMU_USER_EXIT, and "mov $0x5A5A, %eax; ret" at MMU_UCONST) and a
 * user stack page at stack_va; returns the code page's frame.  A faulting
 * probe resumes at the stub's int $MMU_USER_EXIT. */
#define MMU_UREAD 0
#define MMU_UWRITE 1
#define MMU_UCALL 2
extern const uint32_t mmu_uconst_off;
#define MMU_UCONST(code_va) ((code_va) + mmu_uconst_off)
uint32_t mmu_user_setup(uint32_t *pd, uint32_t code_va, uint32_t stack_va);
/* ESP for the following probes (default: the top of the stack page). */
void mmu_user_stack(uint32_t esp);
uint32_t mmu_uprobe(const char *what, int kind, uint32_t va, uint32_t val);
/* Runs user code at eip (mark = eip); a fault resumes at the load stub's
 * exit in the code page at code_va. */
void mmu_uprobe_at(const char *what, uint32_t eip, uint32_t code_va);

#endif
