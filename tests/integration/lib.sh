# tests/integration/lib.sh: the verbs of the integration suite.
#
# Sourced by run.sh into the subshell of each test. A test is a shell function
# test_NAME in tests/integration/cases/TOPIC.sh; it runs in a fresh directory
# $T (its cwd at start) with its own cache in $ZCCACHE_DIR=$T/.zccache and
# every other ZCCACHE_* variable unset. A verb that finds a difference calls
# fail, which ends the test; the directory is then kept and its path printed.
#
# The usual shape of a test:
#   outputs a.o                       # files the compile writes (cleaned before each run)
#   ref gcc -c a.c -Wall              # bare compile: stdout, stderr, exit code and
#                                     # outputs are saved as the reference
#   zc gcc -c a.c -Wall               # the same compile through zccache
#   expect_like_ref                   # same stdout, stderr, exit code, bytes
#   expect_stat misses 1
#   zc gcc -c a.c -Wall; expect_like_ref; expect_stat hits 1

# /usr/bin/python3 directly: a pyenv shim first in PATH costs a second a call.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

# ---- failing and skipping -------------------------------------------------

fail() {
	echo "FAILED: $*" >&2
	local i=0
	while caller $i >/dev/null 2>&1; do
		local c; c=$(caller $i)
		case $c in
		*lib.sh) ;;
		*) echo "  at $c" >&2 ;;
		esac
		i=$((i + 1))
	done
	exit 1
}

skip() {
	echo "$*" >"$T/.skip"
	exit 77
}

# require_cmd CMD...: skip the test unless every CMD is in PATH.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
	done
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (to switch user or mount)"
}

# on_cleanup CMD: run CMD when the test ends, pass or fail (e.g. umount).
on_cleanup() {
	ZC_CLEANUPS+=("$1")
}

# stop_daemons: end every daemon this test started: the zccache daemons
# whose environment has this test's XDG_RUNTIME_DIR (run.sh sets it per test;
# a daemon inherits it from the client that started it).
stop_daemons() {
	local p pid e found pids=() cmd env
	for p in /proc/[0-9]*; do
		mapfile -t -d '' cmd 2>/dev/null <"$p/cmdline" || continue
		[ "${cmd[0]:-}" = zccache ] && [ "${cmd[1]:-}" = daemon ] || continue
		mapfile -t -d '' env 2>/dev/null <"$p/environ" || continue
		found=0
		for e in "${env[@]}"; do
			[ "$e" = "XDG_RUNTIME_DIR=$T/run" ] && found=1 && break
		done
		[ $found = 1 ] && pids+=("${p#/proc/}")
	done
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			# exited but not yet reaped by init: gone for us
			[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null
	done
}

# wait_gone PID: the process ends within 5 s (a zombie counts as gone:
# daemons are reparented to pid 1, which may reap them late).
wait_gone() {
	local st
	for _ in $(seq 250); do
		# a zombie main thread whose other threads still exit is not gone
		st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
		case $st in "") return 0 ;; Z*) [ "$(echo "$st" | cut -d' ' -f18)" = 1 ] && return 0 ;; esac
		sleep 0.02
	done
	fail "process $1 still runs"
}

# check_daemon_logs: a daemon's own errors do not show in a compile (the
# client falls back), so a sanitizer report in any daemon.log of this test
# fails the test here.
check_daemon_logs() {
	local log bad=0
	for log in $(find "$T" -name daemon.log 2>/dev/null); do
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$log"; then
			echo "FAILED: sanitizer report in $log:" >&2
			grep -A12 -E 'ERROR: |WARNING: ThreadSanitizer|runtime error:' "$log" | head -40 >&2
			bad=1
		fi
	done
	return $bad
}

run_cleanups() {
	local c
	for c in "${ZC_CLEANUPS[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	ZC_CLEANUPS=()
}

# settle: let the ~20 ms "modified during compile" window pass so that the
# next compile may be stored (ctime cannot be backdated).
settle() {
	sleep "${ZCCACHE_TEST_SETTLE:-0.06}"
}

# ---- making files ---------------------------------------------------------

# mkfile PATH: write stdin to PATH, creating its directory.
mkfile() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
}

# A C source that compiles with one -Wall warning (unused variable).
warning_c_source() {
	printf '%s\n' \
		'int twice(int x) { return 2 * x; }' \
		'int main(void)' \
		'{' \
		'	int unused;' \
		'	return twice(0);' \
		'}'
}

