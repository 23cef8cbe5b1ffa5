/*
 * apic_p6.c - what xbt's APICs do beyond what QEMU agrees on (so there is
 * no qemu_apic_p6): a P6's integrated APIC (version 0x00040011, 4-bit
 * IDs, spurious-vector bits 3:0 hardwired, LVT masks held while software
 * disabled, the error register and its interrupt, APR), the APIC_BASE
 * MSR (reserved bits, relocation - QEMU does not move the window - and
 * global disable and re-enable - QEMU keeps it disabled), exact timer
 * counts on the virtual clock (a 100 MHz bus clock; QEMU counts at 1 GHz)
 * and the change-of-mode semantics of the KVM unit tests, the 82093AA's
 * registers (version 0x11, ID, reserved bits, remote IRR), and the MP
 * table.  Expected output per the SDM and the 82093AA datasheet.
 */
#include "apic_common.h"

#define IPI_VEC 0x41
#define ERR_VEC 0xFE
#define RTC_VEC 0x38

static volatile unsigned ipis, errors, rtc_ticks;

static void on_ipi(struct isr_frame *f)
{
    (void)f;
    ipis++;
    lapic_eoi();
}

static void on_error(struct isr_frame *f)
{
    (void)f;
    errors++;
    lapic_eoi();
}

/* ESR as the SDM reads it: write, then read. */
static uint32_t esr(void)
{
    lapic_write(LAPIC_ESR, 0);
    return lapic_read(LAPIC_ESR);
}

static void section_registers(void)
{
    printf("version %#x\n", lapic_read(LAPIC_VER));
    lapic_write(LAPIC_ID, 0xFF000000u);
    printf("ID after writing 0xff: %#x (4 bits)\n", lapic_read(LAPIC_ID));
    lapic_write(LAPIC_ID, 0);
    lapic_write(LAPIC_SVR, 0x130);
    printf("SVR after writing 0x130: %#x (bits 3:0 read 1)\n", lapic_read(LAPIC_SVR));
    lapic_write(LAPIC_DFR, 0);
    printf("DFR after writing 0: %#x (cluster model)\n", lapic_read(LAPIC_DFR));
    lapic_write(LAPIC_DFR, 0xFFFFFFFFu);
    lapic_write(LAPIC_LDR, 0xFFFFFFFFu);
    printf("LDR after writing all ones: %#x\n", lapic_read(LAPIC_LDR));
    lapic_write(LAPIC_LDR, 0);
    lapic_write(LAPIC_ICR_HI, 0xFFFFFFFFu);
    printf("ICR high after writing all ones: %#x\n", lapic_read(LAPIC_ICR_HI));
    lapic_write(LAPIC_ICR_HI, 0);
    lapic_write(LAPIC_LVT_TIMER, 0xFFFFFFFFu);
    lapic_write(LAPIC_LVT_LINT1, 0xFFFFFFFFu);
    lapic_write(LAPIC_LVT_ERROR, 0xFFFFFFFFu);
    lapic_write(LAPIC_TDCR, 0xFFFFFFFFu);
    printf("writable bits: LVT timer %#x LINT1 %#x error %#x TDCR %#x\n",
           lapic_read(LAPIC_LVT_TIMER), lapic_read(LAPIC_LVT_LINT1), lapic_read(LAPIC_LVT_ERROR),
           lapic_read(LAPIC_TDCR));
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, 0x8400);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_TDCR, 0);
    lapic_write(LAPIC_SVR, 0x1FF);
}

static void section_software_disable(void)
{
    lapic_write(LAPIC_SVR, 0xFF);
    printf("software disabled: LINT0 %#x LINT1 %#x\n", lapic_read(LAPIC_LVT_LINT0),
           lapic_read(LAPIC_LVT_LINT1));
    lapic_write(LAPIC_LVT_TIMER, TIMER_VEC);
    printf("LVT timer written unmasked while disabled: %#x\n", lapic_read(LAPIC_LVT_TIMER));
    sti();
    lapic_ipi(0, ICR_SELF | ICR_ASSERT | IPI_VEC);
    for (int i = 0; i < 1000; i++)
        ;
    printf("self-IPI while disabled: delivered %u, in the IRR %u\n", ipis,
           lapic_bit(LAPIC_IRR, IPI_VEC));
    lapic_write(LAPIC_SVR, 0x1FF);
    printf("enabled again: LINT0 %#x (the masks stay)\n", lapic_read(LAPIC_LVT_LINT0));
    lapic_write(LAPIC_LVT_LINT0, 0x8700);
    lapic_write(LAPIC_LVT_LINT1, 0x8400);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    cli();
}

