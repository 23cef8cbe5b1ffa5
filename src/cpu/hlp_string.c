/*
 * hlp_string.c - string instructions (MOVS, STOS, LODS, CMPS, SCAS, INS,
 * OUTS) with REP/REPE/REPNE, DF, 16- and 32-bit address sizes and segment
 * overrides.  Registers are updated after every element, so a fault in the
 * middle leaves a state from which the instruction restarts correctly.
 *
 * REP MOVS/STOS/LODS/CMPS/SCAS with 32-bit addresses through segments
 * that cannot fault (present, expand-up, 4 GiB limit) run in bulk: a chunk
 * is the elements that lie wholly in the current page of the source and of
 * the destination (in the direction DF says), both mapped once
 * (cpu_map_as: plain RAM the TLB allows for the access), and done in a
 * loop on host pointers with the registers advanced by the chunk.  What
 * cannot be mapped (not present, not dirty yet, read-only, MMIO, a page
 * holding translations, an element straddling two pages) goes one element
 * at a time through cpu_read/cpu_write, which raise the exact fault with
 * ESI/EDI/ECX at that element; the next element tries bulk again.  A
 * debug trap (single step, a data breakpoint) ends the instruction after
 * the iteration it comes from (str_trap_now).
 */
#include <string.h>

#include "helpers.h"
#include "bus.h"
#include "mmu.h"
#include "cpu.h"
#include "desc.h"

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

static void set_acc(struct vcpu *cpu, uint32_t v, unsigned size);
static void set_cmp_flags(struct vcpu *cpu, uint32_t v, uint32_t w, unsigned size);

/* A segment through which no access can fault: present, expand-up, with
 * a 4 GiB limit (so only paging can stop an element). */
static bool seg_unchecked(const struct seg_cache *sc)
{
    return (sc->flags & D_P) && sc->limit == 0xFFFFFFFFu &&
           !(desc_is_data(sc->flags) && (sc->flags & D_CONFORMING));
}

/* Elements of size at off (an offset, and the address in its page) that
 * lie wholly in off's page in the direction of travel, without the
 * offset wrapping. */
static uint32_t page_room(uint32_t lin, uint32_t off, unsigned size, bool down)
{
    uint32_t in = lin & ~PAGE_MASK;
    if (in + size > PAGE_SIZE)
        return 0; /* the element straddles two pages */
    if (down) {
        uint32_t n = in / size + 1;
        return off / size + 1 < n ? off / size + 1 : n;
    }
    uint32_t n = (PAGE_SIZE - in) / size;
    uint64_t left = (0x100000000ull - off) / size;
    return left < n ? (uint32_t)left : n;
}

/* Reads of [lin, lin + len) from the BIOS flash above RAM with paging off
 * (the firmware copying itself to RAM): its bytes never change, so they
 * are read in place instead of through the bus element by element. */
static uint8_t *flash_chunk(struct vcpu *cpu, uint32_t lin, uint32_t len)
{
    const struct mmu *mmu = cpu->mmu;
    uint32_t off = lin - mmu->flash_base;
    if ((cpu->cr0 & CR0_PG) || off >= mmu->flash_size || len > mmu->flash_size - off)
        return NULL;
    return (uint8_t *)(uintptr_t)(mmu->flash + off); /* only read */
}

/* The host address of the chunk of n elements from lin in the direction
 * of travel (NULL: not mappable, go element by element). */
static uint8_t *map_chunk(struct vcpu *cpu, uint32_t lin, uint32_t n, unsigned size, bool down,
                          bool write)
{
    uint32_t lo = down ? lin - (n - 1) * size : lin;
    uint8_t *h = cpu_map_as(cpu, lo, n * size, cpu->cpl == 3, write);
    if (!h && !write)
        h = flash_chunk(cpu, lo, n * size);
    return h ? h + (lin - lo) : NULL;
}

