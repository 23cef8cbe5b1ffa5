/*
 * rtc146818.c - the Motorola MC146818 real-time clock and CMOS RAM of the
 * PC/AT at 0x70 (index, bit 7 = NMI mask) and 0x71 (data), IRQ8.
 *
 * Time.  The RTC counts whole seconds of wall time: at guest time t (ns,
 * clock.h) it shows xclock_epoch() + offset + (updates since the divider
 * origin), where an update happens every second at phase_ns + k*1e9.  At
 * power-on offset = 0 and phase_ns = 0, i.e. the host's wall time (UTC) at
 * machine start plus guest time elapsed - with --clock=virtual and a fixed
 * epoch that is deterministic (the epoch is read at every access, so the
 * machine may set it after creating the RTC).  The guest may set the time
 * (SET, or a plain write of a time register); that changes the offset, and
 * from then on the time is kept independently of the epoch; the update
 * phase continues.  Registers 0-9 and the century byte 0x32 are computed from the
 * time when read, in BCD or binary (B.DM) and 24 or 12 hour format (B.24/12,
 * PM = bit 7 of the hour); day of week is 1 = Sunday and is derived from the
 * date (a written value is not kept).  Years are 100 * century + year; a
 * century byte outside 19..99 is taken as 20.  Dates after a write are
 * normalized (Feb 30 becomes Mar 1 or 2) rather than kept invalid.
 *
 * Register A: UIP (bit 7) reads 1 during the 244 us before each update
 * (never while SET = 1 or the divider is stopped); DV (bits 6-4) must be 010
 * for the clock to run - any other value stops it, and going back to 010
 * puts the first update 500 ms later, as after a divider reset; RS (bits
 * 3-0) selects the periodic interrupt rate (32768 Hz >> (RS-1); RS 1 and 2
 * give 256 and 128 Hz; 0 = none).
 * Register B: SET stops the time registers (they become plain storage until
 * SET is cleared, which loads the time from them) and clears UIE; PIE, AIE,
 * UIE enable the interrupts; DM, 24/12 select formats; SQWE and DSE are
 * stored only (no square-wave pin, no daylight-saving adjustment).
 * Register C: IRQF, PF, AF, UF.  PF is set at every periodic tick, UF at
 * every update and AF at every update whose time matches the alarm
 * registers 1, 3, 5 (a value 0xC0-0xFF matches anything), whether or not
 * the interrupt is enabled; IRQF = (PF & PIE) | (AF & AIE) | (UF & UIE).
 * Reading C returns and clears all four and lowers IRQ8.
 * Register D: VRT = 1 (battery good), read-only.
 *
 * Flags are brought up to date lazily (on every access and timer): the
 * updates and periodic ticks between the last synchronization and now are
 * counted in closed form, and an alarm is searched over at most the last
 * 86400 updates (the alarm only looks at the time of day).  A timer is armed
 * only when an enabled interrupt could raise IRQ8 (the line is low): at the
 * next periodic tick (PIE) or the next update (UIE, AIE).  IRQ8 is raised
 * when IRQF becomes 1 and lowered when C is read, so each interrupt is one
 * rising edge for the edge-triggered PIC.
 *
 * CMOS RAM: 128 bytes; 0x0E-0x7F are storage (0x32 = century), initialized
 * as a PC BIOS would: equipment byte 0x14 (math coprocessor, no floppy,
 * EGA/VGA-or-none display), base memory 0x15/0x16 (640 KiB, less if RAM is
 * smaller), extended memory above 1 MiB in KiB at 0x17/0x18 and 0x30/0x31
 * (capped at 0xFFFF), memory above 16 MiB in 64 KiB units at 0x34/0x35
 * (capped at 0xFFFF; the Bochs/SeaBIOS convention), and the standard
 * checksum of 0x10-0x2D at 0x2E (high) / 0x2F (low).  Guest writes do not
 * update the checksum (as on hardware).
 *
 * Reads of port 0x70 return 0xFF (it is write-only on the AT).  The NMI
 * mask bit is stored (dev_rtc_nmi_masked()); xbt raises no NMIs.
 *
 * Threading: port accesses and the timer callback run on the vCPU thread;
 * the RTC takes no lock.  IRQ8 goes to the PIC, which locks internally.
 */
#include <stdlib.h>

#include "clock.h"
#include "devices.h"

