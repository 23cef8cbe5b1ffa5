/*
 * uart16550.c - a National PC16550D-compatible UART (the PC's COM ports).
 *
 * Faithful enough for Linux's 8250 driver (autoconfig detects a 16550A) and
 * for polling drivers:
 *   - the transmitter is synchronous: a THR write goes to out_fd at once, so
 *     LSR.THRE and LSR.TEMT are always set and polling loops never spin;
 *   - a 16-byte receive FIFO (a 1-byte holding register when FIFOs are
 *     disabled) filled by dev_uart_receive() from the console thread;
 *   - interrupts with the datasheet priorities: line status (overrun) >
 *     received data / character timeout > THR empty > modem status;
 *   - loopback mode (MCR.LOOP): transmitted bytes come back into the
 *     receiver, external input is held off, MSR follows MCR.
 * Simplifications: no real baud timing (the divisor is only stored); the
 * character timeout is immediate (IIR reports "timeout" as soon as the FIFO
 * holds fewer bytes than the trigger level); no parity/framing errors or
 * breaks are ever received; the TX FIFO does not exist (writes complete).
 *
 * Flow control: dev_uart_receive() only takes as many bytes as fit (like
 * QEMU's can_receive/receive pair), so host input is never lost; overruns
 * (LSR.OE) happen only when the guest itself overfills the FIFO in loopback.
 *
 * The interrupt output is irq_set(level) with level = (an interrupt is
 * pending) && MCR.OUT2, as the PC's IRQ gate works (we also keep that rule in
 * loopback mode).  irq_set() is called only when the level changes, with the
 * UART lock held, from whichever thread changed the state: the vCPU thread
 * (register accesses) or the console thread (dev_uart_receive()).
 *
 * Locking: one mutex protects all register state; out_fd is written after
 * the lock is dropped (only the vCPU thread transmits, so order is kept).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "devices.h"
#include "devices_internal.h"

/* Register offsets from the base port. */
enum {
    UART_RBR = 0, /* read, DLAB=0: receive buffer */
    UART_THR = 0, /* write, DLAB=0: transmit holding */
    UART_DLL = 0, /* DLAB=1: divisor latch low */
    UART_IER = 1, /* DLAB=0: interrupt enable */
    UART_DLM = 1, /* DLAB=1: divisor latch high */
    UART_IIR = 2, /* read: interrupt identification */
    UART_FCR = 2, /* write: FIFO control */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
    UART_NPORTS = 8,
};

#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* THR empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI 0x08  /* modem status */
#define IER_MASK 0x0F /* bits 7:4 read as 0 on a 16550A */

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0C
#define IIR_FIFO 0xC0 /* both bits set when FIFOs are enabled */

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA 0x08
#define FCR_TRIGGER 0xC0

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F /* bits 7:5 read as 0 on a 16550A */

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTAS 0x0F
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

/* Receive FIFO depth of the 16550A. */
#define UART_FIFO_SIZE 16
/* Divisor latch after reset: 12 = 9600 baud, what a PC BIOS leaves COM1 at.
 * Only stored; xbt does no baud-rate timing. */
#define UART_RESET_DIVISOR 12
/* LCR after reset: 8 data bits, no parity, 1 stop bit (as a BIOS sets it). */
#define UART_RESET_LCR 0x03

struct dev_uart {
    pthread_mutex_t lock;
    uint16_t base;
    struct irq_line irq;
    struct event_line wake; /* input arrived: wake the vCPU */
    int out_fd;
    bool out_failed; /* a write to out_fd failed: warned, now drop */

    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t rbr; /* last byte read (what RBR shows when empty) */

    uint8_t ier, lcr, mcr, scr;
    uint8_t fcr;        /* FCR_ENABLE | FCR_DMA | FCR_TRIGGER bits */
    uint8_t lsr_errors; /* LSR_ERRORS bits, cleared by reading LSR */
    uint8_t msr;        /* line bits 7:4 and delta bits 3:0 */
    uint8_t dll, dlm;
    bool thr_ipending; /* THR-empty interrupt condition latched */
    int irq_level;     /* level last passed to irq_set() */

    bool rx_notify_wanted; /* a receive was short: notify on room */
    void (*rx_notify)(void *opaque);
    void *rx_notify_opaque;

    struct dev_uart_stats stats;
};

/* ---- host output --------------------------------------------------------- */

int dev_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (fd < 0)
        return XBT_OK;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                return XBT_EIO;
        } else {
            return XBT_EIO;
        }
    }
    return XBT_OK;
}

/* ---- state helpers (lock held) ------------------------------------------ */

