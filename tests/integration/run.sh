#!/usr/bin/env bash
# tests/integration/run.sh [-j N] [-k] [FILTER...]
#
# Runs the integration tests: every function test_NAME in
# tests/integration/cases/TOPIC.sh, as TOPIC/NAME, each in a fresh directory
# with its own cache. With FILTERs, only the tests whose TOPIC/NAME contains
# one of them. Prints PASS/FAIL/SKIP per test and a summary; exits 1 if any
# test failed. A failed test's directory is kept and its path printed; -k keeps
# every directory.
#
# Environment: ZCCACHE (the binary; default build/zccache in the repository),
# ZCCACHE_TEST_TMP (where the test directories go; default $TMPDIR or /tmp),
# ZCCACHE_TEST_SLOW=1 (also run the slow whole-project tests),
# ZCCACHE_TEST_NODAEMON=1 (every compile in-process: ZCCACHE_NODAEMON=1).

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

jobs=1
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	-k) keep=1; shift ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
filters=("$@")

ZCCACHE=${ZCCACHE:-build/zccache}
case $ZCCACHE in
/*) ;;
*) ZCCACHE=$root/$ZCCACHE ;;
esac
if [ ! -x "$ZCCACHE" ]; then
	echo "run.sh: no zccache binary at $ZCCACHE (run make first, or set ZCCACHE)" >&2
	exit 2
fi
export ZCCACHE
export ZC_ROOT=$root # the repository, for tests that build it
# The daemon protocol's version, for tests that speak it byte by byte.
PROTO_VERSION=$(awk '$2 == "PROTO_VERSION" { print $3 }' "$root/src/proto/proto.h")
export PROTO_VERSION

tmpbase=${ZCCACHE_TEST_TMP:-${TMPDIR:-/tmp}}
base=$(mktemp -d "$tmpbase/zccache-tests.XXXXXX") || exit 2
chmod 755 "$base" # some tests run the client as another user

# The list of tests, in file order.
tests=()
for f in "$here"/cases/*.sh; do
	topic=$(basename "$f" .sh)
	for fn in $(sed -n 's/^\(test_[A-Za-z0-9_]*\) *().*/\1/p' "$f"); do
		name=$topic/${fn#test_}
		if [ ${#filters[@]} -gt 0 ]; then
			match=0
			for pat in "${filters[@]}"; do
				case $name in *"$pat"*) match=1 ;; esac
			done
			[ $match = 1 ] || continue
		fi
		tests+=("$name")
	done
done
if [ ${#tests[@]} = 0 ]; then
	echo "run.sh: no test matches ${filters[*]}" >&2
	exit 2
fi

# run_one TOPIC/NAME: run one test in its own directory; print one result
# line (and the log of a failure); exit 0 pass, 1 fail, 77 skip.
run_one() {
	local name=$1 topic=${1%%/*} fn=test_${1#*/}
	local dir
	# At most 24 characters of the name: the daemon's socket path below
	# it must fit in a sockaddr_un (108 bytes), or the test would quietly
	# run in-process.
	local short=${topic}-${1#*/}
	dir=$(mktemp -d "$base/${short:0:24}.XXXX")
	chmod 755 "$dir"
	local start=$SECONDS
	(
		T=$dir
		cd "$T" || exit 1
		for v in $(env | sed -n 's/^\(ZCCACHE_[A-Za-z0-9_]*\)=.*/\1/p'); do
			case $v in ZCCACHE_TEST_*) ;; *) unset "$v" ;; esac
		done
		unset SOURCE_DATE_EPOCH CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH GCC_COLORS \
			DEPENDENCIES_OUTPUT SUNPRO_DEPENDENCIES XDG_CACHE_HOME CCACHE_DIR
		export ZCCACHE ZCCACHE_DIR=$T/.zccache HOME=$T/home LC_ALL=C
		# ZCCACHE_TEST_NODAEMON=1: the same tests through the in-process path.
		[ -n "${ZCCACHE_TEST_NODAEMON:-}" ] && export ZCCACHE_NODAEMON=1
		# Each test's daemon listens in its own socket directory.
		export XDG_RUNTIME_DIR=$T/run
		mkdir -p "$HOME"
		mkdir -m 700 "$XDG_RUNTIME_DIR"
		ORIG_PATH=$PATH
		ZC_OUTPUTS=()
		ZC_CLEANUPS=()
		. "$here/lib.sh"
		. "$here/cases/$topic.sh"
		trap 'rc=$?; stop_daemons; check_daemon_logs || rc=1; run_cleanups; exit $rc' EXIT
		"$fn"
	) >"$dir/test.log" 2>&1 </dev/null
	local rc=$?
	local secs=$((SECONDS - start))
	case $rc in
	0)
		echo "PASS $name (${secs}s)"
		[ $keep = 1 ] || rm -rf "$dir"
		;;
	77)
		echo "SKIP $name: $(cat "$dir/.skip" 2>/dev/null)"
		[ $keep = 1 ] || rm -rf "$dir"
		;;
	*)
		echo "FAIL $name (${secs}s)"
		tail -n 40 "$dir/test.log" | sed 's/^/    /'
		echo "    kept: $dir"
		rc=1
		;;
	esac
	return $rc
}

results=$base/.results
: >"$results"
if [ "$jobs" -le 1 ]; then
	for t in "${tests[@]}"; do
		run_one "$t"
		echo "$? $t" >>"$results"
	done
else
	running=0
	for t in "${tests[@]}"; do
		{
			out=$(run_one "$t")
			rc=$?
			printf '%s\n' "$out"
			echo "$rc $t" >>"$results"
		} &
		running=$((running + 1))
		if [ $running -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
fi

pass=$(grep -c '^0 ' "$results")
failed=$(grep -c '^1 ' "$results")
skipped=$(grep -c '^77 ' "$results")
echo
echo "$pass passed, $failed failed, $skipped skipped (of ${#tests[@]})"
if [ "$failed" -gt 0 ]; then
	sed -n 's/^1 /  failed: /p' "$results"
	exit 1
fi
[ $keep = 1 ] || rm -rf "$base"
exit 0
