/*
 * test_uart.c - unit tests of the 16550A UART model through the I/O bus:
 * reset state, DLAB switching, transmit, receive FIFO and flow control,
 * overrun, IIR priorities, the IRQ line (IER and MCR.OUT2), loopback and
 * the modem status register.  The UART is created with m == NULL.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"
#include "devices/devices_internal.h"

#define BASE 0x3F8
#define RBR (BASE + 0)
#define THR (BASE + 0)
#define DLL (BASE + 0)
#define IER (BASE + 1)
#define DLM (BASE + 1)
#define IIR (BASE + 2)
#define FCR (BASE + 2)
#define LCR (BASE + 3)
#define MCR (BASE + 4)
#define LSR (BASE + 5)
#define MSR (BASE + 6)
#define SCR (BASE + 7)

struct fixture {
    struct io_bus *bus;
    struct dev_uart *uart;
    int out[2];    /* out[1] is the UART's out_fd */
    int irq_level; /* last level set on the line */
    int irq_calls; /* number of irq_set() calls */
    int irq_line_seen;
};

static void test_irq_fn(void *opaque, int line, int level)
{
    struct fixture *f = opaque;
    f->irq_level = level;
    f->irq_calls++;
    f->irq_line_seen = line;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || pipe(f->out) != 0)
        return -1;
    fcntl(f->out[0], F_SETFL, O_NONBLOCK);
    f->bus = bus_create();
    struct irq_line irq = { .fn = test_irq_fn, .opaque = f, .line = 4 };
    f->uart = dev_uart_create(f->bus, BASE, irq, (struct event_line){ 0 }, f->out[1]);
    if (!f->bus || !f->uart)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_uart_destroy(f->uart);
    bus_destroy(f->bus);
    close(f->out[0]);
    close(f->out[1]);
    free(f);
    return 0;
}

static uint8_t in8(struct fixture *f, uint16_t port)
{
    return (uint8_t)bus_port_read(f->bus, port, 1);
}

static void out8(struct fixture *f, uint16_t port, uint8_t v)
{
    bus_port_write(f->bus, port, 1, v);
}

static size_t recv_str(struct fixture *f, const char *s)
{
    return dev_uart_receive(f->uart, (const uint8_t *)s, strlen(s));
}

/* Everything transmitted so far (the pipe is non-blocking). */
static size_t tx_read(struct fixture *f, char *buf, size_t cap)
{
    ssize_t n = read(f->out[0], buf, cap);
    return n < 0 ? 0 : (size_t)n;
}

static void test_reset_state(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, IER), 0x00);
    assert_int_equal(in8(f, IIR), 0x01); /* no interrupt, no FIFO */
    assert_int_equal(in8(f, LCR), 0x03);
    assert_int_equal(in8(f, MCR), 0x00);
    assert_int_equal(in8(f, LSR), 0x60); /* THRE | TEMT */
    assert_int_equal(in8(f, MSR), 0xB0); /* DCD | DSR | CTS */
    assert_int_equal(f->irq_calls, 0);
    /* Ports around the UART are not claimed by it. */
    assert_int_equal(bus_port_read(f->bus, BASE - 1, 1), 0xFF);
    assert_int_equal(bus_port_read(f->bus, BASE + 8, 1), 0xFF);
    /* A second UART cannot take the same ports. */
    struct irq_line none = { 0 };
    assert_null(dev_uart_create(f->bus, BASE + 4, none, (struct event_line){ 0 }, -1));
}

