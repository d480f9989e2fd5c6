# headers: the manifest covers every include file by content, and a header
# created later where the compiler would find it first is never missed.

test_header_change() {
	echo 'int h = 1;' >h.h
	printf '%s\n' '#include "h.h"' 'int f(void) { return h; }' >a.c
	settle
	outputs a.o
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	zc gcc -c a.c
	expect_counts 1 1
	echo 'int h = 2;' >h.h
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 2
	zc gcc -c a.c
	expect_like_ref
	expect_counts 2 2
	# the first content again: the first entry hits
	echo 'int h = 1;' >h.h
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 3 2
}

# Same size, same mtime second: the content decides, not the stat data.
test_header_same_size_change() {
	echo 'int h = 1;' >h.h
	printf '%s\n' '#include "h.h"' 'int f(void) { return h; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	zc gcc -c a.c
	expect_counts 1 1
	echo 'int h = 7;' >h.h
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 2
}

test_nested_header_change() {
	mkfile inc/outer.h <<<'#include "inner.h"'
	mkfile inc/inner.h <<<'int inner = 1;'
	printf '%s\n' '#include <outer.h>' 'int f(void) { return inner; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_counts 1 1
	echo 'int inner = 22;' >inc/inner.h
	settle
	ref gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_like_ref
	expect_counts 1 2
}

test_header_removed() {
	echo 'int h = 1;' >h.h
	printf '%s\n' '#include "h.h"' 'int f(void) { return h; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	rm h.h
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_stat hits 0
}

# -Ia -Ib: x.h is found in b/ and cached; then a/x.h appears. The compiler
# now uses a/x.h, so must zccache (ccache's direct mode misses this).
shadowing() {
	local inc=$1
	mkdir -p a
	mkfile b/x.h <<<'int x = 2;'
	printf '%s\n' "#include $inc" 'int f(void) { return x; }' >src.c
	settle
	outputs src.o
	zc gcc -c src.c -Ia -Ib
	zc gcc -c src.c -Ia -Ib
	expect_counts 1 1
	echo 'int x = 1;' >a/x.h
	settle
	ref gcc -c src.c -Ia -Ib
	zc gcc -c src.c -Ia -Ib
	expect_like_ref
	expect_stat hits 1
	zc gcc -c src.c -Ia -Ib
	expect_like_ref
	# and after removing it again, the b/x.h result is right again
	rm a/x.h
	settle
	ref gcc -c src.c -Ia -Ib
	zc gcc -c src.c -Ia -Ib
	expect_like_ref
}

test_shadowing_quote() { shadowing '"x.h"'; }
test_shadowing_angle() { shadowing '<x.h>'; }

test_shadowing_clang() {
	require_cmd clang
	mkdir -p a
	mkfile b/x.h <<<'int x = 2;'
	printf '%s\n' '#include "x.h"' 'int f(void) { return x; }' >src.c
	settle
	outputs src.o
	zc clang -c src.c -Ia -Ib
	zc clang -c src.c -Ia -Ib
	expect_counts 1 1
	echo 'int x = 1;' >a/x.h
	settle
	ref clang -c src.c -Ia -Ib
	zc clang -c src.c -Ia -Ib
	expect_like_ref
	expect_stat hits 1
}

# What the compiler skipped where it looked first (a directory, a link that
# leads nowhere) is no file now but may become one: then the compile must
# miss, never hit the old object. SHADOW_SETUP makes a/h.h, SHADOW_CHANGE
# turns it into a header.
shadow_not_a_file() {
	mkfile b/h.h <<<'int v = 1;'
	eval "$SHADOW_SETUP"
	printf '%s\n' '#include <h.h>' 'int f(void) { return v; }' >x.c
	settle
	outputs x.o
	ref gcc -c x.c -Ia -Ib
	zc gcc -c x.c -Ia -Ib
	expect_like_ref
	zc gcc -c x.c -Ia -Ib
	expect_like_ref
	expect_counts 1 1
	eval "$SHADOW_CHANGE"
	settle
	ref gcc -c x.c -Ia -Ib
	zc gcc -c x.c -Ia -Ib
	expect_like_ref
	expect_counts 1 2
}

