/*
 * machine.h - the virtual PC: guest RAM, the vCPU, the I/O bus and devices,
 * the translation cache, and the run loop that ties them together.
 */
#ifndef XBT_MACHINE_H
#define XBT_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>

#include "xbt.h"
#include "bus.h"
#include "lines.h"
#include "mmu.h"
#include "tcache.h"
#include "bt.h"

struct vcpu;
struct dev_uart;
struct console;
struct dev_pic;
struct dev_pit;
struct dev_rtc;
struct dev_i8042;
struct dev_port80;
struct dev_pci;
struct dev_ide;
struct dev_debug_exit;
struct dev_acpi_pm;
struct dev_ioapic;
struct lapic;
struct disk_image;
struct xclock;
struct ticker;
struct profile;
struct dev_fw_cfg;
struct dev_pam;
struct dev_rom;
struct dev_port92;
struct dev_vga;
struct vga_console;
struct bios_image;
struct gdbstub;

struct machine_config {
    uint32_t ram_mib;        /* guest RAM, MiB (default 128) */
    const char *kernel;      /* multiboot ELF or Linux bzImage */
    const char *initrd;      /* Linux initrd, or NULL */
    const char *append;      /* the kernel command line */
    const char *modules[16]; /* --module 'FILE ARGS': the module string */
    char *module_paths[16];  /* FILE part of each module string */
    int nmodules;
    bool chain;                    /* chain direct successors (default true) */
    uint32_t max_unit_insns;       /* translation unit length limit */
    uint32_t unit_branches;        /* Jcc a unit continues past (--unit-branches) */
    uint32_t tcache_size;          /* code buffer bytes */
    uint32_t tlb_entries;          /* simulated TLB entries (power of two) */
    enum mem_method mem;           /* --mem=host|tlb (paging off) */
    enum mmu_kind mmu;             /* --mmu=walk|shadow|host (paging on) */
    uint32_t host_maps;            /* --host-maps N: page budget of --mmu=host */
    uint32_t host_spaces;          /* --host-spaces N: address spaces it keeps */
    bool tlb_stats;                /* --tlb-stats: count inline TLB hits (slower) */
    bool no_kpath;                 /* --no-kpath: the inline kernel paths by helper */
    bool tcache_stats;             /* --tcache-stats: count unit entries inline (slower) */
    uint32_t tlb_victims;          /* --tlb-victims N: victim buffer entries */
    uint32_t smc_granularity;      /* --smc-granularity: 0 byte, 64 line, 4096 page */
    uint32_t tcache_policy;        /* --tcache-policy: enum tc_policy */
    const char *tcache_trace;      /* --tcache-trace FILE: record unit events (tctrace.h) */
    uint32_t tcache_trace_window;  /* --tcache-trace-window: code bytes per window, 0 exact */
    uint32_t tcache_nursery;       /* --tcache-nursery: percent (generational) */
    bool stats;                    /* print statistics at exit */
    const char *stats_json;        /* write statistics as JSON here */
    const char *debug_log;         /* -D FILE for -d output (default stderr) */
    unsigned debug_flags;          /* -d in_asm,out_asm,exec,int */
    bool perf_map;                 /* --perf-map: write /tmp/perf-PID.map */
    const char *profile;           /* --profile FILE: the guest profiler's report */
    unsigned profile_hz;           /* --profile-hz: samples a second of guest time */
    const char *symbols;           /* --symbols FILE: guest symbols for the profile */
    const char *command_line;      /* the xbt command line, for reports */
    int clock;                     /* enum clock_kind: --clock=host|virtual */
    long long rtc_base;            /* --rtc-base: RTC wall time at boot (-1: host now) */
    bool reboot;                   /* --reboot: a reset restarts instead of exiting */
    bool apic;                     /* a local APIC and an I/O APIC (default; --no-apic:
                                  * the 8259 pair alone, as a pre-APIC PC) */
    struct gdbstub *gdb;           /* --gdb / -s: the stub, or NULL (the caller opens
                                  * and closes it; it outlives reboots) */
    struct disk_image *disk;       /* --disk: primary master image, or NULL (the
                                  * caller opens and closes it; it outlives reboots) */
    const struct bios_image *bios; /* --bios (or the default when booting through
                                    * the BIOS): mapped at the top of 4 GiB and
                                    * below 1 MiB; NULL: none (the caller's) */
    bool bios_boot;                /* the CPU starts at the reset vector: the board
                                    * is in its power-on state (PAM 0, port 0x92 0,
                                    * PIRQs off), not the one the firmware leaves */
    bool sercon;                   /* etc/sercon-port = 0x3F8 (the terminal is COM1;
                                    * default true) */
    bool vga;                      /* an ISA VGA and a PS/2 keyboard (default true;
                                    * --no-vga: neither) */
    int display;                   /* enum machine_display: --display */
    const char *vgabios;           /* --vgabios: the VGA BIOS given to the BIOS as
                                    * fw_cfg vgaroms/ (NULL: the package's) */
    const char *vga_dump;          /* --vga-dump FILE: the text screen at the end */
    int serial_fd;                 /* where COM1's output goes: 0 = stdout (the
                                    * default; stdin is never an output), -1 =
                                    * nowhere, else this descriptor (the caller's) */
};

