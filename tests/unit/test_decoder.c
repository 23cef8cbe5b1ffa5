/*
 * test_decoder.c - the translator's decoder front end: unit boundaries,
 * P6 reinterpretation of host-only encodings, and flag liveness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bt/tr_internal.h"
#include "fixture.h"

/* The decoder reads guest RAM through the MMU (no vCPU: no CS limit). */
static struct machine g_m;
static struct bt_insn g_in[BT_MAX_UNIT_INSNS];

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 64 * 1024 };
    if (fixture_machine_init(&g_m, &spec))
        return -1;
    g_m.bt = (struct bt){ .mmu = &g_m.mmu };
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    return 0;
}

static int decode(uint32_t pc, const void *bytes, size_t n, uint32_t max)
{
    memcpy(g_m.ram + pc, bytes, n);
    int k = bt_decode_unit(&g_m.bt, pc, pc, 0, max, g_in);
    bt_liveness(g_in, k);
    return k;
}

static void test_ends_at_branch(void **state)
{
    (void)state;
    /* mov eax,1; add eax,ebx; jmp $; nop */
    static const uint8_t code[] = { 0xB8, 1, 0, 0, 0, 0x01, 0xD8, 0xEB, 0xFE, 0x90 };
    int n = decode(0x1000, code, sizeof(code), 64);
    assert_int_equal(n, 3);
    assert_int_equal(g_in[2].zi.mnemonic, ZYDIS_MNEMONIC_JMP);
    assert_int_equal(g_in[1].pc, 0x1005);
}

static void test_ends_at_page_boundary(void **state)
{
    (void)state;
    uint8_t nops[8];
    memset(nops, 0x90, sizeof(nops));
    int n = decode(0x1FFC, nops, sizeof(nops), 64);
    assert_int_equal(n, 4); /* 0x1FFC..0x1FFF, stops before the next page */
}

static void test_max_insns(void **state)
{
    (void)state;
    uint8_t nops[32];
    memset(nops, 0x90, sizeof(nops));
    assert_int_equal(decode(0x3000, nops, sizeof(nops), 5), 5);
    assert_int_equal(decode(0x3000, nops, sizeof(nops), 1), 1);
}

static void test_invalid_ends_unit(void **state)
{
    (void)state;
    /* nop; a lone 0x0F 0x0B is UD2 (valid, ends); 0xFF 0xFF is invalid */
    static const uint8_t code[] = { 0x90, 0xFF, 0xFF, 0x90 };
    int n = decode(0x4000, code, sizeof(code), 64);
    assert_int_equal(n, 2);
    assert_true(g_in[1].invalid);
    assert_int_equal(g_in[1].len, 1);
}

static void test_rep_bsf_is_bsf(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0xF3, 0x0F, 0xBC, 0xD2, 0xC3 }; /* rep bsf edx,edx; ret */
    decode(0x5000, code, sizeof(code), 64);
    assert_int_equal(g_in[0].zi.mnemonic, ZYDIS_MNEMONIC_BSF);
    assert_int_equal(bt_reg_form(&g_in[0]), BT_FORM_REENCODE); /* TZCNT on the host */
}

static void test_segment_load_ends_unit(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0x8E, 0xD8, 0x90 }; /* mov ds, ax; nop */
    assert_int_equal(decode(0x6000, code, sizeof(code), 64), 1);
}

static void test_liveness(void **state)
{
    (void)state;
    /* cmp eax,ebx; mov ecx,[esi]; add ecx,1; mov edx,[edi]; jne x */
    static const uint8_t code[] = {
        0x39, 0xD8, 0x8B, 0x0E, 0x83, 0xC1, 0x01, 0x8B, 0x17, 0x75, 0x00
    };
    int n = decode(0x7000, code, sizeof(code), 64);
    assert_int_equal(n, 5);
    assert_int_equal(g_in[0].live_in, 0);               /* cmp overwrites everything */
    assert_int_equal(g_in[1].live_in, 0);               /* add overwrites before jne */
    assert_int_equal(g_in[3].live_in & EFL_ZF, EFL_ZF); /* jne reads add's ZF */
    assert_int_equal(g_in[4].live_in, FL_ARITH);        /* conservatively live at exit */
}

