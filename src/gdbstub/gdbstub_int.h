/*
 * gdbstub_int.h - the stub's parts: the packet layer (packet.c: framing,
 * checksums, escapes, run-length decoding, hex), the target description
 * (features.c), the register file (regs.c), the connection and its
 * watcher thread (conn.c) and the commands (stub.c, commands.c).
 *
 * Contract: packet.c and features.c are pure (unit-tested); regs.c reads
 * and writes a struct vcpu between units; conn.c owns the sockets.
 */
#ifndef XBT_GDBSTUB_INT_H
#define XBT_GDBSTUB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xbt.h"
#include "gdbstub.h"

/* Tunable: the largest packet either side sends (qSupported PacketSize).
 * Policy: a whole 'g' reply (about 400 hex digits) and a 4 KiB memory
 * read (8 KiB of hex) fit with room. */
#define GDB_PACKET_MAX 16384
/* Tunable: breakpoints (software and hardware together).  Policy: far
 * more than a debugging session sets; the check is a linear scan. */
#define GDB_MAX_BREAKPOINTS 64

/* ---- packet.c ---- */
uint8_t gdb_checksum(const char *data, size_t len);
/* $data#cs: the frame's length, or -1 if out is too small.  data is sent
 * as it is: binary replies escape '#', '$', '}' and '*' themselves
 * (gdb_xfer_slice), text replies hold none of them; no run-length
 * encoding is emitted. */
int gdb_frame(const char *data, size_t len, char *out, size_t outlen);
/* Undoes binary escapes in place; the new length. */
size_t gdb_unescape(char *data, size_t len);

enum gdb_rx_event {
    GDB_RX_NONE = 0,  /* byte taken, nothing complete */
    GDB_RX_PACKET,    /* rx->buf holds a packet (rx->len bytes, NUL-ended) */
    GDB_RX_BAD,       /* a packet whose checksum did not match */
    GDB_RX_INTERRUPT, /* ^C (0x03) outside a packet */
    GDB_RX_ACK,       /* '+' */
    GDB_RX_NACK,      /* '-' */
};
/* The receiver: bytes in, events out.  Run-length encoding ("X*n": X
 * repeated n - 29 more times) is expanded; escapes are kept (the
 * checksum covers them; binary commands call gdb_unescape). */
struct gdb_rx {
    int state;
    uint8_t sum;
    char cs[2];
    size_t len;
    bool overflow;
    char buf[GDB_PACKET_MAX + 1];
};
void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte);

/* Hex: digits for n bytes (2n chars, no NUL); -1 on a bad digit. */
void gdb_hex_encode(const uint8_t *in, size_t n, char *out);
int gdb_hex_decode(const char *in, size_t n, uint8_t *out);
/* A hex number at *p (advanced past it); -1 if there is none. */
int gdb_parse_hex(const char **p, uint32_t *v);

/* ---- features.c ---- */
/* The target description (target.xml). */
const char *gdb_target_xml(void);
/* qXfer read of doc[off, off + len): "m..." (more) or "l..." (last),
 * binary-escaped, NUL-ended; its length, or -1 if out is too small. */
int gdb_xfer_slice(const char *doc, uint32_t off, uint32_t len, char *out, size_t outlen);

/* ---- regs.c ---- */
struct vcpu;
/* Registers in target.xml order. */
#define GDB_NREGS 42
/* Register n's bytes (target byte order) into buf; its size, or -1. */
int gdb_reg_read(const struct vcpu *cpu, int n, uint8_t *buf);
/* Writes register n from buf; its size, or -1 (unknown register).
 * Registers without state (x87, control and segment registers, whose
 * change needs the CPU's checks) take the write without effect. */
int gdb_reg_write(struct vcpu *cpu, int n, const uint8_t *buf);
/* The 'g' block: all registers; its size. */
size_t gdb_regs_size(void);

/* ---- conn.c / stub.c ---- */
struct gdb_bp {
    uint32_t addr; /* linear */
    uint8_t type;  /* 0 software, 1 hardware */
};

enum gdb_state {
    GDB_NO_CLIENT, /* listening */
    GDB_RUNNING,   /* the guest runs; the watcher reads ^C */
    GDB_STOPPED,   /* the vCPU thread talks to gdb */
};

struct gdbstub {
    int listen_fd;
    int fd; /* the client, or -1 */
    bool no_ack;
    bool wait_first; /* -S: stop before the first instruction */
    pthread_t thread;
    bool thread_started;
    atomic_bool quit;
    pthread_mutex_t lock; /* state, fd, target */
    pthread_cond_t cond;
    enum gdb_state state;
    struct gdb_target target;
    bool have_target;
    atomic_bool stop_req;  /* a new connection: stop and report */
    atomic_bool interrupt; /* ^C */
    bool stepping;
    int step_tries;
    uint32_t step_eip, step_regs[8], step_eflags;
    bool skip_bp; /* resumed at a breakpoint: do not stop there at once */
    struct gdb_bp bps[GDB_MAX_BREAKPOINTS];
    int nbps;
    int stop_watch; /* the ext_watch slot of the stop being reported, or -1 */
    struct gdbstub_stats st;
    atomic_bool dropped; /* the watcher lost gdb: forget its breakpoints */
    bool no_ack_next;    /* QStartNoAckMode: no acks after this reply */
    int last_sig;
    uint8_t in[4096];
    size_t in_pos, in_len;
    struct gdb_rx rx;
    char out[2 * GDB_PACKET_MAX + 8];
    char reply[GDB_PACKET_MAX + 1];
};

/* conn.c: sends a packet (waits for the ack unless no-ack): 0 or -1
 * (the connection is gone). */
int gdb_send(struct gdbstub *g, const char *payload);
/* Receives the next packet into g->rx.buf (blocking); 0 or -1 (gone).
 * A ^C while stopped is ignored. */
int gdb_recv(struct gdbstub *g);
/* Closes the client connection (lock held). */
void gdb_drop_client(struct gdbstub *g);
int gdb_conn_start(struct gdbstub *g, const char *host, unsigned port, char *err, size_t errlen);
void gdb_conn_stop(struct gdbstub *g);

/* commands.c: handles the packet in g->rx.buf; the reply goes in
 * g->reply.  Returns what the stub does next. */
enum gdb_cmd_result {
    GDB_CMD_REPLY,    /* send g->reply, keep serving */
    GDB_CMD_CONTINUE, /* resume (g->stepping says how) */
    GDB_CMD_DETACH,   /* reply OK, drop gdb, resume */
    GDB_CMD_KILL,     /* drop gdb, end the run */
};
enum gdb_cmd_result gdb_command(struct gdbstub *g);
/* The stop reply for signal sig. */
void gdb_stop_reply(struct gdbstub *g, int sig);

#endif
