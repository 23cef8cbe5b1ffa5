/*
 * machine_vga.c - the board's display and keyboard: an ISA VGA card
 * (src/devices/vga.c) with a PS/2 keyboard on the i8042, as QEMU's
 * `-M pc -device isa-vga` has (docs/devices.md "VGA" says why ISA and not
 * the PCI stdvga).  Booting through a BIOS, the VGA BIOS goes to it as
 * fw_cfg file vgaroms/vgabios-isavga.bin, which SeaBIOS copies to 0xC0000
 * and runs (optionroms.c, run_file_roms("vgaroms/")); xbt's direct kernel
 * boots start with the screen that BIOS leaves: mode 3, blank.
 */
#include <stdio.h>
#include <stdlib.h>

#include "devices.h"
#include "machine.h"
#include "vga.h"

/* The VGA BIOS of Debian's seabios package built for the ISA VGA (QEMU's
 * own vgabios.bin is this build). */
#define VGA_DEFAULT_BIOS "/usr/share/seabios/vgabios-isavga.bin"
#define VGA_FW_CFG_NAME "vgaroms/vgabios-isavga.bin"
/* Tunable: largest VGA BIOS accepted.  Policy: an option ROM's size
 * byte counts 512-byte blocks, so 127.5 KiB at most; the VGA ROM area
 * 0xC0000-0xC7FFF is 32 KiB on a real PC, SeaVGABIOS needs ~40 KiB. */
#define VGA_BIOS_MAX (255u * 512u)

/* Reads path whole; NULL (and *len 0) if missing, unreadable or too big. */
static uint8_t *vga_read_rom(const char *path, uint32_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(VGA_BIOS_MAX + 1);
    size_t n = buf ? fread(buf, 1, VGA_BIOS_MAX + 1, f) : 0;
    fclose(f);
    if (n == 0 || n > VGA_BIOS_MAX) {
        free(buf);
        return NULL;
    }
    *len = (uint32_t)n;
    return buf;
}

/* The VGA BIOS for the firmware: --vgabios or the package's. */
static int vga_add_rom(struct machine *m)
{
    const char *path = m->cfg.vgabios ? m->cfg.vgabios : VGA_DEFAULT_BIOS;
    uint32_t len;
    uint8_t *rom = vga_read_rom(path, &len);
    if (!rom) {
        if (!m->cfg.vgabios)
            return 0; /* no package: a VGA without a BIOS (blank to SeaBIOS) */
        xbt_error("--vgabios %s: cannot read it (or larger than %u bytes)", path,
                  (unsigned)VGA_BIOS_MAX);
        return XBT_EIO;
    }
    int rc = fw_cfg_add_file(m->fw_cfg, VGA_FW_CFG_NAME, rom, len);
    free(rom);
    return rc;
}

/* The BIOS data area's video bytes as the VGA BIOS leaves them in mode 3
 * (direct kernel boots, whose firmware did not run). */
static void vga_bda_mode3(uint8_t *ram)
{
    ram[0x449] = 0x03;                    /* video mode */
    ram[0x44A] = 80;                      /* columns */
    ram[0x44C] = 0x00, ram[0x44D] = 0x10; /* page size 4 KiB */
    ram[0x460] = 0x0E, ram[0x461] = 0x0D; /* cursor end, start scan line */
    ram[0x463] = 0xD4, ram[0x464] = 0x03; /* CRTC base 0x3D4 */
    ram[0x484] = 24;                      /* rows - 1 */
    ram[0x485] = 16;                      /* character height */
}

int machine_vga_create(struct machine *m)
{
    if (!m->cfg.vga || m->ram_size < VGA_WINDOW_BASE + VGA_WINDOW_SIZE)
        return 0;
    m->vga = dev_vga_create(m->bus, m->ram, m->ram_size);
    if (!m->vga)
        return XBT_ENOMEM;
    dev_i8042_attach_keyboard(m->kbc);
    if (!m->cfg.bios_boot) {
        dev_vga_clear_text(m->vga, m->ram);
        vga_bda_mode3(m->ram);
    }
    if (m->cfg.bios && m->fw_cfg)
        return vga_add_rom(m);
    return 0;
}

void machine_vga_destroy(struct machine *m)
{
    vga_console_stop(m->vga_console);
    m->vga_console = NULL;
    dev_vga_destroy(m->vga);
    m->vga = NULL;
}
