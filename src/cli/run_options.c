/*
 * run_options.c - the option table of `xbt run`: one entry per option, with
 * the struct machine_config field it sets, its limits and its help; the
 * custom parsers (--rtc-base, --module, --disk, -d); the parse of a whole
 * `xbt run` command line; the help.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bt.h"
#include "devices.h"
#include "gdbstub.h"
#include "profile.h"
#include "clock.h"
#include "lines.h"
#include "mmu.h"
#include "tctrace.h"
#include "cli/run_options.h"
#include "pcfw.h"

/* Tunable: accepted guest RAM sizes in MiB.  Policy: at least 2 MiB (a
 * kernel at 1 MiB needs room), at most 3072 MiB so RAM stays below the
 * 32-bit MMIO hole. */
#define RAM_MIN_MIB 2
#define RAM_MAX_MIB 3072
/* Tunable: default guest RAM in MiB.  Policy: QEMU's default, so the same
 * test kernels see the same memory under both. */
#define RAM_DEFAULT_MIB 128
/* Tunable: accepted --tcache-size.  Policy: at least what tc_init accepts
 * (64 KiB); at most 1 GiB, which is mapped whole at start-up and already
 * far beyond the code any guest has run. */
#define TCACHE_MIN_SIZE (64ull << 10)
#define TCACHE_MAX_SIZE (1ull << 30)
/* Tunable: accepted --tlb-entries (powers of two).  Policy: 65536 entries
 * map 256 MiB of 4 KiB pages, more than any workload's working set. */
#define TLB_MIN_ENTRIES 2
#define TLB_MAX_ENTRIES 65536
/* Tunable: accepted --tcache-nursery, percent.  Policy: what tc_set_policy
 * accepts; each generation keeps at least a tenth of the buffer. */
#define NURSERY_MIN_PCT 10
#define NURSERY_MAX_PCT 90
/* Tunable: largest --rtc-base in seconds.  Policy: 2^40 s is ~35,000
 * years; anything later is a typo, not a date. */
#define RTC_BASE_MAX (1ull << 40)
/* Tunable: -s's port.  Policy: QEMU's, so gdb's `target remote :1234`
 * habits carry over. */
#define GDB_DEFAULT_PORT "1234"

#define FIELD(f)                                                                                   \
    .offset = offsetof(struct run_options, f), .size = sizeof(((struct run_options *)0)->f)
#define MODULES_MAX XBT_ARRAY_SIZE(((struct machine_config *)0)->modules)

enum { SEC_MACHINE, SEC_TRANSLATION, SEC_DEBUG, SEC_GENERAL };

static const char *const run_sections[] = {
    [SEC_MACHINE] = "machine:",
    [SEC_TRANSLATION] = "translation (research knobs):",
    [SEC_DEBUG] = "statistics and debugging:",
    [SEC_GENERAL] = "Bytes the guest writes to the 0xE9 debug console go to stderr.",
};

static const struct optparse_choice clock_choices[] = {
    { "host", CLOCK_HOST, false },
    { "virtual", CLOCK_VIRTUAL, false },
    { NULL, 0, false },
};
static const struct optparse_choice policy_choices[] = {
    { "flush", TC_POLICY_FLUSH, false }, { "fifo", TC_POLICY_FIFO, false },
    { "gen", TC_POLICY_GEN, false },     { "generational", TC_POLICY_GEN, true },
    { "clock", TC_POLICY_CLOCK, false }, { NULL, 0, false },
};
static const struct optparse_choice smc_choices[] = {
    { "byte", 0, false },
    { "line", 64, false },
    { "page", 4096, false },
    { NULL, 0, false },
};
static const struct optparse_choice mmu_choices[] = {
    { "walk", MMU_WALK, false },
    { "shadow", MMU_SHADOW, false },
    { "host", MMU_HOST, false },
    { NULL, 0, false },
};
static const struct optparse_choice mem_choices[] = {
    { "host", MEM_HOST, false },
    { "tlb", MEM_TLB, false },
    { NULL, 0, false },
};
static const struct optparse_choice display_choices[] = {
    { "serial", DISPLAY_SERIAL, false },
    { "text", DISPLAY_TEXT, false },
    { NULL, 0, false },
};
static const struct optparse_choice debug_choices[] = {
    { "in_asm", XBT_LOG_IN_ASM, false },
    { "out_asm", XBT_LOG_OUT_ASM, false },
    { "exec", XBT_LOG_EXEC, false },
    { "int", XBT_LOG_INT, false },
    { NULL, 0, false },
};

