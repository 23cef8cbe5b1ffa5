/*
 * isa_flow.c - control transfer against the host CPU:
 *   - all 16 Jcc, rel8 and rel32, forward and backward, over all 32
 *     combinations of CF PF ZF SF OF (AF toggled along);
 *   - JMP/CALL through a register and memory: CALL *reg, CALL *[reg],
 *     CALL *[ESP] and *[ESP+4] (address taken before the push), JMP
 *     *[table+EAX*4], JMP *reg, JMP *[reg]; the pushed return address is
 *     printed relative to a mark;
 *   - LOOP LOOPE LOOPNE JECXZ with ECX 0, 1, many (LOOP from 0 wraps; runs
 *     are bounded by the body), ZF from the data, and the 0x67 forms
 *     (CX, JCXZ: ECX's upper half is kept/ignored);
 *   - 16-bit operand size near branches (0x66) in a code segment whose base
 *     is a copy of a code blob (so offsets are small, see isa_sys.h): CALL
 *     rel16, CALL r/m16, RET and RET imm16 (2-byte pops), JMP rel16 and Jcc
 *     rel16 whose target wraps past 0xFFFF (EIP is truncated to 16 bits),
 *     JMP rel8 and JMP r16, a 32-bit CALL whose pushed return address is
 *     the segment offset, and a 16-bit RET after a 32-bit CALL.
 */
#include "isa_sys.h"

/* ---- Jcc ---- */
#define JCC_FNS(cc)                                                         \
    static uint32_t j8f_##cc(uint32_t fin)                                  \
    {                                                                       \
        uint32_t r;                                                         \
        __asm__ volatile(ISA_SETF "j" #cc " 2f\n\t"                        \
                         "movl $0, %[r]\n\t"                                \
                         "jmp 3f\n"                                         \
                         "2:\tmovl $1, %[r]\n"                              \
                         "3:"                                               \
                         : [r] "=r"(r) : [fin] "r"(fin) : "cc");            \
        return r;                                                           \
    }                                                                       \
    static uint32_t j32f_##cc(uint32_t fin)                                 \
    {                                                                       \
        uint32_t r;                                                         \
        __asm__ volatile(ISA_SETF "%{disp32%} j" #cc " 2f\n\t"             \
                         "movl $0, %[r]\n\t"                                \
                         "jmp 3f\n"                                         \
                         "2:\tmovl $1, %[r]\n"                              \
                         "3:"                                               \
                         : [r] "=r"(r) : [fin] "r"(fin) : "cc");            \
        return r;                                                           \
    }                                                                       \
    static uint32_t j8b_##cc(uint32_t fin)                                  \
    {                                                                       \
        uint32_t r;                                                         \
        __asm__ volatile(ISA_SETF "jmp 5f\n"                               \
                         "2:\tmovl $1, %[r]\n\t"                            \
                         "jmp 3f\n"                                         \
                         "5:\tj" #cc " 2b\n\t"                              \
                         "movl $0, %[r]\n"                                  \
                         "3:"                                               \
                         : [r] "=r"(r) : [fin] "r"(fin) : "cc");            \
        return r;                                                           \
    }                                                                       \
    static uint32_t j32b_##cc(uint32_t fin)                                 \
    {                                                                       \
        uint32_t r;                                                         \
        __asm__ volatile(ISA_SETF "jmp 5f\n"                               \
                         "2:\tmovl $1, %[r]\n\t"                            \
                         "jmp 3f\n"                                         \
                         "5:\t%{disp32%} j" #cc " 2b\n\t"                   \
                         "movl $0, %[r]\n"                                  \
                         "3:"                                               \
                         : [r] "=r"(r) : [fin] "r"(fin) : "cc");            \
        return r;                                                           \
    }

JCC_FNS(o) JCC_FNS(no) JCC_FNS(b) JCC_FNS(ae) JCC_FNS(e) JCC_FNS(ne)
JCC_FNS(be) JCC_FNS(a) JCC_FNS(s) JCC_FNS(ns) JCC_FNS(p) JCC_FNS(np)
JCC_FNS(l) JCC_FNS(ge) JCC_FNS(le) JCC_FNS(g)

