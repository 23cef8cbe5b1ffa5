/*
 * test_vga.c - unit tests of the VGA text console's parts: the VGA
 * registers through the I/O bus (mode-3 power-on values, the attribute
 * flip-flop, input status 1, the CRTC's colour/mono address and write
 * protection, the DAC's whole-entry writes, the text state the renderer
 * reads, graphics-mode counting), the frame capture (start address,
 * cursor), code page 437 in UTF-8, attribute colours, the frame diff as
 * ANSI sequences, and the plain-text dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "vga.h"

#define RAM_SIZE (1u << 20)

struct fixture {
    struct io_bus *bus;
    uint8_t *ram;
    struct dev_vga *vga;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->bus = bus_create();
    f->ram = calloc(1, RAM_SIZE);
    f->vga = dev_vga_create(f->bus, f->ram, RAM_SIZE);
    if (!f->bus || !f->ram || !f->vga)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_vga_destroy(f->vga);
    bus_destroy(f->bus);
    free(f->ram);
    free(f);
    return 0;
}

static uint8_t in8(struct fixture *f, uint16_t port)
{
    return (uint8_t)bus_port_read(f->bus, port, 1);
}

static void out8(struct fixture *f, uint16_t port, uint8_t v)
{
    bus_port_write(f->bus, port, 1, v);
}

static uint8_t crtc(struct fixture *f, uint8_t i)
{
    out8(f, 0x3D4, i);
    return in8(f, 0x3D5);
}

static void test_mode3_registers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(in8(f, 0x3CC), 0x67);
    assert_int_equal(crtc(f, 0x01), 0x4F);
    assert_int_equal(crtc(f, 0x09), 0x4F);
    assert_int_equal(crtc(f, 0x13), 0x28);
    out8(f, 0x3CE, 6);
    assert_int_equal(in8(f, 0x3CF), 0x0E);
    /* mono CRTC ports are dead in colour mode; a word write is index+data */
    assert_int_equal(in8(f, 0x3B5), 0xFF);
    bus_port_write(f->bus, 0x3D4, 2, 0x120E);
    assert_int_equal(crtc(f, 0x0E), 0x12);
    /* CR11 bit 7 protects CR0-7 but CR7 bit 4 */
    out8(f, 0x3D4, 0x11);
    out8(f, 0x3D5, 0x8E);
    out8(f, 0x3D4, 0x01);
    out8(f, 0x3D5, 0x10);
    assert_int_equal(crtc(f, 0x01), 0x4F);
    out8(f, 0x3D4, 0x07);
    out8(f, 0x3D5, 0x00);
    assert_int_equal(crtc(f, 0x07), 0x0F);
}

static void test_flip_flop_and_status(void **state)
{
    struct fixture *f = *state;
    uint8_t a = in8(f, 0x3DA), b = in8(f, 0x3DA);
    assert_int_equal((a ^ b) & 0x09, 0x09);
    out8(f, 0x3C0, 0x31);                  /* index 0x11 */
    assert_int_equal(in8(f, 0x3C0), 0x00); /* data next */
    out8(f, 0x3C0, 0x2A);
    assert_int_equal(in8(f, 0x3C0), 0x31);
    assert_int_equal(in8(f, 0x3C1), 0x2A);
    out8(f, 0x3C0, 0x30); /* index 0x10 */
    (void)in8(f, 0x3DA);  /* back to index */
    out8(f, 0x3C0, 0x32);
    out8(f, 0x3C0, 0xFF);
    out8(f, 0x3C0, 0x32);
    assert_int_equal(in8(f, 0x3C1), 0x3F); /* plane enable: 4 bits + 2 */
}

static void test_dac(void **state)
{
    struct fixture *f = *state;
    out8(f, 0x3C8, 0x10);
    out8(f, 0x3C9, 0x11);
    out8(f, 0x3C9, 0x22);
    assert_int_equal(in8(f, 0x3C7), 0); /* state: writing */
    out8(f, 0x3C7, 0x10);
    assert_int_equal(in8(f, 0x3C9), 0x00); /* not yet written: EGA 0x10 has no red */
    out8(f, 0x3C8, 0x10);
    out8(f, 0x3C9, 0x11);
    out8(f, 0x3C9, 0x22);
    out8(f, 0x3C9, 0x7F);
    assert_int_equal(in8(f, 0x3C8), 0x11);
    out8(f, 0x3C7, 0x10);
    assert_int_equal(in8(f, 0x3C7), 3);
    assert_int_equal(in8(f, 0x3C9), 0x11);
    assert_int_equal(in8(f, 0x3C9), 0x22);
    assert_int_equal(in8(f, 0x3C9), 0x3F);
    assert_int_equal(dev_vga_stats(f->vga)->dac_writes, 5);
}

