/*
 * elf.c - ELF32 i386 executables for the boot loaders: libelf interprets
 * the image (elf_memory, elf32_getehdr, elf_getphdrnum, elf32_getphdr), and
 * elf_check validates the identification, the ELF header, the program
 * header table and every PT_LOAD segment (file range, place in guest RAM,
 * reserved regions, overlaps) and finds the entry point, all before any
 * guest RAM is written; elf_load then copies the segments.
 *
 * Hostile input never makes the check crash: every offset and address is
 * checked with 64-bit arithmetic before use.
 */
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>

#include "loader/loader_int.h"

#define MSG_ELF64 "%s: 64-bit ELF; xbt boots 32-bit (i386) multiboot kernels"

/* What every check needs: the input, where it may go, where errors go. */
struct check_ctx {
    const char *path;
    const uint8_t *img;
    size_t len; /* file bytes */
    const struct loader_place *place;
    char *err;
    size_t errlen;
};

#define FAIL(c, rc, ...) (loader_err((c)->err, (c)->errlen, __VA_ARGS__), (rc))

/* Why libelf refused the image (not ELF, truncated, 64-bit...). */
static int elf_refused(const struct check_ctx *c, const Elf *elf)
{
    const uint8_t *img = c->img;
    bool magic = c->len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
    /* libelf refuses some headers outright (e.g. a section header table
     * beyond the file); still name the class if that is the problem. */
    if (magic && c->len > EI_CLASS && img[EI_CLASS] == ELFCLASS64)
        return FAIL(c, XBT_EUNSUP, MSG_ELF64, c->path);
    if (magic && c->len < EI_NIDENT)
        return FAIL(c, XBT_EFORMAT, "%s: truncated ELF header (%zu bytes)", c->path, c->len);
    if (magic && elf) /* magic accepted, identification not */
        return FAIL(c, XBT_EFORMAT,
                    "%s: invalid ELF identification (class "
                    "%u, byte order %u, version %u)",
                    c->path, img[EI_CLASS], img[EI_DATA], img[EI_VERSION]);
    if (magic)
        return FAIL(c, XBT_EFORMAT, "%s: truncated or corrupt ELF header: %s", c->path,
                    elf_errmsg(-1));
    return FAIL(c, XBT_EFORMAT, "%s: not an ELF file", c->path);
}

/* e_ident: a 32-bit little-endian ELF. */
static int check_ident(const struct check_ctx *c, Elf *elf)
{
    size_t idlen = 0;
    const char *ident = elf_getident(elf, &idlen);
    if (!ident || idlen < EI_NIDENT)
        return FAIL(c, XBT_EFORMAT, "%s: truncated ELF header", c->path);
    if (ident[EI_CLASS] == ELFCLASS64)
        return FAIL(c, XBT_EUNSUP, MSG_ELF64, c->path);
    if (ident[EI_CLASS] != ELFCLASS32)
        return FAIL(c, XBT_EFORMAT, "%s: invalid ELF class %u", c->path,
                    (unsigned char)ident[EI_CLASS]);
    if (ident[EI_DATA] != ELFDATA2LSB) {
        bool msb = ident[EI_DATA] == ELFDATA2MSB;
        return FAIL(c, msb ? XBT_EUNSUP : XBT_EFORMAT,
                    "%s: %s ELF; xbt boots "
                    "little-endian (i386) kernels",
                    c->path, msb ? "big-endian" : "unknown byte order in");
    }
    return XBT_OK;
}

/* The ELF header: an i386 executable. */
static int check_ehdr(const struct check_ctx *c, Elf *elf, Elf32_Ehdr **out)
{
    Elf32_Ehdr *eh = elf32_getehdr(elf);
    if (!eh)
        return FAIL(c, XBT_EFORMAT, "%s: truncated or corrupt ELF header: %s", c->path,
                    elf_errmsg(-1));
    if (eh->e_machine != EM_386)
        return FAIL(c, XBT_EUNSUP,
                    "%s: ELF machine %u is not i386 (EM_386 = "
                    "%u)",
                    c->path, eh->e_machine, EM_386);
    if (eh->e_type != ET_EXEC) {
        bool dyn = eh->e_type == ET_DYN;
        return FAIL(c, dyn ? XBT_EUNSUP : XBT_EFORMAT,
                    "%s: ELF type %u is "
                    "not an executable (ET_EXEC = %u)%s",
                    c->path, eh->e_type, ET_EXEC,
                    dyn ? "; link the kernel with -static -no-pie" : "");
    }
    *out = eh;
    return XBT_OK;
}

