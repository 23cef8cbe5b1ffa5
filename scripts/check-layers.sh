#!/bin/sh
# check-layers.sh LAYERS - the folder layering of src/, checked on the
# built libraries.  LAYERS (build/layers.txt, written by CMakeLists.txt)
# has one line per module: NAME ARCHIVE ALLOWED-MODULE...  Every symbol a
# module's archive uses must be defined in the module itself, in a module
# it is allowed to use, or outside xbt (libc, Zydis, ...).  Each violation
# is one line "xbt layering: MODULE uses SYMBOL from MODULE2 (OBJECT)";
# exit status 1 if there is any, 2 on bad input.
set -u
[ $# -eq 1 ] && [ -r "$1" ] || { echo "usage: check-layers.sh LAYERS" >&2; exit 2; }
NM=${NM:-nm}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# defs: SYMBOL MODULE, for every defined global symbol of every archive
while read -r mod archive allowed; do
    [ -r "$archive" ] || { echo "check-layers.sh: $archive not built" >&2; exit 2; }
    "$NM" -g --defined-only "$archive" 2>/dev/null |
        awk -v m="$mod" 'NF == 3 && $2 ~ /[TDBRCVW]/ { print $3, m }' >>"$tmp/defs"
    "$NM" -u -A "$archive" 2>/dev/null |
        awk -v m="$mod" '{ o = $1; sub(/:$/, "", o); sub(/^.*:/, "", o); print $NF, m, o }' >>"$tmp/uses"
    echo "$mod $allowed" >>"$tmp/allowed"
done <"$1"

awk '
    FILENAME == ARGV[1] { def[$1] = $2; next }
    FILENAME == ARGV[2] { for (i = 2; i <= NF; i++) ok[$1 " " $i] = 1; next }
    {
        sym = $1; mod = $2; obj = $3
        if (!(sym in def) || def[sym] == mod || ((mod " " def[sym]) in ok))
            next
        printf "xbt layering: %s uses %s from %s (%s)\n", mod, sym, def[sym], obj
        bad = 1
    }
    END { exit bad }
' "$tmp/defs" "$tmp/allowed" "$tmp/uses"
