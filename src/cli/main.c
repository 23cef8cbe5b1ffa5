/*
 * main.c - the `xbt` program: dispatches to its commands (`xbt run`,
 * `xbt bench`, `xbt tcsim`) and answers --help and --version.  The only file of xbt
 * outside libxbt.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "lines.h"
#include "xbt.h"
#include "cli/cli.h"

static void usage_main(FILE *f)
{
    fprintf(f, "usage: xbt <command> [options]\n"
               "\n"
               "xbt runs 32-bit x86 (IA-32) guests by dynamic binary translation.\n"
               "\n"
               "commands:\n"
               "  run [options] KERNEL   boot a multiboot v1 ELF kernel (see xbt run --help)\n"
               "  bench [options]        compare xbt with native and QEMU (see xbt bench --help)\n"
               "  tcsim TRACE [options]  replay a translation-cache trace (see xbt tcsim --help)\n"
               "\n"
               "options:\n"
               "  -h, --help             this help\n"
               "  -V, --version          print the version\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage_main(stderr);
        return XBT_STATUS_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage_main(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("xbt %s\n", XBT_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "run"))
        return cli_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "bench"))
        return bench_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "tcsim"))
        return cli_tcsim(argc - 1, argv + 1);
    xbt_error("unknown command '%s' (try 'xbt --help')", argv[1]);
    return XBT_STATUS_ERROR;
}
