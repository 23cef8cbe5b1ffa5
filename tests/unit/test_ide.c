/*
 * test_ide.c - unit tests of the PIIX3 IDE model through the I/O bus and
 * PCI configuration space, with a raw image in a temporary file and guest
 * RAM behind a real struct mmu (DMA must go through mmu_dma_read/write,
 * which the MMU counts): power-on signature and registers of present,
 * absent and missing drives; IDENTIFY DEVICE; PIO reads and writes with one
 * IRQ14 edge per DRQ block and the interrupt cleared by the status but not
 * the alternate status register; nIEN; soft reset; LBA28, LBA48 and CHS
 * addressing (INITIALIZE DEVICE PARAMETERS); READ/WRITE MULTIPLE; SET
 * FEATURES; FLUSH CACHE; error cases; PCI decode gating and BAR4 moves;
 * the bus-master registers; DMA reads and writes, scatter lists, 64 KiB
 * PRDs, PRD tables longer or shorter than the transfer, a table without
 * EOT, start-before-command, bus mastering disabled in PCI; statistics;
 * and the disk image's open errors and size rounding.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus.h"
#include "devices.h"
#include "fixture.h"
#include "machine.h"
#include "mmu.h"

#define SECTORS 64u
#define SS 512u
#define BM 0xC000
#define IDE_DEVFN (1 << 3 | 1)
#define RAM (1u << 20)

/* ports of the primary channel */
enum {
    DATA = 0x1F0,
    ERR = 0x1F1,
    FEAT = 0x1F1,
    COUNT = 0x1F2,
    LBA0 = 0x1F3,
    LBA1 = 0x1F4,
    LBA2 = 0x1F5,
    DEV = 0x1F6,
    STATUS = 0x1F7,
    CMD = 0x1F7,
    CTL = 0x3F6
};

static struct machine g_m;

struct fixture {
    struct io_bus *bus; /* g_m.bus */
    struct dev_pci *pci;
    struct dev_ide *ide;
    struct disk_image *img;
    char path[64];
    int level[16], rises[16];
};

static void irq_fn(void *opaque, int line, int level)
{
    struct fixture *f = opaque;
    if (level && !f->level[line])
        f->rises[line]++;
    f->level[line] = level;
}

static uint8_t pattern(uint32_t lba, uint32_t i)
{
    return (uint8_t)((lba * 7 + i) ^ (lba >> 3) ^ 0x5A);
}

static int make_image(char *path, size_t n, uint32_t sectors, uint32_t extra)
{
    snprintf(path, n, "/tmp/xbt-test-ide-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    uint8_t s[SS];
    for (uint32_t lba = 0; lba < sectors; lba++) {
        for (uint32_t i = 0; i < SS; i++)
            s[i] = pattern(lba, i);
        if (write(fd, s, SS) != SS)
            return -1;
    }
    if (extra && write(fd, s, extra) != (ssize_t)extra)
        return -1;
    close(fd);
    return 0;
}

static int setup_with(void **state, bool disk, unsigned flags)
{
    const struct fixture_spec spec = { .ram_size = RAM, .bus = true };
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || fixture_machine_init(&g_m, &spec))
        return -1;
    f->bus = g_m.bus;
    if (disk) {
        char err[256];
        if (make_image(f->path, sizeof(f->path), SECTORS, 0) ||
            disk_image_open(&f->img, f->path, flags, err, sizeof(err)))
            return -1;
    }
    f->pci = dev_pci_create(f->bus, (struct event_line){ 0 });
    struct irq_line i14 = { irq_fn, f, 14 }, i15 = { irq_fn, f, 15 };
    f->ide = dev_ide_create(f->bus, f->pci, &g_m.mmu, i14, i15, f->img);
    if (!f->pci || !f->ide)
        return -1;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, true, 0);
}

static int setup_readonly(void **state)
{
    return setup_with(state, true, DISK_READONLY);
}

static int setup_nodisk(void **state)
{
    return setup_with(state, false, 0);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    dev_ide_destroy(f->ide);
    dev_pci_destroy(f->pci);
    disk_image_close(f->img);
    if (f->path[0])
        unlink(f->path);
    fixture_machine_destroy(&g_m);
    free(f);
    return 0;
}

static uint8_t rd(struct fixture *f, uint16_t port)
{
    return (uint8_t)bus_port_read(f->bus, port, 1);
}

static void wr(struct fixture *f, uint16_t port, uint8_t v)
{
    bus_port_write(f->bus, port, 1, v);
}

static void cmd28(struct fixture *f, uint8_t cmd, uint32_t lba, uint8_t count)
{
    wr(f, DEV, (uint8_t)(0xE0 | (lba >> 24)));
    wr(f, COUNT, count);
    wr(f, LBA0, (uint8_t)lba);
    wr(f, LBA1, (uint8_t)(lba >> 8));
    wr(f, LBA2, (uint8_t)(lba >> 16));
    wr(f, CMD, cmd);
}

