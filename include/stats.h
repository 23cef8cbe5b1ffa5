/*
 * stats.h - statistics output: every cache, TLB and callout path counts
 * what it does; `xbt run --stats` prints it, `--stats-json FILE` writes it.
 */
#ifndef XBT_STATS_H
#define XBT_STATS_H

#include <stdio.h>

struct machine;

void stats_print_text(const struct machine *m, FILE *f);
int stats_write_json(const struct machine *m, const char *path);
/* The same output with only the tcache group, for a cache without a
 * machine (xbt tcsim's simulated caches). */
struct tcache;
void stats_print_tcache_text(const struct tcache *tc, FILE *f);
int stats_write_tcache_json(const struct tcache *tc, const char *path);

#endif
