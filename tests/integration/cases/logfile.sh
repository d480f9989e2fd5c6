# logfile: ZCCACHE_LOGFILE says why each compile missed (or was not cached).

test_miss_is_explained() {
	export ZCCACHE_LOGFILE=$T/zc.log
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	[ -s zc.log ] || fail "no log written"
	expect_match zc.log '[Mm]iss'
	local before; before=$(wc -l <zc.log)
	zc gcc -c a.c -Wall
	expect_counts 1 1
	[ "$(wc -l <zc.log)" -gt "$before" ] || fail "nothing logged for the hit"
	expect_match zc.log '[Hh]it'
}

# A miss because a header changed: the log names the header.
test_header_miss_names_header() {
	export ZCCACHE_LOGFILE=$T/zc.log
	echo 'int h = 1;' >changed_header.h
	printf '%s\n' '#include "changed_header.h"' 'int f(void) { return h; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	zc gcc -c a.c
	: >zc.log
	echo 'int h = 2;' >changed_header.h
	settle
	zc gcc -c a.c
	expect_counts 1 2
	expect_match zc.log '[Mm]iss'
	expect_contains zc.log changed_header.h
}

# An uncacheable compile: the log gives the reason.
test_uncacheable_is_explained() {
	export ZCCACHE_LOGFILE=$T/zc.log
	warning_c_source >a.c
	settle
	outputs
	zc gcc -E a.c
	[ -s zc.log ] || fail "no log written"
	expect_match zc.log 'preprocess|-E'
	: >zc.log
	zc gcc a.c -o prog
	expect_match zc.log 'link'
}

test_no_log_by_default() {
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	# nothing but the compiler's own output on stderr
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
}

test_unwritable_log_file() {
	warning_c_source >a.c
	echo 'int main(void) { return nope; }' >bad.c
	settle
	export ZCCACHE_LOGFILE=$T/no/such/dir/zc.log
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	outputs bad.o
	ref gcc -c bad.c
	zc gcc -c bad.c
	expect_like_ref
}

test_debug_logs_key_fields() {
	export ZCCACHE_LOGFILE=$T/zc.log ZCCACHE_DEBUG=1
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall -DSOME_MARKER_DEFINE=1
	expect_contains zc.log SOME_MARKER_DEFINE
}
