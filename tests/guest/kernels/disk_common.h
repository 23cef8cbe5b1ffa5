/*
 * disk_common.h - helpers of the disk_* guest tests: PCI configuration
 * mechanism #1, the ATA primary channel (0x1F0-0x1F7, 0x3F6) by PIO, the
 * PIIX bus-master IDE registers and IRQ14.  Everything polls with bounded
 * loops, so a missing completion prints "timeout" instead of hanging.
 * The test image's layout: disk_layout.h.
 */
#ifndef XBT_DISK_COMMON_H
#define XBT_DISK_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "disk_layout.h"
#include "io.h"
#include "rt.h"

/* ---- PCI configuration mechanism #1 ---- */
#define PCI_ADDR 0xCF8
#define PCI_DATA 0xCFC
static inline uint32_t pci_addr(unsigned dev, unsigned fn, unsigned off)
{
    return 0x80000000u | (dev << 11) | (fn << 8) | (off & 0xFC);
}
uint32_t pci_read32(unsigned dev, unsigned fn, unsigned off);
uint16_t pci_read16(unsigned dev, unsigned fn, unsigned off);
uint8_t pci_read8(unsigned dev, unsigned fn, unsigned off);
void pci_write32(unsigned dev, unsigned fn, unsigned off, uint32_t v);
void pci_write16(unsigned dev, unsigned fn, unsigned off, uint16_t v);
/* First function on bus 0 with this class/subclass; false if none. */
bool pci_find_class(uint8_t cls, uint8_t sub, unsigned *dev, unsigned *fn);

/* ---- ATA ---- */
#define ATA_BASE 0x1F0
#define ATA_CTL 0x3F6
#define ATA_DATA (ATA_BASE + 0)
#define ATA_ERROR (ATA_BASE + 1)
#define ATA_FEATURE (ATA_BASE + 1)
#define ATA_COUNT (ATA_BASE + 2)
#define ATA_LBA0 (ATA_BASE + 3)
#define ATA_LBA1 (ATA_BASE + 4)
#define ATA_LBA2 (ATA_BASE + 5)
#define ATA_DEVICE (ATA_BASE + 6)
#define ATA_STATUS (ATA_BASE + 7)
#define ATA_COMMAND (ATA_BASE + 7)
#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DF 0x20
#define ST_DSC 0x10
#define ST_DRQ 0x08
#define ST_ERR 0x01
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB 0x80

/* Waits (reading the alternate status) until BSY is clear; returns the
 * alternate status, or 0xFF after printing "timeout". */
uint8_t ata_wait(void);
/* Selects the master, soft reset through the device control register
 * (nIEN as given), waits for BSY to clear. */
void ata_srst(bool nien);
/* Device/head, count and LBA registers for an LBA28 command (count 0..255
 * as written: 0 means 256), then the command. */
void ata_cmd28(uint8_t cmd, uint32_t lba, uint8_t count);
/* The same for an LBA48 command (count 0 means 65536). */
void ata_cmd48(uint8_t cmd, uint64_t lba, uint16_t count);
/* Reads one DRQ block of `words` words after waiting; returns the status
 * seen before the transfer (DRQ expected). */
uint8_t ata_pio_in(uint16_t *buf, unsigned words);
uint8_t ata_pio_out(const uint16_t *buf, unsigned words);
/* PIO READ/WRITE SECTORS (LBA28), one sector per DRQ block; returns the
 * final status. */
uint8_t ata_read(uint32_t lba, uint8_t count, void *buf);
uint8_t ata_write(uint32_t lba, uint8_t count, const void *buf);

/* ---- IRQ14 ---- */
extern volatile unsigned ata_irqs;
/* Remaps the PICs (IRQ2 and IRQ14 unmasked), installs the handler and
 * enables interrupts (the tests run with IF = 1, so no request waits
 * latched in the PIC).  The handler counts and acknowledges the drive by
 * reading the status register, or only the alternate status if alt_only
 * (the interrupt then stays pending). */
void ata_irq_init(void);
void ata_irq_alt_only(bool alt_only);
/* Waits until ata_irqs >= n; false (and "timeout" printed) if it never is. */
bool ata_wait_irqs(unsigned n);
/* Interrupts since ata_irqs was `before`, after a pause for late ones. */
unsigned ata_irqs_since(unsigned before);

/* ---- bus-master IDE (PIIX) ---- */
struct prd {
    uint32_t addr;
    uint32_t count;            /* bytes (0 = 64 KiB) | PRD_EOT */
};
#define PRD_EOT 0x80000000u
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRDT 4
#define BM_START 0x01
#define BM_READ 0x08           /* bus master writes memory (disk read) */
#define BM_ACTIVE 0x01
#define BM_ERROR 0x02
#define BM_INTR 0x04
/* Finds the PIIX IDE function, assigns BAR4 (0xC000) if the firmware did
 * not, enables I/O decode and bus mastering; returns the BM base (0 if
 * there is no IDE function). */
uint16_t bm_init(void);
/* Starts a DMA command: PRD table, clears the interrupt/error bits, issues
 * cmd (READ/WRITE DMA, LBA28) and then the start bit; the caller waits. */
void bm_dma28(uint16_t bm, uint8_t cmd, uint32_t lba, uint8_t count,
              const struct prd *prdt);
/* Polls until the bus master is no longer active or its interrupt bit is
 * set; returns the BM status (0xFF on timeout). */
uint8_t bm_wait(uint16_t bm);
/* Stops the bus master (start bit 0). */
void bm_stop(uint16_t bm);

/* ---- data ---- */
/* FNV-1a over n bytes. */
uint32_t fnv1a(const void *p, uint32_t n);
/* Number of bytes of buf (n bytes, starting at byte `off` of sector lba
 * and running on through the following sectors) that differ from
 * disk_pattern(). */
uint32_t pattern_diffs(const void *buf, uint32_t lba, uint32_t off, uint32_t n);

#endif
