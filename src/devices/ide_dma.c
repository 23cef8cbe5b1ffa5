/*
 * ide_dma.c - the PIIX3 bus-master IDE function behind BAR4 (16 ports:
 * primary channel at +0, secondary at +8) and its DMA engine.
 *
 * Registers (per channel): command +0 (bit 0 start/stop, bit 3 direction
 * - 1 = write memory; read back as written, other bits 0), status +2
 * (bit 0 active, read-only; bits 1 error and 2 interrupt, write 1 to
 * clear; bits 5-6 drive 0/1 DMA capable, read/write storage), PRD table
 * address +4..+7 (any access size, dword aligned: bits 1-0 read 0).  +1
 * and +3 read 0xFF, as under QEMU.
 *
 * Setting the start bit (0 -> 1) sets active and points the engine at the
 * start of the PRD table; clearing it clears active.  A DMA command runs
 * when the selected drive has one pending (READ/WRITE DMA issued), the
 * engine is active and the PCI command register allows bus mastering -
 * whichever of the three comes last starts it - and it runs to the end at
 * once.  The direction bit is not consulted (the ATA command decides, as
 * in QEMU).  The engine reads PRD entries (mmu_dma_read: 32-bit physical
 * base, bit 0 ignored; 16-bit byte count, bit 0 ignored, 0 = 64 KiB; EOT
 * = bit 31 of the second dword) as far as the transfer needs, then moves
 * the data between the image and guest memory: reads from the disk go to
 * memory only through mmu_dma_write (which invalidates translations of the
 * bytes written), writes to the disk take memory through mmu_dma_read.
 * At most IDE_PRD_TABLE_MAX bytes of table are read without EOT.
 *
 * Outcomes, as SFF-8038i and the PIIX3 datasheet give them (and QEMU):
 *  - PRDs cover exactly the transfer: drive status 0x50, IRQ, bus-master
 *    interrupt set, active cleared;
 *  - PRDs longer: the same, but active stays set until the start bit is
 *    cleared;
 *  - PRDs shorter: nothing is transferred, active cleared, no interrupt,
 *    drive status 0x50 (QEMU's choice; the drive would hang on a PC);
 *  - the sectors lie outside the image (or the host fails): the command
 *    is aborted (0x41, ABRT) with the IRQ, active cleared.
 *
 * Threading: vCPU thread only.
 */
#include <string.h>

#include "ide_internal.h"
#include "mmu.h"

void ide_bm_reset(struct ide_bm *bm)
{
    memset(bm, 0, sizeof(*bm));
}

/* Reads the next PRD entry into the engine; false at the end of the table. */
static bool bm_fetch_prd(struct ide_channel *c)
{
    struct ide_bm *bm = &c->bm;
    if (bm->prd_last || bm->cur - bm->prdt >= IDE_PRD_TABLE_MAX)
        return false;
    uint32_t e[2] = { UINT32_MAX, UINT32_MAX };
    if (c->ide->mmu)
        mmu_dma_read(c->ide->mmu, bm->cur, e, sizeof(e));
    bm->cur += 8;
    c->ide->st.prd_entries++;
    bm->prd_addr = e[0] & ~1u;
    bm->prd_len = e[1] & 0xFFFE;
    if (bm->prd_len == 0)
        bm->prd_len = 0x10000;
    bm->prd_last = (e[1] >> 31) != 0;
    return true;
}

/* Collects the memory segments for `total` bytes into ide->segs; returns
 * how many bytes the PRD table covers (less than total if it is short). */
static uint32_t bm_collect(struct ide_channel *c, uint32_t total, uint32_t *nseg)
{
    struct ide_bm *bm = &c->bm;
    struct dev_ide *ide = c->ide;
    uint32_t have = 0, n = 0;
    while (have < total) {
        if (bm->prd_len == 0 && !bm_fetch_prd(c))
            break;
        uint32_t k = bm->prd_len < total - have ? bm->prd_len : total - have;
        if (n < XBT_ARRAY_SIZE(ide->segs))
            ide->segs[n++] = (struct ide_seg){ bm->prd_addr, k };
        bm->prd_addr += k;
        bm->prd_len -= k;
        have += k;
    }
    *nseg = n;
    return have;
}

/* Copies len bytes between buf and the segments, from *seg / *off on. */
static void bm_copy(struct dev_ide *ide, uint8_t *buf, uint32_t len, bool to_memory, uint32_t *seg,
                    uint32_t *off)
{
    while (len) {
        struct ide_seg *s = &ide->segs[*seg];
        uint32_t k = s->len - *off < len ? s->len - *off : len;
        if (ide->mmu) {
            if (to_memory)
                mmu_dma_write(ide->mmu, s->addr + *off, buf, k);
            else
                mmu_dma_read(ide->mmu, s->addr + *off, buf, k);
        }
        ide->st.dma_bytes += k;
        buf += k;
        len -= k;
        *off += k;
        if (*off == s->len) {
            (*seg)++;
            *off = 0;
        }
    }
}

