/*
 * memory.c - the vCPU's memory accesses by linear address, on the MMU's
 * TLB lookup and miss path (src/mmu/lookup.c), with the faults raised the
 * architectural way (#PF with CR2 and the error code).
 *   cpu_mem_slow: what translated code does when its inline TLB lookup
 *     misses (or, under MEM_HOST, when the window faults): translate every
 *     page of the access before touching any, refill the TLB entry of the
 *     current privilege, and either hand back the host address of RAM or
 *     stage the access in the vCPU's bounce buffer (MMIO, open bus,
 *     page-crossing accesses, stores to pages holding translated code); a
 *     bounced store is committed by cpu_mem_writeback() right after the
 *     guest instruction ran on the buffer.
 *   cpu_read/cpu_write...: the accessors of the C helpers.  They consult
 *     the same TLB first (the table of the access's privilege, the write
 *     tag for stores) and share the miss path, so a helper's repeated
 *     accesses to a page cost a lookup, not a walk.
 */
#include <string.h>

#include "cpu.h"
#include "cpu_mode.h"
#include "mmu.h"

static bool paging(const struct vcpu *cpu)
{
    return (cpu->cr0 & CR0_PG) != 0;
}

static struct mmu_paging paging_of(const struct vcpu *cpu)
{
    return (struct mmu_paging){ cpu->cr0, cpu->cr3, cpu->cr4 };
}

static void raise_pf(struct vcpu *cpu, uint32_t lin, uint32_t err)
{
    cpu->cr2 = lin;
    cpu->mmu->st.page_faults++;
    vcpu_raise(cpu, EXC_PF, err, true);
}

int cpu_translate(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *phys)
{
    uint32_t err;
    if (cpu_probe(cpu, lin, acc, phys, &err) < 0) {
        raise_pf(cpu, lin, err);
        return -1;
    }
    return 0;
}

int cpu_probe(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *phys, uint32_t *err)
{
    struct mmu_paging pg = paging_of(cpu);
    return mmu_lookup(cpu->mmu, &pg, lin, acc, phys, err);
}

struct tlb_entry *cpu_tlb_base(struct vcpu *cpu, uint32_t mode)
{
    struct mmu *mmu = cpu->mmu;
    uint32_t no_window = MODE_A20OFF | MODE_WATCH;
    if ((mode & MODE_PG) && mmu->hmmu && !(mode & no_window)) { /* --mmu=host: the window */
        struct mmu_paging pg = paging_of(cpu);
        return (struct tlb_entry *)mmu_host_base(mmu, &pg, cpu->cpl == 3);
    }
    if (mmu->window && !(mode & (MODE_PG | no_window)))
        return (struct tlb_entry *)mmu->window;
    return ((mode & MODE_PG) && cpu->cpl == 3) ? mmu->tlb_user : mmu->tlb;
}

/* Translates one page of an access of translated code (the privilege of
 * the CPL); fills the TLB on success, raises #PF on failure. */
static int xlate(struct vcpu *cpu, uint32_t lin, bool write, uint32_t *phys)
{
    if (!paging(cpu)) {
        *phys = lin & mmu_a20_mask(cpu->mmu);
        mmu_fill_identity(cpu->mmu, lin);
        return 0;
    }
    uint32_t err;
    struct mmu_paging pg = paging_of(cpu);
    if (mmu_miss(cpu->mmu, &pg, lin, cpu->cpl == 3, write, phys, &err) < 0) {
        raise_pf(cpu, lin, err);
        return -1;
    }
    return 0;
}

uint64_t cpu_mem_slow(struct vcpu *cpu, uint32_t addr, uint32_t info, uint32_t eip)
{
    struct mmu *mmu = cpu->mmu;
    unsigned size = info & MEM_SIZE_MASK;
    bool write = info & MEM_W;
    cpu->eip = eip; /* a #PF reports this instruction */
    if (cpu->wp_armed)
        dbg_wp_access(cpu, addr, size, write);
    if (write)
        mmu->st.tlb_misses_w++;
    else
        mmu->st.tlb_misses_r++;

    bool crossing = (addr & ~PAGE_MASK) + size > PAGE_SIZE;
    uint32_t phys, phys2 = 0;
    /* both pages are checked before anything is accessed */
    if (xlate(cpu, addr, write, &phys) < 0)
        return (uint64_t)(uintptr_t)cpu->bounce;
    uint32_t split = crossing ? PAGE_SIZE - (addr & ~PAGE_MASK) : size;
    if (crossing && xlate(cpu, (addr & PAGE_MASK) + PAGE_SIZE, write, &phys2) < 0)
        return (uint64_t)(uintptr_t)cpu->bounce;
    bool ram = mmu_is_plain_ram(mmu, phys);
    if (ram && !crossing && !(write && mmu_is_wp_page(mmu, phys)))
        return (uint64_t)(uintptr_t)(mmu->ram + phys);

    /* bounce */
    mmu->st.bounced++;
    cpu_clock_sync(cpu); /* MMIO devices read the time */
    if (crossing)
        mmu->st.crossing++;
    if (size > sizeof(cpu->bounce))
        size = sizeof(cpu->bounce);
    cpu->bounce_active = true;
    cpu->bounce_write = write;
    cpu->bounce_addr = phys;
    cpu->bounce_addr2 = phys2;
    cpu->bounce_split = split;
    cpu->bounce_size = size;
    if (info & MEM_R) {
        if (size <= 4 && !crossing) {
            uint32_t v = mmu_phys_read(mmu, phys, size);
            memcpy(cpu->bounce, &v, size);
        } else {
            for (unsigned i = 0; i < size; i++)
                cpu->bounce[i] =
                    (uint8_t)mmu_phys_read(mmu, i < split ? phys + i : phys2 + (i - split), 1);
        }
    } else {
        memset(cpu->bounce, 0, size);
    }
    return (uint64_t)(uintptr_t)cpu->bounce;
}

