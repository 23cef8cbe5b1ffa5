/*
 * isa_except_impl.h - the body of isa_except.c and isa_except_strict.c
 * (one of the two per kernel; a header so that both rebuild when it changes).
 *
 * Exceptions against the host CPU, caught with xbt_catch():
 *   - #DE from DIV/IDIV (8/16/32-bit, register and memory operands, with
 *     prefixes) for division by zero and quotient overflow (INT_MIN / -1,
 *     and the quotient limits either side), the EIP at the instruction and
 *     the registers unchanged; a #DE in the middle of a block (what ran
 *     before it is committed, nothing after it); the arithmetic flags in
 *     the exception frame (those before the faulting DIV or UD2);
 *   - #UD from UD2, UD1, UD0, LOCK on a register destination or a
 *     non-lockable instruction, FE/FF /7, LEA with a register operand, MOV
 *     to/from a nonexistent or CS segment register, and 0F opcodes that are
 *     undefined on every CPU of the family;
 *   - INT3 and INT 3 (#BP, trap: EIP after), INT 4 and INTO with OF = 1
 *     (#OF, trap), INTO with OF = 0 (nothing);
 *   - BOUND (32- and 16-bit) inside, at and outside both bounds, with
 *     signed bounds (#BR, fault: EIP at the instruction).
 * The cases QEMU gets wrong (LOCK MOV, LOCK MOVSB, C6/C7 /1 execute; IDIV
 * of INT_MIN-style double-width dividends by -1 kills QEMU 7.2 with a host
 * SIGFPE) are built only into isa_except_strict (isa_except_strict.c, no
 * QEMU run).
 */
#include "isa_sys.h"

static char fbuf[64];
#define FSTR(f) xbt_fault_str((f), fbuf, sizeof fbuf)

/* ---- DIV / IDIV ---- */
struct dv {
    uint32_t eax, edx, src, fin;
    uint32_t oeax, oedx;
};

#define DIV_FN(name, insn)                                                  \
    static void name(void *p)                                               \
    {                                                                       \
        struct dv *d = p;                                                   \
        uint32_t a = d->eax, x = d->edx;                                    \
        __asm__ volatile(ISA_SETF XBT_MARK insn                            \
                         : "+a"(a), "+d"(x)                                 \
                         : "c"(d->src), "b"(&d->src), [fin] "r"(d->fin)     \
                         : "cc", "memory");                                 \
        d->oeax = a;                                                        \
        d->oedx = x;                                                        \
    }

DIV_FN(div8, "divb %%cl")
DIV_FN(idiv8, "idivb %%cl")
DIV_FN(div16, "divw %%cx")
DIV_FN(idiv16, "idivw %%cx")
DIV_FN(div32, "divl %%ecx")
DIV_FN(idiv32, "idivl %%ecx")
DIV_FN(div8m, "divb (%%ebx)")
DIV_FN(idiv16m, "idivw (%%ebx)")
DIV_FN(div32m, "divl (%%ebx)")
DIV_FN(idiv32m_ds, ".byte 0x3e\n\tidivl (%%ebx)")
DIV_FN(div16m_ss, ".byte 0x36\n\tdivw (%%ebx)")

struct divop {
    const char *name;
    void (*fn)(void *);
    int bits, mem;
};

#ifdef ISA_EXCEPT_STRICT
#define STRICT 1
#else
#define STRICT 0
#endif

/* IDIV of the most negative double-width dividend by -1: QEMU 7.2 computes
 * it with a host division and dies of SIGFPE, so these run only in the
 * strict build. */
static int kills_qemu(const struct divop *op, uint32_t eax, uint32_t edx,
                      uint32_t src)
{
    if (op->fn == idiv16)
        return (edx & 0xFFFF) == 0x8000 && (eax & 0xFFFF) == 0 &&
               (src & 0xFFFF) == 0xFFFF;
    if (op->fn == idiv32)
        return edx == 0x80000000 && eax == 0 && src == 0xFFFFFFFF;
    return 0;
}

static void div_case(const struct divop *op, uint32_t eax, uint32_t edx,
                     uint32_t src, uint32_t fin)
{
    struct dv d = { eax, edx, src, fin, 0, 0 };
    struct xbt_fault f;
    char pre[96];

    if (kills_qemu(op, eax, edx, src) != STRICT)
        return;
    snprintf(pre, sizeof pre, "%s eax=%08x edx=%08x src=%#x", op->name, eax,
             edx, src);
    if (xbt_catch(op->fn, &d, &f) >= 0) {
        /* The flags in the frame are checked by flags_at_fault(). */
        isa_line("%s -> %s eax=%08x edx=%08x\n", pre, FSTR(&f), f.eax, f.edx);
        return;
    }
    isa_line("%s -> eax=%08x edx=%08x\n", pre, d.oeax, d.oedx);
}