/* --rtc-base SECONDS|now */
static int parse_rtc_base(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                          size_t n)
{
    unsigned long long v;
    if (!strcmp(arg, "now")) {
        optparse_store(o, dst, -1);
        return 0;
    }
    if (optparse_u64(arg, false, &v) || v > o->max) {
        snprintf(err, n, "--%s %s: seconds since 1970 or 'now'", o->name, arg);
        return XBT_EINVAL;
    }
    optparse_store(o, dst, (long long)v);
    return 0;
}

/* --module 'FILE ARGS': the string, and FILE alone for the loader. */
static int parse_module(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                        size_t n)
{
    struct machine_config *cfg = &((struct run_options *)dst)->cfg;
    if ((unsigned long long)cfg->nmodules >= o->max) {
        snprintf(err, n, "too many --%s options (at most %llu)", o->name, o->max);
        return XBT_EINVAL;
    }
    char *path = strndup(arg, strcspn(arg, " \t"));
    if (!path) {
        snprintf(err, n, "--%s %s: out of memory", o->name, arg);
        return XBT_ENOMEM;
    }
    cfg->modules[cfg->nmodules] = arg;
    cfg->module_paths[cfg->nmodules++] = path;
    return 0;
}

/* --disk FILE[,readonly], once.  A comma before a known option name
 * splits; any other comma is part of the file name. */
static int parse_disk(const struct optparse_opt *o, const char *arg, void *dst, char *err, size_t n)
{
    struct run_options *ro = dst;
    if (ro->disk_path) {
        snprintf(err, n,
                 "--%s %s: only one disk (the primary master) is "
                 "supported",
                 o->name, arg);
        return XBT_EINVAL;
    }
    const char *comma = strrchr(arg, ',');
    if (!comma || strcmp(comma + 1, "readonly") != 0) {
        ro->disk_path = arg; /* a comma in the file's name */
        return 0;
    }
    if (comma == arg) {
        snprintf(err, n, "--%s %s: no file before ',readonly'", o->name, arg);
        return XBT_EINVAL;
    }
    free(ro->disk_path_buf);
    ro->disk_path_buf = strndup(arg, (size_t)(comma - arg));
    if (!ro->disk_path_buf)
        return XBT_ENOMEM;
    ro->disk_path = ro->disk_path_buf;
    ro->disk_flags |= DISK_READONLY;
    return 0;
}

/* -d ITEM,ITEM,...: log flags, added to those already given. */
static int parse_debug(const struct optparse_opt *o, const char *arg, void *dst, char *err,
                       size_t n)
{
    struct machine_config *cfg = &((struct run_options *)dst)->cfg;
    char buf[256], valid[64], name[8], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", arg);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const struct optparse_choice *c = optparse_choice_find(o->choices, tok);
        if (!c) {
            optparse_choice_join(o->choices, ",", ",", valid, sizeof(valid));
            snprintf(err, n, "unknown %s item '%s' (valid: %s)",
                     optparse_name(o, name, sizeof(name)), tok, valid);
            return XBT_EINVAL;
        }
        cfg->debug_flags |= (unsigned)c->value;
    }
    return 0;
}

