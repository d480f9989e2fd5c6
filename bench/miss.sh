#!/usr/bin/env bash
# Per-compile miss overhead: the same compile through the bare compiler,
# zccache and ccache, each forced to miss and store every time
# (ZCCACHE_RECACHE / CCACHE_RECACHE), interleaved; prints medians.
#   bench/miss.sh [-n N]      (N compiles of the small C file, N/3 of the C++ one)
set -euo pipefail
N=30
[ "${1:-}" = -n ] && N=$2
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top"
command -v ccache >/dev/null || "$top/scripts/setup.sh"
work=$(mktemp -d /tmp/zccache-miss.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$top/build/zccache" "$top/build/zccache-core" . # the small client runs zccache-core beside it
gcc -O2 -o spawn-timer "$top/bench/spawn-timer.c"
printf '%s\n' '#include <stdio.h>' '#include <string.h>' \
	'int f(int x) { char b[64]; snprintf(b, sizeof b, "%d", x); return (int)strlen(b); }' \
	'int main(void) { printf("%d\n", f(42)); return 0; }' >small.c
printf '#include <%s>\n' vector string map iostream algorithm memory functional \
	unordered_map sstream regex >heavy.cpp
echo 'int main() { std::vector<int> v; return (int)v.size(); }' >>heavy.cpp
touch -d '-1 min' small.c heavy.cpp

run() { # NAME COUNT COMPILER SOURCE
	./spawn-timer "$2" \
		bare "$2" "$3" -O2 -c "$4" -o bare.o ::: \
		zccache "$2" ZCCACHE_DIR="$work/zc" ZCCACHE_RECACHE=1 ./zccache "$3" -O2 -c "$4" -o zc.o ::: \
		ccache "$2" CCACHE_DIR="$work/cc" CCACHE_RECACHE=1 ccache "$3" -O2 -c "$4" -o cc.o >"$1.txt"
	local bare
	echo "$1: miss, median ms (ratio to bare)"
	for t in bare zccache ccache; do
		awk -v t=$t '$1 == t { print $3 / 1000 }' "$1.txt" | sort -n |
			awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }' >"$t.med"
	done
	bare=$(cat bare.med)
	for t in bare zccache ccache; do
		awk -v t=$t -v b="$bare" '{ printf "  %-8s %8.1f  %.2fx\n", t, $1, $1 / b }' "$t.med"
	done
}
run small-c "$N" gcc small.c
run heavy-cpp $((N / 3 > 3 ? N / 3 : 3)) g++ heavy.cpp
