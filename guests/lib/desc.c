/*
 * desc.c - GDT entry and TSS helpers, the IDT, and the default
 * isr_handler() that dispatches to per-vector handlers registered with
 * isr_register() (see desc.h; the stubs are in isr.S).
 */
#include "desc.h"
#include "rt.h"

struct idt_entry {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t zero;
    uint8_t type_attr;            /* P | DPL | 0 | type */
    uint16_t off_hi;
} __attribute__((packed));

struct dt_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(8)));
static isr_fn isr_handlers[256];

void gdt_set_entry(unsigned index, uint32_t base, uint32_t limit,
                   uint8_t access, uint8_t flags)
{
    uint64_t d = 0;

    d |= limit & 0xFFFFu;
    d |= (uint64_t)(base & 0xFFFFFFu) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xFu) << 48;
    d |= (uint64_t)(flags & 0xFu) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    gdt[index] = d;
}

void gdt_set_tss(struct tss32 *tss, uint32_t esp0)
{
    tss->ss0 = KERNEL_DS;
    tss->esp0 = esp0;
    tss->iomap_base = sizeof(*tss);   /* no I/O permission bitmap */
    gdt_set_entry(TSS_SEL >> 3, (uint32_t)tss, sizeof(*tss) - 1, 0x89, 0x0);
    __asm__ volatile("ltr %w0" : : "r"(TSS_SEL) : "memory");
}

void set_idt_gate(unsigned vector, void (*handler)(void), unsigned type,
                  unsigned dpl)
{
    uint32_t off = (uint32_t)handler;
    struct idt_entry *e = &idt[vector & 0xFF];

    e->off_lo = off & 0xFFFF;
    e->sel = KERNEL_CS;
    e->zero = 0;
    e->type_attr = (uint8_t)(0x80 | ((dpl & 3) << 5) | (type & 0xF));
    e->off_hi = off >> 16;
}

void load_idt(void)
{
    struct dt_ptr p = { sizeof(idt) - 1, (uint32_t)idt };

    __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_init(void)
{
    for (unsigned v = 0; v < ISR_STUBS; v++)
        set_idt_gate(v, isr_stub_table[v], IDT_INT_GATE,
                     (v == 3 || v == 4) ? 3 : 0);
    load_idt();
}

void enter_ring3(uint32_t eip, uint32_t esp, uint32_t eflags)
{
    __asm__ volatile("movw %w[ud], %%ds\n\t"
                     "movw %w[ud], %%es\n\t"
                     "movw %w[ud], %%fs\n\t"
                     "movw %w[ud], %%gs\n\t"
                     "pushl %[ud]\n\t"
                     "pushl %[sp]\n\t"
                     "pushl %[fl]\n\t"
                     "pushl %[uc]\n\t"
                     "pushl %[ip]\n\t"
                     "iretl"
                     : : [ud] "r"((uint32_t)USER_DS), [uc] "i"(USER_CS), [sp] "r"(esp),
                         [fl] "r"(eflags), [ip] "r"(eip)
                     : "memory");
    __builtin_unreachable();
}

void isr_register(unsigned vector, isr_fn fn)
{
    isr_handlers[vector & 0xFF] = fn;
}

__attribute__((weak)) void isr_handler(struct isr_frame *f)
{
    isr_fn fn = isr_handlers[f->vector & 0xFF];

    if (fn) {
        fn(f);
        return;
    }
    panic("unhandled vector %u, error code %#x, at %04x:%08x, eflags %08x",
          f->vector, f->error_code, f->cs & 0xFFFF, f->eip, f->eflags);
}
