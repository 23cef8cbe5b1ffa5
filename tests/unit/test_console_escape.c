/*
 * test_console_escape.c - unit tests of the console's Ctrl-A escape state
 * machine, plus the console reader thread end to end with a pipe as input
 * (not a terminal, so no termios changes) feeding a UART (m == NULL).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"
#include "devices/console_escape.h"

/* Runs a byte string through a fresh state machine; returns the guest bytes
 * and counts the actions. */
struct esc_run {
    uint8_t out[64];
    size_t nout;
    int quits, helps;
};

static struct esc_run run_escape(const char *in, size_t len)
{
    struct esc_run r = { .nout = 0 };
    struct con_escape e;
    con_escape_init(&e);
    for (size_t i = 0; i < len; i++) {
        struct con_esc_out o = con_escape_feed(&e, (uint8_t)in[i]);
        assert_true(o.n <= 2);
        for (unsigned j = 0; j < o.n; j++)
            r.out[r.nout++] = o.bytes[j];
        r.quits += o.action == CON_ESC_QUIT;
        r.helps += o.action == CON_ESC_HELP;
    }
    return r;
}

#define RUN(s) run_escape((s), sizeof(s) - 1)

static void test_plain_bytes(void **state)
{
    (void)state;
    struct esc_run r = RUN("hello\r\n\x03\x00\xff");
    assert_int_equal(r.nout, 10);
    assert_memory_equal(r.out, "hello\r\n\x03\x00\xff", 10);
    assert_int_equal(r.quits + r.helps, 0);
}

static void test_quit(void **state)
{
    (void)state;
    struct esc_run r = RUN("ab\x01x");
    assert_int_equal(r.nout, 2);
    assert_memory_equal(r.out, "ab", 2);
    assert_int_equal(r.quits, 1);
    r = RUN("\x01X");
    assert_int_equal(r.nout, 0);
    assert_int_equal(r.quits, 1);
    /* 'x' alone is just a byte. */
    r = RUN("x");
    assert_int_equal(r.nout, 1);
    assert_int_equal(r.quits, 0);
}

static void test_help(void **state)
{
    (void)state;
    struct esc_run r = RUN("\x01h\x01H\x01?z");
    assert_int_equal(r.helps, 3);
    assert_int_equal(r.nout, 1);
    assert_int_equal(r.out[0], 'z');
}

static void test_double_ctrl_a(void **state)
{
    (void)state;
    struct esc_run r = RUN("\x01\x01");
    assert_int_equal(r.nout, 1);
    assert_int_equal(r.out[0], 0x01);
    /* The sent Ctrl-A does not arm a new escape. */
    r = RUN("\x01\x01x");
    assert_int_equal(r.nout, 2);
    assert_memory_equal(r.out, "\x01x", 2);
    assert_int_equal(r.quits, 0);
    /* Three: one sent, the third arms; then x quits. */
    r = RUN("\x01\x01\x01x");
    assert_int_equal(r.nout, 1);
    assert_int_equal(r.quits, 1);
}

static void test_other_after_ctrl_a(void **state)
{
    (void)state;
    struct esc_run r = RUN("\x01"
                           "a\x01\r\x01\x02");
    assert_int_equal(r.nout, 6);
    assert_memory_equal(r.out,
                        "\x01"
                        "a\x01\r\x01\x02",
                        6);
    assert_int_equal(r.quits + r.helps, 0);
}

static void test_pending_ctrl_a(void **state)
{
    (void)state;
    struct con_escape e;
    con_escape_init(&e);
    /* A Ctrl-A is held back until the next byte arrives. */
    struct con_esc_out o = con_escape_feed(&e, 0x01);
    assert_int_equal(o.n, 0);
    assert_int_equal(o.action, CON_ESC_NONE);
    assert_true(e.armed);
    o = con_escape_feed(&e, 'q');
    assert_int_equal(o.n, 2);
    assert_int_equal(o.bytes[0], 0x01);
    assert_int_equal(o.bytes[1], 'q');
    assert_false(e.armed);
    /* After a quit the machine is back in the plain state. */
    con_escape_feed(&e, 0x01);
    o = con_escape_feed(&e, 'x');
    assert_int_equal(o.action, CON_ESC_QUIT);
    o = con_escape_feed(&e, 'x');
    assert_int_equal(o.n, 1);
    assert_int_equal(o.action, CON_ESC_NONE);
}

/* ---- console thread with a pipe --------------------------------------- */

#define BASE 0x3F8

struct cfix {
    struct io_bus *bus;
    struct dev_uart *uart;
    int in[2];
};

static int csetup(void **state)
{
    struct cfix *f = calloc(1, sizeof(*f));
    if (!f || pipe(f->in) != 0)
        return -1;
    f->bus = bus_create();
    struct irq_line none = { 0 };
    f->uart = dev_uart_create(f->bus, BASE, none, (struct event_line){ 0 }, -1);
    if (!f->bus || !f->uart)
        return -1;
    bus_port_write(f->bus, BASE + 2, 1, 0x01); /* FIFO on */
    *state = f;
    return 0;
}

