/*
 * smc_native.c - self-modifying code checked against the host CPU: a
 * PORTABLE test (also built as a native -m32 -static program whose output
 * must match byte for byte).  Code is generated at run time into the
 * buffer of smc_buf.h (native: mmap RWX; guest: a static page-aligned array
 * executed with paging off) and called through smc_call(), with a model in
 * C computing what each call must return:
 *   (a) a store that rewrites the very next instruction (its immediate, its
 *       opcode, its length), and an instruction that rewrites its own
 *       immediate inside a loop (i686 and later execute the new bytes);
 *   (b) stores patching instructions several instructions later in the same
 *       straight-line block (immediate, opcode, instruction boundaries);
 *   (c) loops patching their own body between iterations (an immediate and
 *       add<->sub, after and before the patched instruction) and a loop that
 *       patches a branch into itself to leave;
 *   (d) a small JIT: thousands of rounds, each generating a random function
 *       (immediates, registers, lengths, jumps over junk, a data slot in the
 *       same cache line right before the code) at random offsets (and again
 *       at the previous one), calling it and re-calling older intact ones;
 *   (e) instructions straddling a page boundary whose bytes on the second
 *       page only are rewritten (immediate; a ModRM that changes the
 *       instruction's length), a dword store across the boundary, and a
 *       block starting on one page with the patched instruction on the next;
 *   (f) rewriting by rep movsb (forwards, backwards, partial), rep stosb and
 *       rep stosl (forwards, backwards), by a 16-bit and a 32-bit store
 *       covering parts of two instructions, and across a 64-byte line;
 *   (g) a callee rewriting its caller after the call site (the return lands
 *       on new bytes: an immediate, an opcode, the call's own displacement,
 *       and inside a loop);
 *   (h) the next instruction rewritten by other kinds of stores: xchg, lock
 *       xadd, btc with a far (negative) register bit offset, push, rep
 *       stosb, fistp, fnstcw, fstp m64, lock cmpxchg8b;
 *   (i) a flag-killing instruction after an ADD patched into a flag reader
 *       (sbb, setcc, adc, lahf: the flags must survive the patch), and the
 *       next instruction patched into one that faults (ud2, int3, div by 0;
 *       EIP printed relative to a mark, xbt_catch()).
 * Every absolute address stays out of the output.
 */
#include "portable.h"
#include "smc_buf.h"

/* Calls fn with EAX = a, ECX = b, EDX = c, EBX = ESI = EDI = EBP = 0 and
 * DF = 0; returns its EAX.  The generated code may clobber every register
 * but ESP. */
uint32_t smc_call(const void *fn, uint32_t a, uint32_t b, uint32_t c);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl smc_call\n"
        "smc_call:\n\t"
        "pushl %ebx\n\t"
        "pushl %esi\n\t"
        "pushl %edi\n\t"
        "pushl %ebp\n\t"
        "movl 24(%esp), %eax\n\t"
        "movl 28(%esp), %ecx\n\t"
        "movl 32(%esp), %edx\n\t"
        "xorl %ebx, %ebx\n\t"
        "xorl %esi, %esi\n\t"
        "xorl %edi, %edi\n\t"
        "xorl %ebp, %ebp\n\t"
        "cld\n\t"
        "call *20(%esp)\n\t"
        "popl %ebp\n\t"
        "popl %edi\n\t"
        "popl %esi\n\t"
        "popl %ebx\n\t"
        "ret\n");

static uint8_t *buf;
static unsigned checks, wrong;

/* Buffer layout (offsets): page 0 the fixed tests, pages 1-2 the JIT,
 * pages 3-6 the page-straddling tests (boundaries at 0x4000, 0x5000,
 * 0x6000). */
#define JIT_LO 0x1000u
#define JIT_HI 0x3000u

static void check(const char *what, uint32_t got, uint32_t want)
{
    checks++;
    wrong += got != want;
    printf("  %-50s %08x%s\n", what, got, got == want ? "" : "  WRONG");
}

/* ---- a tiny x86 emitter ---- */
struct em {
    uint8_t *p;
};

static void o1(struct em *e, uint32_t v) { *e->p++ = (uint8_t)v; }
static void o4(struct em *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *e->p++ = (uint8_t)(v >> (8 * i));
}
static uint32_t ad(const volatile void *p) { return (uint32_t)(uintptr_t)p; }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Stores of exactly this width (not merged or split by the compiler). */
static void st16(void *p, uint16_t v) { __asm__ volatile("movw %1, (%0)" : : "r"(p), "r"(v) : "memory"); }
static void st32(void *p, uint32_t v) { __asm__ volatile("movl %1, (%0)" : : "r"(p), "r"(v) : "memory"); }

static void rep_movsb(void *d, const void *s, uint32_t n, int backward)
{
    if (backward) {
        d = (uint8_t *)d + n - 1;
        s = (const uint8_t *)s + n - 1;
        __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
    } else {
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    }
}

static void rep_stosb(void *d, uint8_t v, uint32_t n, int backward)
{
    if (backward) {
        d = (uint8_t *)d + n - 1;
        __asm__ volatile("std\n\trep stosb\n\tcld" : "+D"(d), "+c"(n) : "a"(v) : "memory", "cc");
    } else {
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
    }
}

