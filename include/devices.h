/*
 * devices.h - the device models of the PC-like board and the host console.
 * Each device registers itself on the I/O bus (bus.h) and talks to the rest
 * of the machine only through the lines it is given (lines.h: interrupt
 * requests, wake-up, reset and stop requests): no device knows the
 * machine, so a unit test links a device alone.
 */
#ifndef XBT_DEVICES_H
#define XBT_DEVICES_H

#include "apic.h"
#include "bus.h"
#include "lines.h"

struct mmu;

/* ---- 16550A UART (COM1 at 0x3F8, IRQ4) --------------------------------- */
struct dev_uart;
struct dev_uart_stats {
    uint64_t tx_bytes, rx_bytes, rx_overruns;
};
/* Transmitted bytes go to out_fd.  Received bytes come from
 * dev_uart_receive() (the console feeds it), which signals wake. */
struct dev_uart *dev_uart_create(struct io_bus *bus, uint16_t base, struct irq_line irq,
                                 struct event_line wake, int out_fd);
void dev_uart_destroy(struct dev_uart *u);
/* Queues bytes in the receive FIFO (thread-safe).  Returns bytes accepted. */
size_t dev_uart_receive(struct dev_uart *u, const uint8_t *buf, size_t len);
const struct dev_uart_stats *dev_uart_stats(const struct dev_uart *u);

/* ---- debug ports -------------------------------------------------------- */
/* isa-debug-exit at port base (0xF4, 4 ports): writing V signals stop
 * with STOP_DEBUG_EXIT and status (V << 1) | 1, as QEMU's isa-debug-exit
 * ends its run.  NULL if the ports are taken or memory is short. */
struct dev_debug_exit;
struct dev_debug_exit *dev_debug_exit_create(struct io_bus *bus, uint16_t base,
                                             struct stop_line stop);
void dev_debug_exit_destroy(struct dev_debug_exit *d);
/* Bochs/QEMU 0xE9 debug console: bytes written go to out_fd; reads return
 * 0xE9 (the Bochs "port e9 hack" presence check). */
int dev_debugcon_create(struct io_bus *bus, uint16_t port, int out_fd);

/* ---- host console --------------------------------------------------------- */
/* Puts the terminal on in_fd into raw mode if it is a terminal (restored by
 * console_stop() and on exit), and starts a thread that reads in_fd and feeds
 * the UART.  Ctrl-A X signals stop (STOP_USER); Ctrl-A Ctrl-A sends one
 * Ctrl-A; Ctrl-A H prints help.  When in_fd is not a terminal the bytes are
 * passed through unchanged except the same Ctrl-A escapes. */
struct console;
struct console *console_start(int in_fd, struct dev_uart *uart, struct stop_line stop);
/* The same terminal handling, but the input is typed on the PS/2 keyboard
 * behind the i8042 (terminal bytes and escape sequences become key
 * presses, vga.h kbd_input_feed) instead of going to a UART. */
struct dev_i8042;
struct console *console_start_keyboard(int in_fd, struct dev_i8042 *kbc, struct stop_line stop);
void console_stop(struct console *c);

/* ==== PC platform: PIC, PIT, RTC, keyboard controller, port 0x80 ========= */
/* Threading, for whoever wires these: every port access and every timer
 * callback runs on the vCPU thread.  Only the PIC is also called from other
 * threads (dev_pic_set_irq through an irq_line, e.g. by the UART from the
 * console thread); it has its own mutex and calls nothing while holding
 * it.  The i8042 also takes key events from the console thread (its own
 * mutex).  The PIT, RTC and port 0x80 take no locks.  The bus cannot
 * unregister ports: destroy a device only once no more I/O can reach it,
 * and destroy the PIT and RTC (their timers) before their clock. */
struct xclock;

/* 8259A pair: master 0x20/0x21 (IRQ0-7), slave 0xA0/0xA1 (IRQ8-15) on
 * master IR2.  Power-on state as a PC BIOS leaves it: vectors 0x08/0x70, all
 * lines masked except the cascade (master IMR 0xFB, slave IMR 0xFF). */
