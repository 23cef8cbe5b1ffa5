/*
 * isa_run.h - runs instructions given as bytes, for the table-driven isa
 * tests (isa_legacy.c, isa_hibyte.c).  Header-only; include it (instead of
 * isa_sys.h) in one source file per kernel.
 *
 * run_case() copies a case's bytes into a 32-byte slot of executable
 * memory (isa_sys.h), followed by `jmp *%cs:run_back_ptr`, and runs them
 * under xbt_catch() with EAX..EDI, the arithmetic flags and optionally ES
 * taken from the case (TF, DF and AC clear; IF and IOPL as they are).  It
 * prints one line (counted by isa_line()):
 *     NAME -> [#XX at c+N] [REG=VAL ...] [fl=OSZAPC] [[d+OFF]=VAL ...] [ds=..] [es=..]
 * the exception if one was raised (EIP relative to the first byte), the
 * registers that changed, the flags the case says are defined (isa_fl()),
 * the dwords of the data area that changed (after an exception only those
 * at or above the ESP it interrupted: a frame may have been pushed below),
 * and DS/ES if they changed.  Values inside the data area or the slot are
 * printed relative to them ("d+0x80", "d-0x04", "c+7") and, for cases with
 * RUN_SEL, 16-bit values naming the test's selectors by name ("0000:CS",
 * error codes "err=DS"), so that every build prints the same bytes.
 *
 * The data area (run_data(), 256 bytes) is rewritten before every case:
 * byte k is 0xA5 ^ (k * 7), except
 *   0x40  BOUND bounds: dwords -5, 5
 *   0x48  BOUND bounds: words -5, 5
 *   0x50  m16:32 far pointer 0x12345678:DS      0x58  0x9ABCDEF0:0 (null)
 *   0x60  m16:32 far pointer 0x0BADF00D:0xFFF8  0x68  m16:16 0xBEEF:DS
 *   0x70  m16:32 far pointer to a case's target (RUN_FIX_FARMEM)
 * Below it lie 16 KiB of stack, so a register flagged in `ptr` (reg[r] is
 * then an offset into the data area) can be ESP: by default ESP = d+0x80.
 * The data area's address is 0x4000 modulo 64 KiB in every build, so the
 * 16-bit SP, BP, ... of such a pointer print the same.
 * ESP must point there whenever the case may raise an exception or push
 * (the exception frame, natively a signal frame, goes on that stack).
 *
 * Also: run_sel_b(), a data segment whose base is the data area (limit
 * 0xFFFF; isa_sys.h's sys_seg slot 0), for 16-bit addressing that reads the
 * same bytes in both builds.
 */
#ifndef XBT_GUEST_ISA_RUN_H
#define XBT_GUEST_ISA_RUN_H

#include "isa_sys.h"

enum { RUN_EAX, RUN_ECX, RUN_EDX, RUN_EBX, RUN_ESP, RUN_EBP, RUN_ESI, RUN_EDI };

#define RUN_SEL 0x1u              /* name selectors in registers, memory, error codes */
#define RUN_SEL16 0x2u            /* a value holding a selector: the name alone (pushes
                                     of segment registers and CS: the other half of the
                                     slot is implementation-dependent) */
#define RUN_FIX_FAR 0x4u          /* code[fix_at..+6] = ptr16:32 to slot + fix_to : CS */
#define RUN_FIX_FARMEM 0x8u       /* data[0x70..+6] = m16:32 to slot + fix_to : CS */
#define RUN_FIX_ABS 0x10u         /* code[fix_at..+4] = the address of data[fix_to] */

struct run_case {
    const char *name;
    uint8_t code[24];
    unsigned len;
    uint32_t reg[8];              /* initial EAX..EDI */
    uint8_t ptr;                  /* bit r: reg[r] is an offset into the data area */
    uint32_t fin;                 /* initial arithmetic flags */
    uint32_t fmask;               /* flags defined after the case (printed) */
    int32_t es;                   /* selector loaded into ES first, -1: none */
    int32_t far_sel;              /* RUN_FIX_FAR(MEM) selector, -1: CS */
    uint8_t fix_at, fix_to;
    unsigned flags;
};