test_shadowing_dangling_link() {
	SHADOW_SETUP='mkdir a; ln -s ../gen/h.h a/h.h'
	SHADOW_CHANGE='mkdir gen; echo "int v = 2; int w;" >gen/h.h'
	shadow_not_a_file
}

test_shadowing_directory() {
	SHADOW_SETUP='mkdir -p a/h.h'
	SHADOW_CHANGE='rmdir a/h.h; echo "int v = 2; int w;" >a/h.h'
	shadow_not_a_file
}

# -MD with -MMD: the compiler leaves system headers out (whatever the
# order), so the dependency list cannot be trusted for them.
test_md_with_mmd_system_header() {
	mkfile sys/x.h <<<'#define X 2'
	printf '%s\n' '#include <x.h>' 'int v = X;' >s.c
	settle
	outputs s.o s.d
	zc gcc -c s.c -isystem sys -MD -MMD -MF s.d
	zc gcc -c s.c -isystem sys -MD -MMD -MF s.d
	expect_counts 1 1
	echo '#define X 1' >sys/x.h
	settle
	ref gcc -c s.c -isystem sys -MD -MMD -MF s.d
	zc gcc -c s.c -isystem sys -MD -MMD -MF s.d
	expect_like_ref
	expect_counts 1 2
}

# The include search list is remembered per command line. A directory the
# compiler skipped as missing, created later (generated headers), is searched
# from then on: a header later put in an earlier directory must still miss.
test_missing_directory_created_later() {
	mkdir inc0
	mkfile inc2/x.h <<<'#define X 2'
	printf '%s\n' '#include "x.h"' 'int v = X;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Iinc0 -Iinc1 -Iinc2
	mkfile inc1/x.h <<<'#define X 1'
	settle
	ref gcc -c a.c -Iinc0 -Iinc1 -Iinc2
	zc gcc -c a.c -Iinc0 -Iinc1 -Iinc2
	expect_like_ref
	expect_counts 0 2
	echo '#define X 0' >inc0/x.h
	settle
	ref gcc -c a.c -Iinc0 -Iinc1 -Iinc2
	zc gcc -c a.c -Iinc0 -Iinc1 -Iinc2
	expect_like_ref
	expect_counts 0 3
}

# gcc names a system header by its resolved path when that is shorter
# (-fcanonical-system-headers): here sdk/v1/include/x.h, looked up as
# sdk/current/include/x.h. Re-pointing `current` must never hit the old
# object: such a compile is not cached.
test_system_header_through_symlink() {
	mkfile sdk/v1/include/x.h <<<'#define X 1'
	mkfile sdk/v2/include/x.h <<<'#define X 2'
	ln -s v1 sdk/current
	printf '%s\n' '#include <x.h>' 'int v = X;' >s.c
	settle
	outputs s.o
	zc gcc -c s.c -isystem "$T/sdk/current/include"
	zc gcc -c s.c -isystem "$T/sdk/current/include"
	ln -sfn v2 sdk/current
	settle
	ref gcc -c s.c -isystem "$T/sdk/current/include"
	zc gcc -c s.c -isystem "$T/sdk/current/include"
	expect_like_ref
	expect_stat hits 0
	expect_stat uncacheable.unexplained_header 3
}

# -iquote and -isystem directories shadow the same way.
test_shadowing_iquote_isystem() {
	mkdir -p q s
	mkfile sys/y.h <<<'int y = 2;'
	printf '%s\n' '#include "y.h"' 'int f(void) { return y; }' >src.c
	settle
	outputs src.o
	zc gcc -c src.c -iquote q -isystem s -isystem sys
	zc gcc -c src.c -iquote q -isystem s -isystem sys
	expect_counts 1 1
	echo 'int y = 3;' >s/y.h
	settle
	ref gcc -c src.c -iquote q -isystem s -isystem sys
	zc gcc -c src.c -iquote q -isystem s -isystem sys
	expect_like_ref
	echo 'int y = 4;' >q/y.h
	settle
	ref gcc -c src.c -iquote q -isystem s -isystem sys
	zc gcc -c src.c -iquote q -isystem s -isystem sys
	expect_like_ref
	expect_stat hits 1
}