struct dev_pic;
struct dev_pic *dev_pic_create(struct io_bus *bus, struct event_line intr);
void dev_pic_destroy(struct dev_pic *p);
/* Drives input irq (0-15) to level; edge-triggered: a 0->1 transition
 * latches a request.  Thread-safe.  Signals intr when the output rises. */
void dev_pic_set_irq(struct dev_pic *p, int irq, int level);
/* An irq_line whose irq_set() calls dev_pic_set_irq(p, irq, level). */
struct irq_line dev_pic_irq_line(struct dev_pic *p, int irq);
/* The INT output: an unmasked request outranks everything in service.
 * Lock-free (an atomic load): poll it at unit boundaries and take the
 * interrupt when EFLAGS.IF = 1. */
bool dev_pic_pending(struct dev_pic *p);
/* The PIIX3 ELCR at 0x4D0/0x4D1 (ELCR2 << 8 | ELCR1): IRQs whose bit is
 * set are level-triggered (IRQ0-2, 8 and 13 never are).  0 at power-on. */
uint16_t dev_pic_elcr(struct dev_pic *p);
void dev_pic_set_elcr(struct dev_pic *p, uint16_t elcr);
/* ELCR bytes written (the board's and the guest's). */
uint64_t dev_pic_elcr_writes(struct dev_pic *p);
/* INTA: returns the vector (IRR -> ISR, cascade handled); if the request
 * vanished, the spurious vector master base + 7 (or slave base + 7, with
 * master IR2 left in service).  vCPU thread. */
int dev_pic_ack(struct dev_pic *p);

/* The INT output as the CPU's interrupt source: dev_pic_pending and
 * dev_pic_ack (the INTR pin without a local APIC, or the local APIC's
 * LINT0). */
struct intr_source dev_pic_intr_source(struct dev_pic *p);

/* 8254 PIT at 0x40-0x43 and port 0x61 (channel 2 gate/speaker, OUT2 and
 * refresh-toggle status).  Counters are computed from clk when read;
 * channel 0 raises and lowers irq0 once per OUT event via an xtimer. */
struct dev_pit;
struct dev_pit *dev_pit_create(struct io_bus *bus, struct xclock *clk, struct irq_line irq0);
void dev_pit_destroy(struct dev_pit *p);

/* MC146818 RTC + 128-byte CMOS at 0x70/0x71.  Time is xclock_epoch(clk) +
 * xclock_ns(clk) (UTC) until the guest sets it; ram_size fills the CMOS
 * memory-size bytes.  irq8 is raised when register C's IRQF sets and
 * lowered when C is read. */
struct dev_rtc;
struct dev_rtc *dev_rtc_create(struct io_bus *bus, struct xclock *clk, struct irq_line irq8,
                               uint32_t ram_size);
void dev_rtc_destroy(struct dev_rtc *r);
/* Board data in the CMOS storage bytes 0x0E-0x7F (others are ignored),
 * the checksum at 0x2E/0x2F recomputed: what the machine's firmware
 * configuration puts there before the guest runs. */
void dev_rtc_cmos_set(struct dev_rtc *r, unsigned index, uint8_t value);
/* A CMOS byte as stored (0xFF beyond 127). */
uint8_t dev_rtc_cmos_get(const struct dev_rtc *r, unsigned index);
/* Bit 7 of the last write to port 0x70 (stored only: xbt has no NMIs). */
bool dev_rtc_nmi_masked(const struct dev_rtc *r);

/* i8042 keyboard controller at 0x60/0x64 with a PS/2 mouse on its AUX
 * port and no keyboard until one is attached; irq1 and irq12 are raised while a keyboard or AUX
 * byte waits in the output buffer (as the command byte enables).  Command
 * 0xFE (any 0xF0-0xFF with bit 0 clear) or an output-port write with bit 0
 * clear signals reset. */
