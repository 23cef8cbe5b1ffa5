/*
 * forkexec.c - Linux benchmark (`xbt bench` workload linux_forkexec):
 * process creation.  N times: fork(), the child execve()s the tiny static
 * program linux_exit (exit_arg.S, next to this one) with an argument, the
 * parent waitpid()s it; the exit statuses enter the checksum.  Runs in the
 * Linux guest and natively alike (N = first argument, default 100).
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define DEFAULT_ROUNDS 100

static void fail(const char *what)
{
    perror(what);
    exit(2);
}

/* linux_exit, in the directory of this program. */
static void exit_program(char *path, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        fail("readlink /proc/self/exe");
    self[n] = 0;
    snprintf(path, size, "%s/linux_exit", dirname(self));
    if (access(path, X_OK))
        fail(path);
}

/* One fork + exec + wait; the child's exit status. */
static int spawn(const char *path, unsigned arg)
{
    char num[16];
    snprintf(num, sizeof num, "%u", arg);
    char *argv[] = { (char *)path, num, NULL };
    char *envp[] = { NULL };
    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid)
        fail("waitpid");
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    long rounds = bench_arg(argc > 1 ? argv[1] : 0, DEFAULT_ROUNDS);
    char path[PATH_MAX];
    exit_program(path, sizeof path);
    uint32_t sum = BENCH_MIX_INIT;
    bench_start();
    for (long i = 0; i < rounds; i++)
        sum = bench_mix(sum, (uint32_t)spawn(path, (unsigned)(i * 7) % 251));
    bench_end(sum);
    printf("forkexec n=%ld sum=%08x\n", rounds, (unsigned)sum);
    return 0;
}
