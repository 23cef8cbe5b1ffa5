/*
 * vga.c - the registers of an ISA VGA card (QEMU's isa-vga, for which the
 * SeaBIOS package's vgabios-isavga.bin is built) at ports 0x3B0-0x3DF.
 *
 *   0x3C0      attribute controller: index and data through one port,
 *              alternating (the flip-flop; reading input status 1 resets
 *              it to "index"); index bit 5 is PAS (palette address
 *              source: 0 blanks the screen while the palette is loaded);
 *              reads the index, or 0 while the next write is data
 *   0x3C1      attribute data read
 *   0x3C2      misc output write / input status 0 read (0)
 *   0x3C4/5    sequencer index/data (5 registers)
 *   0x3C6      DAC pixel mask
 *   0x3C7      DAC read index (write) / DAC state (read: 0 after a read
 *              index was set, 3 after a write index)
 *   0x3C8      DAC write index
 *   0x3C9      DAC data: red, green, blue (6 bits each), then the next
 *              entry; a written entry changes when its third byte came
 *   0x3CA      feature control read; 0x3CC misc output read
 *   0x3CE/F    graphics controller index/data (9 registers)
 *   0x3B4/5, 0x3D4/5  CRTC index/data (25 registers) at the address misc
 *              output bit 0 selects (1: 0x3Dx, colour); the other pair
 *              reads 0xFF and ignores writes.  CR11 bit 7 write-protects
 *              CR0-CR7 (but CR7 bit 4).
 *   0x3BA, 0x3DA  input status 1 (read): bits 0 and 3 toggle on every
 *              read (QEMU's model of retrace: a poller sees both states);
 *              feature control (write).
 * Register write masks and reset values of unused bits are QEMU's
 * (hw/display/vga.c), except the pixel mask, which reads back as on a
 * real VGA (QEMU reads 0).  Word accesses are two byte accesses, low byte to
 * the lower port.  Other ports of the range read 0xFF.
 *
 * Memory: the 0xA0000-0xBFFFF window is guest RAM, not modelled planes
 * (include/vga.h says why that suffices for text modes).
 *
 * Graphics: a switch to a graphics mode (graphics controller misc bit 0
 * or attribute mode control bit 0) is counted; the console says so.
 *
 * Threading: port accesses on the vCPU thread; the renderer reads the
 * state under the same mutex.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vga.h"
#include "xbt.h"

#define SEQ_REGS 5
#define CRTC_REGS 25
#define GC_REGS 9
#define AR_REGS 21
#define DAC_ENTRIES 256

#define AR_PAS 0x20
#define ST01_DISP_ENABLE 0x01
#define ST01_V_RETRACE 0x08
#define MISC_COLOR 0x01
#define CR11_PROTECT 0x80
#define GC6_GRAPHICS 0x01
#define AR10_GRAPHICS 0x01
#define AR10_BLINK 0x08
#define SR1_SCREEN_OFF 0x20

/* Writable bits (QEMU's sr_mask / gr_mask). */
static const uint8_t seq_mask[SEQ_REGS] = { 0x03, 0x3D, 0x0F, 0x3F, 0x0E };
static const uint8_t gc_mask[GC_REGS] = { 0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF };

/* Mode 3 (80x25, 16 colours, 9x16 cells), as the VGA BIOS programs it. */
static const uint8_t mode3_seq[SEQ_REGS] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_crtc[CRTC_REGS] = { 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
                                               0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
                                               0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF };
static const uint8_t mode3_gc[GC_REGS] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x0F, 0xFF };
static const uint8_t mode3_ar[AR_REGS] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
                                           0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
                                           0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00 };
#define MODE3_MISC 0x67

struct dev_vga {
    pthread_mutex_t lock;
    struct io_bus *bus;
    const uint8_t *ram;
    uint32_t ram_size;
    uint8_t misc, feature, st01, pel_mask;
    uint8_t seq_index, seq[SEQ_REGS];
    uint8_t crtc_index, crtc[CRTC_REGS];
    uint8_t gc_index, gc[GC_REGS];
    uint8_t ar_index, ar[AR_REGS];
    bool ar_data; /* the flip-flop: the next 0x3C0 write is data */
    uint8_t dac_read, dac_write, dac_sub, dac_state;
    uint8_t dac[DAC_ENTRIES * 3];
    uint8_t dac_cache[3]; /* the entry being written */
    bool graphics;        /* as last seen by a register write */
    struct dev_vga_stats st;
};

