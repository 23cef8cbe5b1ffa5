/*
 * test_kpath.c - the direct guest-RAM paths of the kernel helpers and the
 * string instructions: cpu_map_as (one page, the TLB's rules, no fault
 * raised), cpu_push_block/cpu_read_block (one translation in a page,
 * element by element with the first fault otherwise), and hlp_string in
 * bulk against a reference that does one element at a time (every
 * operation, size, direction and REP form, overlapping MOVS, pages that
 * are not present, read-only or hold translations), and REP forms with a
 * zero count (nothing changes), with paging on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "helpers.h"
#include "machine.h"
#include "mmu.h"
#include "mmu/tlb.h"
#include "cpu.h"

static struct machine g_m;
static struct vcpu *cpu;

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = {
        .ram_size = 8 << 20, .tlb_entries = 16, .bus = true, .tcache_size = 1 << 20, .vcpu = true
    };
    if (fixture_machine_init(&g_m, &spec))
        return -1;
    cpu = g_m.cpu;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    return 0;
}

#define put32(a, v) fixture_put32(&g_m, a, v)
#define get32(a) fixture_get32(&g_m, a)

/* linear LIN(k) -> physical PHYS(k), 16 pages */
#define CR3 0x10000u
#define PT 0x11000u
#define NPAGES 16u
#define LIN(k) (0x400000u + (uint32_t)(k)*PAGE_SIZE)
#define PHYS(k) (0x200000u + (uint32_t)(k)*PAGE_SIZE)

static void map(unsigned k, uint32_t bits)
{
    put32(PT + 4 * k, PHYS(k) | bits);
    mmu_flush(&g_m.mmu, MMU_FLUSH_INVLPG, CR3, LIN(k));
}

static void flat(int s)
{
    cpu->seg[s] = (struct seg_cache){
        .sel = 0x10, .base = 0, .limit = 0xFFFFFFFFu, .flags = 0x9300u | (1u << 22) | (1u << 23)
    };
}

static int fresh(void **state)
{
    (void)state;
    memset(g_m.ram + CR3, 0, 2 * PAGE_SIZE);
    put32(CR3 + 4 * 1, PT | PTE_P | PTE_W | PTE_U);
    memset(g_m.mmu.code_pages, 0, g_m.mmu.ram_pages);
    memset(g_m.mmu.pt_pages, 0, g_m.mmu.ram_pages);
    mmu_tlb_flush(&g_m.mmu);
    cpu->cr0 = CR0_PE | CR0_PG;
    cpu->cr3 = CR3;
    cpu->cr4 = 0;
    cpu->cr2 = 0;
    cpu->cpl = 0;
    cpu->eflags = 2;
    cpu->pending.kind = EV_NONE;
    cpu->smc_hit = false;
    for (int s = 0; s < S_COUNT; s++)
        flat(s);
    return 0;
}

static int pending_vec(void)
{
    struct vcpu_event ev = vcpu_take_pending(cpu);
    return ev.kind == EV_NONE ? -1 : ev.vec;
}

static void test_map_rules(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W);
    map(1, PTE_P); /* read-only */
    uint8_t *h = cpu_map_as(cpu, LIN(0) + 0x100, 32, false, true);
    assert_ptr_equal(h, g_m.ram + PHYS(0) + 0x100);
    assert_true(get32(PT) & PTE_D);                                 /* the write walk set D */
    assert_null(cpu_map_as(cpu, LIN(0) + 0xFF0, 32, false, false)); /* crosses */
    assert_null(cpu_map_as(cpu, LIN(2), 4, false, false));          /* not present */
    assert_int_equal(pending_vec(), -1);                            /* nothing raised */
    assert_non_null(cpu_map_as(cpu, LIN(1), 4, false, false));
    cpu->cr0 |= CR0_WP;
    assert_null(cpu_map_as(cpu, LIN(1), 4, false, true)); /* read-only */
    assert_int_equal(pending_vec(), -1);
    assert_null(cpu_map_as(cpu, LIN(0), 4, true, false)); /* supervisor page, user access */
    g_m.mmu.code_pages[PHYS(0) >> 12] = 1;
    mmu_tlb_flush(&g_m.mmu);
    assert_null(cpu_map_as(cpu, LIN(0), 4, false, true)); /* holds translations */
    assert_non_null(cpu_map_as(cpu, LIN(0), 4, false, false));
}

