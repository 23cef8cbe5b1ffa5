/*
 * isa_stack.c - stack instructions against the host CPU, each run on a
 * private stack S (64 KiB aligned, so low address bits agree in both builds)
 * with every register loaded from a table: PUSH/POP of registers, memory
 * (ESP-relative addresses: PUSH [ESP+n] uses ESP before the decrement, POP
 * [ESP+n] after the increment), immediates (imm8 sign-extended, imm32),
 * 16-bit forms (0x66) including PUSH SP / POP SP, PUSH ESP (old value) and
 * POP ESP (the loaded value wins), PUSHA/POPA in both sizes (ESP slot
 * skipped), ENTER with nesting levels 0 1 2 5 31 (and 32 = 0) in both
 * operand sizes, LEAVE (both sizes), RET imm16, XCHG with the stack top.
 * PUSHF/POPF: each of CF PF AF ZF SF OF DF AC ID (and reserved bits) flipped
 * and read back (IF and IOPL are not compared: POPF changes them at CPL 0
 * but not at CPL 3 natively), plus the 16-bit forms.
 *
 * Printed: the registers (addresses in S as "S+off", addresses after the
 * mark as "M+off"), the arithmetic flags and the changed part of S as
 * dwords.
 */
#include "isa_sys.h"

#define SSIZE 0x2000
static uint8_t S[SSIZE] __attribute__((aligned(65536)));
static uint8_t S0[SSIZE];

/* Registers in and out (EAX ECX EDX EBX ESP EBP ESI EDI EFLAGS), read and
 * written by name from the asm, so global. */
uint32_t isa_stk_in[9], isa_stk_out[9], isa_stk_c_esp;

/* Loads everything from isa_stk_in (flags first, ESP last), runs body on
 * S, stores everything to isa_stk_out and returns to the C stack. */
#define STK_FN(name, body)                                                  \
    static void name(void)                                                  \
    {                                                                       \
        __asm__ volatile(                                                   \
            "pushal\n\t"                                                    \
            "movl %%esp, isa_stk_c_esp\n\t"                                 \
            "pushl isa_stk_in+32\n\t"                                       \
            "popfl\n\t"                                                     \
            "movl isa_stk_in+0, %%eax\n\t"                                  \
            "movl isa_stk_in+4, %%ecx\n\t"                                  \
            "movl isa_stk_in+8, %%edx\n\t"                                  \
            "movl isa_stk_in+12, %%ebx\n\t"                                 \
            "movl isa_stk_in+20, %%ebp\n\t"                                 \
            "movl isa_stk_in+24, %%esi\n\t"                                 \
            "movl isa_stk_in+28, %%edi\n\t"                                 \
            "movl isa_stk_in+16, %%esp\n\t"                                 \
            XBT_MARK                                                        \
            body "\n\t"                                                     \
            "movl %%eax, isa_stk_out+0\n\t"                                 \
            "movl %%ecx, isa_stk_out+4\n\t"                                 \
            "movl %%edx, isa_stk_out+8\n\t"                                 \
            "movl %%ebx, isa_stk_out+12\n\t"                                \
            "movl %%esp, isa_stk_out+16\n\t"                                \
            "movl %%ebp, isa_stk_out+20\n\t"                                \
            "movl %%esi, isa_stk_out+24\n\t"                                \
            "movl %%edi, isa_stk_out+28\n\t"                                \
            "movl isa_stk_c_esp, %%esp\n\t"                                 \
            "pushfl\n\t"                                                    \
            "popl isa_stk_out+32\n\t"                                       \
            "cld\n\t"                                                       \
            "popal"                                                         \
            : : : "cc", "memory");                                          \
    }

struct stk_case {
    const char *body;
    void (*fn)(void);
};

#define C(name, body) STK_FN(name, body)
#include "isa_stack_cases.h"
#undef C

static const struct stk_case cases[] = {
#define C(name, body) { body, name },
#include "isa_stack_cases.h"
#undef C
};