warning_cxx_source() {
	printf '%s\n' \
		'#include <vector>' \
		'template <typename T> T twice(T x) { return 2 * x; }' \
		'int main()' \
		'{' \
		'	int unused;' \
		'	std::vector<int> v{1, 2, 3};' \
		'	return twice(static_cast<int>(v.size())) - 6;' \
		'}'
}

# ---- running --------------------------------------------------------------

# capture TAG CMD...: run CMD; keep stdout, stderr and exit code in
# $T/.cap/TAG.{out,err,rc}. stdin is not redirected.
capture() {
	local tag=$1
	shift
	mkdir -p "$T/.cap"
	"$@" >"$T/.cap/$tag.out" 2>"$T/.cap/$tag.err"
	echo $? >"$T/.cap/$tag.rc"
}

# outputs FILE...: the files the compiles under test write; ref saves them,
# ref and zc delete them before running, expect_like_ref compares them.
outputs() {
	ZC_OUTPUTS=("$@")
}

clean_outputs() {
	local f
	for f in "${ZC_OUTPUTS[@]}"; do
		rm -f -- "$f"
	done
}

# ref CMD...: the bare compile. Saves its stdout/stderr/exit code and a copy
# of each output that exists (in $T/.ref/N), then deletes the outputs.
ref() {
	clean_outputs
	capture ref "$@"
	rm -rf "$T/.ref"
	mkdir -p "$T/.ref"
	local i=0 f
	for f in "${ZC_OUTPUTS[@]}"; do
		if [ -e "$f" ]; then
			cp -p -- "$f" "$T/.ref/$i"
		fi
		i=$((i + 1))
	done
	clean_outputs
}

# zc ARGS...: "$ZCCACHE" ARGS after deleting the outputs (so a hit must
# restore them); zc_keep does not delete them first.
zc() {
	clean_outputs
	capture zc "$ZCCACHE" "$@"
	daemon_quiesce
}

zc_keep() {
	capture zc "$ZCCACHE" "$@"
	daemon_quiesce
}

# daemon_quiesce: wait until the daemon has stored what the last compile
# handed over (it stores after the client has gone; a status request waits
# for the stores). The next step of a test may then rewrite the outputs.
daemon_quiesce() {
	[ -n "${ZC_NO_QUIESCE:-}" ] && return 0 # a test counting its connections
	"$ZCCACHE" status >/dev/null 2>&1 || true
}

# run_cap CMD...: like zc for a command that is not "$ZCCACHE ..." (masquerade
# symlinks, make, setpriv wrappers); the result is compared under the tag zc.
run_cap() {
	clean_outputs
	capture zc "$@"
	daemon_quiesce
}

show_diff() {
	echo "--- $1" >&2
	cat -v "$1" | head -40 >&2
	echo "+++ $2" >&2
	cat -v "$2" | head -40 >&2
}

# expect_like_ref [TAG]: TAG's (default zc) stdout, stderr and exit code are
# byte-identical to ref's, and each output is identical to ref's (or absent
# in both).
expect_like_ref() {
	local tag=${1:-zc} s
	for s in rc out err; do
		if ! cmp -s "$T/.cap/ref.$s" "$T/.cap/$tag.$s"; then
			show_diff "$T/.cap/ref.$s" "$T/.cap/$tag.$s"
			fail "$s of '$tag' differs from the bare compiler's"
		fi
	done
	local i=0 f
	for f in "${ZC_OUTPUTS[@]}"; do
		if [ -e "$T/.ref/$i" ]; then
			[ -e "$f" ] || fail "output $f missing (the bare compiler wrote it)"
			if ! cmp "$T/.ref/$i" "$f" >&2; then
				case $f in
				*.d | *.su | *.s | *.i) show_diff "$T/.ref/$i" "$f" ;;
				esac
				fail "output $f differs from the bare compiler's"
			fi
		else
			[ ! -e "$f" ] || fail "output $f exists but the bare compiler did not write it"
		fi
		i=$((i + 1))
	done
}