static void rep_stosl(void *d, uint32_t v, uint32_t n)
{
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

/* ---- (a) a store into the very next instruction ---- */
static void test_a(void)
{
    char what[64];

    printf("(a) store into the next instruction\n");
    /* movl %ecx, g+1; g: movl $0, %eax; ret */
    uint8_t *f = buf + 0x000;
    struct em e = { f };
    o1(&e, 0x89), o1(&e, 0x0D), o4(&e, ad(f + 7));
    o1(&e, 0xB8), o4(&e, 0);
    o1(&e, 0xC3);
    static const uint32_t imms[] = { 7, 0xFEEDFACE, 7, 0x80000000, 0 };
    for (unsigned i = 0; i < sizeof imms / sizeof imms[0]; i++) {
        snprintf(what, sizeof what, "immediate of the next insn := %08x", imms[i]);
        check(what, smc_call(f, 0, imms[i], 0), imms[i]);
    }

    /* movl $g, %edx; movb %cl, (%edx); g: incl %eax; ret; nop x3; ret
     * g = 0x05 makes g a 5-byte add $0x909090c3, %eax. */
    f = buf + 0x040;
    e.p = f;
    o1(&e, 0xBA), o4(&e, ad(f + 7));
    o1(&e, 0x88), o1(&e, 0x0A);
    static const uint8_t tail[] = { 0x40, 0xC3, 0x90, 0x90, 0x90, 0xC3 };
    memcpy(e.p, tail, sizeof tail);
    static const struct {
        uint8_t op;
        const char *name;
        uint32_t want;
    } ops[] = {
        { 0x40, "inc", 101 }, { 0x05, "add imm32 (longer)", 100 + 0x909090C3u },
        { 0x48, "dec", 99 },  { 0x05, "add imm32 (longer)", 100 + 0x909090C3u },
        { 0x90, "nop", 100 }, { 0x40, "inc", 101 },
    };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        snprintf(what, sizeof what, "opcode of the next insn := %02x %s", ops[i].op, ops[i].name);
        check(what, smc_call(f, 100, ops[i].op, 0), ops[i].want);
    }

    /* L: addb $k, L+6 (its own immediate: doubles it); decl %ecx; jnz L;
     * movzbl L+6, %eax; ret */
    f = buf + 0x080;
    static const struct {
        uint8_t k, n;
    } dbl[] = { { 3, 5 }, { 5, 4 }, { 1, 7 }, { 0x81, 1 } };
    for (unsigned i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
        e.p = f;
        o1(&e, 0x80), o1(&e, 0x05), o4(&e, ad(f + 6)), o1(&e, dbl[i].k);
        o1(&e, 0x49);
        o1(&e, 0x75), o1(&e, (uint32_t)(f - (e.p + 1)));
        o1(&e, 0x0F), o1(&e, 0xB6), o1(&e, 0x05), o4(&e, ad(f + 6));
        o1(&e, 0xC3);
        snprintf(what, sizeof what, "insn doubling its own imm8 %u, %u times", dbl[i].k, dbl[i].n);
        check(what, smc_call(f, 0, dbl[i].n, 0), (uint8_t)(dbl[i].k << dbl[i].n));
    }
}

/* ---- (b) a store into a later instruction of the same block ---- */
static uint32_t alu(uint8_t op, uint32_t d, uint32_t s)
{
    switch (op) {
    case 0x01: return d + s;
    case 0x29: return d - s;
    case 0x31: return d ^ s;
    case 0x21: return d & s;
    default: return d | s;        /* 0x09 */
    }
}

static void test_b(void)
{
    char what[64];

    printf("(b) store into an instruction further on in the block\n");
    /* movl %ecx, h+1; movb %dl, k; leal 1(%eax), %ebx; addl %eax, %ebx;
     * shll %ebx; nop; h: movl $0, %eax; k: addl %ebx, %eax; ret */
    uint8_t *f = buf + 0x100;
    struct em e = { f };
    o1(&e, 0x89), o1(&e, 0x0D), o4(&e, ad(f + 21));
    o1(&e, 0x88), o1(&e, 0x15), o4(&e, ad(f + 25));
    o1(&e, 0x8D), o1(&e, 0x58), o1(&e, 0x01);
    o1(&e, 0x01), o1(&e, 0xC3);
    o1(&e, 0xD1), o1(&e, 0xE3);
    o1(&e, 0x90);
    o1(&e, 0xB8), o4(&e, 0);      /* f + 20 */
    o1(&e, 0x01), o1(&e, 0xD8);   /* f + 25 */
    o1(&e, 0xC3);
    static const struct {
        uint32_t a, b;
        uint8_t op;
    } cs[] = {
        { 5, 1000, 0x01 }, { 5, 1000, 0x29 }, { 7, 0x12345678, 0x31 },
        { 9, 0xFFFF00FF, 0x21 }, { 3, 0x100, 0x09 }, { 5, 1000, 0x01 },
    };
    for (unsigned i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        uint32_t ebx = (2 * cs[i].a + 1) * 2;
        snprintf(what, sizeof what, "imm := %08x, opcode := %02x", cs[i].b, cs[i].op);
        check(what, smc_call(f, cs[i].a, cs[i].b, cs[i].op), alu(cs[i].op, cs[i].b, ebx));
    }

    /* movl %ecx, m; incl %eax; addl %eax, %eax; m: movl $0x90332211, %eax;
     * ret.  The dword store over m changes the instruction boundaries. */
    f = buf + 0x140;
    e.p = f;
    o1(&e, 0x89), o1(&e, 0x0D), o4(&e, ad(f + 9));
    o1(&e, 0x40);
    o1(&e, 0x01), o1(&e, 0xC0);
    o1(&e, 0xB8), o4(&e, 0x90332211);
    o1(&e, 0xC3);
    static const struct {
        uint32_t v;
        const char *name;
    } ms[] = {
        { 0x40404040, "inc x4; nop" }, { 0x332211B8, "mov $0x90332211" },
        { 0x90909090, "nop x5" }, { 0x00000005, "add $0x90000000" },
        { 0x40404040, "inc x4; nop" },
    };
    const uint32_t a = 20, t = 2 * (a + 1);
    const uint32_t want[] = { t + 4, 0x90332211, t, t + 0x90000000u, t + 4 };
    for (unsigned i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        snprintf(what, sizeof what, "later insn := %s", ms[i].name);
        check(what, smc_call(f, a, ms[i].v, 0), want[i]);
    }
}

