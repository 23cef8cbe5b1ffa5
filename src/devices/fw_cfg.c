/*
 * fw_cfg.c - QEMU's firmware configuration device as the i386 machine has
 * it (QEMU docs/specs/fw_cfg.rst), the interface through which SeaBIOS
 * learns about the board: the RAM size, the CPU count, the memory map,
 * the boot order, the serial console.
 *
 * Traditional interface.  Port 0x510 (word writes) selects an item: bits
 * 13:0 its key, bit 15 the architecture-local (x86) items 0x8000-0x8FFF,
 * bit 14 (write channel) is ignored; selecting resets the item's offset
 * to 0.  Port 0x511 (byte reads) returns the item's next byte and advances;
 * past the end, and for keys nobody added, it reads 0 (never all ones: a
 * kernel that reads the CPU count of an absent item must see 0, not
 * 65,535).  As in QEMU, a byte read of 0x510 reads data too, data writes
 * are ignored (QEMU >= 2.4), and wider data reads are not valid accesses
 * (all ones, as an unclaimed port).
 *
 * DMA interface (ID bit 1).  Ports 0x514-0x51B: the guest writes the
 * guest-physical address of a control structure (be32 control, be32
 * length, be64 address) as two big-endian dwords, high half at 0x514 and
 * low half at 0x518; the write of the low half runs the transfer.  Control
 * bits: SELECT (key in bits 31:16), READ (copy length bytes from the
 * item to address; bytes past the item's end are zeros), SKIP (advance the
 * offset), WRITE (no item is writable: ERROR).  On completion control is
 * written back as 0, or ERROR.  Byte reads of 0x514-0x51B return the DMA
 * signature "QEMU CFG".  Guest memory is reached with mmu_dma_read/write.
 *
 * The file directory (key 0x19) is rebuilt whenever a file is added:
 * be32 count, then per file be32 size, be16 key, be16 reserved and a
 * 56-byte NUL-padded name, sorted by name (QEMU's order); files take keys
 * from 0x20 in the order they are added.
 *
 * Threading: vCPU thread only; items are added while the machine is built.
 */
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "mmu.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DMA 0x514
#define FW_CFG_NPORTS 12 /* 0x510-0x51B: selector, data, (gap), DMA */
#define FW_CFG_KEY_MASK 0x3FFF
#define FW_CFG_ARCH_LOCAL 0x8000
/* Items: the generic ones (key 0-0x3FFF) and the x86 ones (0x8000-...).
 * Policy: QEMU's i386 machine uses keys below 0x40 and 0x8000-0x8004;
 * 64 slots per space is room for all of them and 32 files. */
#define FW_CFG_GENERIC_ITEMS 0x40
#define FW_CFG_ARCH_ITEMS 0x10

#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SKIP 0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE 0x10
static const char fw_cfg_dma_signature[8] = "QEMU CFG";

struct fw_cfg_item {
    uint8_t *data;
    uint32_t len;
};

struct dev_fw_cfg {
    struct mmu *mmu;
    struct fw_cfg_item generic[FW_CFG_GENERIC_ITEMS], arch[FW_CFG_ARCH_ITEMS];
    struct fw_cfg_item *cur; /* NULL: an unknown key */
    uint32_t offset;
    uint32_t dma_high;
    unsigned nfiles;
    char names[FW_CFG_MAX_FILES][FW_CFG_NAME_LEN];
    uint16_t file_keys[FW_CFG_MAX_FILES];
    struct dev_fw_cfg_stats st;
};

static struct fw_cfg_item *fw_cfg_item(struct dev_fw_cfg *fc, uint16_t key)
{
    unsigned k = key & FW_CFG_KEY_MASK;
    if (key & FW_CFG_ARCH_LOCAL)
        return k < FW_CFG_ARCH_ITEMS ? &fc->arch[k] : NULL;
    return k < FW_CFG_GENERIC_ITEMS ? &fc->generic[k] : NULL;
}

int fw_cfg_add_bytes(struct dev_fw_cfg *fc, uint16_t key, const void *data, uint32_t len)
{
    struct fw_cfg_item *it = fw_cfg_item(fc, key);
    if (!it)
        return XBT_EINVAL;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return XBT_ENOMEM;
    if (len)
        memcpy(copy, data, len);
    free(it->data);
    it->data = copy;
    it->len = len;
    return 0;
}