# save_outputs DIR / expect_outputs_like DIR: for compiles that are not
# deterministic (e.g. --coverage stamps), compare a hit with the miss that
# stored it rather than with a separate bare compile.
save_outputs() {
	rm -rf "$1"
	mkdir -p "$1"
	local i=0 f
	for f in "${ZC_OUTPUTS[@]}"; do
		[ -e "$f" ] || fail "output $f missing"
		cp -p -- "$f" "$1/$i"
		i=$((i + 1))
	done
}

expect_outputs_like() {
	local i=0 f
	for f in "${ZC_OUTPUTS[@]}"; do
		[ -e "$f" ] || fail "output $f missing"
		cmp "$1/$i" "$f" >&2 || fail "output $f differs from $1/$i"
		i=$((i + 1))
	done
}

# expect_exit N CMD...: CMD exits with status N (output kept in $T/.cap/last.*).
expect_exit() {
	local want=$1
	shift
	capture last "$@"
	local got; got=$(cat "$T/.cap/last.rc")
	if [ "$got" != "$want" ]; then
		cat "$T/.cap/last.err" >&2
		fail "'$*' exited $got, expected $want"
	fi
}

# expect_nonzero CMD...: CMD fails (output kept in $T/.cap/last.*).
expect_nonzero() {
	capture last "$@"
	local got; got=$(cat "$T/.cap/last.rc")
	[ "$got" != 0 ] || fail "'$*' exited 0, expected a failure"
}

# ---- files ----------------------------------------------------------------

expect_equal_files() {
	cmp "$1" "$2" >&2 || fail "$1 and $2 differ"
}

expect_equal_object_files() {
	expect_equal_files "$@"
}

expect_different_files() {
	if cmp -s "$1" "$2"; then fail "$1 and $2 are identical"; fi
}

expect_exists() {
	local f
	for f in "$@"; do [ -e "$f" ] || fail "$f does not exist"; done
}

expect_missing() {
	local f
	for f in "$@"; do [ ! -e "$f" ] || fail "$f exists"; done
}

# expect_contains FILE STRING: FILE contains STRING (fixed string).
expect_contains() {
	if ! grep -qF -- "$2" "$1"; then
		echo "--- $1:" >&2
		head -40 "$1" | cat -v >&2
		fail "$1 does not contain '$2'"
	fi
}

expect_not_contains() {
	if grep -qF -- "$2" "$1"; then
		grep -nF -- "$2" "$1" | head -5 >&2
		fail "$1 contains '$2'"
	fi
}

# expect_match FILE ERE: some line of FILE matches the extended regex.
expect_match() {
	if ! grep -qE -- "$2" "$1"; then
		echo "--- $1:" >&2
		head -40 "$1" | cat -v >&2
		fail "$1 has no line matching /$2/"
	fi
}

expect_lines() {
	local n; n=$(wc -l <"$1")
	[ "$n" = "$2" ] || { cat -v "$1" >&2; fail "$1 has $n lines, expected $2"; }
}

# expect_mode FILE OCTAL (e.g. 644)
expect_mode() {
	local m; m=$(stat -c %a "$1")
	[ "$m" = "$2" ] || fail "$1 has mode $m, expected $2"
}

expect_not_hardlink() {
	local f n
	for f in "$@"; do
		n=$(stat -c %h "$f")
		[ "$n" = 1 ] || fail "$f has $n links (a hard link into the store?)"
	done
}

# expect_newer FILE REF: FILE's mtime is later than REF's.
expect_newer() {
	[ "$1" -nt "$2" ] || fail "$1 ($(stat -c %.9Y "$1")) is not newer than $2 ($(stat -c %.9Y "$2"))"
}

# entries EXT: the number of store files with that extension (r, m, x).
entries() {
	find "$ZCCACHE_DIR" -name "*.$1" -type f 2>/dev/null | wc -l
}

expect_entries() {
	local n; n=$(entries "$1")
	[ "$n" = "$2" ] || fail "$n .$1 entries in $ZCCACHE_DIR, expected $2"
}

