/*
 * fixture.c - the machine the unit tests build on: guest RAM, an MMU, and
 * as asked an I/O bus, shadow page tables, a translation cache and a vCPU
 * (see fixture.h).
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "mmu.h"
#include "mmu/shadow.h"
#include "tcache.h"
#include "vcpu.h"

int fixture_machine_init(struct machine *m, const struct fixture_spec *spec)
{
    memset(m, 0, sizeof(*m));
    m->ram_size = spec->ram_size;
    m->ram = calloc(1, spec->ram_size);
    if (!m->ram)
        goto fail;
    if (spec->bus && !(m->bus = bus_create()))
        goto fail;
    if (mmu_init(&m->mmu, m->ram, m->ram_size, m->bus, spec->tlb_entries ? spec->tlb_entries : 16))
        goto fail;
    if (spec->shadow && !(m->mmu.shadow = shadow_create()))
        goto fail;
    if (spec->tcache_size) {
        if (tc_init(&m->tc, &m->mmu, spec->tcache_size))
            goto fail;
        m->cfg.tcache_size = spec->tcache_size;
    }
    if (spec->vcpu) {
        m->cpu = aligned_alloc(64, (sizeof(struct vcpu) + 63) & ~(size_t)63);
        if (!m->cpu)
            goto fail;
        memset(m->cpu, 0, sizeof(*m->cpu));
        m->cpu->mmu = &m->mmu;
        m->cpu->bus = m->bus;
    }
    return 0;
fail:
    fixture_machine_destroy(m);
    return -1;
}

void fixture_machine_destroy(struct machine *m)
{
    free(m->cpu);
    if (m->cfg.tcache_size)
        tc_destroy(&m->tc);
    mmu_destroy(&m->mmu);
    bus_destroy(m->bus);
    free(m->ram);
    memset(m, 0, sizeof(*m));
}