/* The EGA-compatible 64-colour palette the BIOS loads for text modes:
 * bits 2/1/0 are red/green/blue at 2/3 intensity, bits 5/4/3 add 1/3;
 * entries 64-255 black (as SeaVGABIOS leaves them). */
static void vga_default_dac(struct dev_vga *v)
{
    for (unsigned i = 0; i < 64; i++) {
        unsigned c = i;
        v->dac[i * 3 + 0] = (uint8_t)(((c >> 2) & 1) * 0x2A + ((c >> 5) & 1) * 0x15);
        v->dac[i * 3 + 1] = (uint8_t)(((c >> 1) & 1) * 0x2A + ((c >> 4) & 1) * 0x15);
        v->dac[i * 3 + 2] = (uint8_t)((c & 1) * 0x2A + ((c >> 3) & 1) * 0x15);
    }
}

static void vga_mode3(struct dev_vga *v)
{
    v->misc = MODE3_MISC;
    memcpy(v->seq, mode3_seq, sizeof(v->seq));
    memcpy(v->crtc, mode3_crtc, sizeof(v->crtc));
    memcpy(v->gc, mode3_gc, sizeof(v->gc));
    memcpy(v->ar, mode3_ar, sizeof(v->ar));
    v->ar_index = AR_PAS;
    v->pel_mask = 0xFF;
    vga_default_dac(v);
}

static bool vga_is_graphics(const struct dev_vga *v)
{
    return (v->gc[6] & GC6_GRAPHICS) || (v->ar[0x10] & AR10_GRAPHICS);
}

/* After a write that may change the mode: count text -> graphics. */
static void vga_note_mode(struct dev_vga *v)
{
    bool g = vga_is_graphics(v);
    if (g && !v->graphics)
        v->st.graphics_modes++;
    v->graphics = g;
}

static uint16_t vga_crtc_port(const struct dev_vga *v)
{
    return v->misc & MISC_COLOR ? 0x3D0 : 0x3B0;
}

/* ---- reads ---- */

static uint8_t vga_dac_data_read(struct dev_vga *v)
{
    uint8_t val = v->dac[v->dac_read * 3 + v->dac_sub];
    if (++v->dac_sub == 3) {
        v->dac_sub = 0;
        v->dac_read++;
    }
    return val;
}

static uint8_t vga_read_status1(struct dev_vga *v)
{
    v->st.status_reads++;
    v->st01 ^= ST01_DISP_ENABLE | ST01_V_RETRACE;
    v->ar_data = false;
    return v->st01;
}

static uint8_t vga_read_crtc(struct dev_vga *v, unsigned off)
{
    if (off == 4)
        return v->crtc_index;
    return v->crtc_index < CRTC_REGS ? v->crtc[v->crtc_index] : 0x00;
}

static uint8_t vga_read_byte(struct dev_vga *v, uint16_t port)
{
    uint16_t crtc = vga_crtc_port(v);
    if ((port & 0xFFF0) != 0x3C0) {
        if ((port & 0xFFF0) != crtc)
            return 0xFF; /* the other (mono or colour) address */
        if ((port & 0xF) == 0x4 || (port & 0xF) == 0x5)
            return vga_read_crtc(v, port & 0xF);
        if ((port & 0xF) == 0xA)
            return vga_read_status1(v);
        return 0xFF;
    }
    switch (port) {
    case 0x3C0: return v->ar_data ? 0 : v->ar_index; /* QEMU: 0 between index and data */
    case 0x3C1: return (v->ar_index & 0x1F) < AR_REGS ? v->ar[v->ar_index & 0x1F] : 0;
    case 0x3C2: return 0x00; /* input status 0 */
    case 0x3C4: return v->seq_index;
    case 0x3C5: return v->seq_index < SEQ_REGS ? v->seq[v->seq_index] : 0;
    case 0x3C6: return v->pel_mask;
    case 0x3C7: return v->dac_state;
    case 0x3C8: return v->dac_write;
    case 0x3C9: return vga_dac_data_read(v);
    case 0x3CA: return v->feature;
    case 0x3CC: return v->misc;
    case 0x3CE: return v->gc_index;
    case 0x3CF: return v->gc_index < GC_REGS ? v->gc[v->gc_index] : 0;
    default: return 0xFF;
    }
}