struct dev_i8042;
struct dev_i8042 *dev_i8042_create(struct io_bus *bus, struct event_line reset,
                                   struct irq_line irq1, struct irq_line irq12);
void dev_i8042_destroy(struct dev_i8042 *k);
/* Plugs a PS/2 keyboard into the keyboard port (ps2_kbd.c; the board does
 * when it has a VGA, as a PC with a display has a keyboard). */
void dev_i8042_attach_keyboard(struct dev_i8042 *k);
/* A key pressed and released (vga.h), from any thread: its scancodes are
 * queued for the guest (IRQ1): 0; XBT_EBUSY if the keyboard's queue has
 * no room now (nothing queued: try again after the guest read some);
 * XBT_EUNSUP if there is no keyboard or its scanning is off (the key is
 * dropped and counted). */
struct kbd_event;
int dev_i8042_key(struct dev_i8042 *k, struct kbd_event ev);
struct dev_i8042_stats {
    uint64_t keys;         /* key events queued for the guest */
    uint64_t keys_dropped; /* key events dropped (no keyboard, scanning off) */
};
const struct dev_i8042_stats *dev_i8042_stats(const struct dev_i8042 *k);

/* The A20 gate output of the output port (bit 1): signalled with the
 * new level whenever a command (0xD1 write, 0xDD, 0xDF) changes it; it is
 * 1 at power-on (no signal then).  Unconnected until set. */
void dev_i8042_set_a20_line(struct dev_i8042 *k, struct level_line a20);
/* The output port's A20 bit. */
bool dev_i8042_a20(const struct dev_i8042 *k);

/* Port 0x92, System Control Port A of the PIIX3 (the "fast A20" port):
 * bit 1 drives a20 (signalled on every write), a 0 -> 1 write of bit 0
 * pulses reset (the fast reset; the bit reads back set until written 0);
 * the other bits are stored and read back, as QEMU's port92 does.
 * initial is the power-on value (0 on a PC; xbt's direct kernel boots
 * start with 0x02, as the firmware leaves it). */
struct dev_port92;
struct dev_port92_stats {
    uint64_t writes, a20_changes, resets;
};
struct dev_port92 *dev_port92_create(struct io_bus *bus, struct event_line reset,
                                     struct level_line a20, uint8_t initial);
void dev_port92_destroy(struct dev_port92 *d);
uint8_t dev_port92_value(const struct dev_port92 *d);
const struct dev_port92_stats *dev_port92_stats(const struct dev_port92 *d);

/* Port 0x80 (POST code / I/O delay): writes are swallowed, reads return the
 * last value written. */
struct dev_port80;
struct dev_port80 *dev_port80_create(struct io_bus *bus);
void dev_port80_destroy(struct dev_port80 *d);
/* The last byte written (the guest's last POST code). */
uint8_t dev_port80_last(const struct dev_port80 *d);

/* ACPI PM fixed hardware (PIIX4 PM layout, include/acpi.h) at ports
 * [base, base + ACPI_PM_LEN): PM1a_EVT (PM1_STS write-1-to-clear, PM1_EN),
 * PM1a_CNT (SCI_EN set at power-on; SLP_EN with SLP_TYP S5 or S4 signals
 * stop with STOP_POWEROFF and XBT_STATUS_POWEROFF; other types return at
 * once with WAK_STS set) and the 24-bit PM timer at 3.579545 MHz of clk's
 * time.  sci is driven as a level: SCI_EN and an enabled status bit. */
struct dev_acpi_pm;
struct dev_acpi_pm_stats {
    uint64_t timer_reads;    /* accesses that read PM_TMR */
    uint64_t timer_carries;  /* changes of timer bit 23 (TMR_STS events) */
    uint64_t scis;           /* SCI raised (0 -> 1) */
    uint64_t sleep_requests; /* SLP_EN writes */
    uint64_t poweroffs;      /* of them, S5 or S4: the machine powered off */
    uint64_t power_button;   /* power button presses */
};
struct dev_acpi_pm *dev_acpi_pm_create(struct io_bus *bus, struct xclock *clk, uint16_t base,
                                       struct irq_line sci, struct stop_line stop);
