/*
 * loader_int.h - what the boot loaders of src/loader share: one-line error
 * messages, reading a kernel file whole, boot modules (opened and checked
 * up front, read into RAM at load), ELF32 images (checked, then copied),
 * little-endian stores into guest RAM, and the PC memory layout they
 * describe to the guest.
 *
 * Every loader works in two phases: *check* validates everything that can
 * be known about its input files before guest RAM is written (and fails
 * with one message line, RAM untouched); *load* then writes guest RAM and
 * can fail only where the input is a stream that changes or fails while
 * it is read (a module that is a pipe, an I/O error).  Messages have no
 * "xbt:" prefix and no newline.
 */
#ifndef XBT_LOADER_INT_H
#define XBT_LOADER_INT_H

#include <string.h>

#include "acpi.h"
#include "loader.h"

/* The PC memory layout the loaders describe. */
#define PC_LOW_RAM_END 0x9fc00u      /* conventional RAM ends; EBDA follows */
#define PC_EBDA_END 0xa0000u         /* end of the 1 KiB EBDA; VGA hole next */
#define PC_ACPI_START ACPI_AREA_BASE /* 0xe0000: the ACPI tables (acpi.h) */
#define PC_BIOS_START 0xf0000u       /* system BIOS ROM, reserved */
#define PC_HIGH_RAM 0x100000u        /* extended memory starts at 1 MiB */
#define PC_MEM_LOWER_KIB 639u        /* = PC_LOW_RAM_END / 1024 */
#define PC_LOW_RESERVED 0x1000u      /* IVT, BDA: no segment may go below */

#define PAGE_SIZE_4K 4096u

/* One entry of the memory map (BIOS e820 format, as multiboot and the
 * Linux zero page carry it). */
struct loader_e820 {
    uint64_t addr, size;
    uint32_t type;
};
#define E820_RAM 1
#define E820_RESERVED 2
#define LOADER_E820_MAX 8
/* The PC layout for ram_size bytes of RAM into map (LOADER_E820_MAX
 * entries at most); returns the number of entries (memmap.c). */
size_t loader_memory_map(uint32_t ram_size, struct loader_e820 *map);

/* Writes one message line to err (if err and errlen). */
void loader_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The XBT_E* code for an errno value from open/read. */
int loader_errno_code(int e);

/* Reads the kernel file at path whole into a malloc'd buffer (at most
 * 1 GiB, not empty). */
int loader_read_file(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen);

static inline void loader_put32(uint8_t *ram, uint32_t addr, uint32_t v)
{
    memcpy(ram + addr, &v, sizeof(v)); /* host and guest are little-endian */
}

static inline void loader_put64(uint8_t *ram, uint32_t addr, uint64_t v)
{
    memcpy(ram + addr, &v, sizeof(v));
}

/* The Multiboot header must lie entirely within the image's first 8 KiB. */
#define MB_SEARCH_LIMIT 8192u
/* Header fields: magic, flags, checksum (each 32 bits). */
#define MB_HEADER_MIN_SIZE 12u
/* The header is 32-bit aligned. */
#define MB_HEADER_ALIGN 4u

static inline uint32_t loader_get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint64_t loader_align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* --- ELF32 images (elf.c) ---------------------------------------------- */

/* A guest-physical range no segment may overlap, and how messages name it
 * ("segment 1 [..) overlaps <what>"). */
struct loader_region {
    uint64_t lo, hi;
    char what[96];
};

/* Where a kernel's segments may go: below ram_size, clear of each
 * reserved region (checked in order). */
struct loader_place {
    uint32_t ram_size;
    const struct loader_region *reserved;
    size_t nreserved;
};

/* A PT_LOAD segment, as placed in guest-physical memory. */
struct elf_seg {
    uint64_t lo, hi;         /* [lo, hi) guest-physical, hi-lo = memsz */
    uint64_t vaddr;          /* p_vaddr, for the entry translation */
    uint32_t offset, filesz; /* file range to copy */
    size_t index;            /* program header index, for messages */
};

/* A checked ELF32 i386 executable: what elf_load copies. */
struct elf_image {
    struct elf_seg *segs; /* non-empty PT_LOAD segments, by address */
    size_t nsegs;
    uint32_t entry;  /* guest-physical entry point */
    uint64_t lo, hi; /* extent of all segments */
};

/* Check: ELF identification and headers of img, its PT_LOAD segments
 * inside the file and in their place, clear of each other, the entry point
 * inside one (a virtual entry is translated).  On success *im holds the
 * segments (free with elf_image_free); on failure it holds none. */
int elf_check(const char *path, uint8_t *img, size_t len, const struct loader_place *place,
              struct elf_image *im, char *err, size_t errlen);
/* Load: copies the segments of img into ram and zeroes their BSS. */
void elf_load(const struct elf_image *im, const uint8_t *img, uint8_t *ram);
void elf_image_free(struct elf_image *im);

/* --- boot modules (modules.c) ------------------------------------------ */

/* A boot module file, placed page-aligned after the previous one. */
struct boot_module {
    const char *path;
    int fd;              /* -1 until opened */
    uint64_t start, end; /* [start, end) guest-physical, at load */
};

/* Check: opens every module (none is read).  On failure the ones opened
 * stay open: modules_close closes them. */
int modules_open(struct boot_module *bm, int n, char *err, size_t errlen);
/* Check: the modules, placed page-aligned one after the other from cursor,
 * start inside ram_size and (those whose size is known: regular files, up
 * to the first whose size is not) end inside it; directories are refused. */
int modules_check(const struct boot_module *bm, int n, uint64_t cursor, uint32_t ram_size,
                  char *err, size_t errlen);
/* Load: reads each module into ram at its place, setting start and end. */
int modules_load(struct boot_module *bm, int n, uint64_t cursor, uint8_t *ram, uint32_t ram_size,
                 char *err, size_t errlen);
void modules_close(struct boot_module *bm, int n);

#endif