static void div_tests(void)
{
    static const struct divop ops[] = {
        { "div8", div8, 8, 0 }, { "idiv8", idiv8, 8, 0 },
        { "div16", div16, 16, 0 }, { "idiv16", idiv16, 16, 0 },
        { "div32", div32, 32, 0 }, { "idiv32", idiv32, 32, 0 },
    };
    static const uint32_t ax8[] = {
        0x0000, 0x0001, 0x00FF, 0x0100, 0x0FFF, 0x1000, 0x7FFF, 0x8000,
        0xFF80, 0xFF00, 0xFFFF, 0x0080, 0xFE00, 0x0200, 0x017F, 0xFF01,
    };
    static const uint32_t src8[] = { 0, 1, 2, 0x10, 0x7F, 0x80, 0xFF, 0xFE };
    static const uint32_t dxax16[][2] = {
        { 0x0000, 0x0000 }, { 0x0000, 0x0001 }, { 0x0000, 0xFFFF },
        { 0x0001, 0x0000 }, { 0x7FFF, 0xFFFF }, { 0x8000, 0x0000 },
        { 0xFFFF, 0x8000 }, { 0xFFFF, 0xFFFF }, { 0x0010, 0x0000 },
        { 0xFFFF, 0x0000 }, { 0x0000, 0x8000 }, { 0x003F, 0xFFC0 },
    };
    static const uint32_t src16[] = { 0, 1, 2, 0x10, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE };
    static const uint32_t edxeax32[][2] = {
        { 0, 0 }, { 0, 1 }, { 0, 0xFFFFFFFF }, { 1, 0 },
        { 0x7FFFFFFF, 0xFFFFFFFF }, { 0x80000000, 0 }, { 0xFFFFFFFF, 0x80000000 },
        { 0xFFFFFFFF, 0xFFFFFFFF }, { 0x10, 0 }, { 0xFFFFFFFF, 0 },
        { 0, 0x80000000 }, { 0x3FFFFFFF, 0xFFFFFFC0 },
    };
    static const uint32_t src32[] = { 0, 1, 2, 0x10, 0x7FFFFFFF, 0x80000000,
                                      0xFFFFFFFF, 0xFFFFFFFE };
    int k = 0;

    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        const struct divop *op = &ops[o];
        if (op->bits == 8) {
            for (unsigned i = 0; i < sizeof ax8 / sizeof ax8[0]; i++)
                for (unsigned j = 0; j < sizeof src8 / sizeof src8[0]; j++)
                    div_case(op, 0x5A5A0000u | ax8[i], 0xDEADBEEF,
                             0xC3C3C300u | src8[j], (k++ & 1) ? ISA_ARITH : 0);
        } else if (op->bits == 16) {
            for (unsigned i = 0; i < sizeof dxax16 / sizeof dxax16[0]; i++)
                for (unsigned j = 0; j < sizeof src16 / sizeof src16[0]; j++)
                    div_case(op, 0x12340000u | dxax16[i][1], 0x56780000u | dxax16[i][0],
                             0x9ABC0000u | src16[j], (k++ & 1) ? ISA_ARITH : 0);
        } else {
            for (unsigned i = 0; i < sizeof edxeax32 / sizeof edxeax32[0]; i++)
                for (unsigned j = 0; j < sizeof src32 / sizeof src32[0]; j++)
                    div_case(op, edxeax32[i][1], edxeax32[i][0], src32[j],
                             (k++ & 1) ? ISA_ARITH : 0);
        }
    }
    /* Memory operands and prefixes: a few of each. */
    static const struct divop mops[] = {
        { "divb (%ebx)", div8m, 8, 1 }, { "idivw (%ebx)", idiv16m, 16, 1 },
        { "divl (%ebx)", div32m, 32, 1 }, { "ds: idivl (%ebx)", idiv32m_ds, 32, 1 },
        { "ss: divw (%ebx)", div16m_ss, 16, 1 },
    };
    for (unsigned o = 0; o < sizeof mops / sizeof mops[0]; o++) {
        div_case(&mops[o], 0x00001000, 0, 0x10, 0);
        div_case(&mops[o], 0x00001000, 0, 0, ISA_ARITH);
        div_case(&mops[o], 0x00001000, 0, 0x11, 0);
        div_case(&mops[o], 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF, 0);
        div_case(&mops[o], 0xFFFF8000, 0xFFFFFFFF, 0xFFFFFFFF, 0);
        div_case(&mops[o], 0x00000007, 0x00000000, 0x00000002, 0);
    }
}

