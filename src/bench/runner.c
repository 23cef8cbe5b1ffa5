/*
 * runner.c - one child process of `xbt bench`: fork/exec with stdin from
 * /dev/null, stdout on a pipe and stderr in a temporary file.  The pipe is
 * read as data arrives and each read is timestamped (CLOCK_MONOTONIC), so
 * the measured region runs from the arrival of the newline ending
 * "bench: start" to the arrival of the first byte of "bench: end CHECKSUM"
 * (xbt's UART writes every byte at once; native twins flush at the
 * markers).  The arrival of the first byte of "bench: init" (the Linux
 * guest's /init, first thing) is kept too: a boot's end.  A run with a
 * stop marker (bench_run_until: a disk image's "Linux version ") ends
 * there instead: t_init is the arrival of the marker's last byte, and the
 * child is killed then and counts as exited with status 0.  The
 * whole-process time runs from fork to the child's exit.
 * A child still running at the timeout is killed with its process group.
 * A failed exec is told apart from a program exiting with 127: its errno
 * comes back through a close-on-exec pipe (exec_errno).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_int.h"
#include "xbt.h"

#define OUT_MAX (64u << 10) /* stdout kept for error reports */
#define ERR_MAX (8u << 10)  /* stderr kept */
#define LINE_MAX_LEN 200    /* longer lines are not markers */

/* The running child, killed with its group when `xbt bench` is
 * interrupted (it is in a process group of its own, so the terminal's
 * Ctrl-C does not reach it). */
static volatile sig_atomic_t current_child;