/* Symbolic form of a value: in S's 64 KiB window, after the mark, or hex. */
static char *sym(char *buf, uint32_t v)
{
    uint32_t s = (uint32_t)(uintptr_t)S;

    if (v - s < 0x10000)
        sprintf(buf, "S+%04x", v - s);
    else if (xbt_mark && v - xbt_mark < 0x100)
        sprintf(buf, "M+%02x", v - xbt_mark);
    else
        sprintf(buf, "%08x", v);
    return buf;
}

static void fill(uint32_t seed)
{
    for (uint32_t i = 0; i < SSIZE; i++)
        S[i] = (uint8_t)((i * 29 + seed) ^ (i >> 6));
}

static void run(const struct stk_case *c, uint32_t fin)
{
    static const char *const rn[8] = { "eax", "ecx", "edx", "ebx", "esp",
                                       "ebp", "esi", "edi" };
    uint32_t s = (uint32_t)(uintptr_t)S;
    char line[1024], b[16];
    int n = 0;

    fill(fin);
    memcpy(S0, S, SSIZE);
    isa_stk_in[0] = 0xA1B2C3D4;
    isa_stk_in[1] = 8;
    isa_stk_in[2] = 0xF00DFACE;
    isa_stk_in[3] = s + 0x1200;
    isa_stk_in[4] = s + 0x1000;
    isa_stk_in[5] = s + 0x1100;
    isa_stk_in[6] = 0x5EED5EED;
    isa_stk_in[7] = 0x01234567;
    /* Arithmetic flags only; bit 1 is always set; IF as it is (it stays). */
    isa_stk_in[8] = (sys_flags() & ~(ISA_ARITH | ISA_DF | ISA_AC)) | fin;
    xbt_mark = 0;
    c->fn();

    /* The body as written, "%%" -> "%", newlines -> "; ". */
    for (const char *t = c->body; *t && n < 200; t++) {
        if (t[0] == '%' && t[1] == '%')
            continue;
        if (*t == '\t')
            continue;
        if (*t == '\n') {
            line[n++] = ';';
            line[n++] = ' ';
        } else {
            line[n++] = *t;
        }
    }
    n += snprintf(line + n, sizeof line - (size_t)n, " ->");
    for (int r = 0; r < 8; r++)
        n += snprintf(line + n, sizeof line - (size_t)n, " %s=%s", rn[r],
                      sym(b, isa_stk_out[r]));
    n += snprintf(line + n, sizeof line - (size_t)n, " fl=%s",
                  isa_fl(isa_stk_out[8], ISA_ARITH));
    /* The changed part of S, widened to dwords. */
    int lo = -1, hi = 0;
    for (int i = 0; i < SSIZE; i++)
        if (S[i] != S0[i]) {
            if (lo < 0)
                lo = i;
            hi = i + 1;
        }
    if (lo < 0) {
        n += snprintf(line + n, sizeof line - (size_t)n, " S=same");
    } else {
        lo &= ~3;
        hi = (hi + 3) & ~3;
        n += snprintf(line + n, sizeof line - (size_t)n, " S[%04x..%04x]=", lo, hi);
        for (int i = lo; i < hi && n < (int)sizeof line - 16; i += 4) {
            uint32_t v;
            memcpy(&v, S + i, 4);
            n += snprintf(line + n, sizeof line - (size_t)n, "%s%s",
                          i == lo ? "" : ",", sym(b, v));
        }
    }
    isa_line("%s\n", line);
}

/* ---- PUSHF/POPF ---- */
/* Saves EFLAGS, clears the arithmetic flags, DF and AC (base), flips the
 * bits x with POPF (32-bit, or 16-bit POPFW if w16), reads EFLAGS back,
 * restores.  Only aligned stack accesses while AC may be set. */
