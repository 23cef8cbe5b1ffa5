/*
 * vga_text.c - the VGA text screen as a frame of cells, and the frame on a
 * terminal: code page 437 as UTF-8, attributes as ANSI colours, and the
 * difference between two frames as the ANSI sequences that redraw only
 * the changed cells.  Pure functions (no I/O): the console thread
 * (vga_console.c) and the unit tests call them.
 *
 * Colours: the attribute's foreground is its low nibble, the background
 * bits 4-6 (and bit 7 when the attribute controller's blink bit is off:
 * a bright background).  The 16 colours are the VGA BIOS's default
 * palette, which is ANSI's 8 colours in another order (VGA 1 = blue is
 * ANSI 4) and their bright forms; palette and DAC changes are not
 * followed, blinking is not shown.
 */
#include <stdio.h>
#include <string.h>

#include "vga.h"
#include "xbt.h"

/* The Unicode code points of code page 437 (the IBM PC's ROM font),
 * control characters as their glyphs; 0x00 and 0xFF (blank cells) are
 * spaces. */
static const uint16_t cp437_unicode[256] = {
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9, 0x2642,
    0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC, 0x0020, 0x0021, 0x0022, 0x0023,
    0x0024, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003A, 0x003B,
    0x003C, 0x003D, 0x003E, 0x003F, 0x0040, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, 0x0050, 0x0051, 0x0052, 0x0053,
    0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005A, 0x005B, 0x005C, 0x005D, 0x005E, 0x005F,
    0x0060, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006A, 0x006B,
    0x006C, 0x006D, 0x006E, 0x006F, 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
    0x0078, 0x0079, 0x007A, 0x007B, 0x007C, 0x007D, 0x007E, 0x2302, 0x00C7, 0x00FC, 0x00E9, 0x00E2,
    0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2,
    0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566,
    0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393, 0x03C0,
    0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A,
    0x207F, 0x00B2, 0x25A0, 0x0020,
};

/* Tunable: unchanged cells between two changed ones in a row that are
 * rewritten rather than skipped with a cursor move.  Policy: a move costs
 * 6-8 bytes, a cell 1-3 (plus an SGR when its colour differs), so short
 * gaps are cheaper rewritten, and text stays contiguous in the output. */
#define VGA_GAP_MAX 4

/* VGA colour index (0-7) -> ANSI colour number. */
static const uint8_t vga_to_ansi[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

unsigned vga_cp437_utf8(uint8_t c, char out[4])
{
    unsigned u = cp437_unicode[c];
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | (u >> 6));
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (u >> 12));
    out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F));
    return 3;
}

unsigned vga_attr_sgr(uint8_t a, bool blink, char out[24])
{
    unsigned fg = a & 0x0F, bg = (a >> 4) & (blink ? 0x07 : 0x0F);
    unsigned fgc = (fg & 8 ? 90 : 30) + vga_to_ansi[fg & 7];
    unsigned bgc = (bg & 8 ? 100 : 40) + vga_to_ansi[bg & 7];
    int n = snprintf(out, 24, "\x1b[0;%u;%um", fgc, bgc);
    return (unsigned)n;
}

void vga_frame_capture(struct vga_frame *f, const struct vga_text_state *st, const uint8_t *ram,
                       uint32_t ram_size)
{
    uint32_t wrap = st->window / 2 ? st->window / 2 : 1; /* cells in the window */
    f->cols = st->cols;
    f->rows = st->rows;
    f->blink = st->blink;
    for (unsigned r = 0; r < f->rows; r++) {
        for (unsigned c = 0; c < f->cols; c++) {
            uint32_t cell = (st->start + r * st->stride + c) % wrap;
            uint32_t addr = st->base + cell * 2;
            uint16_t v = 0;
            if ((uint64_t)addr + 2 <= ram_size)
                v = (uint16_t)(ram[addr] | ram[addr + 1] << 8);
            f->cell[r * f->cols + c] = v;
        }
    }
    f->cursor_row = f->cursor_col = -1;
    uint32_t pos = (st->cursor - st->start) % wrap;
    if (st->cursor_on && st->stride && pos / st->stride < f->rows && pos % st->stride < f->cols) {
        f->cursor_row = (int)(pos / st->stride);
        f->cursor_col = (int)(pos % st->stride);
    }
}

