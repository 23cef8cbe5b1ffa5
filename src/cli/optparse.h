/*
 * optparse.h - declarative command-line options: one table entry per option
 * (names, argument, kind of value, the field it sets, limits, help text)
 * drives both the parser (getopt_long, built from the table: optparse.c)
 * and the help (opthelp.c).
 *
 * Contract:
 *   - optparse_defaults() stores every entry's default into the destination
 *     structure (string fields are left alone: zero them first);
 *   - optparse_parse() reads the options of argv[1..] up to the first
 *     operand ("+" mode: nothing after an operand is an option), storing
 *     each value at its entry's offset.  It returns 0 with the index of the
 *     first operand in *operand, or a negative XBT_E* code.  On a bad value
 *     err holds one line (no "xbt:" prefix, no newline) naming the option,
 *     the value and what is accepted; when getopt itself rejected the
 *     command line (unknown option, missing argument) it has already said
 *     so on stderr and err is empty;
 *   - an entry with .stop set (--help) ends parsing where it is seen;
 *   - optparse_help() prints the table's sections, each option with its
 *     help text, in table order.
 * Not reentrant (getopt's global state); argv is not modified.
 */
#ifndef XBT_CLI_OPTPARSE_H
#define XBT_CLI_OPTPARSE_H

#include <stdio.h>

#include "xbt.h"

enum optparse_kind {
    OPTPARSE_FLAG,   /* no argument: stores .value */
    OPTPARSE_UINT,   /* unsigned number (decimal, 0x hex, 0 octal) in
                        * [min, max], a power of two if .pow2 */
    OPTPARSE_SIZE,   /* byte count with an optional K/M/G suffix, in
                        * [min, max] */
    OPTPARSE_CHOICE, /* one of .choices: stores the choice's value */
    OPTPARSE_STRING, /* stores the argument (const char *, not copied) */
    OPTPARSE_CUSTOM, /* .parse does the work */
};

struct optparse_choice {
    const char *name; /* NULL ends the list */
    long long value;
    bool hidden; /* accepted, but not listed in help or errors */
};

struct optparse_opt;
/* A custom option: parses arg into dst (the whole destination structure);
 * 0, or a negative XBT_E* code with one line in err. */
typedef int (*optparse_fn)(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                           size_t errlen);

struct optparse_opt {
    const char *name;  /* long name without "--", or NULL */
    const char *alias; /* second long name, or NULL */
    char short_name;   /* or 0 */
    enum optparse_kind kind;
    const char *metavar;                   /* the argument in the help; NULL for a flag,
                                * and for a choice ("--name=a|b|c") */
    size_t offset, size;                   /* the field set, in the destination; size 0:
                                * none (a custom option may set several) */
    long long def;                         /* default, stored by optparse_defaults */
    long long value;                       /* FLAG: the value stored when given */
    unsigned long long min, max;           /* UINT, SIZE; CUSTOM: its own use */
    bool pow2;                             /* UINT: powers of two only */
    bool stop;                             /* ends parsing when seen (--help) */
    const struct optparse_choice *choices; /* CHOICE, or a custom's own */
    optparse_fn parse;                     /* CUSTOM */
    const char *what;                      /* errors: "-m X: <what> must be ..." or NULL */
    const char *unit;                      /* errors: "... must be 2..3072 <unit>" or NULL */
    int section;                           /* index into the table's sections */
    const char *help;                      /* lines separated by '\n'; {min}, {max} and
                                * {default} are replaced by the entry's values */
};

struct optparse_table {
    const struct optparse_opt *opts;
    size_t nopts;
    const char *const *sections; /* the line heading each section */
    size_t nsections;
};

/* The option as the user names it in messages: "--name", or "-c". */
const char *optparse_name(const struct optparse_opt *o, char *buf, size_t n);

void optparse_defaults(const struct optparse_table *t, void *dst);
int optparse_parse(const struct optparse_table *t, int argc, char **argv, void *dst, int *operand,
                   char *err, size_t errlen);
void optparse_help(const struct optparse_table *t, FILE *f);
/* One help row: left in the option column, then text (lines separated by
 * '\n', continuation lines indented to the text column). */
void optparse_help_row(FILE *f, const char *left, const char *text);

/* Helpers for custom options. */
/* Parses an unsigned number (suffixes: K/M/G allowed); 0 or XBT_EINVAL. */
int optparse_u64(const char *s, bool suffixes, unsigned long long *out);
/* Stores v into o's field (1, 2, 4 or 8 bytes). */
void optparse_store(const struct optparse_opt *o, void *dst, long long v);
/* The choice named name, or NULL. */
const struct optparse_choice *optparse_choice_find(const struct optparse_choice *c,
                                                   const char *name);
/* The listed choices' names joined by sep, the last two by last_sep. */
void optparse_choice_join(const struct optparse_choice *c, const char *sep, const char *last_sep,
                          char *buf, size_t n);
/* Formats v as o shows values: decimal, or with a K/M/G suffix (SIZE). */
void optparse_format(const struct optparse_opt *o, unsigned long long v, char *buf, size_t n);

#endif
