/*
 * ide_internal.h - state of the PIIX3 IDE model shared by ide.c (ATA
 * channels, drives, PCI function) and ide_dma.c (bus-master registers and
 * the DMA engine).  Not part of the device API (include/devices.h).
 */
#ifndef XBT_IDE_INTERNAL_H
#define XBT_IDE_INTERNAL_H

#include "devices.h"

/* Tunable: sectors per DRQ block for READ/WRITE MULTIPLE (IDENTIFY word
 * 47) and the size of a drive's PIO buffer.  Policy: 16, what QEMU and
 * common drives of the PIIX3 era report; a power of two. */
#define IDE_MAX_MULT 16
/* Tunable: bytes of PRD table the bus master reads without finding EOT
 * before it gives up (the table is then treated as ending there).
 * Policy: one 4 KiB page (512 entries), QEMU's fail-safe; a real PIIX3
 * would run on through memory. */
#define IDE_PRD_TABLE_MAX 4096u
#define IDE_PRD_MAX (IDE_PRD_TABLE_MAX / 8)
/* Tunable: bytes moved between the image and guest memory per step of a
 * DMA transfer (the bounce buffer).  Policy: 64 KiB, the largest PRD. */
#define IDE_DMA_CHUNK 65536u

/* ATA status bits. */
#define ATA_BSY 0x80
#define ATA_DRDY 0x40
#define ATA_DF 0x20
#define ATA_DSC 0x10
#define ATA_DRQ 0x08
#define ATA_ERR 0x01
/* Error register bits. */
#define ATA_ABRT 0x04
/* Device control register bits. */
#define ATA_CTL_NIEN 0x02
#define ATA_CTL_SRST 0x04
#define ATA_CTL_HOB 0x80
/* Device register: LBA addressing, drive 1 select, obsolete bits read 1. */
#define ATA_DEV_LBA 0x40
#define ATA_DEV_DRV 0x10
#define ATA_DEV_OBS 0xA0

/* Bus-master command and status bits. */
#define BM_CMD_START 0x01
#define BM_CMD_READ 0x08 /* bus master writes memory */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_INTR 0x04
#define BM_ST_DMA_CAP 0x60 /* drive 0/1 DMA capable: storage only */

enum ide_xfer { XFER_NONE, XFER_PIO_IN, XFER_PIO_OUT, XFER_DMA };

struct ide_drive {
    struct disk_image *img; /* NULL: no drive */
    uint64_t nsectors;
    /* task file: each register and its previous value (read with HOB);
     * the host's writes reach both drives of a channel */
    uint8_t feature, hob_feature, count, hob_count;
    uint8_t lba0, hob_lba0, lba1, hob_lba1, lba2, hob_lba2;
    uint8_t select, status, error;
    /* CHS geometry: default, and current (INITIALIZE DEVICE PARAMETERS) */
    uint16_t cyls, heads, secs, cur_heads, cur_secs;
    uint8_t mult;           /* READ/WRITE MULTIPLE block, 0 = off */
    uint16_t w62, w63, w88; /* IDENTIFY DMA mode words (selected mode) */
    bool wcache;
    /* the command in progress */
    uint8_t cmd;
    bool lba48;
    enum ide_xfer xfer;
    bool dma_to_disk;   /* WRITE DMA */
    uint64_t lba;       /* next sector */
    uint32_t remaining; /* sectors still to transfer */
    uint32_t pos, len;  /* data register position in buf */
    uint8_t buf[IDE_MAX_MULT * DISK_SECTOR_SIZE];
};

struct ide_bm {
    uint8_t cmd, status;
    uint32_t prdt; /* PRD table address register */
    /* the engine's position in the PRD table (reset by the start bit) */
    uint32_t cur;               /* next entry */
    uint32_t prd_addr, prd_len; /* rest of the current entry */
    bool prd_last;              /* the current entry has EOT */
};

struct ide_seg {
    uint32_t addr, len;
};

struct ide_channel {
    struct dev_ide *ide;
    unsigned index;
    uint16_t base, ctl;
    struct irq_line irq;
    struct ide_drive drive[2];
    unsigned unit; /* selected drive */
    uint8_t devctl;
    bool intrq; /* interrupt pending in the drive */
    bool level; /* IRQ line as driven */
    struct ide_bm bm;
};

struct dev_ide {
    struct io_bus *bus;
    struct pci_func *pci; /* NULL: legacy ports only (unit tests) */
    struct mmu *mmu;
    struct ide_channel ch[2];
    int32_t bm_base; /* ports BAR4 is registered at, or -1 */
    bool bm_conflict_warned;
    uint8_t *dma_buf; /* IDE_DMA_CHUNK bytes */
    struct ide_seg segs[IDE_PRD_MAX + 1];
    struct dev_ide_stats st;
};

/* ide.c */
void ide_irq_raise(struct ide_channel *c);
void ide_cmd_ok(struct ide_channel *c, struct ide_drive *d);
void ide_cmd_abort(struct ide_channel *c, struct ide_drive *d);
bool ide_range_ok(const struct ide_drive *d, uint64_t lba, uint64_t n);
void ide_set_lba(struct ide_drive *d, uint64_t lba);
bool ide_bus_master_enabled(const struct dev_ide *ide);

/* ide_dma.c */
extern const struct dev_port_ops ide_bm_ops;
/* Runs the selected drive's pending DMA command if the bus master is
 * started and allowed to master the bus. */
void ide_dma_run(struct ide_channel *c);
void ide_bm_reset(struct ide_bm *bm);

#endif
