/*
 * test_encmemo.c - the encoder memo gives byte for byte what Zydis gives:
 * the translator's instruction shapes with immediates and displacements at
 * every width boundary, signed and unsigned (in both orders, so every value
 * is once the first of its class and once patched into another's bytes),
 * requests Zydis refuses, and a shape it keeps is a hit the second time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bt/encmemo.h"

#define R(x) ZYDIS_REGISTER_##x
#define NONE ZYDIS_REGISTER_NONE

static const int64_t g_values[] = {
    0,
    1,
    2,
    3,
    -1,
    -2,
    4,
    5,
    100,
    127,
    128,
    -128,
    -129,
    200,
    255,
    256,
    0x7FFF,
    0x8000,
    -0x8000,
    -0x8001,
    0xFFFF,
    0xFF80,
    0xFF7F,
    0x10000,
    0x12345,
    -0x12345,
    0x7FFFFFFF,
    0x80000000ll,
    -0x80000000ll,
    0xFFFFFF80ll,
    0xFFFFFF7Fll,
    0xFFFF8000ll,
    0xFFFFFFFFll,
    0x100000000ll,
    0x7FFFFFFFFFFFFFFFll,
    INT64_MIN,
};
#define NVALUES (sizeof(g_values) / sizeof(g_values[0]))

/* A shape: value v goes where the shape's builder puts it. */
typedef void (*shape_fn)(ZydisEncoderRequest *r, int64_t v);

static void req_init(ZydisEncoderRequest *r, ZydisMnemonic mn, int n)
{
    memset(r, 0, sizeof(*r));
    r->machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    r->mnemonic = mn;
    r->operand_count = (ZyanU8)n;
}
static void op_reg(ZydisEncoderOperand *o, ZydisRegister reg)
{
    o->type = ZYDIS_OPERAND_TYPE_REGISTER;
    o->reg.value = reg;
}
static void op_imm(ZydisEncoderOperand *o, int64_t v)
{
    o->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
    o->imm.s = v;
}
static void op_mem(ZydisEncoderOperand *o, ZydisRegister b, ZydisRegister i, int64_t d, int size)
{
    o->type = ZYDIS_OPERAND_TYPE_MEMORY;
    o->mem.base = b;
    o->mem.index = i;
    o->mem.scale = i == NONE ? 0 : 1;
    o->mem.displacement = d;
    o->mem.size = (ZyanU16)size;
}

/* reg, imm for each of these mnemonics and register widths */
static const ZydisMnemonic g_alu[] = {
    ZYDIS_MNEMONIC_MOV, ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_SUB, ZYDIS_MNEMONIC_CMP,
    ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_OR,  ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_TEST,
    ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR, ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_BT,
};
static const ZydisRegister g_regs[] = { R(EAX), R(R11D), R(AX),  R(R8W),
                                        R(AL),  R(R9B),  R(RAX), R(R13) };

static size_t direct(const ZydisEncoderRequest *r, uint8_t *out)
{
    ZyanUSize len = ZYDIS_MAX_INSTRUCTION_LENGTH;
    return ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(r, out, &len)) ? len : 0;
}

static void check(const ZydisEncoderRequest *r)
{
    uint8_t a[ZYDIS_MAX_INSTRUCTION_LENGTH], b[ZYDIS_MAX_INSTRUCTION_LENGTH];
    size_t n = enc_memo_encode(r, a), m = direct(r, b);
    if (n != m || memcmp(a, b, n)) {
        print_error("mnemonic %d: memo %zu bytes, Zydis %zu bytes\n", (int)r->mnemonic, n, m);
        fail();
    }
}

