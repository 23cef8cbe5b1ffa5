#!/bin/sh
# cpu_key.sh - prints VENDOR-FAMILY-MODEL of the host CPU (from
# /proc/cpuinfo, e.g. AuthenticAMD-25-1), or "unknown": the key of the
# committed references of CPU_SPECIFIC guest tests (kernels.cmake),
# whose outputs differ between CPU models (x87 transcendental results,
# FPREM's partial-remainder steps).  Used by run_guest.sh and
# scripts/native-refs.sh.  XBT_CPU_KEY, when set, is printed instead (the
# CLI tests use it to stand for a CPU without a committed reference).
if [ -n "${XBT_CPU_KEY:-}" ]; then
    echo "$XBT_CPU_KEY"
    exit 0
fi
awk -F': *' '
    /^vendor_id/ && v == "" { v = $2 }
    /^cpu family/ && f == "" { f = $2 }
    /^model[ \t]*:/ && m == "" { m = $2 }
    END {
        gsub(/[^A-Za-z0-9]/, "", v)
        if (v == "" || f == "" || m == "") { print "unknown"; exit }
        print v "-" f "-" m
    }' /proc/cpuinfo 2>/dev/null || echo unknown
