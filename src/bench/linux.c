/*
 * linux.c - the Linux guest of `xbt bench`'s linux class: Debian's i386
 * kernel and an initramfs holding the bench's static i386 programs, made
 * by GUESTS/linux/make-guest.sh (scripts/linux-bench-guest.sh, from
 * Debian's packages; never committed), and how xbt and QEMU boot it: the
 * same kernel, initramfs, command line and RAM for both.  The guest's
 * /init prints "bench: init" first, runs /bench/PROG WORK for
 * xbt.bench=PROG:WORK and powers off (exit status 0 under both).  A disk
 * workload gets a fresh copy of the guest's empty ext4 image per run as
 * the primary IDE master (xbt.disk: mounted at /mnt); natively, an empty
 * temporary directory.  When the guest cannot be made (no network to
 * fetch the packages, programs not built) the linux workloads are dropped
 * with one line saying why.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_int.h"
#include "xbt.h"

/* Policy: the first make fetches Debian's packages (tens of MiB); later
 * ones only check that the guest is up to date. */
#define MAKE_TIMEOUT_S 900.0
/* Policy: the RAM of the Linux tests (tests/linux), for xbt and QEMU. */
#define GUEST_RAM_MIB "256"
/* Policy: quiet keeps the kernel's messages off the serial line, so the
 * markers are not interleaved with them; the boot still prints its
 * warnings. */
#define CMDLINE_BASE "console=ttyS0 quiet"
#define DISK_IMAGE "disk.img"  /* in the guest directory and the tmpdir */
#define NATIVE_DIR "linux-dir" /* the native disk workloads' directory */
#define COPY_CHUNK (1u << 20)

/* Whether the guest directory holds everything a boot needs. */
static bool complete(const struct bench *b, const char *dir)
{
    (void)b;
    static const char *const files[] = { "vmlinuz", "initrd.img", DISK_IMAGE };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!bench_dir_has(dir, files[i]))
            return false;
    return true;
}

static const struct bench_maker maker = {
    .script = "linux/make-guest.sh",
    .what = "the Linux guest",
    .missing = "the Linux bench programs are not built (they need a compiler that links "
               "-m32 -static programs)",
    .timeout_s = MAKE_TIMEOUT_S,
    .complete = complete,
};

void bench_linux_prepare(struct bench *b)
{
    bench_make_class(b, BENCH_LINUX, &maker, &b->linux_dir);
}

static char *cmdline(const struct bench *b, size_t w, const char *work)
{
    const struct bench_workload *wl = b->wl[w];
    return bench_printf("%s xbt.bench=%s:%s%s", CMDLINE_BASE, wl->kernel, work,
                        wl->flags & BENCH_WL_DISK ? " xbt.disk" : "");
}

static char *disk_copy(const struct bench *b)
{
    return bench_printf("%s/%s", b->tmpdir, DISK_IMAGE);
}

/* How a VMM is told the RAM, kernel, initrd, command line and disk. */
struct boot_opts {
    const char *ram, *kernel, *initrd, *append, *disk;
    const char *disk_pre, *disk_post; /* around the image's path */
};

static const struct boot_opts xbt_opts = {
    .ram = "-m",
    .kernel = "--kernel",
    .initrd = "--initrd",
    .append = "--append",
    .disk = "--disk",
    .disk_pre = "",
    .disk_post = "",
};
static const struct boot_opts qemu_opts = {
    .ram = "-m",
    .kernel = "-kernel",
    .initrd = "-initrd",
    .append = "-append",
    .disk = "-drive",
    .disk_pre = "file=",
    .disk_post = ",format=raw,if=ide,index=0",
};

static void boot_args(const struct bench *b, size_t w, const char *work, const struct boot_opts *o,
                      char **v, int *n)
{
    v[(*n)++] = bench_strdup(o->ram);
    v[(*n)++] = bench_strdup(GUEST_RAM_MIB);
    v[(*n)++] = bench_strdup(o->kernel);
    v[(*n)++] = bench_printf("%s/vmlinuz", b->linux_dir);
    v[(*n)++] = bench_strdup(o->initrd);
    v[(*n)++] = bench_printf("%s/initrd.img", b->linux_dir);
    v[(*n)++] = bench_strdup(o->append);
    v[(*n)++] = cmdline(b, w, work);
    if (b->wl[w]->flags & BENCH_WL_DISK) {
        char *disk = disk_copy(b);
        v[(*n)++] = bench_strdup(o->disk);
        v[(*n)++] = bench_printf("%s%s%s", o->disk_pre, disk, o->disk_post);
        free(disk);
    }
}

void bench_linux_xbt_args(const struct bench *b, size_t w, const char *work, char **v, int *n)
{
    boot_args(b, w, work, &xbt_opts, v, n);
}

void bench_linux_qemu_args(const struct bench *b, size_t w, const char *work, char **v, int *n)
{
    boot_args(b, w, work, &qemu_opts, v, n);
}

char *bench_linux_native_dir(const struct bench *b, const struct bench_workload *wl)
{
    if (wl->cls != BENCH_LINUX || !(wl->flags & BENCH_WL_DISK))
        return NULL;
    return bench_printf("%s/%s", b->tmpdir, NATIVE_DIR);
}

/* Copies the file from to the file to (replacing it). */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char *buf = bench_alloc(COPY_CHUNK);
    ssize_t n = in < 0 || out < 0 ? -1 : 0;
    while (n >= 0 && (n = read(in, buf, COPY_CHUNK)) > 0)
        if (write(out, buf, (size_t)n) != n)
            n = -1;
    int rc = n < 0 || (out >= 0 && close(out)) ? XBT_EIO : 0;
    if (rc)
        xbt_error("bench: cannot copy %s to %s: %s", from, to, strerror(errno));
    if (in >= 0)
        close(in);
    free(buf);
    return rc;
}

int bench_linux_before_run(const struct bench *b, const struct bench_workload *wl,
                           enum bench_kind kind)
{
    if (wl->cls != BENCH_LINUX || !(wl->flags & BENCH_WL_DISK))
        return 0;
    if (kind == BENCH_NATIVE) {
        char *dir = bench_linux_native_dir(b, wl);
        int rc = mkdir(dir, 0700) && errno != EEXIST ? XBT_EIO : 0;
        if (rc)
            xbt_error("bench: cannot create %s: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    char *from = bench_printf("%s/%s", b->linux_dir, DISK_IMAGE);
    char *to = disk_copy(b);
    int rc = copy_file(from, to);
    free(from);
    free(to);
    return rc;
}

/* Removes dir and the files in it (a failed run may leave some). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_type != DT_DIR)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(dir);
}

void bench_linux_cleanup(const struct bench *b)
{
    char *disk = disk_copy(b);
    char *dir = bench_printf("%s/%s", b->tmpdir, NATIVE_DIR);
    unlink(disk);
    remove_dir(dir);
    free(disk);
    free(dir);
}
