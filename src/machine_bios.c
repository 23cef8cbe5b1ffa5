/*
 * machine_bios.c - the board as PC firmware sees it, laid out like QEMU's
 * -machine pc so that SeaBIOS runs on it as it does there: the fw_cfg
 * device with the items and files QEMU gives (src/firmware/pcfw.c makes
 * their contents; the ACPI tables go as QEMU's table-loader files), the CMOS bytes of QEMU's pc_cmos_init, the i440FX PAM
 * over 0xC0000-0xFFFFF, the BIOS image at the top of 4 GiB, port 0x92
 * and the A20 line, and the PCI interrupt routing and ELCR.
 *
 * Two starting states.  Booting through the BIOS (cfg.bios_boot), the
 * board is as at power-on: PAM 0 (reads from ROM), port 0x92 = 0, the
 * PIRQ routing off, ELCR 0.  xbt's direct kernel boots start where SeaBIOS
 * leaves a kernel under QEMU: PAM 0x33 everywhere except what the firmware
 * write-protects, port 0x92 = 0x02 (A20 through it), PIRQA-D routed to
 * IRQ 10, 10, 11, 11 and ELCR 0x0C00 (those two level-triggered).
 */
#include <string.h>

#include "acpi.h"
#include "cpu.h"
#include "devices.h"
#include "machine.h"
#include "pcfw.h"

/* Tunable: etc/boot-fail-wait, ms (QEMU's -boot reboot-timeout=-1 by
 * default: SeaBIOS says "No bootable device." and does not retry). */
#define BIOS_BOOT_FAIL_WAIT 0xFFFFFFFFu
/* The serial console SeaBIOS mirrors its text console to. */
#define BIOS_SERCON_PORT 0x3F8
/* What SeaBIOS leaves under QEMU (pciinit.c piix_isa_bridge_setup). */
static const uint8_t firmware_pirq[4] = { 10, 10, 11, 11 };
#define FIRMWARE_ELCR 0x0C00
#define FIRMWARE_PORT92 0x02
#define FIRMWARE_SMRAM 0x0A
static const uint8_t firmware_pam[7] = { 0x10, 0x11, 0x11, 0x11, 0x11, 0x11, 0x33 };

/* ---- A20 ---- */

/* The board's A20 line drives the CPU's address mask. */
static void on_cpu_a20(void *opaque, int level)
{
    vcpu_set_a20(opaque, level != 0);
}

static void a20_update(struct machine *m, bool before)
{
    bool now = machine_a20(m);
    if (now != before)
        level_set(&m->a20_hook, now);
}

static void on_a20_kbc(void *opaque, int level)
{
    struct machine *m = opaque;
    bool before = machine_a20(m);
    m->a20_kbc = level;
    a20_update(m, before);
}

static void on_a20_port92(void *opaque, int level)
{
    struct machine *m = opaque;
    bool before = machine_a20(m);
    m->a20_port92 = level;
    a20_update(m, before);
}

bool machine_a20(const struct machine *m)
{
    return m->a20_kbc || m->a20_port92;
}

void machine_set_a20_hook(struct machine *m, struct level_line hook)
{
    m->a20_hook = hook;
    level_set(&m->a20_hook, machine_a20(m));
}

/* ---- fw_cfg and CMOS ---- */

static int add_fw_cfg_items(struct machine *m, const struct pcfw_config *pc)
{
    struct dev_fw_cfg *fc = m->fw_cfg;
    uint8_t e820[PCFW_E820_ENTRY], zero[16] = { 0 };
    uint32_t e820_len = pcfw_e820(pc, e820, sizeof(e820));
    uint8_t le_port[2] = { BIOS_SERCON_PORT & 0xFF, BIOS_SERCON_PORT >> 8 };
    uint8_t fail_wait[4];
    for (int i = 0; i < 4; i++)
        fail_wait[i] = (uint8_t)(BIOS_BOOT_FAIL_WAIT >> (8 * i));
    int rc = fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, m->ram_size);
    rc = rc ? rc : fw_cfg_add_i16(fc, FW_CFG_NOGRAPHIC, 1);
    rc = rc ? rc : fw_cfg_add_i16(fc, FW_CFG_NB_CPUS, 1);
    rc = rc ? rc : fw_cfg_add_i16(fc, FW_CFG_MAX_CPUS, 1);
    rc = rc ? rc : fw_cfg_add_i16(fc, FW_CFG_BOOT_MENU, 0);
    /* NUMA: no nodes, then one zero per possible CPU */
    rc = rc ? rc : fw_cfg_add_bytes(fc, FW_CFG_NUMA, zero, 16);
    rc = rc ? rc : fw_cfg_add_i16(fc, FW_CFG_ACPI_TABLES, 0);
    rc = rc ? rc : fw_cfg_add_i16(fc, FW_CFG_SMBIOS_ENTRIES, 0);
    rc = rc ? rc : fw_cfg_add_i32(fc, FW_CFG_IRQ0_OVERRIDE, 1);
    rc = rc ? rc : fw_cfg_add_i32(fc, FW_CFG_E820_TABLE, 0); /* no reserved entries */
    rc = rc ? rc : fw_cfg_add_file(fc, "bootorder", "", 0);
    rc = rc ? rc : fw_cfg_add_file(fc, "etc/boot-fail-wait", fail_wait, 4);
    rc = rc ? rc : fw_cfg_add_file(fc, "etc/e820", e820, e820_len);
    if (!rc && m->cfg.sercon)
        rc = fw_cfg_add_file(fc, "etc/sercon-port", le_port, 2);
    return rc;
}