typedef uint32_t (*jfn)(uint32_t);
#define JROW(cc) { #cc, { j8f_##cc, j32f_##cc, j8b_##cc, j32b_##cc } }
static const struct {
    const char *cc;
    jfn fn[4];
} jcc[16] = {
    JROW(o), JROW(no), JROW(b), JROW(ae), JROW(e), JROW(ne), JROW(be), JROW(a),
    JROW(s), JROW(ns), JROW(p), JROW(np), JROW(l), JROW(ge), JROW(le), JROW(g),
};

static void jcc_tests(void)
{
    static const char *const form[4] = { "rel8 fwd", "rel32 fwd", "rel8 back",
                                          "rel32 back" };
    for (int c = 0; c < 16; c++)
        for (int f = 0; f < 4; f++)
            for (uint32_t i = 0; i < 32; i++) {
                uint32_t fin = ((i & 1) ? ISA_CF : 0) | ((i & 2) ? ISA_PF : 0) |
                               ((i & 4) ? ISA_ZF : 0) | ((i & 8) ? ISA_SF : 0) |
                               ((i & 16) ? ISA_OF : 0) |
                               (__builtin_parity(i) ? ISA_AF : 0);
                isa_line("j%-2s %-10s in=%s -> %s\n", jcc[c].cc, form[f],
                         isa_fl(fin, ISA_ARITH),
                         jcc[c].fn[f](fin) ? "taken" : "not taken");
            }
}

/* ---- indirect JMP/CALL ---- */
uint32_t isa_flow_ptr;            /* read by name from the asm */

static void ind_line(const char *what, uint32_t a, uint32_t d)
{
    char b[16];
    if (a - xbt_mark < 0x100)
        snprintf(b, sizeof b, "M+%02x", a - xbt_mark);
    else
        snprintf(b, sizeof b, "%#x", a);
    isa_line("%s -> a=%s d=%d\n", what, b, (int)d);
}