/* ---- (c) loops patching their own body ---- */
static void test_c(void)
{
    char what[64];

    printf("(c) loops patching their own body\n");
    /* xorl %eax, %eax; L: addl $imm, %eax (05) / subl (2d); incl L+1;
     * xorb $0x28, L; decl %ecx; jnz L; ret.  The code is not reset between
     * calls: the state carries over. */
    uint8_t *f = buf + 0x200;
    struct em e = { f };
    uint8_t *l = f + 2;
    o1(&e, 0x31), o1(&e, 0xC0);
    o1(&e, 0x05), o4(&e, 1000);
    o1(&e, 0xFF), o1(&e, 0x05), o4(&e, ad(l + 1));
    o1(&e, 0x80), o1(&e, 0x35), o4(&e, ad(l)), o1(&e, 0x28);
    o1(&e, 0x49);
    o1(&e, 0x75), o1(&e, (uint32_t)(l - (e.p + 1)));
    o1(&e, 0xC3);
    uint8_t op = 0x05;
    uint32_t imm = 1000;
    static const uint32_t ns[] = { 1000, 7, 1, 2, 333 };
    for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint32_t acc = 0;
        for (uint32_t k = 0; k < ns[i]; k++) {
            acc = op == 0x05 ? acc + imm : acc - imm;
            imm++;
            op ^= 0x28;
        }
        snprintf(what, sizeof what, "add/sub, imm++ after use: %u iterations", ns[i]);
        check(what, smc_call(f, 0, ns[i], 0), acc);
    }

    /* xorl %eax, %eax; L: movl %ecx, X+1; xorb $0x28, X; X: addl $0, %eax;
     * decl %ecx; jnz L; ret: patched before use in the same iteration */
    f = buf + 0x240;
    e.p = f;
    l = f + 2;
    uint8_t *x = l + 13;
    o1(&e, 0x31), o1(&e, 0xC0);
    o1(&e, 0x89), o1(&e, 0x0D), o4(&e, ad(x + 1));
    o1(&e, 0x80), o1(&e, 0x35), o4(&e, ad(x)), o1(&e, 0x28);
    o1(&e, 0x05), o4(&e, 0);
    o1(&e, 0x49);
    o1(&e, 0x75), o1(&e, (uint32_t)(l - (e.p + 1)));
    o1(&e, 0xC3);
    op = 0x05;
    static const uint32_t ns2[] = { 500, 3, 1, 64 };
    for (unsigned i = 0; i < sizeof ns2 / sizeof ns2[0]; i++) {
        uint32_t acc = 0;
        for (uint32_t c = ns2[i]; c > 0; c--) {
            op ^= 0x28;
            acc = op == 0x05 ? acc + c : acc - c;
        }
        snprintf(what, sizeof what, "add/sub, imm := counter before use: %u", ns2[i]);
        check(what, smc_call(f, 0, ns2[i], 0), acc);
    }

    /* L: incl %eax; X: nop; nop; cmpl $k, %eax; jne L2;
     * movw $(jmp out), X; L2: jmp L; out: ret */
    f = buf + 0x280;
    e.p = f;
    x = f + 1;
    uint8_t *out = f + 19;
    o1(&e, 0x40);
    o1(&e, 0x90), o1(&e, 0x90);
    o1(&e, 0x83), o1(&e, 0xF8), o1(&e, 0);    /* k patched below */
    o1(&e, 0x75), o1(&e, 9);
    o1(&e, 0x66), o1(&e, 0xC7), o1(&e, 0x05), o4(&e, ad(x));
    o1(&e, 0xEB), o1(&e, (uint32_t)(out - (x + 2)));
    o1(&e, 0xEB), o1(&e, (uint32_t)(f - (e.p + 1)));
    o1(&e, 0xC3);
    if (e.p != out + 1)
        printf("  layout error\n");
    static const struct {
        uint32_t a;
        uint8_t k;
        int reset;
    } br[] = { { 0, 100, 1 }, { 5, 100, 0 }, { 50, 60, 1 }, { 120, 127, 1 } };
    for (unsigned i = 0; i < sizeof br / sizeof br[0]; i++) {
        if (br[i].reset)
            x[0] = x[1] = 0x90;
        f[5] = br[i].k;
        snprintf(what, sizeof what, "loop patching a jmp out into itself%s", br[i].reset ? "" : " (stays)");
        check(what, smc_call(f, br[i].a, 0, 0), br[i].reset ? br[i].k + 1u : br[i].a + 1);
    }
}

/* ---- (d) a small JIT ---- */
static uint32_t rng_state = 0x2545F491u;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static const uint8_t jit_regs[] = { 0, 1, 2, 3, 5, 6, 7 };   /* not ESP */
static uint32_t rreg(void) { return jit_regs[rnd() % 7]; }

static uint32_t rol32(uint32_t x, unsigned c) { c &= 31; return c ? x << c | x >> (32 - c) : x; }
static uint32_t bswap32(uint32_t x)
{
    return x >> 24 | (x >> 8 & 0xFF00) | (x << 8 & 0xFF0000) | x << 24;
}

/* Emits a random function at e (the data slot at `slot`) and runs the same
 * operations on R[] (R[4] unused; *mem = the slot). */
