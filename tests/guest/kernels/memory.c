/*
 * memory.c - memory access patterns: struct copies (inline moves, rep movsl,
 * memcpy calls), memset (rep stosl), the string instructions written out
 * (rep movsb/movsl/stosb/stosl, std + backward movs, repe cmpsb, repne scasb,
 * lodsb), string functions, arrays larger than 4 KiB, unaligned 2-, 4- and
 * 8-byte loads, stores and read-modify-writes that straddle a 4 KiB page
 * boundary, push/pop of memory operands, ESP-relative SIB addressing and LEA
 * arithmetic.  Results are checked byte by byte against plain C loops.
 */
#include "portable.h"

static int failures;
static uint32_t hash;

static void check(const char *what, uint32_t got, uint32_t want)
{
    if (got != want) {
        printf("FAIL: %s: got %08x, want %08x\n", what, got, want);
        failures++;
    }
    hash = (hash ^ got) * 16777619u;
}

static uint32_t fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* ---- struct copies ---- */
struct s64 { uint32_t w[16]; };
struct s256 { uint8_t b[256]; };
struct s4100 { uint32_t w[1025]; };

static struct s64 g64a, g64b;
static struct s256 g256a, g256b;
static struct s4100 g4100a, g4100b;

__attribute__((noinline)) static void copy_structs(void)
{
    g64b = g64a;
    g256b = g256a;
    g4100b = g4100a;
}

__attribute__((noinline)) static struct s256 pass_by_value(struct s256 s, int i)
{
    s.b[i] ^= 0xFF;
    return s;
}

static void structs(void)
{
    for (int i = 0; i < 16; i++)
        g64a.w[i] = (uint32_t)i * 0x01010101u;
    for (int i = 0; i < 256; i++)
        g256a.b[i] = (uint8_t)(i * 7 + 3);
    for (int i = 0; i < 1025; i++)
        g4100a.w[i] = (uint32_t)i * 2654435761u;
    copy_structs();
    check("struct 64 copy", fnv(&g64b, sizeof g64b), fnv(&g64a, sizeof g64a));
    check("struct 256 copy", fnv(&g256b, sizeof g256b), fnv(&g256a, sizeof g256a));
    check("struct 4100 copy", fnv(&g4100b, sizeof g4100b), fnv(&g4100a, sizeof g4100a));
    struct s256 r = pass_by_value(g256a, 100);
    check("struct by value", r.b[100], (uint8_t)~g256a.b[100]);
    check("struct by value rest", r.b[99], g256a.b[99]);
    memset(&g4100b, 0xA5, sizeof g4100b);
    check("memset 4100", g4100b.w[1024], 0xA5A5A5A5);
    printf("structs: %08x %08x %08x\n", fnv(&g64b, 64), fnv(&g256b, 256),
           fnv(&g4100b, sizeof g4100b));
}

/* ---- string instructions ---- */
static uint8_t src[600], dst[600];

