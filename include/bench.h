/*
 * bench.h - `xbt bench`: runs the workloads in guests/bench natively, under
 * xbt configurations and under QEMU, and reports (src/bench/); its
 * gnuplot helpers serve `xbt tcsim --plot` too.
 */
#ifndef XBT_BENCH_H
#define XBT_BENCH_H

#include <stdio.h>

/* argv[0] is "bench".  Returns the process exit status: 0 all runs agreed,
 * 1 a run failed or a checksum differed, 2 bad usage. */
int bench_main(int argc, char **argv);
/* The first executable `name` on PATH (malloc'd), or NULL. */
char *bench_find_in_path(const char *name);
/* Writes s as a gnuplot single-quoted string ('' stands for a quote). */
void bench_gp_string(FILE *f, const char *s);

#endif
