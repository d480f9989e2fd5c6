#!/bin/sh
# The main job: build zccache, then build the bundled demo project twice
# through the cache (a fresh cache in a temporary directory) and show that
# the second build is served from the cache.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
make -C "$top" -s -j2
zccache=$top/build/zccache

work=$(mktemp -d /tmp/zccache-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
export ZCCACHE_DIR="$work/cache"
unset ZCCACHE_DISABLE ZCCACHE_RECACHE ZCCACHE_READONLY ZCCACHE_LOGFILE

now_ms() { date +%s%3N; }
for run in 1 2; do
	rm -rf "$work/out"
	start=$(now_ms)
	make -C "$top/demo" -s -j2 OUT="$work/out" CC="$zccache gcc" CXX="$zccache g++"
	end=$(now_ms)
	echo "== build $run through zccache: $((end - start)) ms"
	"$work/out/demo"
	"$zccache" stats
	echo
done
hits=$("$zccache" stats --json | sed -n 's/^{"hits":\([0-9]*\),.*/\1/p')
if [ "$hits" -lt 4 ]; then
	echo "demo: expected the second build's 4 compiles to be hits, got $hits" >&2
	exit 1
fi
echo "demo: the second build was served from the cache ($hits hits)."