void ide_dma_run(struct ide_channel *c)
{
    struct dev_ide *ide = c->ide;
    struct ide_drive *d = &c->drive[c->unit];
    struct ide_bm *bm = &c->bm;
    if (d->xfer != XFER_DMA || !(bm->status & BM_ST_ACTIVE) || !ide_bus_master_enabled(ide))
        return;
    ide->st.dma_transfers++;
    if (!ide_range_ok(d, d->lba, d->remaining)) {
        bm->status &= (uint8_t)~BM_ST_ACTIVE;
        ide_cmd_abort(c, d);
        return;
    }
    uint32_t total = d->remaining * DISK_SECTOR_SIZE, nseg;
    if (bm_collect(c, total, &nseg) < total) {
        d->xfer = XFER_NONE;
        d->status = ATA_DRDY | ATA_DSC;
        bm->status &= (uint8_t)~BM_ST_ACTIVE;
        return;
    }
    uint32_t seg = 0, off = 0;
    while (d->remaining) {
        uint32_t n = IDE_DMA_CHUNK / DISK_SECTOR_SIZE;
        if (n > d->remaining)
            n = d->remaining;
        uint32_t bytes = n * DISK_SECTOR_SIZE;
        int err;
        if (d->dma_to_disk) {
            bm_copy(ide, ide->dma_buf, bytes, false, &seg, &off);
            err = disk_image_write(d->img, d->lba, n, ide->dma_buf);
            if (!err)
                ide->st.sectors_written += n;
        } else {
            err = disk_image_read(d->img, d->lba, n, ide->dma_buf);
            if (!err) {
                ide->st.sectors_read += n;
                bm_copy(ide, ide->dma_buf, bytes, true, &seg, &off);
            }
        }
        if (err) {
            bm->status &= (uint8_t)~BM_ST_ACTIVE;
            ide_cmd_abort(c, d);
            return;
        }
        d->lba += n;
        d->remaining -= n;
    }
    ide_set_lba(d, d->lba);
    d->count = 0;
    /* more PRD bytes left: the engine stays active */
    bool more = bm->prd_len > 0 || (!bm->prd_last && bm->cur - bm->prdt < IDE_PRD_TABLE_MAX);
    if (!more)
        bm->status &= (uint8_t)~BM_ST_ACTIVE;
    ide_cmd_ok(c, d);
}

static void bm_cmd_write(struct ide_channel *c, uint8_t v)
{
    struct ide_bm *bm = &c->bm;
    bool start = (v & BM_CMD_START) && !(bm->cmd & BM_CMD_START);
    if (!(v & BM_CMD_START) && (bm->cmd & BM_CMD_START))
        bm->status &= (uint8_t)~BM_ST_ACTIVE;
    if (start) {
        bm->cur = bm->prdt;
        bm->prd_len = 0;
        bm->prd_last = false;
        bm->status |= BM_ST_ACTIVE;
    }
    bm->cmd = v & (BM_CMD_START | BM_CMD_READ);
    if (start)
        ide_dma_run(c);
}

static uint8_t bm_reg_read(struct dev_ide *ide, unsigned off)
{
    struct ide_bm *bm = &ide->ch[(off >> 3) & 1].bm;
    switch (off & 7) {
    case 0: return bm->cmd;
    case 2: return bm->status;
    case 4:
    case 5:
    case 6:
    case 7: return (uint8_t)(bm->prdt >> (8 * ((off & 7) - 4)));
    default: return 0xFF;
    }
}

static void bm_reg_write(struct dev_ide *ide, unsigned off, uint8_t v)
{
    struct ide_channel *c = &ide->ch[(off >> 3) & 1];
    struct ide_bm *bm = &c->bm;
    switch (off & 7) {
    case 0: bm_cmd_write(c, v); break;
    case 2:
        bm->status = (uint8_t)((v & BM_ST_DMA_CAP) | (bm->status & BM_ST_ACTIVE) |
                               (bm->status & ~v & (BM_ST_ERROR | BM_ST_INTR)));
        break;
    case 4:
    case 5:
    case 6:
    case 7: {
        unsigned sh = 8 * ((off & 7) - 4);
        bm->prdt = ((bm->prdt & ~(0xFFu << sh)) | (uint32_t)v << sh) & ~3u;
        break;
    }
    default: break;
    }
}

static uint32_t bm_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_ide *ide = opaque;
    unsigned off = (unsigned)(port - ide->bm_base);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)(off + i < 16 ? bm_reg_read(ide, off + i) : 0xFF) << (8 * i);
    return v;
}

static void bm_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_ide *ide = opaque;
    unsigned off = (unsigned)(port - ide->bm_base);
    for (unsigned i = 0; i < size && off + i < 16; i++)
        bm_reg_write(ide, off + i, (uint8_t)(val >> (8 * i)));
}

const struct dev_port_ops ide_bm_ops = {
    .read = bm_port_read,
    .write = bm_port_write,
};
