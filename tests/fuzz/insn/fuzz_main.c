/*
 * fuzz_main.c - the random-instruction fuzzer's guest kernel: runs the
 * blocks of the gen.py file given as its first multiboot module (xbt
 * --module FILE, QEMU -initrd FILE) with fuzz.c's runner and ends with its
 * result.  Words of the command line choose the variant:
 *   paging  identity-map the first 256 MiB with 4 MiB user-writable pages
 *           (CR4.PSE) and turn paging on first
 *   ring3   run the blocks at CPL 3 (the runtime's ring3_run(): IOPL 3,
 *           IF 0, exceptions through a TSS stack to xbt_catch())
 * Without a module it prints one line and returns 2.
 */
#include "fuzz.h"
#include "portable.h"

#define FUZZ_PDES 64 /* x 4 MiB: 256 MiB identity-mapped */

const char *xbt_cmdline;

static const uint8_t *fuzz_file;
static uint32_t fuzz_file_size;
static uint32_t fuzz_pd[1024] __attribute__((aligned(4096)));

int test_main(void)
{
    return fuzz_run(fuzz_file, fuzz_file_size);
}

static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; s && *s; s++)
        if ((s == xbt_cmdline || s[-1] == ' ') && !strncmp(s, w, n) && (!s[n] || s[n] == ' '))
            return 1;
    return 0;
}

static void fuzz_paging_on(void)
{
    for (uint32_t i = 0; i < FUZZ_PDES; i++)
        fuzz_pd[i] = (i << 22) | 0x87u; /* P | W | U | PS */
    __asm__ volatile("movl %%cr4, %%eax\n\t"
                     "orl $0x10, %%eax\n\t" /* PSE */
                     "movl %%eax, %%cr4\n\t"
                     "movl %0, %%cr3\n\t"
                     "movl %%cr0, %%eax\n\t"
                     "orl $0x80010000, %%eax\n\t" /* PG | WP */
                     "movl %%eax, %%cr0"
                     :
                     : "r"(fuzz_pd)
                     : "eax", "memory");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    if (magic != 0x2BADB002u || !mbi)
        return 2;
    if (mbi->flags & (1u << 2))
        xbt_cmdline = (const char *)(uintptr_t)mbi->cmdline;
    if (!(mbi->flags & (1u << 3)) || mbi->mods_count < 1) {
        printf("fuzz: no block file (give it as the first module)\n");
        return 2;
    }
    const struct multiboot_module *m = (const void *)(uintptr_t)mbi->mods_addr;
    fuzz_file = (const uint8_t *)(uintptr_t)m->mod_start;
    fuzz_file_size = m->mod_end - m->mod_start;
    if (m->mod_end > FUZZ_BASE && m->mod_start < FUZZ_END) {
        printf("fuzz: the block file overlaps the scratch memory\n");
        return 2;
    }
    if (has_word(xbt_cmdline, "paging"))
        fuzz_paging_on();
    if (has_word(xbt_cmdline, "ring3"))
        return ring3_run(test_main);
    return test_main();
}
