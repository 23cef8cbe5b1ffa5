/*
 * ide.c - the PIIX3 IDE function (PCI 00:01.1, 8086:7010, class 01:01:80:
 * legacy mode, bus-master capable) and its two ATA channels with their
 * drives: primary 0x1F0-0x1F7 + 0x3F6 on IRQ14 (the master is the --disk
 * image), secondary 0x170-0x177 + 0x376 on IRQ15 (no drives).  The bus
 * master and DMA engine behind BAR4 are in ide_dma.c.
 *
 * Registers.  The host's writes to the command block reach both drives of
 * a channel (each keeps its own copy and the previous value, read back with
 * the device control register's HOB bit; any command-block write clears
 * HOB).  Reads come from the selected drive.  As QEMU does: with no drive
 * on the channel every register reads 0; with the selected drive absent,
 * status, alternate status and error read 0 and the others its register
 * copy.  The device register reads back with bits 7 and 5 set.  Reading
 * the status register clears the pending interrupt, the alternate status
 * does not.  The data register moves 16 or 32 bits while DRQ is set (reads
 * otherwise return 0; byte accesses read 0xFF); the other registers take
 * byte accesses (wider ones are split, as on the ISA bus).
 *
 * Commands are executed at once (BSY is never seen): IDENTIFY DEVICE
 * (model "XBT HARDDISK"), READ/WRITE SECTORS (+EXT), READ/WRITE MULTIPLE
 * (+EXT), SET MULTIPLE MODE, READ/WRITE DMA (+EXT, see ide_dma.c), READ
 * VERIFY (+EXT), FLUSH CACHE (+EXT: fdatasync), SET FEATURES (transfer
 * mode, write cache, look-ahead, APM/AAM, defaults), INITIALIZE DEVICE
 * PARAMETERS, EXECUTE DEVICE DIAGNOSTIC, CHECK POWER MODE, idle/standby,
 * RECALIBRATE and SEEK; anything else, and IDENTIFY PACKET DEVICE, is
 * aborted (status DRDY|ERR = 0x41, error ABRT).  Commands to an absent
 * drive, and while BSY or DRQ is set, are ignored.  Addresses are LBA28,
 * LBA48 (the EXT commands) or CHS through the current geometry (default 16
 * heads, 63 sectors per track); a transfer block (one sector, or the
 * multiple count) outside the image is aborted when it is reached - ABRT,
 * as QEMU reports it, where some drives report IDNF.  Successful commands
 * end with status DRDY|DSC (0x50) and the task file advanced past the last
 * sector, count 0 (as QEMU leaves them).
 *
 * Interrupts: INTRQ is raised at the end of a command and for every DRQ
 * block of a PIO read (after the data is ready) or of a PIO write after
 * the first; it is cleared by reading status, by writing a command, and by
 * a soft reset; the line carries it while nIEN is 0 (ATA; QEMU instead
 * only checks nIEN when raising).  A soft reset (SRST 1 -> 0) resets both
 * drives to the signature (count 1, LBA 1, cylinder 0; 0xFFFF for an
 * absent drive), error 01 (diagnostics passed), status 0x50, master
 * selected, and raises no interrupt (QEMU raises one).
 *
 * PCI: IOSE (command bit 0) and each channel's IDETIM decode enable (bit
 * 15 of 0x40/0x42) gate the channel's ports, as the PIIX3 datasheet says
 * (QEMU keeps the legacy ports decoded regardless); BAR4 moves the
 * bus-master ports.  Power-on state is what the PC firmware leaves:
 * command 0x0103 (bus mastering off), IDETIM 0x8000 on both channels,
 * BAR4 = IDE_BM_DEFAULT_BASE.
 *
 * Threading: vCPU thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ide_internal.h"

/* IDENTIFY strings (ATA strings: space padded). */
#define IDE_MODEL "XBT HARDDISK"
#define IDE_FIRMWARE "0.1.0"
#define IDE_SERIAL_PREFIX "XBT0000"
/* Default CHS translation of LBA disks (what BIOSes and QEMU use): 16
 * heads, 63 sectors per track, at most 16383 cylinders (at least 2). */
