/*
 * ioapic.c - the Intel 82093AA I/O APIC: 24 interrupt inputs, each with a
 * 64-bit redirection entry that turns it into a message on the APIC bus
 * (apic.h) to the local APIC(s) it names.
 *
 * Registers, through an index and a window (the datasheet's IOREGSEL at
 * base + 0x00, 8 bits, and IOWIN at base + 0x10, 32-bit accesses only;
 * everything else in the 4 KiB window reads 0 and ignores writes):
 *   0x00 IOAPICID   ID in bits 27:24 (writable)
 *   0x01 IOAPICVER  0x00170011: version 0x11, 24 entries (read-only)
 *   0x02 IOAPICARB  arbitration ID, loaded from the ID when it is written
 *   0x10-0x3F       the redirection table, entry n at 0x10 + 2n (low) and
 *                   0x11 + 2n (high): vector 7:0, delivery mode 10:8,
 *                   destination mode 11, delivery status 12 (read-only,
 *                   always idle: messages go out at once), polarity 13,
 *                   remote IRR 14 (read-only), trigger mode 15, mask 16,
 *                   destination 63:56; bits 55:17 read 0.
 * Version 0x11, the 82093AA's, rather than QEMU's 0x20 (an ICH's, with an
 * EOI register): the board is a P6-era PIIX3 PC.
 *
 * Inputs are levels; an input is asserted when its level differs from
 * the entry's polarity (1 = active low).  Edge-triggered: a message on
 * each rising edge of the asserted state; an edge on a masked pin is
 * ignored, not held (datasheet: "not delivered or held pending").
 * Level-triggered: a message while the input is asserted, unmasked and
 * the remote IRR clear; sending sets the remote IRR, which the local
 * APIC's EOI of the entry's vector clears - and if the input is still
 * asserted, the message goes again.  Unmasking an asserted level input
 * sends it.  Writing an entry as edge-triggered clears its remote IRR (the
 * way Linux retires a stuck level interrupt on I/O APICs without an EOI
 * register, which QEMU honours too).
 *
 * Threading: inputs from any thread (the UART's line from the console
 * thread), registers and EOIs from the vCPU thread; one mutex, held while
 * a message goes out (the lock order is I/O APIC -> local APIC).
 */
#include <pthread.h>
#include <stdlib.h>

#include "devices.h"

#define IOAPIC_VERSION (((uint32_t)(IOAPIC_PINS - 1) << 16) | APIC_IOAPIC_VERSION)
#define IOAPIC_WINDOW 0x1000u
#define IOREGSEL 0x00u
#define IOWIN 0x10u
#define REG_ID 0x00
#define REG_VER 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10

#define RE_POLARITY (1ull << 13)
#define RE_REMOTE_IRR (1ull << 14)
#define RE_LEVEL (1ull << 15)
#define RE_MASKED (1ull << 16)
/* Writable: vector, delivery mode, destination mode (11:0), polarity,
 * trigger, mask, destination. */
#define RE_WRITABLE 0xFF0000000001AFFFull

struct dev_ioapic {
    pthread_mutex_t lock;
    struct apic_msg_line out;
    uint32_t base;
    uint8_t regsel;
    uint8_t id, arb;
    uint32_t levels; /* input levels, bit per pin */
    uint64_t redir[IOAPIC_PINS];
    struct dev_ioapic_stats st;
};

static bool asserted(const struct dev_ioapic *io, int pin)
{
    bool level = (io->levels >> pin) & 1;
    return level != ((io->redir[pin] & RE_POLARITY) != 0);
}

static void send_locked(struct dev_ioapic *io, int pin)
{
    uint64_t e = io->redir[pin];
    struct apic_msg msg = {
        .vector = (uint8_t)e,
        .delivery = (uint8_t)((e >> 8) & 7),
        .dest = (uint8_t)(e >> 56),
        .logical = (e >> 11) & 1,
        .level = (e & RE_LEVEL) != 0,
    };
    io->st.messages++;
    apic_msg_send(&io->out, &msg);
}

/* A level-triggered pin: sends if asserted, unmasked and not in service. */
static void service_level_locked(struct dev_ioapic *io, int pin)
{
    uint64_t *e = &io->redir[pin];
    if (!(*e & RE_LEVEL) || (*e & (RE_MASKED | RE_REMOTE_IRR)) || !asserted(io, pin))
        return;
    *e |= RE_REMOTE_IRR;
    send_locked(io, pin);
}

