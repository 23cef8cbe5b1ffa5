/*
 * util.c - error reporting shared by every module, and the -d log sink.
 */
#include <stdarg.h>
#include <stdio.h>

#include "xbt.h"

FILE *xbt_log_file;

const char *xbt_strerror(int err)
{
    switch (err) {
    case XBT_OK: return "success";
    case XBT_EINVAL: return "invalid argument";
    case XBT_ENOMEM: return "out of memory";
    case XBT_EIO: return "I/O error";
    case XBT_ENOENT: return "no such file";
    case XBT_EFORMAT: return "bad file format";
    case XBT_ERANGE: return "out of range";
    case XBT_EBUSY: return "resource busy";
    case XBT_EUNSUP: return "not supported";
    default: return "unknown error";
    }
}

void xbt_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xbt: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void xbt_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xbt: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
