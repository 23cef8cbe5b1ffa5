/*
 * lines.h - upward signals.  A lower layer (a device, the console) tells
 * whoever wired it that something happened without knowing who that is:
 * it holds a line and signals it; the wiring code (src/machine.c) fills
 * in fn and opaque.  A line with fn == NULL is unconnected and signalling
 * it does nothing (unit tests link a device alone that way).
 *   irq_line    an interrupt request input of an interrupt controller
 *   event_line  a request without data: wake the vCPU, reset the machine
 *   stop_line   end the run, with a reason and the process exit status
 *   level_line  a board signal with a level: the A20 gate outputs of the
 *               keyboard controller and of port 0x92
 *   intr_source the other way round: an interrupt controller's output
 *               that the CPU polls and acknowledges (the INTR pin)
 * Lines may be signalled from any thread unless the device says otherwise;
 * the receivers in src/machine.c are thread-safe.
 */
#ifndef XBT_LINES_H
#define XBT_LINES_H

#include <stdbool.h>

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

struct event_line {
    void (*fn)(void *opaque);
    void *opaque;
};

static inline void event_signal(const struct event_line *l)
{
    if (l && l->fn)
        l->fn(l->opaque);
}

/* A signal with a level (0 or 1) that the board combines or forwards, such
 * as a device's A20 gate output: set() is called with the new level on
 * every change (and may be called again with the same level). */
struct level_line {
    void (*fn)(void *opaque, int level);
    void *opaque;
};

static inline void level_set(const struct level_line *l, int level)
{
    if (l && l->fn)
        l->fn(l->opaque, level);
}

/* An interrupt controller's output to the CPU's INTR input, and the
 * acknowledge cycle.  pending() says whether an interrupt is requested;
 * it is lock-free, so the run loop may poll it at every unit boundary
 * (and while holding the machine's lock).  ack() is the INTA cycle: the
 * vector to deliver, or -1 if nothing is left to deliver (vCPU thread).
 * Which controller it is - the 8259 pair, or the local APIC in front of
 * it - is the machine's wiring. */
struct intr_source {
    bool (*pending)(void *opaque);
    int (*ack)(void *opaque);
    void *opaque;
};

static inline bool intr_pending(const struct intr_source *s)
{
    return s->pending && s->pending(s->opaque);
}

static inline int intr_ack(const struct intr_source *s)
{
    return s->ack ? s->ack(s->opaque) : -1;
}

/* Why a run ended (the vocabulary of stop_line).  The launcher maps each
 * to its exit status. */
enum machine_stop {
    STOP_NONE = 0,
    STOP_DEBUG_EXIT,   /* guest wrote to isa-debug-exit: status (V<<1)|1 */
    STOP_HALTED,       /* HLT with interrupts disabled: nothing can wake it */
    STOP_TRIPLE_FAULT, /* shutdown: register dump printed */
    STOP_USER,         /* Ctrl-A X on the console */
    STOP_RESET,        /* the guest reset the machine (i8042 0xFE, 0xCF9) */
    STOP_POWEROFF,     /* the guest powered off (ACPI S5 through PM1a_CNT) */
    STOP_ERROR,        /* VMM could not continue (message printed) */
    STOP_SIGNAL,       /* SIGINT, SIGTERM or SIGHUP (src/cli/run_signals.c) */
};

/* Exit statuses of `xbt run` other than the debug-exit ones, which are always
 * odd; these are even so the two never collide.  A power-off is a clean
 * end, 0, as QEMU's. */
#define XBT_STATUS_POWEROFF 0
#define XBT_STATUS_HALTED 4
#define XBT_STATUS_TRIPLE_FAULT 6
#define XBT_STATUS_USER 8
#define XBT_STATUS_RESET 10
#define XBT_STATUS_SIGNAL 12
#define XBT_STATUS_ERROR 2

struct stop_line {
    void (*fn)(void *opaque, enum machine_stop why, int status);
    void *opaque;
};

/* The first stop requested wins; later ones are ignored. */
static inline void stop_signal(const struct stop_line *l, enum machine_stop why, int status)
{
    if (l && l->fn)
        l->fn(l->opaque, why, status);
}

#endif