static void indirect_tests(void)
{
    uint32_t a, d;

    /* a = return address seen by the callee, d = ESP drop at the callee. */
    __asm__ volatile(XBT_MARK
                     "movl $1f, %%eax\n\t"
                     "movl %%esp, %%edx\n\t"
                     "call *%%eax\n\t"
                     "jmp 2f\n"
                     "1:\tmovl (%%esp), %%eax\n\t"
                     "subl %%esp, %%edx\n\t"
                     "ret\n"
                     "2:"
                     : "=a"(a), "=d"(d) : : "cc", "memory");
    ind_line("call *%eax", a, d);

    __asm__ volatile(XBT_MARK
                     "movl $1f, isa_flow_ptr\n\t"
                     "movl $isa_flow_ptr, %%ecx\n\t"
                     "movl %%esp, %%edx\n\t"
                     "call *(%%ecx)\n\t"
                     "jmp 2f\n"
                     "1:\tmovl (%%esp), %%eax\n\t"
                     "subl %%esp, %%edx\n\t"
                     "ret\n"
                     "2:"
                     : "=a"(a), "=d"(d) : : "ecx", "cc", "memory");
    ind_line("call *(%ecx)", a, d);

    __asm__ volatile(XBT_MARK
                     "movl $isa_flow_ptr, %%ecx\n\t"
                     "movl $1f, isa_flow_ptr\n\t"
                     "movl %%esp, %%edx\n\t"
                     "call *isa_flow_ptr\n\t"
                     "jmp 2f\n"
                     "1:\tmovl (%%esp), %%eax\n\t"
                     "subl %%esp, %%edx\n\t"
                     "ret\n"
                     "2:"
                     : "=a"(a), "=d"(d) : : "ecx", "cc", "memory");
    ind_line("call *abs32", a, d);

    /* CALL *[ESP]: the operand is read before the return address is pushed. */
    __asm__ volatile(XBT_MARK
                     "pushl $1f\n\t"
                     "movl %%esp, %%edx\n\t"
                     "call *(%%esp)\n\t"
                     "addl $4, %%esp\n\t"
                     "jmp 2f\n"
                     "1:\tmovl (%%esp), %%eax\n\t"
                     "subl %%esp, %%edx\n\t"
                     "ret\n"
                     "2:"
                     : "=a"(a), "=d"(d) : : "cc", "memory");
    ind_line("call *(%esp)", a, d);

    __asm__ volatile(XBT_MARK
                     "pushl $1f\n\t"
                     "pushl $0\n\t"
                     "movl %%esp, %%edx\n\t"
                     "call *4(%%esp)\n\t"
                     "addl $8, %%esp\n\t"
                     "jmp 2f\n"
                     "1:\tmovl (%%esp), %%eax\n\t"
                     "subl %%esp, %%edx\n\t"
                     "ret\n"
                     "2:"
                     : "=a"(a), "=d"(d) : : "cc", "memory");
    ind_line("call *4(%esp)", a, d);

    /* RET imm16 to the caller, which pushed two arguments. */
    __asm__ volatile(XBT_MARK
                     "movl %%esp, %%edx\n\t"
                     "pushl $1\n\t"
                     "pushl $2\n\t"
                     "call 1f\n\t"
                     "subl %%esp, %%edx\n\t"
                     "jmp 2f\n"
                     "1:\tmovl (%%esp), %%eax\n\t"
                     "ret $8\n"
                     "2:"
                     : "=a"(a), "=d"(d) : : "cc", "memory");
    ind_line("ret $8 (d=esp change)", a, d);

    /* Jump tables. */
    for (uint32_t i = 0; i < 4; i++) {
        __asm__ volatile(".pushsection .rodata\n\t"
                         ".p2align 2\n"
                         "7:\t.long 10f, 11f, 12f, 13f\n\t"
                         ".popsection\n\t"
                         "jmp *7b(,%%eax,4)\n"
                         "10:\tmovl $100, %%edx\n\tjmp 19f\n"
                         "11:\tmovl $101, %%edx\n\tjmp 19f\n"
                         "12:\tmovl $102, %%edx\n\tjmp 19f\n"
                         "13:\tmovl $103, %%edx\n"
                         "19:"
                         : "=d"(d) : "a"(i) : "cc", "memory");
        isa_line("jmp *table(,%%eax,4) eax=%u -> %u\n", i, d);
    }
    for (uint32_t i = 0; i < 2; i++) {
        __asm__ volatile("movl $1f, %%ecx\n\t"
                         "testl %%eax, %%eax\n\t"
                         "jz 3f\n\t"
                         "movl $2f, %%ecx\n"
                         "3:\tjmp *%%ecx\n"
                         "1:\tmovl $200, %%edx\n\tjmp 4f\n"
                         "2:\tmovl $201, %%edx\n"
                         "4:"
                         : "=d"(d) : "a"(i) : "ecx", "cc", "memory");
        isa_line("jmp *%%ecx sel=%u -> %u\n", i, d);
        __asm__ volatile("movl $1f, isa_flow_ptr\n\t"
                         "testl %%eax, %%eax\n\t"
                         "jz 3f\n\t"
                         "movl $2f, isa_flow_ptr\n"
                         "3:\tmovl $isa_flow_ptr, %%ecx\n\t"
                         "jmp *(%%ecx)\n"
                         "1:\tmovl $300, %%edx\n\tjmp 4f\n"
                         "2:\tmovl $301, %%edx\n"
                         "4:"
                         : "=d"(d) : "a"(i) : "ecx", "cc", "memory");
        isa_line("jmp *(%%ecx) sel=%u -> %u\n", i, d);
    }
}

/* ---- LOOP family ---- */
uint8_t isa_flow_zdata[128];       /* read by name from the asm */

