/*
 * pit8254.c - the Intel 8254 programmable interval timer at 0x40-0x43 and
 * the PC's "port B" at 0x61 (speaker gate/data and the status bits BIOS and
 * Linux delay loops poll).
 *
 * Channel 0 drives IRQ0, channel 1 is the (unconnected) DRAM refresh timer,
 * channel 2 feeds the speaker: its gate is port 0x61 bit 0 and its OUT reads
 * back as port 0x61 bit 5.  The input clock is 1.193182 MHz.
 *
 * No per-tick work: the counters are computed from the clock (clock.h) when
 * read.  A channel counts "elapsed ticks" d: the number of PIT clock edges
 * since its count was loaded (or since its gate triggered it), excluding
 * edges seen while the gate held it.  Clock edge k happens at guest time
 * ceil(k * 1e9 / 1193182) ns, the same for every channel, so the counters
 * move in lock-step as on the chip.  From d and the initial count N:
 *   mode 0  interrupt on terminal count: counter N-d (wrapping), OUT low
 *           until d >= N then high for good;
 *   mode 1  hardware one-shot: starts on a gate rising edge; OUT low until
 *           d >= N; retriggerable;
 *   mode 2  rate generator: counter N - (d mod N), OUT low while it is 1;
 *   mode 3  square wave: counter decrements by 2 from N (even) or N-1 (odd),
 *           OUT high for ceil(N/2) ticks and low for floor(N/2);
 *   mode 4  software strobe: counter N-d, OUT low for the one tick d == N;
 *   mode 5  hardware strobe: as mode 4 but started by a gate rising edge.
 * Gate (only channel 2's can go low): modes 0, 2, 3, 4 stop counting while
 * it is low (2 and 3 also force OUT high) and modes 2 and 3 restart from N
 * on the rising edge; modes 1 and 5 (re)start on the rising edge.
 *
 * Access: the counter latch command, the read-back command (count and/or
 * status of any channels), lobyte/hibyte/lohi access with the write and read
 * flip-flops, BCD counting (initial counts and readouts are 4-digit BCD,
 * counting is modulo 10000).  Status bit 6 (null count) is 1 from the
 * control word or count write until the first clock edge after the count
 * was loaded into the counting element.
 *
 * Simplifications: a count takes effect when written (the real chip loads it
 * on the next clock edge, one tick later; in modes 2 and 3 it would wait for
 * the end of the current period - we restart at once, as QEMU does); a
 * control word stops the channel until its count is written, with OUT low
 * (mode 0) or high (other modes); writing the first byte of a lohi count in
 * mode 0 stops counting until the second byte.
 *
 * IRQ0: channel 0 arms an xtimer at its next OUT event (d = N in modes 0
 * and 4; d = k*N in modes 2 and 3), and the callback raises and lowers the
 * IRQ0 line: one edge per event, which the edge-triggered PIC latches.  The
 * line is not a copy of OUT (mode 3's high half is not a held level).  When
 * the vCPU thread was late by more than one period (host clock after a
 * stall), the missed edges are coalesced into one: the next deadline is the
 * first period boundary after now, so a stall never causes an interrupt
 * storm; the counter readout stays exact.
 *
 * Port 0x61 (write): bit 0 channel 2 gate, bit 1 speaker data enable, bits
 * 2-3 parity/channel-check disables (stored); (read): bits 0-3 as written,
 * bit 4 the refresh toggle (flips on every read, so "wait for bit 4 to
 * change" loops end at once), bit 5 channel 2 OUT, bits 6-7 (parity and
 * channel-check errors) 0.  No sound is produced.
 *
 * Threading: register accesses and the timer callback run on the vCPU
 * thread only; the PIT takes no lock.  The IRQ0 line goes to the PIC, which
 * locks internally.  m is kept for future use (reset); it may be NULL.
 */
#include <stdlib.h>

#include "clock.h"
#include "devices.h"