void dev_ioapic_set_irq(struct dev_ioapic *io, int pin, int level)
{
    if (!io || pin < 0 || pin >= IOAPIC_PINS)
        return;
    pthread_mutex_lock(&io->lock);
    bool was = asserted(io, pin);
    io->levels = level ? io->levels | (1u << pin) : io->levels & ~(1u << pin);
    bool now = asserted(io, pin);
    if (io->redir[pin] & RE_LEVEL)
        service_level_locked(io, pin);
    else if (now && !was && (io->redir[pin] & RE_MASKED))
        io->st.edges_masked++;
    else if (now && !was)
        send_locked(io, pin);
    pthread_mutex_unlock(&io->lock);
}

void dev_ioapic_eoi(struct dev_ioapic *io, int vector)
{
    pthread_mutex_lock(&io->lock);
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t *e = &io->redir[pin];
        if ((*e & 0xFF) != (uint64_t)vector || !(*e & RE_LEVEL) || !(*e & RE_REMOTE_IRR))
            continue;
        *e &= ~RE_REMOTE_IRR;
        io->st.eois++;
        if (asserted(io, pin) && !(*e & RE_MASKED)) {
            io->st.redeliveries++;
            service_level_locked(io, pin);
        }
    }
    pthread_mutex_unlock(&io->lock);
}

static uint32_t read_reg_locked(struct dev_ioapic *io, uint8_t reg)
{
    switch (reg) {
    case REG_ID: return (uint32_t)io->id << 24;
    case REG_VER: return IOAPIC_VERSION;
    case REG_ARB: return (uint32_t)io->arb << 24;
    default:
        if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
            uint64_t e = io->redir[(reg - REG_REDIR) >> 1];
            return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        return 0;
    }
}

static void write_redir_locked(struct dev_ioapic *io, uint8_t reg, uint32_t v)
{
    int pin = (reg - REG_REDIR) >> 1;
    uint64_t *e = &io->redir[pin];
    uint64_t n =
        (reg & 1) ? (*e & 0xFFFFFFFFull) | ((uint64_t)v << 32) : (*e & 0xFFFFFFFF00000000ull) | v;
    n = (n & RE_WRITABLE) | (*e & RE_REMOTE_IRR);
    if (!(n & RE_LEVEL))
        n &= ~RE_REMOTE_IRR;
    *e = n;
    service_level_locked(io, pin);
}

static void write_reg_locked(struct dev_ioapic *io, uint8_t reg, uint32_t v)
{
    if (reg == REG_ID) {
        io->id = io->arb = (v >> 24) & 0x0F;
    } else if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
        write_redir_locked(io, reg, v);
    } /* version, arbitration, unimplemented: read-only */
}

static uint64_t mmio_read(void *opaque, uint32_t addr, unsigned size)
{
    struct dev_ioapic *io = opaque;
    uint32_t off = addr - io->base, v = 0;
    pthread_mutex_lock(&io->lock);
    if (off == IOREGSEL)
        v = io->regsel;
    else if (off == IOWIN && size == 4)
        v = read_reg_locked(io, io->regsel);
    pthread_mutex_unlock(&io->lock);
    return v;
}

static void mmio_write(void *opaque, uint32_t addr, unsigned size, uint64_t val)
{
    struct dev_ioapic *io = opaque;
    uint32_t off = addr - io->base;
    pthread_mutex_lock(&io->lock);
    if (off == IOREGSEL)
        io->regsel = (uint8_t)val;
    else if (off == IOWIN && size == 4)
        write_reg_locked(io, io->regsel, (uint32_t)val);
    pthread_mutex_unlock(&io->lock);
}

static const struct dev_mmio_ops ioapic_ops = { mmio_read, mmio_write };

struct dev_ioapic *dev_ioapic_create(struct io_bus *bus, uint32_t base, uint8_t id,
                                     struct apic_msg_line out)
{
    struct dev_ioapic *io = calloc(1, sizeof(*io));
    if (!io)
        return NULL;
    pthread_mutex_init(&io->lock, NULL);
    io->out = out;
    io->base = base;
    io->id = io->arb = id & 0x0F;
    for (int pin = 0; pin < IOAPIC_PINS; pin++)
        io->redir[pin] = RE_MASKED;
    if (bus_register_mmio(bus, base, IOAPIC_WINDOW, &ioapic_ops, io) != 0) {
        dev_ioapic_destroy(io);
        return NULL;
    }
    return io;
}

void dev_ioapic_destroy(struct dev_ioapic *io)
{
    if (!io)
        return;
    pthread_mutex_destroy(&io->lock);
    free(io);
}

static void eoi_line_fn(void *opaque, int vector)
{
    dev_ioapic_eoi(opaque, vector);
}

struct apic_eoi_line dev_ioapic_eoi_line(struct dev_ioapic *io)
{
    return (struct apic_eoi_line){ eoi_line_fn, io };
}

const struct dev_ioapic_stats *dev_ioapic_stats(const struct dev_ioapic *io)
{
    return &io->st;
}