# store_bytes: the total size of the entry files in the store.
store_bytes() {
	find "$ZCCACHE_DIR" -type f \( -name '*.r' -o -name '*.m' -o -name '*.x' \) \
		-printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# flip_byte FILE [OFFSET]: invert one byte (default: the middle one).
flip_byte() {
	"$PYTHON" - "$1" "${2:-}" <<'EOF'
import sys
path, off = sys.argv[1], sys.argv[2]
data = bytearray(open(path, 'rb').read())
i = int(off) if off else len(data) // 2
data[i] ^= 0xff
open(path, 'wb').write(bytes(data))
EOF
}

# ---- stats ----------------------------------------------------------------

# stat_json KEY: print one value of "zccache stats --json". KEY is a dotted
# path (families.gcc.hits) or a bare name looked up at the top level, then in
# uncacheable, then in errors. Returns nonzero (printing why) if not found.
stat_json() {
	stats_check "$1" print
}

# stats_check KEY=N|KEY>=N... or KEY print: one "zccache stats --json" and
# one python run for several checks; prints the mismatches (with the nonzero
# counters) and returns nonzero if there are any.
stats_check() {
	local json="$T/.cap/stats.json"
	mkdir -p "$T/.cap"
	if ! "$ZCCACHE" stats --json >"$json" 2>"$T/.cap/stats.err"; then
		echo "zccache stats --json failed: $(cat "$T/.cap/stats.err")"
		return 1
	fi
	"$PYTHON" - "$json" "$@" <<'EOF'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
try:
    d = json.load(open(path))
except Exception as e:
    print("stats --json is not JSON: %s: %r" % (e, open(path).read()[:300]))
    sys.exit(1)
def walk(d, parts):
    for p in parts:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d
def lookup(key):
    v = walk(d, key.split('.'))
    if v is None and '.' not in key:
        for sect in ('uncacheable', 'errors'):
            v = walk(d, [sect, key])
            if v is not None:
                break
    return None if isinstance(v, dict) else v
def nonzero(d, prefix=''):
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out += nonzero(v, prefix + k + '.')
        elif v:
            out.append('%s%s=%s' % (prefix, k, v))
    return out
if len(args) == 2 and args[1] == 'print':
    v = lookup(args[0])
    if v is None:
        print("no stat %s in %s" % (args[0], json.dumps(d)))
        sys.exit(1)
    print(v)
    sys.exit(0)
bad = []
for a in args:
    key, op, want = a.partition('>=') if '>=' in a else a.partition('=')
    v = lookup(key)
    if v is None:
        bad.append('no stat %s' % key)
    elif (op == '=' and v != int(want)) or (op == '>=' and v < int(want)):
        bad.append('%s is %s, expected %s%s' % (key, v, '' if op == '=' else 'at least ', want))
if bad:
    print('; '.join(bad) + '  [nonzero: ' + ' '.join(nonzero(d)) + ']')
    sys.exit(1)
EOF
}

# expect_stats KEY=N|KEY>=N...: check several counters at once.
expect_stats() {
	local msg
	msg=$(stats_check "$@") || fail "stats: $msg"
}

# expect_stat KEY N
expect_stat() {
	expect_stats "$1=$2"
}

# expect_stat_ge KEY N
expect_stat_ge() {
	expect_stats "$1>=$2"
}

# expect_counts HITS MISSES
expect_counts() {
	expect_stats "hits=$1" "misses=$2"
}

# stat_total: hits + misses + every uncacheable reason + every error.
stat_total() {
	"$ZCCACHE" stats --json 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(d["hits"] + d["misses"] + sum(d["uncacheable"].values()) + sum(d["errors"].values()))'
}

# expect_uncacheable REASON: the counter REASON is 1 and nothing was stored.
expect_uncacheable() {
	expect_stats "uncacheable.$1=1" hits=0 misses=0
	expect_entries r 0
}

# ---- compilers ------------------------------------------------------------

# family_of COMPILER: the stats family zccache should file it under.
family_of() {
	case $1 in
	clang*) echo clang ;;
	*) echo gcc ;;
	esac
}

# masquerade_dir DIR NAME...: DIR/NAME -> $ZCCACHE symlinks.
masquerade_dir() {
	local d=$1 n
	shift
	mkdir -p "$d"
	for n in "$@"; do
		ln -sf "$ZCCACHE" "$d/$n"
	done
}

# passthrough REASON CMD...: ref and zc of CMD are alike and only REASON
# moved; run twice to be sure nothing was stored.
passthrough() {
	local reason=$1
	shift
	ref "$@"
	zc "$@"
	expect_like_ref
	expect_uncacheable "$reason"
	zc "$@"
	expect_like_ref
	expect_stat "uncacheable.$reason" 2
	expect_counts 0 0
}