/* Input clock of the PC's PIT, Hz (14.31818 MHz / 12). */
#define PIT_FREQ 1193182u
#define NS_PER_SEC 1000000000u
/* Ports: three counters and the control word at PIT_BASE..PIT_BASE+3. */
#define PIT_BASE 0x40
#define PIT_NPORTS 4
/* The PC's port B (system control port). */
#define PIT_PORT_B 0x61
/* Port B bits. */
#define PORTB_GATE2 0x01   /* channel 2 gate */
#define PORTB_SPKR 0x02    /* speaker data enable */
#define PORTB_RW_MASK 0x0F /* bits that read back as written */
#define PORTB_REFRESH 0x10 /* refresh request toggle */
#define PORTB_OUT2 0x20    /* channel 2 OUT */
/* Read/write access modes of the control word (bits 5-4). */
#define RW_LATCH 0
#define RW_LSB 1
#define RW_MSB 2
#define RW_LOHI 3
/* Read-back command bits. */
#define RB_NOT_COUNT 0x20
#define RB_NOT_STATUS 0x10
/* Status byte bits. */
#define ST_OUT 0x80
#define ST_NULL 0x40

struct pit_channel {
    int index;    /* 0..2 */
    uint8_t mode; /* 0..5 (6, 7 are aliases of 2, 3) */
    uint8_t rw;   /* RW_LSB / RW_MSB / RW_LOHI */
    bool bcd;
    uint32_t n;    /* initial count in ticks, 1..65536 (or 10000) */
    bool loaded;   /* a count has been written since the control word */
    bool started;  /* counting element loaded (modes 1/5: triggered) */
    bool out_idle; /* OUT while not started */
    uint16_t hold; /* counter value while not started */

    bool gate;
    bool running;        /* counting now: started and gate allows it */
    uint64_t base_ticks; /* d accumulated before the current run */
    uint64_t run_start;  /* absolute clock edge number the run began at */
    uint64_t load_edge;  /* absolute edge number of the last (re)load */

    /* write flip-flop: lohi writes take the low byte first */
    bool write_hi;
    uint8_t write_lsb;
    /* read flip-flop (unlatched lohi reads) */
    bool read_hi;
    /* count latch: the latched value and the bytes still to be read */
    uint16_t latch;
    int latch_bytes;    /* 0 = not latched, else bytes left */
    bool latch_hi_next; /* lohi latch: next byte is the high one */
    /* status latch (read-back) */
    bool status_latched;
    uint8_t status;

    uint64_t next_event; /* channel 0: d of the next IRQ edge */
};

struct dev_pit {
    struct xclock *clk;
    struct irq_line irq0;
    struct xtimer *timer; /* channel 0 OUT events */
    struct pit_channel ch[3];
    uint8_t port_b; /* bits 0-3 of port 0x61 */
    bool refresh;   /* port 0x61 bit 4 */
};

/* ---- time ------------------------------------------------------------------ */

/* The number of PIT clock edges in [0, ns]: edge k is at ceil(k*1e9/F). */
static uint64_t pit_edges(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * PIT_FREQ) / NS_PER_SEC);
}

