#!/usr/bin/env bash
# zccache benchmark: per-hit latency and a real CMake build, through the bare
# compiler, zccache, ccache and sccache, interleaved in one run so that machine
# noise hits every tool alike.  Prints medians and ratios, never a lone time.
#
#   bench/bench.sh [-n N] [-r R] [-b N] [-j J] [-w 1|2|all] [--tools LIST]
#                  [--projects LIST] [--markdown] [--full] [--keep] [--no-build]
#                  [--no-setup]
#
# See bench/README.md.
set -euo pipefail

# ---------------------------------------------------------------- options ---
ORIG_ARGS=$*
N=200           # workload 1: timed compiles per tool and file
BARE_N=""       # workload 1: timed compiles for the bare compiler (default N)
R=3             # workload 2: repetitions
JOBS=2          # workload 2: build parallelism
WORKLOADS="1 2"
ONLY_TOOLS=""   # comma-separated subset of tool names
MARKDOWN=0
FULL=0          # workload 2: also build googletest's and googlemock's own tests
KEEP=0
DO_BUILD=1
DO_SETUP=1
CC_BIN=${BENCH_CC:-gcc}
CXX_BIN=${BENCH_CXX:-g++}
GTEST_SRC=${BENCH_GTEST_SRC:-/usr/src/googletest}
PROJECTS="googletest curl" # workload 2
# Debian source packages fetched for workload 2 are kept here between runs.
SOURCES=${BENCH_SOURCES:-${XDG_CACHE_HOME:-$HOME/.cache}/zccache-bench}

usage() {
	cat <<EOF
usage: bench/bench.sh [options]
  -n N          workload 1: warm compiles per tool and file (default $N)
  -b N          workload 1: compiles for the bare compiler (default: same as -n)
  -r R          workload 2: repetitions of the cold and warm builds (default $R)
  -j J          workload 2: build parallelism (default $JOBS)
  -w W          workloads to run: 1, 2 or all (default all)
  --tools LIST  comma-separated subset of:
                true,bare,floor,zccache-daemon,zccache,ccache,sccache
                (floor, workload 2 only: copies the objects of the bare build;
                needs bare)
  --projects L  workload 2: comma-separated subset of: googletest,curl (default both)
  --full        workload 2: also build googletest's own tests (~100 files; slow)
  --markdown    also print the tables in Markdown
  --keep        keep the temporary directory
  --no-build    do not run 'make' for zccache
  --no-setup    do not run scripts/setup.sh when ccache/sccache are missing
Environment: BENCH_CC, BENCH_CXX (compilers, default gcc/g++),
             BENCH_GTEST_SRC (default /usr/src/googletest),
             BENCH_SOURCES (where Debian source packages are kept between runs,
             default ~/.cache/zccache-bench).
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-b) BARE_N=$2; shift 2 ;;
	-r) R=$2; shift 2 ;;
	-j) JOBS=$2; shift 2 ;;
	-w) case $2 in 1) WORKLOADS=1 ;; 2) WORKLOADS=2 ;; all) WORKLOADS="1 2" ;;
	    *) echo "bench: -w takes 1, 2 or all" >&2; exit 2 ;; esac; shift 2 ;;
	--tools) ONLY_TOOLS=$2; shift 2 ;;
	--projects) PROJECTS=${2//,/ }; shift 2 ;;
	--markdown) MARKDOWN=1; shift ;;
	--full) FULL=1; shift ;;
	--keep) KEEP=1; shift ;;
	--no-build) DO_BUILD=0; shift ;;
	--no-setup) DO_SETUP=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
: "${BARE_N:=$N}"
for v in N BARE_N R JOBS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer" >&2; exit 2; }
done
((BASH_VERSINFO[0] >= 5)) || { echo "bench: needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zccache-bench.XXXXXX")
say() { printf '%s\n' "$*" >&2; }
# set_aside PATH: takes a build tree or cache out of the way by a rename into
# $TMP/trash, deleted when the run ends. Deleting it now would bias the next
# timed build: ext4 without a journal (this kind of VM) skips every inode
# freed in the last minute (longer while its block is dirty) on each file it
# creates, so whichever tool ran after a deletion paid for it, and more so
# the more files it writes.
TRASH_N=0
set_aside() {
	[ -e "$1" ] || return 0
	mkdir -p "$TMP/trash"
	TRASH_N=$((TRASH_N + 1))
	mv "$1" "$TMP/trash/$TRASH_N"
}

