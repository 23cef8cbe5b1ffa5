/*
 * main.c - the `xbt` command: `xbt run [options] KERNEL` boots a guest.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bt.h"
#include "clock.h"
#include "devices.h"
#include "machine.h"
#include "mmu.h"
#include "stats.h"
#include "tcache.h"

#define XBT_VERSION "0.1.0"
/* Tunable: accepted guest RAM sizes in MiB.  Policy: at least 2 MiB (a
 * kernel at 1 MiB needs room), at most 3072 MiB so RAM stays below the
 * 32-bit MMIO hole. */
#define RAM_MIN_MIB 2
#define RAM_MAX_MIB 3072

extern FILE *xbt_log_file;

static void usage_main(FILE *f)
{
    fprintf(f,
        "usage: xbt <command> [options]\n"
        "\n"
        "xbt runs 32-bit x86 (IA-32) guests by dynamic binary translation.\n"
        "\n"
        "commands:\n"
        "  run [options] KERNEL   boot a multiboot v1 ELF kernel (see xbt run --help)\n"
        "  bench [options]        compare xbt with native and QEMU (see xbt bench --help)\n"
        "\n"
        "options:\n"
        "  -h, --help             this help\n"
        "  -V, --version          print the version\n");
}

static void usage_run(FILE *f)
{
    fprintf(f,
        "usage: xbt run [options] KERNEL.elf\n"
        "\n"
        "Boots KERNEL, a multiboot v1 ELF32 kernel, in 32-bit protected mode with the\n"
        "COM1 serial console on this terminal (Ctrl-A x quits, Ctrl-A h for help).\n"
        "\n"
        "machine:\n"
        "  -m MIB                 guest RAM in MiB (%d..%d, default 128)\n"
        "  --append STRING        kernel command line (multiboot cmdline)\n"
        "  --clock=host|virtual   guest time: host time (default), or a virtual clock that\n"
        "                         advances 1 ns per guest instruction (deterministic runs)\n"
        "  --rtc-base SECONDS|now RTC wall-clock time at boot (default: now)\n"
        "  --reboot               a guest reset (i8042, triple fault) restarts the machine\n"
        "                         instead of ending the run\n"
        "  --module 'FILE [ARGS]' load FILE as a multiboot module with the string\n"
        "                         'FILE [ARGS]'; may be given up to 16 times\n"
        "  --disk FILE            attach FILE, a raw disk image (512-byte sectors; a\n"
        "                         partial last sector is ignored), read-write, as the\n"
        "                         primary IDE master (PIIX3, PIO and bus-master DMA);\n"
        "                         --hda FILE is the same\n"
        "\n"
        "translation (research knobs):\n"
        "  --no-chain             never chain units to their direct successors\n"
        "  --max-block-insns N    at most N guest instructions per unit (1..%u, default %u)\n"
        "  --tcache-size BYTES    code buffer size (K/M/G suffixes; default 32M, min 64K)\n"
        "  --tcache-policy=flush|fifo|gen  what makes room when the buffer is full:\n"
        "                         drop everything (default), evict the oldest units\n"
        "                         (circular buffer), or generational (a FIFO nursery;\n"
        "                         units translated again after eviction go to a FIFO\n"
        "                         persistent region)\n"
        "  --tcache-nursery PCT   generational: the nursery's share of the buffer\n"
        "                         (10..90, default 50)\n"
        "  --tcache-stats         count every entry into a unit, chained or not (4 host\n"
        "                         instructions each): tcache.unit_entries, for an exact\n"
        "                         miss rate = translations / unit_entries\n"
        "  --tlb-entries N        simulated TLB entries, power of two (2..65536, default %u)\n"
        "  --smc-granularity=byte|line|page  a store into translated code drops the\n"
        "                         units it overlaps (byte, default), or all units on\n"
        "                         the touched 64-byte lines or pages\n"
        "  --mmu=walk|shadow      paging: fill the TLB from a walk of the guest tables\n"
        "                         (default), or from shadow page tables kept coherent by\n"
        "                         tracing writes to the guest's page-table pages\n"
        "  --tlb-victims N        victim buffer of N evicted TLB entries (0..64, default 0)\n"
        "  --mem=host|tlb         guest memory access with paging off: host = a host-MMU\n"
        "                         window, one host instruction per access (default);\n"
        "                         tlb = inline simulated-TLB lookup on every access\n"
        "\n"
        "statistics and debugging:\n"
        "  --stats                print statistics when the guest stops (stderr)\n"
        "  --stats-json FILE      write statistics as JSON to FILE\n"
        "  --tlb-stats            also count inline simulated-TLB hits (costs 2 host\n"
        "                         instructions per access; misses are always counted)\n"
        "  -d ITEMS               log: in_asm,out_asm,exec,int (comma separated)\n"
        "  -D FILE                write the -d log to FILE instead of stderr\n"
        "  --perf-map             write /tmp/perf-PID.map so perf can name translated code\n"
        "\n"
        "Bytes the guest writes to the 0xE9 debug console go to stderr.\n"
        "  -h, --help             this help\n"
        "\n"
        "exit status:\n"
        "  (V<<1)|1               the guest wrote V to the isa-debug-exit port 0xF4\n"
        "  %d                      the guest halted with interrupts disabled\n"
        "  %d                      triple fault (a register dump is printed)\n"
        "  %d                      stopped by Ctrl-A x\n"
        "  %d                     the guest reset the machine (without --reboot)\n"
        "  %d                      bad input or an error in xbt (one line on stderr)\n",
        RAM_MIN_MIB, RAM_MAX_MIB, BT_MAX_BLOCK_INSNS, BT_DEFAULT_BLOCK_INSNS,
        TLB_DEFAULT_ENTRIES, XBT_STATUS_HALTED, XBT_STATUS_TRIPLE_FAULT, XBT_STATUS_USER,
        XBT_STATUS_RESET, XBT_STATUS_ERROR);
}

