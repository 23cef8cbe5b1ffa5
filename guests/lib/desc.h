/*
 * desc.h - descriptor tables for xbt guest kernels: the selectors of the
 * flat GDT that crt0.S loads, GDT entry and TSS helpers, and the IDT with a
 * table of common ISR stubs (isr.S) that build a uniform struct isr_frame
 * and call isr_handler().  The default isr_handler() dispatches to handlers
 * registered with isr_register(); a test may instead define its own strong
 * isr_handler().
 */
#ifndef XBT_GUEST_DESC_H
#define XBT_GUEST_DESC_H

/* Selectors of the GDT in crt0.S. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS 0x1B              /* ring-3 code, RPL 3 */
#define USER_DS 0x23              /* ring-3 data, RPL 3 */
#define TSS_SEL 0x28              /* slot filled by gdt_set_tss() */
#define GDT_ENTRIES 8

/* Number of vectors that have a stub in isr_stub_table (0-31 are the CPU
 * exceptions, 32-47 are reserved for remapped PIC IRQs). */
#define ISR_STUBS 48

#ifndef __ASSEMBLER__
#include <stdint.h>

/* IDT gate types (the 4-bit type field). */
#define IDT_TASK_GATE 0x5
#define IDT_INT_GATE 0xE          /* 32-bit interrupt gate: clears IF */
#define IDT_TRAP_GATE 0xF         /* 32-bit trap gate: leaves IF alone */

/* The stack as seen by isr_handler(), lowest address first.  Segment
 * registers are pushed as 32-bit values whose upper halves may be garbage:
 * mask with 0xFFFF. */
struct isr_frame {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector;
    uint32_t error_code;          /* 0 for vectors without one */
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;   /* only valid if (cs & 3) != 0 */
};

/* 32-bit TSS (only ss0/esp0 and the I/O map base matter to us). */
struct tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3;
    uint32_t eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
};

typedef void (*isr_fn)(struct isr_frame *f);

extern uint64_t gdt[GDT_ENTRIES];              /* crt0.S */
extern void (*const isr_stub_table[ISR_STUBS])(void);  /* isr.S */

/* Writes GDT entry `index` (access byte e.g. 0x9A, flags nibble e.g. 0xC). */
void gdt_set_entry(unsigned index, uint32_t base, uint32_t limit,
                   uint8_t access, uint8_t flags);
/* Points the TSS slot at `tss` (available 32-bit TSS, DPL 0), sets its ss0
 * and esp0 and loads TR. */
void gdt_set_tss(struct tss32 *tss, uint32_t esp0);

/* Sets IDT entry `vector` to a gate of `type` (IDT_*_GATE) and privilege
 * `dpl` to `handler` in the kernel code segment. */
void set_idt_gate(unsigned vector, void (*handler)(void), unsigned type,
                  unsigned dpl);
/* Loads IDTR with the 256-entry IDT. */
void load_idt(void);
/* Installs the ISR_STUBS stubs as DPL-0 interrupt gates (DPL 3 for the
 * breakpoint and overflow vectors 3 and 4) and loads the IDT. */
void idt_init(void);

/* Enters ring 3 at eip with ESP = esp and EFLAGS = eflags (IRET), with DS,
 * ES, FS, GS and SS = USER_DS and CS = USER_CS.  Ring 0 needs a TSS (for
 * the way back in) before. */
__attribute__((noreturn)) void enter_ring3(uint32_t eip, uint32_t esp, uint32_t eflags);

/* Registers `fn` for `vector` with the default isr_handler(). */
void isr_register(unsigned vector, isr_fn fn);
/* Called by every stub.  Weak: a test may define its own.  The default
 * calls the registered handler, or prints the frame and exits with
 * XBT_EXIT_PANIC if there is none. */
void isr_handler(struct isr_frame *f);

#endif
#endif