void dev_acpi_pm_destroy(struct dev_acpi_pm *pm);
/* Presses the fixed-feature power button: PWRBTN_STS (SCI if PWRBTN_EN).
 * vCPU thread. */
void dev_acpi_pm_power_button(struct dev_acpi_pm *pm);
const struct dev_acpi_pm_stats *dev_acpi_pm_stats(const struct dev_acpi_pm *pm);
/* ==== I/O APIC: 82093AA (src/devices/ioapic.c) ============================ */
/* 24 interrupt inputs, each with a redirection entry that turns it into
 * an APIC bus message on out (apic.h): at base (4 KiB: IOREGSEL at +0,
 * IOWIN at +0x10), with the given APIC ID.  Power-on state: every entry
 * masked.  Inputs come from any thread (dev_ioapic_set_irq, irq lines);
 * register accesses and EOIs from the vCPU thread; it has its own mutex
 * and calls out with it held (the lock order is I/O APIC -> local APIC;
 * the local APIC never calls the I/O APIC with its lock held). */
#define IOAPIC_PINS 24
struct dev_ioapic;
struct dev_ioapic_stats {
    uint64_t messages;     /* interrupt messages sent */
    uint64_t edges_masked; /* edges ignored on masked edge-triggered pins */
    uint64_t eois;         /* EOIs that cleared a remote IRR */
    uint64_t redeliveries; /* level pins still asserted at their EOI: sent again */
};
struct dev_ioapic *dev_ioapic_create(struct io_bus *bus, uint32_t base, uint8_t id,
                                     struct apic_msg_line out);
void dev_ioapic_destroy(struct dev_ioapic *io);
/* Drives input pin (0-23) to level (1: high).  Thread-safe. */
void dev_ioapic_set_irq(struct dev_ioapic *io, int pin, int level);
/* An EOI broadcast from a local APIC for vector (level-triggered). */
void dev_ioapic_eoi(struct dev_ioapic *io, int vector);
struct apic_eoi_line dev_ioapic_eoi_line(struct dev_ioapic *io);
const struct dev_ioapic_stats *dev_ioapic_stats(const struct dev_ioapic *io);

/* ==== PCI: configuration mechanism #1, bus 0 (src/devices/pci.c) ======== */
/* Ports 0xCF8 (CONFIG_ADDRESS, dword only) and 0xCFC-0xCFF (CONFIG_DATA,
 * byte/word/dword), and the PIIX3 reset control register 0xCF9 (setting
 * bit 2 signals reset).  Bus 0 holds the i440FX
 * host bridge 00:00.0 and the PIIX3 ISA bridge 00:01.0; device models add
 * functions.  vCPU thread only. */
#define PCI_CONFIG_SIZE 256
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09 /* prog-if, subclass, class: 3 bytes */
#define PCI_CACHE_LINE 0x0C
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D
#define PCI_DEVICE_SPECIFIC 0x40
#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_BAR_IO 0x1
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_VENDOR_INTEL 0x8086

struct dev_pci;
struct pci_func;
struct dev_pci *dev_pci_create(struct io_bus *bus, struct event_line reset);
void dev_pci_destroy(struct dev_pci *p);

/* The identity and power-on state of a function. */
struct pci_func_desc {
    uint16_t vendor, device;
    uint32_t class_code; /* class << 16 | subclass << 8 | prog-if */
    uint8_t revision, header_type, int_pin;
    uint16_t command, status; /* as the firmware leaves them */
};
/* Called after every guest write to config bytes [off, off + len). */
typedef void (*pci_written_fn)(void *opaque, unsigned off, unsigned len);
/* Adds function dev.fn on bus 0 (out, if not NULL, gets it); XBT_EBUSY if
 * taken.  The function lives until dev_pci_destroy(). */
