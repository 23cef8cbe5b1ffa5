/*
 * pam.c - the i440FX's Programmable Attribute Map (PAM0-PAM6, config
 * registers 0x59-0x5F of the host bridge 00:00.0; 82441FX datasheet
 * 3.2.18): per segment of 0xC0000-0xFFFFF (twelve 16 KiB segments
 * 0xC0000-0xEFFFF, one 64 KiB segment 0xF0000-0xFFFFF) whether reads come
 * from DRAM or from the ROM side (bit 0, RE) and whether writes go to DRAM
 * (bit 1, WE).  PAM0's high nibble is 0xF0000; PAM1-PAM6 hold two segments
 * each, the lower one in the low nibble.  SeaBIOS runs from the ROM side,
 * sets its segments to read/write DRAM (0x33), copies itself there and
 * write-protects them (0x11).
 *
 * The ROM side is the BIOS image's last 128 KiB at 0xE0000-0xFFFFF (the
 * "isa-bios" alias of the flash at the top of 4 GiB) and an empty (zero)
 * option-ROM area at 0xC0000-0xDFFFF, as QEMU's pc.rom.
 *
 * How: guest RAM at 0xC0000-0xFFFFF always holds what reads see.  A
 * segment whose reads leave DRAM has its DRAM bytes saved aside and the
 * ROM bytes loaded (mmu_phys_load, which drops translations of them); one
 * whose reads come back gets its DRAM bytes back.  Every segment other
 * than read/write DRAM is a shadow-ROM range of the MMU (mmu_set_rom):
 * writes reach pam_rom_write, which stores them into the saved DRAM bytes
 * (WE with reads from ROM) or drops them (write-protected).
 *
 * Threading: vCPU thread (config writes, guest stores).
 */
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "mmu.h"

#define PAM_FIRST_REG 0x59
#define PAM_LAST_REG 0x5F
#define PAM_SEGMENTS 13
#define PAM_RE 0x1
#define PAM_WE 0x2
#define PAM_RW (PAM_RE | PAM_WE)
#define PAM_AREA 0xC0000u
#define PAM_ISA_BIOS_END 0x100000u
/* The "isa-bios" window: the image's last bytes below 1 MiB. */
#define PAM_ISA_BIOS_MAX 0x20000u

struct pam_segment {
    uint32_t base, len;
    uint8_t reg, shift; /* register and nibble (0 or 4) */
    uint8_t state;      /* RE/WE as applied */
    uint8_t *dram;      /* the DRAM bytes while reads come from ROM */
};

struct dev_pam {
    struct mmu *mmu;
    struct pci_func *host;
    const uint8_t *bios; /* the image (the caller's), or NULL */
    uint32_t bios_size;
    struct pam_segment seg[PAM_SEGMENTS];
    struct dev_pam_stats st;
};

/* The ROM side's byte at addr (0xC0000-0xFFFFF). */
static uint8_t pam_rom_byte(const struct dev_pam *pam, uint32_t addr)
{
    uint32_t isa = pam->bios_size < PAM_ISA_BIOS_MAX ? pam->bios_size : PAM_ISA_BIOS_MAX;
    if (pam->bios && addr >= PAM_ISA_BIOS_END - isa)
        return pam->bios[pam->bios_size - (PAM_ISA_BIOS_END - addr)];
    return addr < 0xE0000 ? 0x00 : 0xFF;
}

static int pam_apply(struct dev_pam *pam, struct pam_segment *s, uint8_t state)
{
    uint8_t old = s->state;
    if (state == old)
        return 0;
    pam->st.changes++;
    uint8_t *buf = malloc(s->len);
    if (!buf)
        return XBT_ENOMEM;
    if ((old & PAM_RE) && !(state & PAM_RE)) { /* DRAM aside, ROM in */
        if (!s->dram && !(s->dram = malloc(s->len))) {
            free(buf);
            return XBT_ENOMEM;
        }
        mmu_phys_peek(pam->mmu, s->base, s->dram, s->len);
        for (uint32_t i = 0; i < s->len; i++)
            buf[i] = pam_rom_byte(pam, s->base + i);
        mmu_phys_load(pam->mmu, s->base, buf, s->len);
    } else if (!(old & PAM_RE) && (state & PAM_RE)) { /* DRAM back */
        mmu_phys_load(pam->mmu, s->base, s->dram, s->len);
    }
    free(buf);
    if ((old == PAM_RW) != (state == PAM_RW))
        mmu_set_rom(pam->mmu, s->base, s->len, state != PAM_RW);
    s->state = state;
    return 0;
}