static void loop_tests(void)
{
    static const uint32_t ecxs[] = { 0, 1, 2, 5, 9, 10, 11, 0x10000, 0x80000000u };
    uint32_t c, d, f;

    /* LOOP backward; the body stops after 10 rounds (ECX = 0 wraps). */
    for (unsigned i = 0; i < sizeof ecxs / sizeof ecxs[0]; i++) {
        c = ecxs[i];
        __asm__ volatile("xorl %%edx, %%edx\n"
                         "1:\tincl %%edx\n\t"
                         "cmpl $10, %%edx\n\t"
                         "je 2f\n\t"
                         "loop 1b\n"
                         "2:"
                         : "+c"(c), "=d"(d) : : "cc");
        isa_line("loop back ecx=%#x -> ecx=%#x rounds=%u\n", ecxs[i], c, d);
    }
    /* LOOP forward: taken unless ECX becomes 0. */
    for (unsigned i = 0; i < 4; i++) {
        c = ecxs[i];
        __asm__ volatile("loop 1f\n\t"
                         "movl $0, %%edx\n\t"
                         "jmp 2f\n"
                         "1:\tmovl $1, %%edx\n"
                         "2:"
                         : "+c"(c), "=d"(d) : : "cc");
        isa_line("loop fwd ecx=%#x -> ecx=%#x taken=%u\n", ecxs[i], c, d);
    }
    /* LOOPE/LOOPNE: ZF from comparing zdata[i] with 0; zdata switches at p. */
    static const uint32_t lecx[] = { 0, 1, 3, 8, 100 };
    static const uint32_t ps[] = { 0, 2, 5, 50 };
    for (int ne = 0; ne < 2; ne++)
        for (unsigned i = 0; i < sizeof lecx / sizeof lecx[0]; i++)
            for (unsigned j = 0; j < sizeof ps / sizeof ps[0]; j++) {
                for (unsigned k = 0; k < sizeof isa_flow_zdata; k++)
                    isa_flow_zdata[k] = (uint8_t)((k < ps[j]) == !ne ? 0 : k + 1);
                c = lecx[i];
                if (ne)
                    __asm__ volatile("xorl %%edx, %%edx\n"
                                     "1:\tcmpb $0, isa_flow_zdata(%%edx)\n\t"
                                     "leal 1(%%edx), %%edx\n\t"
                                     "loopne 1b\n\t"
                                     "pushfl\n\t"
                                     "popl %2"
                                     : "+c"(c), "=&d"(d), "=r"(f) : : "cc", "memory");
                else
                    __asm__ volatile("xorl %%edx, %%edx\n"
                                     "1:\tcmpb $0, isa_flow_zdata(%%edx)\n\t"
                                     "leal 1(%%edx), %%edx\n\t"
                                     "loope 1b\n\t"
                                     "pushfl\n\t"
                                     "popl %2"
                                     : "+c"(c), "=&d"(d), "=r"(f) : : "cc", "memory");
                isa_line("%s ecx=%#x switch@%u -> ecx=%#x rounds=%u fl=%s\n",
                         ne ? "loopne" : "loope", lecx[i], ps[j], c, d,
                         isa_fl(f, ISA_ARITH));
            }
    /* JECXZ and JCXZ (0x67). */
    static const uint32_t jx[] = { 0, 1, 0x10000, 0xFFFFFFFF, 0xFFFF0000 };
    for (unsigned i = 0; i < sizeof jx / sizeof jx[0]; i++) {
        c = jx[i];
        __asm__ volatile("jecxz 1f\n\t"
                         "movl $0, %%edx\n\t"
                         "jmp 2f\n"
                         "1:\tmovl $1, %%edx\n"
                         "2:"
                         : "+c"(c), "=d"(d) : : "cc");
        isa_line("jecxz ecx=%#x -> taken=%u\n", jx[i], d);
        __asm__ volatile(".byte 0x67\n\t"
                         "jecxz 1f\n\t"
                         "movl $0, %%edx\n\t"
                         "jmp 2f\n"
                         "1:\tmovl $1, %%edx\n"
                         "2:"
                         : "+c"(c), "=d"(d) : : "cc");
        isa_line("jcxz (67 e3) ecx=%#x -> taken=%u\n", jx[i], d);
        __asm__ volatile("jmp 3f\n"
                         "1:\tmovl $1, %%edx\n\t"
                         "jmp 2f\n"
                         "3:\tjecxz 1b\n\t"
                         "movl $0, %%edx\n"
                         "2:"
                         : "+c"(c), "=d"(d) : : "cc");
        isa_line("jecxz back ecx=%#x -> taken=%u\n", jx[i], d);
    }
    /* LOOP with 16-bit address size: CX counts, ECX[31:16] kept. */
    static const uint32_t a16[] = { 1, 3, 0x00010003, 0x00050000, 0xFFFF0001, 0x12340002 };
    for (unsigned i = 0; i < sizeof a16 / sizeof a16[0]; i++) {
        c = a16[i];
        __asm__ volatile("xorl %%edx, %%edx\n"
                         "1:\tincl %%edx\n\t"
                         "cmpl $10, %%edx\n\t"
                         "je 2f\n\t"
                         ".byte 0x67\n\t"
                         "loop 1b\n"
                         "2:"
                         : "+c"(c), "=d"(d) : : "cc");
        isa_line("loop (67 e2) ecx=%#x -> ecx=%#x rounds=%u\n", a16[i], c, d);
    }
    for (int ne = 0; ne < 2; ne++)
        for (unsigned i = 0; i < 3; i++) {
            for (unsigned k = 0; k < sizeof isa_flow_zdata; k++)
                isa_flow_zdata[k] = (uint8_t)((k < 4) == !ne ? 0 : k + 1);
            c = 0xABCD0000u + (i == 0 ? 0 : i == 1 ? 2 : 9);
            if (ne)
                __asm__ volatile("xorl %%edx, %%edx\n"
                                 "1:\tcmpb $0, isa_flow_zdata(%%edx)\n\t"
                                 "leal 1(%%edx), %%edx\n\t"
                                 ".byte 0x67\n\t"
                                 "loopne 1b"
                                 : "+c"(c), "=&d"(d) : : "cc", "memory");
            else
                __asm__ volatile("xorl %%edx, %%edx\n"
                                 "1:\tcmpb $0, isa_flow_zdata(%%edx)\n\t"
                                 "leal 1(%%edx), %%edx\n\t"
                                 ".byte 0x67\n\t"
                                 "loope 1b"
                                 : "+c"(c), "=&d"(d) : : "cc", "memory");
            isa_line("%s (67) ecx=%#x switch@4 -> ecx=%#x rounds=%u\n",
                     ne ? "loopne" : "loope", 0xABCD0000u + (i == 0 ? 0 : i == 1 ? 2 : 9),
                     c, d);
        }
}

