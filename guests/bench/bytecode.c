/*
 * bytecode.c - benchmark: a small stack-machine interpreter (switch
 * dispatch through a jump table) running a loop that sums i*i mod 1e9+7
 * for i < 200000 * N (N = command line, default 1).
 */
#include "portable.h"
#include "bench.h"

enum op { PUSH, LOAD, STORE, ADD, MUL, MOD, LT, JNZ, JMP, DUP, DROP, HALT };

struct insn {
    uint8_t op;
    int32_t arg;
};

static int32_t run(const struct insn *code, int32_t *vars)
{
    int32_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        const struct insn *in = &code[pc++];
        switch (in->op) {
        case PUSH: stack[sp++] = in->arg; break;
        case LOAD: stack[sp++] = vars[in->arg]; break;
        case STORE: vars[in->arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case MUL: sp--; stack[sp - 1] = (int32_t)((int64_t)stack[sp - 1] * stack[sp] % 1000000007); break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JNZ: if (stack[--sp]) pc = in->arg; break;
        case JMP: pc = in->arg; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case HALT: return vars[1];
        }
    }
}

int test_main(void)
{
    long n = xbt_arg_long(1) * 200000;
    /* vars: 0 = i, 1 = sum, 2 = limit */
    static const struct insn prog[] = {
        {PUSH, 0}, {STORE, 0}, {PUSH, 0}, {STORE, 1},
        /* 4: loop */
        {LOAD, 0}, {DUP, 0}, {MUL, 0}, {LOAD, 1}, {ADD, 0}, {PUSH, 1000000007}, {MOD, 0},
        {STORE, 1},
        {LOAD, 0}, {PUSH, 1}, {ADD, 0}, {DUP, 0}, {STORE, 0},
        {LOAD, 2}, {LT, 0}, {JNZ, 4},
        {HALT, 0},
    };
    int32_t vars[3] = {0, 0, (int32_t)n};
    bench_start();
    int32_t sum = run(OPAQUE(prog), vars);
    bench_end((uint32_t)sum);
    printf("bytecode n=%ld sum=%ld\n", n, (long)sum);
    return 0;
}
