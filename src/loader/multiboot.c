/*
 * multiboot.c - the Multiboot v1 boot protocol (loader_multiboot): an i386
 * ELF32 kernel (elf.c) with a Multiboot header in its first 8 KiB, boot
 * modules (modules.c), and the Multiboot information the kernel finds at
 * EBX.
 *
 * Check, then load.  The check reads the kernel file, validates it as ELF
 * (segments inside RAM, clear of the first 4 KiB), finds and validates the
 * Multiboot header, places the information area in conventional memory
 * clear of the kernel's segments (refusing what fits nowhere), opens every
 * module and checks that those of known size fit - all without writing
 * guest RAM.
 * The load then:
 *
 *   1. copies every PT_LOAD segment to its guest-physical address and zeroes
 *      its BSS part (p_memsz > p_filesz);
 *   2. loads the boot modules, each page-aligned, above the kernel image and
 *      never below 1 MiB;
 *   3. builds the Multiboot information structure, the BIOS-style memory map,
 *      the module list and all strings in the information area.
 *
 * The information area is at MB_INFO_ADDR (0x9000, where QEMU puts it)
 * unless a kernel segment is there; then at the first place in
 * conventional memory, after 4 KiB or after a segment, that is clear of
 * them all.  Its layout (allocated in this order, each structure 16-byte
 * aligned, strings byte-packed), from its base:
 *
 *   +0x00   struct multiboot_info (116 bytes, the full v1 structure)
 *   +0x80   memory map (4 entries of 24 bytes; 3 when RAM is exactly 1 MiB)
 *   +0xe0   module list (16 bytes per module; mods_addr even when empty)
 *   then    "xbt" (boot loader name), the command line, the module strings
 *
 * The command line is the kernel's path followed by --append's arguments,
 * as GRUB and QEMU pass it (kernels read their arguments from the second
 * word).  ELF section headers are not passed (flags bit 5 stays clear):
 * doing it properly means loading the non-allocated symbol and string
 * tables too.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "loader/loader_int.h"

/* Multiboot header flags (bits 0-15 are "required": refuse unknown ones). */
#define MB_HF_PAGE_ALIGN (1u << 0)  /* modules page-aligned: always done */
#define MB_HF_MEMORY_INFO (1u << 1) /* mem_* and mmap_*: always provided */
#define MB_HF_VIDEO_MODE (1u << 2)  /* video mode request: ignored, as QEMU */
#define MB_HF_REQUIRED_MASK 0xffffu /* bits a loader must understand */
#define MB_HF_SUPPORTED (MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE)
/* Bit 16 (a.out kludge: load addresses in the header) is optional; xbt
 * always loads through the ELF program headers, as GRUB does for ELF files,
 * so the address fields are ignored.  Bits 17-31 are optional too. */
#define MB_HF_AOUT_KLUDGE (1u << 16)

/* Multiboot information flags (struct multiboot_info.flags). */
#define MBI_FLAG_MEMORY (1u << 0)      /* mem_lower / mem_upper valid */
#define MBI_FLAG_CMDLINE (1u << 2)     /* cmdline valid */
#define MBI_FLAG_MODS (1u << 3)        /* mods_count / mods_addr valid */
#define MBI_FLAG_MMAP (1u << 6)        /* mmap_length / mmap_addr valid */
#define MBI_FLAG_LOADER_NAME (1u << 9) /* boot_loader_name valid */

/* Byte offsets of the fields of struct multiboot_info (Multiboot 0.6.96). */
#define MBI_OFF_FLAGS 0u
#define MBI_OFF_MEM_LOWER 4u /* KiB of conventional memory */
#define MBI_OFF_MEM_UPPER 8u /* KiB of memory from 1 MiB up */
#define MBI_OFF_CMDLINE 16u
#define MBI_OFF_MODS_COUNT 20u
#define MBI_OFF_MODS_ADDR 24u
#define MBI_OFF_MMAP_LENGTH 44u
#define MBI_OFF_MMAP_ADDR 48u
#define MBI_OFF_LOADER_NAME 64u
#define MBI_SIZE 116u /* whole structure incl. framebuffer info */