static void cmd48(struct fixture *f, uint8_t cmd, uint64_t lba, uint16_t count)
{
    wr(f, DEV, 0xE0);
    wr(f, COUNT, (uint8_t)(count >> 8));
    wr(f, LBA0, (uint8_t)(lba >> 24));
    wr(f, LBA1, (uint8_t)(lba >> 32));
    wr(f, LBA2, (uint8_t)(lba >> 40));
    wr(f, COUNT, (uint8_t)count);
    wr(f, LBA0, (uint8_t)lba);
    wr(f, LBA1, (uint8_t)(lba >> 8));
    wr(f, LBA2, (uint8_t)(lba >> 16));
    wr(f, CMD, cmd);
}

static void read_data(struct fixture *f, void *buf, unsigned bytes)
{
    uint16_t *w = buf;
    for (unsigned i = 0; i < bytes / 2; i++)
        w[i] = (uint16_t)bus_port_read(f->bus, DATA, 2);
}

static void write_data(struct fixture *f, const void *buf, unsigned bytes)
{
    const uint16_t *w = buf;
    for (unsigned i = 0; i < bytes / 2; i++)
        bus_port_write(f->bus, DATA, 2, w[i]);
}

static void check_pattern(const uint8_t *buf, uint32_t lba, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        for (unsigned i = 0; i < SS; i++)
            assert_int_equal(buf[k * SS + i], pattern(lba + k, i));
}

static void pci_wr16(struct fixture *f, unsigned off, uint16_t v)
{
    pci_config_write(f->pci, 0, IDE_DEVFN, off, 2, v);
}

static void bm_enable(struct fixture *f)
{
    pci_wr16(f, 0x04, 0x0105);
}

/* ---- registers and reset ---------------------------------------------------- */

static void test_power_on(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(rd(f, CTL), 0x50);
    assert_int_equal(rd(f, ERR), 0x01);
    assert_int_equal(rd(f, COUNT), 0x01);
    assert_int_equal(rd(f, LBA0), 0x01);
    assert_int_equal(rd(f, LBA1), 0x00);
    assert_int_equal(rd(f, LBA2), 0x00);
    assert_int_equal(rd(f, DEV), 0xA0);
    /* the absent slave: status/error 0, other registers its own copy */
    wr(f, DEV, 0xB0);
    assert_int_equal(rd(f, STATUS), 0x00);
    assert_int_equal(rd(f, CTL), 0x00);
    assert_int_equal(rd(f, ERR), 0x00);
    assert_int_equal(rd(f, COUNT), 0x01);
    assert_int_equal(rd(f, LBA1), 0xFF);
    assert_int_equal(rd(f, DEV), 0xB0);
    /* commands to it are ignored */
    wr(f, CMD, 0xEC);
    assert_int_equal(f->rises[14], 0);
    assert_int_equal(dev_ide_stats(f->ide)->commands, 0);
    wr(f, DEV, 0xA0);
    /* the secondary channel has no drives: everything reads 0 */
    assert_int_equal(rd(f, 0x177), 0x00);
    assert_int_equal(rd(f, 0x376), 0x00);
    wr(f, 0x172, 0x55);
    assert_int_equal(rd(f, 0x172), 0x00);
    assert_int_equal(rd(f, 0x176), 0x00);
    /* the PCI function */
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 0, 4), 0x70108086);
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 8, 4), 0x01018000);
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 0x20, 4), 0xC001);
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 0x04, 2), 0x0103);
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 0x40, 4), 0x80008000);
}

static void test_task_file(void **state)
{
    struct fixture *f = *state;
    wr(f, COUNT, 0x12);
    wr(f, LBA0, 0x34);
    wr(f, COUNT, 0x9A);
    wr(f, LBA0, 0xBC);
    assert_int_equal(rd(f, COUNT), 0x9A);
    assert_int_equal(rd(f, LBA0), 0xBC);
    wr(f, CTL, 0x80); /* HOB */
    assert_int_equal(rd(f, COUNT), 0x12);
    assert_int_equal(rd(f, LBA0), 0x34);
    wr(f, LBA1, 0x77); /* a register write clears HOB */
    assert_int_equal(rd(f, COUNT), 0x9A);
    /* wider accesses to byte registers are split */
    bus_port_write(f->bus, COUNT, 2, 0x5566);
    assert_int_equal(rd(f, COUNT), 0x66);
    assert_int_equal(rd(f, LBA0), 0x55);
    assert_int_equal(bus_port_read(f->bus, COUNT, 2), 0x5566);
    assert_int_equal(bus_port_read(f->bus, STATUS, 2), 0xFF50);
    /* the data register: 0 without DRQ, 0xFF by bytes */
    assert_int_equal(bus_port_read(f->bus, DATA, 2), 0);
    assert_int_equal(bus_port_read(f->bus, DATA, 1), 0xFF);
}

static void test_soft_reset(void **state)
{
    struct fixture *f = *state;
    cmd28(f, 0x20, 5, 2);
    assert_int_equal(rd(f, CTL), 0x58);
    wr(f, CTL, 0x04);
    assert_int_equal(rd(f, CTL) & 0x80, 0x80); /* BSY while SRST */
    wr(f, CMD, 0xEC);                          /* ignored while BSY */
    int rises = f->rises[14];
    wr(f, CTL, 0x00);
    assert_int_equal(f->rises[14], rises); /* no interrupt from a reset */
    assert_int_equal(rd(f, CTL), 0x50);
    assert_int_equal(rd(f, ERR), 0x01);
    assert_int_equal(rd(f, COUNT), 0x01);
    assert_int_equal(rd(f, LBA0), 0x01);
    assert_int_equal(rd(f, LBA1), 0x00);
    assert_int_equal(rd(f, DEV), 0xA0);
    assert_int_equal(bus_port_read(f->bus, DATA, 2), 0); /* transfer gone */
}