static int parse_u64(const char *s, uint64_t *out, bool suffixes)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno)
        return -1;
    if (suffixes && *end) {
        unsigned shift = 0;
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (v > (ULLONG_MAX >> shift))
            return -1;
        v <<= shift;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int parse_debug(const char *s, unsigned *flags)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "in_asm")) *flags |= XBT_LOG_IN_ASM;
        else if (!strcmp(tok, "out_asm")) *flags |= XBT_LOG_OUT_ASM;
        else if (!strcmp(tok, "exec")) *flags |= XBT_LOG_EXEC;
        else if (!strcmp(tok, "int")) *flags |= XBT_LOG_INT;
        else {
            xbt_error("unknown -d item '%s' (valid: in_asm,out_asm,exec,int)", tok);
            return -1;
        }
    }
    return 0;
}

enum { OPT_APPEND = 256, OPT_MODULE, OPT_NO_CHAIN, OPT_MAX_BLOCK, OPT_TCACHE_SIZE,
       OPT_TLB_ENTRIES, OPT_STATS, OPT_STATS_JSON, OPT_PERF_MAP, OPT_MEM, OPT_CLOCK, OPT_RTC_BASE, OPT_REBOOT, OPT_MMU, OPT_TLB_STATS, OPT_TLB_VICTIMS, OPT_SMC_GRAN, OPT_TC_POLICY, OPT_TC_NURSERY, OPT_TC_STATS };

enum { OPT_DISK = 512 };

static int cmd_run_cfg(int argc, char **argv, struct machine_config *cfgp);

static int cmd_run(int argc, char **argv)
{
    struct machine_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    int status = cmd_run_cfg(argc, argv, &cfg);
    disk_image_close(cfg.disk);
    for (int k = 0; k < cfg.nmodules; k++)
        free(cfg.module_paths[k]);
    if (xbt_log_file)
        fclose(xbt_log_file);
    return status;
}

