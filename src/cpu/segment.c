/*
 * segment.c - protected-mode segment register loads (real mode and V86
 * hand over to realmode.c): descriptor fetch from
 * the GDT/LDT, the architectural checks (#GP, #SS, #NP with the selector as
 * error code), the accessed bit, and the hidden descriptor cache.
 */
#include "mmu.h"
#include "cpu.h"
#include "cpu_mode.h"
#include "desc.h"
#include "realmode.h"

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
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
        if ((cpu->ldt.sel & ~3u) == 0)
            return -1;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    uint32_t off = sel & ~7u;
    if (off + 7 > limit)
        return -1;
    uint32_t d[2];
    if (cpu_read_block(cpu, base + off, 2, 4, d, false) < 0)
        return -2; /* #PF raised */
    *lo = d[0];
    *hi = d[1];
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
    sc->desc = lo | (uint64_t)hi << 32;
}

/* Sets the descriptor's accessed bit; -1 if that write faulted (#PF
 * raised: the load must not take effect). */
static int set_accessed(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    if (hi & DESC_ACCESSED)
        return 0;
    uint32_t base = (sel & 4) ? cpu->ldt.base : cpu->gdtr.base;
    return cpu_write_sys(cpu, base + (sel & ~7u) + 4, 4, hi | DESC_ACCESSED);
}

/* A state a load leaves: from a descriptor, or a null selector's load. */
static bool load_state(const struct seg_cache *sc)
{
    return sc->desc != 0 ||
           ((sc->sel & ~3u) == 0 && sc->base == 0 && sc->limit == 0 && sc->flags == 0);
}

/* After a data segment load: the state it replaced may be swapped back
 * in by translated code if a load left it (from a descriptor, or null)
 * and, for the registers in the mode key (DS, ES), the two share the
 * key's view (class; base zero or not).  FS and GS may swap any two load
 * states: their run-time class (vcpu->seg_class) is swapped with them. */
static void remember_prev(struct vcpu *cpu, int seg, const struct seg_cache *old)
{
    const struct seg_cache *now = &cpu->seg[seg];
    bool ok = load_state(old);
    if (seg != S_FS && seg != S_GS)
        ok = ok && cpu_seg_class(old, seg) == cpu_seg_class(now, seg) &&
             (old->base == 0) == (now->base == 0);
    cpu->seg_prev[seg] = *old;
    cpu->seg_prev_ok[seg] = ok;
    cpu->seg_prev_class[seg] = (uint8_t)cpu_seg_class(old, seg);
}

void seg_forget_prev(struct vcpu *cpu, int seg)
{
    cpu->seg_prev_ok[seg] = 0;
}

