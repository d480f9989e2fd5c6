# rsp: @file response files are expanded for analysis (nested too) and are
# part of the key; the compiler gets them as given.

test_response_file() {
	mkfile inc/v.h <<<'#define V_BASE 10'
	printf '%s\n' '#include <v.h>' 'int v = V_BASE + V;' >a.c
	printf '%s\n' '-c a.c -o a.o' '@more.rsp' >args.rsp
	printf '%s\n' '-Iinc "-DV=1" -Wall' >more.rsp
	settle
	outputs a.o
	ref gcc @args.rsp
	zc gcc @args.rsp
	expect_like_ref
	expect_counts 0 1
	zc gcc @args.rsp
	expect_like_ref
	expect_counts 1 1
	# a change in the nested file changes the result
	printf '%s\n' '-Iinc "-DV=2" -Wall' >more.rsp
	settle
	ref gcc @args.rsp
	zc gcc @args.rsp
	expect_like_ref
	expect_counts 1 2
}

# The include directory named only in the response file is used for the
# shadowing check and the manifest: a header change there is a miss.
test_response_file_header_change() {
	mkfile inc/v.h <<<'#define V 1'
	printf '%s\n' '#include <v.h>' 'int v = V;' >a.c
	echo '-Iinc' >args.rsp
	settle
	outputs a.o
	zc gcc -c a.c @args.rsp
	zc gcc -c a.c @args.rsp
	expect_counts 1 1
	echo '#define V 2' >inc/v.h
	settle
	ref gcc -c a.c @args.rsp
	zc gcc -c a.c @args.rsp
	expect_like_ref
	expect_counts 1 2
}

# The output named in a response file is where the hit goes.
test_response_file_output_and_depfile() {
	mkfile inc/v.h <<<'#define V 1'
	printf '%s\n' '#include <v.h>' 'int v = V;' >a.c
	echo '-Iinc -c a.c -o obj/a.o -MD -MF obj/a.d' >args.rsp
	mkdir -p obj
	settle
	outputs obj/a.o obj/a.d
	ref gcc @args.rsp
	zc gcc @args.rsp
	expect_like_ref
	zc gcc @args.rsp
	expect_like_ref
	expect_counts 1 1
}

test_response_file_clang() {
	require_cmd clang
	warning_c_source >a.c
	echo '-c a.c -Wall @nested.rsp' >args.rsp
	echo '-O1' >nested.rsp
	settle
	outputs a.o
	ref clang @args.rsp
	zc clang @args.rsp
	expect_like_ref
	zc clang @args.rsp
	expect_like_ref
	expect_counts 1 1
}