static void test_dlab(void **state)
{
    struct fixture *f = *state;
    out8(f, IER, 0x05);
    out8(f, LCR, 0x83);                /* DLAB on */
    assert_int_equal(in8(f, DLL), 12); /* reset divisor: 9600 */
    assert_int_equal(in8(f, DLM), 0);
    out8(f, DLL, 0x01);
    out8(f, DLM, 0x02);
    assert_int_equal(in8(f, DLL), 0x01);
    assert_int_equal(in8(f, DLM), 0x02);
    /* IIR and the other registers are reachable with DLAB set. */
    assert_int_equal(in8(f, IIR) & 0x0F, 0x01);
    assert_int_equal(in8(f, LCR), 0x83);
    out8(f, LCR, 0x03);                  /* DLAB off */
    assert_int_equal(in8(f, IER), 0x05); /* untouched by DLM */
    /* A DLL write did not transmit anything. */
    char buf[8];
    assert_int_equal(tx_read(f, buf, sizeof(buf)), 0);
    assert_int_equal(dev_uart_stats(f->uart)->tx_bytes, 0);
    out8(f, LCR, 0x80);
    assert_int_equal(in8(f, DLL), 0x01);
    /* A 16-bit access is two byte accesses at consecutive ports. */
    bus_port_write(f->bus, DLL, 2, 0x0C00 | 0x34);
    assert_int_equal(in8(f, DLL), 0x34);
    assert_int_equal(in8(f, DLM), 0x0C);
    assert_int_equal(bus_port_read(f->bus, DLL, 2), 0x0C34);
    out8(f, LCR, 0x03);
}

static void test_register_masks(void **state)
{
    struct fixture *f = *state;
    out8(f, IER, 0xFF);
    assert_int_equal(in8(f, IER), 0x0F);
    out8(f, IER, 0);
    out8(f, MCR, 0xFF);
    assert_int_equal(in8(f, MCR), 0x1F);
    out8(f, MCR, 0);
    assert_int_equal(in8(f, MSR), 0xB4); /* RI fell: TERI */
    out8(f, SCR, 0x5A);
    assert_int_equal(in8(f, SCR), 0x5A);
    out8(f, SCR, 0xA5);
    assert_int_equal(in8(f, SCR), 0xA5);
    /* LSR and MSR are read-only. */
    out8(f, LSR, 0x00);
    assert_int_equal(in8(f, LSR), 0x60);
    out8(f, MSR, 0x00);
    assert_int_equal(in8(f, MSR), 0xB0);
    /* A dword read past the last register reads 0xFF for the missing ones. */
    assert_int_equal(bus_port_read(f->bus, SCR, 4), 0xFFFFFFA5);
}

static void test_transmit(void **state)
{
    struct fixture *f = *state;
    char buf[64];
    const char *msg = "hello, world\n";
    for (const char *p = msg; *p; p++) {
        assert_int_equal(in8(f, LSR) & 0x60, 0x60);
        out8(f, THR, (uint8_t)*p);
        assert_int_equal(in8(f, LSR) & 0x60, 0x60); /* sent at once */
    }
    size_t n = tx_read(f, buf, sizeof(buf));
    assert_int_equal(n, strlen(msg));
    assert_memory_equal(buf, msg, n);
    assert_int_equal(dev_uart_stats(f->uart)->tx_bytes, strlen(msg));
    /* Binary bytes go through unchanged. */
    out8(f, THR, 0x00);
    out8(f, THR, 0xFF);
    assert_int_equal(tx_read(f, buf, sizeof(buf)), 2);
    assert_int_equal((uint8_t)buf[0], 0x00);
    assert_int_equal((uint8_t)buf[1], 0xFF);
}