/* One memory map entry: u32 size (of the rest, 20), u64 base, u64 length,
 * u32 type.  mmap_addr points at the size field. */
#define MMAP_ENTRY_SIZE 24u
#define MMAP_ENTRY_PAYLOAD 20u /* value of the size field */
#define MMAP_MAX_ENTRIES 4u

/* One module list entry: mod_start, mod_end (exclusive), string, reserved. */
#define MOD_ENTRY_SIZE 16u

/* Alignment of each structure allocated in the information area. */
#define MBI_AREA_ALIGN 16u

#define BOOT_LOADER_NAME "xbt"

/* Guest-physical addresses of the parts of the information area. */
struct mb_info_layout {
    uint32_t mbi, mmap, mods, name, cmd;
    uint32_t *mod_str; /* each module's string */
};

/* One boot: its input, and everything the check decided for the load. */
struct mb_boot_plan {
    const char *path, *cmdline;
    const struct mb_module *mods;
    int nmods;
    uint32_t ram_size;
    uint8_t *img; /* the kernel file */
    size_t img_len;
    struct elf_image kernel;
    struct mb_info_layout info;
    struct boot_module *bm; /* nmods open module files */
};

/* Finds a valid Multiboot header in the first 8 KiB of the image. */
static int find_header(const char *path, const uint8_t *img, size_t len, uint32_t *flags, char *err,
                       size_t errlen)
{
    size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
    long bad_checksum_at = -1;
    for (size_t off = 0; off + MB_HEADER_MIN_SIZE <= limit; off += MB_HEADER_ALIGN) {
        uint32_t magic = loader_get32(img + off);
        if (magic != MB_HEADER_MAGIC)
            continue;
        uint32_t fl = loader_get32(img + off + 4);
        uint32_t sum = loader_get32(img + off + 8);
        if ((uint32_t)(magic + fl + sum) == 0) {
            *flags = fl;
            return XBT_OK;
        }
        if (bad_checksum_at < 0)
            bad_checksum_at = (long)off;
    }
    if (bad_checksum_at >= 0)
        loader_err(err, errlen,
                   "%s: no multiboot header in the first 8 KiB "
                   "(magic at offset 0x%lx has a bad checksum)",
                   path, bad_checksum_at);
    else
        loader_err(err, errlen, "%s: no multiboot header in the first 8 KiB", path);
    return XBT_EFORMAT;
}

/* The header exists and requires nothing xbt does not do. */
static int check_header(const struct mb_boot_plan *p, char *err, size_t errlen)
{
    uint32_t flags = 0;
    int rc = find_header(p->path, p->img, p->img_len, &flags, err, errlen);
    if (rc < 0)
        return rc;
    uint32_t unsupported = flags & MB_HF_REQUIRED_MASK & ~MB_HF_SUPPORTED;
    if (!unsupported)
        return XBT_OK;
    loader_err(err, errlen,
               "%s: multiboot header requires feature bit %d "
               "(flags 0x%x), which xbt does not support",
               p->path, __builtin_ctz(unsupported), flags);
    return XBT_EUNSUP;
}

/* Bump allocation in the information area: size bytes aligned to align at
 * *next, below limit; false if they do not fit. */
static bool area_alloc(uint64_t *next, uint64_t limit, uint64_t size, uint64_t align,
                       uint32_t *addr)
{
    uint64_t at = loader_align_up(*next, align);
    if (size > limit || at + size > limit)
        return false;
    *addr = (uint32_t)at;
    *next = at + size;
    return true;
}

static const char *module_string(const struct mb_module *m)
{
    return m->string ? m->string : m->path;
}

/* Lays out the information area at base, below limit; the end of it in
 * *end.  On failure *what names the part that did not fit (-1: the
 * structures, -2: the command line, i >= 0: module i's string). */