static void on_interrupt(int sig)
{
    pid_t pid = (pid_t)current_child;
    if (pid > 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void bench_runner_signals(void)
{
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    signal(SIGHUP, on_interrupt);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct line_state {
    const char *until; /* the stop marker, or NULL */
    size_t until_len;
    bool stop; /* the stop marker arrived */
    char buf[LINE_MAX_LEN + 1];
    size_t len;
    bool too_long;
    double t_first; /* arrival of the line's first byte */
    bool first_led; /* ... which led its read */
};

/* nl_last: the newline ended its read (nothing written after it yet). */
static void on_line(struct bench_proc *p, struct line_state *ls, double t_nl, bool nl_last)
{
    char *line = ls->buf;
    size_t len = ls->len;
    if (len && line[len - 1] == '\r')
        line[--len] = 0;
    if (!strcmp(line, "bench: start")) {
        if (p->t_start < 0) {
            p->t_start = t_nl;
            p->late |= !nl_last;
        }
    } else if (!strcmp(line, "bench: init")) {
        if (p->t_init < 0) {
            p->t_init = ls->t_first;
            p->init_late = !ls->first_led;
        }
    } else if (!strncmp(line, "bench: end ", 11) && p->t_end < 0) {
        p->t_end = ls->t_first;
        p->late |= !ls->first_led;
        size_t n = strnlen(line + 11, sizeof p->checksum - 1);
        memcpy(p->checksum, line + 11, n);
        p->checksum[n] = 0;
    }
}

static void feed(struct bench_proc *p, struct line_state *ls, size_t *outlen, const char *data,
                 size_t n, double t)
{
    size_t keep = n < OUT_MAX - *outlen ? n : OUT_MAX - *outlen;
    memcpy(p->out + *outlen, data, keep);
    *outlen += keep;
    for (size_t i = 0; i < n; i++) {
        if (!ls->len && !ls->too_long) {
            ls->t_first = t;
            ls->first_led = i == 0;
        }
        if (data[i] == '\n') {
            if (!ls->too_long) {
                ls->buf[ls->len] = 0;
                on_line(p, ls, t, i == n - 1);
            }
            ls->len = 0;
            ls->too_long = false;
        } else if (ls->len < LINE_MAX_LEN) {
            ls->buf[ls->len++] = data[i];
            if (ls->until && !ls->stop && ls->len >= ls->until_len &&
                !memcmp(ls->buf + ls->len - ls->until_len, ls->until, ls->until_len)) {
                ls->stop = true;
                p->t_init = t;
            }
        } else {
            ls->too_long = true;
        }
    }
}

/* exec_fd: close-on-exec; a failed exec writes its errno there. */
static void child(char *const argv[], int out_fd, int err_fd, int exec_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL); /* xbt ignores it; exec would keep that */
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(127);
    execv(argv[0], argv);
    int e = errno;
    dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(e));
    if (write(exec_fd, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

/* The errno of a failed exec (0: the exec succeeded). */
static int exec_error(int fd)
{
    int e = 0;
    return read(fd, &e, sizeof e) == (ssize_t)sizeof e ? e : 0;
}

static void close_pair(int fd[2])
{
    close(fd[0]);
    close(fd[1]);
}

static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/* Reads stdout until EOF, the deadline or the stop marker (*stopped);
 * true when it timed out. */
static bool read_output(struct bench_proc *p, int fd, double t0, double deadline, const char *until,
                        bool *stopped)
{
    struct line_state ls = { .until = until, .until_len = until ? strlen(until) : 0 };
    size_t outlen = 0;
    char buf[4096];
    for (;;) {
        if ((*stopped = ls.stop))
            return false;
        double left = deadline - now_s();
        if (left <= 0)
            return true;
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int r = poll(&pf, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        double t = now_s() - t0;
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        feed(p, &ls, &outlen, buf, (size_t)n, t);
    }
}

static int reap(pid_t pid, double deadline, bool *timed_out)
{
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return 127;
        if (!*timed_out && now_s() > deadline) {
            kill_group(pid);
            *timed_out = true;
        }
        nanosleep(&(struct timespec){ 0, 100000 }, NULL);
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 127;
}

int bench_run_process(char *const argv[], double timeout_s, struct bench_proc *p)
{
    return bench_run_until(argv, timeout_s, NULL, p);
}

int bench_run_until(char *const argv[], double timeout_s, const char *until, struct bench_proc *p)
{
    memset(p, 0, sizeof(*p));
    p->t_start = p->t_end = p->t_init = -1;
    int pfd[2], efd[2];
    if (pipe2(pfd, O_CLOEXEC))
        return XBT_EIO;
    if (pipe2(efd, O_CLOEXEC)) {
        close_pair(pfd);
        return XBT_EIO;
    }
    FILE *errf = tmpfile();
    if (!errf) {
        close_pair(pfd);
        close_pair(efd);
        return XBT_EIO;
    }
    p->out = bench_alloc(OUT_MAX + 1);
    fflush(NULL);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        close_pair(pfd);
        close_pair(efd);
        fclose(errf);
        bench_proc_free(p);
        return XBT_EIO;
    }
    if (pid == 0)
        child(argv, pfd[1], fileno(errf), efd[1]);
    current_child = pid;
    setpgid(pid, pid); /* also here: no race with a kill */
    close(pfd[1]);
    close(efd[1]);
    double deadline = t0 + timeout_s;
    bool stopped;
    p->timed_out = read_output(p, pfd[0], t0, deadline, until, &stopped);
    if (p->timed_out || stopped)
        kill_group(pid);
    close(pfd[0]);
    p->status = reap(pid, deadline, &p->timed_out);
    if (stopped)
        p->status = 0;
    p->wall_s = now_s() - t0;
    current_child = 0;
    p->exec_errno = exec_error(efd[0]);
    close(efd[0]);

    p->err = bench_alloc(ERR_MAX + 1);
    rewind(errf);
    size_t n = fread(p->err, 1, ERR_MAX, errf);
    p->err[n] = 0;
    fclose(errf);
    return 0;
}

void bench_proc_free(struct bench_proc *p)
{
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

char *bench_find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = bench_strdup(path);
    char *found = NULL;
    for (char *dir = strtok(copy, ":"); dir && !found; dir = strtok(NULL, ":")) {
        char *cand = bench_printf("%s/%s", *dir ? dir : ".", name);
        if (!access(cand, X_OK))
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}
