/*
 * vga_console.c - the VGA text screen on the host terminal (--display=text)
 * and as a file (--vga-dump).  A thread wakes VGA_CONSOLE_HZ times a
 * second, captures the screen the VGA's registers describe from guest RAM
 * (vga_text.c), and writes the ANSI sequences of the cells that changed
 * since the last frame, so an idle guest costs one 4 KB compare per tick
 * and no output.  It reads guest RAM without stopping the vCPU: a frame
 * may catch a write half done, the next one shows the rest.  When the
 * guest sets a graphics mode the thread says so once, below the text
 * screen, and shows the last text frame until a text mode is back.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "devices_internal.h"
#include "vga.h"

/* Tunable: screen refreshes a second.  Policy: 30 Hz looks live to a
 * person typing and costs nothing measurable when the screen is still. */
#define VGA_CONSOLE_HZ 30
/* The BIOS data area's current video mode (what the VGA BIOS set). */
#define BDA_VIDEO_MODE 0x449

struct vga_console {
    struct dev_vga *vga;
    const uint8_t *ram;
    uint32_t ram_size;
    int fd;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    bool have_prev;     /* prev is on the terminal */
    bool graphics_said; /* the graphics-mode message was shown */
    bool in_graphics;   /* the last tick saw a graphics mode */
    struct vga_frame prev, cur;
    char out[VGA_RENDER_MAX];
};

/* Draws the current screen (the changes since the last one). */
static void vga_console_draw(struct vga_console *c, const struct vga_text_state *st)
{
    uint64_t cells = 0;
    vga_frame_capture(&c->cur, st, c->ram, c->ram_size);
    long n =
        vga_render_ansi(c->have_prev ? &c->prev : NULL, &c->cur, c->out, sizeof(c->out), &cells);
    if (n <= 0)
        return;
    dev_write_all(c->fd, c->out, (size_t)n);
    c->prev = c->cur;
    c->have_prev = true;
    if (cells)
        dev_vga_count_frame(c->vga, cells);
}

static void vga_console_graphics(struct vga_console *c)
{
    c->in_graphics = true;
    if (c->graphics_said)
        return;
    c->graphics_said = true;
    unsigned mode = c->ram_size > BDA_VIDEO_MODE ? c->ram[BDA_VIDEO_MODE] : 0;
    char msg[160];
    int n = snprintf(msg, sizeof(msg),
                     "\x1b[0m\x1b[%u;1H\x1b[K"
                     "xbt: the guest set VGA graphics mode 0x%02x; only text modes are shown",
                     (c->have_prev ? c->prev.rows : 25) + 1, mode);
    dev_write_all(c->fd, msg, (size_t)n);
}

static void vga_console_tick(struct vga_console *c)
{
    struct vga_text_state st;
    dev_vga_text_state(c->vga, &st);
    if (st.graphics) {
        vga_console_graphics(c);
        return;
    }
    if (c->in_graphics) { /* back to text: redraw all, message gone */
        c->in_graphics = false;
        c->have_prev = false;
    }
    vga_console_draw(c, &st);
}

static void *vga_console_main(void *arg)
{
    struct vga_console *c = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&c->mu);
    while (!c->stopping) {
        pthread_mutex_unlock(&c->mu);
        vga_console_tick(c);
        pthread_mutex_lock(&c->mu);
        next.tv_nsec += 1000000000L / VGA_CONSOLE_HZ;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        while (!c->stopping && pthread_cond_timedwait(&c->cv, &c->mu, &next) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Says once if the terminal on fd is too small for the text screen. */
static void vga_console_check_size(struct dev_vga *v, int fd)
{
    struct winsize ws;
    struct vga_text_state st;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || !ws.ws_row || !ws.ws_col)
        return; /* not a terminal */
    dev_vga_text_state(v, &st);
    if (ws.ws_row < st.rows || ws.ws_col < st.cols)
        xbt_warn("the terminal has %u rows and %u columns; the VGA text screen needs %u and %u",
                 ws.ws_row, ws.ws_col, st.rows, st.cols);
}

struct vga_console *vga_console_start(struct dev_vga *v, const uint8_t *ram, uint32_t ram_size,
                                      int out_fd)
{
    vga_console_check_size(v, out_fd);
    struct vga_console *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->vga = v;
    c->ram = ram;
    c->ram_size = ram_size;
    c->fd = out_fd;
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&c->thread, NULL, vga_console_main, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        xbt_error("vga: cannot start the text console thread: %s", strerror(err));
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void vga_console_stop(struct vga_console *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    vga_console_tick(c); /* the last frame */
    char end[48];
    int n = snprintf(end, sizeof(end), "\x1b[0m\x1b[%u;1H\x1b[?25h\r\n",
                     (c->have_prev ? c->prev.rows : 25) + (c->graphics_said ? 2 : 1));
    dev_write_all(c->fd, end, (size_t)n);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int vga_dump_text(struct dev_vga *v, const uint8_t *ram, uint32_t ram_size, const char *path)
{
    struct vga_text_state st;
    struct vga_frame *f = malloc(sizeof(*f));
    size_t cap = VGA_TEXT_MAX_ROWS * (VGA_TEXT_MAX_COLS * 3 + 1);
    char *text = malloc(cap);
    int rc = XBT_ENOMEM;
    if (f && text) {
        dev_vga_text_state(v, &st);
        vga_frame_capture(f, &st, ram, ram_size);
        long n = vga_frame_text(f, text, cap);
        FILE *out = n >= 0 ? fopen(path, "w") : NULL;
        rc = out && fwrite(text, 1, (size_t)n, out) == (size_t)n ? 0 : XBT_EIO;
        if (out && fclose(out) != 0)
            rc = XBT_EIO;
    }
    free(text);
    free(f);
    return rc;
}
