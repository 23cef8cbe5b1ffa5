/*
 * test_emit.c - the emitter: Zydis-encoded instructions decode back to what
 * was asked, the fixed forms written as bytes decode to the instruction
 * each names, patchable rel32 jumps land where e_fix32 says, overflow is
 * detected, and the flag save/restore sequences really preserve all six
 * arithmetic flags and EAX (executed on the host).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "bt/emit.h"

static ZydisDecoder g_dec64;

static void dec64(const uint8_t *p, size_t n, ZydisDecodedInstruction *zi, ZydisDecodedOperand *ops)
{
    assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&g_dec64, p, n, zi, ops)));
}

static void test_insn_roundtrip(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct emit e;
    e_init(&e, buf, sizeof(buf));
    size_t n = e_insn(&e, ZYDIS_MNEMONIC_CMP, 2, o_reg(ZYDIS_REGISTER_R10D),
                      o_mem(ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R9, 1, 4, 4));
    assert_true(n > 0);
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    dec64(buf, n, &zi, ops);
    assert_int_equal(zi.mnemonic, ZYDIS_MNEMONIC_CMP);
    assert_int_equal(ops[0].reg.value, ZYDIS_REGISTER_R10D);
    assert_int_equal(ops[1].mem.base, ZYDIS_REGISTER_R14);
    assert_int_equal(ops[1].mem.index, ZYDIS_REGISTER_R9);
    assert_int_equal(ops[1].mem.disp.value, 4);
    assert_false(e.encode_error);
}

/* The next instruction at *pos decodes as mn with operand 0 and 1 as
 * given (a register, or [r15 + disp] of size bits) and immediate imm. */
static void expect_fixed(const uint8_t *buf, size_t *pos, size_t end, ZydisMnemonic mn,
                         ZydisRegister reg, int64_t disp, unsigned size, int64_t imm)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    dec64(buf + *pos, end - *pos, &zi, ops);
    *pos += zi.length;
    assert_int_equal(zi.mnemonic, mn);
    if (reg != ZYDIS_REGISTER_NONE) {
        assert_int_equal(ops[0].type, ZYDIS_OPERAND_TYPE_REGISTER);
        assert_int_equal(ops[0].reg.value, reg);
    } else {
        assert_int_equal(ops[0].type, ZYDIS_OPERAND_TYPE_MEMORY);
        assert_int_equal(ops[0].mem.base, ZYDIS_REGISTER_R15);
        assert_int_equal(ops[0].mem.index, ZYDIS_REGISTER_NONE);
        assert_int_equal(ops[0].mem.disp.value, disp);
        assert_int_equal(ops[0].size, size);
    }
    if (ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        assert_int_equal(ops[1].imm.value.s, imm);
    else
        assert_int_equal(ops[1].reg.value, ZYDIS_REGISTER_R11);
}

static void test_fixed_forms(void **state)
{
    (void)state;
    static const ZydisRegister regs[] = { ZYDIS_REGISTER_EAX,  ZYDIS_REGISTER_EDI,
                                          ZYDIS_REGISTER_R8D,  ZYDIS_REGISTER_R9D,
                                          ZYDIS_REGISTER_R10D, ZYDIS_REGISTER_R15D };
    uint8_t buf[256];
    struct emit e;
    e_init(&e, buf, sizeof(buf));
    for (size_t k = 0; k < sizeof(regs) / sizeof(regs[0]); k++)
        e_mov_r32_imm(&e, regs[k], 0x80000000u + (uint32_t)k);
    e_mov_vcpu_imm(&e, 0x20, false, 0xC0001234u);
    e_mov_vcpu_imm(&e, 0x30, true, 0xFFFFFFFFu);
    e_mov_vcpu_imm(&e, 0x30, true, 7);
    e_mov_r11_imm64(&e, 0x123456789ABCDEF0ull);
    e_mov_vcpu_r11(&e, 0x30);
    assert_false(e.overflow);
    size_t pos = 0;
    for (size_t k = 0; k < sizeof(regs) / sizeof(regs[0]); k++)
        expect_fixed(buf, &pos, e.pos, ZYDIS_MNEMONIC_MOV, regs[k], 0, 0,
                     (int32_t)(0x80000000u + (uint32_t)k)); /* Zydis sign-extends */
    expect_fixed(buf, &pos, e.pos, ZYDIS_MNEMONIC_MOV, ZYDIS_REGISTER_NONE, 0x20, 32,
                 (int32_t)0xC0001234u);
    expect_fixed(buf, &pos, e.pos, ZYDIS_MNEMONIC_MOV, ZYDIS_REGISTER_NONE, 0x30, 64, -1);
    expect_fixed(buf, &pos, e.pos, ZYDIS_MNEMONIC_MOV, ZYDIS_REGISTER_NONE, 0x30, 64, 7);
    expect_fixed(buf, &pos, e.pos, ZYDIS_MNEMONIC_MOV, ZYDIS_REGISTER_R11, 0, 0,
                 (int64_t)0x123456789ABCDEF0ull);
    expect_fixed(buf, &pos, e.pos, ZYDIS_MNEMONIC_MOV, ZYDIS_REGISTER_NONE, 0x30, 64, 0);
    assert_int_equal(pos, e.pos);
}

