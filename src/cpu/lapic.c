/*
 * lapic.c - the local APIC's register file and life cycle: creation in
 * the firmware's state, the APIC_BASE MSR (relocation, global disable),
 * and the 4 KiB xAPIC MMIO window (Intel SDM Vol. 3A 10.4-10.5).  The
 * interrupt logic is lapic_irq.c, the timer lapic_timer.c.
 *
 * Identity: the integrated APIC of a P6, version 0x11 with five LVT
 * entries (timer, performance counter, LINT0, LINT1, error: max LVT 4),
 * 4-bit APIC IDs, spurious-vector bits 3:0 hardwired to 1, a focus
 * processor bit, no EOI-broadcast suppression, no thermal LVT, no
 * TSC-deadline timer.  Why not QEMU's 0x14 (a Pentium 4's xAPIC): the CPU
 * says it is a Pentium II (CPUID 0x633), and kernels treat the two
 * differently (Linux keeps the I/O APIC's ID unique on the P6's APIC bus,
 * and leaves the thermal LVT alone below max LVT 5); the firmware tables
 * give the same version.
 *
 * Register accesses: aligned 32-bit loads and stores are what the SDM
 * defines.  Narrower or misaligned reads return the bytes of the 32-bit
 * register (the rest of each 16-byte slot reads 0); narrower or
 * misaligned writes are ignored (as QEMU).  A reserved register sets the
 * ESR's illegal-register-address bit.  Read-only registers ignore
 * writes.  The delivery-status bits (ICR, LVT) always read idle: a
 * message is delivered when the ICR is written.
 *
 * The APIC_BASE MSR (msr.c checks its reserved bits): the window follows
 * the base (a base at or above 4 GiB, or on another device's range, maps
 * nothing; a base inside guest RAM is not modelled: RAM accesses that
 * translated code makes directly - the MEM_HOST window, TLB entries - do
 * not see it).  Clearing the global enable removes the window and puts
 * the APIC in its power-up state (the SDM's "may return to" it); setting
 * it again brings the window back - allowed, as on FSB-based parts and
 * under KVM, though a P6 on its 3-wire APIC bus needs a reset (QEMU keeps
 * it disabled): kernels that disable their APIC at boot re-enable it.
 */
#include <stdlib.h>

#include "lapic_int.h"

/* Version register: max LVT entry 4, version 0x11. */
#define LAPIC_VERSION (((uint32_t)(LVT_COUNT - 1) << 16) | APIC_LAPIC_VERSION)
/* Writable bits of each LVT entry (SDM figure 10-8), in LVT order. */
static const uint32_t lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = 0x000300FF, /* vector, mask, periodic */
    [LVT_PMC] = 0x000107FF,   /* vector, delivery mode, mask */
    [LVT_LINT0] = 0x0001A7FF, /* vector, delivery mode, polarity, trigger, mask */
    [LVT_LINT1] = 0x0001A7FF, [LVT_ERROR] = 0x000100FF, /* vector, mask */
};
/* ICR low: vector, delivery mode, destination mode, level, trigger,
 * shorthand. */
#define ICR_WRITABLE 0x000CCFFFu
/* SVR on a P6: vector bits 7:4, enable, focus disable; bits 3:0 read 1. */
#define SVR_WRITABLE 0x3F0u
#define SVR_FIXED 0x00Fu
/* What SeaBIOS programs (src/fw/smp.c) and xbt's firmware state keeps. */
#define FW_SVR 0x1FFu
#define FW_LINT0 0x8700u /* ExtINT, level */
#define FW_LINT1 0x8400u /* NMI, level */

static const struct dev_mmio_ops lapic_mmio_ops;

/* Registers, interrupt state and timer as after power-up or RESET. */
static void power_up_locked(struct lapic *l, struct lapic_after *a)
{
    l->tpr = l->ldr = l->esr = l->esr_pending = l->icr_lo = l->icr_hi = 0;
    l->dfr = 0xFFFFFFFFu;
    l->svr = 0xFF;
    for (int i = 0; i < LVT_COUNT; i++)
        l->lvt[i] = LVT_MASKED;
    for (int i = 0; i < 8; i++)
        l->irr[i] = l->isr[i] = l->tmr[i] = 0;
    lapic_timer_reset_locked(l);
    lapic_update_locked(l, a);
}