int fw_cfg_add_i16(struct dev_fw_cfg *fc, uint16_t key, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct dev_fw_cfg *fc, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct dev_fw_cfg *fc, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Rebuilds the directory (key 0x19) from the files, sorted by name. */
static int fw_cfg_rebuild_dir(struct dev_fw_cfg *fc)
{
    unsigned order[FW_CFG_MAX_FILES];
    for (unsigned i = 0; i < fc->nfiles; i++) { /* insertion sort by name */
        unsigned j = i;
        for (; j > 0 && strcmp(fc->names[order[j - 1]], fc->names[i]) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    uint32_t len = 4 + fc->nfiles * FW_CFG_DIR_ENTRY;
    uint8_t *dir = calloc(1, len);
    if (!dir)
        return XBT_ENOMEM;
    put_be(dir, fc->nfiles, 4);
    for (unsigned i = 0; i < fc->nfiles; i++) {
        unsigned f = order[i];
        uint8_t *e = dir + 4 + i * FW_CFG_DIR_ENTRY;
        put_be(e, fw_cfg_item(fc, fc->file_keys[f])->len, 4);
        put_be(e + 4, fc->file_keys[f], 2);
        memcpy(e + 8, fc->names[f], FW_CFG_NAME_LEN);
    }
    int rc = fw_cfg_add_bytes(fc, FW_CFG_FILE_DIR, dir, len);
    free(dir);
    return rc;
}

int fw_cfg_add_file(struct dev_fw_cfg *fc, const char *name, const void *data, uint32_t len)
{
    if (!name || !*name || strlen(name) >= FW_CFG_NAME_LEN)
        return XBT_EINVAL;
    for (unsigned i = 0; i < fc->nfiles; i++)
        if (strcmp(fc->names[i], name) == 0)
            return XBT_EBUSY;
    if (fc->nfiles == FW_CFG_MAX_FILES)
        return XBT_ERANGE;
    uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + fc->nfiles);
    int rc = fw_cfg_add_bytes(fc, key, data, len);
    if (rc)
        return rc;
    memset(fc->names[fc->nfiles], 0, FW_CFG_NAME_LEN);
    strcpy(fc->names[fc->nfiles], name);
    fc->file_keys[fc->nfiles++] = key;
    return fw_cfg_rebuild_dir(fc);
}

void fw_cfg_select(struct dev_fw_cfg *fc, uint16_t key)
{
    fc->st.selects++;
    fc->cur = fw_cfg_item(fc, key);
    if (fc->cur && !fc->cur->data)
        fc->cur = NULL;
    if (!fc->cur)
        fc->st.unknown_selects++;
    fc->offset = 0;
}

uint8_t fw_cfg_read_byte(struct dev_fw_cfg *fc)
{
    fc->st.data_reads++;
    if (!fc->cur || fc->offset >= fc->cur->len)
        return 0;
    return fc->cur->data[fc->offset++];
}

/* ---- DMA ------------------------------------------------------------------ */

/* Past an item's end a read gives zeros (as QEMU's): written in chunks,
 * and only where RAM is (a 4 GiB length must not cost a loop per byte;
 * DMA beyond RAM is dropped anyway). */
static void zero_fill(struct dev_fw_cfg *fc, uint64_t at, uint32_t len)
{
    static const uint8_t zeros[4096];
    uint64_t end = at + len, ram = fc->mmu->ram_size;
    if (end > ram)
        end = ram;
    while (at < end) {
        uint32_t n = end - at < sizeof(zeros) ? (uint32_t)(end - at) : (uint32_t)sizeof(zeros);
        mmu_dma_write(fc->mmu, (uint32_t)at, zeros, n);
        at += n;
    }
}

/* Runs the transfer described at guest-physical addr; returns the control
 * word to write back (0 or ERROR). */
static uint32_t fw_cfg_dma_run(struct dev_fw_cfg *fc, uint32_t addr)
{
    uint8_t d[16];
    if (mmu_dma_read(fc->mmu, addr, d, sizeof(d)) != sizeof(d))
        return FW_CFG_DMA_ERROR;
    uint32_t control = (uint32_t)get_be(d, 4), length = (uint32_t)get_be(d + 4, 4);
    uint64_t target = get_be(d + 8, 8);
    if (control & FW_CFG_DMA_SELECT)
        fw_cfg_select(fc, (uint16_t)(control >> 16));
    if (control & FW_CFG_DMA_WRITE)
        return FW_CFG_DMA_ERROR; /* no item is writable */
    if (!(control & (FW_CFG_DMA_READ | FW_CFG_DMA_SKIP)))
        return 0;
    uint32_t avail = fc->cur && fc->offset < fc->cur->len ? fc->cur->len - fc->offset : 0;
    uint32_t n = length < avail ? length : avail;
    if (control & FW_CFG_DMA_READ) {
        if (target + length > UINT64_C(1) << 32)
            return FW_CFG_DMA_ERROR;
        if (n)
            mmu_dma_write(fc->mmu, (uint32_t)target, fc->cur->data + fc->offset, n);
        zero_fill(fc, target + n, length - n);
        fc->st.dma_bytes += length;
    }
    fc->offset += n;
    return 0;
}

static void fw_cfg_dma(struct dev_fw_cfg *fc, uint64_t addr)
{
    fc->st.dma_transfers++;
    uint32_t control = FW_CFG_DMA_ERROR;
    if (fc->mmu && addr + 16 <= UINT64_C(1) << 32) {
        control = fw_cfg_dma_run(fc, (uint32_t)addr);
        uint8_t b[4];
        put_be(b, control, 4);
        mmu_dma_write(fc->mmu, (uint32_t)addr, b, 4);
    }
    if (control)
        fc->st.dma_errors++;
}

/* ---- ports ---------------------------------------------------------------- */

static uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static uint32_t fw_cfg_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_fw_cfg *fc = opaque;
    if (port >= FW_CFG_PORT_DMA) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            unsigned o = port - FW_CFG_PORT_DMA + i;
            v |= (uint32_t)(o < 8 ? (uint8_t)fw_cfg_dma_signature[o] : 0xFF) << (8 * i);
        }
        return v;
    }
    if (port > FW_CFG_PORT_SEL + 1 || size != 1)
        return UINT32_MAX;
    return fw_cfg_read_byte(fc);
}

