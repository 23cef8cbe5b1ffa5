/*
 * acpi_pm.c - the ACPI fixed hardware of a PIIX4-style PC (include/acpi.h
 * has the layout; the FADT describes it): the PM1a event block (PM1_STS,
 * PM1_EN), the PM1a control block (PM1_CNT) and the PM timer, in the
 * 64-port PM block at ACPI_PM_BASE (0x600), with the SCI on an irq_line.
 *
 * PM1_STS: write 1 to clear.  TMR_STS sets whenever bit 23 of the PM timer
 * changes (every 2^23 ticks, 2.34 s), from the last time it was cleared
 * (or power-on) on; PWRBTN_STS sets when the power button is pressed
 * (dev_acpi_pm_power_button); WAK_STS sets when a sleep request returns.
 * The other status bits never set (no bus master, global lock, sleep
 * button or RTC alarm events).  PM1_EN: TMR_EN, GBL_EN, PWRBTN_EN,
 * SLPBTN_EN, RTC_EN are kept; the rest read 0.
 *
 * SCI = SCI_EN && (PM1_STS & PM1_EN & (TMR | GBL | PWRBTN | SLPBTN | RTC)):
 * a level, raised and lowered on the irq_line as it changes (QEMU does not
 * look at SCI_EN; on hardware, SCI_EN = 0 routes the events to SMI, which
 * a PC without SMM firmware does not have).
 *
 * PM1_CNT: SCI_EN (set at power-on: there is no SMI_CMD, ACPI mode is
 * always on, as on hardware without legacy mode), BM_RLD and SLP_TYP are
 * kept; GBL_RLS and SLP_EN are write-only (read 0).  Writing SLP_EN enters
 * the sleep state SLP_TYP names (QEMU's PIIX4 types): S5 (0) signals stop
 * with STOP_POWEROFF, exit status 0, as QEMU quits on a soft power-off;
 * S4 (2) too, as QEMU (the guest has saved itself to disk).  Any other
 * type (S3 = 1, or an undefined one) returns at once as if a wake event
 * came: WAK_STS sets, so an OS that waits for it goes on.  QEMU suspends
 * on S3 until a wake-up (xbt has no firmware to resume through, and the
 * DSDT offers no \_S3) and ignores the undefined types.
 *
 * PM_TMR: read-only, 24 bits counting at 3.579545 MHz from guest time
 * (clock.h): tick k happens at ceil(k * 1e9 / 3579545) ns, so on the
 * virtual clock the timer is as deterministic as the rest.  The carries
 * are counted lazily, at every access; an xtimer is armed at the next one
 * only while it could raise the SCI (TMR_EN set and TMR_STS clear).
 *
 * Accesses of 1, 2 or 4 bytes at any offset are split into the 16-bit
 * registers they touch; a 4-byte timer read is one snapshot.  Unused
 * offsets read 0 and ignore writes.
 *
 * Threading: port accesses and the timer callback run on the vCPU thread
 * (dev_acpi_pm_power_button too); the device takes no lock.
 */
#include <stdlib.h>

#include "acpi.h"
#include "clock.h"
#include "devices.h"

#define NS_PER_SEC 1000000000u
#define PM1_STS_BITS                                                                               \
    (ACPI_PM1_TMR | ACPI_PM1_BM | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN |               \
     ACPI_PM1_RTC | ACPI_PM1_WAK)
#define PM1_EN_BITS (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
#define PM1_CNT_KEPT (ACPI_CNT_SCI_EN | ACPI_CNT_BM_RLD | ACPI_CNT_SLP_TYP)

struct dev_acpi_pm {
    struct xclock *clk;
    struct xtimer *timer;
    struct irq_line sci;
    struct stop_line stop;
    uint16_t base;
    uint16_t sts, en, cnt;
    uint64_t carry_ticks; /* ticks up to which carries are in sts */
    int sci_level;
    struct dev_acpi_pm_stats st;
};

static uint64_t pm_ticks(struct dev_acpi_pm *pm)
{
    return (uint64_t)((unsigned __int128)xclock_ns(pm->clk) * ACPI_PM_TIMER_HZ / NS_PER_SEC);
}

