# uncacheable: each invocation zccache cannot cache runs the real compiler
# unchanged (same stdout, stderr, exit code, outputs) and counts its reason.

simple_source() {
	warning_c_source >a.c
	settle
}

test_linking() {
	simple_source
	outputs prog
	passthrough linking gcc a.c -Wall -o prog
}

test_linking_objects() {
	simple_source
	gcc -c a.c
	outputs prog
	passthrough linking gcc a.o -o prog
}

test_preprocessing() {
	simple_source
	outputs
	passthrough preprocessing gcc -E a.c
}

test_preprocessing_to_file() {
	simple_source
	outputs a.i
	passthrough preprocessing gcc -E a.c -o a.i
}

test_multiple_sources() {
	simple_source
	echo 'int g(void) { return 1; }' >b.c
	settle
	outputs a.o b.o
	passthrough multiple_sources gcc -c a.c b.c
}

test_no_source() {
	outputs a.o
	passthrough no_source gcc -c -o a.o
}

test_stdin_source() {
	simple_source
	outputs s.o
	ref gcc -x c -c - -o s.o <a.c
	zc gcc -x c -c - -o s.o <a.c
	expect_like_ref
	expect_uncacheable stdin_source
}

# A source that is no regular file (/dev/stdin on a pipe): reading it to hash
# it would leave the compiler nothing.
test_stdin_source_named() {
	simple_source
	outputs s.o
	ref sh -c 'cat a.c | gcc -x c -c /dev/stdin -o s.o'
	zc sh -c 'cat a.c | "$ZCCACHE" gcc -x c -c /dev/stdin -o s.o'
	expect_like_ref
	expect_uncacheable stdin_source
}

test_dependency_only_M() {
	mkfile h.h <<<'int h;'
	printf '%s\n' '#include "h.h"' 'int f(void) { return h; }' >a.c
	settle
	outputs
	passthrough dependency_only gcc -M a.c
}

test_dependency_only_MM_MF() {
	mkfile h.h <<<'int h;'
	printf '%s\n' '#include "h.h"' 'int f(void) { return h; }' >a.c
	settle
	outputs a.d
	passthrough dependency_only gcc -MM -MF a.d a.c
}

test_save_temps() {
	simple_source
	outputs a.o a.i a.s
	passthrough save_temps gcc -c -save-temps a.c
}

test_bad_response_file() {
	simple_source
	outputs a.o
	passthrough bad_response_file gcc @nosuch.rsp -c a.c
}

# A response file ending in a backslash that escapes nothing: gcc drops it,
# clang keeps it, so the arguments are not known for sure.
test_response_file_lone_backslash() {
	simple_source
	printf '%s' '-DS=a\' >r.rsp
	outputs a.o
	passthrough bad_response_file gcc @r.rsp -c a.c
}

test_bad_nested_response_file() {
	simple_source
	echo '-c a.c @nosuch.rsp' >args.rsp
	outputs a.o
	passthrough bad_response_file gcc @args.rsp
}

test_time_macros_date() {
	printf '%s\n' 'const char *built = __DATE__;' >a.c
	settle
	outputs a.o
	passthrough time_macros gcc -c a.c
}

test_time_macros_time() {
	printf '%s\n' 'const char *built = __TIME__;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	[ "$(cat "$T/.cap/zc.rc")" = 0 ] || fail "compile failed"
	expect_uncacheable time_macros
}

# Named on the command line: -D values are judged like a file's content.
test_time_macros_command_line() {
	printf '%s\n' 'const char *built = BUILT;' >a.c
	settle
	outputs a.o
	zc gcc -DBUILT=__TIME__ -c a.c
	[ "$(cat "$T/.cap/zc.rc")" = 0 ] || fail "compile failed"
	expect_uncacheable time_macros
}

test_has_include_command_line() {
	printf '%s\n' '#if HAVE_X' '#include <x.h>' '#endif' 'int v;' >a.c
	mkdir inc
	settle
	outputs a.o
	passthrough computed_has_include gcc '-DHAVE_X=__has_include(<x.h>)' -Iinc -c a.c
}

test_time_macros_timestamp() {
	printf '%s\n' 'const char *built = __TIMESTAMP__;' >a.c
	settle
	outputs a.o
	passthrough time_macros gcc -c a.c
}

# A time macro in a header counts too.
test_time_macros_in_header() {
	echo 'static const char *built = __DATE__;' >when.h
	printf '%s\n' '#include "when.h"' 'const char *get(void) { return built; }' >a.c
	settle
	outputs a.o
	passthrough time_macros gcc -c a.c
}

