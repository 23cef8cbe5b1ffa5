#!/usr/bin/env python3
"""compare.py - live runs against `xbt tcsim --sweep ... --csv` (docs/tcsim.md).

usage: compare.py SWEEP.csv LIVE_PATTERN
    LIVE_PATTERN: the --stats-json files of the live runs, with {size} and
    {policy} in it, e.g. /tmp/val/live-{size}-{policy}.json
Prints one markdown row per sweep point: live and simulated translations,
their difference in percent, and the simulated miss rate; then the largest
difference.  Points without a live file are left out.
"""
import csv
import json
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    worst = 0.0
    print("| size | policy | live translations | tcsim translations | difference | tcsim miss rate |")
    print("|---|---|---|---|---|---|")
    with open(sys.argv[1]) as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            path = sys.argv[2].format(size=row["size"], policy=row["policy"])
            try:
                with open(path) as j:
                    live = json.load(j)["tcache"]["translations"]
            except OSError:
                continue
            sim = int(row["translations"])
            diff = 100.0 * (sim - live) / live
            worst = max(worst, abs(diff))
            print("| %s | %s | %d | %d | %+.2f%% | %.4f%% |" %
                  (row["size"], row["policy"], live, sim, diff, float(row["miss_pct"])))
    print("\nlargest difference: %.2f%%" % worst)


if __name__ == "__main__":
    main()