/* ---- writes ---- */

static void vga_write_ar(struct dev_vga *v, uint8_t val)
{
    if (!v->ar_data) {
        v->ar_index = val & 0x3F;
    } else {
        unsigned i = v->ar_index & 0x1F;
        static const uint8_t ar_mask[AR_REGS - 0x10] = { 0xEF, 0xFF, 0x3F, 0x0F, 0x0F };
        if (i < 0x10)
            v->ar[i] = val & 0x3F;
        else if (i < AR_REGS)
            v->ar[i] = val & ar_mask[i - 0x10];
        vga_note_mode(v);
    }
    v->ar_data = !v->ar_data;
}

static void vga_write_crtc(struct dev_vga *v, uint8_t val)
{
    unsigned i = v->crtc_index;
    v->st.crtc_writes++;
    if (i >= CRTC_REGS)
        return;
    if ((v->crtc[0x11] & CR11_PROTECT) && i <= 7) {
        if (i == 7) /* only the line compare bit 8 stays writable */
            v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (val & 0x10));
        return;
    }
    v->crtc[i] = val;
}

static void vga_write_dac(struct dev_vga *v, uint8_t val)
{
    v->st.dac_writes++;
    v->dac_cache[v->dac_sub] = val & 0x3F;
    if (++v->dac_sub == 3) { /* the entry changes when complete */
        memcpy(&v->dac[v->dac_write * 3], v->dac_cache, 3);
        v->dac_sub = 0;
        v->dac_write++;
    }
}

static void vga_write_3cx(struct dev_vga *v, uint16_t port, uint8_t val)
{
    switch (port) {
    case 0x3C0: vga_write_ar(v, val); break;
    case 0x3C2: v->misc = val & 0xEF; break;
    case 0x3C4: v->seq_index = val & 7; break;
    case 0x3C5:
        if (v->seq_index < SEQ_REGS)
            v->seq[v->seq_index] = val & seq_mask[v->seq_index];
        break;
    case 0x3C6: v->pel_mask = val; break;
    case 0x3C7:
        v->dac_read = val;
        v->dac_sub = 0;
        v->dac_state = 3;
        break;
    case 0x3C8:
        v->dac_write = val;
        v->dac_sub = 0;
        v->dac_state = 0;
        break;
    case 0x3C9: vga_write_dac(v, val); break;
    case 0x3CE: v->gc_index = val & 0x0F; break;
    case 0x3CF:
        if (v->gc_index < GC_REGS) {
            v->gc[v->gc_index] = val & gc_mask[v->gc_index];
            vga_note_mode(v);
        }
        break;
    default: break;
    }
}

static void vga_write_byte(struct dev_vga *v, uint16_t port, uint8_t val)
{
    if ((port & 0xFFF0) == 0x3C0) {
        vga_write_3cx(v, port, val);
        return;
    }
    if ((port & 0xFFF0) != vga_crtc_port(v))
        return;
    switch (port & 0xF) {
    case 0x4: v->crtc_index = val & 0x1F; break;
    case 0x5: vga_write_crtc(v, val); break;
    case 0xA: v->feature = val & 0x03; break;
    default: break;
    }
}

static uint32_t vga_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_vga *v = opaque;
    uint32_t val = 0;
    pthread_mutex_lock(&v->lock);
    v->st.port_reads++;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint8_t b = p < VGA_PORT_BASE + VGA_PORT_COUNT ? vga_read_byte(v, p) : 0xFF;
        val |= (uint32_t)b << (8 * i);
    }
    pthread_mutex_unlock(&v->lock);
    return val;
}

static void vga_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_vga *v = opaque;
    pthread_mutex_lock(&v->lock);
    v->st.port_writes++;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        if (p < VGA_PORT_BASE + VGA_PORT_COUNT)
            vga_write_byte(v, p, (uint8_t)(val >> (8 * i)));
    }
    pthread_mutex_unlock(&v->lock);
}

static const struct dev_port_ops vga_ops = {
    .read = vga_port_read,
    .write = vga_port_write,
};