# A quote include is looked up in the source's own directory first: a header
# created there later shadows the one found through -I.
test_shadowing_source_directory() {
	mkfile src/a.c <<<'#include "x.h"
int f(void) { return x; }'
	mkfile inc/x.h <<<'int x = 2;'
	settle
	outputs a.o
	zc gcc -c src/a.c -Iinc
	zc gcc -c src/a.c -Iinc
	expect_counts 1 1
	echo 'int x = 1;' >src/x.h
	settle
	ref gcc -c src/a.c -Iinc
	zc gcc -c src/a.c -Iinc
	expect_like_ref
	expect_stat hits 1
}

# The same for a header included from a header: its directory comes first.
test_shadowing_includer_directory() {
	mkfile inc/outer.h <<<'#include "inner.h"'
	mkfile inc2/inner.h <<<'int inner = 2;'
	printf '%s\n' '#include <outer.h>' 'int f(void) { return inner; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Iinc -Iinc2
	zc gcc -c a.c -Iinc -Iinc2
	expect_counts 1 1
	echo 'int inner = 1;' >inc/inner.h
	settle
	ref gcc -c a.c -Iinc -Iinc2
	zc gcc -c a.c -Iinc -Iinc2
	expect_like_ref
	expect_stat hits 1
}

# __has_include of a file that does not exist yet.
test_has_include_created_later() {
	printf '%s\n' '#if __has_include("opt.h")' '#include "opt.h"' '#else' \
		'#define OPT 0' '#endif' 'int opt = OPT;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c
	zc gcc -c a.c
	expect_counts 1 1
	echo '#define OPT 5' >opt.h
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_stat hits 1
}

# gcc's dependency list does not name what a __has_include found: its
# disappearance must miss too.
test_has_include_found_then_deleted() {
	mkfile inc/opt.h <<<'#define OPT 5'
	printf '%s\n' '#if __has_include("opt.h")' '#define OPT 1' '#else' \
		'#define OPT 0' '#endif' 'int opt = OPT;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_counts 1 1
	rm inc/opt.h
	settle
	ref gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_like_ref
	expect_counts 1 2
}

# The usual idiom: a macro that wraps __has_include, in another header
# (fmt, Abseil); the header it probes is created later in an earlier -I.
test_has_include_wrapped_created_later() {
	mkfile cfg/cfg.h <<<'#define HAS(x) __has_include(x)'
	printf '%s\n' '#include "cfg.h"' '#if HAS(<opt.h>)' '#include <opt.h>' '#else' \
		'#define OPT 0' '#endif' 'int opt = OPT;' >a.c
	mkdir inc
	settle
	outputs a.o
	zc gcc -c a.c -Iinc -Icfg
	zc gcc -c a.c -Iinc -Icfg
	expect_counts 1 1
	echo '#define OPT 5' >inc/opt.h
	settle
	ref gcc -c a.c -Iinc -Icfg
	zc gcc -c a.c -Iinc -Icfg
	expect_like_ref
	expect_counts 1 2
}

# A probed name that only the preprocessor knows: not cached.
test_has_include_macro_name() {
	printf '%s\n' '#define NAME "opt.h"' '#if __has_include(NAME)' '#define OPT 1' '#else' \
		'#define OPT 0' '#endif' 'int opt = OPT;' >a.c
	settle
	outputs a.o
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_stat uncacheable.computed_has_include 1
	expect_counts 0 0
}

# A header modified while the compile runs (by a wrapper compiler, so the
# timing is certain) is not stored: its content may not be what the
# compiler read.
test_modified_during_compile() {
	echo 'int h = 1;' >h.h
	printf '%s\n' '#include "h.h"' 'int f(void) { return h; }' >a.c
	mkfile wrap/gcc <<<'#!/bin/sh
echo "int h = 2;" >h.h
exec /usr/bin/gcc "$@"'
	chmod +x wrap/gcc
	settle
	outputs a.o
	ref "$T/wrap/gcc" -c a.c
	echo 'int h = 1;' >h.h
	settle
	zc "$T/wrap/gcc" -c a.c
	expect_like_ref
	expect_stat modified_during_compile 1
	expect_entries r 0
	# with the header left alone, the compile is stored and then hits
	settle
	zc gcc -c a.c
	zc gcc -c a.c
	expect_stat hits 1
}

