/*
 * loader.c - Multiboot v1 boot loader for xbt.
 *
 * loader_multiboot() reads an i386 ELF32 executable into host memory, lets
 * libelf interpret it (elf_memory, elf32_getehdr, elf_getphdrnum,
 * elf32_getphdr: ELF header and program header table), checks the
 * Multiboot header in its first 8 KiB, and then, once everything that can be
 * validated up front has been validated:
 *
 *   1. copies every PT_LOAD segment to its guest-physical address and zeroes
 *      its BSS part (p_memsz > p_filesz);
 *   2. loads the boot modules, each page-aligned, above the kernel image and
 *      never below 1 MiB;
 *   3. builds the Multiboot information structure, the BIOS-style memory map,
 *      the module list and all strings in [MB_INFO_ADDR, MB_INFO_LIMIT).
 *
 * Guest-physical layout of the information area (allocated in this order,
 * each structure 16-byte aligned, strings byte-packed):
 *
 *   0x9000  struct multiboot_info (116 bytes, the full v1 structure)
 *   0x9080  memory map (4 entries of 24 bytes; 3 when RAM is exactly 1 MiB)
 *   0x90e0  module list (16 bytes per module; mods_addr even when empty)
 *   then    "xbt" (boot loader name), the command line, the module strings
 *
 * Hostile input never makes the loader crash: every offset and address is
 * checked with 64-bit arithmetic before use.  On failure guest RAM may have
 * been partially written (the kernel and modules are copied before modules
 * are read, since a module can fail to read at any time), so the caller must
 * not run the guest.
 *
 * Deliberate differences from QEMU's -kernel multiboot loader:
 *   - the command line is passed exactly as given (QEMU prepends the kernel
 *     path);
 *   - ELF section headers are not passed (flags bit 5 stays clear): doing it
 *     properly means loading the non-allocated symbol and string tables too.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

/* The Multiboot header must lie entirely within the image's first 8 KiB. */
#define MB_SEARCH_LIMIT 8192u
/* Header fields: magic, flags, checksum (each 32 bits). */
#define MB_HEADER_MIN_SIZE 12u
/* The header is 32-bit aligned. */
#define MB_HEADER_ALIGN 4u

/* Multiboot header flags (bits 0-15 are "required": refuse unknown ones). */
#define MB_HF_PAGE_ALIGN (1u << 0)    /* modules page-aligned: always done */
#define MB_HF_MEMORY_INFO (1u << 1)   /* mem_* and mmap_*: always provided */
#define MB_HF_VIDEO_MODE (1u << 2)    /* video mode request: ignored, as QEMU */
#define MB_HF_REQUIRED_MASK 0xffffu   /* bits a loader must understand */
#define MB_HF_SUPPORTED (MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE)
/* Bit 16 (a.out kludge: load addresses in the header) is optional; xbt
 * always loads through the ELF program headers, as GRUB does for ELF files,
 * so the address fields are ignored.  Bits 17-31 are optional too. */
#define MB_HF_AOUT_KLUDGE (1u << 16)

/* Multiboot information flags (struct multiboot_info.flags). */
#define MBI_FLAG_MEMORY (1u << 0)     /* mem_lower / mem_upper valid */
#define MBI_FLAG_CMDLINE (1u << 2)    /* cmdline valid */
#define MBI_FLAG_MODS (1u << 3)       /* mods_count / mods_addr valid */
#define MBI_FLAG_MMAP (1u << 6)       /* mmap_length / mmap_addr valid */
#define MBI_FLAG_LOADER_NAME (1u << 9)/* boot_loader_name valid */

/* Byte offsets of the fields of struct multiboot_info (Multiboot 0.6.96). */
#define MBI_OFF_FLAGS 0u
#define MBI_OFF_MEM_LOWER 4u          /* KiB of conventional memory */
#define MBI_OFF_MEM_UPPER 8u          /* KiB of memory from 1 MiB up */
#define MBI_OFF_CMDLINE 16u
#define MBI_OFF_MODS_COUNT 20u
#define MBI_OFF_MODS_ADDR 24u
#define MBI_OFF_MMAP_LENGTH 44u
#define MBI_OFF_MMAP_ADDR 48u
#define MBI_OFF_LOADER_NAME 64u
#define MBI_SIZE 116u                 /* whole structure incl. framebuffer info */