static const struct optparse_opt run_opts[] = {
    /* machine */
    { .short_name = 'm',
      .kind = OPTPARSE_UINT,
      .metavar = "MIB",
      FIELD(cfg.ram_mib),
      .def = RAM_DEFAULT_MIB,
      .min = RAM_MIN_MIB,
      .max = RAM_MAX_MIB,
      .what = "guest RAM",
      .unit = "MiB",
      .section = SEC_MACHINE,
      .help = "guest RAM in MiB ({min}..{max}, default {default})" },
    { .name = "kernel",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.kernel),
      .section = SEC_MACHINE,
      .help = "the kernel (instead of the KERNEL operand)" },
    { .name = "bios",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(bios_path),
      .section = SEC_MACHINE,
      .help = "the BIOS image (a multiple of 64 KiB, e.g. SeaBIOS's\n"
              "bios.bin): mapped read-only at 4 GiB - its size and its\n"
              "last 128 KiB at 0xE0000 through the i440FX PAM; booting\n"
              "without a kernel uses " PCFW_DEFAULT_BIOS },
    { .name = "no-sercon",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.sercon),
      .def = 1,
      .value = 0,
      .section = SEC_MACHINE,
      .help = "do not give the BIOS etc/sercon-port (SeaBIOS then keeps\n"
              "its text console off COM1)" },
    { .name = "initrd",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.initrd),
      .section = SEC_MACHINE,
      .help = "Linux: the initial ramdisk" },
    { .name = "append",
      .kind = OPTPARSE_STRING,
      .metavar = "STRING",
      FIELD(cfg.append),
      .section = SEC_MACHINE,
      .help = "the kernel command line" },
    { .name = "clock",
      .kind = OPTPARSE_CHOICE,
      FIELD(cfg.clock),
      .def = CLOCK_HOST,
      .choices = clock_choices,
      .section = SEC_MACHINE,
      .help = "guest time: host time (default), or a virtual clock that\n"
              "advances 1 ns per guest instruction (deterministic runs)" },
    { .name = "rtc-base",
      .kind = OPTPARSE_CUSTOM,
      .metavar = "SECONDS|now",
      FIELD(cfg.rtc_base),
      .def = -1,
      .max = RTC_BASE_MAX,
      .parse = parse_rtc_base,
      .section = SEC_MACHINE,
      .help = "RTC wall-clock time at boot (default: now)" },
    { .name = "reboot",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.reboot),
      .value = 1,
      .section = SEC_MACHINE,
      .help = "a guest reset (i8042, triple fault) restarts the machine\n"
              "instead of ending the run" },
    { .name = "no-apic",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.apic),
      .def = 1,
      .value = 0,
      .section = SEC_MACHINE,
      .help = "no local APIC and no I/O APIC: the 8259 pair alone, as\n"
              "on a pre-APIC PC (no CPUID APIC bit, no MP table)" },
    { .name = "module",
      .kind = OPTPARSE_CUSTOM,
      .metavar = "'FILE [ARGS]'",
      .max = MODULES_MAX,
      .parse = parse_module,
      .section = SEC_MACHINE,
      .help = "load FILE as a multiboot module with the string\n"
              "'FILE [ARGS]'; may be given up to {max} times" },
    { .name = "disk",
      .alias = "hda",
      .kind = OPTPARSE_CUSTOM,
      .metavar = "FILE[,readonly]",
      .parse = parse_disk,
      .section = SEC_MACHINE,
      .help = "attach FILE, a raw disk image (512-byte sectors; a\n"
              "partial last sector is ignored), as the primary IDE\n"
              "master (PIIX3, PIO and bus-master DMA), read-write and\n"
              "locked; with ,readonly the guest's writes fail (the\n"
              "drive aborts them) and other readers may share it; a\n"
              "file without write permission needs ,readonly (even\n"
              "for root); --hda is the same" },
    { .name = "display",
      .kind = OPTPARSE_CHOICE,
      FIELD(cfg.display),
      .def = DISPLAY_SERIAL,
      .choices = display_choices,
      .section = SEC_MACHINE,
      .help = "what this terminal shows: COM1 (default), or the VGA's\n"
              "text screen with the keyboard typing on the guest's PS/2\n"
              "keyboard (COM1's output then goes to --serial-log or\n"
              "nowhere; graphics modes are not shown)" },
    { .name = "serial-log",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(serial_log),
      .section = SEC_MACHINE,
      .help = "write COM1's output to FILE instead of the terminal" },
    { .name = "no-vga",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.vga),
      .def = 1,
      .value = 0,
      .section = SEC_MACHINE,
      .help = "no ISA VGA card and no PS/2 keyboard (the default board\n"
              "has both, as QEMU's)" },
    { .name = "vgabios",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.vgabios),
      .section = SEC_MACHINE,
      .help = "the VGA BIOS the BIOS runs (default: SeaBIOS's\n"
              "vgabios-isavga.bin, when installed)" },
    { .name = "vga-dump",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.vga_dump),
      .section = SEC_DEBUG,
      .help = "at the end of the run, write the VGA text screen to FILE\n"
              "as plain text (UTF-8, trailing blanks trimmed)" },
    { .name = "snapshot",
      .kind = OPTPARSE_FLAG,
      FIELD(snapshot),
      .value = 1,
      .section = SEC_MACHINE,
      .help = "with --disk: the disk image is never modified; the\n"
              "guest's writes go to a temporary overlay (in $TMPDIR,\n"
              "else /var/tmp; gone at exit) that its reads see, also\n"
              "after --reboot; the image is locked shared (other\n"
              "readers and --snapshot runs may use it, no writer);\n"
              "FLUSH CACHE does nothing" },
    /* translation */
    { .name = "no-chain",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.chain),
      .def = 1,
      .value = 0,
      .section = SEC_TRANSLATION,
      .help = "never chain units to their direct successors" },
    { .name = "no-kpath",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.no_kpath),
      .value = 1,
      .section = SEC_TRANSLATION,
      .help = "call helpers for PUSHA/POPA, data segment reloads and\n"
              "PUSHF/POPF/CLI/STI instead of translating them inline" },
    { .name = "max-unit-insns",
      .alias = "max-block-insns",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.max_unit_insns),
      .def = BT_DEFAULT_UNIT_INSNS,
      .min = 1,
      .max = BT_MAX_UNIT_INSNS,
      .section = SEC_TRANSLATION,
      .help = "at most N guest instructions per unit ({min}..{max}, "
              "default {default};\n--max-block-insns, its old name, is the same)" },
    { .name = "unit-branches",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.unit_branches),
      .def = BT_DEFAULT_UNIT_BRANCHES,
      .min = 0,
      .max = BT_MAX_UNIT_BRANCHES,
      .section = SEC_TRANSLATION,
      .help = "a unit goes on past at most N conditional branches, each a\n"
              "side exit ({min}..{max}, default {default}; 0: basic blocks;\n"
              "always 0 with --clock=virtual)" },
    { .name = "tcache-size",
      .kind = OPTPARSE_SIZE,
      .metavar = "BYTES",
      FIELD(cfg.tcache_size),
      .def = TC_DEFAULT_SIZE,
      .min = TCACHE_MIN_SIZE,
      .max = TCACHE_MAX_SIZE,
      .section = SEC_TRANSLATION,
      .help = "code buffer size (K/M/G suffixes; default {default}, "
              "min {min})" },
    { .name = "tcache-policy",
      .kind = OPTPARSE_CHOICE,
      FIELD(cfg.tcache_policy),
      .def = TC_POLICY_FLUSH,
      .choices = policy_choices,
      .section = SEC_TRANSLATION,
      .help = "what makes room when the buffer is full:\n"
              "drop everything (default), evict the oldest units\n"
              "(circular buffer), or generational (a FIFO nursery;\n"
              "units translated again after eviction go to a FIFO\n"
              "persistent region), or clock (second chance: the\n"
              "oldest unit is kept once if entered since last passed)" },
    { .name = "tcache-trace",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.tcache_trace),
      .section = SEC_TRANSLATION,
      .help = "record every unit entry, translation, invalidation\n"
              "and flush to FILE (zstd) for `xbt tcsim` (30 host\n"
              "bytes per unit entry; docs/tcsim.md)" },
    { .name = "tcache-trace-window",
      .kind = OPTPARSE_SIZE,
      .metavar = "BYTES",
      FIELD(cfg.tcache_trace_window),
      .def = TCT_DEFAULT_WINDOW,
      .min = 0,
      .max = TCT_MAX_WINDOW,
      .section = SEC_TRANSLATION,
      .help = "--tcache-trace: keep, between two events, only each\n"
              "unit's first and last entry in windows of units holding\n"
              "BYTES of code (the others counted into the last): 64K\n"
              "makes a Linux boot's trace 34 times shorter, exact for\n"
              "caches of 16 windows or more but generational (default\n"
              "{default}: every entry in order, an exact trace)" },
    { .name = "tcache-nursery",
      .kind = OPTPARSE_UINT,
      .metavar = "PCT",
      FIELD(cfg.tcache_nursery),
      .def = TC_DEFAULT_NURSERY_PCT,
      .min = NURSERY_MIN_PCT,
      .max = NURSERY_MAX_PCT,
      .unit = "(percent)",
      .section = SEC_TRANSLATION,
      .help = "generational: the nursery's share of the buffer\n"
              "({min}..{max}, default {default})" },
    { .name = "tcache-stats",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.tcache_stats),
      .value = 1,
      .section = SEC_TRANSLATION,
      .help = "count every entry into a unit, chained or not (4 host\n"
              "instructions each): tcache.unit_entries, for an exact\n"
              "miss rate = translations / unit_entries" },
    { .name = "tlb-entries",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.tlb_entries),
      .def = TLB_DEFAULT_ENTRIES,
      .min = TLB_MIN_ENTRIES,
      .max = TLB_MAX_ENTRIES,
      .pow2 = true,
      .section = SEC_TRANSLATION,
      .help = "simulated TLB entries, power of two ({min}..{max}, "
              "default {default})" },
    { .name = "smc-granularity",
      .kind = OPTPARSE_CHOICE,
      FIELD(cfg.smc_granularity),
      .def = 0,
      .choices = smc_choices,
      .section = SEC_TRANSLATION,
      .help = "a store into translated code drops the\n"
              "units it overlaps (byte, default), or all units on\n"
              "the touched 64-byte lines or pages" },
    { .name = "mmu",
      .kind = OPTPARSE_CHOICE,
      FIELD(cfg.mmu),
      .def = MMU_HOST,
      .choices = mmu_choices,
      .section = SEC_TRANSLATION,
      .help = "paging: host = host-MMU windows per address space and\n"
              "privilege, one host instruction per access, pages mapped\n"
              "on host faults (default); walk = fill a simulated TLB\n"
              "from a walk of the guest tables; shadow = from shadow\n"
              "page tables kept coherent by tracing writes to the\n"
              "guest's page-table pages" },
    { .name = "host-maps",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.host_maps),
      .def = HMMU_DEFAULT_MAPS,
      .min = 1,
      .max = HMMU_MAX_MAPS,
      .section = SEC_TRANSLATION,
      .help = "--mmu=host: at most N guest pages mapped at once, the\n"
              "oldest dropped beyond ({min}..{max}, default {default})" },
    { .name = "host-spaces",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.host_spaces),
      .def = HMMU_DEFAULT_SPACES,
      .min = 1,
      .max = HMMU_MAX_SPACES,
      .section = SEC_TRANSLATION,
      .help = "--mmu=host: windows kept for N address spaces (CR3s),\n"
              "the least recently used reassigned; a switch back checks\n"
              "the kept pages instead of refilling them ({min}..{max},\n"
              "default {default})" },
    { .name = "tlb-victims",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.tlb_victims),
      .def = 0,
      .min = 0,
      .max = TLB_MAX_VICTIMS,
      .section = SEC_TRANSLATION,
      .help = "victim buffer of N evicted TLB entries ({min}..{max}, "
              "default {default})" },
    { .name = "mem",
      .kind = OPTPARSE_CHOICE,
      FIELD(cfg.mem),
      .def = MEM_HOST,
      .choices = mem_choices,
      .section = SEC_TRANSLATION,
      .help = "guest memory access with paging off: host = a host-MMU\n"
              "window, one host instruction per access (default);\n"
              "tlb = inline simulated-TLB lookup on every access" },
    /* statistics and debugging */
    { .name = "stats",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.stats),
      .value = 1,
      .section = SEC_DEBUG,
      .help = "print statistics when the guest stops (stderr)" },
    { .name = "stats-json",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.stats_json),
      .section = SEC_DEBUG,
      .help = "write statistics as JSON to FILE" },
    { .name = "tlb-stats",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.tlb_stats),
      .value = 1,
      .section = SEC_DEBUG,
      .help = "also count inline simulated-TLB hits (costs 2 host\n"
              "instructions per access; misses are always counted)" },
    { .short_name = 'd',
      .kind = OPTPARSE_CUSTOM,
      .metavar = "ITEMS",
      FIELD(cfg.debug_flags),
      .choices = debug_choices,
      .parse = parse_debug,
      .section = SEC_DEBUG,
      .help = "log: in_asm,out_asm,exec,int (comma separated)" },
    { .short_name = 'D',
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.debug_log),
      .section = SEC_DEBUG,
      .help = "write the -d log to FILE instead of stderr" },
    { .name = "perf-map",
      .kind = OPTPARSE_FLAG,
      FIELD(cfg.perf_map),
      .value = 1,
      .section = SEC_DEBUG,
      .help = "write /tmp/perf-PID.map so perf can name translated code" },
    { .name = "profile",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.profile),
      .section = SEC_DEBUG,
      .help = "profile the guest: sample its EIP and stack at a rate of\n"
              "guest time and write the flat, per-unit and per-function\n"
              "report to FILE and folded stacks to FILE.folded" },
    { .name = "profile-hz",
      .kind = OPTPARSE_UINT,
      .metavar = "N",
      FIELD(cfg.profile_hz),
      .def = PROFILE_DEFAULT_HZ,
      .min = 1,
      .max = 100000,
      .section = SEC_DEBUG,
      .help = "--profile samples a second of guest time ({min}..{max},\n"
              "default {default})" },
    { .name = "symbols",
      .kind = OPTPARSE_STRING,
      .metavar = "FILE",
      FIELD(cfg.symbols),
      .section = SEC_DEBUG,
      .help = "guest symbols for --profile: an ELF file (vmlinux) or a\n"
              "System.map or /proc/kallsyms listing (an ELF kernel's own\n"
              "symbols are read anyway)" },
    { .name = "gdb",
      .kind = OPTPARSE_STRING,
      .metavar = "tcp:[HOST]:PORT",
      FIELD(gdb_spec),
      .section = SEC_DEBUG,
      .help = "wait for gdb on PORT (HOST default 127.0.0.1): a\n"
              "connection stops the guest (docs/gdb.md)" },
    { .short_name = 's',
      .kind = OPTPARSE_FLAG,
      FIELD(gdb_default),
      .value = 1,
      .section = SEC_DEBUG,
      .help = "the same as --gdb tcp::" GDB_DEFAULT_PORT },
    { .short_name = 'S',
      .kind = OPTPARSE_FLAG,
      FIELD(gdb_wait),
      .value = 1,
      .section = SEC_DEBUG,
      .help = "with -s or --gdb: wait for gdb before the first guest\n"
              "instruction" },
    /* general */
    { .name = "help",
      .short_name = 'h',
      .kind = OPTPARSE_FLAG,
      FIELD(help),
      .value = 1,
      .stop = true,
      .section = SEC_GENERAL,
      .help = "this help" },
};