int pci_func_add(struct dev_pci *p, unsigned dev, unsigned fn, const struct pci_func_desc *d,
                 pci_written_fn written, void *opaque, struct pci_func **out);
/* Declares BAR `bar` (0-5) an I/O BAR of `size` ports (a power of two, at
 * least 4) at `base` (0: unassigned). */
int pci_func_io_bar(struct pci_func *f, unsigned bar, uint32_t size, uint32_t base);
/* The function dev.fn on bus 0, or NULL. */
struct pci_func *pci_func_lookup(struct dev_pci *p, unsigned dev, unsigned fn);
/* Replaces the function's written callback (a board part that owns some of
 * its registers, such as the PAM of the host bridge). */
void pci_func_set_written(struct pci_func *f, pci_written_fn written, void *opaque);
/* The ISA IRQ the PIIX3 routes PIRQ pirq (0-3: A-D) to through its
 * registers 0x60-0x63, or -1 (routing disabled, or a reserved IRQ). */
int pci_piix3_pirq_irq(struct dev_pci *p, unsigned pirq);
/* The ISA IRQ of INTx pin `pin` (1-4: INTA-INTD) of device dev on bus 0:
 * the PIIX3's swizzle, PIRQ (dev - 1 + pin - 1) mod 4 (as QEMU's piix3),
 * or -1. */
int pci_intx_irq(struct dev_pci *p, unsigned dev, unsigned pin);
/* The I/O base the BAR decodes, or -1 (I/O space disabled, base 0, or
 * beyond 64 KiB). */
int32_t pci_func_io_bar_base(const struct pci_func *f, unsigned bar);
uint16_t pci_func_command(const struct pci_func *f);
/* Config bytes [off, off + len), len <= 4, little endian. */
uint32_t pci_func_get(const struct pci_func *f, unsigned off, unsigned len);
/* Sets a device-specific register's power-on value and writable bits. */
void pci_func_init_reg(struct pci_func *f, unsigned off, unsigned len, uint32_t val,
                       uint32_t wmask);
/* Configuration cycles as CONFIG_DATA makes them (len 1, 2 or 4 within a
 * dword); a missing function reads all ones. */
uint32_t pci_config_read(struct dev_pci *p, unsigned bus, unsigned devfn, unsigned off,
                         unsigned len);
void pci_config_write(struct dev_pci *p, unsigned bus, unsigned devfn, unsigned off, unsigned len,
                      uint32_t val);

/* ==== i440FX PAM: the shadow areas 0xC0000-0xFFFFF (src/devices/pam.c) == */
/* Takes over the PAM registers 0x59-0x5F of the host bridge 00:00.0 (power-
 * on value `initial` in every nibble: 0x00 on a PC, all reads from ROM;
 * 0x33 for xbt's direct kernel boots, all DRAM) and steers the thirteen
 * segments through the MMU's shadow-ROM pages.  The ROM side at
 * 0xE0000-0xFFFFF is the last 128 KiB of bios (NULL: none, reads 0xFF;
 * the image stays the caller's and must outlive the device); 0xC0000-
 * 0xDFFFF reads 0 there.  NULL if the machine has less than 1 MiB of RAM. */
struct dev_pam;
struct dev_pam_stats {
    uint64_t changes;        /* segments whose mapping changed */
    uint64_t shadow_writes;  /* bytes written to DRAM while reads come from ROM */
    uint64_t dropped_writes; /* bytes written to write-protected segments */
};
struct dev_pam *dev_pam_create(struct dev_pci *pci, struct mmu *mmu, const uint8_t *bios,
                               uint32_t bios_size, uint8_t initial);
void dev_pam_destroy(struct dev_pam *pam);
const struct dev_pam_stats *dev_pam_stats(const struct dev_pam *pam);

