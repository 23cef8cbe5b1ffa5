/*
 * profile.h - the guest profiler (`xbt run --profile FILE`).
 *
 * Contract: profile_create() arms a timer on the machine's clock that
 * samples the guest every 1/hz seconds of guest time (host or virtual
 * clock: under --clock=virtual the same run samples the same instructions
 * every time).  A sample is taken where the vCPU is between translation
 * units (the EIP is the next unit's start, its registers are exact), with
 * the call stack from the EBP frame chain (return addresses read through
 * the guest's paging without side effects), or, while the vCPU is halted,
 * counts as [idle].  profile_note_translation() counts a translation at
 * a unit's start EIP (the translator's hook).  profile_write() symbolises
 * everything (the guest ELF's symbol table through libelf, and/or a
 * --symbols file: an ELF such as vmlinux, or a System.map or
 * /proc/kallsyms listing, whose names win at equal addresses) and writes:
 *   FILE         the flat profile (samples per function of the sampled
 *                EIP), the per-unit profile (samples and translations per
 *                unit start), translations per function, and a header
 *                with the xbt version, the command line, the clock and the
 *                rate;
 *   FILE.folded  folded stacks ("outer;...;inner count" per line, the
 *                input of flamegraph.pl and speedscope).
 * Code outside every symbol is "[unknown]" at CPL 0 and "[user]" at CPL 3.
 * Everything runs on the vCPU thread.
 */
#ifndef XBT_PROFILE_H
#define XBT_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

struct xclock;
struct vcpu;
struct profile;

/* Tunable: the default sampling rate, per second of guest time
 * (--profile-hz).  Policy: 1 kHz, a sample per Linux tick at HZ=1000: a
 * 10 s boot gives 10,000 samples (1% resolution for a function at 1%)
 * at a cost of about a thousand extra unit exits a second. */
#define PROFILE_DEFAULT_HZ 1000u
/* Tunable: the deepest stack recorded (frames beyond are dropped and the
 * sample counted as truncated).  Policy: 32, deeper than Linux's usual
 * interrupt-over-syscall chains. */
#define PROFILE_MAX_DEPTH 32u

struct profile_config {
    const char *path;    /* the report; the folded stacks go to path.folded */
    const char *elf;     /* the guest kernel if it is an ELF (symbols), or NULL */
    const char *symbols; /* --symbols FILE, or NULL */
    unsigned hz;         /* samples per second of guest time (1..100000) */
    const char *command; /* the command line, for the header */
    bool virtual_clock;  /* for the header */
};

struct profile_stats {
    uint64_t samples;   /* all, idle included */
    uint64_t idle;      /* taken while the vCPU was halted */
    uint64_t user;      /* at CPL 3 */
    uint64_t frames;    /* return addresses recorded */
    uint64_t truncated; /* stacks cut at PROFILE_MAX_DEPTH */
    uint64_t translations;
    uint64_t symbols; /* symbols loaded (at creation) */
};

/* Whether path is a usable --symbols file: 0, or a negative XBT_E* with
 * one line in err (for the command line's checks before the run). */
int profile_check_symbols(const char *path, char *err, size_t errlen);
/* Whether the report files (path, path.folded) can be written (it creates
 * them): 0, or a negative XBT_E* with one line in err. */
int profile_check_output(const char *path, char *err, size_t errlen);
/* 0, or a negative XBT_E* after one error line (a --symbols file that
 * cannot be read or parsed, an output file that cannot be written, out of
 * memory). */
int profile_create(struct profile **out, const struct profile_config *cfg, struct xclock *clk,
                   struct vcpu *cpu);
void profile_destroy(struct profile *p);
/* The vCPU sleeps in HLT (true) or runs again (false). */
void profile_idle(struct profile *p, bool idle);
/* A translation made at guest EIP eip (struct bt's hook). */
void profile_note_translation(void *profile, uint32_t eip);
/* Writes the report files: 0, or XBT_EIO after one error line. */
int profile_write(struct profile *p);
const struct profile_stats *profile_stats(const struct profile *p);

#endif
