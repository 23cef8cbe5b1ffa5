/*
 * cli.h - the commands of the `xbt` program that live in src/cli (`xbt
 * bench` is bench.h).  Each takes the command's own argv (argv[0] is the
 * command name) and returns the process exit status.
 */
#ifndef XBT_CLI_H
#define XBT_CLI_H

/* `xbt run [options] KERNEL`: boots and runs the guest, again after each
 * reset with --reboot; the exit status is the guest's (see --help), 0 for
 * --help, 2 for bad input. */
int cli_run(int argc, char **argv);

/* `xbt tcsim TRACE [options]`: replays a translation-cache trace through
 * the cache's policy code (docs/tcsim.md); 0, or 2 for bad input. */
int cli_tcsim(int argc, char **argv);

/* "xbt ARGV..." (argv[0] the command name), malloc'd; NULL if out of
 * memory (cmdline.c). */
char *cli_command_line(int argc, char **argv);

struct machine;
/* SIGINT, SIGTERM and SIGHUP during `xbt run` (run_signals.c):
 * run_signals_start blocks them and starts the thread that takes them
 * (before any other thread starts; 0 or a negative XBT_E*);
 * run_signals_watch names the machine a signal stops (NULL: none now; a
 * signal taken before stops the next one at once); run_signals_caught is
 * the signal that ended the run, 0 if none; run_signals_report says so on
 * stderr. */
int run_signals_start(void);
void run_signals_watch(struct machine *m);
int run_signals_caught(void);
void run_signals_report(void);

struct tc_sim;
/* tcsim --plot: gnuplot is there (else one error line, XBT_EINVAL); draws
 * the miss rate against size per policy of the n sims into path, titled
 * with the trace and xbt's version, the command line (cmd, or NULL)
 * written under it. */
int tcsim_plot_check(void);
int tcsim_plot(const char *path, const char *trace, const char *cmd, const struct tc_sim *sims,
               int n);

#endif