static void test_identify(void **state)
{
    struct fixture *f = *state;
    uint16_t id[256];
    cmd28(f, 0xEC, 0, 0);
    assert_int_equal(f->rises[14], 1);
    assert_int_equal(f->level[14], 1);
    assert_int_equal(rd(f, CTL), 0x58);
    assert_int_equal(f->level[14], 1); /* alternate status keeps it */
    assert_int_equal(rd(f, STATUS), 0x58);
    assert_int_equal(f->level[14], 0); /* status clears it */
    read_data(f, id, 512);
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(f->rises[14], 1); /* none at the end of PIO in */
    assert_int_equal(id[0], 0x0040);
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = (char)(id[27 + i] >> 8);
        model[2 * i + 1] = (char)id[27 + i];
    }
    model[40] = 0;
    assert_string_equal(model, "XBT HARDDISK                            ");
    assert_int_equal(id[10] >> 8, 'X');
    assert_int_equal(id[23] >> 8, '0');
    assert_int_equal(id[47], 0x8010);
    assert_int_equal(id[49] & 0x0300, 0x0300);
    assert_int_equal(id[53], 0x0007);
    assert_int_equal(id[59], 0x0110);
    assert_int_equal(id[60] | id[61] << 16, SECTORS);
    assert_int_equal(id[63], 0x0007);
    assert_int_equal(id[83] & 0x0400, 0x0400);
    assert_int_equal(id[86] & 0x0400, 0x0400);
    assert_int_equal(id[88], 0x203F);
    assert_int_equal(id[100], SECTORS);
    assert_int_equal(id[101] | id[102] | id[103], 0);
    assert_int_equal(id[1], 2); /* at least 2 cylinders */
    assert_int_equal(id[3], 16);
    assert_int_equal(id[6], 63);
    /* SET FEATURES: transfer modes show in words 62/63/88 */
    wr(f, FEAT, 0x03);
    wr(f, COUNT, 0x44); /* UDMA 4 */
    wr(f, CMD, 0xEF);
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0xEC, 0, 0);
    read_data(f, id, 512);
    assert_int_equal(id[88], 0x103F);
    assert_int_equal(id[63], 0x0007);
    wr(f, FEAT, 0x03);
    wr(f, COUNT, 0x21); /* MDMA 1 */
    wr(f, CMD, 0xEF);
    cmd28(f, 0xEC, 0, 0);
    read_data(f, id, 512);
    assert_int_equal(id[63], 0x0207);
    assert_int_equal(id[88], 0x003F);
    wr(f, FEAT, 0x03);
    wr(f, COUNT, 0x46); /* UDMA 6: not supported */
    wr(f, CMD, 0xEF);
    assert_int_equal(rd(f, STATUS), 0x41);
    assert_int_equal(rd(f, ERR), 0x04);
    wr(f, FEAT, 0x82); /* write cache off */
    wr(f, CMD, 0xEF);
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0xEC, 0, 0);
    read_data(f, id, 512);
    assert_int_equal(id[85] & 0x20, 0);
    wr(f, FEAT, 0x99); /* unknown feature */
    wr(f, CMD, 0xEF);
    assert_int_equal(rd(f, STATUS), 0x41);
}

/* ---- PIO ------------------------------------------------------------------ */

static void test_pio_read(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[4 * SS];
    cmd28(f, 0x20, 10, 4);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(f->rises[14], k + 1);
        assert_int_equal(rd(f, STATUS), 0x58); /* also acknowledges */
        read_data(f, buf + k * SS, SS);
    }
    assert_int_equal(f->rises[14], 4);
    assert_int_equal(rd(f, STATUS), 0x50);
    check_pattern(buf, 10, 4);
    assert_int_equal(rd(f, COUNT), 0);
    assert_int_equal(rd(f, LBA0), 14);
    assert_int_equal(rd(f, DEV), 0xE0);
    /* 32-bit data accesses */
    cmd28(f, 0x20, 3, 1);
    uint32_t *d = (uint32_t *)buf;
    for (int i = 0; i < 128; i++)
        d[i] = bus_port_read(f->bus, DATA, 4);
    check_pattern(buf, 3, 1);
    assert_int_equal(dev_ide_stats(f->ide)->sectors_read, 5);
    assert_int_equal(dev_ide_stats(f->ide)->pio_bytes, 5 * SS);
    /* the interrupt stays pending without a status read: no new edge */
    int rises = f->rises[14];
    cmd28(f, 0x20, 20, 3);
    read_data(f, buf, SS);
    read_data(f, buf + SS, SS);
    assert_int_equal(f->rises[14], rises + 1);
    assert_int_equal(rd(f, STATUS), 0x58);
    read_data(f, buf + 2 * SS, SS);
    check_pattern(buf, 20, 3);
    /* a command while DRQ is set is ignored */
    cmd28(f, 0x20, 30, 2);
    read_data(f, buf, SS);
    wr(f, CMD, 0xEC);
    read_data(f, buf + SS, SS);
    check_pattern(buf, 30, 2);
}

