/*
 * linux.c - the Linux/x86 boot protocol, 32-bit entry (loader_linux): a
 * bzImage, an optional initrd and a command line, with no BIOS.  As a boot
 * loader using the 32-bit protocol does (Documentation/x86/boot.rst):
 *
 *   - the protected-mode kernel (the file after the (setup_sects + 1)
 *     512-byte sectors of real-mode setup) goes to code32_start (1 MiB);
 *   - the zero page (struct boot_params) gets the setup header copied from
 *     the file, type_of_loader, cmd_line_ptr, the initrd's place and size,
 *     alt_mem_k and the e820 map of the PC layout (memmap.c);
 *   - the initrd goes page-aligned as high as allowed: below the top of RAM
 *     and below initrd_addr_max (0x37FFFFFF before protocol 2.03), above
 *     what the kernel needs while it starts (init_size, protocol 2.10);
 *   - a GDT with flat __BOOT_CS (0x10, code) and __BOOT_DS (0x18, data);
 *     the entry state (CS = 0x10, DS = ES = SS = 0x18, IF = 0, paging off,
 *     ESI = the zero page, EBX = EBP = EDI = 0) is the caller's to set.
 *
 * Check, then load: everything about the files is checked before guest RAM
 * is written.  Refused with one line: not a bzImage (no setup header), a
 * protocol before 2.02 (no cmd_line_ptr) or a zImage (not loaded high), a
 * file shorter than its header says, a kernel that does not fit in RAM, a
 * command line longer than the kernel takes (cmdline_size, 255 before
 * 2.06), an initrd that does not fit below its limit.
 *
 * Low-memory layout (below the EBDA):
 *   0x6000  GDT (4 descriptors)
 *   0x7000  zero page (4 KiB)
 *   0x8000  command line (at most LINUX_CMDLINE_MAX bytes)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader_int.h"

/* setup header fields (offsets in the file and in the zero page) */
#define HDR_SETUP_SECTS 0x1F1     /* u8; 0 means 4 */
#define HDR_SYSSIZE 0x1F4         /* u32: protected-mode size / 16 */
#define HDR_BOOT_FLAG 0x1FE       /* u16 0xAA55 */
#define HDR_JUMP 0x200            /* the byte at 0x201 is the header's length - 2 */
#define HDR_MAGIC 0x202           /* "HdrS" */
#define HDR_VERSION 0x206         /* u16 protocol version */
#define HDR_TYPE_OF_LOADER 0x210  /* u8 */
#define HDR_LOADFLAGS 0x211       /* u8 */
#define HDR_CODE32_START 0x214    /* u32 */
#define HDR_RAMDISK_IMAGE 0x218   /* u32 */
#define HDR_RAMDISK_SIZE 0x21C    /* u32 */
#define HDR_CMD_LINE_PTR 0x228    /* u32 (2.02) */
#define HDR_INITRD_ADDR_MAX 0x22C /* u32 (2.03) */
#define HDR_CMDLINE_SIZE 0x238    /* u32 (2.06) */
#define HDR_INIT_SIZE 0x260       /* u32 (2.10) */
#define HDR_END_MIN 0x264         /* the header we read ends no earlier */

#define LOADFLAG_LOADED_HIGH 0x01 /* bzImage: protected mode at 1 MiB */
#define TYPE_OF_LOADER_UNKNOWN 0xFF

/* zero page fields */
#define BP_ACPI_RSDP_ADDR 0x070 /* u64 */
/* boot_params.screen_info (offset 0): the text console the setup found */
#define SI_ORIG_X 0x00
#define SI_ORIG_Y 0x01
#define SI_VIDEO_MODE 0x06
#define SI_VIDEO_COLS 0x07
#define SI_EGA_BX 0x0A /* u16: INT 10h AH=12h BL=10h's BX */
#define SI_VIDEO_LINES 0x0E
#define SI_IS_VGA 0x0F
#define SI_POINTS 0x10 /* u16: character height */
#define BP_ALT_MEM_K 0x1E0
#define BP_E820_ENTRIES 0x1E8
#define BP_E820_TABLE 0x2D0
#define BP_E820_MAX 128

