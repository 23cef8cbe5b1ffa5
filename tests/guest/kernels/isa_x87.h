/*
 * isa_x87.h - shared, header-only harness of the x87 instruction tests
 * (isa_x87*.c), on top of isa.h (line counting, EFLAGS
 * helpers).  Every test is PORTABLE: the same inline asm runs natively on
 * the host CPU's x87 and as a guest under xbt/QEMU, and the outputs are
 * compared byte for byte.  Floating values are printed as raw bit patterns
 * (the guest printf has no %f): 80-bit values as "SEXP:SIGNIFICAND"
 * (F80_FMT/F80_ARG), 64-bit as 16 hex digits, 32-bit as 8.
 *
 * Kernels.  X87_KERNEL(name, insn, stores) defines
 *     static void name(struct x87_io *io);
 * which runs, in ONE asm statement:
 *     fninit; fldcw io->cw; fld io->b; fld io->a; INSN; fnstsw io->sw;
 *     STORES; fninit
 * so INSN sees ST0 = a, ST1 = b (TOP = 6) and the memory operand %[m]
 * (io->mem, 10 bytes; use a size suffix: fadds/faddl/fiadds/fiaddl/fldt...).
 * STORES pops results into io->r[]: X87_ST0 stores ST0 into r[0],
 * X87_ST01 also ST1 into r[1], X87_ST012 also ST2 into r[2], X87_ST_NONE
 * nothing.  The final FNINIT leaves the x87 as gcc expects it (empty stack,
 * default control word).  Register forms are written as raw bytes
 * (".byte 0xdc, 0xe8+1"): GNU as swaps FSUB/FSUBR and FDIV/FDIVR in the
 * AT&T "st, st(i)" destination forms, raw bytes say exactly what runs.
 *
 * Control words.  X87_CW(pc, rc): all exceptions masked, precision control
 * PC (X87_PC24/53/64) and rounding control RC (X87_RC_NEAR/DOWN/UP/ZERO).
 *
 * Values.  x87_vals[] are 80-bit edge values (zeros, ones, 1/3, pi,
 * ties for 24/53-bit rounding, max/min normals, denormals, infinities,
 * QNaNs, SNaNs); x87_f32[] / x87_f64[] are memory-format edge values,
 * x87_i16[] / x87_i32[] integer operands.
 */
#ifndef XBT_GUEST_ISA_X87_H
#define XBT_GUEST_ISA_X87_H

#include "isa.h"

/* An 80-bit extended real as stored in memory (10 bytes). */
typedef struct __attribute__((packed)) {
    uint64_t m;                   /* significand, bit 63 = explicit integer bit */
    uint16_t se;                  /* sign (bit 15) and biased exponent */
} f80;

#define F80_FMT "%04x:%016llx"
#define F80_ARG(v) (unsigned)(v).se, (unsigned long long)(v).m
#define F80(se_, m_) { .m = (m_), .se = (se_) }

/* ---- control and status words ---- */
#define X87_PC24 0
#define X87_PC53 2
#define X87_PC64 3
#define X87_RC_NEAR 0
#define X87_RC_DOWN 1
#define X87_RC_UP 2
#define X87_RC_ZERO 3
#define X87_CW(pc, rc) ((uint16_t)(0x007F | ((pc) << 8) | ((rc) << 10)))
#define X87_CW_DEFAULT 0x037F

/* Status word bits. */
#define X87_IE 0x0001
#define X87_DE 0x0002
#define X87_ZE 0x0004
#define X87_OE 0x0008
#define X87_UE 0x0010
#define X87_PE 0x0020
#define X87_SF 0x0040
#define X87_ES 0x0080
#define X87_C0 0x0100
#define X87_C1 0x0200
#define X87_C2 0x0400
#define X87_C3 0x4000

/* Printing status words.  The SDM leaves C0, C2 and C3 undefined after
 * arithmetic (FADD ... FSQRT, loads, stores): X87_SW_RND() masks them and
 * keeps C1, the round-up indicator there.  QEMU (TCG, checked with 7.2)
 * implements less of the status word than the hardware: it never sets C1
 * as the round-up indicator, sets DE only for some denormal operands and
 * does not model stack faults.  A test compiled with X87_QEMU_COMPAT (the
 * *_qemu.c wrappers, compared with QEMU) also masks C1 and DE; without it
 * (the main tests, registered QEMU SKIP) they are printed and compared
 * with the host CPU.
 *   X87_SW_RND(sw): after an arithmetic/rounding instruction;
 *   X87_SW_DE(sw): after any other instruction (only DE masked for QEMU);
 *   X87_SW_C1(sw): keeps C0 C2 C3, masks C1 and DE for QEMU (a status word
 *                  saved with the environment after arithmetic). */
