/*
 * mbinfo.c - the multiboot information, as far as xbt and QEMU agree on it:
 * the magic, the command line (run with --append "hello world" / QEMU
 * -append "hello world"), and that the memory sizes are present and sane.
 * Boot loaders may put the kernel's path in front of the arguments (QEMU and
 * GRUB do), so a first word that looks like a path is skipped.  The memory
 * map details differ between loaders; mbmmap prints them (xbt only).
 */
#include "rt.h"

static int looks_like_path(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            return 1;
    return n > 4 && strncmp(s + n - 4, ".elf", 4) == 0;
}

static const char *kernel_args(const char *cmdline)
{
    size_t n = 0;

    while (cmdline[n] && cmdline[n] != ' ')
        n++;
    if (!looks_like_path(cmdline, n))
        return cmdline;
    cmdline += n;
    while (*cmdline == ' ')
        cmdline++;
    return cmdline;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    printf("multiboot magic: %s\n", magic == MULTIBOOT_BOOTLOADER_MAGIC ? "ok" : "BAD");
    printf("info at a 4-byte aligned address below 1 MiB: %s\n",
           ((uint32_t)mbi & 3) == 0 && (uint32_t)mbi < 0x100000 ? "yes" : "no");
    if (mbi->flags & MULTIBOOT_INFO_CMDLINE) {
        const char *cmdline = (const char *)mbi->cmdline;
        printf("command line: present\n");
        printf("kernel arguments: \"%s\"\n", kernel_args(cmdline));
    } else {
        printf("command line: absent\n");
    }
    if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
        printf("memory info: present\n");
        printf("mem_lower in [512, 640] KiB: %s\n",
               mbi->mem_lower >= 512 && mbi->mem_lower <= 640 ? "yes" : "no");
        printf("mem_upper >= 64 MiB: %s\n", mbi->mem_upper >= 64 * 1024 ? "yes" : "no");
    } else {
        printf("memory info: absent\n");
    }
    printf("memory map: %s\n", mbi->flags & MULTIBOOT_INFO_MEM_MAP ? "present" : "absent");
    printf("(the memory map entries are printed by the mbmmap test, under xbt only)\n");
    return 0;
}