/* A #DE after other work in the same block: ESI and EDI were updated, the
 * MOV after the DIV did not run. */
__attribute__((unused)) static void de_mid(void *p)
{
    uint32_t *r = p, a = 1, d = 0;
    __asm__ volatile("movl $5, %%esi\n\t"
                     "incl %%edi\n\t"
                     "addl %%esi, %%edi\n\t"
                     XBT_MARK
                     "divl %%ecx\n\t"
                     "movl $7, %%esi"
                     : "+S"(r[0]), "+D"(r[1]), "+a"(a), "+d"(d)
                     : "c"(0)
                     : "cc", "memory");
}

/* The arithmetic flags pushed with a fault are those before the faulting
 * instruction: POPF right before DIV / UD2 (no memory access in between:
 * docs/architecture.md documents that a TLB lookup where the flags are dead
 * may clobber them). */
static void de_flags(void *p)
{
    uint32_t fin = *(uint32_t *)p;
    __asm__ volatile(XBT_MARK ISA_SETF "divl %%ecx"
                     : : [fin] "r"(fin), "a"(1), "d"(0), "c"(0) : "cc", "memory");
}

static void de8_flags(void *p)
{
    uint32_t fin = *(uint32_t *)p;
    __asm__ volatile(XBT_MARK ISA_SETF "idivb %%cl"
                     : : [fin] "r"(fin), "a"(0x8000), "c"(0xFF) : "cc", "memory");
}

static void ud_flags(void *p)
{
    uint32_t fin = *(uint32_t *)p;
    __asm__ volatile(XBT_MARK ISA_SETF "ud2" : : [fin] "r"(fin) : "cc", "memory");
}

__attribute__((unused)) static void flags_at_fault(void)
{
    static const struct {
        const char *name;
        void (*fn)(void *);
    } fs[] = {
        { "popf; divl %ecx (0)", de_flags },
        { "popf; idivb %cl (-32768/-1)", de8_flags },
        { "popf; ud2", ud_flags },
    };
    static const uint32_t fins[] = { 0, ISA_ARITH, ISA_CF | ISA_SF, ISA_ZF | ISA_OF | ISA_AF };

    for (unsigned i = 0; i < sizeof fs / sizeof fs[0]; i++)
        for (unsigned j = 0; j < sizeof fins / sizeof fins[0]; j++) {
            struct xbt_fault f;
            uint32_t in = fins[j];
            xbt_catch(fs[i].fn, &in, &f);
            isa_line("flags at fault: %s in=%s -> %s fl=%s\n", fs[i].name,
                     isa_fl(fins[j], ISA_ARITH), FSTR(&f),
                     isa_fl(f.eflags, ISA_ARITH));
        }
}

/* ---- #UD and friends ---- */
uint32_t isa_except_scratch[16];  /* EBX points here (in case of no fault) */

#define UD_FN(name, bytes)                                                  \
    static void name(void *p)                                               \
    {                                                                       \
        (void)p;                                                            \
        __asm__ volatile("movl $isa_except_scratch, %%ebx\n\t"              \
                         XBT_MARK ".byte " bytes "\n\t"                     \
                         "nop"                                              \
                         : : : "eax", "ebx", "ecx", "edx", "cc", "memory"); \
    }