static void section_errors(void)
{
    (void)esr();
    printf("ESR at first: %#x\n", esr());
    lapic_write(LAPIC_LVT_ERROR, ERR_VEC);
    sti();
    lapic_ipi(0, ICR_SELF | ICR_ASSERT | 5);
    for (int i = 0; i < 1000 && !errors; i++)
        ;
    printf("self-IPI of vector 5: ESR %#x, error interrupts %u, IRR bit 5 %u\n", esr(), errors,
           lapic_bit(LAPIC_IRR, 5));
    (void)lapic_read(0x330); /* the thermal LVT: not on a P6 */
    printf("read of 0x330 (reserved): ESR %#x\n", esr());
    lapic_ipi(0, ICR_ALL_EXCL | ICR_ASSERT | IPI_VEC);
    printf("IPI to all excluding self (nobody): ESR %#x\n", esr());
    lapic_ipi(0x0F000000u, ICR_ASSERT | IPI_VEC); /* physical broadcast */
    for (int i = 0; i < 1000 && ipis < 1; i++)
        ;
    printf("physical broadcast 0xf reaches itself: %u, ESR %#x\n", ipis, esr());
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    printf("error interrupts in all: %u\n", errors);
    cli();
}

static void section_apr(void)
{
    lapic_ipi(0, ICR_SELF | ICR_ASSERT | 0x61);
    printf("IRR 0x61 pending: APR %#x PPR %#x\n", lapic_read(LAPIC_APR), lapic_read(LAPIC_PPR));
    lapic_write(LAPIC_TPR, 0x75);
    printf("TPR 0x75: APR %#x PPR %#x\n", lapic_read(LAPIC_APR), lapic_read(LAPIC_PPR));
    lapic_write(LAPIC_TPR, 0);
    isr_register(0x61, on_ipi);
    unsigned before = ipis;
    sti();
    for (int i = 0; i < 1000 && ipis == before; i++)
        ;
    cli();
    printf("taken after TPR 0: %u, APR %#x\n", ipis - before, lapic_read(LAPIC_APR));
}

static void section_msr(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    printf("APIC_BASE %#x\n", (unsigned)base);
    printf("reserved bit 0: %s\n", wrmsr_apic_base_try(base | 1) == XBT_GP ? "#GP" : "none");
    printf("bit 36 (beyond 36-bit addresses): %s\n",
           wrmsr_apic_base_try(base | (1ull << 36)) == XBT_GP ? "#GP" : "none");
    wrmsr(MSR_APIC_BASE, 0xFED40000u | 0x900);
    printf("relocated to 0xfed40000: version there %#x, at 0xfee00030 %#x\n",
           *(volatile uint32_t *)0xFED40030u, lapic_read(LAPIC_VER));
    wrmsr(MSR_APIC_BASE, base);
    printf("back: version %#x\n", lapic_read(LAPIC_VER));
}

static void section_global_disable(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    isr_register(PIC_MASTER_BASE, on_pic_timer);
    wrmsr(MSR_APIC_BASE, base & ~0x800ull);
    printf("globally disabled: MSR %#x, CPUID APIC %u, 0xfee00030 reads %#x\n",
           (unsigned)rdmsr(MSR_APIC_BASE), cpuid_apic(), lapic_read(LAPIC_VER));
    sti();
    outb(0x21, 0xFE);
    pit_wait_ms(10);
    printf("8259 timer straight to the CPU: ticks: %s\n", pic_ticks >= 5 ? "yes" : "no");
    wrmsr(MSR_APIC_BASE, base);
    printf("enabled again: CPUID APIC %u, SVR %#x, LINT0 %#x, DFR %#x\n", cpuid_apic(),
           lapic_read(LAPIC_SVR), lapic_read(LAPIC_LVT_LINT0), lapic_read(LAPIC_DFR));
    pit_wait_ms(2);
    unsigned before = pic_ticks;
    pit_wait_ms(10);
    printf("power-up state (LINT0 masked): %u ticks\n", pic_ticks - before);
    lapic_write(LAPIC_SVR, 0x1FF);
    lapic_write(LAPIC_LVT_LINT0, 0x8700);
    lapic_write(LAPIC_LVT_LINT1, 0x8400);
    pit_wait_ms(10);
    printf("SVR and LINT0 set up again: ticks: %s\n", pic_ticks - before >= 5 ? "yes" : "no");
    outb(0x21, 0xFF);
    pit_wait_ms(2);
    cli();
}