/* Guest time of clock edge k. */
static uint64_t pit_edge_time(uint64_t k)
{
    unsigned __int128 x = (unsigned __int128)k * NS_PER_SEC + PIT_FREQ - 1;
    x /= PIT_FREQ;
    return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

static uint64_t pit_now_edges(struct dev_pit *p)
{
    return pit_edges(xclock_ns(p->clk));
}

/* Elapsed ticks d of a started channel at absolute edge `now`. */
static uint64_t pit_elapsed(const struct pit_channel *c, uint64_t now)
{
    if (!c->running)
        return c->base_ticks;
    return c->base_ticks + (now > c->run_start ? now - c->run_start : 0);
}

static uint8_t pit_mode(const struct pit_channel *c)
{
    return c->mode > 5 ? c->mode - 4 : c->mode;
}

/* Whether the gate lets a started channel count (modes 1 and 5 ignore a
 * low gate once triggered). */
static bool pit_gate_counts(const struct pit_channel *c)
{
    uint8_t mode = pit_mode(c);
    return c->gate || mode == 1 || mode == 5;
}

/* ---- counter and OUT ---------------------------------------------------------- */

static uint16_t pit_to_bcd(uint32_t v)
{
    v %= 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t pit_from_bcd(uint16_t v)
{
    return (v >> 12 & 15) * 1000u + (v >> 8 & 15) * 100u + (v >> 4 & 15) * 10u + (v & 15);
}

/* The counter value (binary, 0..modulus-1) after d ticks. */
static uint32_t pit_count_at(const struct pit_channel *c, uint64_t d)
{
    uint32_t modulus = c->bcd ? 10000 : 65536;
    uint32_t n = c->n;
    switch (pit_mode(c)) {
    case 2: return (uint32_t)(n - d % n) % modulus;
    case 3: {
        uint64_t phase = d % n;
        uint64_t high = (n + 1) / 2;
        uint64_t half = phase < high ? phase : phase - high;
        return (uint32_t)(((n & ~1u) - 2 * half) % modulus);
    }
    default: /* 0, 1, 4, 5: count down and wrap */
        return (uint32_t)((n + modulus - d % modulus) % modulus);
    }
}

static bool pit_out_at(const struct pit_channel *c, uint64_t d)
{
    switch (pit_mode(c)) {
    case 0:
    case 1: return d >= c->n;
    case 2: return !c->gate || d % c->n != c->n - 1u;
    case 3: return !c->gate || d % c->n < (c->n + 1) / 2;
    default: /* 4, 5 */ return d != c->n;
    }
}

/* The 16-bit value a read would return (BCD-encoded in BCD mode). */
static uint16_t pit_read_counter(struct dev_pit *p, struct pit_channel *c)
{
    if (!c->started)
        return c->hold;
    uint32_t v = pit_count_at(c, pit_elapsed(c, pit_now_edges(p)));
    return c->bcd ? pit_to_bcd(v) : (uint16_t)v;
}

static bool pit_read_out(struct dev_pit *p, struct pit_channel *c)
{
    if (!c->started)
        return c->out_idle;
    return pit_out_at(c, pit_elapsed(c, pit_now_edges(p)));
}

/* ---- channel 0 IRQ timer ----------------------------------------------------- */

/* Arms the timer for channel 0's next OUT event after elapsed ticks `d`
 * (inclusive if `inclusive`), or stops it. */
static void pit_arm(struct dev_pit *p, uint64_t d, bool inclusive)
{
    struct pit_channel *c = &p->ch[0];
    if (!p->timer)
        return;
    if (!c->started || !c->running) {
        xtimer_del(p->timer);
        return;
    }
    uint8_t mode = pit_mode(c);
    uint64_t ev;
    if (mode == 2 || mode == 3) {
        ev = (d / c->n + (inclusive && d % c->n == 0 ? 0 : 1)) * c->n;
        if (ev == 0)
            ev = c->n;
    } else {
        ev = c->n; /* once: modes 0, 1, 4, 5 */
        if (d > ev || (d == ev && !inclusive)) {
            xtimer_del(p->timer);
            return;
        }
    }
    c->next_event = ev;
    uint64_t edge = c->run_start + (ev - c->base_ticks);
    xtimer_mod(p->timer, pit_edge_time(edge));
}

static void pit_timer_cb(void *opaque)
{
    struct dev_pit *p = opaque;
    struct pit_channel *c = &p->ch[0];
    if (!c->started || !c->running)
        return;
    uint64_t d = pit_elapsed(c, pit_now_edges(p));
    if (d < c->next_event) { /* early (cannot happen): wait */
        pit_arm(p, d, true);
        return;
    }
    irq_set(&p->irq0, 1);
    irq_set(&p->irq0, 0);
    pit_arm(p, d, false);
}

/* ---- channel state changes ------------------------------------------------- */

/* Starts counting from N now (count load or gate trigger). */
static void pit_start(struct dev_pit *p, struct pit_channel *c, uint64_t now)
{
    c->started = true;
    c->base_ticks = 0;
    c->run_start = now;
    c->load_edge = now;
    c->running = pit_gate_counts(c);
    if (c->index == 0)
        pit_arm(p, 0, false);
}

/* Freezes the channel (not started): reads return its current value. */
static void pit_stop(struct dev_pit *p, struct pit_channel *c, bool out)
{
    c->hold = pit_read_counter(p, c);
    c->started = false;
    c->running = false;
    c->out_idle = out;
    if (c->index == 0 && p->timer)
        xtimer_del(p->timer);
}

/* A complete count was written. */
static void pit_load(struct dev_pit *p, struct pit_channel *c, uint16_t raw)
{
    uint32_t n = c->bcd ? pit_from_bcd(raw) : raw;
    if (n == 0)
        n = c->bcd ? 10000 : 65536;
    c->n = n;
    c->loaded = true;
    uint8_t mode = pit_mode(c);
    if (mode == 1 || mode == 5) {
        /* Waits for a gate trigger; OUT stays high. */
        if (!c->started)
            c->out_idle = true;
        return;
    }
    pit_start(p, c, pit_now_edges(p));
}

static void pit_set_gate(struct dev_pit *p, struct pit_channel *c, bool gate)
{
    if (gate == c->gate)
        return;
    uint64_t now = pit_now_edges(p);
    uint8_t mode = pit_mode(c);
    if (c->started && c->running)
        c->base_ticks = pit_elapsed(c, now);
    c->gate = gate;
    if (gate && c->loaded && mode != 0 && mode != 4) {
        /* Rising edge: modes 1 and 5 trigger, modes 2 and 3 reload. */
        pit_start(p, c, now);
        return;
    }
    if (c->started) {
        c->running = pit_gate_counts(c);
        c->run_start = now;
        if (c->index == 0)
            pit_arm(p, c->base_ticks, true);
    }
}

static void pit_latch_count(struct dev_pit *p, struct pit_channel *c)
{
    if (c->latch_bytes)
        return; /* the first latch is kept */
    c->latch = pit_read_counter(p, c);
    c->latch_bytes = c->rw == RW_LOHI ? 2 : 1;
    c->latch_hi_next = c->rw == RW_MSB;
}

static void pit_latch_status(struct dev_pit *p, struct pit_channel *c)
{
    if (c->status_latched)
        return;
    bool null_count = !c->loaded || !c->started || pit_now_edges(p) <= c->load_edge;
    c->status = (uint8_t)((pit_read_out(p, c) ? ST_OUT : 0) | (null_count ? ST_NULL : 0) |
                          c->rw << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
    c->status_latched = true;
}

static void pit_control(struct dev_pit *p, uint8_t val)
{
    int sel = val >> 6;
    if (sel == 3) { /* read-back */
        for (int i = 0; i < 3; i++) {
            if (!(val & (2u << i)))
                continue;
            if (!(val & RB_NOT_COUNT))
                pit_latch_count(p, &p->ch[i]);
            if (!(val & RB_NOT_STATUS))
                pit_latch_status(p, &p->ch[i]);
        }
        return;
    }
    struct pit_channel *c = &p->ch[sel];
    uint8_t rw = (val >> 4) & 3;
    if (rw == RW_LATCH) {
        pit_latch_count(p, c);
        return;
    }
    pit_stop(p, c, false); /* holds the value in the old mode */
    c->rw = rw;
    c->mode = (val >> 1) & 7;
    c->bcd = val & 1;
    c->out_idle = pit_mode(c) != 0; /* OUT low in mode 0, else high */
    c->write_hi = false;
    c->read_hi = false;
    c->latch_bytes = 0;
    c->status_latched = false;
    c->loaded = false;
}

/* ---- register access ------------------------------------------------------- */

static uint8_t pit_counter_read(struct dev_pit *p, struct pit_channel *c)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latch_bytes) {
        uint8_t b = c->latch_hi_next ? c->latch >> 8 : c->latch & 0xFF;
        c->latch_hi_next = !c->latch_hi_next;
        c->latch_bytes--;
        return b;
    }
    uint16_t v = pit_read_counter(p, c);
    switch (c->rw) {
    case RW_LSB: return v & 0xFF;
    case RW_MSB: return v >> 8;
    default: c->read_hi = !c->read_hi; return c->read_hi ? v & 0xFF : v >> 8;
    }
}

static void pit_counter_write(struct dev_pit *p, struct pit_channel *c, uint8_t val)
{
    switch (c->rw) {
    case RW_LSB: pit_load(p, c, val); break;
    case RW_MSB: pit_load(p, c, (uint16_t)(val << 8)); break;
    case RW_LOHI:
        if (!c->write_hi) {
            c->write_lsb = val;
            c->write_hi = true;
            if (pit_mode(c) == 0 && c->started)
                pit_stop(p, c, false); /* first byte stops mode 0 */
        } else {
            c->write_hi = false;
            pit_load(p, c, (uint16_t)(c->write_lsb | val << 8));
        }
        break;
    default: /* no control word yet: ignored */ break;
    }
}

static uint8_t pit_reg_read(struct dev_pit *p, unsigned off)
{
    if (off < 3)
        return pit_counter_read(p, &p->ch[off]);
    return 0xFF; /* the control register is write-only */
}

static void pit_reg_write(struct dev_pit *p, unsigned off, uint8_t val)
{
    if (off < 3)
        pit_counter_write(p, &p->ch[off], val);
    else
        pit_control(p, val);
}

/* ---- bus callbacks --------------------------------------------------------------- */

/* Wide accesses are byte accesses at consecutive ports; past 0x43 they
 * read 0xFF. */
static uint32_t pit_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_pit *p = opaque;
    uint32_t val = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (unsigned)(port - PIT_BASE) + i;
        uint8_t b = off < PIT_NPORTS ? pit_reg_read(p, off) : 0xFF;
        val |= (uint32_t)b << (8 * i);
    }
    return val;
}

