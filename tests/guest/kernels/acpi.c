/*
 * acpi.c - ACPI as an OS uses it: finds the RSDP by scanning the EBDA and
 * the BIOS area (0xE0000-0xFFFFF), walks RSDT -> FADT -> FACS and DSDT
 * checking signatures and checksums, takes SLP_TYPa from the DSDT's \_S5
 * package, switches to ACPI mode if the firmware left it off (SMI_CMD),
 * then exercises the PM fixed hardware: the PM timer (monotonic, 3.579545
 * MHz against the PIT's channel 2), TMR_STS set by the carry of the
 * timer's top bit, PM1_STS write-1-to-clear, PM1_EN, the SCI on IRQ9 for a
 * timer carry, and finally powers off through PM1a_CNT (SLP_TYP | SLP_EN):
 * xbt exits with status 0, as QEMU does.
 *
 * It runs under QEMU too (SeaBIOS installs QEMU's tables there), so it
 * prints only what is architectural for a PIIX4 PC: not OEM IDs, table
 * addresses, revisions or the other tables each machine has.  It takes
 * two carries of the PM timer (up to 4.7 s).
 */
#include <stdbool.h>

#include "pc_common.h"

#define PM1_TMR_STS 0x0001
#define PM1_WAK_STS 0x8000
#define CNT_SCI_EN 0x0001
#define CNT_SLP_EN 0x2000
#define FADT_TMR_VAL_EXT (1u << 8)
#define PM_TIMER_HZ 3579545u
#define PIT_HZ 1193182u
#define PIT_COUNT 59659u /* 50 ms */

static uint16_t pm1_sts, pm1_en, pm1_cnt, pm_tmr;
static uint32_t tmr_mask, tmr_msb;
static volatile unsigned scis;
static volatile uint16_t sci_sts;

/* Physical memory (identity, paging off); the compiler must not treat a
 * constant low address as a null pointer's array. */
static const uint8_t *at(uint32_t a)
{
    __asm__("" : "+r"(a));
    return (const uint8_t *)(uintptr_t)a;
}

static uint32_t rd32(uint32_t a)
{
    uint32_t v;
    memcpy(&v, at(a), 4);
    return v;
}

static uint16_t rd16(uint32_t a)
{
    return (uint16_t)(at(a)[0] | at(a)[1] << 8);
}

static uint8_t sum(uint32_t a, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t k = 0; k < len; k++)
        s = (uint8_t)(s + at(a)[k]);
    return s;
}

/* A table with this signature and a good checksum. */
static bool table_ok(uint32_t a, const char *sig)
{
    return a && !memcmp(at(a), sig, 4) && rd32(a + 4) >= 36 && sum(a, rd32(a + 4)) == 0;
}

static uint32_t scan_rsdp(uint32_t lo, uint32_t hi)
{
    for (uint32_t a = lo; a + 20 <= hi; a += 16)
        if (!memcmp(at(a), "RSD PTR ", 8) && sum(a, 20) == 0)
            return a;
    return 0;
}

/* As an OS: the first KiB of the EBDA, then the BIOS area. */
static uint32_t find_rsdp(void)
{
    uint32_t ebda = (uint32_t)rd16(0x40E) << 4;
    uint32_t r = ebda >= 0x80000 && ebda < 0xA0000 ? scan_rsdp(ebda, ebda + 1024) : 0;
    return r ? r : scan_rsdp(0xE0000, 0x100000);
}

static uint32_t find_table(uint32_t rsdt, const char *sig)
{
    uint32_t n = (rd32(rsdt + 4) - 36) / 4;
    for (uint32_t k = 0; k < n; k++)
        if (table_ok(rd32(rsdt + 36 + 4 * k), sig))
            return rd32(rsdt + 36 + 4 * k);
    return 0;
}