#define IDE_HEADS 16
#define IDE_SECS 63
#define IDE_MAX_CYLS 16383
#define IDE_MIN_CYLS 2
/* Largest LBA28 capacity IDENTIFY words 60-61 report. */
#define IDE_LBA28_MAX 0x0FFFFFFFu
/* PIIX3 IDE timing registers: decode enable bit. */
#define PIIX_IDETIM 0x40
#define PIIX_IDETIM_DECODE 0x8000

/* ---- interrupts ----------------------------------------------------------- */

static void ide_irq_update(struct ide_channel *c)
{
    bool level = c->intrq && !(c->devctl & ATA_CTL_NIEN);
    if (level == c->level)
        return;
    c->level = level;
    if (level) {
        c->ide->st.irqs++;
        c->bm.status |= BM_ST_INTR; /* set by the rising edge (PIIX) */
    }
    irq_set(&c->irq, level);
}

void ide_irq_raise(struct ide_channel *c)
{
    c->intrq = true;
    ide_irq_update(c);
}

static void ide_irq_clear(struct ide_channel *c)
{
    c->intrq = false;
    ide_irq_update(c);
}

/* ---- drive state ---------------------------------------------------------- */

static void ide_signature(struct ide_drive *d)
{
    d->select &= 0xF0;
    d->count = 1;
    d->lba0 = 1;
    d->lba1 = d->lba2 = d->img ? 0x00 : 0xFF;
}

/* Power-on and soft reset. */
static void ide_drive_reset(struct ide_drive *d)
{
    d->feature = d->hob_feature = d->hob_count = 0;
    d->hob_lba0 = d->hob_lba1 = d->hob_lba2 = 0;
    d->select = ATA_DEV_OBS;
    ide_signature(d);
    d->status = d->img ? ATA_DRDY | ATA_DSC : 0;
    d->error = 0x01; /* diagnostics: device 0 passed */
    d->mult = IDE_MAX_MULT;
    d->cur_heads = d->heads;
    d->cur_secs = d->secs;
    d->xfer = XFER_NONE;
    d->pos = d->len = 0;
}

static void ide_drive_init(struct ide_drive *d, struct disk_image *img)
{
    memset(d, 0, sizeof(*d));
    d->img = img;
    d->nsectors = disk_image_sectors(img);
    uint64_t cyls = d->nsectors / (IDE_HEADS * IDE_SECS);
    if (cyls > IDE_MAX_CYLS)
        cyls = IDE_MAX_CYLS;
    if (cyls < IDE_MIN_CYLS)
        cyls = IDE_MIN_CYLS;
    d->cyls = (uint16_t)cyls;
    d->heads = IDE_HEADS;
    d->secs = IDE_SECS;
    /* IDENTIFY words 62, 63, 88: modes supported, UDMA 5 selected (QEMU's
     * power-on identify data) */
    d->w62 = 0x0007;
    d->w63 = 0x0007;
    d->w88 = 0x003F | (1u << 13);
    d->wcache = true;
    ide_drive_reset(d);
}

void ide_cmd_ok(struct ide_channel *c, struct ide_drive *d)
{
    d->xfer = XFER_NONE;
    d->status = ATA_DRDY | ATA_DSC;
    ide_irq_raise(c);
}

void ide_cmd_abort(struct ide_channel *c, struct ide_drive *d)
{
    d->xfer = XFER_NONE;
    d->status = ATA_DRDY | ATA_ERR;
    d->error = ATA_ABRT;
    c->ide->st.errors++;
    ide_irq_raise(c);
}

bool ide_range_ok(const struct ide_drive *d, uint64_t lba, uint64_t n)
{
    return lba <= d->nsectors && n <= d->nsectors - lba;
}

/* The address of the command in the task file; false for an impossible
 * CHS address. */
static bool ide_get_lba(const struct ide_drive *d, bool lba48, uint64_t *lba)
{
    if (lba48) {
        *lba = (uint64_t)d->hob_lba2 << 40 | (uint64_t)d->hob_lba1 << 32 |
               (uint64_t)d->hob_lba0 << 24 | (uint64_t)d->lba2 << 16 | (uint64_t)d->lba1 << 8 |
               d->lba0;
        return true;
    }
    if (d->select & ATA_DEV_LBA) {
        *lba = (uint64_t)(d->select & 0x0F) << 24 | (uint64_t)d->lba2 << 16 |
               (uint64_t)d->lba1 << 8 | d->lba0;
        return true;
    }
    unsigned cyl = (unsigned)d->lba2 << 8 | d->lba1, head = d->select & 0x0F, sec = d->lba0;
    if (sec == 0 || sec > d->cur_secs || head >= d->cur_heads)
        return false;
    *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + sec - 1;
    return true;
}

