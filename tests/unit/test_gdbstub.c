/*
 * test_gdbstub.c - the gdb stub's packet layer (src/gdbstub/packet.c):
 * checksums, framing, the receiver (acks, ^C, checksum errors, run-length
 * expansion, escapes kept for binary commands), hex; the target
 * description and its qXfer slices (features.c); the register file's
 * layout (regs.c); the --gdb spec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vcpu.h"
#include "gdbstub/gdbstub_int.h"

/* Feeds s to rx; the last event. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s)
{
    enum gdb_rx_event ev = GDB_RX_NONE;
    for (; *s; s++) {
        ev = gdb_rx_feed(rx, (uint8_t)*s);
        if (ev != GDB_RX_NONE && s[1])
            fail_msg("event %d before the end of '%s'", ev, s);
    }
    return ev;
}

static void test_checksum_and_frame(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(gdb_checksum("OK", 2), 0x9a);
    assert_int_equal(gdb_frame("OK", 2, out, sizeof(out)), 6);
    assert_memory_equal(out, "$OK#9a", 6);
    assert_int_equal(gdb_frame("", 0, out, sizeof(out)), 4);
    assert_memory_equal(out, "$#00", 4);
    /* the known packet from gdb's documentation */
    assert_int_equal(gdb_frame("qSupported", 10, out, sizeof(out)), 14);
    assert_memory_equal(out, "$qSupported#37", 14);
    assert_int_equal(gdb_frame("OK", 2, out, 5), -1); /* too small */
}

static void test_rx_packet_and_acks(void **state)
{
    (void)state;
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    assert_int_equal(gdb_rx_feed(&rx, '+'), GDB_RX_ACK);
    assert_int_equal(gdb_rx_feed(&rx, '-'), GDB_RX_NACK);
    assert_int_equal(gdb_rx_feed(&rx, 0x03), GDB_RX_INTERRUPT);
    assert_int_equal(feed(&rx, "$m1000,4#8e"), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "m1000,4");
    assert_int_equal(rx.len, 7);
    /* a wrong checksum, then a good packet again */
    assert_int_equal(feed(&rx, "$m1000,4#8d"), GDB_RX_BAD);
    assert_int_equal(feed(&rx, "$g#67"), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "g");
    /* upper-case checksum digits are accepted; a bad digit is not */
    assert_int_equal(feed(&rx, "$OK#9A"), GDB_RX_PACKET);
    assert_int_equal(feed(&rx, "$OK#9x"), GDB_RX_BAD);
    /* ^C inside a packet is data, not an interrupt */
    char pkt[16];
    int n = gdb_frame("a\003b", 3, pkt, sizeof(pkt));
    pkt[n] = 0;
    assert_int_equal(feed(&rx, pkt), GDB_RX_PACKET);
    assert_memory_equal(rx.buf, "a\003b", 3);
}

static void test_rx_rle_and_escapes(void **state)
{
    (void)state;
    static struct gdb_rx rx;
    char pkt[64];
    gdb_rx_init(&rx);
    /* "0* " is '0' then ' ' - 29 = 3 more: "0000" */
    int n = gdb_frame("X0* Y", 5, pkt, sizeof(pkt));
    pkt[n] = 0;
    assert_int_equal(feed(&rx, pkt), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "X0000Y");
    /* an escaped '#' is kept escaped and counted by the checksum */
    const char esc[] = { 'X', '1', ',', '1', ':', '}', '#' ^ 0x20 };
    n = gdb_frame(esc, sizeof(esc), pkt, sizeof(pkt));
    pkt[n] = 0;
    assert_int_equal(feed(&rx, pkt), GDB_RX_PACKET);
    assert_int_equal(rx.len, sizeof(esc));
    assert_int_equal(gdb_unescape(rx.buf, rx.len), 6);
    assert_memory_equal(rx.buf, "X1,1:#", 6);
    /* an escaped '*' is not run-length encoding */
    char star[] = { '}', '*' ^ 0x20, 'a', '}', '}' ^ 0x20 };
    assert_int_equal(gdb_unescape(star, sizeof(star)), 3);
    assert_memory_equal(star, "*a}", 3);
}

