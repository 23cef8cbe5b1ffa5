/*
 * fixture.h - the machine the unit tests build on: guest RAM of a given
 * size and an MMU on it, and as a test asks, an I/O bus, shadow page
 * tables, a translation cache and a vCPU wired to them.  Only those parts
 * of the struct machine are made; the rest stays zero (no devices, no
 * translator, no run loop).
 *
 * fixture_machine_init() zeroes *m, then makes the parts spec asks for:
 *   m->ram, m->ram_size   spec->ram_size bytes, zeroed
 *   m->bus                (spec->bus) an empty I/O bus, also the MMU's
 *   m->mmu                mmu_init() over the RAM (and the bus) with
 *                         spec->tlb_entries simulated TLB entries (0: 16);
 *                         (spec->shadow) with shadow page tables
 *   m->tc                 (spec->tcache_size > 0) tc_init() on the MMU
 *   m->cpu                (spec->vcpu) a zeroed, 64-byte aligned vCPU whose
 *                         mmu and bus are the ones above
 * It returns 0, or -1 with nothing left allocated.  m->cfg.tcache_size
 * records whether there is a cache: a test that replaces m->tc
 * (tc_destroy, tc_init) must leave one in place.
 *
 * fixture_machine_destroy() frees what fixture_machine_init() made (the
 * MMU's shadow page tables too, whoever made them), in the reverse order,
 * and zeroes *m.  It is safe on a zeroed machine.
 *
 * Both fit the cmocka setup and teardown functions of a test group or of
 * each test; the devices a test puts on m->bus are its own to destroy,
 * before fixture_machine_destroy().
 */
#ifndef XBT_TEST_FIXTURE_H
#define XBT_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "machine.h"

struct fixture_spec {
    uint32_t ram_size;    /* bytes of guest RAM */
    uint32_t tlb_entries; /* simulated TLB entries (power of two); 0: 16 */
    bool bus;             /* an I/O bus (m->bus), the MMU's MMIO path */
    bool shadow;          /* shadow page tables behind the MMU */
    uint32_t tcache_size; /* a translation cache of this many bytes; 0: none */
    bool vcpu;            /* a vCPU (m->cpu) wired to the MMU and bus */
};

int fixture_machine_init(struct machine *m, const struct fixture_spec *spec);
void fixture_machine_destroy(struct machine *m);

/* A dword of guest-physical RAM, read or written directly (no MMU). */
static inline void fixture_put32(struct machine *m, uint32_t a, uint32_t v)
{
    memcpy(m->ram + a, &v, 4);
}
static inline uint32_t fixture_get32(const struct machine *m, uint32_t a)
{
    uint32_t v;
    memcpy(&v, m->ram + a, 4);
    return v;
}

#endif
