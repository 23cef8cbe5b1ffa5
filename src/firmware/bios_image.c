/*
 * bios_image.c - reading the BIOS image the board maps (SeaBIOS's
 * bios.bin / bios-256k.bin, or --bios FILE): the whole file, checked the
 * way QEMU checks it (a size that is a non-zero multiple of 64 KiB) and
 * at most 16 MiB, with one error line that says what is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcfw.h"
#include "xbt.h"

static int fail(char *err, size_t n, const char *path, const char *why, int rc)
{
    snprintf(err, n, "%s: %s", path, why);
    return rc;
}

int bios_image_load(struct bios_image *img, const char *path, char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, path, strerror(errno), errno == ENOENT ? XBT_ENOENT : XBT_EIO);
    struct stat st;
    int rc = 0;
    const char *why = NULL;
    if (fstat(fd, &st) != 0) {
        why = strerror(errno);
        rc = XBT_EIO;
    } else if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
        rc = XBT_EFORMAT;
    } else if (st.st_size == 0 || st.st_size % PCFW_BIOS_ALIGN != 0) {
        why = "not a BIOS image (its size must be a non-zero multiple of 64 KiB)";
        rc = XBT_EFORMAT;
    } else if (st.st_size > PCFW_BIOS_MAX) {
        why = "BIOS image larger than 16 MiB";
        rc = XBT_EFORMAT;
    }
    if (!rc) {
        img->size = (uint32_t)st.st_size;
        img->data = malloc(img->size);
        if (!img->data) {
            why = "out of memory";
            rc = XBT_ENOMEM;
        }
    }
    for (uint32_t done = 0; !rc && done < img->size;) {
        ssize_t k = read(fd, img->data + done, img->size - done);
        if (k <= 0) {
            why = k < 0 ? strerror(errno) : "file shrank while being read";
            rc = XBT_EIO;
        } else {
            done += (uint32_t)k;
        }
    }
    close(fd);
    if (rc) {
        bios_image_free(img);
        return fail(err, errlen, path, why, rc);
    }
    return 0;
}

void bios_image_free(struct bios_image *img)
{
    free(img->data);
    img->data = NULL;
    img->size = 0;
}