/* An output buffer that remembers running out of room. */
struct vga_out {
    char *p;
    size_t n, cap;
    bool full;
};

static void out_bytes(struct vga_out *o, const char *s, size_t len)
{
    if (o->n + len > o->cap) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->n, s, len);
    o->n += len;
}

static void out_str(struct vga_out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

static void out_goto(struct vga_out *o, unsigned row, unsigned col)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "\x1b[%u;%uH", row + 1, col + 1);
    out_bytes(o, b, (size_t)n);
}

/* Where the terminal's cursor is and which attribute it draws with. */
struct vga_pen {
    int row, col;
    int attr; /* -1: unknown */
};

static void out_cell(struct vga_out *o, struct vga_pen *pen, const struct vga_frame *f, unsigned r,
                     unsigned c)
{
    uint16_t v = f->cell[r * f->cols + c];
    char b[24];
    if (pen->row != (int)r || pen->col != (int)c)
        out_goto(o, r, c);
    if (pen->attr != (v >> 8)) {
        out_bytes(o, b, vga_attr_sgr((uint8_t)(v >> 8), f->blink, b));
        pen->attr = v >> 8;
    }
    out_bytes(o, b, vga_cp437_utf8((uint8_t)v, b));
    pen->row = (int)r;
    pen->col = (int)c + 1;
}

static bool same_geometry(const struct vga_frame *a, const struct vga_frame *b)
{
    return a && a->cols == b->cols && a->rows == b->rows && a->blink == b->blink;
}

static void out_cursor(struct vga_out *o, const struct vga_frame *cur)
{
    if (cur->cursor_row < 0) {
        out_str(o, "\x1b[?25l");
        return;
    }
    out_goto(o, (unsigned)cur->cursor_row, (unsigned)cur->cursor_col);
    out_str(o, "\x1b[?25h");
}

long vga_render_ansi(const struct vga_frame *prev, const struct vga_frame *cur, char *out,
                     size_t cap, uint64_t *cells)
{
    struct vga_out o = { out, 0, cap, false };
    struct vga_pen pen = { -1, -1, -1 };
    bool full = !same_geometry(prev, cur);
    uint64_t drawn = 0;
    if (full)
        out_str(&o, "\x1b[0m\x1b[2J");
    for (unsigned r = 0; r < cur->rows; r++)
        for (unsigned c = 0; c < cur->cols; c++) {
            unsigned i = r * cur->cols + c;
            if (!full && prev->cell[i] == cur->cell[i])
                continue;
            if (pen.row == (int)r && pen.col < (int)c && (int)c - pen.col <= VGA_GAP_MAX)
                for (unsigned g = (unsigned)pen.col; g < c; g++, drawn++)
                    out_cell(&o, &pen, cur, r, g); /* a short gap: rewritten */
            out_cell(&o, &pen, cur, r, c);
            drawn++;
        }
    if (drawn || full || prev->cursor_row != cur->cursor_row || prev->cursor_col != cur->cursor_col)
        out_cursor(&o, cur);
    *cells = drawn;
    return o.full ? XBT_ERANGE : (long)o.n;
}

long vga_frame_text(const struct vga_frame *f, char *out, size_t cap)
{
    struct vga_out o = { out, 0, cap, false };
    for (unsigned r = 0; r < f->rows; r++) {
        unsigned end = f->cols;
        while (end > 0) {
            uint8_t ch = (uint8_t)f->cell[r * f->cols + end - 1];
            if (ch != ' ' && ch != 0 && ch != 0xFF)
                break;
            end--;
        }
        for (unsigned c = 0; c < end; c++) {
            char b[4];
            out_bytes(&o, b, vga_cp437_utf8((uint8_t)f->cell[r * f->cols + c], b));
        }
        out_bytes(&o, "\n", 1);
    }
    return o.full ? XBT_ERANGE : (long)o.n;
}
