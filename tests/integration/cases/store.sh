# store: compression levels, checksums, the size limit, trim, clear and
# the stats counters.

simple_compile() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
}

hit_twice() {
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
}

test_layout() {
	simple_compile
	hit_twice
	expect_counts 1 1
	expect_entries r 1
	local f
	f=$(find "$ZCCACHE_DIR" -name '*.r' -type f)
	case ${f#"$ZCCACHE_DIR"/} in
	[0-9a-f][0-9a-f]/*) ;;
	*) fail "entry $f is not in a two-hex-digit directory" ;;
	esac
	local base; base=$(basename "$f" .r)
	[ ${#base} = 62 ] || fail "entry name $base is not 62 characters"
	case $base in *[!0-9a-f]*) fail "entry name $base is not hex" ;; esac
	# no temporary files left behind
	local stray
	stray=$(find "$ZCCACHE_DIR" -type f ! -name '*.[rmx]' ! -name stats ! -name '*.conf' \
		! -name '*.lock' ! -name '*stats*')
	[ -z "$stray" ] || echo "note: other files in the store: $stray"
	# private to the user
	local mode; mode=$(stat -c %a "$ZCCACHE_DIR")
	[ "$mode" = 700 ] || fail "cache dir mode $mode, expected 700 (private to the user)"
}

test_compression_level_0() {
	simple_compile
	export ZCCACHE_COMPRESSION_LEVEL=0
	hit_twice
	expect_counts 1 1
	# stored raw: the object appears verbatim inside the entry
	local f; f=$(find "$ZCCACHE_DIR" -name '*.r' -type f)
	"$PYTHON" - "$f" "$T/.ref/0" <<'EOF' || fail "the level-0 entry does not hold the object uncompressed"
import sys
entry = open(sys.argv[1], 'rb').read()
obj = open(sys.argv[2], 'rb').read()
sys.exit(0 if obj in entry else 1)
EOF
}

test_compression_default() {
	simple_compile
	hit_twice
	expect_counts 1 1
}

test_compression_level_high() {
	simple_compile
	export ZCCACHE_COMPRESSION_LEVEL=19
	hit_twice
	expect_counts 1 1
}

# An entry written at one level is read at any other.
test_compression_levels_mix() {
	simple_compile
	export ZCCACHE_COMPRESSION_LEVEL=0
	zc gcc -c a.c -Wall
	export ZCCACHE_COMPRESSION_LEVEL=3
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	echo 'int other(void) { return 5; }' >b.c
	settle
	zc gcc -c b.c
	export ZCCACHE_COMPRESSION_LEVEL=0
	zc gcc -c b.c
	expect_counts 2 2
}

corrupt() {
	local ext=$1 how=$2
	simple_compile
	zc gcc -c a.c -Wall
	expect_counts 0 1
	local f; f=$(find "$ZCCACHE_DIR" -name "*.$ext" -type f | head -1)
	[ -n "$f" ] || fail "no .$ext entry"
	case $how in
	flip) flip_byte "$f" ;;
	truncate) truncate -s $(($(stat -c %s "$f") / 2)) "$f" ;;
	empty) : >"$f" ;;
	esac
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 0 2
	expect_stat corrupt_entry 1
	# stored again: the next compile hits
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 2
}

test_corrupt_result_flip() { corrupt r flip; }
test_corrupt_result_truncated() { corrupt r truncate; }
test_corrupt_result_empty() { corrupt r empty; }
test_corrupt_manifest_flip() { corrupt m flip; }
test_corrupt_manifest_truncated() { corrupt m truncate; }

test_corrupt_result_level_0() {
	export ZCCACHE_COMPRESSION_LEVEL=0
	corrupt r flip
}

# Flip each of several bytes in turn (header, payload, end): never a wrong hit.
test_corrupt_every_region() {
	simple_compile
	zc gcc -c a.c -Wall
	local f; f=$(find "$ZCCACHE_DIR" -name '*.r' -type f | head -1)
	local size; size=$(stat -c %s "$f")
	local off n=0
	for off in 0 4 8 16 $((size / 3)) $((size / 2)) $((size - 1)); do
		[ -e "$f" ] || f=$(find "$ZCCACHE_DIR" -name '*.r' -type f | head -1)
		[ -n "$f" ] || fail "no entry"
		flip_byte "$f" "$off"
		zc gcc -c a.c -Wall
		expect_like_ref
		n=$((n + 1))
		expect_stat corrupt_entry $n
		expect_stat hits 0
	done
}

# many_compiles N: N distinct compiles with objects of ~10 KB that do not
# compress well.
many_compiles() {
	"$PYTHON" - "$1" <<'EOF'
import random, sys
for i in range(1, int(sys.argv[1]) + 1):
    random.seed(i)
    with open('s%d.c' % i, 'w') as f:
        f.write('const unsigned int data_%d[] = {%s};\n' % (i, ','.join(str(random.getrandbits(32)) for _ in range(2500))))
EOF
	settle
	local i
	for i in $(seq 1 "$1"); do
		"$ZCCACHE" gcc -c "s$i.c" -o "s$i.o" || fail "compile $i failed"
	done
}

test_max_size() {
	export ZCCACHE_MAXSIZE=200K
	many_compiles 40
	expect_counts 0 40
	local max; max=$(stat_json max_size_bytes) || fail "$max"
	[ "$max" -ge 200000 ] && [ "$max" -le 204800 ] || fail "max_size_bytes $max for 200K"
	"$ZCCACHE" trim >/dev/null || fail "zccache trim failed"
	local bytes; bytes=$(stat_json cache_bytes) || fail "$bytes"
	[ "$bytes" -le "$max" ] || fail "cache_bytes $bytes > max_size_bytes $max after trim"
	local disk; disk=$(store_bytes)
	[ "$disk" -le "$max" ] || fail "entries take $disk bytes > $max after trim"
	[ "$disk" -gt 0 ] || fail "trim removed everything"
	# the most recent compile is still there; the first one is gone
	outputs s40.o
	ref gcc -c s40.c -o s40.o
	zc gcc -c s40.c -o s40.o
	expect_like_ref
	expect_stat hits 1
	outputs s1.o
	ref gcc -c s1.c -o s1.o
	zc gcc -c s1.c -o s1.o
	expect_like_ref
	expect_stat hits 1
}

# The limit holds without an explicit trim too (eviction on store), allowing
# for some slack until the next cleanup.
test_max_size_automatic() {
	export ZCCACHE_MAXSIZE=200K
	many_compiles 40
	local disk; disk=$(store_bytes)
	[ "$disk" -le $((2 * 204800)) ] || fail "entries take $disk bytes with a 200K limit and no trim"
}

# Recently used entries survive eviction (LRU, not FIFO).
test_lru() {
	many_compiles 6
	sleep 1.1
	outputs s1.o
	zc gcc -c s1.c -o s1.o # a hit refreshes s1's entries
	expect_stat hits 1
	export ZCCACHE_MAXSIZE=$(($(store_bytes) * 6 / 10))
	"$ZCCACHE" trim >/dev/null || fail "trim failed"
	[ "$(store_bytes)" -le "$ZCCACHE_MAXSIZE" ] || fail "store larger than the limit after trim"
	zc gcc -c s1.c -o s1.o
	expect_stat hits 2
}

test_trim_smaller_limit() {
	many_compiles 10
	local before; before=$(store_bytes)
	ZCCACHE_MAXSIZE=40K "$ZCCACHE" trim >/dev/null || fail "trim failed"
	local after; after=$(store_bytes)
	[ "$after" -le 40960 ] || fail "store holds $after bytes after trim to 40K (was $before)"
	local bytes; bytes=$(stat_json cache_bytes) || fail "$bytes"
	[ "$bytes" -le 40960 ] || fail "cache_bytes $bytes after trim to 40K"
}

test_clear() {
	simple_compile
	hit_twice
	expect_entries r 1
	"$ZCCACHE" clear >/dev/null || fail "zccache clear failed"
	expect_entries r 0
	expect_entries m 0
	expect_stat cache_files 0
	expect_stat cache_bytes 0
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_stat misses 2
	expect_stat hits 1
}

test_clear_empty_cache() {
	expect_exit 0 "$ZCCACHE" clear
}

test_stats_zero() {
	simple_compile
	hit_twice
	zc gcc -E a.c
	expect_counts 1 1
	expect_stat preprocessing 1
	expect_exit 0 "$ZCCACHE" stats --zero
	expect_counts 0 0
	expect_stat preprocessing 0
	# the entries are still there
	expect_stat_ge cache_files 1
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 0
}

test_stats_json_has_every_key() {
	simple_compile
	zc gcc -c a.c -Wall
	"$ZCCACHE" stats --json >stats.json || fail "stats --json failed"
	"$PYTHON" - stats.json <<'EOF' || fail "stats --json is incomplete: $(cat stats.json)"
import json, sys
d = json.load(open(sys.argv[1]))
reasons = """linking preprocessing multiple_sources no_source stdin_source
dependency_only save_temps bad_response_file unsupported_option time_macros
profile_use pch_creation unsupported_language incbin compile_failed
output_to_stdout non_regular_output unsupported_environment
modified_during_compile not_a_compile missing_output computed_has_include unexplained_header""".split()
errors = "cache_unusable store_failed corrupt_entry config_error internal_error".split()
missing = [k for k in ("hits", "misses", "cache_bytes", "cache_files", "max_size_bytes") if not isinstance(d.get(k), int)]
missing += ["uncacheable." + r for r in reasons if not isinstance(d.get("uncacheable", {}).get(r), int)]
missing += ["errors." + e for e in errors if not isinstance(d.get("errors", {}).get(e), int)]
for fam in ("gcc", "clang"):
    for k in ("hits", "misses"):
        if not isinstance(d.get("families", {}).get(fam, {}).get(k), int):
            missing.append("families.%s.%s" % (fam, k))
if missing:
    print("missing:", " ".join(missing))
    sys.exit(1)
if d["misses"] != 1 or d["cache_files"] < 1 or d["cache_bytes"] < 1:
    print("wrong values")
    sys.exit(1)
EOF
}

test_stats_text() {
	simple_compile
	hit_twice
	expect_exit 0 "$ZCCACHE" stats
	expect_match "$T/.cap/last.out" '[Hh]its.*1'
	expect_match "$T/.cap/last.out" '[Mm]iss.*1'
}

test_stats_empty_cache() {
	expect_exit 0 "$ZCCACHE" stats --json
	expect_counts 0 0
}

# Two processes storing the same and different results at once.
test_concurrent_compiles() {
	local i
	for i in $(seq 1 8); do
		echo "int f$i(void) { return $i; }" >"c$i.c"
	done
	settle
	for i in $(seq 1 8); do
		"$ZCCACHE" gcc -c "c$i.c" -o "c$i.o" &
		"$ZCCACHE" gcc -c "c$i.c" -o "c${i}b.o" &
	done
	wait
	for i in $(seq 1 8); do
		gcc -c "c$i.c" -o "ref$i.o"
		expect_equal_object_files "ref$i.o" "c$i.o"
		expect_equal_object_files "ref$i.o" "c${i}b.o"
	done
	local h m
	h=$(stat_json hits) || fail "$h"
	m=$(stat_json misses) || fail "$m"
	[ $((h + m)) = 16 ] || fail "hits $h + misses $m != 16"
	for i in $(seq 1 8); do
		outputs "c$i.o"
		ref gcc -c "c$i.c" -o "c$i.o"
		zc gcc -c "c$i.c" -o "c$i.o"
		expect_like_ref
	done
	expect_stat hits $((h + 8))
}

test_read_only_mode() {
	simple_compile
	zc gcc -c a.c -Wall
	export ZCCACHE_READONLY=1
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	echo 'int other(void) { return 5; }' >b.c
	settle
	outputs b.o
	ref gcc -c b.c
	zc gcc -c b.c
	expect_like_ref
	zc gcc -c b.c
	expect_like_ref
	expect_stat hits 1
	expect_entries r 1
	# The read-only misses are counted as misses (they were counted
	# nowhere).
	expect_stat misses 3
}

test_recache_mode() {
	simple_compile
	zc gcc -c a.c -Wall
	ZCCACHE_RECACHE=1 zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 0 2
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 2
}
