/*
 * fuzz_machine.h - the small machine the IDE and PCI harnesses drive: 1 MiB
 * of guest RAM behind a real MMU, an I/O bus, PCI bus 0 (host bridge,
 * PIIX3) and the PIIX3 IDE function with a FUZZ_DISK_SECTORS-sector raw
 * image (a memory file holding a fixed pattern) as primary master.
 *
 * Contract: fuzz_machine_init() makes a fresh machine (the same one every
 * time: determinism) and returns 0, or -1 with nothing of this input's
 * left allocated; fuzz_machine_destroy() frees it.  The RAM buffer and the
 * image are made once per process and reset (zeroed, rewritten) for every
 * input; they stay reachable, so they are no leak.  The interrupt lines
 * and the reset line are recorded in the struct.
 */
#ifndef XBT_FUZZ_MACHINE_H
#define XBT_FUZZ_MACHINE_H

#include <stdint.h>

#include "bus.h"
#include "devices.h"
#include "mmu.h"

#define FUZZ_RAM_SIZE (1u << 20)
/* Policy: small enough to rewrite for every input, big enough for LBA
 * edges above the first sectors and 64 KiB DMA transfers. */
#define FUZZ_DISK_SECTORS 160u
#define FUZZ_BM_BASE IDE_BM_DEFAULT_BASE
#define FUZZ_IDE_DEVFN (1 << 3 | 1)

struct fuzz_machine {
    uint8_t *ram; /* FUZZ_RAM_SIZE bytes (shared, not to free) */
    struct io_bus *bus;
    struct mmu mmu;
    struct dev_pci *pci;
    struct dev_ide *ide;
    struct disk_image *img; /* (shared, not to close) */
    int disk_fd;            /* the image's memory file (shared, not to close) */
    int irq_level[16];      /* last level of each interrupt line */
    unsigned resets;        /* reset line pulses */
};

int fuzz_machine_init(struct fuzz_machine *fm);
void fuzz_machine_destroy(struct fuzz_machine *fm);
/* Bytes in the image's memory file now (it must never grow). */
long long fuzz_machine_disk_bytes(const struct fuzz_machine *fm);

#endif