static void test_push_block(void **state)
{
    (void)state;
    map(1, PTE_P | PTE_W);
    const uint32_t v[5] = { 0x11, 0x22, 0x33, 0x44, 0x55 };
    uint32_t esp = 0x800;
    uint64_t d0 = cpu->st.direct_blocks;
    assert_int_equal(cpu_push_block(cpu, LIN(1), &esp, 5, 4, v, false), 0);
    assert_int_equal(esp, 0x800 - 20);
    assert_int_equal(cpu->st.direct_blocks, d0 + 1);
    for (int k = 0; k < 5; k++)
        assert_int_equal(get32(PHYS(1) + 0x800 - 4 * (k + 1)), v[k]);
    /* across into page 0 (not present): the elements above are written,
     * the first on page 0 faults with CR2 = its address */
    esp = 8;
    assert_int_equal(cpu_push_block(cpu, LIN(1), &esp, 5, 4, v, false), -1);
    assert_int_equal(pending_vec(), EXC_PF);
    assert_int_equal(cpu->cr2, LIN(1) - 4);
    assert_int_equal(get32(PHYS(1) + 4), 0x11);
    assert_int_equal(get32(PHYS(1) + 0), 0x22);
    /* 16-bit words */
    const uint32_t w[2] = { 0xAAAA1234u, 0xBBBB5678u };
    esp = 0x100;
    assert_int_equal(cpu_push_block(cpu, LIN(1), &esp, 2, 2, w, false), 0);
    assert_int_equal(get32(PHYS(1) + 0xFC), 0x12345678u);
}

static void test_read_block(void **state)
{
    (void)state;
    map(1, PTE_P | PTE_W);
    map(2, PTE_P | PTE_W);
    for (uint32_t k = 0; k < 8; k++)
        put32(PHYS(1) + 0xFF0 + 4 * k, 0x100 + k); /* runs into page 2 */
    uint32_t v[8];
    uint64_t e0 = cpu->st.element_blocks;
    assert_int_equal(cpu_read_block(cpu, LIN(1) + 0xFF0, 8, 4, v, false), 0);
    assert_int_equal(cpu->st.element_blocks, e0 + 1);
    for (uint32_t k = 0; k < 8; k++)
        assert_int_equal(v[k], 0x100 + k);
    map(2, 0);
    assert_int_equal(cpu_read_block(cpu, LIN(1) + 0xFF0, 8, 4, v, false), -1);
    assert_int_equal(pending_vec(), EXC_PF);
    assert_int_equal(cpu->cr2, LIN(2));
}

/* ---- string instructions against a one-element-at-a-time reference ---- */

struct ref {
    uint8_t mem[NPAGES * PAGE_SIZE]; /* the pages' contents, by linear offset */
    uint32_t esi, edi, ecx, eax, fl;
};

static uint32_t ref_ld(const struct ref *r, uint32_t lin, unsigned size)
{
    uint32_t v = 0;
    memcpy(&v, r->mem + (lin - LIN(0)), size);
    return v;
}

static uint32_t sub_flags(uint32_t a, uint32_t b, unsigned size)
{
    unsigned bits = size * 8;
    uint64_t m = (bits == 32) ? 0xFFFFFFFFull : ((1ull << bits) - 1);
    uint64_t res = ((uint64_t)a - b) & m;
    uint32_t f = 0, sign = 1u << (bits - 1);
    if ((a & m) < (b & m))
        f |= EFL_CF;
    if (res == 0)
        f |= EFL_ZF;
    if (res & sign)
        f |= EFL_SF;
    if (((a ^ b) & (a ^ (uint32_t)res)) & sign)
        f |= EFL_OF;
    if (((a ^ b ^ (uint32_t)res) & 0x10))
        f |= EFL_AF;
    if (!__builtin_parity((unsigned)(res & 0xFF)))
        f |= EFL_PF;
    return f;
}

