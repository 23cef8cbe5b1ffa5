/*
 * printf.c - a small printf family for xbt guests.
 *
 * Conversions: d i u o x X c s p %.  Flags: - + space # 0.  Field width and
 * precision, both also as '*'.  Length modifiers: hh h l ll j z t (L is
 * accepted and ignored).  Formatting follows glibc for everything listed
 * (including "(null)" for a NULL %s and "(nil)" for a NULL %p), so outputs
 * compare byte for byte with native programs.  64-bit conversions divide
 * with libgcc's __udivdi3/__umoddi3.  %n and floating point are not
 * supported; an unknown conversion is copied to the output as is.
 */
#include <stdbool.h>

#include "rt.h"

struct spec {
    bool left, plus, space, alt, zero;
    int width;                    /* 0 if none */
    int prec;                     /* -1 if none */
};

struct sink {
    fmt_out_fn out;
    void *ctx;
    int count;
};

static void emit(struct sink *k, char c)
{
    k->out(c, k->ctx);
    k->count++;
}

static void emit_n(struct sink *k, char c, int n)
{
    while (n-- > 0)
        emit(k, c);
}

static void emit_str(struct sink *k, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        emit(k, s[i]);
}

/* Writes the digits of v in base (8, 10 or 16) backwards ending at end;
 * returns the number of digits (0 for v == 0). */
static int digits(char *end, unsigned long long v, unsigned base, bool upper)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    if (v <= 0xFFFFFFFFu) {       /* 32-bit fast path: no libgcc calls */
        uint32_t w = (uint32_t)v;
        while (w) {
            *--end = dig[w % base];
            w /= base;
            n++;
        }
    } else {
        while (v) {
            *--end = dig[v % base];
            v /= base;
            n++;
        }
    }
    return n;
}

enum int_kind { K_SIGNED, K_UNSIGNED, K_POINTER };

/* Formats an integer: prefix is the sign or "0x", then zeros up to the
 * precision, with the field padded by spaces or (flag 0) zeros. */
static void fmt_int(struct sink *k, const struct spec *sp, unsigned long long v,
                    bool neg, unsigned base, bool upper, enum int_kind kind)
{
    char buf[24];
    char prefix[3];
    int plen = 0;
    int nd = digits(buf + sizeof buf, v, base, upper);
    const char *ds = buf + sizeof buf - nd;
    int prec = sp->prec;

    if (kind == K_SIGNED) {
        if (neg)
            prefix[plen++] = '-';
        else if (sp->plus)
            prefix[plen++] = '+';
        else if (sp->space)
            prefix[plen++] = ' ';
    } else if (base == 16 && (kind == K_POINTER || (sp->alt && v != 0))) {
        prefix[plen++] = '0';
        prefix[plen++] = upper ? 'X' : 'x';
    }
    if (prec < 0) {
        prec = 1;                 /* at least one digit */
    }
    if (base == 8 && sp->alt && prec <= nd)
        prec = nd + 1;            /* '#': force a leading 0 */
    int zeros = prec > nd ? prec - nd : 0;
    int len = plen + zeros + nd;
    int pad = sp->width > len ? sp->width - len : 0;

    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!sp->left)
        emit_n(k, ' ', pad);
    emit_str(k, prefix, plen);
    emit_n(k, '0', zeros);
    emit_str(k, ds, nd);
    if (sp->left)
        emit_n(k, ' ', pad);
}

static void fmt_str(struct sink *k, const struct spec *sp, const char *s)
{
    int n = 0;

    if (!s)
        s = (sp->prec < 0 || sp->prec >= 6) ? "(null)" : "";
    while (s[n] && (sp->prec < 0 || n < sp->prec))
        n++;
    int pad = sp->width > n ? sp->width - n : 0;
    if (!sp->left)
        emit_n(k, ' ', pad);
    emit_str(k, s, n);
    if (sp->left)
        emit_n(k, ' ', pad);
}

