/*
 * pic8259.c - the PC's pair of Intel 8259A programmable interrupt
 * controllers: the master at 0x20/0x21 takes IRQ0-7, the slave at 0xA0/0xA1
 * takes IRQ8-15 and is cascaded into the master's IR2, as on every PC/AT.
 *
 * Modelled (per the 8259A datasheet):
 *   - the ICW1-ICW4 initialization sequence (ICW3 only if ICW1.SNGL = 0,
 *     ICW4 only if ICW1.IC4 = 1); ICW1 clears IMR, ISR, IRR, the edge
 *     detectors, rotation, special mask mode and selects IRR for reads;
 *   - OCW1 (IMR), OCW2 (non-specific EOI, specific EOI, rotate on
 *     non-specific/specific EOI, set priority, set/clear rotate in auto-EOI),
 *     OCW3 (read IRR/ISR select, poll command, special mask mode);
 *   - edge triggering: a rising edge of an IR input sets its IRR bit, which
 *     stays set until the interrupt is acknowledged (or ICW1); a level held
 *     high does not request again until it has been low.  Level triggering
 *     (ICW1.LTIM) is also supported: IRR then follows the input level;
 *   - the PIIX3's edge/level control registers (ELCR1 0x4D0 for IRQ0-7,
 *     ELCR2 0x4D1 for IRQ8-15; 82371SB datasheet 4.1.11): a set bit makes
 *     that IRQ level-triggered as LTIM does for the whole chip; IRQ0, 1, 2,
 *     8 and 13 are always edge (masks 0xF8 and 0xDE, which is what QEMU
 *     keeps too); 0 at power-on; ICW1 leaves ELCR alone and keeps the
 *     requests of level inputs that are high;
 *   - fully nested priorities with rotation (IR0 highest after init); the
 *     slave's requests reach the master through IR2 and so have its
 *     priority; special fully nested mode (ICW4.SFNM) on the master;
 *   - INTA (dev_pic_ack): IRR -> ISR (not in auto-EOI mode, ICW4.AEOI),
 *     cascade through the slave, and the datasheet's spurious vectors: if
 *     the request went away before INTA the master answers IR7 (base + 7,
 *     ISR untouched); if the slave's request went away the master still
 *     puts IR2 in service and the slave answers its IR7 (slave base + 7).
 * Not modelled: MCS-80/85 mode (ICW4.uPM = 0 behaves as 8086 mode), the
 * buffered-mode bits of ICW4 and ICW3's wiring (the slave is always on IR2),
 * single mode's effect on the wiring (ICW1.SNGL only skips ICW3).
 *
 * Power-on state.  A real 8259A powers up unprogrammed and the BIOS
 * initializes it; xbt boots kernels without a BIOS, so the pair starts as a
 * PC BIOS leaves it: master vectors 0x08-0x0F, slave 0x70-0x77, 8086 mode,
 * normal EOI, and EVERY line masked except the cascade (master IMR = 0xFB,
 * slave IMR = 0xFF).  Masking matters: vector 8 is #DF in protected mode, so
 * a guest that executes STI before programming the PIC must not get timer
 * interrupts there.  (QEMU's reset state has IMR = 0; a BIOS masks.)
 *
 * Output.  dev_pic_pending() is the master's INT output: an unmasked request
 * of higher priority than everything in service exists.  It is kept in an
 * atomic so the vCPU can poll it at every unit boundary without locking.
 * When it goes from 0 to 1, machine_kick() wakes a halted vCPU (if m).
 *
 * Threading.  set_irq comes from the vCPU thread (PIT, RTC) and from the
 * console thread (the UART calls its irq_line with the UART lock held);
 * register accesses, pending and ack from the vCPU thread.  One mutex
 * protects the state of both chips.  Nothing is called while it is held:
 * machine_kick() runs after it is dropped, so the lock order is
 * (UART lock ->) PIC lock, and a caller may hold m->lock when calling into
 * the PIC (the PIC never takes m->lock while holding its own).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "devices.h"

/* The master's IR input the slave's INT output is wired to (PC/AT). */
#define PIC_CASCADE_IRQ 2
/* Vector bases a PC BIOS programs (the power-on state, see above). */
#define PIC_MASTER_RESET_BASE 0x08
#define PIC_SLAVE_RESET_BASE 0x70
/* IMRs at power-on: everything masked except the cascade input. */
#define PIC_MASTER_RESET_IMR 0xFB
#define PIC_SLAVE_RESET_IMR 0xFF
/* PIIX3 ELCR ports and the lines they can make level-triggered. */
#define PIC_ELCR_PORT 0x4D0
#define PIC_ELCR1_MASK 0xF8
#define PIC_ELCR2_MASK 0xDE
/* The IR line whose vector a spurious INTA returns. */
#define PIC_SPURIOUS_IRQ 7

