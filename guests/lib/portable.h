/*
 * portable.h - include this (only) in a pure-computation test that is built
 * both as a guest kernel and as a native Linux program (-DXBT_NATIVE).  It
 * provides printf/puts/putchar and the string functions from either the
 * xbt runtime or libc, and declares the test's entry point
 *     int test_main(void);
 * whose return value is the guest's debug-exit code or the native exit status.
 *
 * Exceptions (catch.h, included here): xbt_catch(fn, arg, &fault) runs
 * fn(arg) and returns the vector of a CPU exception it raised (#DE 0, #BP 3,
 * #OF 4, #BR 5, #UD 6, #GP 13, #MF 16, ...) or -1, with the pushed EIP in
 * fault.eip; put XBT_MARK in the asm before the instruction under test and
 * print fault.eip - fault.mark (xbt_fault_str(): "#UD at mark+0"), never
 * absolute addresses.  Guest: IDT handlers; native: signal handlers.
 */
#ifndef XBT_GUEST_PORTABLE_H
#define XBT_GUEST_PORTABLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef XBT_NATIVE
#include <stdio.h>
#include <string.h>
#else
#include "rt.h"
#endif
#include "catch.h"

int test_main(void);

/* The command line: the multiboot command line in the guest (--append),
 * argv[1] natively; NULL or "" when none was given. */
extern const char *xbt_cmdline;

/* The last word of the command line as a decimal number, or dflt
 * (benchmarks take their amount of work this way: small in tests, large in
 * benchmarks; QEMU puts the kernel path before the -append string). */
static inline long xbt_arg_long(long dflt)
{
    const char *s = xbt_cmdline, *last = NULL;
    if (!s)
        return dflt;
    for (; *s; s++)
        if (*s != ' ' && (s == xbt_cmdline || s[-1] == ' '))
            last = s;
    long v = 0;
    int digits = 0;
    for (s = last; s && *s >= '0' && *s <= '9'; s++, digits++)
        v = v * 10 + (*s - '0');
    return digits ? v : dflt;
}

/* Keeps the compiler from constant-folding a value through it. */
#define OPAQUE(x) ({ __auto_type opaque_v_ = (x); \
                     __asm__ volatile("" : "+g"(opaque_v_)); opaque_v_; })

#endif