static void test_pio_write(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[3 * SS], back[3 * SS];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    int rises = f->rises[14];
    cmd28(f, 0x30, 40, 3);
    assert_int_equal(f->rises[14], rises); /* no IRQ before the first block */
    assert_int_equal(rd(f, STATUS), 0x58);
    for (int k = 0; k < 3; k++) {
        write_data(f, buf + k * SS, SS);
        assert_int_equal(f->rises[14], rises + k + 1);
        assert_int_equal(rd(f, STATUS), k < 2 ? 0x58 : 0x50);
    }
    int fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, back, sizeof(back), 40 * SS), (ssize_t)sizeof(back));
    close(fd);
    assert_memory_equal(buf, back, sizeof(back));
    assert_int_equal(dev_ide_stats(f->ide)->sectors_written, 3);
    /* LBA48 read back */
    cmd48(f, 0x24, 41, 1);
    read_data(f, back, SS);
    assert_memory_equal(buf + SS, back, SS);
    /* WRITE SECTORS EXT, FLUSH CACHE */
    cmd48(f, 0x34, 50, 1);
    write_data(f, buf, SS);
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0xE7, 0, 0);
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(dev_ide_stats(f->ide)->flushes, 1);
    cmd28(f, 0x20, 50, 1);
    read_data(f, back, SS);
    assert_memory_equal(buf, back, SS);
}

static void test_pio_multiple(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[8 * SS];
    wr(f, COUNT, 0);
    wr(f, CMD, 0xC6); /* multiple mode off */
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0xC4, 0, 1);
    assert_int_equal(rd(f, STATUS), 0x41); /* READ MULTIPLE needs it */
    wr(f, COUNT, 3);
    wr(f, CMD, 0xC6); /* not a power of two */
    assert_int_equal(rd(f, STATUS), 0x41);
    wr(f, COUNT, 4);
    wr(f, CMD, 0xC6);
    assert_int_equal(rd(f, STATUS), 0x50);
    int rises = f->rises[14];
    cmd28(f, 0xC4, 8, 6); /* blocks of 4 and 2 */
    assert_int_equal(rd(f, STATUS), 0x58);
    read_data(f, buf, 4 * SS);
    assert_int_equal(rd(f, STATUS), 0x58);
    read_data(f, buf + 4 * SS, 2 * SS);
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(f->rises[14], rises + 2);
    check_pattern(buf, 8, 6);
    cmd28(f, 0xC5, 8, 6);
    write_data(f, buf, 4 * SS);
    assert_int_equal(rd(f, STATUS), 0x58);
    write_data(f, buf + 4 * SS, 2 * SS);
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0x20, 8, 6);
    for (int k = 0; k < 6; k++)
        read_data(f, buf + k * SS, SS);
    check_pattern(buf, 8, 6);
}

static void test_chs(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[SS];
    /* default 16 heads x 63 sectors: C0 H0 S5 = LBA 4 */
    wr(f, DEV, 0xA0);
    wr(f, COUNT, 1);
    wr(f, LBA0, 5);
    wr(f, LBA1, 0);
    wr(f, LBA2, 0);
    wr(f, CMD, 0x20);
    read_data(f, buf, SS);
    check_pattern(buf, 4, 1);
    assert_int_equal(rd(f, LBA0), 6);
    /* 4 heads x 8 sectors: C1 H2 S3 = (1*4+2)*8+2 = LBA 50 */
    wr(f, DEV, 0xA3);
    wr(f, COUNT, 8);
    wr(f, CMD, 0x91);
    assert_int_equal(rd(f, STATUS), 0x50);
    wr(f, DEV, 0xA2);
    wr(f, COUNT, 2);
    wr(f, LBA0, 3);
    wr(f, LBA1, 1);
    wr(f, LBA2, 0);
    wr(f, CMD, 0x20);
    read_data(f, buf, SS);
    check_pattern(buf, 50, 1);
    read_data(f, buf, SS);
    check_pattern(buf, 51, 1);
    assert_int_equal(rd(f, LBA0), 5);
    /* an impossible address (sector 0, sector beyond the track) */
    wr(f, COUNT, 1);
    wr(f, LBA0, 0);
    wr(f, CMD, 0x20);
    assert_int_equal(rd(f, STATUS), 0x41);
    wr(f, LBA0, 9);
    wr(f, CMD, 0x20);
    assert_int_equal(rd(f, STATUS), 0x41);
    /* INITIALIZE DEVICE PARAMETERS with 0 sectors */
    wr(f, COUNT, 0);
    wr(f, CMD, 0x91);
    assert_int_equal(rd(f, STATUS), 0x41);
}

