/*
 * mmu_strict.c - paging behaviour where QEMU departs from the Intel SDM
 * (QEMU SKIP; the expected output is the SDM's behaviour).
 *
 * Reserved bits in 4 MiB PDEs (the only place 32-bit paging has them):
 * with CR4.PSE = 1, bit 21 of a PDE with PS = 1 is reserved, and bits 20:13
 * too on a CPU without PSE-36 (CPUID.1:EDX[17] = 0, like the Pentium Pro
 * xbt models).  A load, store or instruction fetch through such a PDE
 * raises #PF with RSVD = 1 and P = 1 in the error code (SDM vol. 3A 4.7:
 * "bit 3 of the error code can be set only if bit 0 is also set"), from
 * ring 0 and ring 3, even when the access would also violate U/S or R/W.
 * Not checked: in a not-present PDE (plain P = 0 fault), or with
 * CR4.PSE = 0 (PS is ignored and the PDE points to a page table whose
 * address may have bit 21 set).  QEMU 7.2 reports these faults with P = 0
 * (error codes 8, 0xA, 0xC, 0xE instead of 9, 0xB, 0xD, 0xF) and does not
 * treat bits 20:13 as reserved although its CPUID has no PSE-36.
 *
 * Code-segment accessed bits: loading CS (far JMP, far CALL, far RET,
 * IRET) sets the accessed bit of the code descriptor like any segment load
 * (SDM vol. 3A 3.4.5.1), a write to the GDT: with the GDT page read-only
 * and CR0.WP = 1 that write raises #PF (W = 1) at the far JMP, CS
 * unchanged; the handler makes the page writable and the JMP completes.
 * QEMU 7.2 never sets the accessed bit when it loads CS.
 */
#include "mmu_common.h"

#define UC 0x41000000u
#define US 0x41010000u
#define L21 0x43000000u            /* bit 21 set, user r/w */
#define L21S 0x43400000u           /* bit 21 set, supervisor read-only */
#define L13 0x43800000u            /* bit 13 set, user r/w */
#define LNP 0x43C00000u            /* bit 21 set, not present */
#define PT21 0x44000000u           /* CR4.PSE = 0: PS ignored */
#define GV 0x45000000u             /* a GDT copy, entries 8-15: code, A = 0 */

struct dtp {
    uint16_t pad, limit;
    uint32_t base;
} __attribute__((packed, aligned(4)));

static uint32_t *pd, gframe;
static volatile uint32_t f_err, f_cr2, f_eip, f_cs, f_count;

static unsigned code_a(unsigned idx) { return (rd32(GV + idx * 8 + 4) >> 8) & 1; }

/* #PF on the read-only GDT page: record, make it writable, restart. */
static int gdt_ro_fault(struct isr_frame *f, uint32_t cr2)
{
    if ((cr2 & PG_FRAME) != GV)
        return 0;
    f_err = f->error_code;
    f_cr2 = cr2;
    f_eip = f->eip;
    f_cs = f->cs & 0xFFFF;
    f_count++;
    mmu_map(pd, GV, gframe, PG_P | PG_W);
    invlpg(GV);
    return 1;
}