const struct optparse_table run_options_table = {
    .opts = run_opts,
    .nopts = XBT_ARRAY_SIZE(run_opts),
    .sections = run_sections,
    .nsections = XBT_ARRAY_SIZE(run_sections),
};

/* --snapshot needs a disk; it becomes the image's DISK_SNAPSHOT flag. */
/* -s, -S, --gdb: the spec is valid; -S needs a stub. */
static int check_gdb(struct run_options *ro, char *err, size_t errlen)
{
    char host[64];
    unsigned port;
    if (ro->gdb_default && !ro->gdb_spec)
        ro->gdb_spec = "tcp::" GDB_DEFAULT_PORT;
    if (ro->gdb_wait && !ro->gdb_spec) {
        snprintf(err, errlen, "-S waits for gdb: give -s or --gdb too");
        return XBT_EINVAL;
    }
    if (ro->gdb_spec)
        return gdbstub_parse_spec(ro->gdb_spec, host, sizeof(host), &port, err, errlen);
    return 0;
}

int run_options_parse(struct run_options *ro, int argc, char **argv, char *err, size_t errlen)
{
    int operand;
    memset(ro, 0, sizeof(*ro));
    ro->serial_log_fd = -1;
    optparse_defaults(&run_options_table, ro);
    int rc = optparse_parse(&run_options_table, argc, argv, ro, &operand, err, errlen);
    if (rc || ro->help)
        return rc;
    if (operand >= argc && !ro->cfg.kernel && !ro->disk_path) {
        snprintf(err, errlen,
                 "run: nothing to boot (usage: xbt run [options] KERNEL or "
                 "DISK-IMAGE)");
        return XBT_EINVAL;
    }
    if (operand + 1 < argc) {
        snprintf(err, errlen,
                 "run: unexpected argument '%s' after "
                 "'%s'",
                 argv[operand + 1], argv[operand]);
        return XBT_EINVAL;
    }
    if (operand < argc)
        ro->operand = argv[operand]; /* a kernel or a disk image: run_options_pick_boot */
    if (!ro->cfg.vga && (ro->cfg.display == DISPLAY_TEXT || ro->cfg.vga_dump || ro->cfg.vgabios)) {
        snprintf(err, errlen, "--no-vga: no VGA for %s",
                 ro->cfg.display == DISPLAY_TEXT ? "--display=text"
                 : ro->cfg.vga_dump              ? "--vga-dump"
                                                 : "--vgabios");
        return XBT_EINVAL;
    }
    return check_gdb(ro, err, errlen);
}

