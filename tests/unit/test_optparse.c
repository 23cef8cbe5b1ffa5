/*
 * test_optparse.c - unit tests of the table-driven option parser
 * (src/cli/optparse.c, opthelp.c) on a table of every kind: defaults,
 * unsigned ranges and powers of two, byte sizes with K/M/G suffixes,
 * choices (hidden ones too), flags, strings, custom parsers, an option that
 * stops parsing, unknown options and missing arguments, operands; the
 * generated error lines; the help listing every option with its
 * placeholders filled.  Then the `xbt run` table itself: defaults, the
 * words the CLI tests look for in its errors, and its help.
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

#include "bt.h"
#include "mmu.h"
#include "tcache.h"
#include "cli/optparse.h"
#include "cli/run_options.h"

struct dest {
    bool flag;
    uint32_t num;
    uint16_t pow;
    uint64_t size;
    int choice;
    const char *str;
    long long custom;
    bool help;
};

#define FIELD(f) .offset = offsetof(struct dest, f), .size = sizeof(((struct dest *)0)->f)

static const struct optparse_choice colours[] = {
    { "red", 1, false },  { "green", 2, false }, { "blue", 3, false },
    { "azure", 3, true }, { NULL, 0, false },
};

/* --custom N: stores N * 10; "bad" is refused. */
static int parse_custom(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                        size_t n)
{
    unsigned long long v;
    if (optparse_u64(arg, false, &v)) {
        snprintf(err, n, "--%s %s: not a number", o->name, arg);
        return XBT_EINVAL;
    }
    optparse_store(o, dst, (long long)v * 10);
    return 0;
}

static const char *const sections[] = { "first:", "second:" };

static const struct optparse_opt opts[] = {
    { .name = "flag",
      .short_name = 'f',
      .kind = OPTPARSE_FLAG,
      FIELD(flag),
      .value = 1,
      .help = "a flag" },
    { .short_name = 'n',
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(num),
      .def = 7,
      .min = 3,
      .max = 300,
      .what = "the number",
      .unit = "units",
      .help = "a number ({min}..{max}, default {default})" },
    { .name = "pow",
      .kind = OPTPARSE_UINT,
      .metavar = "P",
      FIELD(pow),
      .def = 4,
      .min = 2,
      .max = 1024,
      .pow2 = true,
      .section = 1,
      .help = "a power of two" },
    { .name = "size",
      .kind = OPTPARSE_SIZE,
      .metavar = "BYTES",
      FIELD(size),
      .def = 1ull << 20,
      .min = 4096,
      .max = 1ull << 32,
      .help = "a size\n(default {default}, {min}..{max})" },
    { .name = "colour",
      .alias = "color",
      .kind = OPTPARSE_CHOICE,
      FIELD(choice),
      .def = 2,
      .choices = colours,
      .section = 1,
      .help = "a colour; --color is the same" },
    { .name = "str",
      .short_name = 's',
      .kind = OPTPARSE_STRING,
      .metavar = "TEXT",
      FIELD(str),
      .help = "a string" },
    { .name = "custom",
      .kind = OPTPARSE_CUSTOM,
      .metavar = "N",
      FIELD(custom),
      .def = -1,
      .parse = parse_custom,
      .section = 1,
      .help = "custom" },
    { .name = "help",
      .short_name = 'h',
      .kind = OPTPARSE_FLAG,
      FIELD(help),
      .value = 1,
      .stop = true,
      .section = 1,
      .help = "this help" },
};

static const struct optparse_table table = {
    .opts = opts,
    .nopts = sizeof(opts) / sizeof(opts[0]),
    .sections = sections,
    .nsections = 2,
};

static struct dest d;
static char err[256];
static int operand;

#define MAX_ARGS 40

/* argv = { argv0, words... } from a NULL-terminated list; returns argc. */
static int make_argv(char **argv, const char *argv0, const char *const *words)
{
    int argc = 0;
    argv[argc++] = (char *)argv0;
    while (*words && argc < MAX_ARGS - 1)
        argv[argc++] = (char *)*words++;
    argv[argc] = NULL;
    return argc;
}

/* Parses "prog WORDS..." into d after the defaults. */
static int parse_list(const char *const *words)
{
    char *argv[MAX_ARGS];
    int argc = make_argv(argv, "prog", words);
    memset(&d, 0, sizeof(d));
    optparse_defaults(&table, &d);
    memset(err, 'x', sizeof(err));
    return optparse_parse(&table, argc, argv, &d, &operand, err, sizeof(err));
}
#define parse_args(...) parse_list((const char *const[]){ __VA_ARGS__, NULL })