static bool uart_fifo_enabled(const struct dev_uart *u)
{
    return u->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(const struct dev_uart *u)
{
    return uart_fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

static unsigned uart_rx_trigger(const struct dev_uart *u)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return levels[(u->fcr & FCR_TRIGGER) >> 6];
}

static uint8_t uart_iir(const struct dev_uart *u)
{
    uint8_t fifo = uart_fifo_enabled(u) ? IIR_FIFO : 0;
    if ((u->ier & IER_RLSI) && (u->lsr_errors & LSR_ERRORS))
        return fifo | IIR_RLSI;
    if ((u->ier & IER_RDI) && u->rx_count > 0) {
        if (uart_fifo_enabled(u) && u->rx_count < uart_rx_trigger(u))
            return fifo | IIR_TIMEOUT;
        return fifo | IIR_RDI;
    }
    if ((u->ier & IER_THRI) && u->thr_ipending)
        return fifo | IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
        return fifo | IIR_MSI;
    return fifo | IIR_NO_INT;
}

static void uart_update_irq(struct dev_uart *u)
{
    int level = !(uart_iir(u) & IIR_NO_INT) && (u->mcr & MCR_OUT2);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(&u->irq, level);
    }
}

/* Tells the console there is room again, if it asked. */
static void uart_rx_room(struct dev_uart *u)
{
    if (!u->rx_notify_wanted || !u->rx_notify || (u->mcr & MCR_LOOP) ||
        u->rx_count >= uart_rx_capacity(u))
        return;
    u->rx_notify_wanted = false;
    u->rx_notify(u->rx_notify_opaque);
}

static void uart_rx_clear(struct dev_uart *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    uart_rx_room(u);
}

static void uart_rx_put(struct dev_uart *u, uint8_t b)
{
    u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
    u->rx_count++;
    u->stats.rx_bytes++;
}

/* A byte arriving at the receiver from the line (loopback): overruns. */
static void uart_rx_from_line(struct dev_uart *u, uint8_t b)
{
    if (u->rx_count < uart_rx_capacity(u)) {
        uart_rx_put(u, b);
        return;
    }
    u->lsr_errors |= LSR_OE;
    u->stats.rx_overruns++;
    /* 16450 mode: the new character overwrites the holding register.  FIFO
     * mode: the character in the shift register is lost. */
    if (!uart_fifo_enabled(u))
        u->rx_fifo[u->rx_head] = b;
}

/* Recomputes the modem status inputs from MCR and latches the deltas. */
static void uart_update_msr(struct dev_uart *u)
{
    uint8_t lines;
    if (u->mcr & MCR_LOOP) {
        lines = ((u->mcr & MCR_RTS) ? MSR_CTS : 0) | ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
                ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
    } else {
        /* A null-modem host connection: carrier, DSR and CTS asserted. */
        lines = MSR_DCD | MSR_DSR | MSR_CTS;
    }
    uint8_t old = u->msr & 0xF0, changed = old ^ lines;
    uint8_t delta = u->msr & MSR_DELTAS;
    if (changed & MSR_CTS)
        delta |= MSR_DCTS;
    if (changed & MSR_DSR)
        delta |= MSR_DDSR;
    if ((old & MSR_RI) && !(lines & MSR_RI))
        delta |= MSR_TERI;
    if (changed & MSR_DCD)
        delta |= MSR_DDCD;
    u->msr = lines | delta;
}

/* ---- register access (lock held) ---------------------------------------- */

static uint8_t uart_reg_read(struct dev_uart *u, unsigned off)
{
    uint8_t v;
    switch (off) {
    case UART_RBR:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        if (u->rx_count > 0) {
            u->rbr = u->rx_fifo[u->rx_head];
            u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
            u->rx_count--;
            uart_rx_room(u);
        }
        return u->rbr;
    case UART_IER: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case UART_IIR:
        v = uart_iir(u);
        if ((v & 0x0F) == IIR_THRI)
            u->thr_ipending = false;
        return v;
    case UART_LCR: return u->lcr;
    case UART_MCR: return u->mcr;
    case UART_LSR:
        v = u->lsr_errors | (u->rx_count ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
        u->lsr_errors = 0;
        return v;
    case UART_MSR:
        v = u->msr;
        u->msr &= ~MSR_DELTAS;
        return v;
    case UART_SCR: return u->scr;
    default: return 0xFF;
    }
}

/* Returns true if val must be transmitted to out_fd. */
static bool uart_reg_write(struct dev_uart *u, unsigned off, uint8_t val)
{
    uint8_t old;
    switch (off) {
    case UART_THR:
        if (u->lcr & LCR_DLAB) {
            u->dll = val;
            return false;
        }
        /* Sent at once: the THR is empty again immediately. */
        u->thr_ipending = true;
        u->stats.tx_bytes++;
        if (u->mcr & MCR_LOOP) {
            uart_rx_from_line(u, val);
            return false;
        }
        return true;
    case UART_IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = val;
            return false;
        }
        old = u->ier;
        u->ier = val & IER_MASK;
        /* Enabling ETBEI while the THR is empty (always) raises THRE. */
        if ((old ^ u->ier) & IER_THRI)
            u->thr_ipending = (u->ier & IER_THRI) != 0;
        return false;
    case UART_FCR:
        if (!(val & FCR_ENABLE)) {
            /* Leaving FIFO mode clears the FIFOs; other bits are ignored. */
            if (uart_fifo_enabled(u))
                uart_rx_clear(u);
            u->fcr = 0;
            return false;
        }
        if (!uart_fifo_enabled(u) || (val & FCR_CLEAR_RX)) {
            u->fcr = val & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER);
            uart_rx_clear(u);
        } else {
            u->fcr = val & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER);
        }
        return false;
    case UART_LCR: u->lcr = val; return false;
    case UART_MCR:
        old = u->mcr;
        u->mcr = val & MCR_MASK;
        uart_update_msr(u);
        if ((old & MCR_LOOP) && !(u->mcr & MCR_LOOP))
            uart_rx_room(u); /* external input flows again */
        return false;
    case UART_SCR: u->scr = val; return false;
    default: /* LSR, MSR: read-only (factory test only) */ return false;
    }
}

