/*
 * slowpath.c - what translated code does when the inline TLB lookup misses
 * (or, under MEM_HOST, when the window faults): translate the linear
 * address (through the guest page tables when CR0.PG is set, raising #PF
 * with CR2 and the error code when the access is not allowed), refill the
 * TLB entry of the current privilege, and either hand back the host address
 * of RAM or stage the access in the vCPU's bounce buffer (MMIO, open bus,
 * page-crossing accesses, stores to pages holding translated code).  A
 * bounced store is committed by bt_mem_writeback() right after the guest
 * instruction ran on the buffer.  Also the linear-address accessors the C
 * helpers use: they consult the same TLB first (the table of the access's
 * privilege, the write tag for stores) and share the miss path, so a
 * helper's repeated accesses to a page cost a lookup, not a walk.
 */
#include <string.h>

#include "machine.h"
#include "mmu.h"
#include "vcpu.h"
#include "walk.h"
#include "shadow.h"

static void tlb_fill(struct mmu *mmu, bool user, uint32_t lin, uint32_t phys, bool writable,
                     bool global);
static bool is_plain_ram(struct mmu *mmu, uint32_t phys);

static bool paging(const struct vcpu *cpu)
{
    return (cpu->cr0 & CR0_PG) != 0;
}

/* A guest walk, or the shadow page tables in front of it (--mmu=shadow). */
static int do_walk(struct vcpu *cpu, uint32_t lin, unsigned acc, struct walk_result *w)
{
    struct mmu *mmu = cpu->mmu;
    if (mmu->shadow)
        return shadow_translate(mmu->shadow, mmu, cpu->cr0, cpu->cr3, cpu->cr4, lin, acc, w);
    mmu->st.walks++;
    return mmu_walk(mmu, cpu->cr0, cpu->cr3, cpu->cr4, lin, acc, w);
}

/* Moves a valid entry about to be overwritten into the victim buffer. */
static void victim_push(struct mmu *mmu, const struct tlb_entry *e, bool user, bool global)
{
    if (!mmu->nvictims || e->tag_r == TLB_TAG_INVALID)
        return;
    struct tlb_victim *v = &mmu->victims[mmu->victim_next];
    mmu->victim_next = (mmu->victim_next + 1) % mmu->nvictims;
    v->e = *e;
    v->user = user;
    v->global = global;
    v->valid = 1;
}

/* Fills the entry for lin in the TLB of the given privilege. */
static void tlb_fill(struct mmu *mmu, bool user, uint32_t lin, uint32_t phys, bool writable,
                     bool global)
{
    uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
    struct tlb_entry *e = user ? &mmu->tlb_user[i] : &mmu->tlb[i];
    uint32_t page = lin & PAGE_MASK;
    if (e->tag_r != page)
        victim_push(mmu, e, user, mmu->global[(user ? mmu->tlb_entries : 0) + i]);
    e->tag_r = page;
    e->tag_w = (writable && !mmu_is_wp_page(mmu, phys)) ? page : TLB_TAG_INVALID;
    e->addend = (uint64_t)(uintptr_t)(mmu->ram + (phys & PAGE_MASK)) - page;
    mmu->global[(user ? mmu->tlb_entries : 0) + i] = global;
    mmu_tlb_note_fill(mmu, (user ? mmu->tlb_entries : 0) + i);
    mmu->st.tlb_fills++;
}

static bool is_plain_ram(struct mmu *mmu, uint32_t phys)
{
    return mmu_phys_ptr(mmu, phys & PAGE_MASK, PAGE_SIZE) != NULL;
}

/* The victim buffer: a recently evicted entry for lin that allows the
 * access goes back into the TLB (swapping with the current one). */
static bool victim_lookup(struct mmu *mmu, bool user, uint32_t lin, bool write, uint32_t *phys)
{
    uint32_t page = lin & PAGE_MASK;
    for (uint32_t k = 0; k < mmu->nvictims; k++) {
        struct tlb_victim *v = &mmu->victims[k];
        if (!v->valid || v->user != user || v->e.tag_r != page || (write && v->e.tag_w != page))
            continue;
        uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
        uint32_t slot = (user ? mmu->tlb_entries : 0) + i;
        struct tlb_entry *e = user ? &mmu->tlb_user[i] : &mmu->tlb[i];
        struct tlb_victim old = {*e, user, mmu->global[slot], e->tag_r != TLB_TAG_INVALID};
        *e = v->e;
        mmu->global[slot] = v->global;
        mmu_tlb_note_fill(mmu, slot);
        *v = old;
        *phys = (uint32_t)(e->addend + page - (uint64_t)(uintptr_t)mmu->ram) | (lin & ~PAGE_MASK);
        mmu->st.victim_hits++;
        return true;
    }
    return false;
}

