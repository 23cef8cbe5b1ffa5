/*
 * isa.h - shared, header-only harness for the IA-32 instruction-set tests
 * (isa_*.c).  Each test is PORTABLE (portable.h): built as a
 * guest kernel and as a native `gcc -m32 -static` program, and its output
 * is compared with the host CPU's byte for byte, so every printed flag must
 * be one the Intel SDM defines for the instruction (mask the others out).
 *
 * Inline asm.  Put the flag set-up, the tested instruction and the flag
 * read-out in ONE asm statement, so the compiler cannot move anything in
 * between:
 *
 *     uint32_t f;
 *     __asm__ volatile(ISA_SETF "addl %[b], %[a]\n\t" ISA_GETF
 *                      : [a] "+r"(a), [fout] "=r"(f)
 *                      : [b] "r"(b), [fin] "ri"(fin)
 *                      : "cc", "memory");
 *
 *   ISA_SETF  replaces the six arithmetic flags (CF PF AF ZF SF OF) with
 *             those in operand [fin] ("r" or "i"; other bits of it are
 *             ignored) and clears TF and DF; the other EFLAGS bits (IF,
 *             ...) are kept.  Needs operand [fin].
 *   ISA_GETF  stores the whole EFLAGS in operand [fout] ("=r").  Must be
 *             the last thing in the asm.
 * Both push onto the stack: memory operands of the same asm must NOT be
 * ESP-relative, so never give such an asm an "m"/"g"/"rm" operand (gcc may
 * pick an ESP-based address at -O2); pass a pointer in a register and
 * address it explicitly ("addl %[b], (%[p])") or use a static symbol.
 *
 * Output.  One line per case, via isa_line() (counts the lines):
 *     add32.rr a=0x7fffffff b=0x00000001 in=ozapsc -> r=0x80000000 fl=OszApc
 * Flags are printed by isa_fl() as the six letters O S Z A P C in that
 * order: upper case = set, lower case = clear, '-' = not defined by the SDM
 * for this instruction (masked out, not compared).  isa_hex(v, bits) gives
 * the "0x%0*x" width for an 8/16/32-bit value.
 *
 * Inputs.  isa_vals8/16/32 hold edge values, isa_rand() is a fixed LCG
 * (same sequence on every run and build).
 *
 * This API is shared with the other isa_* test files: keep it stable.
 */
#ifndef XBT_GUEST_ISA_H
#define XBT_GUEST_ISA_H

#include "portable.h"

/* ---- EFLAGS bits ---- */
#define ISA_CF 0x0001u
#define ISA_PF 0x0004u
#define ISA_AF 0x0010u
#define ISA_ZF 0x0040u
#define ISA_SF 0x0080u
#define ISA_TF 0x0100u
#define ISA_DF 0x0400u
#define ISA_OF 0x0800u
/* The six arithmetic (status) flags. */
#define ISA_ARITH (ISA_CF | ISA_PF | ISA_AF | ISA_ZF | ISA_SF | ISA_OF)
/* Defined-flag masks of common instruction groups. */
#define ISA_M_ALL   ISA_ARITH                 /* ADD ADC SUB SBB CMP NEG ... */
#define ISA_M_LOGIC (ISA_ARITH & ~ISA_AF)     /* AND OR XOR TEST: AF undef. */
#define ISA_M_NONE  0u                        /* e.g. DIV/IDIV: all undef.  */

/* ---- inline asm fragments (see the overview) ---- */
/* [fin] must hold only ARITH bits (use isa_fin()): it is OR-ed into the
 * live EFLAGS image after the arithmetic flags, TF and DF are cleared. */
#define ISA_SETF                                                            \
    "pushfl\n\t"                                                            \
    "andl $0xfffff22a, (%%esp)\n\t"   /* ~(ARITH | TF | DF) */              \
    "orl %[fin], (%%esp)\n\t"                                               \
    "popfl\n\t"
#define ISA_GETF "pushfl\n\tpopl %[fout]\n\t"

/* The [fin] operand value for input flags f: only the arithmetic flags. */
static inline uint32_t isa_fin(uint32_t f) { return f & ISA_ARITH; }

/* Input flags with just CF = c (0 or 1), all others clear. */
static inline uint32_t isa_cf(uint32_t c) { return c ? ISA_CF : 0; }

/* ---- output ---- */
__attribute__((unused)) static unsigned long isa_nlines;      /* lines printed through isa_line() */

__attribute__((format(printf, 1, 2), unused))
static int isa_line(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    isa_nlines++;
    return n;
}

/* Writes "OSZAPC" (upper = set, lower = clear, '-' = masked) into buf[7]
 * and returns buf. */
