/*
 * test_pic.c - unit tests of the 8259A master/slave pair through the I/O
 * bus: power-on state, the ICW1-ICW4 sequence and vectors, masking, fixed
 * and rotating priorities, EOI and specific EOI, cascade through the slave,
 * spurious IRQ7 and IRQ15, IRR/ISR reads and poll via OCW3, auto-EOI, edge
 * latching, special mask mode, the PIIX3 ELCR, the irq_line helper, and
 * pending/ack racing
 * with set_irq from other threads.  The PIC is created with m == NULL.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"

#define M_CMD 0x20
#define M_DATA 0x21
#define S_CMD 0xA0
#define S_DATA 0xA1
#define OCW3_READ_IRR 0x0A
#define OCW3_READ_ISR 0x0B
#define OCW3_POLL 0x0C
#define EOI 0x20
#define SPECIFIC_EOI(n) (0x60 | (n))
#define MBASE 0x20
#define SBASE 0x28

struct fixture {
    struct io_bus *bus;
    struct dev_pic *pic;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->bus = bus_create();
    f->pic = dev_pic_create(f->bus, (struct event_line){ 0 });
    if (!f->bus || !f->pic)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_pic_destroy(f->pic);
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

/* The Linux/BIOS initialization: bases MBASE/SBASE, cascade on IR2, 8086
 * mode, icw4 extra bits (e.g. 0x02 auto-EOI), all unmasked. */
static void pic_init(struct fixture *f, uint8_t icw4)
{
    out8(f, M_CMD, 0x11);         /* ICW1: edge, cascade, ICW4 */
    out8(f, M_DATA, MBASE);       /* ICW2 */
    out8(f, M_DATA, 0x04);        /* ICW3: slave on IR2 */
    out8(f, M_DATA, 0x01 | icw4); /* ICW4: 8086 mode */
    out8(f, S_CMD, 0x11);
    out8(f, S_DATA, SBASE);
    out8(f, S_DATA, 0x02); /* ICW3: slave id 2 */
    out8(f, S_DATA, 0x01 | icw4);
    out8(f, M_DATA, 0x00);
    out8(f, S_DATA, 0x00);
}

static void edge(struct fixture *f, int irq)
{
    dev_pic_set_irq(f->pic, irq, 1);
    dev_pic_set_irq(f->pic, irq, 0);
}

static uint8_t read_isr(struct fixture *f, uint16_t cmd)
{
    out8(f, cmd, OCW3_READ_ISR);
    uint8_t v = in8(f, cmd);
    out8(f, cmd, OCW3_READ_IRR);
    return v;
}

static void test_power_on(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, M_DATA), 0xFB); /* only the cascade open */
    assert_int_equal(in8(f, S_DATA), 0xFF);
    assert_int_equal(in8(f, M_CMD), 0x00); /* IRR */
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    assert_false(dev_pic_pending(f->pic));
    /* A masked request is latched in IRR but not pending. */
    edge(f, 0);
    assert_int_equal(in8(f, M_CMD), 0x01);
    assert_false(dev_pic_pending(f->pic));
    /* Unmasked, it is delivered at the BIOS vector base 0x08. */
    out8(f, M_DATA, 0xFA);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), 0x08);
    assert_false(dev_pic_pending(f->pic));
    out8(f, M_CMD, EOI);
    /* The slave's base is 0x70 (IRQ8 -> 0x70). */
    out8(f, S_DATA, 0xFE);
    edge(f, 8);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), 0x70);
    /* The pair's four ports and nothing around them. */
    assert_int_equal(bus_port_read(f->bus, 0x22, 1), 0xFF);
    assert_int_equal(bus_port_read(f->bus, 0x1F, 1), 0xFF);
    assert_int_equal(bus_port_read(f->bus, 0xA2, 1), 0xFF);
    assert_null(dev_pic_create(f->bus, (struct event_line){ 0 })); /* ports taken */
}