static void string_insns(void)
{
    for (int i = 0; i < 600; i++)
        src[i] = (uint8_t)(i * 13 + 1);
    memset(dst, 0, sizeof dst);

    /* rep movsb with an odd count at odd addresses */
    void *d = dst + 3;
    const void *s = src + 5;
    uint32_t n = 301;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    check("rep movsb ecx", n, 0);
    check("rep movsb edi", (uint32_t)((uint8_t *)d - dst), 304);
    check("rep movsb data", fnv(dst + 3, 301), fnv(src + 5, 301));

    /* rep movsl */
    d = dst + 320;
    s = src + 100;
    n = 50;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    check("rep movsl data", fnv(dst + 320, 200), fnv(src + 100, 200));
    check("rep movsl esi", (uint32_t)((const uint8_t *)s - src), 300);

    /* rep stosl / rep stosb */
    d = dst;
    n = 10;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(0xCAFEBABEu) : "memory");
    n = 3;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x77u) : "memory");
    check("rep stosl", dst[0] | dst[1] << 8 | dst[2] << 16 | (uint32_t)dst[39] << 24,
          0xCAFEBABE);
    check("rep stosb", dst[40] | dst[42] << 8 | dst[43] << 16, 0x7777 | src[45] << 16);

    /* rep with ecx == 0 does nothing */
    d = dst;
    n = 0;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x11u) : "memory");
    check("rep ecx=0", dst[0], 0xBE);

    /* backward overlapping move: std; rep movsb; cld */
    for (int i = 0; i < 100; i++)
        dst[i] = (uint8_t)i;
    d = dst + 99 + 10;
    s = dst + 99;
    n = 100;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    check("std rep movsb", dst[10] | dst[50] << 8 | dst[109] << 16 | dst[5] << 24,
          0 | 40 << 8 | 99 << 16 | 5u << 24);

    /* repe cmpsb: find the first difference */
    memcpy(dst, src, 200);
    dst[137] ^= 1;
    const void *a = src, *b = dst;
    n = 200;
    __asm__ volatile("repe cmpsb" : "+S"(a), "+D"(b), "+c"(n) : : "cc", "memory");
    check("repe cmpsb position", (uint32_t)((const uint8_t *)a - src), 138);
    check("repe cmpsb ecx", n, 62);

    /* repne scasb: strlen the old way */
    static const char text[] = "the quick brown fox jumps over the lazy dog";
    const void *p = text;
    n = 0xFFFFFFFF;
    __asm__ volatile("repne scasb" : "+D"(p), "+c"(n) : "a"(0) : "cc", "memory");
    check("repne scasb length", ~n - 1, (uint32_t)strlen(text));

    /* lodsb loop: sum of bytes */
    p = text;
    uint32_t sum = 0, ch = 0;
    for (int i = 0; i < 10; i++) {
        __asm__ volatile("lodsb" : "+S"(p), "+a"(ch) : : "memory");
        sum += ch & 0xFF;
    }
    check("lodsb sum", sum, 't' + 'h' + 'e' + ' ' + 'q' + 'u' + 'i' + 'c' + 'k' + ' ');

    /* movs/stos without rep, 16-bit */
    uint16_t w[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
    d = &w[2];
    s = &w[0];
    __asm__ volatile("movsw\n\tmovsw" : "+D"(d), "+S"(s) : : "memory");
    check("movsw", w[2] | (uint32_t)w[3] << 16, 0x22221111);
    printf("string instructions: hash %08x\n", hash);
}

static void string_funcs(void)
{
    char a[64], b[64];

    strcpy(a, "hello, world");
    strcpy(b, a);
    check("strcmp equal", (uint32_t)strcmp(a, b), 0);
    b[7] = 'W';
    check("strcmp less", strcmp(a, b) > 0, 1);
    check("strncmp prefix", (uint32_t)strncmp(a, b, 7), 0);
    check("strlen", (uint32_t)strlen(a), 12);
    memmove(a + 2, a, 10);              /* overlapping, destination above */
    check("memmove up", fnv(a, 13), fnv("hehello, wor", 13));
    memmove(a, a + 2, 10);              /* overlapping, destination below */
    check("memmove down", fnv(a, 13), fnv("hello, woror", 13));
    check("memcmp", memcmp("abcd", "abce", 4) < 0, 1);
    printf("string functions: \"%s\" \"%s\"\n", a, b);
}

/* ---- big arrays ---- */
static uint32_t big[20000];            /* 80 KB in .bss */