static void expect_error(int rc, const char *msg)
{
    if (rc >= 0 || strcmp(err, msg))
        print_error("rc %d, err \"%s\" (want \"%s\")\n", rc, err, msg);
    assert_true(rc < 0);
    assert_string_equal(err, msg);
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse_args(NULL), 0);
    assert_false(d.flag);
    assert_int_equal(d.num, 7);
    assert_int_equal(d.pow, 4);
    assert_int_equal(d.size, 1u << 20);
    assert_int_equal(d.choice, 2);
    assert_null(d.str);
    assert_int_equal(d.custom, -1);
    assert_int_equal(operand, 1);
    assert_string_equal(err, "");
}

static void test_flags_strings_operands(void **state)
{
    (void)state;
    assert_int_equal(parse_args("-f", "--str", "abc", "op1", "op2", NULL), 0);
    assert_true(d.flag);
    assert_string_equal(d.str, "abc");
    assert_int_equal(operand, 4);
    /* Nothing after the first operand is an option. */
    assert_int_equal(parse_args("op", "--flag", NULL), 0);
    assert_false(d.flag);
    assert_int_equal(operand, 1);
    assert_int_equal(parse_args("--flag", "-s", "x", "--", "-f", NULL), 0);
    assert_true(d.flag);
    assert_int_equal(operand, 5);
    assert_int_equal(parse_args("--str=y", "--fl", NULL), 0); /* prefix */
    assert_string_equal(d.str, "y");
    assert_true(d.flag);
}

static void test_uint_ranges(void **state)
{
    (void)state;
    assert_int_equal(parse_args("-n", "3", NULL), 0);
    assert_int_equal(d.num, 3);
    assert_int_equal(parse_args("-n300", NULL), 0);
    assert_int_equal(d.num, 300);
    assert_int_equal(parse_args("-n", "0x10", NULL), 0);
    assert_int_equal(d.num, 16);
    static const char *const bad[] = {
        "2", "301", "-5", "lots", "5K", "", "99999999999999999999999",
    };
    char want[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(want, sizeof(want), "-n %s: the number must be 3..300 units", bad[i]);
        expect_error(parse_args("-n", bad[i], NULL), want);
    }
    assert_int_equal(parse_args("--pow", "2", NULL), 0);
    assert_int_equal(d.pow, 2);
    assert_int_equal(parse_args("--pow=1024", NULL), 0);
    assert_int_equal(d.pow, 1024);
    expect_error(parse_args("--pow", "3", NULL), "--pow 3: must be a power of two in 2..1024");
    expect_error(parse_args("--pow", "2048", NULL),
                 "--pow 2048: must be a power of two in 2..1024");
}