/* One memory map entry: u32 size (of the rest, 20), u64 base, u64 length,
 * u32 type.  mmap_addr points at the size field. */
#define MMAP_ENTRY_SIZE 24u
#define MMAP_ENTRY_PAYLOAD 20u        /* value of the size field */
#define MMAP_MAX_ENTRIES 4u
#define MMAP_TYPE_RAM 1u              /* usable RAM */
#define MMAP_TYPE_RESERVED 2u         /* reserved (EBDA, BIOS ROM) */

/* One module list entry: mod_start, mod_end (exclusive), string, reserved. */
#define MOD_ENTRY_SIZE 16u

/* Alignment of each structure allocated in the information area. */
#define MBI_AREA_ALIGN 16u

/* The PC memory layout the information describes. */
#define PC_LOW_RAM_END 0x9fc00u       /* conventional RAM ends; EBDA follows */
#define PC_EBDA_END 0xa0000u          /* end of the 1 KiB EBDA; VGA hole next */
#define PC_BIOS_START 0xf0000u        /* system BIOS ROM, reserved */
#define PC_HIGH_RAM 0x100000u         /* extended memory starts at 1 MiB */
#define PC_MEM_LOWER_KIB 639u         /* = PC_LOW_RAM_END / 1024 */
#define PC_LOW_RESERVED 0x1000u       /* IVT, BDA: no segment may go below */

#define PAGE_SIZE_4K 4096u            /* module alignment */
#define KERNEL_MAX_FILE_SIZE (1u << 30) /* refuse absurd kernel files */

#define BOOT_LOADER_NAME "xbt"

/* A PT_LOAD segment, as placed in guest-physical memory. */
struct load_seg {
    uint64_t lo, hi;                  /* [lo, hi) guest-physical, hi-lo = memsz */
    uint64_t vaddr;                   /* p_vaddr, for the entry translation */
    uint32_t offset, filesz;          /* file range to copy */
    size_t index;                     /* program header index, for messages */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void put32(uint8_t *ram, uint32_t addr, uint32_t v)
{
    memcpy(ram + addr, &v, sizeof(v));   /* host and guest are little-endian */
}

static void put64(uint8_t *ram, uint32_t addr, uint64_t v)
{
    memcpy(ram + addr, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t align_up64(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Maps an errno value from open/read to an XBT_E* code. */
static int errno_code(int e)
{
    if (e == ENOENT || e == ENOTDIR)
        return XBT_ENOENT;
    if (e == ENOMEM)
        return XBT_ENOMEM;
    return XBT_EIO;
}

/* Reads all of `fd` (regular file or not) into a malloc'd buffer. */
static int read_kernel_file(const char *path, uint8_t **out, size_t *outlen,
                            char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        set_err(err, errlen, "cannot open %s: %s", path, strerror(e));
        return errno_code(e);
    }
    struct stat st;
    size_t cap = 64 * 1024;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < KERNEL_MAX_FILE_SIZE)
        cap = (size_t)st.st_size + 1;   /* +1: EOF is seen without a regrow */
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        set_err(err, errlen, "%s: out of memory reading the kernel", path);
        return XBT_ENOMEM;
    }
    size_t len = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= KERNEL_MAX_FILE_SIZE) {
                free(buf);
                close(fd);
                set_err(err, errlen, "%s: file is larger than %u MiB",
                        path, KERNEL_MAX_FILE_SIZE >> 20);
                return XBT_EUNSUP;
            }
            size_t ncap = cap * 2;
            if (ncap > KERNEL_MAX_FILE_SIZE)
                ncap = KERNEL_MAX_FILE_SIZE;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                close(fd);
                set_err(err, errlen, "%s: out of memory reading the kernel",
                        path);
                return XBT_ENOMEM;
            }
            buf = nbuf;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            set_err(err, errlen, "cannot read %s: %s", path, strerror(e));
            return e == ENOMEM ? XBT_ENOMEM : XBT_EIO;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len == 0) {
        free(buf);
        set_err(err, errlen, "%s: empty file", path);
        return XBT_EFORMAT;
    }
    *out = buf;
    *outlen = len;
    return XBT_OK;
}

