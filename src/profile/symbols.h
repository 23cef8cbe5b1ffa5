/*
 * symbols.h - guest symbol tables for the profiler (symbols.c): function
 * symbols from an ELF file's .symtab (libelf) or from a System.map or
 * /proc/kallsyms listing ("ADDRESS TYPE NAME" lines, text types only).
 *
 * Contract: symtab_load() adds a file's symbols (several files may be
 * loaded into one table); symtab_finish() sorts and removes duplicates
 * (of symbols at one address the one loaded first stays) and must be
 * called before symtab_find().  An ELF symbol with a size
 * covers [addr, addr + size); one without (and every listing symbol)
 * covers up to the next symbol.
 */
#ifndef XBT_PROFILE_SYMBOLS_H
#define XBT_PROFILE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct sym {
    uint32_t addr, size; /* size 0: up to the next symbol */
    uint32_t seq;        /* load order: of two at one address, the first wins */
    char *name;
};

struct symtab {
    struct sym *v;
    size_t n, cap;
};

/* 0, or a negative XBT_E* with one line (without "xbt:") in err: the
 * file cannot be read, or is neither an ELF file nor a listing. */
int symtab_load(struct symtab *t, const char *path, char *err, size_t errlen);
void symtab_finish(struct symtab *t);
/* The symbol covering addr, or NULL. */
const struct sym *symtab_find(const struct symtab *t, uint32_t addr);
void symtab_free(struct symtab *t);

#endif
