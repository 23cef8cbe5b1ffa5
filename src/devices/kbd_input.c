/*
 * kbd_input.c - what a terminal sends, as the keys of a PC keyboard (US
 * layout): printable ASCII (shift for capitals and the upper symbols),
 * control bytes (Enter, Tab, Backspace, Ctrl+letter), and the VT100/xterm
 * escape sequences of the cursor and editing keys and F1-F12 (CSI and SS3
 * forms, with xterm's modifier parameter), ESC + key as Alt+key.  And the
 * scancodes of a key event in set 1 or set 2.  Pure (no I/O, no state but
 * the parser's): the text console and the unit tests call it.
 */
#include <string.h>

#include "vga.h"

#define ESC 0x1B
#define K_ESC 0x01
#define K_BACKSPACE 0x0E
#define K_TAB 0x0F
#define K_ENTER 0x1C
#define K_SPACE 0x39
#define K_F1 0x3B
#define K_F11 0x57
#define K_F12 0x58
#define K_HOME (KBD_EXT | 0x47)
#define K_UP (KBD_EXT | 0x48)
#define K_PGUP (KBD_EXT | 0x49)
#define K_LEFT (KBD_EXT | 0x4B)
#define K_RIGHT (KBD_EXT | 0x4D)
#define K_END (KBD_EXT | 0x4F)
#define K_DOWN (KBD_EXT | 0x50)
#define K_PGDN (KBD_EXT | 0x51)
#define K_INSERT (KBD_EXT | 0x52)
#define K_DELETE (KBD_EXT | 0x53)

/* Set-2 make codes by set-1 make code (0 where no key has it). */
static const uint8_t set1_to_set2[0x59] = {
    [0x01] = 0x76, [0x02] = 0x16, [0x03] = 0x1E, [0x04] = 0x26, [0x05] = 0x25, [0x06] = 0x2E,
    [0x07] = 0x36, [0x08] = 0x3D, [0x09] = 0x3E, [0x0A] = 0x46, [0x0B] = 0x45, [0x0C] = 0x4E,
    [0x0D] = 0x55, [0x0E] = 0x66, [0x0F] = 0x0D, [0x10] = 0x15, [0x11] = 0x1D, [0x12] = 0x24,
    [0x13] = 0x2D, [0x14] = 0x2C, [0x15] = 0x35, [0x16] = 0x3C, [0x17] = 0x43, [0x18] = 0x44,
    [0x19] = 0x4D, [0x1A] = 0x54, [0x1B] = 0x5B, [0x1C] = 0x5A, [0x1D] = 0x14, [0x1E] = 0x1C,
    [0x1F] = 0x1B, [0x20] = 0x23, [0x21] = 0x2B, [0x22] = 0x34, [0x23] = 0x33, [0x24] = 0x3B,
    [0x25] = 0x42, [0x26] = 0x4B, [0x27] = 0x4C, [0x28] = 0x52, [0x29] = 0x0E, [0x2A] = 0x12,
    [0x2B] = 0x5D, [0x2C] = 0x1A, [0x2D] = 0x22, [0x2E] = 0x21, [0x2F] = 0x2A, [0x30] = 0x32,
    [0x31] = 0x31, [0x32] = 0x3A, [0x33] = 0x41, [0x34] = 0x49, [0x35] = 0x4A, [0x36] = 0x59,
    [0x37] = 0x7C, [0x38] = 0x11, [0x39] = 0x29, [0x3A] = 0x58, [0x3B] = 0x05, [0x3C] = 0x06,
    [0x3D] = 0x04, [0x3E] = 0x0C, [0x3F] = 0x03, [0x40] = 0x0B, [0x41] = 0x83, [0x42] = 0x0A,
    [0x43] = 0x01, [0x44] = 0x09, [0x57] = 0x78, [0x58] = 0x07,
};

/* Extended keys: set-1 code, set-2 code (both after 0xE0). */
static const uint8_t ext_set2[][2] = {
    { 0x47, 0x6C }, { 0x48, 0x75 }, { 0x49, 0x7D }, { 0x4B, 0x6B }, { 0x4D, 0x74 },
    { 0x4F, 0x69 }, { 0x50, 0x72 }, { 0x51, 0x7A }, { 0x52, 0x70 }, { 0x53, 0x71 },
    { 0x1D, 0x14 }, { 0x38, 0x11 }, { 0x1C, 0x5A }, { 0x35, 0x4A },
};