/* Counts (initial minus current) while the PIT ticks n times, divide d. */
static uint32_t counts_in_ticks(uint32_t tdcr, unsigned n)
{
    lapic_write(LAPIC_TDCR, tdcr);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
    wait_ticks(1);
    lapic_write(LAPIC_TMICT, 0xFFFFFFFFu);
    wait_ticks(n);
    uint32_t c = lapic_read(LAPIC_TMCCT);
    lapic_write(LAPIC_TMICT, 0);
    return 0xFFFFFFFFu - c;
}

static void section_timer_exact(void)
{
    static const uint32_t tdcr[] = { 0xB, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xA };
    sti();
    for (unsigned i = 0; i < sizeof(tdcr) / sizeof(tdcr[0]); i++)
        printf("divide config %#x: %u counts in 10 PIT ticks\n", tdcr[i],
               counts_in_ticks(tdcr[i], 10));
    lapic_write(LAPIC_TDCR, 0xB);
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VEC);
    wait_ticks(1);
    timer_ticks = 0;
    lapic_write(LAPIC_TMICT, 10000); /* 100 us */
    wait_ticks(10);
    printf("periodic 100 us: %u interrupts in 10 PIT ticks\n", timer_ticks);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | TIMER_VEC);
    uint32_t c0 = lapic_read(LAPIC_TMCCT);
    for (volatile int i = 0; i < 1000; i++)
        ;
    printf("masked periodic keeps counting: %s\n", lapic_read(LAPIC_TMCCT) != c0 ? "yes" : "no");
    lapic_write(LAPIC_TMICT, 0);
    cli();
}

/* The KVM unit tests' apic "change mode" test. */
static void wait_below(uint32_t v)
{
    while (lapic_read(LAPIC_TMCCT) > v)
        ;
}

static void section_timer_modes(void)
{
    const uint32_t tmict = 0x9999; /* 393 us: every poll is an MMIO exit */
    lapic_write(LAPIC_TDCR, 0xB);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
    lapic_write(LAPIC_TMICT, tmict);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | TIMER_VEC);
    printf("mode change keeps TMICT: %s\n", lapic_read(LAPIC_TMICT) == tmict ? "yes" : "no");
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
    lapic_write(LAPIC_TMICT, tmict);
    wait_below(tmict / 2);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | TIMER_VEC);
    uint32_t c = lapic_read(LAPIC_TMCCT);
    printf("one-shot -> periodic mid-count: goes on from %s\n",
           c > 0 && c <= tmict / 2 ? "where it was" : "elsewhere");
    while (lapic_read(LAPIC_TMCCT) < tmict / 2)
        ; /* reloads at zero */
    printf("periodic reloaded: %s\n", lapic_read(LAPIC_TMCCT) > tmict / 2 ? "yes" : "no");
    wait_below(tmict / 2);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
    while (lapic_read(LAPIC_TMCCT))
        ;
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | TIMER_VEC);
    printf("one-shot done, then periodic: count %u\n", lapic_read(LAPIC_TMCCT));
    lapic_write(LAPIC_TMICT, 0);
}

static void section_ioapic(void)
{
    printf("I/O APIC ID %#x version %#x arbitration %#x\n", ioapic_read(0), ioapic_read(1),
           ioapic_read(2));
    ioapic_write(0, 0xFF000000u);
    printf("after writing ID 0xff: ID %#x arbitration %#x\n", ioapic_read(0), ioapic_read(2));
    ioapic_write(0, 0x01000000u);
    ioapic_write(1, 0);
    printf("version is read-only: %#x\n", ioapic_read(1));
    ioapic_write(0x11 + 20, 0xFFFFFFFFu);
    ioapic_write(0x10 + 20, 0xFFFFFFFFu);
    printf("pin 10 after all ones: %#x %#x\n", ioapic_read(0x10 + 20), ioapic_read(0x11 + 20));
    ioapic_route(10, RE_MASKED, 0);
    printf("IOREGSEL reads back: %#x\n", *(volatile uint32_t *)IOAPIC_BASE & 0xFF);
}

static void on_rtc_stuck(struct isr_frame *f)
{
    (void)f;
    rtc_ticks++; /* neither reads register C nor EOIs */
}

