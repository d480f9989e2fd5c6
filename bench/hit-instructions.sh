#!/usr/bin/env bash
# What the daemon does for a warm hit, counted rather than timed: the
# daemon runs under valgrind's callgrind while curl (the bench's workload
# 2 project) is built cold, then warm twice, then N more times, each time in
# a fresh build directory; only the last N builds are counted. Instruction
# counts do not move with the machine's noise, so two binaries can be
# compared by a few percent, which the timed bench cannot do. Kernel time
# is not in them (the system calls are counted, not their cost).
#
#   bench/hit-instructions.sh [-n N] [BUILD_DIR]   (default: build, N=2)
#
# Prints the instructions and system calls per hit, and the functions
# that take the most (inclusive). Needs valgrind, cmake and ninja (from
# scripts/setup.sh), and the curl source that bench/bench.sh fetched
# (~/.cache/zccache-bench). Takes about a minute: compiles through a
# daemon that runs 50 times slower.
set -euo pipefail
N=2
[ "${1:-}" = -n ] && { N=$2; shift 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
src=$(find "${BENCH_SOURCES:-$HOME/.cache/zccache-bench}/curl" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n1)
command -v valgrind >/dev/null || "$top/scripts/setup.sh"
for tool in valgrind callgrind_control callgrind_annotate cmake ninja; do
	command -v $tool >/dev/null || { echo "hit-instructions: needs $tool" >&2; exit 1; }
done
[ -n "$src" ] || { echo "hit-instructions: no curl source: run bench/bench.sh --projects curl once" >&2; exit 1; }
[ -x "$build/zccache-core" ] || make -s -C "$top"

work=$(mktemp -d /tmp/zccache-hitinstr.XXXXXX)
export ZCCACHE_DIR=$work/cache
mkdir -p "$ZCCACHE_DIR" "$work/trash"
Z=$build/zccache
vg=
cleanup() {
	if [ -n "$vg" ]; then
		"$Z" stop >/dev/null 2>&1 || kill "$vg" 2>/dev/null || true
		wait "$vg" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --dump-instr=no --collect-systime=yes \
	"$build/zccache-core" daemon >"$work/daemon.log" 2>&1 &
vg=$!
for _ in $(seq 100); do "$Z" status >/dev/null 2>&1 && break; sleep 0.2; done
"$Z" status >/dev/null || { echo "hit-instructions: the daemon did not start" >&2; exit 1; }

# The bench's curl options, the launcher, a fresh build directory.
build_curl() {
	[ -d "$work/b" ] && mv "$work/b" "$work/trash/b.$1"
	mkdir "$work/b"
	(cd "$work/b" && cmake -G Ninja -DCMAKE_C_COMPILER_LAUNCHER="$Z" \
		-DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF -DCURL_ENABLE_SSL=OFF \
		-DCURL_USE_OPENSSL=OFF -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF \
		-DCURL_USE_LIBSSH2=OFF -DUSE_LIBIDN2=OFF -DUSE_NGHTTP2=OFF \
		-DCURL_DISABLE_LDAP=ON "$src" >/dev/null && ninja -j2 >/dev/null)
}
# "hits misses", after the records left for later are done
counts() { "$Z" stats | awk '$1 == "cache" && $2 == "hits" { h = $3 } $1 == "cache" && $2 == "misses" { m = $3 } END { print h + 0, m + 0 }'; }

# Two warm builds first: the records of the cold build, and of any compile
# that fell back while the slow daemon was busy, are done and their
# manifests remembered again before the counting starts.
build_curl cold
counts >/dev/null
build_curl warm0
counts >/dev/null
build_curl warm00
read -r h0 m0 < <(counts)
callgrind_control -z "$vg" >/dev/null
for i in $(seq "$N"); do build_curl "warm$i"; done
callgrind_control -d "$vg" >/dev/null
read -r h1 m1 < <(counts)
hits=$((h1 - h0)) misses=$((m1 - m0))
[ "$misses" = 0 ] || echo "hit-instructions: $misses of the counted compiles missed: the figures include them" >&2
"$Z" stop >/dev/null
wait "$vg" || true
vg=

dump=$(ls "$work"/cg.out.* | head -n1)
callgrind_annotate --inclusive=yes "$dump" >"$work/annotate.txt"
awk -v hits="$hits" '/PROGRAM TOTALS/ {
	gsub(",", "", $1); gsub(",", "", $3)
	printf "%d warm hits: %.0f user-space instructions and %.1f system calls a hit\n", hits, $1 / hits, $3 / hits
}' "$work/annotate.txt"
echo "instructions a hit, inclusive, the daemon's own functions:"
grep -E 'src/[a-z]+/[a-z_]+\.c:' "$work/annotate.txt" |
	awk -v hits="$hits" '{ n = $1; gsub(",", "", n)
		name = $0; sub(/.*src\//, "src/", name); sub(/ \[.*/, "", name)
		if (!seen[name]++ && shown++ < 20) printf "  %9.0f  %s\n", n / hits, name }'
