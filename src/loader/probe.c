/*
 * probe.c - tells a kernel from a disk image by the file's first bytes:
 * `xbt run FILE` loads a kernel directly and boots anything else through
 * the BIOS as the primary disk.
 */
#include <string.h>

#include "loader.h"
#include "loader/loader_int.h"

/* A multiboot header (magic + flags + checksum = 0) at a 4-byte boundary
 * of the first 8 KiB. */
static bool has_multiboot_header(const uint8_t *head, size_t len)
{
    size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
    for (size_t off = 0; off + MB_HEADER_MIN_SIZE <= limit; off += MB_HEADER_ALIGN) {
        uint32_t magic = loader_get32(head + off);
        if (magic == MB_HEADER_MAGIC &&
            (uint32_t)(magic + loader_get32(head + off + 4) + loader_get32(head + off + 8)) == 0)
            return true;
    }
    return false;
}

/* A boot sector's signature: 0x55 0xAA at offset 510. */
static bool has_boot_signature(const uint8_t *head, size_t len)
{
    return len >= 512 && head[510] == 0x55 && head[511] == 0xAA;
}

bool loader_is_kernel(const uint8_t *head, size_t len)
{
    if (len >= 4 && !memcmp(head, "\177ELF", 4))
        return true;
    if (loader_is_bzimage(head, len))
        return true;
    /* GRUB's core.img, right after the MBR, carries a multiboot header:
     * a first sector with a boot signature makes the file a disk */
    return has_multiboot_header(head, len) && !has_boot_signature(head, len);
}
