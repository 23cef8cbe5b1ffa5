/*
 * pci.c - PCI configuration mechanism #1 and the function registry of the
 * PC's one PCI bus (bus 0), with the chipset's own functions: the i440FX
 * host bridge (00:00.0, 8086:1237) and the PIIX3 PCI-to-ISA bridge
 * (00:01.0, 8086:7000; its reset control register at 0xCF9 too).  Device
 * models add functions with pci_func_add() (the PIIX3 IDE at 00:01.1).
 *
 * Ports.  0xCF8 is CONFIG_ADDRESS: dword writes only (byte and word
 * accesses to 0xCF8-0xCFB are ordinary ISA cycles nobody answers: reads
 * return all ones); enable bit 31, bus 23:16, device 15:11, function 10:8,
 * register 7:2; the reserved bits 30:24 and 1:0 read as 0 (PCI 3.0,
 * 3.2.2.3.2).  0xCFC-0xCFF is CONFIG_DATA: byte, word and dword accesses
 * reach register (address & 0xFC) + (port & 3).  With the enable bit clear,
 * a bus other than 0, or no function at that device/function number, reads
 * return all ones and writes are dropped.  0xCF9 (byte) is the PIIX3 Reset
 * Control Register: bit 1 (hard/soft reset type) is kept and read back; a
 * write with bit 2 (reset CPU) set resets the machine.
 *
 * Configuration space.  Each function has 256 bytes, a write mask and a
 * write-1-to-clear mask per bit: vendor, device, class, revision, header
 * type and the subsystem IDs are read-only; the command register's I/O,
 * memory, bus-master, SERR and INTx-disable bits (0x0507) are writable, as
 * are cache line size and interrupt line; the status register's error bits
 * (0xF900) are write-1-to-clear (nothing sets them); 0x40-0xFF (device
 * specific) are plain storage unless the device declares otherwise.  This
 * is QEMU's generic layout, which its -M pc shows (checked by the
 * disk_nodrive guest test); xbt leaves the subsystem IDs 0 where QEMU puts
 * its own 1af4:1100.  I/O BARs (pci_func_io_bar): bit 0 reads 1, the bits
 * above the size are writable (all of 31:4 for 16 ports, so writing all
 * ones reads back 0xFFFFFFF1, as QEMU shows), and the BAR decodes when the
 * command register's I/O bit is set and the base is non-zero and below
 * 64 KiB.  After every write the function's `written` callback runs so the
 * device can move its ports.
 *
 * Power-on state: what the PC firmware (SeaBIOS under QEMU) leaves for a
 * multiboot kernel: command 0x0103 (I/O, memory, SERR) in all three
 * functions, BARs assigned by the device models.
 *
 * Threading: vCPU thread only (port accesses); functions are added while
 * the machine is built.
 */
#include <stdlib.h>
#include <string.h>

#include "devices.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_RESET_CONTROL 0xCF9
#define PCI_CONFIG_DATA 0xCFC
#define PCI_NPORTS 8
/* Readable bits of CONFIG_ADDRESS: enable, bus, device, function, register. */
#define PCI_ADDR_MASK 0x80FFFFFCu
#define PCI_ADDR_ENABLE 0x80000000u

/* PIIX3 reset control register bits. */
#define RCR_SYS_RESET 0x02 /* kept: type of reset (hard) */
#define RCR_RESET_CPU 0x04 /* 0 -> 1 resets */

/* Writable bits of the command register (QEMU's generic mask). */
#define PCI_COMMAND_WMASK                                                                          \
    (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR |                 \
     PCI_COMMAND_INTX_DISABLE)
/* Status bits that are write-1-to-clear: master data parity error,
 * signaled/received target abort, received master abort, signaled system
 * error, detected parity error. */
#define PCI_STATUS_W1C 0xF900u
/* Command register value the firmware leaves: I/O, memory, SERR. */
#define PCI_COMMAND_FIRMWARE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_SERR)

struct pci_func {
    struct dev_pci *pci;
    uint8_t devfn;
    uint8_t cfg[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];
    uint8_t w1c[PCI_CONFIG_SIZE];
    uint32_t bar_size[6]; /* 0 = no BAR */
    pci_written_fn written;
    void *opaque;
};

