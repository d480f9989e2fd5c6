# regressions: wrong hits and broken builds found in review, each reproduced
# with the real compilers before it was fixed.

# -MF naming a device: never replaced by a regular file on a "hit".
test_depfile_to_device_untouched() {
	require_root
	echo 'int f(void) { return 1; }' >a.c
	mknod null c 1 3 || skip "mknod not allowed here"
	settle
	outputs a.o
	zc gcc -MMD -MF "$PWD/null" -c a.c -o a.o
	zc gcc -MMD -MF "$PWD/null" -c a.c -o a.o
	[ -c null ] || fail "the device node was replaced"
	expect_stat uncacheable.non_regular_output 2
}

# -include foo.h looks in the cwd first: foo.h created there later must miss.
test_forced_include_created_in_cwd() {
	mkfile inc/foo.h <<<'#define X 1'
	mkfile src/a.c <<<'int x = X;'
	settle
	outputs a.o
	zc gcc -c src/a.c -include foo.h -Iinc -o a.o
	zc gcc -c src/a.c -include foo.h -Iinc -o a.o
	expect_counts 1 1
	echo '#define X 2' >foo.h
	settle
	ref gcc -c src/a.c -include foo.h -Iinc -o a.o
	zc gcc -c src/a.c -include foo.h -Iinc -o a.o
	expect_like_ref
	expect_counts 1 2
}

# -I./A -I./B: the depfile says B/x.h, the search list ./B.
test_shadowing_dot_slash_dirs() {
	mkdir -p A
	mkfile B/x.h <<<'#define X 1'
	printf '%s\n' '#include "x.h"' 'int x = X;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -I./A -I./B
	zc gcc -c a.c -I./A -I./B
	expect_counts 1 1
	echo '#define X 2' >A/x.h
	settle
	ref gcc -c a.c -I./A -I./B
	zc gcc -c a.c -I./A -I./B
	expect_like_ref
	expect_counts 1 2
}

# A comment before the directive still names an include.
test_shadowing_comment_before_include() {
	mkfile inc/x.h <<<'#define X 1'
	printf '%s\n' '/* c */ #include "x.h"' 'int x = X;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_counts 1 1
	echo '#define X 2' >x.h
	settle
	ref gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_like_ref
	expect_counts 1 2
}

# The assembler's .include reads a file the depfile does not name.
test_assembler_include() {
	printf '%s\n' '.include "inc.s"' >a.S
	printf '%s\n' '.long 1' >inc.s
	settle
	outputs a.o
	passthrough incbin gcc -c a.S
}

# The pragma compares timestamps: a hit could hide its error.
test_pragma_dependency() {
	echo 'int x;' >dep.txt
	printf '%s\n' '#pragma GCC dependency "dep.txt"' 'int f(void) { return 1; }' >a.c
	settle
	outputs a.o
	passthrough pragma_dependency gcc -c a.c
}

test_pragma_dependency_comment() {
	echo 'int x;' >dep.txt
	printf '%s\n' '#pragma GCC /* x */ dependency "dep.txt"' 'int f(void) { return 1; }' >a.c
	settle
	outputs a.o
	passthrough pragma_dependency gcc -c a.c
}

# -fbranch-probabilities reads a .gcda file.
test_branch_probabilities() {
	echo 'int f(int x) { return x > 0 ? 1 : 2; }' >a.c
	settle
	outputs a.o
	passthrough profile_use gcc -O2 -fbranch-probabilities -c a.c -Wno-missing-profile
}

# With debug info the compiler records $PWD when it names the cwd.
test_debug_info_records_pwd() {
	mkdir real
	ln -s real link
	echo 'int v; int f(void) { return v; }' >real/a.c
	settle
	(cd link && PWD=$T/link "$ZCCACHE" gcc -g -c a.c -o a.o) || fail "compile failed"
	(cd real && PWD=$T/real "$ZCCACHE" gcc -g -c a.c -o a2.o) || fail "compile failed"
	(cd real && PWD=$T/real gcc -g -c a.c -o ref.o) || fail "bare compile failed"
	expect_equal_object_files real/a2.o real/ref.o
}

# A planned output the compile did not write (a leftover from before) is
# never stored: here a compiler wrapper drops -fstack-usage.
test_stale_output_not_stored() {
	mkdir tools
	printf '%s\n' '#!/bin/bash' 'args=()' \
		'for a; do [ "$a" = -fstack-usage ] || args+=("$a"); done' \
		'exec /usr/bin/gcc "${args[@]}"' >tools/gcc
	chmod +x tools/gcc
	echo 'int f(void) { return 1; }' >a.c
	echo stale >a.su
	touch -d '-1 hour' a.su
	settle
	outputs a.o
	zc "$T/tools/gcc" -c a.c -o a.o -fstack-usage
	zc "$T/tools/gcc" -c a.c -o a.o -fstack-usage
	expect_stat uncacheable.missing_output 2
	expect_counts 0 0
}

