/*
 * smc.c - self-modifying code, which a binary translator must notice:
 * functions generated into a buffer and called, then rewritten and called
 * again (by single stores, by rep movsb and by rep stosb); a 1000-round
 * patch-and-call loop; a store that rewrites the very next instruction; a
 * loop that patches an immediate inside its own body; and stores to data
 * that shares a page with running code.  Guest only (a native program
 * cannot write its code).
 */
#include "rt.h"

static uint8_t codebuf[2 * 4096] __attribute__((aligned(4096)));

typedef uint32_t (*fn0)(void);
typedef uint32_t (*fn1)(uint32_t);

/* mov $v, %eax; ret */
static void gen_const(uint8_t *p, uint32_t v)
{
    p[0] = 0xB8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xC3;
}

/* mov 4(%esp), %eax; add $v, %eax; ret */
static void gen_adder(uint8_t *p, uint32_t v)
{
    static const uint8_t head[] = { 0x8B, 0x44, 0x24, 0x04, 0x05 };
    memcpy(p, head, sizeof head);
    memcpy(p + 5, &v, 4);
    p[9] = 0xC3;
}

/* In .text: the store rewrites the immediate of the next instruction. */
uint32_t smc_next(uint32_t v);
/* In .text: sum of 0..n-1, by incrementing an immediate in its own loop. */
uint32_t smc_loop(uint32_t n);
/* A counter in the same page as the code that increments it. */
uint32_t smc_data_in_code(uint32_t n);

__asm__(".text\n"
        ".p2align 4\n"
        ".globl smc_next\n"
        "smc_next:\n\t"
        "movl 4(%esp), %ecx\n\t"
        "movl %ecx, 1f+1\n"
        "1:\n\t"
        "movl $0, %eax\n\t"
        "ret\n"
        ".p2align 4\n"
        ".globl smc_loop\n"
        "smc_loop:\n\t"
        "xorl %eax, %eax\n\t"
        "movl 4(%esp), %ecx\n"
        "2:\n\t"
        ".byte 0x05\n\t"              /* addl $imm32, %eax */
        ".long 0\n\t"
        "incl 2b+1\n\t"              /* the immediate */
        "decl %ecx\n\t"
        "jnz 2b\n\t"
        "movl $0, 2b+1\n\t"
        "ret\n"
        ".p2align 4\n"
        ".globl smc_data_in_code\n"
        "smc_data_in_code:\n\t"
        "movl 4(%esp), %ecx\n\t"
        "movl $0, 4f\n"
        "3:\n\t"
        "addl %ecx, 4f\n\t"
        "decl %ecx\n\t"
        "jnz 3b\n\t"
        "movl 4f, %eax\n\t"
        "ret\n"
        "4:\n\t"
        ".long 0\n");

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    int bad = 0;

    /* generate, call, rewrite, call */
    gen_const(codebuf, 0x11111111);
    uint32_t a = ((fn0)codebuf)();
    gen_const(codebuf, 0x22222222);
    uint32_t b = ((fn0)codebuf)();
    printf("rewritten constant: %08x then %08x\n", a, b);
    bad |= a != 0x11111111 || b != 0x22222222;

    /* patch-and-call loop on the immediate of an adder */
    gen_adder(codebuf + 64, 0);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        memcpy(codebuf + 64 + 5, &i, 4);          /* add $i */
        sum += ((fn1)(codebuf + 64))(i * 2);      /* 3i */
    }
    printf("patch-and-call loop: %u (want %u)\n", sum, 3u * 999u * 1000u / 2u);
    bad |= sum != 3u * 999u * 1000u / 2u;

    /* sixteen functions, half of them rewritten */
    for (uint32_t k = 0; k < 16; k++)
        gen_const(codebuf + 4096 + 16 * k, k);
    uint32_t s1 = 0, s2 = 0;
    for (uint32_t k = 0; k < 16; k++)
        s1 += ((fn0)(codebuf + 4096 + 16 * k))();
    for (uint32_t k = 0; k < 16; k += 2)
        gen_const(codebuf + 4096 + 16 * k, 100 * k);
    for (uint32_t k = 0; k < 16; k++)
        s2 += ((fn0)(codebuf + 4096 + 16 * k))();
    printf("sixteen functions: %u, after rewriting half: %u\n", s1, s2);
    bad |= s1 != 120 || s2 != 5600 + 64;

    /* rep movsb copies a whole function over another one */
    uint8_t tmp[16];
    gen_const(tmp, 0xC0DEC0DE);
    void *d = codebuf + 4096;
    const void *s = tmp;
    uint32_t n = 6;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    uint32_t c = ((fn0)(codebuf + 4096))();
    printf("after rep movsb: %08x\n", c);
    bad |= c != 0xC0DEC0DE;

    /* rep stosb fills a function with 'ret' bytes; call its middle */
    d = codebuf + 4096 + 32;
    n = 16;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0xC3) : "memory");
    gen_const(codebuf + 4096 + 32, 0xABCD);       /* 6 bytes; the rest are rets */
    c = ((fn0)(codebuf + 4096 + 32))();
    ((fn0)(codebuf + 4096 + 40))();               /* just a ret */
    printf("after rep stosb: %08x\n", c);
    bad |= c != 0xABCD;

    /* stores into the instruction stream of running code */
    uint32_t r1 = smc_next(7), r2 = smc_next(0xFEEDFACE), r3 = smc_next(7);
    printf("smc_next: %u %08x %u\n", r1, r2, r3);
    bad |= r1 != 7 || r2 != 0xFEEDFACE || r3 != 7;
    uint32_t l1 = smc_loop(100), l2 = smc_loop(1000);
    printf("smc_loop: %u %u\n", l1, l2);
    bad |= l1 != 4950 || l2 != 499500;
    uint32_t dc = smc_data_in_code(10000);
    printf("data in a code page: %u\n", dc);
    bad |= dc != 50005000;

    printf("%s: smc\n", bad ? "FAIL" : "PASS");
    return 0;
}
