/*
 * run_pick.c - what `xbt run` boots: the operand is a kernel (ELF,
 * bzImage, multiboot header: loaded directly) or a disk image (the primary
 * master, booted through the BIOS from the reset vector unless a kernel is
 * given too, as QEMU's `-kernel K disk.img`).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "loader.h"
#include "cli/run_options.h"

/* Reads the first bytes of path into head; -errno-style failure as one
 * line in err. */
static int read_head(const char *path, uint8_t *head, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "run: %s: %s", path, strerror(errno));
        return XBT_EINVAL;
    }
    ssize_t n = read(fd, head, LOADER_PROBE_BYTES);
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "run: %s: %s", path, strerror(e));
        return XBT_EINVAL;
    }
    *len = (size_t)n;
    return 0;
}

/* The operand, by its first bytes. */
static int pick_operand(struct run_options *ro, char *err, size_t errlen)
{
    static uint8_t head[LOADER_PROBE_BYTES];
    size_t len;
    int rc = read_head(ro->operand, head, &len, err, errlen);
    if (rc)
        return rc;
    if (loader_is_kernel(head, len)) {
        if (ro->cfg.kernel) {
            snprintf(err, errlen, "run: two kernels: --kernel %s and '%s'", ro->cfg.kernel,
                     ro->operand);
            return XBT_EINVAL;
        }
        ro->cfg.kernel = ro->operand;
        return 0;
    }
    if (len < 512) {
        snprintf(err, errlen,
                 "run: %s: neither a kernel (ELF, bzImage, multiboot) nor a disk image "
                 "(shorter than a 512-byte sector)",
                 ro->operand);
        return XBT_EINVAL;
    }
    if (ro->disk_path) {
        snprintf(err, errlen,
                 "run: two disks: --disk %s and '%s' (not a kernel: a disk image to boot)",
                 ro->disk_path, ro->operand);
        return XBT_EINVAL;
    }
    ro->disk_path = ro->operand;
    return 0;
}

/* --snapshot: the disk (--disk or the operand) gets the overlay. */
static int check_snapshot(struct run_options *ro, char *err, size_t errlen)
{
    if (!ro->snapshot)
        return 0;
    if (!ro->disk_path) {
        snprintf(err, errlen, "--snapshot: no disk image to protect (give --disk FILE)");
        return XBT_EINVAL;
    }
    ro->disk_flags |= DISK_SNAPSHOT;
    return 0;
}

int run_options_pick_boot(struct run_options *ro, char *err, size_t errlen)
{
    if (ro->operand) {
        int rc = pick_operand(ro, err, errlen);
        if (rc)
            return rc;
    }
    int rc = check_snapshot(ro, err, errlen);
    if (rc)
        return rc;
    if (ro->cfg.kernel)
        return 0;
    const char *what = ro->cfg.initrd     ? "--initrd"
                       : ro->cfg.append   ? "--append"
                       : ro->cfg.nmodules ? "--module"
                                          : NULL;
    if (what) {
        snprintf(err, errlen, "run: %s needs a kernel (%s is booted through the BIOS)", what,
                 ro->disk_path);
        return XBT_EINVAL;
    }
    ro->cfg.bios_boot = true;
    return 0;
}