static void fw_cfg_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_fw_cfg *fc = opaque;
    if (port == FW_CFG_PORT_SEL && size == 2) {
        fw_cfg_select(fc, (uint16_t)val);
    } else if (port == FW_CFG_PORT_DMA && size == 4) {
        fc->dma_high = bswap32(val);
    } else if (port == FW_CFG_PORT_DMA + 4 && size == 4) {
        uint64_t addr = (uint64_t)fc->dma_high << 32 | bswap32(val);
        fc->dma_high = 0;
        fw_cfg_dma(fc, addr);
    }
}

static const struct dev_port_ops fw_cfg_ops = {
    .read = fw_cfg_port_read,
    .write = fw_cfg_port_write,
};

struct dev_fw_cfg *dev_fw_cfg_create(struct io_bus *bus, struct mmu *mmu)
{
    struct dev_fw_cfg *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return NULL;
    fc->mmu = mmu;
    uint8_t uuid[16] = { 0 };
    if (fw_cfg_add_bytes(fc, FW_CFG_SIGNATURE, "QEMU", 4) ||
        fw_cfg_add_i32(fc, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | (mmu ? FW_CFG_ID_DMA : 0)) ||
        fw_cfg_add_bytes(fc, FW_CFG_UUID, uuid, sizeof(uuid)) || fw_cfg_rebuild_dir(fc)) {
        dev_fw_cfg_destroy(fc);
        return NULL;
    }
    if (bus) {
        int err = bus_register_ports(bus, FW_CFG_PORT_SEL, FW_CFG_NPORTS, &fw_cfg_ops, fc);
        if (err < 0) {
            xbt_error("fw_cfg: cannot claim ports 0x510-0x51B: %s", xbt_strerror(err));
            dev_fw_cfg_destroy(fc);
            return NULL;
        }
    }
    return fc;
}

void dev_fw_cfg_destroy(struct dev_fw_cfg *fc)
{
    if (!fc)
        return;
    for (int i = 0; i < FW_CFG_GENERIC_ITEMS; i++)
        free(fc->generic[i].data);
    for (int i = 0; i < FW_CFG_ARCH_ITEMS; i++)
        free(fc->arch[i].data);
    free(fc);
}

const struct dev_fw_cfg_stats *dev_fw_cfg_stats(const struct dev_fw_cfg *fc)
{
    return &fc->st;
}