struct dev_pci {
    struct event_line reset;     /* 0xCF9 bit 2: pulse of the CPU reset line */
    uint32_t addr;               /* CONFIG_ADDRESS */
    uint8_t rcr;                 /* PIIX3 reset control */
    struct pci_func *funcs[256]; /* bus 0, by devfn */
};

static void put(uint8_t *p, unsigned off, unsigned len, uint32_t v)
{
    for (unsigned i = 0; i < len; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const uint8_t *p, unsigned off, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (uint32_t)p[off + i] << (8 * i);
    return v;
}

uint32_t pci_func_get(const struct pci_func *f, unsigned off, unsigned len)
{
    if (off >= PCI_CONFIG_SIZE || len > 4 || off + len > PCI_CONFIG_SIZE)
        return 0;
    return get(f->cfg, off, len);
}

void pci_func_init_reg(struct pci_func *f, unsigned off, unsigned len, uint32_t val, uint32_t wmask)
{
    if (off >= PCI_CONFIG_SIZE || len > 4 || off + len > PCI_CONFIG_SIZE)
        return;
    put(f->cfg, off, len, val);
    put(f->wmask, off, len, wmask);
    put(f->w1c, off, len, 0);
}

struct pci_func *pci_func_lookup(struct dev_pci *p, unsigned dev, unsigned fn)
{
    return p && dev < 32 && fn < 8 ? p->funcs[dev << 3 | fn] : NULL;
}

void pci_func_set_written(struct pci_func *f, pci_written_fn written, void *opaque)
{
    f->written = written;
    f->opaque = opaque;
}

uint16_t pci_func_command(const struct pci_func *f)
{
    return (uint16_t)get(f->cfg, PCI_COMMAND, 2);
}

int pci_func_io_bar(struct pci_func *f, unsigned bar, uint32_t size, uint32_t base)
{
    if (bar >= 6 || size < 4 || (size & (size - 1)))
        return XBT_EINVAL;
    f->bar_size[bar] = size;
    uint32_t mask = ~(size - 1) & ~3u;
    pci_func_init_reg(f, PCI_BAR0 + 4 * bar, 4, (base & mask) | PCI_BAR_IO, mask);
    return 0;
}

int32_t pci_func_io_bar_base(const struct pci_func *f, unsigned bar)
{
    if (bar >= 6 || !f->bar_size[bar] || !(pci_func_command(f) & PCI_COMMAND_IO))
        return -1;
    uint32_t base = get(f->cfg, PCI_BAR0 + 4 * bar, 4) & ~3u;
    if (base == 0 || (uint64_t)base + f->bar_size[bar] > 0x10000)
        return -1;
    return (int32_t)base;
}

int pci_func_add(struct dev_pci *p, unsigned dev, unsigned fn, const struct pci_func_desc *d,
                 pci_written_fn written, void *opaque, struct pci_func **out)
{
    if (!p || dev >= 32 || fn >= 8 || !d)
        return XBT_EINVAL;
    unsigned devfn = dev << 3 | fn;
    if (p->funcs[devfn])
        return XBT_EBUSY;
    struct pci_func *f = calloc(1, sizeof(*f));
    if (!f)
        return XBT_ENOMEM;
    f->pci = p;
    f->devfn = (uint8_t)devfn;
    f->written = written;
    f->opaque = opaque;
    put(f->cfg, PCI_VENDOR_ID, 2, d->vendor);
    put(f->cfg, PCI_DEVICE_ID, 2, d->device);
    put(f->cfg, PCI_COMMAND, 2, d->command);
    put(f->wmask, PCI_COMMAND, 2, PCI_COMMAND_WMASK);
    put(f->cfg, PCI_STATUS, 2, d->status);
    put(f->w1c, PCI_STATUS, 2, PCI_STATUS_W1C);
    put(f->cfg, PCI_REVISION, 1, d->revision);
    put(f->cfg, PCI_CLASS_PROG, 3, d->class_code);
    f->wmask[PCI_CACHE_LINE] = 0xFF;
    f->cfg[PCI_HEADER_TYPE] = d->header_type;
    f->wmask[PCI_INTERRUPT_LINE] = 0xFF;
    f->cfg[PCI_INTERRUPT_PIN] = d->int_pin;
    memset(f->wmask + PCI_DEVICE_SPECIFIC, 0xFF, PCI_CONFIG_SIZE - PCI_DEVICE_SPECIFIC);
    p->funcs[devfn] = f;
    if (out)
        *out = f;
    return 0;
}

uint32_t pci_config_read(struct dev_pci *p, unsigned bus, unsigned devfn, unsigned off,
                         unsigned len)
{
    uint32_t ones = len >= 4 ? UINT32_MAX : (UINT32_C(1) << (8 * len)) - 1;
    struct pci_func *f = bus == 0 && devfn < 256 ? p->funcs[devfn] : NULL;
    if (!f || off + len > PCI_CONFIG_SIZE)
        return ones;
    return get(f->cfg, off, len);
}

void pci_config_write(struct dev_pci *p, unsigned bus, unsigned devfn, unsigned off, unsigned len,
                      uint32_t val)
{
    struct pci_func *f = bus == 0 && devfn < 256 ? p->funcs[devfn] : NULL;
    if (!f || off + len > PCI_CONFIG_SIZE)
        return;
    for (unsigned i = 0; i < len; i++) {
        uint8_t v = (uint8_t)(val >> (8 * i)), w = f->wmask[off + i];
        uint8_t b = (uint8_t)((f->cfg[off + i] & ~w) | (v & w));
        f->cfg[off + i] = (uint8_t)(b & ~(v & f->w1c[off + i]));
    }
    if (f->written)
        f->written(f->opaque, off, len);
}

/* ---- ports -------------------------------------------------------------- */

static uint32_t pci_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct dev_pci *p = opaque;
    if (port == PCI_CONFIG_ADDRESS && size == 4)
        return p->addr;
    if (port == PCI_RESET_CONTROL && size == 1)
        return p->rcr;
    if (port < PCI_CONFIG_DATA || !(p->addr & PCI_ADDR_ENABLE))
        return UINT32_MAX;
    /* an access running past 0xCFF: only the bytes up to it are data */
    unsigned off = port & 3, len = size;
    if (off + len > 4)
        len = 4 - off;
    uint32_t v = pci_config_read(p, (p->addr >> 16) & 0xFF, (p->addr >> 8) & 0xFF,
                                 (p->addr & 0xFC) + off, len);
    if (len < size)
        v |= UINT32_MAX << (8 * len);
    return v;
}

