/*
 * acpi_loader.c - xbt's ACPI tables for a BIOS that loads them from fw_cfg
 * as SeaBIOS does under QEMU (QEMU's BIOSLinker, hw/acpi/bios-linker-
 * loader.c; SeaBIOS src/fw/romfile_loader.c): the tables as a relocatable
 * blob "etc/acpi/tables", the RSDP as "etc/acpi/rsdp", and the script
 * "etc/table-loader" that makes the firmware allocate both (the RSDP in
 * the F segment, where an OS scans for it), patch every pointer between
 * the tables with the address it chose, and fix the checksums.
 *
 * The tables are the ones acpi_build writes for direct boots, built into
 * a scratch copy of the first MiB; their absolute pointers are turned
 * into offsets within the blob, which ADD_POINTER adds the blob's address
 * to.  Commands are 128-byte little-endian records: ALLOCATE (file,
 * alignment, zone), ADD_POINTER (destination file, source file, offset,
 * size), ADD_CHECKSUM (file, checksum offset, start, length).
 */
#include <stdlib.h>
#include <string.h>

#include "acpi.h"

#define LOADER_ENTRY 128
#define LOADER_FILE 56
#define LOADER_ALLOCATE 1
#define LOADER_ADD_POINTER 2
#define LOADER_ADD_CHECKSUM 3
#define LOADER_ZONE_HIGH 1
#define LOADER_ZONE_FSEG 2
#define SCRATCH_SIZE (ACPI_AREA_BASE + ACPI_AREA_SIZE)
#define MAX_TABLES 8
/* Room for the commands: 2 allocations, pointers and checksums. */
#define MAX_COMMANDS 40
/* Tunable: the blob etc/acpi/tables is padded to this size.  Policy:
 * QEMU's (ACPI_BUILD_TABLE_SIZE for -machine pc), so SeaBIOS reserves
 * the same 128 KiB below the top of RAM and the E820 map the guest sees
 * is QEMU's. */
#define TABLES_BLOB_SIZE 0x20000u

#define HDR_LENGTH 4
#define HDR_CHECKSUM 9
#define RSDP_CHECKSUM 8
#define RSDP_RSDT 16
#define RSDP_LEN 20
#define RSDT_ENTRIES 36
#define FADT_FACS 36
#define FADT_DSDT 40
#define FADT_X_FACS 132
#define FADT_X_DSDT 140

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

struct loader {
    uint8_t *cmd;
    unsigned n;
};

static uint8_t *loader_next(struct loader *l, uint32_t command)
{
    uint8_t *e = l->cmd + (size_t)l->n++ * LOADER_ENTRY;
    put_le32(e, command);
    return e + 4;
}

static void loader_allocate(struct loader *l, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *e = loader_next(l, LOADER_ALLOCATE);
    strcpy((char *)e, file);
    put_le32(e + LOADER_FILE, align);
    e[LOADER_FILE + 4] = zone;
}

static void loader_pointer(struct loader *l, const char *dst, const char *src, uint32_t off,
                           uint8_t size)
{
    uint8_t *e = loader_next(l, LOADER_ADD_POINTER);
    strcpy((char *)e, dst);
    strcpy((char *)e + LOADER_FILE, src);
    put_le32(e + 2 * LOADER_FILE, off);
    e[2 * LOADER_FILE + 4] = size;
}

static void loader_checksum(struct loader *l, const char *file, uint32_t off, uint32_t start,
                            uint32_t len)
{
    uint8_t *e = loader_next(l, LOADER_ADD_CHECKSUM);
    strcpy((char *)e, file);
    put_le32(e + LOADER_FILE, off);
    put_le32(e + LOADER_FILE + 4, start);
    put_le32(e + LOADER_FILE + 8, len);
}

/* The tables acpi_build wrote into scratch: addresses and lengths. */
struct table_set {
    uint32_t addr[MAX_TABLES], len[MAX_TABLES];
    bool checksummed[MAX_TABLES];
    unsigned n;
    uint32_t rsdt, fadt;
};

static void table_add(struct table_set *t, const uint8_t *ram, uint32_t addr, bool sum)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->addr[i] == addr)
            return;
    if (t->n < MAX_TABLES && addr >= ACPI_AREA_BASE && addr < SCRATCH_SIZE) {
        t->addr[t->n] = addr;
        t->len[t->n] = le32(ram + addr + HDR_LENGTH);
        t->checksummed[t->n++] = sum;
    }
}