static void test_init_vectors(void **state)
{
    struct fixture *f = *state;
    /* Leftover state that ICW1 must clear. */
    out8(f, M_DATA, 0x00);
    edge(f, 3);
    assert_int_equal(dev_pic_ack(f->pic), 0x08 + 3);
    edge(f, 5);
    pic_init(f, 0);
    assert_int_equal(in8(f, M_CMD), 0x00);      /* IRR cleared */
    assert_int_equal(read_isr(f, M_CMD), 0x00); /* ISR cleared */
    assert_int_equal(in8(f, M_DATA), 0x00);
    assert_false(dev_pic_pending(f->pic));

    for (int irq = 0; irq < 16; irq++) {
        if (irq == 2)
            continue;
        edge(f, irq);
        assert_true(dev_pic_pending(f->pic));
        int v = dev_pic_ack(f->pic);
        assert_int_equal(v, irq < 8 ? MBASE + irq : SBASE + irq - 8);
        if (irq >= 8)
            out8(f, S_CMD, EOI);
        out8(f, M_CMD, EOI);
        assert_int_equal(read_isr(f, M_CMD), 0);
        assert_int_equal(read_isr(f, S_CMD), 0);
    }
    /* ICW2's low three bits are ignored. */
    out8(f, M_CMD, 0x11);
    out8(f, M_DATA, 0x47);
    out8(f, M_DATA, 0x04);
    out8(f, M_DATA, 0x01);
    edge(f, 1);
    assert_int_equal(dev_pic_ack(f->pic), 0x41);
    out8(f, M_CMD, EOI);
    /* Single mode without ICW4: ICW1, ICW2, then the port is OCW1. */
    out8(f, M_CMD, 0x12);
    out8(f, M_DATA, 0x50);
    out8(f, M_DATA, 0xF7); /* OCW1, not ICW3 */
    assert_int_equal(in8(f, M_DATA), 0xF7);
    edge(f, 3);
    assert_int_equal(dev_pic_ack(f->pic), 0x53);
}

static void test_masking(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    out8(f, M_DATA, 0x10); /* mask IRQ4 */
    assert_int_equal(in8(f, M_DATA), 0x10);
    edge(f, 4);
    assert_false(dev_pic_pending(f->pic));
    assert_int_equal(in8(f, M_CMD), 0x10); /* latched in IRR */
    out8(f, M_DATA, 0x00);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 4);
    out8(f, M_CMD, EOI);
    /* Masking the cascade input hides every slave line. */
    out8(f, M_DATA, 0x04);
    edge(f, 9);
    assert_false(dev_pic_pending(f->pic));
    out8(f, M_DATA, 0x00);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 1);
    out8(f, S_CMD, EOI);
    out8(f, M_CMD, EOI);
    /* Slave mask. */
    out8(f, S_DATA, 0x80);
    edge(f, 15);
    assert_false(dev_pic_pending(f->pic));
    assert_int_equal(in8(f, S_CMD), 0x80);
    assert_int_equal(in8(f, S_DATA), 0x80);
}

static void test_priority(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    edge(f, 7);
    edge(f, 5);
    edge(f, 3);
    edge(f, 10); /* via IR2: above 3 */
    edge(f, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 1);
    /* Lower priorities wait for the EOI. */
    assert_false(dev_pic_pending(f->pic));
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 2);
    assert_false(dev_pic_pending(f->pic));
    out8(f, S_CMD, EOI);
    assert_false(dev_pic_pending(f->pic)); /* master IR2 in service */
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    /* A higher priority request nests over the one in service. */
    edge(f, 0);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 0);
    assert_int_equal(read_isr(f, M_CMD), 0x09);
    out8(f, M_CMD, EOI); /* clears IR0 (highest) */
    assert_int_equal(read_isr(f, M_CMD), 0x08);
    assert_false(dev_pic_pending(f->pic));
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5);
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 7);
    out8(f, M_CMD, EOI);
    assert_false(dev_pic_pending(f->pic));
    assert_int_equal(in8(f, M_CMD), 0x00);
}

static void test_eoi(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    edge(f, 5);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5);
    edge(f, 3);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    edge(f, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 1);
    assert_int_equal(read_isr(f, M_CMD), 0x2A);
    /* Specific EOI of a lower level leaves the others. */
    out8(f, M_CMD, SPECIFIC_EOI(5));
    assert_int_equal(read_isr(f, M_CMD), 0x0A);
    /* Specific EOI of a level not in service: no effect. */
    out8(f, M_CMD, SPECIFIC_EOI(6));
    assert_int_equal(read_isr(f, M_CMD), 0x0A);
    /* Non-specific EOI clears the highest in service. */
    out8(f, M_CMD, EOI);
    assert_int_equal(read_isr(f, M_CMD), 0x08);
    out8(f, M_CMD, EOI);
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    out8(f, M_CMD, EOI); /* nothing in service */
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    /* OCW2 "no operation" (0x40) changes nothing. */
    edge(f, 4);
    dev_pic_ack(f->pic);
    out8(f, M_CMD, 0x40);
    assert_int_equal(read_isr(f, M_CMD), 0x10);
}

