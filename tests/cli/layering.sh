#!/bin/sh
# layering.sh LAYERS CHECKER - the folder layering holds (scripts/
# check-layers.sh on the built libraries passes), and the checker does
# catch a violation: with cpu allowed only base, its use of the MMU must
# be reported, one line per symbol, and the status must be 1.
set -u
LAYERS=$1 CHECK=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
sh "$CHECK" "$LAYERS" >"$T/ok" 2>&1 || { fails=1; echo "FAIL: the layering is broken:"; cat "$T/ok"; }
awk '$1 == "cpu" { print $1, $2, "base"; next } { print }' "$LAYERS" >"$T/strict"
sh "$CHECK" "$T/strict" >"$T/bad" 2>&1
rc=$?
if [ "$rc" != 1 ] || ! grep -q '^xbt layering: cpu uses mmu_lookup from mmu (memory.c.o)$' "$T/bad"; then
    fails=1
    echo "FAIL: a use of mmu by cpu was not reported (status $rc):"
    cat "$T/bad"
fi
[ "$fails" = 0 ] && echo "layering holds; a violation is caught"
[ "$fails" = 0 ]