/* The instruction one element at a time (pages all present). */
static void ref_run(struct ref *r, int op, unsigned size, int rep, bool down)
{
    int32_t d = down ? -(int32_t)size : (int32_t)size;
    uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    for (;;) {
        if (rep && r->ecx == 0)
            break;
        uint32_t a, b;
        switch (op) {
        case STR_MOVS:
            a = ref_ld(r, r->esi, size);
            memcpy(r->mem + (r->edi - LIN(0)), &a, size);
            r->esi += d;
            r->edi += d;
            break;
        case STR_STOS:
            memcpy(r->mem + (r->edi - LIN(0)), &r->eax, size);
            r->edi += d;
            break;
        case STR_LODS:
            r->eax = (r->eax & ~mask) | ref_ld(r, r->esi, size);
            r->esi += d;
            break;
        case STR_CMPS:
            a = ref_ld(r, r->esi, size);
            b = ref_ld(r, r->edi, size);
            r->fl = (r->fl & ~EFL_ARITH) | sub_flags(a, b, size);
            r->esi += d;
            r->edi += d;
            break;
        case STR_SCAS:
            b = ref_ld(r, r->edi, size);
            r->fl = (r->fl & ~EFL_ARITH) | sub_flags(r->eax & mask, b, size);
            r->edi += d;
            break;
        }
        if (!rep)
            break;
        r->ecx--;
        bool zf = r->fl & EFL_ZF;
        if ((op == STR_CMPS || op == STR_SCAS) &&
            ((rep == REP_REP && !zf) || (rep == REP_REPNE && zf)))
            break;
    }
}

static struct ref g_ref;

static void run_case(int op, unsigned size, int rep, bool down, uint32_t esi, uint32_t edi,
                     uint32_t ecx, uint32_t eax)
{
    struct ref *r = &g_ref;
    *r = (struct ref){ .esi = esi, .edi = edi, .ecx = ecx, .eax = eax, .fl = 2 };
    for (unsigned k = 0; k < NPAGES; k++)
        memcpy(r->mem + k * PAGE_SIZE, g_m.ram + PHYS(k), PAGE_SIZE);
    if (down)
        r->fl |= EFL_DF;
    cpu->regs[R_ESI] = esi;
    cpu->regs[R_EDI] = edi;
    cpu->regs[R_ECX] = ecx;
    cpu->regs[R_EAX] = eax;
    cpu->eflags = r->fl;
    ref_run(r, op, size, rep, down);
    uint32_t a = (uint32_t)op | size << 8 | (uint32_t)rep << 12 | (uint32_t)S_DS << 16;
    hlp_string(cpu, a, 0, 0);
    assert_int_equal(pending_vec(), -1);
    assert_int_equal(cpu->regs[R_ESI], r->esi);
    assert_int_equal(cpu->regs[R_EDI], r->edi);
    assert_int_equal(cpu->regs[R_ECX], r->ecx);
    assert_int_equal(cpu->regs[R_EAX], r->eax);
    assert_int_equal(cpu->eflags & EFL_ARITH, r->fl & EFL_ARITH);
    for (unsigned k = 0; k < NPAGES; k++)
        assert_memory_equal(g_m.ram + PHYS(k), r->mem + k * PAGE_SIZE, PAGE_SIZE);
}

static void test_string_vs_reference(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NPAGES; k++)
        map(k, PTE_P | PTE_W);
    srand(7);
    for (uint32_t o = 0; o < NPAGES * PAGE_SIZE; o++)
        g_m.ram[PHYS(0) + o] = (uint8_t)(rand() % 7); /* small values: CMPS/SCAS matches */
    static const unsigned sizes[3] = { 1, 2, 4 };
    uint64_t bulk0 = cpu->st.string_bulk;
    for (int n = 0; n < 3000; n++) {
        int op = rand() % 5;
        unsigned size = sizes[rand() % 3];
        bool down = rand() & 1;
        int rep = (op == STR_CMPS || op == STR_SCAS) ? 1 + rand() % 2 : (rand() % 8 ? 1 : 0);
        uint32_t count = (uint32_t)(rand() % 3 ? rand() % 40 : rand() % 3000);
        uint32_t span = (count + 1) * size;
        uint32_t lo = LIN(0) + span + 8, hi = LIN(NPAGES) - span - 8;
        uint32_t esi = lo + (uint32_t)rand() % (hi - lo);
        uint32_t edi = rand() % 3 ? lo + (uint32_t)rand() % (hi - lo)
                                  : esi + (uint32_t)(rand() % 17) - 8; /* overlapping */
        run_case(op, size, rep, down, esi, edi, count, (uint32_t)rand() % 7 * 0x01010101u);
    }
    assert_true(cpu->st.string_bulk > bulk0);
}

/* A REP MOVSD whose destination runs into a not-present page stops there
 * with the registers at the element, everything before it copied. */