static void big_arrays(void)
{
    uint32_t local[1500];              /* 6 KB on the stack */

    for (int i = 0; i < 20000; i++)
        big[i] = (uint32_t)i * 7919u;
    for (int i = 0; i < 1500; i++)
        local[i] = big[i * 13] ^ (uint32_t)i;
    uint64_t s = 0;
    for (int i = 19999; i >= 0; i -= 3)
        s += big[i];
    for (int i = 0; i < 1500; i++)
        s += (uint64_t)local[i] << (i % 20);
    /* 2-D walk across pages, column-major */
    static uint16_t grid[64][128];
    for (int c = 0; c < 128; c++)
        for (int r = 0; r < 64; r++)
            grid[r][c] = (uint16_t)(r * c + r + c);
    uint32_t g = 0;
    for (int r = 0; r < 64; r++)
        for (int c = 0; c < 128; c++)
            g = g * 3 + grid[r][c];
    printf("big arrays: %llu %08x\n", (unsigned long long)s, g);
    hash = (hash ^ (uint32_t)s ^ g) * 16777619u;
}

/* ---- page-straddling accesses ---- */
static uint8_t pages[3 * 4096] __attribute__((aligned(4096)));
typedef uint16_t __attribute__((may_alias, aligned(1))) u16u;
typedef uint32_t __attribute__((may_alias, aligned(1))) u32u;
typedef uint64_t __attribute__((may_alias, aligned(1))) u64u;

static void page_straddle(void)
{
    uint8_t *const p = pages;
    static uint8_t ref[3 * 4096];

    for (int i = 0; i < 3 * 4096; i++)
        p[i] = ref[i] = (uint8_t)(i ^ (i >> 8));

    /* 2-byte at 4095, 4-byte at 4093/4094/4095, 8-byte at 8188..8191 */
    for (int off = 4093; off <= 4095; off++) {
        uint32_t v = *(volatile u32u *)(p + off);
        uint32_t want = ref[off] | ref[off + 1] << 8 | ref[off + 2] << 16 |
                        (uint32_t)ref[off + 3] << 24;
        check("4-byte load across page", v, want);
    }
    check("2-byte load across page", *(volatile u16u *)(p + 4095),
          ref[4095] | ref[4096] << 8);
    for (int off = 8185; off <= 8191; off++) {
        uint64_t v = *(volatile u64u *)(p + off);
        check("8-byte load across page (lo)", (uint32_t)v,
              ref[off] | ref[off + 1] << 8 | ref[off + 2] << 16 | (uint32_t)ref[off + 3] << 24);
    }

    *(volatile u16u *)(p + 4095) = 0xBEEF;
    ref[4095] = 0xEF;
    ref[4096] = 0xBE;
    *(volatile u32u *)(p + 8190) = 0x12345678;
    ref[8190] = 0x78; ref[8191] = 0x56; ref[8192] = 0x34; ref[8193] = 0x12;
    *(volatile u64u *)(p + 4092) = 0x0102030405060708ull;
    for (int i = 0; i < 8; i++)
        ref[4092 + i] = (uint8_t)(8 - i);

    /* read-modify-write, xchg, inc and push/pop across the boundary */
    uint8_t *q = p + 4094;             /* bytes 4094..4097 */
    uint32_t x = 0x11111111;
    __asm__ volatile("addl $0x01010101, (%1)\n\t"
                     "incw 6(%1)\n\t"              /* bytes 4100..4101: same page */
                     "xchgl %0, (%1)\n\t"
                     "notw 1(%1)\n\t"              /* bytes 4095..4096 */
                     "pushl (%1)\n\t"
                     "popl 4096(%1)"               /* to 8190..8193 */
                     : "+r"(x) : "r"(q) : "memory", "cc");
    {
        uint32_t v = ref[4094] | ref[4095] << 8 | ref[4096] << 16 | (uint32_t)ref[4097] << 24;
        check("xchg across page", x, v + 0x01010101);
        uint16_t w = (uint16_t)(ref[4100] | ref[4101] << 8);
        w++;
        ref[4100] = (uint8_t)w;
        ref[4101] = (uint8_t)(w >> 8);
        for (int i = 0; i < 4; i++)
            ref[4094 + i] = 0x11;       /* stored by xchg */
        ref[4095] ^= 0xFF;
        ref[4096] ^= 0xFF;
        for (int i = 0; i < 4; i++)
            ref[8190 + i] = ref[4094 + i];
    }
    /* rep movsl whose source and destination both straddle */
    void *d = p + 8190 - 40;
    const void *s = p + 4096 - 18;
    uint32_t n = 20;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    memmove(ref + 8190 - 40, ref + 4096 - 18, 80);

    int bad = 0;
    for (int i = 0; i < 3 * 4096; i++)
        if (p[i] != ref[i]) {
            if (bad < 5)
                printf("FAIL: page byte %d: %02x want %02x\n", i, p[i], ref[i]);
            bad++;
        }
    failures += bad != 0;
    printf("page straddling: %s, hash %08x\n", bad ? "mismatch" : "ok",
           fnv(p, sizeof pages));
}