/* What the terminal shows (--display). */
enum machine_display {
    DISPLAY_SERIAL = 0, /* COM1 (default) */
    DISPLAY_TEXT = 1,   /* the VGA text screen; input on the PS/2 keyboard */
};

/* Why translated code came back to the run loop (run_stats.exits; the
 * entry that follows is a dispatch). */
enum run_exit {
    RUN_EXIT_CHAINED,      /* a direct exit, chained from now on */
    RUN_EXIT_DIRECT_PAGE,  /* a direct exit that may not be chained: paging is
                            * on, the target is on another page (or runs
                            * onto one) and the mode is not flat */
    RUN_EXIT_DIRECT_OTHER, /* a direct exit not chained otherwise (--no-chain,
                            * an event, the cache changed, another mode) */
    RUN_EXIT_INDIRECT,     /* an indirect branch missed the table */
    RUN_EXIT_REQUEST,      /* the unit-entry check: interrupt, timer, stop */
    RUN_EXIT_BUDGET,       /* the virtual clock's budget ran out */
    RUN_EXIT_HELPER,       /* a helper left: exception, mode change, HLT,
                            * a store into the running code, ... */
    RUN_EXIT_END,          /* a unit ended unchained (the mode key may change) */
    RUN_EXIT_FAULT,        /* a host fault became a guest exception */
    RUN_EXIT_COUNT
};
extern const char *const run_exit_names[RUN_EXIT_COUNT];

/* What the run loop counts (src/run.c, halt.c, run_faults.c). */
struct run_stats {
    uint64_t exits[RUN_EXIT_COUNT]; /* returns to the loop, by why */
    uint64_t dispatches;            /* units entered from the loop */
    uint64_t halts;                 /* HLT sleeps */
    uint64_t host_faults;           /* host SIGFPE turned into guest #DE/#MF */
    uint64_t exits_halt;            /* units that ended in HLT */
    uint64_t interrupts;            /* external interrupts delivered */
};

struct machine {
    struct machine_config cfg;
    uint8_t *ram; /* host mapping of guest-physical [0, ram_size) */
    int ram_fd;   /* memfd behind ram */
    uint32_t ram_size;
    struct vcpu *cpu;
    struct io_bus *bus;
    struct mmu mmu;
    struct tcache tc;
    struct bt bt; /* the translator (its counters too) */
    struct dev_uart *uart;
    struct console *console;
    struct xclock *clock;
    struct dev_pic *pic;
    struct dev_pit *pit;
    struct dev_rtc *rtc;
    struct dev_i8042 *kbc;
    struct dev_port80 *port80;
    struct dev_pci *pci; /* PCI configuration mechanism, bus 0 */
    struct dev_ide *ide; /* PIIX3 IDE (00:01.1) */
    struct lapic *lapic; /* the vCPU's local APIC, NULL with --no-apic */
    struct dev_ioapic *ioapic;
    struct dev_debug_exit *debug_exit;
    struct dev_acpi_pm *acpi_pm;     /* ACPI PM1 registers and PM timer at 0x600 */
    uint32_t acpi_rsdp;              /* guest-physical address of the ACPI RSDP */
    struct ticker *ticker;           /* host clock: wakes the vCPU at timer deadlines */
    struct profile *profile;         /* --profile, or NULL */
    struct dev_fw_cfg *fw_cfg;       /* QEMU's fw_cfg at 0x510 (machine_bios.c) */
    struct dev_pam *pam;             /* the i440FX PAM: 0xC0000-0xFFFFF */
    struct dev_rom *bios_rom;        /* the BIOS at 4 GiB - size, or NULL */
    struct dev_port92 *port92;       /* System Control Port A */
    struct dev_vga *vga;             /* the ISA VGA (machine_vga.c), or NULL */
    struct vga_console *vga_console; /* --display=text: the renderer, or NULL */
    /* The A20 line: the i8042's output port OR port 0x92 (PIIX3). */
    bool a20_kbc, a20_port92;
    struct level_line a20_hook; /* the CPU's A20 mask input, if wired */
    struct run_stats run_st;
    bool gdb_onestep_clean; /* gdb's one-instruction units run, chains dropped */
    bool ibp_clean;         /* the same for an armed instruction breakpoint (DR7) */