static inline char *isa_fl_buf(char *buf, uint32_t fl, uint32_t mask)
{
    static const char up[] = "OSZAPC", lo[] = "oszapc";
    static const uint32_t bit[] = { ISA_OF, ISA_SF, ISA_ZF, ISA_AF, ISA_PF,
                                    ISA_CF };
    for (int i = 0; i < 6; i++)
        buf[i] = !(mask & bit[i]) ? '-' : (fl & bit[i]) ? up[i] : lo[i];
    buf[6] = 0;
    return buf;
}
/* Usable directly as a printf argument (buffer lives until the end of the
 * enclosing block). */
#define isa_fl(fl, mask) isa_fl_buf((char[8]){ 0 }, (fl), (mask))

/* Hex digits for an operand of `bits` bits, for "0x%0*x". */
static inline int isa_hex(int bits) { return bits / 4; }

/* Truncates v to `bits` bits. */
static inline uint32_t isa_trunc(uint32_t v, int bits)
{
    return bits >= 32 ? v : v & ((1u << bits) - 1);
}

/* ---- operand placement ----
 * An 8- or 16-bit operand lives in a 32-bit register or memory dword whose
 * other bits hold junk that the instruction must leave alone.  isa_place()
 * builds that dword (high != 0: the operand is bits 8..15, as in AH);
 * isa_extract() returns the operand from the result dword and writes
 * " CLOBBER=0x........" into note[24] if the junk changed ("" if not). */
static inline uint32_t isa_place(uint32_t v, int bits, int high, uint32_t junk)
{
    int sh = high ? 8 : 0;
    uint32_t m = isa_trunc(0xFFFFFFFFu, bits) << sh;

    return (junk & ~m) | ((v << sh) & m);
}

static inline uint32_t isa_extract(uint32_t r, int bits, int high,
                                   uint32_t junk, char *note)
{
    int sh = high ? 8 : 0;
    uint32_t m = isa_trunc(0xFFFFFFFFu, bits) << sh;

    note[0] = 0;
    if ((r & ~m) != (junk & ~m))
        sprintf(note, " CLOBBER=0x%08x", (unsigned)r);
    return (r & m) >> sh;
}

/* ---- inputs ---- */
__attribute__((unused)) static uint32_t isa_lcg_state = 0x2545F491u;

static inline void isa_srand(uint32_t seed) { isa_lcg_state = seed; }

/* Numerical Recipes LCG; returns the high-quality upper bits mixed down. */
static inline uint32_t isa_rand(void)
{
    isa_lcg_state = isa_lcg_state * 1664525u + 1013904223u;
    uint32_t x = isa_lcg_state;
    return x ^ (x >> 16);
}

__attribute__((unused)) static const uint32_t isa_vals8[] = {
    0x00, 0x01, 0x02, 0x0F, 0x10, 0x3F, 0x40, 0x7E, 0x7F, 0x80, 0x81, 0xC3,
    0xFE, 0xFF,
};
__attribute__((unused)) static const uint32_t isa_vals16[] = {
    0x0000, 0x0001, 0x0002, 0x00FF, 0x0100, 0x7FFE, 0x7FFF, 0x8000, 0x8001,
    0xFF00, 0xFFFE, 0xFFFF, 0x1234, 0xA5A5,
};
__attribute__((unused)) static const uint32_t isa_vals32[] = {
    0x00000000, 0x00000001, 0x00000002, 0x0000007F, 0x00000080, 0x000000FF,
    0x00007FFF, 0x00008000, 0x0000FFFF, 0x7FFFFFFE, 0x7FFFFFFF, 0x80000000,
    0x80000001, 0xFFFFFFFE, 0xFFFFFFFF, 0x12345678,
};
#define ISA_NVALS8  ((int)(sizeof isa_vals8 / sizeof isa_vals8[0]))
#define ISA_NVALS16 ((int)(sizeof isa_vals16 / sizeof isa_vals16[0]))
#define ISA_NVALS32 ((int)(sizeof isa_vals32 / sizeof isa_vals32[0]))

/* Edge value i (0 <= i < isa_nvals(bits)) for an operand size. */
static inline uint32_t isa_val(int bits, int i)
{
    return bits == 8 ? isa_vals8[i] : bits == 16 ? isa_vals16[i]
                                                 : isa_vals32[i];
}
static inline int isa_nvals(int bits)
{
    return bits == 8 ? ISA_NVALS8 : bits == 16 ? ISA_NVALS16 : ISA_NVALS32;
}

/* Prints the summary line that ends each isa test:
 *     "NAME: N lines" */
static inline void isa_done(const char *name)
{
    printf("%s: %lu lines\n", name, isa_nlines);
}

#endif
