# outputs: every file a compile writes comes back on a hit, byte-identical,
# not a hard link into the store, with the mode the umask gives and a fresh
# mtime.

source_with_header() {
	mkfile inc/h.h <<<'#define H_VALUE 3'
	printf '%s\n' '#include <stdio.h>' '#include "h.h"' \
		'int f(int x) { return x + H_VALUE; }' \
		'int main(void) { printf("%d\n", f(1)); return 0; }' >a.c
	settle
}

# miss_then_hit CMD...: ref, miss and hit of the same compile, each like ref.
miss_then_hit() {
	ref "$@"
	zc "$@"
	expect_like_ref
	expect_counts 0 1
	zc "$@"
	expect_like_ref
	expect_counts 1 1
}

test_depfile_md_mf() {
	source_with_header
	outputs a.o a.d
	miss_then_hit gcc -c a.c -Iinc -MD -MF a.d
}

test_depfile_mmd_mf() {
	source_with_header
	outputs a.o a.d
	miss_then_hit gcc -c a.c -Iinc -MMD -MF a.d
	expect_not_contains a.d stdio.h
}

# -MD without -MF: the depfile is named after the object.
test_depfile_default_name() {
	source_with_header
	mkdir -p obj
	outputs obj/b.o obj/b.d
	miss_then_hit gcc -c a.c -Iinc -MD -o obj/b.o
}

test_depfile_default_name_no_o() {
	source_with_header
	outputs a.o a.d
	miss_then_hit gcc -c a.c -Iinc -MD
}

test_depfile_mt_mq_mp() {
	source_with_header
	outputs a.o deps.d
	miss_then_hit gcc -c a.c -Iinc -MD -MF deps.d -MT 'first$target' -MQ 'quoted$target' -MP
}

test_depfile_clang() {
	require_cmd clang
	source_with_header
	outputs a.o a.d
	miss_then_hit clang -c a.c -Iinc -MD -MF a.d
}

# A hit for another -o gets the depfile the compiler would have written for
# that -o (its target is the new object), not the stored one.
test_depfile_target_rewritten() {
	source_with_header
	mkdir -p x y
	outputs x/a.o a.d
	zc gcc -c a.c -Iinc -MD -MF a.d -o x/a.o
	expect_counts 0 1
	outputs y/a.o a.d
	ref gcc -c a.c -Iinc -MD -MF a.d -o y/a.o
	expect_contains "$T/.ref/1" "y/a.o:"
	zc gcc -c a.c -Iinc -MD -MF a.d -o y/a.o
	expect_like_ref
	expect_counts 1 1
}

test_depfile_default_name_target_rewritten() {
	source_with_header
	mkdir -p x y
	outputs x/a.o x/a.d
	zc gcc -c a.c -Iinc -MMD -o x/a.o
	expect_counts 0 1
	outputs y/a.o y/a.d
	ref gcc -c a.c -Iinc -MMD -o y/a.o
	zc gcc -c a.c -Iinc -MMD -o y/a.o
	expect_like_ref
	expect_counts 1 1
}

# A depfile as make would use it: the same compile with and without -MD
# must not serve an entry lacking the depfile.
test_depfile_added_later() {
	source_with_header
	outputs a.o
	zc gcc -c a.c -Iinc
	outputs a.o a.d
	ref gcc -c a.c -Iinc -MD -MF a.d
	zc gcc -c a.c -Iinc -MD -MF a.d
	expect_like_ref
	zc gcc -c a.c -Iinc -MD -MF a.d
	expect_like_ref
}

test_split_dwarf() {
	source_with_header
	outputs a.o a.dwo
	miss_then_hit gcc -c a.c -Iinc -g -gsplit-dwarf -o a.o
	expect_exists a.dwo
}

test_split_dwarf_clang() {
	require_cmd clang
	source_with_header
	outputs a.o a.dwo
	miss_then_hit clang -c a.c -Iinc -g -gsplit-dwarf -o a.o
}

# --coverage stamps the .gcno and the object with a per-compile value, so
# two bare compiles differ: the hit must equal the miss that stored it.
test_coverage_gcno() {
	source_with_header
	outputs a.o a.gcno
	zc gcc -c a.c -Iinc --coverage -o a.o
	[ "$(cat "$T/.cap/zc.rc")" = 0 ] || fail "compile failed: $(cat "$T/.cap/zc.err")"
	expect_exists a.gcno
	save_outputs "$T/.miss"
	zc gcc -c a.c -Iinc --coverage -o a.o
	expect_outputs_like "$T/.miss"
	expect_counts 1 1
	expect_not_hardlink a.o a.gcno
}

