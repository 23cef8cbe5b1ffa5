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

struct tc_sim;
/* tcsim --plot: gnuplot is there (else one error line, XBT_EINVAL); draws
 * the miss rate against size per policy of the n sims into path. */
int tcsim_plot_check(void);
int tcsim_plot(const char *path, const char *trace, const struct tc_sim *sims, int n);

#endif
