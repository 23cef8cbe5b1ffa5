/*
 * dbg_bp.c - breakpoints of the debug registers DR0-DR3, armed in DR7 by
 * L0-L3 or G0-G3.  Instruction breakpoints (R/W = 00): while one is armed the
 * run loop runs one-instruction units, never chained (as for gdb's
 * breakpoints), and checks each instruction's linear address before it:
 * a match raises a #DB fault at the instruction with DR6.B0-B3 saying
 * which registers matched (every one with R/W = 00 at that address,
 * armed or not, as QEMU reports them), unless EFLAGS.RF is set.  RF lets
 * one instruction through and is then cleared, as the CPU clears it after
 * an instruction completes (a handler returns with RF set to go on past
 * the breakpoint).  Data breakpoints (R/W = 01: writes, 11: reads and
 * writes): their pages never enter the TLB and the translation drops the
 * window (MODE_WATCH), so every access to them reaches a C path that
 * checks it (dbg_wp_access); the one-instruction units end at the
 * instruction, after which a hit is a #DB trap (dbg_wp_after) with DR6's
 * B bits, unless the instruction faulted.  A REP string instruction traps
 * after the iteration that hit, EIP still at it (hlp_string.c).  I/O
 * breakpoints (R/W = 10, with CR4.DE) are checked by the port helpers
 * (dbg_io_access), which end the instruction on a hit: the same trap
 * follows, without one-instruction units.  A debugger's
 * watchpoints (the gdb stub's Z2-Z4) take the same path in slots of their
 * own: a hit sets cpu->ext_stop for the stub, the guest sees nothing.
 */
#include <string.h>

#include "cpu.h"
#include "mmu.h"
#include "x86.h"

/* R/W and enable fields of DR7 for breakpoint n. */
static unsigned dr7_rw(uint32_t dr7, unsigned n)
{
    return (dr7 >> (16 + 4 * n)) & 3;
}

unsigned dbg_ibp_armed(const struct vcpu *cpu)
{
    uint32_t dr7 = cpu->dr[7];
    unsigned mask = 0;
    for (unsigned n = 0; n < 4; n++)
        if (((dr7 >> (2 * n)) & 3) && dr7_rw(dr7, n) == 0)
            mask |= 1u << n;
    return mask;
}

bool dbg_ibp_check(struct vcpu *cpu)
{
    cpu->st.ibp_checks++;
    if (cpu->eflags & EFL_RF) {
        cpu->eflags &= ~EFL_RF; /* this instruction goes through */
        return false;
    }
    uint32_t lin = cpu->seg[S_CS].base + cpu->eip, hit = 0;
    for (unsigned n = 0; n < 4; n++)
        if (dr7_rw(cpu->dr[7], n) == 0 && cpu->dr[n] == lin)
            hit |= 1u << n;
    if (!(hit & dbg_ibp_armed(cpu)))
        return false;
    cpu->dr[6] = (cpu->dr[6] & ~0xFu) | hit;
    cpu->st.ibp_hits++;
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_FAULT, .vec = EXC_DB });
    return true;
}

/* ---- data breakpoints ---- */

/* The byte length of breakpoint n (LEN 00, 01, 11, 10: 1, 2, 4, 8). */
static uint32_t dr7_len(uint32_t dr7, unsigned n)
{
    static const uint32_t len[4] = { 1, 2, 8, 4 };
    return len[(dr7 >> (18 + 4 * n)) & 3];
}

/* Appends the pages of [lo, lo + len) not yet in pages. */
static unsigned add_pages(uint32_t *pages, unsigned n, uint32_t lo, uint32_t len)
{
    for (uint32_t p = lo & ~0xFFFu;; p += 0x1000) {
        bool have = false;
        for (unsigned k = 0; k < n; k++)
            have |= pages[k] == p;
        if (!have)
            pages[n++] = p;
        if (p == ((lo + len - 1) & ~0xFFFu))
            return n;
    }
}