/* Points the task file at lba (after a block), in the command's form. */
void ide_set_lba(struct ide_drive *d, uint64_t lba)
{
    if (d->lba48) {
        d->lba0 = (uint8_t)lba;
        d->lba1 = (uint8_t)(lba >> 8);
        d->lba2 = (uint8_t)(lba >> 16);
        d->hob_lba0 = (uint8_t)(lba >> 24);
        d->hob_lba1 = (uint8_t)(lba >> 32);
        d->hob_lba2 = (uint8_t)(lba >> 40);
    } else if (d->select & ATA_DEV_LBA) {
        d->select = (uint8_t)((d->select & 0xF0) | ((lba >> 24) & 0x0F));
        d->lba2 = (uint8_t)(lba >> 16);
        d->lba1 = (uint8_t)(lba >> 8);
        d->lba0 = (uint8_t)lba;
    } else {
        uint64_t per_cyl = (uint64_t)d->cur_heads * d->cur_secs;
        uint64_t cyl = lba / per_cyl, r = lba % per_cyl;
        d->lba2 = (uint8_t)(cyl >> 8);
        d->lba1 = (uint8_t)cyl;
        d->select = (uint8_t)((d->select & 0xF0) | ((r / d->cur_secs) & 0x0F));
        d->lba0 = (uint8_t)(r % d->cur_secs + 1);
    }
}

static uint32_t ide_get_count(const struct ide_drive *d, bool lba48)
{
    if (lba48) {
        uint32_t n = (uint32_t)d->hob_count << 8 | d->count;
        return n ? n : 65536;
    }
    return d->count ? d->count : 256;
}

/* ---- IDENTIFY DEVICE --------------------------------------------------------- */

static void put16(uint8_t *buf, unsigned word, unsigned v)
{
    buf[2 * word] = (uint8_t)v;
    buf[2 * word + 1] = (uint8_t)(v >> 8);
}

/* ATA string: space padded, two characters per word, first in the high byte. */
static void put_string(uint8_t *buf, unsigned word, unsigned words, const char *s)
{
    size_t n = strlen(s);
    for (unsigned i = 0; i < 2 * words; i++)
        buf[2 * word + (i ^ 1)] = (uint8_t)(i < n ? s[i] : ' ');
}

static void ide_identify(struct ide_channel *c, struct ide_drive *d)
{
    uint8_t *b = d->buf;
    memset(b, 0, DISK_SECTOR_SIZE);
    char serial[21];
    snprintf(serial, sizeof(serial), "%s%u", IDE_SERIAL_PREFIX, c->index * 2 + c->unit + 1);
    uint32_t chs = (uint32_t)d->cyls * d->cur_heads * d->cur_secs;
    uint64_t lba28 = d->nsectors < IDE_LBA28_MAX ? d->nsectors : IDE_LBA28_MAX;
    put16(b, 0, 0x0040); /* fixed device */
    put16(b, 1, d->cyls);
    put16(b, 3, d->heads);
    put16(b, 6, d->secs);
    put_string(b, 10, 10, serial);
    put_string(b, 23, 4, IDE_FIRMWARE);
    put_string(b, 27, 20, IDE_MODEL);
    put16(b, 47, 0x8000 | IDE_MAX_MULT);
    put16(b, 49, 1u << 11 | 1u << 9 | 1u << 8); /* IORDY, LBA, DMA */
    put16(b, 50, 0x4000);
    put16(b, 51, 0x200); /* PIO timing mode 2 (obsolete) */
    put16(b, 52, 0x200);
    put16(b, 53, 0x0007); /* words 54-58, 64-70, 88 valid */
    put16(b, 54, d->cyls);
    put16(b, 55, d->cur_heads);
    put16(b, 56, d->cur_secs);
    put16(b, 57, chs & 0xFFFF);
    put16(b, 58, chs >> 16);
    put16(b, 59, d->mult ? 0x100 | d->mult : 0);
    put16(b, 60, (unsigned)(lba28 & 0xFFFF));
    put16(b, 61, (unsigned)(lba28 >> 16));
    put16(b, 62, d->w62);
    put16(b, 63, d->w63);
    put16(b, 64, 0x0003); /* PIO 3 and 4 */
    for (unsigned w = 65; w <= 68; w++)
        put16(b, w, 120); /* cycle times, ns */
    put16(b, 80, 0x00F0); /* ATA-4 .. ATA-7 */
    put16(b, 81, 0x0016);
    put16(b, 82, 1u << 14 | 1u << 5);                        /* NOP, write cache */
    put16(b, 83, 1u << 14 | 1u << 13 | 1u << 12 | 1u << 10); /* FLUSH EXT, FLUSH, LBA48 */
    put16(b, 84, 1u << 14);
    put16(b, 85, 1u << 14 | (d->wcache ? 1u << 5 : 0));
    put16(b, 86, 1u << 13 | 1u << 12 | 1u << 10);
    put16(b, 87, 1u << 14);
    put16(b, 88, d->w88);
    put16(b, 93, 1u << 14 | 1u << 13 | 1); /* reset result, 80-wire cable */
    for (unsigned w = 0; w < 4; w++)
        put16(b, 100 + w, (unsigned)(d->nsectors >> (16 * w)) & 0xFFFF);
}