static void jit_gen(struct em *e, uint8_t *slot, uint32_t *R, uint32_t *mem)
{
    unsigned nops = 1 + rnd() % 10;
    for (unsigned i = 0; i < nops; i++) {
        uint32_t r = rreg(), s = rreg(), v = rnd(), c;
        switch (rnd() % 15) {
        case 0:                   /* movl $imm32, r */
            o1(e, 0xB8 + r), o4(e, v);
            R[r] = v;
            break;
        case 1:                   /* addl $imm32, r */
            o1(e, 0x81), o1(e, 0xC0 + r), o4(e, v);
            R[r] += v;
            break;
        case 2:                   /* addl $imm8, r (sign-extended) */
            o1(e, 0x83), o1(e, 0xC0 + r), o1(e, v);
            R[r] += (uint32_t)(int32_t)(int8_t)v;
            break;
        case 3: {                 /* add/sub/xor/and/or s, r */
            static const uint8_t opc[] = { 0x01, 0x29, 0x31, 0x21, 0x09 };
            uint8_t op = opc[v % 5];
            o1(e, op), o1(e, 0xC0 | s << 3 | r);
            R[r] = alu(op, R[r], R[s]);
            break;
        }
        case 4:                   /* shll/shrl/roll $c, r */
            c = (v >> 8) & 31;
            switch (v % 3) {
            case 0: o1(e, 0xC1), o1(e, 0xE0 + r), o1(e, c); R[r] <<= c; break;
            case 1: o1(e, 0xC1), o1(e, 0xE8 + r), o1(e, c); R[r] >>= c; break;
            default: o1(e, 0xC1), o1(e, 0xC0 + r), o1(e, c); R[r] = rol32(R[r], c); break;
            }
            break;
        case 5:                   /* imull $imm32, s, r */
            o1(e, 0x69), o1(e, 0xC0 | r << 3 | s), o4(e, v);
            R[r] = R[s] * v;
            break;
        case 6:                   /* incl / decl r */
            if (v & 1)
                o1(e, 0x40 + r), R[r]++;
            else
                o1(e, 0x48 + r), R[r]--;
            break;
        case 7:                   /* notl / negl r */
            if (v & 1)
                o1(e, 0xF7), o1(e, 0xD0 + r), R[r] = ~R[r];
            else
                o1(e, 0xF7), o1(e, 0xD8 + r), R[r] = -R[r];
            break;
        case 8:                   /* jmp over 0..6 junk bytes */
            c = v % 7;
            o1(e, 0xEB), o1(e, c);
            for (unsigned k = 0; k < c; k++)
                o1(e, rnd());
            break;
        case 9:                   /* movl r, slot */
            o1(e, 0x89), o1(e, 0x05 | r << 3), o4(e, ad(slot));
            *mem = R[r];
            break;
        case 10:                  /* addl slot, r */
            o1(e, 0x03), o1(e, 0x05 | r << 3), o4(e, ad(slot));
            R[r] += *mem;
            break;
        case 11:                  /* leal d8(r, s, 1 << sc), t */
            c = rreg();
            o1(e, 0x8D), o1(e, 0x44 | c << 3), o1(e, (v & 3) << 6 | s << 3 | r), o1(e, v >> 8);
            R[c] = R[r] + (R[s] << (v & 3)) + (uint32_t)(int32_t)(int8_t)(v >> 8);
            break;
        case 12:                  /* bswap r */
            o1(e, 0x0F), o1(e, 0xC8 + r);
            R[r] = bswap32(R[r]);
            break;
        case 13:                  /* xchgl s, r */
            o1(e, 0x87), o1(e, 0xC0 | s << 3 | r);
            c = R[r], R[r] = R[s], R[s] = c;
            break;
        default:                  /* movzbl s8, r (s8: al, cl, dl, bl) */
            s &= 3;
            o1(e, 0x0F), o1(e, 0xB6), o1(e, 0xC0 | r << 3 | s);
            R[r] = R[s] & 0xFF;
            break;
        }
    }
    /* fold every register into EAX: add, xor, add, ... ; ret */
    for (unsigned i = 1; i < 7; i++) {
        uint32_t r = jit_regs[i];
        o1(e, i & 1 ? 0x01 : 0x31), o1(e, 0xC0 | r << 3);
        R[0] = i & 1 ? R[0] + R[r] : R[0] ^ R[r];
    }
    o1(e, 0xC3);
}

struct jit_fn {
    uint32_t start, end;          /* buffer offsets: the slot, then the code */
    uint32_t a, b, c, slot, want;
};

#define JIT_LIVE 32

static void test_d(void)
{
    printf("(d) a small JIT\n");
    static struct jit_fn live[JIT_LIVE];
    unsigned nlive = 0, calls = 0, recalls = 0, bad = 0;
    uint32_t hash = 2166136261u, prev = JIT_LO;
    const unsigned rounds = 3000;

    for (unsigned round = 1; round <= rounds; round++) {
        /* where: the previous function's address again (1 in 6), or a
         * random byte offset (page-boundary crossings included) */
        uint32_t start = rnd() % 6 == 0 ? prev : JIT_LO + rnd() % (JIT_HI - JIT_LO - 160);
        prev = start;
        struct jit_fn fn = { .start = start, .a = rnd(), .b = rnd(), .c = rnd(), .slot = rnd() };
        uint32_t R[8] = { fn.a, fn.b, fn.c, 0, 0, 0, 0, 0 }, mem = fn.slot;
        uint8_t *slot = buf + start, stage[160];
        put32(stage, fn.slot);    /* data right before the code */
        struct em e = { stage + 4 };
        jit_gen(&e, slot, R, &mem);
        /* into place by one copy (the stores into a code page are what
         * costs a translator most) */
        memcpy(slot, stage, (size_t)(e.p - stage));
        fn.end = start + (uint32_t)(e.p - stage);
        fn.want = R[0];
        /* forget the functions it overwrote */
        unsigned k = 0;
        for (unsigned i = 0; i < nlive; i++)
            if (live[i].end <= fn.start || live[i].start >= fn.end)
                live[k++] = live[i];
        nlive = k;
        if (nlive == JIT_LIVE)
            memmove(live, live + 1, --nlive * sizeof live[0]);
        live[nlive++] = fn;

        uint32_t got = smc_call(slot + 4, fn.a, fn.b, fn.c);
        calls++;
        hash = (hash ^ got) * 16777619u;
        if (got != fn.want && bad++ < 5)
            printf("  round %u: new function returned %08x, want %08x\n", round, got, fn.want);
        /* an older function that is still intact (its slot written again) */
        if (nlive > 1) {
            const struct jit_fn *o = &live[rnd() % (nlive - 1)];
            put32(buf + o->start, o->slot);
            got = smc_call(buf + o->start + 4, o->a, o->b, o->c);
            recalls++;
            hash = (hash ^ got) * 16777619u;
            if (got != o->want && bad++ < 5)
                printf("  round %u: older function returned %08x, want %08x\n", round, got, o->want);
        }
        if (round % 1000 == 0)
            printf("  %5u rounds: %u calls, %u older re-called, hash %08x, %u wrong\n", round,
                   calls, recalls, hash, bad);
    }
    checks++;
    wrong += bad != 0;
}

