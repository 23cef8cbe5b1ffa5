/*
 * test_profile.c - the guest profiler (src/profile): symbol listings and
 * ELF symbol tables, the side-effect-free page walk its stacks use
 * (mmu_peek_linear), and sampling on a virtual clock down to the report
 * and the folded stacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "fixture.h"
#include "profile.h"
#include "vcpu.h"
#include "profile/profile_int.h"
#include "profile/symbols.h"

#define RAM (1u << 20)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char listing[] = "c1000000 T startup_32\n"
                              "c1000000 T _text\n"
                              "c1000100 t helper\n"
                              "c1000200 D some_data\n"
                              "garbage from a console\n"
                              "c1000300 W weak_fn\n"
                              "c1000400 T \x01\x02noise\n";

static void test_listing(void **state)
{
    (void)state;
    char path[] = "/tmp/xbt-test-syms-XXXXXX", err[256];
    close(mkstemp(path));
    write_file(path, listing);
    struct symtab t = { 0 };
    assert_int_equal(symtab_load(&t, path, err, sizeof(err)), 0);
    symtab_finish(&t);
    assert_int_equal(t.n, 3); /* aliases, data and noise dropped */
    assert_null(symtab_find(&t, 0xC0FFFFFFu));
    assert_string_equal(symtab_find(&t, 0xC1000000u)->name, "startup_32");
    assert_string_equal(symtab_find(&t, 0xC10000FFu)->name, "startup_32");
    assert_string_equal(symtab_find(&t, 0xC1000250u)->name, "helper"); /* data skipped */
    assert_string_equal(symtab_find(&t, 0xC1000500u)->name, "weak_fn");
    symtab_free(&t);
    write_file(path, "no symbols here\n");
    assert_int_equal(symtab_load(&t, path, err, sizeof(err)), XBT_EFORMAT);
    assert_non_null(strstr(err, "no text symbols"));
    symtab_free(&t);
    unlink(path);
    assert_int_equal(symtab_load(&t, path, err, sizeof(err)), XBT_ENOENT);
    assert_int_equal(profile_check_symbols(path, err, sizeof(err)), XBT_ENOENT);
}

/* This test program's own ELF symbol table: sized functions. */
static void test_elf(void **state)
{
    (void)state;
    char err[256];
    struct symtab t = { 0 };
    assert_int_equal(symtab_load(&t, "/proc/self/exe", err, sizeof(err)), 0);
    symtab_finish(&t);
    const struct sym *s = NULL;
    for (size_t i = 0; i < t.n && !s; i++)
        if (!strcmp(t.v[i].name, "test_elf"))
            s = &t.v[i];
    assert_non_null(s);
    assert_true(s->size > 0);
    assert_ptr_equal(symtab_find(&t, s->addr + s->size - 1), s);
    const struct sym *after = symtab_find(&t, s->addr + s->size);
    assert_true(after != s);
    symtab_free(&t);
}

static void test_eip_table(void **state)
{
    (void)state;
    struct eip_table t = { 0 };
    for (uint32_t i = 0; i < 5000; i++)
        assert_int_equal(eip_table_add(&t, i * 4096u, i + 1), 0);
    assert_int_equal(eip_table_add(&t, 4096u, 10), 0);
    assert_int_equal(t.used, 5000);
    assert_int_equal(eip_table_get(&t, 4096u), 12);
    assert_int_equal(eip_table_get(&t, 4999u * 4096u), 5000);
    assert_int_equal(eip_table_get(&t, 3u), 0);
    eip_table_free(&t);
}

/* A page directory at 0x1000 mapping linear 0x400000 + i*4K to physical
 * 0x10000 + i*4K through the table at 0x2000 (A bits clear). */
static void map_pages(struct machine *m)
{
    uint32_t pde = 0x2000u | 7, pte;
    memcpy(m->ram + 0x1000 + 1 * 4, &pde, 4);
    for (uint32_t i = 0; i < 16; i++) {
        pte = (0x10000u + i * 4096u) | 7;
        memcpy(m->ram + 0x2000 + i * 4, &pte, 4);
    }
    m->cpu->cr0 = CR0_PE | CR0_PG;
    m->cpu->cr3 = 0x1000;
}

