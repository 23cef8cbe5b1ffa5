/*
 * mkdisk.c - writes the raw test disk image of the disk_* guest tests
 * (layout and byte pattern: kernels/disk_layout.h).  Deterministic:
 * the same bytes on every run.  Usage: mkdisk OUT.img
 */
#include <stdio.h>
#include <string.h>

#include "disk_layout.h"

static const uint8_t code_a[] = { DISK_CODE_A_BYTES };
static const uint8_t code_b[] = { DISK_CODE_B_BYTES };
static const uint8_t loop_code[] = { DISK_LOOP_BYTES };
static const uint8_t patch[] = { DISK_LOOP_PATCH };

/* A code sector: the code, then int3 (0xCC) up to the end. */
static void code_sector(uint8_t *s, const uint8_t *code, size_t len)
{
    memset(s, 0xCC, DISK_SECTOR);
    memcpy(s, code, len);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkdisk OUT.img\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    uint8_t s[DISK_SECTOR];
    for (uint32_t lba = 0; lba < DISK_SECTORS; lba++) {
        for (uint32_t i = 0; i < DISK_SECTOR; i++)
            s[i] = disk_pattern(lba, i);
        if (lba == 0 && s[510] == 0x55 && s[511] == 0xAA) {
            fprintf(stderr, "mkdisk: the pattern makes sector 0 a boot sector\n");
            fclose(f);
            return 1;
        }
        if (lba == DISK_LBA_CODE_A)
            code_sector(s, code_a, sizeof(code_a));
        else if (lba == DISK_LBA_CODE_B)
            code_sector(s, code_b, sizeof(code_b));
        else if (lba == DISK_LBA_LOOP)
            code_sector(s, loop_code, sizeof(loop_code));
        else if (lba == DISK_LBA_PATCH)
            memcpy(s + DISK_SECTOR - sizeof(patch), patch, sizeof(patch));
        if (fwrite(s, 1, sizeof(s), f) != sizeof(s)) {
            perror(argv[1]);
            fclose(f);
            return 1;
        }
    }
    if (fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
