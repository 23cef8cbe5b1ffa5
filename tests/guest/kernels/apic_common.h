/*
 * apic_common.h - helpers of the APIC test kernels (apic.c, apic_p6.c,
 * apic_absent.c): the local APIC's registers (xAPIC MMIO at 0xFEE00000),
 * the I/O APIC's index/window pair at 0xFEC00000, MSRs and CPUID, the
 * stubs for vectors 48-255 (apic_stubs.S), a millisecond clock polled
 * from the PIT's channel 0, and the 8259 remapped and masked.
 */
#ifndef XBT_GUEST_APIC_COMMON_H
#define XBT_GUEST_APIC_COMMON_H

#include <stdbool.h>

#include "catch.h"
#include "pc_common.h"

#define LAPIC_BASE 0xFEE00000u
#define IOAPIC_BASE 0xFEC00000u

#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_APR 0x090
#define LAPIC_PPR 0x0A0
#define LAPIC_EOI 0x0B0
#define LAPIC_LDR 0x0D0
#define LAPIC_DFR 0x0E0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_PMC 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TMICT 0x380
#define LAPIC_TMCCT 0x390
#define LAPIC_TDCR 0x3E0

#define LVT_MASKED 0x10000u
#define LVT_PERIODIC 0x20000u
#define ICR_SELF 0x40000u      /* shorthand: self */
#define ICR_ALL_INCL 0x80000u  /* shorthand: all including self */
#define ICR_ALL_EXCL 0xC0000u  /* shorthand: all excluding self */
#define ICR_BUSY 0x1000u       /* delivery status */
#define ICR_ASSERT 0x4000u

#define RE_MASKED 0x10000u
#define RE_LEVEL 0x8000u
#define RE_REMOTE_IRR 0x4000u
#define RE_LOGICAL 0x800u

#define MSR_APIC_BASE 0x1B

static inline uint32_t lapic_read(uint32_t off)
{
    return *(volatile uint32_t *)(LAPIC_BASE + off);
}

static inline void lapic_write(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(LAPIC_BASE + off) = v;
}

static inline void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

/* Bit v of a 256-bit bank (ISR, TMR, IRR). */
static inline bool lapic_bit(uint32_t bank, unsigned v)
{
    return (lapic_read(bank + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static inline void lapic_ipi(uint32_t hi, uint32_t lo)
{
    lapic_write(LAPIC_ICR_HI, hi);
    lapic_write(LAPIC_ICR_LO, lo);
}

static inline uint32_t ioapic_read(uint8_t reg)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

static inline void ioapic_write(uint8_t reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

/* Redirection entry of pin: destination (high) first, then the low half. */
static inline void ioapic_route(unsigned pin, uint32_t lo, uint8_t dest)
{
    ioapic_write((uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
    ioapic_write((uint8_t)(0x10 + 2 * pin), lo);
}

static inline uint32_t ioapic_redir_lo(unsigned pin)
{
    return ioapic_read((uint8_t)(0x10 + 2 * pin));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint32_t cpuid1_edx(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return d;
}

static inline bool cpuid_apic(void)
{
    return (cpuid1_edx() >> 9) & 1;
}

/* WRMSR through xbt_catch: the vector it raised (13 for #GP), or -1. */
static uint64_t wrmsr_try_val;
static void wrmsr_try_body(void *arg)
{
    wrmsr(MSR_APIC_BASE, *(uint64_t *)arg);
}

static inline int wrmsr_apic_base_try(uint64_t v)
{
    struct xbt_fault f;
    wrmsr_try_val = v;
    return xbt_catch(wrmsr_try_body, &wrmsr_try_val, &f);
}

/* The stubs of vectors 48-255 into the IDT (after the runtime's 0-47,
 * which xbt_catch() installs on its first use). */
extern char apic_stubs[];
static void catch_nothing(void *arg)
{
    (void)arg;
}

static inline void apic_idt_init(void)
{
    struct xbt_fault f;
    xbt_catch(catch_nothing, NULL, &f);
    for (unsigned v = ISR_STUBS; v < 256; v++)
        set_idt_gate(v, (void (*)(void))(apic_stubs + 16 * (v - ISR_STUBS)), IDT_INT_GATE, 0);
    load_idt();
}

/* The 8259 pair at vectors 0x20/0x28 with every input masked (a BIOS may
 * have left the timer unmasked at vector 8, #DF in protected mode). */
static inline void pic_quiet(void)
{
    pic_remap(0xFF, 0xFF);
}

/* The PIT at 1 kHz, for pit_wait_ms (pc_common.h). */
static inline void pit_1khz(void)
{
    pit_periodic(1193);
}

/* Elapsed time that a loaded host cannot make look shorter: the ACPI PM
 * timer (24 bits at 3.579545 MHz, wraps after 4.7 s), at 0x608 under both
 * xbt and QEMU (SeaBIOS puts PIIX4's PM block at 0x600).  Tick counts and
 * the polled PIT lose time when the VMM's thread is descheduled (missed
 * interrupts coalesce; a PIT period passes unseen), so a check of "about
 * N ms" or "ticks in N ms" measures with this instead. */
#define PM_TMR_PORT 0x608
static inline uint32_t pm_now(void)
{
    return inl(PM_TMR_PORT) & 0xFFFFFFu;
}

static inline uint32_t pm_ms_since(uint32_t start)
{
    return ((pm_now() - start) & 0xFFFFFFu) / 3580u;
}

/* Polls until *count has grown by n since from, for at most limit_ms of
 * PM time: whether it did (interrupts must be on). */
static inline bool count_reaches(volatile unsigned *count, unsigned from, unsigned n,
                                 unsigned limit_ms)
{
    uint32_t start = pm_now();
    while (*count - from < n)
        if (pm_ms_since(start) >= limit_ms)
            return false;
    return true;
}

/* What every APIC kernel does first: the 8259 quiet, the IDT with all
 * 256 vectors, the PIT at 1 kHz. */
static inline void apic_test_init(void)
{
    pic_quiet();
    apic_idt_init();
    pit_1khz();
}

/* ---- interrupt handlers the kernels share ---- */
/* PIT_VEC: the PIT through the I/O APIC; TIMER_VEC: the APIC timer. */
#define PIT_VEC 0x31
#define TIMER_VEC 0x40

static volatile unsigned pit_ticks __attribute__((unused));
static volatile unsigned timer_ticks __attribute__((unused));
static volatile unsigned pic_ticks __attribute__((unused));

static inline void on_pit(struct isr_frame *f)
{
    (void)f;
    pit_ticks++;
    lapic_eoi();
}

/* Sleeps until n more PIT interrupts (IF must be 1). */
static inline void wait_ticks(unsigned n)
{
    unsigned end = pit_ticks + n;
    while (pit_ticks < end)
        hlt();
}

static inline void on_timer(struct isr_frame *f)
{
    (void)f;
    timer_ticks++;
    lapic_eoi();
}

/* The PIT through the 8259 (IRQ0 at PIC_MASTER_BASE). */
static inline void on_pic_timer(struct isr_frame *f)
{
    (void)f;
    pic_ticks++;
    pic_eoi(0);
}

#endif
