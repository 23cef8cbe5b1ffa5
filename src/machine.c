/*
 * machine.c - assembles the virtual PC: guest RAM, vCPU, MMU, translation
 * cache, I/O bus and devices (the interrupt controllers' wiring is
 * machine_apic.c), and the ACPI tables that describe them (the kernel is
 * booted by boot.c).  Also the receivers of the devices' lines (lines.h): the
 * thread-safe stop, reset and wake-up requests.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "acpi.h"
#include "apic.h"
#include "clock.h"
#include "devices.h"
#include "loader.h"
#include "profile.h"
#include "machine.h"
#include "tctrace.h"
#include "cpu.h"

void machine_request_stop(struct machine *m, enum machine_stop why, int status)
{
    int expected = STOP_NONE;
    if (atomic_compare_exchange_strong(&m->stop_reason, &expected, (int)why))
        m->exit_status = status;
    if (m->cpu)
        __atomic_store_n(&m->cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    machine_kick(m);
}

/* A device event (interrupt request, console input): wake a halted vCPU
 * and make a running one leave translated code at the next unit entry so
 * the dispatcher looks at interrupts. */
void machine_kick(struct machine *m)
{
    if (m->cpu)
        __atomic_store_n(&m->cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->kick, 1);
    pthread_cond_broadcast(&m->wake);
    pthread_mutex_unlock(&m->lock);
}

void machine_request_reset(struct machine *m)
{
    fprintf(stderr, "xbt: the guest reset the machine\n");
    machine_request_stop(m, STOP_RESET, XBT_STATUS_RESET);
}

/* ---- the receivers of the devices' lines ---- */
static void on_wake(void *opaque)
{
    machine_kick(opaque);
}

static void on_reset(void *opaque)
{
    machine_request_reset(opaque);
}

static void on_stop(void *opaque, enum machine_stop why, int status)
{
    machine_request_stop(opaque, why, status);
}

struct event_line machine_wake_line(struct machine *m)
{
    return (struct event_line){ on_wake, m };
}

struct event_line machine_reset_line(struct machine *m)
{
    return (struct event_line){ on_reset, m };
}

struct stop_line machine_stop_line(struct machine *m)
{
    return (struct stop_line){ on_stop, m };
}

/* Guest RAM: a memfd, so the MEM_HOST window can map it a second time,
 * mapped once for the VMM. */
static int create_ram(struct machine *m)
{
    m->ram_fd = memfd_create("xbt-ram", MFD_CLOEXEC);
    if (m->ram_fd < 0 || ftruncate(m->ram_fd, m->ram_size) != 0)
        return XBT_ENOMEM;
    m->ram =
        mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, m->ram_fd, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        return XBT_ENOMEM;
    }
    return 0;
}

/* The vCPU (cache-line aligned, with the trampolines translated code
 * calls, in the flat 32-bit reset state) and the I/O bus. */
static int create_cpu_bus(struct machine *m)
{
    m->cpu = aligned_alloc(64, (sizeof(struct vcpu) + 63) & ~(size_t)63);
    m->bus = bus_create();
    if (!m->cpu || !m->bus)
        return XBT_ENOMEM;
    memset(m->cpu, 0, sizeof(*m->cpu));
    struct vcpu *cpu = m->cpu;
    cpu->exit_thunk = xbt_exit_thunk;
    cpu->helper_thunk = xbt_helper_thunk;
    cpu->mem_thunk = xbt_mem_thunk;
    cpu->wb_thunk = xbt_wb_thunk;
    vcpu_reset_flat32(cpu);
    return 0;
}

/* The MMU (TLB, MEM_HOST window, shadow or host-MMU paging) and the translation
 * cache with its policy. */
