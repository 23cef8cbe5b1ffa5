/*
 * file.c - host files for the boot loaders: one-line error messages, errno
 * mapping, and reading a kernel file whole into memory (a regular file in
 * one read of its size, anything else - a pipe, /dev/stdin - by doubling
 * the buffer up to a limit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader_int.h"

/* Tunable: the largest kernel file read.  Policy: refuse absurd inputs (a
 * disk image given as the kernel) instead of filling host memory; real
 * kernels are a few MiB. */
#define KERNEL_MAX_FILE_SIZE (1u << 30)
/* Tunable: first buffer for a kernel file whose size is unknown (a pipe);
 * doubled as needed.  Policy: small test kernels fit in one read, big ones
 * take a few doublings. */
#define KERNEL_READ_CHUNK (64u * 1024)

void loader_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int loader_errno_code(int e)
{
    if (e == ENOENT || e == ENOTDIR)
        return XBT_ENOENT;
    if (e == ENOMEM)
        return XBT_ENOMEM;
    return XBT_EIO;
}

/* A full buffer of cap bytes: doubles it, up to the limit. */
static int grow(uint8_t **buf, size_t *cap, const char *path, char *err, size_t errlen)
{
    if (*cap >= KERNEL_MAX_FILE_SIZE) {
        loader_err(err, errlen, "%s: file is larger than %u MiB", path, KERNEL_MAX_FILE_SIZE >> 20);
        return XBT_EUNSUP;
    }
    size_t ncap = *cap * 2;
    if (ncap > KERNEL_MAX_FILE_SIZE)
        ncap = KERNEL_MAX_FILE_SIZE;
    uint8_t *nbuf = realloc(*buf, ncap);
    if (!nbuf) {
        loader_err(err, errlen, "%s: out of memory reading the kernel", path);
        return XBT_ENOMEM;
    }
    *buf = nbuf;
    *cap = ncap;
    return XBT_OK;
}

/* Reads fd to its end into *buf (cap bytes, grown as needed). */
static int read_all(int fd, const char *path, uint8_t **buf, size_t cap, size_t *len, char *err,
                    size_t errlen)
{
    *len = 0;
    for (;;) {
        if (*len == cap) {
            int rc = grow(buf, &cap, path, err, errlen);
            if (rc < 0)
                return rc;
        }
        ssize_t n = read(fd, *buf + *len, cap - *len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            loader_err(err, errlen, "cannot read %s: %s", path, strerror(e));
            return e == ENOMEM ? XBT_ENOMEM : XBT_EIO;
        }
        if (n == 0)
            return XBT_OK;
        *len += (size_t)n;
    }
}

int loader_read_file(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        loader_err(err, errlen, "cannot open %s: %s", path, strerror(e));
        return loader_errno_code(e);
    }
    struct stat st;
    size_t cap = KERNEL_READ_CHUNK, len = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < KERNEL_MAX_FILE_SIZE)
        cap = (size_t)st.st_size + 1; /* +1: EOF is seen without a regrow */
    uint8_t *buf = malloc(cap);
    int rc = XBT_ENOMEM;
    if (!buf)
        loader_err(err, errlen, "%s: out of memory reading the kernel", path);
    else
        rc = read_all(fd, path, &buf, cap, &len, err, errlen);
    close(fd);
    if (rc == XBT_OK && len == 0) {
        loader_err(err, errlen, "%s: empty file", path);
        rc = XBT_EFORMAT;
    }
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = len;
    return XBT_OK;
}
