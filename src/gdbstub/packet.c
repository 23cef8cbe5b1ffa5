/*
 * packet.c - the GDB remote serial protocol's packet layer: checksums,
 * framing with escapes, the receiver's state machine (acks, ^C, run-length
 * expansion, checksum check) and hex.
 */
#include <string.h>

#include "gdbstub/gdbstub_int.h"

enum { RX_IDLE, RX_DATA, RX_ESC, RX_RLE, RX_CS1, RX_CS2 };

uint8_t gdb_checksum(const char *data, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + (uint8_t)data[i]);
    return s;
}

int gdb_frame(const char *data, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    if (len + 4 > outlen)
        return -1;
    uint8_t sum = gdb_checksum(data, len);
    out[0] = '$';
    memcpy(out + 1, data, len);
    out[len + 1] = '#';
    out[len + 2] = hex[sum >> 4];
    out[len + 3] = hex[sum & 15];
    return (int)(len + 4);
}

size_t gdb_unescape(char *data, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '}' && i + 1 < len)
            data[o++] = (char)(data[++i] ^ 0x20);
        else
            data[o++] = data[i];
    }
    return o;
}

void gdb_rx_init(struct gdb_rx *rx)
{
    memset(rx, 0, sizeof(*rx));
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put(struct gdb_rx *rx, char c)
{
    if (rx->len < GDB_PACKET_MAX)
        rx->buf[rx->len++] = c;
    else
        rx->overflow = true;
}

/* The end of a packet: the checksum decides. */
static enum gdb_rx_event finish(struct gdb_rx *rx)
{
    int hi = hexval(rx->cs[0]), lo = hexval(rx->cs[1]);
    rx->state = RX_IDLE;
    rx->buf[rx->len] = 0;
    if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != rx->sum || rx->overflow)
        return GDB_RX_BAD;
    return GDB_RX_PACKET;
}

/* A byte of the packet's data (the checksum counts it as sent). */
static void data_byte(struct gdb_rx *rx, uint8_t b)
{
    rx->sum = (uint8_t)(rx->sum + b);
    if (rx->state == RX_RLE) {
        /* the previous character n - 29 more times */
        int n = (int)b - 29;
        char c = rx->len ? rx->buf[rx->len - 1] : 0;
        for (int i = 0; i < n && rx->len; i++)
            put(rx, c);
        rx->state = RX_DATA;
        return;
    }
    if (rx->state == RX_ESC) {
        put(rx, (char)b); /* kept escaped: '}' then this byte */
        rx->state = RX_DATA;
        return;
    }
    if (b == '}')
        rx->state = RX_ESC;
    else if (b == '*') {
        rx->state = RX_RLE;
        return;
    }
    put(rx, (char)b);
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t b)
{
    switch (rx->state) {
    case RX_IDLE:
        if (b == '$') {
            rx->state = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
        } else if (b == 0x03)
            return GDB_RX_INTERRUPT;
        else if (b == '+')
            return GDB_RX_ACK;
        else if (b == '-')
            return GDB_RX_NACK;
        return GDB_RX_NONE;
    case RX_DATA:
        if (b == '#') {
            rx->state = RX_CS1;
            return GDB_RX_NONE;
        }
        data_byte(rx, b);
        return GDB_RX_NONE;
    case RX_ESC:
    case RX_RLE: data_byte(rx, b); return GDB_RX_NONE;
    case RX_CS1:
        rx->cs[0] = (char)b;
        rx->state = RX_CS2;
        return GDB_RX_NONE;
    default: rx->cs[1] = (char)b; return finish(rx);
    }
}

void gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
}

int gdb_hex_decode(const char *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int gdb_parse_hex(const char **p, uint32_t *v)
{
    const char *s = *p;
    uint32_t x = 0;
    int d, n = 0;
    while ((d = hexval(*s)) >= 0) {
        x = x << 4 | (uint32_t)d;
        s++;
        n++;
    }
    if (!n)
        return -1;
    *v = x;
    *p = s;
    return 0;
}