static void test_text_state(void **state)
{
    struct fixture *f = *state;
    struct vga_text_state st;
    dev_vga_text_state(f->vga, &st);
    assert_false(st.graphics);
    assert_int_equal(st.cols, 80);
    assert_int_equal(st.rows, 25);
    assert_int_equal(st.base, 0xB8000);
    assert_int_equal(st.stride, 80);
    assert_true(st.cursor_on);
    assert_true(st.blink);
    /* 8x8 font: 50 rows; cursor disabled */
    out8(f, 0x3D4, 0x09);
    out8(f, 0x3D5, 0x47);
    out8(f, 0x3D4, 0x0A);
    out8(f, 0x3D5, 0x20);
    dev_vga_text_state(f->vga, &st);
    assert_int_equal(st.rows, 50);
    assert_false(st.cursor_on);
    /* graphics: counted once per switch */
    out8(f, 0x3CE, 6);
    out8(f, 0x3CF, 0x05);
    out8(f, 0x3CF, 0x05);
    dev_vga_text_state(f->vga, &st);
    assert_true(st.graphics);
    assert_int_equal(st.base, 0xA0000);
    assert_int_equal(dev_vga_stats(f->vga)->graphics_modes, 1);
}

static void test_capture(void **state)
{
    struct fixture *f = *state;
    struct vga_text_state st;
    static struct vga_frame fr;
    dev_vga_clear_text(f->vga, f->ram);
    f->ram[0xB8000 + 160] = 'A'; /* row 1, column 0 */
    f->ram[0xB8000 + 161] = 0x1F;
    out8(f, 0x3D4, 0x0F);
    out8(f, 0x3D5, 82); /* cursor: row 1, column 2 */
    dev_vga_text_state(f->vga, &st);
    vga_frame_capture(&fr, &st, f->ram, RAM_SIZE);
    assert_int_equal(fr.cell[80], 0x1F41);
    assert_int_equal(fr.cell[0], 0x0720);
    assert_int_equal(fr.cursor_row, 1);
    assert_int_equal(fr.cursor_col, 2);
    /* start address one row on: row 1 is on top, the cursor moves up */
    out8(f, 0x3D4, 0x0D);
    out8(f, 0x3D5, 80);
    dev_vga_text_state(f->vga, &st);
    vga_frame_capture(&fr, &st, f->ram, RAM_SIZE);
    assert_int_equal(fr.cell[0], 0x1F41);
    assert_int_equal(fr.cursor_row, 0);
}

static void test_cp437_and_sgr(void **state)
{
    (void)state;
    char b[24];
    assert_int_equal(vga_cp437_utf8('A', b), 1);
    assert_int_equal(b[0], 'A');
    assert_int_equal(vga_cp437_utf8(0x00, b), 1);
    assert_int_equal(b[0], ' ');
    assert_int_equal(vga_cp437_utf8(0x82, b), 2); /* é */
    assert_memory_equal(b, "\xC3\xA9", 2);
    assert_int_equal(vga_cp437_utf8(0xC9, b), 3); /* ╔ U+2554 */
    assert_memory_equal(b, "\xE2\x95\x94", 3);
    assert_int_equal(vga_cp437_utf8(0x01, b), 3); /* ☺ U+263A */
    assert_memory_equal(b, "\xE2\x98\xBA", 3);
    unsigned n = vga_attr_sgr(0x1E, true, b); /* yellow on blue */
    b[n] = 0;
    assert_string_equal(b, "\x1b[0;93;44m");
    n = vga_attr_sgr(0xC4, true, b); /* blink dropped: red on red */
    b[n] = 0;
    assert_string_equal(b, "\x1b[0;31;41m");
    n = vga_attr_sgr(0xC4, false, b); /* bright background */
    b[n] = 0;
    assert_string_equal(b, "\x1b[0;31;101m");
}

static void frame_init(struct vga_frame *fr, unsigned cols, unsigned rows)
{
    memset(fr, 0, sizeof(*fr));
    fr->cols = cols;
    fr->rows = rows;
    fr->cursor_row = fr->cursor_col = -1;
    fr->blink = true;
    for (unsigned i = 0; i < cols * rows; i++)
        fr->cell[i] = 0x0720;
}

