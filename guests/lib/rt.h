/*
 * rt.h - the xbt guest runtime: the C interface of libxbtrt.a for freestanding
 * i386 kernels.  Output goes to COM1 (serial.c) unchanged, byte for byte;
 * the printf family follows glibc's formatting for the conversions it knows
 * (see printf.c), so a pure-computation test prints the same bytes here and
 * as a native Linux program.
 */
#ifndef XBT_GUEST_RT_H
#define XBT_GUEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "multiboot.h"

/* Entry point the kernel provides; its return value V ends the run with host
 * status (V << 1) | 1. */
int kmain(uint32_t magic, struct multiboot_info *mbi);

/* Saved by crt0.S. */
extern uint32_t mb_magic;
extern struct multiboot_info *mb_info;

/* ---- exit.c ---- */
#define XBT_EXIT_PORT 0xF4
#define XBT_EXIT_PANIC 0x7F       /* host status 255 */
__attribute__((noreturn)) void xbt_exit(int code);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* ---- ring3.c ---- */
/* Runs fn() at CPL 3 (flat ring-3 segments, IOPL 3, IF 0; exceptions reach
 * xbt_catch() through a TSS stack) and returns its result, back at ring 0.
 * Call at ring 0. */
int ring3_run(int (*fn)(void));

/* ---- serial.c ---- */
#define COM1 0x3F8
void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);
/* Waits until every byte written has left the UART (LSR.TEMT): before a
 * shutdown, which a UART that takes time per byte (Bochs's) would cut. */
void serial_flush(void);
/* Bochs/QEMU debug console on port 0xE9. */
#define DEBUGCON_PORT 0xE9
void debugcon_putc(char c);
void debugcon_write(const char *s, size_t n);

/* ---- printf.c ---- */
typedef void (*fmt_out_fn)(char c, void *ctx);
int vcbprintf(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
int putchar(int c);

/* ---- string.c ---- */
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *restrict d, const char *restrict s);
char *strchr(const char *s, int c);

/* -ffreestanding implies -fno-builtin; let gcc expand these inline again
 * (struct-sized copies, small constant memsets) and call ours otherwise. */
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#define strlen(s) __builtin_strlen((s))

#endif
