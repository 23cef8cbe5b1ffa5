/*
 * display.c - what the terminal of `xbt run` is connected to.  By default
 * (--display=serial) COM1: its output on stdout, the keyboard's bytes in
 * its receiver.  With --display=text the VGA's text screen is drawn on
 * stdout (vga_console.c) and the keyboard types on the guest's PS/2
 * keyboard (console_start_keyboard); COM1's output, which would scribble
 * over the screen, goes to --serial-log FILE or nowhere.  Ctrl-A x quits
 * in both.  --vga-dump FILE writes the final text screen.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "machine.h"
#include "vga.h"
#include "cli/run_options.h"

int display_open_files(struct run_options *ro)
{
    struct machine_config *cfg = &ro->cfg;
    if (cfg->vgabios && access(cfg->vgabios, R_OK) != 0) {
        xbt_error("--vgabios %s: %s", cfg->vgabios, strerror(errno));
        return XBT_EIO;
    }
    cfg->serial_fd = cfg->display == DISPLAY_TEXT ? -1 : 0;
    if (ro->serial_log) {
        ro->serial_log_fd = open(ro->serial_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (ro->serial_log_fd < 0) {
            xbt_error("--serial-log %s: %s", ro->serial_log, strerror(errno));
            return XBT_EIO;
        }
        cfg->serial_fd = ro->serial_log_fd;
    }
    return 0;
}

void display_start(struct machine *m)
{
    if (m->cfg.display == DISPLAY_TEXT && m->vga) {
        m->vga_console = vga_console_start(m->vga, m->ram, m->ram_size, STDOUT_FILENO);
        m->console = console_start_keyboard(STDIN_FILENO, m->kbc, machine_stop_line(m));
    } else {
        m->console = console_start(STDIN_FILENO, m->uart, machine_stop_line(m));
    }
}

void display_stop(struct machine *m)
{
    vga_console_stop(m->vga_console);
    m->vga_console = NULL;
    if (m->console) {
        console_stop(m->console);
        m->console = NULL;
    }
    if (m->cfg.vga_dump && m->vga &&
        vga_dump_text(m->vga, m->ram, m->ram_size, m->cfg.vga_dump) < 0)
        xbt_error("--vga-dump %s: cannot write it", m->cfg.vga_dump);
}
