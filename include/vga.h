/*
 * vga.h - the VGA text console: the ISA VGA card's registers
 * (src/devices/vga.c), the text screen as a frame of cells and its
 * rendering to a terminal with ANSI sequences (src/devices/vga_text.c),
 * terminal input turned into PC keys (src/devices/kbd_input.c), and the
 * renderer thread that ties them to the host terminal
 * (src/devices/vga_console.c).  docs/devices.md "VGA" says what is
 * modelled and why.
 */
#ifndef XBT_VGA_H
#define XBT_VGA_H

#include <stddef.h>

#include "bus.h"
#include "lines.h"

/* ==== the VGA card (src/devices/vga.c) ================================== */
/* The legacy VGA register ports 0x3B0-0x3DF: misc output, sequencer, CRTC
 * (at 0x3B4/0x3B5 or 0x3D4/0x3D5 as misc output bit 0 says), graphics
 * controller, attribute controller (its index/data flip-flop reset by
 * reading input status 1), the DAC and input status 1 (retrace bits
 * toggling on every read, as QEMU's).  The memory window 0xA0000-0xBFFFF
 * is guest RAM: the text mode's odd/even layout (character, attribute) is
 * the RAM's linear layout, and the font the BIOS loads into plane 2 lands
 * at 0xA0000 where it disturbs nothing (planes are not modelled).  ram is
 * guest RAM (the device reads the text buffer there; at least 1 MiB).
 * Power-on state: mode 3 (80x25 colour text) as the VGA BIOS sets it, with
 * the text buffer left as RAM holds it.  Port accesses on the vCPU thread;
 * dev_vga_text_state from any thread (a mutex). */
#define VGA_PORT_BASE 0x3B0
#define VGA_PORT_COUNT 0x30
#define VGA_WINDOW_BASE 0xA0000u
#define VGA_WINDOW_SIZE 0x20000u
/* Largest text screen the renderer shows (VGA text modes are at most
 * 132x60; Policy: anything larger is a misprogrammed CRTC, clipped). */
#define VGA_TEXT_MAX_COLS 132
#define VGA_TEXT_MAX_ROWS 60

struct dev_vga;
struct dev_vga_stats {
    uint64_t port_reads, port_writes;
    uint64_t crtc_writes;    /* CRTC data writes (cursor, start address, ...) */
    uint64_t dac_writes;     /* DAC data bytes written */
    uint64_t status_reads;   /* input status 1 reads (retrace polling) */
    uint64_t graphics_modes; /* switches from text to a graphics mode */
    uint64_t frames;         /* frames the renderer drew (changed screens) */
    uint64_t cells_drawn;    /* cells the renderer wrote to the terminal */
};

/* What the renderer needs of the registers: the text screen's geometry and
 * place in memory, the cursor, and whether a graphics mode is set. */
struct vga_text_state {
    bool graphics;       /* graphics controller or attribute mode: graphics */
    bool display_off;    /* sequencer clocking mode bit 5 (screen off) */
    unsigned cols, rows; /* visible text cells (clipped to VGA_TEXT_MAX_*) */
    uint32_t base;       /* guest-physical address of the memory map */
    uint32_t window;     /* its size in bytes (32 KiB for 0xB8000) */
    uint32_t start;      /* CRTC start address, cells */
    uint32_t stride;     /* cells per text row (CRTC offset * 2) */
    uint32_t cursor;     /* CRTC cursor location, cells */
    bool cursor_on;      /* cursor shape not disabled, start <= end */
    bool blink;          /* attribute bit 7 means blink (else bright bg) */
};

struct dev_vga *dev_vga_create(struct io_bus *bus, const uint8_t *ram, uint32_t ram_size);
void dev_vga_destroy(struct dev_vga *v);
void dev_vga_text_state(struct dev_vga *v, struct vga_text_state *st);
/* The renderer's counters live in the device's stats (any thread). */
void dev_vga_count_frame(struct dev_vga *v, uint64_t cells);
const struct dev_vga_stats *dev_vga_stats(const struct dev_vga *v);
/* The guest-visible state right after the VGA BIOS set mode 3 and cleared
 * the screen (xbt's direct kernel boots start there, as under QEMU):
 * writes blanks with attribute 0x07 to the text buffer in ram. */
void dev_vga_clear_text(struct dev_vga *v, uint8_t *ram);

/* ==== text frames and their ANSI rendering (src/devices/vga_text.c) ===== */
/* A text screen: cells are character | attribute << 8. */
struct vga_frame {
    unsigned cols, rows;
    int cursor_row, cursor_col; /* -1: cursor hidden or off screen */
    bool blink;                 /* attribute bit 7 is blink, not bright bg */
    uint16_t cell[VGA_TEXT_MAX_ROWS * VGA_TEXT_MAX_COLS];
};

/* Reads the screen the state describes from guest RAM ram[0, ram_size)
 * (cells beyond RAM read as 0). */
void vga_frame_capture(struct vga_frame *f, const struct vga_text_state *st, const uint8_t *ram,
                       uint32_t ram_size);
