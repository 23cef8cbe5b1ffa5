/*
 * fuzz_bzimage.c - harness for the Linux boot protocol loader
 * (loader_is_bzimage, loader_linux, loader_linux_set_rsdp:
 * src/loader/linux.c and memmap.c).  Input:
 *
 *   u8 flags   bits 0-1: guest RAM (2, 4, 8 or 32 MiB); bit 2: an initrd
 *              follows; bit 3: a command line follows; bit 4: the initrd
 *              is a path that does not exist instead
 *   [u16 n, n bytes]  the initrd (bit 2)
 *   [u16 n, n bytes]  the command line (bit 3; NUL-terminated here)
 *   the rest          the kernel file
 *
 * Files are memory files; the RAM is exactly ram_size bytes of heap.
 * Checked: a failure leaves an error line; a success puts the zero page,
 * the GDT and the initrd inside RAM, with the initrd's size as given.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "loader.h"

static const uint32_t ram_sizes[4] = { 2u << 20, 4u << 20, 8u << 20, 32u << 20 };

static void check_boot(const struct linux_boot *b, uint32_t ram_size, size_t initrd_len)
{
    fuzz_check(b->boot_params < ram_size && ram_size - b->boot_params >= 4096,
               "the zero page is inside RAM");
    fuzz_check(b->gdt_base < ram_size && ram_size - b->gdt_base > b->gdt_limit,
               "the GDT is inside RAM");
    fuzz_check(b->initrd_size == initrd_len, "the initrd is loaded whole");
    fuzz_check(b->initrd_addr <= ram_size && ram_size - b->initrd_addr >= b->initrd_size,
               "the initrd is inside RAM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t flags = fuzz_u8(&in);
    uint32_t ram_size = ram_sizes[flags & 3];
    char ipath[64] = "";
    int ifd = -1;
    size_t initrd_len = 0, n;
    if (flags & 4) {
        const uint8_t *p = fuzz_bytes(&in, fuzz_u16(&in), &initrd_len);
        ifd = fuzz_memfile(p, initrd_len, ipath, sizeof(ipath));
        if (ifd < 0)
            return 0;
    }
    char *cmdline = NULL;
    if (flags & 8) {
        const uint8_t *p = fuzz_bytes(&in, fuzz_u16(&in), &n);
        cmdline = malloc(n + 1);
        if (!cmdline)
            goto out;
        memcpy(cmdline, p, n);
        cmdline[n] = 0;
    }
    const char *initrd = (flags & 16) ? "/nonexistent/xbt-fuzz-initrd" : ipath[0] ? ipath : NULL;
    (void)loader_is_bzimage(in.p, in.n);
    char kpath[64];
    int kfd = fuzz_memfile(in.p, in.n, kpath, sizeof(kpath));
    uint8_t *ram = calloc(1, ram_size);
    if (kfd >= 0 && ram) {
        struct linux_boot b;
        char err[256] = "";
        int rc = loader_linux(ram, ram_size, kpath, initrd, cmdline, &b, err, sizeof(err));
        if (rc < 0) {
            fuzz_check(err[0] != 0, "a failure says why");
        } else {
            check_boot(&b, ram_size, initrd ? initrd_len : 0);
            loader_linux_set_rsdp(ram, &b, 0xF0000);
        }
    }
    free(ram);
    if (kfd >= 0)
        close(kfd);
out:
    free(cmdline);
    if (ifd >= 0)
        close(ifd);
    return 0;
}