/* The number of program headers; their table lies inside the file. */
static int check_phdr_table(const struct check_ctx *c, Elf *elf, const Elf32_Ehdr *eh,
                            size_t *phnum_out)
{
    /* Validate the table's file range before libelf reads it (libelf
     * reports a truncated table as "0 entries"). */
    if (eh->e_phnum == 0)
        return FAIL(c, XBT_EFORMAT, "%s: no program headers", c->path);
    if (eh->e_phentsize != sizeof(Elf32_Phdr))
        return FAIL(c, XBT_EFORMAT,
                    "%s: corrupt program header table (entry "
                    "size %u, expected %zu)",
                    c->path, eh->e_phentsize, sizeof(Elf32_Phdr));
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) != 0 || phnum == 0)
        return FAIL(c, XBT_EFORMAT,
                    "%s: corrupt or truncated program header "
                    "table (%u entries at offset 0x%x, file is %zu bytes)",
                    c->path, eh->e_phnum, eh->e_phoff, c->len);
    /* libelf silently clamps e_phnum to what fits in the file: use the
     * header's count unless it is the PN_XNUM escape. */
    if (eh->e_phnum != PN_XNUM)
        phnum = eh->e_phnum;
    uint64_t end = (uint64_t)eh->e_phoff + (uint64_t)phnum * sizeof(Elf32_Phdr);
    if (eh->e_phoff == 0 || end > c->len)
        return FAIL(c, XBT_EFORMAT,
                    "%s: truncated program header table "
                    "[0x%x-0x%llx) (file is %zu bytes)",
                    c->path, eh->e_phoff, (unsigned long long)end, c->len);
    *phnum_out = phnum;
    return XBT_OK;
}

/* The program header table, copied to aligned memory (libelf may hand out
 * a pointer into the image at a misaligned e_phoff). */
static int read_phdrs(const struct check_ctx *c, Elf *elf, size_t phnum, Elf32_Phdr **out)
{
    const Elf32_Phdr *raw = elf32_getphdr(elf);
    if (!raw)
        return FAIL(c, XBT_EFORMAT, "%s: corrupt program header table: %s", c->path,
                    elf_errmsg(-1));
    Elf32_Phdr *ph = malloc(phnum * sizeof(*ph));
    if (!ph)
        return FAIL(c, XBT_ENOMEM, "%s: out of memory", c->path);
    memcpy(ph, raw, phnum * sizeof(*ph));
    *out = ph;
    return XBT_OK;
}

/* Where a segment [lo, hi) of program header i may not go. */
static int check_placement(const struct check_ctx *c, size_t i, uint64_t lo, uint64_t hi)
{
    const struct loader_place *pl = c->place;
    if (hi > pl->ram_size)
        return FAIL(c, XBT_ERANGE,
                    "%s: segment %zu [0x%llx-0x%llx) is "
                    "outside guest RAM (0x%x bytes)",
                    c->path, i, (unsigned long long)lo, (unsigned long long)hi, pl->ram_size);
    for (size_t r = 0; r < pl->nreserved; r++)
        if (lo < pl->reserved[r].hi && hi > pl->reserved[r].lo)
            return FAIL(c, XBT_ERANGE,
                        "%s: segment %zu [0x%llx-0x%llx) "
                        "overlaps %s",
                        c->path, i, (unsigned long long)lo, (unsigned long long)hi,
                        pl->reserved[r].what);
    return XBT_OK;
}

/* One PT_LOAD segment (program header i): its file range, then, if it
 * occupies memory, its place.  seg->hi == seg->lo: it occupies none. */
static int check_segment(const struct check_ctx *c, const Elf32_Phdr *p, size_t i, bool use_vaddr,
                         struct elf_seg *seg)
{
    if (p->p_filesz > p->p_memsz)
        return FAIL(c, XBT_EFORMAT,
                    "%s: segment %zu has p_filesz 0x%x > "
                    "p_memsz 0x%x",
                    c->path, i, p->p_filesz, p->p_memsz);
    uint64_t fend = (uint64_t)p->p_offset + p->p_filesz;
    if (fend > c->len)
        return FAIL(c, XBT_EFORMAT,
                    "%s: segment %zu file range "
                    "[0x%x-0x%llx) extends beyond the end of the file (%zu "
                    "bytes)",
                    c->path, i, p->p_offset, (unsigned long long)fend, c->len);
    uint64_t lo = use_vaddr ? p->p_vaddr : p->p_paddr;
    uint64_t hi = lo + p->p_memsz; /* 64-bit: cannot wrap */
    *seg = (struct elf_seg){ .lo = lo,
                             .hi = hi,
                             .vaddr = p->p_vaddr,
                             .offset = p->p_offset,
                             .filesz = p->p_filesz,
                             .index = i };
    return p->p_memsz ? check_placement(c, i, lo, hi) : XBT_OK;
}

/* Multiboot loads at physical addresses.  Some linkers leave p_paddr 0
 * everywhere; then (only then) the virtual addresses are used. */
static bool use_vaddrs(const Elf32_Phdr *ph, size_t phnum)
{
    bool any_paddr = false, any_vaddr = false;
    for (size_t i = 0; i < phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        any_paddr |= ph[i].p_paddr != 0;
        any_vaddr |= ph[i].p_vaddr != 0;
    }
    return !any_paddr && any_vaddr;
}

