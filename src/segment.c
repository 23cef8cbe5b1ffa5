/*
 * segment.c - protected-mode segment register loads: descriptor fetch from
 * the GDT/LDT, the architectural checks (#GP, #SS, #NP with the selector as
 * error code), the accessed bit, and the hidden descriptor cache.
 */
#include "machine.h"
#include "mmu.h"
#include "vcpu.h"

#define DESC_S (1u << 12)
#define DESC_P (1u << 15)
#define DESC_CODE (1u << 11)
#define DESC_RW (1u << 9)
#define DESC_CONFORMING (1u << 10)
#define DESC_ACCESSED (1u << 8)

int seg_read_desc(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    uint32_t base, limit;
    if (sel & 4) {
        base = cpu->ldtr_cache.base;
        limit = cpu->ldtr_cache.limit;
        if (!cpu->ldtr)
            return -1;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    uint32_t off = sel & ~7u;
    if (off + 7 > limit)
        return -1;
    mmu_read(cpu, base + off, 4, lo);
    mmu_read(cpu, base + off + 4, 4, hi);
    return 0;
}

void seg_set_cache(struct seg_cache *sc, uint16_t sel, uint32_t lo, uint32_t hi)
{
    sc->sel = sel;
    sc->base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & (1u << 23))
        limit = (limit << 12) | 0xFFF;
    sc->limit = limit;
    sc->flags = hi & 0x00FFFF00u;
}

static void set_accessed(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    if (hi & DESC_ACCESSED)
        return;
    uint32_t base = (sel & 4) ? cpu->ldtr_cache.base : cpu->gdtr.base;
    mmu_write(cpu, base + (sel & ~7u) + 4, 4, hi | DESC_ACCESSED);
}

int seg_load(struct vcpu *cpu, int seg, uint16_t sel)
{
    if (!(cpu->cr0 & CR0_PE)) {
        /* real mode: base = sel * 16, limits unchanged */
        cpu->seg[seg].sel = sel;
        cpu->seg[seg].base = (uint32_t)sel << 4;
        return 0;
    }
    uint32_t rpl = sel & 3, cpl = cpu->cpl;
    if ((sel & ~3u) == 0) {
        if (seg == S_SS || seg == S_CS) {
            vcpu_raise(cpu, EXC_GP, 0, true);
            return -1;
        }
        cpu->seg[seg].sel = sel;
        cpu->seg[seg].base = 0;
        cpu->seg[seg].limit = 0;
        cpu->seg[seg].flags = 0;   /* not present: any use faults */
        return 0;
    }
    uint32_t lo, hi;
    if (seg_read_desc(cpu, sel, &lo, &hi) < 0) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    uint32_t dpl = (hi >> 13) & 3;
    if (!(hi & DESC_S)) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    if (seg == S_SS) {
        if (rpl != cpl || dpl != cpl || (hi & DESC_CODE) || !(hi & DESC_RW)) {
            vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
            return -1;
        }
        if (!(hi & DESC_P)) {
            vcpu_raise(cpu, EXC_SS, sel & ~3u, true);
            return -1;
        }
    } else if (seg == S_CS) {
        if (!(hi & DESC_CODE)) {
            vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
            return -1;
        }
        if (!(hi & DESC_P)) {
            vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
            return -1;
        }
    } else {
        /* data segment registers: data, or readable code */
        if ((hi & DESC_CODE) && !(hi & DESC_RW)) {
            vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
            return -1;
        }
        bool conforming_code = (hi & DESC_CODE) && (hi & DESC_CONFORMING);
        if (!conforming_code && (rpl > dpl || cpl > dpl)) {
            vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
            return -1;
        }
        if (!(hi & DESC_P)) {
            vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
            return -1;
        }
    }
    set_accessed(cpu, sel, hi);
    seg_set_cache(&cpu->seg[seg], sel, lo, hi | DESC_ACCESSED);
    return 0;
}
