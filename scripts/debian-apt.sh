# debian-apt.sh - sourced by linux-guest.sh and disk-images.sh: apt-get and
# apt-cache with Debian 12 package lists of their own under the cache, for
# one architecture (no root; the host's dpkg architectures and lists are
# untouched), and the two helpers both scripts report errors with.
#
# The sourcing script sets: prog (its name in messages), apt_dir (lists and
# archives), apt_arch (i386, amd64), lock (its NAME VERSION file).

die() { echo "$prog: $*" >&2; exit 2; }

need() {
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || die "$t is missing (make deps installs it)"
    done
}

# apt_private TOOL ARGS...: apt-get or apt-cache on the private lists.
apt_private() {
    tool=$1
    shift
    "$tool" -q -o Dir::State="$apt_dir/state" -o Dir::Cache="$apt_dir/cache" \
        -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o APT::Architecture="$apt_arch" -o APT::Architectures="$apt_arch" \
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

apt_update() {
    mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
    cat >"$apt_dir/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    apt_private apt-get update >"$apt_dir/update.log" 2>&1 ||
        die "cannot read Debian's $apt_arch package lists (see $apt_dir/update.log)"
}

# The lock's packages: "NAME VERSION" lines.
locked() {
    grep -v '^#' "$lock" | awk 'NF == 2'
}