UD_FN(ud_ud2, "0x0f, 0x0b")
UD_FN(ud_ud1, "0x0f, 0xb9, 0xc0")
UD_FN(ud_ud0, "0x0f, 0xff, 0xc0")
UD_FN(ud_lock_nop, "0xf0, 0x90")
UD_FN(ud_lock_add_rr, "0xf0, 0x01, 0xc0")
UD_FN(ud_lock_cmpxchg_rr, "0xf0, 0x0f, 0xb0, 0xc0")
UD_FN(ud_lock_cmpxchg8b_r, "0xf0, 0x0f, 0xc7, 0xc8")
UD_FN(ud_cmpxchg8b_r, "0x0f, 0xc7, 0xc8")
UD_FN(ud_fe7, "0xfe, 0xf8")
UD_FN(ud_ff7, "0xff, 0xf8")
UD_FN(ud_ffff, "0xff, 0xff")
UD_FN(ud_lea_reg, "0x8d, 0xc0")
UD_FN(ud_mov_from_sreg6, "0x8c, 0xf0")
UD_FN(ud_mov_to_cs, "0x8e, 0xc8")
UD_FN(ud_0f04, "0x0f, 0x04")
UD_FN(ud_0f0a, "0x0f, 0x0a")
UD_FN(ud_0f0c, "0x0f, 0x0c")
UD_FN(ud_0f0e, "0x0f, 0x0e")
UD_FN(ud_0f24, "0x0f, 0x24, 0xc0")
UD_FN(ud_0f25, "0x0f, 0x25")
UD_FN(ud_0f26, "0x0f, 0x26, 0xc0")
UD_FN(ud_0f27, "0x0f, 0x27")
UD_FN(ud_0f36, "0x0f, 0x36")
UD_FN(ud_0f39, "0x0f, 0x39")
UD_FN(ud_0f3f, "0x0f, 0x3f")
UD_FN(ud_0fa6, "0x0f, 0xa6, 0xc0")
UD_FN(ud_0fa7, "0x0f, 0xa7, 0xc0")
UD_FN(ud_0fb8, "0x0f, 0xb8")
UD_FN(ud_0f00_7, "0x0f, 0x00, 0xf8")
UD_FN(ud_66_ud2, "0x66, 0x0f, 0x0b")
UD_FN(ud_2e_ud2, "0x2e, 0x3e, 0x0f, 0x0b")
/* QEMU executes these (they are #UD on the host and on an i686). */
UD_FN(ud_lock_mov, "0xf0, 0x8b, 0x03")
UD_FN(ud_lock_movsb, "0xf0, 0xa4")
UD_FN(ud_c6_1, "0xc6, 0xc8, 0x00")
UD_FN(ud_c7_1, "0xc7, 0xc8, 0x00, 0x00, 0x00, 0x00")
/* Traps. */
UD_FN(tr_int3, "0xcc")
UD_FN(tr_int_3, "0xcd, 0x03")
UD_FN(tr_int_4, "0xcd, 0x04")

struct named {
    const char *name;
    void (*fn)(void *);
    int qemu_wrong;
};

static const struct named uds[] = {
    { "ud2 (0f 0b)", ud_ud2, 0 },
    { "ud1 (0f b9 c0)", ud_ud1, 0 },
    { "ud0 (0f ff c0)", ud_ud0, 0 },
    { "lock nop (f0 90)", ud_lock_nop, 0 },
    { "lock add %eax,%eax (f0 01 c0)", ud_lock_add_rr, 0 },
    { "lock cmpxchg reg,reg (f0 0f b0 c0)", ud_lock_cmpxchg_rr, 0 },
    { "lock cmpxchg8b reg (f0 0f c7 c8)", ud_lock_cmpxchg8b_r, 0 },
    { "cmpxchg8b reg (0f c7 c8)", ud_cmpxchg8b_r, 0 },
    { "fe /7 (fe f8)", ud_fe7, 0 },
    { "ff /7 (ff f8)", ud_ff7, 0 },
    { "ff /7 (ff ff)", ud_ffff, 0 },
    { "lea %eax,%eax (8d c0)", ud_lea_reg, 0 },
    { "mov %sreg6,%eax (8c f0)", ud_mov_from_sreg6, 0 },
    { "mov %eax,%cs (8e c8)", ud_mov_to_cs, 0 },
    { "0f 04", ud_0f04, 0 },
    { "0f 0a", ud_0f0a, 0 },
    { "0f 0c", ud_0f0c, 0 },
    { "0f 0e", ud_0f0e, 0 },
    { "0f 24 c0", ud_0f24, 0 },
    { "0f 25", ud_0f25, 0 },
    { "0f 26 c0", ud_0f26, 0 },
    { "0f 27", ud_0f27, 0 },
    { "0f 36", ud_0f36, 0 },
    { "0f 39", ud_0f39, 0 },
    { "0f 3f", ud_0f3f, 0 },
    { "0f a6 c0", ud_0fa6, 0 },
    { "0f a7 c0", ud_0fa7, 0 },
    { "0f b8", ud_0fb8, 0 },
    { "0f 00 /7 (0f 00 f8)", ud_0f00_7, 0 },
    { "66 ud2", ud_66_ud2, 0 },
    { "cs ds ud2", ud_2e_ud2, 0 },
    { "lock mov (%ebx),%eax (f0 8b 03)", ud_lock_mov, 1 },
    { "lock movsb (f0 a4)", ud_lock_movsb, 1 },
    { "c6 /1 (c6 c8 00)", ud_c6_1, 1 },
    { "c7 /1 (c7 c8 imm32)", ud_c7_1, 1 },
    { "int3 (cc)", tr_int3, 0 },
    { "int $3 (cd 03)", tr_int_3, 0 },
    { "int $4 (cd 04)", tr_int_4, 0 },
};