static void test_receive_fifo(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, LSR) & 0x01, 0);
    out8(f, FCR, 0x07); /* enable + clear both */
    assert_int_equal(in8(f, IIR) & 0xC0, 0xC0);
    assert_int_equal(recv_str(f, "abc"), 3);
    assert_int_equal(in8(f, LSR), 0x61); /* DR */
    assert_int_equal(in8(f, RBR), 'a');
    assert_int_equal(in8(f, RBR), 'b');
    assert_int_equal(in8(f, LSR) & 0x01, 0x01);
    assert_int_equal(in8(f, RBR), 'c');
    assert_int_equal(in8(f, LSR) & 0x01, 0);
    /* Reading an empty RBR returns the last byte again. */
    assert_int_equal(in8(f, RBR), 'c');

    /* Flow control: the FIFO takes 16 bytes, the rest is refused (no loss,
     * no overrun). */
    const char *s = "0123456789ABCDEFGHIJ";
    assert_int_equal(recv_str(f, s), 16);
    assert_int_equal(recv_str(f, "x"), 0);
    assert_int_equal(in8(f, LSR), 0x61);
    for (int i = 0; i < 16; i++)
        assert_int_equal(in8(f, RBR), s[i]);
    assert_int_equal(in8(f, LSR), 0x60);
    assert_int_equal(dev_uart_stats(f->uart)->rx_bytes, 19);
    assert_int_equal(dev_uart_stats(f->uart)->rx_overruns, 0);

    /* FCR bit 1 clears the receive FIFO. */
    assert_int_equal(recv_str(f, "zz"), 2);
    out8(f, FCR, 0x03);
    assert_int_equal(in8(f, LSR) & 0x01, 0);
    assert_int_equal(in8(f, IIR) & 0xC0, 0xC0);

    /* Disabling the FIFOs clears them too; then only one byte fits. */
    assert_int_equal(recv_str(f, "zz"), 2);
    out8(f, FCR, 0x00);
    assert_int_equal(in8(f, IIR) & 0xC0, 0x00);
    assert_int_equal(in8(f, LSR) & 0x01, 0);
    assert_int_equal(recv_str(f, "qr"), 1);
    assert_int_equal(in8(f, RBR), 'q');
    assert_int_equal(recv_str(f, "r"), 1);
    assert_int_equal(in8(f, RBR), 'r');
}

static void test_overrun_loopback(void **state)
{
    struct fixture *f = *state;
    char buf[32];
    out8(f, FCR, 0x01);
    out8(f, MCR, 0x10); /* loopback */
    for (int i = 0; i < 17; i++)
        out8(f, THR, (uint8_t)('a' + i));
    assert_int_equal(tx_read(f, buf, sizeof(buf)), 0); /* nothing left */
    assert_int_equal(in8(f, LSR), 0x63);               /* OE | DR */
    assert_int_equal(in8(f, LSR), 0x61);               /* OE cleared by read */
    assert_int_equal(dev_uart_stats(f->uart)->rx_overruns, 1);
    /* FIFO mode: the 17th character was lost. */
    for (int i = 0; i < 16; i++)
        assert_int_equal(in8(f, RBR), 'a' + i);
    assert_int_equal(in8(f, LSR), 0x60);

    /* 16450 mode: the new character overwrites the holding register. */
    out8(f, FCR, 0x00);
    out8(f, THR, '1');
    out8(f, THR, '2');
    assert_int_equal(in8(f, LSR), 0x63);
    assert_int_equal(in8(f, RBR), '2');
    assert_int_equal(in8(f, LSR), 0x60);
    assert_int_equal(dev_uart_stats(f->uart)->rx_overruns, 2);
}

static void test_iir_priorities(void **state)
{
    struct fixture *f = *state;
    out8(f, FCR, 0x01); /* FIFO, trigger 1 */
    out8(f, MCR, 0x10); /* loopback, all lines low */
    in8(f, MSR);        /* clear the deltas */
    /* Fill the FIFO, overrun it, and raise a modem status change. */
    for (int i = 0; i < 17; i++)
        out8(f, THR, 'x');
    out8(f, MCR, 0x12);                  /* RTS -> CTS: DCTS */
    assert_int_equal(in8(f, IIR), 0xC1); /* nothing enabled yet */
    out8(f, IER, 0x0F);

    assert_int_equal(in8(f, IIR), 0xC6); /* line status first */
    assert_int_equal(in8(f, IIR), 0xC6); /* IIR read does not clear it */
    in8(f, LSR);
    assert_int_equal(in8(f, IIR), 0xC4); /* then received data */
    for (int i = 0; i < 16; i++)
        in8(f, RBR);
    assert_int_equal(in8(f, IIR), 0xC2); /* then THR empty... */
    assert_int_equal(in8(f, IIR), 0xC0); /* ...cleared by that read */
    assert_int_equal(in8(f, MSR), 0x11); /* CTS, DCTS */
    assert_int_equal(in8(f, IIR), 0xC1); /* nothing left */

    /* Without FIFOs the IIR's top bits are clear. */
    out8(f, FCR, 0x00);
    out8(f, THR, 'y'); /* loopback: RX + THRE */
    assert_int_equal(in8(f, IIR), 0x04);
    in8(f, RBR);
    assert_int_equal(in8(f, IIR), 0x02);
    assert_int_equal(in8(f, IIR), 0x01);
}

