/*
 * test_realmode.c - real-address and virtual-8086 mode in the CPU layer
 * (src/cpu/realmode.c, v86.c, vcpu_reset, vcpu_set_a20): the reset state
 * and its mode key, segment loads keeping the cached limit in real mode
 * (unreal) but not in V86, IVT delivery (frame, flags, SP wrap, #GP past
 * the IDTR limit), #SS on a push beyond the SS limit, IRET's flag masks,
 * the IOPL-sensitive trap in V86, the mode keys of real mode, V86 and
 * protected mode, and the A20 gate masking physical addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "machine.h"
#include "cpu.h"
#include "cpu_mode.h"
#include "cpu/desc.h"
#include "cpu/realmode.h"

static struct machine g_m;
static struct vcpu *cpu;

static int setup(void **state)
{
    (void)state;
    const struct fixture_spec spec = { .ram_size = 4 << 20, .bus = true, .vcpu = true };
    if (fixture_machine_init(&g_m, &spec))
        return -1;
    cpu = g_m.cpu;
    vcpu_reset(cpu);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_machine_destroy(&g_m);
    cpu = NULL;
    return 0;
}

static uint16_t get16(uint32_t a)
{
    uint16_t v;
    memcpy(&v, g_m.ram + a, 2);
    return v;
}

static void test_reset_state(void **state)
{
    (void)state;
    assert_int_equal(cpu->seg[S_CS].sel, 0xF000);
    assert_int_equal(cpu->seg[S_CS].base, 0xFFFF0000u);
    assert_int_equal(cpu->seg[S_CS].limit, 0xFFFF);
    assert_int_equal(cpu->eip, 0xFFF0);
    assert_int_equal(cpu->cr0, 0x60000010u);
    assert_int_equal(cpu->regs[R_EDX], 0x633);
    assert_int_equal(cpu->eflags, 2);
    assert_int_equal(cpu->idtr.limit, 0xFFFF);
    uint32_t k = cpu_mode_key(cpu);
    assert_true(k & MODE_REAL);
    assert_true(k & MODE_CODE16);
    assert_true(k & MODE_STACK16);
    assert_false(k & MODE_V86);
    assert_false(k & MODE_A20OFF);
}

static void test_unreal_load(void **state)
{
    (void)state;
    cpu->seg[S_DS].limit = 0xFFFFFFFFu;
    cpu->seg[S_DS].flags = 0x9300u | D_BIG | (1u << 23);
    assert_int_equal(seg_load(cpu, S_DS, 0x1234), 0);
    assert_int_equal(cpu->seg[S_DS].base, 0x12340);
    assert_int_equal(cpu->seg[S_DS].limit, 0xFFFFFFFFu); /* kept: unreal mode */
    assert_true(cpu->seg[S_DS].flags & D_BIG);
    /* V86: a 64 KiB, 16-bit, DPL-3 segment whatever was cached */
    cpu->cr0 |= CR0_PE;
    cpu->eflags |= EFL_VM;
    assert_int_equal(seg_load(cpu, S_DS, 0x2000), 0);
    assert_int_equal(cpu->seg[S_DS].base, 0x20000);
    assert_int_equal(cpu->seg[S_DS].limit, 0xFFFF);
    assert_false(cpu->seg[S_DS].flags & D_BIG);
    assert_int_equal(desc_dpl(cpu->seg[S_DS].flags), 3);
}

static void test_ivt_delivery(void **state)
{
    (void)state;
    uint32_t err;
    cpu->idtr = (struct dtr){ 0, 0x3FF };
    uint32_t ent = 0x0000ABCDu | (0x1000u << 16);
    memcpy(g_m.ram + 0x21 * 4, &ent, 4);
    rm_seg_load(cpu, S_CS, 0x3000);
    rm_seg_load(cpu, S_SS, 0x4000);
    cpu->regs[R_ESP] = 0xABCD0000u; /* SP = 0: the frame wraps to FFFA */
    cpu->eflags = 2 | EFL_IF | EFL_TF | EFL_CF;
    assert_int_equal(rm_deliver(cpu, 0x21, 0x1234, &err), -1);
    assert_int_equal(cpu->seg[S_CS].sel, 0x1000);
    assert_int_equal(cpu->seg[S_CS].base, 0x10000);
    assert_int_equal(cpu->eip, 0xABCD);
    assert_int_equal(cpu->regs[R_ESP], 0xABCDFFFAu);
    assert_int_equal(get16(0x40000 + 0xFFFA), 0x1234);
    assert_int_equal(get16(0x40000 + 0xFFFC), 0x3000);
    assert_int_equal(get16(0x40000 + 0xFFFE), 2 | EFL_IF | EFL_TF | EFL_CF);
    assert_int_equal(cpu->eflags, 2 | EFL_CF); /* IF and TF cleared */
    assert_int_equal(cpu->st.rm_ints, 1);
    /* beyond the IDTR limit: #GP, nothing changed */
    cpu->idtr.limit = 0x83;
    assert_int_equal(rm_deliver(cpu, 0x21, 0, &err), EXC_GP);
    assert_int_equal(cpu->eip, 0xABCD);
    assert_int_equal(cpu->regs[R_ESP], 0xABCDFFFAu);
}

