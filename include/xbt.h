/*
 * xbt.h - definitions shared by every module of the xbt VMM: error codes,
 * logging and small helpers.  Functions in xbt return 0 (or a non-negative
 * value) on success and a negative XBT_E* code on failure; guest-visible
 * faults are data (see vcpu.h), never host aborts.
 */
#ifndef XBT_H
#define XBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum xbt_err {
    XBT_OK = 0,
    XBT_EINVAL = -1,  /* bad argument or malformed input */
    XBT_ENOMEM = -2,  /* host allocation failed */
    XBT_EIO = -3,     /* host I/O error */
    XBT_ENOENT = -4,  /* file not found */
    XBT_EFORMAT = -5, /* input file has the wrong format */
    XBT_ERANGE = -6,  /* value or address out of range */
    XBT_EBUSY = -7,   /* resource already in use (e.g. overlapping ports) */
    XBT_EUNSUP = -8,  /* valid input that xbt does not support */
};

/* The program's version (xbt --version, reports). */
#define XBT_VERSION "0.1.0"

const char *xbt_strerror(int err);

/* Prints "xbt: <message>" on stderr. */
void xbt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "xbt: warning: <message>" on stderr. */
void xbt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* -d log items: the translator's guest and host code (Capstone), every unit
 * entered, every interrupt and exception delivered. */
#define XBT_LOG_IN_ASM (1u << 0)
#define XBT_LOG_OUT_ASM (1u << 1)
#define XBT_LOG_EXEC (1u << 2)
#define XBT_LOG_INT (1u << 3)
/* Where the -d log goes: the -D file, or stderr when NULL (src/base/util.c). */
extern FILE *xbt_log_file;

#define XBT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define XBT_LIKELY(x) __builtin_expect(!!(x), 1)
#define XBT_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
