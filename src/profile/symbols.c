/*
 * symbols.c - guest symbol tables (symbols.h): ELF symbol tables through
 * libelf (the Debian library the loader uses too), System.map and
 * /proc/kallsyms listings by hand (a three-column text format).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xbt.h"
#include "profile/symbols.h"

static int add(struct symtab *t, uint32_t addr, uint32_t size, const char *name)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        struct sym *v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return XBT_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return XBT_ENOMEM;
    t->v[t->n] = (struct sym){ addr, size, (uint32_t)t->n, copy };
    t->n++;
    return 0;
}

/* The function symbols of one symbol table section. */
static int load_section(struct symtab *t, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
    for (size_t i = 0; d && i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
            continue;
        int type = GELF_ST_TYPE(s.st_info);
        if (type != STT_FUNC && type != STT_NOTYPE)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, s.st_name);
        if (!name || !*name || name[0] == '$' || strchr(name, '.') == name)
            continue;
        int rc = add(t, (uint32_t)s.st_value, (uint32_t)s.st_size, name);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_elf(struct symtab *t, int fd, const char *path, char *err, size_t errlen)
{
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        snprintf(err, errlen, "%s: not a readable ELF file (%s)", path, elf_errmsg(-1));
        if (e)
            elf_end(e);
        return XBT_EFORMAT;
    }
    int rc = 0;
    size_t before = t->n;
    for (Elf_Scn *scn = NULL; !rc && (scn = elf_nextscn(e, scn));) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
            rc = load_section(t, e, scn, &sh);
    }
    elf_end(e);
    if (!rc && t->n == before) {
        snprintf(err, errlen, "%s: no symbol table (a stripped ELF file)", path);
        return XBT_EFORMAT;
    }
    return rc;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return false;
    return true;
}

/* "ADDRESS TYPE NAME [MODULE]" lines; text symbols (t, T, w, W) only.
 * Other lines are skipped (a listing captured from a console has noise);
 * a file without one text symbol is not a listing. */
static int load_listing(struct symtab *t, FILE *f, const char *path, char *err, size_t errlen)
{
    char line[512], name[256], type;
    unsigned long long addr;
    size_t before = t->n;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
            continue;
        if (!strchr("tTwW", type) || !addr || addr > UINT32_MAX || !printable(name))
            continue;
        int rc = add(t, (uint32_t)addr, 0, name);
        if (rc)
            return rc;
    }
    if (t->n == before) {
        snprintf(err, errlen, "%s: no text symbols (neither an ELF file nor a System.map)", path);
        return XBT_EFORMAT;
    }
    return 0;
}

int symtab_load(struct symtab *t, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? XBT_ENOENT : XBT_EIO;
    }
    char magic[4] = { 0 };
    ssize_t got = pread(fd, magic, sizeof(magic), 0);
    int rc;
    if (got == 4 && !memcmp(magic, "\177ELF", 4)) {
        rc = load_elf(t, fd, path, err, errlen);
        close(fd);
        return rc;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return XBT_EIO;
    }
    rc = load_listing(t, f, path, err, errlen);
    fclose(f);
    return rc;
}

static int by_addr(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void symtab_finish(struct symtab *t)
{
    qsort(t->v, t->n, sizeof(*t->v), by_addr);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (k && t->v[k - 1].addr == t->v[i].addr) {
            free(t->v[i].name); /* an alias: the first loaded stays */
            continue;
        }
        t->v[k++] = t->v[i];
    }
    t->n = k;
}

const struct sym *symtab_find(const struct symtab *t, uint32_t addr)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) { /* the first symbol above addr */
        size_t mid = (lo + hi) / 2;
        if (t->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return NULL;
    const struct sym *s = &t->v[lo - 1];
    if (s->size && addr - s->addr >= s->size)
        return NULL;
    return s;
}

void symtab_free(struct symtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
    *t = (struct symtab){ 0 };
}