/* SLP_TYPa from Name (_S5, Package () {a, b, ...}) in the DSDT, or -1. */
static int s5_slp_typ(uint32_t dsdt)
{
    uint32_t end = dsdt + rd32(dsdt + 4);
    for (uint32_t p = dsdt + 36; p + 8 < end; p++) {
        if (memcmp(at(p), "_S5_", 4) || at(p + 4)[0] != 0x12)
            continue;
        if (at(p - 1)[0] != 0x08 && !(at(p - 1)[0] == '\\' && at(p - 2)[0] == 0x08))
            continue;
        const uint8_t *q = at(p + 5);
        q += 1 + (q[0] >> 6); /* PkgLength */
        q++;                  /* NumElements */
        return q[0] == 0x0A ? q[1] : q[0] <= 1 ? q[0] : -1;
    }
    return -1;
}

static uint32_t pm_read(void)
{
    return inl(pm_tmr) & tmr_mask;
}

static bool check_tables(int *slp_typ)
{
    uint32_t rsdp = find_rsdp();
    printf("RSDP found by scanning: %s\n", rsdp ? "yes" : "no");
    if (!rsdp)
        return false;
    uint32_t rsdt = rd32(rsdp + 16);
    printf("RSDT: %s\n", table_ok(rsdt, "RSDT") ? "ok" : "BAD");
    uint32_t fadt = find_table(rsdt, "FACP");
    printf("FADT: %s\n", fadt ? "ok" : "missing");
    if (!fadt)
        return false;
    uint32_t facs = rd32(fadt + 36), dsdt = rd32(fadt + 40);
    bool facs_ok = facs && !memcmp(at(facs), "FACS", 4) && rd32(facs + 4) >= 64 && !(facs & 63);
    printf("FACS: %s\n", facs_ok ? "ok" : "BAD");
    printf("DSDT: %s\n", table_ok(dsdt, "DSDT") ? "ok" : "BAD");
    *slp_typ = s5_slp_typ(dsdt);
    printf("\\_S5 in the DSDT: %s\n", *slp_typ >= 0 ? "yes" : "no");
    printf("SCI_INT %u\n", rd16(fadt + 46));
    printf("PM1a_EVT_BLK 0x%x, %u bytes\n", rd32(fadt + 56), at(fadt + 88)[0]);
    printf("PM1a_CNT_BLK 0x%x, %u bytes\n", rd32(fadt + 64), at(fadt + 89)[0]);
    printf("PM_TMR_BLK 0x%x, %u bytes\n", rd32(fadt + 76), at(fadt + 91)[0]);
    pm1_sts = (uint16_t)rd32(fadt + 56);
    pm1_en = (uint16_t)(pm1_sts + at(fadt + 88)[0] / 2);
    pm1_cnt = (uint16_t)rd32(fadt + 64);
    pm_tmr = (uint16_t)rd32(fadt + 76);
    tmr_mask = rd32(fadt + 112) & FADT_TMR_VAL_EXT ? 0xFFFFFFFFu : 0xFFFFFFu;
    tmr_msb = (tmr_mask >> 1) + 1;
    /* ACPI mode: on already, or asked for through SMI_CMD */
    uint32_t smi_cmd = rd32(fadt + 48);
    if (!(inw(pm1_cnt) & CNT_SCI_EN) && smi_cmd) {
        outb((uint16_t)smi_cmd, at(fadt + 52)[0]);
        for (int k = 0; k < 1000000 && !(inw(pm1_cnt) & CNT_SCI_EN); k++)
            ;
    }
    printf("ACPI mode (SCI_EN): %s\n", inw(pm1_cnt) & CNT_SCI_EN ? "on" : "off");
    return true;
}

/* PM timer ticks while PIT channel 2 (mode 0, gate on) counts PIT_COUNT
 * ticks, bracketed: each end of the interval is known to lie between two
 * timer reads, so a host that deschedules the vCPU (a loaded machine,
 * real time) widens [lo, hi] instead of biasing one reading. */
