/*
 * test_i8042.c - unit tests of the minimal i8042 keyboard controller and of
 * port 0x80 through the I/O bus: status bits, self-test and interface test,
 * the command byte and internal RAM, keyboard enable/disable, the output
 * port, the reset paths (0xFE, the other pulse commands, output-port bit 0)
 * counted on the reset line (lines.h) the test wires, data-port
 * behaviour with no keyboard attached, and the AUX port: interface test,
 * loopback, the PS/2 mouse's answers, IRQ12 and IRQ1 on the lines the test
 * wires, AUX data held while the port is disabled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"

#define DATA 0x60
#define CMD 0x64
#define STATUS 0x64
#define ST_OBF 0x01
#define ST_IBF 0x02
#define ST_SYS 0x04
#define ST_CMD 0x08
#define ST_UNLOCKED 0x10

static int reset_calls;
static void *reset_opaque;

static void on_reset(void *opaque)
{
    reset_calls++;
    reset_opaque = opaque;
}

/* The reset line's opaque: the device only passes it on. */
static int line_cookie;
static const struct event_line reset_line = { on_reset, &line_cookie };
static const struct event_line unconnected;

/* IRQ1 / IRQ12 as the test sees them. */
static int irq_level[16], irq_rises[16];

static void on_irq(void *opaque, int line, int level)
{
    (void)opaque;
    if (level && !irq_level[line])
        irq_rises[line]++;
    irq_level[line] = level;
}

struct fixture {
    struct io_bus *bus;
    struct dev_i8042 *kbc;
    struct dev_port80 *p80;
};

static int setup_with(void **state, struct event_line reset)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->bus = bus_create();
    f->kbc = dev_i8042_create(f->bus, reset, (struct irq_line){ on_irq, NULL, 1 },
                              (struct irq_line){ on_irq, NULL, 12 });
    memset(irq_level, 0, sizeof(irq_level));
    memset(irq_rises, 0, sizeof(irq_rises));
    f->p80 = dev_port80_create(f->bus);
    if (!f->bus || !f->kbc || !f->p80)
        return -1;
    reset_calls = 0;
    reset_opaque = NULL;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, reset_line);
}

static int setup_no_machine(void **state)
{
    return setup_with(state, unconnected);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_i8042_destroy(f->kbc);
    dev_port80_destroy(f->p80);
    bus_destroy(f->bus);
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

/* Sends a controller command and reads its one-byte response. */
static uint8_t command(struct fixture *f, uint8_t cmd)
{
    out8(f, CMD, cmd);
    assert_int_equal(in8(f, STATUS) & (ST_OBF | ST_IBF), ST_OBF);
    uint8_t v = in8(f, DATA);
    assert_int_equal(in8(f, STATUS) & ST_OBF, 0);
    return v;
}

static void test_status_and_self_test(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, STATUS), ST_SYS | ST_UNLOCKED);
    assert_int_equal(in8(f, DATA), 0x00);     /* nothing sent yet */
    assert_int_equal(command(f, 0xAA), 0x55); /* self-test passed */
    assert_int_equal(in8(f, STATUS) & ST_CMD, ST_CMD);
    assert_int_equal(command(f, 0xAB), 0x00); /* interface test passed */
    /* With the buffer empty, the data port returns the last byte again. */
    assert_int_equal(in8(f, DATA), 0x00);
    assert_int_equal(command(f, 0xAA), 0x55);
    assert_int_equal(in8(f, DATA), 0x55);
    assert_int_equal(in8(f, STATUS) & ST_OBF, 0);
    assert_int_equal(reset_calls, 0);
    /* Only 0x60 and 0x64 are claimed (0x61 belongs to the PIT). */
    assert_int_equal(bus_port_read(f->bus, 0x61, 1), 0xFF);
    assert_int_equal(bus_port_read(f->bus, 0x65, 1), 0xFF);
    assert_int_equal(bus_port_read(f->bus, STATUS, 2) & 0xFF00, 0xFF00);
}