static void test_rx_trigger_level(void **state)
{
    struct fixture *f = *state;
    out8(f, FCR, 0xC1); /* trigger 14 */
    out8(f, IER, 0x01);
    assert_int_equal(recv_str(f, "abcd"), 4);
    assert_int_equal(in8(f, IIR), 0xCC); /* below trigger: timeout */
    assert_int_equal(recv_str(f, "efghijklmn"), 10);
    assert_int_equal(in8(f, IIR), 0xC4); /* 14 bytes: data available */
    in8(f, RBR);
    assert_int_equal(in8(f, IIR), 0xCC);
    out8(f, FCR, 0x83); /* trigger 8, clear RX */
    assert_int_equal(in8(f, IIR), 0xC1);
    assert_int_equal(recv_str(f, "12345678"), 8);
    assert_int_equal(in8(f, IIR), 0xC4);
    out8(f, FCR, 0x43); /* trigger 4, clear RX */
    assert_int_equal(recv_str(f, "123"), 3);
    assert_int_equal(in8(f, IIR), 0xCC);
    assert_int_equal(recv_str(f, "4"), 1);
    assert_int_equal(in8(f, IIR), 0xC4);
}

static void test_irq_line(void **state)
{
    struct fixture *f = *state;
    /* THRE interrupt enabled but OUT2 low: pending, line stays low. */
    out8(f, IER, 0x02);
    assert_int_equal(f->irq_calls, 0);
    out8(f, MCR, 0x08); /* OUT2 */
    assert_int_equal(f->irq_calls, 1);
    assert_int_equal(f->irq_level, 1);
    assert_int_equal(f->irq_line_seen, 4);
    assert_int_equal(in8(f, IIR), 0x02); /* clears THRE */
    assert_int_equal(f->irq_level, 0);
    out8(f, THR, 'a'); /* sent: THRE again */
    assert_int_equal(f->irq_level, 1);
    out8(f, IER, 0x00);
    assert_int_equal(f->irq_level, 0);
    /* Re-enabling ETBEI raises THRE again (the THR is empty). */
    out8(f, IER, 0x02);
    assert_int_equal(f->irq_level, 1);
    out8(f, MCR, 0x00);
    assert_int_equal(f->irq_level, 0);
    out8(f, MCR, 0x0B);
    assert_int_equal(f->irq_level, 1);
    out8(f, IER, 0x00);
    assert_int_equal(f->irq_level, 0);
    int calls = f->irq_calls;

    /* Received data: raised by dev_uart_receive(), lowered by reading. */
    out8(f, IER, 0x01);
    assert_int_equal(f->irq_calls, calls);  /* no change, no call */
    assert_int_equal(recv_str(f, "ab"), 1); /* 16450 mode: 1 byte */
    assert_int_equal(f->irq_level, 1);
    assert_int_equal(in8(f, RBR), 'a');
    assert_int_equal(f->irq_level, 0);
    assert_int_equal(recv_str(f, "b"), 1);
    assert_int_equal(f->irq_level, 1);
    out8(f, IER, 0x00); /* masking lowers it */
    assert_int_equal(f->irq_level, 0);
    out8(f, IER, 0x01);
    assert_int_equal(f->irq_level, 1);
    in8(f, RBR);
    assert_int_equal(f->irq_level, 0);

    /* Line status: raised by an overrun, lowered by reading LSR. */
    out8(f, IER, 0x04);
    out8(f, MCR, 0x18); /* loopback, OUT2 */
    out8(f, THR, '1');
    assert_int_equal(f->irq_level, 0); /* ELSI only: no OE yet */
    out8(f, THR, '2');
    assert_int_equal(f->irq_level, 1);
    in8(f, LSR);
    assert_int_equal(f->irq_level, 0);
    /* Only level changes are reported. */
    int c2 = f->irq_calls;
    in8(f, LSR);
    in8(f, IIR);
    assert_int_equal(f->irq_calls, c2);
}

