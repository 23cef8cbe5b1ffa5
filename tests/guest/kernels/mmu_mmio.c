/*
 * mmu_mmio.c - device registers and open bus through paging, from the same
 * load and store instructions that also reach RAM.  The local APIC's page
 * is mapped at 0x40000000 and at its own address, an unbacked physical
 * page (0xE0000000: writes dropped, reads a constant) at 0x40001000 and a
 * RAM frame at 0x40002000; 0x40003000 is not present.  Two out-of-line
 * functions (one load, one store instruction each) do every access, 200
 * rounds of: TPR written through one mapping and read through the other,
 * the version register read through both, open bus read and written, the
 * RAM frame written and read.  Under --mmu=host the instructions fault on
 * the host a few times and are then translated again as explicit
 * slow-path calls: every value must stay right, RAM included.  At the end
 * the same load instruction touches the not-present page: the #PF (CR2,
 * error code) is exact, the handler maps the page and the load is
 * restarted; a store in ring 0 to a read-only page with CR0.WP faults as
 * well.
 */
#include "mmu_common.h"

#define APIC_PHYS 0xFEE00000u
#define APIC_ALIAS 0x40000000u
#define OPEN_BUS 0x40001000u
#define RAMPAGE 0x40002000u
#define LATE 0x40003000u
#define RO 0x40004000u
#define TPR 0x80u
#define VER 0x30u

static uint32_t *pd;
static uint32_t late_frame;
static volatile unsigned pf_count;
static volatile uint32_t pf_cr2, pf_err;

__attribute__((noinline)) static uint32_t load(uint32_t va)
{
    return *(volatile uint32_t *)va;
}

__attribute__((noinline)) static void store(uint32_t va, uint32_t v)
{
    *(volatile uint32_t *)va = v;
}

static int on_pf(struct isr_frame *f, uint32_t cr2)
{
    pf_count++;
    pf_cr2 = cr2;
    pf_err = f->error_code;
    if ((cr2 & PG_FRAME) == LATE) {
        mmu_map(pd, LATE, late_frame, PG_P | PG_W);
        invlpg(LATE);
        return 1;
    }
    if ((cr2 & PG_FRAME) == RO) {
        mmu_map(pd, RO, late_frame, PG_P | PG_W);
        invlpg(RO);
        return 1;
    }
    return 0;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    mmu_init();
    pd = mmu_new_pd();
    mmu_map(pd, APIC_ALIAS, APIC_PHYS, PG_P | PG_W | PG_PCD);
    mmu_map(pd, APIC_PHYS, APIC_PHYS, PG_P | PG_W | PG_PCD);
    mmu_map(pd, OPEN_BUS, 0xE0000000u, PG_P | PG_W);
    uint32_t ram = mmu_alloc();
    mmu_map(pd, RAMPAGE, ram, PG_P | PG_W);
    late_frame = mmu_alloc();
    wr32(late_frame + 8, 0x600DF00Du);
    mmu_map(pd, RO, late_frame, PG_P);
    mmu_pf_hook = on_pf;
    mmu_paging_on(pd, 1);

    unsigned tpr_ok = 0, ver_ok = 0, bus_ok = 0, ram_ok = 0;
    uint32_t ver = load(APIC_PHYS + VER), bus0 = load(OPEN_BUS);
    for (unsigned i = 0; i < 200; i++) {
        uint32_t t = (i & 0xFu) << 4;
        store(i & 1 ? APIC_ALIAS + TPR : APIC_PHYS + TPR, t);
        tpr_ok += (load(i & 1 ? APIC_PHYS + TPR : APIC_ALIAS + TPR) & 0xFFu) == t;
        ver_ok += load(i & 1 ? APIC_ALIAS + VER : APIC_PHYS + VER) == ver;
        store(OPEN_BUS + 4 * (i & 7), i + 1);
        uint32_t b = load(OPEN_BUS + 4 * (i & 7));
        bus_ok += b != i + 1 && b == bus0;
        store(RAMPAGE + 4 * (i & 15), i * 0x01010101u);
        ram_ok += load(RAMPAGE + 4 * (i & 15)) == i * 0x01010101u;
    }
    store(APIC_PHYS + TPR, 0);
    printf("TPR written and read back through the two mappings: %u/200\n", tpr_ok);
    printf("version register the same through both: %u/200\n", ver_ok);
    printf("open bus keeps nothing written: %u/200\n", bus_ok);
    printf("RAM through the same instructions: %u/200\n", ram_ok);
    uint32_t sum = 0;
    for (unsigned k = 0; k < 16; k++)
        sum += rd32(ram + 4 * k);
    printf("RAM as seen without paging: sum %08x\n", sum);

    uint32_t v = load(LATE + 8);
    printf("not-present load: %u #PF, CR2 %08x, error %x, value %08x\n", pf_count, pf_cr2,
           pf_err, v);
    pf_count = 0;
    store(RO + 12, 0x12345678u);
    printf("read-only store with WP: %u #PF, CR2 %08x, error %x, value %08x\n", pf_count, pf_cr2,
           pf_err, rd32(late_frame + 12));
    mmu_paging_off();
    return 0;
}