#define ICW1_IC4 0x01  /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single (no ICW3) */
#define ICW1_LTIM 0x08 /* level triggered */
#define ICW1_INIT 0x10 /* distinguishes ICW1 from OCW2/OCW3 */
#define ICW4_AEOI 0x02 /* automatic EOI */
#define ICW4_SFNM 0x10 /* special fully nested mode */
#define OCW3_SEL 0x08  /* distinguishes OCW3 from OCW2 */
#define OCW3_RIS 0x01  /* read ISR (with RR) */
#define OCW3_RR 0x02   /* RIS is valid */
#define OCW3_POLL 0x04 /* poll command */
#define OCW3_SMM 0x20  /* special mask mode (with ESMM) */
#define OCW3_ESMM 0x40 /* SMM is valid */

/* Where the next write to the odd port goes. */
enum pic_init_state {
    PIC_READY = 0, /* OCW1 */
    PIC_WANT_ICW2,
    PIC_WANT_ICW3,
    PIC_WANT_ICW4,
};

struct pic_chip {
    uint8_t irr;          /* interrupt request register */
    uint8_t isr;          /* in-service register */
    uint8_t imr;          /* interrupt mask register */
    uint8_t inputs;       /* current level of the IR inputs (edge detect) */
    uint8_t base;         /* ICW2 & 0xF8: vector of IR0 */
    uint8_t icw3;         /* stored only (wiring is fixed) */
    uint8_t priority_add; /* IR with the highest priority (rotation) */
    enum pic_init_state init;
    bool want_icw3, want_icw4;
    bool level_mode;      /* ICW1.LTIM */
    uint8_t elcr;         /* PIIX3 ELCR: level-triggered lines */
    uint8_t elcr_mask;    /* the lines ELCR can make level-triggered */
    bool auto_eoi;        /* ICW4.AEOI */
    bool rotate_auto_eoi; /* OCW2 "set rotate in AEOI mode" */
    bool sfnm;            /* ICW4.SFNM (meaningful on the master) */
    bool special_mask;    /* OCW3 special mask mode */
    bool read_isr;        /* OCW3: even-port reads return ISR (else IRR) */
    bool poll;            /* OCW3 poll command: next even read polls */
    bool is_master;
};

struct dev_pic {
    pthread_mutex_t lock;
    struct pic_chip chip[2]; /* [0] master, [1] slave */
    atomic_bool output;      /* master INT: dev_pic_pending() */
    struct event_line intr;  /* the INT output rose: wake the vCPU */
    uint64_t elcr_writes;    /* ELCR bytes written (--stats) */
};

/* ---- priority logic (lock held) -------------------------------------------- */

/* Priority rank (0 = highest) of the best set bit of mask, 8 if none. */
static int pic_best_rank(const struct pic_chip *c, uint8_t mask)
{
    if (!mask)
        return 8;
    int rank = 0;
    while (!(mask & (1u << ((rank + c->priority_add) & 7))))
        rank++;
    return rank;
}

static int pic_rank_irq(const struct pic_chip *c, int rank)
{
    return (rank + c->priority_add) & 7;
}

/* The IR line this chip would present at INTA now, or -1. */
static int pic_chip_get_irq(const struct pic_chip *c)
{
    uint8_t req = c->irr & ~c->imr;
    if (c->special_mask) {
        /* Special mask mode: every unmasked level not itself in service may
         * interrupt, whatever is in service elsewhere. */
        req &= ~c->isr;
        int r = pic_best_rank(c, req);
        return r < 8 ? pic_rank_irq(c, r) : -1;
    }
    int r = pic_best_rank(c, req);
    if (r == 8)
        return -1;
    uint8_t in_service = c->isr;
    /* SFNM: a slave request may nest over a slave interrupt in service. */
    if (c->is_master && c->sfnm)
        in_service &= (uint8_t) ~(1u << PIC_CASCADE_IRQ);
    return r < pic_best_rank(c, in_service) ? pic_rank_irq(c, r) : -1;
}

