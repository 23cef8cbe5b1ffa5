/*
 * machine_apic.c - the board's interrupt wiring.  Every ISA IRQ line goes
 * to the 8259 pair and, with the APIC (the default), also to the I/O APIC
 * pin the firmware tables name (IRQ n -> pin n, IRQ0 -> pin 2: apic.h).
 * The 8259's INT output feeds the local APIC's LINT0, and the local APIC
 * is the CPU's interrupt source (cpu->intr); the I/O APIC's messages go to
 * the local APIC, the local APIC's EOIs of level-triggered vectors back
 * to the I/O APIC.  With --no-apic there is neither: the 8259's output is
 * the CPU's interrupt source, CPUID has no APIC bit, the APIC_BASE MSR is
 * only stored, and no MP table is written.
 */
#include "clock.h"
#include "cpu.h"
#include "devices.h"
#include "lapic.h"
#include "loader.h"
#include "machine.h"

/* The line of ISA IRQ irq with the I/O APIC: both controllers. */
static void isa_irq_fn(void *opaque, int irq, int level)
{
    struct machine *m = opaque;
    dev_pic_set_irq(m->pic, irq, level);
    dev_ioapic_set_irq(m->ioapic, apic_isa_irq_pin(irq), level);
}

struct irq_line machine_isa_irq(struct machine *m, int irq)
{
    if (!m->ioapic)
        return dev_pic_irq_line(m->pic, irq);
    return (struct irq_line){ .fn = isa_irq_fn, .opaque = m, .line = irq };
}

/* The I/O APIC sends to the local APIC, which is created after it. */
static void to_lapic(void *opaque, const struct apic_msg *msg)
{
    struct machine *m = opaque;
    if (m->lapic)
        lapic_deliver(m->lapic, msg);
}

int machine_apic_create(struct machine *m)
{
    struct vcpu *cpu = m->cpu;
    cpu->intr = dev_pic_intr_source(m->pic);
    if (!m->cfg.apic)
        return 0;
    m->ioapic = dev_ioapic_create(m->bus, APIC_IOAPIC_BASE, APIC_IOAPIC_ID,
                                  (struct apic_msg_line){ to_lapic, m });
    if (!m->ioapic)
        return XBT_ENOMEM;
    struct lapic_config lc = {
        .bus = m->bus,
        .clock = m->clock,
        .id = APIC_BSP_ID,
        .lint0 = dev_pic_intr_source(m->pic),
        .wake = machine_wake_line(m),
        .eoi = dev_ioapic_eoi_line(m->ioapic),
    };
    m->lapic = lapic_create(&lc);
    if (!m->lapic)
        return XBT_ENOMEM;
    cpu->lapic = m->lapic;
    cpu->intr = lapic_intr_source(m->lapic);
    cpu->msr.apic_base = APIC_LAPIC_BASE | MSR_APIC_BASE_BSP | MSR_APIC_BASE_ENABLE;
    return 0;
}

void machine_apic_destroy(struct machine *m)
{
    if (m->cpu) {
        m->cpu->lapic = NULL;
        m->cpu->intr = (struct intr_source){ 0 };
    }
    lapic_destroy(m->lapic);
    m->lapic = NULL;
    dev_ioapic_destroy(m->ioapic);
    m->ioapic = NULL;
}

int machine_apic_tables(struct machine *m)
{
    if (!m->lapic)
        return 0;
    uint32_t id[4];
    cpu_cpuid(m->cpu, 1, id);
    struct mp_config mc = {
        .lapic_addr = APIC_LAPIC_BASE,
        .lapic_id = APIC_BSP_ID,
        .lapic_version = APIC_LAPIC_VERSION,
        .cpu_signature = id[0],
        .cpu_features = id[3],
        .ioapic_addr = APIC_IOAPIC_BASE,
        .ioapic_id = APIC_IOAPIC_ID,
        .ioapic_version = APIC_IOAPIC_VERSION,
    };
    for (int irq = 0; irq < 16; irq++)
        mc.isa_pin[irq] = irq == 2 ? 0xFF : (uint8_t)apic_isa_irq_pin(irq);
    return loader_mptable(m->ram, m->ram_size, &mc);
}