static bool layout_info(struct mb_boot_plan *p, uint64_t base, uint64_t limit, uint64_t *end,
                        int *what)
{
    struct mb_info_layout *l = &p->info;
    uint64_t next = base;
    *what = -1;
    if (!area_alloc(&next, limit, MBI_SIZE, MBI_AREA_ALIGN, &l->mbi) ||
        !area_alloc(&next, limit, MMAP_MAX_ENTRIES * MMAP_ENTRY_SIZE, MBI_AREA_ALIGN, &l->mmap) ||
        !area_alloc(&next, limit, (uint64_t)p->nmods * MOD_ENTRY_SIZE, MBI_AREA_ALIGN, &l->mods))
        return false;
    *what = -2;
    if (!area_alloc(&next, limit, sizeof(BOOT_LOADER_NAME), 1, &l->name) ||
        !area_alloc(&next, limit, (uint64_t)strlen(p->cmdline) + 1, 1, &l->cmd))
        return false;
    for (int i = 0; i < p->nmods; i++) {
        *what = i;
        if (!area_alloc(&next, limit, strlen(module_string(&p->mods[i])) + 1, 1, &l->mod_str[i]))
            return false;
    }
    *end = next;
    return true;
}

/* [lo, hi) overlaps none of the kernel's segments. */
static bool clear_of_kernel(const struct mb_boot_plan *p, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < p->kernel.nsegs; i++)
        if (lo < p->kernel.segs[i].hi && p->kernel.segs[i].lo < hi)
            return false;
    return true;
}

/* The one error line when the information area fits nowhere. */
static int info_too_big(const struct mb_boot_plan *p, int what, char *err, size_t errlen)
{
    if (what == -1)
        loader_err(err, errlen,
                   "too many modules (%d) for the multiboot information area "
                   "in conventional memory",
                   p->nmods);
    else if (what == -2)
        loader_err(err, errlen,
                   "kernel command line is too long (%zu bytes) for the multiboot "
                   "information area in conventional memory",
                   strlen(p->cmdline));
    else
        loader_err(err, errlen,
                   "module %d string is too long (%zu bytes) for the multiboot "
                   "information area in conventional memory",
                   what, strlen(module_string(&p->mods[what])));
    return XBT_ERANGE;
}

/* Places the information area in conventional memory, clear of the
 * kernel: at MB_INFO_ADDR (where QEMU puts it) when it is free, else at
 * the first place after 4 KiB or after a segment's end that is. */
static int plan_info(struct mb_boot_plan *p, char *err, size_t errlen)
{
    uint64_t cand[2 + 64], end;
    size_t n = 0;
    int what;
    cand[n++] = MB_INFO_ADDR;
    cand[n++] = PC_LOW_RESERVED;
    for (size_t i = 0; i < p->kernel.nsegs && n < XBT_ARRAY_SIZE(cand); i++)
        cand[n++] = loader_align_up(p->kernel.segs[i].hi, MBI_AREA_ALIGN);
    if (!layout_info(p, PC_LOW_RESERVED, MB_INFO_LIMIT, &end, &what))
        return info_too_big(p, what, err, errlen);
    for (size_t i = 0; i < n; i++)
        if (layout_info(p, cand[i], MB_INFO_LIMIT, &end, &what) && clear_of_kernel(p, cand[i], end))
            return XBT_OK;
    loader_err(err, errlen,
               "%s: its segments leave no room for the multiboot information "
               "in conventional memory (below 0x%x)",
               p->path, MB_INFO_LIMIT);
    return XBT_ERANGE;
}

/* Modules go page-aligned after the kernel, never below 1 MiB (so they
 * cannot land in the information area or the legacy hole). */
static uint64_t modules_base(const struct mb_boot_plan *p)
{
    return p->kernel.hi > PC_HIGH_RAM ? p->kernel.hi : PC_HIGH_RAM;
}

/* Where no kernel segment may go: the IVT and BDA, the ACPI tables (built
 * before the kernel is loaded). */
static void reserved_regions(struct loader_region r[2])
{
    r[0] = (struct loader_region){ .lo = 0, .hi = PC_LOW_RESERVED };
    snprintf(r[0].what, sizeof(r[0].what), "the first 4 KiB of RAM (below 0x%x)", PC_LOW_RESERVED);
    r[1] = (struct loader_region){ .lo = PC_ACPI_START, .hi = PC_ACPI_START + ACPI_AREA_SIZE };
    snprintf(r[1].what, sizeof(r[1].what), "the ACPI tables [0x%x-0x%x)", PC_ACPI_START,
             PC_ACPI_START + ACPI_AREA_SIZE);
}