static void pit_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_pit *p = opaque;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (unsigned)(port - PIT_BASE) + i;
        if (off < PIT_NPORTS)
            pit_reg_write(p, off, (uint8_t)(val >> (8 * i)));
    }
}

static const struct dev_port_ops pit_ops = {
    .read = pit_port_read,
    .write = pit_port_write,
};

/* Port 0x61 is a single byte; wider accesses read 0xFF above it. */
static uint32_t portb_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_pit *p = opaque;
    (void)port;
    p->refresh = !p->refresh;
    uint32_t v = (p->port_b & PORTB_RW_MASK) | (p->refresh ? PORTB_REFRESH : 0) |
                 (pit_read_out(p, &p->ch[2]) ? PORTB_OUT2 : 0);
    return size > 1 ? v | (UINT32_MAX << 8) : v;
}

static void portb_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_pit *p = opaque;
    (void)port;
    (void)size;
    p->port_b = val & PORTB_RW_MASK;
    pit_set_gate(p, &p->ch[2], val & PORTB_GATE2);
}

static const struct dev_port_ops portb_ops = {
    .read = portb_read,
    .write = portb_write,
};

/* ---- public API ------------------------------------------------------------ */

struct dev_pit *dev_pit_create(struct io_bus *bus, struct xclock *clk, struct irq_line irq0)
{
    if (!clk)
        return NULL;
    struct dev_pit *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->clk = clk;
    p->irq0 = irq0;
    p->timer = xtimer_create(clk, pit_timer_cb, p);
    if (!p->timer) {
        free(p);
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        c->index = i;
        /* Power-on: no control word yet; as if mode 0, lohi, stopped. */
        c->rw = RW_LOHI;
        c->n = 65536;
        c->gate = i != 2; /* channel 2's gate is port 0x61 bit 0 */
        c->out_idle = false;
    }
    if (bus) {
        int err = bus_register_ports(bus, PIT_BASE, PIT_NPORTS, &pit_ops, p);
        if (err == 0)
            err = bus_register_ports(bus, PIT_PORT_B, 1, &portb_ops, p);
        if (err < 0) {
            xbt_error("pit: cannot claim ports 0x40-0x43/0x61: %s", xbt_strerror(err));
            xtimer_destroy(p->timer);
            free(p);
            return NULL;
        }
    }
    return p;
}

void dev_pit_destroy(struct dev_pit *p)
{
    if (!p)
        return;
    xtimer_destroy(p->timer);
    free(p);
}