/* Printable ASCII 0x20-0x7E: set-1 code, | 0x80 when shifted. */
#define S 0x80
static const uint8_t ascii_keys[0x5F] = {
    0x39,     0x02 | S, 0x28 | S, 0x04 | S, 0x05 | S, 0x06 | S, 0x08 | S, 0x28,     /*  !"#$%&' */
    0x0A | S, 0x0B | S, 0x09 | S, 0x0D | S, 0x33,     0x0C,     0x34,     0x35,     /* ()*+,-./ */
    0x0B,     0x02,     0x03,     0x04,     0x05,     0x06,     0x07,     0x08,     /* 01234567 */
    0x09,     0x0A,     0x27 | S, 0x27,     0x33 | S, 0x0D,     0x34 | S, 0x35 | S, /* 89:;<=>? */
    0x03 | S, 0x1E | S, 0x30 | S, 0x2E | S, 0x20 | S, 0x12 | S, 0x21 | S, 0x22 | S, /* @ABCDEFG */
    0x23 | S, 0x17 | S, 0x24 | S, 0x25 | S, 0x26 | S, 0x32 | S, 0x31 | S, 0x18 | S, /* HIJKLMNO */
    0x19 | S, 0x10 | S, 0x13 | S, 0x1F | S, 0x14 | S, 0x16 | S, 0x2F | S, 0x11 | S, /* PQRSTUVW */
    0x2D | S, 0x15 | S, 0x2C | S, 0x1A,     0x2B,     0x1B,     0x07 | S, 0x0C | S, /* XYZ[\]^_ */
    0x29,     0x1E,     0x30,     0x2E,     0x20,     0x12,     0x21,     0x22,     /* `abcdefg */
    0x23,     0x17,     0x24,     0x25,     0x26,     0x32,     0x31,     0x18,     /* hijklmno */
    0x19,     0x10,     0x13,     0x1F,     0x14,     0x16,     0x2F,     0x11,     /* pqrstuvw */
    0x2D,     0x15,     0x2C,     0x1A | S, 0x2B | S, 0x1B | S, 0x29 | S,           /* xyz{|}~  */
};
#undef S

uint16_t kbd_set2_code(uint16_t key)
{
    uint8_t code = (uint8_t)key;
    if (!(key & KBD_EXT))
        return code < sizeof(set1_to_set2) ? set1_to_set2[code] : 0;
    for (size_t i = 0; i < sizeof(ext_set2) / sizeof(ext_set2[0]); i++)
        if (ext_set2[i][0] == code)
            return (uint16_t)(KBD_EXT | ext_set2[i][1]);
    return 0;
}

/* The key of a byte outside escape sequences (0: none), with modifiers. */
static struct kbd_event byte_key(uint8_t b)
{
    struct kbd_event ev = { 0, 0 };
    if (b >= 0x20 && b < 0x7F) {
        uint8_t k = ascii_keys[b - 0x20];
        ev.key = k & 0x7F;
        ev.mods = k & 0x80 ? KBD_MOD_SHIFT : 0;
    } else if (b == '\r' || b == '\n') {
        ev.key = K_ENTER;
    } else if (b == '\t') {
        ev.key = K_TAB;
    } else if (b == 0x08 || b == 0x7F) {
        ev.key = K_BACKSPACE;
    } else if (b == ESC) {
        ev.key = K_ESC;
    } else if (b == 0x00) {
        ev = (struct kbd_event){ K_SPACE, KBD_MOD_CTRL };
    } else if (b < 0x20) { /* Ctrl with @ A-Z [ \ ] ^ _ */
        ev = byte_key((uint8_t)(b <= 0x1A ? b + 0x60 : b + 0x40));
        ev.mods |= KBD_MOD_CTRL;
    }
    return ev;
}

/* xterm's modifier parameter (1 + shift 1, alt 2, ctrl 4) as KBD_MOD_*. */
static unsigned xterm_mods(unsigned p)
{
    unsigned m = p > 1 ? p - 1 : 0, mods = 0;
    if (m & 1)
        mods |= KBD_MOD_SHIFT;
    if (m & 2)
        mods |= KBD_MOD_ALT;
    if (m & 4)
        mods |= KBD_MOD_CTRL;
    return mods;
}

/* CSI n ~ keys. */
static uint16_t tilde_key(unsigned n)
{
    static const uint16_t keys[25] = {
        [1] = K_HOME,    [2] = K_INSERT,  [3] = K_DELETE,  [4] = K_END,     [5] = K_PGUP,
        [6] = K_PGDN,    [7] = K_HOME,    [8] = K_END,     [11] = K_F1,     [12] = K_F1 + 1,
        [13] = K_F1 + 2, [14] = K_F1 + 3, [15] = K_F1 + 4, [17] = K_F1 + 5, [18] = K_F1 + 6,
        [19] = K_F1 + 7, [20] = K_F1 + 8, [21] = K_F1 + 9, [23] = K_F11,    [24] = K_F12,
    };
    return n < 25 ? keys[n] : 0;
}