static void test_rotation(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    /* Rotate on non-specific EOI: the serviced level becomes lowest. */
    edge(f, 3);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    out8(f, M_CMD, 0xA0);
    edge(f, 3);
    edge(f, 5);
    edge(f, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5); /* 4 is highest now */
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 1);
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    out8(f, M_CMD, EOI);
    /* Set priority: IR7 lowest restores the fixed order. */
    out8(f, M_CMD, 0xC7);
    edge(f, 6);
    edge(f, 0);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 0);
    out8(f, M_CMD, EOI);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 6);
    /* Rotate on specific EOI (0xE6): IR6 lowest, IR7 highest. */
    out8(f, M_CMD, 0xE6);
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    edge(f, 0);
    edge(f, 7);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 7);
}

static void test_cascade(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    edge(f, 12);
    assert_int_equal(in8(f, S_CMD), 0x10);
    assert_int_equal(in8(f, M_CMD), 0x04); /* slave INT on IR2 */
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 4);
    assert_int_equal(read_isr(f, M_CMD), 0x04);
    assert_int_equal(read_isr(f, S_CMD), 0x10);
    assert_int_equal(in8(f, S_CMD), 0x00);
    assert_int_equal(in8(f, M_CMD), 0x00);
    /* A higher slave level nests on the slave but not through the master
     * while IR2 is in service (fully nested mode). */
    edge(f, 9);
    assert_int_equal(in8(f, S_CMD), 0x02);
    assert_false(dev_pic_pending(f->pic));
    /* A master level above IR2 still gets through. */
    edge(f, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 1);
    out8(f, M_CMD, EOI); /* IR1 */
    out8(f, S_CMD, EOI); /* slave IR4 */
    assert_false(dev_pic_pending(f->pic));
    out8(f, M_CMD, EOI); /* IR2 */
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 1);
    out8(f, S_CMD, EOI);
    out8(f, M_CMD, EOI);
    assert_int_equal(read_isr(f, M_CMD), 0);
    assert_int_equal(read_isr(f, S_CMD), 0);

    /* Special fully nested mode: the slave's higher level does nest. */
    pic_init(f, 0x10);
    edge(f, 12);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 4);
    edge(f, 9);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 1);
    assert_int_equal(read_isr(f, S_CMD), 0x12);
}

static void test_spurious(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    /* IRQ7 case: the request is masked between INT and INTA. */
    edge(f, 3);
    assert_true(dev_pic_pending(f->pic));
    out8(f, M_DATA, 0x08);
    assert_false(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 7);
    assert_int_equal(read_isr(f, M_CMD), 0x00); /* nothing in service */
    out8(f, M_DATA, 0x00);                      /* still latched */
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    out8(f, M_CMD, EOI);
    /* Ack with nothing at all pending: also IRQ7. */
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 7);
    assert_int_equal(read_isr(f, M_CMD), 0x00);

    /* IRQ15 case: the slave's request vanishes; the master has latched
     * IR2, puts it in service, and the slave answers its IR7. */
    edge(f, 10);
    assert_true(dev_pic_pending(f->pic));
    out8(f, S_DATA, 0x04);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 7);
    assert_int_equal(read_isr(f, M_CMD), 0x04);
    assert_int_equal(read_isr(f, S_CMD), 0x00);
    out8(f, M_CMD, EOI);
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    assert_false(dev_pic_pending(f->pic));
    out8(f, S_DATA, 0x00);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 2);
    out8(f, S_CMD, EOI);
    out8(f, M_CMD, EOI);

    /* Level-triggered mode (ICW1.LTIM): the line falling before INTA. */
    out8(f, M_CMD, 0x19);
    out8(f, M_DATA, MBASE);
    out8(f, M_DATA, 0x04);
    out8(f, M_DATA, 0x01);
    dev_pic_set_irq(f->pic, 6, 1);
    assert_true(dev_pic_pending(f->pic));
    dev_pic_set_irq(f->pic, 6, 0);
    assert_false(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 7);
    /* A held level requests again after its EOI. */
    dev_pic_set_irq(f->pic, 6, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 6);
    out8(f, M_CMD, EOI);
    assert_true(dev_pic_pending(f->pic));
}

