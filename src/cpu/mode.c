/*
 * mode.c - the mode key (cpu_mode.h): the part of the vCPU state that
 * changes what guest code means, as one word that keys translations, and
 * each segment's check class (pure functions of the vCPU state); and the
 * run-time copy of FS's and GS's classes, which the key leaves out.
 */
#include "cpu_mode.h"
#include "desc.h"
#include "vcpu.h"

/* A data segment's class: SLOW unless present, writable, expand-up data
 * (read-only data and code segments: writes fault; null selectors are
 * not present); then FLAT at a 4 GiB limit, else LIMIT.  One compare of
 * the flag bits, no branches: cpu_mode_key runs at every direct transfer
 * (xfer.c). */
static inline unsigned data_class(const struct seg_cache *sc)
{
    const uint32_t mask = D_P | D_S | D_CODE | D_CONFORMING | D_RW;
    unsigned slow = (sc->flags & mask) != (D_P | D_S | D_RW);
    unsigned limited = sc->limit != 0xFFFFFFFFu;
    return slow ? SEGC_SLOW : limited * SEGC_LIMIT;
}

unsigned cpu_seg_class(const struct seg_cache *sc, int s)
{
    if (s == S_CS)
        return SEGC_FLAT; /* code fetch limits: checked when a unit is made */
    return data_class(sc);
}

uint32_t cpu_mode_key(const struct vcpu *cpu)
{
    const struct seg_cache *seg = cpu->seg;
    uint32_t k = cpu->cpl & MODE_CPL_MASK;
    /* CS is always FLAT; FS and GS are left out (their run-time class) */
    k |= data_class(&seg[S_ES]) << (MODE_SEG_SHIFT + 2 * S_ES);
    k |= data_class(&seg[S_SS]) << (MODE_SEG_SHIFT + 2 * S_SS);
    k |= data_class(&seg[S_DS]) << (MODE_SEG_SHIFT + 2 * S_DS);
    /* units end at the CS limit: keyed by CS (tc_lookup) */
    if ((seg[S_CS].base | seg[S_DS].base | seg[S_ES].base | seg[S_SS].base) ||
        seg[S_CS].limit != 0xFFFFFFFFu)
        k |= MODE_NONFLAT;
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        k |= MODE_FPU_NM;
    if (!(seg[S_CS].flags & D_BIG))
        k |= MODE_CODE16;
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
    if (!(seg[S_SS].flags & D_BIG))
        k |= MODE_STACK16;
    if (cpu->a20_off)
        k |= MODE_A20OFF;
    return k;
}

void cpu_seg_class_sync(struct vcpu *cpu, int s)
{
    cpu->seg_class[s] = (uint8_t)cpu_seg_class(&cpu->seg[s], s);
}