static uint32_t ld(const uint8_t *h, unsigned size)
{
    uint32_t v = 0;
    memcpy(&v, h, size == 1 ? 1 : size == 2 ? 2 : 4);
    return v;
}

/* MOVS of n elements from s to d (host addresses of the first elements,
 * step = +-size): the copy the architecture makes, element after element;
 * memmove only where it is the same. */
static void bulk_movs(uint8_t *d, const uint8_t *s, uint32_t n, unsigned size, int32_t step)
{
    size_t len = (size_t)n * size;
    const uint8_t *slo = step < 0 ? s - len + size : s;
    uint8_t *dlo = step < 0 ? d - len + size : d;
    bool overlap = dlo < slo + len && slo < dlo + len;
    if (!overlap || (step > 0 && dlo <= slo) || (step < 0 && dlo >= slo)) {
        memmove(dlo, slo, len);
        return;
    }
    /* the destination runs into source not read yet: the pattern repeats */
    for (uint32_t k = 0; k < n; k++, d += step, s += step) {
        uint32_t v = ld(s, size);
        memcpy(d, &v, size);
    }
}

static void bulk_stos(uint8_t *d, uint32_t v, uint32_t n, unsigned size, int32_t step)
{
    uint8_t *lo = step < 0 ? d - (size_t)(n - 1) * size : d;
    if (size == 1) {
        memset(lo, (int)(v & 0xFF), n);
        return;
    }
    for (uint32_t k = 0; k < n; k++, lo += size)
        memcpy(lo, &v, size);
}

/* Elements of REPE (stop_on_equal false) / REPNE CMPS or SCAS done from
 * a (NULL for SCAS: against acc) and b, up to and with the one that ends
 * the repetition; last_a and last_b: the pair compared last. */
static uint32_t bulk_cmp(const uint8_t *a, const uint8_t *b, uint32_t acc, uint32_t n,
                         unsigned size, int32_t step, bool stop_on_equal, uint32_t *last_a,
                         uint32_t *last_b)
{
    uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    uint32_t k = 0, va = acc & mask, vb = 0;
    for (; k < n; k++, b += step) {
        if (a) {
            va = ld(a, size);
            a += step;
        }
        vb = ld(b, size);
        if ((va == vb) == stop_on_equal) {
            k++;
            break;
        }
    }
    *last_a = va;
    *last_b = vb;
    return k;
}

/* One chunk of a REP string instruction in bulk; returns the elements
 * done (0: do the next element on its own). */
static uint32_t str_chunk(struct vcpu *cpu, const struct str_insn *s, uint32_t count)
{
    bool down = s->delta < 0;
    uint32_t si = cpu->regs[R_ESI], di = cpu->regs[R_EDI];
    uint32_t src = s->sbase + si, dst = s->dbase + di;
    uint32_t n = count;
    if (str_uses_src(s->op)) {
        uint32_t r = page_room(src, si, s->size, down);
        n = r < n ? r : n;
    }
    if (str_uses_dst(s->op)) {
        uint32_t r = page_room(dst, di, s->size, down);
        n = r < n ? r : n;
    }
    if (n == 0)
        return 0;
    uint8_t *hs = NULL, *hd = NULL;
    if (str_uses_src(s->op) && !(hs = map_chunk(cpu, src, n, s->size, down, false)))
        return 0;
    if (str_uses_dst(s->op) &&
        !(hd = map_chunk(cpu, dst, n, s->size, down, s->op == STR_MOVS || s->op == STR_STOS)))
        return 0;
    uint32_t va, vb;
    switch (s->op) {
    case STR_MOVS: bulk_movs(hd, hs, n, s->size, s->delta); break;
    case STR_STOS: bulk_stos(hd, cpu->regs[R_EAX], n, s->size, s->delta); break;
    case STR_LODS: set_acc(cpu, ld(hs + (int64_t)(n - 1) * s->delta, s->size), s->size); break;
    case STR_CMPS:
        n = bulk_cmp(hs, hd, 0, n, s->size, s->delta, s->rep == REP_REPNE, &va, &vb);
        set_cmp_flags(cpu, va, vb, s->size);
        break;
    case STR_SCAS:
        n = bulk_cmp(NULL, hd, cpu->regs[R_EAX], n, s->size, s->delta, s->rep == REP_REPNE, &va,
                     &vb);
        set_cmp_flags(cpu, va, vb, s->size);
        break;
    }
    int32_t moved = (int32_t)n * s->delta;
    if (str_uses_src(s->op))
        cpu->regs[R_ESI] = si + (uint32_t)moved;
    if (str_uses_dst(s->op))
        cpu->regs[R_EDI] = di + (uint32_t)moved;
    cpu->regs[R_ECX] -= n;
    cpu->st.string_bulk++;
    cpu->st.string_bulk_elements += n;
    return n;
}