/* The IR lines of chip c that are level-triggered (LTIM, ELCR). */
static uint8_t pic_chip_level(const struct pic_chip *c)
{
    return c->level_mode ? 0xFF : c->elcr;
}

/* Drives IR input `irq` of chip c to `level`. */
static void pic_chip_input(struct pic_chip *c, int irq, int level)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (pic_chip_level(c) & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;
    } else if (level && !(c->inputs & bit)) {
        c->irr |= bit; /* rising edge */
    }
    if (level)
        c->inputs |= bit;
    else
        c->inputs &= (uint8_t)~bit;
}

/* Propagates the slave's INT output to master IR2 and recomputes the master
 * output.  Returns true if the output went from 0 to 1. */
static bool pic_update(struct dev_pic *p)
{
    pic_chip_input(&p->chip[0], PIC_CASCADE_IRQ, pic_chip_get_irq(&p->chip[1]) >= 0);
    bool out = pic_chip_get_irq(&p->chip[0]) >= 0;
    bool was = atomic_exchange(&p->output, out);
    return out && !was;
}

/* INTA on one chip for line irq: IRR -> ISR (edge mode clears IRR). */
static void pic_chip_intack(struct pic_chip *c, int irq)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (c->auto_eoi) {
        if (c->rotate_auto_eoi)
            c->priority_add = (uint8_t)((irq + 1) & 7);
    } else {
        c->isr |= bit;
    }
    if (!(pic_chip_level(c) & bit))
        c->irr &= (uint8_t)~bit;
}

static void pic_chip_init(struct pic_chip *c, bool master, uint8_t base, uint8_t imr)
{
    *c = (struct pic_chip){
        .imr = imr,
        .base = base,
        .is_master = master,
        .icw3 = master ? (1u << PIC_CASCADE_IRQ) : PIC_CASCADE_IRQ,
        .elcr_mask = master ? PIC_ELCR1_MASK : PIC_ELCR2_MASK,
    };
}

/* ---- register access (lock held) ------------------------------------------- */

/* INTA of the master's cascade input.  The slave's INT output may still be
 * high afterwards (slave in auto-EOI or special mask mode with more requests
 * pending): the INTA re-arms the master's edge detector for IR2, so the next
 * pic_update() latches that remaining request instead of losing it. */
static void pic_cascade_intack(struct pic_chip *master)
{
    pic_chip_intack(master, PIC_CASCADE_IRQ);
    master->inputs &= (uint8_t) ~(1u << PIC_CASCADE_IRQ);
}

/* The poll command: the highest request as 0x80 | IR (acknowledged), or 0. */
static uint8_t pic_chip_poll(struct dev_pic *p, struct pic_chip *c)
{
    int irq = pic_chip_get_irq(c);
    if (irq < 0)
        return 0;
    if (c->is_master && irq == PIC_CASCADE_IRQ) {
        int sirq = pic_chip_get_irq(&p->chip[1]);
        if (sirq >= 0)
            pic_chip_intack(&p->chip[1], sirq);
        pic_cascade_intack(c);
    } else {
        pic_chip_intack(c, irq);
    }
    return (uint8_t)(0x80 | irq);
}

static uint8_t pic_reg_read(struct dev_pic *p, struct pic_chip *c, unsigned odd)
{
    if (odd)
        return c->imr;
    if (c->poll) {
        c->poll = false;
        return pic_chip_poll(p, c);
    }
    return c->read_isr ? c->isr : c->irr;
}

static void pic_write_ocw2(struct pic_chip *c, uint8_t val)
{
    int irq;
    switch (val >> 5) {
    case 0: /* clear rotate in automatic EOI mode */ c->rotate_auto_eoi = false; break;
    case 4: /* set rotate in automatic EOI mode */ c->rotate_auto_eoi = true; break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        irq = pic_best_rank(c, c->isr);
        if (irq == 8)
            break;
        irq = pic_rank_irq(c, irq);
        c->isr &= (uint8_t) ~(1u << irq);
        if (val >> 5 == 5)
            c->priority_add = (uint8_t)((irq + 1) & 7);
        break;
    case 3: /* specific EOI */
    case 7: /* rotate on specific EOI */
        irq = val & 7;
        c->isr &= (uint8_t) ~(1u << irq);
        if (val >> 5 == 7)
            c->priority_add = (uint8_t)((irq + 1) & 7);
        break;
    case 6: /* set priority: IR (val & 7) becomes the lowest */
        c->priority_add = (uint8_t)((val + 1) & 7);
        break;
    default: /* 2: no operation */ break;
    }
}