int seg_load(struct vcpu *cpu, int seg, uint16_t sel)
{
    if (rm_segments(cpu)) {
        rm_seg_load(cpu, seg, sel); /* real mode and V86: realmode.c */
        cpu->seg[seg].desc = 0;
        seg_forget_prev(cpu, seg);
        return 0;
    }
    uint32_t rpl = sel & 3, cpl = cpu->cpl;
    if ((sel & ~3u) == 0) {
        if (seg == S_SS || seg == S_CS) {
            vcpu_raise(cpu, EXC_GP, 0, true);
            return -1;
        }
        struct seg_cache old = cpu->seg[seg];
        cpu->seg[seg].sel = sel;
        cpu->seg[seg].base = 0;
        cpu->seg[seg].limit = 0;
        cpu->seg[seg].flags = 0; /* not present: any use faults */
        cpu->seg[seg].desc = 0;
        remember_prev(cpu, seg, &old);
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
    if (set_accessed(cpu, sel, hi) < 0)
        return -1;
    struct seg_cache old = cpu->seg[seg];
    seg_set_cache(&cpu->seg[seg], sel, lo, hi | DESC_ACCESSED);
    remember_prev(cpu, seg, &old);
    return 0;
}

int seg_mark_accessed(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    return set_accessed(cpu, sel, hi);
}

void seg_set_cs(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, uint32_t cpl)
{
    seg_set_cache(&cpu->seg[S_CS], (uint16_t)((sel & ~3u) | cpl), lo, hi | D_ACCESSED);
    cpu->cpl = cpl;
}

int seg_load_ss_for(struct vcpu *cpu, uint16_t sel, uint32_t cpl, int vec)
{
    uint32_t lo, hi;
    if ((sel & ~3u) == 0) {
        vcpu_raise(cpu, vec, 0, true);
        return -1;
    }
    if (seg_read_desc(cpu, sel, &lo, &hi) < 0 || (sel & 3) != cpl || !desc_is_data(hi) ||
        !(hi & D_RW) || desc_dpl(hi) != cpl) {
        vcpu_raise(cpu, vec, sel & ~3u, true);
        return -1;
    }
    if (!(hi & D_P)) {
        vcpu_raise(cpu, EXC_SS, sel & ~3u, true);
        return -1;
    }
    if (set_accessed(cpu, sel, hi) < 0)
        return -1;
    seg_set_cache(&cpu->seg[S_SS], sel, lo, hi | D_ACCESSED);
    return 0;
}

void seg_null_inaccessible(struct vcpu *cpu)
{
    static const int segs[] = { S_ES, S_DS, S_FS, S_GS };
    for (size_t k = 0; k < sizeof(segs) / sizeof(segs[0]); k++) {
        struct seg_cache *sc = &cpu->seg[segs[k]];
        uint32_t hi = sc->flags;
        bool conforming_code = (hi & D_CODE) && (hi & D_CONFORMING);
        if ((sc->sel & ~3u) && !conforming_code && desc_dpl(hi) < cpu->cpl) {
            sc->sel = 0;
            sc->flags = 0;
            sc->base = 0;
            sc->limit = 0;
            sc->desc = 0;
            seg_forget_prev(cpu, segs[k]);
        }
    }
}

static bool expand_down(const struct seg_cache *ss)
{
    return desc_is_data(ss->flags) && (ss->flags & D_CONFORMING);
}

/* Whether stack offsets [lo, hi] (lo <= hi <= the offsets' maximum) are
 * within ss. */
static bool stack_range_ok(const struct seg_cache *ss, uint32_t lo, uint32_t hi)
{
    return expand_down(ss) ? lo > ss->limit : hi <= ss->limit;
}

int seg_stack_check(struct vcpu *cpu, uint32_t top, unsigned n, uint32_t err)
{
    const struct seg_cache *ss = &cpu->seg[S_SS];
    if ((ss->limit == 0xFFFFFFFFu && !expand_down(ss)) || rm_segments(cpu) || !n)
        return 0;
    uint32_t m = (ss->flags & D_BIG) ? 0xFFFFFFFFu : 0xFFFFu;
    uint32_t lo = top & m, hi = (top + n - 1) & m;
    bool ok = hi >= lo ? stack_range_ok(ss, lo, hi)
                       : stack_range_ok(ss, lo, m) && stack_range_ok(ss, 0, hi);
    if (ok)
        return 0;
    vcpu_raise(cpu, EXC_SS, err, true);
    return -1;
}

int seg_write_desc_hi(struct vcpu *cpu, uint16_t sel, uint32_t hi)
{
    uint32_t base = (sel & 4) ? cpu->ldt.base : cpu->gdtr.base;
    return cpu_write_sys(cpu, base + (sel & ~7u) + 4, 4, hi);
}

int tss_inner_stack(struct vcpu *cpu, uint32_t dpl, uint16_t *ss, uint32_t *esp)
{
    bool tss32 =
        desc_type(cpu->tss.flags) == SYS_TSS32 || desc_type(cpu->tss.flags) == SYS_TSS32_BUSY;
    uint32_t off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    uint32_t span = tss32 ? 6 : 4;
    if ((cpu->tss.sel & ~3u) == 0 || off + span - 1 > cpu->tss.limit) {
        vcpu_raise(cpu, EXC_TS, cpu->tss.sel & ~3u, true);
        return -1;
    }
    uint32_t v, s;
    if (tss32) {
        cpu_read_sys(cpu, cpu->tss.base + off, 4, &v);
        cpu_read_sys(cpu, cpu->tss.base + off + 4, 2, &s);
    } else {
        cpu_read_sys(cpu, cpu->tss.base + off, 2, &v);
        cpu_read_sys(cpu, cpu->tss.base + off + 2, 2, &s);
    }
    *esp = v;
    *ss = (uint16_t)s;
    return 0;
}

int seg_check_access(struct vcpu *cpu, int seg, uint32_t off, unsigned size)
{
    const struct seg_cache *sc = &cpu->seg[seg];
    int vec = seg == S_SS ? EXC_SS : EXC_GP;
    if (!(cpu->cr0 & CR0_PE))
        return 0;
    if (!(sc->flags & D_P)) {
        vcpu_raise(cpu, vec, 0, true);
        return -1;
    }
    uint64_t last = (uint64_t)off + (size ? size : 1) - 1;
    bool expdown = desc_is_data(sc->flags) && (sc->flags & D_CONFORMING);
    if (expdown) {
        uint64_t top = (sc->flags & D_BIG) ? 0xFFFFFFFFull : 0xFFFFull;
        if (off <= sc->limit || last > top) {
            vcpu_raise(cpu, vec, 0, true);
            return -1;
        }
    } else if (last > sc->limit) {
        vcpu_raise(cpu, vec, 0, true);
        return -1;
    }
    return 0;
}
