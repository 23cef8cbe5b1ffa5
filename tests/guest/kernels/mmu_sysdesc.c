/*
 * mmu_sysdesc.c - system structures at linear addresses that differ from
 * their physical ones: the GDT, IDT, TSS and the ring-0 stack for ring 3
 * are copied into pages mapped at 0x40000000+ (not identity-mapped), so
 * the CPU must reach them through the page tables.  Their accesses are
 * implicit supervisor-mode accesses (SDM vol. 3A 4.6): allowed from ring 3
 * while the pages are supervisor-only, and a #PF they raise has U/S = 0 in
 * the error code even at CPL 3.  Checks: segment loads (ring 0, ring 3)
 * with the descriptor in a not-present page (#PF, CR2 = the descriptor),
 * in a present page; setting a data descriptor's accessed bit (MOV to FS)
 * or a TSS descriptor's busy bit (LTR) in a read-only GDT page with
 * CR0.WP = 1: a #PF with W = 1, a fault like any other (EIP = the
 * instruction, the segment register or TR unchanged), after which the
 * handler makes the page writable and the instruction completes (code
 * descriptors: mmu_strict, QEMU does not set their accessed bit);
 * exceptions and `int` delivered through the paged IDT; ring 3 -> 0
 * transitions taking SS0:ESP0 from the paged TSS onto the paged kernel
 * stack.
 */
#include "mmu_common.h"

#define GV 0x40000000u             /* GDT at GV + 0xFD0: entries 0-5 in page 0, 6-9 in page 1 */
#define GDT_AT (GV + 0x1000 - 6 * 8)
#define IV 0x40010000u             /* IDT */
#define TV 0x40020000u             /* TSS */
#define KS 0x40030000u             /* ring-0 stack for ring 3 */
#define UC 0x41000000u
#define US 0x41010000u
#define SEL6 0x30                  /* kernel data, in page 1 */
#define SEL7 0x3B                  /* user data (DPL 3), in page 1 */
#define SEL9 0x48                  /* TSS (for TV), in page 1 */

struct dtp {
    uint16_t pad, limit;
    uint32_t base;
} __attribute__((packed, aligned(4)));

static uint32_t *pd;
static uint32_t g1;                /* frame of the GDT's second page */

static void load_fs(const char *what, uint16_t sel)
{
    mmu_clear();
    __asm__ volatile(MMU_TRY "movw %w0, %%fs" MMU_END : : "r"((uint32_t)sel) : "memory");
    char buf[80];
    if (mmu_trap.vector < 0) {
        uint16_t fs;
        __asm__ volatile("movw %%fs, %0" : "=r"(fs));
        printf("  %-48s ok, fs=%02x\n", what, fs);
    } else {
        printf("  %-48s %s\n", what, mmu_trap_str(buf, sizeof buf));
    }
    mmu_clear();
    __asm__ volatile("movw %w0, %%fs" : : "r"((uint32_t)KERNEL_DS));
}

static void set_g1(uint32_t flags)
{
    mmu_map(pd, GV + PAGE_SIZE, g1, flags);
    invlpg(GV + PAGE_SIZE);
}

/* A #PF on the read-only GDT page: record it, make the page writable,
 * restart the instruction. */
static volatile uint32_t a_err, a_cr2, a_eip, a_fs, a_tr, a_count;
static int gdt_ro_fault(struct isr_frame *f, uint32_t cr2)
{
    if ((cr2 & PG_FRAME) != GV + PAGE_SIZE || !(f->error_code & PF_W))
        return 0;
    a_err = f->error_code;
    a_cr2 = cr2;
    a_eip = f->eip;
    a_fs = f->fs & 0xFFFF;
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    a_tr = tr;
    a_count++;
    set_g1(PG_P | PG_W);
    return 1;
}

static void show_a(const char *what, uint32_t mark, unsigned idx)
{
    if (!a_count) {
        printf("  %-48s no fault\n", what);
        return;
    }
    uint32_t d = GDT_AT + idx * 8;
    printf("  %-48s #PF err=%x (%s) cr2 %s eip=mark%+d\n", what, a_err, mmu_err_str(a_err),
           a_cr2 - d < 8 ? "in the descriptor" : "ELSEWHERE", (int)(a_eip - mark));
    a_count = 0;
}

static uint32_t desc_hi(unsigned idx) { return rd32(GDT_AT + idx * 8 + 4); }

