/*
 * control.c - control flow: dense switches (jump tables, `jmp *tbl(,%eax,4)`),
 * sparse switches (compare trees), function-pointer tables and indirect
 * calls through memory, computed goto (`jmp *%reg`), mutual recursion, tail
 * calls, a recursive-descent expression evaluator, a byte-code interpreter,
 * and a hand-written setjmp/longjmp (non-local jumps across frames).
 */
#include "portable.h"

/* ---- switches ---- */
__attribute__((noinline)) static int dense(int x)
{
    switch (x) {
    case 0: return 10;
    case 1: return 21;
    case 2: return 32;
    case 3: return 43;
    case 4: return 54;
    case 5: return 65;
    case 6: return 76;
    case 7: return 87;
    case 8: return 98;
    case 9: return 109;
    case 10: return 120;
    case 11: return 131;
    case 13: return 153;
    default: return -1;
    }
}

__attribute__((noinline)) static int sparse(int x)
{
    switch (x) {
    case -1000000: return 1;
    case -5: return 2;
    case 17: return 3;
    case 1000: return 4;
    case 4096: return 5;
    case 65537: return 6;
    case 0x7FFFFFFF: return 7;
    default: return 0;
    }
}

/* ---- function pointers ---- */
typedef int (*binop)(int, int);
static int f_add(int a, int b) { return a + b; }
static int f_sub(int a, int b) { return a - b; }
static int f_mul(int a, int b) { return a * b; }
static int f_max(int a, int b) { return a > b ? a : b; }
static int f_xor(int a, int b) { return a ^ b; }
static binop const ops[] = { f_add, f_sub, f_mul, f_max, f_xor };

struct vtable {
    const char *name;
    int (*area)(const void *self);
    int (*perimeter)(const void *self);
};
struct shape {
    const struct vtable *vt;
    int w, h;
};
static int rect_area(const void *s) { const struct shape *r = s; return r->w * r->h; }
static int rect_per(const void *s) { const struct shape *r = s; return 2 * (r->w + r->h); }
static int tri_area(const void *s) { const struct shape *r = s; return r->w * r->h / 2; }
static int tri_per(const void *s) { const struct shape *r = s; return r->w + r->h + (r->w > r->h ? r->w : r->h); }
static const struct vtable rect_vt = { "rect", rect_area, rect_per };
static const struct vtable tri_vt = { "tri", tri_area, tri_per };

/* ---- computed goto interpreter ---- */
enum { OP_PUSH, OP_ADD, OP_MUL, OP_DUP, OP_SWAP, OP_OVER, OP_JNZ, OP_DEC, OP_PRINT,
       OP_HALT };

static int interp(const int *code)
{
    static const void *const labels[] = { &&push, &&add, &&mul, &&dup, &&swap,
                                          &&over, &&jnz, &&dec, &&print, &&halt };
    int stack[32], sp = 0, pc = 0, steps = 0;

#define NEXT do { steps++; goto *labels[code[pc++]]; } while (0)
    NEXT;
push:
    stack[sp++] = code[pc++];
    NEXT;
add:
    sp--;
    stack[sp - 1] += stack[sp];
    NEXT;
mul:
    sp--;
    stack[sp - 1] *= stack[sp];
    NEXT;
dup:
    stack[sp] = stack[sp - 1];
    sp++;
    NEXT;
swap: {
    int t = stack[sp - 1];
    stack[sp - 1] = stack[sp - 2];
    stack[sp - 2] = t;
    NEXT;
}
over:
    stack[sp] = stack[sp - 2];
    sp++;
    NEXT;
jnz:
    if (stack[--sp])
        pc = code[pc];
    else
        pc++;
    NEXT;
dec:
    stack[sp - 1]--;
    NEXT;
print:
    printf("  interp: %d\n", stack[sp - 1]);
    NEXT;
halt:
    return steps;
#undef NEXT
}

/* ---- recursive descent: expr := term {(+|-) term}, term := factor {(*|/|%) factor},
 *      factor := number | '(' expr ')' | '-' factor ---- */
static const char *ep;

static int expr(void);

static int factor(void)
{
    if (*ep == '(') {
        ep++;
        int v = expr();
        ep++;                       /* ')' */
        return v;
    }
    if (*ep == '-') {
        ep++;
        return -factor();
    }
    int v = 0;
    while (*ep >= '0' && *ep <= '9')
        v = v * 10 + (*ep++ - '0');
    return v;
}

static int term(void)
{
    int v = factor();

    for (;;) {
        char op = *ep;
        if (op != '*' && op != '/' && op != '%')
            return v;
        ep++;
        int r = factor();
        v = op == '*' ? v * r : op == '/' ? v / r : v % r;
    }
}

static int expr(void)
{
    int v = term();

    while (*ep == '+' || *ep == '-') {
        char op = *ep++;
        int r = term();
        v = op == '+' ? v + r : v - r;
    }
    return v;
}

/* ---- mutual recursion and tail calls ---- */
static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
__attribute__((noinline)) static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

__attribute__((noinline)) static unsigned gcd(unsigned a, unsigned b)
{
    return b ? gcd(b, a % b) : a;     /* tail call: a loop or a jmp */
}