static void find_tables(const uint8_t *ram, uint32_t rsdp, struct table_set *t)
{
    t->rsdt = le32(ram + rsdp + RSDP_RSDT);
    table_add(t, ram, t->rsdt, true);
    uint32_t n = (le32(ram + t->rsdt + HDR_LENGTH) - RSDT_ENTRIES) / 4;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = le32(ram + t->rsdt + RSDT_ENTRIES + 4 * i);
        table_add(t, ram, a, true);
        if (memcmp(ram + a, "FACP", 4) == 0) {
            t->fadt = a;
            table_add(t, ram, le32(ram + a + FADT_FACS), false); /* the FACS has no checksum */
            table_add(t, ram, le32(ram + a + FADT_DSDT), true);
        }
    }
}

/* Rewrites the pointer at tables offset off (size 4 or 8; the tables lie
 * below 4 GiB) to an offset in the blob and asks the loader to add the
 * blob's address; a null pointer stays null. */
static void relocate(struct loader *l, uint8_t *tb, uint32_t base, uint32_t off, uint8_t size)
{
    uint32_t v = le32(tb + off);
    if (v == 0)
        return;
    put_le32(tb + off, v - base);
    loader_pointer(l, ACPI_FILE_TABLES, ACPI_FILE_TABLES, off, size);
}

int acpi_build_fw_files(const struct acpi_config *cfg, struct acpi_fw_files *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *ram = calloc(1, SCRATCH_SIZE);
    struct loader l = { .cmd = calloc(MAX_COMMANDS, LOADER_ENTRY) };
    uint32_t rsdp;
    struct table_set t = { 0 };
    int rc = ram && l.cmd ? acpi_build(ram, SCRATCH_SIZE, cfg, &rsdp) : XBT_ENOMEM;
    if (rc) {
        free(ram);
        free(l.cmd);
        return rc;
    }
    find_tables(ram, rsdp, &t);
    uint32_t base = UINT32_MAX, end = 0;
    for (unsigned i = 0; i < t.n; i++) {
        base = t.addr[i] < base ? t.addr[i] : base;
        end = t.addr[i] + t.len[i] > end ? t.addr[i] + t.len[i] : end;
    }
    uint32_t used = end - base;
    out->tables_len = used < TABLES_BLOB_SIZE ? TABLES_BLOB_SIZE : used;
    out->tables = calloc(1, out->tables_len);
    out->rsdp = malloc(RSDP_LEN);
    if (!out->tables || !out->rsdp) {
        free(ram);
        free(l.cmd);
        acpi_fw_files_free(out);
        return XBT_ENOMEM;
    }
    memcpy(out->tables, ram + base, used);
    memcpy(out->rsdp, ram + rsdp, RSDP_LEN);
    out->rsdp_len = RSDP_LEN;
    free(ram);

    loader_allocate(&l, ACPI_FILE_RSDP, 16, LOADER_ZONE_FSEG);
    loader_allocate(&l, ACPI_FILE_TABLES, 64, LOADER_ZONE_HIGH);
    /* pointers: the RSDP's RSDT, the RSDT's entries, the FADT's FACS/DSDT */
    uint32_t v = le32(out->rsdp + RSDP_RSDT) - base;
    put_le32(out->rsdp + RSDP_RSDT, v);
    loader_pointer(&l, ACPI_FILE_RSDP, ACPI_FILE_TABLES, RSDP_RSDT, 4);
    uint8_t *tb = out->tables;
    uint32_t rsdt = t.rsdt - base;
    for (uint32_t o = RSDT_ENTRIES; o < le32(tb + rsdt + HDR_LENGTH); o += 4)
        relocate(&l, tb, base, rsdt + o, 4);
    if (t.fadt) {
        uint32_t f = t.fadt - base, flen = le32(tb + f + HDR_LENGTH);
        relocate(&l, tb, base, f + FADT_FACS, 4);
        relocate(&l, tb, base, f + FADT_DSDT, 4);
        if (flen >= FADT_X_DSDT + 8) {
            relocate(&l, tb, base, f + FADT_X_FACS, 8);
            relocate(&l, tb, base, f + FADT_X_DSDT, 8);
        }
    }
    /* checksums last, over the patched bytes */
    for (unsigned i = 0; i < t.n; i++)
        if (t.checksummed[i])
            loader_checksum(&l, ACPI_FILE_TABLES, t.addr[i] - base + HDR_CHECKSUM, t.addr[i] - base,
                            t.len[i]);
    loader_checksum(&l, ACPI_FILE_RSDP, RSDP_CHECKSUM, 0, RSDP_LEN);
    out->loader = l.cmd;
    out->loader_len = l.n * LOADER_ENTRY;
    return 0;
}

void acpi_fw_files_free(struct acpi_fw_files *f)
{
    free(f->rsdp);
    free(f->tables);
    free(f->loader);
    memset(f, 0, sizeof(*f));
}