static void test_rx_overflow(void **state)
{
    (void)state;
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    assert_int_equal(gdb_rx_feed(&rx, '$'), GDB_RX_NONE);
    uint8_t sum = 0;
    for (int i = 0; i < GDB_PACKET_MAX + 10; i++) {
        gdb_rx_feed(&rx, 'a');
        sum = (uint8_t)(sum + 'a');
    }
    char cs[4];
    snprintf(cs, sizeof(cs), "%02x", sum);
    gdb_rx_feed(&rx, '#');
    gdb_rx_feed(&rx, (uint8_t)cs[0]);
    assert_int_equal(gdb_rx_feed(&rx, (uint8_t)cs[1]), GDB_RX_BAD);
}

static void test_hex(void **state)
{
    (void)state;
    const uint8_t in[] = { 0x00, 0x7f, 0xa5, 0xff };
    char out[9] = { 0 };
    uint8_t back[4];
    gdb_hex_encode(in, 4, out);
    assert_string_equal(out, "007fa5ff");
    assert_int_equal(gdb_hex_decode("007FA5ff", 4, back), 0);
    assert_memory_equal(back, in, 4);
    assert_int_equal(gdb_hex_decode("0g", 1, back), -1);
    const char *p = "c0100abc,10";
    uint32_t v;
    assert_int_equal(gdb_parse_hex(&p, &v), 0);
    assert_int_equal(v, 0xc0100abc);
    assert_string_equal(p, ",10");
    assert_int_equal(gdb_parse_hex(&p, &v), -1);
}

static void test_features_xml(void **state)
{
    (void)state;
    const char *x = gdb_target_xml();
    assert_non_null(strstr(x, "<architecture>i386</architecture>"));
    assert_non_null(strstr(x, "<feature name=\"org.gnu.gdb.i386.core\">"));
    /* every register gdb's i386 core needs, in the 'g' order */
    static const char *const core[] = { "eax",   "ecx",   "edx",  "ebx",    "esp",    "ebp",
                                        "esi",   "edi",   "eip",  "eflags", "cs",     "ss",
                                        "ds",    "es",    "fs",   "gs",     "st0",    "st7",
                                        "fctrl", "fstat", "ftag", "fiseg",  "fioff",  "foseg",
                                        "fooff", "fop",   "cr0",  "cr3",    "gs_base" };
    const char *prev = x;
    for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "name=\"%s\"", core[i]);
        const char *at = strstr(x, name);
        assert_non_null(at);
        assert_true(at > prev);
        prev = at;
    }
    /* as many registers as the 'g' packet has */
    int regs = 0;
    for (const char *p = x; (p = strstr(p, "<reg ")); p++)
        regs++;
    assert_int_equal(regs, GDB_NREGS);
    /* nothing that would need escaping or look like run-length encoding */
    assert_null(strpbrk(x, "#$}*"));
}

static void test_xfer_slices(void **state)
{
    (void)state;
    const char *x = gdb_target_xml();
    size_t total = strlen(x);
    static char out[GDB_PACKET_MAX];
    static char whole[GDB_PACKET_MAX];
    size_t got = 0;
    /* reading in 100-byte slices gives back the document */
    for (uint32_t off = 0;; off += 100) {
        int n = gdb_xfer_slice(x, off, 100, out, sizeof(out));
        assert_true(n >= 1);
        memcpy(whole + got, out + 1, (size_t)n - 1);
        got += (size_t)n - 1;
        if (out[0] == 'l')
            break;
        assert_int_equal(out[0], 'm');
    }
    assert_int_equal(got, total);
    assert_memory_equal(whole, x, total);
    /* past the end: "l" alone */
    assert_int_equal(gdb_xfer_slice(x, (uint32_t)total + 5, 10, out, sizeof(out)), 1);
    assert_string_equal(out, "l");
    /* binary escapes in a slice */
    assert_int_equal(gdb_xfer_slice("a#b*c", 0, 100, out, sizeof(out)), 8);
    assert_string_equal(out, "la}\003b}\012c");
}

