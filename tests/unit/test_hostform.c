/*
 * test_hostform.c - the host form of guest instructions (src/bt/hostform.c):
 * which are copied byte for byte, which are re-encoded (0x82, INC/DEC
 * 0x40-0x4F, REP BSF, ESP operands), and the legacy-register forms of
 * instructions naming AH..BH together with ESP or a memory operand, checked
 * by decoding the host bytes; every register combination of the byte and
 * MOVZX/MOVSX instructions has an encodable form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "bt/tr_internal.h"

/* Decodes one guest instruction (32-bit mode) from bytes, as decode.c does. */
static const struct bt_insn *insn(const uint8_t *bytes, size_t n)
{
    static struct bt_insn i;
    ZydisDecoder dec;
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    memset(&i, 0, sizeof(i));
    memcpy(i.bytes, bytes, n);
    assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, i.bytes, n, &i.zi, i.ops)));
    assert_int_equal(i.zi.length, n);
    i.len = (uint8_t)n;
    return &i;
}

#define INSN(...) insn((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* The host instructions in out[0..n), decoded in 64-bit mode. */
struct host_seq {
    int count;
    ZydisDecodedInstruction zi[8];
    ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
};

static void host_decode(const uint8_t *out, size_t n, struct host_seq *h)
{
    size_t pos = 0;
    h->count = 0;
    while (pos < n) {
        assert_true(h->count < 8);
        assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(bt_host_decoder(), out + pos, n - pos,
                                                        &h->zi[h->count], h->ops[h->count])));
        pos += h->zi[h->count].length;
        h->count++;
    }
}

static void assert_op_reg(const struct host_seq *h, int k, int op, ZydisRegister r)
{
    assert_int_equal(h->ops[k][op].type, ZYDIS_OPERAND_TYPE_REGISTER);
    assert_int_equal(h->ops[k][op].reg.value, r);
}

static void test_copied(void **state)
{
    (void)state;
    assert_int_equal(bt_reg_form(INSN(0x01, 0xC0)), BT_FORM_COPY);       /* add eax,eax */
    assert_int_equal(bt_reg_form(INSN(0x80, 0xC4, 0x01)), BT_FORM_COPY); /* add ah,1 */
    assert_int_equal(bt_reg_form(INSN(0x88, 0xE0)), BT_FORM_COPY);       /* mov al,ah */
    assert_int_equal(bt_reg_form(INSN(0x0F, 0xB6, 0xC7)), BT_FORM_COPY); /* movzx eax,bh */
    assert_int_equal(bt_reg_form(INSN(0x86, 0xE7)), BT_FORM_COPY);       /* xchg bh,ah */
    assert_int_equal(bt_reg_form(INSN(0xB8, 1, 2, 3, 4)), BT_FORM_COPY); /* mov eax,imm32 */
    assert_int_equal(bt_reg_form(INSN(0xD8, 0xC1)), BT_FORM_COPY);       /* fadd st,st(1) */
    assert_int_equal(bt_reg_form(INSN(0x26, 0x01, 0xC0)), BT_FORM_COPY); /* es: add eax,eax */
}

/* 82 /r ib is invalid in 64-bit mode: re-encoded as the same 80 /r ib
 * operation (or its short AL form), all 64 register encodings and all
 * eight operations. */
static void test_opcode_82(void **state)
{
    (void)state;
    for (unsigned modrm = 0xC0; modrm <= 0xFF; modrm++) {
        const struct bt_insn *i = INSN(0x82, (uint8_t)modrm, 0x7F);
        assert_false(bt_host_same(i));
        assert_int_equal(bt_reg_form(i), BT_FORM_REENCODE);
        uint8_t out[48];
        struct host_seq h;
        host_decode(out, bt_reencode(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, out), &h);
        assert_int_equal(h.count, 1);
        assert_int_equal(h.zi[0].mnemonic, i->zi.mnemonic);
        assert_op_reg(&h, 0, 0, i->ops[0].reg.value);
        assert_int_equal(h.ops[0][1].type, ZYDIS_OPERAND_TYPE_IMMEDIATE);
        assert_int_equal(h.ops[0][1].imm.value.u & 0xFF, 0x7F);
    }
}

