/*
 * catch.c - xbt_catch(): run a function and catch the CPU exception it
 * raises, identically in guest kernels (IDT handlers + xbt_longjmp) and in
 * native Linux programs (signal handlers + siglongjmp).  See catch.h.
 */
#ifdef XBT_NATIVE
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#else
#include "desc.h"
#include "rt.h"
#endif
#include "catch.h"

volatile uint32_t xbt_mark;

struct catch_ctx {
#ifdef XBT_NATIVE
    sigjmp_buf env;
#else
    xbt_jmp_buf env;
#endif
    struct xbt_fault fault;
};

static struct catch_ctx *volatile current;

#ifdef XBT_NATIVE
static const int catch_signals[] = { SIGFPE, SIGILL, SIGTRAP, SIGSEGV, SIGBUS };

/* Linux's signal for a vector, should REG_TRAPNO be missing. */
static int vector_from_signal(int sig)
{
    switch (sig) {
    case SIGFPE: return XBT_DE;
    case SIGILL: return XBT_UD;
    case SIGTRAP: return XBT_BP;
    case SIGBUS: return XBT_AC;
    default: return XBT_GP;
    }
}

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    struct catch_ctx *c = current;
    (void)si;

    if (!c) {
        static const char msg[] = "xbt_catch: exception outside xbt_catch()\n";
        ssize_t r = write(2, msg, sizeof msg - 1);
        (void)r;
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    greg_t *g = uc->uc_mcontext.gregs;
    int trapno = (int)g[REG_TRAPNO];
    c->fault.vector = (trapno >= 0 && trapno < 32) ? trapno : vector_from_signal(sig);
    c->fault.eip = (uint32_t)g[REG_EIP];
    c->fault.error_code = (uint32_t)g[REG_ERR];
    c->fault.mark = xbt_mark;
    c->fault.eax = (uint32_t)g[REG_EAX];
    c->fault.ecx = (uint32_t)g[REG_ECX];
    c->fault.edx = (uint32_t)g[REG_EDX];
    c->fault.ebx = (uint32_t)g[REG_EBX];
    c->fault.esp = (uint32_t)g[REG_ESP];
    c->fault.ebp = (uint32_t)g[REG_EBP];
    c->fault.esi = (uint32_t)g[REG_ESI];
    c->fault.edi = (uint32_t)g[REG_EDI];
    c->fault.eflags = (uint32_t)g[REG_EFL];
    if (c->fault.vector == XBT_MF && uc->uc_mcontext.fpregs) {
        c->fault.fsw = (uint16_t)uc->uc_mcontext.fpregs->sw;
        c->fault.fip = (uint32_t)uc->uc_mcontext.fpregs->ipoff;
    }
    siglongjmp(c->env, 1);
}

static void catch_init(void)
{
    static int done;
    struct sigaction sa;

    if (done)
        return;
    done = 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;   /* leaving by longjmp: nothing stays blocked */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof catch_signals / sizeof catch_signals[0]; i++)
        sigaction(catch_signals[i], &sa, NULL);
}

#define CATCH_SETJMP(env) sigsetjmp((env), 0)

#else /* guest */

/* At CPL 3 the handler runs at ring 0 (on the TSS's stack): fn is
 * abandoned from ring 3, where the IRET below lands. */
static void catch_user_resume(void)
{
    xbt_longjmp(current->env, 1);
}

static void on_exception(struct isr_frame *f)
{
    struct catch_ctx *c = current;
    int user = (f->cs & 3) != 0;

    if (!c)
        panic("vector %u at %08x outside xbt_catch()", f->vector, f->eip);
    c->fault.vector = (int)f->vector;
    c->fault.eip = f->eip;
    c->fault.error_code = f->error_code;
    c->fault.mark = xbt_mark;
    c->fault.eax = f->eax;
    c->fault.ecx = f->ecx;
    c->fault.edx = f->edx;
    c->fault.ebx = f->ebx;
    /* ESP before the exception: pushed by the CPU from ring 3, else just
     * above the frame (same privilege: no SS:ESP pushed) */
    c->fault.esp = user ? f->user_esp : (uint32_t)&f->eflags + 4;
    c->fault.ebp = f->ebp;
    c->fault.esi = f->esi;
    c->fault.edi = f->edi;
    c->fault.eflags = f->eflags;
    if (f->vector == XBT_MF) {
        uint32_t env[7];
        __asm__ volatile("fnstenv %0" : "=m"(env));
        c->fault.fsw = (uint16_t)env[1];
        c->fault.fip = env[3];
    }
    if (user) {
        /* IRET to catch_user_resume on a stack below xbt_catch()'s frame
         * (env[4] is its ESP), with data segments it can use */
        f->eip = (uint32_t)catch_user_resume;
        f->user_esp = c->env[4] - 64;
        f->ds = f->es = f->user_ss;
        f->eflags &= ~0x100u;     /* TF */
        return;
    }
    xbt_longjmp(c->env, 1);
}

static void catch_init(void)
{
    static int done;
    uint32_t cr0;

    if (done)
        return;
    done = 1;
    idt_init();
    for (unsigned v = 0; v < 32; v++)
        isr_register(v, on_exception);
    /* CR0.NE: x87 errors raise #MF (vector 16) as on Linux, not FERR#. */
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0 | 0x20) : "memory");
}

#define CATCH_SETJMP(env) xbt_setjmp(env)
#endif

int xbt_catch(void (*fn)(void *), void *arg, struct xbt_fault *out)
{
    struct catch_ctx ctx;
    struct catch_ctx *volatile saved = current;
    uint16_t ds, es;

    catch_init();
    memset(&ctx, 0, sizeof ctx);
    ctx.fault.vector = -1;
    xbt_mark = 0;
    __asm__ volatile("movw %%ds, %0\n\tmovw %%es, %1" : "=r"(ds), "=r"(es));
    if (CATCH_SETJMP(ctx.env) == 0) {
        current = &ctx;
        fn(arg);
        ctx.fault.mark = xbt_mark;
    } else {
        /* DS and ES as on entry (fn may have loaded others), and a fresh
         * x87, as Linux gives a signal handler (and leaves after
         * siglongjmp). */
        __asm__ volatile("movw %0, %%ds\n\tmovw %1, %%es\n\tfninit"
                         : : "r"(ds), "r"(es) : "memory");
    }
    current = saved;
    /* DF and AC clear, whatever fn or the exception path left. */
    __asm__ volatile("pushfl\n\t"
                     "andl $~0x40400, (%%esp)\n\t"
                     "popfl" : : : "cc", "memory");
    if (out)
        *out = ctx.fault;
    return ctx.fault.vector;
}

const char *xbt_vector_name(int vector)
{
    static const char *const names[32] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
        "#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
        "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
        "#24", "#25", "#26", "#27", "#28", "#29", "#30", "#31",
    };

    if (vector < 0)
        return "none";
    return vector < 32 ? names[vector] : "#??";
}

char *xbt_fault_str(const struct xbt_fault *f, char *buf, size_t size)
{
    if (f->vector < 0)
        snprintf(buf, size, "none");
    else if (!f->mark)
        snprintf(buf, size, "%s (no mark)", xbt_vector_name(f->vector));
    else {
        int32_t d = (int32_t)(f->eip - f->mark);
        snprintf(buf, size, "%s at mark%c%ld", xbt_vector_name(f->vector),
                 d < 0 ? '-' : '+', (long)(d < 0 ? -(int64_t)d : d));
    }
    return buf;
}