/* ---- PIO ------------------------------------------------------------------ */

static uint32_t ide_block(const struct ide_drive *d)
{
    bool multiple = d->cmd == 0xC4 || d->cmd == 0xC5 || d->cmd == 0x29 || d->cmd == 0x39;
    uint32_t n = multiple ? d->mult : 1;
    return n < d->remaining ? n : d->remaining;
}

/* Reads the next DRQ block into the buffer, or ends the command. */
static void ide_pio_read_next(struct ide_channel *c, struct ide_drive *d)
{
    if (d->remaining == 0) {
        d->xfer = XFER_NONE;
        d->status = ATA_DRDY | ATA_DSC;
        return;
    }
    uint32_t n = ide_block(d);
    if (!ide_range_ok(d, d->lba, n) || disk_image_read(d->img, d->lba, n, d->buf)) {
        ide_cmd_abort(c, d);
        return;
    }
    c->ide->st.sectors_read += n;
    d->lba += n;
    d->remaining -= n;
    ide_set_lba(d, d->lba);
    d->count = (uint8_t)d->remaining;
    d->pos = 0;
    d->len = n * DISK_SECTOR_SIZE;
    d->xfer = XFER_PIO_IN;
    d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
    ide_irq_raise(c);
}

static void ide_pio_write_next(struct ide_drive *d)
{
    d->pos = 0;
    d->len = ide_block(d) * DISK_SECTOR_SIZE;
    d->xfer = XFER_PIO_OUT;
    d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
}

/* The host has read the whole DRQ block. */
static void ide_pio_in_done(struct ide_channel *c, struct ide_drive *d)
{
    if (d->cmd == 0xEC) {
        d->xfer = XFER_NONE;
        d->status = ATA_DRDY | ATA_DSC;
        return;
    }
    ide_pio_read_next(c, d);
}

/* The host has written the whole DRQ block. */
static void ide_pio_out_done(struct ide_channel *c, struct ide_drive *d)
{
    uint32_t n = d->len / DISK_SECTOR_SIZE;
    if (!ide_range_ok(d, d->lba, n) || disk_image_write(d->img, d->lba, n, d->buf)) {
        ide_cmd_abort(c, d);
        return;
    }
    c->ide->st.sectors_written += n;
    d->lba += n;
    d->remaining -= n;
    ide_set_lba(d, d->lba);
    d->count = (uint8_t)d->remaining;
    if (d->remaining) {
        ide_pio_write_next(d);
        ide_irq_raise(c);
    } else {
        ide_cmd_ok(c, d);
    }
}

/* ---- command execution ------------------------------------------------------ */

/* Starts a sector transfer command (PIO or DMA). */
static void ide_cmd_rw(struct ide_channel *c, struct ide_drive *d, bool lba48, enum ide_xfer xfer,
                       bool to_disk)
{
    bool multiple = d->cmd == 0xC4 || d->cmd == 0xC5 || d->cmd == 0x29 || d->cmd == 0x39;
    if (multiple && !d->mult) {
        ide_cmd_abort(c, d);
        return;
    }
    d->lba48 = lba48;
    d->remaining = ide_get_count(d, lba48);
    if (!ide_get_lba(d, lba48, &d->lba)) {
        ide_cmd_abort(c, d);
        return;
    }
    if (xfer == XFER_DMA) {
        /* waits for the bus master (QEMU shows DRQ meanwhile) */
        d->xfer = XFER_DMA;
        d->dma_to_disk = to_disk;
        d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
        ide_dma_run(c);
    } else if (to_disk) {
        ide_pio_write_next(d);
    } else {
        ide_pio_read_next(c, d);
    }
}