/* ---- setjmp/longjmp, hand written ---- */
typedef uint32_t t_jmp_buf[6];        /* ebx esi edi ebp esp eip */
int t_setjmp(t_jmp_buf env) __attribute__((returns_twice));
void t_longjmp(t_jmp_buf env, int val);   /* does not return */

__asm__(".text\n"
        ".globl t_setjmp\n"
        "t_setjmp:\n\t"
        "movl 4(%esp), %eax\n\t"
        "movl %ebx, 0(%eax)\n\t"
        "movl %esi, 4(%eax)\n\t"
        "movl %edi, 8(%eax)\n\t"
        "movl %ebp, 12(%eax)\n\t"
        "leal 4(%esp), %ecx\n\t"       /* esp after our return */
        "movl %ecx, 16(%eax)\n\t"
        "movl (%esp), %ecx\n\t"        /* return address */
        "movl %ecx, 20(%eax)\n\t"
        "xorl %eax, %eax\n\t"
        "ret\n"
        ".globl t_longjmp\n"
        "t_longjmp:\n\t"
        "movl 4(%esp), %edx\n\t"
        "movl 8(%esp), %eax\n\t"
        "testl %eax, %eax\n\t"
        "jnz 1f\n\t"
        "incl %eax\n"
        "1:\n\t"
        "movl 0(%edx), %ebx\n\t"
        "movl 4(%edx), %esi\n\t"
        "movl 8(%edx), %edi\n\t"
        "movl 12(%edx), %ebp\n\t"
        "movl 16(%edx), %esp\n\t"
        "jmp *20(%edx)\n");

static t_jmp_buf jb;
static int depth_reached;

__attribute__((noinline)) static void dive(int depth, int limit)
{
    volatile char pad[100];

    pad[0] = (char)depth;
    depth_reached = depth + pad[0] - depth;
    if (depth == limit) {
        t_longjmp(jb, depth * 10);
        return;                        /* not reached */
    }
    dive(depth + 1, limit);
    pad[1] = 0;                        /* not reached */
}

int test_main(void)
{
    int s = 0;

    printf("dense:");
    for (int i = -2; i < 16; i++) {
        int v = dense(OPAQUE(i));
        printf(" %d", v);
        s += v;
    }
    printf("\ndense sum %d\nsparse:", s);
    static const int probes[] = { -1000000, -5, 0, 17, 18, 1000, 4096, 65537,
                                  0x7FFFFFFF, -0x7FFFFFFF };
    for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++)
        printf(" %d", sparse(OPAQUE(probes[i])));
    printf("\n");

    int acc = 1;
    for (int i = 0; i < 20; i++)
        acc = ops[i % 5](acc, i + 3);
    printf("function pointer chain: %d\n", acc);

    struct shape shapes[] = { { &rect_vt, 3, 4 }, { &tri_vt, 6, 8 }, { &rect_vt, 10, 1 } };
    for (unsigned i = 0; i < 3; i++)
        printf("%s %dx%d: area %d perimeter %d\n", shapes[i].vt->name, shapes[i].w,
               shapes[i].h, shapes[i].vt->area(&shapes[i]),
               shapes[i].vt->perimeter(&shapes[i]));

    /* 10! in byte code: acc = 1, n = 10; while (n) { acc *= n; n--; } */
    static const int prog[] = {
        OP_PUSH, 1, OP_PUSH, 10,          /* 0: acc n */
        OP_DUP, OP_JNZ, 10,               /* 4: n != 0 -> 10 */
        OP_SWAP, OP_PRINT, OP_HALT,       /* 7: n acc; print acc */
        OP_SWAP, OP_OVER, OP_MUL,         /* 10: n acc*n */
        OP_SWAP, OP_DEC,                  /* 13: acc n-1 */
        OP_PUSH, 1, OP_JNZ, 4,            /* 15: always back to 4 */
    };
    printf("interp steps: %d\n", interp(prog));
    static const int prog2[] = {
        OP_PUSH, 5, OP_DUP, OP_MUL, OP_DUP, OP_MUL, OP_PRINT,   /* 625 */
        OP_PUSH, 3, OP_DEC, OP_DUP, OP_PRINT, OP_JNZ, 9, OP_HALT,  /* 2 1 0 */
    };
    printf("interp steps: %d\n", interp(prog2));

    static const char *const exprs[] = {
        "1+2*3", "(1+2)*3", "100/7%5-2*-3", "((((((1))))))+2*(3+4*(5+6*(7+8)))",
        "-(-12)*-(3)", "1000000*1000/3",
    };
    for (unsigned i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        ep = exprs[i];
        printf("%s = %d\n", exprs[i], expr());
    }

    printf("is_even(1001) = %d, is_odd(777) = %d\n", is_even(OPAQUE(1001u)),
           is_odd(OPAQUE(777u)));
    printf("gcd(1071, 462) = %u, gcd(2^31, 6^10) = %u\n", gcd(OPAQUE(1071u), 462),
           gcd(OPAQUE(0x80000000u), 60466176u));

    volatile int rounds = 0;
    int r = t_setjmp(jb);
    rounds++;
    if (r == 0)
        dive(0, 25);
    printf("longjmp returned %d after depth %d, rounds %d\n", r, depth_reached,
           rounds);
    if (rounds == 1) {
        /* unreachable: rounds must be 2 here */
        printf("FAIL: longjmp\n");
    }
    printf("PASS: control\n");
    return 0;
}