/* Everything about the input, before guest RAM is written. */
static int mb_check(struct mb_boot_plan *p, char *err, size_t errlen)
{
    struct loader_region reserved[2];
    reserved_regions(reserved);
    const struct loader_place place = { .ram_size = p->ram_size,
                                        .reserved = reserved,
                                        .nreserved = XBT_ARRAY_SIZE(reserved) };
    int rc = loader_read_file(p->path, &p->img, &p->img_len, err, errlen);
    if (rc == XBT_OK)
        rc = elf_check(p->path, p->img, p->img_len, &place, &p->kernel, err, errlen);
    if (rc == XBT_OK)
        rc = check_header(p, err, errlen);
    if (rc == XBT_OK)
        rc = plan_info(p, err, errlen);
    if (rc == XBT_OK)
        rc = modules_open(p->bm, p->nmods, err, errlen);
    if (rc == XBT_OK)
        rc = modules_check(p->bm, p->nmods, modules_base(p), p->ram_size, err, errlen);
    return rc;
}

static void put_mmap_entry(uint8_t *ram, uint32_t at, uint64_t base, uint64_t length, uint32_t type)
{
    loader_put32(ram, at, MMAP_ENTRY_PAYLOAD);
    loader_put64(ram, at + 4, base);
    loader_put64(ram, at + 12, length);
    loader_put32(ram, at + 20, type);
}

/* The BIOS-style memory map: low RAM, EBDA, BIOS ROM, RAM above 1 MiB. */
static uint32_t write_mmap(uint8_t *ram, uint32_t at, uint32_t ram_size)
{
    struct loader_e820 map[LOADER_E820_MAX];
    size_t n = loader_memory_map(ram_size, map);
    memset(ram + at, 0, MMAP_MAX_ENTRIES * MMAP_ENTRY_SIZE);
    for (size_t i = 0; i < n && i < MMAP_MAX_ENTRIES; i++)
        put_mmap_entry(ram, at + (uint32_t)i * MMAP_ENTRY_SIZE, map[i].addr, map[i].size,
                       map[i].type);
    return (uint32_t)(n < MMAP_MAX_ENTRIES ? n : MMAP_MAX_ENTRIES) * MMAP_ENTRY_SIZE;
}

/* The module list and the module strings. */
static void write_modules(const struct mb_boot_plan *p, uint8_t *ram)
{
    for (int i = 0; i < p->nmods; i++) {
        uint32_t e = p->info.mods + (uint32_t)i * MOD_ENTRY_SIZE;
        const char *s = module_string(&p->mods[i]);
        loader_put32(ram, e, (uint32_t)p->bm[i].start);   /* mod_start */
        loader_put32(ram, e + 4, (uint32_t)p->bm[i].end); /* mod_end */
        loader_put32(ram, e + 8, p->info.mod_str[i]);     /* string */
        loader_put32(ram, e + 12, 0);                     /* reserved */
        memcpy(ram + p->info.mod_str[i], s, strlen(s) + 1);
    }
}

/* The information structure, its memory map and strings. */
static void write_info(const struct mb_boot_plan *p, uint8_t *ram)
{
    const struct mb_info_layout *l = &p->info;
    uint32_t mbi = l->mbi;
    memset(ram + mbi, 0, MBI_SIZE);
    uint32_t mmap_len = write_mmap(ram, l->mmap, p->ram_size);
    memcpy(ram + l->name, BOOT_LOADER_NAME, sizeof(BOOT_LOADER_NAME));
    memcpy(ram + l->cmd, p->cmdline, strlen(p->cmdline) + 1);
    loader_put32(ram, mbi + MBI_OFF_FLAGS,
                 MBI_FLAG_MEMORY | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP |
                     MBI_FLAG_LOADER_NAME);
    loader_put32(ram, mbi + MBI_OFF_MEM_LOWER, PC_MEM_LOWER_KIB);
    loader_put32(ram, mbi + MBI_OFF_MEM_UPPER, (p->ram_size - PC_HIGH_RAM) / 1024);
    loader_put32(ram, mbi + MBI_OFF_CMDLINE, l->cmd);
    loader_put32(ram, mbi + MBI_OFF_MODS_COUNT, (uint32_t)p->nmods);
    loader_put32(ram, mbi + MBI_OFF_MODS_ADDR, l->mods);
    loader_put32(ram, mbi + MBI_OFF_MMAP_LENGTH, mmap_len);
    loader_put32(ram, mbi + MBI_OFF_MMAP_ADDR, l->mmap);
    loader_put32(ram, mbi + MBI_OFF_LOADER_NAME, l->name);
}

