/*
 * isa_hibyte.c - the register combinations in which REX rules bite, run
 * from generated tables against the host CPU (isa_run.h).  In 64-bit mode
 * an instruction with a REX prefix cannot name AH, CH, DH or BH (the same
 * encodings mean SPL, BPL, SIL, DIL), and xbt's host code needs REX for
 * ESP (R12) and for rewritten memory addresses (R8/R9): every byte
 * instruction with AH..BH next to ESP, EBP, ESI, EDI or a memory operand is
 * covered, as source and destination:
 *   - MOV, XCHG, TEST, ADD, ADC, SBB, AND, SUB, XOR, CMP, CMPXCHG, XADD on
 *     all 64 register pairs; MOVZX/MOVSX into all 8 (and 16-bit) registers
 *     from all 8 byte registers (ESP and SP from AH..BH);
 *   - the same byte operations with AH..BH on memory through every base
 *     register, flat (skipping a base that holds the byte register: its
 *     value would be an address) and through a segment with a base (all
 *     combinations, small offsets), and with index registers;
 *   - MOVZX/MOVSX into every register from memory through EBX and ESP;
 *   - shifts and rotates (by 1, CL, imm8), SETcc, INC/DEC/NOT/NEG/MUL/IMUL/
 *     DIV/IDIV/TEST imm, and 80/82 imm8 on AH..BH.
 * isa_hibyte_ring3 runs the same tables at CPL 3 in the guest.
 */
#include "isa_run.h"
#include "isa_shift.h"

#define FL_LOGIC (ISA_ARITH & ~ISA_AF)

static const char *const reg8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const reg16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const reg32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

/* A byte operation with a ModRM operand: opcode bytes, name, direction
 * (1: reg <- r/m), flags defined, input flags. */
struct bop {
    uint8_t op[2];
    unsigned nop;
    const char *mn;
    int to_reg;
    uint32_t fmask, fin;
};

static const struct bop bops[] = {
    { { 0x88 }, 1, "mov", 0, 0, 0 },
    { { 0x8A }, 1, "mov", 1, 0, 0 },
    { { 0x86 }, 1, "xchg", 0, 0, 0 },
    { { 0x84 }, 1, "test", 0, FL_LOGIC, 0 },
    { { 0x00 }, 1, "add", 0, ISA_ARITH, 0 },
    { { 0x02 }, 1, "add", 1, ISA_ARITH, 0 },
    { { 0x10 }, 1, "adc", 0, ISA_ARITH, ISA_CF },
    { { 0x1A }, 1, "sbb", 1, ISA_ARITH, ISA_CF },
    { { 0x20 }, 1, "and", 0, FL_LOGIC, 0 },
    { { 0x28 }, 1, "sub", 0, ISA_ARITH, 0 },
    { { 0x32 }, 1, "xor", 1, FL_LOGIC, 0 },
    { { 0x38 }, 1, "cmp", 0, ISA_ARITH, 0 },
    { { 0x0F, 0xB0 }, 2, "cmpxchg", 0, ISA_ARITH, 0 },
    { { 0x0F, 0xC0 }, 2, "xadd", 0, ISA_ARITH, 0 },
};
#define NBOPS ((int)(sizeof bops / sizeof bops[0]))

/* Register values whose bytes all differ, with CMPXCHG finding AL = 0x78
 * equal to DH in one case. */
static void regs_for_bytes(struct run_case *c)
{
    c->reg[RUN_EDX] = 0x0F78CBA9;
}

/* Every byte operation on all 64 register pairs. */
static void byte_reg_pairs(void)
{
    char name[64];

    for (int o = 0; o < NBOPS; o++)
        for (int reg = 0; reg < 8; reg++)
            for (int rm = 0; rm < 8; rm++) {
                const struct bop *b = &bops[o];
                uint8_t code[3] = { b->op[0], b->op[1], 0 };
                code[b->nop] = (uint8_t)(0xC0 | reg << 3 | rm);
                snprintf(name, sizeof name, "%s %s,%s", b->mn, reg8[b->to_reg ? reg : rm],
                         reg8[b->to_reg ? rm : reg]);
                struct run_case c = run_new(name, code, b->nop + 1);
                regs_for_bytes(&c);
                c.fin = b->fin;
                c.fmask = b->fmask;
                run_case(&c);
            }
}

