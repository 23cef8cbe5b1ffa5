/*
 * machine.c - assembles the virtual PC: guest RAM, vCPU, MMU, translation
 * cache, I/O bus and devices, and boots the kernel through the multiboot
 * loader.  Also the thread-safe stop and wake-up requests devices use.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices.h"
#include "loader.h"
#include "machine.h"
#include "vcpu.h"

void machine_request_stop(struct machine *m, enum machine_stop why, int status)
{
    int expected = STOP_NONE;
    if (atomic_compare_exchange_strong(&m->stop_reason, &expected, (int)why))
        m->exit_status = status;
    if (m->cpu)
        __atomic_store_n(&m->cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    machine_kick(m);
}

void machine_kick(struct machine *m)
{
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->kick, 1);
    pthread_cond_broadcast(&m->wake);
    pthread_mutex_unlock(&m->lock);
}

int machine_create(struct machine **out, const struct machine_config *cfg)
{
    struct machine *m = calloc(1, sizeof(*m));
    if (!m)
        return XBT_ENOMEM;
    m->cfg = *cfg;
    m->ram_fd = -1;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);
    m->ram_size = cfg->ram_mib << 20;
    /* RAM is a memfd so the MEM_HOST window can map it a second time */
    m->ram_fd = memfd_create("xbt-ram", MFD_CLOEXEC);
    if (m->ram_fd < 0 || ftruncate(m->ram_fd, m->ram_size) != 0) {
        machine_destroy(m);
        return XBT_ENOMEM;
    }
    m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                  m->ram_fd, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        machine_destroy(m);
        return XBT_ENOMEM;
    }
    m->cpu = aligned_alloc(64, (sizeof(struct vcpu) + 63) & ~(size_t)63);
    m->bus = bus_create();
    if (!m->cpu || !m->bus) {
        machine_destroy(m);
        return XBT_ENOMEM;
    }
    memset(m->cpu, 0, sizeof(*m->cpu));
    struct vcpu *cpu = m->cpu;
    cpu->m = m;
    cpu->exit_thunk = xbt_exit_thunk;
    cpu->helper_thunk = xbt_helper_thunk;
    cpu->mem_thunk = xbt_mem_thunk;
    cpu->wb_thunk = xbt_wb_thunk;
    vcpu_reset_flat32(cpu);

    int rc = mmu_init(&m->mmu, m, cfg->tlb_entries);
    if (rc == 0 && cfg->mem == MEM_HOST)
        rc = mmu_window_init(&m->mmu, m->ram_fd);
    if (rc == 0)
        rc = tc_init(&m->tc, m, cfg->tcache_size);
    if (rc) {
        machine_destroy(m);
        return rc;
    }
    cpu->tlb = m->mmu.tlb;

    /* devices */
    struct irq_line no_irq = {0};
    m->uart = dev_uart_create(m->bus, 0x3F8, no_irq, m, 1);
    if (!m->uart || dev_debug_exit_create(m->bus, 0xF4, m) || dev_debugcon_create(m->bus, 0xE9, 2)) {
        machine_destroy(m);
        return XBT_ENOMEM;
    }
    *out = m;
    return 0;
}

int machine_boot_multiboot(struct machine *m)
{
    struct mb_module mods[16];
    for (int k = 0; k < m->cfg.nmodules; k++) {
        mods[k].string = m->cfg.modules[k];
        mods[k].path = m->cfg.module_paths[k];
    }
    struct mb_boot boot;
    char err[512];
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

void machine_destroy(struct machine *m)
{
    if (!m)
        return;
    if (m->console)
        console_stop(m->console);
    if (m->uart)
        dev_uart_destroy(m->uart);
    if (m->tc.rx)
        tc_destroy(&m->tc);
    mmu_destroy(&m->mmu);
    if (m->bus)
        bus_destroy(m->bus);
    free(m->cpu);
    if (m->ram)
        munmap(m->ram, m->ram_size);
    if (m->ram_fd > 0)
        close(m->ram_fd);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->wake);
    free(m);
}