# With SOURCE_DATE_EPOCH the macros are pinned: cacheable, and a different
# SOURCE_DATE_EPOCH is a different result.
test_time_macros_source_date_epoch() {
	printf '%s\n' 'const char *d = __DATE__;' 'const char *t = __TIME__;' >a.c
	settle
	outputs a.o
	export SOURCE_DATE_EPOCH=1000000000
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 1
	expect_stat time_macros 0
	export SOURCE_DATE_EPOCH=1100000000
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_stat hits 1
}

test_profile_use() {
	simple_source
	outputs a.o
	passthrough profile_use gcc -c -fprofile-use a.c
}

# A .gch differs between two bare compiles, so only its existence is checked.
test_pch_creation_header_source() {
	echo 'int pch_value(void);' >x.h
	settle
	outputs
	rm -f x.h.gch
	passthrough pch_creation gcc -c x.h
	expect_exists x.h.gch
}

test_pch_creation_x_c_header() {
	echo 'int pch_value(void);' >x.h
	settle
	outputs
	rm -f x.gch
	passthrough pch_creation gcc -x c-header x.h -o x.gch
	expect_exists x.gch
}

test_incbin() {
	printf 'some binary data' >data.bin
	printf '%s\n' '__asm__(".section .rodata\n.globl blob\nblob:\n.incbin \"data.bin\"\n.previous");' >a.c
	settle
	outputs a.o
	passthrough incbin gcc -c a.c
}

test_output_to_stdout() {
	simple_source
	outputs
	passthrough output_to_stdout gcc -c a.c -o -
}

test_output_dev_null() {
	simple_source
	outputs
	passthrough non_regular_output gcc -c a.c -Wall -o /dev/null
}

# A source modified while the compile runs (by a wrapper compiler, so the
# timing is certain) is not stored.
test_modified_during_compile() {
	warning_c_source >a.c
	mkfile wrap/gcc <<<'#!/bin/sh
touch a.c
exec /usr/bin/gcc "$@"'
	chmod +x wrap/gcc
	settle
	outputs a.o
	ref "$T/wrap/gcc" -c a.c -Wall
	zc "$T/wrap/gcc" -c a.c -Wall
	expect_like_ref
	expect_stat modified_during_compile 1
	expect_entries r 0
}

# An option that reads a file zccache cannot follow.
test_unsupported_option_specs() {
	simple_source
	: >empty.specs
	settle
	outputs a.o
	passthrough unsupported_option gcc -specs=empty.specs -c a.c -Wall
}

# gcc's long spellings of options that name files or directories, and
# include options handed to the preprocessor directly: the search they make
# is not the one zccache asks the compiler for.
test_unsupported_option_long_forms() {
	simple_source
	mkdir inc
	: >inc/empty.specs
	settle
	outputs a.o
	passthrough unsupported_option gcc --include-directory=inc -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	passthrough unsupported_option gcc --specs=empty.specs -Linc -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	passthrough unsupported_option gcc --prefix=inc -c a.c -Wall
}

test_unsupported_option_preprocessor_include() {
	simple_source
	mkdir inc
	settle
	outputs a.o
	passthrough unsupported_option gcc -Wp,-Iinc -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	passthrough unsupported_option gcc -Wp,-include,stdio.h -c a.c -Wall
	require_cmd clang
	"$ZCCACHE" -z >/dev/null
	passthrough unsupported_option clang -Xclang -Iinc -c a.c -Wall
}

# Modules are read from files the dependency list does not name.
test_unsupported_option_modules() {
	require_cmd clang
	simple_source
	outputs a.o
	passthrough unsupported_option clang -fprebuilt-module-path=. -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	passthrough unsupported_option clang -fmodule-file=m=m.pcm -c a.c -Wall
}

# The object would hold the command line: its own name, and the dependency
# options zccache adds on a miss.
test_unsupported_option_record_switches() {
	simple_source
	settle
	outputs a.o
	passthrough unsupported_option gcc -frecord-gcc-switches -c a.c -Wall
}

test_unsupported_option_record_command_line() {
	require_cmd clang
	simple_source
	settle
	outputs a.o
	passthrough unsupported_option clang -frecord-command-line -c a.c -Wall
}

# An unknown option naming an existing file: it might read it.
test_unsupported_option_unknown_file_option() {
	simple_source
	echo 'fun:main' >ignore.txt
	settle
	outputs a.o
	passthrough unsupported_option clang -fsanitize-ignorelist=ignore.txt -c a.c -Wall
}

