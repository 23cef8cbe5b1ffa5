/*
 * run_options.h - the options of `xbt run`: their table (run_options.c), the
 * parse of a command line into a machine configuration, and the help.
 *
 * Contract: run_options_parse() fills *ro from argv (argv[0] is "run"):
 * defaults, then every option, then the one operand, the kernel.  It
 * returns 0 (with ro->help set when -h/--help was given: nothing after it
 * was looked at and there may be no kernel), or a negative XBT_E* code with
 * one line in err (no "xbt:" prefix) - empty when getopt already reported
 * an unknown option or a missing argument on stderr.  Whatever the result,
 * run_options_free() releases what parsing allocated (module paths); the
 * strings in ro->cfg point into argv.
 */
#ifndef XBT_CLI_RUN_OPTIONS_H
#define XBT_CLI_RUN_OPTIONS_H

#include <stdio.h>

#include "machine.h"
#include "cli/optparse.h"

struct run_options {
    struct machine_config cfg;
    const char *disk_path; /* --disk / --hda FILE (opened by the caller) */
    char *disk_path_buf;   /* the FILE part of FILE,OPTIONS (owned) */
    unsigned disk_flags;   /* DISK_READONLY (,readonly), DISK_SNAPSHOT */
    bool snapshot;         /* --snapshot (needs a disk) */
    const char *bios_path; /* --bios FILE (read by the caller into bios) */
    struct bios_image *bios;
    const char *serial_log; /* --serial-log FILE (opened by the caller) */
    int serial_log_fd;      /* ... its descriptor, or -1 */
    const char *gdb_spec;   /* --gdb SPEC (-s: tcp::1234) */
    bool gdb_default;       /* -s */
    bool gdb_wait;          /* -S */
    bool help;              /* -h / --help */
    const char *operand;    /* the KERNEL or DISK-IMAGE operand, or NULL */
};

extern const struct optparse_table run_options_table;

int run_options_parse(struct run_options *ro, int argc, char **argv, char *err, size_t errlen);
void run_options_free(struct run_options *ro);
/* Decides what the operand is by its first bytes (loader_is_kernel): a
 * kernel (cfg.kernel) or the disk image (disk_path).  Without a kernel the
 * machine boots through the BIOS (cfg.bios_boot).  On a conflict (two
 * kernels, two disks, --initrd/--append/--module without a kernel) or an
 * unreadable operand writes one line to err and returns XBT_EINVAL. */
int run_options_pick_boot(struct run_options *ro, char *err, size_t errlen);
/* `xbt run --help`: usage, the option sections, the exit statuses. */
void run_options_help(FILE *f);

/* ---- the terminal of a run (src/cli/display.c) ---- */
/* Opens --serial-log and checks --vgabios, and sets cfg.serial_fd (COM1
 * to the log, to nowhere with --display=text, else to stdout); 0 or a
 * negative code after one error line. */
int display_open_files(struct run_options *ro);
/* Connects the terminal to the machine for its run: COM1, or with
 * --display=text the VGA renderer and the keyboard. */
void display_start(struct machine *m);
/* Undoes display_start (the text screen stays, the cursor below it) and
 * writes --vga-dump. */
void display_stop(struct machine *m);

#endif
