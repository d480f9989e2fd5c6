# basic: a cacheable compile misses, then hits, with the bare compiler's
# object, stdout, stderr (warnings, colour) and exit status.

# hit_miss CC SOURCE-NAME SOURCE-FUNCTION EXTRA-ARGS...
hit_miss() {
	local cc=$1 src=$2 gen=$3
	shift 3
	require_cmd "$cc"
	$gen >"$src"
	settle
	outputs out.o
	ref "$cc" -c "$src" -Wall -o out.o "$@"
	expect_contains "$T/.cap/ref.err" "unused"
	zc "$cc" -c "$src" -Wall -o out.o "$@"
	expect_like_ref
	expect_counts 0 1
	zc "$cc" -c "$src" -Wall -o out.o "$@"
	expect_like_ref
	expect_counts 1 1
	local fam; fam=$(family_of "$cc")
	expect_stat "families.$fam.hits" 1
	expect_stat "families.$fam.misses" 1
	expect_entries r 1
}

test_gcc() { hit_miss gcc a.c warning_c_source; }
test_gxx() { hit_miss g++ a.cpp warning_cxx_source; }
test_clang() { hit_miss clang a.c warning_c_source; }
test_clangxx() { hit_miss clang++ a.cpp warning_cxx_source; }
test_cc_is_gcc_family() { hit_miss cc a.c warning_c_source; }
test_cxx_is_gcc_family() { hit_miss c++ a.cpp warning_cxx_source; }

test_gcc_optimised_debug() { hit_miss gcc a.c warning_c_source -O2 -g; }
test_clang_optimised_debug() { hit_miss clang a.c warning_c_source -O2 -g; }

colour() {
	local cc=$1
	require_cmd "$cc"
	warning_c_source >a.c
	settle
	outputs a.o
	ref "$cc" -c a.c -Wall -fdiagnostics-color=always
	grep -q $'\e\[' "$T/.cap/ref.err" || fail "the bare compiler wrote no colour codes"
	zc "$cc" -c a.c -Wall -fdiagnostics-color=always
	expect_like_ref
	zc "$cc" -c a.c -Wall -fdiagnostics-color=always
	expect_like_ref
	expect_counts 1 1
	# The same compile without colour must not get the coloured stderr.
	ref "$cc" -c a.c -Wall -fdiagnostics-color=never
	zc "$cc" -c a.c -Wall -fdiagnostics-color=never
	expect_like_ref
	zc "$cc" -c a.c -Wall -fdiagnostics-color=never
	expect_like_ref
}

test_gcc_colour() { colour gcc; }
test_clang_colour() { colour clang; }

# Diagnostics on a terminal come out as the compiler would write them there:
# coloured (also when the entry was stored from a pipe, and with an explicit
# -fdiagnostics-color=auto), plain where TERM=dumb.
test_colour_on_terminal() {
	require_cmd script
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	local term opt
	for opt in "" -fdiagnostics-color=auto; do
		for term in xterm dumb; do
			ref env TERM=$term script -qec "gcc -c a.c -Wall $opt" /dev/null
			[ $term = dumb ] || grep -q $'\e\[' "$T/.cap/ref.out" ||
				fail "the bare compiler wrote no colour codes"
			run_cap env TERM=$term script -qec "\"\$ZCCACHE\" gcc -c a.c -Wall $opt" /dev/null
			expect_like_ref
		done
	done
	expect_counts 3 2
}

test_clang_fcolor_diagnostics() {
	require_cmd clang
	warning_c_source >a.c
	settle
	outputs a.o
	ref clang -c a.c -Wall -fcolor-diagnostics
	grep -q $'\e\[' "$T/.cap/ref.err" || fail "the bare compiler wrote no colour codes"
	zc clang -c a.c -Wall -fcolor-diagnostics
	expect_like_ref
	zc clang -c a.c -Wall -fcolor-diagnostics
	expect_like_ref
	expect_counts 1 1
}

# Each argument that changes the output changes the key; the object always
# equals the bare compiler's.
test_key_sensitivity() {
	printf '%s\n' '#ifndef V' '#define V 1' '#endif' 'int v = V;' \
		'int f(int x) { return x * V + 3; }' >a.c
	settle
	outputs a.o
	local n=0 args
	for args in "-O0" "-O2" "-O2 -DV=2" "-O2 -DV=3" "-O2 -DV=3 -g" "-O2 -DV=3 -fPIC"; do
		# shellcheck disable=SC2086
		ref gcc -c a.c $args
		# shellcheck disable=SC2086
		zc gcc -c a.c $args
		expect_like_ref
		n=$((n + 1))
		expect_counts 0 $n
	done
	# and each of them now hits
	for args in "-O0" "-O2" "-O2 -DV=2" "-O2 -DV=3" "-O2 -DV=3 -g" "-O2 -DV=3 -fPIC"; do
		# shellcheck disable=SC2086
		ref gcc -c a.c $args
		# shellcheck disable=SC2086
		zc gcc -c a.c $args
		expect_like_ref
	done
	expect_counts $n $n
}

# The source itself is in the key.
test_source_change() {
	echo 'int f(void) { return 1; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	echo 'int f(void) { return 2; }' >a.c
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 0 2
	echo 'int f(void) { return 1; }' >a.c
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 2
}