# -Igen -Iinc with gen missing: creating gen/ and gen/x.h later must miss.
test_shadowing_missing_directory() {
	mkfile inc/x.h <<<'int x = 1;'
	printf '%s\n' '#include <x.h>' 'int f(void) { return x; }' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Igen -Iinc
	zc gcc -c a.c -Igen -Iinc
	expect_counts 1 1
	mkfile gen/x.h <<<'int x = 2;'
	settle
	ref gcc -c a.c -Igen -Iinc
	zc gcc -c a.c -Igen -Iinc
	expect_like_ref
	expect_counts 1 2
}

# <sub/x.h> found in b/sub: a/sub does not exist yet; creating it with an
# x.h inside must miss.
test_shadowing_missing_subdirectory() {
	mkdir -p a
	mkfile b/sub/x.h <<<'int x = 1;'
	printf '%s\n' '#include <sub/x.h>' 'int f(void) { return x; }' >s.c
	settle
	outputs s.o
	zc gcc -c s.c -Ia -Ib
	zc gcc -c s.c -Ia -Ib
	expect_counts 1 1
	mkfile a/sub/x.h <<<'int x = 3;'
	settle
	ref gcc -c s.c -Ia -Ib
	zc gcc -c s.c -Ia -Ib
	expect_like_ref
	expect_counts 1 2
}

# An include directory spelled with ".." (CMake writes "-I.../lib/..") : the
# daemon resolves "sub/.." itself while sub is a plain directory, and a change
# to the header or a symlink put in sub's place is still seen.
test_dotdot_include_dir() {
	mkdir -p sub d/e
	echo 'int h = 1;' >h.h
	echo 'int h = 100;' >d/h.h
	printf '%s\n' '#include <h.h>' 'int f(void) { return h; }' >a.c
	settle
	outputs a.o
	ref gcc -I"$T/sub/.." -c a.c
	zc gcc -I"$T/sub/.." -c a.c
	expect_like_ref
	zc gcc -I"$T/sub/.." -c a.c
	expect_counts 1 1
	echo 'int h = 2;' >h.h
	settle
	ref gcc -I"$T/sub/.." -c a.c
	zc gcc -I"$T/sub/.." -c a.c
	expect_like_ref
	expect_counts 1 2
	# sub becomes a symlink to d/e: sub/.. is d now, and d/h.h is read
	mv sub sub.old
	ln -s d/e sub
	settle
	ref gcc -I"$T/sub/.." -c a.c
	zc gcc -I"$T/sub/.." -c a.c
	expect_like_ref
	expect_counts 1 3
}

# After a change: the next compile of a.c with $INCS is a miss that gives
# the bare compiler's object, the one after it a hit. HITS MISSES before.
miss_then_hit() {
	settle
	ref gcc $INCS -c a.c
	zc gcc $INCS -c a.c
	expect_like_ref
	expect_counts "$1" $(($2 + 1))
	zc gcc $INCS -c a.c
	expect_like_ref
	expect_counts $(($1 + 1)) $(($2 + 1))
}