static void test_peek(void **state)
{
    (void)state;
    struct machine m;
    const struct fixture_spec spec = { .ram_size = RAM, .vcpu = true };
    assert_int_equal(fixture_machine_init(&m, &spec), 0);
    map_pages(&m);
    struct mmu_paging pg = { m.cpu->cr0, m.cpu->cr3, 0 };
    uint32_t phys;
    assert_int_equal(mmu_peek_linear(&m.mmu, &pg, 0x401234u, &phys), 0);
    assert_int_equal(phys, 0x11234u);
    assert_int_equal(mmu_peek_linear(&m.mmu, &pg, 0x800000u, &phys), -1);
    uint32_t pde, pte;
    memcpy(&pde, m.ram + 0x1004, 4);
    memcpy(&pte, m.ram + 0x2004, 4);
    assert_int_equal(pde & 0x60, 0); /* no A/D set */
    assert_int_equal(pte & 0x60, 0);
    pg.cr0 = CR0_PE;
    assert_int_equal(mmu_peek_linear(&m.mmu, &pg, 0x401234u, &phys), 0);
    assert_int_equal(phys, 0x401234u);
    fixture_machine_destroy(&m);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Samples at 1 kHz of virtual time: 10 in helper called from startup_32
 * (an EBP frame in paged memory), 5 idle; the report and folded stacks. */
static void test_sampling(void **state)
{
    (void)state;
    struct machine m;
    const struct fixture_spec spec = { .ram_size = RAM, .vcpu = true };
    assert_int_equal(fixture_machine_init(&m, &spec), 0);
    map_pages(&m);
    char syms[] = "/tmp/xbt-test-syms-XXXXXX", out[] = "/tmp/xbt-test-prof-XXXXXX", err[256];
    close(mkstemp(syms));
    close(mkstemp(out));
    write_file(syms, listing);
    /* frame at linear 0x400100: saved EBP 0, return address in startup_32 */
    uint32_t frame[2] = { 0, 0xC1000010u };
    memcpy(m.ram + 0x10100, frame, sizeof(frame));
    m.cpu->regs[R_EBP] = 0x400100;
    m.cpu->eip = 0xC1000120u;
    struct xclock *clk = xclock_create(CLOCK_VIRTUAL);
    struct profile_config cfg = { .path = out, .symbols = syms, .hz = 1000, .command = "t" };
    assert_int_equal(profile_check_output(out, err, sizeof(err)), 0);
    struct profile *p;
    assert_int_equal(profile_create(&p, &cfg, clk, m.cpu), 0);
    for (int i = 0; i < 10; i++) {
        xclock_advance(clk, 1000000);
        xclock_run_timers(clk);
    }
    profile_idle(p, true);
    for (int i = 0; i < 5; i++) {
        xclock_advance(clk, 1000000);
        xclock_run_timers(clk);
    }
    profile_idle(p, false);
    profile_note_translation(p, 0xC1000120u);
    profile_note_translation(p, 0xC1000120u);
    const struct profile_stats *st = profile_stats(p);
    assert_int_equal(st->samples, 15);
    assert_int_equal(st->idle, 5);
    assert_int_equal(st->frames, 10);
    assert_int_equal(profile_write(p), 0);
    char *r = slurp(out);
    assert_non_null(strstr(r, "# command: t\n"));
    assert_non_null(strstr(r, "        10  66.67%  helper\n"));
    assert_non_null(strstr(r, "         5  33.33%  [idle]\n"));
    assert_non_null(strstr(r, "        10  66.67%        2  0xc1000120 helper+0x20\n"));
    assert_non_null(strstr(r, "         2 100.00%  helper\n"));
    char folded[64];
    snprintf(folded, sizeof(folded), "%s.folded", out);
    r = slurp(folded);
    assert_string_equal(r, "[idle] 5\nstartup_32;helper 10\n");
    profile_destroy(p);
    xclock_destroy(clk);
    unlink(syms);
    unlink(out);
    unlink(folded);
    fixture_machine_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listing),   cmocka_unit_test(test_elf),
        cmocka_unit_test(test_eip_table), cmocka_unit_test(test_peek),
        cmocka_unit_test(test_sampling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