/* ---- (e) instructions straddling a page boundary ---- */
static void test_e(void)
{
    char what[64];

    printf("(e) instructions straddling a page boundary\n");
    /* B-2: movl $imm32, %eax (opcode and imm byte 0 on the first page,
     * imm bytes 1-3 on the second); ret */
    uint8_t *b = buf + 0x4000, *f = b - 2;
    struct em e = { f };
    o1(&e, 0xB8), o4(&e, 0x44332211);
    o1(&e, 0xC3);
    check("mov imm32 across the boundary", smc_call(f, 0, 0, 0), 0x44332211);
    b[0] = 0xAA, b[1] = 0xBB, b[2] = 0xCC;
    check("  imm bytes on the second page rewritten", smc_call(f, 0, 0, 0), 0xCCBBAA11);
    st16(b, 0x5566);
    check("  16-bit store on the second page", smc_call(f, 0, 0, 0), 0xCC556611);
    st32(b - 1, 0x0D0C0B0A);
    check("  32-bit store across the boundary", smc_call(f, 0, 0, 0), 0x0D0C0B0A);
    uint32_t sum = 0, want = 0;
    for (uint32_t i = 0; i < 300; i++) {
        b[i % 3] = (uint8_t)(i * 7);
        sum += smc_call(f, 0, 0, 0);
        want += f[1] | (uint32_t)b[0] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 24;
    }
    check("  300 byte rewrites on the second page, sum", sum, want);

    /* B-3: addl %eax, %eax; nop; B-1: opcode F7, whose ModRM at B decides
     * the length: D8 negl %eax, E0 mull %eax, D0 notl %eax (2 bytes, then
     * incl %eax x4); C0 testl $0x40404040, %eax (6 bytes); then ret */
    b = buf + 0x5000;
    f = b - 3;
    e.p = f;
    o1(&e, 0x01), o1(&e, 0xC0);
    o1(&e, 0xF7), o1(&e, 0xD8);
    o1(&e, 0x40), o1(&e, 0x40), o1(&e, 0x40), o1(&e, 0x40);
    o1(&e, 0xC3);
    static const struct {
        uint8_t modrm;
        const char *name;
        uint32_t want;       /* a = 3 */
    } mr[] = {
        { 0xD8, "neg (2 bytes)", -6u + 4 }, { 0xC0, "test imm32 (6 bytes)", 6 },
        { 0xE0, "mul (2 bytes)", 36 + 4 },  { 0xD0, "not (2 bytes)", ~6u + 4 },
        { 0xC0, "test imm32 (6 bytes)", 6 }, { 0xD8, "neg (2 bytes)", -6u + 4 },
    };
    for (unsigned i = 0; i < sizeof mr / sizeof mr[0]; i++) {
        b[0] = mr[i].modrm;
        snprintf(what, sizeof what, "F7 | ModRM on the next page := %s", mr[i].name);
        check(what, smc_call(f, 3, 0, 0), mr[i].want);
    }

    /* B-3: addl %eax, %eax; nop; B: addl $imm32, %eax; ret: one block over
     * two pages, rewritten on the second page only */
    b = buf + 0x6000;
    f = b - 3;
    e.p = f;
    o1(&e, 0x01), o1(&e, 0xC0);
    o1(&e, 0x90);
    o1(&e, 0x05), o4(&e, 1);
    o1(&e, 0xC3);
    sum = want = 0;
    for (uint32_t i = 0; i < 200; i++) {
        uint32_t v = i * 0x01010101u;
        if (i % 4 == 3) {
            b[0] = 0x2D;          /* sub */
            want += 2 * i - v;
        } else {
            b[0] = 0x05;
            want += 2 * i + v;
        }
        put32(b + 1, v);
        sum += smc_call(f, i, 0, 0);
    }
    check("block over two pages, second page rewritten", sum, want);
}

/* ---- (f) rewriting by string instructions and wide stores ---- */
static void test_f(void)
{
    printf("(f) rewriting by rep movs/stos and by stores over two instructions\n");
    uint8_t *f = buf + 0x300;
    static const uint8_t v1[] = { 0xB8, 0x11, 0x11, 0x11, 0x11, 0xC3 };
    static const uint8_t v2[] = { 0x31, 0xC0, 0x40, 0x40, 0x40, 0xC3 };
    static const uint8_t v3[] = { 0xB8, 0x33, 0x33, 0x33, 0x33, 0x05, 0x01, 0x00, 0x00, 0x00, 0xC3 };
    static const uint8_t v4[] = { 0x44, 0x2D, 0x02 };
    uint8_t tmp[16];
    memcpy(tmp, v1, sizeof v1);
    rep_movsb(f, tmp, sizeof v1, 0);
    check("rep movsb: mov $0x11111111", smc_call(f, 0, 0, 0), 0x11111111);
    memcpy(tmp, v2, sizeof v2);
    rep_movsb(f, tmp, sizeof v2, 0);
    check("rep movsb: xor; inc x3", smc_call(f, 0, 0, 0), 3);
    memcpy(tmp, v3, sizeof v3);
    rep_movsb(f, tmp, sizeof v3, 1);
    check("std; rep movsb: mov; add $1", smc_call(f, 0, 0, 0), 0x33333334);
    memcpy(tmp, v4, sizeof v4);
    rep_movsb(f + 4, tmp, sizeof v4, 0);
    check("rep movsb over parts of two insns: mov; sub $2", smc_call(f, 0, 0, 0), 0x44333331);

    /* movl $1, %eax; Z: 8 bytes; ret */
    f = buf + 0x340;
    static const uint8_t z0[] = { 0xB8, 1, 0, 0, 0, 0x05, 0x00, 0x01, 0x00, 0x00, 0x40, 0x40, 0x40, 0xC3 };
    memcpy(f, z0, sizeof z0);
    check("mov $1; add $0x100; inc x3", smc_call(f, 0, 0, 0), 0x104);
    rep_stosb(f + 5, 0x90, 8, 0);
    check("rep stosb nop x8", smc_call(f, 0, 0, 0), 1);
    rep_stosb(f + 5, 0x40, 5, 0);
    check("rep stosb inc x5 (then nop x3)", smc_call(f, 0, 0, 0), 6);
    rep_stosl(f + 5, 0x48484848, 2);
    check("rep stosl dec x8", smc_call(f, 0, 0, 0), (uint32_t)-7);
    rep_stosb(f + 5, 0x40, 8, 1);
    check("std; rep stosb inc x8", smc_call(f, 0, 0, 0), 9);

    /* movl $0x44332211, %eax; addl $1, %eax; ret */
    f = buf + 0x380;
    static const uint8_t w0[] = { 0xB8, 0x11, 0x22, 0x33, 0x44, 0x05, 0x01, 0x00, 0x00, 0x00, 0xC3 };
    memcpy(f, w0, sizeof w0);
    check("mov $0x44332211; add $1", smc_call(f, 0, 0, 0), 0x44332212);
    st16(f + 4, 0x2D55);
    check("16-bit store: imm byte 3 and add -> sub", smc_call(f, 0, 0, 0), 0x55332210);
    st32(f + 3, 0x09057766);
    check("32-bit store: imm bytes 2-3, sub -> add $9", smc_call(f, 0, 0, 0), 0x7766221A);
    st16(f + 9, 0xC300);
    check("16-bit store of the same bytes (imm; ret)", smc_call(f, 0, 0, 0), 0x7766221A);
    st32(f + 4, 0x00102D01);
    check("32-bit store: imm byte 3, add -> sub $0x10", smc_call(f, 0, 0, 0), 0x01662201);

    /* buf+0x3be: movl $0x44332211, %eax; ret across the 64-byte line
     * boundary at 0x3c0 */
    f = buf + 0x3BE;
    static const uint8_t l0[] = { 0xB8, 0x11, 0x22, 0x33, 0x44, 0xC3 };
    memcpy(f, l0, sizeof l0);
    check("mov imm32 across a 64-byte line boundary", smc_call(f, 0, 0, 0), 0x44332211);
    f[3] = 0x99;
    check("  byte store on the second line only", smc_call(f, 0, 0, 0), 0x44992211);
    st32(f + 1, 0x88776655);
    check("  32-bit store across the line boundary", smc_call(f, 0, 0, 0), 0x88776655);
}

