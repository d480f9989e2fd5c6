# client: the two programs. build/zccache is the small client every compile
# starts; it asks the daemon itself and hands everything else to
# build/zccache-core beside it. A compile must run whatever is missing.

client_core() {
	echo "$(dirname "$ZCCACHE")/zccache-core"
}

# A daemon hit is the small client's alone: with the full program gone
# after the daemon started, hits are still served (and counted) by the
# daemon, and the log holds the client's two lines.
test_hit_served_by_small_client() {
	[ -x "$(client_core)" ] || fail "no zccache-core beside $ZCCACHE"
	mkdir -p "$T/pair"
	cp "$ZCCACHE" "$(client_core)" "$T/pair/"
	ZCCACHE=$T/pair/zccache
	export ZCCACHE_LOGFILE=$T/zc.log
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 0 1
	chmod 000 "$T/pair/zccache-core"
	: >"$ZCCACHE_LOGFILE"
	ZC_NO_QUIESCE=1 zc gcc -c a.c -Wall
	expect_like_ref
	expect_lines "$ZCCACHE_LOGFILE" 2
	expect_contains "$ZCCACHE_LOGFILE" "hit (daemon)"
	chmod 755 "$T/pair/zccache-core"
	expect_counts 1 1
}

# The small client copied alone: compiles run unchanged (output, stderr,
# exit code), failing ones too; commands say what is missing.
test_small_client_alone() {
	mkdir -p "$T/alone"
	cp "$ZCCACHE" "$T/alone/zccache"
	warning_c_source >a.c
	printf 'int main(void) { return missing; }\n' >bad.c
	outputs a.o
	ref gcc -c a.c -Wall
	run_cap "$T/alone/zccache" gcc -c a.c -Wall
	expect_like_ref
	outputs bad.o
	ref gcc -c bad.c
	run_cap "$T/alone/zccache" gcc -c bad.c
	expect_like_ref
	ZCCACHE_NODAEMON=1 run_cap "$T/alone/zccache" gcc -c bad.c
	expect_like_ref
	expect_exit 2 "$T/alone/zccache" stats
	expect_contains "$T/.cap/last.err" zccache-core
	expect_missing "$ZCCACHE_DIR/daemon.log"
}

# The daemon cannot serve (it cannot be started): the full program works
# in-process at once, and the word the small client hands it is not in the
# compiler's environment.
test_handover_not_in_compiler_env() {
	mkdir -m 777 "$XDG_RUNTIME_DIR/zccache"
	mkdir -p "$T/bin"
	printf '#!/bin/sh\nenv >>"%s/compiler.env"\nexec /usr/bin/gcc "$@"\n' "$T" >"$T/bin/gcc"
	chmod +x "$T/bin/gcc"
	export PATH="$T/bin:$ORIG_PATH" ZCCACHE_LOGFILE=$T/zc.log
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	: >"$T/compiler.env"
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	[ -s "$T/compiler.env" ] || fail "the compiler never ran through zccache"
	expect_not_contains "$T/compiler.env" ZCCACHE_INTERNAL
	# each compile tried the daemon once, in the small client
	[ "$(grep -c 'working in-process' "$ZCCACHE_LOGFILE")" = 2 ] ||
		fail "expected two hand-overs in the log"
	[ "$(grep -c 'could not start the daemon' "$ZCCACHE_LOGFILE")" = 2 ] ||
		fail "expected one start attempt per compile"
}