#define X87_SW_UNDEF_ARITH (X87_C0 | X87_C2 | X87_C3)
#ifdef X87_QEMU_COMPAT
#define X87_SW_RND(sw) ((unsigned)(sw) & ~(unsigned)(X87_SW_UNDEF_ARITH | X87_C1 | X87_DE))
#define X87_SW_DE(sw) ((unsigned)(sw) & ~(unsigned)X87_DE)
#define X87_SW_C1(sw) ((unsigned)(sw) & ~(unsigned)(X87_C1 | X87_DE))
#else
#define X87_SW_RND(sw) ((unsigned)(sw) & ~(unsigned)X87_SW_UNDEF_ARITH)
#define X87_SW_DE(sw) ((unsigned)(sw))
#define X87_SW_C1(sw) ((unsigned)(sw))
#endif
/* X87_QEMU_SKIP(cond): true when compiled for QEMU and cond holds - the
 * case hits a QEMU deviation from the hardware and is left out of the
 * *_qemu variant (it stays in the main test). */
#ifdef X87_QEMU_COMPAT
#define X87_TEST_NAME(n) n "_qemu"
#define X87_QEMU_SKIP(cond) (cond)
#else
#define X87_TEST_NAME(n) n
#define X87_QEMU_SKIP(cond) ((void)(cond), 0)
#endif

/* Clobbers of an asm that uses the whole register stack. */
#define X87_CLOBBERS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", \
                     "st(6)", "st(7)"

__attribute__((unused)) static const char *const x87_pc_name[4] = {
    "pc24", "pc??", "pc53", "pc64" };
__attribute__((unused)) static const char *const x87_rc_name[4] = {
    "near", "down", "up", "zero" };

/* ---- kernels ---- */
struct x87_io {
    f80 a, b;                     /* in: ST0 = a, ST1 = b */
    unsigned char mem[10];        /* in: the memory operand %[m] */
    uint16_t cw;                  /* in: control word */
    f80 r[3];                     /* out: results popped by STORES */
    uint16_t sw;                  /* out: status word right after INSN */
};

#define X87_ST_NONE ""
#define X87_ST0 "fstpt %[r0]\n\t"
#define X87_ST01 "fstpt %[r0]\n\tfstpt %[r1]\n\t"
#define X87_ST012 "fstpt %[r0]\n\tfstpt %[r1]\n\tfstpt %[r2]\n\t"

#define X87_KERNEL(name, insn, stores)                                      \
    static void name(struct x87_io *io)                                     \
    {                                                                       \
        __asm__ volatile("fninit\n\t"                                       \
                         "fldcw %[cw]\n\t"                                  \
                         "fldt %[b]\n\t"                                    \
                         "fldt %[a]\n\t"                                    \
                         insn "\n\t"                                        \
                         "fnstsw %[sw]\n\t"                                 \
                         stores                                             \
                         "fninit"                                           \
                         : [sw] "=m"(io->sw), [r0] "=m"(io->r[0]),          \
                           [r1] "=m"(io->r[1]), [r2] "=m"(io->r[2])         \
                         : [a] "m"(io->a), [b] "m"(io->b),                  \
                           [m] "m"(io->mem), [cw] "m"(io->cw)               \
                         : "memory", X87_CLOBBERS);                         \
    }

typedef void (*x87_kernel)(struct x87_io *io);

/* ---- values ---- */
__attribute__((unused)) static const f80 x87_vals[] = {
    F80(0x0000, 0x0000000000000000ull),   /*  0 +0 */
    F80(0x8000, 0x0000000000000000ull),   /*  1 -0 */
    F80(0x3fff, 0x8000000000000000ull),   /*  2 +1 */
    F80(0xbfff, 0x8000000000000000ull),   /*  3 -1 */
    F80(0x3fff, 0xc000000000000000ull),   /*  4 1.5 */
    F80(0x4000, 0xc000000000000000ull),   /*  5 3 */
    F80(0xc000, 0xc000000000000000ull),   /*  6 -3 */
    F80(0x3ffd, 0xaaaaaaaaaaaaaaabull),   /*  7 1/3 */
    F80(0x4000, 0xc90fdaa22168c235ull),   /*  8 pi */
    F80(0x4002, 0xa000000000000000ull),   /*  9 10 */
    F80(0x3ffb, 0xcccccccccccccccdull),   /* 10 0.1 */
    F80(0x403e, 0x8000000000000000ull),   /* 11 2^63 */
    F80(0x3fff, 0x8000000000000001ull),   /* 12 1 + ulp */
    F80(0x3fff, 0xffffffffffffffffull),   /* 13 2 - ulp */
    F80(0x3fff, 0x8000008000000000ull),   /* 14 1 + 2^-24: a 24-bit tie */
    F80(0xbfff, 0x8000018000000000ull),   /* 15 -(1 + 3*2^-24): tie to odd */
    F80(0x3fff, 0x8000000000000400ull),   /* 16 1 + 2^-53: a 53-bit tie */
    F80(0x7ffe, 0xffffffffffffffffull),   /* 17 max normal */
    F80(0xfffe, 0xffffffffffffffffull),   /* 18 -max normal */
    F80(0x0001, 0x8000000000000000ull),   /* 19 min normal */
    F80(0x0000, 0x0000000000000001ull),   /* 20 min denormal */
    F80(0x0000, 0x7fffffffffffffffull),   /* 21 max denormal */
    F80(0x8000, 0x4000000000000000ull),   /* 22 -denormal */
    F80(0x43fe, 0xfffffffffffff800ull),   /* 23 DBL_MAX */
    F80(0x3c01, 0x8000000000000000ull),   /* 24 DBL_MIN */
    F80(0x7fff, 0x8000000000000000ull),   /* 25 +inf */
    F80(0xffff, 0x8000000000000000ull),   /* 26 -inf */
    F80(0xffff, 0xc000000000000000ull),   /* 27 QNaN indefinite */
    F80(0x7fff, 0xc000000000001234ull),   /* 28 +QNaN payload */
    F80(0x7fff, 0xa000000000000000ull),   /* 29 +SNaN */
    F80(0xffff, 0x8000000000005678ull),   /* 30 -SNaN small payload */
    F80(0x4020, 0x9502f90000000000ull),   /* 31 1e10 */
};
#define X87_NVALS ((int)(sizeof x87_vals / sizeof x87_vals[0]))