/* The entry for lin in the TLB of a privilege (user: the CPL 3 table). */
static inline struct tlb_entry *tlb_entry_for(struct mmu *mmu, bool user, uint32_t lin)
{
    uint32_t i = (lin >> 12) & (mmu->tlb_entries - 1);
    return user ? &mmu->tlb_user[i] : &mmu->tlb[i];
}

/* The rule the inline lookup of translated code applies: a read needs the
 * read tag, a write the write tag (absent for pages that are not dirty yet,
 * read-only for the privilege, hold translations or traced page tables). */
static inline bool tlb_hit(const struct tlb_entry *e, uint32_t lin, bool write)
{
    return (write ? e->tag_w : e->tag_r) == (lin & PAGE_MASK);
}

/* Physical address of lin through a TLB entry that maps it. */
static inline uint32_t entry_phys(const struct mmu *mmu, const struct tlb_entry *e, uint32_t lin)
{
    return (uint32_t)(e->addend + (lin & PAGE_MASK) - (uint64_t)(uintptr_t)mmu->ram) |
           (lin & ~PAGE_MASK);
}

static void raise_pf(struct vcpu *cpu, uint32_t lin, uint32_t err)
{
    cpu->cr2 = lin;
    cpu->mmu->st.page_faults++;
    vcpu_raise(cpu, EXC_PF, err, true);
}

int mmu_translate(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *phys)
{
    uint32_t err;
    if (mmu_probe(cpu, lin, acc, phys, &err) < 0) {
        raise_pf(cpu, lin, err);
        return -1;
    }
    return 0;
}

/* The TLB miss path of one page, shared by translated code and helpers:
 * the victim buffer, then a walk (or the shadow page tables); on success
 * the TLB of the access's privilege is filled when the page is plain RAM.
 * Returns 0, or -1 with *err set (nothing raised).  Paging must be on.
 * Forced inline, and the victim search skipped without victims: as a call
 * it cost mmu_asswitch (3 million translated-code misses) 2% more host
 * instructions than the code it replaced (callgrind). */
static inline __attribute__((always_inline)) int miss_fill(struct vcpu *cpu, uint32_t lin,
                                                            bool user, bool write,
                                                            uint32_t *phys, uint32_t *err)
{
    struct mmu *mmu = cpu->mmu;
    if (mmu->nvictims && victim_lookup(mmu, user, lin, write, phys))
        return 0;
    struct walk_result w;
    unsigned acc = (write ? WALK_WRITE : 0) | (user ? WALK_USER : 0);
    if (do_walk(cpu, lin, acc, &w) < 0) {
        *err = w.err;
        return -1;
    }
    *phys = w.phys | (lin & ~PAGE_MASK);
    /* a successful write walk has set D, so the write tag goes in at once */
    if (is_plain_ram(mmu, w.phys))
        tlb_fill(mmu, user, lin, w.phys, w.write_ok && (w.dirty || write), w.global);
    return 0;
}

int mmu_probe(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *phys, uint32_t *err)
{
    struct mmu *mmu = cpu->mmu;
    bool user = (acc & WALK_USER) != 0, write = (acc & WALK_WRITE) != 0;
    if (!paging(cpu)) {
        *phys = lin;
        if (acc & WALK_EXEC)
            return 0;
        /* helpers: the identity entries of the supervisor table, filled
         * as xlate() fills them for translated code, so the next access
         * to the page is a host copy (helper_fast) */
        if (tlb_hit(tlb_entry_for(mmu, false, lin), lin, write)) {
            mmu->st.helper_tlb_hits++;
        } else {
            mmu->st.helper_tlb_misses++;
            if (is_plain_ram(mmu, lin))
                tlb_fill(mmu, false, lin, lin, true, false);
        }
        return 0;
    }
    /* instruction fetch: the TLB entry of the privilege answers (on an i686
     * what may be read may be executed), so fetches are cached and flushed
     * like data translations */
    if (acc & WALK_EXEC) {
        const struct tlb_entry *e = tlb_entry_for(mmu, user, lin);
        if (!write && tlb_hit(e, lin, false)) {
            mmu->st.fetch_hits++;
            *phys = entry_phys(mmu, e, lin);
            return 0;
        }
        struct walk_result w;
        if (do_walk(cpu, lin, acc, &w) < 0) {
            *err = w.err;
            return -1;
        }
        *phys = w.phys | (lin & ~PAGE_MASK);
        if (!write && is_plain_ram(mmu, w.phys))
            tlb_fill(mmu, user, lin, w.phys, w.write_ok && w.dirty, w.global);
        return 0;
    }
    /* helper data accesses: the TLB of the access's privilege (the
     * supervisor one for implicit supervisor accesses at CPL 3) with the
     * rules of translated code, then the same miss path */
    const struct tlb_entry *e = tlb_entry_for(mmu, user, lin);
    if (tlb_hit(e, lin, write)) {
        mmu->st.helper_tlb_hits++;
        *phys = entry_phys(mmu, e, lin);
        return 0;
    }
    mmu->st.helper_tlb_misses++;
    return miss_fill(cpu, lin, user, write, phys, err);
}