/* MOVZX/MOVSX r32/r16, r8: every destination, ESP and SP included. */
static void extend_reg_pairs(void)
{
    char name[64];

    for (int sx = 0; sx < 2; sx++)
        for (int w16 = 0; w16 < 2; w16++)
            for (int reg = 0; reg < 8; reg++)
                for (int rm = 0; rm < 8; rm++) {
                    uint8_t code[4] = { 0x66, 0x0F, (uint8_t)(sx ? 0xBE : 0xB6),
                                        (uint8_t)(0xC0 | reg << 3 | rm) };
                    snprintf(name, sizeof name, "%s %s,%s", sx ? "movsx" : "movzx",
                             (w16 ? reg16 : reg32)[reg], reg8[rm]);
                    struct run_case c = run_new(name, code + !w16, 3u + (unsigned)w16);
                    regs_for_bytes(&c);
                    c.reg[RUN_ESP] = 0x2468ACE0;   /* data: SP's upper half is printed */
                    c.ptr = 0;
                    run_case(&c);
                }
}

/* [base + 0x10] as ModRM (+ SIB) bytes for register field reg. */
static unsigned modrm_base(uint8_t *p, int reg, int base)
{
    unsigned n = 0;
    p[n++] = (uint8_t)(0x40 | reg << 3 | base);
    if (base == RUN_ESP)
        p[n++] = 0x24;
    p[n++] = 0x10;
    return n;
}

/* AH..BH with a memory operand through every base register: flat (the base
 * points into the data area) and through the based segment (small offsets,
 * every combination). */
static void byte_mem_bases(void)
{
    char name[80];

    for (int seg = 0; seg < 2; seg++)
        for (int o = 0; o < NBOPS; o++)
            for (int reg = 4; reg < 8; reg++)
                for (int base = 0; base < 8; base++) {
                    const struct bop *b = &bops[o];
                    if (!seg && (base & 3) == (reg & 3) && base < 4)
                        continue;   /* the byte register would hold address bits */
                    uint8_t code[8];
                    unsigned n = 0;
                    if (seg)
                        code[n++] = 0x26;
                    memcpy(code + n, b->op, b->nop);
                    n += b->nop;
                    n += modrm_base(code + n, reg, base);
                    const char *m = seg ? "es:[%s+0x10]" : "[%s+0x10]";
                    char mem[24];
                    snprintf(mem, sizeof mem, m, reg32[base]);
                    snprintf(name, sizeof name, "%s %s,%s", b->mn, b->to_reg ? reg8[reg] : mem,
                             b->to_reg ? mem : reg8[reg]);
                    struct run_case c = run_new(name, code, n);
                    regs_for_bytes(&c);
                    if (seg) {
                        c.es = run_sel_b();
                        c.reg[base] = 0x20;
                        c.ptr = 0;          /* ESP = 0x20 with ESP as the base */
                        if (base != RUN_ESP)
                            c.ptr = 1u << RUN_ESP;
                    } else {
                        c.reg[base] = 0x20;
                        c.ptr |= (uint8_t)(1u << base);
                        if (base == RUN_ESP)
                            c.reg[RUN_ESP] = 0x20;
                    }
                    c.fin = b->fin;
                    c.fmask = b->fmask;
                    run_case(&c);
                }
}

/* AH..BH with [ebx + index*2 + 4] and [esp + index], through the based
 * segment. */
