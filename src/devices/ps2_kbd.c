/*
 * ps2_kbd.c - the PS/2 keyboard on the i8042's keyboard port, as QEMU's
 * ps2.c answers: every command is acknowledged (0xFA); reset (0xFF) also
 * sends the self-test pass 0xAA and restores set 2 with scanning on;
 * identify (0xF2) sends 0xAB 0x83 (0xAB 0x41 when the controller
 * translates); 0xF0 selects the scan code set or (0) reports it; 0xED
 * (LEDs) and 0xF3 (typematic rate) take a parameter; 0xEE echoes; 0xF4
 * and 0xF5 enable and disable scanning (0xF5 also restores the defaults);
 * unknown commands get 0xFE (resend).  Key events come from the terminal
 * (kbd_input.c) as whole press-and-release sequences.
 *
 * Threading: under the i8042's lock.
 */
#include "devices_internal.h"

#define KBD_ACK 0xFA
#define KBD_RESEND 0xFE
#define KBD_SELFTEST_OK 0xAA
#define KBD_ID0 0xAB

void ps2_kbd_reset(struct ps2_kbd *kb)
{
    kb->set = 2;
    kb->scanning = true;
    kb->param_cmd = 0;
    kb->leds = 0;
}

static void kbd_param(struct ps2_kbd *kb, uint8_t b, bool xlate, struct ps2_out *out)
{
    static const uint8_t xlated_set[4] = { 0, 0x43, 0x41, 0x3F };
    uint8_t cmd = kb->param_cmd;
    kb->param_cmd = 0;
    ps2_out_put(out, KBD_ACK);
    if (cmd == 0xED)
        kb->leds = b & 7;
    else if (cmd == 0xF0 && b == 0)
        ps2_out_put(out, xlate ? xlated_set[kb->set] : kb->set);
    else if (cmd == 0xF0 && b <= 3)
        kb->set = b;
}

void ps2_kbd_write(struct ps2_kbd *kb, uint8_t b, bool xlate, struct ps2_out *out)
{
    if (kb->param_cmd) {
        kbd_param(kb, b, xlate, out);
        return;
    }
    switch (b) {
    case 0xED:
    case 0xF0:
    case 0xF3:
        kb->param_cmd = b;
        ps2_out_put(out, KBD_ACK);
        break;
    case 0xEE: ps2_out_put(out, 0xEE); break;
    case 0xF2:
        ps2_out_put(out, KBD_ACK);
        ps2_out_put(out, KBD_ID0);
        ps2_out_put(out, xlate ? 0x41 : 0x83);
        break;
    case 0xF4:
        kb->scanning = true;
        ps2_out_put(out, KBD_ACK);
        break;
    case 0xF5:
        ps2_kbd_reset(kb);
        kb->scanning = false;
        ps2_out_put(out, KBD_ACK);
        break;
    case 0xF6:
        ps2_kbd_reset(kb);
        ps2_out_put(out, KBD_ACK);
        break;
    case 0xFF:
        ps2_kbd_reset(kb);
        ps2_out_put(out, KBD_ACK);
        ps2_out_put(out, KBD_SELFTEST_OK);
        break;
    default: ps2_out_put(out, b >= 0xF7 && b <= 0xFE ? KBD_ACK : KBD_RESEND); break;
    }
}

int ps2_kbd_key(struct ps2_kbd *kb, struct kbd_event ev, bool xlate, struct ps2_out *out)
{
    uint8_t bytes[KBD_BYTES_MAX];
    if (!kb->scanning)
        return XBT_EUNSUP;
    bool set2 = kb->set != 1 && !xlate;
    unsigned n = kbd_event_bytes(ev, set2, bytes);
    if (out->n + n > PS2_OUT_SIZE)
        return XBT_EBUSY;
    for (unsigned i = 0; i < n; i++)
        ps2_out_put(out, bytes[i]);
    return 0;
}
