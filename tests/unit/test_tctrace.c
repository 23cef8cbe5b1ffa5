/*
 * test_tctrace.c - translation-cache traces: the varint / zigzag / delta
 * record codec and the header, malformed and cut-off input, and a trace
 * recorded from a live cache (fake units, entries appended to the ring as
 * translated code does) replayed by tcsim with the same statistics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "machine.h"
#include "mmu.h"
#include "tctrace.h"

static void test_varint_roundtrip(void **state)
{
    (void)state;
    static const uint64_t v[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX };
    uint8_t buf[16];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t n = tct_put_varint(buf, v[i]);
        uint64_t got = 0;
        assert_int_equal(tct_get_varint(buf, buf + n, &got), n);
        assert_true(got == v[i]);
        assert_int_equal(tct_get_varint(buf, buf + n - 1, &got), 0); /* cut off */
    }
    assert_int_equal(tct_put_varint(buf, 127), 1);
    assert_int_equal(tct_put_varint(buf, 128), 2);
    assert_int_equal(tct_put_varint(buf, UINT64_MAX), 10);
    static const int64_t z[] = { 0, -1, 1, -2, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX };
    for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++)
        assert_true(tct_unzigzag(tct_zigzag(z[i])) == z[i]);
    assert_int_equal(tct_zigzag(-1), 1); /* small magnitudes stay small */
    assert_int_equal(tct_zigzag(1), 2);
}

/* Encodes recs, decodes them back (a repeat comes back as its own
 * record) and compares with want. */
static void roundtrip(const struct tct_rec *recs, int n, const struct tct_rec *want, int nwant)
{
    uint8_t buf[4096];
    size_t len = 0;
    struct tct_state enc = { 0 }, dec = { 0 };
    for (int i = 0; i < n; i++)
        len += tct_encode(&enc, &recs[i], buf + len);
    const uint8_t *p = buf;
    for (int i = 0; i < nwant; i++) {
        struct tct_rec got;
        memset(&got, 0, sizeof(got));
        int k = tct_decode(&dec, p, buf + len, &got);
        assert_true(k > 0);
        assert_int_equal(got.type, want[i].type);
        assert_memory_equal(&got, &want[i], sizeof(got));
        p += k;
    }
    assert_ptr_equal(p, buf + len);
}

static void test_record_roundtrip(void **state)
{
    (void)state;
    struct tct_rec r[] = {
        { .type = TCT_KEY,
          .pc = 0xFFFFF000,
          .vpc = 0x10,
          .mode = 7,
          .cs_base = 1,
          .cs_limit = ~0u },
        { .type = TCT_TRANS, .key = 0, .guest_size = 12, .code_size = 160, .page1 = 0xFFFFF000 },
        { .type = TCT_ENTRY, .key = 5, .repeat = 1 },
        { .type = TCT_ENTRY, .key = 2, .repeat = 1 }, /* a negative delta */
        { .type = TCT_INVAL, .addr = 0x1000, .len = 4, .cause = TC_INV_SMC },
        { .type = TCT_INVAL, .addr = 0x800, .len = 4096, .cause = TC_INV_DMA },
        { .type = TCT_MODE, .mode = 0x123 },
        { .type = TCT_FLUSH },
        { .type = TCT_END, .translations = 1ull << 40, .entries = 3 },
    };
    roundtrip(r, 9, r, 9);
    /* an entry run: the entry, then a repeat of the rest */
    struct tct_rec run = { .type = TCT_ENTRY, .key = 9, .repeat = 1000 };
    struct tct_rec want[2] = { { .type = TCT_ENTRY, .key = 9, .repeat = 1 },
                               { .type = TCT_ENTRY, .key = 9, .repeat = 999, .cont = true } };
    roundtrip(&run, 1, want, 2);
}

static void test_decode_bad_input(void **state)
{
    (void)state;
    struct tct_state s = { 0 };
    struct tct_rec rec;
    uint8_t ff[12];
    memset(ff, 0xFF, sizeof(ff));
    assert_int_equal(tct_decode(&s, ff, ff + sizeof(ff), &rec), XBT_EINVAL); /* no varint end */
    assert_int_equal(tct_decode(&s, ff, ff + 3, &rec), 0);                   /* cut off */
    uint8_t bad_type[2];
    tct_put_varint(bad_type, (uint64_t)TCT_TYPES << 2 | 3);
    assert_int_equal(tct_decode(&s, bad_type, bad_type + 1, &rec), XBT_EINVAL);
    uint8_t cut[TCT_MAX_RECORD];
    struct tct_state e = { 0 };
    size_t n = tct_encode(&e, &(struct tct_rec){ .type = TCT_KEY, .pc = 0x12345678 }, cut);
    assert_int_equal(tct_decode(&s, cut, cut + n - 1, &rec), 0);
    struct tct_header h = { TCT_VERSION, 1 << 20, TC_POLICY_CLOCK, 50, 256, 0, 4096 }, g;
    uint8_t hb[96];
    size_t hn = tct_encode_header(&h, hb);
    assert_int_equal(tct_decode_header(hb, hb + hn, &g), hn);
    assert_int_equal(g.policy, TC_POLICY_CLOCK);
    assert_true(g.tc_size == h.tc_size);
    assert_int_equal(g.window, 4096);
    assert_int_equal(tct_decode_header(hb, hb + hn - 1, &g), 0); /* cut off */
    /* a version 1 header (six varints, no window) reads as exact */
    hb[TCT_MAGIC_LEN] = 1;
    assert_int_equal(tct_decode_header(hb, hb + hn - 2, &g), hn - 2);
    assert_int_equal(g.window, 0);
    assert_int_equal(g.npages, 256);
    hb[TCT_MAGIC_LEN] = 3; /* unknown version */
    assert_int_equal(tct_decode_header(hb, hb + hn, &g), XBT_EINVAL);
    hb[TCT_MAGIC_LEN] = TCT_VERSION;
    hb[0] ^= 1;
    assert_int_equal(tct_decode_header(hb, hb + hn, &g), XBT_EINVAL);
}