static void ide_cmd_verify(struct ide_channel *c, struct ide_drive *d, bool lba48)
{
    uint64_t lba;
    d->lba48 = lba48;
    uint32_t n = ide_get_count(d, lba48);
    if (!ide_get_lba(d, lba48, &lba) || !ide_range_ok(d, lba, n)) {
        ide_cmd_abort(c, d);
        return;
    }
    ide_set_lba(d, lba + n);
    d->count = 0;
    ide_cmd_ok(c, d);
}

static void ide_cmd_set_features(struct ide_channel *c, struct ide_drive *d)
{
    unsigned mode = d->count & 7;
    switch (d->feature) {
    case 0x03: /* set transfer mode (count: mode type << 3 | mode) */
        switch (d->count >> 3) {
        case 0x00:
        case 0x01: /* PIO default / PIO mode n */
            d->w62 = 0x0007;
            d->w63 = 0x0007;
            d->w88 = 0x003F;
            break;
        case 0x02: /* single-word DMA n */
            if (mode > 2)
                goto abort;
            d->w62 = 0x0007 | (uint16_t)(0x100u << mode);
            d->w63 = 0x0007;
            d->w88 = 0x003F;
            break;
        case 0x04: /* multiword DMA n */
            if (mode > 2)
                goto abort;
            d->w62 = 0x0007;
            d->w63 = 0x0007 | (uint16_t)(0x100u << mode);
            d->w88 = 0x003F;
            break;
        case 0x08: /* Ultra DMA n */
            if (mode > 5)
                goto abort;
            d->w62 = 0x0007;
            d->w63 = 0x0007;
            d->w88 = 0x003F | (uint16_t)(0x100u << mode);
            break;
        default: goto abort;
        }
        break;
    case 0x02: d->wcache = true; break;
    case 0x82: d->wcache = false; break;
    case 0x05:
    case 0x85: /* advanced power management */
    case 0x42:
    case 0xC2: /* automatic acoustic management */
    case 0x55:
    case 0xAA: /* read look-ahead */
    case 0x66:
    case 0xCC: /* reverting to power-on defaults */ break;
    default: goto abort;
    }
    ide_cmd_ok(c, d);
    return;
abort:
    ide_cmd_abort(c, d);
}

/* IDENTIFY DEVICE: the identify block, read by PIO */
static void ide_cmd_identify(struct ide_channel *c, struct ide_drive *d)
{
    ide_identify(c, d);
    d->pos = 0;
    d->len = DISK_SECTOR_SIZE;
    d->xfer = XFER_PIO_IN;
    d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
    ide_irq_raise(c);
}

/* FLUSH CACHE (EXT) */
static void ide_cmd_flush(struct ide_channel *c, struct ide_drive *d)
{
    c->ide->st.flushes++;
    if (disk_image_flush(d->img))
        ide_cmd_abort(c, d);
    else
        ide_cmd_ok(c, d);
}

/* SET MULTIPLE MODE: 0 (off) or a power of two up to the maximum */
static void ide_cmd_set_multiple(struct ide_channel *c, struct ide_drive *d)
{
    if (d->count > IDE_MAX_MULT || (d->count & (d->count - 1))) {
        ide_cmd_abort(c, d);
    } else {
        d->mult = d->count;
        ide_cmd_ok(c, d);
    }
}

/* INITIALIZE DEVICE PARAMETERS: sectors/track, heads */
static void ide_cmd_init_params(struct ide_channel *c, struct ide_drive *d)
{
    if (d->count == 0) {
        ide_cmd_abort(c, d);
    } else {
        d->cur_secs = d->count;
        d->cur_heads = (uint16_t)((d->select & 0x0F) + 1);
        ide_cmd_ok(c, d);
    }
}

/* EXECUTE DEVICE DIAGNOSTIC: both drives */
static void ide_cmd_diagnostic(struct ide_channel *c, struct ide_drive *d)
{
    for (int i = 0; i < 2; i++)
        ide_signature(&c->drive[i]);
    d->error = 0x01;
    ide_cmd_ok(c, d);
}

