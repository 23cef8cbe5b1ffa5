/*
 * test_winform.c - the host-window form of memory accesses (winform.c):
 * accesses as the TLB path encodes them ([r9 + r8]) come back addressing
 * [r14 + r8], or with the direct form [r14 + base + disp] with every
 * displacement at the class boundaries (none, 8, 32 bits) in both orders,
 * so each value is once the first of its class and once patched into
 * another's bytes; the borrowed-register form reports its register; a
 * form seen before is a hit.  XBT_ENCODE_CHECK=1 is set, so every hit is
 * also rewritten afresh and compared (abort on a difference).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bt/tr_internal.h"

#define R(x) ZYDIS_REGISTER_##x
#define NONE ZYDIS_REGISTER_NONE

static const int32_t g_disps[] = { 0,    1,      -1,      127,        -128,      128,
                                   -129, 0x1234, -0x4321, 0x7FFFFFFF, INT32_MIN, 4 };
#define NDISPS (sizeof(g_disps) / sizeof(g_disps[0]))

static size_t enc(uint8_t *out, ZydisMnemonic mn, ZydisEncoderOperand a, ZydisEncoderOperand b)
{
    ZydisEncoderRequest r;
    memset(&r, 0, sizeof(r));
    r.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    r.mnemonic = mn;
    r.operand_count = 2;
    r.operands[0] = a;
    r.operands[1] = b;
    ZyanUSize len = ZYDIS_MAX_INSTRUCTION_LENGTH;
    assert_true(ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&r, out, &len)));
    return len;
}
static ZydisEncoderOperand reg(ZydisRegister x)
{
    ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_REGISTER };
    o.reg.value = x;
    return o;
}
static ZydisEncoderOperand imm(int64_t v)
{
    ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_IMMEDIATE };
    o.imm.s = v;
    return o;
}
static ZydisEncoderOperand mem(ZydisRegister b, ZydisRegister i, int size)
{
    ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_MEMORY };
    o.mem.base = b;
    o.mem.index = i;
    o.mem.scale = i == NONE ? 0 : 1;
    o.mem.size = (ZyanU16)size;
    return o;
}

/* The accesses: a load, a store of an immediate, a read-modify-write, and
 * the borrowed-register form of a byte access through BH-class register
 * users (mov r11, rbx; lea rbx, [r9 + r8]; mov ah, [rbx]; mov rbx, r11). */
static size_t access(int k, uint8_t *out)
{
    size_t n = 0;
    switch (k) {
    case 0: return enc(out, ZYDIS_MNEMONIC_MOV, reg(R(EAX)), mem(R(R9), R(R8), 4));
    case 1: return enc(out, ZYDIS_MNEMONIC_MOV, mem(R(R9), R(R8), 4), imm(0x12345678));
    case 2: return enc(out, ZYDIS_MNEMONIC_ADD, mem(R(R9), R(R8), 2), reg(R(CX)));
    default:
        n += enc(out + n, ZYDIS_MNEMONIC_MOV, reg(R(R11)), reg(R(RBX)));
        n += enc(out + n, ZYDIS_MNEMONIC_LEA, reg(R(RBX)), mem(R(R9), R(R8), 8));
        n += enc(out + n, ZYDIS_MNEMONIC_MOV, reg(R(AH)), mem(R(RBX), NONE, 1));
        n += enc(out + n, ZYDIS_MNEMONIC_MOV, reg(R(RBX)), reg(R(R11)));
        return n;
    }
}

/* The form's memory operand that replaced [r9 + r8] is [r14 + index + disp]. */
static void expect_form(const uint8_t *p, size_t n, ZydisRegister index, int32_t disp, int borrowed,
                        int k)
{
    ZydisDecoder dec;
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    size_t pos = 0;
    int found = 0;
    while (pos < n) {
        ZydisDecodedInstruction zi;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p + pos, n - pos, &zi, ops)));
        for (int o = 0; o < zi.operand_count_visible; o++) {
            if (ops[o].type != ZYDIS_OPERAND_TYPE_MEMORY || ops[o].mem.base != R(R14))
                continue;
            assert_int_equal(ops[o].mem.index, index);
            assert_int_equal(ops[o].mem.disp.value, disp);
            found++;
        }
        pos += zi.length;
    }
    assert_int_equal(found, 1);
    assert_int_equal(borrowed, k == 3 ? 3 /* rbx */ : -1);
}

static void one(int k, bool direct, ZydisRegister base, int32_t disp)
{
    uint8_t in[64], out[64];
    size_t len = access(k, in);
    int borrowed = -2;
    size_t n = bt_window_form(in, len, out, &borrowed, base, disp, direct);
    assert_true(n > 0);
    if (direct)
        expect_form(out, n, base, disp, borrowed, k);
    else
        expect_form(out, n, R(R8), 0, borrowed, k);
}

static void test_indexed_form(void **state)
{
    (void)state;
    uint64_t hits0 = bt_form_stats()->hits;
    for (int k = 0; k < 4; k++) {
        one(k, false, NONE, 0);
        one(k, false, R(R12), 99); /* base and disp are ignored: a hit */
    }
    assert_int_equal(bt_form_stats()->hits - hits0, 4);
}

static void test_direct_forms(void **state)
{
    (void)state;
    static const ZydisRegister bases[] = { R(R12), R(RBP), R(R13), NONE };
    for (int k = 0; k < 4; k++)
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
            for (size_t d = 0; d < NDISPS; d++)
                one(k, true, bases[b], g_disps[d]);
            for (size_t d = NDISPS; d-- > 0;)
                one(k, true, bases[b], g_disps[d]);
        }
    uint64_t hits0 = bt_form_stats()->hits;
    one(0, true, R(R12), 0x55);
    assert_int_equal(bt_form_stats()->hits - hits0, 1); /* a known class */
}

int main(void)
{
    setenv("XBT_ENCODE_CHECK", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indexed_form),
        cmocka_unit_test(test_direct_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