/* Applies the PAM registers as they are in config space. */
static void pam_update(struct dev_pam *pam)
{
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        struct pam_segment *s = &pam->seg[i];
        uint8_t v = (uint8_t)(pci_func_get(pam->host, s->reg, 1) >> s->shift) & PAM_RW;
        if (pam_apply(pam, s, v) < 0)
            xbt_error("pam: out of memory for the shadow of 0x%05x", (unsigned)s->base);
    }
}

static void pam_written(void *opaque, unsigned off, unsigned len)
{
    if (off <= PAM_LAST_REG && off + len > PAM_FIRST_REG)
        pam_update(opaque);
}

static void pam_rom_write(void *opaque, uint32_t addr, const void *data, uint32_t len)
{
    struct dev_pam *pam = opaque;
    const uint8_t *d = data;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t a = addr + i;
        if (a < PAM_AREA || a >= PAM_ISA_BIOS_END)
            continue;
        struct pam_segment *s =
            a >= 0xF0000 ? &pam->seg[0] : &pam->seg[1 + (a - PAM_AREA) / 0x4000];
        if ((s->state & PAM_WE) && s->dram) {
            s->dram[a - s->base] = d[i];
            pam->st.shadow_writes++;
        } else {
            pam->st.dropped_writes++;
        }
    }
}

struct dev_pam *dev_pam_create(struct dev_pci *pci, struct mmu *mmu, const uint8_t *bios,
                               uint32_t bios_size, uint8_t initial)
{
    struct pci_func *host = pci_func_lookup(pci, 0, 0);
    if (!host || !mmu || mmu->ram_size < PAM_ISA_BIOS_END)
        return NULL;
    struct dev_pam *pam = calloc(1, sizeof(*pam));
    if (!pam)
        return NULL;
    pam->mmu = mmu;
    pam->host = host;
    pam->bios = bios;
    pam->bios_size = bios ? bios_size : 0;
    pam->seg[0] = (struct pam_segment){ 0xF0000, 0x10000, PAM_FIRST_REG, 4, PAM_RW, NULL };
    for (int i = 1; i < PAM_SEGMENTS; i++)
        pam->seg[i] = (struct pam_segment){ PAM_AREA + (uint32_t)(i - 1) * 0x4000,
                                            0x4000,
                                            (uint8_t)(PAM_FIRST_REG + 1 + (i - 1) / 2),
                                            (uint8_t)((i - 1) & 1 ? 4 : 0),
                                            PAM_RW,
                                            NULL };
    /* PAM0's low nibble is reserved: only 0x30 of it is writable */
    pci_func_init_reg(host, PAM_FIRST_REG, 1, (uint32_t)(initial & 0x30), 0x30);
    for (unsigned r = PAM_FIRST_REG + 1; r <= PAM_LAST_REG; r++)
        pci_func_init_reg(host, r, 1, (uint32_t)(initial & 0x33), 0x33);
    mmu_set_rom_hook(mmu, (struct mmu_rom_hook){ pam_rom_write, pam });
    pci_func_set_written(host, pam_written, pam);
    pam_update(pam);
    return pam;
}

void dev_pam_destroy(struct dev_pam *pam)
{
    if (!pam)
        return;
    for (int i = 0; i < PAM_SEGMENTS; i++)
        free(pam->seg[i].dram);
    free(pam);
}

const struct dev_pam_stats *dev_pam_stats(const struct dev_pam *pam)
{
    return &pam->st;
}