/* Indices into x87_vals of a smaller set (one of each kind). */
__attribute__((unused)) static const int x87_small[] = {
    0, 1, 2, 6, 7, 8, 14, 17, 19, 21, 25, 26, 27, 29,
};
#define X87_NSMALL ((int)(sizeof x87_small / sizeof x87_small[0]))

/* Finite values whose sums/products/quotients round differently by PC and
 * RC (and overflow/underflow). */
__attribute__((unused)) static const int x87_rnd[] = {
    2, 5, 6, 7, 8, 13, 17, 19, 21, 10,
};
#define X87_NRND ((int)(sizeof x87_rnd / sizeof x87_rnd[0]))

__attribute__((unused)) static const uint32_t x87_f32[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x40400000, 0x3eaaaaab,
    0x3dcccccd, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x00000001, 0x807fffff,
    0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0xff800123,
    0x501502f9, 0x4b800001,
};
#define X87_NF32 ((int)(sizeof x87_f32 / sizeof x87_f32[0]))

__attribute__((unused)) static const uint64_t x87_f64[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
    0xbff0000000000000ull, 0x4008000000000000ull, 0x3fd5555555555555ull,
    0x3fb999999999999aull, 0x7fefffffffffffffull, 0xffefffffffffffffull,
    0x0010000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
    0xfff8000000000000ull, 0x7ff4000000000001ull, 0xfff0000000000123ull,
    0x4202a05f20000000ull, 0x4340000000000001ull,
};
#define X87_NF64 ((int)(sizeof x87_f64 / sizeof x87_f64[0]))

__attribute__((unused)) static const int16_t x87_i16[] = {
    0, 1, -1, 3, 10, 0x7fff, -0x8000, 12345,
};
#define X87_NI16 ((int)(sizeof x87_i16 / sizeof x87_i16[0]))

__attribute__((unused)) static const int32_t x87_i32[] = {
    0, 1, -1, 3, 10, 0x7fffffff, (int32_t)0x80000000, 16777217, -1000000007,
};
#define X87_NI32 ((int)(sizeof x87_i32 / sizeof x87_i32[0]))

/* Classification of raw values. */
static inline int x87_isnan80(f80 v)
{
    return (v.se & 0x7fff) == 0x7fff && (v.m << 1) != 0;
}
static inline int x87_issnan32(uint32_t v)
{
    return (v & 0x7fc00000) == 0x7f800000 && (v & 0x003fffff) != 0;
}
static inline int x87_issnan64(uint64_t v)
{
    return (v & 0x7ff8000000000000ull) == 0x7ff0000000000000ull &&
           (v & 0x0007ffffffffffffull) != 0;
}

/* io->mem from a value of n bytes. */
static inline void x87_setmem(struct x87_io *io, const void *p, size_t n)
{
    memset(io->mem, 0, sizeof io->mem);
    memcpy(io->mem, p, n);
}

/* Prints the x87_vals table (a FLD m80 / FSTP m80 round trip each). */
static inline void x87_print_vals(void)
{
    for (int i = 0; i < X87_NVALS; i++) {
        f80 r;
        __asm__ volatile("fldt %1\n\tfstpt %0" : "=m"(r) : "m"(x87_vals[i])
                         : "memory", "st");
        isa_line("v%02d = " F80_FMT "\n", i, F80_ARG(r));
    }
}

#endif