test_ftest_coverage() {
	source_with_header
	outputs a.o a.gcno
	zc gcc -c a.c -Iinc -ftest-coverage -o a.o
	expect_exists a.gcno
	save_outputs "$T/.miss"
	zc gcc -c a.c -Iinc -ftest-coverage -o a.o
	expect_outputs_like "$T/.miss"
	expect_counts 1 1
}

test_stack_usage() {
	source_with_header
	outputs a.o a.su
	miss_then_hit gcc -c a.c -Iinc -fstack-usage -o a.o
	expect_exists a.su
}

test_serialize_diagnostics() {
	require_cmd clang
	warning_c_source >a.c
	settle
	outputs a.o a.dia
	miss_then_hit clang -c a.c -Wall --serialize-diagnostics a.dia
	expect_exists a.dia
}

test_assembly_output() {
	source_with_header
	outputs a.s
	miss_then_hit gcc -S a.c -Iinc
	outputs out.s
	ref gcc -S a.c -Iinc -o out.s
	zc gcc -S a.c -Iinc -o out.s
	expect_like_ref
	zc gcc -S a.c -Iinc -o out.s
	expect_like_ref
}

# Everything at once, then the properties of the restored files.
all_outputs_args() {
	echo gcc -c a.c -Iinc -g -gsplit-dwarf -fstack-usage -MD -MF a.d -o a.o
}

test_restored_not_hardlinks() {
	source_with_header
	outputs a.o a.d a.dwo a.su
	# shellcheck disable=SC2046
	miss_then_hit $(all_outputs_args)
	expect_not_hardlink a.o a.d a.dwo a.su
	# An in-place edit of a restored file must not reach the store.
	echo garbage >>a.o
	# shellcheck disable=SC2046
	zc $(all_outputs_args)
	expect_like_ref
	expect_counts 2 1
}

restored_mode() {
	local mask=$1 mode=$2 i
	source_with_header
	outputs a.o a.d a.dwo a.su
	# shellcheck disable=SC2046
	zc $(all_outputs_args)
	umask "$mask"
	# shellcheck disable=SC2046
	ref $(all_outputs_args)
	# shellcheck disable=SC2046
	zc $(all_outputs_args)
	expect_like_ref
	expect_counts 1 1
	for i in 0 1 2 3; do
		expect_mode "$T/.ref/$i" "$mode" # what the compiler gives
	done
	for f in a.o a.d a.dwo a.su; do
		expect_mode "$f" "$mode"
	done
}

test_restored_mode_umask_022() { restored_mode 022 644; }
test_restored_mode_umask_077() { restored_mode 077 600; }

test_restored_fresh_mtime() {
	source_with_header
	outputs a.o a.d a.dwo a.su
	# shellcheck disable=SC2046
	zc $(all_outputs_args)
	sleep 0.05
	touch stamp
	sleep 0.05
	# shellcheck disable=SC2046
	zc $(all_outputs_args)
	expect_counts 1 1
	expect_newer a.o stamp
	expect_newer a.d stamp
	expect_newer a.dwo stamp
	expect_newer a.su stamp
}

# A hit overwrites an existing (stale) output file rather than failing.
test_hit_overwrites_existing_output() {
	source_with_header
	outputs a.o
	ref gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	echo stale >a.o
	zc_keep gcc -c a.c -Iinc
	expect_like_ref
	expect_counts 1 1
}

# The compilers wrap the dependency list by column: for a target of another
# length every line break may move. A hit for another -o writes what the
# compiler would, byte for byte (gcc and clang wrap differently).
test_depfile_rewrapped_for_target() {
	local h cc dir
	for h in alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu; do
		mkfile "inc/header $h.h" <<<"int v_$h;"
		echo "#include \"header $h.h\"" >>a.c
	done
	settle
	for cc in gcc clang; do
		for dir in x bb a_rather_long_build_directory_name \
			$(printf 'y%.0s' {1..40}) $(printf 'z%.0s' {1..75}); do
			mkdir -p $dir
			outputs $dir/a.o a.d
			ref $cc -c a.c -Iinc -MD -MF a.d -MP -o $dir/a.o
			zc $cc -c a.c -Iinc -MD -MF a.d -MP -o $dir/a.o
			expect_like_ref
		done
	done
	expect_counts 8 2
}