/* ---- entry windows (trace_window.c) ------------------------------------- */

/* Adds runs (key, n) of 100-byte units to w; returns what the last add
 * returned. */
static int add_all(struct tct_window *w, const struct tct_run *run, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++)
        rc = tct_window_add(w, run[i].key, run[i].n, 100);
    return rc;
}

static void expect_runs(const struct tct_run *got, uint32_t n, const struct tct_run *want,
                        uint32_t nwant)
{
    assert_int_equal(n, nwant);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(got[i].key, want[i].key);
        assert_int_equal(got[i].n, want[i].n);
    }
}

static void test_window_reduce(void **state)
{
    (void)state;
    struct tct_window w;
    const struct tct_run *out;
    assert_int_equal(tct_window_init(&w, 6, 1 << 20), 0);
    /* A B A B C A (A's first run twice as long): each key's first run, its
     * last run with the rest of its entries, in stream order; C once */
    const struct tct_run in[] = { { 7, 2 }, { 9, 1 }, { 7, 1 }, { 9, 1 }, { 5000, 1 }, { 7, 1 } };
    assert_int_equal(add_all(&w, in, 6), 0);
    assert_int_equal(tct_window_add(&w, 7, 2, 100), 0); /* merged into the last run */
    assert_int_equal(tct_window_add(&w, 9, 1, 100), 1); /* 6 runs: full, not added */
    const struct tct_run want[] = { { 7, 2 }, { 9, 1 }, { 9, 1 }, { 5000, 1 }, { 7, 4 } };
    uint32_t n = tct_window_reduce(&w, &out);
    expect_runs(out, n, want, 5);
    /* the next window starts empty and forgets the last one's keys */
    assert_int_equal(tct_window_add(&w, 9, 3, 100), 0);
    assert_int_equal(tct_window_add(&w, 7, 1, 100), 0);
    assert_int_equal(tct_window_add(&w, 9, 1, 100), 0);
    const struct tct_run want2[] = { { 9, 3 }, { 7, 1 }, { 9, 1 } };
    n = tct_window_reduce(&w, &out);
    expect_runs(out, n, want2, 3);
    /* a key entered in one run keeps it whole; an empty window is empty */
    assert_int_equal(tct_window_add(&w, 3, 5, 100), 0);
    assert_int_equal(tct_window_add(&w, 3, 5, 100), 0); /* merged */
    n = tct_window_reduce(&w, &out);
    expect_runs(out, n, (const struct tct_run[]){ { 3, 10 } }, 1);
    assert_int_equal(tct_window_reduce(&w, &out), 0);
    tct_window_free(&w);

    /* the code bound: 250 bytes hold two 100-byte units, not a third;
     * keys already in the window add nothing; an empty window takes any */
    assert_int_equal(tct_window_init(&w, 100, 250), 0);
    assert_int_equal(tct_window_add(&w, 1, 1, 100), 0);
    assert_int_equal(tct_window_add(&w, 2, 1, 100), 0);
    assert_int_equal(tct_window_add(&w, 1, 1, 100), 0);
    assert_int_equal(tct_window_add(&w, 3, 1, 100), 1);
    n = tct_window_reduce(&w, &out);
    expect_runs(out, n, (const struct tct_run[]){ { 1, 1 }, { 2, 1 }, { 1, 1 } }, 3);
    assert_int_equal(tct_window_add(&w, 3, 1, 1000), 0);
    assert_int_equal(tct_window_add(&w, 4, 1, 1), 1);
    tct_window_free(&w);
    /* bytes 0: no windows */
    assert_int_equal(tct_window_init(&w, 100, 0), 0);
    assert_int_equal(w.size, 0);
    tct_window_free(&w);
}

/* ---- recorded and replayed ---------------------------------------------- */

static struct machine g_m;

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 1 << 20, .tcache_size = 64 << 10 };
    return fixture_machine_init(&g_m, &spec);
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    return 0;
}