static void test_render_diff(void **state)
{
    (void)state;
    static struct vga_frame a, b;
    static char out[VGA_RENDER_MAX];
    uint64_t cells;
    frame_init(&a, 4, 2);
    long n = vga_render_ansi(NULL, &a, out, sizeof(out), &cells);
    assert_true(n > 0);
    assert_int_equal(cells, 8);
    assert_memory_equal(out, "\x1b[0m\x1b[2J", 8);
    /* the same frame again: nothing to write */
    b = a;
    assert_int_equal(vga_render_ansi(&a, &b, out, sizeof(out), &cells), 0);
    assert_int_equal(cells, 0);
    /* two cells changed: positioned, coloured, only those */
    b.cell[1] = 0x0748; /* H at row 0, column 1 */
    b.cell[2] = 0x0769; /* i next to it: no second positioning */
    b.cell[7] = 0x1E21; /* ! at row 1, column 3 */
    n = vga_render_ansi(&a, &b, out, sizeof(out), &cells);
    out[n] = 0;
    assert_int_equal(cells, 3);
    assert_string_equal(out, "\x1b[1;2H\x1b[0;37;40mHi\x1b[2;4H\x1b[0;93;44m!\x1b[?25l");
    /* a short gap of unchanged cells is rewritten, not skipped */
    a = b;
    b.cell[4] = 0x0741; /* A at row 1, column 0 */
    b.cell[6] = 0x0742; /* B at row 1, column 2 */
    n = vga_render_ansi(&a, &b, out, sizeof(out), &cells);
    out[n] = 0;
    assert_int_equal(cells, 3);
    assert_string_equal(out, "\x1b[2;1H\x1b[0;37;40mA B\x1b[?25l");
    /* the cursor alone moved */
    a = b;
    b.cursor_row = 1;
    b.cursor_col = 0;
    n = vga_render_ansi(&a, &b, out, sizeof(out), &cells);
    out[n] = 0;
    assert_string_equal(out, "\x1b[2;1H\x1b[?25h");
    /* too small a buffer */
    assert_int_equal(vga_render_ansi(NULL, &b, out, 8, &cells), XBT_ERANGE);
}

static void test_frame_text(void **state)
{
    (void)state;
    static struct vga_frame fr;
    char out[64];
    frame_init(&fr, 4, 2);
    fr.cell[0] = 0x07C9; /* ╔ */
    fr.cell[1] = 0x0741;
    long n = vga_frame_text(&fr, out, sizeof(out));
    assert_int_equal(n, 6);
    assert_memory_equal(out,
                        "\xE2\x95\x94"
                        "A\n\n",
                        6);
}

/* Random register writes never make the capture or the renderer step out
 * of their buffers (whatever the CRTC says, the frame is clipped). */
static void test_random_registers(void **state)
{
    struct fixture *f = *state;
    static struct vga_frame a, b;
    static char out[VGA_RENDER_MAX];
    struct vga_text_state st;
    uint64_t cells;
    unsigned seed = 12345;
    bool have = false;
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < 8; i++) {
            seed = seed * 1103515245u + 12345u;
            uint16_t port = (uint16_t)(0x3B0 + (seed >> 8) % 0x30);
            if (port == 0x3C2) /* keep the colour CRTC address */
                continue;
            out8(f, port, (uint8_t)(seed >> 20));
        }
        for (unsigned i = 0; i < 64; i++)
            f->ram[0xA0000 + ((seed >> 4) + i * 977) % 0x20000] = (uint8_t)(seed >> (i % 24));
        dev_vga_text_state(f->vga, &st);
        assert_true(st.cols >= 1 && st.cols <= VGA_TEXT_MAX_COLS);
        assert_true(st.rows >= 1 && st.rows <= VGA_TEXT_MAX_ROWS);
        vga_frame_capture(&b, &st, f->ram, RAM_SIZE);
        long n = vga_render_ansi(have ? &a : NULL, &b, out, sizeof(out), &cells);
        assert_true(n >= 0);
        a = b;
        have = true;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mode3_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flip_flop_and_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capture, setup, teardown),
        cmocka_unit_test(test_cp437_and_sgr),
        cmocka_unit_test(test_render_diff),
        cmocka_unit_test(test_frame_text),
        cmocka_unit_test_setup_teardown(test_random_registers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