static int cmd_run_cfg(int argc, char **argv, struct machine_config *cfgp)
{
    static const struct option opts[] = {
        {"append", required_argument, 0, OPT_APPEND},
        {"module", required_argument, 0, OPT_MODULE},
        {"no-chain", no_argument, 0, OPT_NO_CHAIN},
        {"max-block-insns", required_argument, 0, OPT_MAX_BLOCK},
        {"tcache-size", required_argument, 0, OPT_TCACHE_SIZE},
        {"tlb-entries", required_argument, 0, OPT_TLB_ENTRIES},
        {"stats", no_argument, 0, OPT_STATS},
        {"stats-json", required_argument, 0, OPT_STATS_JSON},
        {"perf-map", no_argument, 0, OPT_PERF_MAP},
        {"mem", required_argument, 0, OPT_MEM},
        {"clock", required_argument, 0, OPT_CLOCK},
        {"rtc-base", required_argument, 0, OPT_RTC_BASE},
        {"reboot", no_argument, 0, OPT_REBOOT},
        {"mmu", required_argument, 0, OPT_MMU},
        {"tlb-stats", no_argument, 0, OPT_TLB_STATS},
        {"tlb-victims", required_argument, 0, OPT_TLB_VICTIMS},
        {"smc-granularity", required_argument, 0, OPT_SMC_GRAN},
        {"tcache-policy", required_argument, 0, OPT_TC_POLICY},
        {"tcache-nursery", required_argument, 0, OPT_TC_NURSERY},
        {"tcache-stats", no_argument, 0, OPT_TC_STATS},
        {"disk", required_argument, 0, OPT_DISK},
        {"hda", required_argument, 0, OPT_DISK},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *disk_path = NULL;
#define cfg (*cfgp)
    cfg.ram_mib = 128;
    cfg.chain = true;
    cfg.max_block_insns = BT_DEFAULT_BLOCK_INSNS;
    cfg.tcache_size = TC_DEFAULT_SIZE;
    cfg.tlb_entries = TLB_DEFAULT_ENTRIES;
    cfg.rtc_base = -1;
    uint64_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+m:d:D:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (parse_u64(optarg, &v, false) || v < RAM_MIN_MIB || v > RAM_MAX_MIB) {
                xbt_error("-m %s: guest RAM must be %d..%d MiB", optarg, RAM_MIN_MIB, RAM_MAX_MIB);
                return XBT_STATUS_ERROR;
            }
            cfg.ram_mib = (uint32_t)v;
            break;
        case OPT_APPEND: cfg.append = optarg; break;
        case OPT_MODULE:
            if (cfg.nmodules >= 16) {
                xbt_error("too many --module options (at most 16)");
                return XBT_STATUS_ERROR;
            }
            cfg.modules[cfg.nmodules] = optarg;
            cfg.module_paths[cfg.nmodules] = strndup(optarg, strcspn(optarg, " \t"));
            cfg.nmodules++;
            break;
        case OPT_NO_CHAIN: cfg.chain = false; break;
        case OPT_MAX_BLOCK:
            if (parse_u64(optarg, &v, false) || v < 1 || v > BT_MAX_BLOCK_INSNS) {
                xbt_error("--max-block-insns %s: must be 1..%u", optarg, BT_MAX_BLOCK_INSNS);
                return XBT_STATUS_ERROR;
            }
            cfg.max_block_insns = (uint32_t)v;
            break;
        case OPT_TCACHE_SIZE:
            if (parse_u64(optarg, &v, true) || v < (64u << 10) || v > (1ull << 30)) {
                xbt_error("--tcache-size %s: must be 64K..1G", optarg);
                return XBT_STATUS_ERROR;
            }
            cfg.tcache_size = (uint32_t)v;
            break;
        case OPT_TLB_ENTRIES:
            if (parse_u64(optarg, &v, false) || v < 2 || v > 65536 || (v & (v - 1))) {
                xbt_error("--tlb-entries %s: must be a power of two in 2..65536", optarg);
                return XBT_STATUS_ERROR;
            }
            cfg.tlb_entries = (uint32_t)v;
            break;
        case OPT_STATS: cfg.stats = true; break;
        case OPT_STATS_JSON: cfg.stats_json = optarg; break;
        case OPT_PERF_MAP: cfg.perf_map = true; break;
        case OPT_CLOCK:
            if (!strcmp(optarg, "host"))
                cfg.clock = CLOCK_HOST;
            else if (!strcmp(optarg, "virtual"))
                cfg.clock = CLOCK_VIRTUAL;
            else {
                xbt_error("--clock %s: must be host or virtual", optarg);
                return XBT_STATUS_ERROR;
            }
            break;
        case OPT_RTC_BASE:
            if (!strcmp(optarg, "now")) {
                cfg.rtc_base = -1;
            } else if (parse_u64(optarg, &v, false) || v > (1ull << 40)) {
                xbt_error("--rtc-base %s: seconds since 1970 or 'now'", optarg);
                return XBT_STATUS_ERROR;
            } else {
                cfg.rtc_base = (long long)v;
            }
            break;
        case OPT_REBOOT: cfg.reboot = true; break;
        case OPT_TLB_STATS: cfg.tlb_stats = true; break;
        case OPT_TC_STATS: cfg.tcache_stats = true; break;
        case OPT_SMC_GRAN:
            if (!strcmp(optarg, "byte"))
                cfg.smc_granularity = 0;
            else if (!strcmp(optarg, "line"))
                cfg.smc_granularity = 64;
            else if (!strcmp(optarg, "page"))
                cfg.smc_granularity = 4096;
            else {
                xbt_error("--smc-granularity %s: must be byte, line or page", optarg);
                return XBT_STATUS_ERROR;
            }
            break;
        case OPT_TC_POLICY: {
            int p = tc_policy_parse(optarg);
            if (p < 0) {
                xbt_error("--tcache-policy %s: must be flush, fifo or gen", optarg);
                return XBT_STATUS_ERROR;
            }
            cfg.tcache_policy = (uint32_t)p;
            break;
        }
        case OPT_TC_NURSERY:
            if (parse_u64(optarg, &v, false) || v < 10 || v > 90) {
                xbt_error("--tcache-nursery %s: must be 10..90 (percent)", optarg);
                return XBT_STATUS_ERROR;
            }
            cfg.tcache_nursery = (uint32_t)v;
            break;
        case OPT_TLB_VICTIMS:
            if (parse_u64(optarg, &v, false) || v > TLB_MAX_VICTIMS) {
                xbt_error("--tlb-victims %s: must be 0..%d", optarg, TLB_MAX_VICTIMS);
                return XBT_STATUS_ERROR;
            }
            cfg.tlb_victims = (uint32_t)v;
            break;
        case OPT_MMU:
            if (!strcmp(optarg, "walk"))
                cfg.mmu = MMU_WALK;
            else if (!strcmp(optarg, "shadow"))
                cfg.mmu = MMU_SHADOW;
            else {
                xbt_error("--mmu %s: must be walk or shadow", optarg);
                return XBT_STATUS_ERROR;
            }
            break;
        case OPT_MEM:
            if (!strcmp(optarg, "host"))
                cfg.mem = MEM_HOST;
            else if (!strcmp(optarg, "tlb"))
                cfg.mem = MEM_TLB;
            else {
                xbt_error("--mem %s: must be host or tlb", optarg);
                return XBT_STATUS_ERROR;
            }
            break;
        case 'd':
            if (parse_debug(optarg, &cfg.debug_flags))
                return XBT_STATUS_ERROR;
            break;
        case 'D': cfg.debug_log = optarg; break;
        case OPT_DISK:
            if (disk_path) {
                xbt_error("--disk %s: only one disk (the primary master) is supported", optarg);
                return XBT_STATUS_ERROR;
            }
            disk_path = optarg;
            break;
        case 'h': usage_run(stdout); return 0;
        default:
            fprintf(stderr, "Try 'xbt run --help'.\n");
            return XBT_STATUS_ERROR;
        }
    }
    if (optind >= argc) {
        xbt_error("run: no kernel given (usage: xbt run [options] KERNEL.elf)");
        return XBT_STATUS_ERROR;
    }
    if (optind + 1 < argc) {
        xbt_error("run: unexpected argument '%s' after the kernel", argv[optind + 1]);
        return XBT_STATUS_ERROR;
    }
    cfg.kernel = argv[optind];
    if (disk_path) {
        char err[512];
        if (disk_image_open(&cfg.disk, disk_path, err, sizeof(err))) {
            xbt_error("--disk %s", err);
            return XBT_STATUS_ERROR;
        }
    }
    if (cfg.debug_log) {
        xbt_log_file = fopen(cfg.debug_log, "w");
        if (!xbt_log_file) {
            xbt_error("-D %s: %s", cfg.debug_log, strerror(errno));
            return XBT_STATUS_ERROR;
        }
    }

    int status;
    for (;;) {
        struct machine *m;
        int rc = machine_create(&m, &cfg);
        if (rc) {
            xbt_error("cannot create the machine: %s", xbt_strerror(rc));
            return XBT_STATUS_ERROR;
        }
        if (machine_boot_multiboot(m)) {
            machine_destroy(m);
            return XBT_STATUS_ERROR;
        }
        m->console = console_start(STDIN_FILENO, m->uart, machine_stop_line(m));
        status = machine_run(m);
        int why = atomic_load(&m->stop_reason);
        if (m->console) {
            console_stop(m->console);
            m->console = NULL;
        }
        if (cfg.stats)
            stats_print_text(m, stderr);
        if (cfg.stats_json && stats_write_json(m, cfg.stats_json))
            xbt_error("cannot write %s", cfg.stats_json);
        machine_destroy(m);
        if (cfg.reboot && (why == STOP_RESET || why == STOP_TRIPLE_FAULT)) {
            fprintf(stderr, "xbt: rebooting\n");
            continue;
        }
        break;
    }
    return status & 0xFF;
#undef cfg
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage_main(stderr);
        return XBT_STATUS_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage_main(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("xbt %s\n", XBT_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "bench"))
        return bench_main(argc - 1, argv + 1);
    xbt_error("unknown command '%s' (try 'xbt --help')", argv[1]);
    return XBT_STATUS_ERROR;
}