# Absolute include directories, as CMake writes them: the daemon checks a
# stamped set again by directory (the scopes of hash/filememo.h), and only
# where something changed. Each change below must be seen: a header's
# content, a header made where an earlier directory was searched in vain,
# a build directory made anew. The unrelated change first moves the file
# memory on without touching the set's directories.
test_absolute_dirs_checked_by_scope() {
	INCS="-I$T/build/gen -I$T/src/inc1 -I$T/src/inc2"
	mkfile build/gen/config.h <<<'#define CONFIG 1'
	mkfile src/inc1/a.h <<<'int a = 1;'
	mkfile src/inc2/b.h <<<'int b = 1;'
	mkfile src/inc2/x.h <<<'int x = 1;'
	mkfile other/o.h <<<'int o = 1;'
	printf '%s\n' '#include "config.h"' '#include <a.h>' '#include <b.h>' '#include <x.h>' \
		'int f(void) { return CONFIG + a + b + x; }' >a.c
	printf '%s\n' '#include <o.h>' 'int g(void) { return o; }' >o.c
	settle
	outputs a.o
	zc gcc $INCS -c a.c
	zc gcc -I"$T/other" -c o.c -o o.o
	zc gcc $INCS -c a.c
	expect_counts 1 2
	echo 'int o = 2;' >other/o.h
	settle
	export ZCCACHE_LOGFILE=$T/zc.log
	zc gcc $INCS -c a.c
	expect_counts 2 2
	# the daemon skipped every scope: nothing changed in them
	[ -n "${ZCCACHE_NODAEMON:-}" ] || expect_contains "$ZCCACHE_LOGFILE" "scopes checked again"
	[ -n "${ZCCACHE_NODAEMON:-}" ] || ! grep -q "[1-9][0-9]* of [0-9]* scopes checked again" "$ZCCACHE_LOGFILE" ||
		fail "a scope in which nothing changed was checked again: $(grep "scopes checked" "$ZCCACHE_LOGFILE")"
	# a header's content
	echo 'int b = 2;' >src/inc2/b.h
	miss_then_hit 2 2
	# a header where an earlier directory was searched
	echo 'int x = 5;' >src/inc1/x.h
	miss_then_hit 3 3
	# the build directory made anew, its header changed
	mv build build.old
	mkfile build/gen/config.h <<<'#define CONFIG 2'
	miss_then_hit 4 4
}

# An include directory written "lib/../inc": the header's answer rests on
# lib being a directory, above the header's own directory. When lib turns
# into a symlink elsewhere, "lib/.." is another directory with another
# h.h: the set must be checked again there, not skipped as unchanged.
test_dotdot_above_the_header_directory() {
	mkfile src/inc/h.h <<<'int h = 1;'
	mkdir -p src/lib other/lib
	mkfile other/inc/h.h <<<'int h = 100;'
	printf '%s\n' '#include <h.h>' 'int f(void) { return h; }' >a.c
	settle
	outputs a.o
	zc gcc -I"$T/src/lib/../inc" -c a.c
	zc gcc -I"$T/src/lib/../inc" -c a.c
	zc gcc -I"$T/src/lib/../inc" -c a.c
	expect_counts 2 1
	mv src/lib src/lib.old
	ln -s "$T/other/lib" src/lib
	settle
	ref gcc -I"$T/src/lib/../inc" -c a.c
	zc gcc -I"$T/src/lib/../inc" -c a.c
	expect_like_ref
	expect_counts 2 2
}

# A header rewritten while the dependency list of an -MMD compile is made
# (after the compile): the entry must not pair the compile's header digests
# with the new content's header list (found by review: a wrong hit).
test_dep_pass_race() {
	mkdir bin
	cat >bin/gcc <<EOF2
#!/bin/sh
for a in "\$@"; do
	if [ "\$a" = -M ] && [ -e "$T/trigger" ]; then
		rm -f "$T/trigger"
		printf '#include "y.h"\n' >"$T/h.h"
	fi
done
exec /usr/bin/gcc "\$@"
EOF2
	chmod +x bin/gcc
	export PATH=$T/bin:$PATH
	printf '#define VAL 1\n' >x.h
	printf '#define VAL 2\n' >y.h
	printf '#include "x.h"\n' >h.h
	printf '#include "h.h"\nint v = VAL;\n' >a.c
	printf '#include "h.h"\nint w = VAL;\n' >b.c
	settle
	zc gcc -c b.c -o b.o # h.h is known to the daemon now
	daemon_quiesce
	touch trigger
	zc gcc -MMD -c a.c -o a.o
	daemon_quiesce
	expect_missing trigger
	printf '#include "x.h"\n' >h.h # what the compile read
	printf '#define VAL 42\n' >x.h
	settle
	outputs a.o a.d
	ref gcc -MMD -c a.c -o a.o
	zc gcc -MMD -c a.c -o a.o
	expect_like_ref
}