static void test_errors(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[SS];
    cmd28(f, 0x20, SECTORS, 1);
    assert_int_equal(rd(f, STATUS), 0x41);
    assert_int_equal(rd(f, ERR), 0x04);
    cmd28(f, 0x20, SECTORS - 1, 2); /* the second block fails */
    assert_int_equal(rd(f, STATUS), 0x58);
    read_data(f, buf, SS);
    check_pattern(buf, SECTORS - 1, 1);
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd28(f, 0x30, SECTORS, 1); /* write: at the end of the block */
    assert_int_equal(rd(f, STATUS), 0x58);
    write_data(f, buf, SS);
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd48(f, 0x24, 1ull << 40, 1);
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd28(f, 0x40, SECTORS - 2, 3); /* READ VERIFY */
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd28(f, 0x40, SECTORS - 2, 2);
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0x77, 0, 0);
    assert_int_equal(rd(f, STATUS), 0x41);
    assert_int_equal(rd(f, ERR), 0x04);
    cmd28(f, 0xA1, 0, 0); /* IDENTIFY PACKET DEVICE */
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd28(f, 0x00, 0, 0); /* NOP */
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd28(f, 0x20, 0, 1); /* the next command clears ERR */
    assert_int_equal(rd(f, STATUS), 0x58);
    assert_int_equal(rd(f, ERR), 0x00);
    read_data(f, buf, SS);
    assert_int_equal(dev_ide_stats(f->ide)->errors, 8);
    /* other accepted commands */
    cmd28(f, 0xE5, 0, 0); /* CHECK POWER MODE */
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(rd(f, COUNT), 0xFF);
    cmd28(f, 0x10, 0, 0); /* RECALIBRATE */
    assert_int_equal(rd(f, STATUS), 0x50);
    cmd28(f, 0x90, 0, 0); /* EXECUTE DEVICE DIAGNOSTIC */
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(rd(f, ERR), 0x01);
    assert_int_equal(rd(f, COUNT), 0x01);
}

static void test_nien(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[SS];
    wr(f, CTL, 0x02);
    cmd28(f, 0x20, 0, 1);
    assert_int_equal(f->rises[14], 0);
    assert_int_equal(f->level[14], 0);
    /* clearing nIEN with the interrupt pending asserts the line (ATA) */
    wr(f, CTL, 0x00);
    assert_int_equal(f->rises[14], 1);
    assert_int_equal(rd(f, STATUS), 0x58);
    assert_int_equal(f->level[14], 0);
    read_data(f, buf, SS);
    check_pattern(buf, 0, 1);
    /* setting nIEN lowers a pending interrupt's line */
    cmd28(f, 0xE7, 0, 0);
    assert_int_equal(f->level[14], 1);
    wr(f, CTL, 0x02);
    assert_int_equal(f->level[14], 0);
    wr(f, CTL, 0x00);
}

static void test_decode(void **state)
{
    struct fixture *f = *state;
    pci_wr16(f, 0x04, 0x0000); /* I/O space off */
    assert_int_equal(rd(f, STATUS), 0xFF);
    assert_int_equal(rd(f, CTL), 0xFF);
    assert_int_equal(rd(f, BM + 2), 0xFF);
    wr(f, CMD, 0xEC);
    pci_wr16(f, 0x04, 0x0001);
    assert_int_equal(rd(f, STATUS), 0x50); /* the command never arrived */
    assert_int_equal(rd(f, BM + 2), 0x00);
    pci_config_write(f->pci, 0, IDE_DEVFN, 0x40, 2, 0x0000); /* IDETIM decode off */
    assert_int_equal(rd(f, STATUS), 0xFF);
    assert_int_equal(rd(f, 0x177), 0x00); /* the secondary is still on */
    pci_config_write(f->pci, 0, IDE_DEVFN, 0x40, 2, 0x8000);
    assert_int_equal(rd(f, STATUS), 0x50);
    /* BAR4 moves; the old ports are given back */
    pci_config_write(f->pci, 0, IDE_DEVFN, 0x20, 4, 0xD000);
    assert_int_equal(rd(f, BM + 4), 0xFF);
    bus_port_write(f->bus, 0xD004, 4, 0x1234);
    assert_int_equal(bus_port_read(f->bus, 0xD004, 4), 0x1234);
    /* probing moves it out of reach, and back */
    pci_config_write(f->pci, 0, IDE_DEVFN, 0x20, 4, 0xFFFFFFFF);
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 0x20, 4), 0xFFFFFFF1);
    assert_int_equal(rd(f, 0xD004), 0xFF);
    pci_config_write(f->pci, 0, IDE_DEVFN, 0x20, 4, 0xD000);
    assert_int_equal(bus_port_read(f->bus, 0xD004, 4), 0x1234);
    /* onto other ports: not decoded */
    pci_config_write(f->pci, 0, IDE_DEVFN, 0x20, 4, 0x1F0);
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(rd(f, 0xD004), 0xFF);
}

/* ---- bus master ------------------------------------------------------------- */

static void test_bm_registers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, BM + 0), 0x00);
    assert_int_equal(rd(f, BM + 1), 0xFF);
    assert_int_equal(rd(f, BM + 2), 0x00);
    assert_int_equal(rd(f, BM + 3), 0xFF);
    wr(f, BM + 0, 0xFF);
    assert_int_equal(rd(f, BM + 0), 0x09);
    assert_int_equal(rd(f, BM + 2), 0x01); /* active */
    wr(f, BM + 0, 0x00);
    assert_int_equal(rd(f, BM + 2), 0x00);
    wr(f, BM + 2, 0xFF); /* only 5-6 are storage */
    assert_int_equal(rd(f, BM + 2), 0x60);
    bus_port_write(f->bus, BM + 4, 4, 0x12345677);
    assert_int_equal(bus_port_read(f->bus, BM + 4, 4), 0x12345674);
    wr(f, BM + 5, 0xAB);
    assert_int_equal(bus_port_read(f->bus, BM + 4, 4), 0x1234AB74);
    assert_int_equal(bus_port_read(f->bus, BM + 6, 2), 0x1234);
    /* the secondary channel's registers are separate */
    bus_port_write(f->bus, BM + 12, 4, 0x1000);
    assert_int_equal(bus_port_read(f->bus, BM + 12, 4), 0x1000);
    assert_int_equal(bus_port_read(f->bus, BM + 4, 4), 0x1234AB74);
    assert_int_equal(bus_port_read(f->bus, BM + 0, 4), 0xFF60FF00);
}

