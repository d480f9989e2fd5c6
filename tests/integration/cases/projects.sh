# projects: real projects built twice through zccache; the second build is
# all hits and every object is byte-identical to a build without zccache.
# Slow (a minute or more each): run with ZCCACHE_TEST_SLOW=1.

require_slow() {
	[ "${ZCCACHE_TEST_SLOW:-0}" = 1 ] || skip "slow; set ZCCACHE_TEST_SLOW=1"
}

# expect_same_objects DIR1 DIR2: the same .o files, byte-identical.
expect_same_objects() {
	local a b o
	a=$(cd "$1" && find . -name '*.o' | sort)
	b=$(cd "$2" && find . -name '*.o' | sort)
	[ -n "$a" ] || fail "no objects in $1"
	[ "$a" = "$b" ] || fail "$1 and $2 hold different object files"
	for o in $a; do
		expect_equal_object_files "$1/$o" "$2/$o"
	done
}

# zccache's own sources: make CC="zccache gcc" into other build dirs.
test_zccache_itself() {
	require_slow
	require_cmd make pkg-config
	[ -f "$ZC_ROOT/Makefile" ] || skip "no Makefile in $ZC_ROOT"
	# a snapshot, so that edits during the test do not change the sources
	local root=$T/tree
	mkdir -p "$root"
	cp -r "$ZC_ROOT/Makefile" "$ZC_ROOT/src" "$root/" || fail "cannot copy the sources"
	# both programs, the small client compiled by the same compiler too
	make -s -C "$root" BUILD="$T/bare" CC=gcc THIN_CC=gcc "$T/bare/zccache" "$T/bare/zccache-core" >bare.log 2>&1 ||
		{ tail bare.log; fail "bare build failed"; }
	make -s -C "$root" BUILD="$T/b1" CC="$ZCCACHE gcc" THIN_CC="$ZCCACHE gcc" "$T/b1/zccache" "$T/b1/zccache-core" >b1.log 2>&1 ||
		{ tail b1.log; fail "build through zccache failed"; }
	local n; n=$(find "$T/bare" -name '*.o' | wc -l)
	expect_counts 0 "$n"
	make -s -C "$root" BUILD="$T/b2" CC="$ZCCACHE gcc" THIN_CC="$ZCCACHE gcc" "$T/b2/zccache" "$T/b2/zccache-core" >b2.log 2>&1 ||
		{ tail b2.log; fail "second build through zccache failed"; }
	expect_counts "$n" "$n"
	expect_same_objects "$T/bare" "$T/b1"
	expect_same_objects "$T/bare" "$T/b2"
	# the depfiles of the hits are what gcc writes for their own objects
	local d
	for d in $(cd "$T/bare" && find . -name '*.d'); do
		sed "s|$T/bare/|$T/b2/|g" "$T/bare/$d" >expected.d
		expect_equal_files expected.d "$T/b2/$d"
	done
	# the small client hands --version to the full program beside it
	"$T/b2/zccache" --version >/dev/null || fail "the zccache built from cached objects does not run"
}

# googletest as Debian ships it, with CMake and the compiler launcher.
test_googletest_cmake() {
	require_slow
	require_cmd cmake make g++
	[ -f /usr/src/googletest/CMakeLists.txt ] || skip "googletest sources not installed (/usr/src/googletest)"
	local build
	for build in bare b1 b2; do
		local args=(-S /usr/src/googletest -B "$T/$build" -DCMAKE_BUILD_TYPE=Release)
		[ $build = bare ] || args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$ZCCACHE" -DCMAKE_C_COMPILER_LAUNCHER="$ZCCACHE")
		cmake "${args[@]}" >"$build.configure.log" 2>&1 || { tail "$build.configure.log"; fail "configure $build failed"; }
		cmake --build "$T/$build" -j2 >"$build.build.log" 2>&1 || { tail "$build.build.log"; fail "build $build failed"; }
	done
	local n; n=$(find "$T/bare" -name '*.o' | wc -l)
	expect_counts "$n" "$n"
	expect_same_objects "$T/bare" "$T/b1"
	expect_same_objects "$T/bare" "$T/b2"
}