/* ---- (g) a callee rewriting its caller after the call site ---- */
static void test_g(void)
{
    char what[64];

    printf("(g) callee rewriting its caller after the call site\n");
    /* callee: movl (%esp), %edx; movl %ecx, 1(%edx); ret
     * caller: call callee; movl $0, %eax; ret */
    uint8_t *callee = buf + 0x440, *f = buf + 0x400;
    struct em e = { callee };
    o1(&e, 0x8B), o1(&e, 0x14), o1(&e, 0x24);
    o1(&e, 0x89), o1(&e, 0x4A), o1(&e, 0x01);
    o1(&e, 0xC3);
    e.p = f;
    o1(&e, 0xE8), o4(&e, (uint32_t)(callee - (f + 5)));
    o1(&e, 0xB8), o4(&e, 0);
    o1(&e, 0xC3);
    static const uint32_t vs[] = { 1, 0xDEADBEEF, 1, 42, 42 };
    for (unsigned i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        snprintf(what, sizeof what, "imm after the call site := %08x", vs[i]);
        check(what, smc_call(f, 0, vs[i], 0), vs[i]);
    }

    /* callee2: movl (%esp), %edx; movb %cl, (%edx); ret
     * caller2: call callee2; addl $1, %eax (05 / 2d sub / 3d cmp); ret */
    callee = buf + 0x4C0, f = buf + 0x480;
    e.p = callee;
    o1(&e, 0x8B), o1(&e, 0x14), o1(&e, 0x24);
    o1(&e, 0x88), o1(&e, 0x0A);
    o1(&e, 0xC3);
    e.p = f;
    o1(&e, 0xE8), o4(&e, (uint32_t)(callee - (f + 5)));
    o1(&e, 0x05), o4(&e, 1);
    o1(&e, 0xC3);
    static const uint8_t os[] = { 0x05, 0x2D, 0x3D, 0x2D, 0x05 };
    for (unsigned i = 0; i < sizeof os / sizeof os[0]; i++) {
        snprintf(what, sizeof what, "opcode after the call site := %02x", os[i]);
        check(what, smc_call(f, 50, os[i], 0), os[i] == 0x05 ? 51 : os[i] == 0x2D ? 49 : 50);
    }

    /* callees 1 and 2 (value 1 or 2): movl (%esp), %edx;
     * movl %ecx, -4(%edx) (the call's displacement); movl $n, %eax; ret
     * caller3: call callee1; ret */
    uint8_t *c1 = buf + 0x540, *c2 = buf + 0x560;
    f = buf + 0x500;
    for (int n = 1; n <= 2; n++) {
        e.p = n == 1 ? c1 : c2;
        o1(&e, 0x8B), o1(&e, 0x14), o1(&e, 0x24);
        o1(&e, 0x89), o1(&e, 0x4A), o1(&e, 0xFC);
        o1(&e, 0xB8), o4(&e, (uint32_t)n);
        o1(&e, 0xC3);
    }
    e.p = f;
    o1(&e, 0xE8), o4(&e, (uint32_t)(c1 - (f + 5)));
    o1(&e, 0xC3);
    uint32_t to1 = (uint32_t)(c1 - (f + 5)), to2 = (uint32_t)(c2 - (f + 5));
    static const int seq[] = { 2, 1, 1, 2, 2, 1 };   /* where the next call goes */
    int cur = 1;
    for (unsigned i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        snprintf(what, sizeof what, "call displacement rewritten by callee %d -> %d", cur, seq[i]);
        check(what, smc_call(f, 0, seq[i] == 1 ? to1 : to2, 0), (uint32_t)cur);
        cur = seq[i];
    }

    /* loop: L: pushl %ecx; call callee4; X: addl $0, %eax; popl %ecx;
     * decl %ecx; jnz L; ret.  callee4: movl (%esp), %edx;
     * movl 4(%esp), %ecx; movl %ecx, 1(%edx); ret (X's imm := counter) */
    callee = buf + 0x5C0, f = buf + 0x580;
    e.p = callee;
    o1(&e, 0x8B), o1(&e, 0x14), o1(&e, 0x24);
    o1(&e, 0x8B), o1(&e, 0x4C), o1(&e, 0x24), o1(&e, 0x04);
    o1(&e, 0x89), o1(&e, 0x4A), o1(&e, 0x01);
    o1(&e, 0xC3);
    e.p = f;
    o1(&e, 0x51);
    o1(&e, 0xE8), o4(&e, (uint32_t)(callee - (f + 6)));
    o1(&e, 0x05), o4(&e, 0);
    o1(&e, 0x59);
    o1(&e, 0x49);
    o1(&e, 0x75), o1(&e, (uint32_t)(f - (e.p + 1)));
    o1(&e, 0xC3);
    check("loop: callee sets the imm after its call site", smc_call(f, 7, 1000, 0), 7 + 500500);
}