/* Maps the window where the MSR says (or nowhere). */
static void remap_locked(struct lapic *l)
{
    uint64_t base = l->base_msr & APIC_BASE_ADDR;
    bool want = l->hw_enabled && base < (1ull << 32);
    if (l->mapped && (!want || l->mapped != base)) {
        bus_unregister_mmio(l->cfg.bus, l->mapped, LAPIC_WINDOW, l);
        l->mapped = 0;
    }
    if (want && !l->mapped &&
        bus_register_mmio(l->cfg.bus, (uint32_t)base, LAPIC_WINDOW, &lapic_mmio_ops, l) == 0)
        l->mapped = (uint32_t)base;
}

void lapic_set_base(struct lapic *l, uint64_t msr)
{
    struct lapic_after a = { .eoi_vector = -1 };
    pthread_mutex_lock(&l->lock);
    bool enable = (msr & APIC_BASE_ENABLE) != 0;
    if (l->hw_enabled && !enable)
        power_up_locked(l, &a);
    l->hw_enabled = enable;
    l->base_msr = msr;
    remap_locked(l);
    lapic_update_locked(l, &a);
    pthread_mutex_unlock(&l->lock);
    lapic_finish(l, &a);
}

struct lapic *lapic_create(const struct lapic_config *cfg)
{
    struct lapic *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    pthread_mutex_init(&l->lock, NULL);
    l->cfg = *cfg;
    l->id = cfg->id & 0x0F;
    struct lapic_after a = { .eoi_vector = -1 };
    if (lapic_timer_init(l) < 0) {
        lapic_destroy(l);
        return NULL;
    }
    power_up_locked(l, &a);
    l->svr = FW_SVR;
    l->lvt[LVT_LINT0] = FW_LINT0;
    l->lvt[LVT_LINT1] = FW_LINT1;
    l->hw_enabled = true;
    l->base_msr = APIC_LAPIC_BASE | APIC_BASE_ENABLE;
    remap_locked(l);
    lapic_update_locked(l, &a);
    if (!l->mapped) {
        lapic_destroy(l);
        return NULL;
    }
    return l;
}

