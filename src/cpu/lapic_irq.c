/*
 * lapic_irq.c - the local APIC's interrupt logic (Intel SDM Vol. 3A
 * 10.6-10.9): the 256-bit IRR, ISR and TMR, the task, processor and
 * arbitration priorities, acceptance of fixed interrupts, the INTA cycle,
 * EOI (broadcast to the I/O APIC for level-triggered vectors), the ICR's
 * interrupts to itself, destination matching, and the error register.
 *
 * Semantics chosen where the SDM leaves room (or xbt has no path):
 *   - an APIC that is globally or software disabled takes no fixed
 *     interrupt (they are dropped, as KVM does); what its IRR and ISR
 *     held stays there, undelivered, until it is enabled again;
 *   - the 8259 reaches the CPU when the APIC is globally disabled (LINT0
 *     is then the INTR pin) or when LINT0 is unmasked in ExtINT mode.
 *     Software disabling masks LINT0, so it cuts the 8259 off, as on
 *     hardware.  LINT0 in fixed mode and LINT1 have nothing wired;
 *   - INTA takes the highest IRR vector whose class is above the PPR's
 *     first, then the 8259 (ExtINT bypasses the priorities), as QEMU;
 *   - NMI, SMI, INIT and start-up messages have no path into xbt's CPU:
 *     they are counted as dropped (stats "dropped"), and so is an ExtINT
 *     message from the I/O APIC (nothing drives its pin 0);
 *   - an IPI no APIC accepts (the shorthand "all excluding self" on this
 *     one-CPU machine, a destination that names nobody) sets the P6's
 *     send accept error; illegal vectors (0-15) set send/receive illegal
 *     vector and are never put in the IRR.
 * Physical destinations compare the low 4 bits (a P6's APIC IDs), 0xF
 * being the broadcast; logical ones follow the DFR's flat or cluster
 * model, 0xFF being the broadcast in both.
 */
#include "lapic_int.h"

static int vec_highest(const uint32_t *bits)
{
    for (int i = 7; i >= 0; i--)
        if (bits[i])
            return i * 32 + 31 - __builtin_clz(bits[i]);
    return -1;
}

static bool vec_test(const uint32_t *bits, unsigned v)
{
    return (bits[v >> 5] >> (v & 31)) & 1;
}

static void vec_set(uint32_t *bits, unsigned v, bool on)
{
    if (on)
        bits[v >> 5] |= 1u << (v & 31);
    else
        bits[v >> 5] &= ~(1u << (v & 31));
}

static bool lapic_on(const struct lapic *l)
{
    return l->hw_enabled && (l->svr & SVR_ENABLE);
}

uint32_t lapic_ppr(const struct lapic *l)
{
    int isrv = vec_highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    return (l->tpr & 0xF0) >= isr_class ? l->tpr : isr_class;
}

uint32_t lapic_apr(const struct lapic *l)
{
    int irrv = vec_highest(l->irr), isrv = vec_highest(l->isr);
    uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    uint32_t tpr_class = l->tpr & 0xF0;
    if (tpr_class >= irr_class && tpr_class > isr_class)
        return l->tpr;
    uint32_t c = tpr_class > isr_class ? tpr_class : isr_class;
    return c > irr_class ? c : irr_class;
}

/* The highest IRR vector the CPU may take now, or -1. */
static int deliverable(const struct lapic *l)
{
    int irrv = vec_highest(l->irr);
    if (!lapic_on(l) || irrv < 0)
        return -1;
    return ((uint32_t)irrv & 0xF0) > (lapic_ppr(l) & 0xF0) ? irrv : -1;
}

void lapic_update_locked(struct lapic *l, struct lapic_after *a)
{
    uint32_t lint0 = l->lvt[LVT_LINT0];
    bool out = deliverable(l) >= 0;
    bool open = !l->hw_enabled ||
                (!(lint0 & LVT_MASKED) && ((lint0 & LVT_DM) >> LVT_DM_SHIFT) == APIC_DM_EXTINT);
    bool was_out = atomic_exchange(&l->out, out);
    bool was_open = atomic_exchange(&l->lint0_open, open);
    if ((out && !was_out) || (open && !was_open))
        a->wake = true;
}

void lapic_error_locked(struct lapic *l, uint32_t bits, struct lapic_after *a)
{
    uint32_t e = l->lvt[LVT_ERROR];
    l->esr_pending |= bits;
    if (e & LVT_MASKED)
        return;
    if ((e & LVT_VECTOR) < 16) {
        l->esr_pending |= ESR_RECV_ILLEGAL; /* and no interrupt: no loop */
        return;
    }
    lapic_accept_locked(l, e & LVT_VECTOR, false, a);
}

void lapic_accept_locked(struct lapic *l, unsigned vector, bool level, struct lapic_after *a)
{
    if (!lapic_on(l)) {
        l->st.dropped++;
        return;
    }
    if (vector < 16) {
        l->st.dropped++;
        lapic_error_locked(l, ESR_RECV_ILLEGAL, a);
        return;
    }
    vec_set(l->irr, vector, true);
    vec_set(l->tmr, vector, level);
    l->st.accepted++;
    lapic_update_locked(l, a);
}

void lapic_raise_lvt_locked(struct lapic *l, int lvt, struct lapic_after *a)
{
    uint32_t e = l->lvt[lvt];
    if (!(e & LVT_MASKED))
        lapic_accept_locked(l, e & LVT_VECTOR, false, a);
}