/*
 * Reads module file `fd` to guest-physical `start`, which must be < ram_size.
 * On success *end is the exclusive end of the module.
 */
static int read_module(int fd, const char *path, int idx, uint8_t *ram,
                       uint32_t ram_size, uint64_t start, uint64_t *end,
                       char *err, size_t errlen)
{
    uint64_t pos = start;
    for (;;) {
        uint8_t probe;
        uint8_t *dst = pos < ram_size ? ram + pos : &probe;
        size_t room = pos < ram_size ? (size_t)(ram_size - pos) : 1;
        if (room > (1u << 30))
            room = 1u << 30;
        ssize_t n = read(fd, dst, room);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            set_err(err, errlen, "cannot read module %d (%s): %s", idx, path,
                    strerror(e));
            return e == ENOMEM ? XBT_ENOMEM : XBT_EIO;
        }
        if (n == 0)
            break;
        if (pos >= ram_size) {
            /* Data left after guest RAM filled up: report the full size. */
            struct stat st;
            uint64_t need = pos + 1;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                start + (uint64_t)st.st_size > need)
                need = start + (uint64_t)st.st_size;
            set_err(err, errlen,
                    "module %d (%s) does not fit in guest RAM: needs "
                    "[0x%llx-0x%llx), RAM is 0x%x bytes", idx, path,
                    (unsigned long long)start, (unsigned long long)need,
                    ram_size);
            return XBT_ERANGE;
        }
        pos += (uint64_t)n;
    }
    *end = pos;
    return XBT_OK;
}

/*
 * Finds a valid Multiboot header in the first 8 KiB of the image and returns
 * its flags, or a negative error.
 */
static int find_mb_header(const char *path, const uint8_t *img, size_t len,
                          uint32_t *flags, char *err, size_t errlen)
{
    size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
    long bad_checksum_at = -1;
    for (size_t off = 0; off + MB_HEADER_MIN_SIZE <= limit;
         off += MB_HEADER_ALIGN) {
        uint32_t magic = get32(img + off);
        if (magic != MB_HEADER_MAGIC)
            continue;
        uint32_t fl = get32(img + off + 4);
        uint32_t sum = get32(img + off + 8);
        if ((uint32_t)(magic + fl + sum) != 0) {
            if (bad_checksum_at < 0)
                bad_checksum_at = (long)off;
            continue;
        }
        *flags = fl;
        return XBT_OK;
    }
    if (bad_checksum_at >= 0)
        set_err(err, errlen, "%s: no multiboot header in the first 8 KiB "
                "(magic at offset 0x%lx has a bad checksum)", path,
                bad_checksum_at);
    else
        set_err(err, errlen, "%s: no multiboot header in the first 8 KiB",
                path);
    return XBT_EFORMAT;
}

