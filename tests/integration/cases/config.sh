# config: ZCCACHE_* variables, then $ZCCACHE_DIR/zccache.conf, then defaults;
# "zccache config" shows each value and its origin; a bad file is a clear
# error for "zccache config" but never changes a compile's outcome.

# expect_config_line KEY ORIGIN [VALUE]: a line of "zccache config" names KEY
# and ORIGIN (and VALUE).
expect_config_line() {
	local key=$1 origin=$2 value=${3:-}
	if ! awk -v k="$key" -v o="$origin" -v v="$value" '
		{ line = $0; hk = 0; ho = 0; hv = (v == "") }
		{ n = split(line, w, /[ \t=():]+/); for (i = 1; i <= n; i++) { if (w[i] == k) hk = 1; if (w[i] == o) ho = 1; if (v != "" && w[i] == v) hv = 1 } }
		hk && ho && hv { found = 1 }
		END { exit !found }' "$T/.cap/last.out"; then
		cat "$T/.cap/last.out" >&2
		fail "no config line with $key, $origin${value:+ and $value}"
	fi
}

test_config_lists_every_key() {
	mkdir -p "$ZCCACHE_DIR"
	printf '%s\n' '# a comment' '' 'compression_level = 3' 'read_only = false' >"$ZCCACHE_DIR/zccache.conf"
	export ZCCACHE_MAXSIZE=10M ZCCACHE_LOGFILE=$T/log
	expect_exit 0 "$ZCCACHE" config
	expect_config_line max_size environment
	expect_config_line log_file environment
	expect_config_line compression_level file 3
	expect_config_line read_only file
	expect_config_line disable default
	expect_config_line recache default
	expect_config_line debug default
	expect_config_line cache_dir environment
	expect_contains "$T/.cap/last.out" "$ZCCACHE_DIR"
}

test_environment_overrides_file() {
	mkdir -p "$ZCCACHE_DIR"
	printf '%s\n' 'max_size = 1M' 'compression_level = 2' >"$ZCCACHE_DIR/zccache.conf"
	export ZCCACHE_MAXSIZE=3M
	expect_exit 0 "$ZCCACHE" config
	expect_config_line max_size environment
	expect_config_line compression_level file 2
	# and the effective limit is the environment's
	local max; max=$(stat_json max_size_bytes) || fail "$max"
	[ "$max" -ge 3000000 ] && [ "$max" -le 3145728 ] || fail "max_size_bytes $max for 3M"
	unset ZCCACHE_MAXSIZE
	max=$(stat_json max_size_bytes) || fail "$max"
	[ "$max" -ge 1000000 ] && [ "$max" -le 1048576 ] || fail "max_size_bytes $max for 1M from the file"
}

test_default_max_size() {
	local max; max=$(stat_json max_size_bytes) || fail "$max"
	[ "$max" = $((5 * 1024 * 1024 * 1024)) ] || fail "default max_size_bytes $max, expected 5 GiB"
}

bad_config() {
	mkdir -p "$ZCCACHE_DIR"
	printf '%s\n' 'max_size = 1G' "$1" >"$ZCCACHE_DIR/zccache.conf"
	expect_nonzero "$ZCCACHE" config
	expect_lines "$T/.cap/last.err" 1
	expect_contains "$T/.cap/last.err" "zccache.conf:2"
}

test_bad_line_syntax() { bad_config 'this line has no equals sign'; }
test_bad_line_unknown_key() { bad_config 'no_such_key = 1'; }
test_bad_line_bad_value() { bad_config 'compression_level = lots'; }
test_bad_line_bad_size() { bad_config 'max_size = 12 parsecs'; }

test_bad_environment_value() {
	export ZCCACHE_MAXSIZE=huge
	expect_nonzero "$ZCCACHE" config
	expect_lines "$T/.cap/last.err" 1
	expect_contains "$T/.cap/last.err" ZCCACHE_MAXSIZE
}

# A compile with a bad config: the compiler's exact output and exit code.
test_compile_with_bad_config() {
	mkdir -p "$ZCCACHE_DIR"
	printf '%s\n' 'this is not a setting' >"$ZCCACHE_DIR/zccache.conf"
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	# and a failing compile
	echo 'int main(void) { return nope; }' >b.c
	outputs b.o
	ref gcc -c b.c
	zc gcc -c b.c
	expect_like_ref
}

test_compile_with_bad_environment_value() {
	export ZCCACHE_COMPRESSION_LEVEL=banana
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
}

test_disable_environment() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	export ZCCACHE_DISABLE=1
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -E a.c
	unset ZCCACHE_DISABLE
	local total; total=$(stat_total) || fail "stats failed"
	[ "$total" = 0 ] || fail "stats moved with ZCCACHE_DISABLE=1: $("$ZCCACHE" stats --json)"
	expect_entries r 0
}

test_disable_config_file() {
	mkdir -p "$ZCCACHE_DIR"
	echo 'disable = true' >"$ZCCACHE_DIR/zccache.conf"
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 0 0
	expect_entries r 0
}

test_compression_level_from_file() {
	mkdir -p "$ZCCACHE_DIR"
	echo 'compression_level = 0' >"$ZCCACHE_DIR/zccache.conf"
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	local f; f=$(find "$ZCCACHE_DIR" -name '*.r' -type f)
	"$PYTHON" -c '
import sys
sys.exit(0 if open(sys.argv[2], "rb").read() in open(sys.argv[1], "rb").read() else 1)' \
		"$f" "$T/.ref/0" || fail "compression_level = 0 in the file did not store raw"
}

test_log_file_from_config() {
	mkdir -p "$ZCCACHE_DIR"
	echo "log_file = $T/from-config.log" >"$ZCCACHE_DIR/zccache.conf"
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	[ -s from-config.log ] || fail "no log written to the log_file from the config"
}

# The default cache dir: $XDG_CACHE_HOME/zccache, else ~/.cache/zccache.
test_default_cache_dir() {
	unset ZCCACHE_DIR
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	[ -n "$(find "$HOME/.cache/zccache" -name '*.r' 2>/dev/null)" ] || fail "no entries in ~/.cache/zccache"
	expect_counts 1 1
}

# A relative ZCCACHE_DIR is the compile directory's, also through the
# daemon (which once resolved it against its own directory, "/").
test_relative_cache_dir() {
	mkdir -p p
	warning_c_source >p/a.c
	settle
	cd p
	outputs a.o
	ZCCACHE_DIR=.zc zc gcc -c a.c -Wall
	ZCCACHE_DIR=.zc zc gcc -c a.c -Wall
	ZCCACHE_DIR=.zc expect_counts 1 1
	[ -d "$T/p/.zc/tmp" ] || fail "no cache in $T/p/.zc"
	[ ! -e /.zc ] || fail "a cache appeared in /"
	ZCCACHE_DIR=.zc "$ZCCACHE" stop >/dev/null
}

# Two spellings of one relative cache directory are one cache and one
# daemon (the socket is named after the directory).
test_relative_cache_dir_two_spellings() {
	mkdir -p a b
	warning_c_source >a/s.c
	warning_c_source >b/s.c
	settle
	outputs s.o
	cd a
	ZCCACHE_DIR=../shared zc gcc -c s.c -Wall
	cd ../b
	ZCCACHE_DIR=../shared zc gcc -c s.c -Wall
	ZCCACHE_DIR=../shared expect_counts 1 1
	[ "$(grep -c 'listening on' "$T/shared/daemon.log")" = 1 ] || fail "more than one daemon"
	ZCCACHE_DIR=../shared "$ZCCACHE" stop >/dev/null
}