    /* Set from any thread; the run loop notices at the next unit boundary. */
    atomic_int stop_reason; /* enum machine_stop */
    int exit_status;
    atomic_int kick; /* device event: wake a halted vCPU */
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

/* Requests the end of the run (thread-safe).  The first request wins. */
void machine_request_stop(struct machine *m, enum machine_stop why, int status);
/* Wakes the vCPU if it is halted (thread-safe). */
void machine_kick(struct machine *m);
/* Requests a machine reset (thread-safe): a stop with STOP_RESET. */
void machine_request_reset(struct machine *m);
/* Lines (lines.h) to these receivers, for the devices. */
struct event_line machine_wake_line(struct machine *m);
struct event_line machine_reset_line(struct machine *m);
struct stop_line machine_stop_line(struct machine *m);

int machine_create(struct machine **out, const struct machine_config *cfg);

/* The interrupt controllers (src/machine_apic.c): with cfg.apic, the
 * local APIC (on the vCPU: its INTR input, the APIC_BASE MSR, CPUID) in
 * front of the 8259 pair's output (LINT0) and the I/O APIC; without, the
 * 8259 pair straight on INTR.  After the PIC and the clock exist. */
int machine_apic_create(struct machine *m);
void machine_apic_destroy(struct machine *m);
/* The line of ISA IRQ irq (0-15): the 8259 input, and with the APIC also
 * I/O APIC pin apic_isa_irq_pin(irq). */
struct irq_line machine_isa_irq(struct machine *m, int irq);

/* The ACPI description of this machine (with the APICs when it has them):
 * what acpi_build puts in RAM and the BIOS gets through fw_cfg. */
struct acpi_config;
void machine_acpi_config(const struct machine *m, struct acpi_config *acpi);

/* ---- the firmware side of the board (src/machine_bios.c) ---- */
/* fw_cfg with its items and files, the CMOS bytes QEMU sets, the PAM,
 * port 0x92 and the A20 line, and the BIOS ROM when cfg.bios is set.
 * Called by machine_create after the devices. */
int machine_bios_create(struct machine *m);
void machine_bios_destroy(struct machine *m);
/* The VGA and the keyboard (src/machine_vga.c), with cfg.vga: the card,
 * the keyboard on the i8042, the VGA BIOS as fw_cfg file vgaroms/... when
 * there is a BIOS, a blank mode-3 screen for direct kernel boots.  After
 * machine_bios_create. */
int machine_vga_create(struct machine *m);
void machine_vga_destroy(struct machine *m);
/* The board's A20 line: 1 when addresses keep bit 20. */
bool machine_a20(const struct machine *m);
/* Connects the CPU's A20 input: hook.fn(opaque, level) on every change of
 * machine_a20 (the CPU masks address bit 20 while it is 0).  Called once
 * with the current level. */
void machine_set_a20_hook(struct machine *m, struct level_line hook);
/* The firmware's interrupt tables in guest RAM (the MP tables), with the
 * APIC only; after the kernel is loaded. */
int machine_apic_tables(struct machine *m);
/* Loads cfg.kernel - a Linux bzImage (recognised by its header) or a
 * multiboot ELF kernel - and sets the vCPU's entry state; prints one error
 * line and returns a negative code on bad input. */
int machine_boot(struct machine *m);
void machine_destroy(struct machine *m);
/* Runs until a stop; returns the exit status for the process. */
int machine_run(struct machine *m);

#endif