/* ---- (h) other kinds of stores into the next instruction ---- */
static void test_h(void)
{
    char what[64];

    printf("(h) other kinds of stores into the next instruction\n");
    /* xchgl %ecx, g+1; g: movl $imm, %eax; addl %ecx, %eax; ret */
    uint8_t *f = buf + 0x600;
    struct em e = { f };
    o1(&e, 0x87), o1(&e, 0x0D), o4(&e, ad(f + 7));
    o1(&e, 0xB8), o4(&e, 0x11111111);
    o1(&e, 0x01), o1(&e, 0xC8);
    o1(&e, 0xC3);
    uint32_t imm = 0x11111111;
    static const uint32_t xs[] = { 5, 7, 0x80000000, 9 };
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        snprintf(what, sizeof what, "xchg into the next insn's imm: %08x", xs[i]);
        check(what, smc_call(f, 0, xs[i], 0), xs[i] + imm);
        imm = xs[i];
    }

    /* lock xaddl %ecx, g+1; g: movl $imm, %eax; addl %ecx, %eax; ret */
    f = buf + 0x640;
    e.p = f;
    o1(&e, 0xF0), o1(&e, 0x0F), o1(&e, 0xC1), o1(&e, 0x0D), o4(&e, ad(f + 9));
    o1(&e, 0xB8), o4(&e, 1000);
    o1(&e, 0x01), o1(&e, 0xC8);
    o1(&e, 0xC3);
    imm = 1000;
    for (uint32_t i = 1; i <= 4; i++) {
        uint32_t old = imm;
        imm += i * 111;
        snprintf(what, sizeof what, "lock xadd into the next insn's imm: +%u", i * 111);
        check(what, smc_call(f, 0, i * 111, 0), imm + old);
    }

    /* movl $far, %edx; btcl %ecx, (%edx); g: movl $imm, %eax; ret: the
     * register bit offset (negative) reaches the next instruction from
     * far away */
    f = buf + 0x680;
    uint8_t *far = buf + 0x3800;
    e.p = f;
    o1(&e, 0xBA), o4(&e, ad(far));
    o1(&e, 0x0F), o1(&e, 0xBB), o1(&e, 0x0A);
    o1(&e, 0xB8), o4(&e, 0);
    o1(&e, 0xC3);
    imm = 0;
    static const uint8_t bits[] = { 0, 5, 13, 31, 5, 20 };
    for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        imm ^= 1u << bits[i];
        uint32_t off = (uint32_t)(f + 9 - far) * 8 + bits[i];
        snprintf(what, sizeof what, "btc (bit offset %d) in the next insn's imm", (int)off);
        check(what, smc_call(f, 0, off, 0), imm);
    }

    /* movl %esp, %ebp; movl $g+4, %esp; pushl %ecx (writes g..g+3);
     * g: 4 bytes; movl %ebp, %esp; ret */
    f = buf + 0x6C0;
    static const uint32_t ps[] = { 0x40404040, 0x48484040, 0x90904040, 0x90909090 };
    static const uint32_t pw[] = { 104, 100, 102, 100 };   /* a = 100 */
    for (unsigned i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        e.p = f;
        o1(&e, 0x89), o1(&e, 0xE5);
        o1(&e, 0xBC), o4(&e, ad(f + 12));
        o1(&e, 0x51);
        o4(&e, 0x90909090);
        o1(&e, 0x89), o1(&e, 0xEC);
        o1(&e, 0xC3);
        snprintf(what, sizeof what, "push writing the next insn: %08x", ps[i]);
        check(what, smc_call(f, 100, ps[i], 0), pw[i]);
    }

    /* movl $g, %edi; movl $3, %ecx; movl %edx, %eax; rep stosb;
     * g: 3 bytes; ret */
    f = buf + 0x700;
    e.p = f;
    o1(&e, 0xBF), o4(&e, ad(f + 14));
    o1(&e, 0xB9), o4(&e, 3);
    o1(&e, 0x89), o1(&e, 0xD0);
    o1(&e, 0xF3), o1(&e, 0xAA);
    o1(&e, 0x90), o1(&e, 0x90), o1(&e, 0x90);
    o1(&e, 0xC3);
    static const uint8_t fills[] = { 0x40, 0x48, 0x90, 0x40 };
    for (unsigned i = 0; i < sizeof fills / sizeof fills[0]; i++) {
        uint32_t w = fills[i] == 0x40 ? 0x43u : fills[i] == 0x48 ? 0x45u : 0x90u;
        snprintf(what, sizeof what, "rep stosb over the next insns: %02x x3", fills[i]);
        check(what, smc_call(f, 0, 0, fills[i]), w);
    }

    /* pushl %ecx; fildl (%esp); popl %ecx; fistpl g+1;
     * g: movl $0, %eax; ret */
    f = buf + 0x740;
    e.p = f;
    o1(&e, 0x51);
    o1(&e, 0xDB), o1(&e, 0x04), o1(&e, 0x24);
    o1(&e, 0x59);
    o1(&e, 0xDB), o1(&e, 0x1D), o4(&e, ad(f + 12));
    o1(&e, 0xB8), o4(&e, 0);
    o1(&e, 0xC3);
    static const uint32_t fs[] = { 12345, 0xFFFFFFF0, 0x7FFFFFFF, 12345 };
    for (unsigned i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        snprintf(what, sizeof what, "fistp into the next insn's imm: %d", (int)fs[i]);
        check(what, smc_call(f, 0, fs[i], 0), fs[i]);
    }

    /* fninit; fnstcw g+1; g: movl $0xaaaaaaaa, %eax; ret */
    f = buf + 0x780;
    e.p = f;
    o1(&e, 0xDB), o1(&e, 0xE3);
    o1(&e, 0xD9), o1(&e, 0x3D), o4(&e, ad(f + 9));
    o1(&e, 0xB8), o4(&e, 0xAAAAAAAA);
    o1(&e, 0xC3);
    check("fnstcw into the next insn's imm", smc_call(f, 0, 0, 0), 0xAAAA037F);

    /* fldl src; fstpl g (8 bytes); g: 8 bytes; ret */
    f = buf + 0x7C0;
    uint8_t *src = buf + 0x7F0;
    e.p = f;
    o1(&e, 0xDD), o1(&e, 0x05), o4(&e, ad(src));
    o1(&e, 0xDD), o1(&e, 0x1D), o4(&e, ad(f + 12));
    for (int i = 0; i < 8; i++)
        o1(&e, 0x90);
    o1(&e, 0xC3);
    static const struct {
        uint32_t lo, hi, want;    /* a = 50 */
    } ds[] = {
        { 0x40404040, 0x40404040, 58 }, { 0x90909090, 0x90909090, 50 },
        { 0x40404848, 0x40404040, 54 }, { 0x40404040, 0x48484848, 50 },
    };
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        put32(src, ds[i].lo);
        put32(src + 4, ds[i].hi);
        snprintf(what, sizeof what, "fstp m64 over the next insns: %08x%08x", ds[i].hi, ds[i].lo);
        check(what, smc_call(f, 50, 0, 0), ds[i].want);
    }

    /* movl %ecx, %ebx; movl %edx, %ecx; movl $g, %esi; movl (%esi), %eax;
     * movl 4(%esi), %edx; lock cmpxchg8b (%esi); g: 8 bytes; ret */
    f = buf + 0x800;
    e.p = f;
    o1(&e, 0x89), o1(&e, 0xCB);
    o1(&e, 0x89), o1(&e, 0xD1);
    o1(&e, 0xBE), o4(&e, ad(f + 18));
    o1(&e, 0x8B), o1(&e, 0x06);
    o1(&e, 0x8B), o1(&e, 0x56), o1(&e, 0x04);
    o1(&e, 0xF0), o1(&e, 0x0F), o1(&e, 0xC7), o1(&e, 0x0E);
    for (int i = 0; i < 8; i++)
        o1(&e, 0x90);
    o1(&e, 0xC3);
    static const struct {
        uint32_t lo, hi, want;
    } cx[] = {
        { 0x332211B8, 0x90909044, 0x44332211 },
        { 0x40404040, 0x40404040, 0x332211B8 + 8 },
        { 0x345678B8, 0x40404012, 0x12345678 + 3 },
        { 0x90909090, 0x90909090, 0x345678B8 },
    };
    for (unsigned i = 0; i < sizeof cx / sizeof cx[0]; i++) {
        snprintf(what, sizeof what, "cmpxchg8b over the next insns: %08x%08x", cx[i].hi, cx[i].lo);
        check(what, smc_call(f, 0, cx[i].lo, cx[i].hi), cx[i].want);
    }
}