# The compiler would write a dependency file named by the environment.
test_unsupported_environment() {
	simple_source
	outputs a.o env.d
	DEPENDENCIES_OUTPUT="env.d a.o" passthrough unsupported_environment gcc -c a.c -Wall
}

# clang lists the headers it reads on stderr.
test_unsupported_environment_clang_print_headers() {
	require_cmd clang
	simple_source
	outputs a.o
	CC_PRINT_HEADERS=1 passthrough unsupported_environment clang -c a.c -Wall
}

test_not_a_compile() {
	simple_source
	outputs
	passthrough not_a_compile gcc -dumpversion
}

# Options that read a file nothing follows, or write files zccache does not
# know (found by a review, 2026-12-01).
test_unsupported_option_files_behind_wrappers() {
	simple_source
	printf -- '-DVAL=1\n' >cppopts
	printf -- '--defsym VAL=1\n' >asopts
	settle
	outputs a.o
	passthrough unsupported_option gcc -Wp,@cppopts -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	passthrough unsupported_option gcc -Wa,@asopts -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	outputs a.o # a.asdeps names the compile's temporary .s: never the same
	passthrough unsupported_option gcc -Wa,--MD,a.asdeps -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	outputs a.o a.lst
	passthrough unsupported_option gcc -Xassembler -aln=a.lst -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	outputs a.o a.c.315r.expand
	passthrough unsupported_option gcc -da -c a.c -Wall
}

test_unsupported_option_clang_files() {
	require_cmd clang
	simple_source
	echo 'not really a profile' >use.profdata
	settle
	outputs a.o
	passthrough unsupported_option clang -Xclang -fprofile-instrument-use-path=use.profdata -c a.c
	"$ZCCACHE" -z >/dev/null
	outputs a.o st.txt
	passthrough unsupported_option clang -Xclang -stats-file=st.txt -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	outputs a.o a.stats
	passthrough unsupported_option clang -save-stats -c a.c -Wall
	"$ZCCACHE" -z >/dev/null
	outputs a.o rec.yaml
	passthrough unsupported_option clang -O2 -foptimization-record-file=rec.yaml -c a.c -Wall
}

# clang's -grecord-command-line puts the command line in the object,
# with what a miss adds.
test_unsupported_option_clang_record_command_line() {
	require_cmd clang
	simple_source
	outputs a.o
	passthrough unsupported_option clang -g -grecord-command-line -c a.c -Wall
}

# -o /dev/stdout, or a link to /proc/self/fd/1: the caller's stdout, which
# the daemon must neither look at nor replace. (A link of the test's own,
# since a broken zccache run as root would replace /dev/stdout.)
test_output_to_process_files() {
	simple_source
	ln -s /proc/self/fd/1 so
	outputs
	ref gcc -S a.c -o so
	zc gcc -S a.c -o so
	expect_like_ref
	expect_uncacheable non_regular_output
	[ -L so ] || fail "the link to /proc/self/fd/1 was replaced"
}

# clang 14 ignores SOURCE_DATE_EPOCH: __TIME__ is the clock's.
test_time_macros_source_date_epoch_clang() {
	require_cmd clang
	printf '%s\n' 'const char *t = __TIME__;' >a.c
	settle
	outputs a.o
	export SOURCE_DATE_EPOCH=1000000000
	zc clang -c a.c
	expect_uncacheable time_macros
}

# -o naming the source: gcc refuses; a hit must not replace the source.
test_output_is_the_source() {
	simple_source
	cp a.c b.c
	settle
	outputs
	zc gcc -c a.c -o a.o
	cp b.c a.c
	settle
	ref gcc -c a.c -o a.c
	cmp -s a.c b.c || fail "the bare compiler changed the source"
	zc gcc -c a.c -o a.c
	expect_like_ref
	cmp -s a.c b.c || fail "zccache replaced the source"
	expect_stat uncacheable.output_is_input 1
	ln -s a.c link.c
	zc gcc -c link.c -o a.c
	cmp -s a.c b.c || fail "zccache replaced the source through a link"
}

# Two -o: gcc takes the last; the dependency options a miss adds would
# make cc1 refuse the compile.
test_two_outputs() {
	simple_source
	outputs x.o y.o
	passthrough unsupported_option gcc -c a.c -Wall -o x.o -o y.o
}

# A source that is not there: the compiler says so, counted as no source
# (not as an internal error).
test_missing_source() {
	outputs nosuch.o
	passthrough no_source gcc -c nosuch.c
}