static void pit_interval(uint32_t *lo, uint32_t *hi)
{
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xB0);
    outb(0x42, PIT_COUNT & 0xFF);
    uint32_t start_lo = pm_read();
    outb(0x42, PIT_COUNT >> 8); /* counting starts */
    uint32_t start_hi = pm_read(), prev = start_hi;
    for (;;) {
        uint32_t t = pm_read();
        if (inb(0x61) & 0x20)
            break;
        prev = t; /* OUT2 was still low after this read */
    }
    uint32_t end_hi = pm_read();
    *lo = (prev - start_hi) & tmr_mask;
    *hi = (end_hi - start_lo) & tmr_mask;
}

static void check_timer(void)
{
    bool mono = true;
    uint32_t prev = pm_read();
    for (int k = 0; k < 20000; k++) {
        uint32_t now = pm_read();
        mono &= ((now - prev) & tmr_mask) < tmr_msb;
        prev = now;
    }
    printf("PM timer monotonic: %s\n", mono ? "yes" : "no");
    uint32_t want = (uint32_t)((uint64_t)PM_TIMER_HZ * PIT_COUNT / PIT_HZ);
    uint32_t lo = 0, hi = 0;
    for (int k = 0; k < 5 && (k == 0 || hi - lo > want / 50); k++)
        pit_interval(&lo, &hi);
    bool ok = lo < want + want / 50 && hi > want - want / 50;
    printf("PM timer ticks in 50 ms of the PIT: %s\n", ok ? "3.58 MHz within 2%" : "WRONG");
    if (!ok)
        printf("  (%u-%u, expected %u)\n", lo, hi, want);
}

/* Spins until the timer's top bit changes. */
static void wait_carry(void)
{
    uint32_t t = pm_read();
    while (!((pm_read() ^ t) & tmr_msb))
        ;
}

static void on_sci(struct isr_frame *f)
{
    (void)f;
    sci_sts = inw(pm1_sts);
    outw(pm1_sts, PM1_TMR_STS);
    outw(pm1_en, 0);
    scis++;
    pic_eoi(9);
}

static void check_status_sci(void)
{
    wait_carry();
    printf("TMR_STS set by the carry: %s\n", inw(pm1_sts) & PM1_TMR_STS ? "yes" : "no");
    outw(pm1_sts, 0);
    printf("writing 0 keeps it: %s\n", inw(pm1_sts) & PM1_TMR_STS ? "yes" : "no");
    outw(pm1_sts, PM1_TMR_STS | PM1_WAK_STS);
    printf("writing 1 clears it: %s\n", inw(pm1_sts) & PM1_TMR_STS ? "no" : "yes");
    outw(pm1_en, PM1_TMR_STS);
    printf("TMR_EN reads back: %s\n", inw(pm1_en) & PM1_TMR_STS ? "yes" : "no");
    isr_register(PIC_SLAVE_BASE + 1, on_sci);
    pic_remap(0xFB, 0xFD); /* the cascade and IRQ9 */
    sti();
    uint32_t t0 = pm_read();
    while (!scis && ((pm_read() - t0) & tmr_mask) < tmr_msb + tmr_msb / 2)
        ;
    cli();
    printf("SCI (IRQ9) at the next carry: %s\n", scis == 1 ? "yes" : "no");
    printf("its PM1_STS had TMR_STS: %s\n", sci_sts & PM1_TMR_STS ? "yes" : "no");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    idt_init();
    int slp_typ = -1;
    if (!check_tables(&slp_typ) || slp_typ < 0)
        return 1;
    check_timer();
    check_status_sci();
    printf("powering off through PM1a_CNT\n");
    outw(pm1_cnt, (uint16_t)((inw(pm1_cnt) & ~0x1C00) | slp_typ << 10));
    outw(pm1_cnt, (uint16_t)((inw(pm1_cnt) & ~0x1C00) | slp_typ << 10 | CNT_SLP_EN));
    /* QEMU takes the request asynchronously: give it half a second */
    uint32_t t0 = pm_read();
    while (((pm_read() - t0) & tmr_mask) < PM_TIMER_HZ / 2)
        ;
    printf("still running after the S5 request\n");
    return 2;
}
