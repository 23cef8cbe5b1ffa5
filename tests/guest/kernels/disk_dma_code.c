/*
 * disk_dma_code.c - DMA over code: bus-master READ DMA into memory that
 * holds code the CPU has already executed (so xbt has translated it) must
 * make the next execution run the new bytes, as on a PC.  Cases: a whole
 * function replaced by a sector of other machine code (and back again), and
 * the same by PIO with REP INSW; a
 * unit that straddles a page boundary rewritten through a PRD that covers
 * only its second page; and a loop (code from the disk image, see
 * disk_layout.h) whose body is patched by a 2-byte PRD between two
 * iterations, from the callback the loop itself calls.
 */
#include "disk_common.h"

typedef int (*fn_t)(void);
typedef int (*loop_t)(int n, void (*cb)(int remaining));

static uint8_t code[2 * 4096] __attribute__((aligned(4096)));
static uint8_t sector[DISK_SECTOR] __attribute__((aligned(4)));
static uint8_t scratch[DISK_SECTOR] __attribute__((aligned(4)));
static struct prd prdt[4] __attribute__((aligned(64)));
static uint16_t bm;

/* READ DMA of one sector through the PRD table prepared by the caller. */
static void dma_sector(uint32_t lba)
{
    unsigned before = ata_irqs;
    bm_dma28(bm, 0xC8, lba, 1, prdt);
    ata_wait_irqs(before + 1);
    uint8_t bs = inb(bm + BM_STATUS);
    bm_stop(bm);
    if ((bs & 0x07) != BM_INTR || inb(ATA_STATUS) != 0x50)
        printf("  DMA of sector %u: BM status %02x\n", (unsigned)lba, bs);
}

/* Calls f often enough to be translated (and chained where it can be). */
static int call_many(fn_t f)
{
    int r = 0;
    for (int i = 0; i < 50; i++)
        r = f();
    return r;
}

static void whole_function(void)
{
    ata_read(DISK_LBA_CODE_A, 1, code);
    fn_t f = (fn_t)(void *)code;
    printf("code A loaded by PIO: %08x\n", (unsigned)call_many(f));
    prdt[0] = (struct prd){(uint32_t)code, DISK_SECTOR | PRD_EOT};
    dma_sector(DISK_LBA_CODE_B);
    printf("after READ DMA of code B over it: %08x\n", (unsigned)call_many(f));
    dma_sector(DISK_LBA_CODE_A);
    printf("after READ DMA of code A again: %08x\n", (unsigned)call_many(f));
}

/* REP INSW straight into the code: string I/O stores over translations. */
static void pio_over_code(void)
{
    fn_t f = (fn_t)(void *)code;
    printf("before REP INSW: %08x\n", (unsigned)call_many(f));
    ata_cmd28(0x20, DISK_LBA_CODE_B, 1);
    ata_wait();
    void *dst = code;
    unsigned n = 256;
    __asm__ volatile("cld; rep insw" : "+D"(dst), "+c"(n) : "d"(ATA_DATA) : "memory");
    ata_wait();
    printf("after REP INSW of code B over it: %08x\n", (unsigned)call_many(f));
}

static void straddling(void)
{
    /* mov eax, 0x11111111; ret with the immediate across the page boundary */
    ata_read(DISK_LBA_CODE_A, 1, sector);
    memcpy(code + 4094, sector, 6);
    fn_t f = (fn_t)(void *)(code + 4094);
    printf("code A across the page boundary: %08x\n", (unsigned)call_many(f));
    /* sector B: the first 2 bytes (B8 22) to scratch, the rest from the
     * boundary on: only the second page is written */
    prdt[0] = (struct prd){(uint32_t)scratch, 2};
    prdt[1] = (struct prd){(uint32_t)code + 4096, (DISK_SECTOR - 2) | PRD_EOT};
    dma_sector(DISK_LBA_CODE_B);
    printf("after READ DMA into its second page: %08x\n", (unsigned)call_many(f));
}

static unsigned patch_at, cb_calls;

static void cb(int remaining)
{
    cb_calls++;
    if (remaining != (int)patch_at)
        return;
    /* the last two bytes of the patch sector land on the loop's add */
    prdt[0] = (struct prd){(uint32_t)scratch, DISK_SECTOR - 2};
    prdt[1] = (struct prd){(uint32_t)code + DISK_LOOP_PATCH_OFF, 2 | PRD_EOT};
    dma_sector(DISK_LBA_PATCH);
}

static void loop_body(void)
{
    prdt[0] = (struct prd){(uint32_t)code, DISK_SECTOR | PRD_EOT};
    dma_sector(DISK_LBA_LOOP);
    loop_t loop = (loop_t)(void *)code;
    patch_at = 0;
    int r1 = loop(6, cb), r2 = loop(6, cb);
    printf("loop from the disk image: %d %d (%u callbacks)\n", r1, r2, cb_calls);
    patch_at = 3;
    cb_calls = 0;
    int r = loop(6, cb);
    printf("loop patched by DMA after 3 of 6 iterations: %d (%u callbacks)\n", r, cb_calls);
    patch_at = 0;
    printf("loop afterwards: %d\n", loop(4, cb));
    prdt[0] = (struct prd){(uint32_t)code, DISK_SECTOR | PRD_EOT};
    dma_sector(DISK_LBA_LOOP);
    printf("loop reloaded by DMA: %d\n", loop(5, cb));
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    ata_irq_init();
    bm = bm_init();
    if (!bm) {
        printf("no IDE controller\n");
        return 1;
    }
    ata_srst(true);
    outb(ATA_CTL, 0);
    whole_function();
    pio_over_code();
    straddling();
    loop_body();
    return 0;
}