/* xbt's ACPI tables for the BIOS: QEMU's etc/table-loader, etc/acpi/tables
 * and etc/acpi/rsdp, so SeaBIOS installs them instead of building its own
 * (which need a PIIX4 PM function xbt does not have). */
static int add_acpi_files(struct machine *m)
{
    struct acpi_config acpi;
    struct acpi_fw_files f;
    machine_acpi_config(m, &acpi);
    int rc = acpi_build_fw_files(&acpi, &f);
    if (rc)
        return rc;
    rc = fw_cfg_add_file(m->fw_cfg, ACPI_FILE_TABLES, f.tables, f.tables_len);
    rc = rc ? rc : fw_cfg_add_file(m->fw_cfg, ACPI_FILE_RSDP, f.rsdp, f.rsdp_len);
    rc = rc ? rc : fw_cfg_add_file(m->fw_cfg, ACPI_FILE_LOADER, f.loader, f.loader_len);
    acpi_fw_files_free(&f);
    return rc;
}

static void set_cmos(struct machine *m, const struct pcfw_config *pc)
{
    struct pcfw_cmos_byte b[PCFW_CMOS_MAX];
    int n = pcfw_cmos(pc, b);
    for (int i = 0; i < n; i++)
        dev_rtc_cmos_set(m->rtc, b[i].index, b[i].value);
}

/* The chipset as the firmware leaves it (direct boots): PIRQ routing,
 * ELCR, SMRAM and the PAM, written as the firmware writes them. */
static void firmware_chipset_state(struct machine *m)
{
    for (unsigned i = 0; i < 4; i++)
        pci_config_write(m->pci, 0, 1 << 3, 0x60 + i, 1, firmware_pirq[i]);
    dev_pic_set_elcr(m->pic, FIRMWARE_ELCR);
    pci_config_write(m->pci, 0, 0, 0x72, 1, FIRMWARE_SMRAM);
    for (unsigned i = 0; i < 7; i++)
        pci_config_write(m->pci, 0, 0, 0x59 + i, 1, firmware_pam[i]);
}

int machine_bios_create(struct machine *m)
{
    const struct bios_image *bios = m->cfg.bios;
    bool power_on = m->cfg.bios_boot;
    struct pcfw_config pc = { .ram_size = m->ram_size, .ncpus = 1, .boot = "cad" };
    m->a20_kbc = dev_i8042_a20(m->kbc);
    dev_i8042_set_a20_line(m->kbc, (struct level_line){ on_a20_kbc, m });
    uint8_t p92 = power_on ? 0 : FIRMWARE_PORT92;
    m->a20_port92 = p92 & 0x02;
    machine_set_a20_hook(m, (struct level_line){ on_cpu_a20, m->cpu });
    m->port92 = dev_port92_create(m->bus, machine_reset_line(m),
                                  (struct level_line){ on_a20_port92, m }, p92);
    m->fw_cfg = dev_fw_cfg_create(m->bus, &m->mmu);
    if (!m->port92 || !m->fw_cfg)
        return XBT_ENOMEM;
    int rc = add_fw_cfg_items(m, &pc);
    if (rc == 0)
        rc = add_acpi_files(m);
    if (rc)
        return rc;
    set_cmos(m, &pc);
    if (bios) {
        m->bios_rom = dev_rom_create(m->bus, (uint32_t)((UINT64_C(1) << 32) - bios->size),
                                     bios->data, bios->size);
        if (!m->bios_rom)
            return XBT_EBUSY;
        mmu_set_flash(&m->mmu, (uint32_t)((UINT64_C(1) << 32) - bios->size), bios->data,
                      bios->size);
    }
    m->pam = dev_pam_create(m->pci, &m->mmu, bios ? bios->data : NULL, bios ? bios->size : 0,
                            power_on ? 0x00 : 0x33);
    if (!m->pam)
        return XBT_ENOMEM;
    if (!power_on)
        firmware_chipset_state(m);
    return 0;
}

void machine_bios_destroy(struct machine *m)
{
    dev_rom_destroy(m->bios_rom);
    dev_pam_destroy(m->pam);
    dev_fw_cfg_destroy(m->fw_cfg);
    dev_port92_destroy(m->port92);
    m->bios_rom = NULL;
    m->pam = NULL;
    m->fw_cfg = NULL;
    m->port92 = NULL;
}
