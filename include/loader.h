/*
 * loader.h - boot protocols (src/loader/).  Multiboot v1: an ELF32 i386
 * kernel is loaded with libelf (PT_LOAD segments at their physical
 * addresses), the multiboot information (memory sizes, memory map, command
 * line, modules) is built in guest RAM, and the entry state is described
 * for the vCPU.  Linux: a bzImage, an initrd and a command line through
 * the 32-bit boot protocol (zero page, e820 map, GDT).
 */
#ifndef XBT_LOADER_H
#define XBT_LOADER_H

#include "xbt.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002u
#define MB_HEADER_MAGIC 0x1BADB002u

/* Guest-physical layout chosen by the loader. */
#define MB_INFO_ADDR                                                                               \
    0x9000u                    /* multiboot info, cmdline, mmap, module list,
                                * unless a kernel segment is there */
#define MB_INFO_LIMIT 0x9FC00u /* the information area stays below this */

struct mb_module {
    const char *path;   /* host file */
    const char *string; /* module string (path plus args), may be NULL */
};

struct mb_boot {
    uint32_t entry;                /* EIP at entry */
    uint32_t mbi;                  /* EBX at entry */
    uint32_t kernel_lo, kernel_hi; /* guest-physical extent of the loaded image */
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
int loader_multiboot(uint8_t *ram, uint32_t ram_size, const char *path, const char *cmdline,
                     const struct mb_module *mods, int nmods, struct mb_boot *out, char *err,
                     size_t errlen);

/* What the vCPU must look like at a Linux kernel's 32-bit entry: EIP =
 * entry, ESI = boot_params, GDTR = gdt_base/gdt_limit, CS = cs and DS = ES
 * = SS = ds (flat, from that GDT), interrupts off, paging off, EBX = EBP =
 * EDI = 0. */
struct linux_boot {
    uint32_t entry;
    uint32_t boot_params;
    uint32_t gdt_base;
    uint16_t gdt_limit;
    uint16_t cs, ds;
    uint32_t initrd_addr, initrd_size; /* 0, 0 without an initrd */
};

/* True if head (the first len bytes of a file) is a Linux kernel with a
 * boot setup header (0xAA55 and "HdrS"). */
bool loader_is_bzimage(const uint8_t *head, size_t len);

/* Enough of a file's start for loader_is_kernel (multiboot's search). */
#define LOADER_PROBE_BYTES 8192u
/* True if head (a file's first len bytes, up to LOADER_PROBE_BYTES) is a
 * kernel a loader takes: an ELF file, a bzImage, or a multiboot header
 * (magic, flags and checksum) in the first 8 KiB of a file whose first
 * sector is not a boot sector (0x55AA at 510: GRUB's core.img after an
 * MBR has a multiboot header).  Anything else (a PC disk image) is
 * booted through the BIOS. */
bool loader_is_kernel(const uint8_t *head, size_t len);

/*
 * Loads the bzImage at path, the initrd (NULL: none) and the command line
 * (NULL: empty) into ram[0, ram_size) by the 32-bit boot protocol.  On
 * failure returns a negative XBT_E* code and writes one line to err, as
 * loader_multiboot; everything but the initrd's contents is checked before
 * guest RAM is written.
 */
int loader_linux(uint8_t *ram, uint32_t ram_size, const char *path, const char *initrd,
                 const char *cmdline, struct linux_boot *out, char *err, size_t errlen);

/* Tells the kernel loaded by loader_linux where the ACPI RSDP is:
 * boot_params.acpi_rsdp_addr (zero page offset 0x070, read by Linux 5.0
 * and later; older ones scan the BIOS area and find it there too). */
void loader_linux_set_rsdp(uint8_t *ram, const struct linux_boot *boot, uint32_t rsdp);
/* Tells the kernel there is a VGA in 80x25 colour text mode 3 with the
 * cursor at the top left (boot_params.screen_info, what Linux's real-mode
 * setup would have asked the VGA BIOS), so vgacon (console=tty0) uses it. */
void loader_linux_set_vga_text(uint8_t *ram, const struct linux_boot *boot);
/*
 * The Intel MultiProcessor Specification 1.4 tables (mptable.c): the
 * floating pointer structure at MP_FLOAT_ADDR, in the BIOS area every MP
 * scanner searches (0xF0000-0xFFFFF, reserved in the memory maps), and
 * the configuration table after it: one processor (the BSP), a PCI bus 0
 * and an ISA bus 1, the I/O APIC, the ISA IRQs on its pins (each with
 * the bus's default polarity and trigger; IRQ2, the cascade, is not
 * listed), LINT0 ExtINT and LINT1 NMI.  Virtual wire mode (no IMCR).
 * This is how kernels without ACPI (or booted with acpi=off) find the
 * APICs.  Policy for the address: a fixed spot away from 0xE0000 and
 * 0xF0000, where ACPI tables usually start.
 */
#define MP_FLOAT_ADDR 0xF5000u

struct mp_config {
    uint32_t lapic_addr;
    uint8_t lapic_id, lapic_version;
    uint32_t cpu_signature, cpu_features; /* CPUID 1 EAX, EDX */
    uint32_t ioapic_addr;
    uint8_t ioapic_id, ioapic_version;
    uint8_t isa_pin[16]; /* I/O APIC pin of each ISA IRQ, 0xFF: not listed */
};

/* Writes the tables into ram (at least 1 MiB; XBT_ERANGE if smaller). */
int loader_mptable(uint8_t *ram, uint32_t ram_size, const struct mp_config *cfg);

#endif