static void code_descriptors(void)
{
    static struct dtp gp;
    struct dtp old;

    __asm__ volatile("sgdt %0" : "=m"(old.limit));
    gframe = mmu_alloc();
    for (unsigned i = 0; i < 16; i++)
        ((uint64_t *)gframe)[i] = i < 8 ? gdt[i] : 0x00CF9A000000FFFFull;   /* code, A = 0 */
    mmu_map(pd, GV, gframe, PG_P | PG_W);
    gp.limit = 16 * 8 - 1;
    gp.base = GV;
    __asm__ volatile("lgdt %0" : : "m"(gp.limit) : "memory");

    printf("code descriptors (accessed bit clear), GDT page writable:\n");
    __asm__ volatile("ljmp $0x40, $1f\n1:\tljmp $0x08, $2f\n2:" : : : "memory");
    printf("  %-48s A=%u\n", "far jmp", code_a(8));
    __asm__ volatile("lcall $0x48, $1f\n\tjmp 2f\n1:\tlret\n2:" : : : "memory");
    printf("  %-48s A=%u\n", "far call", code_a(9));
    __asm__ volatile("pushl $0x50\n\tpushl $1f\n\tlret\n1:\tljmp $0x08, $2f\n2:" : : : "memory");
    printf("  %-48s A=%u\n", "far ret", code_a(10));
    __asm__ volatile("pushfl\n\tpushl $0x58\n\tpushl $1f\n\tiret\n1:\tljmp $0x08, $2f\n2:"
                     : : : "memory");
    printf("  %-48s A=%u\n", "iret", code_a(11));

    printf("GDT page read-only, CR0.WP=1:\n");
    mmu_map(pd, GV, gframe, PG_P);
    invlpg(GV);
    mmu_pf_hook = gdt_ro_fault;
    uint32_t mark;
    uint16_t cs;
    __asm__ volatile("movl $1f, %0\n"
                     "1:\tljmp $0x60, $2f\n"
                     "2:\tmovw %%cs, %1\n\t"
                     "ljmp $0x08, $3f\n"
                     "3:"
                     : "=&r"(mark), "=r"(cs) : : "memory");
    mmu_pf_hook = NULL;
    if (f_count)
        printf("  %-48s #PF err=%x (%s) cr2 %s eip=mark%+d\n", "far jmp", f_err,
               mmu_err_str(f_err), f_cr2 - (GV + 0x60) < 8 ? "in the descriptor" : "ELSEWHERE",
               (int)(f_eip - mark));
    else
        printf("  %-48s no fault\n", "far jmp");
    printf("  %-48s cs=%02x, then cs=%02x, A=%u\n", "  at the fault / after the retry",
           f_count ? f_cs : 0, cs, code_a(12));
    __asm__ volatile("lgdt %0" : : "m"(old.limit) : "memory");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1));
    int pse36 = (d >> 17) & 1;
    printf("CPUID PSE-36: %d\n", pse36);

    mmu_init();
    pd = mmu_new_pd();
    mmu_user_setup(pd, UC, US);
    /* code for the fetches: "mov $0x600D, %eax; ret" at the start of each
     * 4 MiB frame */
    static const uint8_t code[] = { 0xB8, 0x0D, 0x60, 0, 0, 0xC3 };
    for (uint32_t f = 0x01000000u; f < 0x01400000u; f += LPAGE_SIZE)
        memcpy((void *)(f), code, sizeof code);   /* paging is off: physical */
    *mmu_pde(pd, L21) = 0x01000000u | 0x200000u | PG_PS | PG_P | PG_W | PG_U;
    *mmu_pde(pd, L21S) = 0x01000000u | 0x200000u | PG_PS | PG_P;
    *mmu_pde(pd, L13) = 0x01000000u | 0x2000u | PG_PS | PG_P | PG_W | PG_U;
    *mmu_pde(pd, LNP) = 0x01000000u | 0x200000u | PG_PS | PG_W | PG_U;
    write_cr4(read_cr4() | CR4_PSE);
    mmu_paging_on(pd, 1);

    printf("CR4.PSE=1, 4 MiB PDE with bit 21 set:\n");
    mmu_kread("ring 0 read", L21 + 0x10);
    mmu_kwrite("ring 0 write", L21 + 0x14, 1);
    mmu_kcall("ring 0 call", L21);
    mmu_uprobe("ring 3 read", MMU_UREAD, L21 + 0x18, 0);
    mmu_uprobe("ring 3 write", MMU_UWRITE, L21 + 0x1C, 1);
    mmu_uprobe("ring 3 call", MMU_UCALL, L21 + 0x20, 0);
    printf(" supervisor read-only PDE with bit 21 set:\n");
    mmu_kwrite("ring 0 write", L21S + 0x24, 1);
    mmu_uprobe("ring 3 read", MMU_UREAD, L21S + 0x28, 0);
    mmu_uprobe("ring 3 write", MMU_UWRITE, L21S + 0x2C, 1);
    printf(" not-present PDE with bit 21 set:\n");
    mmu_kread("ring 0 read", LNP + 0x30);
    mmu_uprobe("ring 3 write", MMU_UWRITE, LNP + 0x34, 1);
    printf("CR4.PSE=1, 4 MiB PDE with bit 13 set (%s):\n",
           pse36 ? "PSE-36: physical address bit 32" : "no PSE-36: reserved");
    if (!pse36) {
        mmu_kread("ring 0 read", L13 + 0x38);
        mmu_uprobe("ring 3 read", MMU_UREAD, L13 + 0x3C, 0);
    }

    /* CR4.PSE = 0: the same PDE names a page table at an address with bit
     * 21 set (frame 0x7FE000 of the pool, whose PTE 0 maps 16 MiB) */
    mmu_paging_off();
    write_cr4(read_cr4() & ~CR4_PSE);
    if (mmu_allocated() >= (0x7FE000u - MMU_POOL_BASE) / PAGE_SIZE)
        panic("pool too small");
    uint32_t *pt = (uint32_t *)0x7FE000u;
    memset(pt, 0, PAGE_SIZE);
    pt[0] = 0x01000000u | PG_P | PG_W | PG_U;
    *mmu_pde(pd, PT21) = 0x7FE000u | PG_PS | PG_P | PG_W | PG_U;
    mmu_paging_on(pd, 1);
    printf("CR4.PSE=0, PDE with PS=1 and bit 21 set (a page table):\n");
    mmu_kread("ring 0 read", PT21);
    mmu_kcall("ring 0 call", PT21);
    mmu_uprobe("ring 3 read", MMU_UREAD, PT21 + 4, 0);
    mmu_kread("ring 0 read, PTE 1 not present", PT21 + PAGE_SIZE);

    code_descriptors();
    mmu_paging_off();
    return 0;
}