/* ---- (i) flags and exceptions across a patch of the next instruction ---- */
struct xrun {
    const uint8_t *f;
    uint32_t b, r;
};

static void xrun_fn(void *p)
{
    struct xrun *x = p;
    x->r = smc_call(x->f, 0, x->b, 0);
}

static void test_i(void)
{
    char what[64];

    printf("(i) flags and exceptions across a patch of the next instruction\n");
    /* addl %ecx, %eax; movl %edx, g; g: 4 bytes (xorl %eax, %eax; nop; nop
     * or a flag reader); ret.  Each flag reader replaces the flag-killing
     * xor: its first run follows code translated when the flags were dead. */
    uint8_t *f = buf + 0x880;
    struct em e = { f };
    o1(&e, 0x01), o1(&e, 0xC8);
    o1(&e, 0x89), o1(&e, 0x15), o4(&e, ad(f + 8));
    o4(&e, 0x9090C031);
    o1(&e, 0xC3);
    static const struct {
        uint32_t code;
        const char *name;
    } rd[] = {
        { 0x9090C019, "sbb %eax, %eax" }, { 0x90C0920F, "setc %al" },
        { 0x90C0900F, "seto %al" },       { 0x90C0940F, "setz %al" },
        { 0x90C0980F, "sets %al" },       { 0x9000D083, "adc $0, %eax" },
        { 0x9090909F, "lahf" },           { 0x90C09A0F, "setp %al" },
    };
    static const uint32_t in[][2] = { { 0xFFFFFFFF, 1 }, { 0x7FFFFFFF, 1 }, { 5, 6 }, { 0x80000000, 0x80000000 } };
    for (unsigned i = 0; i < sizeof rd / sizeof rd[0]; i++) {
        uint32_t h = 0;
        for (unsigned k = 0; k < sizeof in / sizeof in[0]; k++) {
            smc_call(f, in[k][0], in[k][1], 0x9090C031);   /* back to the xor */
            h = h * 31 + smc_call(f, in[k][0], in[k][1], rd[i].code);
        }
        /* no model: the native twin's output is the reference */
        snprintf(what, sizeof what, "add; patch the xor after it to %s", rd[i].name);
        printf("  %-50s %08x\n", what, h);
    }

    /* movl $g, xbt_mark; movl %ecx, g; g: 4 bytes;
     * movl $0x600d, %eax; ret */
    f = buf + 0x8C0;
    e.p = f;
    o1(&e, 0xC7), o1(&e, 0x05), o4(&e, ad(&xbt_mark)), o4(&e, ad(f + 16));
    o1(&e, 0x89), o1(&e, 0x0D), o4(&e, ad(f + 16));
    o4(&e, 0x90909090);
    o1(&e, 0xB8), o4(&e, 0x600D);
    o1(&e, 0xC3);
    static const struct {
        uint32_t code;
        const char *name;
    } ex[] = {
        { 0x90909090, "nops" }, { 0x90900B0F, "ud2" },       { 0x90909090, "nops" },
        { 0x909090CC, "int3" }, { 0x9090F3F7, "div %ebx (0)" }, { 0x90909090, "nops" },
        { 0x9090F3F7, "div %ebx (0)" }, { 0x90900B0F, "ud2" },
    };
    for (unsigned i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        struct xrun x = { f, ex[i].code, 0 };
        struct xbt_fault flt;
        char fb[48];
        int v = xbt_catch(xrun_fn, &x, &flt);
        if (v < 0)
            snprintf(fb, sizeof fb, "returned %x", x.r);
        else
            xbt_fault_str(&flt, fb, sizeof fb);
        printf("  next insn := %-20s %s\n", ex[i].name, fb);
    }
}

int test_main(void)
{
    buf = smc_buf();
    if (!buf) {
        printf("no executable buffer\n");
        return 1;
    }
    memset(buf, 0xCC, SMC_BUF_SIZE);       /* int3 */
    test_a();
    test_b();
    test_c();
    test_d();
    test_e();
    test_f();
    test_g();
    test_h();
    test_i();
    printf("%u checks, %u wrong\n%s: smc_native\n", checks, wrong, wrong ? "FAIL" : "PASS");
    return 0;
}