# ------------------------------------------------------------------ tools ---
# A tool is a name plus:
#   T_LABEL   what the tables call it
#   T_LAUNCH  launcher words put before the compiler ("" = bare compiler);
#             in CMake it becomes CMAKE_<LANG>_COMPILER_LAUNCHER
#   T_ENV     VAR=VALUE words for every command of that tool (cache dirs...)
#   T_DIR     its private cache directory ("" = none)
#   T_SETUP / T_TEARDOWN   functions run before the first / after the last use
#                          (and around a cache wipe); must be idempotent
#   T_STATS   function: "zero" resets the tool's counters, "get" prints
#             "HITS MISSES" (or nothing if it cannot tell)
#   T_W1      1 if the tool takes part in workload 1
#   T_W2      1 if the tool takes part in workload 2 (warm: warm builds only)
# Adding a column is adding one register_tool call.
TOOLS=()
declare -A T_LABEL T_LAUNCH T_ENV T_DIR T_SETUP T_TEARDOWN T_STATS T_W1 T_W2 T_UP
register_tool() { # name label launch env dir setup teardown stats w1 w2
	TOOLS+=("$1")
	T_LABEL[$1]=$2 T_LAUNCH[$1]=$3 T_ENV[$1]=$4 T_DIR[$1]=$5
	T_SETUP[$1]=$6 T_TEARDOWN[$1]=$7 T_STATS[$1]=$8 T_W1[$1]=$9 T_W2[$1]=${10} T_UP[$1]=0
}
noop() { :; }
tool_env() { local -a e; read -ra e <<<"${T_ENV[$1]}"; env "${e[@]}" "${@:2}"; }
tool_setup() { mkdir -p "${T_DIR[$1]:-$TMP}"; "${T_SETUP[$1]}" "$1"; T_UP[$1]=1; }
tool_teardown() { [ "${T_UP[$1]}" = 1 ] || return 0; "${T_TEARDOWN[$1]}" "$1" || true; T_UP[$1]=0; }
tool_wipe() { # empty the tool's cache
	tool_teardown "$1"
	if [ -n "${T_DIR[$1]}" ]; then set_aside "${T_DIR[$1]}"; fi
	tool_setup "$1"
}
# drop_tool NAME WHY LOG: a tool that fails is taken out of the rest of the
# run (loudly, and named in the report) instead of ending the run.
declare -A DROPPED=()
drop_tool() {
	say "bench: $1: $2; dropping ${T_LABEL[$1]} from the rest of the run:"
	tail -n 15 "$3" | sed 's/^/    /' >&2
	DROPPED[$1]=$2
	tool_teardown "$1"
	local -a keep=() x
	for x in "${TOOLS[@]}"; do [ "$x" = "$1" ] || keep+=("$x"); done
	TOOLS=("${keep[@]}")
}
tool_hits() { "${T_STATS[$1]}" "$1" get 2>/dev/null || true; }
tool_zero() { "${T_STATS[$1]}" "$1" zero >/dev/null 2>&1 || true; }

# Stats readers.
stats_none() { :; }
stats_ccache() {
	case $2 in
	zero) tool_env "$1" ccache --zero-stats ;;
	get) tool_env "$1" ccache --print-stats | awk -F'\t' '
		$1=="direct_cache_hit"||$1=="preprocessed_cache_hit"{h+=$2}
		$1=="cache_miss"{m=$2} END{print h+0, m+0}' ;;
	esac
}
stats_sccache() {
	case $2 in
	zero) tool_env "$1" sccache --zero-stats ;;
	get) tool_env "$1" sccache --show-stats --stats-format=json | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
print(sum(s["cache_hits"]["counts"].values()), sum(s["cache_misses"]["counts"].values()))' ;;
	esac
}
stats_zccache() {
	case $2 in
	zero) tool_env "$1" "$ZCC" stats --zero ;;
	get) tool_env "$1" "$ZCC" stats --json | python3 -c '
import json, sys
def find(o, key):
    # shallowest value under "key": a number, or the sum of the numbers below it
    queue = [o]
    while queue:
        x = queue.pop(0)
        if isinstance(x, dict):
            if key in x:
                v = x[key]
                if isinstance(v, dict):
                    return sum(n for n in v.values() if isinstance(n, (int, float)))
                return v
            queue.extend(x.values())
    return "?"
d = json.load(sys.stdin)
print(find(d, "hits"), find(d, "misses"))' ;;
	esac
}

# sccache: a server of our own, on a port of our own, so that a user's
# server is never touched; stopped through that port, never by name.
pick_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	echo "bench: no free TCP port for the sccache server" >&2; return 1
}
sccache_start() { tool_env "$1" SCCACHE_IDLE_TIMEOUT=0 sccache --start-server >/dev/null 2>&1 ||
	{ say "bench: sccache --start-server failed"; return 1; }; }