static int cmp_seg(const void *a, const void *b)
{
    const struct load_seg *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Checks the ELF identification and headers of the image and collects its
 * non-empty PT_LOAD segments (sorted by address) and entry point.
 */
static int parse_elf(const char *path, uint8_t *img, size_t len,
                     uint32_t ram_size, struct load_seg **segs_out,
                     size_t *nsegs_out, uint32_t *entry_out,
                     char *err, size_t errlen)
{
    int rc = XBT_EFORMAT;
    struct load_seg *segs = NULL;
    size_t nsegs = 0;
    Elf32_Phdr *ph = NULL;            /* aligned copy of the table */

    if (elf_version(EV_CURRENT) == EV_NONE) {
        set_err(err, errlen, "libelf is out of date: %s", elf_errmsg(-1));
        return XBT_EUNSUP;
    }
    bool has_magic = len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
    Elf *elf = elf_memory((char *)img, len);
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        /* libelf refuses some headers outright (e.g. a section header table
         * beyond the file); still name the class if that is the problem. */
        if (has_magic && len > EI_CLASS && img[EI_CLASS] == ELFCLASS64) {
            set_err(err, errlen, "%s: 64-bit ELF; xbt boots 32-bit (i386) "
                    "multiboot kernels", path);
            rc = XBT_EUNSUP;
        } else if (has_magic && len < EI_NIDENT) {
            set_err(err, errlen, "%s: truncated ELF header (%zu bytes)", path,
                    len);
        } else if (has_magic && elf) {
            /* libelf accepted the magic but not the identification. */
            set_err(err, errlen, "%s: invalid ELF identification (class %u, "
                    "byte order %u, version %u)", path, img[EI_CLASS],
                    img[EI_DATA], img[EI_VERSION]);
        } else if (has_magic) {
            set_err(err, errlen, "%s: truncated or corrupt ELF header: %s",
                    path, elf_errmsg(-1));
        } else {
            set_err(err, errlen, "%s: not an ELF file", path);
        }
        goto out;
    }

    size_t idlen = 0;
    const char *ident = elf_getident(elf, &idlen);
    if (!ident || idlen < EI_NIDENT) {
        set_err(err, errlen, "%s: truncated ELF header", path);
        goto out;
    }
    if (ident[EI_CLASS] == ELFCLASS64) {
        set_err(err, errlen, "%s: 64-bit ELF; xbt boots 32-bit (i386) "
                "multiboot kernels", path);
        rc = XBT_EUNSUP;
        goto out;
    }
    if (ident[EI_CLASS] != ELFCLASS32) {
        set_err(err, errlen, "%s: invalid ELF class %u", path,
                (unsigned char)ident[EI_CLASS]);
        goto out;
    }
    if (ident[EI_DATA] != ELFDATA2LSB) {
        set_err(err, errlen, "%s: %s ELF; xbt boots little-endian (i386) "
                "kernels", path, ident[EI_DATA] == ELFDATA2MSB ?
                "big-endian" : "unknown byte order in");
        rc = ident[EI_DATA] == ELFDATA2MSB ? XBT_EUNSUP : XBT_EFORMAT;
        goto out;
    }
    Elf32_Ehdr *eh = elf32_getehdr(elf);
    if (!eh) {
        set_err(err, errlen, "%s: truncated or corrupt ELF header: %s", path,
                elf_errmsg(-1));
        goto out;
    }
    if (eh->e_machine != EM_386) {
        set_err(err, errlen, "%s: ELF machine %u is not i386 (EM_386 = %u)",
                path, eh->e_machine, EM_386);
        rc = XBT_EUNSUP;
        goto out;
    }
    if (eh->e_type != ET_EXEC) {
        set_err(err, errlen, "%s: ELF type %u is not an executable (ET_EXEC = "
                "%u)%s", path, eh->e_type, ET_EXEC, eh->e_type == ET_DYN ?
                "; link the kernel with -static -no-pie" : "");
        rc = eh->e_type == ET_DYN ? XBT_EUNSUP : XBT_EFORMAT;
        goto out;
    }

    /* Program header table: validate its file range before libelf reads it
     * (libelf reports a truncated table as "0 entries"). */
    if (eh->e_phnum == 0) {
        set_err(err, errlen, "%s: no program headers", path);
        goto out;
    }
    if (eh->e_phentsize != sizeof(Elf32_Phdr)) {
        set_err(err, errlen, "%s: corrupt program header table (entry size "
                "%u, expected %zu)", path, eh->e_phentsize,
                sizeof(Elf32_Phdr));
        goto out;
    }
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) != 0 || phnum == 0) {
        set_err(err, errlen, "%s: corrupt or truncated program header table "
                "(%u entries at offset 0x%x, file is %zu bytes)", path,
                eh->e_phnum, eh->e_phoff, len);
        goto out;
    }
    /* libelf silently clamps e_phnum to what fits in the file: use the
     * header's count unless it is the PN_XNUM escape. */
    if (eh->e_phnum != PN_XNUM)
        phnum = eh->e_phnum;
    uint64_t ph_end = (uint64_t)eh->e_phoff + (uint64_t)phnum *
                      sizeof(Elf32_Phdr);
    if (eh->e_phoff == 0 || ph_end > len) {
        set_err(err, errlen, "%s: truncated program header table "
                "[0x%x-0x%llx) (file is %zu bytes)", path, eh->e_phoff,
                (unsigned long long)ph_end, len);
        goto out;
    }
    const Elf32_Phdr *raw_ph = elf32_getphdr(elf);
    if (!raw_ph) {
        set_err(err, errlen, "%s: corrupt program header table: %s", path,
                elf_errmsg(-1));
        goto out;
    }
    /* libelf may hand out a pointer into the image at a misaligned e_phoff
     * (x86 allows unaligned access); copy the table to aligned memory. */
    ph = malloc(phnum * sizeof(*ph));
    if (!ph) {
        set_err(err, errlen, "%s: out of memory", path);
        rc = XBT_ENOMEM;
        goto out;
    }
    memcpy(ph, raw_ph, phnum * sizeof(*ph));

    /* Multiboot loads at physical addresses.  Some linkers leave p_paddr 0
     * everywhere; then (only then) the virtual addresses are used. */
    bool any_paddr = false, any_vaddr = false;
    for (size_t i = 0; i < phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        any_paddr |= ph[i].p_paddr != 0;
        any_vaddr |= ph[i].p_vaddr != 0;
    }
    bool use_vaddr = !any_paddr && any_vaddr;

    segs = calloc(phnum, sizeof(*segs));
    if (!segs) {
        set_err(err, errlen, "%s: out of memory", path);
        rc = XBT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < phnum; i++) {
        const Elf32_Phdr *p = &ph[i];
        if (p->p_type != PT_LOAD)
            continue;
        if (p->p_filesz > p->p_memsz) {
            set_err(err, errlen, "%s: segment %zu has p_filesz 0x%x > "
                    "p_memsz 0x%x", path, i, p->p_filesz, p->p_memsz);
            goto out;
        }
        uint64_t fend = (uint64_t)p->p_offset + p->p_filesz;
        if (fend > len) {
            set_err(err, errlen, "%s: segment %zu file range [0x%x-0x%llx) "
                    "extends beyond the end of the file (%zu bytes)", path, i,
                    p->p_offset, (unsigned long long)fend, len);
            goto out;
        }
        if (p->p_memsz == 0)
            continue;   /* occupies no memory */
        uint64_t lo = use_vaddr ? p->p_vaddr : p->p_paddr;
        uint64_t hi = lo + p->p_memsz;   /* 64-bit: cannot wrap */
        if (hi > ram_size) {
            set_err(err, errlen, "%s: segment %zu [0x%llx-0x%llx) is outside "
                    "guest RAM (0x%x bytes)", path, i, (unsigned long long)lo,
                    (unsigned long long)hi, ram_size);
            rc = XBT_ERANGE;
            goto out;
        }
        if (lo < PC_LOW_RESERVED) {
            set_err(err, errlen, "%s: segment %zu [0x%llx-0x%llx) overlaps "
                    "the first 4 KiB of RAM (below 0x%x)", path, i,
                    (unsigned long long)lo, (unsigned long long)hi,
                    PC_LOW_RESERVED);
            rc = XBT_ERANGE;
            goto out;
        }
        if (lo < MB_INFO_LIMIT && hi > MB_INFO_ADDR) {
            set_err(err, errlen, "%s: segment %zu [0x%llx-0x%llx) overlaps "
                    "the multiboot information area [0x%x-0x%x)", path, i,
                    (unsigned long long)lo, (unsigned long long)hi,
                    MB_INFO_ADDR, MB_INFO_LIMIT);
            rc = XBT_ERANGE;
            goto out;
        }
        segs[nsegs++] = (struct load_seg){
            .lo = lo, .hi = hi, .vaddr = p->p_vaddr, .offset = p->p_offset,
            .filesz = p->p_filesz, .index = i,
        };
    }
    if (nsegs == 0) {
        set_err(err, errlen, "%s: no loadable (PT_LOAD) segments", path);
        goto out;
    }
    qsort(segs, nsegs, sizeof(*segs), cmp_seg);
    for (size_t i = 1; i < nsegs; i++) {
        if (segs[i].lo < segs[i - 1].hi) {
            set_err(err, errlen, "%s: segments %zu [0x%llx-0x%llx) and %zu "
                    "[0x%llx-0x%llx) overlap", path, segs[i - 1].index,
                    (unsigned long long)segs[i - 1].lo,
                    (unsigned long long)segs[i - 1].hi, segs[i].index,
                    (unsigned long long)segs[i].lo,
                    (unsigned long long)segs[i].hi);
            goto out;
        }
    }

    /* The entry point is e_entry, used as a physical address.  If it lies in
     * no loaded segment but in a segment's virtual range (a higher-half
     * kernel whose ENTRY is virtual), translate it as GRUB 2 does. */
    uint64_t entry = eh->e_entry;
    bool entry_ok = false;
    for (size_t i = 0; i < nsegs && !entry_ok; i++)
        entry_ok = entry >= segs[i].lo && entry < segs[i].hi;
    for (size_t i = 0; i < nsegs && !entry_ok; i++) {
        uint64_t vhi = segs[i].vaddr + (segs[i].hi - segs[i].lo);
        if (entry >= segs[i].vaddr && entry < vhi) {
            entry = entry - segs[i].vaddr + segs[i].lo;
            entry_ok = true;
        }
    }
    if (!entry_ok) {
        set_err(err, errlen, "%s: entry point 0x%x is not inside any "
                "loadable segment", path, eh->e_entry);
        goto out;
    }

    *entry_out = (uint32_t)entry;
    *segs_out = segs;
    *nsegs_out = nsegs;
    segs = NULL;
    rc = XBT_OK;