/* Default register values: every byte different, no address-like value. */
static const uint32_t run_default_regs[8] = {
    0x12345678, 0x9ABCDEF0, 0x0FEDCBA9, 0x87654321,
    0x80, 0x13579BDF, 0xFDB97531, 0x0F1E2D3C,
};
static const char *const run_reg_names[8] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
};

/* A case running `len` bytes of `code` with the default registers, ESP =
 * d+0x80, no input flags, nothing printed for the flags. */
static inline struct run_case run_new(const char *name, const void *code, unsigned len)
{
    struct run_case c;

    memset(&c, 0, sizeof c);
    c.name = name;
    memcpy(c.code, code, len < sizeof c.code ? len : sizeof c.code);
    c.len = len;
    memcpy(c.reg, run_default_regs, sizeof c.reg);
    c.ptr = 1u << RUN_ESP;
    c.es = -1;
    c.far_sel = -1;
    return c;
}
#define RUN_NEW(name, ...) run_new((name), (const uint8_t[]){__VA_ARGS__}, \
                                   sizeof((const uint8_t[]){__VA_ARGS__}))

/* ---- the runner (globals used by the assembly below) ---- */
__attribute__((used)) uint32_t run_in[8], run_in_fl, run_out[8], run_out_fl;
__attribute__((used)) int32_t run_in_es;
__attribute__((used)) uint16_t run_out_ds, run_out_es, run_save_ds, run_save_es;
__attribute__((used)) uint32_t run_saved_esp, run_target;
void run_enter(void);
void run_back(void);
__attribute__((used)) uint32_t run_back_ptr = (uint32_t)run_back;

__asm__(".text\n"
        ".globl run_enter\n"
        "run_enter:\n\t"
        "pushl %ebp\n\t"
        "pushl %ebx\n\t"
        "pushl %esi\n\t"
        "pushl %edi\n\t"
        "movl %esp, run_saved_esp\n\t"
        "movw %ds, run_save_ds\n\t"
        "movw %es, run_save_es\n\t"
        "movl run_in_es, %eax\n\t"
        "testl %eax, %eax\n\t"
        "js 1f\n\t"
        "movw %ax, %es\n"
        "1:\tpushfl\n\t"
        "andl $0xfffbf22a, (%esp)\n\t"   /* ~(ARITH | TF | DF | AC) */
        "movl run_in_fl, %eax\n\t"
        "orl %eax, (%esp)\n\t"
        "popfl\n\t"
        "movl run_in+0, %eax\n\t"
        "movl run_in+4, %ecx\n\t"
        "movl run_in+8, %edx\n\t"
        "movl run_in+12, %ebx\n\t"
        "movl run_in+20, %ebp\n\t"
        "movl run_in+24, %esi\n\t"
        "movl run_in+28, %edi\n\t"
        "movl run_in+16, %esp\n\t"
        "jmp *run_target\n"
        ".globl run_back\n"
        "run_back:\n\t"
        "movl %eax, %ss:run_out+0\n\t"
        "movl %ecx, %ss:run_out+4\n\t"
        "movl %edx, %ss:run_out+8\n\t"
        "movl %ebx, %ss:run_out+12\n\t"
        "movl %esp, %ss:run_out+16\n\t"
        "movl %ebp, %ss:run_out+20\n\t"
        "movl %esi, %ss:run_out+24\n\t"
        "movl %edi, %ss:run_out+28\n\t"
        "movl %ss:run_saved_esp, %esp\n\t"
        "pushfl\n\t"
        "popl %ss:run_out_fl\n\t"
        "movw %ds, %ss:run_out_ds\n\t"
        "movw %es, %ss:run_out_es\n\t"
        "movw %ss:run_save_ds, %ds\n\t"
        "movw %ss:run_save_es, %es\n\t"
        "cld\n\t"
        "popl %edi\n\t"
        "popl %esi\n\t"
        "popl %ebx\n\t"
        "popl %ebp\n\t"
        "ret\n");

static void run_fn(void *arg)
{
    (void)arg;
    run_enter();
}

/* ---- memory ---- */
#define RUN_SLOT 32
#define RUN_DATA 256

static struct {
    uint8_t stack[16384];
    uint8_t data[RUN_DATA];
    uint8_t guard[64];
} run_mem __attribute__((aligned(65536)));   /* data: the same low 16 bits everywhere */