/* ---- 16-bit near branches in a based code segment ----
 * The blob is copied to executable memory; its offsets are small, so the
 * 16-bit truncation of EIP is harmless (and observable).  Entry: far JMP to
 * an entry offset with EBX = &isa_flow_back (far pointer back), ECX/EDX
 * zero; results in EAX ECX EDX. */
__asm__(".pushsection .text.isa_flow_blob, \"ax\"\n"
        ".globl isa_flow_blob, isa_flow_blob_end\n"
        ".p2align 4\n"
        "isa_flow_blob:\n"
        ".org isa_flow_blob + 0x40\n"         /* target of wrapped JMP rel16 */
        "  movl $0x40, %edx\n"
        "  ljmp *(%ebx)\n"
        ".org isa_flow_blob + 0x50\n"         /* target of wrapped JZ rel16 */
        "  movl $0x50, %edx\n"
        "  ljmp *(%ebx)\n"
        /* E1: CALL rel16 / RET (66 E8, 66 C3) */
        ".org isa_flow_blob + 0x100\n"
        "  movl %esp, %ecx\n"
        "  .byte 0x66, 0xe8\n  .word 2f - 1f\n1:\n"
        "  subl %esp, %ecx\n"
        "  ljmp *(%ebx)\n"
        "2:movzwl (%esp), %eax\n"
        "  movl %ecx, %edx\n"
        "  subl %esp, %edx\n"
        "  .byte 0x66, 0xc3\n"
        /* E2: three word pushes, CALL rel16, RET imm16 6 */
        ".org isa_flow_blob + 0x200\n"
        "  movl %esp, %ecx\n"
        "  .byte 0x66, 0x6a, 0x01, 0x66, 0x6a, 0x02, 0x66, 0x6a, 0x03\n"
        "  .byte 0x66, 0xe8\n  .word 2f - 1f\n1:\n"
        "  subl %esp, %ecx\n"
        "  ljmp *(%ebx)\n"
        "2:movzwl (%esp), %eax\n"
        "  movzwl 2(%esp), %edx\n"
        "  .byte 0x66, 0xc2, 0x06, 0x00\n"
        /* E3: CALL r16 (66 FF D0) with junk in EAX[31:16] */
        ".org isa_flow_blob + 0x300\n"
        "  movl %esp, %ecx\n"
        "  movl $0xabcd0380, %eax\n"
        "  .byte 0x66, 0xff, 0xd0\n"
        "  subl %esp, %ecx\n"
        "  ljmp *(%ebx)\n"
        ".org isa_flow_blob + 0x380\n"
        "  movzwl (%esp), %edx\n"
        "  .byte 0x66, 0xc3\n"
        /* E4: CALL m16 (66 FF 16: call *(%esi)) */
        ".org isa_flow_blob + 0x400\n"
        "  movl %esp, %ecx\n"
        "  .byte 0x66, 0xff, 0x16\n"
        "  subl %esp, %ecx\n"
        "  ljmp *(%ebx)\n"
        ".org isa_flow_blob + 0x480\n"
        "  movzwl (%esp), %edx\n"
        "  .byte 0x66, 0xc3\n"
        /* E5: JMP rel16 to 0x10040, truncated to 0x0040 */
        ".org isa_flow_blob + 0x500\n"
        "  .byte 0x66, 0xe9\n  .word (0x10040 - 0x504) & 0xffff\n"
        "  movl $0x504, %edx\n"
        "  ljmp *(%ebx)\n"
        /* E6: JMP rel8 with 16-bit operand size (66 EB) */
        ".org isa_flow_blob + 0x600\n"
        "  .byte 0x66, 0xeb, 0x05\n"
        "  movl $1, %edx\n"
        "  orl $0x10, %edx\n"
        "  ljmp *(%ebx)\n"
        /* E7: JZ rel16 to 0x10050 (taken, truncated) */
        ".org isa_flow_blob + 0x700\n"
        "  xorl %eax, %eax\n"
        "  .byte 0x66, 0x0f, 0x84\n  .word (0x10050 - 0x707) & 0xffff\n"
        "  movl $0x707, %edx\n"
        "  ljmp *(%ebx)\n"
        /* E8: JZ rel16 not taken */
        ".org isa_flow_blob + 0x780\n"
        "  orl $1, %eax\n"
        "  .byte 0x66, 0x0f, 0x84\n  .word (0x10050 - 0x788) & 0xffff\n"
        "  movl $0x788, %edx\n"
        "  ljmp *(%ebx)\n"
        /* E9: RET (66 C3) of a pushed dword: IP = low half, ESP += 2 */
        ".org isa_flow_blob + 0x900\n"
        "  movl %esp, %ecx\n"
        "  pushl $0x12340940\n"
        "  .byte 0x66, 0xc3\n"
        ".org isa_flow_blob + 0x940\n"
        "  subl %esp, %ecx\n"
        "  movl $0x940, %edx\n"
        "  addl $2, %esp\n"
        "  ljmp *(%ebx)\n"
        /* E10: 32-bit CALL pushes the segment offset */
        ".org isa_flow_blob + 0xa00\n"
        "  call 1f\n"
        "1:popl %eax\n"
        "  ljmp *(%ebx)\n"
        /* E11: 32-bit CALL *reg to an offset; the callee reads its return */
        ".org isa_flow_blob + 0xb00\n"
        "  movl $0xb80, %eax\n"
        "  call *%eax\n"
        "  ljmp *(%ebx)\n"
        ".org isa_flow_blob + 0xb80\n"
        "  movl (%esp), %edx\n"
        "  ret\n"
        /* E12: JMP r16 (66 FF E0) */
        ".org isa_flow_blob + 0xc00\n"
        "  movl $0xffff0c40, %eax\n"
        "  .byte 0x66, 0xff, 0xe0\n"
        "  movl $0xc00, %edx\n"
        "  ljmp *(%ebx)\n"
        ".org isa_flow_blob + 0xc40\n"
        "  movl $0xc40, %edx\n"
        "  ljmp *(%ebx)\n"
        /* E13: 32-bit CALL, 16-bit RET: back at the same place, ESP 2 low */
        ".org isa_flow_blob + 0xd00\n"
        "  movl %esp, %ecx\n"
        "  call 2f\n"
        "  subl %esp, %ecx\n"
        "  addl $2, %esp\n"
        "  ljmp *(%ebx)\n"
        "2:movl (%esp), %edx\n"
        "  .byte 0x66, 0xc3\n"
        "isa_flow_blob_end:\n"
        ".popsection\n");