static void test_ocw3_reads(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    edge(f, 6);
    edge(f, 4);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 4);
    /* Default after ICW1: IRR. */
    assert_int_equal(in8(f, M_CMD), 0x40);
    out8(f, M_CMD, OCW3_READ_ISR);
    assert_int_equal(in8(f, M_CMD), 0x10);
    assert_int_equal(in8(f, M_CMD), 0x10); /* selection sticks */
    out8(f, M_CMD, 0x08);                  /* OCW3 with RR = 0 */
    assert_int_equal(in8(f, M_CMD), 0x10);
    out8(f, M_CMD, OCW3_READ_IRR);
    assert_int_equal(in8(f, M_CMD), 0x40);
    /* The odd port always reads IMR. */
    out8(f, M_DATA, 0xA5);
    assert_int_equal(in8(f, M_DATA), 0xA5);
    out8(f, M_DATA, 0x00);
    /* A 16-bit read is IRR then IMR. */
    assert_int_equal(bus_port_read(f->bus, M_CMD, 2), 0x0040);

    /* Poll: the next read returns 0x80 | level and acknowledges it. */
    out8(f, M_CMD, EOI);
    out8(f, M_CMD, OCW3_POLL);
    assert_int_equal(in8(f, M_CMD), 0x86);
    assert_int_equal(read_isr(f, M_CMD), 0x40);
    out8(f, M_CMD, EOI);
    out8(f, M_CMD, OCW3_POLL);
    assert_int_equal(in8(f, M_CMD), 0x00); /* nothing */
    assert_int_equal(in8(f, M_CMD), 0x00); /* back to IRR */
    /* Poll on the slave. */
    edge(f, 13);
    out8(f, S_CMD, OCW3_POLL);
    assert_int_equal(in8(f, S_CMD), 0x85);
    assert_int_equal(read_isr(f, S_CMD), 0x20);
}

static void test_auto_eoi(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0x02);
    edge(f, 2 + 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    assert_int_equal(read_isr(f, M_CMD), 0x00); /* no EOI needed */
    edge(f, 7);
    assert_true(dev_pic_pending(f->pic)); /* not blocked by IR3 */
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 7);
    edge(f, 11);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 3);
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    assert_int_equal(read_isr(f, S_CMD), 0x00);
    /* Two slave requests at once: the slave's INT stays high after the
     * first INTA, and the second is not lost. */
    edge(f, 12);
    edge(f, 9);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 1);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 4);
    assert_false(dev_pic_pending(f->pic));
    /* Rotate in auto-EOI mode (OCW2 0x80): the serviced level goes last. */
    out8(f, M_CMD, 0x80);
    edge(f, 4);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 4);
    edge(f, 4);
    edge(f, 6);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 6);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 4);
    out8(f, M_CMD, 0x00); /* clear rotate-in-AEOI */
}

static void test_edge_latch(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    struct irq_line line = dev_pic_irq_line(f->pic, 5);
    irq_set(&line, 1);
    irq_set(&line, 1); /* still high: one request */
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5);
    out8(f, M_CMD, EOI);
    assert_false(dev_pic_pending(f->pic)); /* level held: no new edge */
    irq_set(&line, 0);
    assert_false(dev_pic_pending(f->pic));
    irq_set(&line, 1);
    assert_true(dev_pic_pending(f->pic));
    /* The request stays latched after the line falls again. */
    irq_set(&line, 0);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5);
    out8(f, M_CMD, EOI);
    /* Out-of-range lines are ignored. */
    dev_pic_set_irq(f->pic, 16, 1);
    dev_pic_set_irq(f->pic, -1, 1);
    assert_false(dev_pic_pending(f->pic));
    dev_pic_set_irq(NULL, 1, 1);
    assert_false(dev_pic_pending(NULL));
    assert_true(dev_pic_ack(NULL) < 0);
}