static void pci_port_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    struct dev_pci *p = opaque;
    if (port == PCI_CONFIG_ADDRESS && size == 4) {
        p->addr = val & PCI_ADDR_MASK;
        return;
    }
    if (port == PCI_RESET_CONTROL && size == 1) {
        if ((val & RCR_RESET_CPU) && !(p->rcr & RCR_RESET_CPU))
            event_signal(&p->reset);
        p->rcr = (uint8_t)(val & RCR_SYS_RESET);
        return;
    }
    if (port < PCI_CONFIG_DATA || !(p->addr & PCI_ADDR_ENABLE))
        return;
    unsigned off = port & 3, len = size;
    if (off + len > 4)
        len = 4 - off;
    pci_config_write(p, (p->addr >> 16) & 0xFF, (p->addr >> 8) & 0xFF, (p->addr & 0xFC) + off, len,
                     val);
}

static const struct dev_port_ops pci_port_ops = {
    .read = pci_port_read,
    .write = pci_port_write,
};

/* ---- the chipset's own functions ----------------------------------------- */

/* i440FX PMC: host bridge, revision 02 (what QEMU's -M pc shows). */
static const struct pci_func_desc i440fx_desc = {
    .vendor = PCI_VENDOR_INTEL,
    .device = 0x1237,
    .class_code = 0x060000,
    .revision = 0x02,
    .header_type = 0x00,
    .command = PCI_COMMAND_FIRMWARE,
};
/* PIIX3 function 0: PCI-to-ISA bridge; multi-function (the IDE is fn 1);
 * status: DEVSEL medium timing. */
static const struct pci_func_desc piix3_isa_desc = {
    .vendor = PCI_VENDOR_INTEL,
    .device = 0x7000,
    .class_code = 0x060100,
    .revision = 0x00,
    .header_type = PCI_HEADER_MULTIFUNCTION,
    .command = PCI_COMMAND_FIRMWARE,
    .status = 0x0200,
};

