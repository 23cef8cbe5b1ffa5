/*
 * cmdline.c - the xbt command line as one string, for the reports that
 * record how they were made (--stats, --profile, tcsim's outputs).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

char *cli_command_line(int argc, char **argv)
{
    size_t len = 4;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    strcpy(s, "xbt");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}