static void test_size_suffixes(void **state)
{
    (void)state;
    static const struct {
        const char *arg;
        uint64_t v;
    } ok[] = {
        { "4096", 4096 },     { "4K", 4096 },       { "4k", 4096 },       { "3M", 3u << 20 },
        { "2g", 2ull << 30 }, { "4G", 4ull << 30 }, { "0x2000", 0x2000 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(parse_args("--size", ok[i].arg, NULL), 0);
        assert_int_equal(d.size, ok[i].v);
    }
    static const char *const bad[] = {
        "4095", "3K", "5G", "1T", "1MB", "K", "-4K", "17179869184G",
    };
    char want[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(want, sizeof(want), "--size %s: must be 4K..4G", bad[i]);
        expect_error(parse_args("--size", bad[i], NULL), want);
    }
    unsigned long long v;
    assert_int_equal(optparse_u64("16E", true, &v), XBT_EINVAL);
    assert_int_equal(optparse_u64("15", true, &v), 0);
    assert_int_equal(v, 15);
}

static void test_choices(void **state)
{
    (void)state;
    assert_int_equal(parse_args("--colour", "red", NULL), 0);
    assert_int_equal(d.choice, 1);
    assert_int_equal(parse_args("--color=blue", NULL), 0); /* alias */
    assert_int_equal(d.choice, 3);
    assert_int_equal(parse_args("--colour=azure", NULL), 0); /* hidden */
    assert_int_equal(d.choice, 3);
    expect_error(parse_args("--colour", "pink", NULL), "--colour pink: must be red, green or blue");
    expect_error(parse_args("--color", "Red", NULL), "--colour Red: must be red, green or blue");
    char buf[64];
    optparse_choice_join(colours, "|", "|", buf, sizeof(buf));
    assert_string_equal(buf, "red|green|blue");
    optparse_choice_join(colours, ", ", " or ", buf, 12); /* truncated */
    assert_true(strlen(buf) < 12);
    assert_non_null(optparse_choice_find(colours, "azure"));
    assert_null(optparse_choice_find(colours, "pink"));
}

static void test_custom_and_stop(void **state)
{
    (void)state;
    assert_int_equal(parse_args("--custom", "4", NULL), 0);
    assert_int_equal(d.custom, 40);
    expect_error(parse_args("--custom", "bad", NULL), "--custom bad: not a number");
    /* --help stops: later options are not looked at, even bad ones. */
    assert_int_equal(parse_args("-f", "--help", "-n", "1", "--bogus", NULL), 0);
    assert_true(d.help);
    assert_true(d.flag);
    assert_int_equal(d.num, 7);
    /* ... but bad ones before it are. */
    expect_error(parse_args("-n", "1", "-h", NULL), "-n 1: the number must be 3..300 units");
    assert_false(d.help);
}

static void test_usage_errors(void **state)
{
    (void)state;
    /* getopt reports these on stderr; err stays empty. */
    assert_int_equal(parse_args("--bogus", NULL), XBT_EINVAL);
    assert_string_equal(err, "");
    assert_int_equal(parse_args("-x", NULL), XBT_EINVAL);
    assert_string_equal(err, "");
    assert_int_equal(parse_args("-n", NULL), XBT_EINVAL);
    assert_string_equal(err, "");
    assert_int_equal(parse_args("--size", NULL), XBT_EINVAL);
    assert_string_equal(err, "");
    assert_int_equal(parse_args("--flag=1", NULL), XBT_EINVAL);
    assert_string_equal(err, "");
    assert_int_equal(parse_args("--co", "red", NULL), 0); /* colour+color */
    assert_int_equal(d.choice, 1);
    /* A parse after a failed one starts afresh. */
    assert_int_equal(parse_args("-fn", "5", NULL), 0);
    assert_true(d.flag);
    assert_int_equal(d.num, 5);
}

static char *mem_buf;
static size_t mem_len;

/* A stream into mem_buf (which replaces the previous one). */
static FILE *mem_open(void)
{
    free(mem_buf);
    mem_buf = NULL;
    FILE *f = open_memstream(&mem_buf, &mem_len);
    assert_non_null(f);
    return f;
}

/* The help of t as one string (in mem_buf). */
static const char *help_of(const struct optparse_table *t)
{
    FILE *f = mem_open();
    optparse_help(t, f);
    fclose(f);
    return mem_buf;
}

/* Whether h names the option word (e.g. "--name", "-c") as an option: after
 * a space and before a space, '=' or ','. */
static bool names_option(const char *h, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(h, word); p; p = strstr(p + 1, word))
        if (p > h && p[-1] == ' ' && strchr(" =,", p[n]) && p[n])
            return true;
    return false;
}

/* Every option's names appear in the help, and no placeholder is left. */
static void check_help_lists_all(const struct optparse_table *t)
{
    const char *h = help_of(t);
    char name[64];
    for (size_t i = 0; i < t->nopts; i++) {
        const struct optparse_opt *o = &t->opts[i];
        const char *names[3] = { o->name, o->alias, NULL };
        for (int k = 0; names[k]; k++) {
            snprintf(name, sizeof(name), "--%s", names[k]);
            if (!names_option(h, name))
                print_error("%s missing from the help:\n%s", name, h);
            assert_true(names_option(h, name));
        }
        if (o->short_name) {
            snprintf(name, sizeof(name), "-%c", o->short_name);
            assert_true(names_option(h, name));
        }
        assert_non_null(strstr(h, t->sections[o->section]));
    }
    assert_null(strchr(h, '{'));
}

static void test_help(void **state)
{
    (void)state;
    check_help_lists_all(&table);
    const char *h = help_of(&table);
    assert_non_null(strstr(h, "\nfirst:\n  -f, --flag             a flag\n"));
    assert_non_null(strstr(h, "  -n N                   a number (3..300, default 7)\n"));
    assert_non_null(strstr(h, "a size\n                         (default 1M, 4K..4G)\n"));
    assert_non_null(strstr(h, "\nsecond:\n"));
    assert_non_null(strstr(h, "  --colour=red|green|blue  a colour; --color is the same\n"));
    assert_true(strstr(h, "--pow") > strstr(h, "second:"));
    assert_true(strstr(h, "--str") < strstr(h, "second:"));
}

