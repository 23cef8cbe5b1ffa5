/*
 * idt.c - IDT-delivered exceptions and software interrupts through the
 * runtime's stubs (isr.S) and registered handlers (desc.c): #DE from div by
 * zero, #BP from int3, #OF from into, #UD from ud2, #GP from loading a
 * selector beyond the GDT limit (error code = selector), and int $0x28.
 * Fault handlers step EIP over the faulting instruction and IRET.  Needs
 * IDT delivery in the VMM (a LATER test).
 */
#include "desc.h"
#include "rt.h"

static uint32_t seen_vector, seen_error, seen_eflags, seen_cs, hits, wrong;

static void record(struct isr_frame *f)
{
    seen_vector = f->vector;
    seen_error = f->error_code;
    seen_eflags = f->eflags;
    seen_cs = f->cs & 0xFFFF;
    hits++;
}

/* Faults: EIP points at the instruction; all ours here are 2 bytes long. */
static void skip2(struct isr_frame *f)
{
    record(f);
    f->eip += 2;
    f->eax = 0xFA017ED;               /* visible to the interrupted code */
}

/* Traps (int3, into, int n): EIP already points past the instruction. */
static void trap(struct isr_frame *f)
{
    record(f);
    f->ebx += 1;
}

static void report(const char *what, uint32_t expect_vector)
{
    printf("%-28s vector %2u error %04x cs %02x IF %u  %s\n", what, seen_vector,
           seen_error, seen_cs, (seen_eflags >> 9) & 1,
           seen_vector == expect_vector ? "ok" : "WRONG");
    wrong += seen_vector != expect_vector;
    seen_vector = 0xFFFF;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    idt_init();
    isr_register(0, skip2);
    isr_register(3, trap);
    isr_register(4, trap);
    isr_register(6, skip2);
    isr_register(13, skip2);
    isr_register(0x28, trap);

    uint32_t a = 1234, d = 0, c = 0, b = 0;
    __asm__ volatile("divl %%ecx" : "+a"(a), "+d"(d) : "c"(c) : "cc", "memory");   /* F7 F1 */
    report("div by zero (#DE)", 0);
    printf("  eax after handler: %08x\n", a);

    __asm__ volatile("int3" : "+b"(b) : : "memory");
    report("int3 (#BP)", 3);

    a = 0x7FFFFFFF;
    __asm__ volatile("addl $1, %0\n\tinto" : "+r"(a), "+b"(b) : : "cc", "memory");
    report("into with OF=1 (#OF)", 4);

    __asm__ volatile("ud2" : : : "eax", "memory");                               /* 0F 0B */
    report("ud2 (#UD)", 6);

    __asm__ volatile("movl %%ds, %%edx\n\t"
                     "movw $0x40, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"                              /* 8E D8 */
                     "movw %%dx, %%ds"
                     : : : "eax", "edx", "memory");
    report("mov to ds beyond GDT (#GP)", 13);

    __asm__ volatile("int $0x28" : "+b"(b) : : "memory");
    report("int $0x28", 0x28);

    printf("trap handlers bumped ebx %u times, %u exceptions in all\n", b, hits);
    printf("%s: idt\n", b == 3 && hits == 6 && !wrong ? "PASS" : "FAIL");
    return 0;
}