/* The key of a CSI or SS3 sequence's final byte (SS3 has no parameters). */
static uint16_t final_key(uint8_t f, unsigned p1)
{
    switch (f) {
    case 'A': return K_UP;
    case 'B': return K_DOWN;
    case 'C': return K_RIGHT;
    case 'D': return K_LEFT;
    case 'H': return K_HOME;
    case 'F': return K_END;
    case 'P':
    case 'Q':
    case 'R':
    case 'S': return (uint16_t)(K_F1 + (f - 'P'));
    case 'Z': return K_TAB; /* back-tab: shift added by the caller */
    case '~': return tilde_key(p1);
    default: return 0;
    }
}

/* Parses a complete sequence seq[0, n) (ESC first, final byte last). */
static struct kbd_event sequence_key(const uint8_t *seq, unsigned n)
{
    struct kbd_event ev = { 0, 0 };
    unsigned p[2] = { 0, 0 }, np = 0;
    for (unsigned i = 2; i + 1 < n; i++) {
        if (seq[i] >= '0' && seq[i] <= '9' && np < 2)
            p[np] = p[np] * 10 + (unsigned)(seq[i] - '0');
        else if (seq[i] == ';')
            np++;
        else
            return ev; /* private or intermediate bytes: not a key */
    }
    ev.key = final_key(seq[n - 1], p[0]);
    ev.mods = np ? xterm_mods(p[1]) : 0;
    if (seq[n - 1] == 'Z')
        ev.mods |= KBD_MOD_SHIFT;
    return ev;
}

void kbd_input_init(struct kbd_input *in)
{
    memset(in, 0, sizeof(*in));
}

static void emit(struct kbd_input *in, struct kbd_event ev, kbd_sink_fn sink, void *opaque)
{
    if (ev.key)
        sink(opaque, ev);
    else
        in->dropped++;
}

/* A byte while a sequence is open; returns true when it is complete. */
static bool seq_add(struct kbd_input *in, uint8_t b)
{
    in->seq[in->nseq++] = b;
    if (in->nseq == 2)
        return b != '[' && b != 'O';
    if (in->seq[1] == 'O')
        return true;
    return (b >= 0x40 && b <= 0x7E) || in->nseq == KBD_SEQ_MAX;
}

static void seq_done(struct kbd_input *in, kbd_sink_fn sink, void *opaque)
{
    struct kbd_event ev;
    if (in->nseq == 2) { /* ESC + byte: Alt+key (ESC ESC: Alt+Esc) */
        ev = byte_key(in->seq[1]);
        ev.mods |= KBD_MOD_ALT;
    } else {
        ev = sequence_key(in->seq, in->nseq);
    }
    in->nseq = 0;
    emit(in, ev, sink, opaque);
}

void kbd_input_feed(struct kbd_input *in, const uint8_t *buf, size_t len, kbd_sink_fn sink,
                    void *opaque)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (in->nseq) {
            if (seq_add(in, b))
                seq_done(in, sink, opaque);
        } else if (b == ESC) {
            in->seq[in->nseq++] = b;
        } else if (b >= 0x80) {
            in->dropped++; /* UTF-8: no key on a US keyboard */
        } else {
            emit(in, byte_key(b), sink, opaque);
        }
    }
    if (in->nseq == 1) { /* a lone ESC: the Esc key */
        in->nseq = 0;
        emit(in, byte_key(ESC), sink, opaque);
    }
}

/* One key's make (brk false) or break code in a set. */
static unsigned key_bytes(uint16_t key, bool set2, bool brk, uint8_t *out)
{
    unsigned n = 0;
    uint16_t code = set2 ? kbd_set2_code(key) : key;
    if (code & KBD_EXT)
        out[n++] = 0xE0;
    if (set2) {
        if (brk)
            out[n++] = 0xF0;
        out[n++] = (uint8_t)code;
    } else {
        out[n++] = (uint8_t)(brk ? code | 0x80 : code);
    }
    return n;
}

unsigned kbd_event_bytes(struct kbd_event ev, bool set2, uint8_t *out)
{
    static const uint16_t mod_keys[3] = { KBD_LCTRL, KBD_LALT, KBD_LSHIFT };
    static const unsigned mod_bits[3] = { KBD_MOD_CTRL, KBD_MOD_ALT, KBD_MOD_SHIFT };
    unsigned n = 0;
    for (int i = 0; i < 3; i++)
        if (ev.mods & mod_bits[i])
            n += key_bytes(mod_keys[i], set2, false, out + n);
    n += key_bytes(ev.key, set2, false, out + n);
    n += key_bytes(ev.key, set2, true, out + n);
    for (int i = 2; i >= 0; i--)
        if (ev.mods & mod_bits[i])
            n += key_bytes(mod_keys[i], set2, true, out + n);
    return n;
}