/* Clears the accessed bit of GDT entry idx (6-9, through g1's identity map). */
static void clear_a(unsigned idx) { ((uint64_t *)g1)[idx - 6] &= ~(1ull << 40); }

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    uint32_t uc = mmu_user_setup(pd, UC, US);
    /* at UC+0x800: mov $SEL7, %ax; mov %ax, %fs; int $0x2F */
    static const uint8_t ld[] = { 0x66, 0xB8, SEL7, 0, 0x8E, 0xE0, 0xCD, 0x2F };
    memcpy((void *)(uc + 0x800), ld, sizeof ld);

    uint32_t g0 = mmu_map_new(pd, GV, 1, PG_P | PG_W);
    g1 = mmu_alloc();
    uint32_t iv = mmu_map_new(pd, IV, 1, PG_P | PG_W);
    mmu_map_new(pd, TV, 1, PG_P | PG_W);
    mmu_map_new(pd, KS, 1, PG_P | PG_W);
    /* the GDT: crt0's entries 0-4, 5 = a TSS for TV; in the second page,
     * with accessed bits clear: 6 = kernel data, 7 = user data, 9 =
     * another (available) TSS for TV */
    uint64_t *g = (uint64_t *)(g0 + 0x1000 - 6 * 8);
    for (unsigned i = 0; i < 5; i++)
        g[i] = gdt[i];
    uint32_t tss_limit = sizeof(struct tss32) - 1;
    g[5] = (uint64_t)tss_limit | (uint64_t)(TV & 0xFFFFFF) << 16 | (uint64_t)0x89 << 40 |
           (uint64_t)(TV >> 24) << 56;
    ((uint64_t *)g1)[0] = 0x00CF92000000FFFFull;    /* DPL 0 data, A = 0 */
    ((uint64_t *)g1)[1] = 0x00CFF2000000FFFFull;    /* DPL 3 data, A = 0 */
    ((uint64_t *)g1)[3] = g[5];                      /* available TSS */
    /* the IDT: a copy of the runtime's */
    struct dtp cur;
    __asm__ volatile("sidt %0" : "=m"(cur.limit));
    memcpy((void *)iv, (void *)cur.base, cur.limit + 1u);

    mmu_paging_on(pd, 1);
    static struct dtp gp, ip;
    gp.limit = 10 * 8 - 1;
    gp.base = GDT_AT;
    ip.limit = cur.limit;
    ip.base = IV;
    __asm__ volatile("lgdt %0\n\t"
                     "lidt %1"
                     : : "m"(gp.limit), "m"(ip.limit) : "memory");
    struct tss32 *t = (struct tss32 *)TV;
    memset(t, 0, sizeof *t);
    t->ss0 = KERNEL_DS;
    t->esp0 = KS + PAGE_SIZE;
    t->iomap_base = sizeof *t;
    __asm__ volatile("ltr %w0" : : "r"((uint32_t)TSS_SEL));
    printf("GDT at %08x, IDT at %08x, TSS at %08x (paged)\n", gp.base, ip.base, TV);

    printf("ring 0:\n");
    load_fs("load fs, descriptor page not present", SEL6);
    set_g1(PG_P | PG_W);
    load_fs("load fs, writable page", SEL6);
    mmu_kread("read through the paged IDT's #PF handler", 0x50000000);

    printf("accessed and busy bits in a read-only GDT page (WP = 1):\n");
    mmu_pf_hook = gdt_ro_fault;
    clear_a(6);
    set_g1(PG_P);
    uint32_t mark;
    uint16_t fs, tr;
    __asm__ volatile("movl $1f, %0\n"
                     "1:\tmovw %w2, %%fs\n\t"
                     "movw %%fs, %1\n\t"
                     "movw %w3, %%fs"
                     : "=&r"(mark), "=r"(fs)
                     : "r"((uint32_t)SEL6), "r"((uint32_t)KERNEL_DS)
                     : "memory");
    show_a("mov to fs, A = 0", mark, 6);
    printf("  %-48s fs=%02x, then fs=%02x, A=%u\n", "  at the fault / after the retry", a_fs, fs,
           (desc_hi(6) >> 8) & 1);
    set_g1(PG_P);
    __asm__ volatile("movl $1f, %0\n"
                     "1:\tltr %w2\n\t"
                     "str %1"
                     : "=&r"(mark), "=r"(tr)
                     : "r"((uint32_t)SEL9)
                     : "memory");
    show_a("ltr, TSS descriptor not busy", mark, 9);
    printf("  %-48s tr=%02x, then tr=%02x, busy=%u\n", "  at the fault / after the retry", a_tr,
           tr, (desc_hi(9) >> 9) & 1);
    mmu_pf_hook = NULL;

    printf("ring 3 (GDT, IDT, TSS, stack in supervisor pages):\n");
    set_g1(0);
    mmu_uprobe_at("load fs, descriptor page not present", UC + 0x800, UC);
    clear_a(7);
    set_g1(PG_P);
    mmu_pf_hook = gdt_ro_fault;
    mmu_uprobe_at("load fs, read-only page, A = 0", UC + 0x800, UC);
    show_a("  the #PF (a supervisor write)", UC + 0x804, 7);
    printf("  %-48s fs=%02x, A=%u\n", "  fs at the fault, A after the retry", a_fs,
           (desc_hi(7) >> 8) & 1);
    mmu_pf_hook = NULL;
    mmu_uprobe_at("load fs, supervisor page", UC + 0x800, UC);
    mmu_uprobe("read supervisor GDT page", MMU_UREAD, GV, 0);
    mmu_uprobe("read not present page: #PF through the paged IDT", MMU_UREAD, 0x50000000, 0);
    mmu_uprobe("call user code", MMU_UCALL, MMU_UCONST(UC), 0);
    printf("  %-48s %s\n", "ring-0 frames on the paged stack",
           (rd32(KS + PAGE_SIZE - 4) & 0xFFFF) == USER_DS ? "yes" : "no");

    /* back to the runtime's tables before turning paging off */
    cur.pad = 0;
    __asm__ volatile("lidt %0" : : "m"(cur.limit) : "memory");
    __asm__ volatile("lgdt gdt_desc" : : : "memory");
    mmu_paging_off();
    return 0;
}
