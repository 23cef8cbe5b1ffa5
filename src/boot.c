/*
 * boot.c - puts the guest at its kernel's entry: recognises the kernel's
 * format by its header (a Linux bzImage: the boot setup header; anything
 * else goes to the multiboot loader, which explains what it refuses),
 * loads it through src/loader and sets the vCPU's entry state the boot
 * protocol defines.
 */
#include <fcntl.h>
#include <unistd.h>

#include "cpu.h"
#include "loader.h"
#include "machine.h"

/* Enough of a file to see a bzImage's setup header. */
#define BOOT_PEEK 1024

static bool is_bzimage(const char *path)
{
    uint8_t head[BOOT_PEEK];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; /* the loader reports the error */
    ssize_t n = read(fd, head, sizeof(head));
    close(fd);
    return n > 0 && loader_is_bzimage(head, (size_t)n);
}

static int boot_multiboot(struct machine *m)
{
    struct mb_module mods[16];
    for (int k = 0; k < m->cfg.nmodules; k++) {
        mods[k].string = m->cfg.modules[k];
        mods[k].path = m->cfg.module_paths[k];
    }
    struct mb_boot boot;
    char err[512];
    if (m->cfg.initrd) {
        xbt_error("--initrd %s: %s is not a Linux kernel (a multiboot kernel takes --module)",
                  m->cfg.initrd, m->cfg.kernel);
        return XBT_EINVAL;
    }
    int rc = loader_multiboot(m->ram, m->ram_size, m->cfg.kernel, m->cfg.append, mods,
                              m->cfg.nmodules, &boot, err, sizeof(err));
    if (rc) {
        xbt_error("%s", err);
        return rc;
    }
    struct vcpu *cpu = m->cpu;
    cpu->eip = boot.entry;
    cpu->regs[R_EAX] = MB_BOOTLOADER_MAGIC;
    cpu->regs[R_EBX] = boot.mbi;
    return 0;
}

/* A flat 4 GiB segment cache for selector sel (code or read/write data). */
static void flat(struct seg_cache *sc, uint16_t sel, bool code)
{
    /* G, D/B, P, S, type: code execute/read accessed, data read/write accessed */
    seg_set_cache(sc, sel, 0x0000FFFFu, code ? 0x00CF9B00u : 0x00CF9300u);
}

static int boot_linux(struct machine *m)
{
    if (m->cfg.nmodules) {
        xbt_error("--module: %s is a Linux kernel (it takes --initrd)", m->cfg.kernel);
        return XBT_EINVAL;
    }
    struct linux_boot boot;
    char err[512];
    int rc = loader_linux(m->ram, m->ram_size, m->cfg.kernel, m->cfg.initrd, m->cfg.append, &boot,
                          err, sizeof(err));
    if (rc) {
        xbt_error("%s", err);
        return rc;
    }
    struct vcpu *cpu = m->cpu;
    vcpu_reset_flat32(cpu);
    cpu->gdtr.base = boot.gdt_base;
    cpu->gdtr.limit = boot.gdt_limit;
    flat(&cpu->seg[S_CS], boot.cs, true);
    for (int s = 0; s < S_COUNT; s++)
        if (s != S_CS)
            flat(&cpu->seg[s], boot.ds, false);
    cpu->eip = boot.entry;
    cpu->regs[R_ESI] = boot.boot_params;
    loader_linux_set_rsdp(m->ram, &boot, m->acpi_rsdp);
    if (m->vga)
        loader_linux_set_vga_text(m->ram, &boot);
    return 0;
}

int machine_boot(struct machine *m)
{
    if (m->cfg.bios_boot) {
        vcpu_reset(m->cpu); /* F000:FFF0: the firmware does the rest */
        return 0;
    }
    int rc = is_bzimage(m->cfg.kernel) ? boot_linux(m) : boot_multiboot(m);
    return rc ? rc : machine_apic_tables(m);
}