/* Where things go in low memory. */
#define LINUX_GDT 0x6000u
#define LINUX_ZERO_PAGE 0x7000u
#define LINUX_CMDLINE 0x8000u
/* Tunable: the longest command line accepted (bytes with the NUL).
 * Policy: what fits between 0x8000 and the EBDA with room to spare, far
 * more than any kernel's cmdline_size (2048 for x86 Linux). */
#define LINUX_CMDLINE_MAX 0x10000u

/* What the check found out. */
struct linux_plan {
    uint8_t *img;
    size_t len;
    uint16_t version;
    uint32_t pm_offset, pm_size; /* the protected-mode kernel in the file */
    uint32_t load;               /* its guest-physical address */
    uint32_t need;               /* bytes from load the kernel needs at start */
    uint32_t cmdline_len;        /* with the NUL */
    uint32_t initrd_addr, initrd_size;
    int initrd_fd;
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

bool loader_is_bzimage(const uint8_t *head, size_t len)
{
    return len >= HDR_MAGIC + 4 && get16(head + HDR_BOOT_FLAG) == 0xAA55 &&
           !memcmp(head + HDR_MAGIC, "HdrS", 4);
}

/* The setup header: a bzImage of protocol 2.02 or later, whole. */
static int check_header(const char *path, struct linux_plan *p, char *err, size_t errlen)
{
    if (!loader_is_bzimage(p->img, p->len)) {
        loader_err(err, errlen, "%s: not a Linux bzImage (no boot setup header)", path);
        return XBT_EFORMAT;
    }
    if (p->len < HDR_END_MIN) {
        loader_err(err, errlen, "%s: truncated: %zu bytes, shorter than the setup header", path,
                   p->len);
        return XBT_EFORMAT;
    }
    p->version = get16(p->img + HDR_VERSION);
    if (p->version < 0x0202 || !(p->img[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
        loader_err(err, errlen,
                   "%s: Linux boot protocol %u.%02u %s: too old (xbt needs a "
                   "bzImage of protocol 2.02 or later)",
                   path, p->version >> 8, p->version & 0xFF,
                   p->img[HDR_LOADFLAGS] & 1 ? "bzImage" : "zImage");
        return XBT_EUNSUP;
    }
    unsigned sects = p->img[HDR_SETUP_SECTS] ? p->img[HDR_SETUP_SECTS] : 4;
    p->pm_offset = (sects + 1) * 512;
    uint64_t pm_size = (uint64_t)loader_get32(p->img + HDR_SYSSIZE) * 16; /* no wrap */
    size_t hdr_end = HDR_JUMP + 2 + p->img[HDR_JUMP + 1];
    if (p->len < hdr_end || p->pm_offset + pm_size > p->len) {
        loader_err(err, errlen, "%s: truncated: %zu bytes, its header says %llu", path, p->len,
                   (unsigned long long)(p->pm_offset + pm_size));
        return XBT_EFORMAT;
    }
    p->pm_size = (uint32_t)pm_size;
    return 0;
}

/* The kernel at code32_start, with room for what it needs at start. */
static int check_kernel(const char *path, uint32_t ram_size, struct linux_plan *p, char *err,
                        size_t errlen)
{
    p->load = loader_get32(p->img + HDR_CODE32_START);
    if (p->load != PC_HIGH_RAM) {
        loader_err(err, errlen, "%s: code32_start 0x%x: xbt loads bzImages at 1 MiB only", path,
                   p->load);
        return XBT_EUNSUP;
    }
    uint32_t init = p->version >= 0x020A ? loader_get32(p->img + HDR_INIT_SIZE) : 0;
    p->need = init > p->pm_size ? init : p->pm_size;
    if ((uint64_t)p->load + p->need > ram_size) {
        loader_err(err, errlen,
                   "%s: the kernel needs %u MiB of RAM from 1 MiB; the guest has "
                   "%u MiB (-m)",
                   path, (p->need + (1u << 20) - 1) >> 20, ram_size >> 20);
        return XBT_ERANGE;
    }
    return 0;
}

static int check_cmdline(const char *path, const char *cmdline, struct linux_plan *p, char *err,
                         size_t errlen)
{
    uint32_t max = p->version >= 0x0206 ? loader_get32(p->img + HDR_CMDLINE_SIZE) + 1 : 256;
    if (max > LINUX_CMDLINE_MAX)
        max = LINUX_CMDLINE_MAX;
    size_t len = strlen(cmdline ? cmdline : "") + 1;
    if (len > max) {
        loader_err(err, errlen,
                   "the command line is too long for %s: %zu bytes, the kernel "
                   "takes at most %u",
                   path, len - 1, max - 1);
        return XBT_ERANGE;
    }
    p->cmdline_len = (uint32_t)len;
    return 0;
}

/* The initrd's size, and its place as high as the protocol allows. */
static int check_initrd(const char *initrd, uint32_t ram_size, struct linux_plan *p, char *err,
                        size_t errlen)
{
    p->initrd_fd = -1;
    if (!initrd)
        return 0;
    struct stat st;
    p->initrd_fd = open(initrd, O_RDONLY | O_CLOEXEC);
    if (p->initrd_fd < 0 || fstat(p->initrd_fd, &st) < 0) {
        loader_err(err, errlen, "--initrd %s: %s", initrd, strerror(errno));
        return loader_errno_code(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        loader_err(err, errlen, "--initrd %s: not a regular file", initrd);
        return XBT_EINVAL;
    }
    uint64_t max = p->version >= 0x0203 ? (uint64_t)loader_get32(p->img + HDR_INITRD_ADDR_MAX) + 1
                                        : 0x38000000u;
    uint64_t top = max < ram_size ? max : ram_size;
    uint64_t floor = loader_align_up((uint64_t)p->load + p->need, PAGE_SIZE_4K);
    if ((uint64_t)st.st_size > top || ((top - (uint64_t)st.st_size) & ~0xFFFull) < floor) {
        loader_err(err, errlen,
                   "--initrd %s: %llu bytes do not fit between the kernel (up to "
                   "0x%llx) and 0x%llx",
                   initrd, (unsigned long long)st.st_size, (unsigned long long)floor,
                   (unsigned long long)top);
        return XBT_ERANGE;
    }
    p->initrd_size = (uint32_t)st.st_size;
    p->initrd_addr = (uint32_t)((top - (uint64_t)st.st_size) & ~0xFFFull);
    return 0;
}

/* GDT: null, null, __BOOT_CS (flat code), __BOOT_DS (flat data). */
static void write_gdt(uint8_t *ram)
{
    loader_put64(ram, LINUX_GDT, 0);
    loader_put64(ram, LINUX_GDT + 8, 0);
    loader_put64(ram, LINUX_GDT + 16, 0x00CF9A000000FFFFull);
    loader_put64(ram, LINUX_GDT + 24, 0x00CF92000000FFFFull);
}

static void write_zero_page(uint8_t *ram, uint32_t ram_size, const char *cmdline,
                            const struct linux_plan *p)
{
    uint8_t *zp = ram + LINUX_ZERO_PAGE;
    memset(zp, 0, PAGE_SIZE_4K);
    size_t hdr_end = HDR_JUMP + 2 + p->img[HDR_JUMP + 1];
    memcpy(zp + HDR_SETUP_SECTS, p->img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
    zp[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNKNOWN;
    loader_put32(ram, LINUX_ZERO_PAGE + HDR_CMD_LINE_PTR, LINUX_CMDLINE);
    memcpy(ram + LINUX_CMDLINE, cmdline ? cmdline : "", p->cmdline_len);
    loader_put32(ram, LINUX_ZERO_PAGE + HDR_RAMDISK_IMAGE, p->initrd_addr);
    loader_put32(ram, LINUX_ZERO_PAGE + HDR_RAMDISK_SIZE, p->initrd_size);
    loader_put32(ram, LINUX_ZERO_PAGE + BP_ALT_MEM_K, (ram_size - PC_HIGH_RAM) / 1024);
    struct loader_e820 map[LOADER_E820_MAX];
    size_t n = loader_memory_map(ram_size, map);
    for (size_t i = 0; i < n && i < BP_E820_MAX; i++) {
        uint32_t at = LINUX_ZERO_PAGE + BP_E820_TABLE + (uint32_t)i * 20;
        loader_put64(ram, at, map[i].addr);
        loader_put64(ram, at + 8, map[i].size);
        loader_put32(ram, at + 16, map[i].type);
    }
    zp[BP_E820_ENTRIES] = (uint8_t)n;
}

static int load_initrd(const char *initrd, uint8_t *ram, const struct linux_plan *p, char *err,
                       size_t errlen)
{
    size_t done = 0;
    while (done < p->initrd_size) {
        ssize_t r = read(p->initrd_fd, ram + p->initrd_addr + done, p->initrd_size - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            loader_err(err, errlen, "--initrd %s: %s", initrd,
                       r < 0 ? strerror(errno) : "shorter than its size said");
            return XBT_EIO;
        }
        done += (size_t)r;
    }
    return 0;
}

int loader_linux(uint8_t *ram, uint32_t ram_size, const char *path, const char *initrd,
                 const char *cmdline, struct linux_boot *out, char *err, size_t errlen)
{
    struct linux_plan p = { .initrd_fd = -1 };
    int rc = loader_read_file(path, &p.img, &p.len, err, errlen);
    if (!rc)
        rc = check_header(path, &p, err, errlen);
    if (!rc)
        rc = check_kernel(path, ram_size, &p, err, errlen);
    if (!rc)
        rc = check_cmdline(path, cmdline, &p, err, errlen);
    if (!rc)
        rc = check_initrd(initrd, ram_size, &p, err, errlen);
    if (!rc) {
        memcpy(ram + p.load, p.img + p.pm_offset, p.pm_size);
        write_gdt(ram);
        write_zero_page(ram, ram_size, cmdline, &p);
        if (initrd)
            rc = load_initrd(initrd, ram, &p, err, errlen);
    }
    if (!rc)
        *out = (struct linux_boot){ .entry = p.load,
                                    .boot_params = LINUX_ZERO_PAGE,
                                    .gdt_base = LINUX_GDT,
                                    .gdt_limit = 4 * 8 - 1,
                                    .cs = 0x10,
                                    .ds = 0x18,
                                    .initrd_addr = p.initrd_addr,
                                    .initrd_size = p.initrd_size };
    if (p.initrd_fd >= 0)
        close(p.initrd_fd);
    free(p.img);
    return rc;
}

void loader_linux_set_vga_text(uint8_t *ram, const struct linux_boot *boot)
{
    uint8_t *si = ram + boot->boot_params;
    si[SI_ORIG_X] = 0;
    si[SI_ORIG_Y] = 0;
    si[SI_VIDEO_MODE] = 3;
    si[SI_VIDEO_COLS] = 80;
    si[SI_EGA_BX] = 0x03; /* BL: 256 KiB; BH 0: colour */
    si[SI_EGA_BX + 1] = 0x00;
    si[SI_VIDEO_LINES] = 25;
    si[SI_IS_VGA] = 1;
    si[SI_POINTS] = 16;
    si[SI_POINTS + 1] = 0;
}

void loader_linux_set_rsdp(uint8_t *ram, const struct linux_boot *boot, uint32_t rsdp)
{
    loader_put64(ram, boot->boot_params + BP_ACPI_RSDP_ADDR, rsdp);
}
