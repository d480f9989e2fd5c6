# failing: a compile that fails gives the bare compiler's exit status and
# stderr, is counted as compile_failed, and is never cached.

failing() {
	local cc=$1 src=$2
	require_cmd "$cc"
	printf '%s\n' 'int main(void)' '{' '	return 0 +;' '}' >"$src"
	settle
	outputs a.o
	ref "$cc" -c "$src" -o a.o
	[ "$(cat "$T/.cap/ref.rc")" != 0 ] || fail "the bare compile succeeded"
	zc "$cc" -c "$src" -o a.o
	expect_like_ref
	expect_stat compile_failed 1
	expect_counts 0 0
	zc "$cc" -c "$src" -o a.o
	expect_like_ref
	expect_stat compile_failed 2
	expect_counts 0 0
	expect_entries r 0
}

test_gcc() { failing gcc a.c; }
test_gxx() { failing g++ a.cpp; }
test_clang() { failing clang a.c; }
test_clangxx() { failing clang++ a.cpp; }

# A failure with colour: stderr still byte-identical.
test_gcc_colour() {
	printf '%s\n' 'int main(void) { return x; }' >a.c
	settle
	outputs a.o
	ref gcc -c a.c -fdiagnostics-color=always
	zc gcc -c a.c -fdiagnostics-color=always
	expect_like_ref
	expect_stat compile_failed 1
}

# -Werror turns a warning into a failure; the earlier success with the same
# source but without -Werror must not be served.
test_werror() {
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	expect_counts 0 1
	ref gcc -c a.c -Wall -Werror
	zc gcc -c a.c -Wall -Werror
	expect_like_ref
	expect_stat compile_failed 1
	expect_counts 0 1
}

# A missing header: the compile fails and nothing is cached; once the header
# exists the compile succeeds.
test_missing_header() {
	printf '%s\n' '#include "later.h"' 'int v = LATER;' >a.c
	settle
	outputs a.o
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_stat compile_failed 1
	echo '#define LATER 7' >later.h
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 0 1
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 1
}

# A missing source file.
test_missing_source() {
	outputs a.o
	ref gcc -c nosuch.c -o a.o
	zc gcc -c nosuch.c -o a.o
	expect_like_ref
	expect_counts 0 0
	expect_entries r 0
}
