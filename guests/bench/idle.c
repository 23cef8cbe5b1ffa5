/*
 * idle.c - benchmark (I/O-bound): the guest programs the PIT for a ~1 kHz
 * periodic IRQ0 and HLTs until each of N periods has passed
 * (N = command line, default 20; 500 is half a second), doing a little
 * compute after each (idle_bench.h).  Native twin: idle_native.c (the same
 * number of timerfd waits).
 */
#include "bench.h"
#include "pc_common.h"

static volatile uint32_t ticks;

static void on_pit(struct isr_frame *f)
{
    (void)f;
    ticks++;
    pic_eoi(0);
}

/* Interrupts are off outside `sti; hlt`: no tick is lost between the test
 * and the HLT (the STI shadow covers the HLT). */
static inline void idle_wait(uint32_t t)
{
    while (ticks <= t)
        __asm__ volatile("sti; hlt; cli" : : : "memory");
}

#include "idle_bench.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    long n = bench_arg(magic == 0x2BADB002u && mbi && (mbi->flags & 4) ?
                       (const char *)(uintptr_t)mbi->cmdline : 0, 20);
    idt_init();
    isr_register(PIC_MASTER_BASE + 0, on_pit);
    pic_remap(0xFE, 0xFF);        /* IRQ0 only */
    bench_start();
    ticks = 0;
    pit_periodic(IDLE_PIT_DIVISOR);
    uint32_t acc = idle_loop(n);
    pit_periodic(0);
    bench_end(acc);
    printf("idle periods=%ld acc=%08x\n", n, (unsigned)acc);
    return 0;
}