static uint32_t popf_flip(uint32_t x, int w16, uint32_t *base)
{
    uint32_t r, b;

    if (w16)
        __asm__ volatile("pushfl\n\t"
                         "pushfl\n\t"
                         "andl $0xfffbf32a, (%%esp)\n\t"
                         "popfl\n\t"
                         "pushfl\n\t"
                         "popl %1\n\t"
                         "pushfw\n\t"
                         "xorw %w2, (%%esp)\n\t"
                         "popfw\n\t"
                         "pushfl\n\t"
                         "popl %0\n\t"
                         "popfl"
                         : "=&r"(r), "=&r"(b) : "r"(x) : "cc", "memory");
    else
        __asm__ volatile("pushfl\n\t"
                         "pushfl\n\t"
                         "andl $0xfffbf32a, (%%esp)\n\t"
                         "popfl\n\t"
                         "pushfl\n\t"
                         "popl %1\n\t"
                         "pushfl\n\t"
                         "xorl %2, (%%esp)\n\t"
                         "popfl\n\t"
                         "pushfl\n\t"
                         "popl %0\n\t"
                         "popfl"
                         : "=&r"(r), "=&r"(b) : "r"(x) : "cc", "memory");
    *base = b;
    return r;
}

/* PUSHFW: 2 bytes, the low half of EFLAGS (arithmetic flags cleared). */
static uint32_t pushfw_value(uint32_t *esp_delta)
{
    uint32_t r, d;
    __asm__ volatile("pushfl\n\t"
                     "andl $0xfffbf32a, (%%esp)\n\t"
                     "popfl\n\t"
                     "movl %%esp, %1\n\t"
                     "pushfw\n\t"
                     "subl %%esp, %1\n\t"
                     "movzwl (%%esp), %0\n\t"
                     "leal 2(%%esp), %%esp"
                     : "=r"(r), "=&r"(d) : : "cc", "memory");
    *esp_delta = d;
    return r;
}

static void flags_tests(void)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } bits[] = {
        { "CF", 0x1 }, { "bit1", 0x2 }, { "PF", 0x4 }, { "bit3", 0x8 },
        { "AF", 0x10 }, { "bit5", 0x20 }, { "ZF", 0x40 }, { "SF", 0x80 },
        { "DF", 0x400 }, { "OF", 0x800 }, { "bit15", 0x8000 },
        { "AC", 0x40000 }, { "ID", 0x200000 }, { "bit22", 0x400000 },
        { "bit31", 0x80000000 }, { "arith", ISA_ARITH },
        { "arith+DF+AC", ISA_ARITH | ISA_DF | ISA_AC },
    };
    /* Compared: the arithmetic flags, DF, AC, ID and the reserved bits
     * 1 3 5 15 22-31.  Not: TF (would trap), IF IOPL NT RF VM VIF VIP. */
    const uint32_t mask = 0xFFE48CFFu;
    uint32_t base, r;

    for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        r = popf_flip(bits[i].bit, 0, &base);
        isa_line("popf flip %-11s -> changed=%08x value=%08x\n", bits[i].name,
                 (r ^ base) & mask, r & mask);
    }
    for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        r = popf_flip(bits[i].bit, 1, &base);
        isa_line("popfw flip %-11s -> changed=%08x value=%08x\n", bits[i].name,
                 (r ^ base) & mask, r & mask);
    }
    /* POPFW keeps the upper half: AC set, then POPFW must not clear it. */
    __asm__ volatile("pushfl\n\t"
                     "pushfl\n\t"
                     "orl $0x40000, (%%esp)\n\t"
                     "popfl\n\t"
                     "pushfw\n\t"
                     "popfw\n\t"
                     "pushfl\n\t"
                     "popl %0\n\t"
                     "popfl"
                     : "=r"(r) : : "cc", "memory");
    isa_line("popfw keeps AC -> AC=%u\n", (r >> 18) & 1);
    uint32_t d, v = pushfw_value(&d);
    isa_line("pushfw -> esp-=%u value&mask=%04x\n", d, v & mask & 0xFFFF);
}

int test_main(void)
{
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(&cases[i], 0);
        run(&cases[i], ISA_ARITH);
    }
    flags_tests();
    isa_done("isa_stack");
    return 0;
}