enum len { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

int vcbprintf(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
    struct sink k = { out, ctx, 0 };

    while (*fmt) {
        if (*fmt != '%') {
            emit(&k, *fmt++);
            continue;
        }
        const char *start = fmt++;
        struct spec sp = { .prec = -1 };

        for (;; fmt++) {
            if (*fmt == '-') sp.left = true;
            else if (*fmt == '+') sp.plus = true;
            else if (*fmt == ' ') sp.space = true;
            else if (*fmt == '#') sp.alt = true;
            else if (*fmt == '0') sp.zero = true;
            else break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = true;
                sp.width = -sp.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            sp.prec = 0;
            if (*fmt == '*') {
                sp.prec = va_arg(ap, int);
                if (sp.prec < 0)
                    sp.prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    sp.prec = sp.prec * 10 + (*fmt++ - '0');
            }
        }

        enum len len = LEN_INT;
        switch (*fmt) {
        case 'h':
            fmt++;
            len = LEN_SHORT;
            if (*fmt == 'h') {
                fmt++;
                len = LEN_CHAR;
            }
            break;
        case 'l':
            fmt++;
            len = LEN_LONG;
            if (*fmt == 'l') {
                fmt++;
                len = LEN_LLONG;
            }
            break;
        case 'j':
            fmt++;
            len = LEN_LLONG;
            break;
        case 'z':
        case 't':
            fmt++;
            len = LEN_SIZE;
            break;
        case 'L':
            fmt++;
            break;
        }

        char c = *fmt;
        if (!c) {                 /* '%' at the end: print what we saw */
            emit_str(&k, start, (int)(fmt - start));
            break;
        }
        fmt++;
        switch (c) {
        case 'd':
        case 'i': {
            long long v;
            if (len == LEN_LLONG)
                v = va_arg(ap, long long);
            else
                v = va_arg(ap, int);  /* int, long, ssize_t: 32 bits on i386 */
            if (len == LEN_CHAR)
                v = (signed char)v;
            else if (len == LEN_SHORT)
                v = (short)v;
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
                                         : (unsigned long long)v;
            fmt_int(&k, &sp, u, v < 0, 10, false, K_SIGNED);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            unsigned long long v;
            if (len == LEN_LLONG)
                v = va_arg(ap, unsigned long long);
            else
                v = va_arg(ap, unsigned int);
            if (len == LEN_CHAR)
                v = (unsigned char)v;
            else if (len == LEN_SHORT)
                v = (unsigned short)v;
            unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
            fmt_int(&k, &sp, v, false, base, c == 'X', K_UNSIGNED);
            break;
        }
        case 'p': {
            void *p = va_arg(ap, void *);
            if (!p) {
                struct spec s2 = sp;
                s2.prec = -1;
                fmt_str(&k, &s2, "(nil)");
            } else {
                fmt_int(&k, &sp, (uintptr_t)p, false, 16, false, K_POINTER);
            }
            break;
        }
        case 'c': {
            char ch = (char)va_arg(ap, int);
            int pad = sp.width > 1 ? sp.width - 1 : 0;
            if (!sp.left)
                emit_n(&k, ' ', pad);
            emit(&k, ch);
            if (sp.left)
                emit_n(&k, ' ', pad);
            break;
        }
        case 's':
            fmt_str(&k, &sp, va_arg(ap, const char *));
            break;
        case '%':
            emit(&k, '%');
            break;
        default:                  /* unknown: copy the whole directive */
            emit_str(&k, start, (int)(fmt - start));
            break;
        }
    }
    return k.count;
}

/* ---- string output ---- */
struct strbuf {
    char *buf;
    size_t size, pos;
};

static void str_out(char c, void *ctx)
{
    struct strbuf *b = ctx;

    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct strbuf b = { buf, size, 0 };
    int n = vcbprintf(str_out, &b, fmt, ap);

    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int sprintf(char *buf, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- console output (COM1) ---- */
static void serial_out(char c, void *ctx)
{
    (void)ctx;
    serial_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
    return vcbprintf(serial_out, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    int n = 0;

    while (s[n])
        serial_putc(s[n++]);
    serial_putc('\n');
    return n + 1;
}

int putchar(int c)
{
    serial_putc((char)c);
    return (unsigned char)c;
}