# Files cc1 writes in place (-S output, the depfile): a hit does what it
# would. Through a link (the target gets the text), into both names of a
# hard link, and keeping an existing depfile's mode. (A hit once replaced
# the link, left the other name old and gave the depfile 644.)
test_in_place_outputs_as_compiler_writes_them() {
	source_with_header
	outputs
	zc gcc -S a.c -Iinc -o w.s
	zc gcc -S a.c -Iinc -o w.s
	expect_counts 1 1
	mkdir real
	echo old >real/t.s
	ln -s real/t.s a.s
	zc_keep gcc -S a.c -Iinc -o a.s
	[ -L a.s ] || fail "the link a.s was replaced"
	cmp -s real/t.s w.s || fail "the link's target did not get the assembly"
	echo old >h.s
	ln h.s b.s
	zc_keep gcc -S a.c -Iinc -o b.s
	cmp -s h.s w.s || fail "the other name of b.s was left old"
	echo old >a.d
	chmod 640 a.d
	zc_keep gcc -c a.c -Iinc -MD -MF a.d -o a.o
	expect_mode a.d 640
}

# A hit that cannot write every output writes none: the depfile's
# directory is missing, the compile fails, and no fresh object is left.
test_hit_writes_all_outputs_or_none() {
	source_with_header
	outputs obj/b.o
	mkdir obj
	zc gcc -c a.c -Iinc -MD -o obj/w.o
	zc gcc -c a.c -Iinc -MD -o obj/w.o
	expect_counts 1 1
	ref gcc -c a.c -Iinc -MD -MF nodir/a.d -o obj/b.o
	zc gcc -c a.c -Iinc -MD -MF nodir/a.d -o obj/b.o
	expect_like_ref
	[ ! -e obj/b.o ] || fail "a fresh object was left beside a failed compile"
}

# A read-only -S output: gcc fails to open it, and so must the compile
# through zccache, hit or not (run as another user: root may write it).
test_read_only_in_place_output() {
	[ "$(id -u)" = 0 ] || skip "needs root to run as another user"
	source_with_header
	mkdir cache run
	chmod 700 run
	chown 65534:65534 cache run . a.c inc inc/*
	local as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups
			 env ZCCACHE_DIR=$T/cache XDG_RUNTIME_DIR=$T/run HOME=$T)
	"${as_nobody[@]}" "$ZCCACHE" gcc -S a.c -Iinc -o w.s || fail "warm-up failed"
	"${as_nobody[@]}" "$ZCCACHE" gcc -S a.c -Iinc -o w.s || fail "warm-up failed"
	echo old >a.s
	chmod 444 a.s
	chown 65534:65534 a.s
	local rc=0
	"${as_nobody[@]}" "$ZCCACHE" gcc -S a.c -Iinc -o a.s 2>/dev/null || rc=$?
	[ "$rc" = 1 ] || fail "exit code $rc for a read-only output, not gcc's 1"
	[ ! -e a.s ] || fail "a.s is there: gcc deletes the output of a failed compile"
	"${as_nobody[@]}" "$ZCCACHE" stop >/dev/null 2>&1 || true
}

# A hit whose second output does not fit (a full file system): the first
# one written goes again, and the compile runs as bare (no fresh object
# beside a failed compile).
test_hit_on_full_file_system_writes_nothing() {
	[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
	mkdir -p inc mnt
	local h
	for h in $(seq 1 300); do
		echo "int hh$h;" >inc/header_with_a_rather_long_name_to_fill_the_depfile_$h.h
	done
	for h in $(seq 1 300); do
		echo "#include \"header_with_a_rather_long_name_to_fill_the_depfile_$h.h\""
	done >dep.c
	echo 'int x(void){return 1;}' >>dep.c
	settle
	zc gcc -Iinc -MD -c dep.c -o warm.o
	zc gcc -Iinc -MD -c dep.c -o warm.o
	expect_counts 1 1
	mount -t tmpfs -o size=24k tmpfs mnt || skip "cannot mount a tmpfs"
	on_cleanup "umount $T/mnt"
	outputs mnt/dep.o mnt/dep.d
	echo OLDOBJ >mnt/dep.o
	echo OLDDEP >mnt/dep.d
	capture ref gcc -Iinc -MD -c dep.c -o mnt/dep.o
	local bare_obj=absent
	[ -e mnt/dep.o ] && bare_obj=$(head -c 4 mnt/dep.o | od -An -c | tr -d ' ')
	rm -f mnt/*
	echo OLDOBJ >mnt/dep.o
	echo OLDDEP >mnt/dep.d
	zc_keep gcc -Iinc -MD -c dep.c -o mnt/dep.o
	local zc_obj=absent
	[ -e mnt/dep.o ] && zc_obj=$(head -c 4 mnt/dep.o | od -An -c | tr -d ' ')
	[ "$(cat "$T/.cap/ref.rc")" = "$(cat "$T/.cap/zc.rc")" ] || fail "exit codes differ"
	[ "$zc_obj" = "$bare_obj" ] || fail "object after the compile: bare '$bare_obj', zccache '$zc_obj'"
}
