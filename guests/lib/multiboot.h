/*
 * multiboot.h - Multiboot v1 definitions used by xbt guest kernels: the
 * header magic and flags (consumed by crt0.S) and the information structure
 * the boot loader passes in EBX.
 */
#ifndef XBT_GUEST_MULTIBOOT_H
#define XBT_GUEST_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

/* Header flags. */
#define MULTIBOOT_PAGE_ALIGN 0x00000001   /* modules page aligned */
#define MULTIBOOT_MEMORY_INFO 0x00000002  /* want mem_* and mmap_* */
#define MULTIBOOT_AOUT_KLUDGE 0x00010000  /* address fields valid (unused) */

/* Information flags (multiboot_info.flags). */
#define MULTIBOOT_INFO_MEMORY 0x00000001
#define MULTIBOOT_INFO_BOOTDEV 0x00000002
#define MULTIBOOT_INFO_CMDLINE 0x00000004
#define MULTIBOOT_INFO_MODS 0x00000008
#define MULTIBOOT_INFO_AOUT_SYMS 0x00000010
#define MULTIBOOT_INFO_ELF_SHDR 0x00000020
#define MULTIBOOT_INFO_MEM_MAP 0x00000040
#define MULTIBOOT_INFO_DRIVE_INFO 0x00000080
#define MULTIBOOT_INFO_CONFIG_TABLE 0x00000100
#define MULTIBOOT_INFO_BOOT_LOADER_NAME 0x00000200

#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;           /* KiB below 1 MiB */
    uint32_t mem_upper;           /* KiB above 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;             /* physical address of a NUL-terminated string */
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;         /* bytes */
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
    uint32_t apm_table;
    uint32_t vbe_control_info;
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
};

/* One memory map entry; `size` does not count itself, so the next entry
 * starts at (char *)e + e->size + 4. */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;                /* 1 = available RAM, others reserved */
} __attribute__((packed));

#define MULTIBOOT_MEMORY_AVAILABLE 1
#define MULTIBOOT_MEMORY_RESERVED 2

struct multiboot_module {
    uint32_t mod_start;
    uint32_t mod_end;
    uint32_t string;
    uint32_t reserved;
};
#endif

#endif
