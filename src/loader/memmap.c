/*
 * memmap.c - the PC memory layout the loaders describe to the guest (the
 * multiboot memory map, the Linux e820 table): conventional RAM up to the
 * EBDA, the EBDA reserved, the BIOS area from 0xE0000 reserved (the ACPI
 * tables in its first 64 KiB, the RSDP among them, then the system BIOS:
 * one entry, as SeaBIOS marks its tables reserved), extended RAM from
 * 1 MiB to the end of guest RAM.  The VGA hole and option ROM area
 * (0xA0000-0xDFFFF) are in no entry, as on a PC.
 */
#include "loader/loader_int.h"

size_t loader_memory_map(uint32_t ram_size, struct loader_e820 *map)
{
    size_t n = 0;
    map[n++] = (struct loader_e820){ 0, PC_LOW_RAM_END, E820_RAM };
    map[n++] = (struct loader_e820){ PC_LOW_RAM_END, PC_EBDA_END - PC_LOW_RAM_END, E820_RESERVED };
    map[n++] = (struct loader_e820){ PC_ACPI_START, PC_HIGH_RAM - PC_ACPI_START, E820_RESERVED };
    if (ram_size > PC_HIGH_RAM)
        map[n++] = (struct loader_e820){ PC_HIGH_RAM, ram_size - PC_HIGH_RAM, E820_RAM };
    return n;
}