# A header appears in an earlier include directory after the compile
# looked, before the entry is recorded: it must not be taken for one the
# compiler passed over (found by review: a wrong hit).
test_late_shadow() {
	mkdir bin inc1 inc2
	cat >bin/gcc <<EOF2
#!/bin/sh
/usr/bin/gcc "\$@"; rc=\$?
if [ -e "$T/trigger" ]; then
	rm -f "$T/trigger"
	printf '#define VAL 7\n' >"$T/inc1/x.h"
fi
exit \$rc
EOF2
	chmod +x bin/gcc
	export PATH=$T/bin:$PATH
	printf '#define VAL 1\n' >inc2/x.h
	printf '#include "x.h"\nint v = VAL;\n' >a.c
	settle
	touch trigger
	zc gcc -Iinc1 -Iinc2 -c a.c -o a.o
	daemon_quiesce
	expect_missing trigger
	settle
	outputs a.o
	ref gcc -Iinc1 -Iinc2 -c a.c -o a.o
	zc gcc -Iinc1 -Iinc2 -c a.c -o a.o
	expect_like_ref
}

# A header file that is a symlink in a system directory (Debian's
# /usr/include/ncursesw/term.h -> ../term.h): gcc names the resolved path in
# its dependency list, not the name it looked up. A header later created under
# that name in an earlier directory shadows it, and re-pointing the link
# changes what is read. (gcc looks for the target's quoted includes beside the
# target, not beside the name.)
test_symlinked_system_header_file() {
	mkdir s0
	mkfile sys/term.h <<<'#include "x.h"'
	mkfile sys/x.h <<<'#define X 1'
	mkfile sys/term2.h <<<'#define X 3'
	mkdir sys/ncursesw
	ln -s ../term.h sys/ncursesw/term.h
	mkfile sys/wrap.h <<<'#include <ncursesw/term.h>'
	printf '%s\n' '#include <wrap.h>' 'int v = X;' >s.c
	settle
	outputs s.o
	zc gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	zc gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	expect_counts 1 1
	mkfile s0/ncursesw/term.h <<<'#define X 2'
	settle
	ref gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	zc gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	expect_like_ref
	rm -r s0/ncursesw
	mkfile sys/ncursesw/x.h <<<'#define X 4'
	settle
	ref gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	zc gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	expect_like_ref
	rm sys/ncursesw/x.h
	ln -sfn ../term2.h sys/ncursesw/term.h
	settle
	ref gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	zc gcc -c s.c -isystem "$T/s0" -isystem "$T/sys"
	expect_like_ref
	expect_stat hits 2
}

# The same through a symlinked header in an earlier search directory that
# leads to the header of a later one: the dependency list names the later
# one, which the name alone would explain.
test_symlinked_system_header_earlier_directory() {
	mkfile b/x.h <<<'#define X 1'
	mkfile b/y.h <<<'#define X 2'
	mkdir aaaaaaaa
	ln -s ../b/x.h aaaaaaaa/x.h
	printf '%s\n' '#include <x.h>' 'int v = X;' >s.c
	settle
	outputs s.o
	zc gcc -c s.c -isystem "$T/aaaaaaaa" -isystem "$T/b"
	zc gcc -c s.c -isystem "$T/aaaaaaaa" -isystem "$T/b"
	expect_counts 1 1
	ln -sfn ../b/y.h aaaaaaaa/x.h
	settle
	ref gcc -c s.c -isystem "$T/aaaaaaaa" -isystem "$T/b"
	zc gcc -c s.c -isystem "$T/aaaaaaaa" -isystem "$T/b"
	expect_like_ref
	expect_counts 1 2
}

# The include search list is read from the compiler's messages, which follow
# the user's language: it is asked for in the C locale. (A German gcc calls a
# missing directory "nicht vorhandenes Verzeichnis".)
test_search_list_in_users_language() {
	[ -e /usr/share/locale/de/LC_MESSAGES/cpplib-12.mo ] || skip "no gcc-12-locales"
	unset LC_ALL
	export LANGUAGE=de LANG=C.UTF-8
	mkfile inc/x.h <<<'#define X 2'
	printf '%s\n' '#include "x.h"' 'int v = X;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Igen -Iinc
	zc gcc -c a.c -Igen -Iinc
	expect_counts 1 1
	mkfile gen/x.h <<<'#define X 1'
	settle
	ref gcc -c a.c -Igen -Iinc
	zc gcc -c a.c -Igen -Iinc
	expect_like_ref
	expect_counts 1 2
}