/* ---- addressing ---- */
__attribute__((noinline)) static uint32_t esp_sib(uint32_t i)
{
    uint32_t r;

    /* an ESP-based SIB with index, then ESP with displacement only */
    __asm__("subl $64, %%esp\n\t"
            "movl $0x11, 0(%%esp)\n\t"
            "movl $0x22, 4(%%esp)\n\t"
            "movl $0x33, 8(%%esp)\n\t"
            "movl $0x44, 12(%%esp)\n\t"
            "movl (%%esp,%1,4), %0\n\t"
            "addl 12(%%esp), %0\n\t"
            "leal 3(%%esp,%1,8), %1\n\t"
            "subl %%esp, %1\n\t"
            "addl %1, %0\n\t"
            "addl $64, %%esp"
            : "=&r"(r), "+r"(i) : : "memory", "cc");
    return r;
}

__attribute__((noinline)) static uint32_t lea_tricks(uint32_t a, uint32_t b)
{
    uint32_t r1, r2, r3, r4;

    __asm__("leal (%1,%1,2), %0" : "=r"(r1) : "r"(a));         /* 3a */
    __asm__("leal 7(%1,%2,8), %0" : "=r"(r2) : "r"(a), "r"(b)); /* a + 8b + 7 */
    __asm__("leal -1(,%1,4), %0" : "=r"(r3) : "r"(b));          /* 4b - 1 */
    __asm__("leal 0x12345678, %0" : "=r"(r4));                  /* absolute */
    return r1 ^ (r2 << 1) ^ (r3 << 2) ^ r4 ^ (a * 5 + b * 9);   /* gcc's own leas */
}

static void addressing(void)
{
    uint32_t s = 0;

    uint32_t want_s = 0;
    for (uint32_t i = 0; i < 4; i++) {
        s = s * 1000 + esp_sib(OPAQUE(i));
        want_s = want_s * 1000 + 0x11 * (i + 1) + 0x44 + 3 + 8 * i;
    }
    check("esp sib", s, want_s);
    uint32_t l = lea_tricks(OPAQUE(123456u), OPAQUE(7890u));
    uint32_t want = 3 * 123456u ^ ((123456u + 8 * 7890u + 7) << 1) ^ ((4 * 7890u - 1) << 2) ^
                    0x12345678u ^ (123456u * 5 + 7890u * 9);
    check("lea", l, want);
    /* indexed loads with all scales from C */
    static const int32_t t32[8] = { 1, -2, 3, -4, 5, -6, 7, -8 };
    static const int16_t t16[8] = { 100, -200, 300, -400, 500, -600, 700, -800 };
    static const int8_t t8[8] = { 10, -20, 30, -40, 50, -60, 70, -80 };
    int32_t acc = 0;
    for (uint32_t i = 0; i < 8; i++) {
        uint32_t j = OPAQUE(i);
        acc = acc * 3 + t32[j] + t16[j ^ 1] + t8[(j + 3) & 7];
    }
    printf("addressing: %u %08x %d\n", s, l, acc);
}

int test_main(void)
{
    structs();
    string_insns();
    string_funcs();
    big_arrays();
    page_straddle();
    addressing();
    printf("%s: memory (%d failures), hash %08x\n", failures ? "FAIL" : "PASS",
           failures, hash);
    return 0;
}