/* ==== ROM outside RAM (src/devices/rom.c) ================================ */
/* Maps data[0, size) read-only at guest-physical base as an MMIO range
 * (the BIOS flash: base = 4 GiB - size); writes are dropped.  data stays
 * the caller's. */
struct dev_rom;
struct dev_rom *dev_rom_create(struct io_bus *bus, uint32_t base, const uint8_t *data,
                               uint32_t size);
void dev_rom_destroy(struct dev_rom *r);
/* The bytes of [addr, addr + len) if the ROM holds all of them, else NULL
 * (for fetching code from the flash). */
const uint8_t *dev_rom_ptr(const struct dev_rom *r, uint32_t addr, uint32_t len);
uint64_t dev_rom_dropped_writes(const struct dev_rom *r);

/* ==== raw disk images (src/devices/disk_image.c) ========================== */
#define DISK_SECTOR_SIZE 512u
struct disk_image;
/* Opens path as a raw image (regular file or block device), size rounded
 * down to whole sectors: read-write and locked against every other user,
 * or with DISK_READONLY read-only and locked only against writers (shared
 * with other read-only users).  A file without write permission is
 * refused for read-write use, even for root (whose open would succeed):
 * its mode says it must not change.  On failure writes one line ("PATH:
 * reason") to err and returns a negative code: missing file, directory,
 * other special file, empty or shorter than one sector, locked,
 * unreadable, read-only without DISK_READONLY (XBT_EUNSUP).
 * DISK_SNAPSHOT (without DISK_READONLY, which wins): the file is opened
 * read-only with the shared lock and never modified; writes go to a
 * private overlay (an unlinked sparse file in $TMPDIR, default /var/tmp,
 * and a bitmap of its sectors) that reads see, and which is gone at
 * disk_image_close or exit; flush does nothing.  The overlay's creation
 * can fail (XBT_EIO: the directory; XBT_ENOMEM: the bitmap). */
#define DISK_READONLY 1u
#define DISK_SNAPSHOT 2u
int disk_image_open(struct disk_image **out, const char *path, unsigned flags, char *err,
                    size_t errlen);
bool disk_image_readonly(const struct disk_image *d);
/* Whether the guest's writes go to a --snapshot overlay. */
bool disk_image_snapshot(const struct disk_image *d);
void disk_image_close(struct disk_image *d);
uint64_t disk_image_sectors(const struct disk_image *d);
const char *disk_image_path(const struct disk_image *d);
/* Whole sectors; XBT_ERANGE outside the image, XBT_EIO on host errors;
 * writes to a read-only image: XBT_EUNSUP (nothing written). */
int disk_image_read(struct disk_image *d, uint64_t lba, uint32_t count, void *buf);
int disk_image_write(struct disk_image *d, uint64_t lba, uint32_t count, const void *buf);
int disk_image_flush(struct disk_image *d);

/* ==== PIIX3 IDE: ATA channels and bus-master DMA (src/devices/ide*.c) === */
/* PCI function 00:01.1 (8086:7010, class 01:01:80) in legacy mode: the
 * primary channel at 0x1F0-0x1F7 / 0x3F6 on IRQ14 with `master` (NULL:
 * no drive), the secondary at 0x170-0x177 / 0x376 on IRQ15 without
 * drives, and the bus-master registers behind BAR4 (16 ports).  DMA moves
 * data with mmu_dma_read/mmu_dma_write on mmu (which may be NULL in unit
 * tests that do no DMA).  The image stays the caller's.  vCPU thread. */
