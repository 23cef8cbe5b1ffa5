/*
 * task.c - hardware task switches (JMP/CALL to a TSS or task gate, INT or
 * exception through a task gate, IRET with NT set): the outgoing state is
 * saved in the current TSS, busy bits and the back link are maintained, and
 * the incoming task's registers, LDT and segments are loaded from its TSS
 * with the architectural checks (#TS with the selector); an EFLAGS with VM
 * starts a virtual-8086 task (selector * 16 segments, CPL 3: realmode.h).
 * 32-bit TSSs only;
 * a 16-bit TSS raises #TS.  Linux uses this for its double-fault task.
 */
#include "desc.h"
#include "realmode.h"
#include "mmu.h"
#include "tcache.h"
#include "cpu.h"

/* 32-bit TSS layout */
#define TSS_LINK 0x00
#define TSS_CR3 0x1C
#define TSS_EIP 0x20
#define TSS_EFLAGS 0x24
#define TSS_REGS 0x28 /* EAX ECX EDX EBX ESP EBP ESI EDI */
#define TSS_SEGS 0x48 /* ES CS SS DS FS GS, 4 bytes each */
#define TSS_LDT 0x60
#define TSS_MIN_LIMIT 0x67

static uint32_t rd(struct vcpu *cpu, uint32_t a, unsigned size)
{
    uint32_t v = 0;
    cpu_read_sys(cpu, a, size, &v);
    return v;
}

static void wr(struct vcpu *cpu, uint32_t a, unsigned size, uint32_t v)
{
    cpu_write_sys(cpu, a, size, v);
}

/* Loads a segment register of the new task: like seg_load but faults are #TS. */
static int load_task_seg(struct vcpu *cpu, int seg, uint16_t sel)
{
    if (seg != S_CS && seg != S_SS && (sel & ~3u) == 0) {
        cpu->seg[seg].sel = sel;
        cpu->seg[seg].flags = 0;
        cpu->seg[seg].base = cpu->seg[seg].limit = 0;
        cpu->seg[seg].desc = 0;
        seg_forget_prev(cpu, seg);
        return 0;
    }
    uint32_t lo, hi;
    if ((sel & ~3u) == 0 || seg_read_desc(cpu, sel, &lo, &hi) < 0 || !(hi & D_S)) {
        vcpu_raise(cpu, EXC_TS, sel & ~3u, true);
        return -1;
    }
    if (seg == S_CS) {
        if (!desc_is_code(hi)) {
            vcpu_raise(cpu, EXC_TS, sel & ~3u, true);
            return -1;
        }
        if (!(hi & D_P)) {
            vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
            return -1;
        }
        if (seg_mark_accessed(cpu, sel, hi) < 0)
            return -1;
        seg_set_cs(cpu, sel, lo, hi, sel & 3);
        return 0;
    }
    if (seg == S_SS)
        return seg_load_ss_for(cpu, sel, cpu->cpl, EXC_TS);
    if ((hi & D_CODE) && !(hi & D_RW)) {
        vcpu_raise(cpu, EXC_TS, sel & ~3u, true);
        return -1;
    }
    if (!(hi & D_P)) {
        vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
        return -1;
    }
    seg_set_cache(&cpu->seg[seg], sel, lo, hi);
    return 0;
}

/* The new task's TSS descriptor: in the GDT (#GP), a 32-bit TSS, busy for
 * an IRET and available otherwise (#TS for a 16-bit one or an IRET to an
 * available one, else #GP), present (#NP), limit at least 0x67 (#TS). */
static int check_new_tss(struct vcpu *cpu, uint16_t sel, enum ts_reason why, uint32_t *lo,
                         uint32_t *hi)
{
    if ((sel & 4) || seg_read_desc(cpu, sel, lo, hi) < 0) {
        vcpu_raise(cpu, EXC_GP, sel & ~3u, true);
        return -1;
    }
    uint32_t type = desc_type(*hi);
    bool want_busy = why == TS_IRET;
    if ((*hi & D_S) || type != (want_busy ? SYS_TSS32_BUSY : SYS_TSS32)) {
        bool ts = want_busy || type == SYS_TSS16 || type == SYS_TSS16_BUSY;
        vcpu_raise(cpu, ts ? EXC_TS : EXC_GP, sel & ~3u, true);
        return -1;
    }
    if (!(*hi & D_P)) {
        vcpu_raise(cpu, EXC_NP, sel & ~3u, true);
        return -1;
    }
    struct seg_cache ntss;
    seg_set_cache(&ntss, sel, *lo, *hi);
    if (ntss.limit < TSS_MIN_LIMIT) {
        vcpu_raise(cpu, EXC_TS, sel & ~3u, true);
        return -1;
    }
    return 0;
}

/* Saves the outgoing task in the current TSS (EIP = resume_eip, NT clear
 * for an IRET); JMP and IRET also clear its busy bit. */
