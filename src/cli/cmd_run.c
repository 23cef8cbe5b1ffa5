/*
 * cmd_run.c - `xbt run`: parses the options (run_options.c), opens the
 * files they name (disk image, -D log), then creates, boots and runs the
 * machine, once or (--reboot) again after every guest reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "gdbstub.h"
#include "lines.h"
#include "machine.h"
#include "profile.h"
#include "stats.h"
#include "cli/cli.h"
#include "cli/run_options.h"
#include "pcfw.h"

/* --tcache-trace FILE can be written (before the machine is made, so a
 * bad name gets one error line). */
static int check_trace_output(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        xbt_error("--tcache-trace %s: %s", path, strerror(errno));
        return XBT_EIO;
    }
    fclose(f);
    return 0;
}

/* Opens --disk and -D; one error line on failure. */
static int run_open_files(struct run_options *ro)
{
    char err[512];
    int rc;
    if (ro->cfg.tcache_trace && (rc = check_trace_output(ro->cfg.tcache_trace)))
        return rc;
    if (ro->disk_path) {
        rc = disk_image_open(&ro->cfg.disk, ro->disk_path, ro->disk_flags, err, sizeof(err));
        if (rc) {
            xbt_error("--disk %s", err);
            return rc;
        }
    }
    if (ro->cfg.symbols && (rc = profile_check_symbols(ro->cfg.symbols, err, sizeof(err)))) {
        xbt_error("--symbols %s", err);
        return rc;
    }
    if (ro->cfg.profile && (rc = profile_check_output(ro->cfg.profile, err, sizeof(err)))) {
        xbt_error("--profile %s", err);
        return rc;
    }
    /* the BIOS: --bios, or the default when booting through it */
    const char *bios = ro->bios_path ? ro->bios_path : ro->cfg.bios_boot ? PCFW_DEFAULT_BIOS : NULL;
    if (bios) {
        ro->bios = calloc(1, sizeof(*ro->bios));
        if (!ro->bios)
            return XBT_ENOMEM;
        rc = bios_image_load(ro->bios, bios, err, sizeof(err));
        if (rc) {
            xbt_error("--bios %s", err);
            return rc;
        }
        ro->cfg.bios = ro->bios;
    }
    if ((rc = display_open_files(ro)))
        return rc;
    if (ro->gdb_spec &&
        (rc = gdbstub_open(&ro->cfg.gdb, ro->gdb_spec, ro->gdb_wait, err, sizeof(err)))) {
        xbt_error("%s", err);
        return rc;
    }
    if (ro->cfg.debug_log) {
        xbt_log_file = fopen(ro->cfg.debug_log, "w");
        if (!xbt_log_file) {
            xbt_error("-D %s: %s", ro->cfg.debug_log, strerror(errno));
            return XBT_EIO;
        }
    }
    return 0;
}

static void run_report(struct machine *m, const struct machine_config *cfg)
{
    if (cfg->stats)
        stats_print_text(m, stderr);
    if (cfg->stats_json && stats_write_json(m, cfg->stats_json))
        xbt_error("cannot write %s", cfg->stats_json);
}

/* One boot: creates the machine, runs it to a stop, reports, destroys it;
 * *status is machine_run's, *why the stop reason. */
static int run_once(const struct machine_config *cfg, int *status, int *why)
{
    struct machine *m;
    int rc = machine_create(&m, cfg);
    if (rc) {
        xbt_error("cannot create the machine: %s", xbt_strerror(rc));
        return rc;
    }
    rc = machine_boot(m);
    if (rc) {
        machine_destroy(m);
        return rc;
    }
    display_start(m);
    run_signals_watch(m);
    *status = machine_run(m);
    *why = atomic_load(&m->stop_reason);
    run_signals_watch(NULL);
    display_stop(m);
    run_report(m, cfg);
    if (m->profile)
        profile_write(m->profile); /* its own error line */
    machine_destroy(m);
    return 0;
}

/* Boots until a stop other than a reset (or any stop without --reboot). */
static int run_machine(const struct machine_config *cfg)
{
    for (;;) {
        int status, why;
        if (run_once(cfg, &status, &why))
            return XBT_STATUS_ERROR;
        if (!cfg->reboot || (why != STOP_RESET && why != STOP_TRIPLE_FAULT) ||
            run_signals_caught()) {
            gdbstub_exited(cfg->gdb, status); /* gdb hears the exit status */
            run_signals_report();
            return status & 0xFF;
        }
        fprintf(stderr, "xbt: rebooting\n");
    }
}

static int run_command(struct run_options *ro, int argc, char **argv)
{
    char err[512];
    if (run_options_parse(ro, argc, argv, err, sizeof(err))) {
        if (err[0])
            xbt_error("%s", err);
        else
            fprintf(stderr, "Try 'xbt run --help'.\n");
        return XBT_STATUS_ERROR;
    }
    if (ro->help) {
        run_options_help(stdout);
        return 0;
    }
    if (run_options_pick_boot(ro, err, sizeof(err))) {
        xbt_error("%s", err);
        return XBT_STATUS_ERROR;
    }
    if (run_open_files(ro))
        return XBT_STATUS_ERROR;
    char *cmd = cli_command_line(argc, argv);
    ro->cfg.command_line = cmd;
    int status = run_machine(&ro->cfg);
    free(cmd);
    return status;
}

int cli_run(int argc, char **argv)
{
    struct run_options ro;
    if (run_signals_start()) {
        xbt_error("cannot set up the signal handling thread");
        return XBT_STATUS_ERROR;
    }
    int status = run_command(&ro, argc, argv);
    disk_image_close(ro.cfg.disk);
    gdbstub_close(ro.cfg.gdb);
    run_options_free(&ro);
    if (xbt_log_file) {
        fclose(xbt_log_file);
        xbt_log_file = NULL;
    }
    return status;
}