static int cteardown(void **state)
{
    struct cfix *f = *state;
    dev_uart_destroy(f->uart);
    bus_destroy(f->bus);
    if (f->in[0] >= 0)
        close(f->in[0]);
    if (f->in[1] >= 0)
        close(f->in[1]);
    free(f);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads n bytes from the UART like a polling guest (5 s timeout). */
static size_t guest_read(struct cfix *f, uint8_t *buf, size_t n)
{
    size_t got = 0;
    double end = now() + 5.0;
    while (got < n && now() < end) {
        if (bus_port_read(f->bus, BASE + 5, 1) & 0x01)
            buf[got++] = (uint8_t)bus_port_read(f->bus, BASE, 1);
        else
            usleep(100);
    }
    return got;
}

static void test_console_pipe(void **state)
{
    struct cfix *f = *state;
    struct console *c = console_start(f->in[0], f->uart, (struct stop_line){ 0 });
    assert_non_null(c);
    uint8_t buf[64];
    const char in[] = "ls\r\x01\x01"
                      "a\x01"
                      "b";
    assert_int_equal(write(f->in[1], in, sizeof(in) - 1), sizeof(in) - 1);
    assert_int_equal(guest_read(f, buf, 7), 7);
    assert_memory_equal(buf,
                        "ls\r\x01"
                        "a\x01"
                        "b",
                        7);
    console_stop(c);
}

static void test_console_flow_control(void **state)
{
    struct cfix *f = *state;
    /* Much more than the FIFO and the console's own buffer: nothing may be
     * lost while the guest drains slowly. */
    enum { N = 20000 };
    static uint8_t data[N], got[N];
    for (size_t i = 0; i < N; i++) {
        data[i] = (uint8_t)(i * 13 + 5);
        if (data[i] == 0x01)
            data[i] = 0x02; /* avoid escapes */
    }
    struct console *c = console_start(f->in[0], f->uart, (struct stop_line){ 0 });
    assert_non_null(c);
    /* The pipe holds only 64 KiB, so write from here in chunks while the
     * guest reads (the write end is blocking). */
    fcntl(f->in[1], F_SETFL, O_NONBLOCK);
    size_t sent = 0, rcvd = 0;
    double end = now() + 10.0;
    while (rcvd < N && now() < end) {
        if (sent < N) {
            ssize_t w = write(f->in[1], data + sent, N - sent);
            if (w > 0)
                sent += (size_t)w;
        }
        if (bus_port_read(f->bus, BASE + 5, 1) & 0x01)
            got[rcvd++] = (uint8_t)bus_port_read(f->bus, BASE, 1);
    }
    assert_int_equal(rcvd, N);
    assert_memory_equal(got, data, N);
    assert_int_equal(dev_uart_stats(f->uart)->rx_overruns, 0);
    console_stop(c);
}

static void test_console_eof_and_stop(void **state)
{
    struct cfix *f = *state;
    struct console *c = console_start(f->in[0], f->uart, (struct stop_line){ 0 });
    assert_non_null(c);
    assert_int_equal(write(f->in[1], "bye", 3), 3);
    close(f->in[1]);
    f->in[1] = -1;
    uint8_t buf[4];
    assert_int_equal(guest_read(f, buf, 3), 3);
    assert_memory_equal(buf, "bye", 3);
    double t0 = now();
    console_stop(c);
    assert_true(now() - t0 < 1.0);
}

static void test_console_stop_idle(void **state)
{
    struct cfix *f = *state;
    /* Stop while the thread is blocked waiting for input. */
    struct console *c = console_start(f->in[0], f->uart, (struct stop_line){ 0 });
    assert_non_null(c);
    usleep(20000);
    double t0 = now();
    console_stop(c);
    assert_true(now() - t0 < 1.0);
    console_stop(NULL);
}

static void test_console_quit_without_machine(void **state)
{
    struct cfix *f = *state;
    /* m == NULL: Ctrl-A x only prints; the bytes around it still flow. */
    struct console *c = console_start(f->in[0], f->uart, (struct stop_line){ 0 });
    assert_non_null(c);
    assert_int_equal(write(f->in[1], "a\x01xb", 4), 4);
    uint8_t buf[2];
    assert_int_equal(guest_read(f, buf, 2), 2);
    assert_memory_equal(buf, "ab", 2);
    console_stop(c);
}

static void test_console_full_fifo_stop(void **state)
{
    struct cfix *f = *state;
    /* The guest never reads: input waits in the console; stop still works. */
    struct console *c = console_start(f->in[0], f->uart, (struct stop_line){ 0 });
    assert_non_null(c);
    static char big[8192];
    memset(big, 'q', sizeof(big));
    assert_int_equal(write(f->in[1], big, sizeof(big)), sizeof(big));
    usleep(50000);
    double t0 = now();
    console_stop(c);
    assert_true(now() - t0 < 1.0);
    /* Stats are read once the console thread is gone. */
    assert_int_equal(dev_uart_stats(f->uart)->rx_bytes, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_bytes),
        cmocka_unit_test(test_quit),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_double_ctrl_a),
        cmocka_unit_test(test_other_after_ctrl_a),
        cmocka_unit_test(test_pending_ctrl_a),
        cmocka_unit_test_setup_teardown(test_console_pipe, csetup, cteardown),
        cmocka_unit_test_setup_teardown(test_console_flow_control, csetup, cteardown),
        cmocka_unit_test_setup_teardown(test_console_eof_and_stop, csetup, cteardown),
        cmocka_unit_test_setup_teardown(test_console_stop_idle, csetup, cteardown),
        cmocka_unit_test_setup_teardown(test_console_quit_without_machine, csetup, cteardown),
        cmocka_unit_test_setup_teardown(test_console_full_fifo_stop, csetup, cteardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