/* Writes guest RAM: kernel, modules (which can still fail to read), the
 * information. */
static int mb_load(struct mb_boot_plan *p, uint8_t *ram, struct mb_boot *out, char *err,
                   size_t errlen)
{
    elf_load(&p->kernel, p->img, ram);
    int rc = modules_load(p->bm, p->nmods, modules_base(p), ram, p->ram_size, err, errlen);
    if (rc < 0)
        return rc;
    write_modules(p, ram);
    write_info(p, ram);
    out->entry = p->kernel.entry;
    out->mbi = p->info.mbi;
    out->kernel_lo = (uint32_t)p->kernel.lo;
    out->kernel_hi = (uint32_t)p->kernel.hi;
    return XBT_OK;
}

static int check_args(uint8_t *ram, uint32_t ram_size, const char *path,
                      const struct mb_module *mods, int nmods, struct mb_boot *out, char *err,
                      size_t errlen)
{
    if (!ram || !path || !out || nmods < 0 || (nmods > 0 && !mods)) {
        loader_err(err, errlen, "loader_multiboot: invalid arguments");
        return XBT_EINVAL;
    }
    if (ram_size < PC_HIGH_RAM) {
        loader_err(err, errlen, "guest RAM (0x%x bytes) is smaller than 1 MiB", ram_size);
        return XBT_EINVAL;
    }
    for (int i = 0; i < nmods; i++) {
        if (!mods[i].path) {
            loader_err(err, errlen, "module %d has no file name", i);
            return XBT_EINVAL;
        }
    }
    return XBT_OK;
}

/* The plan's per-module arrays. */
static int plan_alloc(struct mb_boot_plan *p, char *err, size_t errlen)
{
    if (p->nmods == 0)
        return XBT_OK;
    p->info.mod_str = calloc((size_t)p->nmods, sizeof(*p->info.mod_str));
    p->bm = calloc((size_t)p->nmods, sizeof(*p->bm));
    if (!p->info.mod_str || !p->bm) {
        loader_err(err, errlen, "out of memory");
        return XBT_ENOMEM;
    }
    for (int i = 0; i < p->nmods; i++)
        p->bm[i] = (struct boot_module){ .path = p->mods[i].path, .fd = -1 };
    return XBT_OK;
}

static void plan_free(struct mb_boot_plan *p)
{
    if (p->bm)
        modules_close(p->bm, p->nmods);
    free(p->bm);
    free(p->info.mod_str);
    elf_image_free(&p->kernel);
    free(p->img);
}

int loader_multiboot(uint8_t *ram, uint32_t ram_size, const char *path, const char *cmdline,
                     const struct mb_module *mods, int nmods, struct mb_boot *out, char *err,
                     size_t errlen)
{
    int rc = check_args(ram, ram_size, path, mods, nmods, out, err, errlen);
    if (rc < 0)
        return rc;
    /* the boot loaders' convention (GRUB, QEMU): the kernel's path, then
     * the arguments */
    char *line = NULL;
    if (asprintf(&line, "%s%s%s", path, cmdline && *cmdline ? " " : "", cmdline ? cmdline : "") <
        0) {
        loader_err(err, errlen, "out of memory");
        return XBT_ENOMEM;
    }
    struct mb_boot_plan p = {
        .path = path,
        .cmdline = line,
        .mods = mods,
        .nmods = nmods,
        .ram_size = ram_size,
    };
    rc = plan_alloc(&p, err, errlen);
    if (rc == XBT_OK)
        rc = mb_check(&p, err, errlen);
    if (rc == XBT_OK)
        rc = mb_load(&p, ram, out, err, errlen);
    if (rc == XBT_OK && err && errlen)
        err[0] = '\0';
    plan_free(&p);
    free(line);
    return rc;
}