/* What the instruction does after its store (MEM_POST_*), for an exit
 * right after the store. */
static void finish_after_store(struct vcpu *cpu, uint32_t info)
{
    if (info & MEM_POST_ESP)
        cpu_set_sp(cpu, cpu->regs[R_ESP] + (uint32_t)MEM_POST_D(info, 16));
    if (info & MEM_POST_STR)
        cpu->regs[R_EDI] += (uint32_t)MEM_POST_D(info, 24);
    if (info & MEM_POST_SRC)
        cpu->regs[R_ESI] += (uint32_t)MEM_POST_D(info, 24);
}

uint64_t cpu_mem_writeback(struct vcpu *cpu, uint32_t unused, uint32_t info, uint32_t next_eip)
{
    (void)unused;
    if (!cpu->bounce_active)
        return 0;
    cpu->bounce_active = false;
    if (!cpu->bounce_write)
        return 0;
    struct mmu *mmu = cpu->mmu;
    uint32_t phys = cpu->bounce_addr;
    unsigned size = cpu->bounce_size, split = cpu->bounce_split;
    int smc = 0;
    if (size <= 4 && split >= size) {
        uint32_t v = 0;
        memcpy(&v, cpu->bounce, size);
        smc = mmu_phys_write(mmu, phys, size, v);
    } else {
        for (unsigned i = 0; i < size; i++)
            smc |= mmu_phys_write(mmu, i < split ? phys + i : cpu->bounce_addr2 + (i - split), 1,
                                  cpu->bounce[i]);
    }
    if (smc && (info & MEM_FINISH)) {
        /* the rest of the instruction runs on; the unit is left at the
         * next unit entry (the translated code of the current one is
         * still there to finish it) */
        __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_RELAXED);
    } else if (smc) {
        finish_after_store(cpu, info);
        /* the running unit may be stale: finish this instruction, leave */
        cpu->eip = next_eip;
        cpu->exit_reason = EXIT_NORMAL;
        cpu->chain_info = 0;
        cpu->helper_exit = 1;
    }
    return 0;
}

/* Translates the one or two pages of an access (both before any byte is
 * touched); *split = bytes on the first page. */
static int xlate_span(struct vcpu *cpu, uint32_t lin, unsigned size, unsigned acc, uint32_t *p1,
                      uint32_t *p2, unsigned *split)
{
    *split = PAGE_SIZE - (lin & ~PAGE_MASK);
    *p2 = 0;
    if (cpu_translate(cpu, lin, acc, p1) < 0)
        return -1;
    if (*split < size && cpu_translate(cpu, lin + *split, acc, p2) < 0)
        return -1;
    return 0;
}

/* Helper accesses within one page that hit the TLB go straight to the host
 * address: an entry maps plain RAM only, and a write tag is never present
 * on a page holding translations or traced page tables, so there is
 * nothing for mmu_phys_* to do but the copy.  With paging off the
 * supervisor table's identity entries answer (as for translated code).
 * NULL: take the full path (page-crossing accesses translate each page
 * through cpu_probe). */
static inline uint8_t *helper_fast(struct vcpu *cpu, uint32_t lin, unsigned size, bool user,
                                   bool write)
{
    if ((lin & ~PAGE_MASK) + size > PAGE_SIZE)
        return NULL;
    const struct tlb_entry *e = mmu_tlb_entry(cpu->mmu, user && paging(cpu), lin);
    if (!mmu_tlb_hit(e, lin, write))
        return NULL;
    cpu->mmu->st.helper_tlb_hits++;
    return (uint8_t *)(uintptr_t)(e->addend + lin);
}

/* Little-endian loads and stores of 1, 2 or 4 bytes at a host address
 * (constant-size copies: no library call per access). */
static inline uint32_t host_load(const uint8_t *h, unsigned size)
{
    switch (size) {
    case 1: return *h;
    case 2: {
        uint16_t v;
        memcpy(&v, h, 2);
        return v;
    }
    default: {
        uint32_t v;
        memcpy(&v, h, 4);
        return v;
    }
    }
}

static inline void host_store(uint8_t *h, unsigned size, uint32_t v)
{
    switch (size) {
    case 1: *h = (uint8_t)v; break;
    case 2: {
        uint16_t w = (uint16_t)v;
        memcpy(h, &w, 2);
        break;
    }
    default: memcpy(h, &v, 4); break;
    }
}

