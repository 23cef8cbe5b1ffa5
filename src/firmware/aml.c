/*
 * aml.c - the AML emitter (aml.h): byte appends with an overflow flag,
 * NameStrings, integers, and the objects with a PkgLength, whose length
 * is known only when they close (aml_end moves the contents down over the
 * bytes a 4-byte PkgLength would not need).
 */
#include <string.h>

#include "firmware/aml.h"

/* AML opcodes and prefixes (ACPI 6.x, 20.2) */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0A
#define AML_WORD 0x0B
#define AML_DWORD 0x0C
#define AML_QWORD 0x0E
#define AML_SCOPE 0x10
#define AML_BUFFER 0x11
#define AML_PACKAGE 0x12
#define AML_DUAL_NAME 0x2E
#define AML_MULTI_NAME 0x2F
#define AML_EXT 0x5B
#define AML_EXT_DEVICE 0x82
#define AML_ROOT '\\'
/* Room reserved for a PkgLength until its object closes. */
#define AML_PKGLEN_MAX 4

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
    *a = (struct aml){ .buf = buf, .cap = cap };
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
    if (a->overflow || n > a->cap - a->len) {
        a->overflow = true;
        return;
    }
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

/* One NameSeg: up to 4 characters of s (until '.' or the end), '_' padded;
 * returns the characters consumed. */
static size_t aml_name_seg(struct aml *a, const char *s)
{
    char seg[4] = { '_', '_', '_', '_' };
    size_t n = 0;
    while (s[n] && s[n] != '.' && n < 4) {
        seg[n] = s[n];
        n++;
    }
    aml_bytes(a, seg, 4);
    return n;
}

void aml_name_string(struct aml *a, const char *path)
{
    if (*path == AML_ROOT)
        aml_byte(a, (uint8_t)*path++);
    unsigned nseg = 1;
    for (const char *p = path; *p; p++)
        nseg += *p == '.';
    if (nseg == 2)
        aml_byte(a, AML_DUAL_NAME);
    else if (nseg > 2) {
        aml_byte(a, AML_MULTI_NAME);
        aml_byte(a, (uint8_t)nseg);
    }
    for (unsigned k = 0; k < nseg; k++) {
        path += aml_name_seg(a, path);
        if (*path == '.')
            path++;
    }
}

void aml_integer(struct aml *a, uint64_t v)
{
    unsigned n = v > 0xFFFFFFFFu ? 8 : v > 0xFFFF ? 4 : v > 0xFF ? 2 : 1;
    if (v <= 1) {
        aml_byte(a, v ? AML_ONE : AML_ZERO);
        return;
    }
    aml_byte(a, n == 8 ? AML_QWORD : n == 4 ? AML_DWORD : n == 2 ? AML_WORD : AML_BYTE);
    for (unsigned k = 0; k < n; k++)
        aml_byte(a, (uint8_t)(v >> (8 * k)));
}

/* "PNP0A03": three letters of 5 bits each (A = 1) and four hex digits,
 * stored big-endian, read as a little-endian dword. */
uint32_t aml_eisaid(const char *id)
{
    uint32_t hex = 0;
    for (int k = 3; k < 7; k++) {
        char c = id[k];
        hex = hex << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    uint32_t mfg = (uint32_t)((id[0] - '@') << 10 | (id[1] - '@') << 5 | (id[2] - '@'));
    uint32_t be = mfg << 16 | hex;
    return __builtin_bswap32(be);
}

/* Reserves room for a PkgLength: the mark is where it goes. */
static size_t aml_pkg_begin(struct aml *a)
{
    static const uint8_t room[AML_PKGLEN_MAX];
    size_t mark = a->len;
    aml_bytes(a, room, sizeof(room));
    return mark;
}

void aml_end(struct aml *a, size_t mark)
{
    if (a->overflow)
        return;
    size_t body = a->len - mark - AML_PKGLEN_MAX;
    /* the encoded length counts the PkgLength bytes themselves */
    unsigned n = body + 1 < 0x40 ? 1 : body + 2 < 0x1000 ? 2 : body + 3 < 0x100000 ? 3 : 4;
    uint32_t total = (uint32_t)(body + n);
    uint8_t *p = a->buf + mark;
    memmove(p + n, p + AML_PKGLEN_MAX, body);
    if (n == 1) {
        p[0] = (uint8_t)total;
    } else {
        p[0] = (uint8_t)((n - 1) << 6 | (total & 0x0F));
        for (unsigned k = 1; k < n; k++)
            p[k] = (uint8_t)(total >> (4 + 8 * (k - 1)));
    }
    a->len -= AML_PKGLEN_MAX - n;
}

void aml_name_integer(struct aml *a, const char *name, uint64_t v)
{
    aml_byte(a, AML_NAME);
    aml_name_string(a, name);
    aml_integer(a, v);
}

void aml_name_buffer(struct aml *a, const char *name, const uint8_t *data, size_t n)
{
    aml_byte(a, AML_NAME);
    aml_name_string(a, name);
    aml_byte(a, AML_BUFFER);
    size_t mark = aml_pkg_begin(a);
    aml_integer(a, n);
    aml_bytes(a, data, n);
    aml_end(a, mark);
}

size_t aml_name_package_begin(struct aml *a, const char *name, uint8_t nelem)
{
    aml_byte(a, AML_NAME);
    aml_name_string(a, name);
    aml_byte(a, AML_PACKAGE);
    size_t mark = aml_pkg_begin(a);
    aml_byte(a, nelem);
    return mark;
}

size_t aml_scope_begin(struct aml *a, const char *name)
{
    aml_byte(a, AML_SCOPE);
    size_t mark = aml_pkg_begin(a);
    aml_name_string(a, name);
    return mark;
}

size_t aml_device_begin(struct aml *a, const char *name)
{
    aml_byte(a, AML_EXT);
    aml_byte(a, AML_EXT_DEVICE);
    size_t mark = aml_pkg_begin(a);
    aml_name_string(a, name);
    return mark;
}