struct dev_ide;
struct dev_ide_stats {
    uint64_t commands;        /* ATA commands a drive accepted */
    uint64_t errors;          /* commands ended with ERR (aborted) */
    uint64_t sectors_read;    /* sectors read from the image (PIO + DMA) */
    uint64_t sectors_written; /* sectors written to the image (PIO + DMA) */
    uint64_t pio_bytes;       /* bytes through the data register */
    uint64_t dma_transfers;   /* bus-master transfers finished (or failed) */
    uint64_t dma_bytes;       /* bytes the bus master moved to/from memory */
    uint64_t prd_entries;     /* PRD table entries fetched */
    uint64_t flushes;         /* FLUSH CACHE (EXT) */
    uint64_t irqs;            /* interrupt requests raised (INTRQ edges) */
};
/* Default I/O base of BAR4 (what the firmware assigns under QEMU -M pc). */
#define IDE_BM_DEFAULT_BASE 0xC000
struct dev_ide *dev_ide_create(struct io_bus *bus, struct dev_pci *pci, struct mmu *mmu,
                               struct irq_line irq14, struct irq_line irq15,
                               struct disk_image *master);
void dev_ide_destroy(struct dev_ide *d);
const struct dev_ide_stats *dev_ide_stats(const struct dev_ide *d);

/* ==== QEMU fw_cfg (src/devices/fw_cfg.c) ================================== */
/* The firmware configuration device of QEMU's i386 machine at 0x510
 * (selector, word writes) / 0x511 (data, byte reads) and, when mmu is not
 * NULL, its DMA interface at 0x514-0x51B (control structures in guest RAM
 * through mmu_dma_read/write).  Created with the signature "QEMU", the ID
 * (traditional, DMA) and a zero UUID; the board adds the rest.  Unknown
 * keys and bytes past an item's end read 0.  vCPU thread. */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_NUMA 0x0D
#define FW_CFG_BOOT_MENU 0x0E
#define FW_CFG_MAX_CPUS 0x0F
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_ACPI_TABLES 0x8000
#define FW_CFG_SMBIOS_ENTRIES 0x8001
#define FW_CFG_IRQ0_OVERRIDE 0x8002
#define FW_CFG_E820_TABLE 0x8003
#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA 0x02
/* A directory entry: be32 size, be16 key, be16 reserved, name[56]. */
#define FW_CFG_DIR_ENTRY 64
#define FW_CFG_NAME_LEN 56
/* Tunable: files the device holds.  Policy: QEMU gives SeaBIOS about 15;
 * keys 0x20-0x3F. */
#define FW_CFG_MAX_FILES 32
struct dev_fw_cfg;
struct dev_fw_cfg_stats {
    uint64_t selects;         /* selector writes (port or DMA) */
    uint64_t unknown_selects; /* of them, keys with no item (read as zeros) */
    uint64_t data_reads;      /* bytes read through the data port */
    uint64_t dma_transfers;   /* DMA control structures run */
    uint64_t dma_bytes;       /* bytes DMA read into guest memory */
    uint64_t dma_errors;      /* transfers ended with ERROR */
};
struct dev_fw_cfg *dev_fw_cfg_create(struct io_bus *bus, struct mmu *mmu);
void dev_fw_cfg_destroy(struct dev_fw_cfg *fc);
/* Sets item key (a copy of data); XBT_EINVAL for a key out of range. */
int fw_cfg_add_bytes(struct dev_fw_cfg *fc, uint16_t key, const void *data, uint32_t len);
/* Little-endian integers, as QEMU's fw_cfg_add_i16/i32/i64. */
int fw_cfg_add_i16(struct dev_fw_cfg *fc, uint16_t key, uint16_t v);
int fw_cfg_add_i32(struct dev_fw_cfg *fc, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct dev_fw_cfg *fc, uint16_t key, uint64_t v);
/* Adds a named file (name shorter than 56 bytes) at the next key from
 * 0x20 and rebuilds the directory; XBT_EBUSY for a name already there,
 * XBT_ERANGE when full. */
int fw_cfg_add_file(struct dev_fw_cfg *fc, const char *name, const void *data, uint32_t len);
/* What the ports do: select an item (offset 0), read its next byte. */
void fw_cfg_select(struct dev_fw_cfg *fc, uint16_t key);
uint8_t fw_cfg_read_byte(struct dev_fw_cfg *fc);
const struct dev_fw_cfg_stats *dev_fw_cfg_stats(const struct dev_fw_cfg *fc);

#endif