/* Every shape with value v. */
static void all_shapes(int64_t v)
{
    ZydisEncoderRequest r;
    for (size_t k = 0; k < sizeof(g_alu) / sizeof(g_alu[0]); k++)
        for (size_t g = 0; g < sizeof(g_regs) / sizeof(g_regs[0]); g++) {
            req_init(&r, g_alu[k], 2);
            op_reg(&r.operands[0], g_regs[g]);
            op_imm(&r.operands[1], v);
            check(&r);
            /* the same into memory at [r15 + v] and [r14 + r8 + v] */
            req_init(&r, g_alu[k], 2);
            op_mem(&r.operands[0], R(R15), NONE, v, 4);
            op_imm(&r.operands[1], v);
            check(&r);
            op_mem(&r.operands[0], R(R14), R(R8), v, 1);
            check(&r);
        }
    static const ZydisRegister bases[] = { R(R12), R(RBP), R(R13), R(RSP), NONE };
    for (size_t k = 0; k < sizeof(bases) / sizeof(bases[0]); k++) {
        req_init(&r, ZYDIS_MNEMONIC_LEA, 2);
        op_reg(&r.operands[0], R(R8D));
        op_mem(&r.operands[1], bases[k], NONE, v, 8);
        check(&r);
        op_mem(&r.operands[1], bases[k], R(R8), v, 8);
        check(&r);
        req_init(&r, ZYDIS_MNEMONIC_MOV, 2);
        op_reg(&r.operands[0], R(EAX));
        op_mem(&r.operands[1], bases[k], NONE, v, 4);
        check(&r);
        req_init(&r, ZYDIS_MNEMONIC_MOVZX, 2);
        op_reg(&r.operands[0], R(R11D));
        op_mem(&r.operands[1], bases[k], R(R9), v, 2);
        check(&r);
    }
    req_init(&r, ZYDIS_MNEMONIC_IMUL, 3);
    op_reg(&r.operands[0], R(ECX));
    op_reg(&r.operands[1], R(EDX));
    op_imm(&r.operands[2], v);
    check(&r);
    req_init(&r, ZYDIS_MNEMONIC_PUSH, 1);
    op_imm(&r.operands[0], v);
    check(&r);
    req_init(&r, ZYDIS_MNEMONIC_JMP, 1);
    op_imm(&r.operands[0], v);
    check(&r);
    req_init(&r, ZYDIS_MNEMONIC_ENTER, 2);
    op_imm(&r.operands[0], v);
    op_imm(&r.operands[1], v & 0xFF);
    check(&r);
}

static void test_values_forward(void **state)
{
    (void)state;
    enc_memo_reset();
    for (size_t k = 0; k < NVALUES; k++)
        all_shapes(g_values[k]);
}

static void test_values_backward(void **state)
{
    (void)state;
    enc_memo_reset();
    for (size_t k = NVALUES; k-- > 0;)
        all_shapes(g_values[k]);
}

static void test_second_time_is_a_hit(void **state)
{
    (void)state;
    enc_memo_reset();
    ZydisEncoderRequest r;
    req_init(&r, ZYDIS_MNEMONIC_MOV, 2);
    op_mem(&r.operands[0], R(R15), NONE, 0x40, 4);
    op_imm(&r.operands[1], 0x12345678);
    check(&r);
    uint64_t hits = bt_encode_stats()->hits;
    r.operands[0].mem.displacement = 0x48;
    r.operands[1].imm.s = 0x7654321;
    check(&r);
    assert_int_equal(bt_encode_stats()->hits, hits + 1);
}

static void test_refused_and_uncached(void **state)
{
    (void)state;
    enc_memo_reset();
    uint8_t out[ZYDIS_MAX_INSTRUCTION_LENGTH];
    ZydisEncoderRequest r;
    req_init(&r, ZYDIS_MNEMONIC_ADD, 2); /* no imm64 form */
    op_reg(&r.operands[0], R(RAX));
    op_imm(&r.operands[1], 0x123456789ll);
    assert_int_equal(enc_memo_encode(&r, out), 0);
    assert_int_equal(enc_memo_encode(&r, out), 0);
    uint64_t unc = bt_encode_stats()->uncached;
    req_init(&r, ZYDIS_MNEMONIC_NOP, 0);
    r.machine_mode = ZYDIS_MACHINE_MODE_LEGACY_32; /* only 64-bit requests are kept */
    check(&r);
    assert_int_equal(bt_encode_stats()->uncached, unc + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_forward),
        cmocka_unit_test(test_values_backward),
        cmocka_unit_test(test_second_time_is_a_hit),
        cmocka_unit_test(test_refused_and_uncached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
