/*
 * hlp_string.c - string instructions (MOVS, STOS, LODS, CMPS, SCAS, INS,
 * OUTS) with REP/REPE/REPNE, DF, 16- and 32-bit address sizes and segment
 * overrides.  Registers are updated after every element, so a fault in the
 * middle leaves a state from which the instruction restarts correctly.
 * Forward MOVS/STOS over plain RAM run a page at a time.
 */
#include <string.h>

#include "helpers.h"
#include "bus.h"
#include "mmu.h"
#include "cpu.h"

static uint32_t host_cmp_flags(uint32_t a, uint32_t b, unsigned size)
{
    uint64_t fl;
    switch (size) {
    case 1:
        __asm__("cmpb %b2, %b1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "q"(a), "q"(b) : "cc");
        break;
    case 2:
        __asm__("cmpw %w2, %w1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(a), "r"(b) : "cc");
        break;
    default:
        __asm__("cmpl %2, %1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(a), "r"(b) : "cc");
        break;
    }
    return (uint32_t)fl & EFL_ARITH;
}

static inline void upd(uint32_t *reg, uint32_t mask, int32_t delta)
{
    *reg = (*reg & ~mask) | ((*reg + (uint32_t)delta) & mask);
}

/* Bulk forward MOVS/STOS within one page of source and destination.
 * Returns elements done (0: take the element-wise path). */
static uint32_t bulk(struct vcpu *cpu, int op, unsigned size, uint32_t count,
                     uint32_t src, uint32_t dst)
{
    struct mmu *mmu = cpu->mmu;
    uint32_t room = (PAGE_SIZE - (dst & ~PAGE_MASK)) / size;
    if (op == STR_MOVS) {
        uint32_t r2 = (PAGE_SIZE - (src & ~PAGE_MASK)) / size;
        if (r2 < room)
            room = r2;
    }
    uint32_t n = count < room ? count : room;
    if (n < 2 || cpu->cr0 & CR0_PG)
        return 0;
    uint8_t *d = mmu_phys_ptr(mmu, dst, n * size);
    if (!d || mmu_is_code_page(mmu, dst))
        return 0;
    if (op == STR_MOVS) {
        uint8_t *s = mmu_phys_ptr(mmu, src, n * size);
        if (!s)
            return 0;
        if (d >= s + n * size || s >= d + n * size) {
            memcpy(d, s, (size_t)n * size);
        } else {
            /* overlapping: element by element, each read before it is written */
            for (uint32_t k = 0; k < n; k++) {
                uint32_t v;
                memcpy(&v, s + (size_t)k * size, size);
                memcpy(d + (size_t)k * size, &v, size);
            }
        }
    } else {
        uint32_t v = cpu->regs[R_EAX];
        if (size == 1)
            memset(d, (int)(v & 0xFF), n);
        else
            for (uint32_t k = 0; k < n; k++)
                memcpy(d + (size_t)k * size, &v, size);
    }
    return n;
}

HLP(hlp_string)
{
    int op = a & 0xFF;
    unsigned size = (a >> 8) & 0xF;
    int rep = (a >> 12) & 3;
    bool a16 = (a >> 14) & 1;
    int seg = (a >> 16) & 7;
    (void)b;
    uint32_t mask = a16 ? 0xFFFFu : 0xFFFFFFFFu;
    int32_t delta = (cpu->eflags & EFL_DF) ? -(int32_t)size : (int32_t)size;
    uint32_t *ecx = &cpu->regs[R_ECX];
    uint32_t *esi = &cpu->regs[R_ESI];
    uint32_t *edi = &cpu->regs[R_EDI];
    uint32_t sbase = cpu->seg[seg].base, dbase = cpu->seg[S_ES].base;
    if ((op == STR_INS || op == STR_OUTS) && !io_allowed(cpu, (uint16_t)cpu->regs[R_EDX], size))
        return 0;
    struct io_bus *bus = cpu->bus;

    for (;;) {
        if (rep && (*ecx & mask) == 0)
            break;
        uint32_t src = sbase + (*esi & mask), dst = dbase + (*edi & mask);
        bool uses_src = op == STR_MOVS || op == STR_LODS || op == STR_CMPS || op == STR_OUTS;
        bool uses_dst = op != STR_LODS && op != STR_OUTS;
        if ((uses_src && seg_check_access(cpu, seg, *esi & mask, size)) ||
            (uses_dst && seg_check_access(cpu, S_ES, *edi & mask, size)))
            return 0;   /* a fault partway through: registers say how far we got */
        uint32_t v, w;
        if (rep && delta > 0 && (op == STR_MOVS || op == STR_STOS) && !a16 &&
            cpu->seg[S_ES].limit == 0xFFFFFFFFu && cpu->seg[seg].limit == 0xFFFFFFFFu &&
            !(cpu->seg[S_ES].flags & (1u << 10)) && !(cpu->seg[seg].flags & (1u << 10))) {
            uint32_t n = bulk(cpu, op, size, *ecx & mask, src, dst);
            if (n) {
                if (op == STR_MOVS)
                    upd(esi, mask, (int32_t)(n * size));
                upd(edi, mask, (int32_t)(n * size));
                upd(ecx, mask, -(int32_t)n);
                continue;
            }
        }
        switch (op) {
        case STR_MOVS:
            if (cpu_read(cpu, src, size, &v) || cpu_write(cpu, dst, size, v))
                return 0;
            upd(esi, mask, delta);
            upd(edi, mask, delta);
            break;
        case STR_STOS:
            if (cpu_write(cpu, dst, size, cpu->regs[R_EAX]))
                return 0;
            upd(edi, mask, delta);
            break;
        case STR_LODS:
            if (cpu_read(cpu, src, size, &v))
                return 0;
            if (size == 4)
                cpu->regs[R_EAX] = v;
            else
                cpu->regs[R_EAX] = (cpu->regs[R_EAX] & ~((1u << (size * 8)) - 1)) | v;
            upd(esi, mask, delta);
            break;
        case STR_CMPS:
            if (cpu_read(cpu, src, size, &v) || cpu_read(cpu, dst, size, &w))
                return 0;
            cpu->eflags = (cpu->eflags & ~EFL_ARITH) | host_cmp_flags(v, w, size);
            upd(esi, mask, delta);
            upd(edi, mask, delta);
            break;
        case STR_SCAS:
            if (cpu_read(cpu, dst, size, &w))
                return 0;
            cpu->eflags = (cpu->eflags & ~EFL_ARITH) | host_cmp_flags(cpu->regs[R_EAX], w, size);
            upd(edi, mask, delta);
            break;
        case STR_INS:
            v = bus_port_read(bus, (uint16_t)cpu->regs[R_EDX], size);
            if (cpu_write(cpu, dst, size, v))
                return 0;
            upd(edi, mask, delta);
            break;
        case STR_OUTS:
            if (cpu_read(cpu, src, size, &v))
                return 0;
            bus_port_write(bus, (uint16_t)cpu->regs[R_EDX], size, v);
            upd(esi, mask, delta);
            break;
        }
        if (!rep)
            break;
        upd(ecx, mask, -1);
        if (op == STR_CMPS || op == STR_SCAS) {
            bool zf = cpu->eflags & EFL_ZF;
            if ((rep == REP_REP && !zf) || (rep == REP_REPNE && zf))
                break;
        }
    }
    if (cpu->smc_hit || cpu->exit_request) {
        cpu->smc_hit = false;
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
    }
    return 0;
}