/* Guest time of timer tick k. */
static uint64_t pm_tick_ns(uint64_t k)
{
    unsigned __int128 t = (unsigned __int128)k * NS_PER_SEC;
    return (uint64_t)((t + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

/* Folds the carries of bit 23 up to now into TMR_STS. */
static void pm_sync(struct dev_acpi_pm *pm)
{
    uint64_t now = pm_ticks(pm);
    uint64_t carries = now / ACPI_PM_TIMER_CARRY - pm->carry_ticks / ACPI_PM_TIMER_CARRY;
    if (carries) {
        pm->sts |= ACPI_PM1_TMR;
        pm->st.timer_carries += carries;
    }
    pm->carry_ticks = now;
}

/* Drives the SCI from the status and enables, and keeps the carry timer
 * armed while a carry could raise it. */
static void pm_update(struct dev_acpi_pm *pm)
{
    int level = (pm->cnt & ACPI_CNT_SCI_EN) && (pm->sts & pm->en & PM1_EN_BITS);
    if (level != pm->sci_level) {
        pm->sci_level = level;
        pm->st.scis += level;
        irq_set(&pm->sci, level);
    }
    if ((pm->en & ACPI_PM1_TMR) && !(pm->sts & ACPI_PM1_TMR)) {
        uint64_t next = (pm->carry_ticks / ACPI_PM_TIMER_CARRY + 1) * ACPI_PM_TIMER_CARRY;
        xtimer_mod(pm->timer, pm_tick_ns(next));
    } else {
        xtimer_del(pm->timer);
    }
}

static void pm_on_timer(void *opaque)
{
    struct dev_acpi_pm *pm = opaque;
    pm_sync(pm);
    pm_update(pm);
}

/* SLP_EN: enter the sleep state of type typ. */
static void pm_sleep(struct dev_acpi_pm *pm, unsigned typ)
{
    pm->st.sleep_requests++;
    if (typ == ACPI_SLP_TYP_S5 || typ == ACPI_SLP_TYP_S4) {
        pm->st.poweroffs++;
        stop_signal(&pm->stop, STOP_POWEROFF, XBT_STATUS_POWEROFF);
        return;
    }
    pm->sts |= ACPI_PM1_WAK; /* woke at once */
}

static uint16_t pm_read16(struct dev_acpi_pm *pm, unsigned reg, uint32_t tmr)
{
    switch (reg) {
    case ACPI_PM1_STS: return pm->sts;
    case ACPI_PM1_EN: return pm->en;
    case ACPI_PM1_CNT: return pm->cnt;
    case ACPI_PM_TMR: return (uint16_t)tmr;
    case ACPI_PM_TMR + 2: return (uint16_t)(tmr >> 16);
    default: return 0;
    }
}

/* A write of the bytes of mask (of a 16-bit register). */
static void pm_write16(struct dev_acpi_pm *pm, unsigned reg, uint16_t v, uint16_t mask)
{
    v &= mask;
    switch (reg) {
    case ACPI_PM1_STS: pm->sts &= (uint16_t) ~(v & PM1_STS_BITS); break;
    case ACPI_PM1_EN: pm->en = (uint16_t)((pm->en & ~mask) | (v & PM1_EN_BITS)); break;
    case ACPI_PM1_CNT:
        pm->cnt = (uint16_t)((pm->cnt & ~(mask & PM1_CNT_KEPT)) | (v & PM1_CNT_KEPT));
        if (v & ACPI_CNT_SLP_EN)
            pm_sleep(pm, (pm->cnt & ACPI_CNT_SLP_TYP) >> ACPI_CNT_SLP_TYP_SHIFT);
        break;
    }
}

static uint32_t pm_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_acpi_pm *pm = opaque;
    unsigned off = (unsigned)(port - pm->base);
    pm_sync(pm);
    uint32_t tmr = (uint32_t)(pm->carry_ticks & ACPI_PM_TIMER_MASK);
    if (off + size > ACPI_PM_TMR && off < ACPI_PM_TMR + ACPI_PM_TMR_LEN)
        pm->st.timer_reads++;
    uint32_t val = 0;
    for (unsigned k = 0; k < size; k++) {
        unsigned at = off + k;
        uint16_t r = pm_read16(pm, at & ~1u, tmr);
        val |= (uint32_t)(uint8_t)(r >> (8 * (at & 1))) << (8 * k);
    }
    pm_update(pm);
    return val;
}

static void pm_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_acpi_pm *pm = opaque;
    unsigned off = (unsigned)(port - pm->base);
    pm_sync(pm);
    for (unsigned k = 0; k < size;) {
        unsigned at = off + k, lane = at & 1;
        unsigned n = size - k < 2 - lane ? size - k : 2 - lane;
        uint16_t mask = (uint16_t)(((1u << (8 * n)) - 1) << (8 * lane));
        uint16_t v = (uint16_t)(((val >> (8 * k)) << (8 * lane)) & mask);
        pm_write16(pm, at & ~1u, v, mask);
        k += n;
    }
    pm_update(pm);
}

struct dev_acpi_pm *dev_acpi_pm_create(struct io_bus *bus, struct xclock *clk, uint16_t base,
                                       struct irq_line sci, struct stop_line stop)
{
    static const struct dev_port_ops ops = { pm_port_read, pm_port_write };
    struct dev_acpi_pm *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return NULL;
    *pm = (struct dev_acpi_pm){
        .clk = clk, .sci = sci, .stop = stop, .base = base, .cnt = ACPI_CNT_SCI_EN
    };
    pm->timer = xtimer_create(clk, pm_on_timer, pm);
    if (!pm->timer || bus_register_ports(bus, base, ACPI_PM_LEN, &ops, pm)) {
        dev_acpi_pm_destroy(pm);
        return NULL;
    }
    pm->carry_ticks = pm_ticks(pm);
    return pm;
}

void dev_acpi_pm_destroy(struct dev_acpi_pm *pm)
{
    if (!pm)
        return;
    if (pm->timer)
        xtimer_destroy(pm->timer);
    free(pm);
}

void dev_acpi_pm_power_button(struct dev_acpi_pm *pm)
{
    pm_sync(pm);
    pm->sts |= ACPI_PM1_PWRBTN;
    pm->st.power_button++;
    pm_update(pm);
}

const struct dev_acpi_pm_stats *dev_acpi_pm_stats(const struct dev_acpi_pm *pm)
{
    return &pm->st;
}
