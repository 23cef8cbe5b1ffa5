/*
 * console.c - the host console: connects the host's terminal (or whatever
 * in_fd is) to the guest's UART.
 *
 * Terminal mode.  When in_fd is a terminal of the foreground process group it
 * is switched to raw mode (cfmakeraw(): no echo, no line editing, no signal
 * keys, so Ctrl-C goes to the guest; Enter sends '\r' as on a real serial
 * line) EXCEPT that output post-processing is kept on, OPOST|ONLCR: guests
 * that print bare "\n" (most test kernels) then render as proper lines, while
 * guests that print "\r\n" (Linux) are unaffected, since an extra '\r' is
 * invisible.  xbt's own messages on the same terminal also stay readable.
 * (QEMU's -serial stdio turns ONLCR off, making "\n"-only output staircase.)
 * The original settings are restored by console_stop(), by an atexit()
 * handler, and by a handler for SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGABRT
 * that restores and re-raises the signal with its default action (installed
 * only for signals whose disposition was SIG_DFL, so the VMM may install its
 * own handlers first; the VMM's handlers must then end via exit() or
 * console_stop()).  A terminal of a background process group is left alone
 * and not read (reading it would stop the process with SIGTTIN).  When in_fd
 * is not a terminal nothing is changed.
 *
 * Reader thread.  Polls in_fd and a self-pipe (used by console_stop() to stop
 * it promptly and by the UART to say its FIFO has room), runs every byte
 * through the Ctrl-A escape state machine (console_escape.h) and queues the
 * result in a pending buffer that is fed to the UART as fast as the guest
 * drains the FIFO (dev_uart_receive() accepts only what fits).  For a pipe or
 * file the thread stops reading while the buffer is full (back-pressure: no
 * input is lost); for a terminal it keeps reading, so that Ctrl-A x works
 * even when the guest ignores its input, and drops what does not fit.  At EOF
 * of in_fd reading stops; the machine keeps running.
 *
 * Keyboard mode (console_start_keyboard, --display=text): the escaped
 * bytes of each read go through the terminal-to-keys parser (kbd_input.c)
 * and become key events of the PS/2 keyboard behind the i8042.  Keys that
 * find its queue full wait in the console's own queue and are offered
 * again every CONSOLE_KEY_RETRY_MS (the keyboard has no room
 * notification); the same back-pressure and dropping rules as for the
 * UART apply to that queue.
 *
 * The thread blocks all signals, so process-directed signals are handled by
 * the VMM's own threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console_escape.h"
#include "devices.h"
#include "devices_internal.h"
#include "vga.h"

/* Bytes read from in_fd but not yet taken by the UART. */
#define CONSOLE_PENDING_MAX 4096
/* Largest single read() from in_fd. */
#define CONSOLE_READ_CHUNK 512
/* While input waits for room in the UART FIFO, retry at least this often
 * (milliseconds) even if no room notification arrives. */
#define CONSOLE_RETRY_MS 100
/* Tunable: key events waiting for room in the PS/2 keyboard's queue.
 * Policy: a long pasted line (the keyboard's own queue holds ~40 keys). */
#define CONSOLE_KEYS_MAX 4096
/* Tunable: how often waiting keys are offered again (milliseconds).
 * Policy: the guest empties the keyboard's queue in well under 10 ms
 * while it reads; 10 ms keeps a paste at ~4000 keys/s and an idle poll
 * costs nothing. */
#define CONSOLE_KEY_RETRY_MS 10

static const char console_quit_msg[] = "\r\nxbt: terminated (Ctrl-A x)\r\n";
static const char console_help_msg[] = "\r\n"
                                       "C-a h    print this help\r\n"
                                       "C-a x    exit xbt\r\n"
                                       "C-a C-a  send C-a to the guest\r\n";

struct console {
    int in_fd;
    struct dev_uart *uart;
    struct dev_i8042 *kbc; /* keyboard mode: keys go there, not to uart */
    struct kbd_input kin;
    struct kbd_event keys[CONSOLE_KEYS_MAX]; /* waiting for room in the keyboard */
    size_t nkeys;
    struct stop_line stop; /* Ctrl-A x */
    int wake[2];           /* self-pipe: [0] polled by the thread */
    atomic_bool stopping;
    pthread_t thread;
    bool is_tty;   /* in_fd is a terminal */
    bool owns_tty; /* this console put it into raw mode */
    bool eof;      /* in_fd is no longer read */
    struct con_escape esc;
    uint8_t pending[CONSOLE_PENDING_MAX];
    size_t npending;
    uint64_t dropped; /* terminal bytes dropped: buffer full */
};

/* ---- terminal state (process-global: there is one controlling tty) ------- */