/* The UTF-8 form of code page 437 character c (1-3 bytes, no NUL): the
 * glyphs of the PC's ROM font, control characters included (0x01 is a
 * smiley).  0x00 and 0xFF render as a space.  Returns its length. */
unsigned vga_cp437_utf8(uint8_t c, char out[4]);
/* The ANSI SGR sequence selecting attribute a's colours (the 16 VGA
 * colours as ANSI's 8 + 8 bright; with blink, bit 7 is dropped, else it
 * makes the background bright).  Returns its length (< 24). */
unsigned vga_attr_sgr(uint8_t a, bool blink, char out[24]);
/* Writes to out (at most cap bytes) the ANSI sequences that turn a
 * terminal showing prev into cur: the changed cells, the cursor.  prev NULL
 * (or another geometry): clears the terminal and draws everything.
 * Returns the length, or XBT_ERANGE if cap is too small (nothing usable
 * in out); *cells gets the number of cells written. */
#define VGA_RENDER_MAX (VGA_TEXT_MAX_ROWS * VGA_TEXT_MAX_COLS * 32 + 4096)
long vga_render_ansi(const struct vga_frame *prev, const struct vga_frame *cur, char *out,
                     size_t cap, uint64_t *cells);
/* The screen as plain text, one line per row (trailing blanks trimmed),
 * characters in UTF-8; the cursor is not shown.  Returns the length or
 * XBT_ERANGE. */
long vga_frame_text(const struct vga_frame *f, char *out, size_t cap);

/* ==== terminal input to PC keys (src/devices/kbd_input.c) =============== */
/* The keys a terminal can send, by their set-1 make code (an extended key
 * has KBD_EXT set: an 0xE0 prefix); kbd_set2_code gives the set-2 code. */
#define KBD_EXT 0x100
#define KBD_LSHIFT 0x2A
#define KBD_LCTRL 0x1D
#define KBD_LALT 0x38
/* Modifier bits of a key event. */
#define KBD_MOD_SHIFT 1u
#define KBD_MOD_CTRL 2u
#define KBD_MOD_ALT 4u
struct kbd_event {
    uint16_t key; /* set-1 make code | KBD_EXT */
    unsigned mods;
};
/* The set-2 make code of set-1 key (KBD_EXT kept), or 0 if unknown. */
uint16_t kbd_set2_code(uint16_t key);

/* Turns terminal bytes (UTF-8, VT100/xterm escape sequences) into key
 * events: ASCII with shift for upper case and symbols (US layout), Ctrl
 * letters, Enter, Tab, Backspace, Esc, arrows, Home/End, Insert/Delete,
 * PgUp/PgDn, F1-F12 (xterm modifiers: shift, alt, ctrl), Alt+key as ESC
 * key.  An ESC followed by nothing in the same feed is the Esc key.  Bytes
 * it cannot map (non-ASCII, unknown sequences) are counted and dropped. */
/* Tunable: longest escape sequence collected.  Policy: xterm's longest
 * key sequences (CSI 24;8~) are 8 bytes; longer ones are not keys. */
#define KBD_SEQ_MAX 16
struct kbd_input {
    uint8_t seq[KBD_SEQ_MAX]; /* an escape sequence being collected */
    unsigned nseq;
    uint64_t dropped; /* bytes or sequences with no key */
};
typedef void (*kbd_sink_fn)(void *opaque, struct kbd_event ev);
void kbd_input_init(struct kbd_input *in);
/* Feeds len bytes; every key found goes to sink, in order.  At the end of
 * the buffer a lone ESC is sent as the Esc key. */
void kbd_input_feed(struct kbd_input *in, const uint8_t *buf, size_t len, kbd_sink_fn sink,
                    void *opaque);
/* The scancode bytes of ev pressed and released with its modifiers
 * around it (make of each modifier, the key's make and break, the
 * modifiers' breaks), in set 1 (set2 false) or set 2.  Returns the count
 * (at most KBD_BYTES_MAX). */
#define KBD_BYTES_MAX 24
unsigned kbd_event_bytes(struct kbd_event ev, bool set2, uint8_t *out);

/* ==== the text console (src/devices/vga_console.c) ====================== */
/* With --display=text: a thread that, at most VGA_CONSOLE_HZ times a
 * second, captures the VGA's text screen from guest RAM, and writes what
 * changed to out_fd as ANSI sequences (nothing when nothing changed); it
 * says once on stderr when the guest sets a graphics mode (the mode
 * number from the BIOS data area).  vga_console_stop draws the last frame,
 * puts the cursor below it and resets the colours. */
struct vga_console;
struct vga_console *vga_console_start(struct dev_vga *v, const uint8_t *ram, uint32_t ram_size,
                                      int out_fd);
void vga_console_stop(struct vga_console *c);
/* Writes the current text screen as plain text to path (--vga-dump);
 * 0 or XBT_EIO. */
int vga_dump_text(struct dev_vga *v, const uint8_t *ram, uint32_t ram_size, const char *path);

#endif