/* PIIX3 ISA bridge registers with power-on values other than 0 (datasheet;
 * QEMU shows the same): ISA I/O recovery timer 4Dh, X-bus chip select
 * 03h, top of memory 02h, motherboard IRQ route disabled 80h, motherboard
 * DMA 0Ch 0Ch, programmable chip select 02h, SMI control 08h, SMI enable
 * 0Fh, and the PIRQ route registers 60h-63h at 80h (routing disabled;
 * the datasheet reserves bits 6:4, but QEMU keeps them as written, and so
 * does xbt). */
static const struct {
    uint8_t off, val, wmask;
} piix3_isa_regs[] = {
    { 0x4C, 0x4D, 0xFF }, { 0x4E, 0x03, 0xFF }, { 0x60, 0x80, 0xFF }, { 0x61, 0x80, 0xFF },
    { 0x62, 0x80, 0xFF }, { 0x63, 0x80, 0xFF }, { 0x69, 0x02, 0xFF }, { 0x70, 0x80, 0xFF },
    { 0x76, 0x0C, 0xFF }, { 0x77, 0x0C, 0xFF }, { 0x78, 0x02, 0xFF }, { 0xA0, 0x08, 0xFF },
    { 0xA8, 0x0F, 0xFF },
};

/* i440FX registers with power-on values other than 0: SMRAM 72h = 02h
 * (C_BASE_SEG: the SMRAM at 0xA0000, closed, not enabled; 82441FX
 * datasheet 3.2.23, QEMU's reset value).  The PAM registers 59h-5Fh are
 * pam.c's. */
#define I440FX_SMRAM 0x72
#define I440FX_SMRAM_RESET 0x02
#define PIIX3_PIRQ_ROUTE 0x60
#define PIIX3_PIRQ_DISABLE 0x80
#define PIIX3_PIRQ_IRQ 0x0F

int pci_piix3_pirq_irq(struct dev_pci *p, unsigned pirq)
{
    struct pci_func *isa = pci_func_lookup(p, 1, 0);
    if (!isa || pirq > 3)
        return -1;
    uint8_t r = (uint8_t)pci_func_get(isa, PIIX3_PIRQ_ROUTE + pirq, 1);
    unsigned irq = r & PIIX3_PIRQ_IRQ;
    /* IRQ0-2, 8 and 13 are reserved routings (datasheet 4.1.10) */
    if ((r & PIIX3_PIRQ_DISABLE) || irq < 3 || irq == 8 || irq == 13)
        return -1;
    return (int)irq;
}

int pci_intx_irq(struct dev_pci *p, unsigned dev, unsigned pin)
{
    if (pin < 1 || pin > 4 || dev == 0 || dev >= 32)
        return -1;
    return pci_piix3_pirq_irq(p, (pin - 1 + dev - 1) & 3);
}

struct dev_pci *dev_pci_create(struct io_bus *bus, struct event_line reset)
{
    struct dev_pci *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->reset = reset;
    struct pci_func *isa, *host;
    if (pci_func_add(p, 0, 0, &i440fx_desc, NULL, NULL, &host) ||
        pci_func_add(p, 1, 0, &piix3_isa_desc, NULL, NULL, &isa)) {
        dev_pci_destroy(p);
        return NULL;
    }
    for (size_t i = 0; i < XBT_ARRAY_SIZE(piix3_isa_regs); i++)
        pci_func_init_reg(isa, piix3_isa_regs[i].off, 1, piix3_isa_regs[i].val,
                          piix3_isa_regs[i].wmask);
    pci_func_init_reg(host, I440FX_SMRAM, 1, I440FX_SMRAM_RESET, 0xFF);
    if (bus) {
        int err = bus_register_ports(bus, PCI_CONFIG_ADDRESS, PCI_NPORTS, &pci_port_ops, p);
        if (err < 0) {
            xbt_error("pci: cannot claim ports 0xCF8-0xCFF: %s", xbt_strerror(err));
            dev_pci_destroy(p);
            return NULL;
        }
    }
    return p;
}

void dev_pci_destroy(struct dev_pci *p)
{
    if (!p)
        return;
    for (int i = 0; i < 256; i++)
        free(p->funcs[i]);
    free(p);
}
