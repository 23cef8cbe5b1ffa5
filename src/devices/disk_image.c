/*
 * disk_image.c - the host side of an emulated disk: a raw image file (or
 * block device) of 512-byte sectors, opened read-write (or read-only:
 * --disk FILE,readonly), read and written with pread/pwrite and flushed
 * with fdatasync.  The size is rounded down
 * to whole sectors (a partial last sector is not visible to the guest).
 * The file is locked while open (flock: exclusive for a writer, shared
 * for readers), so two VMs cannot write the same image and none reads an
 * image another writes.  No caching of its own: the host page cache is the
 * drive's write cache, and the guest's FLUSH CACHE reaches the disk.
 *
 * Threading: one user at a time (the vCPU thread, through the IDE model).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"

struct disk_image {
    int fd;
    bool readonly;
    uint64_t sectors;
    char *path;
};

static const char readonly_hint[] = "read-only file (attach it with --disk FILE,readonly)";

/* Opens path for the mode asked: one line why not in err. */
static int open_fd(const char *path, bool readonly, int *fd, char *err, size_t errlen)
{
    *fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (*fd >= 0)
        return 0;
    int e = errno;
    if (!readonly && (e == EACCES || e == EROFS || e == EPERM) && access(path, R_OK) == 0) {
        snprintf(err, errlen, "%s: %s", path, readonly_hint);
        return XBT_EUNSUP;
    }
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return e == ENOENT ? XBT_ENOENT : XBT_EIO;
}

/* The checks on what was opened: kind, permission, size; one line why
 * not in err. */
static int check_file(int fd, const char *path, bool readonly, off_t *size, char *err,
                      size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return XBT_EIO;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file or block device", path);
        return XBT_EFORMAT;
    }
    /* root opens anything read-write: the mode bits still say read-only */
    if (!readonly && S_ISREG(st.st_mode) && !(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
        snprintf(err, errlen, "%s: %s", path, readonly_hint);
        return XBT_EUNSUP;
    }
    *size = lseek(fd, 0, SEEK_END);
    if (*size < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return XBT_EIO;
    }
    if (*size < DISK_SECTOR_SIZE) {
        snprintf(err, errlen, "%s: %s (a disk image needs at least one %u-byte sector)", path,
                 *size == 0 ? "empty file" : "too small", DISK_SECTOR_SIZE);
        return XBT_EFORMAT;
    }
    return 0;
}

int disk_image_open(struct disk_image **out, const char *path, unsigned flags, char *err,
                    size_t errlen)
{
    *out = NULL;
    bool readonly = flags & DISK_READONLY;
    int fd;
    int rc = open_fd(path, readonly, &fd, err, errlen);
    if (rc)
        return rc;
    off_t size;
    rc = check_file(fd, path, readonly, &size, err, errlen);
    if (rc) {
        close(fd);
        return rc;
    }
    if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path,
                 e == EWOULDBLOCK ? "in use by another process (locked)" : strerror(e));
        close(fd);
        return XBT_EBUSY;
    }
    struct disk_image *d = calloc(1, sizeof(*d));
    if (!d || !(d->path = strdup(path))) {
        free(d);
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return XBT_ENOMEM;
    }
    d->fd = fd;
    d->readonly = readonly;
    d->sectors = (uint64_t)size / DISK_SECTOR_SIZE;
    *out = d;
    return 0;
}

void disk_image_close(struct disk_image *d)
{
    if (!d)
        return;
    close(d->fd);
    free(d->path);
    free(d);
}

uint64_t disk_image_sectors(const struct disk_image *d)
{
    return d ? d->sectors : 0;
}

bool disk_image_readonly(const struct disk_image *d)
{
    return d && d->readonly;
}

const char *disk_image_path(const struct disk_image *d)
{
    return d ? d->path : "";
}

/* Checks [lba, lba + count) and returns the byte offset. */
static int disk_range(const struct disk_image *d, uint64_t lba, uint32_t count, off_t *off)
{
    if (lba > d->sectors || count > d->sectors - lba)
        return XBT_ERANGE;
    *off = (off_t)(lba * DISK_SECTOR_SIZE);
    return 0;
}

int disk_image_read(struct disk_image *d, uint64_t lba, uint32_t count, void *buf)
{
    off_t off;
    if (disk_range(d, lba, count, &off))
        return XBT_ERANGE;
    size_t len = (size_t)count * DISK_SECTOR_SIZE, done = 0;
    while (done < len) {
        ssize_t n = pread(d->fd, (uint8_t *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return XBT_EIO;
        if (n == 0) {
            /* the file shrank under us: what is gone reads as zeros */
            memset((uint8_t *)buf + done, 0, len - done);
            break;
        }
        done += (size_t)n;
    }
    return 0;
}

int disk_image_write(struct disk_image *d, uint64_t lba, uint32_t count, const void *buf)
{
    off_t off;
    if (d->readonly)
        return XBT_EUNSUP;
    if (disk_range(d, lba, count, &off))
        return XBT_ERANGE;
    size_t len = (size_t)count * DISK_SECTOR_SIZE, done = 0;
    while (done < len) {
        ssize_t n = pwrite(d->fd, (const uint8_t *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return XBT_EIO;
        done += (size_t)n;
    }
    return 0;
}

int disk_image_flush(struct disk_image *d)
{
    if (d->readonly)
        return 0; /* nothing was written */
    return fdatasync(d->fd) == 0 ? 0 : XBT_EIO;
}
