/*
 * mmu_asswitch_native.c - native twin of mmu_asswitch.c.  A user program
 * cannot load CR3; the closest equivalent of an address-space switch is a
 * process switch.  The parent stands for space 0 and a child process,
 * both pinned to one CPU, for spaces 1-3: each guest switch away from
 * space 0 and back (0 -> k -> 0, two CR3 loads) becomes one pipe round
 * trip to the child (two process switches).  The data work of all four
 * spaces is done by the parent on per-space arrays, so the output and
 * checksum are the guest's.
 */
#include "native_util.h"   /* first: it defines _GNU_SOURCE */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "bench.h"

#define NAS 4u
#define NPG 8u

static uint32_t mem[NAS][NPG + 1][NPAGE / 4];

int main(int argc, char **argv)
{
    static const unsigned order[] = { 0, 1, 0, 2, 0, 3 };
    long n = bench_arg(argc > 1 ? argv[1] : 0, 50);
    for (unsigned s = 0; s < NAS; s++) {
        for (unsigned k = 0; k < NPG; k++)
            mem[s][k][0] = s * 100u + k;
        mem[s][NPG][0] = 0xA000u + s;
    }
    int cpu = sched_getcpu();
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof set, &set);   /* inherited by the child */
    }
    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent))
        native_fail("pipe");
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        native_fail("fork");
    if (child == 0) {                  /* spaces 1-3: echo every byte */
        char b;
        close(to_child[1]);
        close(to_parent[0]);
        while (read(to_child[0], &b, 1) == 1 && write(to_parent[1], &b, 1) == 1)
            ;
        _exit(0);
    }

    close(to_child[0]);
    close(to_parent[1]);

    uint32_t sum = 0;
    bench_start();
    for (long i = 0; i < n; i++) {
        for (unsigned j = 0; j < sizeof order / sizeof order[0]; j++) {
            unsigned s = order[j];
            if (s != 0) {              /* 0 -> s -> 0: one round trip */
                char b = (char)s;
                if (write(to_child[1], &b, 1) != 1 || read(to_parent[0], &b, 1) != 1)
                    native_fail("pipe round trip");
            }
            uint32_t acc = mem[s][NPG][0];
            for (unsigned k = 0; k < NPG; k++) {
                volatile uint32_t *w = &mem[s][k][((k * 4u + j * 64u) & 0xFFCu) / 4];
                uint32_t v = *w + acc;
                *w = v ^ (uint32_t)i;
                acc = acc * 17u + v;
            }
            mem[s][NPG][0] = acc;
            sum = sum * 31u + acc;
        }
    }
    uint32_t h = 0;
    for (unsigned s = 0; s < NAS; s++)
        for (unsigned k = 0; k <= NPG; k++)
            for (uint32_t o = 0; o < NPAGE / 4; o++)
                h = h * 33u + mem[s][k][o];
    bench_end(bench_mix(bench_mix(BENCH_MIX_INIT, sum), h));
    close(to_child[1]);
    waitpid(child, NULL, 0);
    printf("mmu_asswitch n=%ld switches=%ld sum=%08x mem=%08x\n",
           n, n * (long)(sizeof order / sizeof order[0]), (unsigned)sum, (unsigned)h);
    return 0;
}