static void save_outgoing(struct vcpu *cpu, enum ts_reason why, uint32_t resume_eip)
{
    uint32_t ob = cpu->tss.base;
    uint32_t ofl = cpu->eflags;
    if (why == TS_IRET)
        ofl &= ~EFL_NT;
    wr(cpu, ob + TSS_EIP, 4, resume_eip);
    wr(cpu, ob + TSS_EFLAGS, 4, ofl);
    for (int r = 0; r < 8; r++)
        wr(cpu, ob + TSS_REGS + 4 * (uint32_t)r, 4, cpu->regs[r]);
    for (int s = 0; s < S_COUNT; s++)
        wr(cpu, ob + TSS_SEGS + 4 * (uint32_t)s, 2, cpu->seg[s].sel);
    if (why == TS_JMP || why == TS_IRET) {
        uint32_t olo, ohi;
        if (seg_read_desc(cpu, cpu->tss.sel, &olo, &ohi) == 0)
            seg_write_desc_hi(cpu, cpu->tss.sel, ohi & ~(2u << 8)); /* clear busy */
    }
}

/* Makes the new TSS the current one: its back link (CALL, INT), its busy
 * bit (all but IRET), TR, CR0.TS, and its CR3 when paging. */
static void enter_tss(struct vcpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, enum ts_reason why)
{
    uint16_t old_tr = cpu->tss.sel;
    struct seg_cache ntss;
    seg_set_cache(&ntss, sel, lo, hi);
    uint32_t nb = ntss.base;
    if (why == TS_CALL || why == TS_INT)
        wr(cpu, nb + TSS_LINK, 2, old_tr);
    if (why != TS_IRET) {
        hi |= 2u << 8; /* busy */
        seg_write_desc_hi(cpu, sel, hi);
    }
    seg_set_cache(&cpu->tss, sel, lo, hi);
    cpu->cr0 |= CR0_TS;
    uint32_t ncr3 = rd(cpu, nb + TSS_CR3, 4);
    if ((cpu->cr0 & CR0_PG) && ncr3 != cpu->cr3) {
        cpu->cr3 = ncr3;
        mmu_flush(cpu->mmu, MMU_FLUSH_CR3, ncr3, 0);
    }
}

/* The new task's EIP, EFLAGS (NT set for CALL and INT) and general
 * registers from the current TSS, and its selectors and LDT selector,
 * which take effect even if loading a descriptor faults later. */
static void load_task_state(struct vcpu *cpu, enum ts_reason why, uint16_t segs[S_COUNT],
                            uint16_t *ldt)
{
    uint32_t nb = cpu->tss.base;
    cpu->eip = rd(cpu, nb + TSS_EIP, 4);
    uint32_t nfl = rd(cpu, nb + TSS_EFLAGS, 4);
    if (why == TS_CALL || why == TS_INT)
        nfl |= EFL_NT;
    cpu->eflags = nfl | 2; /* VM: a virtual-8086 task */
    for (int r = 0; r < 8; r++)
        cpu->regs[r] = rd(cpu, nb + TSS_REGS + 4 * (uint32_t)r, 4);
    for (int s = 0; s < S_COUNT; s++)
        segs[s] = (uint16_t)rd(cpu, nb + TSS_SEGS + 4 * (uint32_t)s, 2);
    *ldt = (uint16_t)rd(cpu, nb + TSS_LDT, 2);
    for (int s = 0; s < S_COUNT; s++) {
        cpu->seg[s].sel = segs[s];
        cpu->seg[s].desc = 0; /* the cache no longer matches the selector */
        seg_forget_prev(cpu, s);
    }
    cpu->cpl = (nfl & EFL_VM) ? 3 : segs[S_CS] & 3;
    if (nfl & EFL_VM)
        cpu->st.v86_enters++;
    cpu->ldt.sel = *ldt;
}

/* The new task's LDT: null, or an LDT descriptor in the GDT (#TS). */
static int load_task_ldt(struct vcpu *cpu, uint16_t ldt)
{
    if (!(ldt & ~3u)) {
        cpu->ldt.base = cpu->ldt.limit = 0;
        cpu->ldt.flags = 0;
        return 0;
    }
    uint32_t llo, lhi;
    if ((ldt & 4) || seg_read_desc(cpu, ldt & ~4u, &llo, &lhi) < 0 || (lhi & D_S) ||
        desc_type(lhi) != SYS_LDT) {
        vcpu_raise(cpu, EXC_TS, ldt & ~3u, true);
        return -1;
    }
    seg_set_cache(&cpu->ldt, ldt, llo, lhi);
    return 0;
}

int task_switch(struct vcpu *cpu, uint16_t sel, enum ts_reason why, uint32_t resume_eip,
                bool has_err, uint32_t err)
{
    uint32_t lo, hi;
    if (check_new_tss(cpu, sel, why, &lo, &hi) < 0)
        return -1;
    save_outgoing(cpu, why, resume_eip);
    enter_tss(cpu, sel, lo, hi, why);
    uint16_t segs[S_COUNT], ldt;
    load_task_state(cpu, why, segs, &ldt);
    if (load_task_ldt(cpu, ldt) < 0)
        return -1;
    static const int order[S_COUNT] = { S_CS, S_SS, S_ES, S_DS, S_FS, S_GS };
    for (int k = 0; k < S_COUNT; k++) {
        if (cpu->eflags & EFL_VM) /* a V86 task: selector * 16 (realmode.c) */
            rm_seg_load(cpu, order[k], segs[order[k]]);
        else if (load_task_seg(cpu, order[k], segs[order[k]]) < 0)
            return -1;
    }
    if (has_err) {
        uint32_t esp = cpu_sp_sub(cpu, cpu->regs[R_ESP], 4);
        cpu_write(cpu, cpu_stack_lin(cpu, esp), 4, err);
        cpu->regs[R_ESP] = esp;
    }
    return 0;
}