static void ide_exec(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
    c->ide->st.commands++;
    d->cmd = cmd;
    d->error = 0;
    d->xfer = XFER_NONE;
    switch (cmd) {
    case 0xEC: ide_cmd_identify(c, d); break;
    case 0x20:
    case 0x21:
    case 0xC4: ide_cmd_rw(c, d, false, XFER_PIO_IN, false); break;
    case 0x24:
    case 0x29: ide_cmd_rw(c, d, true, XFER_PIO_IN, false); break;
    case 0x30:
    case 0x31:
    case 0xC5: ide_cmd_rw(c, d, false, XFER_PIO_OUT, true); break;
    case 0x34:
    case 0x39: ide_cmd_rw(c, d, true, XFER_PIO_OUT, true); break;
    case 0xC8:
    case 0xC9: ide_cmd_rw(c, d, false, XFER_DMA, false); break;
    case 0x25: ide_cmd_rw(c, d, true, XFER_DMA, false); break;
    case 0xCA:
    case 0xCB: ide_cmd_rw(c, d, false, XFER_DMA, true); break;
    case 0x35: ide_cmd_rw(c, d, true, XFER_DMA, true); break;
    case 0x40:
    case 0x41: ide_cmd_verify(c, d, false); break;
    case 0x42: ide_cmd_verify(c, d, true); break;
    case 0xE7:
    case 0xEA: ide_cmd_flush(c, d); break;
    case 0xEF: ide_cmd_set_features(c, d); break;
    case 0xC6: ide_cmd_set_multiple(c, d); break;
    case 0x91: ide_cmd_init_params(c, d); break;
    case 0x90: ide_cmd_diagnostic(c, d); break;
    case 0xE5:
    case 0x98: /* CHECK POWER MODE: active or idle */
        d->count = 0xFF;
        ide_cmd_ok(c, d);
        break;
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3: /* standby / idle (immediate) */
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97: /* their old opcodes */
    case 0x70: /* SEEK */ ide_cmd_ok(c, d); break;
    default:
        if (cmd >= 0x10 && cmd <= 0x1F) /* RECALIBRATE */
            ide_cmd_ok(c, d);
        else
            ide_cmd_abort(c, d); /* incl. IDENTIFY PACKET DEVICE */
        break;
    }
}

/* ---- ports ---------------------------------------------------------------- */

static bool ide_decoded(const struct ide_channel *c)
{
    const struct dev_ide *ide = c->ide;
    if (!ide->pci)
        return true;
    uint16_t idetim = (uint16_t)pci_func_get(ide->pci, PIIX_IDETIM + 2 * c->index, 2);
    return (pci_func_command(ide->pci) & PCI_COMMAND_IO) && (idetim & PIIX_IDETIM_DECODE);
}

bool ide_bus_master_enabled(const struct dev_ide *ide)
{
    return !ide->pci || (pci_func_command(ide->pci) & PCI_COMMAND_MASTER);
}

static bool ide_any_drive(const struct ide_channel *c)
{
    return c->drive[0].img || c->drive[1].img;
}

static uint32_t ide_data_read(struct ide_channel *c, unsigned size)
{
    struct ide_drive *d = &c->drive[c->unit];
    if (size == 1)
        return 0xFF;
    if (!d->img || d->xfer != XFER_PIO_IN || !(d->status & ATA_DRQ))
        return 0;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && d->pos < d->len; i++)
        v |= (uint32_t)d->buf[d->pos++] << (8 * i);
    c->ide->st.pio_bytes += size;
    if (d->pos >= d->len)
        ide_pio_in_done(c, d);
    return v;
}

static void ide_data_write(struct ide_channel *c, unsigned size, uint32_t val)
{
    struct ide_drive *d = &c->drive[c->unit];
    if (size == 1 || !d->img || d->xfer != XFER_PIO_OUT || !(d->status & ATA_DRQ))
        return;
    for (unsigned i = 0; i < size && d->pos < d->len; i++)
        d->buf[d->pos++] = (uint8_t)(val >> (8 * i));
    c->ide->st.pio_bytes += size;
    if (d->pos >= d->len)
        ide_pio_out_done(c, d);
}