static int cmp_seg(const void *a, const void *b)
{
    const struct elf_seg *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The segments, sorted by address, must not overlap. */
static int check_overlaps(const struct check_ctx *c, struct elf_seg *segs, size_t nsegs)
{
    qsort(segs, nsegs, sizeof(*segs), cmp_seg);
    for (size_t i = 1; i < nsegs; i++) {
        const struct elf_seg *a = &segs[i - 1], *b = &segs[i];
        if (b->lo < a->hi)
            return FAIL(c, XBT_EFORMAT,
                        "%s: segments %zu [0x%llx-0x%llx) and "
                        "%zu [0x%llx-0x%llx) overlap",
                        c->path, a->index, (unsigned long long)a->lo, (unsigned long long)a->hi,
                        b->index, (unsigned long long)b->lo, (unsigned long long)b->hi);
    }
    return XBT_OK;
}

/* Checks every PT_LOAD segment and collects the non-empty ones in im. */
static int collect_segments(const struct check_ctx *c, const Elf32_Phdr *ph, size_t phnum,
                            struct elf_image *im)
{
    bool use_vaddr = use_vaddrs(ph, phnum);
    im->segs = calloc(phnum, sizeof(*im->segs));
    if (!im->segs)
        return FAIL(c, XBT_ENOMEM, "%s: out of memory", c->path);
    for (size_t i = 0; i < phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        struct elf_seg *s = &im->segs[im->nsegs];
        int rc = check_segment(c, &ph[i], i, use_vaddr, s);
        if (rc < 0)
            return rc;
        im->nsegs += s->hi > s->lo;
    }
    if (im->nsegs == 0)
        return FAIL(c, XBT_EFORMAT, "%s: no loadable (PT_LOAD) segments", c->path);
    return check_overlaps(c, im->segs, im->nsegs);
}

/* The entry point is e_entry, used as a physical address.  If it lies in no
 * loaded segment but in a segment's virtual range (a higher-half kernel
 * whose ENTRY is virtual), it is translated as GRUB 2 does. */
static int find_entry(const struct check_ctx *c, uint32_t e_entry, struct elf_image *im)
{
    uint64_t entry = e_entry;
    for (size_t i = 0; i < im->nsegs; i++) {
        if (entry >= im->segs[i].lo && entry < im->segs[i].hi) {
            im->entry = (uint32_t)entry;
            return XBT_OK;
        }
    }
    for (size_t i = 0; i < im->nsegs; i++) {
        const struct elf_seg *s = &im->segs[i];
        if (entry >= s->vaddr && entry < s->vaddr + (s->hi - s->lo)) {
            im->entry = (uint32_t)(entry - s->vaddr + s->lo);
            return XBT_OK;
        }
    }
    return FAIL(c, XBT_EFORMAT,
                "%s: entry point 0x%x is not inside any "
                "loadable segment",
                c->path, e_entry);
}

/* The checks that need libelf's handle, in order. */
static int check_elf(const struct check_ctx *c, Elf *elf, struct elf_image *im)
{
    Elf32_Ehdr *eh = NULL;
    Elf32_Phdr *ph = NULL;
    size_t phnum = 0;
    int rc = check_ident(c, elf);
    if (rc == XBT_OK)
        rc = check_ehdr(c, elf, &eh);
    if (rc == XBT_OK)
        rc = check_phdr_table(c, elf, eh, &phnum);
    if (rc == XBT_OK)
        rc = read_phdrs(c, elf, phnum, &ph);
    if (rc == XBT_OK)
        rc = collect_segments(c, ph, phnum, im);
    if (rc == XBT_OK)
        rc = find_entry(c, eh->e_entry, im);
    free(ph);
    return rc;
}

int elf_check(const char *path, uint8_t *img, size_t len, const struct loader_place *place,
              struct elf_image *im, char *err, size_t errlen)
{
    const struct check_ctx c = {
        .path = path, .img = img, .len = len, .place = place, .err = err, .errlen = errlen
    };
    memset(im, 0, sizeof(*im));
    if (elf_version(EV_CURRENT) == EV_NONE)
        return FAIL(&c, XBT_EUNSUP, "libelf is out of date: %s", elf_errmsg(-1));
    Elf *elf = elf_memory((char *)img, len);
    int rc = !elf || elf_kind(elf) != ELF_K_ELF ? elf_refused(&c, elf) : check_elf(&c, elf, im);
    if (elf)
        elf_end(elf);
    if (rc < 0) {
        elf_image_free(im);
        return rc;
    }
    im->lo = im->segs[0].lo; /* sorted by address, no overlaps */
    im->hi = im->segs[im->nsegs - 1].hi;
    return XBT_OK;
}

void elf_load(const struct elf_image *im, const uint8_t *img, uint8_t *ram)
{
    for (size_t i = 0; i < im->nsegs; i++) {
        const struct elf_seg *s = &im->segs[i];
        memcpy(ram + s->lo, img + s->offset, s->filesz);
        memset(ram + s->lo + s->filesz, 0, (size_t)(s->hi - s->lo - s->filesz));
    }
}

void elf_image_free(struct elf_image *im)
{
    free(im->segs);
    im->segs = NULL;
    im->nsegs = 0;
}
