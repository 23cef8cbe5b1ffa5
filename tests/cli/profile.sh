#!/bin/sh
# profile.sh XBT GUESTDIR - `xbt run --profile`: on the virtual clock two
#   runs of the qsort workload write identical reports and folded stacks;
#   the kernel's own ELF symbols name its functions (the sort's inner
#   loops lead the flat profile); the folded stacks add up to the samples;
#   a --symbols listing is used; a missing --symbols file and an unwritable
#   report are one error line and status 2.
set -u
XBT=$1 G=$2
K=$G/bench_qsort.elf
. "$(dirname "$0")/common.sh"

for i in 1 2; do
    (cd "$T" && "$XBT" run --clock=virtual --profile "p$i.txt" --profile-hz 5000 "$K" \
        >"out$i" 2>"err$i" </dev/null)
    st=$?
    [ "$st" -eq 1 ] || bad "run $i: status $st"
done
sed -i 's/p[12]\.txt/pN.txt/' "$T/p1.txt" "$T/p2.txt"
if cmp -s "$T/p1.txt" "$T/p2.txt" && cmp -s "$T/p1.txt.folded" "$T/p2.txt.folded"; then ok
else bad "two virtual-clock runs differ"; diff "$T/p1.txt" "$T/p2.txt" | head; fi
top=$(awk '/^## flat/ { getline; getline; print $3; exit }' "$T/p1.txt")
case $top in
gsort*|cmp_key) ok ;;
*) bad "flat profile led by '$top'"; head -20 "$T/p1.txt" ;;
esac
samples=$(sed -n 's/^# samples: \([0-9]*\) .*/\1/p' "$T/p1.txt")
folded=$(awk '{ n += $NF } END { print n + 0 }' "$T/p1.txt.folded")
if [ -n "$samples" ] && [ "$samples" -gt 100 ] && [ "$samples" = "$folded" ]; then ok
else bad "samples '$samples', folded stacks add up to '$folded'"; fi
grep -q "^# command: xbt run --clock=virtual --profile pN.txt" "$T/p1.txt" && ok ||
    bad "no command line in the header"

# a listing: its names win where it has symbols
nm "$K" | awk '$2 ~ /[tT]/ && $3 ~ /^gsort/ { print $1, $2, "listed_sort" }' >"$T/map"
(cd "$T" && "$XBT" run --clock=virtual --profile p3.txt --symbols map "$K" >/dev/null 2>&1)
if grep -q "listed_sort" "$T/p3.txt"; then ok; else bad "--symbols listing not used"; fi

"$XBT" run --profile "$T/p4.txt" --symbols "$T/missing" "$K" >/dev/null 2>"$T/err"
st=$?
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "missing" "$T/err"; then ok
else bad "missing --symbols: status $st"; cat "$T/err"; fi
"$XBT" run --profile "$T/no/such/dir/p.txt" "$K" >/dev/null 2>"$T/err"
st=$?
if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ]; then ok
else bad "unwritable --profile: status $st"; cat "$T/err"; fi

finish
