/*
 * conn.c - the stub's TCP side: the listening socket, the client
 * connection, sending packets (with acks unless QStartNoAckMode) and
 * receiving them, and the watcher thread, which accepts gdb and, while
 * the guest runs, reads ^C (or notices that gdb went away) and kicks the
 * vCPU out of translated code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub/gdbstub_int.h"

/* Tunable: how often the watcher looks at its stop flag, ms.  Policy:
 * short enough that xbt's exit does not wait noticeably. */
#define WATCH_POLL_MS 100

static void kick(struct gdbstub *g)
{
    if (g->have_target && g->target.kick)
        g->target.kick(g->target.opaque);
}

void gdb_drop_client(struct gdbstub *g)
{
    if (g->fd >= 0)
        close(g->fd);
    g->fd = -1;
    g->state = GDB_NO_CLIENT;
    g->no_ack = false;
    g->in_pos = g->in_len = 0;
    atomic_store(&g->dropped, true);
    pthread_cond_broadcast(&g->cond);
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The next byte from gdb (blocking); -1 if the connection is gone. */
static int next_byte(struct gdbstub *g)
{
    if (g->in_pos == g->in_len) {
        ssize_t n;
        do
            n = recv(g->fd, g->in, sizeof(g->in), 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            return -1;
        g->in_pos = 0;
        g->in_len = (size_t)n;
    }
    return g->in[g->in_pos++];
}

int gdb_send(struct gdbstub *g, const char *payload)
{
    int n = gdb_frame(payload, strlen(payload), g->out, sizeof(g->out));
    if (n < 0 || g->fd < 0)
        return -1;
    for (;;) {
        if (send_all(g->fd, g->out, (size_t)n) < 0)
            return -1;
        if (g->no_ack)
            return 0;
        int b;
        while ((b = next_byte(g)) >= 0 && b != '+' && b != '-')
            ;
        if (b < 0)
            return -1;
        if (b == '+')
            return 0;
    }
}

int gdb_recv(struct gdbstub *g)
{
    for (;;) {
        int b = next_byte(g);
        if (b < 0)
            return -1;
        enum gdb_rx_event ev = gdb_rx_feed(&g->rx, (uint8_t)b);
        if (ev == GDB_RX_BAD) {
            g->st.bad_checksums++;
            if (!g->no_ack && send_all(g->fd, "-", 1) < 0)
                return -1;
        } else if (ev == GDB_RX_PACKET) {
            g->st.packets++;
            if (!g->no_ack && send_all(g->fd, "+", 1) < 0)
                return -1;
            return 0;
        }
    }
}

/* A new client: the guest stops at the next boundary for it. */
static void accept_client(struct gdbstub *g)
{
    int fd = accept(g->listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_mutex_lock(&g->lock);
    if (g->fd >= 0) {
        close(fd); /* one debugger at a time */
    } else {
        g->fd = fd;
        /* stopped at once: gdb's first packets are the vCPU thread's,
         * which serves them at its next unit boundary */
        g->state = GDB_STOPPED;
        g->no_ack = false;
        g->in_pos = g->in_len = 0;
        gdb_rx_init(&g->rx);
        g->st.connections++;
        atomic_store(&g->stop_req, true);
        kick(g);
        pthread_cond_broadcast(&g->cond);
    }
    pthread_mutex_unlock(&g->lock);
}

/* While the guest runs: ^C stops it, end of file lets it go. */
static void watch_client(struct gdbstub *g, int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, WATCH_POLL_MS) <= 0)
        return;
    pthread_mutex_lock(&g->lock);
    if (g->state == GDB_RUNNING && g->fd == fd) {
        uint8_t buf[256];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            gdb_drop_client(g);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 0x03) {
                atomic_store(&g->interrupt, true);
                kick(g);
            }
        }
    }
    pthread_mutex_unlock(&g->lock);
}

static void *watcher(void *arg)
{
    struct gdbstub *g = arg;
    while (!atomic_load(&g->quit)) {
        pthread_mutex_lock(&g->lock);
        enum gdb_state st = g->state;
        int fd = g->fd;
        pthread_mutex_unlock(&g->lock);
        if (fd < 0) {
            struct pollfd p = { .fd = g->listen_fd, .events = POLLIN };
            if (poll(&p, 1, WATCH_POLL_MS) > 0)
                accept_client(g);
        } else if (st == GDB_RUNNING) {
            watch_client(g, fd);
        } else {
            struct pollfd none;
            poll(&none, 0, WATCH_POLL_MS / 10); /* the vCPU thread talks */
        }
    }
    return NULL;
}

int gdb_conn_start(struct gdbstub *g, const char *host, unsigned port, char *err, size_t errlen)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "--gdb: '%s' is not an IPv4 address", host);
        return XBT_EINVAL;
    }
    g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (g->listen_fd < 0) {
        snprintf(err, errlen, "--gdb: socket: %s", strerror(errno));
        return XBT_EIO;
    }
    int one = 1;
    setsockopt(g->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(g->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(g->listen_fd, 1) < 0) {
        snprintf(err, errlen, "--gdb: cannot listen on %s:%u: %s", host, port, strerror(errno));
        return XBT_EIO;
    }
    if (pthread_create(&g->thread, NULL, watcher, g)) {
        snprintf(err, errlen, "--gdb: cannot start the stub's thread");
        return XBT_ENOMEM;
    }
    g->thread_started = true;
    return 0;
}

void gdb_conn_stop(struct gdbstub *g)
{
    atomic_store(&g->quit, true);
    if (g->thread_started)
        pthread_join(g->thread, NULL);
    g->thread_started = false;
    pthread_mutex_lock(&g->lock);
    if (g->fd >= 0)
        gdb_drop_client(g);
    pthread_mutex_unlock(&g->lock);
    if (g->listen_fd >= 0)
        close(g->listen_fd);
    g->listen_fd = -1;
}
