/*
 * syscall.c - benchmark: N system-call round trips ring 3 -> 0 -> 3
 * (N = command line, default 1000): a CPL-3 loop does `int $0x80` with
 * EAX = 64 (getppid on i386 Linux) through a DPL-3 interrupt gate; the
 * kernel's C handler (common/sys_common.c: stub, pushal, isr_handler, hook)
 * returns 1 in EAX and IRETs.  Native twin: syscall_native.c, getppid()
 * through syscall().
 */
#include "bench.h"
#include "sys_common.h"
#include "syscall_bench.h"

static int sys_getppid(struct isr_frame *f)
{
    if (f->eax == SYSCALL_BENCH_NR)
        f->eax = 1;
    else
        f->eax = (uint32_t)-38;       /* -ENOSYS */
    return 1;
}

static long rounds;

static uint32_t user_loop(void)
{
    return syscall_bench_loop(rounds);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    rounds = bench_arg(magic == 0x2BADB002u && mbi && (mbi->flags & 4) ?
                       (const char *)(uintptr_t)mbi->cmdline : 0, 1000);
    sys_init();
    sys_hook(0x80, sys_getppid);
    bench_start();
    uint32_t acc = sys_user_run(user_loop, EFL_FIXED);
    bench_end(acc);
    printf("syscall n=%ld acc=%08x\n", rounds, (unsigned)acc);
    return 0;
}
