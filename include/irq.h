/*
 * irq.h - an interrupt request line from a device to an interrupt
 * controller.  A device holds a struct irq_line and calls irq_set(); whoever
 * wires the machine decides where the line goes (nowhere until the PIC
 * exists: a line with fn == NULL is unconnected).
 */
#ifndef XBT_IRQ_H
#define XBT_IRQ_H

struct irq_line {
    void (*fn)(void *opaque, int line, int level);
    void *opaque;
    int line;
};

static inline void irq_set(const struct irq_line *irq, int level)
{
    if (irq && irq->fn)
        irq->fn(irq->opaque, irq->line, level);
}

#endif