void dbg_wp_sync(struct vcpu *cpu)
{
    uint32_t dr7 = cpu->dr[7];
    unsigned armed = 0, n_pages = 0;
    uint32_t pages[12];
    for (unsigned n = 0; n < 4; n++) {
        unsigned rw = dr7_rw(dr7, n);
        if (!((dr7 >> (2 * n)) & 3) || (rw != 1 && rw != 3))
            continue;
        armed |= 1u << n;
        n_pages = add_pages(pages, n_pages, cpu->dr[n] & ~(dr7_len(dr7, n) - 1), 1);
    }
    for (unsigned k = 0; k < 4; k++)
        if (cpu->ext_watch[k].len) {
            armed |= 16u << k;
            n_pages = add_pages(pages, n_pages, cpu->ext_watch[k].lo, cpu->ext_watch[k].len);
        }
    struct mmu *mmu = cpu->mmu;
    bool same = armed == cpu->wp_armed && n_pages == mmu->nwatch &&
                !memcmp(pages, mmu->watch_page, n_pages * sizeof(uint32_t));
    cpu->wp_armed = armed;
    if (same)
        return;
    memcpy(mmu->watch_page, pages, n_pages * sizeof(uint32_t));
    mmu->nwatch = n_pages;
    mmu_flush(mmu, MMU_FLUSH_MODE, cpu->cr3, 0); /* no entry for a watched page may stay */
}

void dbg_ext_watch_set(struct vcpu *cpu, unsigned k, uint32_t lo, uint32_t len, unsigned kind)
{
    cpu->ext_watch[k & 3] = (struct vcpu_watch){ lo, len, kind };
    cpu->ext_stop &= ~(1u << (k & 3));
    dbg_wp_sync(cpu);
}

/* Whether [lin, lin + size) and [lo, lo + len) overlap. */
static bool overlap(uint32_t lin, unsigned size, uint32_t lo, uint32_t len)
{
    return lin - lo < len || lo - lin < size;
}

void dbg_wp_access(struct vcpu *cpu, uint32_t lin, unsigned size, bool write)
{
    uint32_t dr7 = cpu->dr[7];
    for (unsigned n = 0; n < 4; n++) {
        if (!(cpu->wp_armed & (1u << n)) || (!write && dr7_rw(dr7, n) != 3))
            continue;
        uint32_t len = dr7_len(dr7, n);
        if (overlap(lin, size, cpu->dr[n] & ~(len - 1), len))
            cpu->wp_hit |= 1u << n;
    }
    for (unsigned k = 0; k < 4; k++) {
        const struct vcpu_watch *w = &cpu->ext_watch[k];
        if (w->len && (w->kind & (write ? DBG_WATCH_WRITE : DBG_WATCH_READ)) &&
            overlap(lin, size, w->lo, w->len))
            cpu->wp_hit |= 16u << k;
    }
}

bool dbg_io_access(struct vcpu *cpu, uint16_t port, unsigned size)
{
    uint32_t dr7 = cpu->dr[7];
    if (!(dr7 & 0xFFu) || !(cpu->cr4 & CR4_DE))
        return false;
    unsigned hit = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!((dr7 >> (2 * n)) & 3) || dr7_rw(dr7, n) != 2)
            continue;
        uint32_t len = dr7_len(dr7, n);
        if (overlap(port, size, cpu->dr[n] & 0xFFFFu & ~(len - 1), len))
            hit |= 1u << n;
    }
    cpu->wp_hit |= hit;
    return hit != 0;
}

bool dbg_wp_after(struct vcpu *cpu)
{
    unsigned hit = cpu->wp_hit & 0xF, ext = cpu->wp_hit >> 4;
    cpu->wp_hit = 0;
    if (vcpu_has_pending(cpu))
        return false; /* a fault ended the instruction: no trap, no stop */
    cpu->ext_stop |= ext;
    if (!hit)
        return false;
    cpu->dr[6] = (cpu->dr[6] & ~0xFu) | hit;
    cpu->st.wp_hits++;
    vcpu_pend(cpu, (struct vcpu_event){ .kind = EV_TRAP, .vec = EXC_DB, .ret = cpu->eip });
    return true;
}