static void put_prd(uint32_t at, uint32_t addr, uint32_t count)
{
    memcpy(g_m.ram + at, &addr, 4);
    memcpy(g_m.ram + at + 4, &count, 4);
}

/* READ/WRITE DMA (LBA28) with the PRD table at prdt; start after the command. */
static void dma28(struct fixture *f, uint8_t cmd, uint32_t lba, uint8_t count, uint32_t prdt)
{
    wr(f, BM + 0, 0);
    bus_port_write(f->bus, BM + 4, 4, prdt);
    wr(f, BM + 2, 0x06);
    cmd28(f, cmd, lba, count);
    wr(f, BM + 0, cmd == 0xC8 ? 0x09 : 0x01);
}

static void test_dma_read(void **state)
{
    struct fixture *f = *state;
    bm_enable(f);
    memset(g_m.ram, 0xEE, RAM);
    put_prd(0x1000, 0x10000, 4 * SS | 0x80000000u);
    dma28(f, 0xC8, 5, 4, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x04); /* interrupt, not active */
    assert_int_equal(f->rises[14], 1);
    assert_int_equal(rd(f, STATUS), 0x50);
    check_pattern(g_m.ram + 0x10000, 5, 4);
    assert_int_equal(g_m.ram[0x10000 + 4 * SS], 0xEE);
    assert_int_equal(g_m.mmu.st.dma_write_bytes, 4 * SS);
    assert_int_equal(g_m.mmu.st.dma_read_bytes, 8); /* the PRD */
    assert_int_equal(rd(f, LBA0), 9);
    assert_int_equal(rd(f, COUNT), 0);
    wr(f, BM + 2, 0x04);
    assert_int_equal(rd(f, BM + 2), 0x00);

    /* scatter list: 100 bytes (odd bit ignored: 101), a page crossing, rest */
    memset(g_m.ram, 0xEE, RAM);
    put_prd(0x1000, 0x20000, 101);
    put_prd(0x1008, 0x20FF0, 1000);
    put_prd(0x1010, 0x30001, (3 * SS - 1100) | 0x80000000u); /* bit 0 of the base too */
    dma28(f, 0xC8, 12, 3, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x04);
    uint8_t got[3 * SS];
    memcpy(got, g_m.ram + 0x20000, 100);
    memcpy(got + 100, g_m.ram + 0x20FF0, 1000);
    memcpy(got + 1100, g_m.ram + 0x30000, 3 * SS - 1100);
    check_pattern(got, 12, 3);
    assert_int_equal(g_m.ram[0x20000 + 100], 0xEE);
    assert_int_equal(g_m.ram[0x20FF0 + 1000], 0xEE);
    assert_int_equal(g_m.ram[0x30000 + 3 * SS - 1100], 0xEE);

    /* byte count 0 = 64 KiB */
    put_prd(0x1000, 0x40000, 0x80000000u);
    dma28(f, 0xC8, 0, SECTORS <= 128 ? SECTORS : 128, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x05); /* 32 KiB of 64: still active */
    check_pattern(g_m.ram + 0x40000, 0, SECTORS);
    wr(f, BM + 0, 0);
    assert_int_equal(rd(f, BM + 2), 0x04);
    assert_int_equal(dev_ide_stats(f->ide)->dma_transfers, 3);
}

static void test_dma_prd_table_ends(void **state)
{
    struct fixture *f = *state;
    bm_enable(f);
    memset(g_m.ram, 0xEE, RAM);
    /* shorter than the transfer: nothing moves, no interrupt */
    put_prd(0x1000, 0x10000, SS | 0x80000000u);
    int rises = f->rises[14];
    dma28(f, 0xC8, 0, 2, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x00);
    assert_int_equal(f->rises[14], rises);
    assert_int_equal(rd(f, CTL), 0x50);
    assert_int_equal(g_m.ram[0x10000], 0xEE);
    /* 512 entries of 2 bytes without EOT: the table ends after 4 KiB */
    for (uint32_t i = 0; i < 512; i++)
        put_prd(0x2000 + 8 * i, 0x10000 + 2 * i, 2);
    dma28(f, 0xC8, 7, 2, 0x2000);
    assert_int_equal(rd(f, BM + 2), 0x04); /* exactly used up */
    check_pattern(g_m.ram + 0x10000, 7, 2);
    dma28(f, 0xC8, 7, 3, 0x2000);
    assert_int_equal(rd(f, BM + 2), 0x00); /* 1 KiB of PRDs for 1.5 KiB */
    assert_int_equal(dev_ide_stats(f->ide)->prd_entries, 1 + 512 + 512);
}