static inline uint8_t *run_data(void) { return run_mem.data; }

static unsigned run_next_slot;
static uint16_t run_cs_, run_ds_, run_ss_, run_b_;

static inline uint16_t run_sel_ds(void) { return run_ds_; }
static inline uint16_t run_sel_b(void) { return run_b_; }

/* Selectors, the based segment; call once first. */
static inline void run_init(void)
{
    __asm__ volatile("movw %%cs, %0\n\tmovw %%ds, %1\n\tmovw %%ss, %2"
                     : "=r"(run_cs_), "=r"(run_ds_), "=r"(run_ss_));
    run_b_ = sys_seg(0, run_mem.data, 0xFFFF, 0);
}

static inline void run_put32(unsigned off, uint32_t v) { memcpy(run_mem.data + off, &v, 4); }
static inline void run_put16(unsigned off, uint16_t v) { memcpy(run_mem.data + off, &v, 2); }

static void run_reset_data(void)
{
    for (unsigned k = 0; k < RUN_DATA; k++)
        run_mem.data[k] = (uint8_t)(0xA5 ^ (k * 7));
    run_put32(0x40, (uint32_t)-5);
    run_put32(0x44, 5);
    run_put16(0x48, (uint16_t)-5);
    run_put16(0x4A, 5);
    run_put32(0x50, 0x12345678);
    run_put16(0x54, run_ds_);
    run_put32(0x58, 0x9ABCDEF0);
    run_put16(0x5C, 0);
    run_put32(0x60, 0x0BADF00D);
    run_put16(0x64, 0xFFF8);
    run_put16(0x68, 0xBEEF);
    run_put16(0x6A, run_ds_);
}

/* ---- printing ---- */
static const char *run_sel_name(uint32_t v)
{
    v &= 0xFFFF;
    if (v == run_cs_)
        return "CS";
    if (v == run_ds_)
        return "DS";
    if (v == run_ss_)
        return "SS";
    if (v == run_b_)
        return "SEGB";
    return NULL;
}

/* v as d+OFF / c+OFF / hex, with RUN_SEL a selector in either half as
 * HHHH:SEL / SEL:LLLL (RUN_SEL16: SEL alone), into buf[24]. */
static char *run_sym(char *buf, uint32_t v, const uint8_t *slot, unsigned flags)
{
    int32_t d = (int32_t)(v - (uint32_t)(uintptr_t)run_mem.data);
    uint32_t c = v - (uint32_t)(uintptr_t)slot;
    const char *lo = (flags & RUN_SEL) ? run_sel_name(v) : NULL;
    const char *hi = (flags & RUN_SEL) && !lo ? run_sel_name(v >> 16) : NULL;

    if (d >= -64 && d < RUN_DATA + 64)
        sprintf(buf, "d%c0x%02x", d < 0 ? '-' : '+', (unsigned)(d < 0 ? -d : d));
    else if (c < RUN_SLOT)
        sprintf(buf, "c+%u", (unsigned)c);
    else if ((lo || hi) && (flags & RUN_SEL16))
        sprintf(buf, "%s", lo ? lo : hi);
    else if (lo)
        sprintf(buf, "%04x:%s", (unsigned)(v >> 16), lo);
    else if (hi)
        sprintf(buf, "%s:%04x", hi, (unsigned)(v & 0xFFFF));
    else
        sprintf(buf, "%08x", (unsigned)v);
    return buf;
}

static void run_append(char *line, size_t size, const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(line);
    snprintf(line + n, size - n, fmt, a, b);
}

static void run_print_fault(char *line, size_t size, const struct xbt_fault *f,
                            const uint8_t *slot, unsigned flags)
{
    char at[24], err[24] = "";
    int code = f->vector == XBT_GP || f->vector == 10 || f->vector == 11 || f->vector == 12;

    sprintf(at, "c%+d", (int)(f->eip - (uint32_t)(uintptr_t)slot));
    if (code) {
        const char *s = (flags & RUN_SEL) && f->error_code ? run_sel_name(f->error_code | 3) : NULL;
        const char *s0 = (flags & RUN_SEL) && f->error_code ? run_sel_name(f->error_code) : NULL;
        if (s || s0)
            sprintf(err, "(%s)", s ? s : s0);
        else
            sprintf(err, "(%04x)", (unsigned)f->error_code);
    }
    char v[40];
    snprintf(v, sizeof v, "%s%s", xbt_vector_name(f->vector), err);
    run_append(line, size, " %s at %s", v, at);
}

