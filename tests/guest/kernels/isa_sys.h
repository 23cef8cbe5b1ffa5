/*
 * isa_sys.h - additions to isa.h for the system-flavoured isa tests
 * (isa_bcd, isa_string, isa_stack, isa_flow, isa_except): exception lines
 * through xbt_catch() (catch.h), segments with a non-zero base that work the
 * same in both builds (guest: spare GDT slots 0x30/0x38; native: the LDT via
 * modify_ldt), executable scratch memory, and small printing helpers.
 * Header-only; include it instead of isa.h.
 */
#ifndef XBT_GUEST_ISA_SYS_H
#define XBT_GUEST_ISA_SYS_H

#include "isa.h"

#ifdef XBT_NATIVE
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include "desc.h"
#endif

#define ISA_AC 0x40000u           /* alignment check */
#define ISA_ID 0x200000u          /* CPUID available (toggle) */

/* Like ISA_SETF, but [fin] may also hold DF and AC (the arithmetic flags,
 * TF, DF and AC are replaced).  End an asm that may set DF with "cld". */
#define SYS_SETF                                                            \
    "pushfl\n\t"                                                            \
    "andl $0xfffbf22a, (%%esp)\n\t"   /* ~(ARITH | TF | DF | AC) */         \
    "orl %[fin], (%%esp)\n\t"                                               \
    "popfl\n\t"

/* Runs fn(arg) under xbt_catch(); if it raised an exception, prints
 * "<what> -> #XX at mark+N" (counted as a result line) and returns 1. */
__attribute__((unused))
static int sys_caught(const char *what, void (*fn)(void *), void *arg)
{
    struct xbt_fault f;
    char buf[48];

    if (xbt_catch(fn, arg, &f) < 0)
        return 0;
    isa_line("%s -> %s\n", what, xbt_fault_str(&f, buf, sizeof buf));
    return 1;
}

/* The flat code selector the test runs in (0x23 natively, 0x08 guest at
 * ring 0, 0x1B at ring 3). */
static inline uint16_t sys_cs(void)
{
    uint16_t cs;
    __asm__ volatile("movw %%cs, %0" : "=r"(cs));
    return cs;
}

/* ---- segments with a base ----
 * sys_seg(slot, base, limit, code): slot 0 or 1; a 32-bit (D/B = 1),
 * byte-granular, present, writable data segment (code = 0) or readable code
 * segment (code = 1) of DPL = CPL.  Returns its selector (0 on failure).
 * Natively the selector is LDT entry `slot` with RPL 3; in the guest it is
 * GDT entry 6 + slot (written directly: also from ring 3, paging is off). */
__attribute__((unused))
static uint16_t sys_seg(int slot, const void *base, uint32_t limit, int code)
{
#ifdef XBT_NATIVE
    struct user_desc d;

    memset(&d, 0, sizeof d);
    d.entry_number = (unsigned)slot;
    d.base_addr = (unsigned)(uintptr_t)base;
    d.limit = limit;
    d.seg_32bit = 1;
    d.contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
    d.read_exec_only = 0;
    d.limit_in_pages = 0;
    d.seg_not_present = 0;
    d.useable = 1;
    if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0)
        return 0;
    return (uint16_t)((slot << 3) | 7);
#else
    unsigned cpl = sys_cs() & 3u;

    gdt_set_entry(6 + (unsigned)slot, (uint32_t)base, limit,
                  (uint8_t)((code ? 0x9A : 0x92) | cpl << 5), 0x4);
    return (uint16_t)((6 + slot) << 3 | cpl);
#endif
}

/* The current EFLAGS. */
static inline uint32_t sys_flags(void)
{
    uint32_t f;
    __asm__ volatile("pushfl\n\tpopl %0" : "=r"(f) : : "memory");
    return f;
}

/* ---- executable scratch memory (page aligned, 16 KiB) ---- */
#define SYS_EXEC_SIZE 16384
__attribute__((unused))
static uint8_t *sys_exec_buf(void)
{
#ifdef XBT_NATIVE
    static uint8_t *p;
    if (!p) {
        void *m = mmap(NULL, SYS_EXEC_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p = m == MAP_FAILED ? NULL : m;
    }
    return p;
#else
    static uint8_t buf[SYS_EXEC_SIZE] __attribute__((aligned(4096)));
    return buf;
#endif
}

/* ---- printing ---- */
/* Hex dump of n bytes (no separators) into buf (2n+1 bytes). */
__attribute__((unused))
static char *sys_hex(char *buf, const void *p, size_t n)
{
    static const char dig[] = "0123456789abcdef";
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = dig[b[i] >> 4];
        buf[2 * i + 1] = dig[b[i] & 15];
    }
    buf[2 * n] = 0;
    return buf;
}

/* FNV-1a over n bytes: a short fingerprint of a memory area. */
static inline uint32_t sys_fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

#endif