/* Signals after which the terminal is restored before dying. */
static const int console_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT };

static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_raw; /* tty_saved must be restored */
static bool tty_atexit_done;
static bool tty_handler_installed[XBT_ARRAY_SIZE(console_signals)];
static struct sigaction tty_old_action[XBT_ARRAY_SIZE(console_signals)];

/* Async-signal-safe. */
static void console_tty_restore(void)
{
    if (tty_raw) {
        tty_raw = 0;
        tcsetattr(tty_fd, TCSANOW, &tty_saved);
    }
}

static void console_fatal_signal(int sig)
{
    int saved_errno = errno;
    struct sigaction dfl;
    console_tty_restore();
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    /* Blocked while this handler runs; delivered (fatally) on return. */
    raise(sig);
    errno = saved_errno;
}

static void console_install_handlers(void)
{
    for (size_t i = 0; i < XBT_ARRAY_SIZE(console_signals); i++) {
        struct sigaction sa, old;
        if (sigaction(console_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO))
            continue;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = console_fatal_signal;
        sigemptyset(&sa.sa_mask);
        if (sigaction(console_signals[i], &sa, &tty_old_action[i]) == 0)
            tty_handler_installed[i] = true;
    }
}

static void console_remove_handlers(void)
{
    for (size_t i = 0; i < XBT_ARRAY_SIZE(console_signals); i++) {
        struct sigaction cur;
        if (!tty_handler_installed[i])
            continue;
        tty_handler_installed[i] = false;
        /* Leave it alone if someone replaced our handler meanwhile. */
        if (sigaction(console_signals[i], NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
            cur.sa_handler == console_fatal_signal)
            sigaction(console_signals[i], &tty_old_action[i], NULL);
    }
}

/* Puts fd into raw mode (keeping OPOST|ONLCR).  Returns true if it did. */
static bool console_tty_make_raw(int fd)
{
    struct termios raw;
    if (tty_raw) /* another console already owns the tty */
        return false;
    if (tcgetattr(fd, &tty_saved) != 0)
        return false;
    if (!tty_atexit_done && atexit(console_tty_restore) == 0)
        tty_atexit_done = true;
    console_install_handlers();

    raw = tty_saved;
    raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_oflag |= OPOST | ONLCR;
    raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;

    tty_fd = fd;
    tty_raw = 1; /* before the change: a signal restores */
    if (tcsetattr(fd, TCSANOW, &raw) != 0) {
        tty_raw = 0;
        console_remove_handlers();
        return false;
    }
    return true;
}

/* ---- reader thread ---------------------------------------------------------- */

/* UART room notification (vCPU thread, UART lock held): just wake the reader. */
static void console_rx_notify(void *opaque)
{
    struct console *c = opaque;
    uint8_t b = 0;
    ssize_t r = write(c->wake[1], &b, 1); /* non-blocking; full pipe is fine */
    (void)r;
}

static void console_wake_drain(struct console *c)
{
    uint8_t buf[64];
    while (read(c->wake[0], buf, sizeof(buf)) > 0)
        ;
}

/* Hands as much pending input to the UART as it takes. */
static void console_deliver_keys(struct console *c)
{
    size_t n = 0;
    while (n < c->nkeys && dev_i8042_key(c->kbc, c->keys[n]) != XBT_EBUSY)
        n++;
    memmove(c->keys, c->keys + n, (c->nkeys - n) * sizeof(c->keys[0]));
    c->nkeys -= n;
}

static void console_deliver(struct console *c)
{
    if (c->kbc) {
        console_deliver_keys(c);
        return;
    }
    if (c->npending == 0)
        return;
    size_t n = c->uart ? dev_uart_receive(c->uart, c->pending, c->npending)
                       : c->npending; /* no UART: discard */
    if (n > 0) {
        memmove(c->pending, c->pending + n, c->npending - n);
        c->npending -= n;
    }
}

static void console_queue(struct console *c, uint8_t b)
{
    if (c->npending < CONSOLE_PENDING_MAX)
        c->pending[c->npending++] = b;
    else
        c->dropped++;
}

static void console_key(void *opaque, struct kbd_event ev)
{
    struct console *c = opaque;
    if (c->nkeys < CONSOLE_KEYS_MAX)
        c->keys[c->nkeys++] = ev;
    else
        c->dropped++;
}

static void console_input(struct console *c, const uint8_t *buf, size_t len)
{
    uint8_t keys[2 * CONSOLE_READ_CHUNK];
    size_t nkeys = 0;
    for (size_t i = 0; i < len; i++) {
        struct con_esc_out out = con_escape_feed(&c->esc, buf[i]);
        for (unsigned j = 0; j < out.n; j++) {
            if (c->kbc && nkeys < sizeof(keys))
                keys[nkeys++] = out.bytes[j];
            else if (!c->kbc)
                console_queue(c, out.bytes[j]);
        }
        switch (out.action) {
        case CON_ESC_QUIT:
            dev_write_all(STDERR_FILENO, console_quit_msg, sizeof(console_quit_msg) - 1);
            stop_signal(&c->stop, STOP_USER, XBT_STATUS_USER);
            break;
        case CON_ESC_HELP:
            dev_write_all(STDERR_FILENO, console_help_msg, sizeof(console_help_msg) - 1);
            break;
        case CON_ESC_NONE: break;
        }
    }
    if (c->kbc && nkeys)
        kbd_input_feed(&c->kin, keys, nkeys, console_key, c);
}

static void *console_thread(void *arg)
{
    struct console *c = arg;
    uint8_t buf[CONSOLE_READ_CHUNK];

    while (!atomic_load(&c->stopping)) {
        console_deliver(c);

        struct pollfd fds[2] = { { .fd = c->wake[0], .events = POLLIN } };
        nfds_t nfds = 1;
        size_t room = c->kbc ? CONSOLE_KEYS_MAX - c->nkeys : CONSOLE_PENDING_MAX - c->npending;
        /* A pipe or file is read only while its escaped bytes (at most one
         * more than were read) are sure to fit; a terminal always. */
        if (!c->eof && (c->is_tty || room > 1)) {
            fds[1] = (struct pollfd){ .fd = c->in_fd, .events = POLLIN };
            nfds = 2;
        }
        int r = poll(fds, nfds,
                     c->nkeys      ? CONSOLE_KEY_RETRY_MS
                     : c->npending ? CONSOLE_RETRY_MS
                                   : -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            xbt_warn("console: poll failed: %s", strerror(errno));
            break;
        }
        if (fds[0].revents)
            console_wake_drain(c);
        if (nfds == 2 && fds[1].revents) {
            size_t want = sizeof(buf);
            if (!c->is_tty && want > room - 1)
                want = room - 1;
            ssize_t n = read(c->in_fd, buf, want);
            if (n > 0)
                console_input(c, buf, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
                c->eof = true; /* EOF, hangup or error: stop reading */
        }
    }
    return NULL;
}

/* ---- public API ------------------------------------------------------------- */

static struct console *console_open(int in_fd, struct dev_uart *uart, struct dev_i8042 *kbc,
                                    struct stop_line stop)
{
    struct console *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->in_fd = in_fd;
    c->uart = uart;
    c->kbc = kbc;
    kbd_input_init(&c->kin);
    c->stop = stop;
    c->eof = in_fd < 0;
    atomic_init(&c->stopping, false);
    con_escape_init(&c->esc);
    if (pipe(c->wake) != 0) {
        xbt_error("console: pipe: %s", strerror(errno));
        free(c);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(c->wake[i], F_SETFL, fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
    }

    if (in_fd >= 0 && isatty(in_fd)) {
        c->is_tty = true;
        pid_t fg = tcgetpgrp(in_fd); /* -1: not our controlling terminal */
        if (fg >= 0 && fg != getpgrp())
            c->eof = true; /* background: reading would stop us */
        else
            c->owns_tty = console_tty_make_raw(in_fd);
    }

    if (uart)
        dev_uart_set_rx_notify(uart, console_rx_notify, c);

    /* The thread inherits a fully blocked signal mask. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&c->thread, NULL, console_thread, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        xbt_error("console: cannot start thread: %s", strerror(err));
        if (uart)
            dev_uart_set_rx_notify(uart, NULL, NULL);
        if (c->owns_tty) {
            console_tty_restore();
            console_remove_handlers();
        }
        close(c->wake[0]);
        close(c->wake[1]);
        free(c);
        return NULL;
    }
    return c;
}

struct console *console_start(int in_fd, struct dev_uart *uart, struct stop_line stop)
{
    return console_open(in_fd, uart, NULL, stop);
}

struct console *console_start_keyboard(int in_fd, struct dev_i8042 *kbc, struct stop_line stop)
{
    return console_open(in_fd, NULL, kbc, stop);
}

void console_stop(struct console *c)
{
    if (!c)
        return;
    atomic_store(&c->stopping, true);
    console_rx_notify(c);
    pthread_join(c->thread, NULL);
    if (c->uart)
        dev_uart_set_rx_notify(c->uart, NULL, NULL);
    if (c->owns_tty) {
        console_tty_restore();
        console_remove_handlers();
    }
    close(c->wake[0]);
    close(c->wake[1]);
    free(c);
}
