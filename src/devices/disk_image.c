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
 * With DISK_SNAPSHOT (--snapshot) the image is opened read-only with a
 * shared lock and the guest's writes go to an overlay: a sparse, unlinked
 * temporary file of the image's size (O_TMPFILE in $TMPDIR, else
 * /var/tmp) and a bitmap of the sectors it holds; reads take each sector
 * from the overlay when written, else from the image.  The overlay goes
 * away with the process; FLUSH CACHE does nothing.
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

/* Tunable: where a --snapshot overlay lives without $TMPDIR.  Policy:
 * /var/tmp as QEMU's snapshot=on: a guest may write gigabytes, which must
 * not fill a RAM-backed /tmp. */
#define OVERLAY_DEFAULT_DIR "/var/tmp"

/* --snapshot's copy of the sectors the guest wrote. */
struct disk_overlay {
    int fd;          /* unlinked temporary file, same offsets as the image */
    uint64_t *dirty; /* one bit per sector: its data is in fd */
};

struct disk_image {
    int fd;
    bool readonly;
    uint64_t sectors;
    char *path;
    struct disk_overlay *overlay; /* --snapshot, else NULL */
};

static const char readonly_hint[] =
    "read-only file (attach it with --disk FILE,readonly or --snapshot)";

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

/* The directory for --snapshot overlays: $TMPDIR when set. */
static const char *overlay_dir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : OVERLAY_DEFAULT_DIR;
}

/* An unlinked read-write file in dir: O_TMPFILE, or mkstemp and unlink on
 * file systems without it.  -1 with errno on failure. */
static int overlay_tmpfile(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    size_t n = strlen(dir) + sizeof("/xbt-snapshot-XXXXXX");
    char *tmpl = malloc(n);
    if (!tmpl) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmpl, n, "%s/xbt-snapshot-XXXXXX", dir);
    fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd >= 0)
        unlink(tmpl);
    free(tmpl);
    return fd;
}

static void overlay_free(struct disk_overlay *ov)
{
    if (!ov)
        return;
    if (ov->fd >= 0)
        close(ov->fd);
    free(ov->dirty);
    free(ov);
}

/* An empty overlay for an image of `sectors` sectors; one line why not in
 * err.  The bitmap is calloc'd: pages the guest never writes near stay
 * untouched (a 1 TiB image has a 256 MiB bitmap, mostly never touched). */
static int overlay_create(struct disk_overlay **out, uint64_t sectors, const char *path, char *err,
                          size_t errlen)
{
    struct disk_overlay *ov = calloc(1, sizeof(*ov));
    if (!ov || !(ov->dirty = calloc((size_t)((sectors + 63) / 64), sizeof(uint64_t)))) {
        free(ov);
        snprintf(err, errlen, "%s: out of memory for the --snapshot overlay", path);
        return XBT_ENOMEM;
    }
    const char *dir = overlay_dir();
    ov->fd = overlay_tmpfile(dir);
    if (ov->fd < 0) {
        snprintf(err, errlen, "%s: cannot create the --snapshot overlay in %s: %s", path, dir,
                 strerror(errno));
        overlay_free(ov);
        return XBT_EIO;
    }
    *out = ov;
    return 0;
}

static bool overlay_has(const struct disk_overlay *ov, uint64_t lba)
{
    return (ov->dirty[lba / 64] >> (lba % 64)) & 1;
}

static void overlay_mark(struct disk_overlay *ov, uint64_t lba, uint32_t count)
{
    for (uint64_t s = lba; s < lba + count; s++)
        ov->dirty[s / 64] |= 1ull << (s % 64);
}

/* Locks fd as the mode needs; one line why not in err. */
static int lock_fd(int fd, const char *path, bool shared, char *err, size_t errlen)
{
    if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
        return 0;
    int e = errno;
    snprintf(err, errlen, "%s: %s", path,
             e == EWOULDBLOCK ? "in use by another process (locked)" : strerror(e));
    return XBT_EBUSY;
}

