/*
 * mbmmap.c - prints the memory sizes and the full multiboot memory map.
 * The expected output is what xbt's loader provides for the default 128 MiB
 * of RAM (conventional memory up to 0x9FC00, the EBDA and BIOS area
 * reserved, RAM from 1 MiB up); QEMU's BIOS-derived map differs (ACPI and
 * firmware ranges), so this test does not run under QEMU.
 */
#include "rt.h"

static const char *type_name(uint32_t t)
{
    switch (t) {
    case 1: return "available";
    case 2: return "reserved";
    case 3: return "ACPI reclaimable";
    case 4: return "ACPI NVS";
    case 5: return "bad";
    default: return "unknown";
    }
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    if (!(mbi->flags & MULTIBOOT_INFO_MEMORY) || !(mbi->flags & MULTIBOOT_INFO_MEM_MAP)) {
        printf("FAIL: flags %08x lack memory info or memory map\n", mbi->flags);
        return 1;
    }
    printf("mem_lower = %u KiB\n", mbi->mem_lower);
    printf("mem_upper = %u KiB\n", mbi->mem_upper);
    printf("memory map (%u bytes):\n", mbi->mmap_length);
    uint64_t avail = 0;
    uint32_t off = 0;
    while (off < mbi->mmap_length) {
        const struct multiboot_mmap_entry *e =
            (const struct multiboot_mmap_entry *)(mbi->mmap_addr + off);
        printf("  %016llx-%016llx %s (%u)\n", e->addr, e->addr + e->len - 1,
               type_name(e->type), e->type);
        if (e->type == MULTIBOOT_MEMORY_AVAILABLE)
            avail += e->len;
        off += e->size + 4;
    }
    printf("available: %llu KiB\n", avail / 1024);
    return 0;
}
