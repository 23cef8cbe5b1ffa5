/*
 * fuzz_console_escape.c - harness for the console's Ctrl-A escape parser
 * (src/devices/console_escape.h).  The input is the byte stream a user
 * types.  Checked against a model written from the documented keys: the
 * bytes passed to the guest and every action, byte for byte, and at most
 * two bytes per step.
 */
#include "devices/console_escape.h"
#include "fuzz.h"

/* The model's step: what the guest gets and which action, for byte c
 * after `armed` (a Ctrl-A waiting). */
static void model_step(int *armed, uint8_t c, uint8_t *out, unsigned *n, int *action)
{
    *n = 0;
    *action = CON_ESC_NONE;
    if (!*armed) {
        if (c == 0x01)
            *armed = 1;
        else
            out[(*n)++] = c;
        return;
    }
    *armed = 0;
    if (c == 'x' || c == 'X')
        *action = CON_ESC_QUIT;
    else if (c == 'h' || c == 'H' || c == '?')
        *action = CON_ESC_HELP;
    else if (c == 0x01)
        out[(*n)++] = 0x01;
    else {
        out[(*n)++] = 0x01;
        out[(*n)++] = c;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct con_escape e;
    con_escape_init(&e);
    int armed = 0;
    for (size_t i = 0; i < size; i++) {
        struct con_esc_out o = con_escape_feed(&e, data[i]);
        uint8_t want[2];
        unsigned n;
        int action;
        model_step(&armed, data[i], want, &n, &action);
        fuzz_check(o.n <= 2, "at most two bytes per input byte");
        fuzz_check(o.n == n && (int)o.action == action, "bytes and action as documented");
        for (unsigned k = 0; k < n; k++)
            fuzz_check(o.bytes[k] == want[k], "the bytes as documented");
        fuzz_check(e.armed == (armed != 0), "a Ctrl-A held until the next byte");
    }
    return 0;
}