#define NS_PER_SEC 1000000000ll
#define SECS_PER_DAY 86400
/* Update-in-progress lead time: 8 cycles of the 32768 Hz time base. */
#define RTC_UIP_NS 244141
/* Delay from leaving divider reset to the first update (datasheet). */
#define RTC_FIRST_UPDATE_NS 500000000ll
/* Frequency of the time base that divides into the periodic rates. */
#define RTC_BASE_HZ 32768
/* Ports: index and data. */
#define RTC_PORT 0x70
#define RTC_NPORTS 2

/* Register indices. */
enum {
    RTC_SEC = 0x00,
    RTC_SEC_ALARM = 0x01,
    RTC_MIN = 0x02,
    RTC_MIN_ALARM = 0x03,
    RTC_HOUR = 0x04,
    RTC_HOUR_ALARM = 0x05,
    RTC_WDAY = 0x06,
    RTC_MDAY = 0x07,
    RTC_MONTH = 0x08,
    RTC_YEAR = 0x09,
    RTC_REG_A = 0x0A,
    RTC_REG_B = 0x0B,
    RTC_REG_C = 0x0C,
    RTC_REG_D = 0x0D,
    RTC_CENTURY = 0x32,
    RTC_NREGS = 128,
};

#define REGA_UIP 0x80
#define REGA_DV 0x70
#define REGA_DV_NORMAL 0x20 /* 010: 32.768 kHz time base, running */
#define REGA_RS 0x0F
#define REGB_SET 0x80
#define REGB_PIE 0x40
#define REGB_AIE 0x20
#define REGB_UIE 0x10
#define REGB_SQWE 0x08
#define REGB_DM 0x04 /* 1 = binary, 0 = BCD */
#define REGB_24H 0x02
#define REGB_DSE 0x01
#define REGC_IRQF 0x80
#define REGC_PF 0x40
#define REGC_AF 0x20
#define REGC_UF 0x10
#define REGD_VRT 0x80
/* Alarm register values 0xC0-0xFF match any value. */
#define RTC_ALARM_DONT_CARE 0xC0

/* Power-on register A: DV = 010 (running), RS = 0110 (1024 Hz). */
#define RTC_RESET_A 0x26
/* Power-on register B: 24-hour, BCD (what a PC BIOS leaves). */
#define RTC_RESET_B 0x02

/* CMOS RAM layout of the PC BIOS. */
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_MEM_LO 0x15
#define CMOS_EXT_MEM_LO 0x17
#define CMOS_CHECKSUM_HI 0x2E
#define CMOS_CHECKSUM_LO 0x2F
#define CMOS_EXT_MEM2_LO 0x30
#define CMOS_HIGH_MEM_LO 0x34
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST 0x2D
/* Equipment byte: bit 1 math coprocessor present; bits 5-4 = 00 EGA/VGA
 * (or none); bit 0 = 0 no floppy drives. */
#define CMOS_EQUIPMENT_VALUE 0x02
/* Conventional memory a PC reports, KiB. */
#define CMOS_BASE_MEM_KB 640

struct dev_rtc {
    struct xclock *clk;
    struct irq_line irq;
    struct xtimer *timer;
    uint8_t cmos[RTC_NREGS];
    uint8_t index;
    bool nmi_masked;
    int irq_level;

    bool running;       /* DV = 010 */
    bool absolute;      /* the guest set the time: epoch no longer used */
    int64_t offset;     /* seconds added to (epoch +) updates */
    int64_t frozen;     /* absolute time while !running */
    int64_t phase_ns;   /* guest ns of the divider origin (update 0) */
    uint64_t last_sync; /* guest ns flags were last brought up to date */
};

/* ---- arithmetic ------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* ---- register formats --------------------------------------------------- */

static bool rtc_binary(const struct dev_rtc *r)
{
    return r->cmos[RTC_REG_B] & REGB_DM;
}