static void byte_mem_index(void)
{
    static const int idx[] = { RUN_EAX, RUN_EBP, RUN_ESI, RUN_EDI };
    char name[80];

    for (int reg = 4; reg < 8; reg++)
        for (unsigned i = 0; i < sizeof idx / sizeof idx[0]; i++)
            for (int form = 0; form < 4; form++) {
                int store = form & 1, esp = form >> 1;
                uint8_t code[6] = { 0x26, (uint8_t)(store ? 0x88 : 0x8A),
                                    (uint8_t)((esp ? 0x04 : 0x44) | reg << 3),
                                    (uint8_t)(esp ? (idx[i] << 3 | 4) : (0x40 | idx[i] << 3 | 3)),
                                    0x04 };
                char mem[32];
                snprintf(mem, sizeof mem, esp ? "es:[esp+%s]" : "es:[ebx+%s*2+4]",
                         reg32[idx[i]]);
                snprintf(name, sizeof name, "mov %s,%s", store ? mem : reg8[reg],
                         store ? reg8[reg] : mem);
                struct run_case c = run_new(name, code, esp ? 4 : 5);
                regs_for_bytes(&c);
                c.es = run_sel_b();
                c.reg[idx[i]] = 8;
                c.reg[RUN_EBX] = 0x20;
                if (esp) {
                    c.reg[RUN_ESP] = 0x30;
                    c.ptr = 0;
                }
                run_case(&c);
            }
}

/* MOVZX/MOVSX (byte and word) into every register from [ebx+0x10] and
 * [esp+0x10]; the 16-bit destinations through the based segment (a 16-bit
 * EBX or ESP holding an address would print differently per build). */
static void extend_mem(void)
{
    static const struct {
        uint8_t op[4];
        unsigned nop;
        const char *mn;
        const char *const *regs;
        const char *mem;
    } ops[] = {
        { { 0x0F, 0xB6 }, 2, "movzx", reg32, "byte [%s+0x10]" },
        { { 0x0F, 0xBE }, 2, "movsx", reg32, "byte [%s+0x10]" },
        { { 0x0F, 0xB7 }, 2, "movzx", reg32, "word [%s+0x10]" },
        { { 0x0F, 0xBF }, 2, "movsx", reg32, "word [%s+0x10]" },
        { { 0x66, 0x26, 0x0F, 0xBE }, 4, "movsx", reg16, "byte es:[%s+0x10]" },
    };
    char name[80], mem[32];

    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int reg = 0; reg < 8; reg++)
            for (int base = RUN_EBX; base <= RUN_ESP; base++) {
                uint8_t code[8];
                int seg = ops[o].regs == reg16;
                memcpy(code, ops[o].op, ops[o].nop);
                unsigned n = ops[o].nop + modrm_base(code + ops[o].nop, reg, base);
                snprintf(mem, sizeof mem, ops[o].mem, reg32[base]);
                snprintf(name, sizeof name, "%s %s,%s", ops[o].mn, ops[o].regs[reg], mem);
                struct run_case c = run_new(name, code, n);
                c.reg[RUN_EBX] = 0x20;
                if (seg) {
                    c.es = run_sel_b();
                    c.reg[RUN_ESP] = 0x30;
                    c.ptr = 0;
                } else {
                    c.ptr |= 1u << RUN_EBX;
                }
                run_case(&c);
            }
}

