/*
 * fuzz_machine.c - the machine of the IDE and PCI harnesses
 * (fuzz_machine.h).
 */
#include "fuzz_machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static void irq_fn(void *opaque, int line, int level)
{
    struct fuzz_machine *fm = opaque;
    if (line >= 0 && line < 16)
        fm->irq_level[line] = level;
}

static void reset_fn(void *opaque)
{
    struct fuzz_machine *fm = opaque;
    fm->resets++;
}

/* Made at the first input, restored for each one: the RAM buffer and the
 * image (sector s holds bytes (s * 7 + i) ^ 0x5A) in its memory file.
 * Policy: a fresh memory file, image and 1 MiB heap block per input cost
 * more in system calls and page faults than the harness itself. */
static uint8_t *g_ram;
static uint8_t g_image[FUZZ_DISK_SECTORS * DISK_SECTOR_SIZE];
static int g_disk_fd = -1;
static struct disk_image *g_img;

static int make_once(void)
{
    if (g_img)
        return 0;
    for (uint32_t i = 0; i < sizeof(g_image); i++)
        g_image[i] = (uint8_t)((i / DISK_SECTOR_SIZE) * 7 + i) ^ 0x5A;
    char path[64], err[256];
    g_ram = malloc(FUZZ_RAM_SIZE);
    g_disk_fd = fuzz_memfile(g_image, sizeof(g_image), path, sizeof(path));
    if (!g_ram || g_disk_fd < 0)
        return -1;
    if (disk_image_open(&g_img, path, 0, err, sizeof(err))) {
        fprintf(stderr, "fuzz: %s\n", err);
        return -1;
    }
    return 0;
}

int fuzz_machine_init(struct fuzz_machine *fm)
{
    memset(fm, 0, sizeof(*fm));
    if (make_once() || pwrite(g_disk_fd, g_image, sizeof(g_image), 0) != sizeof(g_image))
        return -1;
    memset(g_ram, 0, FUZZ_RAM_SIZE);
    fm->ram = g_ram;
    fm->img = g_img;
    fm->disk_fd = g_disk_fd;
    fm->bus = bus_create();
    if (!fm->bus || mmu_init(&fm->mmu, fm->ram, FUZZ_RAM_SIZE, fm->bus, 16))
        goto fail;
    fm->pci = dev_pci_create(fm->bus, (struct event_line){ reset_fn, fm });
    if (!fm->pci)
        goto fail;
    struct irq_line i14 = { irq_fn, fm, 14 }, i15 = { irq_fn, fm, 15 };
    fm->ide = dev_ide_create(fm->bus, fm->pci, &fm->mmu, i14, i15, fm->img);
    if (!fm->ide)
        goto fail;
    return 0;
fail:
    fuzz_machine_destroy(fm);
    return -1;
}

void fuzz_machine_destroy(struct fuzz_machine *fm)
{
    dev_ide_destroy(fm->ide);
    dev_pci_destroy(fm->pci);
    mmu_destroy(&fm->mmu);
    bus_destroy(fm->bus);
    memset(fm, 0, sizeof(*fm));
}

long long fuzz_machine_disk_bytes(const struct fuzz_machine *fm)
{
    struct stat st;
    return fstat(fm->disk_fd, &st) ? -1 : (long long)st.st_size;
}