/* One byte register of the command block (reg 1-7). */
static uint8_t ide_reg_read(struct ide_channel *c, unsigned reg)
{
    struct ide_drive *d = &c->drive[c->unit];
    bool hob = c->devctl & ATA_CTL_HOB;
    if (!ide_any_drive(c)) {
        if (reg == 7)
            ide_irq_clear(c);
        return 0;
    }
    switch (reg) {
    case 1: return !d->img ? 0 : hob ? d->hob_feature : d->error;
    case 2: return hob ? d->hob_count : d->count;
    case 3: return hob ? d->hob_lba0 : d->lba0;
    case 4: return hob ? d->hob_lba1 : d->lba1;
    case 5: return hob ? d->hob_lba2 : d->lba2;
    case 6: return d->select;
    default: ide_irq_clear(c); return d->img ? d->status : 0;
    }
}

static void ide_reg_write(struct ide_channel *c, unsigned reg, uint8_t v)
{
    c->devctl &= (uint8_t)~ATA_CTL_HOB;
    if (reg == 7) {
        ide_irq_clear(c);
        struct ide_drive *d = &c->drive[c->unit];
        if (d->img && !(d->status & (ATA_BSY | ATA_DRQ)))
            ide_exec(c, d, v);
        return;
    }
    for (int i = 0; i < 2; i++) {
        struct ide_drive *d = &c->drive[i];
        switch (reg) {
        case 1:
            d->hob_feature = d->feature;
            d->feature = v;
            break;
        case 2:
            d->hob_count = d->count;
            d->count = v;
            break;
        case 3:
            d->hob_lba0 = d->lba0;
            d->lba0 = v;
            break;
        case 4:
            d->hob_lba1 = d->lba1;
            d->lba1 = v;
            break;
        case 5:
            d->hob_lba2 = d->lba2;
            d->lba2 = v;
            break;
        case 6: d->select = v | ATA_DEV_OBS; break;
        }
    }
    if (reg == 6)
        c->unit = (v & ATA_DEV_DRV) ? 1 : 0;
}

static uint32_t ide_cmd_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct ide_channel *c = opaque;
    uint32_t ones = size >= 4 ? UINT32_MAX : (UINT32_C(1) << (8 * size)) - 1;
    if (!ide_decoded(c))
        return ones;
    unsigned reg = port - c->base;
    if (reg == 0)
        return ide_data_read(c, size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)(reg + i < 8 ? ide_reg_read(c, reg + i) : 0xFF) << (8 * i);
    return v;
}

static void ide_cmd_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct ide_channel *c = opaque;
    if (!ide_decoded(c))
        return;
    unsigned reg = port - c->base;
    if (reg == 0) {
        ide_data_write(c, size, val);
        return;
    }
    for (unsigned i = 0; i < size && reg + i < 8; i++)
        ide_reg_write(c, reg + i, (uint8_t)(val >> (8 * i)));
}

static uint32_t ide_ctl_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct ide_channel *c = opaque;
    (void)port;
    uint32_t ones = size >= 4 ? UINT32_MAX : (UINT32_C(1) << (8 * size)) - 1;
    if (!ide_decoded(c))
        return ones;
    struct ide_drive *d = &c->drive[c->unit];
    /* alternate status; the ports above belong to others (0x3F7: floppy) */
    return (ones & ~0xFFu) | (d->img ? d->status : 0);
}

static void ide_ctl_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct ide_channel *c = opaque;
    (void)port;
    (void)size;
    if (!ide_decoded(c))
        return;
    uint8_t old = c->devctl, v = (uint8_t)val;
    c->devctl = v;
    if (!(old & ATA_CTL_SRST) && (v & ATA_CTL_SRST)) {
        for (int i = 0; i < 2; i++) {
            struct ide_drive *d = &c->drive[i];
            d->xfer = XFER_NONE;
            if (d->img)
                d->status |= ATA_BSY;
        }
        c->intrq = false;
    } else if ((old & ATA_CTL_SRST) && !(v & ATA_CTL_SRST)) {
        for (int i = 0; i < 2; i++)
            ide_drive_reset(&c->drive[i]);
        c->unit = 0;
        c->intrq = false;
    }
    ide_irq_update(c);
}

static const struct dev_port_ops ide_cmd_ops = {
    .read = ide_cmd_port_read,
    .write = ide_cmd_port_write,
};

static const struct dev_port_ops ide_ctl_ops = {
    .read = ide_ctl_port_read,
    .write = ide_ctl_port_write,
};

