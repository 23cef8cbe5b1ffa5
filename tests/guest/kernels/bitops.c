/*
 * bitops.c - bit manipulation: bswap, bsf/bsr (__builtin_ctz/clz), popcount
 * (libgcc), bt/bts/btr/btc on registers and memory (including bit offsets
 * beyond 32 into memory), shld/shrd, cmov, setcc, sign/zero extension
 * (movsx/movzx, cbw/cwde/cdq), bitfields, and the atomic read-modify-write
 * instructions (lock xadd, lock cmpxchg, cmpxchg8b, xchg).  Every result is
 * checked against a plain-C loop computing the same thing.
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

static uint32_t xs = 0x12345678;

static uint32_t rnd(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 17;
    xs ^= xs << 5;
    return xs;
}

static uint32_t ref_bswap(uint32_t x)
{
    uint32_t r = 0;

    for (int i = 0; i < 4; i++)
        r |= ((x >> (8 * i)) & 0xFF) << (8 * (3 - i));
    return r;
}

static int ref_ctz(uint32_t x)
{
    int n = 0;

    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}

static int ref_clz(uint32_t x)
{
    int n = 0;

    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

static int ref_popcount(uint32_t x)
{
    int n = 0;

    for (; x; x >>= 1)
        n += x & 1;
    return n;
}

static void scans(void)
{
    for (int i = 0; i < 200; i++) {
        uint32_t x = rnd() >> (i % 32);
        if (i % 7 == 0)
            x = 1u << (i % 32);
        check("bswap", __builtin_bswap32(x), ref_bswap(x));
        check("bswap16", __builtin_bswap16((uint16_t)x),
              (uint16_t)(ref_bswap(x) >> 16));
        check("popcount", (uint32_t)__builtin_popcount(x), (uint32_t)ref_popcount(x));
        if (x) {
            check("ctz", (uint32_t)__builtin_ctz(x), (uint32_t)ref_ctz(x));
            check("clz", (uint32_t)__builtin_clz(x), (uint32_t)ref_clz(x));
        }
    }
    /* bsf/bsr of 0 set ZF (the destination is left undefined: not checked). */
    uint32_t zf, dst = 0;
    __asm__("bsfl %2, %1\n\tsetz %b0\n\tmovzbl %b0, %0" : "=q"(zf), "+r"(dst)
            : "r"(OPAQUE(0u)) : "cc");
    check("bsf 0 -> ZF", zf, 1);
    __asm__("bsrl %2, %1\n\tsetz %b0\n\tmovzbl %b0, %0" : "=q"(zf), "+r"(dst)
            : "r"(OPAQUE(0x100u)) : "cc");
    check("bsr 0x100 -> ZF", zf, 0);
    check("bsr 0x100", dst, 8);
    uint64_t big = OPAQUE(0x0000010000000000ull);
    check("ctzll", (uint32_t)__builtin_ctzll(big), 40);
    check("clzll", (uint32_t)__builtin_clzll(big), 23);
    check("popcountll", (uint32_t)__builtin_popcountll(OPAQUE(0xF0F0F0F0F0F0F0F0ull)), 32);
    printf("bswap/bsf/bsr/popcount: hash %08x\n", hash);
}

static void bit_tests(void)
{
    uint32_t mem[4] = { 0x00000001, 0x80000000, 0x0000FFFF, 0xAAAAAAAA };
    uint32_t ref[4];

    memcpy(ref, mem, sizeof ref);
    for (uint32_t bit = 0; bit < 128; bit += 5) {
        uint32_t cf;
        /* bt with a register bit offset addresses memory beyond the dword. */
        __asm__("btl %2, %1\n\tsetc %b0\n\tmovzbl %b0, %0"
                : "=q"(cf) : "m"(*(const uint32_t(*)[4])mem), "r"(bit) : "cc");
        check("bt mem", cf, (ref[bit / 32] >> (bit % 32)) & 1);
        switch (bit % 3) {
        case 0:
            __asm__("btsl %2, %1\n\tsetc %b0\n\tmovzbl %b0, %0"
                    : "=q"(cf), "+m"(*(uint32_t(*)[4])mem) : "r"(bit) : "cc");
            ref[bit / 32] |= 1u << (bit % 32);
            break;
        case 1:
            __asm__("btrl %2, %1\n\tsetc %b0\n\tmovzbl %b0, %0"
                    : "=q"(cf), "+m"(*(uint32_t(*)[4])mem) : "r"(bit) : "cc");
            ref[bit / 32] &= ~(1u << (bit % 32));
            break;
        default:
            __asm__("btcl %2, %1\n\tsetc %b0\n\tmovzbl %b0, %0"
                    : "=q"(cf), "+m"(*(uint32_t(*)[4])mem) : "r"(bit) : "cc");
            ref[bit / 32] ^= 1u << (bit % 32);
            break;
        }
        for (int i = 0; i < 4; i++)
            check("bts/btr/btc mem", mem[i], ref[i]);
    }
    /* Register forms with immediate and register offsets. */
    uint32_t r = OPAQUE(0x0F0F0F0Fu), c1, c2;
    __asm__("btsl $31, %0\n\tsetc %b1\n\tbtrl $0, %0\n\tsetc %b2"
            : "+r"(r), "=q"(c1), "=q"(c2) : : "cc");
    check("bts/btr reg", r, 0x8F0F0F0E);
    check("bts reg cf", c1 & 1, 0);
    check("btr reg cf", c2 & 1, 1);
    printf("bt/bts/btr/btc: mem %08x %08x %08x %08x, hash %08x\n",
           mem[0], mem[1], mem[2], mem[3], hash);
}