static void test_loopback(void **state)
{
    struct fixture *f = *state;
    char buf[8];
    /* The Linux 8250 probe: MCR = LOOP | OUT2 | RTS gives MSR = DCD | CTS. */
    out8(f, MCR, 0x1A);
    assert_int_equal(in8(f, MSR) & 0xF0, 0x90);
    out8(f, MCR, 0x1F);
    assert_int_equal(in8(f, MSR) & 0xF0, 0xF0);
    out8(f, MCR, 0x10);
    assert_int_equal(in8(f, MSR) & 0xF0, 0x00);

    /* Transmitted bytes come back, nothing reaches out_fd. */
    out8(f, THR, 'L');
    assert_int_equal(in8(f, LSR), 0x61);
    assert_int_equal(in8(f, RBR), 'L');
    assert_int_equal(tx_read(f, buf, sizeof(buf)), 0);
    assert_int_equal(dev_uart_stats(f->uart)->tx_bytes, 1);

    /* External input is held off during loopback. */
    assert_int_equal(recv_str(f, "e"), 0);
    assert_int_equal(in8(f, LSR) & 0x01, 0);

    /* Back to normal: lines asserted, input and output flow again. */
    out8(f, MCR, 0x03);
    assert_int_equal(in8(f, MSR) & 0xF0, 0xB0);
    assert_int_equal(recv_str(f, "e"), 1);
    assert_int_equal(in8(f, RBR), 'e');
    out8(f, THR, 'T');
    assert_int_equal(tx_read(f, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 'T');
}

static void test_msr_deltas(void **state)
{
    struct fixture *f = *state;
    out8(f, MCR, 0x10);                  /* lines drop */
    assert_int_equal(in8(f, MSR), 0x0B); /* DDCD DDSR DCTS */
    assert_int_equal(in8(f, MSR), 0x00); /* cleared by the read */
    out8(f, MCR, 0x14);                  /* OUT1 -> RI */
    assert_int_equal(in8(f, MSR), 0x40); /* rising RI: no delta */
    out8(f, MCR, 0x10);
    assert_int_equal(in8(f, MSR), 0x04); /* trailing edge: TERI */
    out8(f, MCR, 0x11);                  /* DTR -> DSR */
    assert_int_equal(in8(f, MSR), 0x22);
    out8(f, MCR, 0x19); /* OUT2 -> DCD */
    assert_int_equal(in8(f, MSR), 0xA8);

    /* Modem status interrupt (lowest priority), cleared by reading MSR. */
    out8(f, IER, 0x08);
    assert_int_equal(in8(f, IIR), 0x01);
    out8(f, MCR, 0x1B); /* + RTS -> CTS */
    assert_int_equal(in8(f, IIR), 0x00);
    assert_int_equal(f->irq_level, 1); /* OUT2 set */
    assert_int_equal(in8(f, MSR), 0xB1);
    assert_int_equal(in8(f, IIR), 0x01);
    assert_int_equal(f->irq_level, 0);
}

/* Room notification used by the console for flow control. */
static int notified;
static void count_notify(void *opaque)
{
    (void)opaque;
    notified++;
}

static void test_rx_notify(void **state)
{
    struct fixture *f = *state;
    notified = 0;
    dev_uart_set_rx_notify(f->uart, count_notify, NULL);
    out8(f, FCR, 0x01);
    assert_int_equal(recv_str(f, "0123456789abcdef"), 16);
    in8(f, RBR);
    assert_int_equal(notified, 0); /* nobody was refused */
    assert_int_equal(recv_str(f, "XY"), 1);
    in8(f, LSR);
    assert_int_equal(notified, 0);
    in8(f, RBR);
    assert_int_equal(notified, 1);
    in8(f, RBR);
    assert_int_equal(notified, 1); /* once per refusal */
    assert_int_equal(recv_str(f, "YZ0123456789abcdef"), 2);
    out8(f, FCR, 0x03); /* FIFO reset: room */
    assert_int_equal(notified, 2);
    /* Loopback refuses input; leaving loopback notifies. */
    out8(f, MCR, 0x10);
    assert_int_equal(recv_str(f, "Z"), 0);
    assert_int_equal(notified, 2);
    out8(f, MCR, 0x00);
    assert_int_equal(notified, 3);
    dev_uart_set_rx_notify(f->uart, NULL, NULL);
    assert_int_equal(recv_str(f, "0123456789abcdefg"), 16);
    in8(f, RBR);
    assert_int_equal(notified, 3);
}

/* A producer thread feeding a long stream through the FIFO while the
 * "guest" polls it: nothing lost, nothing reordered. */
#define STREAM_LEN 20000
static void *producer(void *arg)
{
    struct fixture *f = arg;
    uint8_t buf[97];
    size_t sent = 0;
    while (sent < STREAM_LEN) {
        size_t len = STREAM_LEN - sent < sizeof(buf) ? STREAM_LEN - sent : sizeof(buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)((sent + i) * 7);
        size_t n = dev_uart_receive(f->uart, buf, len);
        sent += n;
        if (n < len)
            sched_yield();
    }
    return NULL;
}

static void test_threaded_receive(void **state)
{
    struct fixture *f = *state;
    pthread_t t;
    out8(f, FCR, 0x01);
    out8(f, IER, 0x01);
    out8(f, MCR, 0x08);
    assert_int_equal(pthread_create(&t, NULL, producer, f), 0);
    size_t got = 0;
    while (got < STREAM_LEN) {
        if (in8(f, LSR) & 0x01) {
            assert_int_equal(in8(f, RBR), (uint8_t)(got * 7));
            got++;
        } else {
            sched_yield();
        }
    }
    pthread_join(t, NULL);
    assert_int_equal(in8(f, LSR) & 0x01, 0);
    assert_int_equal(f->irq_level, 0);
    assert_int_equal(dev_uart_stats(f->uart)->rx_bytes, STREAM_LEN);
    assert_int_equal(dev_uart_stats(f->uart)->rx_overruns, 0);
}

static void test_no_bus_no_irq(void **state)
{
    (void)state;
    /* Tolerates a NULL bus, an unconnected irq line and out_fd < 0. */
    struct irq_line none = { 0 };
    struct dev_uart *u = dev_uart_create(NULL, BASE, none, (struct event_line){ 0 }, -1);
    assert_non_null(u);
    assert_int_equal(dev_uart_receive(u, (const uint8_t *)"a", 1), 1);
    assert_int_equal(dev_uart_receive(u, NULL, 1), 0);
    assert_int_equal(dev_uart_receive(NULL, (const uint8_t *)"a", 1), 0);
    dev_uart_destroy(u);
    dev_uart_destroy(NULL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_reset_state),      T(test_dlab),
        T(test_register_masks),   T(test_transmit),
        T(test_receive_fifo),     T(test_overrun_loopback),
        T(test_iir_priorities),   T(test_rx_trigger_level),
        T(test_irq_line),         T(test_loopback),
        T(test_msr_deltas),       T(test_rx_notify),
        T(test_threaded_receive), cmocka_unit_test(test_no_bus_no_irq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
