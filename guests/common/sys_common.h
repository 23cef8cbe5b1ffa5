/*
 * sys_common.h - scaffolding shared by the sys_* test kernels and the
 * syscall bench workload (system virtualization: privilege levels, gates,
 * faults, tasks).
 *
 * sys_init() replaces crt0's GDT with a 64-entry one (sys_gdt; the first
 * six entries keep crt0's selectors: 0x08/0x10 ring-0 code/data, 0x1B/0x23
 * ring-3 code/data, 0x28 the TSS), loads a 256-vector IDT of interrupt
 * gates (DPL 0; DPL 3 for 3, 4, 0x80 and 0x81) whose stubs (sys_stubs.S)
 * call isr_handler() below, loads TR with sys_tss (SS0:ESP0 = 0x10:top of
 * sys_kstack, an I/O permission bitmap for ports 0-0x3FF denying every port)
 * and masks the PICs.
 *
 * Faults: put SYS_TRY before the instruction(s) under test and SYS_END
 * after them in the same asm statement.  An exception raised in between
 * without a hook of its own is recorded in sys_trap (vector, error code,
 * EIP relative to the SYS_TRY mark, CS, ...) and execution resumes at
 * SYS_END at the privilege level that faulted; sys_report() prints and
 * clears it ("no fault" if there was none).  An exception outside a try
 * region is a panic.
 *
 * Ring 3: sys_user_run(fn, eflags) IRETs to fn at CPL 3 (CS 0x1B, SS/DS/
 * ES/FS/GS 0x23, a private user stack, the given EFLAGS); when fn returns,
 * int $0x81 takes the kernel back to the caller of sys_user_run, which
 * returns fn's result.  Ring-3 code must not print (no I/O privilege).
 */
#ifndef SYS_COMMON_H
#define SYS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "catch.h"
#include "desc.h"
#include "io.h"
#include "rt.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1B
#define SEL_UDATA 0x23
#define SEL_TSS 0x28
#define SYS_GDT_ENTRIES 64        /* GDT limit 0x1FF */
#define SYS_FIRST_FREE 6          /* first GDT index the tests may use */

/* Access bytes (P | DPL | S | type). */
#define ACC_CODE0 0x9A            /* ring-0 code, execute/read */
#define ACC_DATA0 0x92            /* ring-0 data, read/write */
#define ACC_CODE3 0xFA
#define ACC_DATA3 0xF2
#define ACC_TSS 0x89              /* available 32-bit TSS, DPL 0 */
#define ACC_TSS_BUSY 0x8B
#define ACC_LDT 0x82
#define ACC_CALLGATE 0x8C         /* 32-bit call gate, DPL 0 */
#define ACC_TASKGATE 0x85         /* task gate, DPL 0 */
#define ACC_INTGATE 0x8E          /* 32-bit interrupt gate, DPL 0 */
#define ACC_TRAPGATE 0x8F         /* 32-bit trap gate, DPL 0 */
#define ACC_DPL(n) ((n) << 5)
#define GRAN_4K_32 0xC            /* flags nibble: G = 1, D/B = 1 */
#define GRAN_1B_32 0x4            /* flags nibble: G = 0, D/B = 1 */

#define EFL_CF 0x1
#define EFL_FIXED 0x2
#define EFL_IF 0x200
#define EFL_DF 0x400
#define EFL_IOPL3 0x3000
#define EFL_NT 0x4000

#define SYS_IOMAP_BYTES 128       /* ports 0 - 0x3FF */

struct sys_iotss {
    struct tss32 t;
    uint8_t iomap[SYS_IOMAP_BYTES + 1];   /* + the all-ones terminator */
} __attribute__((packed, aligned(128)));

extern uint64_t sys_gdt[SYS_GDT_ENTRIES];
extern struct sys_iotss sys_tss;
extern uint8_t sys_kstack[8192], sys_ustack[8192];
#define SYS_KSTACK_TOP ((uint32_t)(sys_kstack + sizeof sys_kstack))
#define SYS_USTACK_TOP ((uint32_t)(sys_ustack + sizeof sys_ustack))

