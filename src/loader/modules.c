/*
 * modules.c - boot modules (multiboot modules; later an initrd): files
 * placed page-aligned one after the other in guest RAM.  Checking opens
 * them all and, for those whose size is known up front (regular files),
 * checks that they fit; loading reads each one to its place and checks
 * again as it reads, since a stream's size is known only at its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader_int.h"

/* Tunable: the largest single read of a module.  Policy: bounded so a huge
 * RAM is filled in a few calls without one giant request. */
#define MODULE_READ_MAX (1u << 30)

int modules_open(struct boot_module *bm, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        bm[i].fd = -1;
    for (int i = 0; i < n; i++) {
        bm[i].fd = open(bm[i].path, O_RDONLY | O_CLOEXEC);
        if (bm[i].fd < 0) {
            int e = errno;
            loader_err(err, errlen, "cannot open module %d (%s): %s", i, bm[i].path, strerror(e));
            return loader_errno_code(e);
        }
    }
    return XBT_OK;
}

void modules_close(struct boot_module *bm, int n)
{
    for (int i = 0; i < n; i++) {
        if (bm[i].fd >= 0)
            close(bm[i].fd);
        bm[i].fd = -1;
    }
}

/* Module i starts at the first page boundary at or after cursor, which
 * must be inside RAM. */
static int module_start(const struct boot_module *m, int i, uint64_t cursor, uint32_t ram_size,
                        uint64_t *start, char *err, size_t errlen)
{
    *start = loader_align_up(cursor, PAGE_SIZE_4K);
    if (*start < ram_size)
        return XBT_OK;
    loader_err(err, errlen,
               "module %d (%s) does not fit in guest RAM: it "
               "would start at 0x%llx, RAM is 0x%x bytes",
               i, m->path, (unsigned long long)*start, ram_size);
    return XBT_ERANGE;
}

static int does_not_fit(const struct boot_module *m, int i, uint64_t start, uint64_t need,
                        uint32_t ram_size, char *err, size_t errlen)
{
    loader_err(err, errlen,
               "module %d (%s) does not fit in guest RAM: needs "
               "[0x%llx-0x%llx), RAM is 0x%x bytes",
               i, m->path, (unsigned long long)start, (unsigned long long)need, ram_size);
    return XBT_ERANGE;
}

int modules_check(const struct boot_module *bm, int n, uint64_t cursor, uint32_t ram_size,
                  char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        uint64_t start;
        struct stat st;
        int rc = module_start(&bm[i], i, cursor, ram_size, &start, err, errlen);
        if (rc < 0)
            return rc;
        if (fstat(bm[i].fd, &st) != 0)
            return XBT_OK;         /* size unknown: checked while loading */
        if (S_ISDIR(st.st_mode)) { /* what reading it would say */
            loader_err(err, errlen, "cannot read module %d (%s): %s", i, bm[i].path,
                       strerror(EISDIR));
            return XBT_EIO;
        }
        if (!S_ISREG(st.st_mode))
            return XBT_OK; /* a stream: checked while loading */
        uint64_t end = start + (uint64_t)st.st_size;
        if (end > ram_size)
            return does_not_fit(&bm[i], i, start, end, ram_size, err, errlen);
        cursor = end;
    }
    return XBT_OK;
}

/* Reads module i to guest-physical m->start (< ram_size), setting m->end. */
static int read_module(struct boot_module *m, int i, uint8_t *ram, uint32_t ram_size, char *err,
                       size_t errlen)
{
    uint64_t pos = m->start;
    for (;;) {
        uint8_t probe;
        uint8_t *dst = pos < ram_size ? ram + pos : &probe;
        size_t room = pos < ram_size ? (size_t)(ram_size - pos) : 1;
        if (room > MODULE_READ_MAX)
            room = MODULE_READ_MAX;
        ssize_t n = read(m->fd, dst, room);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            loader_err(err, errlen, "cannot read module %d (%s): %s", i, m->path, strerror(e));
            return e == ENOMEM ? XBT_ENOMEM : XBT_EIO;
        }
        if (n == 0)
            break;
        if (pos >= ram_size) {
            /* Data left after guest RAM filled up: report the full size. */
            struct stat st;
            uint64_t need = pos + 1;
            if (fstat(m->fd, &st) == 0 && S_ISREG(st.st_mode) &&
                m->start + (uint64_t)st.st_size > need)
                need = m->start + (uint64_t)st.st_size;
            return does_not_fit(m, i, m->start, need, ram_size, err, errlen);
        }
        pos += (uint64_t)n;
    }
    m->end = pos;
    return XBT_OK;
}

int modules_load(struct boot_module *bm, int n, uint64_t cursor, uint8_t *ram, uint32_t ram_size,
                 char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        int rc = module_start(&bm[i], i, cursor, ram_size, &bm[i].start, err, errlen);
        if (rc == XBT_OK)
            rc = read_module(&bm[i], i, ram, ram_size, err, errlen);
        if (rc < 0)
            return rc;
        cursor = bm[i].end;
    }
    return XBT_OK;
}
