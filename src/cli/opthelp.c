/*
 * opthelp.c - renders the help of an optparse table: each section's heading
 * line, then one row per option, "  -c, --name ARG" in a fixed column
 * followed by the entry's help text with {min}, {max} and {default}
 * replaced by the entry's values.
 */
#include <string.h>

#include "cli/optparse.h"

/* Tunable: width of the option column of the help (text starts 3 columns
 * further).  Policy: the usual "--name METAVAR" fits; a longer one (a
 * choice list) pushes its first line's text two spaces after it. */
#define HELP_COLUMN 22

void optparse_help_row(FILE *f, const char *left, const char *text)
{
    if (strlen(left) <= HELP_COLUMN)
        fprintf(f, "  %-*s ", HELP_COLUMN, left);
    else
        fprintf(f, "  %s  ", left);
    for (const char *p = text; *p; p++) {
        fputc(*p, f);
        if (*p == '\n')
            fprintf(f, "%*s", HELP_COLUMN + 3, "");
    }
    fputc('\n', f);
}

/* "-c, --name", "--name" or "-c", then " METAVAR" or "=a|b|c". */
static void help_left(const struct optparse_opt *o, char *buf, size_t n)
{
    char arg[256] = "";
    if (o->metavar)
        snprintf(arg, sizeof(arg), " %s", o->metavar);
    else if (o->kind == OPTPARSE_CHOICE) {
        arg[0] = '=';
        optparse_choice_join(o->choices, "|", "|", arg + 1, sizeof(arg) - 1);
    }
    if (o->short_name && o->name)
        snprintf(buf, n, "-%c, --%s%s", o->short_name, o->name, arg);
    else if (o->name)
        snprintf(buf, n, "--%s%s", o->name, arg);
    else
        snprintf(buf, n, "-%c%s", o->short_name, arg);
}

/* The help text with its placeholders replaced. */
static void help_text(const struct optparse_opt *o, char *buf, size_t n)
{
    static const char *const keys[] = { "{min}", "{max}", "{default}" };
    const unsigned long long vals[] = { o->min, o->max, (unsigned long long)o->def };
    size_t len = 0;
    const char *p = o->help ? o->help : "";
    while (*p && len + 1 < n) {
        size_t k = 0;
        while (k < 3 && strncmp(p, keys[k], strlen(keys[k])))
            k++;
        if (k == 3) {
            buf[len++] = *p++;
            continue;
        }
        optparse_format(o, vals[k], buf + len, n - len);
        len += strlen(buf + len);
        p += strlen(keys[k]);
    }
    buf[len] = '\0';
}

void optparse_help(const struct optparse_table *t, FILE *f)
{
    char left[320], text[2048];
    for (size_t s = 0; s < t->nsections; s++) {
        fprintf(f, "\n%s\n", t->sections[s]);
        for (size_t i = 0; i < t->nopts; i++) {
            const struct optparse_opt *o = &t->opts[i];
            if (o->section != (int)s)
                continue;
            help_left(o, left, sizeof(left));
            help_text(o, text, sizeof(text));
            optparse_help_row(f, left, text);
        }
    }
}