/* Shifts and rotates of AH..BH by 1, by CL (3) and by an immediate (4). */
static void shifts(void)
{
    static const char *const mn[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
    static const int kind[8] = { ROL, ROR, RCL, RCR, SHL, SHR, SHL, SAR };
    char name[64];

    for (int op = 0; op < 8; op++) {
        if (op == 6)
            continue;                   /* /6 is an undocumented alias of /4 */
        for (int reg = 4; reg < 8; reg++)
            for (int form = 0; form < 3; form++) {
                static const uint8_t opc[3] = { 0xD0, 0xD2, 0xC0 };
                static const unsigned cnt[3] = { 1, 3, 4 };
                uint8_t code[3] = { opc[form], (uint8_t)(0xC0 | op << 3 | reg), 4 };
                snprintf(name, sizeof name, "%s %s,%s", mn[op], reg8[reg],
                         form == 0 ? "1" : form == 1 ? "cl (3)" : "4");
                struct run_case c = run_new(name, code, form == 2 ? 3 : 2);
                regs_for_bytes(&c);
                c.reg[RUN_ECX] = 0x9ABCD603;
                c.fin = ISA_CF | ISA_OF;
                c.fmask = shift_mask(kind[op], 8, cnt[form]);
                run_case(&c);
            }
    }
}

/* SETcc of AH..BH (three flag inputs) and of [esp+0x10]. */
static void setcc(void)
{
    static const uint32_t fins[] = { 0, ISA_ZF | ISA_CF, ISA_SF | ISA_PF | ISA_OF };
    static const char *const cc[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                        "s", "ns", "p", "np", "l", "ge", "le", "g" };
    char name[64];

    for (int k = 0; k < 16; k++) {
        for (int reg = 4; reg < 8; reg++)
            for (unsigned f = 0; f < sizeof fins / sizeof fins[0]; f++) {
                snprintf(name, sizeof name, "set%s %s fl=%s", cc[k], reg8[reg],
                         isa_fl(fins[f], ISA_ARITH));
                struct run_case c = RUN_NEW(name, 0x0F, (uint8_t)(0x90 + k), (uint8_t)(0xC0 | reg));
                c.fin = fins[f];
                run_case(&c);
            }
        snprintf(name, sizeof name, "set%s byte [esp+0x10] fl=%s", cc[k],
                 isa_fl(fins[1], ISA_ARITH));
        struct run_case c = RUN_NEW(name, 0x0F, (uint8_t)(0x90 + k), 0x44, 0x24, 0x10);
        c.fin = fins[1];
        run_case(&c);
    }
}

/* Group 3 (F6), INC/DEC (FE) and the immediate group (80, 82) on AH..BH. */
static void unary_imm(void)
{
    static const struct {
        uint8_t op, ext;
        const char *mn;
        uint32_t fmask;
        int imm;
    } ops[] = {
        { 0xF6, 0, "test", FL_LOGIC, 1 }, { 0xF6, 2, "not", 0, 0 },
        { 0xF6, 3, "neg", ISA_ARITH, 0 }, { 0xF6, 4, "mul", ISA_CF | ISA_OF, 0 },
        { 0xF6, 5, "imul", ISA_CF | ISA_OF, 0 }, { 0xF6, 6, "div", 0, 0 },
        { 0xF6, 7, "idiv", 0, 0 }, { 0xFE, 0, "inc", ISA_ARITH, 0 },
        { 0xFE, 1, "dec", ISA_ARITH, 0 },
    };
    static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
    char name[64];

    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int reg = 4; reg < 8; reg++) {
            snprintf(name, sizeof name, "%02x /%d %s %s%s", ops[o].op, ops[o].ext, ops[o].mn,
                     reg8[reg], ops[o].imm ? ",0x5a" : "");
            uint8_t code[3] = { ops[o].op, (uint8_t)(0xC0 | ops[o].ext << 3 | reg), 0x5A };
            struct run_case c = run_new(name, code, ops[o].imm ? 3 : 2);
            regs_for_bytes(&c);
            c.reg[RUN_EAX] = 0x12340A78;   /* DIV/IDIV of AX by AH overflow: #DE */
            c.fin = ISA_CF;
            c.fmask = ops[o].fmask;
            run_case(&c);
        }
    for (int opc = 0; opc < 2; opc++)
        for (int ext = 0; ext < 8; ext++)
            for (int reg = 4; reg < 8; reg++) {
                snprintf(name, sizeof name, "%02x /%d %s %s,0xc3", opc ? 0x82 : 0x80, ext,
                         alu[ext], reg8[reg]);
                struct run_case c = RUN_NEW(name, (uint8_t)(opc ? 0x82 : 0x80),
                                            (uint8_t)(0xC0 | ext << 3 | reg), 0xC3);
                regs_for_bytes(&c);
                c.fin = ISA_CF;
                c.fmask = (ext == 1 || ext == 4 || ext == 6) ? FL_LOGIC : ISA_ARITH;
                run_case(&c);
            }
}

int test_main(void)
{
    run_init();
    byte_reg_pairs();
    extend_reg_pairs();
    byte_mem_bases();
    byte_mem_index();
    extend_mem();
    shifts();
    setcc();
    unary_imm();
    isa_done("isa_hibyte");
    return 0;
}