void run_options_free(struct run_options *ro)
{
    free(ro->disk_path_buf);
    ro->disk_path_buf = NULL;
    if (ro->serial_log_fd >= 0)
        close(ro->serial_log_fd);
    ro->serial_log_fd = -1;
    if (ro->bios) {
        bios_image_free(ro->bios);
        free(ro->bios);
        ro->bios = NULL;
    }
    for (int k = 0; k < ro->cfg.nmodules; k++)
        free(ro->cfg.module_paths[k]);
    ro->cfg.nmodules = 0;
}

void run_options_help(FILE *f)
{
    static const struct {
        int status;
        const char *what;
    } statuses[] = {
        { XBT_STATUS_POWEROFF, "the guest powered off (ACPI S5 through PM1a_CNT)" },
        { XBT_STATUS_HALTED, "the guest halted with interrupts disabled" },
        { XBT_STATUS_TRIPLE_FAULT, "triple fault (a register dump is printed)" },
        { XBT_STATUS_USER, "stopped by Ctrl-A x" },
        { XBT_STATUS_RESET, "the guest reset the machine (without --reboot)" },
        { XBT_STATUS_SIGNAL, "stopped by SIGINT, SIGTERM or SIGHUP (statistics written; a "
                             "second one kills at once)" },
        { XBT_STATUS_ERROR, "bad input or an error in xbt (one line on stderr)" },
    };
    char num[16];
    fputs("usage: xbt run [options] KERNEL|DISK-IMAGE\n"
          "\n"
          "Boots KERNEL, a multiboot v1 ELF32 kernel or a Linux bzImage (recognised by\n"
          "its header; --initrd and --append as QEMU's -initrd and -append), in 32-bit\n"
          "protected mode with the COM1 serial console on this terminal (Ctrl-A x\n"
          "quits, Ctrl-A h for help).  Any other file is a raw PC disk image, attached\n"
          "as the primary IDE master and booted through the BIOS (SeaBIOS) from the\n"
          "reset vector in real mode, as a PC boots it; its console mirrors to COM1.\n"
          "With --kernel too, the kernel boots directly with the image as its disk.\n",
          f);
    optparse_help(&run_options_table, f);
    fputs("\nexit status:\n", f);
    optparse_help_row(f, "(V<<1)|1", "the guest wrote V to the isa-debug-exit port 0xF4");
    for (size_t i = 0; i < XBT_ARRAY_SIZE(statuses); i++) {
        snprintf(num, sizeof(num), "%d", statuses[i].status);
        optparse_help_row(f, num, statuses[i].what);
    }
}
