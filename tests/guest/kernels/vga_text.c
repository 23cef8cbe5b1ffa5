/*
 * vga_text.c - the VGA as a kernel finds it after the firmware (mode 3),
 * register by register, and a text screen written straight into 0xB8000
 * with the CRTC cursor moved.  COM1 gets the registers and the checks of
 * the port behaviours (attribute flip-flop, input status 1 toggling, the
 * CRTC's mono/colour address and write protection, the DAC's index
 * auto-increment); tests/cli/vga.sh compares it with QEMU's
 * (`-device isa-vga`) and the final screen (xbt --vga-dump) with
 * vga_text.screen.
 */
#include "io.h"
#include "rt.h"

#define VGA_TEXT ((volatile uint16_t *)0xB8000)
#define COLS 80

static uint8_t crtc_read(uint8_t i)
{
    outb(0x3D4, i);
    return inb(0x3D5);
}

static void crtc_write(uint8_t i, uint8_t v)
{
    outb(0x3D4, i);
    outb(0x3D5, v);
}

static uint8_t indexed_read(uint16_t port, uint8_t i)
{
    outb(port, i);
    return inb((uint16_t)(port + 1));
}

static uint8_t ar_read(uint8_t i)
{
    (void)inb(0x3DA); /* flip-flop to index */
    outb(0x3C0, (uint8_t)(i | 0x20));
    return inb(0x3C1);
}

static void print_regs(const char *name, uint16_t port, unsigned n)
{
    printf("%s:", name);
    for (unsigned i = 0; i < n; i++)
        printf(" %02x", port ? indexed_read(port, (uint8_t)i) : ar_read((uint8_t)i));
    printf("\n");
}

static void dump_registers(void)
{
    uint8_t misc = inb(0x3CC), feature = inb(0x3CA);
    printf("misc %02x feature %02x\n", misc, feature); /* QEMU reads the pel mask as 0 */
    print_regs("seq", 0x3C4, 5);
    printf("crtc:");
    for (unsigned i = 0; i < 25; i++)
        if (i != 0x0E && i != 0x0F) /* the cursor: where the firmware left it */
            printf(" %02x", crtc_read((uint8_t)i));
    printf("\n");
    print_regs("gc", 0x3CE, 9);
    print_regs("ar", 0, 21);
    outb(0x3C7, 0);
    printf("dac 0-15:");
    for (unsigned i = 0; i < 16 * 3; i++)
        printf(" %02x", inb(0x3C9));
    printf("\n");
}

static void check_ports(void)
{
    uint8_t s1 = inb(0x3DA), s2 = inb(0x3DA);
    printf("input status 1 toggles bits 0/3: %s\n", ((s1 ^ s2) & 0x09) == 0x09 ? "yes" : "no");
    printf("mono crtc data in colour mode: %02x\n", indexed_read(0x3B4, 0x0A));
    /* the flip-flop: index, data, then index again */
    (void)inb(0x3DA);
    outb(0x3C0, 0x31); /* index 0x11 (overscan) with PAS */
    outb(0x3C0, 0x05);
    uint8_t index = inb(0x3C0);
    outb(0x3C0, 0x31);
    uint8_t between = inb(0x3C0); /* the next write is data */
    outb(0x3C0, 0x07);
    printf("ar index after data write: %02x, between index and data %02x, overscan %02x\n", index,
           between, ar_read(0x11));
    (void)inb(0x3DA);
    outb(0x3C0, 0x31);
    outb(0x3C0, 0x00);
    /* CR11 bit 7 protects CR0-CR7 */
    uint8_t cr11 = crtc_read(0x11), cr1 = crtc_read(0x01);
    crtc_write(0x11, cr11 | 0x80);
    crtc_write(0x01, 0x10);
    printf("protected cr1 write: %02x (was %02x)\n", crtc_read(0x01), cr1);
    crtc_write(0x11, cr11);
    /* the DAC's write index moves on after three bytes */
    outb(0x3C8, 0x80);
    outb(0x3C9, 0x01);
    outb(0x3C9, 0x02);
    outb(0x3C9, 0x03);
    outb(0x3C9, 0x3F);
    printf("dac write index after 4 bytes: %02x\n", inb(0x3C8));
    outb(0x3C7, 0x80);
    printf("dac 0x80-0x81:");
    for (int i = 0; i < 6; i++)
        printf(" %02x", inb(0x3C9));
    printf("\n");
    outb(0x3C8, 0x81); /* entry 0x81 back as it was */
    for (int i = 0; i < 3; i++)
        outb(0x3C9, 0x00);
}

static void put(unsigned row, unsigned col, const char *s, uint8_t attr)
{
    for (; *s; s++, col++)
        VGA_TEXT[row * COLS + col] = (uint16_t)((uint8_t)*s | attr << 8);
}

static void draw_screen(void)
{
    for (unsigned i = 0; i < 25 * COLS; i++)
        VGA_TEXT[i] = 0x0720;
    put(0, 0, "xbt VGA text test", 0x1F);
    put(2, 2, "\xC9\xCD\xCD\xCD\xCD\xBB", 0x0E);
    put(3, 2, "\xBA\x01\x02\x03\x04\xBA", 0x0E);
    put(4, 2, "\xC8\xCD\xCD\xCD\xCD\xBC", 0x0E);
    for (unsigned c = 0; c < 16; c++)
        VGA_TEXT[6 * COLS + 2 + c] = (uint16_t)(('0' + c % 10) | (c << 12) | ((15 - c) << 8));
    put(8, 0, "caf\x82 \xE0\xE1\xE3 \xB0\xB1\xB2\xDB \xFB\xFD\xF8" "C", 0x07);
    put(24, 70, "bottom", 0x70);
    unsigned cursor = 10 * COLS + 5; /* row 10, column 5 */
    crtc_write(0x0E, (uint8_t)(cursor >> 8));
    crtc_write(0x0F, (uint8_t)cursor);
    printf("cursor at %u\n", (unsigned)(crtc_read(0x0E) << 8 | crtc_read(0x0F)));
}

/* With a '!' on the command line ("graphics!"): mode 0x12's graphics bits, as a
 * BIOS would set them (BDA mode byte first). */
static void set_graphics(void)
{
    __asm__ volatile("movb $0x12, 0x449" : : : "memory"); /* the BDA's mode byte */
    outb(0x3CE, 0x06);
    outb(0x3CF, 0x05);
    (void)inb(0x3DA);
    outb(0x3C0, 0x30);
    outb(0x3C0, 0x01);
    printf("graphics mode set\n");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    dump_registers();
    check_ports();
    draw_screen();
    if ((mbi->flags & MULTIBOOT_INFO_CMDLINE) && strchr((const char *)mbi->cmdline, '!'))
        set_graphics();
    return 0;
}