/* A unit as the translator makes it, code_size bytes. */
static struct unit *make_unit(uint32_t pc, uint32_t code_size)
{
    size_t room;
    struct unit *future;
    tc_begin(&g_m.tc, pc, 0, &room, &future);
    struct unit proto;
    memset(&proto, 0, sizeof(proto));
    proto.pc = proto.vpc = pc;
    proto.guest_size = 8;
    proto.page[0] = proto.page[1] = pc & PAGE_MASK;
    uint32_t ipc = pc;
    uint16_t ioff = 0;
    return tc_commit(&g_m.tc, &proto, code_size, &ipc, &ioff, NULL, 0);
}

/* What translated code's prologue does: the descriptor index into the ring. */
static void enter(struct unit *u)
{
    uint8_t *ring = tc_trace_ring(&g_m.tc);
    uint32_t pos, idx = (uint32_t)(u - g_m.tc.units);
    memcpy(&pos, ring - 8, 4);
    memcpy(ring + pos, &idx, 4);
    pos += 4;
    memcpy(ring - 8, &pos, 4);
}

/* The dispatcher's way: look up, translate on a miss, enter. */
static void run_pc(uint32_t pc, uint32_t code_size)
{
    struct unit *u = tc_lookup(&g_m.tc, pc, 0, 0, 0, pc);
    enter(u ? u : make_unit(pc, code_size));
}

static void test_record_and_replay(void **state)
{
    (void)state;
    char path[] = "/tmp/xbt-tctrace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(tc_set_policy(&g_m.tc, TC_POLICY_FIFO, 50), 0);
    assert_int_equal(tc_trace_open(&g_m.tc, path, 0), 0);
    /* a loop over 40 units of 1 KiB (more than the cache holds), code
     * rewritten under one of them, an outside flush */
    for (int lap = 0; lap < 5; lap++)
        for (uint32_t i = 0; i < 40; i++)
            for (int k = 0; k < 3; k++)
                run_pc(0x10000 + 0x100 * i, 1536 + 16 * (i % 4));
    tc_invalidate_range(&g_m.tc, 0x10000 + 0x100 * 39, 2, TC_INV_SMC);
    run_pc(0x10000 + 0x100 * 39, 1024);
    tc_flush(&g_m.tc);
    run_pc(0x10000, 1024);
    struct tc_stats live = g_m.tc.st;
    uint32_t live_units = g_m.tc.nunits;
    assert_true(live.evictions > 0);
    assert_int_equal(tc_trace_close(&g_m.tc), 0);

    struct tct_reader *r;
    struct tct_header h;
    assert_int_equal(tct_open(path, &r, &h), 0);
    tct_close(r);
    assert_int_equal(h.policy, TC_POLICY_FIFO);
    struct tc_sim sim;
    assert_int_equal(tc_sim_init(&sim, &h, h.tc_size, TC_POLICY_FIFO, 50), 0);
    struct tct_replay rep;
    assert_int_equal(tct_replay(path, &sim, 1, &h, &rep), 0);
    assert_true(rep.complete);
    assert_true(rep.live_entries == 5 * 40 * 3 + 2);
    assert_true(sim.entries == rep.live_entries);
    assert_true(sim.tc.st.translations == live.translations);
    assert_true(rep.live_translations == live.translations);
    assert_true(sim.tc.st.evictions == live.evictions);
    assert_true(sim.tc.st.invalidations[TC_INV_SMC] == live.invalidations[TC_INV_SMC]);
    assert_true(sim.tc.st.flushes_full == live.flushes_full);
    assert_int_equal(sim.tc.nunits, live_units);
    tc_sim_destroy(&sim);
    /* another policy: every entry replayed, every key made at least once */
    assert_int_equal(tc_sim_init(&sim, &h, 64 << 10, TC_POLICY_CLOCK, 50), 0);
    assert_int_equal(tct_replay(path, &sim, 1, &h, &rep), 0);
    assert_true(sim.entries == rep.live_entries);
    assert_true(sim.tc.st.translations >= 40);
    assert_true(sim.tc.st.clock_skips > 0);
    tc_sim_destroy(&sim);
    unlink(path);
}

static void test_reader_rejects_bad_files(void **state)
{
    (void)state;
    struct tct_reader *r;
    struct tct_header h;
    assert_int_equal(tct_open("/nonexistent/trace", &r, &h), XBT_EIO);
    char path[] = "/tmp/xbt-tctrace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not a trace at all\n", 19), 19);
    close(fd);
    assert_int_equal(tct_open(path, &r, &h), XBT_EINVAL);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_roundtrip),
        cmocka_unit_test(test_record_roundtrip),
        cmocka_unit_test(test_decode_bad_input),
        cmocka_unit_test(test_window_reduce),
        cmocka_unit_test_setup_teardown(test_record_and_replay, setup, teardown),
        cmocka_unit_test(test_reader_rejects_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