static void test_dma_order_and_master_enable(void **state)
{
    struct fixture *f = *state;
    memset(g_m.ram, 0xEE, RAM);
    put_prd(0x1000, 0x10000, SS | 0x80000000u);
    /* bus mastering off (power-on): the transfer waits */
    dma28(f, 0xC8, 33, 1, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x01);
    assert_int_equal(rd(f, CTL), 0x58);
    assert_int_equal(g_m.ram[0x10000], 0xEE);
    bm_enable(f);
    assert_int_equal(rd(f, BM + 2), 0x04);
    assert_int_equal(rd(f, CTL), 0x50);
    check_pattern(g_m.ram + 0x10000, 33, 1);
    /* start first, command second */
    wr(f, BM + 0, 0);
    wr(f, BM + 2, 0x04);
    wr(f, BM + 0, 0x09);
    assert_int_equal(rd(f, BM + 2), 0x01);
    cmd28(f, 0xC8, 34, 1);
    assert_int_equal(rd(f, BM + 2), 0x04);
    check_pattern(g_m.ram + 0x10000, 34, 1);
    /* a command with the engine stopped waits for the start bit */
    wr(f, BM + 0, 0);
    wr(f, BM + 2, 0x04);
    cmd28(f, 0xC8, 35, 1);
    assert_int_equal(rd(f, BM + 2), 0x00);
    assert_int_equal(rd(f, CTL), 0x58);
    wr(f, BM + 0, 0x09);
    assert_int_equal(rd(f, BM + 2), 0x04);
    check_pattern(g_m.ram + 0x10000, 35, 1);
}

static void test_dma_write_and_errors(void **state)
{
    struct fixture *f = *state;
    bm_enable(f);
    for (uint32_t i = 0; i < 2 * SS; i++)
        g_m.ram[0x10000 + i] = (uint8_t)(i * 5 + 3);
    put_prd(0x1000, 0x10000, 700);
    put_prd(0x1008, 0x10000 + 700, (2 * SS - 700) | 0x80000000u);
    uint64_t reads = g_m.mmu.st.dma_read_bytes;
    dma28(f, 0xCA, 60, 2, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x04);
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_int_equal(g_m.mmu.st.dma_read_bytes - reads, 16 + 2 * SS);
    uint8_t back[2 * SS];
    int fd = open(f->path, O_RDONLY);
    assert_int_equal(pread(fd, back, sizeof(back), 60 * SS), (ssize_t)sizeof(back));
    close(fd);
    assert_memory_equal(back, g_m.ram + 0x10000, sizeof(back));
    assert_int_equal(dev_ide_stats(f->ide)->sectors_written, 2);
    assert_int_equal(dev_ide_stats(f->ide)->dma_bytes, 2 * SS);
    /* DMA EXT */
    memset(g_m.ram + 0x20000, 0, 2 * SS);
    put_prd(0x1000, 0x20000, 2 * SS | 0x80000000u);
    wr(f, BM + 0, 0);
    wr(f, BM + 2, 0x04);
    cmd48(f, 0x25, 60, 2);
    wr(f, BM + 0, 0x09);
    assert_int_equal(rd(f, STATUS), 0x50);
    assert_memory_equal(g_m.ram + 0x20000, g_m.ram + 0x10000, 2 * SS);
    /* past the end: aborted with the interrupt, nothing moved */
    memset(g_m.ram + 0x20000, 0xEE, 2 * SS);
    dma28(f, 0xC8, SECTORS - 1, 2, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x04);
    assert_int_equal(rd(f, STATUS), 0x41);
    assert_int_equal(rd(f, ERR), 0x04);
    assert_int_equal(g_m.ram[0x20000], 0xEE);
    /* nIEN: no interrupt and no interrupt bit */
    wr(f, CTL, 0x02);
    int rises = f->rises[14];
    dma28(f, 0xC8, 1, 2, 0x1000);
    assert_int_equal(rd(f, BM + 2), 0x00);
    assert_int_equal(f->rises[14], rises);
    check_pattern(g_m.ram + 0x20000, 1, 2);
    wr(f, CTL, 0x00);
}

/* ---- no disk, disk images ------------------------------------------------------ */

static void test_no_disk(void **state)
{
    struct fixture *f = *state;
    for (uint16_t p = 0x1F1; p <= 0x1F7; p++)
        assert_int_equal(rd(f, p), 0x00);
    assert_int_equal(rd(f, CTL), 0x00);
    wr(f, DEV, 0xE0);
    wr(f, COUNT, 0x42);
    wr(f, CMD, 0xEC);
    assert_int_equal(rd(f, STATUS), 0x00);
    assert_int_equal(rd(f, COUNT), 0x00);
    assert_int_equal(rd(f, DEV), 0x00);
    assert_int_equal(f->rises[14], 0);
    assert_int_equal(dev_ide_stats(f->ide)->commands, 0);
    assert_int_equal(pci_config_read(f->pci, 0, IDE_DEVFN, 0, 4), 0x70108086);
}

