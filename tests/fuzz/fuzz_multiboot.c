/*
 * fuzz_multiboot.c - harness for the multiboot/ELF kernel loader
 * (loader_multiboot, src/loader/multiboot.c and elf.c).  Input:
 *
 *   u8 flags   bits 0-1: guest RAM (1, 2, 4 or 16 MiB); bit 2: a command
 *              line follows; bit 3: one module follows; bit 4: a second
 *              module, a path that does not exist
 *   [u8 n, n bytes]   the command line (bit 2)
 *   [u16 n, n bytes]  the module's contents (bit 3)
 *   the rest          the kernel file
 *
 * The kernel and the module are memory files; the RAM is exactly
 * ram_size bytes of heap, so ASan sees any write past it.  Checked: a
 * failure leaves an error line; a success reports an entry and an image
 * inside RAM and the multiboot information below MB_INFO_LIMIT or inside
 * RAM.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "loader.h"

static const uint32_t ram_sizes[4] = { 1u << 20, 2u << 20, 4u << 20, 16u << 20 };

static void check_boot(const struct mb_boot *b, uint32_t ram_size)
{
    fuzz_check(b->kernel_lo <= b->kernel_hi, "the image extent is ordered");
    fuzz_check(b->kernel_hi <= ram_size, "the image is inside RAM");
    fuzz_check(b->mbi < ram_size, "the multiboot information is inside RAM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t flags = fuzz_u8(&in);
    uint32_t ram_size = ram_sizes[flags & 3];
    char cmdline[256] = "";
    size_t n;
    if (flags & 4) {
        const uint8_t *p = fuzz_bytes(&in, fuzz_u8(&in), &n);
        memcpy(cmdline, p, n);
        cmdline[n] = 0;
    }
    char mod_path[64] = "", mod_string[80];
    int mod_fd = -1;
    struct mb_module mods[2];
    int nmods = 0;
    if (flags & 8) {
        const uint8_t *p = fuzz_bytes(&in, fuzz_u16(&in), &n);
        mod_fd = fuzz_memfile(p, n, mod_path, sizeof(mod_path));
        if (mod_fd < 0)
            return 0;
        snprintf(mod_string, sizeof(mod_string), "%s arg=1", mod_path);
        mods[nmods++] = (struct mb_module){ mod_path, mod_string };
    }
    if (flags & 16)
        mods[nmods++] = (struct mb_module){ "/nonexistent/xbt-fuzz-module", NULL };
    char kpath[64];
    int kfd = fuzz_memfile(in.p, in.n, kpath, sizeof(kpath));
    uint8_t *ram = calloc(1, ram_size);
    if (kfd >= 0 && ram) {
        struct mb_boot b;
        char err[256] = "";
        int rc = loader_multiboot(ram, ram_size, kpath, (flags & 4) ? cmdline : NULL, mods, nmods,
                                  &b, err, sizeof(err));
        if (rc < 0)
            fuzz_check(err[0] != 0, "a failure says why");
        else
            check_boot(&b, ram_size);
    }
    free(ram);
    if (kfd >= 0)
        close(kfd);
    if (mod_fd >= 0)
        close(mod_fd);
    return 0;
}