/* --- the `xbt run` table ---------------------------------------------- */

static struct run_options ro;

/* Parses "run WORDS..." into ro. */
static int run_list(const char *const *words)
{
    char *argv[MAX_ARGS];
    int argc = make_argv(argv, "run", words);
    run_options_free(&ro);
    return run_options_parse(&ro, argc, argv, err, sizeof(err));
}
#define run_args(...) run_list((const char *const[]){ __VA_ARGS__, NULL })

static void test_run_defaults(void **state)
{
    (void)state;
    assert_int_equal(run_args("k.elf", NULL), 0);
    assert_string_equal(ro.operand, "k.elf");
    assert_null(ro.cfg.kernel); /* decided by run_options_pick_boot */
    assert_int_equal(ro.cfg.ram_mib, 128);
    assert_true(ro.cfg.chain);
    assert_int_equal(ro.cfg.max_unit_insns, BT_DEFAULT_UNIT_INSNS);
    assert_int_equal(ro.cfg.tcache_size, TC_DEFAULT_SIZE);
    assert_int_equal(ro.cfg.tlb_entries, TLB_DEFAULT_ENTRIES);
    assert_int_equal(ro.cfg.rtc_base, -1);
    assert_int_equal(ro.cfg.tcache_nursery, TC_DEFAULT_NURSERY_PCT);
    assert_int_equal(ro.cfg.nmodules, 0);
    assert_null(ro.disk_path);
    assert_false(ro.help);
}

/* Writes len bytes of head (then zeros) to a new temporary file. */
static char *temp_file(const void *head, size_t hlen, size_t len)
{
    static char names[4][32];
    static int next;
    char *name = names[next++ & 3];
    strcpy(name, "/tmp/xbt-pick-XXXXXX");
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    fwrite(head, 1, hlen, f);
    for (size_t i = hlen; i < len; i++)
        fputc(0, f);
    fclose(f);
    return name;
}

/* The operand is a kernel or a disk image by its first bytes; a disk
 * image without a kernel boots through the BIOS. */
static void test_run_pick_boot(void **state)
{
    (void)state;
    char e[256];
    char *elf = temp_file("\177ELF", 4, 64);
    char *img = temp_file("", 0, 1024);
    char *tiny = temp_file("", 0, 100);
    assert_int_equal(run_args(elf, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), 0);
    assert_string_equal(ro.cfg.kernel, elf);
    assert_false(ro.cfg.bios_boot);
    assert_int_equal(run_args(img, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), 0);
    assert_null(ro.cfg.kernel);
    assert_string_equal(ro.disk_path, img);
    assert_true(ro.cfg.bios_boot);
    assert_int_equal(run_args("--kernel", elf, img, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), 0);
    assert_string_equal(ro.disk_path, img);
    assert_false(ro.cfg.bios_boot);
    assert_int_equal(run_args("--kernel", elf, elf, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), XBT_EINVAL);
    assert_non_null(strstr(e, "two kernels"));
    assert_int_equal(run_args("--disk", img, img, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), XBT_EINVAL);
    assert_non_null(strstr(e, "two disks"));
    assert_int_equal(run_args("--append", "x", img, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), XBT_EINVAL);
    assert_non_null(strstr(e, "--append needs a kernel"));
    assert_int_equal(run_args(tiny, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), XBT_EINVAL);
    assert_non_null(strstr(e, "neither a kernel"));
    /* a boot sector followed by a multiboot header (GRUB's core.img) */
    uint8_t grub[1024] = { 0 };
    grub[510] = 0x55;
    grub[511] = 0xAA;
    uint32_t mb[3] = { 0x1BADB002u, 0, (uint32_t)-0x1BADB002u };
    memcpy(grub + 512, mb, sizeof(mb));
    char *gimg = temp_file(grub, sizeof(grub), sizeof(grub));
    assert_int_equal(run_args(gimg, NULL), 0);
    assert_int_equal(run_options_pick_boot(&ro, e, sizeof(e)), 0);
    assert_string_equal(ro.disk_path, gimg);
    assert_true(ro.cfg.bios_boot);
    unlink(gimg);
    unlink(elf);
    unlink(img);
    unlink(tiny);
}