/* Whether a REP form may run in bulk: 32-bit addresses through segments
 * that cannot fault, no port. */
static bool str_bulk_ok(const struct vcpu *cpu, const struct str_insn *s)
{
    return s->rep && !s->a16 && s->op != STR_INS && s->op != STR_OUTS && (cpu->cr0 & CR0_PE) &&
           (!str_uses_src(s->op) || seg_unchecked(&cpu->seg[s->seg])) &&
           (!str_uses_dst(s->op) || seg_unchecked(&cpu->seg[S_ES]));
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
        dbg_io_access(cpu, (uint16_t)port, size);
        break;
    case STR_OUTS:
        if (cpu_read(cpu, src, size, &v))
            return -1;
        bus_port_write(cpu->bus, port, size, v);
        dbg_io_access(cpu, (uint16_t)port, size);
        break;
    }
    if (str_uses_src(s->op))
        upd(esi, s->mask, s->delta);
    if (str_uses_dst(s->op))
        upd(edi, s->mask, s->delta);
    return 0;
}

/* A debug trap ends a REP instruction after the iteration it comes from,
 * EIP still at the instruction, as on a CPU (and in Bochs and QEMU): the
 * single-step trap after each iteration (EFLAGS.TF, the run loop's
 * one-instruction unit), a data breakpoint after the iteration that hit
 * it (dbg_wp_after); the handler's IRET resumes the instruction with the
 * registers as the iteration left them. */
static bool str_trap_now(const struct vcpu *cpu)
{
    return (cpu->eflags & EFL_TF) || cpu->wp_hit;
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
    bool bulk = str_bulk_ok(cpu, &s) && !(cpu->eflags & EFL_TF); /* TF: one at a time */
    for (;;) {
        if (s.rep && (*ecx & s.mask) == 0)
            break;
        if (bulk) {
            uint32_t n = str_chunk(cpu, &s, *ecx);
            if (n) {
                if (str_rep_done(cpu, &s))
                    break;
                continue;
            }
        }
        uint32_t src = s.sbase + (cpu->regs[R_ESI] & s.mask);
        uint32_t dst = s.dbase + (cpu->regs[R_EDI] & s.mask);
        if (str_check(cpu, &s) < 0)
            return 0; /* a fault partway through: registers say how far we got */
        cpu->st.string_elements++;
        if (str_element(cpu, &s, src, dst) < 0)
            return 0;
        if (!s.rep)
            break;
        upd(ecx, s.mask, -1);
        if (str_rep_done(cpu, &s))
            break;
        if ((*ecx & s.mask) && str_trap_now(cpu)) {
            vcpu_exit_at(cpu, cpu->eip, EXIT_NORMAL); /* the rest when it returns */
            return 0;
        }
    }
    if (cpu->smc_hit || cpu->exit_request || cpu->wp_hit) {
        cpu->smc_hit = false;
        vcpu_exit_at(cpu, next, EXIT_NORMAL); /* wp_hit: the trap comes now */
    }
    return 0;
}
