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

bool loader_is_kernel(const uint8_t *head, size_t len)
{
    if (len >= 4 && !memcmp(head, "\177ELF", 4))
        return true;
    return loader_is_bzimage(head, len) || has_multiboot_header(head, len);
}