void lapic_destroy(struct lapic *l)
{
    if (!l)
        return;
    if (l->mapped)
        bus_unregister_mmio(l->cfg.bus, l->mapped, LAPIC_WINDOW, l);
    lapic_timer_destroy(l);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

const struct lapic_stats *lapic_stats(const struct lapic *l)
{
    return &l->st;
}

/* ---- the MMIO window ---- */

/* The 256-bit register banks: ISR, TMR, IRR at 0x100, 0x180, 0x200. */
static const uint32_t *bank(const struct lapic *l, uint32_t reg)
{
    if (reg >= LAPIC_ISR && reg < LAPIC_TMR)
        return &l->isr[(reg - LAPIC_ISR) >> 4];
    if (reg >= LAPIC_TMR && reg < LAPIC_IRR)
        return &l->tmr[(reg - LAPIC_TMR) >> 4];
    if (reg >= LAPIC_IRR && reg < LAPIC_ESR)
        return &l->irr[(reg - LAPIC_IRR) >> 4];
    return NULL;
}

/* The LVT index of a register, or -1. */
static int lvt_index(uint32_t reg)
{
    switch (reg) {
    case LAPIC_LVT_TIMER: return LVT_TIMER;
    case LAPIC_LVT_PMC: return LVT_PMC;
    case LAPIC_LVT_LINT0: return LVT_LINT0;
    case LAPIC_LVT_LINT1: return LVT_LINT1;
    case LAPIC_LVT_ERROR: return LVT_ERROR;
    default: return -1;
    }
}

/* 0 and *v, or -1 for a reserved register. */
static int read_plain(struct lapic *l, uint32_t reg, uint32_t *v)
{
    switch (reg) {
    case LAPIC_ID: *v = (uint32_t)l->id << 24; return 0;
    case LAPIC_VER: *v = LAPIC_VERSION; return 0;
    case LAPIC_TPR: *v = l->tpr; return 0;
    case LAPIC_APR: *v = lapic_apr(l); return 0;
    case LAPIC_PPR: *v = lapic_ppr(l); return 0;
    case LAPIC_EOI: /* write-only */
    case LAPIC_RRD: *v = 0; return 0;
    case LAPIC_LDR: *v = l->ldr; return 0;
    case LAPIC_DFR: *v = l->dfr; return 0;
    case LAPIC_SVR: *v = l->svr; return 0;
    case LAPIC_ESR: *v = l->esr; return 0;
    case LAPIC_ICR_LO: *v = l->icr_lo & ~LVT_STATUS; return 0;
    case LAPIC_ICR_HI: *v = l->icr_hi; return 0;
    case LAPIC_TMICT: *v = l->initial; return 0;
    case LAPIC_TDCR: *v = l->tdcr; return 0;
    default: return -1;
    }
}

static uint32_t read_reg_locked(struct lapic *l, uint32_t reg, struct lapic_after *a)
{
    uint32_t v = 0;
    const uint32_t *b = bank(l, reg);
    int lvt = lvt_index(reg);
    if (b)
        v = *b;
    else if (lvt >= 0)
        v = l->lvt[lvt];
    else if (reg == LAPIC_TMCCT)
        v = lapic_timer_count_locked(l, a);
    else if (read_plain(l, reg, &v) < 0)
        lapic_error_locked(l, ESR_ILLEGAL_REG, a);
    return v;
}

static uint64_t mmio_read(void *opaque, uint32_t addr, unsigned size)
{
    struct lapic *l = opaque;
    struct lapic_after a = { .eoi_vector = -1 };
    uint32_t off = addr - l->mapped;
    (void)size; /* the bus masks the result to the access size */
    pthread_mutex_lock(&l->lock);
    uint32_t v = read_reg_locked(l, off & 0xFF0, &a);
    pthread_mutex_unlock(&l->lock);
    lapic_finish(l, &a);
    return (off & 0xF) >= 4 ? 0 : v >> (8 * (off & 3));
}

static void write_lvt_locked(struct lapic *l, int lvt, uint32_t v, struct lapic_after *a)
{
    v &= lvt_writable[lvt];
    if (!(l->svr & SVR_ENABLE))
        v |= LVT_MASKED; /* software disabled: the masks stay set */
    if (lvt == LVT_TIMER)
        lapic_timer_set_lvt_locked(l, v, a);
    else
        l->lvt[lvt] = v;
    lapic_update_locked(l, a); /* LINT0 */
}

static void write_svr_locked(struct lapic *l, uint32_t v, struct lapic_after *a)
{
    l->svr = (v & SVR_WRITABLE) | SVR_FIXED;
    if (!(l->svr & SVR_ENABLE))
        for (int i = 0; i < LVT_COUNT; i++)
            write_lvt_locked(l, i, l->lvt[i], a);
    lapic_update_locked(l, a);
}

/* The registers with side effects beyond storing; -1 if reg is none. */
static int write_action_locked(struct lapic *l, uint32_t reg, uint32_t v, struct lapic_after *a)
{
    switch (reg) {
    case LAPIC_TPR:
        l->tpr = v & 0xFF;
        lapic_update_locked(l, a);
        return 0;
    case LAPIC_EOI: lapic_eoi_locked(l, a); return 0;
    case LAPIC_SVR: write_svr_locked(l, v, a); return 0;
    case LAPIC_ESR: /* latches the errors since the last write */
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        return 0;
    case LAPIC_ICR_LO:
        l->icr_lo = v & ICR_WRITABLE;
        lapic_send_ipi_locked(l, a);
        return 0;
    case LAPIC_TMICT: lapic_timer_set_initial_locked(l, v, a); return 0;
    case LAPIC_TDCR: lapic_timer_set_divide_locked(l, v & 0xB, a); return 0;
    default: return -1;
    }
}

static void write_reg_locked(struct lapic *l, uint32_t reg, uint32_t v, struct lapic_after *a)
{
    int lvt = lvt_index(reg);
    uint32_t ignored;
    if (lvt >= 0)
        write_lvt_locked(l, lvt, v, a);
    else if (write_action_locked(l, reg, v, a) == 0)
        return;
    else if (reg == LAPIC_ID)
        l->id = (v >> 24) & 0x0F;
    else if (reg == LAPIC_LDR)
        l->ldr = v & 0xFF000000u;
    else if (reg == LAPIC_DFR)
        l->dfr = v | 0x0FFFFFFFu;
    else if (reg == LAPIC_ICR_HI)
        l->icr_hi = v & 0xFF000000u;
    else if (!bank(l, reg) && reg != LAPIC_TMCCT && read_plain(l, reg, &ignored) < 0)
        lapic_error_locked(l, ESR_ILLEGAL_REG, a);
    /* else read-only: ignored */
}

static void mmio_write(void *opaque, uint32_t addr, unsigned size, uint64_t val)
{
    struct lapic *l = opaque;
    struct lapic_after a = { .eoi_vector = -1 };
    uint32_t off = addr - l->mapped;
    if (size != 4 || (off & 0xF))
        return;
    pthread_mutex_lock(&l->lock);
    write_reg_locked(l, off, (uint32_t)val, &a);
    pthread_mutex_unlock(&l->lock);
    lapic_finish(l, &a);
}

static const struct dev_mmio_ops lapic_mmio_ops = { mmio_read, mmio_write };