static void test_disk_image(void **state)
{
    (void)state;
    char path[64], err[256];
    struct disk_image *d;
    assert_int_equal(disk_image_open(&d, "/nonexistent/xbt.img", 0, err, sizeof(err)), XBT_ENOENT);
    assert_non_null(strstr(err, "No such file"));
    assert_true(disk_image_open(&d, "/tmp", 0, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "directory"));
    assert_int_equal(disk_image_open(&d, "/dev/null", 0, err, sizeof(err)), XBT_EFORMAT);
    assert_int_equal(make_image(path, sizeof(path), 0, 0), 0);
    assert_int_equal(disk_image_open(&d, path, 0, err, sizeof(err)), XBT_EFORMAT);
    assert_non_null(strstr(err, "empty"));
    unlink(path);
    assert_int_equal(make_image(path, sizeof(path), 0, 100), 0);
    assert_int_equal(disk_image_open(&d, path, 0, err, sizeof(err)), XBT_EFORMAT);
    assert_non_null(strstr(err, "too small"));
    unlink(path);
    /* 3 sectors and 100 bytes: 3 sectors */
    assert_int_equal(make_image(path, sizeof(path), 3, 100), 0);
    assert_int_equal(disk_image_open(&d, path, 0, err, sizeof(err)), 0);
    assert_int_equal(disk_image_sectors(d), 3);
    assert_string_equal(disk_image_path(d), path);
    uint8_t buf[2 * SS];
    assert_int_equal(disk_image_read(d, 1, 2, buf), 0);
    check_pattern(buf, 1, 2);
    assert_int_equal(disk_image_read(d, 2, 2, buf), XBT_ERANGE);
    assert_int_equal(disk_image_write(d, 3, 1, buf), XBT_ERANGE);
    assert_int_equal(disk_image_flush(d), 0);
    /* locked while open */
    struct disk_image *d2;
    assert_int_equal(disk_image_open(&d2, path, 0, err, sizeof(err)), XBT_EBUSY);
    assert_non_null(strstr(err, "in use"));
    disk_image_close(d);
    assert_int_equal(disk_image_open(&d2, path, 0, err, sizeof(err)), 0);
    disk_image_close(d2);
    unlink(path);
}

/* --disk FILE,readonly: reads work, every write is aborted (ERR, ABRT)
 * and leaves the image alone, FLUSH CACHE succeeds. */
static void test_readonly_drive(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[SS], back[SS];
    cmd28(f, 0x20, 7, 1);
    read_data(f, buf, SS);
    check_pattern(buf, 7, 1);
    memset(buf, 0xEE, sizeof(buf));
    cmd28(f, 0x30, 7, 1); /* PIO: the data goes in, the write fails */
    write_data(f, buf, SS);
    assert_int_equal(rd(f, STATUS), 0x41);
    assert_int_equal(rd(f, ERR), 0x04);
    cmd48(f, 0x34, 8, 1);
    write_data(f, buf, SS);
    assert_int_equal(rd(f, STATUS), 0x41);
    cmd28(f, 0xE7, 0, 0);
    assert_int_equal(rd(f, STATUS), 0x50);
    int fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, back, SS, 7 * SS), SS);
    check_pattern(back, 7, 1);
    assert_int_equal(pread(fd, back, SS, 8 * SS), SS);
    check_pattern(back, 8, 1);
    close(fd);
    assert_int_equal(dev_ide_stats(f->ide)->sectors_written, 0);
}

/* Read-only images: a file without write permission is refused for
 * read-write use (also as root, by its mode), opened with DISK_READONLY;
 * readers share the lock, a writer excludes them and they it. */
static void test_disk_image_readonly(void **state)
{
    (void)state;
    char path[64], err[256];
    struct disk_image *d, *d2, *d3;
    assert_int_equal(make_image(path, sizeof(path), 4, 0), 0);
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(disk_image_open(&d, path, 0, err, sizeof(err)), XBT_EUNSUP);
    assert_non_null(strstr(err, "read-only file"));
    assert_non_null(strstr(err, ",readonly"));
    assert_null(d);
    assert_int_equal(disk_image_open(&d, path, DISK_READONLY, err, sizeof(err)), 0);
    assert_true(disk_image_readonly(d));
    uint8_t buf[SS];
    assert_int_equal(disk_image_read(d, 2, 1, buf), 0);
    check_pattern(buf, 2, 1);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(disk_image_write(d, 2, 1, buf), XBT_EUNSUP);
    assert_int_equal(disk_image_flush(d), 0);
    assert_int_equal(disk_image_read(d, 2, 1, buf), 0);
    check_pattern(buf, 2, 1);
    assert_int_equal(disk_image_open(&d2, path, DISK_READONLY, err, sizeof(err)), 0);
    disk_image_close(d2);
    disk_image_close(d);
    /* a writable file: a writer excludes readers and the reverse */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(disk_image_open(&d, path, 0, err, sizeof(err)), 0);
    assert_false(disk_image_readonly(d));
    assert_int_equal(disk_image_open(&d2, path, DISK_READONLY, err, sizeof(err)), XBT_EBUSY);
    disk_image_close(d);
    assert_int_equal(disk_image_open(&d2, path, DISK_READONLY, err, sizeof(err)), 0);
    assert_int_equal(disk_image_open(&d3, path, 0, err, sizeof(err)), XBT_EBUSY);
    disk_image_close(d2);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_drive, setup_readonly, teardown),
        cmocka_unit_test(test_disk_image_readonly),
        cmocka_unit_test_setup_teardown(test_task_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_soft_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pio_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pio_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pio_multiple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nien, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bm_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_prd_table_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_order_and_master_enable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_write_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_disk, setup_nodisk, teardown),
        cmocka_unit_test(test_disk_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