static int create_mmu_tcache(struct machine *m, const struct machine_config *cfg)
{
    int rc = mmu_init(&m->mmu, m->ram, m->ram_size, m->bus, cfg->tlb_entries);
    m->mmu.nvictims = cfg->tlb_victims;
    if (rc == 0 && cfg->mem == MEM_HOST)
        rc = mmu_window_init(&m->mmu, m->ram_fd);
    if (rc == 0 && cfg->mmu == MMU_SHADOW)
        rc = mmu_use_shadow(&m->mmu);
    if (rc == 0 && cfg->mmu == MMU_HOST)
        rc = mmu_use_host(&m->mmu, m->ram_fd, cfg->host_maps,
                          cfg->host_spaces ? cfg->host_spaces : HMMU_DEFAULT_SPACES);
    if (rc == 0)
        rc = tc_init(&m->tc, &m->mmu, cfg->tcache_size);
    if (rc == 0)
        rc = tc_set_policy(&m->tc, (enum tc_policy)cfg->tcache_policy,
                           cfg->tcache_nursery ? cfg->tcache_nursery : TC_DEFAULT_NURSERY_PCT);
    m->tc.smc_granularity = cfg->smc_granularity;
    if (rc == 0 && cfg->tcache_trace)
        rc = tc_trace_open(&m->tc, cfg->tcache_trace, cfg->tcache_trace_window);
    return rc;
}

/* The vCPU's links to the MMU, bus and stop line, and the translator. */
static void wire_cpu(struct machine *m, const struct machine_config *cfg)
{
    struct vcpu *cpu = m->cpu;
    cpu->tlb = m->mmu.tlb;
    cpu->mmu = &m->mmu;
    cpu->bus = m->bus;
    cpu->stop = machine_stop_line(m);
    cpu->log_flags = cfg->debug_flags;
    m->bt = (struct bt){
        .cfg = { .max_unit_insns = cfg->max_unit_insns,
                 .unit_branches = cfg->unit_branches,
                 .host_mem = cfg->mem == MEM_HOST,
                 .tlb_stats = cfg->tlb_stats,
                 .no_kpath = cfg->no_kpath,
                 .tcache_stats = cfg->tcache_stats,
                 .virtual_clock = cfg->clock == CLOCK_VIRTUAL,
                 .log_flags = cfg->debug_flags,
                 .perf_map = cfg->perf_map },
        .cpu = cpu,
        .mmu = &m->mmu,
        .tc = &m->tc,
    };
    /* xfer.c: a direct transfer is a chain; the gdb stub stops only where
     * the dispatcher runs */
    cpu->bt = cfg->chain && !cfg->gdb ? &m->bt : NULL;
}

/* Clock and devices: a PC's platform devices at their usual ports. */
static int create_devices(struct machine *m, const struct machine_config *cfg)
{
    m->clock = xclock_create(cfg->clock == CLOCK_VIRTUAL ? CLOCK_VIRTUAL : CLOCK_HOST);
    m->cpu->clock = m->clock; /* the TSC counts guest time */
    if (m->clock && cfg->rtc_base >= 0)
        xclock_set_epoch(m->clock, (int64_t)cfg->rtc_base);
    m->pic = m->clock ? dev_pic_create(m->bus, machine_wake_line(m)) : NULL;
    if (!m->pic)
        return XBT_ENOMEM;
    int rc = machine_apic_create(m);
    if (rc)
        return rc;
    m->pit = dev_pit_create(m->bus, m->clock, machine_isa_irq(m, 0));
    m->rtc = dev_rtc_create(m->bus, m->clock, machine_isa_irq(m, 8), m->ram_size);
    m->kbc = dev_i8042_create(m->bus, machine_reset_line(m), machine_isa_irq(m, 1),
                              machine_isa_irq(m, 12));
    m->port80 = dev_port80_create(m->bus);
    int serial_fd = cfg->serial_fd ? cfg->serial_fd : STDOUT_FILENO;
    m->uart =
        dev_uart_create(m->bus, 0x3F8, machine_isa_irq(m, 4), machine_wake_line(m), serial_fd);
    m->pci = dev_pci_create(m->bus, machine_reset_line(m));
    m->ide = m->pci ? dev_ide_create(m->bus, m->pci, &m->mmu, machine_isa_irq(m, 14),
                                     machine_isa_irq(m, 15), cfg->disk)
                    : NULL;
    m->debug_exit = dev_debug_exit_create(m->bus, 0xF4, machine_stop_line(m));
    if (!m->pit || !m->rtc || !m->kbc || !m->port80 || !m->uart || !m->pci || !m->ide ||
        !m->debug_exit || dev_debugcon_create(m->bus, 0xE9, 2))
        return XBT_ENOMEM;
    return 0;
}