/* ---- the text screen as the registers describe it ---- */

/* The memory map the graphics controller selects (misc register 6). */
static void vga_memory_map(const struct dev_vga *v, uint32_t *base, uint32_t *size)
{
    static const uint32_t bases[4] = { 0xA0000, 0xA0000, 0xB0000, 0xB8000 };
    static const uint32_t sizes[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
    unsigned map = (v->gc[6] >> 2) & 3;
    *base = bases[map];
    *size = sizes[map];
}

/* Rows: vertical display end (10 bits, overflow in CR7) over the cell
 * height (CR9, doubled by its scan-doubling bit). */
static unsigned vga_text_rows(const struct dev_vga *v)
{
    unsigned vde = v->crtc[0x12] | ((v->crtc[7] & 0x02) << 7) | ((v->crtc[7] & 0x40) << 3);
    unsigned height = (v->crtc[9] & 0x1F) + 1u;
    if (v->crtc[9] & 0x80)
        height *= 2;
    unsigned rows = (vde + 1) / height;
    return rows < 1 ? 1 : rows > VGA_TEXT_MAX_ROWS ? VGA_TEXT_MAX_ROWS : rows;
}

void dev_vga_text_state(struct dev_vga *v, struct vga_text_state *st)
{
    pthread_mutex_lock(&v->lock);
    memset(st, 0, sizeof(*st));
    st->graphics = vga_is_graphics(v);
    st->display_off = (v->seq[1] & SR1_SCREEN_OFF) != 0;
    unsigned cols = v->crtc[1] + 1u;
    st->cols = cols > VGA_TEXT_MAX_COLS ? VGA_TEXT_MAX_COLS : cols;
    st->rows = vga_text_rows(v);
    vga_memory_map(v, &st->base, &st->window);
    st->start = (uint32_t)v->crtc[0x0C] << 8 | v->crtc[0x0D];
    st->stride = v->crtc[0x13] ? v->crtc[0x13] * 2u : cols;
    st->cursor = (uint32_t)v->crtc[0x0E] << 8 | v->crtc[0x0F];
    st->cursor_on = !(v->crtc[0x0A] & 0x20) && (v->crtc[0x0A] & 0x1F) <= (v->crtc[0x0B] & 0x1F);
    st->blink = (v->ar[0x10] & AR10_BLINK) != 0;
    pthread_mutex_unlock(&v->lock);
}

void dev_vga_count_frame(struct dev_vga *v, uint64_t cells)
{
    pthread_mutex_lock(&v->lock);
    v->st.frames++;
    v->st.cells_drawn += cells;
    pthread_mutex_unlock(&v->lock);
}

const struct dev_vga_stats *dev_vga_stats(const struct dev_vga *v)
{
    return &v->st;
}

void dev_vga_clear_text(struct dev_vga *v, uint8_t *ram)
{
    uint32_t base, size;
    pthread_mutex_lock(&v->lock);
    vga_memory_map(v, &base, &size);
    pthread_mutex_unlock(&v->lock);
    if ((uint64_t)base + size > v->ram_size)
        return;
    for (uint32_t i = 0; i < size; i += 2) {
        ram[base + i] = ' ';
        ram[base + i + 1] = 0x07;
    }
}

struct dev_vga *dev_vga_create(struct io_bus *bus, const uint8_t *ram, uint32_t ram_size)
{
    struct dev_vga *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    pthread_mutex_init(&v->lock, NULL);
    v->bus = bus;
    v->ram = ram;
    v->ram_size = ram_size;
    vga_mode3(v);
    if (bus) {
        int err = bus_register_ports(bus, VGA_PORT_BASE, VGA_PORT_COUNT, &vga_ops, v);
        if (err < 0) {
            xbt_error("vga: cannot claim ports 0x3b0-0x3df: %s", xbt_strerror(err));
            pthread_mutex_destroy(&v->lock);
            free(v);
            return NULL;
        }
    }
    return v;
}

void dev_vga_destroy(struct dev_vga *v)
{
    if (!v)
        return;
    if (v->bus)
        bus_unregister_ports(v->bus, VGA_PORT_BASE, VGA_PORT_COUNT, v);
    pthread_mutex_destroy(&v->lock);
    free(v);
}
