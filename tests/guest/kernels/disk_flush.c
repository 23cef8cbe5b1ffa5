/*
 * disk_flush.c - writes a crash cannot take back: ROUNDS rounds, each a
 * WRITE SECTORS of PER sectors at LBA FIRST_LBA + PER * round, stamped
 * (disk_flush_word), then FLUSH CACHE; "flushed R" is printed only after
 * the flush completed without error.  With "paced" on the command line
 * each round first waits about 2 ms of PIT time, so tests/cli/disk.sh can
 * kill xbt with SIGKILL in the middle and check that every sector of every
 * round reported flushed is in the image file.
 */
#include "disk_common.h"
#include "pc_common.h"

#define ROUNDS 400
#define PER 8
#define FIRST_LBA 16

static uint32_t buf[PER * DISK_SECTOR / 4];

/* Word w of sector lba as this kernel writes it (disk.sh computes it too). */
static uint32_t disk_flush_word(uint32_t lba, uint32_t w)
{
    return lba * 1000003u + w * 7u + 0x5A5Au;
}

static bool paced(const struct multiboot_info *mbi)
{
    if (!(mbi->flags & (1u << 2)))
        return false;
    for (const char *s = (const char *)mbi->cmdline; *s; s++)
        if (s[0] == 'p' && s[1] == 'a' && s[2] == 'c' && s[3] == 'e' && s[4] == 'd')
            return true;
    return false;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    bool slow = paced(mbi);
    if (slow)
        pit_periodic(1193);
    ata_srst(true);
    for (uint32_t r = 0; r < ROUNDS; r++) {
        if (slow)
            pit_wait_ms(2);
        uint32_t lba = FIRST_LBA + r * PER;
        for (uint32_t s = 0; s < PER; s++)
            for (uint32_t w = 0; w < DISK_SECTOR / 4; w++)
                buf[s * (DISK_SECTOR / 4) + w] = disk_flush_word(lba + s, w);
        uint8_t st = ata_write(lba, PER, buf);
        if (st & (ST_ERR | ST_DF)) {
            printf("round %u: write failed, status %02x error %02x\n", r, st, inb(ATA_ERROR));
            return 0;
        }
        ata_cmd28(0xE7, 0, 0);
        st = ata_wait();
        if (st & (ST_ERR | ST_DF)) {
            printf("round %u: flush failed, status %02x\n", r, st);
            return 0;
        }
        printf("flushed %u\n", r);
    }
    printf("done\n");
    return 0;
}