void lapic_eoi_locked(struct lapic *l, struct lapic_after *a)
{
    int isrv = vec_highest(l->isr);
    if (isrv < 0)
        return; /* nothing in service: ignored */
    vec_set(l->isr, (unsigned)isrv, false);
    l->st.eois++;
    if (vec_test(l->tmr, (unsigned)isrv)) {
        a->eoi_vector = isrv;
        l->st.eoi_level++;
    }
    lapic_update_locked(l, a);
}

bool lapic_match_dest(const struct lapic *l, uint8_t dest, bool logical)
{
    if (!logical)
        return (dest & 0x0F) == 0x0F || (dest & 0x0F) == l->id;
    if (dest == 0xFF)
        return true;
    uint8_t mine = (uint8_t)(l->ldr >> 24);
    if ((l->dfr >> 28) == 0xF) /* flat */
        return (mine & dest) != 0;
    return (mine >> 4) == (dest >> 4) && (mine & dest & 0x0F); /* cluster */
}

/* Whether the ICR's message reaches this APIC (shorthand, destination). */
static bool ipi_to_self(const struct lapic *l)
{
    switch ((l->icr_lo >> 18) & 3) {
    case 0: return lapic_match_dest(l, (uint8_t)(l->icr_hi >> 24), (l->icr_lo >> 11) & 1);
    case 1:                /* self */
    case 2: return true;   /* all including self */
    default: return false; /* all excluding self: nobody else here */
    }
}

void lapic_send_ipi_locked(struct lapic *l, struct lapic_after *a)
{
    unsigned dm = (l->icr_lo & LVT_DM) >> LVT_DM_SHIFT, vector = l->icr_lo & LVT_VECTOR;
    bool self = ipi_to_self(l);
    l->st.ipis++;
    if (dm == APIC_DM_INIT && !(l->icr_lo & (1u << 14)))
        return; /* INIT level de-assert: arbitration IDs resync, nothing else */
    if (dm != APIC_DM_FIXED && dm != APIC_DM_LOWEST) {
        if (self)
            l->st.dropped++; /* NMI, SMI, INIT, start-up: no path here */
        else
            lapic_error_locked(l, ESR_SEND_ACCEPT, a);
        return;
    }
    if (vector < 16) {
        lapic_error_locked(l, ESR_SEND_ILLEGAL | (self ? ESR_RECV_ILLEGAL : 0), a);
        return;
    }
    if (self)
        lapic_accept_locked(l, vector, false, a);
    else
        lapic_error_locked(l, ESR_SEND_ACCEPT, a);
}

void lapic_finish(struct lapic *l, const struct lapic_after *a)
{
    if (a->eoi_vector >= 0)
        apic_eoi_send(&l->cfg.eoi, a->eoi_vector);
    if (a->wake)
        event_signal(&l->cfg.wake);
}

void lapic_deliver(struct lapic *l, const struct apic_msg *msg)
{
    struct lapic_after a = { .eoi_vector = -1 };
    pthread_mutex_lock(&l->lock);
    if (!lapic_match_dest(l, msg->dest, msg->logical))
        l->st.dropped++;
    else if (msg->delivery == APIC_DM_FIXED || msg->delivery == APIC_DM_LOWEST)
        lapic_accept_locked(l, msg->vector, msg->level, &a);
    else
        l->st.dropped++; /* NMI, SMI, INIT, ExtINT: no path here */
    pthread_mutex_unlock(&l->lock);
    lapic_finish(l, &a);
}

bool lapic_pending(struct lapic *l)
{
    if (atomic_load(&l->out))
        return true;
    return atomic_load(&l->lint0_open) && intr_pending(&l->cfg.lint0);
}

/* INTA for an APIC vector: IRR -> ISR.  -1 if there is none to take. */
static int ack_apic_locked(struct lapic *l, struct lapic_after *a)
{
    int v = deliverable(l);
    if (v < 0)
        return -1;
    vec_set(l->irr, (unsigned)v, false);
    vec_set(l->isr, (unsigned)v, true);
    l->st.delivered++;
    lapic_update_locked(l, a);
    return v;
}

int lapic_ack(struct lapic *l)
{
    struct lapic_after a = { .eoi_vector = -1 };
    pthread_mutex_lock(&l->lock);
    bool requested = atomic_load(&l->out);
    int v = ack_apic_locked(l, &a);
    bool open = atomic_load(&l->lint0_open);
    uint32_t spurious = l->svr & 0xFF;
    pthread_mutex_unlock(&l->lock);
    lapic_finish(l, &a);
    if (v >= 0)
        return v;
    if (open && intr_pending(&l->cfg.lint0)) {
        l->st.extint++;
        return intr_ack(&l->cfg.lint0);
    }
    if (!requested)
        return -1;
    l->st.spurious++; /* the request went away between INTR and INTA */
    return (int)spurious;
}

static bool intr_pending_fn(void *opaque)
{
    return lapic_pending(opaque);
}

static int intr_ack_fn(void *opaque)
{
    return lapic_ack(opaque);
}

struct intr_source lapic_intr_source(struct lapic *l)
{
    return (struct intr_source){ intr_pending_fn, intr_ack_fn, l };
}

static void msg_line_fn(void *opaque, const struct apic_msg *msg)
{
    lapic_deliver(opaque, msg);
}

struct apic_msg_line lapic_msg_line(struct lapic *l)
{
    return (struct apic_msg_line){ msg_line_fn, l };
}