/* ---- bus callbacks ---------------------------------------------------------- */

/* Wide accesses are split into byte accesses at consecutive ports, as the
 * ISA bus does for an 8-bit device; bytes past the UART read as 0xFF. */
static uint32_t uart_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_uart *u = opaque;
    uint32_t val = 0;
    pthread_mutex_lock(&u->lock);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (unsigned)(uint16_t)(port - u->base) + i;
        uint8_t b = off < UART_NPORTS ? uart_reg_read(u, off) : 0xFF;
        val |= (uint32_t)b << (8 * i);
    }
    uart_update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return val;
}

static void uart_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_uart *u = opaque;
    uint8_t tx[4];
    size_t ntx = 0;
    pthread_mutex_lock(&u->lock);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (unsigned)(uint16_t)(port - u->base) + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (off < UART_NPORTS && uart_reg_write(u, off, b))
            tx[ntx++] = b;
    }
    uart_update_irq(u);
    pthread_mutex_unlock(&u->lock);

    if (ntx > 0 && !u->out_failed && dev_write_all(u->out_fd, tx, ntx) < 0) {
        u->out_failed = true;
        xbt_warn("uart: write to output failed; further output dropped");
    }
}

static const struct dev_port_ops uart_ops = {
    .read = uart_port_read,
    .write = uart_port_write,
};

/* ---- public API ----------------------------------------------------------- */

struct dev_uart *dev_uart_create(struct io_bus *bus, uint16_t base, struct irq_line irq,
                                 struct event_line wake, int out_fd)
{
    struct dev_uart *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    if (pthread_mutex_init(&u->lock, NULL) != 0) {
        free(u);
        return NULL;
    }
    u->base = base;
    u->irq = irq;
    u->wake = wake;
    u->out_fd = out_fd;
    u->lcr = UART_RESET_LCR;
    u->dll = UART_RESET_DIVISOR & 0xFF;
    u->dlm = UART_RESET_DIVISOR >> 8;
    u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    if (bus) {
        int err = bus_register_ports(bus, base, UART_NPORTS, &uart_ops, u);
        if (err < 0) {
            xbt_error("uart: cannot claim ports %#x-%#x: %s", base, base + UART_NPORTS - 1,
                      xbt_strerror(err));
            pthread_mutex_destroy(&u->lock);
            free(u);
            return NULL;
        }
    }
    return u;
}

void dev_uart_destroy(struct dev_uart *u)
{
    if (!u)
        return;
    pthread_mutex_destroy(&u->lock);
    free(u);
}

size_t dev_uart_receive(struct dev_uart *u, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    if (!u || !buf || len == 0)
        return 0;
    pthread_mutex_lock(&u->lock);
    /* In loopback mode the receiver is disconnected from the line: hold the
     * input back until loopback ends. */
    if (!(u->mcr & MCR_LOOP)) {
        while (n < len && u->rx_count < uart_rx_capacity(u))
            uart_rx_put(u, buf[n++]);
    }
    if (n < len)
        u->rx_notify_wanted = true;
    uart_update_irq(u);
    pthread_mutex_unlock(&u->lock);
    if (n > 0)
        event_signal(&u->wake);
    return n;
}

const struct dev_uart_stats *dev_uart_stats(const struct dev_uart *u)
{
    return &u->stats;
}

void dev_uart_set_rx_notify(struct dev_uart *u, void (*fn)(void *opaque), void *opaque)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->lock);
    u->rx_notify = fn;
    u->rx_notify_opaque = opaque;
    pthread_mutex_unlock(&u->lock);
}