void sys_init(void);

/* GDT entries: a segment (flags = the G/DB/L/AVL nibble), a gate. */
void sys_seg(unsigned idx, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
void sys_gate(unsigned idx, uint16_t sel, uint32_t off, uint8_t access, uint8_t params);
/* An available 32-bit TSS descriptor (DPL dpl) for tss, limit 103. */
void sys_tss_desc(unsigned idx, const struct tss32 *tss, unsigned dpl);
/* The access byte (bits 40-47) of a GDT entry. */
static inline uint8_t sys_access(uint16_t sel) { return (uint8_t)(sys_gdt[sel >> 3] >> 40); }

/* IDT entries: any gate, or vector's own stub with a given access byte. */
void sys_idt_set(unsigned vec, uint16_t sel, uint32_t off, uint8_t access);
void sys_idt_stub(unsigned vec, uint8_t access);
uint64_t sys_idt_get(unsigned vec);
void sys_idt_put(unsigned vec, uint64_t e);
void sys_lidt(uint16_t limit);    /* IDTR = the IDT with this limit */

/* I/O permission bitmap of sys_tss: ports [port, port + n) allowed (1) or
 * denied (0). */
void sys_io_allow(unsigned port, unsigned n, int allow);

/* Faults in SYS_TRY ... SYS_END regions. */
struct sys_trap {
    int vector;                   /* -1: nothing recorded */
    uint32_t err, eip, mark, cs, eflags;
    uint32_t esp, ss;             /* interrupted SS:ESP when from ring 3 */
    uint32_t entry_esp;           /* ESP after the CPU pushed its frame */
    unsigned count;
};
extern volatile struct sys_trap sys_trap;
extern volatile uint32_t sys_mark, sys_resume, sys_entry_esp;

#define SYS_TRY "movl $7771f, sys_mark\n\tmovl $7772f, sys_resume\n7771:\n\t"
#define SYS_END "\n7772:\n\t"

/* A hook runs before the default handling and returns non-zero if it
 * dealt with the interrupt. */
typedef int (*sys_hook_fn)(struct isr_frame *f);
void sys_hook(unsigned vec, sys_hook_fn fn);

/* "#GP(0010) at +0 cs=08" or "no fault"; sys_report prints it after `what`
 * and forgets the fault. */
char *sys_fault_str(char *buf, size_t size);
void sys_report(const char *what);
const char *sys_vec_name(int vec);

/* Ring 3. */
uint32_t sys_user_run(uint32_t (*fn)(void), uint32_t eflags);

/* Fault tasks: exception handlers reached through a task gate, each with
 * its own TSS (GDT entry gdt_idx, DPL 0) and stack, running at ring 0 with
 * the flat segments.  Each delivery calls fn(error code, or 0 when the
 * vector has none) inside the task, which then IRETs to its back link (the
 * interrupted task) and waits for the next delivery. */
struct sys_ftask {
    void (*fn)(uint32_t err);     /* offsets 0 and 4 are used by sys_stubs.S */
    uint32_t has_err;
    struct tss32 tss;
    uint8_t stack[4096] __attribute__((aligned(16)));
};
void sys_ftask_init(struct sys_ftask *t, unsigned gdt_idx, void (*fn)(uint32_t), int has_err);
/* The TSS a GDT selector describes (its base). */
struct tss32 *sys_tss_at(uint16_t sel);
/* Initial state for a ring-0 task running eip on the stack ending at esp. */
void sys_task_init(struct tss32 *t, uint32_t eip, uint32_t esp);

static inline uint32_t sys_read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr0, %0" : "=r"(v));
    return v;
}

static inline void sys_write_cr0(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint16_t sys_str(void)
{
    uint16_t v;
    __asm__ volatile("str %0" : "=r"(v));
    return v;
}

static inline void sys_wrmsr(uint32_t msr, uint32_t lo, uint32_t hi)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory");
}

static inline uint32_t sys_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return lo;
}

#endif
