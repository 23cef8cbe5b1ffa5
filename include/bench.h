/*
 * bench.h - `xbt bench`: runs the workloads in guests/bench natively, under
 * xbt configurations and under QEMU, and reports (src/bench/).
 */
#ifndef XBT_BENCH_H
#define XBT_BENCH_H

/* argv[0] is "bench".  Returns the process exit status: 0 all runs agreed,
 * 1 a run failed or a checksum differed, 2 bad usage. */
int bench_main(int argc, char **argv);

#endif
