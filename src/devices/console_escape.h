/*
 * console_escape.h - the console's Ctrl-A escape state machine, kept pure
 * (no I/O) so it can be unit tested.  Same keys as QEMU's -serial mon:stdio:
 *
 *   Ctrl-A x / X     quit (the caller stops the machine)
 *   Ctrl-A h / H / ? print help
 *   Ctrl-A Ctrl-A    send one Ctrl-A to the guest
 *   Ctrl-A <other>   send both bytes
 *
 * Feed every input byte to con_escape_feed(); it returns the bytes to pass
 * to the guest (0, 1 or 2) and an action.  A Ctrl-A is held until the next
 * byte decides what it meant.
 */
#ifndef XBT_CONSOLE_ESCAPE_H
#define XBT_CONSOLE_ESCAPE_H

#include <stdbool.h>
#include <stdint.h>

/* The escape prefix: Ctrl-A, as QEMU's default -echr. */
#define CON_ESCAPE_CHAR 0x01

enum con_esc_action {
    CON_ESC_NONE = 0,
    CON_ESC_QUIT,
    CON_ESC_HELP,
};

struct con_escape {
    bool armed; /* last byte was an unconsumed Ctrl-A */
};

struct con_esc_out {
    uint8_t bytes[2]; /* bytes for the guest, in order */
    unsigned n;       /* how many of bytes[] are valid */
    enum con_esc_action action;
};

static inline void con_escape_init(struct con_escape *e)
{
    e->armed = false;
}

static inline struct con_esc_out con_escape_feed(struct con_escape *e, uint8_t c)
{
    struct con_esc_out out = { .n = 0, .action = CON_ESC_NONE };
    if (!e->armed) {
        if (c == CON_ESCAPE_CHAR)
            e->armed = true;
        else
            out.bytes[out.n++] = c;
        return out;
    }
    e->armed = false;
    switch (c) {
    case 'x':
    case 'X': out.action = CON_ESC_QUIT; break;
    case 'h':
    case 'H':
    case '?': out.action = CON_ESC_HELP; break;
    case CON_ESCAPE_CHAR: out.bytes[out.n++] = CON_ESCAPE_CHAR; break;
    default:
        out.bytes[out.n++] = CON_ESCAPE_CHAR;
        out.bytes[out.n++] = c;
        break;
    }
    return out;
}

#endif
