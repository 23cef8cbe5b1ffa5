/*
 * acpi_fadt.c - the FADT ("FACP"), revision 3 (the ACPI 2.0 layout, 244
 * bytes: revision 2 and later have RESET_REG, which Linux's ACPI reboot
 * needs; QEMU's PIIX4 machine gives revision 1 and no reset register).
 * It describes the PM device of src/devices/acpi_pm.c:
 *
 *   FIRMWARE_CTRL and DSDT (32-bit; X_FIRMWARE_CTRL and X_DSDT are 0, as
 *   the spec wants when the 32-bit fields are used);
 *   SCI_INT 9; SMI_CMD 0 (no legacy mode: ACPI is on, SCI_EN set);
 *   PM1a_EVT_BLK 0x600 (4), PM1a_CNT_BLK 0x604 (2), PM_TMR_BLK 0x608 (4),
 *   no PM1b, PM2 or GPE blocks; the X_ fields say the same in GAS form;
 *   C2/C3 latencies 0xFFF (no C2, no C3); CENTURY 0x32 (the RTC's);
 *   IAPC_BOOT_ARCH: legacy devices, an 8042;
 *   flags: WBINVD, PROC_C1, SLP_BUTTON (no fixed sleep button; the fixed
 *   power button is there), RESET_REG_SUP, USE_PLATFORM_CLOCK; TMR_VAL_EXT
 *   clear (24-bit timer);
 *   RESET_REG 0xCF9 (byte), RESET_VALUE 0x06.
 */
#include "firmware/acpi_int.h"

#define FADT_LEN 244
#define FADT_REVISION 3
/* field offsets */
#define F_FIRMWARE_CTRL 36
#define F_DSDT 40
#define F_INT_MODEL 44 /* ACPI 1.0's; reserved later (1: APIC model) */
#define F_SCI_INT 46
#define F_PM1A_EVT_BLK 56
#define F_PM1A_CNT_BLK 64
#define F_PM_TMR_BLK 76
#define F_PM1_EVT_LEN 88
#define F_PM1_CNT_LEN 89
#define F_PM_TMR_LEN 91
#define F_P_LVL2_LAT 96
#define F_P_LVL3_LAT 98
#define F_CENTURY 108
#define F_IAPC_BOOT_ARCH 109
#define F_FLAGS 112
#define F_RESET_REG 116
#define F_RESET_VALUE 128
#define F_X_PM1A_EVT_BLK 148
#define F_X_PM1A_CNT_BLK 172
#define F_X_PM_TMR_BLK 208

/* FADT flags */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_USE_PLATFORM_CLOCK (1u << 15)
/* IAPC_BOOT_ARCH */
#define BOOT_LEGACY_DEVICES (1u << 0)
#define BOOT_8042 (1u << 1)
/* C2/C3 exit latencies above 100/1000 us: the states are not supported. */
#define NO_CSTATE_LATENCY 0x0FFF
#define RTC_CENTURY_INDEX 0x32
#define GAS_ACCESS_ANY 0
#define GAS_ACCESS_BYTE 1

static void fadt_pm_blocks(uint8_t *p)
{
    acpi_put32(p + F_PM1A_EVT_BLK, ACPI_PM_BASE + ACPI_PM1_STS);
    acpi_put32(p + F_PM1A_CNT_BLK, ACPI_PM_BASE + ACPI_PM1_CNT);
    acpi_put32(p + F_PM_TMR_BLK, ACPI_PM_BASE + ACPI_PM_TMR);
    p[F_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
    p[F_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
    p[F_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
    acpi_gas_io(p + F_X_PM1A_EVT_BLK, ACPI_PM_BASE + ACPI_PM1_STS, 8 * ACPI_PM1_EVT_LEN,
                GAS_ACCESS_ANY);
    acpi_gas_io(p + F_X_PM1A_CNT_BLK, ACPI_PM_BASE + ACPI_PM1_CNT, 8 * ACPI_PM1_CNT_LEN,
                GAS_ACCESS_ANY);
    acpi_gas_io(p + F_X_PM_TMR_BLK, ACPI_PM_BASE + ACPI_PM_TMR, 8 * ACPI_PM_TMR_LEN,
                GAS_ACCESS_ANY);
}

uint32_t acpi_build_fadt(struct acpi_area *a, const struct acpi_config *cfg, uint32_t facs,
                         uint32_t dsdt)
{
    uint32_t at = acpi_alloc(a, FADT_LEN, 16);
    if (!at)
        return 0;
    uint8_t *p = a->ram + at;
    acpi_header(p, "FACP", FADT_LEN, FADT_REVISION);
    acpi_put32(p + F_FIRMWARE_CTRL, facs);
    acpi_put32(p + F_DSDT, dsdt);
    p[F_INT_MODEL] = cfg->apic;
    acpi_put16(p + F_SCI_INT, ACPI_SCI_IRQ);
    fadt_pm_blocks(p);
    acpi_put16(p + F_P_LVL2_LAT, NO_CSTATE_LATENCY);
    acpi_put16(p + F_P_LVL3_LAT, NO_CSTATE_LATENCY);
    p[F_CENTURY] = RTC_CENTURY_INDEX;
    acpi_put16(p + F_IAPC_BOOT_ARCH, BOOT_LEGACY_DEVICES | BOOT_8042);
    acpi_put32(p + F_FLAGS, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
                                FADT_USE_PLATFORM_CLOCK);
    acpi_gas_io(p + F_RESET_REG, ACPI_RESET_PORT, 8, GAS_ACCESS_BYTE);
    p[F_RESET_VALUE] = ACPI_RESET_VALUE;
    acpi_seal(p);
    return at;
}