/* Runs c and prints its line. */
static void run_case(const struct run_case *c)
{
    uint8_t *slot = sys_exec_buf() + (run_next_slot++ % (SYS_EXEC_SIZE / RUN_SLOT)) * RUN_SLOT;
    uint8_t before[RUN_DATA];
    struct xbt_fault f;
    char line[1024], a[24], b[24];

    run_reset_data();
    memcpy(slot, c->code, c->len);
    static const uint8_t back[3] = { 0x2E, 0xFF, 0x25 };   /* jmp *%cs:run_back_ptr */
    uint32_t bp = (uint32_t)(uintptr_t)&run_back_ptr;
    memcpy(slot + c->len, back, 3);
    memcpy(slot + c->len + 3, &bp, 4);
    uint16_t fsel = c->far_sel >= 0 ? (uint16_t)c->far_sel : run_cs_;
    uint32_t ftgt = (uint32_t)(uintptr_t)slot + c->fix_to;
    if (c->flags & RUN_FIX_FAR) {
        memcpy(slot + c->fix_at, &ftgt, 4);
        memcpy(slot + c->fix_at + 4, &fsel, 2);
    }
    if (c->flags & RUN_FIX_FARMEM) {
        run_put32(0x70, ftgt);
        run_put16(0x74, fsel);
    }
    if (c->flags & RUN_FIX_ABS) {
        uint32_t abs = (uint32_t)(uintptr_t)(run_mem.data + c->fix_to);
        memcpy(slot + c->fix_at, &abs, 4);
    }
    memcpy(before, run_mem.data, RUN_DATA);
    for (int r = 0; r < 8; r++)
        run_in[r] = c->reg[r] + ((c->ptr >> r & 1) ? (uint32_t)(uintptr_t)run_mem.data : 0);
    run_in_fl = c->fin & ISA_ARITH;
    run_in_es = c->es;
    run_target = (uint32_t)(uintptr_t)slot;
    memset(run_out, 0, sizeof run_out);
    run_out_fl = 0;
    run_out_ds = run_out_es = 0;

    snprintf(line, sizeof line, "%s ->", c->name);
    int vec = xbt_catch(run_fn, NULL, &f);
    uint32_t out[8], fl, low = 0;
    if (vec >= 0) {
        uint32_t fr[8] = { f.eax, f.ecx, f.edx, f.ebx, f.esp, f.ebp, f.esi, f.edi };
        memcpy(out, fr, sizeof out);
        fl = f.eflags;
        low = f.esp;
        run_print_fault(line, sizeof line, &f, slot, c->flags);
    } else {
        memcpy(out, run_out, sizeof out);
        fl = run_out_fl;
    }
    for (int r = 0; r < 8; r++)
        if (out[r] != run_in[r])
            run_append(line, sizeof line, " %s=%s", run_reg_names[r],
                       run_sym(a, out[r], slot, c->flags));
    if (c->fmask)
        run_append(line, sizeof line, " fl=%s%s", isa_fl(fl, c->fmask), "");
    for (unsigned k = 0; k < RUN_DATA; k += 4) {
        uint32_t nv, ov;
        memcpy(&nv, run_mem.data + k, 4);
        memcpy(&ov, before + k, 4);
        if (nv == ov || (uint32_t)(uintptr_t)(run_mem.data + k) < low)
            continue;
        sprintf(b, "[d+0x%02x]", k);
        run_append(line, sizeof line, " %s=%s", b, run_sym(a, nv, slot, c->flags));
    }
    if (vec < 0 && run_out_ds != run_save_ds)
        run_append(line, sizeof line, " ds=%s%s", run_sym(a, run_out_ds, slot, RUN_SEL), "");
    uint16_t es0 = c->es >= 0 ? (uint16_t)c->es : run_save_es;
    if (vec < 0 && run_out_es != es0)
        run_append(line, sizeof line, " es=%s%s", run_sym(a, run_out_es, slot, RUN_SEL), "");
    isa_line("%s\n", line);
}

#endif
