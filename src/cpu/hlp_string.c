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
    case 1: __asm__("cmpb %b2, %b1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "q"(a), "q"(b) : "cc"); break;
    case 2: __asm__("cmpw %w2, %w1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(a), "r"(b) : "cc"); break;
    default: __asm__("cmpl %2, %1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(a), "r"(b) : "cc"); break;
    }
    return (uint32_t)fl & EFL_ARITH;
}

static inline void upd(uint32_t *reg, uint32_t mask, int32_t delta)
{
    *reg = (*reg & ~mask) | ((*reg + (uint32_t)delta) & mask);
}

/* Bulk forward MOVS/STOS within one page of source and destination.
 * Returns elements done (0: take the element-wise path). */
static uint32_t bulk(struct vcpu *cpu, int op, unsigned size, uint32_t count, uint32_t src,
                     uint32_t dst)
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

/* One string instruction: the helper's argument, decoded. */
struct str_insn {
    int op, rep, seg;      /* STR_*, REP_*, source segment */
    unsigned size;         /* element size in bytes */
    bool a16;              /* 16-bit addresses: SI, DI, CX */
    uint32_t mask;         /* of the address size */
    int32_t delta;         /* +size, or -size with DF */
    uint32_t sbase, dbase; /* source and ES segment bases */
};

static struct str_insn str_decode(const struct vcpu *cpu, uint32_t a)
{
    struct str_insn s = { .op = a & 0xFF,
                          .size = (a >> 8) & 0xF,
                          .rep = (a >> 12) & 3,
                          .a16 = (a >> 14) & 1,
                          .seg = (a >> 16) & 7 };
    s.mask = s.a16 ? 0xFFFFu : 0xFFFFFFFFu;
    s.delta = (cpu->eflags & EFL_DF) ? -(int32_t)s.size : (int32_t)s.size;
    s.sbase = cpu->seg[s.seg].base;
    s.dbase = cpu->seg[S_ES].base;
    return s;
}

/* Whether op reads the source (seg:ESI) and writes or reads ES:EDI. */
static bool str_uses_src(int op)
{
    return op == STR_MOVS || op == STR_LODS || op == STR_CMPS || op == STR_OUTS;
}

static bool str_uses_dst(int op)
{
    return op != STR_LODS && op != STR_OUTS;
}

/* The segment checks of the next element; -1: a fault was raised. */
static int str_check(struct vcpu *cpu, const struct str_insn *s)
{
    uint32_t si = cpu->regs[R_ESI] & s->mask, di = cpu->regs[R_EDI] & s->mask;
    if ((str_uses_src(s->op) && seg_check_access(cpu, s->seg, si, s->size)) ||
        (str_uses_dst(s->op) && seg_check_access(cpu, S_ES, di, s->size)))
        return -1;
    return 0;
}

/* Forward REP MOVS/STOS with 32-bit addresses through flat expand-up
 * segments, a page at a time (bulk); false: take the element-wise path. */
static bool str_bulk(struct vcpu *cpu, const struct str_insn *s, uint32_t src, uint32_t dst)
{
    const struct seg_cache *es = &cpu->seg[S_ES], *sseg = &cpu->seg[s->seg];
    if (!s->rep || s->delta <= 0 || (s->op != STR_MOVS && s->op != STR_STOS) || s->a16 ||
        es->limit != 0xFFFFFFFFu || sseg->limit != 0xFFFFFFFFu || (es->flags & (1u << 10)) ||
        (sseg->flags & (1u << 10)))
        return false;
    uint32_t n = bulk(cpu, s->op, s->size, cpu->regs[R_ECX] & s->mask, src, dst);
    if (!n)
        return false;
    if (s->op == STR_MOVS)
        upd(&cpu->regs[R_ESI], s->mask, (int32_t)(n * s->size));
    upd(&cpu->regs[R_EDI], s->mask, (int32_t)(n * s->size));
    upd(&cpu->regs[R_ECX], s->mask, -(int32_t)n);
    return true;
}

/* AL, AX or EAX = v */
static void set_acc(struct vcpu *cpu, uint32_t v, unsigned size)
{
    if (size == 4)
        cpu->regs[R_EAX] = v;
    else
        cpu->regs[R_EAX] = (cpu->regs[R_EAX] & ~((1u << (size * 8)) - 1)) | v;
}

/* The arithmetic flags of CMP v, w */
static void set_cmp_flags(struct vcpu *cpu, uint32_t v, uint32_t w, unsigned size)
{
    cpu->eflags = (cpu->eflags & ~EFL_ARITH) | host_cmp_flags(v, w, size);
}

/* One element at src / dst, then ESI / EDI advanced; -1: a fault was
 * raised (the registers still point at the element). */
static int str_element(struct vcpu *cpu, const struct str_insn *s, uint32_t src, uint32_t dst)
{
    uint32_t *esi = &cpu->regs[R_ESI], *edi = &cpu->regs[R_EDI];
    uint16_t port = (uint16_t)cpu->regs[R_EDX];
    unsigned size = s->size;
    uint32_t v, w;
    switch (s->op) {
    case STR_MOVS:
        if (cpu_read(cpu, src, size, &v) || cpu_write(cpu, dst, size, v))
            return -1;
        break;
    case STR_STOS:
        if (cpu_write(cpu, dst, size, cpu->regs[R_EAX]))
            return -1;
        break;
    case STR_LODS:
        if (cpu_read(cpu, src, size, &v))
            return -1;
        set_acc(cpu, v, size);
        break;
    case STR_CMPS:
        if (cpu_read(cpu, src, size, &v) || cpu_read(cpu, dst, size, &w))
            return -1;
        set_cmp_flags(cpu, v, w, size);
        break;
    case STR_SCAS:
        if (cpu_read(cpu, dst, size, &w))
            return -1;
        set_cmp_flags(cpu, cpu->regs[R_EAX], w, size);
        break;
    case STR_INS:
        if (cpu_write(cpu, dst, size, bus_port_read(cpu->bus, port, size)))
            return -1;
        break;
    case STR_OUTS:
        if (cpu_read(cpu, src, size, &v))
            return -1;
        bus_port_write(cpu->bus, port, size, v);
        break;
    }
    if (str_uses_src(s->op))
        upd(esi, s->mask, s->delta);
    if (str_uses_dst(s->op))
        upd(edi, s->mask, s->delta);
    return 0;
}

/* REPE / REPNE CMPS and SCAS stop on ZF. */
static bool str_rep_done(const struct vcpu *cpu, const struct str_insn *s)
{
    if (s->op != STR_CMPS && s->op != STR_SCAS)
        return false;
    bool zf = cpu->eflags & EFL_ZF;
    return (s->rep == REP_REP && !zf) || (s->rep == REP_REPNE && zf);
}

HLP(hlp_string)
{
    struct str_insn s = str_decode(cpu, a);
    uint32_t *ecx = &cpu->regs[R_ECX];
    bool io = s.op == STR_INS || s.op == STR_OUTS;
    if (io && !io_allowed(cpu, (uint16_t)cpu->regs[R_EDX], s.size))
        return 0;
    if (io)
        cpu_clock_sync(cpu);
    for (;;) {
        if (s.rep && (*ecx & s.mask) == 0)
            break;
        uint32_t src = s.sbase + (cpu->regs[R_ESI] & s.mask);
        uint32_t dst = s.dbase + (cpu->regs[R_EDI] & s.mask);
        if (str_check(cpu, &s) < 0)
            return 0; /* a fault partway through: registers say how far we got */
        if (str_bulk(cpu, &s, src, dst))
            continue;
        if (str_element(cpu, &s, src, dst) < 0)
            return 0;
        if (!s.rep)
            break;
        upd(ecx, s.mask, -1);
        if (str_rep_done(cpu, &s))
            break;
    }
    if (cpu->smc_hit || cpu->exit_request) {
        cpu->smc_hit = false;
        vcpu_exit_at(cpu, next, EXIT_NORMAL);
    }
    return 0;
}