static void test_registers(void **state)
{
    (void)state;
    static struct vcpu cpu;
    memset(&cpu, 0, sizeof(cpu));
    for (int i = 0; i < 8; i++)
        cpu.regs[i] = 0x11111111u * (uint32_t)(i + 1);
    cpu.eip = 0x00101234;
    cpu.eflags = 0x202;
    cpu.seg[S_CS].sel = 0x08;
    cpu.seg[S_SS].sel = 0x10;
    cpu.seg[S_FS].base = 0xabc000;
    cpu.cr0 = 0x80000011;
    cpu.cr3 = 0x9000;
    uint8_t b[16];
    uint32_t v;
    assert_int_equal(gdb_reg_read(&cpu, 3, b), 4); /* ebx */
    memcpy(&v, b, 4);
    assert_int_equal(v, 0x44444444);
    assert_int_equal(gdb_reg_read(&cpu, 8, b), 4);
    memcpy(&v, b, 4);
    assert_int_equal(v, 0x00101234);
    assert_int_equal(gdb_reg_read(&cpu, 10, b), 4); /* cs */
    assert_int_equal(b[0], 0x08);
    assert_int_equal(gdb_reg_read(&cpu, 11, b), 4); /* ss */
    assert_int_equal(b[0], 0x10);
    assert_int_equal(gdb_reg_read(&cpu, 16, b), 10); /* st0 */
    assert_int_equal(gdb_reg_read(&cpu, 32, b), 4);  /* cr0 */
    memcpy(&v, b, 4);
    assert_int_equal(v, 0x80000011);
    assert_int_equal(gdb_reg_read(&cpu, 34, b), 4); /* cr3 */
    memcpy(&v, b, 4);
    assert_int_equal(v, 0x9000);
    assert_int_equal(gdb_reg_read(&cpu, 40, b), 4); /* fs_base */
    memcpy(&v, b, 4);
    assert_int_equal(v, 0xabc000);
    assert_int_equal(gdb_reg_read(&cpu, GDB_NREGS, b), -1);
    assert_int_equal(gdb_regs_size(), 34 * 4 + 8 * 10);
    /* writes: a GPR and EIP take; EFLAGS only its writable bits; CR0 not */
    v = 0xdeadbeef;
    assert_int_equal(gdb_reg_write(&cpu, 0, (uint8_t *)&v), 4);
    assert_int_equal(cpu.regs[0], 0xdeadbeef);
    v = 0xffffffff;
    gdb_reg_write(&cpu, 9, (uint8_t *)&v);
    assert_int_equal(cpu.eflags, 0x202 | 0x0FD5);
    gdb_reg_write(&cpu, 32, (uint8_t *)&v);
    assert_int_equal(cpu.cr0, 0x80000011);
}

static void test_spec(void **state)
{
    (void)state;
    char host[64], err[128];
    unsigned port;
    assert_int_equal(gdbstub_parse_spec("tcp::1234", host, sizeof(host), &port, err, sizeof(err)),
                     0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 1234);
    assert_int_equal(
        gdbstub_parse_spec("tcp:0.0.0.0:4321", host, sizeof(host), &port, err, sizeof(err)), 0);
    assert_string_equal(host, "0.0.0.0");
    assert_int_equal(port, 4321);
    const char *bad[] = { "1234", "udp::1", "tcp:", "tcp::", "tcp::0", "tcp::65536", "tcp::12x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_not_equal(
            gdbstub_parse_spec(bad[i], host, sizeof(host), &port, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_and_frame),
        cmocka_unit_test(test_rx_packet_and_acks),
        cmocka_unit_test(test_rx_rle_and_escapes),
        cmocka_unit_test(test_rx_overflow),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_features_xml),
        cmocka_unit_test(test_xfer_slices),
        cmocka_unit_test(test_registers),
        cmocka_unit_test(test_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