static void pic_reg_write(struct pic_chip *c, unsigned odd, uint8_t val)
{
    if (!odd) {
        if (val & ICW1_INIT) {
            /* ICW1: datasheet initialization; IRR cleared (no edge yet). */
            c->irr = c->inputs & c->elcr; /* levels still requesting */
            c->isr = 0;
            c->imr = 0;
            c->inputs &= c->elcr;
            c->priority_add = 0;
            c->special_mask = false;
            c->read_isr = false;
            c->poll = false;
            c->rotate_auto_eoi = false;
            c->level_mode = val & ICW1_LTIM;
            c->want_icw3 = !(val & ICW1_SNGL);
            c->want_icw4 = val & ICW1_IC4;
            if (!c->want_icw4) { /* ICW4 functions default to 0 */
                c->auto_eoi = false;
                c->sfnm = false;
            }
            c->init = PIC_WANT_ICW2;
        } else if (val & OCW3_SEL) {
            if (val & OCW3_RR)
                c->read_isr = val & OCW3_RIS;
            if (val & OCW3_ESMM)
                c->special_mask = val & OCW3_SMM;
            c->poll = val & OCW3_POLL;
        } else {
            pic_write_ocw2(c, val);
        }
        return;
    }
    switch (c->init) {
    case PIC_READY: c->imr = val; break;
    case PIC_WANT_ICW2:
        c->base = val & 0xF8;
        c->init = c->want_icw3 ? PIC_WANT_ICW3 : c->want_icw4 ? PIC_WANT_ICW4 : PIC_READY;
        break;
    case PIC_WANT_ICW3:
        c->icw3 = val;
        c->init = c->want_icw4 ? PIC_WANT_ICW4 : PIC_READY;
        break;
    case PIC_WANT_ICW4:
        c->auto_eoi = val & ICW4_AEOI;
        c->sfnm = val & ICW4_SFNM;
        c->init = PIC_READY;
        break;
    }
}

/* ---- bus callbacks ----------------------------------------------------------- */

/* Ports: master 0x20-0x21, slave 0xA0-0xA1; bit 7 selects the chip, bit 0
 * the register.  Wide accesses are split into byte accesses at consecutive
 * ports (the ISA bus does so for an 8-bit device); bytes past the chip's two
 * ports read as 0xFF and are not written. */
static uint32_t pic_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_pic *p = opaque;
    struct pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
    uint32_t val = 0;
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (port & 1u) + i;
        uint8_t b = off < 2 ? pic_reg_read(p, c, off) : 0xFF;
        val |= (uint32_t)b << (8 * i);
    }
    bool kick = pic_update(p);
    pthread_mutex_unlock(&p->lock);
    if (kick)
        event_signal(&p->intr);
    return val;
}

static void pic_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_pic *p = opaque;
    struct pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (port & 1u) + i;
        if (off < 2)
            pic_reg_write(c, off, (uint8_t)(val >> (8 * i)));
    }
    bool kick = pic_update(p);
    pthread_mutex_unlock(&p->lock);
    if (kick)
        event_signal(&p->intr);
}

static const struct dev_port_ops pic_ops = {
    .read = pic_port_read,
    .write = pic_port_write,
};

/* ELCR1/ELCR2 at 0x4D0/0x4D1 (byte registers; a word access reaches
 * both).  A line made level-triggered requests at once if its input is
 * high; one made edge-triggered waits for its next rising edge. */
static uint32_t pic_elcr_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_pic *p = opaque;
    uint32_t val = 0;
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned c = (port & 1u) + i;
        val |= (uint32_t)(c < 2 ? p->chip[c].elcr : 0xFF) << (8 * i);
    }
    pthread_mutex_unlock(&p->lock);
    return val;
}

static void pic_elcr_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_pic *p = opaque;
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned ci = (port & 1u) + i;
        if (ci >= 2)
            break;
        struct pic_chip *c = &p->chip[ci];
        uint8_t old = c->elcr;
        c->elcr = (uint8_t)(val >> (8 * i)) & c->elcr_mask;
        uint8_t now_level = c->elcr & (uint8_t)~old;
        c->irr = (uint8_t)((c->irr & ~now_level) | (c->inputs & now_level));
        p->elcr_writes++;
    }
    bool kick = pic_update(p);
    pthread_mutex_unlock(&p->lock);
    if (kick)
        event_signal(&p->intr);
}