/* ---- PCI function ----------------------------------------------------------- */

/* Registers the bus-master ports where BAR4 now decodes. */
static void ide_bm_remap(struct dev_ide *ide)
{
    int32_t base = pci_func_io_bar_base(ide->pci, 4);
    if (base == ide->bm_base)
        return;
    if (ide->bm_base >= 0)
        bus_unregister_ports(ide->bus, (uint16_t)ide->bm_base, 16, ide);
    ide->bm_base = -1;
    if (base < 0)
        return;
    if (bus_register_ports(ide->bus, (uint16_t)base, 16, &ide_bm_ops, ide) == 0) {
        ide->bm_base = base;
    } else if (!ide->bm_conflict_warned) {
        ide->bm_conflict_warned = true;
        xbt_warn("ide: BAR4 at 0x%x overlaps other ports; bus master not decoded", (unsigned)base);
    }
}

static void ide_pci_written(void *opaque, unsigned off, unsigned len)
{
    struct dev_ide *ide = opaque;
    (void)off;
    (void)len;
    ide_bm_remap(ide);
    if (ide_bus_master_enabled(ide))
        for (int i = 0; i < 2; i++)
            ide_dma_run(&ide->ch[i]);
}

/* PIIX3 IDE: mass storage, IDE, prog-if 80h (bus master; both channels in
 * fixed legacy mode); status: fast back-to-back, DEVSEL medium. */
static const struct pci_func_desc piix3_ide_desc = {
    .vendor = PCI_VENDOR_INTEL,
    .device = 0x7010,
    .class_code = 0x010180,
    .revision = 0x00,
    .header_type = 0x00,
    .int_pin = 0,
    .command = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_SERR,
    .status = 0x0280,
};

struct dev_ide *dev_ide_create(struct io_bus *bus, struct dev_pci *pci, struct mmu *mmu,
                               struct irq_line irq14, struct irq_line irq15,
                               struct disk_image *master)
{
    static const uint16_t bases[2] = { 0x1F0, 0x170 }, ctls[2] = { 0x3F6, 0x376 };
    struct dev_ide *ide = calloc(1, sizeof(*ide));
    if (!ide)
        return NULL;
    ide->dma_buf = malloc(IDE_DMA_CHUNK);
    if (!ide->dma_buf) {
        free(ide);
        return NULL;
    }
    ide->bus = bus;
    ide->mmu = mmu;
    ide->bm_base = -1;
    for (unsigned i = 0; i < 2; i++) {
        struct ide_channel *c = &ide->ch[i];
        c->ide = ide;
        c->index = i;
        c->base = bases[i];
        c->ctl = ctls[i];
        c->irq = i == 0 ? irq14 : irq15;
        ide_drive_init(&c->drive[0], i == 0 ? master : NULL);
        ide_drive_init(&c->drive[1], NULL);
        ide_bm_reset(&c->bm);
        int err = bus_register_ports(bus, c->base, 8, &ide_cmd_ops, c);
        if (!err)
            err = bus_register_ports(bus, c->ctl, 1, &ide_ctl_ops, c);
        if (err) {
            xbt_error("ide: cannot claim ports 0x%x/0x%x: %s", c->base, c->ctl, xbt_strerror(err));
            dev_ide_destroy(ide);
            return NULL;
        }
    }
    if (pci) {
        int err = pci_func_add(pci, 1, 1, &piix3_ide_desc, ide_pci_written, ide, &ide->pci);
        if (!err)
            err = pci_func_io_bar(ide->pci, 4, 16, IDE_BM_DEFAULT_BASE);
        if (err) {
            xbt_error("ide: cannot add PCI function 00:01.1: %s", xbt_strerror(err));
            dev_ide_destroy(ide);
            return NULL;
        }
        for (unsigned i = 0; i < 2; i++)
            pci_func_init_reg(ide->pci, PIIX_IDETIM + 2 * i, 2, PIIX_IDETIM_DECODE, 0xFFFF);
        ide_bm_remap(ide);
    }
    return ide;
}

void dev_ide_destroy(struct dev_ide *ide)
{
    if (!ide)
        return;
    free(ide->dma_buf);
    free(ide);
}

const struct dev_ide_stats *dev_ide_stats(const struct dev_ide *ide)
{
    return &ide->st;
}