out:
    free(ph);
    free(segs);
    if (elf)
        elf_end(elf);
    return rc;
}

/* Bump allocator over the multiboot information area. */
struct mbi_area {
    uint64_t next;                    /* next free guest-physical address */
};

/* Reserves `size` bytes aligned to `align`; returns false if it won't fit. */
static bool area_alloc(struct mbi_area *a, uint64_t size, uint64_t align,
                       uint32_t *addr)
{
    uint64_t at = align_up64(a->next, align);
    if (size > MB_INFO_LIMIT || at + size > MB_INFO_LIMIT)
        return false;
    *addr = (uint32_t)at;
    a->next = at + size;
    return true;
}

static void put_mmap_entry(uint8_t *ram, uint32_t at, uint64_t base,
                           uint64_t length, uint32_t type)
{
    put32(ram, at, MMAP_ENTRY_PAYLOAD);
    put64(ram, at + 4, base);
    put64(ram, at + 12, length);
    put32(ram, at + 20, type);
}

int loader_multiboot(uint8_t *ram, uint32_t ram_size, const char *path,
                     const char *cmdline, const struct mb_module *mods,
                     int nmods, struct mb_boot *out, char *err, size_t errlen)
{
    if (!ram || !path || !out || nmods < 0 || (nmods > 0 && !mods)) {
        set_err(err, errlen, "loader_multiboot: invalid arguments");
        return XBT_EINVAL;
    }
    if (ram_size < PC_HIGH_RAM) {
        set_err(err, errlen, "guest RAM (0x%x bytes) is smaller than 1 MiB",
                ram_size);
        return XBT_EINVAL;
    }
    for (int i = 0; i < nmods; i++) {
        if (!mods[i].path) {
            set_err(err, errlen, "module %d has no file name", i);
            return XBT_EINVAL;
        }
    }
    if (!cmdline)
        cmdline = "";

    uint8_t *img = NULL;
    size_t img_len = 0;
    struct load_seg *segs = NULL;
    size_t nsegs = 0;
    int *mod_fds = NULL;
    uint32_t *mod_str_at = NULL;      /* guest address of each module string */
    int rc = read_kernel_file(path, &img, &img_len, err, errlen);
    if (rc < 0)
        return rc;

    uint32_t entry = 0;
    rc = parse_elf(path, img, img_len, ram_size, &segs, &nsegs, &entry, err,
                   errlen);
    if (rc < 0)
        goto out;

    uint32_t hflags = 0;
    rc = find_mb_header(path, img, img_len, &hflags, err, errlen);
    if (rc < 0)
        goto out;
    uint32_t unsupported = hflags & MB_HF_REQUIRED_MASK & ~MB_HF_SUPPORTED;
    if (unsupported) {
        set_err(err, errlen, "%s: multiboot header requires feature bit %d "
                "(flags 0x%x), which xbt does not support", path,
                __builtin_ctz(unsupported), hflags);
        rc = XBT_EUNSUP;
        goto out;
    }

    /* Lay out the information area before touching guest RAM, so that
     * overlong strings are refused cleanly. */
    struct mbi_area area = { .next = MB_INFO_ADDR };
    uint32_t mbi_at = 0, mmap_at = 0, mods_at = 0, name_at = 0, cmd_at = 0;
    uint32_t mmap_len = (ram_size > PC_HIGH_RAM ? 4u : 3u) * MMAP_ENTRY_SIZE;
    if (!area_alloc(&area, MBI_SIZE, MBI_AREA_ALIGN, &mbi_at) ||
        !area_alloc(&area, MMAP_MAX_ENTRIES * MMAP_ENTRY_SIZE, MBI_AREA_ALIGN,
                    &mmap_at) ||
        !area_alloc(&area, (uint64_t)nmods * MOD_ENTRY_SIZE, MBI_AREA_ALIGN,
                    &mods_at)) {
        set_err(err, errlen, "too many modules (%d) for the multiboot "
                "information area [0x%x-0x%x)", nmods, MB_INFO_ADDR,
                MB_INFO_LIMIT);
        rc = XBT_ERANGE;
        goto out;
    }
    if (!area_alloc(&area, sizeof(BOOT_LOADER_NAME), 1, &name_at) ||
        !area_alloc(&area, (uint64_t)strlen(cmdline) + 1, 1, &cmd_at)) {
        set_err(err, errlen, "kernel command line is too long (%zu bytes) for "
                "the multiboot information area [0x%x-0x%x)", strlen(cmdline),
                MB_INFO_ADDR, MB_INFO_LIMIT);
        rc = XBT_ERANGE;
        goto out;
    }
    if (nmods > 0) {
        mod_str_at = calloc((size_t)nmods, sizeof(*mod_str_at));
        mod_fds = malloc((size_t)nmods * sizeof(*mod_fds));
        for (int i = 0; mod_fds && i < nmods; i++)
            mod_fds[i] = -1;
        if (!mod_str_at || !mod_fds) {
            set_err(err, errlen, "out of memory");
            rc = XBT_ENOMEM;
            goto out;
        }
    }
    for (int i = 0; i < nmods; i++) {
        const char *s = mods[i].string ? mods[i].string : mods[i].path;
        if (!area_alloc(&area, (uint64_t)strlen(s) + 1, 1, &mod_str_at[i])) {
            set_err(err, errlen, "module %d string is too long (%zu bytes) "
                    "for the multiboot information area [0x%x-0x%x)", i,
                    strlen(s), MB_INFO_ADDR, MB_INFO_LIMIT);
            rc = XBT_ERANGE;
            goto out;
        }
    }

    /* Open every module before writing anything, so a missing file leaves
     * guest RAM untouched. */
    for (int i = 0; i < nmods; i++) {
        mod_fds[i] = open(mods[i].path, O_RDONLY | O_CLOEXEC);
        if (mod_fds[i] < 0) {
            int e = errno;
            set_err(err, errlen, "cannot open module %d (%s): %s", i,
                    mods[i].path, strerror(e));
            rc = errno_code(e);
            goto out;
        }
    }

    /* 1. Kernel segments (already checked to be inside RAM). */
    uint64_t kernel_lo = UINT64_MAX, kernel_hi = 0;
    for (size_t i = 0; i < nsegs; i++) {
        const struct load_seg *s = &segs[i];
        memcpy(ram + s->lo, img + s->offset, s->filesz);
        memset(ram + s->lo + s->filesz, 0, (size_t)(s->hi - s->lo - s->filesz));
        if (s->lo < kernel_lo)
            kernel_lo = s->lo;
        if (s->hi > kernel_hi)
            kernel_hi = s->hi;
    }

    /* 2. Modules: page-aligned, after the kernel, never below 1 MiB (so they
     * cannot land in the information area or the legacy hole). */
    uint64_t cursor = kernel_hi > PC_HIGH_RAM ? kernel_hi : PC_HIGH_RAM;
    for (int i = 0; i < nmods; i++) {
        uint64_t start = align_up64(cursor, PAGE_SIZE_4K), end = 0;
        if (start >= ram_size) {
            set_err(err, errlen, "module %d (%s) does not fit in guest RAM: "
                    "it would start at 0x%llx, RAM is 0x%x bytes", i,
                    mods[i].path, (unsigned long long)start, ram_size);
            rc = XBT_ERANGE;
            goto out;
        }
        rc = read_module(mod_fds[i], mods[i].path, i, ram, ram_size, start,
                         &end, err, errlen);
        if (rc < 0)
            goto out;
        uint32_t e = mods_at + (uint32_t)i * MOD_ENTRY_SIZE;
        put32(ram, e, (uint32_t)start);                 /* mod_start */
        put32(ram, e + 4, (uint32_t)end);               /* mod_end */
        put32(ram, e + 8, mod_str_at[i]);               /* string */
        put32(ram, e + 12, 0);                          /* reserved */
        const char *s = mods[i].string ? mods[i].string : mods[i].path;
        memcpy(ram + mod_str_at[i], s, strlen(s) + 1);
        cursor = end;
    }

    /* 3. The information structure, memory map and strings. */
    memset(ram + mbi_at, 0, MBI_SIZE);
    memset(ram + mmap_at, 0, MMAP_MAX_ENTRIES * MMAP_ENTRY_SIZE);
    memcpy(ram + name_at, BOOT_LOADER_NAME, sizeof(BOOT_LOADER_NAME));
    memcpy(ram + cmd_at, cmdline, strlen(cmdline) + 1);

    put_mmap_entry(ram, mmap_at, 0, PC_LOW_RAM_END, MMAP_TYPE_RAM);
    put_mmap_entry(ram, mmap_at + MMAP_ENTRY_SIZE, PC_LOW_RAM_END,
                   PC_EBDA_END - PC_LOW_RAM_END, MMAP_TYPE_RESERVED);
    put_mmap_entry(ram, mmap_at + 2 * MMAP_ENTRY_SIZE, PC_BIOS_START,
                   PC_HIGH_RAM - PC_BIOS_START, MMAP_TYPE_RESERVED);
    if (ram_size > PC_HIGH_RAM)
        put_mmap_entry(ram, mmap_at + 3 * MMAP_ENTRY_SIZE, PC_HIGH_RAM,
                       ram_size - PC_HIGH_RAM, MMAP_TYPE_RAM);

    put32(ram, mbi_at + MBI_OFF_FLAGS, MBI_FLAG_MEMORY | MBI_FLAG_CMDLINE |
          MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
    put32(ram, mbi_at + MBI_OFF_MEM_LOWER, PC_MEM_LOWER_KIB);
    put32(ram, mbi_at + MBI_OFF_MEM_UPPER, (ram_size - PC_HIGH_RAM) / 1024);
    put32(ram, mbi_at + MBI_OFF_CMDLINE, cmd_at);
    put32(ram, mbi_at + MBI_OFF_MODS_COUNT, (uint32_t)nmods);
    put32(ram, mbi_at + MBI_OFF_MODS_ADDR, mods_at);
    put32(ram, mbi_at + MBI_OFF_MMAP_LENGTH, mmap_len);
    put32(ram, mbi_at + MBI_OFF_MMAP_ADDR, mmap_at);
    put32(ram, mbi_at + MBI_OFF_LOADER_NAME, name_at);

    out->entry = entry;
    out->mbi = mbi_at;
    out->kernel_lo = (uint32_t)kernel_lo;
    out->kernel_hi = (uint32_t)kernel_hi;
    if (err && errlen)
        err[0] = '\0';
    rc = XBT_OK;
out:
    if (mod_fds) {
        for (int i = 0; i < nmods; i++)
            if (mod_fds[i] >= 0)
                close(mod_fds[i]);
        free(mod_fds);
    }
    free(mod_str_at);
    free(segs);
    free(img);
    return rc;
}