static void double_shifts(void)
{
    for (int i = 0; i < 64; i++) {
        uint32_t hi = rnd(), lo = rnd(), n = (uint32_t)i % 32, l, rr;
        __asm__("shldl %%cl, %2, %0" : "=r"(l) : "0"(hi), "r"(lo), "c"(n) : "cc");
        __asm__("shrdl %%cl, %2, %0" : "=r"(rr) : "0"(lo), "r"(hi), "c"(n) : "cc");
        uint64_t v = (uint64_t)hi << 32 | lo;
        check("shld", l, (uint32_t)((v << n) >> 32));
        check("shrd", rr, (uint32_t)(v >> n));
    }
    uint32_t a = OPAQUE(0x12345678u), b = OPAQUE(0x9ABCDEF0u);
    __asm__("shldl $12, %1, %0" : "+r"(a) : "r"(b) : "cc");
    check("shld imm", a, 0x456789AB);
    __asm__("shrdl $12, %1, %0" : "+r"(b) : "r"(OPAQUE(0x12345678u)) : "cc");
    check("shrd imm", b, 0x6789ABCD);
    printf("shld/shrd: hash %08x\n", hash);
}

struct bits {
    unsigned a : 3;
    unsigned b : 7;
    signed c : 5;
    unsigned d : 17;
};

static void extensions(void)
{
    volatile int8_t sb = -5;
    volatile uint8_t ub = 0xFB;
    volatile int16_t sw = -1234;
    volatile uint16_t uw = 0xFB2E;
    int32_t r1 = sb, r3 = sw;
    uint32_t r2 = ub, r4 = uw;
    check("movsbl", (uint32_t)r1, 0xFFFFFFFB);
    check("movzbl", r2, 0xFB);
    check("movswl", (uint32_t)r3, 0xFFFFFB2E);
    check("movzwl", r4, 0xFB2E);
    uint32_t cw, cd_hi, cd_lo;
    __asm__("movl $0x1234ff80, %%eax\n\tcbtw\n\tcwtl" : "=a"(cw) : : );
    check("cbw;cwde", cw, 0xFFFFFF80);
    __asm__("movl $0x80000000, %%eax\n\tcltd" : "=a"(cd_lo), "=d"(cd_hi));
    check("cdq", cd_hi, 0xFFFFFFFF);
    (void)cd_lo;

    struct bits bf = { 5, 100, -7, 99999 };
    volatile struct bits *vb = &bf;
    vb->b += 30;                      /* wraps to 2 (7 bits) */
    vb->c -= 10;                      /* -17 wraps to 15 (5 bits) */
    check("bitfield a", vb->a, 5);
    check("bitfield b", vb->b, 2);
    check("bitfield c", (uint32_t)vb->c, 15);
    check("bitfield d", vb->d, 99999);

    /* cmov/setcc from min/max/abs/sign in a loop. */
    int32_t mn = INT32_MAX, mx = INT32_MIN;
    uint32_t sgn = 0;
    for (int i = 0; i < 100; i++) {
        int32_t v = (int32_t)rnd();
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sgn += (v > 0) - (v < 0);
    }
    printf("extensions/bitfields: min %d max %d sgn %d, hash %08x\n", mn, mx,
           (int)sgn, hash);
}

static void atomics(void)
{
    static uint32_t counter;
    static uint64_t counter64;
    uint32_t sum = 0;

    for (uint32_t i = 1; i <= 100; i++)
        sum += __atomic_fetch_add(&counter, i, __ATOMIC_SEQ_CST);  /* lock xadd */
    check("xadd final", counter, 5050);
    check("xadd sum of old values", sum, 166650);
    uint32_t old = __sync_val_compare_and_swap(&counter, 5050, 42);  /* lock cmpxchg */
    check("cmpxchg old", old, 5050);
    check("cmpxchg new", counter, 42);
    old = __sync_val_compare_and_swap(&counter, 5050, 7);
    check("cmpxchg fail old", old, 42);
    check("cmpxchg fail value", counter, 42);
    uint32_t prev = __atomic_exchange_n(&counter, 0xDEAD, __ATOMIC_SEQ_CST);  /* xchg */
    check("xchg old", prev, 42);
    check("xchg new", counter, 0xDEAD);
    __atomic_or_fetch(&counter, 0x10000, __ATOMIC_SEQ_CST);  /* lock or */
    __atomic_and_fetch(&counter, 0xFFFF00FF, __ATOMIC_SEQ_CST);  /* lock and */
    check("lock or/and", counter, 0x100AD);
    uint64_t o64 = __sync_val_compare_and_swap(&counter64, 0, 0x123456789ABCDEFull); /* cmpxchg8b */
    check("cmpxchg8b old", (uint32_t)o64, 0);
    check("cmpxchg8b new lo", (uint32_t)counter64, 0x89ABCDEF);
    check("cmpxchg8b new hi", (uint32_t)(counter64 >> 32), 0x1234567);
    int is_zero = __atomic_sub_fetch(&counter, 0x100AD, __ATOMIC_SEQ_CST) == 0;
    check("lock sub; sete", (uint32_t)is_zero, 1);
    printf("atomics: hash %08x\n", hash);
}

int test_main(void)
{
    scans();
    bit_tests();
    double_shifts();
    extensions();
    atomics();
    printf("%s: bitops (%d failures)\n", failures ? "FAIL" : "PASS", failures);
    return 0;
}