uint16_t dev_pic_elcr(struct dev_pic *p)
{
    return (uint16_t)pic_elcr_read(p, PIC_ELCR_PORT, 2);
}

uint64_t dev_pic_elcr_writes(struct dev_pic *p)
{
    pthread_mutex_lock(&p->lock);
    uint64_t n = p->elcr_writes;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void dev_pic_set_elcr(struct dev_pic *p, uint16_t elcr)
{
    pic_elcr_write(p, PIC_ELCR_PORT, 2, elcr);
}

static const struct dev_port_ops pic_elcr_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
};

/* ---- public API ----------------------------------------------------------- */

struct dev_pic *dev_pic_create(struct io_bus *bus, struct event_line intr)
{
    struct dev_pic *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return NULL;
    }
    p->intr = intr;
    pic_chip_init(&p->chip[0], true, PIC_MASTER_RESET_BASE, PIC_MASTER_RESET_IMR);
    pic_chip_init(&p->chip[1], false, PIC_SLAVE_RESET_BASE, PIC_SLAVE_RESET_IMR);
    atomic_init(&p->output, false);
    if (bus) {
        int err = bus_register_ports(bus, 0x20, 2, &pic_ops, p);
        if (err == 0)
            err = bus_register_ports(bus, 0xA0, 2, &pic_ops, p);
        if (err == 0)
            err = bus_register_ports(bus, PIC_ELCR_PORT, 2, &pic_elcr_ops, p);
        if (err < 0) {
            /* The bus cannot unregister: a half-registered PIC leaves 0x20
             * claimed, and the caller is expected to give up on the bus. */
            xbt_error("pic: cannot claim ports 0x20-0x21/0xa0-0xa1/0x4d0-0x4d1: %s",
                      xbt_strerror(err));
            pthread_mutex_destroy(&p->lock);
            free(p);
            return NULL;
        }
    }
    return p;
}

void dev_pic_destroy(struct dev_pic *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void dev_pic_set_irq(struct dev_pic *p, int irq, int level)
{
    if (!p || irq < 0 || irq > 15)
        return;
    pthread_mutex_lock(&p->lock);
    pic_chip_input(&p->chip[irq >> 3], irq & 7, level != 0);
    bool kick = pic_update(p);
    pthread_mutex_unlock(&p->lock);
    if (kick)
        event_signal(&p->intr);
}

static void pic_irq_line_fn(void *opaque, int line, int level)
{
    dev_pic_set_irq(opaque, line, level);
}

struct irq_line dev_pic_irq_line(struct dev_pic *p, int irq)
{
    return (struct irq_line){ .fn = pic_irq_line_fn, .opaque = p, .line = irq };
}

bool dev_pic_pending(struct dev_pic *p)
{
    return p && atomic_load_explicit(&p->output, memory_order_acquire);
}

int dev_pic_ack(struct dev_pic *p)
{
    if (!p)
        return XBT_EINVAL;
    struct pic_chip *master = &p->chip[0], *slave = &p->chip[1];
    int vector;
    pthread_mutex_lock(&p->lock);
    int irq = pic_chip_get_irq(master);
    if (irq < 0) {
        /* The request went away between INT and INTA: spurious IR7. */
        vector = master->base + PIC_SPURIOUS_IRQ;
    } else if (irq == PIC_CASCADE_IRQ) {
        int sirq = pic_chip_get_irq(slave);
        if (sirq >= 0) {
            pic_chip_intack(slave, sirq);
            vector = slave->base + sirq;
        } else {
            /* Master IR2 goes in service; the slave answers IR7. */
            vector = slave->base + PIC_SPURIOUS_IRQ;
        }
        pic_cascade_intack(master);
    } else {
        pic_chip_intack(master, irq);
        vector = master->base + irq;
    }
    bool kick = pic_update(p);
    pthread_mutex_unlock(&p->lock);
    if (kick)
        event_signal(&p->intr);
    return vector;
}

static bool intr_pending_fn(void *opaque)
{
    return dev_pic_pending(opaque);
}

static int intr_ack_fn(void *opaque)
{
    return dev_pic_ack(opaque);
}

struct intr_source dev_pic_intr_source(struct dev_pic *p)
{
    return (struct intr_source){ intr_pending_fn, intr_ack_fn, p };
}
