/*
 * ps2_mouse.c - a PS/2 mouse on the i8042's AUX port, as QEMU attaches one:
 * it answers every command a driver probes with (reset, get ID, status
 * request, sample rate, resolution, scaling, stream/remote/wrap modes,
 * read data) but never moves and has no buttons pressed, so packets are
 * all zero.  The IntelliMouse knocks (sample rates 200, 100, 80 -> ID 3;
 * then 200, 200, 80 -> ID 4) change the ID the way real wheel mice do.
 * Bytes go out through the i8042's queue (i8042.c); unknown commands get
 * 0xFE (resend).
 */
#include <string.h>

#include "devices_internal.h"

#define ACK 0xFA
#define RESEND 0xFE
#define SELF_TEST_OK 0xAA

#define ST_REMOTE 0x40
#define ST_ENABLED 0x20
#define ST_SCALE21 0x10

/* Power-on defaults (also after 0xF6 and a reset). */
#define DEFAULT_RATE 100
#define DEFAULT_RESOLUTION 2 /* 4 counts/mm */

void ps2_mouse_reset(struct ps2_mouse *m)
{
    memset(m, 0, sizeof(*m));
    m->rate = DEFAULT_RATE;
    m->resolution = DEFAULT_RESOLUTION;
}

/* The last three sample rates set: the IntelliMouse knocks. */
static void knock(struct ps2_mouse *m, uint8_t rate)
{
    m->knock[0] = m->knock[1];
    m->knock[1] = m->knock[2];
    m->knock[2] = rate;
    if (m->knock[0] == 200 && m->knock[1] == 100 && m->knock[2] == 80 && m->id == 0)
        m->id = 3;
    else if (m->knock[0] == 200 && m->knock[1] == 200 && m->knock[2] == 80 && m->id == 3)
        m->id = 4;
}

/* The second byte of 0xF3 (sample rate) or 0xE8 (resolution). */
static void write_param(struct ps2_mouse *m, uint8_t b, struct ps2_out *out)
{
    if (m->param_cmd == 0xF3) {
        m->rate = b;
        knock(m, b);
    } else {
        m->resolution = b & 3;
    }
    m->param_cmd = 0;
    ps2_out_put(out, ACK);
}

/* A packet: status (bit 3 always set), dx, dy (and dz for IDs 3/4). */
static void packet(const struct ps2_mouse *m, struct ps2_out *out)
{
    ps2_out_put(out, 0x08);
    ps2_out_put(out, 0);
    ps2_out_put(out, 0);
    if (m->id)
        ps2_out_put(out, 0);
}

static void command(struct ps2_mouse *m, uint8_t b, struct ps2_out *out)
{
    switch (b) {
    case 0xFF: /* reset */
        ps2_mouse_reset(m);
        ps2_out_put(out, ACK);
        ps2_out_put(out, SELF_TEST_OK);
        ps2_out_put(out, 0);
        return;
    case 0xF6:
        m->rate = DEFAULT_RATE;
        m->resolution = DEFAULT_RESOLUTION;
        m->status = 0;
        break;
    case 0xF5: m->status &= (uint8_t)~ST_ENABLED; break;
    case 0xF4: m->status |= ST_ENABLED; break;
    case 0xF3:
    case 0xE8: m->param_cmd = b; break;
    case 0xF2:
        ps2_out_put(out, ACK);
        ps2_out_put(out, m->id);
        return;
    case 0xF0: m->status |= ST_REMOTE; break;
    case 0xEE: m->wrap = true; break;
    case 0xEA: m->status &= (uint8_t)~ST_REMOTE; break;
    case 0xE7: m->status |= ST_SCALE21; break;
    case 0xE6: m->status &= (uint8_t)~ST_SCALE21; break;
    case 0xEB:
        ps2_out_put(out, ACK);
        packet(m, out);
        return;
    case 0xE9: /* status request */
        ps2_out_put(out, ACK);
        ps2_out_put(out, m->status);
        ps2_out_put(out, m->resolution);
        ps2_out_put(out, m->rate);
        return;
    default: ps2_out_put(out, RESEND); return;
    }
    ps2_out_put(out, ACK);
}

void ps2_mouse_write(struct ps2_mouse *m, uint8_t b, struct ps2_out *out)
{
    if (m->param_cmd) {
        write_param(m, b, out);
    } else if (m->wrap && b != 0xEC && b != 0xFF) {
        ps2_out_put(out, b); /* wrap mode echoes */
    } else if (m->wrap && b == 0xEC) {
        m->wrap = false;
        ps2_out_put(out, ACK);
    } else {
        command(m, b, out);
    }
}
