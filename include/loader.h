/*
 * loader.h - boot protocols (src/loader/).  Multiboot v1: an ELF32 i386
 * kernel is loaded with libelf (PT_LOAD segments at their physical
 * addresses), the multiboot information (memory sizes, memory map, command
 * line, modules) is built in guest RAM, and the entry state is described
 * for the vCPU.
 */
#ifndef XBT_LOADER_H
#define XBT_LOADER_H

#include "xbt.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002u
#define MB_HEADER_MAGIC 0x1BADB002u

/* Guest-physical layout chosen by the loader. */
#define MB_INFO_ADDR 0x9000u      /* multiboot info, cmdline, mmap, module list */
#define MB_INFO_LIMIT 0x9FC00u    /* end of the region the loader may use for it */

struct mb_module {
    const char *path;             /* host file */
    const char *string;           /* module string (path plus args), may be NULL */
};

struct mb_boot {
    uint32_t entry;               /* EIP at entry */
    uint32_t mbi;                 /* EBX at entry */
    uint32_t kernel_lo, kernel_hi;/* guest-physical extent of the loaded image */
};

/*
 * Loads `path` into ram[0, ram_size) and builds the multiboot information.
 * On failure returns a negative XBT_E* code and writes one human-readable
 * line (no trailing newline, no "xbt:" prefix) to err.  Everything that can
 * be known about the kernel and the modules is checked before guest RAM is
 * written; only a module that fails or turns out too big while it is read
 * (a stream, an I/O error) fails afterwards, so on failure the guest must
 * not be run.
 */
int loader_multiboot(uint8_t *ram, uint32_t ram_size, const char *path,
                     const char *cmdline, const struct mb_module *mods,
                     int nmods, struct mb_boot *out, char *err, size_t errlen);

#endif
