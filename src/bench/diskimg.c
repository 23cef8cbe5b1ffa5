/*
 * diskimg.c - the disk class of `xbt bench`: the PC disk images of
 * scripts/disk-images.sh (SYSLINUX and GRUB booting Debian's i386 Linux,
 * made from Debian's packages by GUESTS/disk/make-images.sh; never
 * committed), booted through the BIOS the way a user boots them: `xbt run
 * --snapshot IMAGE` and `qemu-system-i386 -drive file=IMAGE,format=raw
 * -nographic` (snapshot=on), with the same RAM.  A run is measured from the
 * process start to the kernel's first line ("Linux version ") and stopped
 * there (runner.c).  When the images cannot be made (no network to fetch
 * the packages) the disk workloads are dropped with one line saying why.
 */
#include <stdlib.h>

#include "bench_int.h"
#include "xbt.h"

/* Policy: the first make fetches Debian's packages and builds three
 * images (a few minutes); later ones only check that they are there. */
#define MAKE_TIMEOUT_S 1200.0
/* Policy: the RAM of the disk-image tests' Linux images (tests/disk). */
#define GUEST_RAM_MIB "256"

/* Whether dir holds the image of every selected disk workload. */
static bool complete(const struct bench *b, const char *dir)
{
    for (size_t w = 0; w < b->nwl; w++)
        if (b->wl[w]->cls == BENCH_DISK && !bench_dir_has(dir, b->wl[w]->kernel))
            return false;
    return true;
}

static const struct bench_maker maker = {
    .script = "disk/make-images.sh",
    .what = "the disk images",
    .missing = "the disk image maker is not there (build xbt with CMake)",
    .timeout_s = MAKE_TIMEOUT_S,
    .complete = complete,
};

void bench_disk_prepare(struct bench *b)
{
    bench_make_class(b, BENCH_DISK, &maker, &b->disk_dir);
}

void bench_disk_xbt_args(const struct bench *b, size_t w, char **v, int *n)
{
    v[(*n)++] = bench_strdup("-m");
    v[(*n)++] = bench_strdup(GUEST_RAM_MIB);
    v[(*n)++] = bench_strdup("--snapshot");
    v[(*n)++] = bench_printf("%s/%s", b->disk_dir, b->wl[w]->kernel);
}

void bench_disk_qemu_args(const struct bench *b, size_t w, char **v, int *n)
{
    v[(*n)++] = bench_strdup("-drive");
    v[(*n)++] = bench_printf("file=%s/%s,format=raw,snapshot=on", b->disk_dir, b->wl[w]->kernel);
    v[(*n)++] = bench_strdup("-nographic");
    v[(*n)++] = bench_strdup("-no-reboot");
    v[(*n)++] = bench_strdup("-m");
    v[(*n)++] = bench_strdup(GUEST_RAM_MIB);
}