/* The ACPI PM device (PIIX4 layout at 0x600): the SCI on IRQ9, S5 stops
 * the machine. */
static int create_acpi_pm(struct machine *m)
{
    m->acpi_pm = dev_acpi_pm_create(m->bus, m->clock, ACPI_PM_BASE,
                                    machine_isa_irq(m, ACPI_SCI_IRQ), machine_stop_line(m));
    return m->acpi_pm ? 0 : XBT_ENOMEM;
}

/* The ACPI tables in the BIOS area, for every kernel (the Linux loader
 * passes the RSDP on, others scan for it).  A machine with APICs sets
 * acpi.apic (and their addresses) here, which adds the MADT. */
void machine_acpi_config(const struct machine *m, struct acpi_config *acpi)
{
    acpi_config_default(acpi, m->ram_size);
    if (m->lapic) {
        acpi->apic = true;
        acpi->lapic_base = APIC_LAPIC_BASE;
        acpi->ioapic_base = APIC_IOAPIC_BASE;
        acpi->ioapic_id = APIC_IOAPIC_ID;
    }
}

static int build_acpi_tables(struct machine *m)
{
    struct acpi_config acpi;
    machine_acpi_config(m, &acpi);
    return acpi_build(m->ram, m->ram_size, &acpi, &m->acpi_rsdp);
}

/* The guest profiler (--profile): samples on the machine's clock, counts
 * the translator's translations. */
static int create_profile(struct machine *m)
{
    const struct machine_config *cfg = &m->cfg;
    struct profile_config pc = { .path = cfg->profile,
                                 .elf = cfg->kernel,
                                 .symbols = cfg->symbols,
                                 .hz = cfg->profile_hz ? cfg->profile_hz : PROFILE_DEFAULT_HZ,
                                 .command = cfg->command_line,
                                 .virtual_clock = cfg->clock == CLOCK_VIRTUAL };
    int rc = profile_create(&m->profile, &pc, m->clock, m->cpu);
    if (rc)
        return rc;
    m->bt.on_translate = profile_note_translation;
    m->bt.on_translate_opaque = m->profile;
    return 0;
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
    int rc = create_ram(m);
    if (rc == 0)
        rc = create_cpu_bus(m);
    if (rc == 0)
        rc = create_mmu_tcache(m, cfg);
    if (rc == 0) {
        wire_cpu(m, cfg);
        rc = create_devices(m, cfg);
    }
    if (rc == 0)
        rc = create_acpi_pm(m);
    if (rc == 0)
        rc = machine_bios_create(m);
    if (rc == 0)
        rc = machine_vga_create(m);
    if (rc == 0 && !cfg->bios_boot) /* the firmware builds its own from fw_cfg */
        rc = build_acpi_tables(m);
    if (rc == 0 && cfg->profile)
        rc = create_profile(m);
    if (rc) {
        machine_destroy(m);
        return rc;
    }
    *out = m;
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
    if (m->pit)
        dev_pit_destroy(m->pit);
    if (m->rtc)
        dev_rtc_destroy(m->rtc);
    if (m->kbc)
        dev_i8042_destroy(m->kbc);
    if (m->port80)
        dev_port80_destroy(m->port80);
    machine_vga_destroy(m);
    machine_bios_destroy(m);
    if (m->ide)
        dev_ide_destroy(m->ide);
    if (m->pci)
        dev_pci_destroy(m->pci);
    machine_apic_destroy(m); /* no device raises its lines any more */
    if (m->pic)
        dev_pic_destroy(m->pic);
    dev_debug_exit_destroy(m->debug_exit);
    dev_acpi_pm_destroy(m->acpi_pm);
    profile_destroy(m->profile); /* before the clock its timer is on */
    if (m->clock)
        xclock_destroy(m->clock);
    if (m->tc.rx)
        tc_destroy(&m->tc);
    mmu_destroy(&m->mmu);
    if (m->bus)
        bus_destroy(m->bus);
    free(m->cpu);
    if (m->ram)
        munmap(m->ram, m->ram_size);
    if (m->ram_fd >= 0)
        close(m->ram_fd);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->wake);
    free(m);
}