/* INTO with OF from the input flags. */
__attribute__((unused)) static void into_fn(void *p)
{
    uint32_t fin = *(uint32_t *)p;
    __asm__ volatile(ISA_SETF XBT_MARK "into" : : [fin] "r"(fin) : "cc", "memory");
}

/* ---- BOUND ---- */
struct bnd {
    int32_t lo, hi;               /* the bounds in memory (16-bit: low halves) */
    uint32_t val;
};

static void bound32(void *p)
{
    struct bnd *b = p;
    __asm__ volatile(XBT_MARK "boundl %0, (%1)" : : "r"(b->val), "r"(&b->lo) : "memory");
}

static void bound16(void *p)
{
    struct bnd *b = p;
    uint16_t w[2] = { (uint16_t)b->lo, (uint16_t)b->hi };
    __asm__ volatile(XBT_MARK "boundw %w0, (%1)" : : "r"(b->val), "r"(w) : "memory");
}

__attribute__((unused)) static void bound_tests(void)
{
    static const struct {
        int32_t lo, hi;
    } bounds[] = { { 10, 20 }, { -5, 5 }, { -100, -50 }, { 0, 0 }, { 7, 3 },
                   { -32768, 32767 } };
    static const int32_t vals[] = { 0, 3, 7, 9, 10, 15, 20, 21, -1, -5, -6,
                                    -50, -51, -100, -101, 32767, -32768, 40000 };
    for (int w = 0; w < 2; w++)
        for (unsigned i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
            for (unsigned j = 0; j < sizeof vals / sizeof vals[0]; j++) {
                struct bnd b = { bounds[i].lo, bounds[i].hi,
                                 w ? 0xABCD0000u | ((uint32_t)vals[j] & 0xFFFF)
                                   : (uint32_t)vals[j] };
                struct xbt_fault f;
                xbt_catch(w ? bound16 : bound32, &b, &f);
                isa_line("bound%s [%d,%d] val=%d -> %s\n", w ? "w" : "l",
                         bounds[i].lo, bounds[i].hi, vals[j], FSTR(&f));
            }
}

int test_main(void)
{
    struct xbt_fault f;

    div_tests();
#ifndef ISA_EXCEPT_STRICT
    uint32_t r[2] = { 0x11111111, 0x22222222 };
    xbt_catch(de_mid, r, &f);
    isa_line("mid-block #DE -> %s esi=%08x edi=%08x\n", FSTR(&f), f.esi, f.edi);
    flags_at_fault();
#endif

    for (unsigned i = 0; i < sizeof uds / sizeof uds[0]; i++) {
#ifdef ISA_EXCEPT_STRICT
        if (!uds[i].qemu_wrong)
            continue;
#else
        if (uds[i].qemu_wrong)
            continue;
#endif
        xbt_catch(uds[i].fn, NULL, &f);
        isa_line("%s -> %s\n", uds[i].name, FSTR(&f));
    }

#ifndef ISA_EXCEPT_STRICT
    for (uint32_t fin = 0; fin <= ISA_ARITH; fin += ISA_ARITH) {
        uint32_t in = fin;
        xbt_catch(into_fn, &in, &f);
        isa_line("into in=%s -> %s%s%s\n", isa_fl(fin, ISA_ARITH), FSTR(&f),
                 f.vector >= 0 ? " fl=" : "",
                 f.vector >= 0 ? isa_fl(f.eflags, ISA_ARITH) : "");
        in = fin ^ ISA_OF;
        xbt_catch(into_fn, &in, &f);
        isa_line("into in=%s -> %s%s%s\n", isa_fl(in, ISA_ARITH), FSTR(&f),
                 f.vector >= 0 ? " fl=" : "",
                 f.vector >= 0 ? isa_fl(f.eflags, ISA_ARITH) : "");
    }
    bound_tests();
    isa_done("isa_except");
#else
    isa_done("isa_except_strict");
#endif
    return 0;
}
