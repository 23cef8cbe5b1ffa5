/*
 * pc_common.h - small helpers for the PC platform test kernels, the disk
 * tests and the idle bench workload: PIC remapping and EOI, PIT and RTC
 * programming.
 */
#ifndef XBT_GUEST_PC_COMMON_H
#define XBT_GUEST_PC_COMMON_H

#include "desc.h"
#include "io.h"
#include "rt.h"

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE 0x28

/* ICW1-ICW4: edge triggered, cascade on IR2, 8086 mode; then the masks. */
static inline void pic_remap(uint8_t master_mask, uint8_t slave_mask)
{
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, PIC_MASTER_BASE);
    outb(0xA1, PIC_SLAVE_BASE);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, master_mask);
    outb(0xA1, slave_mask);
}

static inline void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}

/* Channel 0, mode 2 (rate generator), lobyte/hibyte. */
static inline void pit_periodic(uint16_t divisor)
{
    outb(0x43, 0x34);
    outb(0x40, divisor & 0xFF);
    outb(0x40, divisor >> 8);
}

static inline uint16_t pit_read0(void)
{
    outb(0x43, 0x00);   /* latch channel 0 */
    uint8_t lo = inb(0x40);
    uint8_t hi = inb(0x40);
    return (uint16_t)(lo | hi << 8);
}

/* Milliseconds by polling channel 0 in mode 2 at 1 kHz (pit_periodic(1193)):
 * each reload (the count going up) is one. */
static inline void pit_wait_ms(unsigned ms)
{
    uint16_t last = pit_read0();
    while (ms) {
        uint16_t now = pit_read0();
        if (now > last)
            ms--;
        last = now;
    }
}

static inline uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static inline void cmos_write(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

#endif