# Include directories the compiler skips that may be searched later: one that
# duplicates another through a symlink (replaced later by a directory of its
# own), and a regular file given as -I (replaced later by a directory).
test_skipped_duplicate_directory_diverges() {
	mkdir a
	ln -s a b
	mkfile c/x.h <<<'#define X 2'
	printf '%s\n' '#include "x.h"' 'int v = X;' >s.c
	settle
	outputs s.o
	for cc in gcc clang; do
		[ $cc = clang ] && { rm b; ln -s a b; }
		zc $cc -c s.c -Ia -Ib -Ic
		zc $cc -c s.c -Ia -Ib -Ic
		rm b
		mkfile b/x.h <<<'#define X 1'
		settle
		ref $cc -c s.c -Ia -Ib -Ic
		zc $cc -c s.c -Ia -Ib -Ic
		expect_like_ref
		rm -r b
	done
	expect_counts 2 4
}

test_skipped_file_directory_becomes_one() {
	: >f
	mkfile c/x.h <<<'#define X 2'
	printf '%s\n' '#include "x.h"' 'int v = X;' >s.c
	settle
	outputs s.o
	for cc in gcc clang; do
		[ $cc = clang ] && { rm -r f; : >f; }
		zc $cc -c s.c -If -Ic
		zc $cc -c s.c -If -Ic
		rm f
		mkfile f/x.h <<<'#define X 1'
		settle
		ref $cc -c s.c -If -Ic
		zc $cc -c s.c -If -Ic
		expect_like_ref
	done
	expect_counts 2 4
}

# gcc names a header of a system directory given relative by its absolute
# path when that is shorter (-fcanonical-system-headers): __FILE__ then
# depends on where the checkout is. Two checkouts sharing a cache, without -g.
test_relative_system_directory_two_checkouts() {
	local long=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
	local sys=./././././././././././././././././././././././././././././././././././sys d
	for d in a $long; do
		mkfile $d/sys/h.h <<<'static const char *f = __FILE__;'
		printf '%s\n' '#include <h.h>' 'const char *g(void) { return f; }' >$d/s.c
	done
	settle
	outputs s.o
	cd $long
	zc gcc -c s.c -isystem $sys
	zc gcc -c s.c -isystem $sys
	expect_counts 1 1
	cd ../a
	ref gcc -c s.c -isystem $sys
	zc gcc -c s.c -isystem $sys
	expect_like_ref
}

# A backslash-newline is removed before anything else: even inside the word
# "include" (or "__has_include") it still names the header.
test_line_splice_inside_directive() {
	mkfile inc/x.h <<<'#define X 2'
	mkdir src
	printf '%s\n' '#inc\' 'lude "x.h"' '#if __has_incl\' 'ude("y.h")' '#include "y.h"' '#endif' \
		'int v = X;' >src/a.c
	settle
	outputs a.o
	zc gcc -c src/a.c -Iinc
	zc gcc -c src/a.c -Iinc
	expect_counts 1 1
	mkfile src/x.h <<<'#define X 1'
	settle
	ref gcc -c src/a.c -Iinc
	zc gcc -c src/a.c -Iinc
	expect_like_ref
	mkfile inc/y.h <<<'#undef X
#define X 3'
	settle
	ref gcc -c src/a.c -Iinc
	zc gcc -c src/a.c -Iinc
	expect_like_ref
	expect_counts 1 3
}

# -Wmissing-include-dirs: whether each include dir exists is in the output
# (a warning, or an error with -Werror=), also for a compile that reads no
# header through them.
test_missing_include_dirs_warned() {
	mkdir gen
	echo 'int v;' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Werror=missing-include-dirs -Igen
	zc gcc -c a.c -Werror=missing-include-dirs -Igen
	expect_counts 1 1
	rmdir gen
	settle
	ref gcc -c a.c -Werror=missing-include-dirs -Igen
	zc gcc -c a.c -Werror=missing-include-dirs -Igen
	expect_like_ref
	zc gcc -c a.c -Wmissing-include-dirs -Igen
	zc gcc -c a.c -Wmissing-include-dirs -Igen
	mkdir gen
	settle
	ref gcc -c a.c -Wmissing-include-dirs -Igen
	zc gcc -c a.c -Wmissing-include-dirs -Igen
	expect_like_ref
	expect_counts 2 3
}