# Found by a review, 2026-12-01: things that record the working directory,
# or pick the compiler proper, beyond what the key held.

# --coverage puts the absolute .gcda path in the object and the cwd in the
# .gcno; -fdebug-prefix-map changes neither.
test_coverage_with_prefix_map_two_checkouts() {
	for d in a b; do printf 'int f(int x) { return x ? 1 : 2; }\n' >$d.c; mkdir -p $d; mv $d.c $d/s.c; done
	settle
	local maps="-fdebug-prefix-map=$T/a=/X -fdebug-prefix-map=$T/b=/X"
	outputs s.o s.gcno
	cd a
	zc gcc -c --coverage $maps s.c
	cd ../b
	ref gcc -c --coverage $maps s.c
	zc gcc -c --coverage $maps s.c
	grep -q "$T/b/s.gcda" s.o || fail "the object does not name b's .gcda"
	expect_counts 0 2
}

# The assembler records the cwd with -Wa,-g.
test_assembler_debug_info_two_checkouts() {
	for d in a b; do mkfile $d/s.S <<<'.text
.globl f
f: ret'; done
	settle
	outputs s.o
	cd a
	zc gcc -c -Wa,-g s.S
	cd ../b
	ref gcc -c -Wa,-g s.S
	zc gcc -c -Wa,-g s.S
	expect_like_ref
	expect_counts 0 2
}

# clang -fdiagnostics-absolute-paths: the warnings name the cwd.
test_clang_absolute_diagnostics_two_checkouts() {
	require_cmd clang
	for d in a b; do mkdir -p $d; warning_c_source >$d/s.c; done
	settle
	outputs s.o
	cd a
	zc clang -c -Wall -fdiagnostics-absolute-paths s.c
	cd ../b
	ref clang -c -Wall -fdiagnostics-absolute-paths s.c
	zc clang -c -Wall -fdiagnostics-absolute-paths s.c
	expect_like_ref
	expect_counts 0 2
}

# g++ compiles a .c file as C++: with cc1plus, which must be in the key.
test_gxx_c_source_compiler_proper() {
	local libexec=$T/gep/x86_64-linux-gnu/12
	mkdir -p "$libexec"
	ln -s /usr/lib/gcc/x86_64-linux-gnu/12/cc1 "$libexec/cc1"
	printf '#!/bin/sh\nexec /usr/lib/gcc/x86_64-linux-gnu/12/cc1plus -DVAL=1 "$@"\n' >"$libexec/cc1plus"
	chmod +x "$libexec/cc1plus"
	printf 'int v = VAL;\n' >a.c
	settle
	export GCC_EXEC_PREFIX=$T/gep/
	outputs a.o
	zc g++ -c a.c
	sed -i 's/VAL=1/VAL=2/' "$libexec/cc1plus"
	settle
	ref g++ -c a.c
	zc g++ -c a.c
	expect_like_ref
	expect_counts 0 2
}

# gcc hands cc1 its options in one environment variable, which has a limit:
# a compile just under it must not fail for the -MD -MF a miss adds.
test_options_near_gcc_limit() {
	printf 'const char *s = STR;\n' >a.c
	settle
	local lo=120000 hi=140000 m arg
	while [ $((hi - lo)) -gt 1 ]; do
		m=$(((lo + hi) / 2))
		arg="-DSTR=\"$(head -c $m /dev/zero | tr '\0' a)\""
		if gcc -c a.c "$arg" -o probe.o 2>/dev/null; then lo=$m; else hi=$m; fi
	done
	arg="-DSTR=\"$(head -c $lo /dev/zero | tr '\0' a)\""
	outputs a.o
	ref gcc -c a.c "$arg"
	zc gcc -c a.c "$arg"
	expect_like_ref
}

# Found by a review, 2026-12-01 (round 3).

# clang takes its target from the name it is run by.
test_clang_cross_name_in_key() {
	require_cmd clang
	mkdir real
	ln -s "$(command -v clang)" real/aarch64-linux-gnu-clang
	echo 'int f(int x) { return x * 3; }' >a.c
	settle
	outputs a.o
	zc clang -c a.c
	ref real/aarch64-linux-gnu-clang -c a.c
	zc real/aarch64-linux-gnu-clang -c a.c
	expect_like_ref
	expect_counts 0 2
}

# An assembler put later where COMPILER_PATH says: gcc runs it.
test_compiler_path_assembler_appears() {
	mkdir cp
	export COMPILER_PATH=$T/cp
	echo 'int x;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	printf '#!/bin/sh\nexec /usr/bin/as --defsym EXTRA=1 "$@"\n' >cp/as
	chmod +x cp/as
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
}

