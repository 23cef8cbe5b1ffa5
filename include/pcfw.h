/*
 * pcfw.h - what the PC board tells its BIOS, as QEMU's -machine pc tells
 * SeaBIOS: the CMOS bytes QEMU's pc_cmos_init fills and the contents of
 * the fw_cfg items SeaBIOS reads (src/firmware/pcfw.c).  Pure data, no
 * device: the board (src/machine_bios.c) writes the bytes into the RTC's
 * CMOS and the items into the fw_cfg device.
 */
#ifndef XBT_PCFW_H
#define XBT_PCFW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcfw_config {
    uint32_t ram_size;    /* bytes, all below 4 GiB */
    unsigned ncpus;       /* 1 */
    uint16_t sercon_port; /* etc/sercon-port (0x3F8), 0: no such file */
    const char *boot;     /* QEMU's -boot order letters ("cad"), NULL: "cad" */
};

struct pcfw_cmos_byte {
    uint8_t index, value;
};
/* Tunable: most CMOS bytes pcfw_cmos writes.  Policy: all of QEMU's. */
#define PCFW_CMOS_MAX 32
/* Fills out with the CMOS bytes QEMU sets for this board (memory sizes
 * 0x15-0x18, 0x30/0x31, 0x34/0x35, above 4 GiB 0x5B-0x5D, CPUs - 1 at
 * 0x5F, the equipment byte 0x14 (FPU, PS/2 mouse; no floppy), floppy types
 * 0x10 (none), the boot order 0x3D/0x38); returns how many (at most
 * PCFW_CMOS_MAX). */
int pcfw_cmos(const struct pcfw_config *c, struct pcfw_cmos_byte *out);

/* An e820 entry as etc/e820 carries it: le64 address, le64 length, le32
 * type. */
#define PCFW_E820_ENTRY 20
#define PCFW_E820_RAM 1
/* etc/e820 for the board: QEMU's one RAM entry [0, ram_size) (SeaBIOS
 * reserves its own areas).  Writes up to max bytes to buf; returns the
 * length of the whole table. */
uint32_t pcfw_e820(const struct pcfw_config *c, uint8_t *buf, uint32_t max);

/* ---- the BIOS image (src/firmware/bios_image.c) ---- */
/* The firmware when booting without a kernel (Debian's seabios package). */
#define PCFW_DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
/* Tunable: BIOS image sizes accepted.  Policy: QEMU's rule (a multiple of
 * 64 KiB), at most 16 MiB (the flash window below 4 GiB a chipset of the
 * era decodes). */
#define PCFW_BIOS_ALIGN 0x10000u
#define PCFW_BIOS_MAX 0x1000000u
struct bios_image {
    uint8_t *data;
    uint32_t size;
};
/* Reads path whole.  On failure writes one line ("PATH: reason") to err
 * and returns a negative XBT_E* code: missing, not a regular file,
 * unreadable, empty, a size that is not a multiple of 64 KiB, larger than
 * 16 MiB. */
int bios_image_load(struct bios_image *img, const char *path, char *err, size_t errlen);
void bios_image_free(struct bios_image *img);

#endif