uint8_t *cpu_map_as(struct vcpu *cpu, uint32_t lin, unsigned len, bool user, bool write)
{
    struct mmu *mmu = cpu->mmu;
    if (len == 0 || (lin & ~PAGE_MASK) + len > PAGE_SIZE)
        return NULL;
    const struct tlb_entry *e = mmu_tlb_entry(mmu, user && paging(cpu), lin);
    if (mmu_tlb_hit(e, lin, write)) {
        mmu->st.helper_tlb_hits++;
        return (uint8_t *)(uintptr_t)(e->addend + lin);
    }
    mmu->st.helper_tlb_misses++;
    if (!paging(cpu)) {
        mmu_fill_identity(mmu, lin);
    } else {
        /* a fault is not raised here: the caller's element-wise path
         * raises it where the architecture says */
        uint32_t phys, err;
        struct mmu_paging pg = paging_of(cpu);
        if (mmu_miss(mmu, &pg, lin, user, write, &phys, &err) < 0)
            return NULL;
    }
    return mmu_tlb_hit(e, lin, write) ? (uint8_t *)(uintptr_t)(e->addend + lin) : NULL;
}

int cpu_read_as(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val, bool user)
{
    struct mmu *mmu = cpu->mmu;
    if (cpu->wp_armed)
        dbg_wp_access(cpu, lin, size, false);
    uint8_t *h = helper_fast(cpu, lin, size, user, false);
    if (h) {
        *val = host_load(h, size);
        return 0;
    }
    uint32_t p1, p2;
    unsigned split;
    if (xlate_span(cpu, lin, size, user ? WALK_USER : 0, &p1, &p2, &split) < 0)
        return -1;
    if (split >= size) {
        *val = mmu_phys_read(mmu, p1, size);
        return 0;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= mmu_phys_read(mmu, i < split ? p1 + i : p2 + (i - split), 1) << (8 * i);
    *val = v;
    return 0;
}

int cpu_write_as(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val, bool user)
{
    struct mmu *mmu = cpu->mmu;
    if (cpu->wp_armed)
        dbg_wp_access(cpu, lin, size, true);
    uint8_t *h = helper_fast(cpu, lin, size, user, true);
    if (h) {
        host_store(h, size, val);
        return 0;
    }
    uint32_t p1, p2;
    unsigned split;
    if (xlate_span(cpu, lin, size, WALK_WRITE | (user ? WALK_USER : 0), &p1, &p2, &split) < 0)
        return -1;
    int smc = 0;
    if (split >= size) {
        smc = mmu_phys_write(mmu, p1, size, val);
    } else {
        for (unsigned i = 0; i < size; i++)
            smc |= mmu_phys_write(mmu, i < split ? p1 + i : p2 + (i - split), 1,
                                  (val >> (8 * i)) & 0xFF);
    }
    if (smc)
        cpu->smc_hit = true;
    return 0;
}

int cpu_read_block(struct vcpu *cpu, uint32_t lin, unsigned n, unsigned size, uint32_t *vals,
                   bool user)
{
    const uint8_t *h = cpu_map_as(cpu, lin, n * size, user, false);
    if (h) {
        cpu->st.direct_blocks++;
        for (unsigned k = 0; k < n; k++)
            vals[k] = host_load(h + k * size, size);
        return 0;
    }
    cpu->st.element_blocks++;
    for (unsigned k = 0; k < n; k++)
        if (cpu_read_as(cpu, lin + k * size, size, &vals[k], user) < 0)
            return -1;
    return 0;
}

int cpu_push_block(struct vcpu *cpu, uint32_t base, uint32_t *esp, unsigned n, unsigned size,
                   const uint32_t *vals, bool user)
{
    uint32_t m = cpu_sp_mask(cpu), top = cpu_sp_sub(cpu, *esp, n * size);
    bool wraps = (top & m) + n * size - 1 > m; /* a 16-bit stack across 64 KiB */
    uint8_t *h = wraps ? NULL : cpu_map_as(cpu, base + (top & m), n * size, user, true);
    if (h) {
        cpu->st.direct_blocks++;
        for (unsigned k = 0; k < n; k++)
            host_store(h + (n - 1 - k) * size, size, vals[k]);
        *esp = top;
        return 0;
    }
    cpu->st.element_blocks++;
    for (unsigned k = 0; k < n; k++) {
        *esp = cpu_sp_sub(cpu, *esp, size);
        if (cpu_write_as(cpu, base + (*esp & m), size, size == 2 ? (vals[k] & 0xFFFF) : vals[k],
                         user))
            return -1;
    }
    return 0;
}

int cpu_read(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val)
{
    return cpu_read_as(cpu, lin, size, val, cpu->cpl == 3);
}

int cpu_write(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val)
{
    return cpu_write_as(cpu, lin, size, val, cpu->cpl == 3);
}

int cpu_read_sys(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val)
{
    return cpu_read_as(cpu, lin, size, val, false);
}

int cpu_write_sys(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val)
{
    return cpu_write_as(cpu, lin, size, val, false);
}