# The depfile's default target is the object's name, also for -S without
# -o; gcc drops leading "./" from it.
test_depfile_default_target_forms() {
	echo 'int x;' >a.c
	settle
	outputs a.s a.d
	zc gcc -S a.c -MD -o b.s
	ref gcc -S a.c -MD
	zc gcc -S a.c -MD
	expect_like_ref
	outputs o.o o.d
	zc gcc -c a.c -MD -o p.o
	ref gcc -c a.c -MD -o ./o.o
	zc gcc -c a.c -MD -o ./o.o
	expect_like_ref
}

# GNU as writes an existing empty object in place (mktemp; gcc -o $tmp):
# its mode stays, a link is written through.
test_empty_object_written_in_place() {
	echo 'int x;' >a.c
	settle
	outputs
	zc gcc -c a.c -o w.o
	zc gcc -c a.c -o w.o
	expect_counts 1 1
	: >a.o
	chmod 600 a.o
	zc_keep gcc -c a.c -o a.o
	expect_mode a.o 600
	: >t.o
	ln -s t.o l.o
	zc_keep gcc -c a.c -o l.o
	[ -L l.o ] || fail "the link l.o was replaced"
	cmp -s t.o w.o || fail "the link's target did not get the object"
}

# clang checks a PCH against its headers' mtimes: not cached.
test_clang_include_pch_uncacheable() {
	require_cmd clang
	mkdir inc
	echo 'static int v = 1;' >inc/x.h
	echo 'int g(void) { return v; }' >a.c
	clang -x c-header "$T/inc/x.h" -o x.h.pch
	settle
	outputs a.o
	passthrough unsupported_option clang -c a.c -I"$T/inc" -include-pch x.h.pch
}

# clang writes its .dwo in place, and its -S output as a new file.
test_clang_in_place_outputs() {
	require_cmd clang
	echo 'int x; int f(void) { return x; }' >a.c
	settle
	outputs
	zc clang -c a.c -g -gsplit-dwarf -o w.o
	zc clang -S a.c -o w.s
	zc clang -c a.c -g -gsplit-dwarf -o w.o
	zc clang -S a.c -o w.s
	expect_counts 2 2
	echo old >t.dwo
	ln -s t.dwo a.dwo
	zc_keep clang -c a.c -g -gsplit-dwarf -o a.o
	[ -L a.dwo ] || fail "the link a.dwo was replaced"
	umask 022
	echo old >a.s
	chmod 600 a.s
	zc_keep clang -S a.c -o a.s
	expect_mode a.s 644
}

# Found by a session, 2026-12-01: clang reads <target>.cfg beside its binary.

# clang_copy_as NAME: a copy of clang at bin/NAME (so that the directory it
# reads its config files from is the test's), and an a.c that needs VAL.
clang_copy_as() {
	require_cmd clang
	mkdir -p bin
	cp "$(readlink -f "$(command -v clang)")" "bin/$1"
	echo 'int f(void) { return VAL; }' >a.c
}

# A cross clang named by its target reads x86_64.cfg or x86_64-clang.cfg:
# while one is there, compiles are not cached (its options could add an
# output); without one, they are, and one added later is seen.
test_clang_config_file_not_cached() {
	clang_copy_as x86_64-clang
	outputs a.o
	echo 'static int unused;' >>a.c
	echo '-DVAL=1' >bin/x86_64.cfg
	settle
	ref bin/x86_64-clang -c a.c
	zc bin/x86_64-clang -c a.c
	expect_like_ref
	expect_uncacheable compiler_config
	rm bin/x86_64.cfg
	settle
	ref bin/x86_64-clang -c a.c -DVAL=2
	zc bin/x86_64-clang -c a.c -DVAL=2
	expect_like_ref
	zc bin/x86_64-clang -c a.c -DVAL=2
	expect_like_ref
	expect_stats hits=1 misses=1
	# A config file appears: its options count (here: with -Werror, the
	# unused variable fails the compile), the cached entry does not.
	echo '-Werror -Wunused-variable' >bin/x86_64-clang.cfg
	settle
	ref bin/x86_64-clang -c a.c -DVAL=2
	zc bin/x86_64-clang -c a.c -DVAL=2
	expect_like_ref
	[ "$(cat "$T/.cap/zc.rc")" = 1 ] || fail "the config file's -Werror was not used"
	expect_stats hits=1 misses=1 uncacheable.compiler_config=2
}

# -no-canonical-prefixes: clang looks beside the name it was run by (a
# symlink), not beside its binary.
test_clang_config_beside_symlink() {
	require_cmd clang
	mkdir bin
	ln -s "$(command -v clang)" bin/x86_64-clang
	printf '#ifndef VAL\n#define VAL 1\n#endif\nint f(void) { return VAL; }\n' >a.c
	settle
	outputs a.o
	zc bin/x86_64-clang -no-canonical-prefixes -c a.c
	echo '-DVAL=2' >bin/x86_64.cfg
	settle
	ref bin/x86_64-clang -no-canonical-prefixes -c a.c
	zc bin/x86_64-clang -no-canonical-prefixes -c a.c
	expect_like_ref
	expect_stats hits=0 misses=1 uncacheable.compiler_config=1
}
