/*
 * ring3.c - runs a function at CPL 3 and returns its result at ring 0
 * (ring3_run(), rt.h): flat ring-3 segments (crt0's 0x1B, 0x23), IOPL 3 so
 * that the code prints through COM1 itself, IF = 0, a TSS whose ESP0 gives
 * exceptions a ring-0 stack (xbt_catch() returns them to ring 3, catch.h),
 * and `int $0x2f` (a DPL-3 interrupt gate) back to ring 0 with the result.
 * Used by tests/guest/kernels/ring3_main.c and the fuzzer's kernel.
 */
#include "catch.h"
#include "desc.h"
#include "rt.h"

#define RING3_EXIT_VECTOR 0x2F
#define RING3_EFLAGS 0x3002u      /* IOPL 3, IF 0 */

static struct tss32 ring3_tss;
static uint8_t ring3_kstack[16384] __attribute__((aligned(16)));
static uint8_t ring3_ustack[65536] __attribute__((aligned(16)));
static xbt_jmp_buf ring3_back;
static volatile int ring3_result;
__attribute__((used)) int (*xbt_ring3_fn)(void);   /* read by ring3_entry */

/* Ring 3: xbt_ring3_fn(), then int $0x2f with its result in EBX. */
void ring3_entry(void);
__asm__(".text\n"
        ".globl ring3_entry\n"
        "ring3_entry:\n\t"
        "call *xbt_ring3_fn\n\t"
        "movl %eax, %ebx\n\t"
        "int $0x2f\n\t"
        "ud2\n");

static void ring3_exit(struct isr_frame *f)
{
    ring3_result = (int)f->ebx;
    xbt_longjmp(ring3_back, 1);
}

static void nothing(void *arg)
{
    (void)arg;
}

int ring3_run(int (*fn)(void))
{
    xbt_ring3_fn = fn;
    xbt_catch(nothing, NULL, NULL);   /* loads the IDT: needs ring 0 */
    gdt_set_tss(&ring3_tss, (uint32_t)(ring3_kstack + sizeof ring3_kstack));
    set_idt_gate(RING3_EXIT_VECTOR, isr_stub_table[RING3_EXIT_VECTOR], IDT_INT_GATE, 3);
    isr_register(RING3_EXIT_VECTOR, ring3_exit);
    if (xbt_setjmp(ring3_back) == 0)
        enter_ring3((uint32_t)ring3_entry, (uint32_t)(ring3_ustack + sizeof ring3_ustack),
                    RING3_EFLAGS);
    __asm__ volatile("movw %w0, %%fs\n\t"
                     "movw %w0, %%gs"
                     : : "r"((uint32_t)KERNEL_DS) : "memory");
    return ring3_result;
}