static void test_stack_limit(void **state)
{
    (void)state;
    uint32_t sp = 1;
    assert_int_equal(rm_push(cpu, &sp, 0x55, 2), -1); /* a word at FFFF */
    assert_int_equal(sp, 1);
    assert_true(vcpu_has_pending(cpu));
    assert_int_equal(cpu->pending.vec, EXC_SS);
    vcpu_take_pending(cpu);
    sp = 2;
    assert_int_equal(rm_push(cpu, &sp, 0x55, 2), 0);
    assert_int_equal(sp, 0);
}

static void test_iret_masks(void **state)
{
    (void)state;
    uint32_t sp = 0x100;
    rm_seg_load(cpu, S_SS, 0);
    cpu->regs[R_ESP] = sp;
    assert_int_equal(rm_push(cpu, &sp, 0xFFFFFFFFu, 4), 0); /* EFLAGS */
    assert_int_equal(rm_push(cpu, &sp, 0x2000, 4), 0);
    assert_int_equal(rm_push(cpu, &sp, 0x10, 4), 0);
    cpu->regs[R_ESP] = sp;
    cpu->eflags = 2;
    assert_int_equal(rm_iret(cpu, 4), 0);
    /* VM, VIF, VIP never come from a real-mode IRET's popped EFLAGS */
    assert_int_equal(cpu->eflags, 0x257FD5u | 2);
    assert_int_equal(cpu->seg[S_CS].base, 0x20000);
    assert_int_equal(cpu->eip, 0x10);
    assert_int_equal(cpu->regs[R_ESP], 0x100);
}

static void test_v86_iopl(void **state)
{
    (void)state;
    assert_false(v86_iopl_trap(cpu)); /* real mode: not V86 */
    cpu->cr0 |= CR0_PE;
    cpu->eflags = 2 | EFL_VM;
    cpu->cpl = 3;
    assert_true(v86_iopl_trap(cpu));
    assert_int_equal(cpu->pending.vec, EXC_GP);
    vcpu_take_pending(cpu);
    cpu->eflags |= EFL_IOPL;
    assert_false(v86_iopl_trap(cpu));
    assert_int_equal(cpu->st.v86_traps, 1);
}

static void test_mode_keys_differ(void **state)
{
    (void)state;
    uint32_t real = cpu_mode_key(cpu);
    cpu->cr0 |= CR0_PE;
    uint32_t pm16 = cpu_mode_key(cpu);
    cpu->eflags |= EFL_VM;
    cpu->cpl = 3;
    uint32_t v86 = cpu_mode_key(cpu);
    assert_true(real & MODE_REAL);
    assert_false(pm16 & (MODE_REAL | MODE_V86));
    assert_true(v86 & MODE_V86);
    assert_true(real != pm16 && pm16 != v86 && real != v86);
}

static void test_a20(void **state)
{
    (void)state;
    uint32_t v;
    memcpy(g_m.ram + 0x100010, "\x11\x22\x33\x44", 4);
    memcpy(g_m.ram + 0x000010, "\x55\x66\x77\x88", 4);
    assert_int_equal(cpu_read(cpu, 0x100010, 4, &v), 0);
    assert_int_equal(v, 0x44332211u);
    vcpu_set_a20(cpu, false);
    assert_true(cpu_mode_key(cpu) & MODE_A20OFF);
    assert_int_equal(cpu_read(cpu, 0x100010, 4, &v), 0);
    assert_int_equal(v, 0x88776655u); /* wraps to 0x10, as an 8086 */
    vcpu_set_a20(cpu, true);
    assert_int_equal(cpu_read(cpu, 0x100010, 4, &v), 0);
    assert_int_equal(v, 0x44332211u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreal_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ivt_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iret_masks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v86_iopl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_keys_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a20, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