static void test_command_byte(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(command(f, 0x20), 0x45); /* as a BIOS leaves it */
    out8(f, CMD, 0x60);
    assert_int_equal(in8(f, STATUS) & ST_CMD, ST_CMD);
    out8(f, DATA, 0x61);
    assert_int_equal(in8(f, STATUS) & ST_CMD, 0); /* last write: data */
    assert_int_equal(command(f, 0x20), 0x61);
    /* The system flag follows command byte bit 2. */
    out8(f, CMD, 0x60);
    out8(f, DATA, 0x00);
    assert_int_equal(in8(f, STATUS) & ST_SYS, 0);
    assert_int_equal(command(f, 0xAA), 0x55); /* self-test sets it */
    assert_int_equal(in8(f, STATUS) & ST_SYS, ST_SYS);
    assert_int_equal(command(f, 0x20), 0x04);
    /* Disable/enable keyboard and aux flip bits 4 and 5. */
    out8(f, CMD, 0xAD);
    assert_int_equal(command(f, 0x20), 0x14);
    out8(f, CMD, 0xA7);
    assert_int_equal(command(f, 0x20), 0x34);
    out8(f, CMD, 0xAE);
    out8(f, CMD, 0xA8);
    assert_int_equal(command(f, 0x20), 0x04);
    /* Other internal RAM bytes. */
    out8(f, CMD, 0x65);
    out8(f, DATA, 0xA5);
    assert_int_equal(command(f, 0x25), 0xA5);
    assert_int_equal(command(f, 0x20), 0x04);
    /* A data byte with no command pending goes to the (absent) keyboard:
     * no answer. */
    out8(f, DATA, 0xFF); /* keyboard reset command */
    assert_int_equal(in8(f, STATUS) & ST_OBF, 0);
    /* D2: a byte written to the keyboard output buffer reads back. */
    out8(f, CMD, 0xD2);
    out8(f, DATA, 0x1C);
    assert_int_equal(in8(f, STATUS) & ST_OBF, ST_OBF);
    assert_int_equal(in8(f, DATA), 0x1C);
    assert_int_equal(reset_calls, 0);
}

static void test_output_port(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(command(f, 0xD0), 0x03); /* reset high, A20 on */
    out8(f, CMD, 0xDD);
    assert_int_equal(command(f, 0xD0), 0x01);
    out8(f, CMD, 0xDF);
    assert_int_equal(command(f, 0xD0), 0x03);
    out8(f, CMD, 0xD1);
    out8(f, DATA, 0x01); /* A20 off, no reset */
    assert_int_equal(command(f, 0xD0), 0x01);
    assert_int_equal(reset_calls, 0);
    out8(f, CMD, 0xD1);
    out8(f, DATA, 0x02); /* bit 0 low: reset */
    assert_int_equal(reset_calls, 1);
    assert_ptr_equal(reset_opaque, &line_cookie);
}

static void test_reset_pulse(void **state)
{
    struct fixture *f = *state;
    out8(f, CMD, 0xFE);
    assert_int_equal(reset_calls, 1);
    assert_ptr_equal(reset_opaque, &line_cookie);
    out8(f, CMD, 0xFF); /* pulses nothing */
    out8(f, CMD, 0xFD); /* pulses bit 1 only */
    assert_int_equal(reset_calls, 1);
    out8(f, CMD, 0xF0); /* pulses bits 0-3 */
    out8(f, CMD, 0xFA);
    assert_int_equal(reset_calls, 3);
    /* A pulse command cancels a pending data command. */
    out8(f, CMD, 0x60);
    out8(f, CMD, 0xFF);
    out8(f, DATA, 0x00); /* keyboard byte, dropped */
    assert_int_equal(command(f, 0x20), 0x45);
}

static void test_no_machine(void **state)
{
    struct fixture *f = *state;
    out8(f, CMD, 0xFE);
    out8(f, CMD, 0xD1);
    out8(f, DATA, 0x00);
    assert_int_equal(reset_calls, 0); /* unconnected: nothing happens */
    assert_int_equal(command(f, 0xAA), 0x55);
}

static void test_port80(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, 0x80), 0x00);
    assert_int_equal(dev_port80_last(f->p80), 0x00);
    out8(f, 0x80, 0x42);
    assert_int_equal(in8(f, 0x80), 0x42);
    assert_int_equal(in8(f, 0x80), 0x42);
    assert_int_equal(dev_port80_last(f->p80), 0x42);
    bus_port_write(f->bus, 0x80, 2, 0x1234); /* the low byte is kept */
    assert_int_equal(dev_port80_last(f->p80), 0x34);
    assert_int_equal(bus_port_read(f->bus, 0x80, 2), 0xFF34);
    assert_int_equal(bus_port_read(f->bus, 0x81, 1), 0xFF);
    assert_null(dev_port80_create(f->bus)); /* port taken */
    assert_null(
        dev_i8042_create(f->bus, unconnected, (struct irq_line){ 0 }, (struct irq_line){ 0 }));
    assert_int_equal(reset_calls, 0);
}

#define ST_AUXB 0x20

/* Sends b to the mouse (0xD4) and reads n answer bytes into out. */
static void mouse(struct fixture *f, uint8_t b, uint8_t *out, int n)
{
    out8(f, CMD, 0xD4);
    out8(f, DATA, b);
    for (int i = 0; i < n; i++) {
        assert_int_equal(in8(f, STATUS) & (ST_OBF | ST_AUXB), ST_OBF | ST_AUXB);
        out[i] = in8(f, DATA);
    }
    assert_int_equal(in8(f, STATUS) & ST_OBF, 0);
}

