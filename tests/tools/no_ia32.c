/*
 * no_ia32.c - `no_ia32 COMMAND [ARG...]` runs COMMAND on this host as if
 * its kernel could not run i386 programs: a seccomp filter, inherited by
 * every descendant, kills any process that makes a system call through
 * the i386 ABI (a static i386 program dies at its first one, SIGSYS).
 * Tests use it to take the no-native path through its real detection
 * (`xbt bench --check-native` running the i386 probe), not only through
 * the XBT_NO_NATIVE switch.  Four BPF instructions: written out rather
 * than taken from libseccomp, which would be a dependency for this alone.
 * Exit status 2 when the filter cannot be installed.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: no_ia32 COMMAND [ARG...]\n");
        return 2;
    }
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        fprintf(stderr, "no_ia32: cannot install the seccomp filter: %s\n", strerror(errno));
        return 2;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "no_ia32: cannot execute %s: %s\n", argv[1], strerror(errno));
    return 2;
}
