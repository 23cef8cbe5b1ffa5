/*
 * catch.h - portable exception catching for tests built both as guest
 * kernels and as native Linux programs (portable.h includes this).
 *
 *     static void body(void *arg) { __asm__ volatile(XBT_MARK "ud2"); }
 *     struct xbt_fault f;
 *     if (xbt_catch(body, arg, &f) >= 0)
 *         printf("%s\n", xbt_fault_str(&f, buf, sizeof buf)); // "#UD at mark+0"
 *
 * xbt_catch() calls fn(arg).  If fn returns, the result is -1 and
 * f.vector = -1.  If an exception is raised while fn runs, fn is abandoned
 * (like longjmp: locals of the caller that fn changed must be volatile) and
 * the result is the CPU's exception vector (XBT_DE = 0, XBT_BP = 3, XBT_OF
 * = 4, XBT_BR = 5, XBT_UD = 6, XBT_GP = 13, XBT_MF = 16, ...), with f.eip
 * = the EIP the exception pushed: the faulting instruction for faults (#DE,
 * #BR, #UD, #GP, #MF: the x87 instruction that noticed the pending
 * exception), the next instruction for traps (INT3, INTO).
 *
 * Guest: the runtime's IDT stubs (desc.c; idt_init() on first use, CR0.NE
 * set so x87 errors raise #MF) record the frame and longjmp out; exceptions
 * are delivered on the current stack.  Guest code running at CPL 3 (a TSS
 * gives ring 0 a stack) must have called xbt_catch() once at ring 0 (the
 * first call loads the IDT); an exception at CPL 3 is recorded at ring 0,
 * which IRETs to ring 3 to abandon fn there, so the caller goes on at CPL 3.
 * Native: SIGFPE/SIGILL/SIGTRAP/SIGSEGV/SIGBUS handlers read the vector
 * (REG_TRAPNO) and EIP (REG_EIP) from the ucontext and siglongjmp out.
 *
 * Absolute addresses differ between the two builds, so print EIPs relative
 * to a mark: XBT_MARK, placed in an asm template right before the code under
 * test, stores the address of what follows it in xbt_mark (a plain MOV, no
 * flags touched); xbt_catch() clears xbt_mark before calling fn and copies
 * it to f.mark.  XBT_MARK uses the local label 7770 and contains no '%', so
 * it works in basic and extended asm alike.
 *
 * Also identical in both builds after xbt_catch() returns: DF = 0 and AC = 0
 * (cleared), DS and ES as on entry, and, after a caught exception, the x87
 * is in its FNINIT state
 * (Linux gives signal handlers a fresh FPU; the guest side runs FNINIT).
 * For #MF, f.fsw and f.fip are the x87 status word and instruction pointer
 * (FIP, the faulting x87 instruction) at delivery, before the reset.
 * f.eax ... f.edi and f.eflags are the registers at the exception.
 * Not reentrant from inside a handler, but xbt_catch() calls may nest.
 * Both builds deliver the exception on the current stack: ESP must point
 * at usable memory when fn faults (a private stack is fine).
 */
#ifndef XBT_GUEST_CATCH_H
#define XBT_GUEST_CATCH_H

#include <stddef.h>
#include <stdint.h>

#define XBT_DE 0                  /* divide error (fault) */
#define XBT_DB 1
#define XBT_BP 3                  /* INT3 (trap) */
#define XBT_OF 4                  /* INTO with OF = 1 (trap) */
#define XBT_BR 5                  /* BOUND range exceeded (fault) */
#define XBT_UD 6                  /* invalid opcode (fault) */
#define XBT_NM 7
#define XBT_GP 13
#define XBT_PF 14
#define XBT_MF 16                 /* x87 floating-point error (fault) */
#define XBT_AC 17

struct xbt_fault {
    int vector;                   /* exception vector, -1 if fn returned */
    uint32_t eip;                 /* EIP pushed by the exception */
    uint32_t mark;                /* xbt_mark when the exception was raised */
    uint32_t error_code;          /* #GP etc. (natively Linux's view; 0 for #DE/#UD/...) */
    uint16_t fsw;                 /* #MF only: x87 status word */
    uint32_t fip;                 /* #MF only: x87 FIP (faulting instruction) */
    /* The interrupted registers (ESP as before the exception pushed
     * anything).  Compare only what is the same in both builds: not the
     * segment, IF or IOPL bits of eflags, no absolute addresses. */
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, eflags;
};

extern volatile uint32_t xbt_mark;

#define XBT_MARK "movl $7770f, xbt_mark\n7770:\n\t"

/* Runs fn(arg); returns the vector of an exception it raised, or -1. */
int xbt_catch(void (*fn)(void *), void *arg, struct xbt_fault *out);

/* "#UD", "#DE", ... ("#17" for vectors without a short name). */
const char *xbt_vector_name(int vector);

/* Formats f as "none" or "<#XX> at mark+N" (N = eip - mark, may be
 * negative: "mark-N") into buf; returns buf. */
char *xbt_fault_str(const struct xbt_fault *f, char *buf, size_t size);

#ifndef XBT_NATIVE
/* Guest-only setjmp/longjmp (setjmp.S): saves EBX ESI EDI EBP ESP EIP. */
typedef uint32_t xbt_jmp_buf[6];
__attribute__((returns_twice)) int xbt_setjmp(xbt_jmp_buf env);
__attribute__((noreturn)) void xbt_longjmp(xbt_jmp_buf env, int val);
#endif

#endif