static void test_string_fault_midway(void **state)
{
    (void)state;
    map(0, PTE_P | PTE_W);
    map(1, PTE_P | PTE_W);
    map(4, PTE_P | PTE_W);
    for (uint32_t o = 0; o < PAGE_SIZE; o += 4)
        put32(PHYS(0) + o, 0xC0000000u | o);
    cpu->regs[R_ESI] = LIN(0) + 0x800;
    cpu->regs[R_EDI] = LIN(4) + 0xC00;
    cpu->regs[R_ECX] = 0x200;
    hlp_string(cpu, STR_MOVS | 4u << 8 | (uint32_t)REP_REP << 12 | (uint32_t)S_DS << 16, 0, 0);
    assert_int_equal(pending_vec(), EXC_PF);
    assert_int_equal(cpu->cr2, LIN(5));
    assert_int_equal(cpu->regs[R_ECX], 0x200 - 0x100);
    assert_int_equal(cpu->regs[R_ESI], LIN(0) + 0xC00);
    assert_int_equal(cpu->regs[R_EDI], LIN(5));
    assert_int_equal(get32(PHYS(4) + 0xFFC), 0xC0000BFCu);
    /* a page holding translations: element by element, SMC noticed */
    g_m.mmu.code_pages[PHYS(1) >> 12] = 1;
    mmu_tlb_flush(&g_m.mmu);
    uint64_t e0 = cpu->st.string_elements;
    cpu->regs[R_ESI] = LIN(0);
    cpu->regs[R_EDI] = LIN(1);
    cpu->regs[R_ECX] = 4;
    cpu->smc_hit = false;
    hlp_string(cpu, STR_STOS | 4u << 8 | (uint32_t)REP_REP << 12 | (uint32_t)S_DS << 16, 0, 0);
    assert_int_equal(cpu->st.string_elements, e0 + 4);
    assert_int_equal(cpu->regs[R_ECX], 0);
}

/* hlp_string(a) with ECX = ecx and EFLAGS = fl changes nothing. */
static void zero_count_case(uint32_t a, uint32_t fl, uint32_t ecx)
{
    uint32_t regs[8];
    cpu->eflags = fl;
    cpu->regs[R_ESI] = LIN(1) + 0x10;
    cpu->regs[R_EDI] = LIN(2) + 0x20;
    cpu->regs[R_ECX] = ecx;
    cpu->regs[R_EAX] = 0x01020304u;
    memcpy(regs, cpu->regs, sizeof regs);
    memcpy(g_ref.mem, g_m.ram + PHYS(0), NPAGES * PAGE_SIZE);
    hlp_string(cpu, a, 0, 0);
    assert_int_equal(pending_vec(), -1);
    assert_memory_equal(cpu->regs, regs, sizeof regs);
    assert_int_equal(cpu->eflags, fl);
    assert_memory_equal(g_m.ram + PHYS(0), g_ref.mem, NPAGES * PAGE_SIZE);
}

/* A REP form with a zero count (ECX, or CX with 16-bit addresses and
 * ECX's upper half set) does nothing: registers, every EFLAGS bit and
 * memory stay as they were, for every operation, size, prefix and
 * direction, whatever the flags held (the fuzzer's REPNE SCASD case). */
static void test_string_zero_count(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NPAGES; k++)
        map(k, PTE_P | PTE_W);
    static const uint32_t flags[3] = { 2, 2 | EFL_ARITH, 2 | EFL_CF | EFL_ZF | EFL_OF };
    uint64_t e0 = cpu->st.string_elements, b0 = cpu->st.string_bulk;
    for (int op = STR_MOVS; op <= STR_SCAS; op++)
        for (uint32_t rep = REP_REP; rep <= REP_REPNE; rep++)
            for (uint32_t a16 = 0; a16 < 2; a16++)
                for (uint32_t size = 1; size <= 4; size *= 2)
                    for (int k = 0; k < 6; k++) {
                        uint32_t a =
                            (uint32_t)op | size << 8 | rep << 12 | a16 << 14 | (uint32_t)S_DS << 16;
                        zero_count_case(a, flags[k % 3] | (k / 3 ? EFL_DF : 0),
                                        a16 ? 0xABCD0000u : 0);
                    }
    assert_int_equal(cpu->st.string_elements, e0);
    assert_int_equal(cpu->st.string_bulk, b0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_map_rules, fresh),
        cmocka_unit_test_setup(test_push_block, fresh),
        cmocka_unit_test_setup(test_read_block, fresh),
        cmocka_unit_test_setup(test_string_vs_reference, fresh),
        cmocka_unit_test_setup(test_string_fault_midway, fresh),
        cmocka_unit_test_setup(test_string_zero_count, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