static uint8_t rtc_encode(const struct dev_rtc *r, unsigned v)
{
    return rtc_binary(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned rtc_decode(const struct dev_rtc *r, uint8_t v)
{
    return rtc_binary(r) ? v : (v >> 4) * 10u + (v & 15);
}

static uint8_t rtc_encode_hour(const struct dev_rtc *r, unsigned h)
{
    if (r->cmos[RTC_REG_B] & REGB_24H)
        return rtc_encode(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(rtc_encode(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned rtc_decode_hour(const struct dev_rtc *r, uint8_t v)
{
    if (r->cmos[RTC_REG_B] & REGB_24H)
        return rtc_decode(r, v);
    unsigned h12 = rtc_decode(r, v & 0x7F);
    return h12 % 12 + ((v & 0x80) ? 12 : 0);
}

/* Writes the time registers (and century) for absolute time t. */
static void rtc_time_to_regs(struct dev_rtc *r, int64_t t)
{
    int64_t days = floor_div(t, SECS_PER_DAY);
    int64_t sod = t - days * SECS_PER_DAY;
    int64_t y;
    unsigned mon, mday;
    civil_from_days(days, &y, &mon, &mday);
    unsigned wday = (unsigned)floor_mod(days + 4, 7); /* 1970-01-01: Thu */
    r->cmos[RTC_SEC] = rtc_encode(r, (unsigned)(sod % 60));
    r->cmos[RTC_MIN] = rtc_encode(r, (unsigned)(sod / 60 % 60));
    r->cmos[RTC_HOUR] = rtc_encode_hour(r, (unsigned)(sod / 3600));
    r->cmos[RTC_WDAY] = rtc_encode(r, wday + 1);
    r->cmos[RTC_MDAY] = rtc_encode(r, mday);
    r->cmos[RTC_MONTH] = rtc_encode(r, mon);
    r->cmos[RTC_YEAR] = rtc_encode(r, (unsigned)floor_mod(y, 100));
    r->cmos[RTC_CENTURY] = rtc_encode(r, (unsigned)floor_mod(floor_div(y, 100), 100));
}

/* The absolute time the time registers hold. */
static int64_t rtc_regs_to_time(const struct dev_rtc *r)
{
    unsigned century = rtc_decode(r, r->cmos[RTC_CENTURY]);
    if (century < 19 || century > 99)
        century = 20;
    int64_t y = (int64_t)century * 100 + rtc_decode(r, r->cmos[RTC_YEAR]) % 100;
    unsigned mon = rtc_decode(r, r->cmos[RTC_MONTH]);
    if (mon < 1 || mon > 12)
        mon = 1;
    unsigned mday = rtc_decode(r, r->cmos[RTC_MDAY]);
    if (mday < 1)
        mday = 1;
    return days_from_civil(y, mon, mday) * SECS_PER_DAY +
           rtc_decode_hour(r, r->cmos[RTC_HOUR]) * 3600 + rtc_decode(r, r->cmos[RTC_MIN]) * 60 +
           rtc_decode(r, r->cmos[RTC_SEC]);
}

/* ---- time base ---------------------------------------------------------------- */

/* Updates since the divider origin at guest time now. */
static int64_t rtc_updates(const struct dev_rtc *r, uint64_t now)
{
    return floor_div((int64_t)now - r->phase_ns, NS_PER_SEC);
}

/* The RTC's absolute time (seconds since 1970) at guest time now. */
static int64_t rtc_time(const struct dev_rtc *r, uint64_t now)
{
    if (!r->running)
        return r->frozen;
    return (r->absolute ? 0 : xclock_epoch(r->clk)) + r->offset + rtc_updates(r, now);
}

/* Makes the clock show absolute time t at guest time now.  From then on
 * the time no longer follows xclock_epoch(). */
static void rtc_set_time(struct dev_rtc *r, uint64_t now, int64_t t)
{
    r->absolute = true;
    if (r->running)
        r->offset = t - rtc_updates(r, now);
    else
        r->frozen = t;
}

/* Periodic interrupt period in cycles of the 32768 Hz base, 0 if off. */
static unsigned rtc_period_cycles(const struct dev_rtc *r)
{
    unsigned rs = r->cmos[RTC_REG_A] & REGA_RS;
    if (rs == 0)
        return 0;
    return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

/* Periodic ticks since the divider origin. */
static int64_t rtc_ticks(const struct dev_rtc *r, uint64_t now, unsigned cycles)
{
    __int128 x = (__int128)((int64_t)now - r->phase_ns) * RTC_BASE_HZ;
    __int128 div = (__int128)cycles * NS_PER_SEC;
    __int128 q = x / div;
    if (x % div != 0 && x < 0)
        q--;
    return (int64_t)q;
}

/* Guest time of periodic tick k (the first instant it has happened). */
static uint64_t rtc_tick_time(const struct dev_rtc *r, int64_t k, unsigned cycles)
{
    __int128 x = (__int128)k * cycles * NS_PER_SEC;
    __int128 q = x / RTC_BASE_HZ + (x % RTC_BASE_HZ > 0);
    q += r->phase_ns;
    return q < 0 ? 0 : q > (__int128)UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* ---- flags and interrupts ----------------------------------------------------- */

static bool rtc_alarm_matches(const struct dev_rtc *r, int64_t t)
{
    int64_t sod = floor_mod(t, SECS_PER_DAY);
    const uint8_t *c = r->cmos;
    if (c[RTC_SEC_ALARM] < RTC_ALARM_DONT_CARE &&
        c[RTC_SEC_ALARM] != rtc_encode(r, (unsigned)(sod % 60)))
        return false;
    if (c[RTC_MIN_ALARM] < RTC_ALARM_DONT_CARE &&
        c[RTC_MIN_ALARM] != rtc_encode(r, (unsigned)(sod / 60 % 60)))
        return false;
    if (c[RTC_HOUR_ALARM] < RTC_ALARM_DONT_CARE &&
        c[RTC_HOUR_ALARM] != rtc_encode_hour(r, (unsigned)(sod / 3600)))
        return false;
    return true;
}

/* Recomputes IRQF and drives IRQ8 high when it becomes set. */
static void rtc_update_irq(struct dev_rtc *r)
{
    uint8_t b = r->cmos[RTC_REG_B], c = r->cmos[RTC_REG_C];
    bool irqf = ((c & REGC_PF) && (b & REGB_PIE)) || ((c & REGC_AF) && (b & REGB_AIE)) ||
                ((c & REGC_UF) && (b & REGB_UIE));
    if (irqf)
        r->cmos[RTC_REG_C] |= REGC_IRQF;
    if ((r->cmos[RTC_REG_C] & REGC_IRQF) && !r->irq_level) {
        r->irq_level = 1;
        irq_set(&r->irq, 1);
    }
}

/* Sets the flags for everything that happened in (last_sync, now]. */
static void rtc_sync(struct dev_rtc *r, uint64_t now)
{
    if (now <= r->last_sync)
        return;
    if (r->running && !(r->cmos[RTC_REG_B] & REGB_SET)) {
        int64_t u0 = rtc_updates(r, r->last_sync), u1 = rtc_updates(r, now);
        if (u1 > u0) {
            r->cmos[RTC_REG_C] |= REGC_UF;
            int64_t first = u1 - u0 > SECS_PER_DAY ? u1 - SECS_PER_DAY : u0;
            int64_t base = (r->absolute ? 0 : xclock_epoch(r->clk)) + r->offset;
            for (int64_t u = u1; u > first; u--) {
                if (rtc_alarm_matches(r, base + u)) {
                    r->cmos[RTC_REG_C] |= REGC_AF;
                    break;
                }
            }
        }
    }
    unsigned cycles = rtc_period_cycles(r);
    if (r->running && cycles && rtc_ticks(r, now, cycles) > rtc_ticks(r, r->last_sync, cycles))
        r->cmos[RTC_REG_C] |= REGC_PF;
    r->last_sync = now;
    rtc_update_irq(r);
}

/* Arms the timer for the next event that could raise IRQ8. */
static void rtc_arm(struct dev_rtc *r, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    uint8_t b = r->cmos[RTC_REG_B];
    if (r->running && !r->irq_level) {
        unsigned cycles = rtc_period_cycles(r);
        if ((b & REGB_PIE) && cycles)
            next = rtc_tick_time(r, rtc_ticks(r, now, cycles) + 1, cycles);
        if ((b & (REGB_UIE | REGB_AIE)) && !(b & REGB_SET)) {
            int64_t t = r->phase_ns + (rtc_updates(r, now) + 1) * NS_PER_SEC;
            if (t > 0 && (uint64_t)t < next)
                next = (uint64_t)t;
        }
    }
    if (next == UINT64_MAX)
        xtimer_del(r->timer);
    else
        xtimer_mod(r->timer, next);
}

static void rtc_timer_cb(void *opaque)
{
    struct dev_rtc *r = opaque;
    uint64_t now = xclock_ns(r->clk);
    rtc_sync(r, now);
    rtc_arm(r, now);
}

/* ---- register access --------------------------------------------------------- */

static bool rtc_is_time_reg(unsigned idx)
{
    switch (idx) {
    case RTC_SEC:
    case RTC_MIN:
    case RTC_HOUR:
    case RTC_WDAY:
    case RTC_MDAY:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY: return true;
    default: return false;
    }
}

static uint8_t rtc_reg_read(struct dev_rtc *r, unsigned idx, uint64_t now)
{
    uint8_t v;
    bool set = r->cmos[RTC_REG_B] & REGB_SET;
    if (rtc_is_time_reg(idx)) {
        if (!set)
            rtc_time_to_regs(r, rtc_time(r, now));
        return r->cmos[idx];
    }
    switch (idx) {
    case RTC_REG_A: {
        v = r->cmos[RTC_REG_A] & (uint8_t)~REGA_UIP;
        int64_t frac = floor_mod((int64_t)now - r->phase_ns, NS_PER_SEC);
        if (r->running && !set && frac >= NS_PER_SEC - RTC_UIP_NS)
            v |= REGA_UIP;
        return v;
    }
    case RTC_REG_C:
        v = r->cmos[RTC_REG_C];
        r->cmos[RTC_REG_C] = 0;
        if (r->irq_level) {
            r->irq_level = 0;
            irq_set(&r->irq, 0);
        }
        rtc_arm(r, now);
        return v;
    case RTC_REG_D: return REGD_VRT;
    default: return r->cmos[idx];
    }
}

static void rtc_reg_write(struct dev_rtc *r, unsigned idx, uint8_t val, uint64_t now)
{
    uint8_t old;
    if (rtc_is_time_reg(idx)) {
        if (r->cmos[RTC_REG_B] & REGB_SET) {
            r->cmos[idx] = val; /* loaded when SET is cleared */
            return;
        }
        rtc_time_to_regs(r, rtc_time(r, now));
        r->cmos[idx] = val;
        rtc_set_time(r, now, rtc_regs_to_time(r));
        return;
    }
    switch (idx) {
    case RTC_REG_A: {
        int64_t t = rtc_time(r, now);
        bool run = (val & REGA_DV) == REGA_DV_NORMAL;
        r->cmos[RTC_REG_A] = val & (uint8_t)~REGA_UIP;
        if (run && !r->running) {
            /* Out of divider reset: first update half a second later. */
            r->phase_ns = (int64_t)now + RTC_FIRST_UPDATE_NS - NS_PER_SEC;
            r->running = true;
            rtc_set_time(r, now, t);
        } else if (!run && r->running) {
            r->running = false;
            rtc_set_time(r, now, t);
        }
        break;
    }
    case RTC_REG_B:
        old = r->cmos[RTC_REG_B];
        if ((val & REGB_SET) && !(old & REGB_SET)) {
            /* The time registers freeze at the current time. */
            rtc_time_to_regs(r, rtc_time(r, now));
            val &= (uint8_t)~REGB_UIE;
        }
        r->cmos[RTC_REG_B] = val;
        if (!(val & REGB_SET) && (old & REGB_SET))
            rtc_set_time(r, now, rtc_regs_to_time(r));
        rtc_update_irq(r);
        break;
    case RTC_REG_C:
    case RTC_REG_D: break; /* read-only */
    default:
        r->cmos[idx] = val; /* alarms and NVRAM */
        break;
    }
}

/* ---- bus callbacks ------------------------------------------------------------- */

static uint8_t rtc_port_read8(struct dev_rtc *r, unsigned off, uint64_t now)
{
    if (off != 1)
        return 0xFF; /* 0x70 is write-only; past 0x71 */
    rtc_sync(r, now);
    return rtc_reg_read(r, r->index, now);
}

static void rtc_port_write8(struct dev_rtc *r, unsigned off, uint8_t val, uint64_t now)
{
    if (off == 0) {
        r->index = val & (RTC_NREGS - 1);
        r->nmi_masked = val & 0x80;
        return;
    }
    if (off != 1)
        return;
    rtc_sync(r, now);
    rtc_reg_write(r, r->index, val, now);
    rtc_arm(r, now);
}

/* Wide accesses are byte accesses at consecutive ports. */
static uint32_t rtc_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_rtc *r = opaque;
    uint64_t now = xclock_ns(r->clk);
    uint32_t val = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        val |= (uint32_t)rtc_port_read8(r, (unsigned)(port - RTC_PORT) + i, now) << (8 * i);
    return val;
}

static void rtc_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_rtc *r = opaque;
    uint64_t now = xclock_ns(r->clk);
    for (unsigned i = 0; i < size && i < 4; i++)
        rtc_port_write8(r, (unsigned)(port - RTC_PORT) + i, (uint8_t)(val >> (8 * i)), now);
}

static const struct dev_port_ops rtc_ops = {
    .read = rtc_port_read,
    .write = rtc_port_write,
};

/* ---- public API ---------------------------------------------------------------- */

/* The standard checksum of 0x10-0x2D at 0x2E (high) / 0x2F (low). */
static void rtc_checksum(struct dev_rtc *r)
{
    unsigned sum = 0;
    for (unsigned i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++)
        sum += r->cmos[i];
    r->cmos[CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    r->cmos[CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

static void rtc_init_nvram(struct dev_rtc *r, uint32_t ram_size)
{
    uint8_t *c = r->cmos;
    uint32_t kb = ram_size / 1024;
    uint32_t base_kb = kb < CMOS_BASE_MEM_KB ? kb : CMOS_BASE_MEM_KB;
    uint32_t ext_kb = kb > 1024 ? kb - 1024 : 0;
    uint32_t high = ram_size > (16u << 20) ? (ram_size - (16u << 20)) >> 16 : 0;
    if (ext_kb > 0xFFFF)
        ext_kb = 0xFFFF;
    if (high > 0xFFFF)
        high = 0xFFFF;
    c[CMOS_EQUIPMENT] = CMOS_EQUIPMENT_VALUE;
    c[CMOS_BASE_MEM_LO] = (uint8_t)base_kb;
    c[CMOS_BASE_MEM_LO + 1] = (uint8_t)(base_kb >> 8);
    c[CMOS_EXT_MEM_LO] = (uint8_t)ext_kb;
    c[CMOS_EXT_MEM_LO + 1] = (uint8_t)(ext_kb >> 8);
    c[CMOS_EXT_MEM2_LO] = (uint8_t)ext_kb;
    c[CMOS_EXT_MEM2_LO + 1] = (uint8_t)(ext_kb >> 8);
    c[CMOS_HIGH_MEM_LO] = (uint8_t)high;
    c[CMOS_HIGH_MEM_LO + 1] = (uint8_t)(high >> 8);
    rtc_checksum(r);
}

void dev_rtc_cmos_set(struct dev_rtc *r, unsigned index, uint8_t value)
{
    if (index < 0x0E || index >= RTC_NREGS)
        return;
    r->cmos[index] = value;
    rtc_checksum(r);
}

uint8_t dev_rtc_cmos_get(const struct dev_rtc *r, unsigned index)
{
    return index < RTC_NREGS ? r->cmos[index] : 0xFF;
}

struct dev_rtc *dev_rtc_create(struct io_bus *bus, struct xclock *clk, struct irq_line irq8,
                               uint32_t ram_size)
{
    if (!clk)
        return NULL;
    struct dev_rtc *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->clk = clk;
    r->irq = irq8;
    r->timer = xtimer_create(clk, rtc_timer_cb, r);
    if (!r->timer) {
        free(r);
        return NULL;
    }
    r->running = true;
    r->last_sync = xclock_ns(clk);
    r->cmos[RTC_REG_A] = RTC_RESET_A;
    r->cmos[RTC_REG_B] = RTC_RESET_B;
    r->cmos[RTC_REG_D] = REGD_VRT;
    rtc_init_nvram(r, ram_size);
    rtc_time_to_regs(r, rtc_time(r, r->last_sync));
    if (bus) {
        int err = bus_register_ports(bus, RTC_PORT, RTC_NPORTS, &rtc_ops, r);
        if (err < 0) {
            xbt_error("rtc: cannot claim ports 0x70-0x71: %s", xbt_strerror(err));
            xtimer_destroy(r->timer);
            free(r);
            return NULL;
        }
    }
    return r;
}

void dev_rtc_destroy(struct dev_rtc *r)
{
    if (!r)
        return;
    xtimer_destroy(r->timer);
    free(r);
}

bool dev_rtc_nmi_masked(const struct dev_rtc *r)
{
    return r && r->nmi_masked;
}
