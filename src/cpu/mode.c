/*
 * mode.c - the mode key (cpu_mode.h): the part of the vCPU state that
 * changes what guest code means, as one word that keys translations, and
 * each segment's check class (pure functions of the vCPU state); and the
 * run-time copy of FS's and GS's classes, which the key leaves out.
 */
#include "cpu_mode.h"
#include "desc.h"
#include "vcpu.h"

unsigned cpu_seg_class(const struct seg_cache *sc, int s)
{
    bool data = (sc->flags & D_S) && !(sc->flags & D_CODE);
    bool expdown = data && (sc->flags & D_CONFORMING);
    bool usable = (sc->flags & D_P) != 0; /* present: null selectors are not */
    if (s == S_CS)
        return SEGC_FLAT; /* code fetch limits: checked when a unit is made */
    bool writable = data && (sc->flags & D_RW);
    if (!usable || expdown || !writable)
        return SEGC_SLOW; /* read-only data and code segments: writes fault */
    return sc->limit == 0xFFFFFFFFu ? SEGC_FLAT : SEGC_LIMIT;
}

uint32_t cpu_mode_key(const struct vcpu *cpu)
{
    uint32_t k = cpu->cpl & MODE_CPL_MASK;
    if (cpu->seg[S_CS].base || cpu->seg[S_DS].base || cpu->seg[S_ES].base || cpu->seg[S_SS].base)
        k |= MODE_NONFLAT;
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        k |= MODE_FPU_NM;
    for (int s = 0; s < S_COUNT; s++)
        if (s != S_FS && s != S_GS)
            k |= cpu_seg_class(&cpu->seg[s], s) << (MODE_SEG_SHIFT + 2 * s);
    if (!(cpu->seg[S_CS].flags & D_BIG))
        k |= MODE_CODE16;
    if (cpu->seg[S_CS].limit != 0xFFFFFFFFu)
        k |= MODE_NONFLAT; /* units end at the CS limit: keyed by CS (tc_lookup) */
    if ((cpu->cr0 & CR0_AM) && (cpu->eflags & EFL_AC) && cpu->cpl == 3)
        k |= MODE_AC;
    if (cpu->cr0 & CR0_PG)
        k |= MODE_PG;
    if (cpu->eflags & EFL_DF)
        k |= MODE_DF;
    if (!(cpu->cr0 & CR0_PE))
        k |= MODE_REAL;
    else if (cpu->eflags & EFL_VM)
        k |= MODE_V86;
    if (!(cpu->seg[S_SS].flags & D_BIG))
        k |= MODE_STACK16;
    if (cpu->a20_off)
        k |= MODE_A20OFF;
    return k;
}

void cpu_seg_class_sync(struct vcpu *cpu, int s)
{
    cpu->seg_class[s] = (uint8_t)cpu_seg_class(&cpu->seg[s], s);
}