# An output path in another directory, and the default output name.
test_default_output_name() {
	mkfile src/prog.c < <(warning_c_source)
	settle
	outputs prog.o
	ref gcc -c src/prog.c -Wall
	zc gcc -c src/prog.c -Wall
	expect_like_ref
	zc gcc -c src/prog.c -Wall
	expect_like_ref
	expect_counts 1 1
}

test_output_in_subdir() {
	warning_c_source >a.c
	mkdir -p obj
	settle
	outputs obj/a.o
	ref gcc -c a.c -o obj/a.o
	zc gcc -c a.c -o obj/a.o
	expect_like_ref
	zc gcc -c a.c -o obj/a.o
	expect_like_ref
	expect_counts 1 1
}

# assembler-with-cpp (.S) is cacheable.
test_assembler_with_cpp() {
	printf '%s\n' '#define VALUE 42' '	.globl value' '	.data' 'value:' '	.long VALUE' >a.S
	settle
	outputs a.o
	ref gcc -c a.S
	zc gcc -c a.S
	expect_like_ref
	zc gcc -c a.S
	expect_like_ref
	expect_counts 1 1
}

# -x c++ on a .c file is a different compile from -x c.
test_language_option() {
	printf '%s\n' '#ifdef __cplusplus' 'int cxx = 1;' '#else' 'int c = 1;' '#endif' >a.c
	settle
	outputs a.o
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	ref gcc -x c++ -c a.c
	zc gcc -x c++ -c a.c
	expect_like_ref
	expect_counts 0 2
	zc gcc -x c++ -c a.c
	expect_like_ref
	expect_counts 1 2
}

# A compile in another directory with -g embeds that directory: never a
# stale hit from the first directory.
test_cwd_with_debug_info() {
	mkdir d1 d2
	warning_c_source >d1/a.c
	cp d1/a.c d2/a.c
	settle
	outputs a.o
	cd d1 || fail cd
	zc gcc -c -g a.c
	cd ../d2 || fail cd
	ref gcc -c -g a.c
	zc gcc -c -g a.c
	expect_like_ref
	zc gcc -c -g a.c
	expect_like_ref
}

# Environment variables the compiler reads are in the key.
test_cpath_environment() {
	mkfile i1/x.h <<<'int x = 1;'
	mkfile i2/x.h <<<'int x = 2;'
	echo '#include <x.h>' >a.c
	settle
	outputs a.o
	export CPATH=$T/i1
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	export CPATH=$T/i2
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_stat hits 0
}

# A wrapper script changed in place must not hit the old entry.
test_compiler_identity() {
	mkfile wrap/gcc <<<'#!/bin/sh
exec /usr/bin/gcc "$@"'
	chmod +x wrap/gcc
	warning_c_source >a.c
	settle
	outputs a.o
	zc "$T/wrap/gcc" -c a.c
	zc "$T/wrap/gcc" -c a.c
	expect_counts 1 1
	mkfile wrap/gcc <<<'#!/bin/sh
exec /usr/bin/gcc -O2 -DWRAPPED=1 "$@"'
	chmod +x wrap/gcc
	settle
	ref "$T/wrap/gcc" -c a.c
	zc "$T/wrap/gcc" -c a.c
	expect_like_ref
	expect_counts 1 2
}

# The programs gcc runs are part of the compiler: cc1 changed beside an
# unchanged driver (a toolchain rebuilt in place) must not hit the old entry.
test_compiler_proper_identity() {
	local lib=tc/lib/gcc/x86_64-linux-gnu/12
	[ -x /usr/bin/x86_64-linux-gnu-gcc-12 ] || skip "no gcc 12"
	mkdir -p tc/bin $lib
	cp /usr/bin/x86_64-linux-gnu-gcc-12 tc/bin/gcc
	ln -s /usr/lib/gcc/x86_64-linux-gnu/12/cc1 $lib/cc1
	printf '%s\n' '#ifndef X' '#define X 1' '#endif' 'int v = X;' >a.c
	settle
	outputs a.o
	zc "$T/tc/bin/gcc" -c a.c
	zc "$T/tc/bin/gcc" -c a.c
	expect_counts 1 1
	rm $lib/cc1
	mkfile $lib/cc1 <<<'#!/bin/sh
exec /usr/lib/gcc/x86_64-linux-gnu/12/cc1 "$@" -DX=2'
	chmod +x $lib/cc1
	settle
	ref "$T/tc/bin/gcc" -c a.c
	zc "$T/tc/bin/gcc" -c a.c
	expect_like_ref
	expect_counts 1 2
}

# gcc runs `as` from PATH: another assembler first in PATH makes another
# object.
test_assembler_from_path() {
	mkfile bin/as <<<'#!/bin/sh
exec /usr/bin/as --defsym zz_other_assembler=1 "$@"'
	chmod +x bin/as
	echo 'int v = 1;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	zc gcc -c a.c
	expect_counts 1 1
	PATH=$T/bin:$PATH
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 2
}

# An informational call (--version) is not a compile: the compiler's own
# stdout comes back and the reason is counted.
test_not_a_compile_version() {
	outputs
	ref gcc --version
	zc gcc --version
	expect_like_ref
	expect_stat hits 0
	expect_stat not_a_compile 1
}