static void test_liveness_shift_by_cl(void **state)
{
    (void)state;
    /* mov eax,[esi]; shl ebx,cl; jc x  -- a zero count keeps old flags */
    static const uint8_t code[] = { 0x8B, 0x06, 0xD3, 0xE3, 0x72, 0x00 };
    decode(0x8000, code, sizeof(code), 64);
    assert_int_equal(g_in[0].live_in & EFL_CF, EFL_CF);
    /* with an immediate count the flags are overwritten */
    static const uint8_t code2[] = { 0x8B, 0x06, 0xC1, 0xE3, 0x03, 0x72, 0x00 };
    decode(0x9000, code2, sizeof(code2), 64);
    assert_int_equal(g_in[0].live_in & EFL_CF, 0);
}

static void test_liveness_rep_cmps_scas(void **state)
{
    (void)state;
    /* inc edi; repe cmpsd; jc x  -- with ECX = 0 the old flags (INC's, and
     * the CF from before it) survive: found by the fuzzer, tests/fuzz/insn */
    static const uint8_t code[] = { 0x47, 0xF3, 0xA7, 0x72, 0x00 };
    decode(0xE000, code, sizeof(code), 64);
    assert_int_equal(g_in[0].live_in & EFL_CF, EFL_CF);
    assert_int_equal(g_in[1].live_in & EFL_CF, EFL_CF);
    /* repne scasb likewise */
    static const uint8_t code2[] = { 0x47, 0xF2, 0xAE, 0x72, 0x00 };
    decode(0xE100, code2, sizeof(code2), 64);
    assert_int_equal(g_in[0].live_in & EFL_CF, EFL_CF);
    /* without REP, CMPS always writes the flags */
    static const uint8_t code3[] = { 0x47, 0xA7, 0x72, 0x00 };
    decode(0xE200, code3, sizeof(code3), 64);
    assert_int_equal(g_in[1].live_in & EFL_CF, 0);
    /* every width and REP prefix: cmp eax,ebx; [66] F2/F3 CMPS/SCAS; pushfd
     * -- every flag of the CMP stays live across the string instruction */
    static const uint8_t ops[4] = { 0xA6, 0xA7, 0xAE, 0xAF };
    for (int k = 0; k < 4 * 2 * 2; k++) {
        uint8_t code4[6] = { 0x39, 0xD8 }, *p = code4 + 2;
        if (k & 1)
            *p++ = 0x66;
        *p++ = (k & 2) ? 0xF3 : 0xF2;
        *p++ = ops[k / 4];
        *p++ = 0x9C;
        decode(0xE300, code4, (size_t)(p - code4), 64);
        assert_int_equal(g_in[1].live_in & EFL_ARITH, EFL_ARITH);
    }
}

static void test_adc_keeps_cf_live(void **state)
{
    (void)state;
    /* add eax,ebx; mov ecx,[esi]; adc edx,ecx */
    static const uint8_t code[] = { 0x01, 0xD8, 0x8B, 0x0E, 0x11, 0xCA, 0xC3 };
    decode(0xA000, code, sizeof(code), 64);
    assert_int_equal(g_in[1].live_in & EFL_CF, EFL_CF);
    assert_int_equal(g_in[1].live_in & EFL_ZF, 0);
}

static void test_faulting_helper_keeps_flags(void **state)
{
    (void)state;
    /* aam 0 (#DE) and arpl [ebx],cx (#GP/#PF) write the flags but may fault
     * first: the frame needs the flags from before them */
    static const uint8_t code[] = { 0xD4, 0x00, 0x90 };
    decode(0xB000, code, sizeof(code), 64);
    assert_int_equal(g_in[0].live_in, FL_ARITH);
    static const uint8_t code2[] = { 0x63, 0x0B, 0x90 };
    decode(0xC000, code2, sizeof(code2), 64);
    assert_int_equal(g_in[0].live_in, FL_ARITH);
    /* aad cannot fault: its flags outputs kill */
    static const uint8_t code3[] = { 0xD5, 0x0A, 0x01, 0xC0 }; /* aad; add eax,eax */
    decode(0xD000, code3, sizeof(code3), 64);
    assert_int_equal(g_in[0].live_in & (EFL_ZF | EFL_SF | EFL_PF), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ends_at_branch),
        cmocka_unit_test(test_ends_at_page_boundary),
        cmocka_unit_test(test_max_insns),
        cmocka_unit_test(test_invalid_ends_unit),
        cmocka_unit_test(test_rep_bsf_is_bsf),
        cmocka_unit_test(test_segment_load_ends_unit),
        cmocka_unit_test(test_liveness),
        cmocka_unit_test(test_liveness_shift_by_cl),
        cmocka_unit_test(test_liveness_rep_cmps_scas),
        cmocka_unit_test(test_adc_keeps_cf_live),
        cmocka_unit_test(test_faulting_helper_keeps_flags),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