/* Translates one page of an access of translated code (the privilege of
 * the CPL); fills the TLB on success, raises #PF on failure. */
static int xlate(struct vcpu *cpu, uint32_t lin, bool write, uint32_t *phys)
{
    struct mmu *mmu = cpu->mmu;
    if (!paging(cpu)) {
        *phys = lin;
        if (is_plain_ram(mmu, lin))
            tlb_fill(mmu, false, lin, lin, true, false);
        return 0;
    }
    uint32_t err;
    if (miss_fill(cpu, lin, cpu->cpl == 3, write, phys, &err) < 0) {
        raise_pf(cpu, lin, err);
        return -1;
    }
    return 0;
}

uint64_t bt_mem_slow(struct vcpu *cpu, uint32_t addr, uint32_t info, uint32_t eip)
{
    struct mmu *mmu = cpu->mmu;
    unsigned size = info & MEM_SIZE_MASK;
    bool write = info & MEM_W;
    cpu->eip = eip;   /* a #PF reports this instruction */
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
    bool ram = is_plain_ram(mmu, phys);
    if (ram && !crossing && !(write && mmu_is_wp_page(mmu, phys)))
        return (uint64_t)(uintptr_t)(mmu->ram + phys);

    /* bounce */
    mmu->st.bounced++;
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
                cpu->bounce[i] = (uint8_t)mmu_phys_read(mmu, i < split ? phys + i : phys2 + (i - split), 1);
        }
    } else {
        memset(cpu->bounce, 0, size);
    }
    return (uint64_t)(uintptr_t)cpu->bounce;
}

uint64_t bt_mem_writeback(struct vcpu *cpu, uint32_t unused, uint32_t unused2,
                          uint32_t next_eip)
{
    (void)unused;
    (void)unused2;
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
    if (smc) {
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
    if (mmu_translate(cpu, lin, acc, p1) < 0)
        return -1;
    if (*split < size && mmu_translate(cpu, lin + *split, acc, p2) < 0)
        return -1;
    return 0;
}

/* Helper accesses within one page that hit the TLB go straight to the host
 * address: an entry maps plain RAM only, and a write tag is never present
 * on a page holding translations or traced page tables, so there is
 * nothing for mmu_phys_* to do but the copy.  With paging off the
 * supervisor table's identity entries answer (as for translated code).
 * NULL: take the full path (page-crossing accesses translate each page
 * through mmu_probe). */
static inline uint8_t *helper_fast(struct vcpu *cpu, uint32_t lin, unsigned size, bool user,
                                   bool write)
{
    struct mmu *mmu = cpu->mmu;
    if ((lin & ~PAGE_MASK) + size > PAGE_SIZE)
        return NULL;
    const struct tlb_entry *e = tlb_entry_for(mmu, user && paging(cpu), lin);
    if (!tlb_hit(e, lin, write))
        return NULL;
    mmu->st.helper_tlb_hits++;
    return (uint8_t *)(uintptr_t)(e->addend + lin);
}

int mmu_read_as(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val, bool user)
{
    struct mmu *mmu = cpu->mmu;
    uint8_t *h = helper_fast(cpu, lin, size, user, false);
    if (h) {
        uint32_t v = 0;
        memcpy(&v, h, size);
        *val = v;
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

int mmu_write_as(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val, bool user)
{
    struct mmu *mmu = cpu->mmu;
    uint8_t *h = helper_fast(cpu, lin, size, user, true);
    if (h) {
        memcpy(h, &val, size);
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
            smc |= mmu_phys_write(mmu, i < split ? p1 + i : p2 + (i - split), 1, (val >> (8 * i)) & 0xFF);
    }
    if (smc)
        cpu->smc_hit = true;
    return 0;
}

int mmu_read(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val)
{
    return mmu_read_as(cpu, lin, size, val, cpu->cpl == 3);
}

int mmu_write(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val)
{
    return mmu_write_as(cpu, lin, size, val, cpu->cpl == 3);
}

int mmu_read_sys(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t *val)
{
    return mmu_read_as(cpu, lin, size, val, false);
}

int mmu_write_sys(struct vcpu *cpu, uint32_t lin, unsigned size, uint32_t val)
{
    return mmu_write_as(cpu, lin, size, val, false);
}