/* INC/DEC 0x40-0x4F are REX prefixes in 64-bit mode. */
static void test_inc_dec(void **state)
{
    (void)state;
    for (unsigned op = 0x40; op <= 0x4F; op++) {
        const struct bt_insn *i = INSN((uint8_t)op);
        assert_int_equal(bt_reg_form(i), BT_FORM_REENCODE);
        uint8_t out[48];
        struct host_seq h;
        host_decode(out, bt_reencode(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, out), &h);
        assert_int_equal(h.count, 1);
        assert_int_equal(h.zi[0].mnemonic, op < 0x48 ? ZYDIS_MNEMONIC_INC : ZYDIS_MNEMONIC_DEC);
        ZydisRegister r =
            (op & 7) == 4 ? ZYDIS_REGISTER_R12D : ZydisRegisterEncode(ZYDIS_REGCLASS_GPR32, op & 7);
        assert_op_reg(&h, 0, 0, r);
    }
    const struct bt_insn *i = INSN(0x66, 0x4C); /* dec sp */
    uint8_t out[48];
    struct host_seq h;
    host_decode(out, bt_reencode(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, out), &h);
    assert_int_equal(h.zi[0].mnemonic, ZYDIS_MNEMONIC_DEC);
    assert_op_reg(&h, 0, 0, ZYDIS_REGISTER_R12W);
}

static void test_esp_reencoded(void **state)
{
    (void)state;
    assert_int_equal(bt_reg_form(INSN(0x89, 0xE0)), BT_FORM_REENCODE);       /* mov eax,esp */
    assert_int_equal(bt_reg_form(INSN(0x0F, 0xB6, 0xE0)), BT_FORM_REENCODE); /* movzx esp,al */
    assert_int_equal(bt_reg_form(INSN(0x0F, 0xB6, 0xE7)), BT_FORM_LEGACY);   /* movzx esp,bh */
}

/* movzx/movsx esp|sp, ah..bh: ESP goes through a borrowed legacy register. */
static void test_legacy_form(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[4];
        size_t n;
        ZydisMnemonic mn;
        ZydisRegister src, x; /* high byte; the borrowed register's 32-bit name */
        bool w16;
    } cases[] = {
        { { 0x0F, 0xB6, 0xE7 },
          3,
          ZYDIS_MNEMONIC_MOVZX,
          ZYDIS_REGISTER_BH,
          ZYDIS_REGISTER_ESI,
          false },
        { { 0x0F, 0xBE, 0xE4 },
          3,
          ZYDIS_MNEMONIC_MOVSX,
          ZYDIS_REGISTER_AH,
          ZYDIS_REGISTER_ESI,
          false },
        { { 0x66, 0x0F, 0xB6, 0xE5 },
          4,
          ZYDIS_MNEMONIC_MOVZX,
          ZYDIS_REGISTER_CH,
          ZYDIS_REGISTER_ESI,
          true },
        { { 0x66, 0x0F, 0xBE, 0xE6 },
          4,
          ZYDIS_MNEMONIC_MOVSX,
          ZYDIS_REGISTER_DH,
          ZYDIS_REGISTER_ESI,
          true },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const struct bt_insn *i = insn(cases[k].b, cases[k].n);
        assert_int_equal(bt_reg_form(i), BT_FORM_LEGACY);
        assert_int_equal(
            bt_reencode(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, (uint8_t[48]){ 0 }),
            0); /* r12 with a high byte: impossible */
        uint8_t out[48];
        struct host_seq h;
        host_decode(out, bt_legacy_form(i, out), &h);
        ZydisRegister x64 =
            ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, cases[k].x);
        ZydisRegister xd =
            cases[k].w16 ? ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, ZydisRegisterGetId(cases[k].x))
                         : cases[k].x;
        assert_int_equal(h.count, 5);
        assert_op_reg(&h, 0, 0, ZYDIS_REGISTER_R11); /* mov r11, rsi */
        assert_op_reg(&h, 0, 1, x64);
        assert_op_reg(&h, 1, 0, cases[k].x); /* mov esi, r12d */
        assert_op_reg(&h, 1, 1, ZYDIS_REGISTER_R12D);
        assert_int_equal(h.zi[2].mnemonic, cases[k].mn); /* movzx si|esi, bh */
        assert_op_reg(&h, 2, 0, xd);
        assert_op_reg(&h, 2, 1, cases[k].src);
        assert_op_reg(&h, 3, 0, ZYDIS_REGISTER_R12D); /* mov r12d, esi */
        assert_op_reg(&h, 3, 1, cases[k].x);
        assert_op_reg(&h, 4, 0, x64); /* mov rsi, r11 */
        assert_op_reg(&h, 4, 1, ZYDIS_REGISTER_R11);
    }
}

