# pch: a compile that uses a precompiled header. gcc's dependency file does
# not name the .gch it used, so zccache must find and hash it itself, and
# notice one that appears later.

pch_sources() {
	printf '%s\n' '#define V 1' 'int pchf(void);' >x.h
	printf '%s\n' '#include "x.h"' 'int f(void) { return V; }' >a.c
}

rebuild_pch() {
	printf '%s\n' "#define V $1" 'int pchf(void);' >x.h
	gcc -x c-header x.h -o x.h.gch
	settle
}

test_pch_use_hashes_the_gch() {
	pch_sources
	rebuild_pch 1
	outputs a.o
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 1
	# Same header file name, another precompiled content: must miss.
	rebuild_pch 2
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 2
}

test_pch_created_later() {
	pch_sources
	settle
	outputs a.o
	zc gcc -c a.c
	zc gcc -c a.c
	expect_counts 1 1
	# A .gch appears next to the header, with other content: gcc uses it.
	printf '%s\n' '#define V 5' 'int pchf(void);' >pch.h
	gcc -x c-header pch.h -o x.h.gch
	settle
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 2
}

test_pch_forced_include() {
	printf '%s\n' 'int g(void) { return V; }' >b.c
	rebuild_pch 3
	outputs b.o
	zc gcc -c -include x.h b.c
	zc gcc -c -include x.h b.c
	expect_counts 1 1
	rebuild_pch 4
	ref gcc -c -include x.h b.c
	zc gcc -c -include x.h b.c
	expect_like_ref
	expect_counts 1 2
}