int disk_image_open(struct disk_image **out, const char *path, unsigned flags, char *err,
                    size_t errlen)
{
    *out = NULL;
    bool readonly = flags & DISK_READONLY;
    /* ,readonly wins: the guest's writes fail, there is nothing to keep */
    bool snapshot = (flags & DISK_SNAPSHOT) && !readonly;
    bool file_ro = readonly || snapshot; /* the file itself is never written */
    int fd;
    int rc = open_fd(path, file_ro, &fd, err, errlen);
    if (rc)
        return rc;
    off_t size;
    struct disk_image *d = NULL;
    if ((rc = check_file(fd, path, file_ro, &size, err, errlen)) ||
        (rc = lock_fd(fd, path, file_ro, err, errlen)))
        goto fail;
    rc = XBT_ENOMEM;
    if (!(d = calloc(1, sizeof(*d))) || !(d->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    d->fd = fd;
    d->readonly = readonly;
    d->sectors = (uint64_t)size / DISK_SECTOR_SIZE;
    if (snapshot && (rc = overlay_create(&d->overlay, d->sectors, path, err, errlen)))
        goto fail;
    *out = d;
    return 0;
fail:
    if (d)
        free(d->path);
    free(d);
    close(fd);
    return rc;
}

void disk_image_close(struct disk_image *d)
{
    if (!d)
        return;
    overlay_free(d->overlay);
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

/* len bytes at off of fd; past the end of the file reads as zeros (a file
 * that shrank under us, or an overlay's hole). */
static int read_at(int fd, uint8_t *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return XBT_EIO;
        if (n == 0) {
            memset(buf + done, 0, len - done);
            break;
        }
        done += (size_t)n;
    }
    return 0;
}

static int write_at(int fd, const uint8_t *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return XBT_EIO;
        done += (size_t)n;
    }
    return 0;
}

/* --snapshot: runs of sectors from the overlay (written by the guest) and
 * from the image (never written), in turn. */
static int read_overlaid(struct disk_image *d, uint64_t lba, uint32_t count, uint8_t *buf)
{
    uint32_t i = 0;
    while (i < count) {
        bool mine = overlay_has(d->overlay, lba + i);
        uint32_t n = 1;
        while (i + n < count && overlay_has(d->overlay, lba + i + n) == mine)
            n++;
        int rc = read_at(mine ? d->overlay->fd : d->fd, buf + (size_t)i * DISK_SECTOR_SIZE,
                         (size_t)n * DISK_SECTOR_SIZE, (off_t)((lba + i) * DISK_SECTOR_SIZE));
        if (rc)
            return rc;
        i += n;
    }
    return 0;
}

int disk_image_read(struct disk_image *d, uint64_t lba, uint32_t count, void *buf)
{
    off_t off;
    if (disk_range(d, lba, count, &off))
        return XBT_ERANGE;
    if (d->overlay)
        return read_overlaid(d, lba, count, buf);
    return read_at(d->fd, buf, (size_t)count * DISK_SECTOR_SIZE, off);
}

int disk_image_write(struct disk_image *d, uint64_t lba, uint32_t count, const void *buf)
{
    off_t off;
    if (d->readonly)
        return XBT_EUNSUP;
    if (disk_range(d, lba, count, &off))
        return XBT_ERANGE;
    size_t len = (size_t)count * DISK_SECTOR_SIZE;
    if (!d->overlay)
        return write_at(d->fd, buf, len, off);
    int rc = write_at(d->overlay->fd, buf, len, off);
    if (rc == 0)
        overlay_mark(d->overlay, lba, count);
    return rc;
}

int disk_image_flush(struct disk_image *d)
{
    if (d->readonly || d->overlay)
        return 0; /* nothing was written to the image, nothing will be */
    return fdatasync(d->fd) == 0 ? 0 : XBT_EIO;
}

bool disk_image_snapshot(const struct disk_image *d)
{
    return d && d->overlay;
}