/* The PIIX3 ELCR at 0x4D0/0x4D1: masks, per-line level triggering. */
static void test_elcr(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, 0x4D0), 0);
    assert_int_equal(in8(f, 0x4D1), 0);
    out8(f, 0x4D0, 0xFF); /* IRQ0-2 cannot be level-triggered */
    out8(f, 0x4D1, 0xFF); /* nor IRQ8 and IRQ13 */
    assert_int_equal(in8(f, 0x4D0), 0xF8);
    assert_int_equal(in8(f, 0x4D1), 0xDE);
    assert_int_equal(dev_pic_elcr(f->pic), 0xDEF8);
    assert_int_equal(bus_port_read(f->bus, 0x4D0, 2), 0xDEF8);
    dev_pic_set_elcr(f->pic, 0x0C20); /* IRQ5, 10, 11 level */
    assert_int_equal(dev_pic_elcr(f->pic), 0x0C20);
    pic_init(f, 0); /* ICW1 leaves ELCR alone */
    assert_int_equal(dev_pic_elcr(f->pic), 0x0C20);

    /* IRQ5 level: requests again after EOI while held high */
    struct irq_line l5 = dev_pic_irq_line(f->pic, 5);
    irq_set(&l5, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5);
    out8(f, M_CMD, EOI);
    assert_true(dev_pic_pending(f->pic));
    irq_set(&l5, 0); /* gone when the line falls: nothing latched */
    assert_false(dev_pic_pending(f->pic));
    /* IRQ6 stays edge: held high, one request only */
    struct irq_line l6 = dev_pic_irq_line(f->pic, 6);
    irq_set(&l6, 1);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 6);
    out8(f, M_CMD, EOI);
    assert_false(dev_pic_pending(f->pic));
    /* making a held line level-triggered requests at once */
    out8(f, 0x4D0, 0x60);
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 6);
    out8(f, M_CMD, EOI);
    irq_set(&l6, 0);
    /* the slave: IRQ10 level through the cascade */
    struct irq_line l10 = dev_pic_irq_line(f->pic, 10);
    irq_set(&l10, 1);
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 2);
    out8(f, S_CMD, EOI);
    out8(f, M_CMD, EOI);
    assert_true(dev_pic_pending(f->pic)); /* still high: it requests again */
    assert_int_equal(dev_pic_ack(f->pic), SBASE + 2);
    irq_set(&l10, 0); /* dropped while in service: nothing left after EOI */
    out8(f, S_CMD, EOI);
    out8(f, M_CMD, EOI);
    assert_false(dev_pic_pending(f->pic));
}

static void test_special_mask(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    edge(f, 3);
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 3);
    edge(f, 5);
    assert_false(dev_pic_pending(f->pic));
    out8(f, M_CMD, 0x68);  /* set special mask mode */
    out8(f, M_DATA, 0x08); /* mask the level in service */
    assert_true(dev_pic_pending(f->pic));
    assert_int_equal(dev_pic_ack(f->pic), MBASE + 5);
    out8(f, M_CMD, SPECIFIC_EOI(5));
    out8(f, M_CMD, 0x48); /* reset special mask mode */
    out8(f, M_DATA, 0x00);
    edge(f, 6);
    assert_false(dev_pic_pending(f->pic)); /* IR3 blocks again */
}

/* ---- concurrency ----------------------------------------------------------- */

#define RACE_EDGES 20000

struct race {
    struct dev_pic *pic;
    int irq;
    atomic_int *done;
};

static void *race_raiser(void *opaque)
{
    struct race *r = opaque;
    for (int i = 0; i < RACE_EDGES; i++) {
        dev_pic_set_irq(r->pic, r->irq, 1);
        if (i % 64 == 0)
            sched_yield();
        dev_pic_set_irq(r->pic, r->irq, 0);
    }
    atomic_fetch_add(r->done, 1);
    return NULL;
}

static void test_race(void **state)
{
    struct fixture *f = *state;
    pic_init(f, 0);
    atomic_int done = 0;
    struct race a = { f->pic, 4, &done }, b = { f->pic, 12, &done };
    pthread_t ta, unit;
    assert_int_equal(pthread_create(&ta, NULL, race_raiser, &a), 0);
    assert_int_equal(pthread_create(&unit, NULL, race_raiser, &b), 0);
    long got4 = 0, got12 = 0, spurious = 0;
    /* The vCPU side: take interrupts while the "devices" raise them. */
    for (;;) {
        bool finished = atomic_load(&done) == 2;
        if (dev_pic_pending(f->pic)) {
            int v = dev_pic_ack(f->pic);
            if (v == MBASE + 4) {
                got4++;
                out8(f, M_CMD, EOI);
            } else if (v == SBASE + 4) {
                got12++;
                out8(f, S_CMD, EOI);
                out8(f, M_CMD, EOI);
            } else {
                assert_true(v == MBASE + 7 || v == SBASE + 7);
                spurious++;
            }
        } else if (finished) {
            break;
        }
    }
    pthread_join(ta, NULL);
    pthread_join(unit, NULL);
    /* Everything latched has been delivered; nothing is left behind. */
    assert_false(dev_pic_pending(f->pic));
    assert_int_equal(in8(f, M_CMD), 0x00);
    assert_int_equal(in8(f, S_CMD), 0x00);
    assert_int_equal(read_isr(f, M_CMD), 0x00);
    assert_int_equal(read_isr(f, S_CMD), 0x00);
    assert_true(got4 >= 1 && got4 <= RACE_EDGES);
    assert_true(got12 >= 1 && got12 <= RACE_EDGES);
    /* Edges are only lost by coalescing, never by masking: no spurious. */
    assert_int_equal(spurious, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ocw3_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elcr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_race, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