sccache_stop() { tool_env "$1" sccache --stop-server >/dev/null 2>&1 || true; }

# zccache: in-process (ZCCACHE_NODAEMON=1)
# and the daemon (the default), started before the timed runs.
zccache_daemon_start() { tool_env "$1" "$ZCC" start >/dev/null; }
zccache_daemon_stop() { tool_env "$1" "$ZCC" stop >/dev/null 2>&1 || true; }

# ------------------------------------------------------------ preparation ---
# run_fg CMD...: run a long command in the background and wait for it, so
# that a signal to this script is handled at once (bash defers traps while
# a foreground child runs) and cleanup can stop that command by its pid.
CHILD=""
run_fg() {
	local rc=0
	"$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=""
	return "$rc"
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$CHILD" ]; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
	for t in "${TOOLS[@]}"; do tool_teardown "$t"; done
	if [ "$KEEP" = 1 ]; then say "bench: kept $TMP"; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wanted() { [ -z "$ONLY_TOOLS" ] || [[ ,$ONLY_TOOLS, == *,"$1",* ]]; }

# Tools that are missing: try the project's setup script once, then skip.
need_setup=0
for t in ccache sccache; do
	wanted "$t" && ! command -v "$t" >/dev/null && need_setup=1
done
if [ "$need_setup" = 1 ] && [ "$DO_SETUP" = 1 ] && [ -x "$REPO/scripts/setup.sh" ]; then
	say "bench: ccache or sccache missing; running scripts/setup.sh"
	"$REPO/scripts/setup.sh" || say "bench: scripts/setup.sh failed"
fi

ZCC=$REPO/build/zccache
zcc_ok=0
if wanted zccache || wanted zccache-daemon; then
	if [ "$DO_BUILD" = 1 ] && [ -f "$REPO/Makefile" ]; then
		say "bench: make -C $REPO"
		if make -C "$REPO" >"$TMP/make.log" 2>&1; then :; else
			say "bench: 'make' failed (log: tail below); skipping zccache"
			tail -n 15 "$TMP/make.log" >&2
			ZCC=""
		fi
	fi
	if [ -n "$ZCC" ] && [ -x "$ZCC" ] && [ -x "$ZCC-core" ]; then
		# Benchmark a snapshot, so that a 'make' during the run changes
		# nothing: both programs (the small client runs zccache-core beside it).
		mkdir -p "$TMP/bin" && cp "$ZCC" "$TMP/bin/zccache" && cp "$ZCC-core" "$TMP/bin/zccache-core" &&
			ZCC=$TMP/bin/zccache && zcc_ok=1
	else say "bench: skipping zccache: no programs at $REPO/build/zccache{,-core} (run 'make')"; fi
fi

sc_port=""
if wanted sccache && command -v sccache >/dev/null; then sc_port=$(pick_port); fi

D=$TMP/cache
wanted true && register_tool true "/bin/true (floor)" /bin/true "" "" noop noop stats_none 1 0
wanted bare && register_tool bare "bare compiler" "" "" "" noop noop stats_none 1 1
# The floor of a warm build: a launcher that only copies the objects of the
# bare compiler's last build (bench/copy-floor.c); it needs that build.
FLOOR=$TMP/copy-floor
wanted floor && wanted bare && register_tool floor "copy (floor)" "$FLOOR" \
	"COPY_FLOOR_FROM=build-floor:build-bare" "" noop noop stats_none 0 warm
if [ "$zcc_ok" = 1 ]; then
	if wanted zccache-daemon; then
		# Probe: does this binary have a daemon yet?
		if ZCCACHE_DIR=$TMP/probe "$ZCC" start >/dev/null 2>&1; then
			ZCCACHE_DIR=$TMP/probe "$ZCC" stop >/dev/null 2>&1 || true
			register_tool zccache-daemon "zccache (daemon)" "$ZCC" \
				"ZCCACHE_DIR=$D/zccache-daemon" "$D/zccache-daemon" \
				zccache_daemon_start zccache_daemon_stop stats_zccache 1 1
		else
			say "bench: skipping zccache (daemon): 'zccache start' does not work in this build"
		fi
		rm -rf "$TMP/probe"
	fi
	wanted zccache && register_tool zccache "zccache (in-process)" "$ZCC" \
		"ZCCACHE_DIR=$D/zccache ZCCACHE_NODAEMON=1" "$D/zccache" noop noop stats_zccache 1 1
fi
if wanted ccache; then
	if command -v ccache >/dev/null; then
		register_tool ccache "ccache $(ccache --version | awk 'NR==1{print $3}')" "$(command -v ccache)" \
			"CCACHE_DIR=$D/ccache" "$D/ccache" noop noop stats_ccache 1 1
	else say "bench: skipping ccache: not installed (Debian package 'ccache'; scripts/setup.sh installs it)"; fi
fi
if wanted sccache; then
	if command -v sccache >/dev/null; then
		register_tool sccache "sccache $(sccache --version | awk '{print $2}')" "$(command -v sccache)" \
			"SCCACHE_DIR=$D/sccache SCCACHE_SERVER_PORT=$sc_port" "$D/sccache" \
			sccache_start sccache_stop stats_sccache 1 1
	else say "bench: skipping sccache: not installed (Debian package 'sccache'; scripts/setup.sh installs it)"; fi
fi
[ ${#TOOLS[@]} -gt 0 ] || { say "bench: no tool to run"; exit 1; }
for t in "${TOOLS[@]}"; do tool_setup "$t"; done

# The spawn timer, built here so that nothing in the timed path is a script.
TIMER=$TMP/spawn-timer
cc -O2 -Wall -o "$TIMER" "$REPO/bench/spawn-timer.c"
# The copy floor, built as small as the small client is (static musl).
if [ -n "${T_LABEL[floor]:-}" ]; then
	if command -v musl-gcc >/dev/null; then musl-gcc -O2 -Wall -static -o "$FLOOR" "$REPO/bench/copy-floor.c"
	else cc -O2 -Wall -o "$FLOOR" "$REPO/bench/copy-floor.c"; fi
fi

# ---------------------------------------------------------------- output ---
# print_table TITLE: tab-separated rows on stdin, first row = header.
print_table() {
	local rows; rows=$(cat)
	echo "$1"
	printf '%s\n' "$rows" | awk -F'\t' '
		{ n=NR; for (i=1;i<=NF;i++) { c[NR,i]=$i; if (length($i)>w[i]) w[i]=length($i) } if (NF>nf) nf=NF }
		END { for (r=1;r<=n;r++) { line=""; for (i=1;i<=nf;i++) {
			f = (i==1) ? "%-" w[i] "s" : "%" w[i] "s"
			line = line (i>1 ? "  " : "") sprintf(f, c[r,i]) }
			print line
			if (r==1) { line=""; for (i=1;i<=nf;i++) { s=""; for (k=0;k<w[i];k++) s=s "-"; line=line (i>1?"  ":"") s } print line } } }'
	if [ "$MARKDOWN" = 1 ]; then
		printf '\n%s\n\n' "$1"
		printf '%s\n' "$rows" | awk -F'\t' '
			{ line="|"; for (i=1;i<=NF;i++) line=line " " $i " |"; print line
			  if (NR==1) { line="|"; for (i=1;i<=NF;i++) line=line (i==1?" --- |":" ---: |"); print line } }'
	fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="" || b=="" || b+0==0) print "n/a"; else printf "%.2fx\n", a/b }'; }

# summarize FILE: "name round usec" lines -> "name n median p10 p90" (ms)
summarize() {
	sort -k1,1 -k3,3n "$1" | awk '
		function flush() { if (name=="") return
			med = (n%2) ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
			i10 = int(n*0.1); if (i10<n*0.1) i10++; if (i10<1) i10=1
			i90 = int(n*0.9); if (i90<n*0.9) i90++
			printf "%s %d %.3f %.3f %.3f\n", name, n, med/1000, v[i10]/1000, v[i90]/1000 }
		$1!=name { flush(); name=$1; n=0 }
		{ v[++n]=$3 }
		END { flush() }'
}
field() { awk -v n="$1" -v k="$2" '$1==n{print $k}' "$3"; }

{
	echo "zccache benchmark  $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine: $(nproc) CPUs, $(uname -sr), $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null)"
	echo "compilers: $CC_BIN $($CC_BIN -dumpfullversion 2>/dev/null), $CXX_BIN $($CXX_BIN -dumpfullversion 2>/dev/null)"
	echo -n "tools:"; for t in "${TOOLS[@]}"; do echo -n " [${T_LABEL[$t]}]"; done; echo
	if [ "$zcc_ok" = 1 ]; then
		echo "zccache: $("$ZCC" --version 2>/dev/null | head -n1) (git $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?'))"
	fi
	echo
} | tee "$TMP/report.txt"

# ------------------------------------------------------------- workload 1 ---
# Per-hit latency: one small C file and one header-heavy C++ file, compiled
# warm N times per tool, tools interleaved round-robin by the spawn timer.
workload1() {
	local w=$TMP/w1
	mkdir -p "$w"
	cat >"$w/small.c" <<'EOF'
#include <stdio.h>
int main(void)
{
	printf("hello, %s\n", "world");
	return 0;
}
EOF
	cat >"$w/heavy.cpp" <<'EOF'
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

int main()
{
	std::vector<std::string> v{"pear", "apple", "fig"};
	std::sort(v.begin(), v.end());
	std::map<std::string, std::size_t> m;
	for (const auto &s : v)
		m[s] = s.size();
	std::ostringstream os;
	for (const auto &kv : m)
		os << kv.first << '=' << kv.second << ' ';
	std::cout << os.str() << '\n';
	return 0;
}
EOF
	# Sources older than a second, as in a real build: a cache may (rightly)
	# refuse to store a compile whose input was modified just before it.
	touch -d '-1 minute' "$w/small.c" "$w/heavy.cpp"
	cd "$w"
	local file comp args lang
	for file in small.c heavy.cpp; do
		if [ "$file" = small.c ]; then comp=$CC_BIN lang="small C file"; args="-O2 -c small.c"
		else comp=$CXX_BIN lang="header-heavy C++ file"; args="-O2 -std=c++17 -c heavy.cpp"; fi
		local obj=${file%.*}.o
		local -a specs=() cmd e
		local t count
		for t in "${TOOLS[@]}"; do
			[ "${T_W1[$t]}" = 1 ] || continue
			mkdir -p "out/$t"
			read -ra cmd <<<"${T_LAUNCH[$t]} $comp $args -o out/$t/$obj"
			# priming compile (a miss that fills the cache), untimed
			if tool_env "$t" "${cmd[@]}" >/dev/null 2>"$TMP/prime.err"; then tool_zero "$t"
			else drop_tool "$t" "priming compile of $file failed" "$TMP/prime.err"; fi
		done
		for t in "${TOOLS[@]}"; do
			[ "${T_W1[$t]}" = 1 ] || continue
			read -ra e <<<"${T_ENV[$t]}"
			read -ra cmd <<<"${T_LAUNCH[$t]} $comp $args -o out/$t/$obj"
			count=$N; [ "$t" = bare ] && count=$BARE_N
			[ ${#specs[@]} -gt 0 ] && specs+=(:::)
			specs+=("$t" "$count" "${e[@]}" "${cmd[@]}")
		done
		say "bench: workload 1, $lang: $N rounds ($comp $args -o X)"
		run_fg "$TIMER" "$N" "${specs[@]}" >"$w/$file.samples"
		summarize "$w/$file.samples" >"$w/$file.summary"
		local floor cc
		floor=$(field true 3 "$w/$file.summary")
		cc=$(field ccache 3 "$w/$file.summary")
		{
			printf 'tool\tn\tmedian\tp10\tp90\tmedian-floor\tx floor\tx ccache\thits/misses\n'
			for t in "${TOOLS[@]}"; do
				[ "${T_W1[$t]}" = 1 ] || continue
				local n med p10 p90 hm
				read -r _ n med p10 p90 < <(grep "^$t " "$w/$file.summary")
				hm=$(tool_hits "$t"); hm=${hm/ //}
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${T_LABEL[$t]}" "$n" "$med" "$p10" "$p90" \
					"$( [ -n "$floor" ] && awk -v a="$med" -v b="$floor" 'BEGIN{printf "%+.3f", a-b}' || echo n/a)" \
					"$(ratio "$med" "$floor")" "$(ratio "$med" "$cc")" "${hm:--}"
			done
		} | print_table "Workload 1: warm hit, $lang ($comp $args), N=$N, times in ms" | tee -a "$TMP/report.txt"
		echo | tee -a "$TMP/report.txt"
	done
	cd "$TMP"
}

# ------------------------------------------------------------- workload 2 ---
# Real CMake projects, configure untimed, build timed: cold (empty cache) and
# warm (build dir deleted, fresh configure, cache full).  Tools interleaved,
# the order rotating each repetition.  A project is a function project_NAME
# that sets P_SRC (the source tree), P_TITLE and P_ARGS (its cmake options),
# or returns non-zero (with a message) when it cannot be had here.

# googletest with its samples: few compiles, many links (link-bound).
project_googletest() {
	if [ ! -f "$GTEST_SRC/CMakeLists.txt" ]; then
		say "bench: skipping googletest: no $GTEST_SRC (Debian package googletest)"
		return 1
	fi
	P_SRC=$GTEST_SRC
	P_TITLE="googletest + samples"
	P_ARGS=(-Dgtest_build_samples=ON)
	[ "$FULL" = 1 ] && P_ARGS+=(-Dgtest_build_tests=ON -Dgmock_build_tests=ON) && P_TITLE="googletest + tests"
	return 0
}

# curl from Debian's source package: a C project of ~200 files, a static
# library and one program (compile-bound), built without optional deps.
project_curl() {
	P_SRC=$(fetch_debian_source curl) || {
		say "bench: skipping curl: cannot fetch Debian's source package (see $SOURCES/apt/*.log)"
		return 1
	}
	P_TITLE="curl $(cat "$SOURCES/curl.version" 2>/dev/null) (Debian source package)"
	P_ARGS=(-DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF -DCURL_ENABLE_SSL=OFF
		-DCURL_USE_OPENSSL=OFF -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF
		-DCURL_USE_LIBSSH2=OFF -DUSE_LIBIDN2=OFF -DUSE_NGHTTP2=OFF -DCURL_DISABLE_LDAP=ON)
	return 0
}

# fetch_debian_source PKG: prints the directory of Debian's source package
# PKG, unpacked under $SOURCES (fetched once). apt-get runs with a private
# state under $SOURCES/apt whose list is this machine's own Debian entries
# turned into deb-src ones: the system's apt setup is not changed.
fetch_debian_source() {
	local pkg=$1 apt=$SOURCES/apt dir f
	dir=$(find "$SOURCES/$pkg" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n1)
	if [ -n "$dir" ]; then echo "$dir"; return 0; fi
	command -v apt-get >/dev/null || return 1
	rm -rf "$apt" "$SOURCES/$pkg" "$SOURCES/$pkg.dl" "$SOURCES/$pkg.version"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$SOURCES/$pkg.dl" || return 1
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$apt/parts/$(basename "$f")"
	done
	if [ -f /etc/apt/sources.list ]; then
		sed -nE 's/^deb[[:space:]]+/deb-src /p' /etc/apt/sources.list >"$apt/sources.list"
	else
		: >"$apt/sources.list"
	fi
	local -a opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/parts"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
		-o APT::Sandbox::User=root)
	say "bench: fetching Debian's source package '$pkg' into $SOURCES"
	apt-get "${opts[@]}" update >"$apt/update.log" 2>&1 || return 1
	(cd "$SOURCES/$pkg.dl" && apt-get "${opts[@]}" source --download-only "$pkg") >"$apt/source.log" 2>&1 ||
		return 1
	mkdir -p "$SOURCES/$pkg"
	sed -n 's/^Version: //p' "$SOURCES/$pkg.dl"/*.dsc | head -n1 >"$SOURCES/$pkg.version"
	if command -v dpkg-source >/dev/null; then
		dpkg-source --no-check -x "$SOURCES/$pkg.dl"/*.dsc "$SOURCES/$pkg/src" >"$apt/unpack.log" 2>&1 ||
			return 1
	else
		tar -C "$SOURCES/$pkg" -xf "$(ls "$SOURCES/$pkg.dl"/*.orig.tar.* | grep -v '\.asc$' | head -n1)" ||
			return 1
	fi
	rm -rf "$SOURCES/$pkg.dl"
	find "$SOURCES/$pkg" -mindepth 1 -maxdepth 1 -type d | head -n1
}

workload2() {
	if ! command -v cmake >/dev/null; then
		say "bench: skipping workload 2: needs cmake (Debian package cmake)"
		return 0
	fi
	local p
	for p in $PROJECTS; do
		if ! declare -F "project_$p" >/dev/null; then
			say "bench: unknown project '$p' (known: googletest, curl)"
			continue
		fi
		P_SRC="" P_TITLE="" P_ARGS=()
		"project_$p" || continue
		build_project "$p"
	done
}

# build_project NAME: the cold and warm builds of one project, every tool.
build_project() {
	local name=$1 gen build_cmd
	if command -v ninja >/dev/null; then gen=Ninja build_cmd="ninja -j$JOBS"
	else gen="Unix Makefiles" build_cmd="make -j$JOBS"; fi
	local -a cmake_args=(-G "$gen" -DCMAKE_C_COMPILER="$(command -v "$CC_BIN")"
		-DCMAKE_CXX_COMPILER="$(command -v "$CXX_BIN")" "${P_ARGS[@]}")
	local w=$TMP/w2/$name t rep phase k
	mkdir -p "$w"
	local -a tools=()
	for t in "${TOOLS[@]}"; do
		[[ ${T_W2[$t]} == 1 || ${T_W2[$t]} == warm ]] && [ -z "${DROPPED[$t]:-}" ] && tools+=("$t")
	done
	[ ${#tools[@]} -gt 0 ] || return 0
	local nt=${#tools[@]}
	: >"$w/times"
	build_once() { # tool phase rep
		local t=$1 b=$w/build-$1 s e
		local -a envw
		set_aside "$b"
		local -a launch=()
		[ -n "${T_LAUNCH[$t]}" ] && launch=(-DCMAKE_C_COMPILER_LAUNCHER="${T_LAUNCH[$t]}"
			-DCMAKE_CXX_COMPILER_LAUNCHER="${T_LAUNCH[$t]}")
		tool_env "$t" cmake -S "$P_SRC" -B "$b" "${cmake_args[@]}" "${launch[@]}" >"$w/configure.log" 2>&1 ||
			{ drop_tool "$t" "cmake configure of $name failed" "$w/configure.log"; return 1; }
		tool_zero "$t"
		sync
		s=$EPOCHREALTIME
		# shellcheck disable=SC2086
		read -ra envw <<<"${T_ENV[$t]}"
		run_fg env -C "$b" "${envw[@]}" $build_cmd >"$w/build.log" 2>&1 ||
			{ drop_tool "$t" "$2 build of $name failed" "$w/build.log"; return 1; }
		e=$EPOCHREALTIME
		echo "$t-$2 $3 $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%d", (e-s)*1e6}')" >>"$w/times"
		local hm; hm=$(tool_hits "$t"); [ -n "$hm" ] && echo "${hm/ //}" >"$w/hits-$t-$2"
		# Until the stats answer: zccache's daemon finishes the stores it
		# left for after the build (they wait while the compiles keep every
		# CPU busy) before it answers.
		e=$EPOCHREALTIME
		echo "$t-$2-stored $3 $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%d", (e-s)*1e6}')" >>"$w/times"
		return 0
	}
	local nobj='?' nother='?'
	if [ "$gen" = Ninja ] && cmake -S "$P_SRC" -B "$w/count" "${cmake_args[@]}" >/dev/null 2>&1; then
		nobj=$(ninja -C "$w/count" -t commands | grep -c ' -c ') || nobj='?'
		nother=$(ninja -C "$w/count" -t commands | grep -vc ' -c ') || nother='?'
	fi
	rm -rf "$w/count"
	say "bench: workload 2: $P_TITLE ($nobj compiles, $nother other steps), $build_cmd, R=$R"
	# The order rotates each repetition. The bare compiler's warm build
	# (a full compile) comes last in the warm phase: on ext4 without a
	# journal, every file a build creates skips the inodes freed in the
	# last minute, and a full compile frees one temporary file per source,
	# so the tool right after it would always pay for that.
	local -a warm_order=() order
	for t in "${tools[@]}"; do [ "$t" = bare ] || warm_order+=("$t"); done
	local nw=${#warm_order[@]}
	for ((rep = 0; rep < R; rep++)); do
		for phase in cold warm; do
			order=()
			if [ "$phase" = cold ]; then
				for ((k = 0; k < nt; k++)); do order+=("${tools[$(((rep + k) % nt))]}"); done
			else
				for ((k = 0; k < nw; k++)); do order+=("${warm_order[$(((rep + k) % nw))]}"); done
				[ "$nw" -lt "$nt" ] && order+=(bare)
			fi
			for t in "${order[@]}"; do
				[ -z "${DROPPED[$t]:-}" ] || continue
				[ "$phase" = cold ] && [ "${T_W2[$t]}" = warm ] && continue
				[ "$phase" = cold ] && tool_wipe "$t"
				say "bench:   $name rep $((rep + 1))/$R $phase ${T_LABEL[$t]}"
				build_once "$t" "$phase" "$rep" || true
			done
		done
	done
	summarize "$w/times" >"$w/summary"
	local bc bw cw
	bc=$(field bare-cold 3 "$w/summary"); bw=$(field bare-warm 3 "$w/summary")
	cw=$(field ccache-warm 3 "$w/summary")
	{
		printf 'tool\tcold\tcold x bare\tcold, stored\twarm\twarm x bare\twarm x ccache\twarm hits/misses\n'
		for t in "${tools[@]}"; do
			[ -z "${DROPPED[$t]:-}" ] || continue
			local c cs wm
			c=$(field "$t-cold" 3 "$w/summary"); wm=$(field "$t-warm" 3 "$w/summary")
			cs=$(field "$t-cold-stored" 3 "$w/summary")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${T_LABEL[$t]}" \
				"$(awk -v x="$c" 'BEGIN{if (x == "") print "-"; else printf "%.2f", x/1000}')" "$(ratio "$c" "$bc")" \
				"$(awk -v x="$cs" 'BEGIN{if (x == "") print "-"; else printf "%.2f", x/1000}')" \
				"$(awk -v x="$wm" 'BEGIN{printf "%.2f", x/1000}')" "$(ratio "$wm" "$bw")" \
				"$(ratio "$wm" "$cw")" "$(cat "$w/hits-$t-warm" 2>/dev/null || echo -)"
		done
	} | print_table "Workload 2: $P_TITLE ($nobj compiles, $nother other steps), $gen -j$JOBS, build step only (configure untimed), R=$R, medians in s" | tee -a "$TMP/report.txt"
	echo "(cold, stored: until the tool's stats answer, after the stores zccache's daemon left for after the build)" |
		tee -a "$TMP/report.txt"
	echo | tee -a "$TMP/report.txt"
}

for wl in $WORKLOADS; do "workload$wl"; done

# ---------------------------------------------------------------- summary ---
# The targets of issue 4, checked for every zccache column that ran.
targets() {
	local t v f floor cc
	printf 'target\ttool\tmeasured\tmet\n'
	for t in "${TOOLS[@]}"; do
		[[ $t == zccache* ]] || continue
		f=$TMP/w1/small.c.summary
		if [ -f "$f" ] && floor=$(field true 3 "$f") && [ -n "$floor" ]; then
			v=$(field "$t" 3 "$f")
			printf 'small C hit <= floor + 1 ms\t%s\t%s\t%s\n' "${T_LABEL[$t]}" \
				"$(awk -v a="$v" -v b="$floor" 'BEGIN{printf "%+.3f ms", a-b}')" \
				"$(awk -v a="$v" -v b="$floor" 'BEGIN{print (a-b<=1) ? "yes" : "NO"}')"
		fi
		f=$TMP/w1/heavy.cpp.summary
		if [ -f "$f" ] && cc=$(field ccache 3 "$f") && [ -n "$cc" ]; then
			v=$(field "$t" 3 "$f")
			printf 'C++ hit <= ccache / 3\t%s\t%s\t%s\n' "${T_LABEL[$t]}" "$(ratio "$v" "$cc") ccache" \
				"$(awk -v a="$v" -v b="$cc" 'BEGIN{print (a*3<=b) ? "yes" : "NO"}')"
		fi
		local p
		for p in $PROJECTS; do
			f=$TMP/w2/$p/summary
			if [ -f "$f" ] && cc=$(field bare-cold 3 "$f") && [ -n "$cc" ]; then
				v=$(field "$t-cold" 3 "$f")
				printf 'cold build <= 1.05x bare (%s)\t%s\t%s\t%s\n' "$p" "${T_LABEL[$t]}" "$(ratio "$v" "$cc") bare" \
					"$(awk -v a="$v" -v b="$cc" 'BEGIN{print (a<=1.05*b) ? "yes" : "NO"}')"
			fi
			if [ -f "$f" ] && cc=$(field ccache-warm 3 "$f") && [ -n "$cc" ]; then
				v=$(field "$t-warm" 3 "$f") floor=$(field floor-warm 3 "$f")
				printf 'warm build <= 0.5x ccache (%s)\t%s\t%s\t%s\n' "$p" "${T_LABEL[$t]}" \
					"$(ratio "$v" "$cc") ccache${floor:+ (copy floor $(ratio "$floor" "$cc"))}" \
					"$(awk -v a="$v" -v b="$cc" 'BEGIN{print (a*2<=b) ? "yes" : "NO"}')"
			fi
		done
	done
}
if [[ " ${TOOLS[*]} " == *" zccache"* ]]; then
	targets | print_table "Targets (issue 4), from the medians above" | tee -a "$TMP/report.txt"
	echo | tee -a "$TMP/report.txt"
fi
for t in "${!DROPPED[@]}"; do
	echo "FAILED: ${T_LABEL[$t]}: ${DROPPED[$t]} (not in the tables from that point)" | tee -a "$TMP/report.txt"
done
echo "command: bench/bench.sh${ORIG_ARGS:+ $ORIG_ARGS}" | tee -a "$TMP/report.txt"

# Non-zero exit if a tool failed and was dropped.
[ ${#DROPPED[@]} -eq 0 ]
