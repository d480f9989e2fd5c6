# masquerade: symlinks named after compilers, the prefix form inside make,
# and CMake's compiler launcher.

masquerade() {
	local cc=$1 src=$2 gen=$3
	require_cmd "$cc"
	$gen >"$src"
	settle
	outputs a.o
	ref "$cc" -c "$src" -Wall -o a.o
	masquerade_dir "$T/bin" "$cc"
	export PATH="$T/bin:$ORIG_PATH"
	[ "$(command -v "$cc")" = "$T/bin/$cc" ] || fail "$cc is not the symlink"
	run_cap "$cc" -c "$src" -Wall -o a.o
	expect_like_ref
	expect_counts 0 1
	run_cap "$cc" -c "$src" -Wall -o a.o
	expect_like_ref
	expect_counts 1 1
	expect_stat "families.$(family_of "$cc").hits" 1
}

test_gcc() { masquerade gcc a.c warning_c_source; }
test_gxx() { masquerade g++ a.cpp warning_cxx_source; }
test_cc() { masquerade cc a.c warning_c_source; }
test_cxx() { masquerade c++ a.cpp warning_cxx_source; }
test_clang() { masquerade clang a.c warning_c_source; }
test_clangxx() { masquerade clang++ a.cpp warning_cxx_source; }

# Two masquerade directories (and a symlink to a symlink) before the real
# compiler: zccache skips every one that is itself.
test_skips_itself_twice() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	masquerade_dir "$T/bin1" gcc
	mkdir -p bin2
	ln -s "$T/bin1/gcc" bin2/gcc
	export PATH="$T/bin1:$T/bin2:$T/bin1:$ORIG_PATH"
	run_cap gcc -c a.c -Wall
	expect_like_ref
	run_cap gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
}

# The prefix form with a masquerade directory first in PATH: "zccache gcc"
# must not find itself as gcc.
test_prefix_with_masquerade_in_path() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	masquerade_dir "$T/bin" gcc
	export PATH="$T/bin:$ORIG_PATH"
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
}

# A masquerade symlink with no real compiler after it: a one-line error.
test_no_real_compiler() {
	warning_c_source >a.c
	masquerade_dir "$T/bin" gcc
	capture last env PATH="$T/bin" gcc -c a.c
	[ "$(cat "$T/.cap/last.rc")" != 0 ] || fail "exit status 0"
	expect_lines "$T/.cap/last.err" 1
	expect_match "$T/.cap/last.err" '^zccache: error: '
	expect_missing a.o
}

# A compiler named by an absolute path in the prefix form.
test_absolute_compiler_path() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref /usr/bin/gcc -c a.c -Wall
	zc /usr/bin/gcc -c a.c -Wall
	expect_like_ref
	zc /usr/bin/gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
}

make_project() {
	mkfile proj/Makefile <<'EOF'
CFLAGS = -O2 -Wall
OBJS = main.o util.o
prog: $(OBJS)
	$(CC) -o $@ $(OBJS)
%.o: %.c util.h
	$(CC) $(CFLAGS) -c $< -o $@
clean:
	rm -f prog $(OBJS)
EOF
	mkfile proj/util.h <<<'int util(int);'
	mkfile proj/util.c <<<'#include "util.h"
int util(int x) { int unused; return x * 3; }'
	mkfile proj/main.c <<<'#include "util.h"
int main(void) { return util(0); }'
	settle
}

test_make_cc_prefix() {
	require_cmd make
	make_project
	cd proj || fail cd
	make -s CC=gcc >../bare.out 2>../bare.err || fail "bare make failed"
	cp main.o ../main.o.ref
	cp util.o ../util.o.ref
	make -s clean
	make -s CC="$ZCCACHE gcc" >../zc1.out 2>../zc1.err || fail "make through zccache failed"
	expect_equal_files ../bare.err ../zc1.err
	expect_counts 0 2
	expect_stat linking 1
	make -s clean
	make -s CC="$ZCCACHE gcc" >../zc2.out 2>../zc2.err || fail "second make failed"
	expect_equal_files ../bare.err ../zc2.err
	expect_counts 2 2
	expect_equal_object_files ../main.o.ref main.o
	expect_equal_object_files ../util.o.ref util.o
	./prog || fail "the program built from cached objects does not run"
	# Nothing to do now: the restored objects are newer than their sources.
	make -q CC="$ZCCACHE gcc" || fail "make wants to rebuild after a cached build"
}

test_make_masquerade() {
	require_cmd make
	make_project
	masquerade_dir "$T/bin" cc gcc
	cd proj || fail cd
	make -s CC=cc >../bare.out 2>../bare.err || fail "bare make failed"
	cp main.o ../main.o.ref
	make -s clean
	export PATH="$T/bin:$ORIG_PATH"
	make -s CC=cc >/dev/null 2>&1 || fail "make failed"
	make -s clean
	make -s CC=cc >/dev/null 2>../zc.err || fail "make failed"
	expect_equal_files ../bare.err ../zc.err
	expect_counts 2 2
	expect_equal_object_files ../main.o.ref main.o
}

cmake_project() {
	mkfile proj/CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.13)
project(demo C CXX)
add_library(util STATIC util.c)
add_executable(demo main.cpp)
target_link_libraries(demo util)
EOF
	mkfile proj/util.h <<<'#ifdef __cplusplus
extern "C"
#endif
int util(int);'
	mkfile proj/util.c <<<'#include "util.h"
int util(int x) { return x * 3; }'
	mkfile proj/main.cpp <<<'#include <string>
#include "util.h"
int main() { std::string s("abc"); return util(0) + (int)s.size() - 3; }'
	settle
}

# cmake_build DIR [LAUNCHER]: configure and build quietly.
cmake_build() {
	local dir=$1 launcher=${2:-}
	local args=(-S proj -B "$dir" -DCMAKE_BUILD_TYPE=Release)
	if [ -n "$launcher" ]; then
		args+=(-DCMAKE_C_COMPILER_LAUNCHER="$launcher" -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
	fi
	cmake "${args[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; fail "cmake configure failed"; }
	cmake --build "$dir" >"$dir.build.log" 2>&1 || { cat "$dir.build.log"; fail "cmake build failed"; }
}

cmake_objects() {
	(cd "$1" && find . -name '*.o' | sort)
}

test_cmake_launcher() {
	require_cmd cmake make
	cmake_project
	cmake_build bare
	cmake_build b1 "$ZCCACHE"
	expect_counts 0 2
	cmake --build b1 --target clean >/dev/null || fail "clean failed"
	cmake --build b1 >b1.rebuild.log 2>&1 || { cat b1.rebuild.log; fail "rebuild failed"; }
	expect_counts 2 2
	cmake_build b2 "$ZCCACHE"
	expect_counts 4 2
	local o
	[ "$(cmake_objects bare)" = "$(cmake_objects b2)" ] || fail "different object lists"
	for o in $(cmake_objects bare); do
		expect_equal_object_files "bare/$o" "b1/$o"
		expect_equal_object_files "bare/$o" "b2/$o"
	done
	b2/demo || fail "demo built from cached objects does not run"
}