static void test_aux_port(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(command(f, 0xA9), 0x00); /* interface test passed */
    assert_int_equal(irq_rises[1], 1);        /* controller data: IRQ1 */
    assert_int_equal(irq_level[1], 0);
    out8(f, CMD, 0xD3); /* loopback */
    out8(f, DATA, 0x5A);
    assert_int_equal(in8(f, STATUS) & (ST_OBF | ST_AUXB), ST_OBF | ST_AUXB);
    assert_int_equal(irq_rises[12], 0); /* AUX interrupt not enabled */
    assert_int_equal(in8(f, DATA), 0x5A);
    out8(f, CMD, 0x60);
    out8(f, DATA, 0x47); /* + AUX interrupt */
    out8(f, CMD, 0xD3);
    out8(f, DATA, 0xA5);
    assert_int_equal(irq_level[12], 1);
    assert_int_equal(irq_rises[1], 1);
    assert_int_equal(in8(f, DATA), 0xA5);
    assert_int_equal(irq_level[12], 0); /* lowered by the read */
    assert_int_equal(irq_rises[12], 1);
    assert_int_equal(command(f, 0x20), 0x47);
    assert_int_equal(irq_rises[1], 2);
    assert_int_equal(irq_level[1], 0);
    /* the loopback answers with the AUX port disabled too (Linux's
     * multiplexer probe runs so; as QEMU), without an interrupt */
    out8(f, CMD, 0x60);
    out8(f, DATA, 0x24); /* AUX disabled, no AUX interrupt */
    out8(f, CMD, 0xD3);
    out8(f, DATA, 0xF0);
    assert_int_equal(in8(f, STATUS) & (ST_OBF | ST_AUXB), ST_OBF | ST_AUXB);
    assert_int_equal(in8(f, DATA), 0xF0);
    assert_int_equal(irq_rises[12], 1);
}

static void test_mouse(void **state)
{
    struct fixture *f = *state;
    uint8_t b[5];
    mouse(f, 0xFF, b, 3); /* reset: ACK, self test, ID */
    assert_memory_equal(b, "\xFA\xAA\x00", 3);
    mouse(f, 0xF2, b, 2);
    assert_memory_equal(b, "\xFA\x00", 2);
    mouse(f, 0xE9, b, 4); /* status: defaults */
    assert_memory_equal(b, "\xFA\x00\x02\x64", 4);
    static const uint8_t knock[] = { 200, 100, 80 };
    for (int i = 0; i < 3; i++) {
        mouse(f, 0xF3, b, 1);
        assert_int_equal(b[0], 0xFA);
        mouse(f, knock[i], b, 1);
        assert_int_equal(b[0], 0xFA);
    }
    mouse(f, 0xF2, b, 2); /* now an IntelliMouse */
    assert_memory_equal(b, "\xFA\x03", 2);
    mouse(f, 0xF4, b, 1); /* enable reporting */
    mouse(f, 0xE9, b, 4);
    assert_int_equal(b[1], 0x20);
    mouse(f, 0xEB, b, 5);                              /* read data: no movement, */
    assert_memory_equal(b, "\xFA\x08\x00\x00\x00", 5); /* and a wheel byte */
    mouse(f, 0x42, b, 1);                              /* unknown: resend */
    assert_int_equal(b[0], 0xFE);
    mouse(f, 0xEE, b, 1); /* wrap mode echoes */
    mouse(f, 0x42, b, 1);
    assert_int_equal(b[0], 0x42);
    mouse(f, 0xEC, b, 1);
    assert_int_equal(b[0], 0xFA);
}

static void test_aux_disabled(void **state)
{
    struct fixture *f = *state;
    out8(f, CMD, 0xA7); /* AUX port off */
    out8(f, CMD, 0xD4);
    out8(f, DATA, 0xF2);
    assert_int_equal(in8(f, STATUS) & ST_OBF, 0); /* held back */
    out8(f, CMD, 0xA8);
    assert_int_equal(in8(f, STATUS) & (ST_OBF | ST_AUXB), ST_OBF | ST_AUXB);
    assert_int_equal(in8(f, DATA), 0xFA);
    assert_int_equal(in8(f, STATUS) & ST_OBF, ST_OBF);
    assert_int_equal(in8(f, DATA), 0x00); /* the ID followed */
    assert_int_equal(in8(f, STATUS) & ST_OBF, 0);
    assert_int_equal(in8(f, DATA), 0x00); /* empty: the last byte again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_and_self_test, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_pulse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_machine, setup_no_machine, teardown),
        cmocka_unit_test_setup_teardown(test_port80, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aux_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mouse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aux_disabled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