/* A level interrupt in service holds the remote IRR; turning the entry
 * edge-triggered clears it (what Linux does on I/O APICs without an EOI
 * register). */
static void section_remote_irr(void)
{
    isr_register(RTC_VEC, on_rtc_stuck);
    ioapic_route(8, RE_LEVEL | RTC_VEC, 0);
    sti();
    cmos_write(0x0A, (cmos_read(0x0A) & 0xF0) | 0x06);
    cmos_write(0x0B, cmos_read(0x0B) | 0x40);
    while (!rtc_ticks)
        hlt();
    cli();
    cmos_write(0x0B, cmos_read(0x0B) & ~0x40);
    printf("level RTC in service: remote IRR %u, ISR %u\n",
           (ioapic_redir_lo(8) & RE_REMOTE_IRR) != 0, lapic_bit(LAPIC_ISR, RTC_VEC));
    ioapic_route(8, RE_MASKED | RE_LEVEL | RTC_VEC, 0);
    printf("masked: remote IRR %u\n", (ioapic_redir_lo(8) & RE_REMOTE_IRR) != 0);
    ioapic_route(8, RE_MASKED | RTC_VEC, 0);
    printf("made edge-triggered: remote IRR %u\n", (ioapic_redir_lo(8) & RE_REMOTE_IRR) != 0);
    lapic_eoi();
    (void)cmos_read(0x0C);
    printf("after EOI: ISR %u, delivered %u\n", lapic_bit(LAPIC_ISR, RTC_VEC), rtc_ticks);
}

static uint8_t sum(const uint8_t *p, unsigned n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void print_mp_entry(const uint8_t *e)
{
    static const char *const irq_types[] = { "INT", "NMI", "SMI", "ExtINT" };
    if (e[0] == 0)
        printf("  CPU: APIC ID %u version %#x flags %#x signature %#x features %#x\n", e[1], e[2],
               e[3], *(const uint32_t *)(e + 4), *(const uint32_t *)(e + 8));
    else if (e[0] == 1)
        printf("  bus %u: %.6s\n", e[1], (const char *)e + 2);
    else if (e[0] == 2)
        printf("  I/O APIC: ID %u version %#x flags %#x at %#x\n", e[1], e[2], e[3],
               *(const uint32_t *)(e + 4));
    else
        printf("  %s %s: flags %#x bus %u IRQ %u -> APIC %#x %s%u\n", e[0] == 3 ? "I/O" : "local",
               irq_types[e[1] & 3], e[2] | e[3] << 8, e[4], e[5], e[6],
               e[0] == 3 ? "pin " : "LINT", e[7]);
}

static void section_mptable(void)
{
    const uint8_t *f = NULL;
    for (uint32_t a = 0xF0000; a < 0x100000 && !f; a += 16)
        if (!memcmp((const void *)a, "_MP_", 4) && !sum((const uint8_t *)a, 16))
            f = (const uint8_t *)a;
    if (!f) {
        printf("no MP floating pointer\n");
        return;
    }
    const uint8_t *t = (const uint8_t *)*(const uint32_t *)(f + 4);
    uint16_t len = *(const uint16_t *)(t + 4), n = *(const uint16_t *)(t + 34);
    printf("MP %u.%u, features %#x, table \"%.4s\" %u bytes, checksum %s, \"%.8s\" \"%.12s\"\n",
           f[9] == 4 ? 1 : 0, f[9], f[12], (const char *)t, len, sum(t, len) ? "bad" : "ok",
           (const char *)t + 8, (const char *)t + 16);
    printf("  local APIC at %#x, %u entries\n", *(const uint32_t *)(t + 36), n);
    const uint8_t *e = t + 44;
    for (unsigned i = 0; i < n; i++) {
        print_mp_entry(e);
        e += e[0] == 0 ? 20 : 8;
    }
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    apic_test_init();
    isr_register(PIT_VEC, on_pit);
    isr_register(TIMER_VEC, on_timer);
    isr_register(IPI_VEC, on_ipi);
    isr_register(ERR_VEC, on_error);
    section_registers();
    section_software_disable();
    section_errors();
    section_apr();
    section_msr();
    section_global_disable();
    ioapic_route(2, PIT_VEC, 0);
    section_timer_exact();
    section_timer_modes();
    ioapic_route(2, RE_MASKED | PIT_VEC, 0);
    section_ioapic();
    section_remote_irr();
    section_mptable();
    return 0;
}