static void test_run_values(void **state)
{
    (void)state;
    assert_int_equal(run_args("-m", "64", "--no-chain", "--tcache-size", "1M",
                              "--tcache-policy=generational", "--smc-granularity", "line",
                              "--rtc-base", "100", "-d", "in_asm,int", "-d", "exec", "--module",
                              "m.bin a=1", "--hda", "d.img", "k.elf", NULL),
                     0);
    assert_int_equal(ro.cfg.ram_mib, 64);
    assert_false(ro.cfg.chain);
    assert_int_equal(ro.cfg.tcache_size, 1u << 20);
    assert_int_equal(ro.cfg.tcache_policy, TC_POLICY_GEN);
    assert_int_equal(ro.cfg.smc_granularity, 64);
    assert_int_equal(ro.cfg.rtc_base, 100);
    assert_int_equal(ro.cfg.debug_flags, XBT_LOG_IN_ASM | XBT_LOG_INT | XBT_LOG_EXEC);
    assert_int_equal(ro.cfg.nmodules, 1);
    assert_string_equal(ro.cfg.modules[0], "m.bin a=1");
    assert_string_equal(ro.cfg.module_paths[0], "m.bin");
    assert_string_equal(ro.disk_path, "d.img");
    assert_int_equal(run_args("--rtc-base", "now", "-h", NULL), 0);
    assert_true(ro.help);
    assert_int_equal(ro.cfg.rtc_base, -1);
}

static void test_run_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[6]; /* NULL-terminated */
        const char *msg;
    } cases[] = {
        { { "-m", "0", "k" }, "-m 0: guest RAM must be 2..3072 MiB" },
        { { "--tlb-entries", "3", "k" }, "--tlb-entries 3: must be a power of two in 2..65536" },
        { { "--tcache-policy", "lru", "k" },
          "--tcache-policy lru: must be flush, fifo, gen or clock" },
        { { "--tcache-nursery", "5", "k" }, "--tcache-nursery 5: must be 10..90 (percent)" },
        { { "--tcache-size", "4K", "k" }, "--tcache-size 4K: must be 64K..1G" },
        { { "--disk", "a", "--hda", "b", "k" },
          "--disk b: only one disk (the primary master) is supported" },
        { { NULL }, "run: nothing to boot (usage: xbt run [options] KERNEL or DISK-IMAGE)" },
        { { "k", "x" }, "run: unexpected argument 'x' after 'k'" },
        { { "-d", "in_asm,foo", "k" }, "unknown -d item 'foo' (valid: in_asm,out_asm,exec,int)" },
        { { "--rtc-base", "x", "k" }, "--rtc-base x: seconds since 1970 or 'now'" },
        { { "--clock", "x", "k" }, "--clock x: must be host or virtual" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(run_list(cases[i].args), cases[i].msg);
    char *argv[MAX_ARGS] = { "run" };
    int argc = 1;
    for (int i = 0; i < 17; i++) {
        argv[argc++] = "--module";
        argv[argc++] = "m.bin";
    }
    argv[argc++] = "k";
    run_options_free(&ro);
    expect_error(run_options_parse(&ro, argc, argv, err, sizeof(err)),
                 "too many --module options (at most 16)");
    run_options_free(&ro);
}

static void test_run_help(void **state)
{
    (void)state;
    check_help_lists_all(&run_options_table);
    FILE *f = mem_open();
    run_options_help(f);
    fclose(f);
    const char *buf = mem_buf;
    assert_non_null(strstr(buf, "usage: xbt run [options] KERNEL|DISK-IMAGE\n"));
    assert_non_null(strstr(buf, "\nmachine:\n"));
    assert_non_null(strstr(buf, "\ntranslation (research knobs):\n"));
    assert_non_null(strstr(buf, "\nstatistics and debugging:\n"));
    assert_non_null(strstr(buf, "(2..3072, default 128)"));
    assert_non_null(strstr(buf, "default 32M, min 64K"));
    assert_non_null(strstr(buf, "\nexit status:\n  (V<<1)|1  "));
    assert_non_null(strstr(buf, "\n  10                     the guest reset"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_flags_strings_operands),
        cmocka_unit_test(test_uint_ranges),   cmocka_unit_test(test_size_suffixes),
        cmocka_unit_test(test_choices),       cmocka_unit_test(test_custom_and_stop),
        cmocka_unit_test(test_usage_errors),  cmocka_unit_test(test_help),
        cmocka_unit_test(test_run_defaults),  cmocka_unit_test(test_run_values),
        cmocka_unit_test(test_run_pick_boot), cmocka_unit_test(test_run_errors),
        cmocka_unit_test(test_run_help),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(mem_buf);
    return failed;
}