/* A memory operand with AH..BH: the address goes through a borrowed
 * register the instruction does not name (ESP as the base is in r8). */
static void test_mem_form_high(void **state)
{
    (void)state;
    uint8_t out[48];
    struct host_seq h;
    /* mov [esi+4], ah: ESI is named, so RDI is borrowed */
    host_decode(out, bt_mem_form(INSN(0x88, 0x66, 0x04), out), &h);
    assert_int_equal(h.count, 4);
    assert_op_reg(&h, 0, 1, ZYDIS_REGISTER_RDI);
    assert_int_equal(h.zi[1].mnemonic, ZYDIS_MNEMONIC_LEA);
    assert_int_equal(h.ops[2][0].mem.base, ZYDIS_REGISTER_RDI);
    assert_op_reg(&h, 2, 1, ZYDIS_REGISTER_AH);
    /* xchg [esp], bh */
    host_decode(out, bt_mem_form(INSN(0x86, 0x3C, 0x24), out), &h);
    assert_int_equal(h.count, 4);
    assert_int_equal(h.zi[2].mnemonic, ZYDIS_MNEMONIC_XCHG);
    assert_int_equal(h.ops[2][0].mem.base, ZYDIS_REGISTER_RSI);
    /* without a high byte: one instruction on [r9 + r8] */
    host_decode(out, bt_mem_form(INSN(0x88, 0x44, 0x24, 0x08), out), &h);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.ops[0][0].mem.base, ZYDIS_REGISTER_R9);
    assert_int_equal(h.ops[0][0].mem.index, ZYDIS_REGISTER_R8);
}

/* Every register combination of the byte instructions (ALU, MOV, XCHG,
 * TEST, CMPXCHG, XADD) and of MOVZX/MOVSX (16 and 32 bits): a form exists
 * and encodes; an ESP destination with a high-byte source is LEGACY. */
static void test_all_register_combinations(void **state)
{
    (void)state;
    static const uint8_t one[] = { 0x00, 0x02, 0x08, 0x0A, 0x10, 0x12, 0x18, 0x1A, 0x20, 0x22,
                                   0x28, 0x2A, 0x30, 0x32, 0x38, 0x3A, 0x84, 0x86, 0x88, 0x8A };
    static const uint8_t two[] = { 0xB0, 0xC0, 0xB6, 0xBE, 0xB6, 0xBE };
    uint8_t out[48];
    for (unsigned modrm = 0xC0; modrm <= 0xFF; modrm++) {
        for (size_t k = 0; k < sizeof(one); k++) {
            const struct bt_insn *i = INSN(one[k], (uint8_t)modrm);
            assert_int_equal(bt_reg_form(i), BT_FORM_COPY);
        }
        for (size_t k = 0; k < sizeof(two); k++) {
            bool w16 = k >= 4;
            const struct bt_insn *i =
                w16 ? INSN(0x66, 0x0F, two[k], (uint8_t)modrm) : INSN(0x0F, two[k], (uint8_t)modrm);
            enum bt_form f = bt_reg_form(i);
            bool esp = k >= 2 && ((modrm >> 3) & 7) == 4;
            bool high = (modrm & 7) >= 4;
            if (esp && high)
                assert_int_equal(f, BT_FORM_LEGACY);
            else if (esp)
                assert_int_equal(f, BT_FORM_REENCODE);
            else
                assert_int_equal(f, BT_FORM_COPY);
            size_t n = f == BT_FORM_LEGACY
                           ? bt_legacy_form(i, out)
                           : bt_reencode(i, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, out);
            assert_true(n > 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copied),
        cmocka_unit_test(test_opcode_82),
        cmocka_unit_test(test_inc_dec),
        cmocka_unit_test(test_esp_reencoded),
        cmocka_unit_test(test_legacy_form),
        cmocka_unit_test(test_mem_form_high),
        cmocka_unit_test(test_all_register_combinations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