extern const uint8_t isa_flow_blob[], isa_flow_blob_end[];

struct farptr {
    uint32_t off;
    uint16_t sel;
} __attribute__((packed));

/* Read and written by name from the asm. */
struct farptr isa_flow_ent, isa_flow_back;
static uint16_t isa_flow_w = 0x0480;

struct blob_regs {
    uint32_t eax, ecx, edx;
};

static void blob_call(void *p)
{
    struct blob_regs *r = p;
    uint32_t a = 0, c = 0, d = 0;

    __asm__ volatile("movl $1f, isa_flow_back\n\t"
                     "movl $isa_flow_back, %%ebx\n\t"
                     "ljmp *isa_flow_ent\n"
                     "1:"
                     : "+a"(a), "+c"(c), "+d"(d)
                     : "S"(&isa_flow_w)
                     : "ebx", "cc", "memory");
    r->eax = a;
    r->ecx = c;
    r->edx = d;
}

static void seg16_tests(void)
{
    static const struct {
        uint32_t off;
        const char *what;
    } ents[] = {
        { 0x500, "jmp rel16 (66 e9) wrapping" },
        { 0x600, "jmp rel8 (66 eb)" },
        { 0x700, "jz rel16 (66 0f 84) taken, wrapping" },
        { 0x780, "jz rel16 not taken" },
        { 0x900, "ret (66 c3) of a dword" },
        { 0xA00, "call rel32: pushed offset" },
        { 0xB00, "call *reg32: pushed offset" },
        { 0xC00, "jmp r16 (66 ff e0)" },
        { 0xD00, "call rel32 / ret (66 c3)" },
        { 0x100, "call rel16 (66 e8) / ret (66 c3)" },
        { 0x200, "call rel16 / ret imm16 6 (66 c2)" },
        { 0x300, "call r16 (66 ff d0)" },
        { 0x400, "call m16 (66 ff 16)" },
    };
    uint8_t *buf = sys_exec_buf();
    size_t n = (size_t)(isa_flow_blob_end - isa_flow_blob);
    uint16_t sel;

    if (!buf || n > SYS_EXEC_SIZE) {
        printf("no executable memory: 16-bit branch tests skipped\n");
        return;
    }
    memcpy(buf, isa_flow_blob, n);
    sel = sys_seg(1, buf, 0xFFFF, 1);
    if (!sel) {
        printf("cannot create a based code segment: 16-bit branch tests skipped\n");
        return;
    }
    isa_flow_back.sel = sys_cs();
    isa_flow_ent.sel = sel;
    for (unsigned i = 0; i < sizeof ents / sizeof ents[0]; i++) {
        struct blob_regs r = { 0, 0, 0 };
        struct xbt_fault f;

        isa_flow_ent.off = ents[i].off;
        if (xbt_catch(blob_call, &r, &f) >= 0) {
            if (f.eip < 0x10000)
                isa_line("seg16 %-36s -> %s at offset %#x\n", ents[i].what,
                         xbt_vector_name(f.vector), f.eip);
            else
                isa_line("seg16 %-36s -> %s in flat code\n", ents[i].what,
                         xbt_vector_name(f.vector));
            continue;
        }
        isa_line("seg16 %-36s -> eax=%#x ecx=%d edx=%#x\n", ents[i].what,
                 r.eax, (int)r.ecx, r.edx);
    }
}

int test_main(void)
{
    jcc_tests();
    indirect_tests();
    loop_tests();
    seg16_tests();
    isa_done("isa_flow");
    return 0;
}