static void test_encode_error_flagged(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct emit e;
    e_init(&e, buf, sizeof(buf));
    /* AH cannot be encoded with a REX prefix (needed for R9) */
    e_insn(&e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_AH), o_reg(ZYDIS_REGISTER_R9B));
    assert_true(e.encode_error);
    assert_int_equal(e.pos, 0);
}

static void test_jumps_and_fixups(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct emit e;
    e_init(&e, buf, sizeof(buf));
    size_t j = e_jmp32(&e);
    size_t c = e_jcc32(&e, 0x5);
    assert_int_equal(j, 1);
    assert_int_equal(buf[0], 0xE9);
    assert_int_equal(buf[5], 0x0F);
    assert_int_equal(buf[6], 0x85);
    e_fix32(&e, j, 40);
    e_fix32(&e, c, 0);
    int32_t r1, r2;
    memcpy(&r1, buf + j, 4);
    memcpy(&r2, buf + c, 4);
    assert_int_equal(r1, 40 - 5);
    assert_int_equal(r2, 0 - 11);
}

static void test_overflow(void **state)
{
    (void)state;
    uint8_t buf[8];
    struct emit e;
    e_init(&e, buf, sizeof(buf));
    e_jmp32(&e);
    assert_false(e.overflow);
    e_jmp32(&e);
    assert_true(e.overflow);
}

/* Builds: push r13; push rdi; popfq; mov rax, 0x1234; <save>; xor ecx,ecx;
 * sub ecx,1 (clobber all six flags); <restore>; pushfq; pop rdx; mov [rsi], rdx;
 * mov [rsi+8], rax; pop r13; ret  -- called as f(flags_in, out[2]). */
static void test_flags_roundtrip_executed(void **state)
{
    (void)state;
    uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(code != MAP_FAILED);
    struct emit e;
    e_init(&e, code, 4096);
    static const uint8_t pro[] = { 0x41, 0x55, 0x57, 0x9D }; /* push r13; push rdi; popfq */
    e_bytes(&e, pro, sizeof(pro));
    e_insn(&e, ZYDIS_MNEMONIC_MOV, 2, o_reg(ZYDIS_REGISTER_EAX), o_imm(0x1234));
    e_flags_save(&e);
    e_insn(&e, ZYDIS_MNEMONIC_XOR, 2, o_reg(ZYDIS_REGISTER_ECX), o_reg(ZYDIS_REGISTER_ECX));
    e_insn(&e, ZYDIS_MNEMONIC_SUB, 2, o_reg(ZYDIS_REGISTER_ECX), o_imm(1));
    e_flags_restore(&e);
    /* restoring twice from the same saved image must give the same flags
     * (a slow path and its fast path both restore) */
    e_insn(&e, ZYDIS_MNEMONIC_XOR, 2, o_reg(ZYDIS_REGISTER_ECX), o_reg(ZYDIS_REGISTER_ECX));
    e_flags_restore(&e);
    static const uint8_t epi[] = { 0x9C, 0x5A,             /* pushfq; pop rdx */
                                   0x48, 0x89, 0x16,       /* mov [rsi], rdx */
                                   0x48, 0x89, 0x46, 0x08, /* mov [rsi+8], rax */
                                   0x41, 0x5D, 0xC3 };     /* pop r13; ret */
    e_bytes(&e, epi, sizeof(epi));
    assert_false(e.overflow || e.encode_error);
    assert_int_equal(mprotect(code, 4096, PROT_READ | PROT_EXEC), 0);
    void (*fn)(uint64_t, uint64_t *) = (void (*)(uint64_t, uint64_t *))(void *)code;
    static const uint32_t bits[6] = { 0x1, 0x4, 0x10, 0x40, 0x80, 0x800 };
    for (unsigned combo = 0; combo < 64; combo++) {
        uint64_t in = 0x2, out[2] = { 0, 0 };
        for (int b = 0; b < 6; b++)
            if (combo & (1u << b))
                in |= bits[b];
        fn(in, out);
        assert_int_equal(out[0] & 0x8D5, in & 0x8D5);
        assert_int_equal(out[1], 0x1234);
    }
    munmap(code, 4096);
}

int main(void)
{
    ZydisDecoderInit(&g_dec64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insn_roundtrip),
        cmocka_unit_test(test_fixed_forms),
        cmocka_unit_test(test_encode_error_flagged),
        cmocka_unit_test(test_jumps_and_fixups),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_flags_roundtrip_executed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
